/*
 * repl-watch.c - inotify change capture (repl-watch.h).
 *
 * Invariants: wd2path and path2wd are inverse maps of the live watches;
 * a directory moved within the trees keeps its watch under its new name
 * (IN_MOVED_FROM/IN_MOVED_TO paired by cookie); a directory that goes
 * loses its watch on IN_IGNORED, one moved out of the trees (with the
 * watches below it) at once.  A directory that could not get a
 * watch (the kernel's limit, ENOSPC) is a key of poll: it and everything
 * below it are compared with a snapshot (paths relative to it) on a
 * timer instead, and it has no watch below it; its parent has one, so
 * its own creation, deletion and renames are events.
 * Logs at err: inotify_add_watch failures, the watch limit (once per
 * episode, naming the sysctl); warning: queue overflow (naming the
 * sysctl); notice: every directory watched again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "hb_err.h"
#include "log.h"
#include "repl-path.h"
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
	GHashTable *poll;	/* unwatched dir -> snapshot (rel -> pent) */
	guint poll_src;
	guint poll_ms;		/* the poll timer's period */
	gboolean limit_logged;	/* since every directory was last watched */
} W = { .ifd = -1 };

/* A polled entry as last seen; mtime G_MININT64: not settled yet. */
struct pent {
	guint64 size;
	gint64 mtime;
	guint32 mode;
	gboolean is_dir;
};

#define POLL_MIN_MS 1000
#define POLL_MAX_MS 30000
/* a file written this recently may be written again within the same
 * mtime tick: it is reported only once it is older */
#define SETTLE_NS (100 * 1000000LL)

static void poll_add(const char *wire, gboolean report);

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

		if (e != -ENOENT && e != -ENOTDIR && e != -ENOSPC)
			hb_log(LOG_ERR, "inotify_add_watch '%s': %s", abs,
			       g_strerror(-e));
		return e;
	}
	g_hash_table_insert(W.wd2path, GINT_TO_POINTER(wd), g_strdup(wire));
	g_hash_table_insert(W.path2wd, g_strdup(wire), GINT_TO_POINTER(wd));
	return 0;
}

/* The first line of a /proc/sys file (owned), or "?". */
static char *
sysctl_read(const char *path)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("?");
	return g_strdup(g_strstrip(text));
}

static void
limit_log(const char *wire)
{
	g_autofree char *fs = NULL;
	g_autofree char *ns = NULL;
	gboolean inner;
	guint64 v;

	if (W.limit_logged)
		return;
	W.limit_logged = TRUE;
	fs = sysctl_read("/proc/sys/fs/inotify/max_user_watches");
	ns = sysctl_read("/proc/sys/user/max_inotify_watches");
	/* in a user namespace its own limit may be the lower one */
	inner = strcmp(ns, fs) && g_ascii_strtoull(ns, NULL, 10) <
		g_ascii_strtoull(fs, NULL, 10);
	v = g_ascii_strtoull(inner ? ns : fs, NULL, 10);
	hb_log(LOG_ERR, "inotify watch limit reached at '%s' (%u directories "
	       "watched; fs.inotify.max_user_watches = %s%s%s%s): raise it, e.g. "
	       "sysctl -w %s=%" G_GUINT64_FORMAT "; until then each directory "
	       "without a watch is rescanned, with everything below it, every "
	       "%u s or more", wire, g_hash_table_size(W.wd2path), fs,
	       inner ? ", user.max_inotify_watches = " : "", inner ? ns : "",
	       inner ? " in this user namespace" : "",
	       inner ? "user.max_inotify_watches" : "fs.inotify.max_user_watches",
	       MAX(v * 2, 65536), POLL_MIN_MS / 1000);
}

static gboolean
scan_enter(const char *wire, void *u)
{
	int r = watch_add(wire);

	if (r == -ENOSPC) {
		limit_log(wire);
		poll_add(wire, *(gboolean *)u);
	}
	return r == 0;
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

/* ---- directories without a watch: polled ---------------------------- */

struct pscan {
	size_t skip;		/* bytes of the polled dir's wire path + '/' */
	GHashTable *cur;	/* rel -> pent */
	GPtrArray *order;	/* rels, parents first */
	gint64 now;
};

static void
pscan_found(const char *wire, gboolean is_dir, int dfd, const char *name,
	    void *u)
{
	struct pscan *c = u;
	struct stat st;
	struct pent *e;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (S_ISDIR(st.st_mode) != 0) != (is_dir != 0))
		return;
	e = g_new0(struct pent, 1);
	e->is_dir = is_dir;
	e->mode = st.st_mode & 07777;
	e->size = st.st_size;
	e->mtime = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (!is_dir && c->now - e->mtime < SETTLE_NS)
		e->mtime = G_MININT64;
	g_ptr_array_add(c->order, g_strdup(wire + c->skip));
	g_hash_table_insert(c->cur, c->order->pdata[c->order->len - 1], e);
}

/* Everything below wire as it is now (cur owns its keys). */
static void
pscan_run(const char *wire, struct pscan *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->now = (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
	c->skip = strlen(wire) + 1;
	c->cur = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->order = g_ptr_array_new();
	repl_tree_scan(wire, 0, TRUE, NULL, pscan_found, c);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Report what differs between the snapshot old and c->cur below wire
 * (old NULL: everything in cur is new). */
static void
poll_report(const char *wire, GHashTable *old, struct pscan *c)
{
	GPtrArray *gone = g_ptr_array_new();
	const char *last = NULL;

	for (guint i = 0; i < c->order->len; i++) {
		const char *rel = c->order->pdata[i];
		struct pent *e = g_hash_table_lookup(c->cur, rel);
		struct pent *o = old ? g_hash_table_lookup(old, rel) : NULL;
		g_autofree char *w = NULL;

		if (!e->is_dir && e->mtime == G_MININT64)
			continue;	/* reported once it settled */
		if (o && o->is_dir == e->is_dir && o->mode == e->mode &&
		    (e->is_dir || (o->size == e->size && o->mtime == e->mtime)))
			continue;
		w = g_strconcat(wire, "/", rel, NULL);
		if (o && o->is_dir != e->is_dir)
			change(REPL_CHANGE_DELETE, w, NULL, o->is_dir);
		if (e->is_dir)
			change(REPL_CHANGE_MKDIR, w, NULL, TRUE);
		else if (o && !o->is_dir && o->size == e->size &&
			 o->mtime == e->mtime)
			change(REPL_CHANGE_ATTR, w, NULL, FALSE);
		else
			change(REPL_CHANGE_PUT, w, NULL, FALSE);
	}
	if (old) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, old);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (!g_hash_table_contains(c->cur, k))
				g_ptr_array_add(gone, k);
	}
	g_ptr_array_sort(gone, cmp_str);
	for (guint i = 0; i < gone->len; i++) {
		const char *rel = gone->pdata[i];
		size_t n = last ? strlen(last) : 0;
		g_autofree char *w = NULL;

		if (last && !strncmp(rel, last, n) && rel[n] == '/')
			continue;	/* inside a directory deleted */
		w = g_strconcat(wire, "/", rel, NULL);
		change(REPL_CHANGE_DELETE, w, NULL,
		       ((struct pent *)g_hash_table_lookup(old, rel))->is_dir);
		last = rel;
	}
	g_ptr_array_free(gone, TRUE);
}

static void
pscan_done(struct pscan *c)
{
	g_ptr_array_free(c->order, TRUE);	/* (cur owns the strings) */
	c->order = NULL;
}

/* Poll wire (and all below it) from now on; with report, what is in it
 * now is new to the replica. */
static void
poll_add(const char *wire, gboolean report)
{
	struct pscan c;

	if (g_hash_table_contains(W.poll, wire))
		return;
	pscan_run(wire, &c);
	if (report && W.ops->active(W.u))
		poll_report(wire, NULL, &c);
	pscan_done(&c);
	g_hash_table_insert(W.poll, g_strdup(wire), c.cur);
}

/* Forget polled directories at or below path (deleted or moved out). */
static void
poll_forget(const char *path)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(path);

	g_hash_table_iter_init(&it, W.poll);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!strncmp(k, path, n) && (((char *)k)[n] == '/' ||
					     !((char *)k)[n]))
			g_hash_table_iter_remove(&it);
}

static void
poll_found_noop(const char *wire, gboolean is_dir, int dfd, const char *name,
		void *u)
{
	(void)wire; (void)is_dir; (void)dfd; (void)name; (void)u;
}

struct retry {
	GArray *wds;
	gboolean failed;
};

static gboolean
retry_enter(const char *wire, void *u)
{
	struct retry *r = u;
	g_autofree char *abs = repl_tree_abs(wire);
	int wd;

	if (r->failed || !abs)
		return FALSE;
	if (g_hash_table_contains(W.path2wd, wire))
		return TRUE;
	wd = inotify_add_watch(W.ifd, abs, WATCH_MASK);
	if (wd < 0) {
		r->failed = errno == ENOSPC;
		return FALSE;
	}
	g_array_append_val(r->wds, wd);
	g_hash_table_insert(W.wd2path, GINT_TO_POINTER(wd), g_strdup(wire));
	g_hash_table_insert(W.path2wd, g_strdup(wire), GINT_TO_POINTER(wd));
	return TRUE;
}

/* Try to watch wire and everything below it; all or nothing. */
static gboolean
poll_rewatch(const char *wire)
{
	struct retry r = { .wds = g_array_new(FALSE, FALSE, sizeof(int)) };
	gboolean ok;

	repl_tree_scan(wire, 0, FALSE, retry_enter, poll_found_noop, &r);
	ok = !r.failed;
	if (!ok)
		for (guint i = 0; i < r.wds->len; i++) {
			int wd = g_array_index(r.wds, int, i);
			const char *p = g_hash_table_lookup(W.wd2path,
							    GINT_TO_POINTER(wd));

			inotify_rm_watch(W.ifd, wd);
			if (p)
				g_hash_table_remove(W.path2wd, p);
			g_hash_table_remove(W.wd2path, GINT_TO_POINTER(wd));
		}
	g_array_free(r.wds, TRUE);
	return ok;
}

static void poll_arm(void);

static gboolean
poll_cb(gpointer data)
{
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	gint64 t0 = g_get_monotonic_time();
	GHashTableIter it;
	gpointer k, v;
	gboolean q = W.ops->active(W.u);

	(void)data;
	W.poll_src = 0;
	g_hash_table_iter_init(&it, W.poll);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_ptr_array_add(dirs, g_strdup(k));
	g_ptr_array_sort(dirs, cmp_str);
	for (guint i = 0; i < dirs->len; i++) {
		const char *wire = dirs->pdata[i];
		gpointer key = NULL, val = NULL;
		GHashTable *old;
		gboolean watched;
		struct pscan c;

		if (!g_hash_table_steal_extended(W.poll, wire, &key, &val))
			continue;	/* forgotten meanwhile */
		g_free(key);
		old = val;
		/* watches first, then the comparison: a change after the
		 * scan is an event, one before it is in the comparison */
		watched = poll_rewatch(wire);
		pscan_run(wire, &c);
		if (q)
			poll_report(wire, old, &c);
		pscan_done(&c);
		g_hash_table_destroy(old);
		{
			g_autofree char *abs = repl_tree_abs(wire);
			struct stat st;

			if (!abs || lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
				/* gone (its parent's event said so too) */
				g_hash_table_destroy(c.cur);
				continue;
			}
		}
		if (watched)
			g_hash_table_destroy(c.cur);
		else
			g_hash_table_insert(W.poll, g_strdup(wire), c.cur);
	}
	g_ptr_array_free(dirs, TRUE);
	if (!g_hash_table_size(W.poll)) {
		if (W.limit_logged)
			hb_log(LOG_NOTICE, "inotify: every directory is watched "
			       "again (%u)", g_hash_table_size(W.wd2path));
		W.limit_logged = FALSE;
	}
	if (q)
		W.ops->changed(W.u);
	W.poll_ms = CLAMP((g_get_monotonic_time() - t0) / 100, POLL_MIN_MS,
			  POLL_MAX_MS);
	poll_arm();
	return G_SOURCE_REMOVE;
}

/* Poll on a timer while some directory has no watch. */
static void
poll_arm(void)
{
	if (W.ifd >= 0 && !W.poll_src && g_hash_table_size(W.poll))
		W.poll_src = g_timeout_add(W.poll_ms ? W.poll_ms : POLL_MIN_MS,
					   poll_cb, NULL);
}

/* After a queue overflow: directories created while events were lost
 * have no watch yet. */
static gboolean
overflow_enter(const char *wire, void *u)
{
	if (g_hash_table_contains(W.poll, wire))
		return FALSE;
	if (g_hash_table_contains(W.path2wd, wire))
		return TRUE;
	return scan_enter(wire, u);
}

static void
overflow_log(void)
{
	g_autofree char *q = sysctl_read("/proc/sys/fs/inotify/max_queued_events");

	hb_log(LOG_WARNING, "inotify queue overflow: events were lost "
	       "(fs.inotify.max_queued_events = %s): comparing the whole "
	       "trees with the replica again; if this repeats, raise it, e.g. "
	       "sysctl -w fs.inotify.max_queued_events=%" G_GUINT64_FORMAT, q,
	       MAX(g_ascii_strtoull(q, NULL, 10) * 4, 65536));
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
	poll_forget(W.moved_from);
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
		gboolean no = FALSE;

		overflow_log();
		flush_moved_from();
		for (int i = 0; i < repl_tree_nroots(); i++)
			repl_tree_scan(repl_tree_root_name(i), 0, FALSE,
				       overflow_enter, poll_found_noop, &no);
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
			if (isdir) {
				repl_tree_rekey(W.path2wd, W.moved_from, w,
						wd_moved, NULL);
				repl_tree_rekey(W.poll, W.moved_from, w, NULL,
						NULL);
			}
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
		if (isdir)
			poll_forget(w);
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
	poll_arm();
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
		W.poll = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify)g_hash_table_destroy);
	}
	W.ops = ops;
	W.u = u;
	W.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (W.ifd < 0)
		return -errno;
	for (int i = 0; i < repl_tree_nroots(); i++)
		scan_new_dir(repl_tree_root_name(i), FALSE);
	W.isrc = g_unix_fd_add(W.ifd, G_IO_IN, inotify_cb, NULL);
	poll_arm();
	return 0;
}

void
repl_watch_stop(void)
{
	if (W.ifd < 0)
		return;
	g_source_remove(W.isrc);
	W.isrc = 0;
	if (W.poll_src)
		g_source_remove(W.poll_src);
	W.poll_src = 0;
	W.poll_ms = 0;
	W.limit_logged = FALSE;
	g_hash_table_remove_all(W.poll);
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

guint
repl_watch_polled(void)
{
	return W.poll ? g_hash_table_size(W.poll) : 0;
}
