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
 * overflow asks for a fresh manifest (RESCAN).  While a replica's
 * session is down its changed paths go to its journal (repl-journal.h),
 * and its next session, when the replica follows this run (epoch), skips
 * the manifest and catches up from those paths; without a valid journal
 * the changes are dropped and the manifest diff covers them.  The
 * pump sends while the session's buffer holds less than 2 MiB; a
 * barrier is answered once the replica acknowledged every operation
 * queued before it, and no file it failed to store waits for a resend.
 * Logs at err: peer errors on apply; warning: session down.
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
#include "repl-apply.h"
#include "repl-delta.h"
#include "repl-journal.h"
#include "repl-path.h"
#include "repl-ptab.h"
#include "repl-source-private.h"
#include "repl-source.h"
#include "repl-tree.h"
#include "repl-watch.h"

#define OUT_HIGH (2 * 1024 * 1024)
#define MAX_MANIFEST 20000000

enum phase { PH_DOWN, PH_HELLO, PH_MANIFEST, PH_STREAM };

/* A barrier's state for one replica: it does not count (its session
 * was down when the barrier was asked, or broke since), its marker
 * waits for the end of the catch-up, is queued, or was sent (target). */
enum bst { B_NONE, B_WAIT, B_QUEUED, B_ASSIGNED };

struct barrier {
	repl_reply_fn reply;	/* answers the client, once */
	void *ctx;
	guint8 st[REPL_MAX_PEERS];
	guint64 target[REPL_MAX_PEERS];
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
	guint64 cap;		/* capture number of its op */
};

/* One replica (a `peer` of replicate.conf): its session and what was
 * sent to it.  Every replica has its own queue, catch-up and position;
 * the changes captured are queued for each one whose session is up. */
struct peer {
	int idx;
	char *name;		/* "addr:port" */
	struct repl_conn *conn;	/* the session, from connect to closed */
	GQueue ops;
	enum phase phase;
	GHashTable *manifest;
	struct repl_ptab *known;	/* what the replica holds */
	GHashTable *late;	/* held-back new big files -> timer id */
	GHashTable *failing;	/* paths the replica failed -> seq of resend */
	gboolean union_mode;
	gboolean catching;	/* streaming its catch-up (until the empty
				 * FETCH that ends it is sent) */
	guint64 hello_seq;	/* the position its session's HELLO announced */
	guint64 sent;		/* the last seq sent to it */
	guint64 acked;		/* the last seq it acknowledged as durable */
	gint64 ack_us;		/* monotonic time of the last ack, 0 = none */
	guint64 cur_cap;	/* capture number of the op being sent */
	struct xfer *x;
	char *await_sig;
	gboolean trim;		/* much was freed: give it back when idle */
	/* while valid, known and the paths in the journal describe what
	 * the replica holds: its next catch-up replays the journal */
	struct repl_journal *journal;
	gboolean joffered;	/* its session's HELLO offered the journal */
	gboolean insync_offered; /* ... or a planned handover's skip */
};

static struct {
	const struct repl_conf *conf;
	gboolean on;
	int npeers;
	struct peer peers[REPL_MAX_PEERS];
	guint64 seq;		/* the highest seq sent to any replica */
	guint64 cap;		/* the last capture number */
	guint64 epoch;		/* names this run of the source role */
	GList *barriers;
	gint64 handover_us;	/* planned handover began (0: none) */
	guint64 handover_pos;	/* ... holding exactly this position */
	gboolean try_in_sync;	/* next HELLO offers to skip the catch-up */
} S;

/* A planned handover's new source tells replicate-mda to wait this long
 * for its first session rather than accept on this node alone. */
#define HANDOVER_WAIT_US (2 * G_USEC_PER_SEC)

/* Operations queued at once above which the memory they took is given
 * back to the system once the queue is empty (a catch-up of 200,000
 * files queues 200,000 operations; glibc keeps freed small blocks). */
#define TRIM_OPS 10000

/* a path waiting on a timer for one replica */
struct pref {
	struct peer *p;
	char *path;
};

static void source_pump(struct peer *p);

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

static void
op_push(struct peer *p, int type, const char *path, const char *path2)
{
	g_queue_push_tail(&p->ops, op_new(type, path, path2));
}

/* ---- the catch-up journal ---------------------------------------------- */

/* The next catch-up of p compares the trees (why: logged, or NULL). */
static void
journal_drop(struct peer *p, const char *why)
{
	if (repl_journal_drop(p->journal) && why)
		hb_log(LOG_NOTICE, "catch-up journal of %s: %s: its next "
		       "catch-up compares the trees", p->name, why);
}

static void
journal_overflow(struct peer *p)
{
	hb_log(LOG_NOTICE, "catch-up journal of %s: more than %u paths "
	       "changed or unacknowledged (`journal`): its next catch-up "
	       "compares the trees", p->name, S.conf->journal);
}

static void
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
	/* its markers still queued for other replicas go with it */
	for (int i = 0; i < S.npeers; i++) {
		GList *l, *next;

		if (b->st[i] != B_QUEUED)
			continue;
		for (l = S.peers[i].ops.head; l; l = next) {
			struct op *o = l->data;

			next = l->next;
			if (o->type == OP_BARRIER && o->b == b) {
				g_queue_delete_link(&S.peers[i].ops, l);
				op_free(o);
				break;
			}
		}
	}
	b->reply(text, b->ctx);
	S.barriers = g_list_remove(S.barriers, b);
	g_free(b);
}

/* Answer every barrier the policy (replicate.conf `barrier`) now
 * holds as met: enough of the replicas that count for it acknowledged
 * its position for them.  A file a replica could not store keeps that
 * replica from counting as acknowledged until a resend of it is. */
static void
barriers_check(void)
{
	GList *l = S.barriers;
	gboolean clean[REPL_MAX_PEERS];

	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, p->failing);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (v && GPOINTER_TO_SIZE(v) <= p->acked)
				g_hash_table_iter_remove(&it);
		clean[i] = g_hash_table_size(p->failing) == 0;
	}
	while (l) {
		struct barrier *b = l->data;
		guint nin = 0, nok = 0;
		guint64 pos = 0;

		l = l->next;
		for (int i = 0; i < S.npeers; i++) {
			if (b->st[i] == B_NONE)
				continue;
			nin++;
			if (b->st[i] == B_ASSIGNED && clean[i] &&
			    b->target[i] <= S.peers[i].acked) {
				nok++;
				pos = MAX(pos, b->target[i]);
			}
		}
		if (repl_barrier_met(S.conf->barrier_need, nin, nok)) {
			char msg[64];

			g_snprintf(msg, sizeof(msg), "OK %" G_GUINT64_FORMAT "\n",
				   pos);
			barrier_reply(b, msg);
		}
	}
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
static void
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
		if (is_dir) {
			ok = repl_journal_add(p->journal, path) &&
			     repl_journal_add(p->journal, path2);
			break;
		}
		ok = repl_journal_gone(p->journal, path) &&
		     (known_has(p, path2) ? repl_journal_add(p->journal, path2) :
		      repl_journal_add_new(p->journal, path2));
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
	r = repl_watch_start(&watch_ops, NULL);
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
	}
	repl_watch_stop();
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
	for (GList *l = S.barriers; l; l = l->next) {
		((struct barrier *)l->data)->st[p->idx] = B_NONE;
		((struct barrier *)l->data)->target[p->idx] = 0;
	}
	if (p->phase != PH_DOWN)
		hb_log(LOG_WARNING, "session with %s down: will catch up on "
		       "reconnect", p->name);
	p->phase = PH_DOWN;
	p->catching = FALSE;
}

static void catch_up_sent(struct peer *p);

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

/* p's catch-up is sent (its empty FETCH): it joins the barriers that wait
 * for it.  One asked while this session started (B_WAIT), one asked while
 * no replica had a session (the first catch-up takes it), and with
 * `barrier N` one that fewer than N replicas count for. */
static void
catch_up_sent(struct peer *p)
{
	p->catching = FALSE;
	for (GList *l = S.barriers; l; l = l->next) {
		struct barrier *b = l->data;
		int nin = 0;
		struct op *o;

		for (int i = 0; i < S.npeers; i++)
			if (b->st[i] != B_NONE)
				nin++;
		if (b->st[p->idx] == B_WAIT || nin == 0 ||
		    (b->st[p->idx] == B_NONE && nin < S.conf->barrier_need)) {
			o = op_new(OP_BARRIER, NULL, NULL);
			o->b = b;
			b->st[p->idx] = B_QUEUED;
			g_queue_push_tail(&p->ops, o);
		}
	}
}


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

static void
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
static gboolean
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

/* Send what fits; returns when the queue is empty or the socket is full. */
static void
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
ready_cb(struct repl_conn *c, void *user)
{
	struct peer *p = user;

	(void)c;
	return streaming(p) && (p->x || p->ops.length);
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
			g_timeout_add_full(G_PRIORITY_DEFAULT, 1000, retry_cb,
					   pref_new(p, path), pref_free);
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
	GList *l, *next;

	if (p->conn != c && p->conn)
		return;		/* not its session (cannot happen) */
	session_down(p);
	/* the session broke (not a role change): a barrier asked after this
	 * gets "phase=down" from STATUS when no replica has a session, and
	 * its caller decides (replicate-mda: accepted here only, or 451 with
	 * -s); one that was waiting and no replica counts for any more gets
	 * the same answer now instead of holding its caller until a
	 * reconnect or its timeout (a standby that crashed held an SMTP
	 * session for replicate-mda's -w).  With several replicas, those
	 * left may now meet the policy. */
	for (l = S.barriers; l; l = next) {
		struct barrier *b = l->data;
		gboolean counted = FALSE;

		next = l->next;
		for (int i = 0; i < S.npeers; i++)
			if (b->st[i] != B_NONE)
				counted = TRUE;
		if (!counted)
			barrier_reply(b, "DOWN session lost\n");
	}
	barriers_check();
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

/* How a barrier asked now would count this replica's position: the
 * policy's position over the replicas with a session (all: the lowest;
 * N: the N-th highest). */
static guint64
policy_acked(void)
{
	guint64 a[REPL_MAX_PEERS];
	int n = 0, need = S.conf->barrier_need;

	for (int i = 0; i < S.npeers; i++) {
		guint64 v = S.peers[i].acked;
		int j;

		if (S.peers[i].phase == PH_DOWN)
			continue;
		for (j = n++; j > 0 && a[j - 1] < v; j--)	/* descending */
			a[j] = a[j - 1];
		a[j] = v;
	}
	if (n == 0)
		return S.npeers ? S.peers[0].acked : 0;
	if (need <= 0 || need > n)
		return a[n - 1];
	return a[need - 1];
}

/*
 * The first line is the node's (what replicate-mda, hbd status and the
 * agent read): phase is the furthest session's, so "phase=down" means no
 * replica has a session; queued, outq and ack_age_ms the largest over
 * the replicas with a session; acked the policy's position.  With one
 * peer this is that session's line as it always was.  Then one line per
 * configured peer: "replica ADDR:PORT session=PHASE queued= sent=
 * acked= ack_age_ms= outq=[ sending=...]".
 */
char *
repl_source_status(void)
{
	static const char *const ph[] = { "down", "hello", "manifest", "stream" };
	GString *s = g_string_new(NULL);
	GString *lines = g_string_new(NULL);
	enum phase best = PH_DOWN;
	guint queued = 0, outq = 0, held = 0;
	gsize known = 0, known_bytes = 0;
	gint64 age = -1, now = g_get_monotonic_time();
	struct peer *px = NULL;

	for (int i = 0; i < S.npeers; i++) {
		struct peer *p = &S.peers[i];
		/* ack_age_ms: since the replica last acknowledged (-1: never) */
		gint64 a = p->ack_us ? (now - p->ack_us) / 1000 : -1;
		guint oq = repl_conn_queued(p->conn);

		held += g_hash_table_size(p->late);
		known += repl_ptab_files(p->known);
		known_bytes += repl_ptab_bytes(p->known);
		if (p->phase != PH_DOWN || S.npeers == 1) {
			best = MAX(best, p->phase);
			queued = MAX(queued, p->ops.length);
			outq = MAX(outq, oq);
			age = MAX(age, a);
			if (!px && (p->x || p->await_sig))
				px = p;
		}
		g_string_append_printf(lines, "replica %s session=%s queued=%u "
			"sent=%" G_GUINT64_FORMAT " acked=%" G_GUINT64_FORMAT
			" ack_age_ms=%" G_GINT64_FORMAT " outq=%u", p->name,
			p->catching ? "catchup" : ph[p->phase], p->ops.length,
			p->sent, p->acked, a, oq);
		if (p->x)
			g_string_append_printf(lines, " sending=%s:%"
				G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, p->x->path,
				p->x->off, p->x->size);
		g_string_append_c(lines, '\n');
	}
	g_string_append_printf(s, "role=source phase=%s queued=%u seq=%"
		G_GUINT64_FORMAT " acked=%" G_GUINT64_FORMAT " ack_age_ms=%"
		G_GINT64_FORMAT " watches=%u polled=%u known=%" G_GSIZE_FORMAT
		" known_bytes=%" G_GSIZE_FORMAT " "
		"barriers=%u held=%u outq=%u", ph[best], queued, S.seq,
		policy_acked(), age, repl_watch_count(), repl_watch_polled(),
		known, known_bytes, g_list_length(S.barriers), held, outq);
	if (px && px->x)
		g_string_append_printf(s, " sending=%s:%" G_GUINT64_FORMAT "/%"
			G_GUINT64_FORMAT, px->x->path, px->x->off, px->x->size);
	if (px && px->await_sig)
		g_string_append_printf(s, " awaiting_signature=%s", px->await_sig);
	g_string_append_printf(s, " bytes_out=%" G_GUINT64_FORMAT, repl_conn_bytes_out());
	/* a planned handover's first session is expected shortly */
	if (S.handover_us != 0 && now - S.handover_us < HANDOVER_WAIT_US)
		g_string_append(s, " handover=1");
	if (S.npeers > 1 && S.conf->barrier_need > 1)
		g_string_append_printf(s, " replicas=%d barrier=%d", S.npeers,
				       S.conf->barrier_need);
	else if (S.npeers > 1)
		g_string_append_printf(s, " replicas=%d barrier=%s", S.npeers,
				       S.conf->barrier_need ? "one" : "all");
	g_string_append_c(s, '\n');
	if (S.npeers > 1)
		g_string_append(s, lines->str);
	g_string_free(lines, TRUE);
	return g_string_free(s, FALSE);
}
