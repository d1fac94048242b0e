/*
 * repl-watch.c - inotify change capture (repl-watch.h).
 *
 * Invariants: wd2path and path2wd are inverse maps of the live watches;
 * a directory moved within the trees keeps its watch under its new name
 * (IN_MOVED_FROM/IN_MOVED_TO paired by cookie); a directory that goes
 * loses its watch on IN_IGNORED, one moved out of the trees (with the
 * watches below it) at once.
 * Logs at err: inotify_add_watch failures; warning: queue overflow.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "hb_err.h"
#include "log.h"
#include "repl-tree.h"
#include "repl-watch.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
		    IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW | \
		    IN_EXCL_UNLINK)

static struct {
	const struct repl_watch_ops *ops;
	void *u;
	int ifd;
	guint isrc;
	GHashTable *wd2path;
	GHashTable *path2wd;
	char *moved_from;
	gboolean moved_isdir;
	guint32 moved_cookie;
} W = { .ifd = -1 };

static void
change(enum repl_change kind, const char *path, const char *path2,
       gboolean is_dir)
{
	W.ops->change(kind, path, path2, is_dir, W.u);
}

static int
watch_add(const char *wire)
{
	g_autofree char *abs = repl_tree_abs(wire);
	int wd;

	if (!abs)
		return HB_EMALFORMED;
	wd = inotify_add_watch(W.ifd, abs, WATCH_MASK);
	if (wd < 0) {
		int e = -errno;

		if (e != -ENOENT && e != -ENOTDIR)
			hb_log(LOG_ERR, "inotify_add_watch '%s': %s", abs,
			       g_strerror(-e));
		return e;
	}
	g_hash_table_insert(W.wd2path, GINT_TO_POINTER(wd), g_strdup(wire));
	g_hash_table_insert(W.path2wd, g_strdup(wire), GINT_TO_POINTER(wd));
	return 0;
}

static gboolean
scan_enter(const char *wire, void *u)
{
	(void)u;
	return watch_add(wire) == 0;
}

static void
scan_found(const char *wire, gboolean is_dir, int dfd, const char *name,
	   void *u)
{
	(void)dfd; (void)name;
	if (*(gboolean *)u)
		change(is_dir ? REPL_CHANGE_MKDIR : REPL_CHANGE_PUT, wire, NULL,
		       is_dir);
}

/* Watch a new directory tree and, with queue, report what is inside. */
static void
scan_new_dir(const char *wire, gboolean queue)
{
	repl_tree_scan(wire, 0, queue, scan_enter, scan_found, &queue);
}

static void
wd_moved(gpointer wd, const char *path, void *u)
{
	(void)u;
	g_hash_table_insert(W.wd2path, wd, g_strdup(path));
}

/* Drop the watches of wire and of every directory below it. */
static void
unwatch_tree(const char *wire)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(wire);

	g_hash_table_iter_init(&it, W.path2wd);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *p = k;

		if (strncmp(p, wire, n) || (p[n] != '/' && p[n] != '\0'))
			continue;
		inotify_rm_watch(W.ifd, GPOINTER_TO_INT(v));
		g_hash_table_remove(W.wd2path, v);
		g_hash_table_iter_remove(&it);
	}
}

static void
flush_moved_from(void)
{
	if (!W.moved_from)
		return;
	/* moved out of the trees: a delete for the replica.  A directory
	 * keeps its watches where it went (they follow the inode): drop
	 * them, or its name stayed taken - a new directory of that name
	 * was never watched nor sent - and each such move kept a watch */
	if (W.moved_isdir)
		unwatch_tree(W.moved_from);
	if (W.ops->active(W.u))
		change(REPL_CHANGE_DELETE, W.moved_from, NULL, FALSE);
	g_clear_pointer(&W.moved_from, g_free);
}

/* A directory appeared (created or moved in). */
static void
dir_new(const char *w, gboolean q)
{
	if (g_hash_table_contains(W.path2wd, w))
		return;	/* already found by a parent's scan */
	if (q)
		change(REPL_CHANGE_MKDIR, w, NULL, TRUE);
	scan_new_dir(w, q);
}

static void
inotify_event(const struct inotify_event *ev)
{
	const char *dir = g_hash_table_lookup(W.wd2path, GINT_TO_POINTER(ev->wd));
	g_autofree char *w = NULL;
	gboolean q = W.ops->active(W.u);
	gboolean isdir = (ev->mask & IN_ISDIR) != 0;

	if (ev->mask & IN_Q_OVERFLOW) {
		hb_log(LOG_WARNING, "inotify queue overflow: rescanning");
		W.ops->overflow(W.u);
		return;
	}
	if (ev->mask & IN_IGNORED) {
		if (dir) {
			g_hash_table_remove(W.path2wd, dir);
			g_hash_table_remove(W.wd2path, GINT_TO_POINTER(ev->wd));
		}
		return;
	}
	if (!dir || !ev->len || !strncmp(ev->name, ".replicate", 10))
		return;
	w = g_strconcat(dir, "/", ev->name, NULL);
	if (ev->mask & IN_MOVED_FROM) {
		flush_moved_from();
		W.moved_from = g_steal_pointer(&w);
		W.moved_isdir = isdir;
		W.moved_cookie = ev->cookie;
		return;
	}
	if (ev->mask & IN_MOVED_TO) {
		if (W.moved_from && W.moved_cookie == ev->cookie) {
			if (isdir)
				repl_tree_rekey(W.path2wd, W.moved_from, w,
						wd_moved, NULL);
			if (q)
				change(REPL_CHANGE_RENAME, W.moved_from, w, isdir);
			g_clear_pointer(&W.moved_from, g_free);
			return;
		}
		flush_moved_from();
		if (isdir)
			dir_new(w, q);
		else if (q)
			change(REPL_CHANGE_PUT, w, NULL, FALSE);
		return;
	}
	flush_moved_from();
	if (ev->mask & IN_CREATE) {
		if (isdir) {
			dir_new(w, q);
		} else if (q) {
			g_autofree char *abs = repl_tree_abs(w);
			struct stat st;

			/* a hard link (link(2) delivery) gets no CLOSE_WRITE */
			if (abs && lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
			    st.st_nlink > 1)
				change(REPL_CHANGE_PUT, w, NULL, FALSE);
		}
	} else if (ev->mask & IN_CLOSE_WRITE) {
		if (q)
			change(REPL_CHANGE_PUT, w, NULL, FALSE);
	} else if (ev->mask & IN_ATTRIB) {
		if (q && !isdir)
			change(REPL_CHANGE_ATTR, w, NULL, FALSE);
	} else if (ev->mask & IN_DELETE) {
		if (q)
			change(REPL_CHANGE_DELETE, w, NULL, isdir);
	}
}

void
repl_watch_drain(void)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (W.ifd < 0)
		return;
	for (;;) {
		ssize_t n = read(W.ifd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			inotify_event(ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	flush_moved_from();
}

static gboolean
inotify_cb(int fd, GIOCondition cond, gpointer data)
{
	(void)fd; (void)cond; (void)data;
	repl_watch_drain();
	W.ops->changed(W.u);
	return G_SOURCE_CONTINUE;
}

int
repl_watch_start(const struct repl_watch_ops *ops, void *u)
{
	if (W.ifd >= 0)
		return 0;
	if (!W.wd2path) {
		W.wd2path = g_hash_table_new_full(NULL, NULL, NULL, g_free);
		W.path2wd = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, NULL);
	}
	W.ops = ops;
	W.u = u;
	W.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (W.ifd < 0)
		return -errno;
	for (int i = 0; i < repl_tree_nroots(); i++)
		scan_new_dir(repl_tree_root_name(i), FALSE);
	W.isrc = g_unix_fd_add(W.ifd, G_IO_IN, inotify_cb, NULL);
	return 0;
}

void
repl_watch_stop(void)
{
	if (W.ifd < 0)
		return;
	g_source_remove(W.isrc);
	W.isrc = 0;
	close(W.ifd);
	W.ifd = -1;
	g_clear_pointer(&W.moved_from, g_free);
	g_hash_table_remove_all(W.wd2path);
	g_hash_table_remove_all(W.path2wd);
}

guint
repl_watch_count(void)
{
	return W.wd2path ? g_hash_table_size(W.wd2path) : 0;
}
