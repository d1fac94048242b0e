/*
 * repl-source.h - the source role: changes captured (repl-watch.h),
 * compared with the replica at the start of each session
 * (repl-catchup.c), and sent in order; barriers for the mail path.
 *
 * Contract: between repl_source_start() and repl_source_stop() the trees
 * are watched; every configured peer (replicate.conf `peer`, repeatable)
 * is a replica with an outbound session of its own (repl-conn.h; the ops
 * are repl_source_conn_ops(), user = the peer): HELLO, the replica's
 * manifest (or, when it follows this run and the journal of what changed
 * while it was away is valid, that journal: `journal N`), its catch-up,
 * then the stream; each has its own queue and position.
 * repl_source_barrier(path) answers reply("OK N\n") once the barrier
 * policy (`barrier all|one|N`, repl_barrier_met) holds: all /
 * one / N of the replicas that count for it acknowledged as durable
 * every change made before the call (and path, sent first).  A replica
 * counts when it was current at the call (streaming, its catch-up sent);
 * when none was, every one with a session, once caught up; when none had
 * a session, the first to catch up (with `barrier N`, also one that
 * catches up while fewer than N count); it stops counting when its
 * session breaks.  "OK async\n" at once in async mode,
 * "ERR role changed\n" when the role changes first, "DOWN session
 * lost\n" when no replica counts for it any more; reply is called
 * exactly once, from the main loop or from inside the call.
 * Logs at err: peer errors on apply; notice: the catch-up plan.
 */
#ifndef REPL_SOURCE_H
#define REPL_SOURCE_H

#include <glib.h>

#include "repl-conf.h"
#include "repl-conn.h"

typedef void (*repl_reply_fn)(const char *text, void *ctx);

/* conf is borrowed.  0 or -errno (inotify). */
int repl_source_start(const struct repl_conf *conf);
void repl_source_stop(void);
const struct repl_conn_ops *repl_source_conn_ops(void);
/* Connect to every configured peer that has no session (the connect
 * timer calls it every 500 ms while this node is the source). */
void repl_source_connect(void);
void repl_source_barrier(const char *path, repl_reply_fn reply, void *ctx);
/* A session is up or being set up (not "phase=down"). */
gboolean repl_source_session_up(void);
/* Everything this source changed is acknowledged by the replica and
 * nothing else is pending (inotify events read first): *out_pos is the
 * replica's position, equal to this source's.  FALSE with several peers
 * (positions differ per replica: a planned handover then reconciles). */
gboolean repl_source_in_sync(guint64 *out_pos);
/* A planned handover (ROLE source planned): the old source ended in
 * sync and its daemon is there to receive, so the first session is
 * expected within 2 s; until it streams (or those 2 s pass) the status
 * carries "handover=1" and replicate-mda waits for it instead of
 * accepting mail on this node alone.  pos: what this node holds (its
 * replica position); the first session offers the old source to skip the
 * catch-up (HELLO kind 2, repl-replica.h), which it accepts only when it
 * ended as the source in sync at exactly pos; otherwise the usual
 * catch-up runs.  No-op when streaming or stopped.  With several peers
 * the skip is not offered (each replica catches up as usual). */
void repl_source_handover(guint64 pos);
/* "role=source phase=... bytes_out=N[ handover=1]\n", and with several
 * peers one "replica ADDR:PORT session=..." line per peer (owned). */
char *repl_source_status(void);

#endif
