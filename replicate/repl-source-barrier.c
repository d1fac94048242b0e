/*
 * repl-source-barrier.c - the source role's barriers: the policy, each
 * barrier's state per replica, and its reply (repl-source-barrier.h).
 */
#include "config.h"

#include <glib.h>

#include "repl-conf.h"
#include "repl-source-barrier.h"
#include "repl-source-private.h"
#include "repl-source-state.h"

void
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
void
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

/* p's catch-up is sent (its empty FETCH): it joins the barriers that wait
 * for it.  One asked while this session started (B_WAIT), one asked while
 * no replica had a session (the first catch-up takes it), and with
 * `barrier N` one that fewer than N replicas count for. */
void
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

void
barriers_peer_down(struct peer *p)
{
	for (GList *l = S.barriers; l; l = l->next) {
		((struct barrier *)l->data)->st[p->idx] = B_NONE;
		((struct barrier *)l->data)->target[p->idx] = 0;
	}
}

void
barriers_session_lost(void)
{
	GList *l, *next;

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

/* How a barrier asked now would count this replica's position: the
 * policy's position over the replicas with a session (all: the lowest;
 * N: the N-th highest). */
guint64
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
