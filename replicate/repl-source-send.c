/*
 * repl-source-send.c - the source role's sending, per replica
 * (repl-source-send.h): changes become operations on each replica's
 * queue, the pump sends them, files go whole or as deltas.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-delta.h"
#include "repl-journal.h"
#include "repl-path.h"
#include "repl-ptab.h"
#include "repl-source-barrier.h"
#include "repl-source-private.h"
#include "repl-source-send.h"
#include "repl-source-state.h"
#include "repl-tree.h"
#include "repl-watch.h"

#define OUT_HIGH (2 * 1024 * 1024)

/* a path waiting on a timer for one replica */
struct pref {
	struct peer *p;
	char *path;
};

static struct pref *
pref_new(struct peer *p, const char *path)
{
	struct pref *r = g_new(struct pref, 1);

	r->p = p;
	r->path = g_strdup(path);
	return r;
}

static void
pref_free(gpointer data)
{
	struct pref *r = data;

	g_free(r->path);
	g_free(r);
}

/*
 * Sequence numbers compare between replicas (the promotable clone
 * promotes the one that is furthest): a change captured by inotify gets
 * a capture number c, and every replica receives its frame as c * CAP_STEP
 * (or just above its last number), whenever its queue gets there.  A
 * replica that acknowledged N holds every change captured before
 * N / CAP_STEP that was sent to it: a replica whose queue lags has the
 * lower position, not just the later one.  Frames of no captured change
 * (catch-up, resends, directory refreshes) take the replica's next
 * number; a capture number is always above every number handed out, so
 * a long catch-up does not inflate a replica's later positions (the
 * replica's "complete" position ignores the catch-up itself).  Each
 * replica sees its numbers strictly increasing, with gaps.  With one
 * peer there is nothing to compare: numbers go up by one, as they always
 * did (hbd status shows seq - acked as the operations waiting).
 */
#define CAP_STEP (G_GUINT64_CONSTANT(1) << 20)

static guint64
next_capture(void)
{
	S.cap = MAX(S.cap + 1, S.seq / CAP_STEP + 1);
	return S.cap;
}

static guint64
next_seq(struct peer *p, guint64 cap)
{
	p->sent = S.npeers > 1 ? MAX(p->sent + 1, cap * CAP_STEP) : p->sent + 1;
	S.seq = MAX(S.seq, p->sent);
	return p->sent;
}

void
op_push(struct peer *p, int type, const char *path, const char *path2)
{
	g_queue_push_tail(&p->ops, op_new(type, path, path2));
}

/* ---- the catch-up journal ---------------------------------------------- */

/* The next catch-up of p compares the trees (why: logged, or NULL). */
void
journal_drop(struct peer *p, const char *why)
{
	if (repl_journal_drop(p->journal) && why)
		hb_log(LOG_NOTICE, "catch-up journal of %s: %s: its next "
		       "catch-up compares the trees", p->name, why);
}

void
journal_overflow(struct peer *p)
{
	hb_log(LOG_NOTICE, "catch-up journal of %s: more than %u paths "
	       "changed or unacknowledged (`journal`): its next catch-up "
	       "compares the trees", p->name, S.conf->journal);
}

void
journal_add(struct peer *p, const char *path)
{
	if (!repl_journal_add(p->journal, path))
		journal_overflow(p);
}

/* p was sent (its highest seq now) an operation on path and path2 */
static void
inflight_add(struct peer *p, const char *path, const char *path2)
{
	if (p->phase == PH_DOWN) {	/* the send broke the session */
		if (repl_journal_valid(p->journal)) {
			repl_ptab_drop(p->known, path);
			if (path2)
				repl_ptab_drop(p->known, path2);
		}
		journal_add(p, path);
		journal_add(p, path2);
		return;
	}
	if (p->catching)	/* (its many records cost the memory) */
		repl_journal_unrecorded(p->journal, p->sent);
	else
		repl_journal_sent(p->journal, p->sent, path, path2);
}

void
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

/* ---- changes ---------------------------------------------------------- */

static gboolean
watch_active(void *u)
{
	(void)u;
	for (int i = 0; i < S.npeers; i++)
		if (S.peers[i].phase != PH_DOWN ||
		    repl_journal_valid(S.peers[i].journal))
			return TRUE;
	return FALSE;
}

/* The replica no longer has path (a file, or a directory and all below). */
void
known_drop(struct peer *p, const char *path)
{
	repl_ptab_drop(p->known, path);
}

static gboolean
known_has(struct peer *p, const char *path)
{
	return repl_ptab_get(p->known, path, NULL);
}

/*
 * A new file being sent whole that is now renamed over a big file the
 * replica has (an editor's or sed -i's temp file, whose rename can take
 * a while on ext4): stop sending it.  The replica drops the unfinished
 * copy on the delete, and the rename that follows goes as a delta.
 */
static void
xfer_abandon(struct peer *p, const char *from, const char *to)
{
	if (!p->x || p->x->kind != REPL_KIND_FULL || strcmp(p->x->path, from) ||
	    known_has(p, from) || g_hash_table_contains(p->failing, from) ||
	    !known_has(p, to) || p->x->size <= S.conf->delta_threshold)
		return;
	hb_debug("%s: '%s' renamed to '%s' after %" G_GUINT64_FORMAT " of %"
		 G_GUINT64_FORMAT " bytes: sending a delta instead", __func__,
		 from, to, p->x->off, p->x->size);
	g_clear_pointer(&p->x, xfer_free);
	repl_conn_sendf(p->conn, REPL_DELETE, next_seq(p, 0), from, NULL);
	inflight_add(p, from, NULL);
}

/* A change while p is away: a file created and gone again before it
 * comes back is none. */
static void
journal_change(struct peer *p, enum repl_change kind, const char *path,
	       const char *path2, gboolean is_dir)
{
	gboolean ok = TRUE;

	switch (kind) {
	case REPL_CHANGE_PUT:
		ok = known_has(p, path) ? repl_journal_add(p->journal, path) :
		     repl_journal_add_new(p->journal, path);
		break;
	case REPL_CHANGE_RENAME:
		if (is_dir) {	/* replayed as a rename if it can be */
			ok = repl_journal_dir_renamed(p->journal, path, path2);
			break;
		}
		ok = repl_journal_gone(p->journal, path) &&
		     (known_has(p, path2) ? repl_journal_add(p->journal, path2) :
		      repl_journal_add_moved(p->journal, path2));
		break;
	case REPL_CHANGE_DELETE:
		ok = is_dir ? repl_journal_add(p->journal, path) :
		     repl_journal_gone(p->journal, path);
		break;
	default:
		ok = repl_journal_add(p->journal, path);
		break;
	}
	if (!ok)
		journal_overflow(p);
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

	guint64 cap = next_capture();

	(void)u;
	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];

		if (p->phase == PH_DOWN) {
			journal_change(p, kind, path, path2, is_dir);
			continue;
		}
		if (kind == REPL_CHANGE_RENAME && !is_dir)
			xfer_abandon(p, path, path2);
		op_push(p, op[kind], path, path2);
		((struct op *)g_queue_peek_tail(&p->ops))->cap = cap;
		if (p->ops.length > TRIM_OPS)
			p->trim = TRUE;
	}
}

static void
watch_overflow(void *u)
{
	(void)u;
	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];

		journal_drop(p, "inotify events lost");
		g_queue_clear_full(&p->ops, (GDestroyNotify)op_free);
		if (p->phase == PH_STREAM || p->phase == PH_MANIFEST) {
			g_hash_table_remove_all(p->manifest);
			p->phase = PH_MANIFEST;
			repl_conn_sendf(p->conn, REPL_RESCAN, 0, NULL, NULL);
		}
	}
}

static void
watch_changed(void *u)
{
	(void)u;
	for (int i = 0; i < S.npeers; i++)
		source_pump(&S.peers[i]);
}

const struct repl_watch_ops source_watch_ops = {
	.active = watch_active,
	.change = watch_change,
	.overflow = watch_overflow,
	.changed = watch_changed,
};

static void
start_full(struct peer *p, const char *path, int fd, const struct stat *st)
{
	struct xfer *x = g_new0(struct xfer, 1);

	x->cap = p->cur_cap;

	x->fd = fd;
	x->path = g_strdup(path);
	x->size = st->st_size;
	x->kind = REPL_KIND_FULL;
	x->mode = st->st_mode & 07777;
	x->mtime = st_mtime_ns(st);
	p->x = x;
}

void
on_sig(struct peer *p, const struct repl_frame *f)
{
	struct stat st;
	int fd;
	FILE *delta;
	int err;

	if (!p->await_sig || f->path_len != strlen(p->await_sig) ||
	    memcmp(f->path, p->await_sig, f->path_len))
		return;
	fd = repl_tree_open_wire(p->await_sig, &st);
	if (fd < 0) {
		g_clear_pointer(&p->await_sig, g_free);
		return;
	}
	if (f->kind == 1 || f->data_len == 0) {
		start_full(p, p->await_sig, fd, &st);
		g_clear_pointer(&p->await_sig, g_free);
		return;
	}
	delta = tmpfile();
	err = delta ? repl_delta_make(f->data, f->data_len, fd, delta) : -errno;
	if (err) {
		hb_log(LOG_WARNING, "delta for '%s' failed (%s): sending whole",
		       p->await_sig, hb_strerror(err));
		if (delta)
			fclose(delta);
		start_full(p, p->await_sig, fd, &st);
	} else {
		start_full(p, p->await_sig, fd, &st);
		close(fd);
		p->x->delta = delta;
		p->x->fd = fileno(delta);
		p->x->size = ftell(delta);
		p->x->final_size = st.st_size;
		p->x->kind = REPL_KIND_DELTA;
		hb_debug("%s: delta for '%s': %" G_GUINT64_FORMAT " bytes for %"
			 G_GUINT64_FORMAT, __func__, p->await_sig, p->x->size,
			 p->x->final_size);
	}
	g_clear_pointer(&p->await_sig, g_free);
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

struct refresh {
	struct peer *p;
	GQueue *q;
};

static void
refresh_found(const char *wire, gboolean is_dir, int dfd, const char *name,
	      void *u)
{
	struct refresh *rf = u;
	struct peer *p = rf->p;
	struct op *o;

	if (!is_dir) {
		struct stat st;
		struct repl_fstate m;

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			return;
		if (repl_ptab_get(p->known, wire, &m) &&
		    m.size == (guint64)st.st_size && m.mtime == st_mtime_ns(&st))
			return;
	}
	o = g_new0(struct op, 1);
	o->type = is_dir ? OP_MKDIR : OP_PUT;
	o->path = g_strdup(wire);
	g_queue_push_tail(rf->q, o);
}

/* Queue on q what the replica may lack under directory wire (which it
 * has): MKDIR for each directory (harmless when it exists), PUT for each
 * file it does not have as it is now. */
static void
refresh_dir(struct peer *p, const char *wire, GQueue *q)
{
	struct refresh rf = { p, q };

	repl_tree_scan(wire, 0, TRUE, NULL, refresh_found, &rf);
}

/* A session streams and no signature is awaited: the pump may send. */
gboolean
streaming(struct peer *p)
{
	return S.on && p->phase == PH_STREAM && !p->await_sig;
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
chase_moved(struct peer *p, const char *path)
{
	guint n = 0;

	if (!S.barriers)
		return;
	repl_watch_drain();
	for (GList *l = p->ops.head; l && n < 4096; l = l->next, n++) {
		struct op *o = l->data;

		if (o->type == OP_DELETE && !strcmp(o->path, path))
			return;
		if (o->type == OP_RENAME && !strcmp(o->path, path)) {
			g_queue_unlink(&p->ops, l);
			g_queue_push_head_link(&p->ops, l);
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
put_is_current(struct peer *p, const char *path, const struct stat *st)
{
	struct repl_fstate m;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if ((gint64)now.tv_sec * 1000000000 + now.tv_nsec - st_mtime_ns(st) <
	    20 * 1000000)
		return FALSE;
	return repl_ptab_get(p->known, path, &m) &&
	       !g_hash_table_contains(p->failing, path) &&
	       (!p->x || strcmp(p->x->path, path)) &&
	       m.size == (guint64)st->st_size &&
	       m.mtime == st_mtime_ns(st) && m.mode == (st->st_mode & 07777);
}

/*
 * Read-ahead for a bulk transfer (initial sync, catch-up): the files of
 * the next AHEAD_OPS operations are asked from the disk at once
 * (posix_fadvise WILLNEED, at most AHEAD_BYTES of each), so the disk
 * works on many reads at a time while the pump sends one file.  Read one
 * by one, as rsync does, a virtual disk's latency dominates: on 8,000
 * messages with the cache dropped, reading them took 2.45 s one by one
 * and 0.77 s with 16 asked ahead (7 Dec, BENCH_FS=dir).  Only while the
 * queue is long (a delivery's file was just written: it is in the page
 * cache, and one more open per file would be for nothing).
 */
#define AHEAD_OPS 16
#define AHEAD_BYTES (1024 * 1024)

static void
read_ahead(struct peer *p)
{
	guint n = 0;

	if (!p->catching && p->ops.length < 4 * AHEAD_OPS)
		return;
	for (GList *l = p->ops.head; l && n < AHEAD_OPS; l = l->next, n++) {
		struct op *o = l->data;
		struct stat st;
		int fd;

		if (o->ahead || (o->type != OP_PUT && o->type != OP_FULL &&
				 o->type != OP_PUT_LATE))
			continue;
		o->ahead = 1;
		fd = repl_tree_open_wire(o->path, &st);
		if (fd < 0)
			continue;
		(void)posix_fadvise(fd, 0, MIN(st.st_size, AHEAD_BYTES),
				    POSIX_FADV_WILLNEED);
		close(fd);
	}
}

/* Send what fits; returns when the queue is empty or the socket is full. */
void
source_pump(struct peer *p)
{
	struct op *o;
	guint64 sent;

	while (streaming(p) && repl_conn_alive(p->conn) &&
	       repl_conn_queued(p->conn) < OUT_HIGH) {
		struct stat st;
		int fd;

		if (p->x) {
			struct xfer *x = p->x;
			struct repl_frame f = { .type = REPL_DATA, .kind = x->kind,
				.path = x->path, .path_len = strlen(x->path),
				.mode = x->mode };
			ssize_t r = 0;

			if (x->off < x->size) {
				f.offset = x->off;
				r = repl_conn_send_pread(p->conn, &f, x->fd, MIN(REPL_CHUNK,
						    x->size - x->off), x->off);
				if (p->x != x)	/* the send failed: session down */
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
			f.seq = next_seq(p, x->cap);
			f.mode = x->mode;
			f.mtime_ns = x->mtime;
			f.size = x->kind == REPL_KIND_DELTA ? x->final_size : x->off;
			repl_conn_send(p->conn, &f);
			if (p->x != x)	/* the send failed: session down */
				continue;
			if (g_hash_table_contains(p->failing, x->path))
				g_hash_table_insert(p->failing, g_strdup(x->path),
						    GSIZE_TO_POINTER(f.seq));
			repl_ptab_set(p->known, x->path, &(struct repl_fstate){
				.size = f.size, .mtime = x->mtime, .mode = x->mode });
			inflight_add(p, x->path, NULL);
			g_clear_pointer(&p->x, xfer_free);
			continue;
		}
		o = g_queue_pop_head(&p->ops);
		if (!o) {
			if (p->trim && !repl_conn_queued(p->conn)) {
				repl_conn_trim(p->conn);
				/* its nodes were made among the operations */
				repl_ptab_compact(p->known);
#ifdef __GLIBC__
				malloc_trim(0);
#endif
				p->trim = FALSE;
			}
			break;
		}
		p->cur_cap = o->cap;
		sent = p->sent;
		read_ahead(p);
		switch (o->type) {
		case OP_PUT:
		case OP_PUT_LATE:
		case OP_FULL:
			fd = repl_tree_open_wire(o->path, &st);
			if (fd < 0) {
				/* gone again: a delete or a rename follows */
				chase_moved(p, o->path);
				if (g_hash_table_remove(p->failing, o->path))
					barriers_check();
				break;
			}
			if (o->type == OP_PUT && put_is_current(p, o->path, &st)) {
				/* an earlier PUT of this file already sent it
				 * as it is now (Dovecot rewrites its index and
				 * uidlist on every delivery: under load many
				 * PUTs of one file wait in the queue) */
				close(fd);
				break;
			}
			if (o->type == OP_PUT && o->cap && !S.barriers &&
			    (guint64)st.st_size > S.conf->delta_threshold &&
			    !known_has(p, o->path)) {
				/* a big new file is often an editor's temp
				 * file about to replace a known one: wait a
				 * moment, the rename then goes as a delta
				 * (only a change inotify saw: a catch-up's
				 * file held back would be sent after the
				 * catch-up's end) */
				close(fd);
				if (!g_hash_table_contains(p->late, o->path))
					g_hash_table_insert(p->late,
						g_strdup(o->path), GUINT_TO_POINTER(
						g_timeout_add_full(G_PRIORITY_DEFAULT,
						late_wait_ms(st.st_size), late_cb,
						pref_new(p, o->path),
						pref_free)));
				break;
			}
			if (o->type != OP_FULL &&
			    (guint64)st.st_size > S.conf->delta_threshold &&
			    known_has(p, o->path)) {
				close(fd);
				p->await_sig = g_strdup(o->path);
				repl_conn_sendf(p->conn, REPL_SIGREQ, 0, o->path, NULL);
				break;
			}
			start_full(p, o->path, fd, &st);
			break;
		case OP_RENAME: {
			struct repl_fstate m;
			g_autofree char *abs = repl_tree_abs(o->path2);

			if (!known_has(p, o->path) && abs &&
			    lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
				/* the replica never had the old name: send the
				 * new one (a delta if it has an older copy) */
				struct op *q = g_new0(struct op, 1);

				q->type = OP_PUT_LATE;
				q->path = g_strdup(o->path2);
				g_queue_push_head(&p->ops, q);
				break;
			}
			if (!known_has(p, o->path) && abs &&
			    lstat(abs, &st) < 0 && errno == ENOENT) {
				/* the new name is gone too: the file moved on */
				chase_moved(p, o->path2);
				if (p->phase != PH_STREAM)
					break;	/* the events overflowed */
			}
			repl_conn_sendf(p->conn, REPL_RENAME, next_seq(p, o->cap), o->path, o->path2);
			repl_ptab_move(p->known, o->path, o->path2);
			if (abs && lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
				/* files put into the directory before it moved
				 * may not have been sent yet (their PUT found
				 * them gone): send what the replica lacks */
				GQueue q = G_QUEUE_INIT;
				struct op *r;

				refresh_dir(p, o->path2, &q);
				while ((r = g_queue_pop_tail(&q)))
					g_queue_push_head(&p->ops, r);
				break;
			}
			/* what was sent under the old name may predate the
			 * last write (e.g. sent on an early event): resend */
			if (abs && lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
			    (!repl_ptab_get(p->known, o->path2, &m) ||
			     m.size != (guint64)st.st_size ||
			     m.mtime != st_mtime_ns(&st))) {
				struct op *q = g_new0(struct op, 1);

				q->type = OP_PUT;
				q->path = g_strdup(o->path2);
				g_queue_push_head(&p->ops, q);
			}
			break;
		}
		case OP_DELETE:
			repl_conn_sendf(p->conn, REPL_DELETE, next_seq(p, o->cap), o->path, NULL);
			known_drop(p, o->path);
			break;
		case OP_DIRMOVE:
			/* a directory renamed while the replica was away
			 * (repl_catchup_journal moved known already): what it
			 * has at the new name goes (on the source that name
			 * was empty or absent when it was renamed), then the
			 * rename */
			repl_conn_sendf(p->conn, REPL_DELETE, next_seq(p, o->cap),
					o->path2, NULL);
			if (p->phase == PH_DOWN)
				break;	/* (inflight_add below forgets both) */
			repl_conn_sendf(p->conn, REPL_RENAME, next_seq(p, o->cap),
					o->path, o->path2);
			break;
		case OP_MKDIR: {
			g_autofree char *abs = repl_tree_abs(o->path);
			struct repl_frame f = { .type = REPL_MKDIR, .path = o->path,
				.path_len = strlen(o->path) };

			if (!abs || lstat(abs, &st) < 0 || !S_ISDIR(st.st_mode))
				break;
			f.seq = next_seq(p, o->cap);
			f.mode = st.st_mode & 07777;
			repl_conn_send(p->conn, &f);
			break;
		}
		case OP_FETCH:
			repl_conn_sendf(p->conn, REPL_FETCH, 0, o->path, NULL);
			if (!*o->path)
				catch_up_sent(p);
			break;
		case OP_ATTR: {
			/* chmod of a file the replica has as it is now: mode
			 * only; anything else is sent as content */
			g_autofree char *abs = repl_tree_abs(o->path);
			struct repl_fstate m;
			struct repl_frame f = { .type = REPL_ATTR, .path = o->path,
				.path_len = strlen(o->path) };

			if (!repl_ptab_get(p->known, o->path, &m) || !abs ||
			    lstat(abs, &st) < 0 || !S_ISREG(st.st_mode) ||
			    m.size != (guint64)st.st_size)
				break;
			if (m.mtime != st_mtime_ns(&st)) {
				/* mtime moved: maybe a write, send the content
				 * (a delta when big) rather than trust it */
				struct op *q = g_new0(struct op, 1);

				q->type = OP_PUT;
				q->path = g_strdup(o->path);
				g_queue_push_head(&p->ops, q);
				break;
			}
			if (m.mode == (st.st_mode & 07777))
				break;
			f.seq = next_seq(p, o->cap);
			f.mode = st.st_mode & 07777;
			f.mtime_ns = st_mtime_ns(&st);
			f.size = st.st_size;
			m.mode = f.mode;
			m.mtime = f.mtime_ns;
			repl_ptab_set(p->known, o->path, &m);
			repl_conn_send(p->conn, &f);
			break;
		}
		case OP_BARRIER:
			o->b->st[p->idx] = B_ASSIGNED;
			o->b->target[p->idx] = p->sent;
			barriers_check();
			break;
		}
		if (p->sent != sent)
			inflight_add(p, o->path, o->path2);
		op_free(o);
	}
}

static gboolean
late_cb(gpointer data)
{
	struct pref *r = data;
	struct peer *p = r->p;
	struct op *o;

	if (p->phase == PH_STREAM) {
		o = g_new0(struct op, 1);
		o->type = OP_PUT_LATE;
		o->path = g_strdup(r->path);
		g_queue_push_tail(&p->ops, o);
	}
	g_hash_table_remove(p->late, r->path);	/* r: freed after the return */
	source_pump(p);
	return G_SOURCE_REMOVE;
}

static gboolean
retry_cb(gpointer data)
{
	struct pref *r = data;

	if (r->p->phase == PH_STREAM) {
		op_push(r->p, OP_FULL, r->path, NULL);
		source_pump(r->p);
	}
	return G_SOURCE_REMOVE;
}

void
source_retry(struct peer *p, const char *path)
{
	g_timeout_add_full(G_PRIORITY_DEFAULT, 1000, retry_cb,
			   pref_new(p, path), pref_free);
}
