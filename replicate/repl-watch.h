/*
 * repl-watch.h - change capture for the source role: inotify on every
 * directory of every root.
 *
 * Contract: repl_watch_start() watches every directory below the roots
 * (new directories are watched, and scanned, as they appear; a watch
 * follows its directory through renames).  Events become changes given
 * to ops->change() - only while ops->active() (a session streams or is
 * about to): otherwise they are dropped, the next session's catch-up
 * covers them.  A move within the trees is one RENAME; a move out of them
 * a DELETE, into them a PUT (file) or MKDIR and a PUT per file inside (a
 * directory).  A new hard link is a PUT (it gets no close-after-write).
 * ops->overflow(): the kernel dropped events, everything must be compared
 * again (directories created meanwhile get their watch before it is
 * called).  A directory that cannot get a watch because the kernel's
 * limit is reached (ENOSPC) is polled instead, with everything below
 * it: compared with its previous scan on a timer (every second, or ten
 * times as long as the last poll took, at most 30 s), the differences
 * given as changes (a move is a DELETE and a PUT there, a file is given
 * once it is 100 ms old); each poll first tries to watch it again.  ops->changed(): after the changes of one read of the inotify
 * fd, from the main loop.  repl_watch_drain() takes what is queued in the
 * kernel now (changes given before it returns).  The module owns the
 * inotify fd and the watch tables; it uses the tree (repl-tree.h) only.
 * Logs at err: inotify_add_watch failures other than a vanished path,
 * the watch limit (with fs.inotify.max_user_watches and its value, once
 * until every directory is watched again: notice); warning: queue
 * overflow (with fs.inotify.max_queued_events and its value).
 */
#ifndef REPL_WATCH_H
#define REPL_WATCH_H

#include <glib.h>

enum repl_change {
	REPL_CHANGE_PUT,	/* content (close after write, new file) */
	REPL_CHANGE_ATTR,	/* mode or times of a file */
	REPL_CHANGE_RENAME,	/* path -> path2 */
	REPL_CHANGE_DELETE,
	REPL_CHANGE_MKDIR,
};

struct repl_watch_ops {
	gboolean (*active)(void *u);
	void (*change)(enum repl_change kind, const char *path,
		       const char *path2, gboolean is_dir, void *u);
	void (*overflow)(void *u);
	void (*changed)(void *u);
};

/* 0 or -errno (inotify unavailable). */
int repl_watch_start(const struct repl_watch_ops *ops, void *u);
void repl_watch_stop(void);
void repl_watch_drain(void);
/* Directories watched. */
guint repl_watch_count(void);
/* Directories polled for want of a watch (each with all below it). */
guint repl_watch_polled(void);

#endif
