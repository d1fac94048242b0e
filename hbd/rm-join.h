/*
 * rm-join.h - taking resources: when this node joins the cluster, and
 * when it takes over everything from a dead peer.
 *
 * Contract:
 * - Joining alone (the peer not heard): take all groups.  With legacy
 *   failback: ip-request per local group.  Else send "starting" and take
 *   our local groups that the peer does not hold, once the peer says it
 *   is stable (or both start at once), or after 10 s without an answer.
 * - Takeover (peer dead, fenced or not needed): every group is wanted
 *   here, the peer's view is forgotten, a standby exchange is dropped,
 *   and a planned move is reset (move.h: one owner).
 * Depends on: rm-group.h, rm-proto.h, move.h.
 */
#ifndef HBD_RM_JOIN_H
#define HBD_RM_JOIN_H

#include "rm-types.h"

#define RM_RQSTDELAY_MS 10000

/* Our own node became active (RM_WAIT ends). */
void rm_comm_up(hbd_rm *rm);
/* RM_STARTING ends: take the local groups the peer does not hold. */
void rm_take_local(hbd_rm *rm, const char *why);
/* The peer is gone: take everything. */
void rm_takeover_all(hbd_rm *rm, const char *why);

#endif
