/*
 * repl-replica.h - the replica role: the session's frames applied to the
 * trees, the durable position acknowledged, the manifest, signatures and
 * files the source asks for.
 *
 * Contract: repl_replica_init() loads the state file (STATEDIR/state:
 * "applied N", "dirty 0|1", "complete N") and hands the position to the
 * applier;
 * repl_replica_conn_ops() are the ops for inbound sessions.  Frames are
 * applied in order; one that must see the tree settled (a rename over,
 * or a delta against, a file waiting to be linked; session control) or
 * that arrives while too much waits for the disk holds the session's
 * input (repl-conn.h) until the sync pipeline has caught up - nothing
 * waits inside a callback.  After each completed sync the files that
 * could not be put in place are reported (the source resends them) and
 * the new durable position is sent as an ACK; the state file follows
 * within 100 ms.  While this node is the source (repl_replica_set_active
 * FALSE) an inbound HELLO is refused.  "dirty": this node was a source
 * since the last complete reconcile (the next session is a union).
 * "complete": the applied position when this replica last held
 * everything its source had sent (from the end of a session's catch-up,
 * the empty FETCH, on it follows applied; a new session or a RESCAN
 * freezes it until that session's catch-up ends).  Sequence numbers are
 * one series over a source's replicas, so a catch-up's frames carry
 * numbers above those a current replica holds: "applied" overstates a
 * replica in the middle of its catch-up, "complete" does not.
 * Logs at err: peer errors, apply failures; notice: reconcile complete.
 */
#ifndef REPL_REPLICA_H
#define REPL_REPLICA_H

#include <glib.h>

#include "repl-conf.h"
#include "repl-conn.h"

void repl_replica_init(const struct repl_conf *conf);
const struct repl_conn_ops *repl_replica_conn_ops(void);
void repl_replica_set_active(gboolean active);
/* This node becomes a source: the next session reconciles. */
void repl_replica_mark_dirty(void);
/* This source ended a planned handover in sync at pos (repl-ctl: every
 * change acknowledged, nothing pending) and is a replica now: the next
 * session may skip the catch-up when the new source proves it holds
 * exactly pos (HELLO kind 2, seq = pos).  In memory only (a restart
 * reconciles in full); dirty stays set for any other session. */
void repl_replica_handover_clean(guint64 pos);
/* The position this replica holds (its last applied and fsynced seq). */
guint64 repl_replica_position(void);
/* "role=replica session=... applied=N dirty=0|1 complete=N\n" (owned). */
char *repl_replica_status(void);
/* After the main loop: everything received to disk, state saved. */
void repl_replica_shutdown(void);

#endif
