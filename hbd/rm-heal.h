/*
 * rm-heal.h - partition healing: a group held on both nodes, and the
 * gratuitous ARP that follows.
 *
 * Contract:
 * - With an hbd peer (its group list is known) the group's preferred node
 *   keeps it; the other drops the group's addresses first (IPaddr*, out
 *   of the chain) and then stops the group, then announces.  The keeper
 *   re-announces its addresses at once and again once the peer let go.
 * - With a Heartbeat peer (sets only) we keep what we hold, since
 *   Heartbeat gives up everything when it restarts after a partition; we
 *   re-announce once it let go, and hand our foreign set back should it
 *   still hold its own 30 s later.
 * - Nothing is resolved during a standby exchange.
 * Depends on: rm-group.h, rm-proto.h, rm-script.h.
 */
#ifndef HBD_RM_HEAL_H
#define HBD_RM_HEAL_H

#include "rm-types.h"

#define RM_HB_CONTEST_S 30	/* a Heartbeat peer that holds on after a heal */

/* After a resource message from the peer: resolve groups held twice. */
void rm_resolve_conflicts(hbd_rm *rm);
/* re-runs the group's IPaddr starts: gratuitous ARP for its addresses */
void rm_reannounce(rm_group *g);
/* the same for every running group we hold */
void rm_reannounce_all(hbd_rm *rm);
/* forget a contest with a Heartbeat peer (it died or let go) */
void rm_hb_contest_clear(hbd_rm *rm);

#endif
