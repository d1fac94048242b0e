/*
 * repl-source.c - the source role: operations and sending.
 *
 * Changes (repl-watch.h) become operations in a FIFO (PUT, RENAME,
 * DELETE, MKDIR, ATTR, BARRIER, FETCH).  An operation reads the file's
 * state when it is sent, so replaying one is harmless.  A session starts
 * with the replica's manifest (path, type, size, mtime, mode of
 * everything it holds); the difference becomes the catch-up operations
 * (repl-catchup.c), so unchanged files are never sent and changed large
 * files go as librsync deltas against the replica's signature.  A queue
 * overflow asks for a fresh manifest (RESCAN).  While no session is up
 * changes are dropped: the next session's catch-up covers them.  The
 * pump sends while the session's buffer holds less than 2 MiB; a
 * barrier is answered once the replica acknowledged every operation
 * queued before it, and no file it failed to store waits for a resend.
 * Logs at err: peer errors on apply; warning: session down.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-apply.h"
#include "repl-delta.h"
#include "repl-path.h"
#include "repl-source-private.h"
#include "repl-source.h"
#include "repl-tree.h"
#include "repl-watch.h"

#define OUT_HIGH (2 * 1024 * 1024)
#define MAX_MANIFEST 20000000

enum phase { PH_DOWN, PH_HELLO, PH_MANIFEST, PH_STREAM };

struct barrier {
	repl_reply_fn reply;	/* answers the client, once */
	void *ctx;
	gboolean assigned;
	guint64 target;
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

static struct {
	const struct repl_conf *conf;
	gboolean on;
	struct repl_conn *conn;	/* the session, from up to closed */
	GQueue ops;
	enum phase phase;
	GHashTable *manifest;
	GHashTable *known;
	GHashTable *late;	/* held-back new big files -> timer id */
	GHashTable *failing;	/* paths the replica failed -> seq of resend */
	gboolean union_mode;
	guint64 seq;
	guint64 acked;
	gint64 ack_us;		/* monotonic time of the last ack, 0 = none */
	struct xfer *x;
	char *await_sig;
	GList *barriers;
} S;

static void source_pump(void);

static void
op_push(int type, const char *path, const char *path2)
{
	g_queue_push_tail(&S.ops, op_new(type, path, path2));
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

static void
barrier_reply(struct barrier *b, const char *text)
{
	b->reply(text, b->ctx);
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

/* ---- changes ---------------------------------------------------------- */

static gboolean
watch_active(void *u)
{
	(void)u;
	return S.phase != PH_DOWN;
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
	    S.x->size <= S.conf->delta_threshold)
		return;
	hb_debug("%s: '%s' renamed to '%s' after %" G_GUINT64_FORMAT " of %"
		 G_GUINT64_FORMAT " bytes: sending a delta instead", __func__,
		 from, to, S.x->off, S.x->size);
	g_clear_pointer(&S.x, xfer_free);
	repl_conn_sendf(S.conn, REPL_DELETE, ++S.seq, from, NULL);
}

static void
watch_change(enum repl_change kind, const char *path, const char *path2,
	     gboolean is_dir, void *u)
{
	static const int op[] = {
		[REPL_CHANGE_PUT] = OP_PUT, [REPL_CHANGE_ATTR] = OP_ATTR,
		[REPL_CHANGE_RENAME] = OP_RENAME, [REPL_CHANGE_DELETE] = OP_DELETE,
		[REPL_CHANGE_MKDIR] = OP_MKDIR,
	};

	(void)u;
	if (kind == REPL_CHANGE_RENAME && !is_dir)
		xfer_abandon(path, path2);
	op_push(op[kind], path, path2);
}

static void
watch_overflow(void *u)
{
	(void)u;
	g_queue_clear_full(&S.ops, (GDestroyNotify)op_free);
	if (S.phase == PH_STREAM || S.phase == PH_MANIFEST) {
		g_hash_table_remove_all(S.manifest);
		S.phase = PH_MANIFEST;
		repl_conn_sendf(S.conn, REPL_RESCAN, 0, NULL, NULL);
	}
}

static void
watch_changed(void *u)
{
	(void)u;
	source_pump();
}

static const struct repl_watch_ops watch_ops = {
	.active = watch_active,
	.change = watch_change,
	.overflow = watch_overflow,
	.changed = watch_changed,
};

int
repl_source_start(const struct repl_conf *conf)
{
	int r;

	if (S.on)
		return 0;
	S.conf = conf;
	if (!S.manifest) {
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
	S.phase = PH_DOWN;
	r = repl_watch_start(&watch_ops, NULL);
	if (r < 0)
		return r;
	S.on = TRUE;
	hb_log(LOG_NOTICE, "source role: watching %u directories",
	       repl_watch_count());
	return 0;
}

static void session_down(void);

void
repl_source_stop(void)
{
	GList *l;

	if (!S.on)
		return;
	session_down();
	repl_watch_stop();
	while ((l = S.barriers))
		barrier_reply(l->data, "ERR role changed\n");
	S.on = FALSE;
}

/* ---- session ---------------------------------------------------------- */

static void
session_up(struct repl_conn *c, void *user)
{
	(void)user;
	S.conn = c;
	S.phase = PH_HELLO;
	repl_conn_sendf(S.conn, REPL_HELLO, S.seq, NULL, NULL);
}

static void
session_down(void)
{
	S.conn = NULL;
	g_queue_clear_full(&S.ops, (GDestroyNotify)op_free);
	g_clear_pointer(&S.x, xfer_free);
	g_clear_pointer(&S.await_sig, g_free);
	if (S.manifest)
		g_hash_table_remove_all(S.manifest);
	if (S.failing)
		g_hash_table_remove_all(S.failing);	/* catch-up covers them */
	for (GList *l = S.barriers; l; l = l->next) {
		((struct barrier *)l->data)->assigned = FALSE;
		((struct barrier *)l->data)->target = 0;
	}
	if (S.phase != PH_DOWN)
		hb_log(LOG_WARNING, "session down: will catch up on reconnect");
	S.phase = PH_DOWN;
}

static void
catch_up(void)
{
	GQueue q = G_QUEUE_INIT;
	struct op *o;

	repl_catchup_plan(S.manifest, S.union_mode, S.conf->delta_threshold,
			  S.known, &q);
	/* catch-up first, then whatever inotify queued meanwhile */
	while ((o = g_queue_pop_tail(&q)))
		g_queue_push_head(&S.ops, o);
	if (S.union_mode)
		op_push(OP_FETCH, "", NULL);	/* empty FETCH: union done */
	for (GList *l = S.barriers; l; l = l->next) {
		struct barrier *b = l->data;

		if (!b->assigned && !b->target) {
			o = op_new(OP_BARRIER, NULL, NULL);
			o->b = b;
			b->target = 1;	/* marker queued */
			g_queue_push_tail(&S.ops, o);
		}
	}
	g_hash_table_remove_all(S.manifest);
	S.phase = PH_STREAM;
	/* the manifest and the plan's tables (about 540 bytes per file at
	 * their peak) are freed now, but glibc keeps the pages: without this
	 * the RSS stayed at the largest catch-up's peak (620 bytes per file
	 * instead of 300 at 20,000 files; replicate-rss-plateau) */
	malloc_trim(0);
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
	fd = repl_tree_open_wire(S.await_sig, &st);
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
refresh_found(const char *wire, gboolean is_dir, int dfd, const char *name,
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
	repl_tree_scan(wire, 0, TRUE, NULL, refresh_found, q);
}

/* A session streams and no signature is awaited: the pump may send. */
static gboolean
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
	repl_watch_drain();
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
static gboolean
put_is_current(const char *path, const struct stat *st)
{
	struct mval *m = g_hash_table_lookup(S.known, path);
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if ((gint64)now.tv_sec * 1000000000 + now.tv_nsec - st_mtime_ns(st) <
	    20 * 1000000)
		return FALSE;
	return m && !m->is_dir && !g_hash_table_contains(S.failing, path) &&
	       (!S.x || strcmp(S.x->path, path)) &&
	       m->size == (guint64)st->st_size &&
	       m->mtime == st_mtime_ns(st) && m->mode == (st->st_mode & 07777);
}

/* Send what fits; returns when the queue is empty or the socket is full. */
static void
source_pump(void)
{
	struct op *o;

	while (streaming() && repl_conn_alive(S.conn) &&
	       repl_conn_queued(S.conn) < OUT_HIGH) {
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
				r = repl_conn_send_pread(S.conn, &f, x->fd, MIN(REPL_CHUNK,
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
			repl_conn_send(S.conn, &f);
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
			fd = repl_tree_open_wire(o->path, &st);
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
			    (guint64)st.st_size > S.conf->delta_threshold &&
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
			    (guint64)st.st_size > S.conf->delta_threshold &&
			    g_hash_table_contains(S.known, o->path)) {
				close(fd);
				S.await_sig = g_strdup(o->path);
				repl_conn_sendf(S.conn, REPL_SIGREQ, 0, o->path, NULL);
				break;
			}
			start_full(o->path, fd, &st);
			break;
		case OP_RENAME: {
			struct mval *m;
			g_autofree char *abs = repl_tree_abs(o->path2);

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
			repl_conn_sendf(S.conn, REPL_RENAME, ++S.seq, o->path, o->path2);
			known_drop(o->path2);
			repl_tree_rekey(S.known, o->path, o->path2, NULL, NULL);
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
			repl_conn_sendf(S.conn, REPL_DELETE, ++S.seq, o->path, NULL);
			known_drop(o->path);
			break;
		case OP_MKDIR: {
			g_autofree char *abs = repl_tree_abs(o->path);
			struct repl_frame f = { .type = REPL_MKDIR, .path = o->path,
				.path_len = strlen(o->path) };

			if (!abs || lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode))
				break;
			f.seq = ++S.seq;
			f.mode = st.st_mode & 07777;
			repl_conn_send(S.conn, &f);
			break;
		}
		case OP_FETCH:
			repl_conn_sendf(S.conn, REPL_FETCH, 0, o->path, NULL);
			break;
		case OP_ATTR: {
			/* chmod of a file the replica has as it is now: mode
			 * only; anything else is sent as content */
			g_autofree char *abs = repl_tree_abs(o->path);
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
			repl_conn_send(S.conn, &f);
			break;
		}
		case OP_BARRIER:
			o->b->assigned = TRUE;
			o->b->target = S.seq;
			barriers_check();
			break;
		}
		op_free(o);
	}
}

static gboolean
ready_cb(struct repl_conn *c, void *user)
{
	(void)c; (void)user;
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
		source_pump();
	}
	return G_SOURCE_REMOVE;
}

static gboolean
retry_cb(gpointer data)
{
	if (S.phase == PH_STREAM) {
		op_push(OP_FULL, data, NULL);
		source_pump();
	}
	return G_SOURCE_REMOVE;
}

static void
source_frame(struct repl_conn *c, const struct repl_frame *f)
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

		hb_log(LOG_ERR, "peer %s could not apply: %.*s", repl_conn_peer(c),
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
			       (int)f->path_len, f->path, repl_conn_peer(c));
		break;
	}
	default:
		goto bad;
	}
	source_pump();
	return;
bad:
	hb_log(LOG_ERR, "peer %s: unexpected %s frame in phase %d",
	       repl_conn_peer(c), repl_type_name(f->type), S.phase);
	repl_conn_close(c, "protocol error");
}

/* ---- the session's callbacks ----------------------------------------- */

static gboolean
frame_cb(struct repl_conn *c, const struct repl_frame *f, void *user)
{
	(void)user;
	source_frame(c, f);
	return TRUE;
}

/* files fetched back in a reconcile go to disk through the group sync */
static void
batch_end_cb(struct repl_conn *c, gboolean drained, void *user)
{
	(void)c; (void)drained; (void)user;
	repl_apply_kick();
}

static void
pump_cb(struct repl_conn *c, void *user)
{
	(void)c; (void)user;
	source_pump();
}

static void
closed_cb(struct repl_conn *c, void *user)
{
	GList *l;

	(void)c; (void)user;
	session_down();
	/* the session broke (not a role change): a barrier asked after this
	 * gets "phase=down" from STATUS and its caller decides (replicate-mda:
	 * accepted here only, or 451 with -s); one that was waiting gets the
	 * same answer now instead of holding its caller until a reconnect or
	 * its timeout (a standby that crashed held an SMTP session for
	 * replicate-mda's -w) */
	while ((l = S.barriers))
		barrier_reply(l->data, "DOWN session lost\n");
}

static const struct repl_conn_ops source_ops = {
	.up = session_up,
	.frame = frame_cb,
	.batch_end = batch_end_cb,
	.ready = ready_cb,
	.pump = pump_cb,
	.closed = closed_cb,
};

const struct repl_conn_ops *
repl_source_conn_ops(void)
{
	return &source_ops;
}

void
repl_source_barrier(const char *path, repl_reply_fn reply, void *ctx)
{
	struct barrier *b;
	struct op *o;

	if (S.conf->async) {
		reply("OK async\n", ctx);
		return;
	}
	b = g_new0(struct barrier, 1);
	b->reply = reply;
	b->ctx = ctx;
	S.barriers = g_list_append(S.barriers, b);
	repl_watch_drain();
	source_pump();	/* may hold back new big files ... */
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
	source_pump();
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
		repl_watch_count(),
		g_list_length(S.barriers), S.late ? g_hash_table_size(S.late) : 0,
		repl_conn_queued(repl_conn_session()), x ? x : "",
		S.await_sig ? " awaiting_signature=" : "",
		S.await_sig ? S.await_sig : "", repl_conn_bytes_out());
}
