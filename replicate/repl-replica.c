/*
 * repl-replica.c - the replica role (repl-replica.h).
 *
 * Invariants: an ACK never covers an operation that is not on disk (it
 * carries repl_apply_durable()); a held frame is delivered again, and
 * applied, only once the condition that held it is gone (flush: the
 * applier settled; congestion: it is not congested).  Logs at err: peer
 * errors and frames that cannot be applied, state file writes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-apply.h"
#include "repl-delta.h"
#include "repl-path.h"
#include "repl-replica.h"
#include "repl-tree.h"

static struct {
	const struct repl_conf *conf;
	gboolean active;	/* not the source */
	guint64 applied;	/* highest seq applied and fsynced */
	gboolean dirty;		/* was a source: reconcile on next session */
	guint64 complete;	/* applied when last caught up (see below) */
	gboolean current;	/* caught up in this session: complete follows
				 * applied */
	gboolean clean;		/* ended a planned handover in sync at applied */
	guint64 acked;		/* last position sent to the source */
	guint save_timer;
	struct repl_conn *held;	/* session whose input waits for the disk */
	gboolean held_flush;	/* ... until the applier settled */
	guint64 epoch;		/* the source run whose stream this tree
				 * follows (its HELLO), 0: none; saved */
} P;

/* ---- state file ------------------------------------------------------- */

static void
state_save(void)
{
	g_autofree char *path = g_build_filename(P.conf->statedir, "state", NULL);
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	g_autofree char *txt = g_strdup_printf("applied %" G_GUINT64_FORMAT
		"\ndirty %d\ncomplete %" G_GUINT64_FORMAT "\nepoch %"
		G_GUINT64_FORMAT "\n", P.applied, P.dirty ? 1 : 0, P.complete,
		P.epoch);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt) ||
	    fsync(fd) < 0 || rename(tmp, path) < 0)
		hb_log(LOG_ERR, "cannot save state '%s': %s", path,
		       g_strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void
state_load(void)
{
	g_autofree char *path = g_build_filename(P.conf->statedir, "state", NULL);
	g_autofree char *txt = NULL;
	char *p;

	if (!g_file_get_contents(path, &txt, NULL, NULL))
		return;
	if ((p = strstr(txt, "applied ")))
		P.applied = g_ascii_strtoull(p + 8, NULL, 10);
	/* a state file from before "complete": applied was complete */
	P.complete = P.applied;
	if ((p = strstr(txt, "complete ")))
		P.complete = MIN(P.applied, g_ascii_strtoull(p + 9, NULL, 10));
	if ((p = strstr(txt, "dirty ")))
		P.dirty = p[6] == '1';
	if ((p = strstr(txt, "epoch ")))
		P.epoch = g_ascii_strtoull(p + 6, NULL, 10);
}

static gboolean
save_cb(gpointer d)
{
	(void)d;
	P.save_timer = 0;
	state_save();
	return G_SOURCE_REMOVE;
}

/* ---- what the source asks for ------------------------------------------ */

static void
manifest_cb(const char *wire, const struct stat *st, void *user)
{
	GByteArray *buf = user;
	struct repl_frame f = { .type = REPL_MANIFEST };

	repl_mentry_append(buf, wire, S_ISDIR(st->st_mode), st->st_mode & 07777,
			   S_ISDIR(st->st_mode) ? 0 : st->st_size,
			   (gint64)st->st_mtim.tv_sec * 1000000000 +
			   st->st_mtim.tv_nsec);
	if (buf->len > 512 * 1024) {
		f.data = buf->data;
		f.data_len = buf->len;
		repl_conn_send(repl_conn_session(), &f);
		g_byte_array_set_size(buf, 0);
	}
}

static void
manifest_send(struct repl_conn *c)
{
	GByteArray *buf = g_byte_array_new();
	struct repl_frame f = { .type = REPL_MANIFEST };

	repl_tree_walk(manifest_cb, buf);
	if (buf->len) {
		f.data = buf->data;
		f.data_len = buf->len;
		repl_conn_send(c, &f);
	}
	g_byte_array_unref(buf);
	repl_conn_sendf(c, REPL_MANIFEST_END, P.applied, NULL, NULL);
}

static void
sig_send(struct repl_conn *c, const char *path)
{
	struct stat st;
	int fd = repl_tree_open_wire(path, &st);
	GByteArray *sig = g_byte_array_new();
	struct repl_frame f = { .type = REPL_SIG, .path = path,
				.path_len = strlen(path) };

	if (fd < 0 || repl_delta_sig(fd, sig) < 0) {
		f.kind = 1;	/* missing: send it whole */
	} else {
		f.data = sig->data;
		f.data_len = sig->len;
	}
	if (fd >= 0)
		close(fd);
	repl_conn_send(c, &f);
	g_byte_array_unref(sig);
}

static void
fetch_send(struct repl_conn *c, const char *path)
{
	struct stat st;
	int fd = repl_tree_open_wire(path, &st);
	guint8 *buf;
	guint64 off = 0;
	struct repl_frame f = { .type = REPL_DATA, .kind = REPL_KIND_FETCHED,
				.path = path, .path_len = strlen(path) };

	if (fd < 0)
		return;
	buf = g_malloc(REPL_CHUNK);
	for (;;) {
		ssize_t r = pread(fd, buf, REPL_CHUNK, off);

		if (r <= 0)
			break;
		f.offset = off;
		f.data = buf;
		f.data_len = r;
		repl_conn_send(c, &f);
		off += r;
	}
	close(fd);
	g_free(buf);
	f.type = REPL_COMMIT;
	f.offset = 0;
	f.data = NULL;
	f.data_len = 0;
	f.size = off;
	f.mode = st.st_mode & 07777;
	f.mtime_ns = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	repl_conn_send(c, &f);
}

/* ---- reports ---------------------------------------------------------- */

/* The inbound session, if one is up. */
static struct repl_conn *
inbound(void)
{
	struct repl_conn *c = repl_conn_session();

	return c && repl_conn_alive(c) && !repl_conn_outbound(c) ? c : NULL;
}

/* Report the files that could not be put in place (the source retries
 * them) and ACK the new durable position. */
static void
replica_report(GPtrArray *failed)
{
	struct repl_conn *c = inbound();

	for (guint i = 0; failed && i < failed->len; i++) {
		const char *p = failed->pdata[i];
		g_autofree char *msg = g_strdup_printf("cannot put '%s' in place", p);
		struct repl_frame e = { .type = REPL_ERROR, .kind = 1, .path = p,
			.path_len = strlen(p), .data = (const guint8 *)msg,
			.data_len = strlen(msg) };

		hb_log(LOG_ERR, "%s", msg);
		if (c)
			repl_conn_send(c, &e);
	}
	if (failed)
		g_ptr_array_unref(failed);
	P.applied = MAX(P.applied, repl_apply_durable());
	if (P.current)
		P.complete = P.applied;
	if (P.applied <= P.acked || !c)
		return;
	P.acked = P.applied;
	repl_conn_sendf(c, REPL_ACK, P.applied, NULL, NULL);
	if (!P.save_timer)
		P.save_timer = g_timeout_add(100, save_cb, NULL);
}

/* A sync completed: report, and let a held session go on (its frame is
 * checked again, and held again until the disk caught up). */
static void
synced(GPtrArray *failed)
{
	replica_report(failed);
	if (P.held)
		repl_conn_resume(g_steal_pointer(&P.held));
}

/* ---- frames ----------------------------------------------------------- */

static void
replica_frame(struct repl_conn *c, const struct repl_frame *f)
{
	g_autofree char *err = NULL;
	int r;

	switch (f->type) {
	case REPL_HELLO:
		if (!P.active) {
			struct repl_frame e = { .type = REPL_ERROR,
				.data = (const guint8 *)"peer is a source too",
				.data_len = 20 };

			hb_log(LOG_ERR, "refusing session from %s: I am the "
			       "source", repl_conn_peer(c));
			repl_conn_send(c, &e);
			repl_conn_close(c, "both nodes are sources");
			return;
		}
		/* the source numbers on from its last session, which may
		 * have ended with operations that never got here: without
		 * taking its position, a barrier with nothing new to send
		 * waited for their acknowledgement forever (replicate-
		 * stale-seq) */
		repl_apply_session_at(f->seq);
		repl_apply_reset();
		P.acked = P.applied;
		P.current = FALSE;	/* until this session's catch-up ends */
		{
			/* the source offers (HELLO kind 2) one of two things,
			 * and knows which: a planned handover's new source
			 * that holds exactly what this node ended with as the
			 * source (both in sync: no manifest, no catch-up), or
			 * a source that kept a journal of what changed since
			 * this tree last followed its run (same epoch: it skips
			 * the manifest; this tree changed only by its stream, a
			 * former source is dirty, its epoch 0) */
			gboolean fast = P.clean && f->kind == REPL_HELLO_IN_SYNC &&
				f->seq == P.applied;
			gboolean journal = !fast &&
				f->kind == REPL_HELLO_JOURNAL && f->size &&
				f->size == P.epoch && !P.dirty;
			struct repl_frame a = { .type = REPL_HELLO_ACK,
				.seq = P.applied, .kind = fast ? REPL_HELLO_IN_SYNC :
				P.dirty ? 1 : journal ? REPL_HELLO_JOURNAL : 0 };

			P.clean = FALSE;
			if (P.epoch != f->size) {
				P.epoch = f->size;	/* (0 from an older source) */
				state_save();
			}
			repl_conn_send(c, &a);
			if (fast) {
				P.complete = P.applied;	/* holds it all */
				P.current = TRUE;
				hb_log(LOG_NOTICE, "session with %s: in sync at "
				       "%" G_GUINT64_FORMAT " after a planned "
				       "handover (no catch-up)",
				       repl_conn_peer(c), P.applied);
				return;
			}
			if (journal) {
				hb_log(LOG_INFO, "session with %s: catch-up "
				       "from its journal", repl_conn_peer(c));
				return;
			}
		}
		/* fallthrough */
	case REPL_RESCAN:
		P.current = FALSE;
		manifest_send(c);
		return;
	case REPL_SIGREQ: {
		g_autofree char *p = g_strndup(f->path, f->path_len);

		if (!repl_path_valid(f->path, f->path_len))
			break;
		sig_send(c, p);
		return;
	}
	case REPL_FETCH: {
		g_autofree char *p = g_strndup(f->path, f->path_len);

		if (f->path_len == 0) {
			/* the catch-up (and a union reconcile) is complete,
			 * and everything before it durable (a control frame
			 * waits for that) */
			P.applied = MAX(P.applied, repl_apply_durable());
			P.complete = P.applied;
			P.current = TRUE;
			hb_log(LOG_NOTICE, "%s with %s complete", P.dirty ?
			       "reconcile" : "catch-up", repl_conn_peer(c));
			P.dirty = FALSE;	/* union reconcile complete */
			state_save();
#ifdef __GLIBC__
			/* the manifest went out in 512 KB frames (about 100
			 * bytes per file) and the catch-up's data through
			 * the same buffers: freed, but glibc kept the pages
			 * (a source turned replica stayed 2.7 MB up at 26,000
			 * files; replicate-rss-plateau) */
			malloc_trim(0);
#endif
			return;
		}
		if (!repl_path_valid(f->path, f->path_len))
			break;
		fetch_send(c, p);
		return;
	}
	case REPL_DATA:
	case REPL_COMMIT:
	case REPL_RENAME:
	case REPL_DELETE:
	case REPL_MKDIR:
	case REPL_ATTR:
		if (f->kind == REPL_KIND_FETCHED)
			break;
		P.clean = FALSE;
		r = repl_apply_frame(f, &err);
		if (r == 0)
			return;
		if (r == HB_EMALFORMED && f->type != REPL_RENAME &&
		    !repl_path_valid(f->path, f->path_len)) {
			hb_log(LOG_ERR, "peer %s: %s", repl_conn_peer(c), err);
			repl_conn_close(c, "path outside the roots");
			return;
		}
		if (f->type == REPL_RENAME && r == -ENOENT) {
			/* usual for tmp/ -> new/: the file never got here */
			hb_debug("%s: %s: asking for it whole", __func__, err);
		} else if (r != HB_EMALFORMED || f->offset == 0) {
			hb_log(LOG_ERR, "peer %s: cannot apply %s",
			       repl_conn_peer(c), err);
		}
		if (f->type == REPL_RENAME && r == -ENOENT) {
			g_autofree char *to = g_strndup(f->path2, f->path2_len);

			repl_conn_sendf(c, REPL_RESYNC, 0, to, NULL);
		} else if (f->type == REPL_COMMIT || f->type == REPL_DATA) {
			g_autofree char *p = g_strndup(f->path, f->path_len);
			struct repl_frame e = { .type = REPL_ERROR, .kind = 1,
				.path = p, .path_len = strlen(p),
				.data = (const guint8 *)err, .data_len = strlen(err) };

			if (f->type == REPL_DATA)
				repl_apply_drop_part(p);
			/* chunks and the COMMIT after a failed first chunk
			 * find no part: report the failure once */
			if (r != HB_EMALFORMED ||
			    (f->type == REPL_DATA && f->offset == 0))
				repl_conn_send(c, &e);
		} else {
			struct repl_frame e = { .type = REPL_ERROR,
				.data = (const guint8 *)err, .data_len = strlen(err) };

			repl_conn_send(c, &e);
		}
		return;
	case REPL_ERROR:
		hb_log(LOG_ERR, "peer %s: %.*s", repl_conn_peer(c),
		       (int)MIN(f->data_len, 300), (const char *)f->data);
		return;
	default:
		break;
	}
	hb_log(LOG_ERR, "peer %s: unexpected %s frame", repl_conn_peer(c),
	       repl_type_name(f->type));
	repl_conn_close(c, "protocol error");
}

/* Hold c's input with the frame that cannot be applied yet; the sync
 * that ends the wait is started here, its completion resumes c. */
static gboolean
hold(struct repl_conn *c, gboolean flush)
{
	P.held = c;
	P.held_flush = flush;
	repl_apply_kick();
	return FALSE;
}

static gboolean
frame_cb(struct repl_conn *c, const struct repl_frame *f, void *user)
{
	(void)user;
	/* keep the order of operations: f sees everything before it in
	 * place and durable */
	if (P.held_flush ? !repl_apply_settled() : repl_apply_needs_flush(f))
		return hold(c, TRUE);
	P.held_flush = FALSE;
	if (repl_apply_congested()) {
		repl_apply_kick();	/* (a sync may take what waits now) */
		if (repl_apply_congested())
			return hold(c, FALSE);
	}
	replica_frame(c, f);
	return TRUE;
}

/*
 * After each batch of frames the files they committed wait for the group
 * sync: one starts if none runs, a completed one is taken while the
 * socket keeps the loop busy, and renames and deletes are acknowledged
 * as soon as they are durable.  A lone delivery starts its sync at once.
 */
static void
batch_end_cb(struct repl_conn *c, gboolean drained, void *user)
{
	(void)c; (void)user;
	if (!drained)
		repl_apply_poll();	/* a sync may have completed meanwhile */
	repl_apply_kick();
	replica_report(NULL);
}

static void
closed_cb(struct repl_conn *c, void *user)
{
	(void)user;
	if (P.held == c)
		P.held = NULL;
	P.held_flush = FALSE;
	repl_apply_reset();	/* what was received stays: it is synced */
}

static const struct repl_conn_ops replica_ops = {
	.frame = frame_cb,
	.batch_end = batch_end_cb,
	.closed = closed_cb,
};

const struct repl_conn_ops *
repl_replica_conn_ops(void)
{
	return &replica_ops;
}

/* ---- role ------------------------------------------------------------- */

void
repl_replica_init(const struct repl_conf *conf)
{
	P.conf = conf;
	P.active = TRUE;
	state_load();
	/* nothing to acknowledge before a session's HELLO: a source that
	 * connects while the first sync runs took an ACK ahead of the
	 * HELLO_ACK for a protocol error */
	P.acked = P.applied;
	repl_apply_reset();
	repl_apply_set_position(P.applied);
	repl_apply_set_notify(synced);
}

void
repl_replica_set_active(gboolean active)
{
	P.active = active;
	P.clean = FALSE;
}

void
repl_replica_handover_clean(guint64 pos)
{
	P.applied = pos;
	P.acked = pos;
	P.clean = TRUE;
	repl_apply_reset();
	repl_apply_set_position(pos);
	state_save();
}

guint64
repl_replica_position(void)
{
	return MAX(P.applied, repl_apply_durable());
}

void
repl_replica_mark_dirty(void)
{
	P.dirty = TRUE;
	P.epoch = 0;	/* this tree changes here now */
	state_save();
}

char *
repl_replica_status(void)
{
	struct repl_conn *c = repl_conn_session();

	return g_strdup_printf("role=replica session=%s applied=%"
			       G_GUINT64_FORMAT " dirty=%d complete=%"
			       G_GUINT64_FORMAT "\n",
			       c ? repl_conn_peer(c) : "none", P.applied, P.dirty,
			       P.complete);
}

void
repl_replica_shutdown(void)
{
	replica_report(repl_apply_flush_now());
	state_save();
}
