/*
 * rm-join.c - joining the cluster and taking over from a dead peer (see
 * rm-join.h).
 */
#include "config.h"

#include "log.h"
#include "rm-group.h"
#include "rm-join.h"
#include "rm-proto.h"

void
rm_take_local(hbd_rm *rm, const char *why)
{
	int peer_has_mine = (rm->other_holds & RS_FOREIGN) ? RS_LOCAL : 0;
	guint i;

	if (rm->peer_groups != NULL) {
		/* an hbd peer told us exactly which groups it holds */
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if (g->local && !g->failed && !rm_peer_has(rm, g)) {
				g->want = TRUE;
				rm_group_kick(g);
			}
		}
	} else if (peer_has_mine)
		hb_log(LOG_INFO, "Local Resource acquisition completed. (none)");
	else
		rm_set_want(rm, RS_LOCAL, TRUE);
	rm->state = RM_STABLE;
	if (rm->rqst_timer) {
		g_source_remove(rm->rqst_timer);
		rm->rqst_timer = 0;
	}
	rm_send_resource(rm, why, TRUE);
}

static gboolean
rm_rqstdelay_cb(gpointer data)
{
	hbd_rm *rm = data;

	rm->rqst_timer = 0;
	if (rm->state == RM_STARTING) {
		hb_log(LOG_INFO, "No stable answer from the peer in %d ms: "
		       "taking unclaimed local resources", RM_RQSTDELAY_MS);
		rm_take_local(rm, "req_our_resources()");
	}
	return G_SOURCE_REMOVE;
}

void
rm_takeover_all(hbd_rm *rm, const char *why)
{
	hb_log(LOG_INFO, "Taking over resources (%s)", why);
	rm_mv_reset(rm);
	rm_forget_peer(rm);
	rm->other_holds = RS_NONE;
	rm->other_stable = FALSE;
	if (rm->sb_timer) {
		g_source_remove(rm->sb_timer);
		rm->sb_timer = 0;
	}
	rm->sb = SB_NONE;
	rm->state = RM_STABLE;
	rm_set_want(rm, RS_ALL, TRUE);
	rm->failback_pending = TRUE;
	if (rm->nice)
		rm_send_resource(rm, "mach_down", FALSE);
}

static void
rm_legacy_request(hbd_rm *rm)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);
		g_autoptr(hb_msg) m = NULL;

		if (!g->local)
			continue;
		m = hb_msg_new();
		hb_msg_set(m, "t", "ip-request");
		hb_msg_set(m, "ipaddr", g->cfg->key);
		hbd_cluster_send(rm->c, m);
	}
}

void
rm_comm_up(hbd_rm *rm)
{
	if (rm->groups->len == 0) {
		rm->state = RM_STABLE;
		return;
	}
	if (!rm_peer_alive(rm)) {
		rm->state = RM_STABLE;
		rm_set_want(rm, RS_ALL, TRUE);
		rm_send_resource(rm, "mach_down", TRUE);
		hb_log(LOG_INFO, "Initial resource acquisition complete "
		       "(mach_down)");
		return;
	}
	if (!rm->nice) {
		rm->state = RM_STABLE;
		rm_legacy_request(rm);
		return;
	}
	rm->state = RM_STARTING;
	{
		g_autoptr(hb_msg) m = hb_msg_new();

		hb_msg_set(m, "t", "starting");
		hbd_cluster_send(rm->c, m);
	}
	rm->rqst_timer = g_timeout_add(RM_RQSTDELAY_MS, rm_rqstdelay_cb, rm);
}
