/*
 * repl-apply-commit.h - the group commit of applied operations: what
 * waits for the disk, which sync covers it, and the durable position.
 *
 * Contract: a file whose content is complete (repl_apply_commit_add) is
 * only linked under its name after a sync (repl-sync.h) that began after
 * its last byte was written; a directory operation is durable with the
 * next sync, which covers what repl_apply_touch() was given (or, after
 * repl_apply_syncfs_next() and whenever the group is big or new
 * directories were made, is a syncfs()).  Syncs run one at a time in the
 * helper, each started as soon as the previous one completed and
 * something waits; nothing here blocks the main loop
 * (repl_apply_flush_now() is for shutdown, after the loop).  A caller
 * must wait until repl_apply_settled() before an operation that needs
 * the tree as applied, and should apply nothing while
 * repl_apply_congested() (too many files or bytes wait for the disk);
 * repl_apply_kick() starts the sync that ends either state, and the
 * notify callback runs from the loop after each completed sync (the wire
 * paths that could not be put in place, or NULL; it owns the array).
 * repl_apply_durable(): every operation up to this seq is on disk.
 * The module owns the files waiting to be linked, the fds to sync and
 * the directory files land in (kept open between files); it uses the
 * tree (repl-tree.h) and the sync helper, and nothing above them.
 * repl-apply.c is its only caller besides the roles' public calls below.
 */
#ifndef REPL_APPLY_COMMIT_H
#define REPL_APPLY_COMMIT_H

#include <sys/stat.h>
#include <glib.h>

typedef void (*repl_apply_notify_fn)(GPtrArray *failed);

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

/* ---- for repl-apply.c ---- */

/* Set up (first call) or start over (a new session: what waits is kept,
 * the next sync is a syncfs()), and start syncing what was received. */
void repl_apply_commit_reset(void);
/* A temp file for rel (in root): unnamed in rel's directory (created as
 * needed), else named in .replicate.tmp (name, n bytes; "" for an
 * unnamed one).  mode: the file's final permissions where known, else 0.
 * fd (caller's until handed to repl_apply_commit_add) or -errno. */
int repl_apply_tmp_create(int root, const char *rel, guint32 mode,
			  char *name, size_t n);
/* Hand a complete file (fd and temp name from repl_apply_tmp_create; st
 * its fstat) over: it takes its directory's owner, waits for the next
 * sync and is then linked as wire (rel in root).  Operation seq. */
void repl_apply_commit_add(guint64 seq, int root, const char *rel,
			   const char *wire, int fd, const char *tmp,
			   const struct stat *st);
/* fd (owned) changed and must be fsynced by the next sync. */
void repl_apply_touch(int fd);
/* The next sync must be a syncfs() (a directory was created). */
void repl_apply_syncfs_next(void);
/* Directories may have moved or gone: reopen the one files land in. */
void repl_apply_dir_forget(void);
/* The operation seq is applied (durable with the next sync). */
void repl_apply_applied(guint64 seq);
/* Is a file waiting to be linked at wire path p (n bytes), or, with
 * below, anywhere under it? */
gboolean repl_apply_waiting_at(const char *p, size_t n, gboolean below);
/* Apply a rename (to) or delete (to NULL: dropped, never linked) of wire
 * path w and what is under it to the files waiting; TRUE when any was. */
gboolean repl_apply_waiting_move(const char *w, const char *to);

#endif
