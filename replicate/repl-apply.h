/*
 * repl-apply.h - applying replicated operations to the local trees, with
 * a group commit (both roles: the replica for the stream, the source for
 * files fetched back in a reconcile).
 *
 * Contract: repl_apply_frame() applies one DATA, COMMIT, RENAME, DELETE,
 * MKDIR or ATTR frame at once, except that a committed file is only
 * linked under its name after a sync (repl-sync.h) that began after its
 * last byte was written.  Syncs run one at a time in the helper, each
 * started as soon as the previous one completed and something waits;
 * nothing here blocks the main loop (repl_apply_flush_now() is for
 * shutdown, after the loop).  The caller keeps the order of operations:
 * a frame for which repl_apply_needs_flush() is TRUE must wait until
 * repl_apply_settled(), and no frame should be applied while
 * repl_apply_congested() (too many files or bytes wait for the disk);
 * repl_apply_kick() starts the sync that ends either state, and the
 * notify callback runs from the loop after each completed sync (the
 * wire paths that could not be put in place, or NULL; it owns the
 * array).  repl_apply_durable(): every operation up to this seq is on
 * disk.  The module owns the files in transfer and waiting; it uses the
 * tree (repl-tree.h) and the sync helper, and nothing above them.
 */
#ifndef REPL_APPLY_H
#define REPL_APPLY_H

#include <glib.h>

#include "repl-proto.h"

typedef void (*repl_apply_notify_fn)(GPtrArray *failed);

/* Set up (first call) or drop the files in transfer (each later call:
 * a new session), and start syncing what was received. */
void repl_apply_reset(void);
void repl_apply_set_position(guint64 seq);
/* A session starts at the source's position seq (its HELLO): what came
 * before is applied here or void (the session's catch-up covers it), so
 * the next completed sync makes everything up to seq durable.  Before
 * repl_apply_reset(), which starts that sync. */
void repl_apply_session_at(guint64 seq);
void repl_apply_set_notify(repl_apply_notify_fn fn);
/* How a group that may be synced either way is synced: the kind expected
 * to be quicker, from the measured times (ADAPTIVE, the default), or
 * always by fsync()s of its inodes (FDS) or a syncfs() (FULL), for tests
 * and benches.  Groups with a created directory, the first of a session
 * and groups over REPL_SYNC_MAX_FDS inodes always take a syncfs(). */
enum { REPL_APPLY_SYNC_ADAPTIVE, REPL_APPLY_SYNC_FDS, REPL_APPLY_SYNC_FULL };
void repl_apply_sync_policy(int policy);

/* 0, or an error (negative; *out_err: owned text naming the frame). */
int repl_apply_frame(const struct repl_frame *f, char **out_err);
/* Forget a file in transfer (its send failed). */
void repl_apply_drop_part(const char *wire);

gboolean repl_apply_needs_flush(const struct repl_frame *f);
gboolean repl_apply_settled(void);
gboolean repl_apply_congested(void);
void repl_apply_kick(void);
/* Take a completed sync now (link, report) while the socket keeps the
 * loop busy. */
void repl_apply_poll(void);
guint64 repl_apply_durable(void);

/* Blocking group commit of everything applied: only after the main loop
 * ended.  The paths that failed (caller frees) or NULL. */
GPtrArray *repl_apply_flush_now(void);

#endif
