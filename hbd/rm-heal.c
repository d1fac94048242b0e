/*
 * rm-heal.c - partition healing (see rm-heal.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "rm-group.h"
#include "rm-heal.h"
#include "rm-proto.h"
#include "rm-script.h"

static void
rm_reannounce_done_cb(int rc, const char *out, const char *err, void *ud)
{
	if (rc != 0)
		hb_log(LOG_ERR, "address agent for %s failed (rc=%d): %s%s",
		       (char *)ud, rc, out, err);
	g_free(ud);
}

/* Runs ACTION of the group's address agents (IPaddr*), outside its chain.
 * "start": the peer held our group for a while and has let go, so its
 * clients may still send to the peer's MAC; start sends gratuitous ARP
 * again even when the address is already up.  "stop": we yield a group
 * both nodes held after a partition; the addresses go first, at once,
 * instead of after every other resource's stop (Postfix and Dovecot took
 * 5 s: two holders of the VIP for that long after the heal).  The chain's
 * own stop of the address later finds it gone, which is success. */
static void
rm_addresses(rm_group *g, const char *action)
{
	guint i;

	for (i = 0; i < g->cfg->resources->len; i++) {
		hb_resource *r = g_ptr_array_index(g->cfg->resources, i);
		int rc;

		if (!g_str_has_prefix(r->script, "IPaddr"))
			continue;
		hb_log(LOG_INFO, "%s %s", strcmp(action, "start") == 0 ?
		       "Re-announcing" : "Dropping first:", r->spec);
		rc = rm_spawn(g, i, action, FALSE, rm_reannounce_done_cb,
			      g_strdup(r->spec), NULL);
		if (rc == -ENOENT)
			continue;
		if (rc != 0)
			hb_log(LOG_ERR, "cannot run %s %s", r->spec, action);
	}
}

void
rm_reannounce(rm_group *g)
{
	rm_addresses(g, "start");
}

/* Re-announce every running group we hold (gratuitous ARP). */
void
rm_reannounce_all(hbd_rm *rm)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->want && g->running)
			rm_reannounce(g);
	}
}

void
rm_hb_contest_clear(hbd_rm *rm)
{
	rm->hb_contested = FALSE;
	if (rm->hb_contest_timer) {
		g_source_remove(rm->hb_contest_timer);
		rm->hb_contest_timer = 0;
	}
}

/* The Heartbeat peer kept holding them: fall back to its rule. */
static gboolean
rm_hb_contest_timeout_cb(gpointer data)
{
	hbd_rm *rm = data;

	rm->hb_contest_timer = 0;
	if (rm->hb_contested && (rm_hold(rm) & RS_FOREIGN) &&
	    (rm->other_holds & RS_LOCAL)) {
		hb_log(LOG_WARNING, "Heartbeat peer still holds its resources: "
		       "releasing them to their preferred node");
		rm_set_want(rm, RS_FOREIGN, FALSE);
		rm_when_settled(rm, rm_announce_cb, NULL);
	}
	return G_SOURCE_REMOVE;
}

/* Partition healing with a real Heartbeat peer.  Heartbeat answers a peer
 * "returning after partition" by restarting itself, giving up everything
 * it holds; if we released too there would be no owner at all (between
 * two Heartbeat nodes: no VIP for 14.7 s).  So we keep what we hold, and
 * once the peer has let go we re-announce it (the peer's MAC may be in
 * the clients' ARP caches).  Should the peer hold on for 30 s after all,
 * our foreign set goes back to it as before. */
static void
rm_resolve_heartbeat(hbd_rm *rm, int mine)
{
	gboolean both = ((mine & RS_FOREIGN) && (rm->other_holds & RS_LOCAL)) ||
		((mine & RS_LOCAL) && (rm->other_holds & RS_FOREIGN));

	if (both && !rm->hb_contested) {
		hb_log(LOG_WARNING, "Both nodes hold resources: keeping ours "
		       "(a Heartbeat peer gives up its own when it restarts "
		       "after a partition)");
		rm->hb_contested = TRUE;
		rm->hb_contest_timer = g_timeout_add_seconds(
			RM_HB_CONTEST_S, rm_hb_contest_timeout_cb, rm);
	} else if (!both && rm->hb_contested) {
		hb_log(LOG_INFO, "Peer released the contested resources");
		rm_hb_contest_clear(rm);
		rm_reannounce_all(rm);
	}
}

/* Partition healing: the group's preferred node keeps it. */
void
rm_resolve_conflicts(hbd_rm *rm)
{
	int mine = rm_hold(rm);
	gboolean released = FALSE, announce = FALSE;
	guint i;

	if (rm->sb != SB_NONE)
		return;
	if (rm->peer_groups != NULL) {
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if (g->local && g->want && rm_peer_has(rm, g) &&
			    !g->contested) {
				hb_log(LOG_WARNING, "Both nodes hold group %s: "
				       "keeping it (preferred node)", g->cfg->key);
				g->contested = TRUE;
				announce = TRUE;
				/* the peer drops its addresses first thing
				 * (rm_addresses): claim ours for the clients
				 * now, and again once it has let go */
				if (g->running)
					rm_reannounce(g);
			} else if (g->local && (g->contested || g->rejoined) &&
				   !rm_peer_has(rm, g)) {
				/* it let go (or its first word since the
				 * partition is that it holds nothing): its MAC
				 * may still be in the clients' ARP caches */
				g->contested = FALSE;
				g->rejoined = FALSE;
				if (g->want && g->running)
					rm_reannounce(g);
			}
			if (!g->local && g->want && rm_peer_has(rm, g)) {
				hb_log(LOG_WARNING, "Both nodes hold group %s: "
				       "releasing it to its preferred node",
				       g->cfg->key);
				g->want = FALSE;
				if (g->running || g->partial)
					rm_addresses(g, "stop");
				rm_group_kick(g);
				released = TRUE;
			}
		}
		if (released)
			rm_when_settled(rm, rm_announce_cb, NULL);
		else if (announce)	/* tell the peer we hold it */
			rm_send_resource(rm, NULL, TRUE);
		return;
	}
	rm_resolve_heartbeat(rm, mine);
}
