/*
 * repl-sync.h - syncfs() of the roots' file systems off the main loop.
 *
 * Contract: repl_sync_start() forks one helper process that holds the
 * roots' directory fds and, for each request, either calls syncfs() on
 * every one of them (repl_sync_request) or fsync() on each fd the request
 * names (repl_sync_request_fds: the helper gets its own copies of them,
 * so the caller may close its fds once the call returned), and answers.  The daemon stays a single-threaded loop and keeps
 * receiving while the disk writes.  At most one request is in flight;
 * everything written by this process before repl_sync_request() returned
 * is durable when its callback runs (from the main loop) or when
 * repl_sync_wait() returns - for an fsync request: what was written to
 * those files, and the entries of those directories.  Without a helper (fork failed, helper died)
 * the sync runs in the calling process and the callback is called from
 * an idle source: slower, never less safe.  Logs at err: helper failures.
 */
#ifndef REPL_SYNC_H
#define REPL_SYNC_H

#include <glib.h>

typedef void (*repl_sync_done_fn)(void);

/* fds: directories on each file system to sync (kept by the helper). */
void repl_sync_start(const int *fds, int n);
void repl_sync_stop(void);
gboolean repl_sync_busy(void);
/* Start a sync; done is called when it completes.  Not while busy. */
void repl_sync_request(repl_sync_done_fn done);
/* At most this many fds in one fsync request. */
#define REPL_SYNC_MAX_FDS 64
/* Start an fsync() of each of the n fds (borrowed; n <= REPL_SYNC_MAX_FDS,
 * 0 completes at once); done as above.  Not while busy. */
void repl_sync_request_fds(repl_sync_done_fn done, const int *fds, int n);
/* Take a completion that is ready, without blocking (calls its done). */
void repl_sync_poll(void);
/* Block until the request in flight (if any) completed; calls its done.
 * Only after the main loop ended (shutdown): nothing in it blocks. */
void repl_sync_wait(void);
/* Synchronous syncfs of every file system, in this process. */
void repl_sync_now(void);

#endif
