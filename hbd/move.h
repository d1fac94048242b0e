/*
 * move.h - planned moves of resource groups between two hbd nodes
 * (hb_standby, hb_takeover, auto_failback's failback); design and
 * guarantees in doc/hbd.md "Planned moves".
 *
 * Contract:
 * - Only planned moves take this path, and only when both nodes are hbd
 *   and agree (the requester's ask_resources "me" carries move=1, the
 *   other's "other" answers move=1).  A Heartbeat peer never sees the
 *   field and the classic stop-then-start exchange runs unchanged.  Peer
 *   death, failed starts and ipfail keep the classic path.
 * - What a resource may do is read from its script, never by running an
 *   unknown script: a line "# hbd-move: WORD..." in its first 4 KiB, WORD
 *   one of prepare, drain, address.  A script without it is classic.
 * - Order: the taker runs "prepare" for its prepare resources (the old
 *   node still serves); the giver, right to left, runs "drain" for drain
 *   resources and "stop" for the others, except that a group with a drain
 *   resource keeps its address resources up; once its last drain is done
 *   and only addresses and "early" resources run left of it, the giver
 *   says "drained" and the taker starts its addresses in the background;
 *   the giver's remaining stops include the final replication barrier;
 *   then the taker starts the group left to right (prepared resources
 *   answer "running" and are skipped; "early" ones do not wait for the
 *   address) and reports once its addresses are up; the giver then stops
 *   its addresses and, right to left, everything else.
 * - Any failure on the giver before it lets go cancels the move: the group
 *   is started again on the giver (its address re-announced if the taker
 *   may have announced it) and the taker stops what it prepared.
 *   A peer that dies at any step is handled as a crash: the survivor
 *   starts the whole group (one owner).
 * - Scripts run during a move get HBD_MOVE=planned in their environment.
 */
#ifndef HBD_MOVE_H
#define HBD_MOVE_H

#include <glib.h>
#include "msg.h"
#include "move-caps.h"
#include "rm-types.h"

/* Only rm.c (the top of the resource manager) calls these; the modules
 * below it reach the ones they need through its table of hooks
 * (rm_move_ops in rm-types.h), so that move.c sits above them. */

/* This node offers and accepts planned moves (HBD_PLANNED_MOVE=off in
 * hbd's environment turns them off, for comparisons). */
gboolean hbd_move_enabled(void);
/* Requester: offer a planned move for this standby (hbd peer only). */
gboolean hbd_move_offer(hbd_rm *rm);
/* The cluster's listen hook (ud: the hbd_rm): TRUE while a standby or a
 * planned move runs on this node, so that each of the peer's move
 * messages is read when it arrives, not at the next heartbeat tick (an
 * idle hbd reads its media only on the send tick, cluster.c). */
gboolean hbd_move_listening(void *ud);
/* Taker, on "me" with move=1: prepare the set (our terms), then answer
 * "other" with move=1. */
void hbd_move_prepare(hbd_rm *rm, int set);
/* Giver, on "other" with move=1: drain/stop the set (our terms); the
 * caller waits for the groups to settle and sends "done". */
void hbd_move_release(hbd_rm *rm, int set);
/* Taker, on "done" with move=1: mark the set before starting it. */
void hbd_move_acquire(hbd_rm *rm, int set);
/* Taker: resource g->idx has started (report the address when it is the
 * group's last address resource). */
void hbd_move_started(struct rm_group *g);
/* Taker: resource g->idx is known not to run here (not prepared, and we
 * held nothing of the group): start it without asking its status first
 * (one script less on the way to the first acknowledgement). */
gboolean hbd_move_needs_no_status(const struct rm_group *g);
/* Taker: when resource g->idx is an address of a group whose giver kept
 * its own (the group drains), start it in the background and let the
 * chain go on with the resources declared "prepare" or "early" (they need
 * no address); TRUE when started so. */
gboolean hbd_move_start_early(struct rm_group *g);
/* Taker's start chain, before resource g->idx (or its end). */
hbd_move_gate hbd_move_address_gate(struct rm_group *g);
/* A group's start chain completed here (re-announce its address if the
 * peer dropped its own meanwhile). */
void hbd_move_group_started(struct rm_group *g);
/* Giver, on the taker's "done": stop what is still parked. */
void hbd_move_finish(hbd_rm *rm);
/* A "move" message from the peer (step=addr|abort). */
void hbd_move_msg(hbd_rm *rm, const hb_msg *m);
/* The requester gave up waiting: tell the peer, undo our part. */
void hbd_move_cancel(hbd_rm *rm, const char *why);
/* The peer died or restarted: every group leaves its move step (the
 * caller then wants what it takes over). */
void hbd_move_reset(hbd_rm *rm);
/* The group is someone else's now, or not yet ours, though some of its
 * resources run here: not listed as held, and not stopped by rm.c. */
gboolean hbd_move_handed(const struct rm_group *g);

#endif
