/*
 * repl-source.c - the source role: change capture and sending.
 *
 * inotify watches every directory of every root (new directories are
 * watched and scanned as they appear).  Events become operations in a
 * FIFO (PUT, RENAME, DELETE, MKDIR, BARRIER, FETCH).  An operation reads
 * the file's state when it is sent, so replaying one is harmless.  A
 * session starts with the replica's manifest (path, type, size, mtime,
 * mode of everything it holds); the difference becomes the catch-up
 * operations, so unchanged files are never sent and changed large files
 * go as librsync deltas against the replica's signature.  A queue
 * overflow asks for a fresh manifest (RESCAN).  While no session is up
 * events are dropped: the next session's catch-up covers them.
 * Logs at err: peer errors on apply, inotify failures.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "hb_err.h"
#include "log.h"
#include "repl-daemon.h"
#include "repl-delta.h"
#include "repl-path.h"

#define OUT_HIGH (2 * 1024 * 1024)
#define MAX_MANIFEST 20000000

enum op_type { OP_PUT, OP_PUT_LATE, OP_FULL, OP_ATTR, OP_RENAME, OP_DELETE, OP_MKDIR, OP_BARRIER,
	       OP_FETCH };
enum phase { PH_DOWN, PH_HELLO, PH_MANIFEST, PH_STREAM };

struct barrier {
	int fd;
	bool assigned;
	guint64 target;
};

struct op {
	int type;
	char *path;
	char *path2;
	struct barrier *b;
};

struct xfer {
	int fd;
	FILE *delta;
	char *path;
	guint64 off;
	guint64 size;
	guint64 final_size;
	int kind;
	guint32 mode;
	gint64 mtime;
};

struct mval {
	bool is_dir;
	guint32 mode;
	guint64 size;
	gint64 mtime;
};

static struct {
	bool on;
	int ifd;
	guint isrc;
	GHashTable *wd2path;
	GHashTable *path2wd;
	GQueue ops;
	enum phase phase;
	GHashTable *manifest;
	GHashTable *known;
	GHashTable *late;	/* held-back new big files -> timer id */
	GHashTable *failing;	/* paths the replica failed -> seq of resend */
	bool union_mode;
	guint64 seq;
	guint64 acked;
	gint64 ack_us;		/* monotonic time of the last ack, 0 = none */
	struct xfer *x;
	char *await_sig;
	GList *barriers;
	char *moved_from;
	guint32 moved_cookie;
	bool moved_dir;
} S = { .ifd = -1 };

static void
op_push(int type, const char *path, const char *path2)
{
	struct op *o = g_new0(struct op, 1);

	o->type = type;
	o->path = g_strdup(path);
	o->path2 = g_strdup(path2);
	g_queue_push_tail(&S.ops, o);
}

static void
op_free(struct op *o)
{
	g_free(o->path);
	g_free(o->path2);
	g_free(o);
}

static void
xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->delta)
		fclose(x->delta);
	else if (x->fd >= 0)
		close(x->fd);
	g_free(x->path);
	g_free(x);
}

static gint64
st_mtime_ns(const struct stat *st)
{
	return (gint64)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static char *
wire_abs(const char *wire)
{
	const char *rel;
	int root = repl_root_index(wire, strlen(wire), &rel);

	if (root < 0)
		return NULL;
	return *rel ? g_strconcat(R.conf->root_path[root], "/", rel, NULL) :
		      g_strdup(R.conf->root_path[root]);
}

static void
barrier_reply(struct barrier *b, const char *text)
{
	if (write(b->fd, text, strlen(text)) < 0)
		hb_debug("%s: barrier client gone", __func__);
	close(b->fd);
	S.barriers = g_list_remove(S.barriers, b);
	g_free(b);
}

static void
barriers_check(void)
{
	GList *l = S.barriers;
	GHashTableIter it;
	gpointer k, v;

	/* a file the replica could not store holds every barrier until a
	 * resend of it is acknowledged */
	g_hash_table_iter_init(&it, S.failing);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (v && GPOINTER_TO_SIZE(v) <= S.acked)
			g_hash_table_iter_remove(&it);
	if (g_hash_table_size(S.failing))
		return;
	while (l) {
		struct barrier *b = l->data;

		l = l->next;
		if (b->assigned && b->target <= S.acked) {
			char msg[64];

			g_snprintf(msg, sizeof(msg), "OK %" G_GUINT64_FORMAT "\n",
				   b->target);
			barrier_reply(b, msg);
		}
	}
}

/* ---- inotify ---------------------------------------------------------- */

#define WATCH_MASK (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
		    IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW | \
		    IN_EXCL_UNLINK)

static int
watch_add(const char *wire)
{
	g_autofree char *abs = wire_abs(wire);
	int wd;

	if (!abs)
		return HB_EMALFORMED;
	wd = inotify_add_watch(S.ifd, abs, WATCH_MASK);
	if (wd < 0) {
		int e = -errno;

		if (e != -ENOENT && e != -ENOTDIR)
			hb_log(LOG_ERR, "inotify_add_watch '%s': %s", abs,
			       g_strerror(-e));
		return e;
	}
	g_hash_table_insert(S.wd2path, GINT_TO_POINTER(wd), g_strdup(wire));
	g_hash_table_insert(S.path2wd, g_strdup(wire), GINT_TO_POINTER(wd));
	return 0;
}

/*
 * Depth-first walk of the directory tree at wire (at most 64 deep):
 * enter(dir) is called before each directory is read (false: not read),
 * found() for each directory and regular file in it, a directory before
 * what is inside it; regular files only with files set.
 */
typedef bool (*tree_enter_fn)(const char *wire, void *u);
typedef void (*tree_found_fn)(const char *wire, bool is_dir, int dfd,
			      const char *name, void *u);

static void
tree_walk(const char *wire, int depth, bool files, tree_enter_fn enter,
	  tree_found_fn found, void *u)
{
	g_autofree char *abs = wire_abs(wire);
	DIR *d;
	struct dirent *de;

	if (!abs || depth > 64 || (enter && !enter(wire, u)))
		return;
	if (!(d = opendir(abs)))
		return;
	while ((de = readdir(d))) {
		g_autofree char *w = NULL;
		struct stat st;

		if (repl_name_skipped(de->d_name))
			continue;
		if (de->d_type == DT_REG && !files)
			continue;
		if (de->d_type == DT_DIR)
			st.st_mode = S_IFDIR;
		else if (de->d_type == DT_REG)
			st.st_mode = S_IFREG;
		else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !(files && S_ISREG(st.st_mode)))
			continue;
		w = g_strconcat(wire, "/", de->d_name, NULL);
		found(w, S_ISDIR(st.st_mode), dirfd(d), de->d_name, u);
		if (S_ISDIR(st.st_mode))
			tree_walk(w, depth + 1, files, enter, found, u);
	}
	closedir(d);
}

static bool
scan_enter(const char *wire, void *u)
{
	(void)u;
	return watch_add(wire) == 0;
}

static void
scan_found(const char *wire, bool is_dir, int dfd, const char *name, void *u)
{
	(void)dfd; (void)name;
	if (*(bool *)u)
		op_push(is_dir ? OP_MKDIR : OP_PUT, wire, NULL);
}

/* Watch a new directory tree and queue what is already inside it. */
static void
scan_new_dir(const char *wire, bool queue, int depth)
{
	tree_walk(wire, depth, queue, scan_enter, scan_found, &queue);
}

static void
rewrite_prefix(GHashTable *t, const char *from, const char *to, bool wd_values)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(from);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	g_hash_table_iter_init(&it, wd_values ? S.path2wd : t);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *p = k;

		if (!strncmp(p, from, n) && (p[n] == '/' || p[n] == '\0'))
			g_ptr_array_add(keys, g_strdup(p));
	}
	for (guint i = 0; i < keys->len; i++) {
		const char *p = keys->pdata[i];
		char *np = g_strconcat(to, p + n, NULL);

		if (wd_values) {
			gpointer wd = g_hash_table_lookup(S.path2wd, p);

			g_hash_table_remove(S.path2wd, p);
			g_hash_table_insert(S.path2wd, np, wd);
			g_hash_table_insert(S.wd2path, wd, g_strdup(np));
		} else {
			gpointer okey = NULL, val = NULL;

			g_hash_table_steal_extended(t, p, &okey, &val);
			g_free(okey);
			g_hash_table_insert(t, np, val);
		}
	}
	g_ptr_array_free(keys, TRUE);
}

static void
known_drop(const char *path)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(path);

	g_hash_table_iter_init(&it, S.known);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *p = k;

		if (!strncmp(p, path, n) && (p[n] == '/' || p[n] == '\0'))
			g_hash_table_iter_remove(&it);
	}
}

/*
 * A new file being sent whole that is now renamed over a big file the
 * replica has (an editor's or sed -i's temp file, whose rename can take
 * a while on ext4): stop sending it.  The replica drops the unfinished
 * copy on the delete, and the rename that follows goes as a delta.
 */
static void
xfer_abandon(const char *from, const char *to)
{
	struct mval *m = g_hash_table_lookup(S.known, to);

	if (!S.x || S.x->kind != REPL_KIND_FULL || strcmp(S.x->path, from) ||
	    g_hash_table_contains(S.known, from) ||
	    g_hash_table_contains(S.failing, from) || !m || m->is_dir ||
	    S.x->size <= R.conf->delta_threshold)
		return;
	hb_debug("%s: '%s' renamed to '%s' after %" G_GUINT64_FORMAT " of %"
		 G_GUINT64_FORMAT " bytes: sending a delta instead", __func__,
		 from, to, S.x->off, S.x->size);
	g_clear_pointer(&S.x, xfer_free);
	repl_sendf(REPL_DELETE, ++S.seq, from, NULL);
}

static void
flush_moved_from(void)
{
	if (!S.moved_from)
		return;
	/* moved out of the trees: a delete for the replica */
	if (S.phase != PH_DOWN)
		op_push(OP_DELETE, S.moved_from, NULL);
	g_clear_pointer(&S.moved_from, g_free);
}

static void
inotify_event(const struct inotify_event *ev)
{
	const char *dir = g_hash_table_lookup(S.wd2path, GINT_TO_POINTER(ev->wd));
	g_autofree char *w = NULL;
	bool q = S.phase != PH_DOWN;
	bool isdir = ev->mask & IN_ISDIR;

	if (ev->mask & IN_Q_OVERFLOW) {
		hb_log(LOG_WARNING, "inotify queue overflow: rescanning");
		g_queue_clear_full(&S.ops, (GDestroyNotify)op_free);
		if (S.phase == PH_STREAM || S.phase == PH_MANIFEST) {
			g_hash_table_remove_all(S.manifest);
			S.phase = PH_MANIFEST;
			repl_sendf(REPL_RESCAN, 0, NULL, NULL);
		}
		return;
	}
	if (ev->mask & IN_IGNORED) {
		if (dir) {
			g_hash_table_remove(S.path2wd, dir);
			g_hash_table_remove(S.wd2path, GINT_TO_POINTER(ev->wd));
		}
		return;
	}
	if (!dir || !ev->len || !strncmp(ev->name, ".replicate", 10))
		return;
	w = g_strconcat(dir, "/", ev->name, NULL);
	if (ev->mask & IN_MOVED_FROM) {
		flush_moved_from();
		S.moved_from = g_steal_pointer(&w);
		S.moved_cookie = ev->cookie;
		S.moved_dir = isdir;
		return;
	}
	if (ev->mask & IN_MOVED_TO) {
		if (S.moved_from && S.moved_cookie == ev->cookie) {
			if (isdir)
				rewrite_prefix(NULL, S.moved_from, w, true);
			else
				xfer_abandon(S.moved_from, w);
			if (q)
				op_push(OP_RENAME, S.moved_from, w);
			g_clear_pointer(&S.moved_from, g_free);
			return;
		}
		flush_moved_from();
		if (isdir) {
			if (g_hash_table_contains(S.path2wd, w))
				return;	/* already found by a parent's scan */
			if (q)
				op_push(OP_MKDIR, w, NULL);
			scan_new_dir(w, q, 0);
		} else if (q) {
			op_push(OP_PUT, w, NULL);
		}
		return;
	}
	flush_moved_from();
	if (ev->mask & IN_CREATE) {
		if (isdir) {
			if (g_hash_table_contains(S.path2wd, w))
				return;	/* already found by a parent's scan */
			if (q)
				op_push(OP_MKDIR, w, NULL);
			scan_new_dir(w, q, 0);
		} else if (q) {
			g_autofree char *abs = wire_abs(w);
			struct stat st;

			/* a hard link (link(2) delivery) gets no CLOSE_WRITE */
			if (abs && lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
			    st.st_nlink > 1)
				op_push(OP_PUT, w, NULL);
		}
	} else if (ev->mask & IN_CLOSE_WRITE) {
		if (q)
			op_push(OP_PUT, w, NULL);
	} else if (ev->mask & IN_ATTRIB) {
		if (q && !isdir)
			op_push(OP_ATTR, w, NULL);
	} else if (ev->mask & IN_DELETE) {
		if (q)
			op_push(OP_DELETE, w, NULL);
	}
}

static void
inotify_drain(void)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(S.ifd, buf, sizeof(buf));

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
	inotify_drain();
	repl_source_pump();
	return G_SOURCE_CONTINUE;
}

int
repl_source_start(void)
{
	if (S.on)
		return 0;
	if (!S.wd2path) {
		S.wd2path = g_hash_table_new_full(NULL, NULL, NULL, g_free);
		S.path2wd = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, NULL);
		S.manifest = g_hash_table_new_full(g_str_hash, g_str_equal,
						   g_free, g_free);
		S.known = g_hash_table_new_full(g_str_hash, g_str_equal,
						g_free, g_free);
		S.late = g_hash_table_new_full(g_str_hash, g_str_equal,
					       g_free, NULL);
		S.failing = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, NULL);
		g_queue_init(&S.ops);
	}
	S.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (S.ifd < 0)
		return -errno;
	for (int i = 0; i < R.conf->nroots; i++)
		scan_new_dir(R.conf->root_name[i], false, 0);
	S.isrc = g_unix_fd_add(S.ifd, G_IO_IN, inotify_cb, NULL);
	S.on = true;
	S.phase = PH_DOWN;
	hb_log(LOG_NOTICE, "source role: watching %u directories",
	       g_hash_table_size(S.wd2path));
	return 0;
}

void
repl_source_stop(void)
{
	GList *l;

	if (!S.on)
		return;
	repl_source_session_down();
	g_source_remove(S.isrc);
	close(S.ifd);
	S.ifd = -1;
	g_hash_table_remove_all(S.wd2path);
	g_hash_table_remove_all(S.path2wd);
	while ((l = S.barriers))
		barrier_reply(l->data, "ERR role changed\n");
	S.on = false;
}

/* ---- session ---------------------------------------------------------- */

void
repl_source_session_up(void)
{
	S.phase = PH_HELLO;
	repl_sendf(REPL_HELLO, S.seq, NULL, NULL);
}

void
repl_source_session_down(void)
{
	g_queue_clear_full(&S.ops, (GDestroyNotify)op_free);
	g_clear_pointer(&S.x, xfer_free);
	g_clear_pointer(&S.await_sig, g_free);
	if (S.manifest)
		g_hash_table_remove_all(S.manifest);
	if (S.failing)
		g_hash_table_remove_all(S.failing);	/* catch-up covers them */
	for (GList *l = S.barriers; l; l = l->next) {
		((struct barrier *)l->data)->assigned = false;
		((struct barrier *)l->data)->target = 0;
	}
	if (S.phase != PH_DOWN)
		hb_log(LOG_WARNING, "session down: will catch up on reconnect");
	S.phase = PH_DOWN;
}

void
repl_source_session_lost(void)
{
	GList *l;

	repl_source_session_down();
	/* a barrier asked after this gets "phase=down" from STATUS and its
	 * caller decides (replicate-mda: accepted here only, or 451 with
	 * -s); one that was waiting gets the same answer now instead of
	 * holding its caller until a reconnect or its timeout (a standby
	 * that crashed held an SMTP session for replicate-mda's -w) */
	while ((l = S.barriers))
		barrier_reply(l->data, "DOWN session lost\n");
}

static bool
maildir_msg(const char *path, char **out_folder, char **out_uniq)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *sub = g_path_get_basename(dir);
	const char *base = strrchr(path, '/');
	const char *colon;

	if (strcmp(sub, "new") && strcmp(sub, "cur"))
		return false;
	base = base ? base + 1 : path;
	colon = strchr(base, ':');
	*out_folder = g_path_get_dirname(dir);
	*out_uniq = colon ? g_strndup(base, colon - base) : g_strdup(base);
	return true;
}

struct diff_ctx {
	GQueue q;
	GHashTable *local;
	GHashTable *uniq;	/* "folder/uniq" of local maildir messages */
	GHashTable *fresh;	/* "folder/uniq" -> PUT op of a new message */
	bool keys;		/* fill uniq and fresh: a union, or a replica
				 * that holds something (renames) */
	guint64 nput, ndelta, nskip;
};

static void
local_cb(const char *wire, const struct stat *st, void *user)
{
	struct diff_ctx *c = user;
	struct mval *m = g_hash_table_lookup(S.manifest, wire);
	struct op *o;
	g_autofree char *folder = NULL;
	g_autofree char *uniq = NULL;

	if (c->keys) {	/* (with an empty manifest nothing can be gone) */
		g_hash_table_add(c->local, g_strdup(wire));
		if (!S_ISDIR(st->st_mode) && maildir_msg(wire, &folder, &uniq))
			g_hash_table_add(c->uniq, g_strconcat(folder, "/", uniq,
							      NULL));
	}
	if (m && m->is_dir == !!S_ISDIR(st->st_mode) &&
	    m->mode == (st->st_mode & 07777) &&
	    (m->is_dir || (m->size == (guint64)st->st_size &&
			   m->mtime == st_mtime_ns(st)))) {
		c->nskip++;
		return;
	}
	o = g_new0(struct op, 1);
	o->path = g_strdup(wire);
	if (S_ISDIR(st->st_mode)) {
		o->type = OP_MKDIR;
	} else if (!m && folder) {
		/* maybe renamed while the replica was away: see catch_up */
		o->type = OP_PUT;
		c->nput++;
		g_hash_table_insert(c->fresh, g_strdup_printf("%s/%s/%"
			G_GUINT64_FORMAT "/%" G_GINT64_FORMAT, folder, uniq,
			(guint64)st->st_size, st_mtime_ns(st)), o);
	} else {
		o->type = OP_PUT;
		if (m && !m->is_dir && (guint64)st->st_size > R.conf->delta_threshold)
			c->ndelta++;
		else
			c->nput++;
	}
	g_queue_push_tail(&c->q, o);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
catch_up(void)
{
	struct diff_ctx c = { .q = G_QUEUE_INIT };
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *gone = g_ptr_array_new();
	const char *last_deleted = NULL;
	guint64 ndel = 0, nfetch = 0, nren = 0;
	struct op *o;

	c.local = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.uniq = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.fresh = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_remove_all(S.known);
	c.keys = S.union_mode || g_hash_table_size(S.manifest) > 0;
	repl_walk(local_cb, &c);
	g_hash_table_iter_init(&it, S.manifest);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct mval *m = v;

		if (!m->is_dir)
			g_hash_table_insert(S.known, g_strdup(k),
					    g_memdup2(m, sizeof(*m)));
		if (!g_hash_table_contains(c.local, k))
			g_ptr_array_add(gone, k);
	}
	g_ptr_array_sort(gone, cmp_str);
	for (guint i = 0; i < gone->len; i++) {
		const char *p = gone->pdata[i];
		struct mval *m = g_hash_table_lookup(S.manifest, p);
		g_autofree char *folder = NULL;
		g_autofree char *uniq = NULL;
		size_t n = last_deleted ? strlen(last_deleted) : 0;

		if (last_deleted && !strncmp(p, last_deleted, n) && p[n] == '/')
			continue;	/* inside a directory already deleted */
		if (!m->is_dir && maildir_msg(p, &folder, &uniq)) {
			g_autofree char *key = g_strdup_printf("%s/%s/%"
				G_GUINT64_FORMAT "/%" G_GINT64_FORMAT, folder,
				uniq, m->size, m->mtime);
			struct op *put = g_hash_table_lookup(c.fresh, key);

			if (put) {
				/* same message under a new name (flags):
				 * a rename, not a copy */
				put->type = OP_RENAME;
				put->path2 = put->path;
				put->path = g_strdup(p);
				g_hash_table_remove(c.fresh, key);
				c.nput--;
				nren++;
				continue;
			}
			g_clear_pointer(&folder, g_free);
			g_clear_pointer(&uniq, g_free);
		}
		o = g_new0(struct op, 1);
		o->path = g_strdup(p);
		if (S.union_mode && m->is_dir) {
			g_autofree char *abs = wire_abs(p);

			/* union: keep the peer's directories */
			if (abs)
				g_mkdir_with_parents(abs, m->mode ? m->mode : 0755);
			op_free(o);
			continue;
		}
		if (S.union_mode && maildir_msg(p, &folder, &uniq)) {
			g_autofree char *key = g_strconcat(folder, "/", uniq, NULL);

			if (!g_hash_table_contains(c.uniq, key)) {
				o->type = OP_FETCH;	/* a message only it has */
				g_queue_push_tail(&c.q, o);
				g_hash_table_add(c.uniq, g_steal_pointer(&key));
				nfetch++;
				continue;
			}
		}
		o->type = OP_DELETE;
		g_queue_push_tail(&c.q, o);
		last_deleted = p;
		ndel++;
	}
	g_ptr_array_free(gone, TRUE);
	hb_log(LOG_NOTICE, "catch-up: %" G_GUINT64_FORMAT " unchanged, %"
	       G_GUINT64_FORMAT " to send whole, %" G_GUINT64_FORMAT
	       " as deltas, %" G_GUINT64_FORMAT " renamed, %" G_GUINT64_FORMAT
	       " to delete, %" G_GUINT64_FORMAT " to fetch back", c.nskip,
	       c.nput, c.ndelta, nren, ndel, nfetch);
	/* catch-up first, then whatever inotify queued meanwhile */
	while ((o = g_queue_pop_tail(&c.q)))
		g_queue_push_head(&S.ops, o);
	if (S.union_mode) {
		o = g_new0(struct op, 1);	/* empty FETCH: union done */
		o->type = OP_FETCH;
		o->path = g_strdup("");
		g_queue_push_tail(&S.ops, o);
	}
	for (GList *l = S.barriers; l; l = l->next) {
		struct barrier *b = l->data;

		if (!b->assigned && !b->target) {
			o = g_new0(struct op, 1);
			o->type = OP_BARRIER;
			o->b = b;
			b->target = 1;	/* marker queued */
			g_queue_push_tail(&S.ops, o);
		}
	}
	g_hash_table_remove_all(S.manifest);
	g_hash_table_destroy(c.local);
	g_hash_table_destroy(c.uniq);
	g_hash_table_destroy(c.fresh);
	S.phase = PH_STREAM;
}

static void
start_full(const char *path, int fd, const struct stat *st)
{
	struct xfer *x = g_new0(struct xfer, 1);

	x->fd = fd;
	x->path = g_strdup(path);
	x->size = st->st_size;
	x->kind = REPL_KIND_FULL;
	x->mode = st->st_mode & 07777;
	x->mtime = st_mtime_ns(st);
	S.x = x;
}

static void
on_sig(const struct repl_frame *f)
{
	struct stat st;
	int fd;
	FILE *delta;
	int err;

	if (!S.await_sig || f->path_len != strlen(S.await_sig) ||
	    memcmp(f->path, S.await_sig, f->path_len))
		return;
	fd = repl_open_wire(S.await_sig, &st);
	if (fd < 0) {
		g_clear_pointer(&S.await_sig, g_free);
		return;
	}
	if (f->kind == 1 || f->data_len == 0) {
		start_full(S.await_sig, fd, &st);
		g_clear_pointer(&S.await_sig, g_free);
		return;
	}
	delta = tmpfile();
	err = delta ? repl_delta_make(f->data, f->data_len, fd, delta) : -errno;
	if (err) {
		hb_log(LOG_WARNING, "delta for '%s' failed (%s): sending whole",
		       S.await_sig, hb_strerror(err));
		if (delta)
			fclose(delta);
		start_full(S.await_sig, fd, &st);
	} else {
		start_full(S.await_sig, fd, &st);
		close(fd);
		S.x->delta = delta;
		S.x->fd = fileno(delta);
		S.x->size = ftell(delta);
		S.x->final_size = st.st_size;
		S.x->kind = REPL_KIND_DELTA;
		hb_debug("%s: delta for '%s': %" G_GUINT64_FORMAT " bytes for %"
			 G_GUINT64_FORMAT, __func__, S.await_sig, S.x->size,
			 S.x->final_size);
	}
	g_clear_pointer(&S.await_sig, g_free);
}

static gboolean late_cb(gpointer data);

/* How long a big new file waits for the rename that may replace a known
 * file with it: 100 ms, and 10 ms more per MB, since a rename over an
 * existing file makes ext4 start writing the new file out first
 * (auto_da_alloc); at most 2 s.  A barrier ends the wait at once. */
static guint
late_wait_ms(off_t size)
{
	return (guint)MIN(100 + size / 100000, 2000);
}

static void
refresh_found(const char *wire, bool is_dir, int dfd, const char *name,
	      void *u)
{
	struct op *o;

	if (!is_dir) {
		struct stat st;
		struct mval *m = g_hash_table_lookup(S.known, wire);

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			return;
		if (m && m->size == (guint64)st.st_size &&
		    m->mtime == st_mtime_ns(&st))
			return;
	}
	o = g_new0(struct op, 1);
	o->type = is_dir ? OP_MKDIR : OP_PUT;
	o->path = g_strdup(wire);
	g_queue_push_tail(u, o);
}

/* Queue on q what the replica may lack under directory wire (which it
 * has): MKDIR for each directory (harmless when it exists), PUT for each
 * file it does not have as it is now. */
static void
refresh_dir(const char *wire, GQueue *q)
{
	tree_walk(wire, 0, true, NULL, refresh_found, q);
}

/* A session streams and no signature is awaited: the pump may send. */
static bool
streaming(void)
{
	return S.on && S.phase == PH_STREAM && !S.await_sig;
}

/*
 * A file that moved on before its op was sent: Postfix's queue manager
 * moves a queue file incoming/ -> active/ -> deferred/ within
 * milliseconds of the 250 that a barrier is protecting.  The move's event
 * may still be unread, or queued behind the barrier's marker; either way
 * the barrier would return before the content reached the replica.  So
 * while a barrier waits, read the pending events and do the next rename
 * of path at once (ahead of the marker; a rename whose source the
 * replica lacks is sent as a PUT of its target, which is always safe to
 * do early).  A delete of path ends the chase: the file is gone.
 */
static void
chase_moved(const char *path)
{
	guint n = 0;

	if (!S.barriers)
		return;
	inotify_drain();
	for (GList *l = S.ops.head; l && n < 4096; l = l->next, n++) {
		struct op *o = l->data;

		if (o->type == OP_DELETE && !strcmp(o->path, path))
			return;
		if (o->type == OP_RENAME && !strcmp(o->path, path)) {
			g_queue_unlink(&S.ops, l);
			g_queue_push_head_link(&S.ops, l);
			return;
		}
	}
}

/*
 * The replica has (or is being sent) path exactly as st describes it.
 * Size and mtime say so only for a file last written more than 20 ms ago:
 * the kernel stamps mtime from a clock that ticks every few ms, so two
 * writes within one tick leave the same mtime.
 */
static bool
put_is_current(const char *path, const struct stat *st)
{
	struct mval *m = g_hash_table_lookup(S.known, path);
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if ((gint64)now.tv_sec * 1000000000 + now.tv_nsec - st_mtime_ns(st) <
	    20 * 1000000)
		return false;
	return m && !m->is_dir && !g_hash_table_contains(S.failing, path) &&
	       (!S.x || strcmp(S.x->path, path)) &&
	       m->size == (guint64)st->st_size &&
	       m->mtime == st_mtime_ns(st) && m->mode == (st->st_mode & 07777);
}

/* Send what fits; returns when the queue is empty or the socket is full. */
void
repl_source_pump(void)
{
	struct op *o;

	while (streaming() && R.conn && !R.conn->dead &&
	       R.conn->out->len < OUT_HIGH) {
		struct stat st;
		int fd;

		if (S.x) {
			struct xfer *x = S.x;
			struct repl_frame f = { .type = REPL_DATA, .kind = x->kind,
				.path = x->path, .path_len = strlen(x->path),
				.mode = x->mode };
			ssize_t r = 0;

			if (x->off < x->size) {
				f.offset = x->off;
				r = repl_send_pread(&f, x->fd, MIN(REPL_CHUNK,
						    x->size - x->off), x->off);
				if (S.x != x)	/* the send failed: session down */
					continue;
				if (r > 0) {
					x->off += r;
					if (x->off < x->size)
						continue;
				}
			}
			f.type = REPL_COMMIT;
			f.offset = 0;
			f.data = NULL;
			f.data_len = 0;
			f.seq = ++S.seq;
			f.mode = x->mode;
			f.mtime_ns = x->mtime;
			f.size = x->kind == REPL_KIND_DELTA ? x->final_size : x->off;
			repl_send(&f);
			if (S.x != x)	/* the send failed: session down */
				continue;
			if (g_hash_table_contains(S.failing, x->path))
				g_hash_table_insert(S.failing, g_strdup(x->path),
						    GSIZE_TO_POINTER(f.seq));
			{
				struct mval *m = g_new0(struct mval, 1);

				m->size = f.size;
				m->mtime = x->mtime;
				m->mode = x->mode;
				g_hash_table_insert(S.known, g_strdup(x->path), m);
			}
			g_clear_pointer(&S.x, xfer_free);
			continue;
		}
		o = g_queue_pop_head(&S.ops);
		if (!o)
			break;
		switch (o->type) {
		case OP_PUT:
		case OP_PUT_LATE:
		case OP_FULL:
			fd = repl_open_wire(o->path, &st);
			if (fd < 0) {
				/* gone again: a delete or a rename follows */
				chase_moved(o->path);
				if (g_hash_table_remove(S.failing, o->path))
					barriers_check();
				break;
			}
			if (o->type == OP_PUT && put_is_current(o->path, &st)) {
				/* an earlier PUT of this file already sent it
				 * as it is now (Dovecot rewrites its index and
				 * uidlist on every delivery: under load many
				 * PUTs of one file wait in the queue) */
				close(fd);
				break;
			}
			if (o->type == OP_PUT && !S.barriers &&
			    (guint64)st.st_size > R.conf->delta_threshold &&
			    !g_hash_table_contains(S.known, o->path)) {
				/* a big new file is often an editor's temp
				 * file about to replace a known one: wait a
				 * moment, the rename then goes as a delta */
				close(fd);
				if (!g_hash_table_contains(S.late, o->path))
					g_hash_table_insert(S.late,
						g_strdup(o->path), GUINT_TO_POINTER(
						g_timeout_add_full(G_PRIORITY_DEFAULT,
						late_wait_ms(st.st_size), late_cb,
						g_strdup(o->path),
						g_free)));
				break;
			}
			if (o->type != OP_FULL &&
			    (guint64)st.st_size > R.conf->delta_threshold &&
			    g_hash_table_contains(S.known, o->path)) {
				close(fd);
				S.await_sig = g_strdup(o->path);
				repl_sendf(REPL_SIGREQ, 0, o->path, NULL);
				break;
			}
			start_full(o->path, fd, &st);
			break;
		case OP_RENAME: {
			struct mval *m;
			g_autofree char *abs = wire_abs(o->path2);

			if (!g_hash_table_contains(S.known, o->path) && abs &&
			    lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
				/* the replica never had the old name: send the
				 * new one (a delta if it has an older copy) */
				struct op *p = g_new0(struct op, 1);

				p->type = OP_PUT_LATE;
				p->path = g_strdup(o->path2);
				g_queue_push_head(&S.ops, p);
				break;
			}
			if (!g_hash_table_contains(S.known, o->path) && abs &&
			    lstat(abs, &st) < 0 && errno == ENOENT) {
				/* the new name is gone too: the file moved on */
				chase_moved(o->path2);
				if (S.phase != PH_STREAM)
					break;	/* the events overflowed */
			}
			repl_sendf(REPL_RENAME, ++S.seq, o->path, o->path2);
			known_drop(o->path2);
			rewrite_prefix(S.known, o->path, o->path2, false);
			if (abs && lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
				/* files put into the directory before it moved
				 * may not have been sent yet (their PUT found
				 * them gone): send what the replica lacks */
				GQueue q = G_QUEUE_INIT;
				struct op *r;

				refresh_dir(o->path2, &q);
				while ((r = g_queue_pop_tail(&q)))
					g_queue_push_head(&S.ops, r);
				break;
			}
			/* what was sent under the old name may predate the
			 * last write (e.g. sent on an early event): resend */
			m = g_hash_table_lookup(S.known, o->path2);
			if (abs && lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
			    (!m || m->size != (guint64)st.st_size ||
			     m->mtime != st_mtime_ns(&st))) {
				struct op *p = g_new0(struct op, 1);

				p->type = OP_PUT;
				p->path = g_strdup(o->path2);
				g_queue_push_head(&S.ops, p);
			}
			break;
		}
		case OP_DELETE:
			repl_sendf(REPL_DELETE, ++S.seq, o->path, NULL);
			known_drop(o->path);
			break;
		case OP_MKDIR: {
			g_autofree char *abs = wire_abs(o->path);
			struct repl_frame f = { .type = REPL_MKDIR, .path = o->path,
				.path_len = strlen(o->path) };

			if (!abs || lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode))
				break;
			f.seq = ++S.seq;
			f.mode = st.st_mode & 07777;
			repl_send(&f);
			break;
		}
		case OP_FETCH:
			repl_sendf(REPL_FETCH, 0, o->path, NULL);
			break;
		case OP_ATTR: {
			/* chmod of a file the replica has as it is now: mode
			 * only; anything else is sent as content */
			g_autofree char *abs = wire_abs(o->path);
			struct mval *m = g_hash_table_lookup(S.known, o->path);
			struct repl_frame f = { .type = REPL_ATTR, .path = o->path,
				.path_len = strlen(o->path) };

			if (!m || !abs || lstat(abs, &st) < 0 ||
			    !S_ISREG(st.st_mode) || m->size != (guint64)st.st_size)
				break;
			if (m->mtime != st_mtime_ns(&st)) {
				/* mtime moved: maybe a write, send the content
				 * (a delta when big) rather than trust it */
				struct op *p = g_new0(struct op, 1);

				p->type = OP_PUT;
				p->path = g_strdup(o->path);
				g_queue_push_head(&S.ops, p);
				break;
			}
			if (m->mode == (st.st_mode & 07777))
				break;
			f.seq = ++S.seq;
			f.mode = st.st_mode & 07777;
			f.mtime_ns = st_mtime_ns(&st);
			f.size = st.st_size;
			m->mode = f.mode;
			m->mtime = f.mtime_ns;
			repl_send(&f);
			break;
		}
		case OP_BARRIER:
			o->b->assigned = true;
			o->b->target = S.seq;
			barriers_check();
			break;
		}
		op_free(o);
	}
}

bool
repl_source_ready(void)
{
	return streaming() && (S.x || S.ops.length);
}

static gboolean
late_cb(gpointer data)
{
	struct op *o;

	g_hash_table_remove(S.late, data);
	if (S.phase == PH_STREAM) {
		o = g_new0(struct op, 1);
		o->type = OP_PUT_LATE;
		o->path = g_strdup(data);
		g_queue_push_tail(&S.ops, o);
		repl_source_pump();
	}
	return G_SOURCE_REMOVE;
}

static gboolean
retry_cb(gpointer data)
{
	if (S.phase == PH_STREAM) {
		op_push(OP_FULL, data, NULL);
		repl_source_pump();
	}
	return G_SOURCE_REMOVE;
}

void
repl_source_frame(const struct repl_frame *f)
{
	switch (f->type) {
	case REPL_HELLO_ACK:
		if (S.phase != PH_HELLO)
			goto bad;
		S.seq = MAX(S.seq, f->seq);
		S.acked = MAX(S.acked, f->seq);
		S.ack_us = g_get_monotonic_time();
		S.union_mode = f->kind == 1;
		S.phase = PH_MANIFEST;
		g_hash_table_remove_all(S.manifest);
		hb_log(LOG_INFO, "session up: replica at seq %" G_GUINT64_FORMAT
		       "%s", f->seq, S.union_mode ? ", reconciling (union)" : "");
		return;
	case REPL_MANIFEST: {
		size_t off = 0;
		struct repl_mentry e;
		int r;

		if (S.phase != PH_MANIFEST)
			goto bad;
		while ((r = repl_mentry_next(f->data, f->data_len, &off, &e)) == 0) {
			struct mval *m;

			if (!repl_path_valid(e.path, e.path_len) ||
			    g_hash_table_size(S.manifest) >= MAX_MANIFEST)
				goto bad;
			m = g_new0(struct mval, 1);
			m->is_dir = e.is_dir;
			m->mode = e.mode;
			m->size = e.size;
			m->mtime = e.mtime_ns;
			g_hash_table_insert(S.manifest, g_strndup(e.path, e.path_len), m);
		}
		if (r < 0)
			goto bad;
		return;
	}
	case REPL_MANIFEST_END:
		if (S.phase != PH_MANIFEST)
			goto bad;
		catch_up();
		break;
	case REPL_ACK:
		if (f->seq > S.seq)
			goto bad;
		S.acked = MAX(S.acked, f->seq);
		S.ack_us = g_get_monotonic_time();
		barriers_check();
		break;
	case REPL_SIG:
		on_sig(f);
		break;
	case REPL_RESYNC: {
		g_autofree char *p = g_strndup(f->path, f->path_len);
		struct op *o = g_new0(struct op, 1);

		known_drop(p);		/* it does not have it as we thought */
		o->type = OP_PUT;	/* a delta when the replica has a copy */
		o->path = g_steal_pointer(&p);
		g_queue_push_head(&S.ops, o);
		break;
	}
	case REPL_ERROR: {
		g_autofree char *p = g_strndup(f->path, f->path_len);

		hb_log(LOG_ERR, "peer %s could not apply: %.*s", R.conn->peer,
		       (int)MIN(f->data_len, 300), (const char *)f->data);
		if (f->kind == 1 && *p && repl_path_valid(p, strlen(p)))
			g_hash_table_insert(S.failing, g_strdup(p), NULL);
		if (f->kind == 1 && *p && repl_path_valid(p, strlen(p)))
			g_timeout_add_full(G_PRIORITY_DEFAULT, 1000, retry_cb,
					   g_steal_pointer(&p), g_free);
		break;
	}
	case REPL_DATA:
	case REPL_COMMIT: {
		g_autofree char *err = NULL;

		if (f->kind != REPL_KIND_FETCHED)
			goto bad;
		if (repl_apply_frame(f, &err) < 0)
			hb_log(LOG_ERR, "reconcile: %s", err);
		else if (f->type == REPL_COMMIT)
			hb_log(LOG_NOTICE, "reconcile: took '%.*s' from %s",
			       (int)f->path_len, f->path, R.conn->peer);
		break;
	}
	default:
		goto bad;
	}
	repl_source_pump();
	return;
bad:
	hb_log(LOG_ERR, "peer %s: unexpected %s frame in phase %d",
	       R.conn->peer, repl_type_name(f->type), S.phase);
	repl_conn_close("protocol error");
}

void
repl_source_barrier(int fd, const char *path)
{
	struct barrier *b;
	struct op *o;

	if (R.conf->async) {
		if (write(fd, "OK async\n", 9) < 0)
			hb_debug("%s: client gone", __func__);
		close(fd);
		return;
	}
	b = g_new0(struct barrier, 1);
	b->fd = fd;
	S.barriers = g_list_append(S.barriers, b);
	inotify_drain();
	repl_source_pump();	/* may hold back new big files ... */
	{
		GHashTableIter it;
		gpointer k, v;

		/* ... which the barrier must cover: send them now */
		g_hash_table_iter_init(&it, S.late);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			g_source_remove(GPOINTER_TO_UINT(v));
			o = g_new0(struct op, 1);
			o->type = OP_PUT_LATE;
			o->path = g_strdup(k);
			g_queue_push_tail(&S.ops, o);
		}
		g_hash_table_remove_all(S.late);
	}
	if (path && *path && S.phase != PH_DOWN)
		op_push(OP_PUT, path, NULL);
	if (S.phase == PH_DOWN || S.phase == PH_HELLO || S.phase == PH_MANIFEST)
		return;		/* marker added after catch-up */
	o = g_new0(struct op, 1);
	o->type = OP_BARRIER;
	o->b = b;
	b->target = 1;
	g_queue_push_tail(&S.ops, o);
	repl_source_pump();
}

char *
repl_source_status(void)
{
	static const char *const ph[] = { "down", "hello", "manifest", "stream" };

	g_autofree char *x = S.x ? g_strdup_printf(" sending=%s:%" G_GUINT64_FORMAT
		"/%" G_GUINT64_FORMAT, S.x->path, S.x->off, S.x->size) : NULL;

	/* ack_age_ms: since the replica last acknowledged (-1: never) */
	gint64 ack_age = S.ack_us ? (g_get_monotonic_time() - S.ack_us) / 1000
		: -1;

	return g_strdup_printf("role=source phase=%s queued=%u seq=%"
		G_GUINT64_FORMAT " acked=%" G_GUINT64_FORMAT " ack_age_ms=%"
		G_GINT64_FORMAT " watches=%u "
		"barriers=%u held=%u outq=%u%s%s%s bytes_out=%" G_GUINT64_FORMAT
		"\n", ph[S.phase], S.ops.length, S.seq, S.acked, ack_age,
		S.wd2path ? g_hash_table_size(S.wd2path) : 0,
		g_list_length(S.barriers), S.late ? g_hash_table_size(S.late) : 0,
		R.conn ? R.conn->out->len : 0, x ? x : "",
		S.await_sig ? " awaiting_signature=" : "",
		S.await_sig ? S.await_sig : "", R.bytes_out);
}
