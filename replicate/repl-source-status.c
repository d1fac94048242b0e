/*
 * repl-source-status.c - the source role's status line
 * (repl_source_status, repl-source.h): the node's line, then one line
 * per replica when there are several.  Reads the role's state only.
 */
#include "config.h"

#include <glib.h>

#include "repl-conn.h"
#include "repl-journal.h"
#include "repl-ptab.h"
#include "repl-source-barrier.h"
#include "repl-source-state.h"
#include "repl-source.h"
#include "repl-watch.h"

/* A planned handover's new source tells replicate-mda to wait this long
 * for its first session rather than accept on this node alone. */
#define HANDOVER_WAIT_US (2 * G_USEC_PER_SEC)

/* The journal of p: " journal=STATE journal_paths=N journal_bytes=N
 * journal_unacked=N journal_overflows=N" (repl-journal.h). */
static void
journal_status(GString *s, const struct peer *p)
{
	if (!p->journal)
		return;
	g_string_append_printf(s, " journal=%s journal_paths=%u journal_bytes=%"
		G_GSIZE_FORMAT " journal_unacked=%u journal_overflows=%u",
		repl_journal_state(p->journal), repl_journal_size(p->journal),
		repl_journal_bytes(p->journal), repl_journal_unacked(p->journal),
		repl_journal_overflows(p->journal));
}

/*
 * The first line is the node's (what replicate-mda, hbd status and the
 * agent read): phase is the furthest session's, so "phase=down" means no
 * replica has a session; queued, outq and ack_age_ms the largest over
 * the replicas with a session; acked the policy's position.  With one
 * peer this is that session's line as it always was.  Then one line per
 * configured peer: "replica ADDR:PORT session=PHASE queued= sent=
 * acked= ack_age_ms= outq=[ sending=...] journal=... journal_paths=
 * journal_bytes= journal_unacked= journal_overflows=" (the journal's
 * fields end the node's line too when there is one peer).
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
		journal_status(lines, p);
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
	if (S.npeers == 1)
		journal_status(s, &S.peers[0]);
	g_string_append_c(s, '\n');
	if (S.npeers > 1)
		g_string_append(s, lines->str);
	g_string_free(lines, TRUE);
	return g_string_free(s, FALSE);
}
