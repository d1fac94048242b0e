/*
 * ping.h - ping nodes (ha.cf ping / ping_group): ICMP echo reachability.
 *
 * Every keepalive an echo request goes to each address of each ping node;
 * a reply from any of a node's addresses keeps it at status "ping", and
 * deadping without one makes it "dead" (cluster.c's check timer).  One
 * raw ICMP socket is shared; replies are matched by id and address.
 */
#ifndef HBD_PING_H
#define HBD_PING_H

#include "cluster.h"

typedef struct hbd_ping hbd_ping;

/* Returns NULL when no ping nodes are configured.  Errors are logged. */
hbd_ping *hbd_ping_new(hbd_cluster *c);
void hbd_ping_free(hbd_ping *p);	/* accepts NULL */

#endif
