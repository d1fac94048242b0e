/*
 * rm-standby.c - the standby exchange and ipfail (see rm-standby.h).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "rm-group.h"
#include "rm-proto.h"
#include "rm-standby.h"

static gboolean
rm_standby_timeout_cb(gpointer data)
{
	hbd_rm *rm = data;

	rm->sb_timer = 0;
	rm_mv_cancel(rm, "the peer did not answer in time");
	if (rm->sb == SB_REQUESTER)
		hb_log(LOG_WARNING, "No reply to standby request. Standby "
		       "request cancelled.");
	else
		hb_log(LOG_WARNING, "Standby transition timed out.");
	rm->sb = SB_NONE;
	rm->state = RM_STABLE;
	rm_send_resource(rm, NULL, TRUE);
	return G_SOURCE_REMOVE;
}

static void
rm_sb_timer(hbd_rm *rm, guint ms)
{
	if (rm->sb_timer)
		g_source_remove(rm->sb_timer);
	rm->sb_timer = g_timeout_add(ms, rm_standby_timeout_cb, rm);
}

/* planned: hb_standby, hb_takeover, auto_failback (move.h); a failed start
 * and ipfail keep the classic exchange. */
void
rm_standby_request(hbd_rm *rm, int set, gboolean planned)
{
	rm->failback_pending = FALSE;
	rm->mv_planned = planned && rm_mv_offer(rm);
	hb_log(LOG_INFO, "Giving up %s HA resources (standby%s).",
	       rm_set_name(set), rm->mv_planned ? ", planned move offered" : "");
	rm->sb = SB_REQUESTER;
	rm->sb_set = set;
	rm->state = RM_TRANSITION;
	rm_send_ask(rm, set, "me");
	rm_sb_timer(rm, RM_STANDBY_REPLY_MS);
}

void
rm_standby_finish(hbd_rm *rm)
{
	if (rm->sb_timer) {
		g_source_remove(rm->sb_timer);
		rm->sb_timer = 0;
	}
	rm->sb = SB_NONE;
	rm->state = RM_STABLE;
	hb_log(LOG_INFO, "Standby resource acquisition done [%s].",
	       rm_set_name(rm_hold(rm)));
	rm_send_resource(rm, NULL, TRUE);
}

static void
rm_requester_released_cb(hbd_rm *rm, void *ud)
{
	if (rm->sb != SB_REQUESTER)
		return;
	hb_log(LOG_INFO, "All HA resources relinquished (standby).");
	rm_send_ask(rm, rm->sb_set, "done");
}

static void
rm_other_acquired_cb(hbd_rm *rm, void *ud)
{
	if (rm->sb != SB_OTHER)
		return;
	rm_send_ask(rm, rm->sb_set, "done");
	rm->other_holds &= ~rm->sb_set;
	rm_standby_finish(rm);
}

void
rm_ask_resources(hbd_rm *rm, const hb_msg *m)
{
	const char *info = hb_msg_get(m, "info");
	int set = rm_set_parse(hb_msg_get(m, "rsc_hold"));
	const char *mv = hb_msg_get(m, "move");
	gboolean planned = mv != NULL && strcmp(mv, "1") == 0;

	if (info == NULL || set < 0)
		return;
	if (strcmp(info, "me") == 0) {		/* we are O */
		if (rm->state != RM_STABLE || !rm->other_stable) {
			hb_log(LOG_WARNING, "Standby request ignored. Other side "
			       "is in flux.");
			return;
		}
		rm->sb = SB_OTHER;
		rm->failback_pending = FALSE;
		rm->sb_set = set;
		rm->state = RM_TRANSITION;
		rm_sb_timer(rm, 3600 * 1000);
		rm->mv_planned = FALSE;
		if (planned && rm_mv_enabled(rm)) {
			/* "other" (move=1) once prepared */
			rm_mv_prepare(rm, rm_invert(set));
			return;
		}
		rm_send_ask(rm, set, "other");
	} else if (strcmp(info, "other") == 0) {	/* we are R */
		if (rm->sb != SB_REQUESTER)
			return;
		rm_sb_timer(rm, 3600 * 1000);
		if (rm->mv_planned && planned)
			rm_mv_release(rm, rm->sb_set);
		else {
			rm->mv_planned = FALSE;	/* a Heartbeat peer: classic */
			rm_set_want(rm, rm->sb_set, FALSE);
		}
		rm_send_resource(rm, "standby", TRUE);
		rm_when_settled(rm, rm_requester_released_cb, NULL);
	} else if (strcmp(info, "done") == 0) {
		if (rm->sb == SB_OTHER) {
			/* R released its set: acquire the complement */
			if (rm->mv_planned && planned)
				rm_mv_acquire(rm, rm_invert(rm->sb_set));
			rm->mv_planned = FALSE;
			rm_set_want(rm, rm_invert(rm->sb_set), TRUE);
			rm_when_settled(rm, rm_other_acquired_cb, NULL);
		} else if (rm->sb == SB_REQUESTER) {
			rm->other_holds |= rm->sb_set;
			rm_mv_finish(rm);	/* a planned move's parked part */
			rm_standby_finish(rm);
		}
	}
}

/* ipfail: the node that reaches fewer ping nodes than its peer hands its
 * resources over (after three consecutive checks, to ride out noise). */
gboolean
rm_ipfail_cb(gpointer data)
{
	hbd_rm *rm = data;
	int mine = hbd_cluster_ping_score(rm->c);
	int peer = rm->c->peer_ping_score;
	int hold = rm_hold(rm);

	if (!rm->nice || rm->state != RM_STABLE || rm->sb != SB_NONE ||
	    !rm_peer_alive(rm) || !rm->other_stable || peer < 0 ||
	    mine >= peer || hold == RS_NONE) {
		rm->ipfail_count = 0;
		return G_SOURCE_CONTINUE;
	}
	if (++rm->ipfail_count < 3)
		return G_SOURCE_CONTINUE;
	rm->ipfail_count = 0;
	hb_log(LOG_WARNING, "ipfail: we reach %d ping node(s), the peer %d: "
	       "giving %s resources to the peer", mine, peer,
	       rm_set_name(hold));
	rm_standby_request(rm, hold, FALSE);
	return G_SOURCE_CONTINUE;
}
