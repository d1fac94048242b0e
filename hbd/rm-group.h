/*
 * rm-group.h - the group state machine: resource sets, and for each
 * haresources group the start and stop chains towards its wanted state.
 *
 * Contract:
 * - Sets are Heartbeat's 2-bit rsc_hold: local (groups whose preferred
 *   node is us), foreign, all, none; a set in the peer's terms is turned
 *   into ours by rm_invert().
 * - A group has a wanted state (g->want); rm_group_kick() runs the start
 *   chain (left to right) or the stop chain (right to left) towards it,
 *   one child at a time (rm-script.h), and does nothing while a chain
 *   runs: the chain's end kicks again, so a change of mind mid-chain is
 *   followed once the running action ended (a start chain whose group is
 *   no longer wanted stops what it started, right to left).
 * - Start: a resource whose status says running is skipped; any other
 *   rc than 0 from start is a failure: the group is marked failed (never
 *   retried on its own), everything up to and including the failed
 *   resource is stopped, right to left, then rm->on_failed runs.
 * - Stop: a failed stop is retried every second, 10 attempts, then status
 *   decides what is logged; the chain goes on either way.
 * - rm_when_settled() runs a callback once no group is busy, in order of
 *   registration.
 * Depends on: rm-script.h, move.h (a planned move's hooks in the chains).
 */
#ifndef HBD_RM_GROUP_H
#define HBD_RM_GROUP_H

#include <glib.h>
#include "rm-types.h"

#define RM_STOP_RETRIES 10

/* "none", "local", "foreign", "all" */
const char *rm_set_name(int s);
/* the reverse (NULL is none, "failback" is foreign); -1 when unknown */
int rm_set_parse(const char *s);
int rm_invert(int s);
gboolean rm_in_set(const rm_group *g, int set);
/* What we hold (or are acquiring), in our terms. */
int rm_hold(hbd_rm *rm);
/* the group with this haresources key, or NULL (borrowed) */
rm_group *rm_find_group(hbd_rm *rm, const char *key);

/* Runs the chain towards g->want unless one runs already. */
void rm_group_kick(rm_group *g);
/* Sets want for every group of set (a failed group is not wanted again)
 * and kicks them: stops right to left across groups, starts left to
 * right. */
void rm_set_want(hbd_rm *rm, int set, gboolean want);
/* resumes a start chain that move.c held (hbd_move_address_gate) */
void rm_start_continue(rm_group *g);
/* a chain on g ended: not busy, kick it towards its wanted state, run
 * the batches waiting for the groups to settle */
void rm_chain_end(rm_group *g);

/* No group is busy. */
gboolean rm_settled(hbd_rm *rm);
/* fn(rm, ud) once rm_settled() (at once when it is) */
void rm_when_settled(hbd_rm *rm, rm_settled_fn fn, void *ud);
void rm_check_batches(hbd_rm *rm);

#endif
