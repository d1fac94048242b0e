/*
 * rm-standby.h - Heartbeat's standby exchange (hb_standby, hb_takeover,
 * auto_failback's failback, a failed start's hand-over, ipfail).
 *
 * Contract:
 * - The requester R sends ask_resources "me" for its set and waits 10 s
 *   for the other node O; O (stable, peer stable) answers "other" (after
 *   preparing, for a planned move: move.h); R stops its set and sends
 *   "done"; O starts the complement and sends "done".  Both are in
 *   RM_TRANSITION meanwhile (at most an hour); a timeout cancels the
 *   exchange (and a planned move) and both sides return to stable.
 * - ipfail: the node that reaches fewer ping nodes than its peer for three
 *   consecutive keepalives hands what it holds to the peer (classic).
 * Depends on: rm-group.h, rm-proto.h, move.h.
 */
#ifndef HBD_RM_STANDBY_H
#define HBD_RM_STANDBY_H

#include "msg.h"
#include "rm-types.h"

#define RM_STANDBY_REPLY_MS 10000

/* Gives set (our terms) to the peer.  planned: hb_standby, hb_takeover,
 * auto_failback (a planned move is offered to an hbd peer); a failed
 * start and ipfail keep the classic exchange. */
void rm_standby_request(hbd_rm *rm, int set, gboolean planned);
/* The exchange is over here: stable, announce what we hold. */
void rm_standby_finish(hbd_rm *rm);
/* An ask_resources message from the peer. */
void rm_ask_resources(hbd_rm *rm, const hb_msg *m);
/* ipfail's keepalive timer (rm->ipfail_timer; ud: rm) */
gboolean rm_ipfail_cb(gpointer data);

#endif
