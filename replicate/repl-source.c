/*
 * repl-source.c - the source role: its lifecycle and its sessions.
 *
 * Start and stop (the watcher, each replica's state), the session of
 * each replica (repl-conn.h callbacks): HELLO (the journal's offer, or a
 * planned handover's in-sync skip), the replica's answer and manifest,
 * the start of its catch-up (repl-catchup.c: the plan goes ahead of what
 * inotify queued meanwhile), the frames it sends back (ACK, SIG, RESYNC,
 * ERROR, files fetched in a union reconcile), and its end (what it may
 * lack goes to its journal).  A barrier asked (repl_source_barrier)
 * drains the watcher, sends held-back files and queues its markers.
 * Sending is repl-source-send.c, the barrier policy
 * repl-source-barrier.c, the status line repl-source-status.c; the
 * state they share is repl-source-state.h.
 * Logs at err: peer errors on apply, protocol errors; warning: session
 * down; notice: the journal's offer refused.
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

#include "log.h"
#include "repl-apply.h"
#include "repl-journal.h"
#include "repl-path.h"
#include "repl-ptab.h"
#include "repl-source-barrier.h"
#include "repl-source-private.h"
#include "repl-source-send.h"
#include "repl-source-state.h"
#include "repl-source.h"
#include "repl-tree.h"
#include "repl-watch.h"

#define MAX_MANIFEST 20000000

struct source_state S;

int
repl_source_start(const struct repl_conf *conf)
{
	int r;

	if (S.on)
		return 0;
	S.conf = conf;
	S.npeers = conf->npeers;
	/* continue this node's numbering (it may have been a replica) */
	S.seq = MAX(S.seq, repl_apply_durable());
	/* a new run: no replica holds what this one's tables say yet */
	do
		S.epoch = (guint64)g_random_int() << 32 | g_random_int();
	while (!S.epoch);
	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];

		if (p->manifest) {
			journal_drop(p, NULL);
			continue;
		}
		p->idx = i;
		p->name = g_strdup_printf("%s:%d", conf->peer_addrs[i],
					  conf->peer_ports[i]);
		p->manifest = g_hash_table_new_full(g_str_hash, g_str_equal,
						   g_free, g_free);
		p->known = repl_ptab_new();
		p->late = g_hash_table_new_full(g_str_hash, g_str_equal,
					       g_free, NULL);
		p->failing = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, NULL);
		g_queue_init(&p->ops);
		p->journal = repl_journal_new(conf->journal);
		p->phase = PH_DOWN;
	}
	r = repl_watch_start(&source_watch_ops, NULL);
	if (r < 0)
		return r;
	S.on = TRUE;
	hb_log(LOG_NOTICE, "source role: watching %u directories%s",
	       repl_watch_count(), repl_watch_polled() ?
	       ", polling some for want of inotify watches" : "");
	return 0;
}

static void session_down(struct peer *p);

void
repl_source_stop(void)
{
	GList *l;

	if (!S.on)
		return;
	while ((l = S.barriers))
		barrier_reply(l->data, "ERR role changed\n");
	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];
		struct repl_conn *c = p->conn;

		session_down(p);
		/* its closed() finds the peer down already */
		repl_conn_close(c, "becoming replica");
		/* what this run knew of the replica goes: the next run's
		 * first session rebuilds it (manifest, or the tree walk of a
		 * planned handover), and a replica kept it for nothing (the
		 * 30-minute soak: +6.4 MB over 120,000 messages on a node
		 * that had been the source) */
		repl_ptab_clear(p->known);
		repl_ptab_compact(p->known);
		journal_drop(p, NULL);
	}
	repl_watch_stop();
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	S.on = FALSE;
	S.handover_us = 0;
	S.try_in_sync = FALSE;
}

gboolean
repl_source_session_up(void)
{
	for (int i = 0; S.on && i < S.npeers; i++)
		if (S.peers[i].phase != PH_DOWN)
			return TRUE;
	return FALSE;
}

gboolean
repl_source_in_sync(guint64 *out_pos)
{
	struct peer *p = &S.peers[0];

	if (!S.on || S.npeers != 1 || p->phase != PH_STREAM || p->catching)
		return FALSE;
	repl_watch_drain();	/* what happened is queued, or nothing did */
	if (p->ops.length > 0 || p->x || p->await_sig ||
	    g_hash_table_size(p->late) > 0 ||
	    g_hash_table_size(p->failing) > 0 || p->acked != p->sent)
		return FALSE;
	*out_pos = p->sent;
	return TRUE;
}

void
repl_source_handover(guint64 pos)
{
	S.handover_us = S.on && !(S.npeers == 1 &&
				  S.peers[0].phase == PH_STREAM) ?
		g_get_monotonic_time() : 0;
	S.handover_pos = pos;
	S.try_in_sync = S.handover_us != 0 && S.npeers == 1;
}

/* ---- session ---------------------------------------------------------- */

static void
session_up(struct repl_conn *c, void *user)
{
	struct peer *p = user;

	p->conn = c;
	p->phase = PH_HELLO;
	p->hello_seq = S.seq;
	p->joffered = FALSE;
	p->insync_offered = S.try_in_sync;
	if (S.try_in_sync) {
		/* a planned handover: this node holds exactly handover_pos,
		 * all the old source had; it says whether it ended there
		 * (the same kind as the journal's offer, which a new source
		 * never makes: its journals start invalid) */
		repl_conn_send(p->conn, &(struct repl_frame){
			.type = REPL_HELLO, .seq = S.handover_pos,
			.size = S.epoch, .kind = REPL_HELLO_IN_SYNC });
		return;
	}
	/* offer a catch-up from the journal when it covers every change
	 * since the replica held what known says (an older replica ignores
	 * the offer and sends its manifest) */
	p->joffered = repl_journal_valid(p->journal);
	repl_conn_send(p->conn, &(struct repl_frame){ .type = REPL_HELLO,
		.seq = S.seq, .size = S.epoch,
		.kind = p->joffered ? REPL_HELLO_JOURNAL : 0 });
}

void
repl_source_connect(void)
{
	for (int i = 0; S.on && i < S.npeers; i++) {
		struct peer *p = &S.peers[i];

		if (!p->conn)
			p->conn = repl_conn_connect(S.conf->peer_addrs[i],
						    S.conf->peer_ports[i],
						    repl_source_conn_ops(), p);
	}
}

/* What the replica holds at path is not known any more (sent, not
 * acknowledged): its catch-up sends what is there now whole, or deletes
 * it. */
static void
known_unsure(const char *path, void *u)
{
	known_drop(u, path);
}

/* p's session is gone (or the role changes): its queue goes, and it
 * counts no more for the barriers that wait (the caller answers those
 * that no replica counts for any more). */
static void
session_down(struct peer *p)
{
	GHashTableIter it;
	gpointer k;

	p->conn = NULL;
	/* what the replica may not have got: the operations sent and not
	 * acknowledged, queued, in transfer, held back, failed */
	if (p->journal && repl_journal_valid(p->journal)) {
		if (!repl_journal_away(p->journal, known_unsure, p))
			journal_overflow(p);
		for (GList *l = p->ops.head; l; l = l->next) {
			struct op *o = l->data;

			/* a directory rename of the catch-up not sent: the
			 * table moved it already (repl_catchup_journal) */
			if (o->type == OP_DIRMOVE)
				known_unsure(o->path2, p);
			journal_add(p, o->path);
			journal_add(p, o->path2);
		}
		if (p->x)
			journal_add(p, p->x->path);
		journal_add(p, p->await_sig);
		if (p->late) {
			g_hash_table_iter_init(&it, p->late);
			while (g_hash_table_iter_next(&it, &k, NULL))
				journal_add(p, k);
		}
		if (p->failing) {
			g_hash_table_iter_init(&it, p->failing);
			while (g_hash_table_iter_next(&it, &k, NULL)) {
				known_unsure(k, p);
				journal_add(p, k);
			}
		}
	}
	g_queue_clear_full(&p->ops, (GDestroyNotify)op_free);
	g_clear_pointer(&p->x, xfer_free);
	g_clear_pointer(&p->await_sig, g_free);
	if (p->manifest)
		g_hash_table_remove_all(p->manifest);
	if (p->failing)
		g_hash_table_remove_all(p->failing);	/* catch-up covers them */
	barriers_peer_down(p);
	if (p->phase != PH_DOWN)
		hb_log(LOG_WARNING, "session with %s down: will catch up on "
		       "reconnect", p->name);
	p->phase = PH_DOWN;
	p->catching = FALSE;
}

/* Planned handover, both sides at the same position (HELLO_ACK kind 2):
 * the replica holds what these trees hold, so no manifest and no plan;
 * known is these trees (one local walk, for renames and deltas). */
static void
known_add(const char *wire, const struct stat *st, void *user)
{
	struct peer *p = user;

	if (S_ISREG(st->st_mode))
		repl_ptab_set(p->known, wire, &(struct repl_fstate){
			.size = st->st_size, .mtime = st_mtime_ns(st),
			.mode = st->st_mode & 07777 });
}

static void
in_sync_start(struct peer *p)
{
	repl_ptab_clear(p->known);
	repl_tree_walk(known_add, p);
	p->phase = PH_STREAM;
	repl_journal_reset(p->journal);	/* known is the replica's */
	catch_up_sent(p);	/* the barriers waiting count it now */
	S.handover_us = 0;
}

/* The plan (the trees compared with the replica's manifest, or the
 * journal's paths) goes ahead of what inotify queued meanwhile. */
static void
catch_up(struct peer *p, gboolean journal)
{
	GQueue q = G_QUEUE_INIT;
	struct op *o;

	if (journal)
		repl_catchup_journal(repl_journal_paths(p->journal),
				     repl_journal_dir_renames(p->journal),
				     S.conf->delta_threshold, p->known, &q);
	else
		repl_catchup_plan(p->manifest, p->union_mode,
				  S.conf->delta_threshold, p->known, &q);
	/* known is the replica's (and what the plan queued comes next) */
	repl_journal_reset(p->journal);
	p->trim = p->trim || q.length + g_hash_table_size(p->manifest) > TRIM_OPS;
	/* catch-up first, then whatever inotify queued meanwhile */
	while ((o = g_queue_pop_tail(&q)))
		g_queue_push_head(&p->ops, o);
	/* empty FETCH: the catch-up (and a union reconcile) is done; the
	 * replica's "complete" position follows its applied one from there */
	op_push(p, OP_FETCH, "", NULL);
	g_hash_table_remove_all(p->manifest);
	p->phase = PH_STREAM;
	p->catching = TRUE;
	S.handover_us = 0;
#ifdef __GLIBC__
	/* the manifest and the plan's tables (about 540 bytes per file at
	 * their peak) are freed now, but glibc keeps the pages: without this
	 * the RSS stayed at the largest catch-up's peak (620 bytes per file
	 * instead of 300 at 20,000 files; replicate-rss-plateau) */
	malloc_trim(0);
#endif
}

static gboolean
ready_cb(struct repl_conn *c, void *user)
{
	struct peer *p = user;

	(void)c;
	return streaming(p) && (p->x || p->ops.length);
}

static void
source_frame(struct peer *p, struct repl_conn *c, const struct repl_frame *f)
{
	switch (f->type) {
	case REPL_HELLO_ACK:
		if (p->phase != PH_HELLO)
			goto bad;
		/* the session starts at the HELLO's position or the
		 * replica's, the higher: what a former session numbered
		 * and never delivered is void (the catch-up covers it), so
		 * no barrier waits for its acknowledgement */
		S.seq = MAX(S.seq, f->seq);
		p->sent = p->acked = MAX(p->hello_seq, f->seq);
		p->ack_us = g_get_monotonic_time();
		p->union_mode = f->kind == 1;
		g_hash_table_remove_all(p->manifest);
		if (p->insync_offered && f->kind == REPL_HELLO_IN_SYNC &&
		    f->seq == S.handover_pos) {
			p->insync_offered = FALSE;
			S.try_in_sync = FALSE;
			hb_log(LOG_INFO, "session with %s up: replica in sync at "
			       "seq %" G_GUINT64_FORMAT " after a planned handover"
			       " (no catch-up)", p->name, f->seq);
			in_sync_start(p);
			source_pump(p);
			return;
		}
		if (p->insync_offered && f->kind == REPL_HELLO_IN_SYNC)
			goto bad;	/* not at that position: no manifest */
		p->insync_offered = FALSE;
		/* one offer per handover: a later session catches up */
		S.try_in_sync = FALSE;
		p->phase = PH_MANIFEST;
		hb_log(LOG_INFO, "session with %s up: replica at seq %"
		       G_GUINT64_FORMAT "%s", p->name, f->seq,
		       p->union_mode ? ", reconciling (union)" :
		       f->kind == REPL_HELLO_JOURNAL ? ", catch-up from the "
		       "journal" : "");
		if (f->kind == REPL_HELLO_JOURNAL && p->joffered &&
		    repl_journal_valid(p->journal)) {
			catch_up(p, TRUE);
			break;
		}
		if (f->kind == REPL_HELLO_JOURNAL) {
			/* the journal overflowed since the offer */
			repl_conn_sendf(c, REPL_RESCAN, 0, NULL, NULL);
		} else if (p->joffered && repl_journal_valid(p->journal)) {
			hb_log(LOG_NOTICE, "%s did not take the catch-up from "
			       "the journal (it was a source, follows another, "
			       "or is older): comparing the trees", p->name);
		}
		/* a manifest follows: known is the replica's again only
		 * once its catch-up is planned */
		journal_drop(p, NULL);
		return;
	case REPL_MANIFEST: {
		size_t off = 0;
		struct repl_mentry e;
		int r;

		if (p->phase != PH_MANIFEST)
			goto bad;
		while ((r = repl_mentry_next(f->data, f->data_len, &off, &e)) == 0) {
			struct mval *m;

			if (!repl_path_valid(e.path, e.path_len) ||
			    g_hash_table_size(p->manifest) >= MAX_MANIFEST)
				goto bad;
			m = g_new0(struct mval, 1);
			m->is_dir = e.is_dir;
			m->mode = e.mode;
			m->size = e.size;
			m->mtime = e.mtime_ns;
			g_hash_table_insert(p->manifest, g_strndup(e.path, e.path_len), m);
		}
		if (r < 0)
			goto bad;
		return;
	}
	case REPL_MANIFEST_END:
		if (p->phase != PH_MANIFEST)
			goto bad;
		catch_up(p, FALSE);
		break;
	case REPL_ACK:
		if (f->seq > p->sent)
			goto bad;
		p->acked = MAX(p->acked, f->seq);
		p->ack_us = g_get_monotonic_time();
		repl_journal_acked(p->journal, p->acked);
		barriers_check();
		break;
	case REPL_SIG:
		on_sig(p, f);
		break;
	case REPL_RESYNC: {
		g_autofree char *path = g_strndup(f->path, f->path_len);
		struct op *o = g_new0(struct op, 1);

		known_drop(p, path);	/* it does not have it as we thought */
		o->type = OP_PUT;	/* a delta when the replica has a copy */
		o->path = g_steal_pointer(&path);
		g_queue_push_head(&p->ops, o);
		break;
	}
	case REPL_ERROR: {
		g_autofree char *path = g_strndup(f->path, f->path_len);

		hb_log(LOG_ERR, "peer %s could not apply: %.*s", repl_conn_peer(c),
		       (int)MIN(f->data_len, 300), (const char *)f->data);
		if (f->kind == 1 && *path && repl_path_valid(path, strlen(path))) {
			g_hash_table_insert(p->failing, g_strdup(path), NULL);
			source_retry(p, path);
		}
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
	source_pump(p);
	return;
bad:
	hb_log(LOG_ERR, "peer %s: unexpected %s frame in phase %d",
	       repl_conn_peer(c), repl_type_name(f->type), p->phase);
	repl_conn_close(c, "protocol error");
}

/* ---- the session's callbacks ----------------------------------------- */

static gboolean
frame_cb(struct repl_conn *c, const struct repl_frame *f, void *user)
{
	source_frame(user, c, f);
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
	(void)c;
	source_pump(user);
}

static void
closed_cb(struct repl_conn *c, void *user)
{
	struct peer *p = user;

	if (p->conn != c && p->conn)
		return;		/* not its session (cannot happen) */
	session_down(p);
	barriers_session_lost();
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
	gboolean current = FALSE;

	if (S.conf->async) {
		reply("OK async\n", ctx);
		return;
	}
	b = g_new0(struct barrier, 1);
	b->reply = reply;
	b->ctx = ctx;
	S.barriers = g_list_append(S.barriers, b);
	repl_watch_drain();
	/* while some replica is current (streaming past its catch-up), one
	 * still catching up does not count: it gets the change anyway, and a
	 * long catch-up would hold every delivery */
	for (int i = 0; i < S.npeers; i++)
		if (S.peers[i].phase == PH_STREAM && !S.peers[i].catching)
			current = TRUE;
	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];
		GHashTableIter it;
		gpointer k, v;

		source_pump(p);	/* may hold back new big files ... */
		/* ... which the barrier must cover: send them now */
		g_hash_table_iter_init(&it, p->late);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			g_source_remove(GPOINTER_TO_UINT(v));
			o = g_new0(struct op, 1);
			o->type = OP_PUT_LATE;
			o->path = g_strdup(k);
			g_queue_push_tail(&p->ops, o);
		}
		g_hash_table_remove_all(p->late);
		if (path && *path && p->phase != PH_DOWN)
			op_push(p, OP_PUT, path, NULL);
		if (p->phase == PH_DOWN ||
		    (current && (p->phase != PH_STREAM || p->catching)))
			continue;	/* counts only if it joins at catch-up */
		if (p->phase == PH_HELLO || p->phase == PH_MANIFEST) {
			b->st[i] = B_WAIT;	/* marker added after catch-up */
			continue;
		}
		o = g_new0(struct op, 1);
		o->type = OP_BARRIER;
		o->b = b;
		b->st[i] = B_QUEUED;
		g_queue_push_tail(&p->ops, o);
	}
	/* the pumps may answer it (and free b) */
	for (int i = 0; i < S.npeers; i++)
		source_pump(&S.peers[i]);
}
