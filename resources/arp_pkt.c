/*
 * arp_pkt.c - ARP announcement packets (pure functions, see send_arp.h).
 *
 * Invariants: no allocation, no I/O; output is always ARP_PKT_LEN bytes.
 * Logs nothing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>

#include "send_arp.h"

struct arp_pkt {
	unsigned short hrd;
	unsigned short pro;
	unsigned char hln;
	unsigned char pln;
	unsigned short op;
	unsigned char sha[ETH_ALEN];
	unsigned char sip[4];
	unsigned char tha[ETH_ALEN];
	unsigned char tip[4];
} __attribute__((packed));

int
arp_parse_hwaddr(const char *s, unsigned char out_mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		out_mac[i] = (unsigned char)b[i];
	return 0;
}

void
arp_build(int op, const unsigned char mac[6], struct in_addr ip,
	  unsigned char out_buf[ARP_PKT_LEN])
{
	struct arp_pkt p;

	memset(&p, 0, sizeof(p));
	p.hrd = htons(ARPHRD_ETHER);
	p.pro = htons(ETH_P_IP);
	p.hln = ETH_ALEN;
	p.pln = 4;
	p.op = htons(op == ARP_OP_REPLY ? ARPOP_REPLY : ARPOP_REQUEST);
	memcpy(p.sha, mac, ETH_ALEN);
	memcpy(p.sip, &ip, 4);
	if (op == ARP_OP_REPLY)
		memset(p.tha, 0xff, ETH_ALEN);
	memcpy(p.tip, &ip, 4);
	memcpy(out_buf, &p, ARP_PKT_LEN);
}
