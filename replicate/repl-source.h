/*
 * repl-source.h - the source role: changes captured (repl-watch.h),
 * compared with the replica at the start of each session
 * (repl-catchup.c), and sent in order; barriers for the mail path.
 *
 * Contract: between repl_source_start() and repl_source_stop() the trees
 * are watched; repl_source_conn_ops() are the ops of the outbound session
 * (repl-conn.h): HELLO, the replica's manifest, the catch-up, then the
 * stream.  repl_source_barrier(path) answers reply("OK N\n") once the
 * replica acknowledged as durable every change made before the call
 * (and path, sent first), "OK async\n" at once in async mode, or
 * "ERR role changed\n" when the role changes first, "DOWN session
 * lost\n" when the session breaks while it waits; reply is called
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
void repl_source_barrier(const char *path, repl_reply_fn reply, void *ctx);
/* A session is up or being set up (not "phase=down"). */
gboolean repl_source_session_up(void);
/* Everything this source changed is acknowledged by the replica and
 * nothing else is pending (inotify events read first): *out_pos is the
 * replica's position, equal to this source's. */
gboolean repl_source_in_sync(guint64 *out_pos);
/* A planned handover (ROLE source planned): the old source ended in
 * sync and its daemon is there to receive, so the first session is
 * expected within 2 s; until it streams (or those 2 s pass) the status
 * carries "handover=1" and replicate-mda waits for it instead of
 * accepting mail on this node alone.  pos: what this node holds (its
 * replica position); the first session offers the old source to skip the
 * catch-up (HELLO kind 2, repl-replica.h), which it accepts only when it
 * ended as the source in sync at exactly pos; otherwise the usual
 * catch-up runs.  No-op when streaming or stopped. */
void repl_source_handover(guint64 pos);
/* "role=source phase=... bytes_out=N[ handover=1]\n" (owned). */
char *repl_source_status(void);

#endif
