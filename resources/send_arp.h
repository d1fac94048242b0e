/*
 * send_arp.h - ARP announcement packet building for send_arp(8).
 *
 * Contract: pure functions, no allocation.  arp_build writes exactly
 * ARP_PKT_LEN bytes (Ethernet/IPv4 ARP body, network byte order).
 * arp_parse_hwaddr returns 0 and writes out_mac, or -EINVAL and leaves it.
 */
#ifndef HB_SEND_ARP_H
#define HB_SEND_ARP_H

#include <netinet/in.h>

#define ARP_PKT_LEN 28

enum { ARP_OP_REQUEST = 0, ARP_OP_REPLY = 1 };

void arp_build(int op, const unsigned char mac[6], struct in_addr ip,
	       unsigned char out_buf[ARP_PKT_LEN]);
int arp_parse_hwaddr(const char *s, unsigned char out_mac[6]);

#endif
