/*
 * rm.c - the v1 resource manager (see rm.h): its life cycle, and the
 * cluster's hooks, which hand each message and node status change to
 * the module that deals with it (doc/hbd.md "Resource manager modules"):
 * rm-join (joining, takeover), rm-fence (a dead peer), rm-standby (the
 * standby exchange), rm-heal (partition healing), move.c (planned moves);
 * below them rm-proto (messages), rm-group (chains), rm-script (children).
 *
 * Resource sets are Heartbeat's 2-bit rsc_hold: local (groups whose
 * preferred node is us), foreign (the others), all, none.  A set received
 * from the peer is in the peer's terms; rm_invert() translates.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "log.h"
#include "move.h"
#include "rm-fence.h"
#include "rm-group.h"
#include "rm-heal.h"
#include "rm-join.h"
#include "rm-proto.h"
#include "rm-standby.h"
#include "rm.h"

/* rm->on_failed: a group's start failed here and its stop settled. */
static void
rm_after_failure(hbd_rm *rm, void *ud)
{
	rm_group *g = ud;

	if (rm->state == RM_SHUTDOWN)
		return;
	rm_send_resource(rm, NULL, TRUE);
	/* an hbd peer adopts exactly the failed group from the "failed"
	 * list; a Heartbeat peer only knows sets: ask it to take ours */
	if (rm->nice && rm_peer_alive(rm) && rm->state == RM_STABLE &&
	    rm->other_stable && rm->peer_groups == NULL)
		rm_standby_request(rm, g->local ? RS_LOCAL : RS_FOREIGN, FALSE);
}

/* Groups whose start failed on the hbd peer and that nobody holds are
 * started here (once; a failure here too leaves them stopped). */
static void
rm_adopt_failed(hbd_rm *rm)
{
	gboolean took = FALSE;
	guint i;

	if (rm->peer_failed == NULL || rm->state != RM_STABLE ||
	    rm->sb != SB_NONE || !rm->other_stable)
		return;
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->want || g->running || g->failed || rm_peer_has(rm, g) ||
		    !g_hash_table_contains(rm->peer_failed, g->cfg->key))
			continue;
		hb_log(LOG_WARNING, "Group %s failed to start on the peer: "
		       "taking it", g->cfg->key);
		g->want = TRUE;
		rm_group_kick(g);
		took = TRUE;
	}
	if (took)
		rm_when_settled(rm, rm_announce_cb, NULL);
}

static void
rm_resource_msg(hbd_rm *rm, const hb_msg *m)
{
	int set = rm_set_parse(hb_msg_get(m, "rsc_hold"));
	const char *rtype = hb_msg_get(m, "rtype");
	const char *st = hb_msg_get(m, "isstable");
	gboolean was_stable = rm->other_stable;

	if (set < 0)
		return;
	if (rtype != NULL && strcmp(rtype, "full") == 0)
		rm->other_holds = set;
	else
		rm->other_holds |= set;
	if (st != NULL)
		rm->other_stable = strcmp(st, "1") == 0;
	if (hb_msg_get(m, "groups") != NULL) {
		rm_forget_peer(rm);
		rm->peer_groups = rm_keyset(hb_msg_get(m, "groups"));
		rm->peer_failed = rm_keyset(hb_msg_get(m, "failed") ?
					    hb_msg_get(m, "failed") : "");
	}
	rm_resolve_conflicts(rm);
	rm_adopt_failed(rm);

	if (rm->state == RM_STARTING) {
		if (rm->other_stable) {
			rm_take_local(rm, "req_our_resources()");
		} else if (rm->other_holds == RS_NONE && rm_hold(rm) == RS_NONE) {
			/* both starting: local sets are disjoint, so each
			 * side may take its own at once */
			rm_take_local(rm, "req_our_resources()");
		}
		return;
	}
	if (rm->state == RM_STABLE && rm->other_stable && !was_stable &&
	    rm->failback_pending &&
	    rm->c->cfg->auto_failback == HB_FAILBACK_ON &&
	    (rm_hold(rm) & RS_FOREIGN) && rm->sb == SB_NONE) {
		hb_log(LOG_INFO, "auto_failback: handing foreign resources back");
		rm->failback_pending = FALSE;
		rm_standby_request(rm, RS_FOREIGN, TRUE);
	}
}

static void
rm_iprequest_released_cb(hbd_rm *rm, void *ud)
{
	hb_msg *req = ud;
	g_autoptr(hb_msg) r = hb_msg_new();

	hb_msg_set(r, "t", "ip-request-resp");
	hb_msg_set(r, "dest", hb_msg_get(req, "src"));
	hb_msg_set(r, "ipaddr", hb_msg_get(req, "ipaddr"));
	hb_msg_set(r, "weown", hb_msg_get(req, "weown"));
	hb_msg_set(r, "ok", "OK");
	hbd_cluster_send(rm->c, r);
	hb_msg_free(req);
}

static void
rm_msg_hook(hbd_cluster *c, hbd_node *n, const hb_msg *m, void *ud)
{
	hbd_rm *rm = ud;
	const char *t = hb_msg_get(m, "t");

	if (n->is_self || rm->state == RM_SHUTDOWN || rm->groups->len == 0)
		return;
	if (strcmp(t, "starting") == 0) {
		rm_forget_peer(rm);
		rm->other_stable = FALSE;
		rm->other_holds = RS_NONE;
		hbd_move_reset(rm);	/* it restarted: what we gave is ours */
		if (rm->sb != SB_NONE)
			rm_standby_finish(rm);
		rm_send_resource(rm, NULL, TRUE);
	} else if (strcmp(t, "resource") == 0) {
		uint64_t seq, hg;

		if (hb_msg_get_hex(m, "seq", &seq) && hb_msg_get_hex(m, "hg", &hg)) {
			if (hg == rm->peer_rsc_gen && seq < rm->peer_rsc_seq) {
				hb_log(LOG_INFO, "Ignoring a retransmitted resource "
				       "message from %s (seq %" PRIx64 ", already "
				       "have %" PRIx64 "): it is stale", n->name,
				       seq, rm->peer_rsc_seq);
				return;
			}
			rm->peer_rsc_gen = hg;
			rm->peer_rsc_seq = seq;
		}
		rm_resource_msg(rm, m);
	} else if (strcmp(t, "ask_resources") == 0) {
		rm_ask_resources(rm, m);
	} else if (strcmp(t, "move") == 0) {
		hbd_move_msg(rm, m);
	} else if (strcmp(t, "hb_takeover") == 0) {
		int set = rm_set_parse(hb_msg_get(m, "rsc_hold"));

		if (set <= 0)
			set = RS_ALL;
		if (rm->nice && rm->state == RM_STABLE && rm->sb == SB_NONE)
			rm_standby_request(rm, rm_invert(set) ? rm_invert(set)
					   : RS_ALL, TRUE);
	} else if (strcmp(t, "ip-request") == 0) {
		rm_group *g = rm_find_group(rm, hb_msg_get(m, "ipaddr"));
		hb_msg *req = hb_msg_copy(m);

		hb_msg_set(req, "weown", g && (g->want || g->running) ?
			   "yes" : "no");
		if (g != NULL) {
			g->want = FALSE;
			rm_group_kick(g);
		}
		rm_when_settled(rm, rm_iprequest_released_cb, req);
	} else if (strcmp(t, "ip-request-resp") == 0) {
		rm_group *g = rm_find_group(rm, hb_msg_get(m, "ipaddr"));
		const char *ok = hb_msg_get(m, "ok");

		if (g != NULL && ok != NULL && strcmp(ok, "OK") == 0 &&
		    !g->failed) {
			g->want = TRUE;
			rm_group_kick(g);
		}
	}
}

static void
rm_status_hook(hbd_cluster *c, hbd_node *n, hbd_nstatus old, void *ud)
{
	hbd_rm *rm = ud;

	if (n->is_ping)
		return;
	if (n->is_self) {
		if (n->status == HBD_NODE_ACTIVE && rm->state == RM_WAIT)
			rm_comm_up(rm);
		return;
	}
	if (rm->state == RM_WAIT || rm->state == RM_SHUTDOWN)
		return;
	if (n->status == HBD_NODE_DEAD) {
		rm_peer_died(rm, n);
		return;
	}
	if (rm->state == RM_FENCING) {
		hb_log(LOG_WARNING, "node %s is back before it was fenced: "
		       "not taking over", n->name);
		rm_fence_cancel(rm);
		rm->state = RM_STABLE;
	}
	if (old == HBD_NODE_DEAD) {
		/* back after a partition or a restart: tell it what we hold
		 * so that a group held on both sides is resolved */
		guint i;

		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			g->rejoined = g->local && g->want && g->running;
		}
		rm_send_resource(rm, NULL, TRUE);
	}
}

/* Planned moves (move.c) for the modules below rm.c (rm-types.h). */
static const rm_move_ops rm_move_hooks = {
	.enabled = hbd_move_enabled,
	.offer = hbd_move_offer,
	.prepare = hbd_move_prepare,
	.release = hbd_move_release,
	.acquire = hbd_move_acquire,
	.started = hbd_move_started,
	.needs_no_status = hbd_move_needs_no_status,
	.start_early = hbd_move_start_early,
	.address_gate = hbd_move_address_gate,
	.group_started = hbd_move_group_started,
	.finish = hbd_move_finish,
	.cancel = hbd_move_cancel,
	.reset = hbd_move_reset,
	.handed = hbd_move_handed,
};

hbd_rm *
hbd_rm_new(hbd_cluster *c, hb_haresources *rsc, const char *confdir)
{
	hbd_rm *rm = g_new0(hbd_rm, 1);
	guint i;

	rm->c = c;
	rm->rsc = rsc;
	rm->confdir = g_strdup(confdir);
	rm->run = hbd_script_run_pid;
	rm->on_failed = rm_after_failure;
	rm->move_ops = &rm_move_hooks;
	rm->groups = g_ptr_array_new_with_free_func(g_free);
	rm->nice = c->cfg->auto_failback != HB_FAILBACK_LEGACY;
	for (i = 0; rsc != NULL && i < rsc->groups->len; i++) {
		rm_group *g = g_new0(rm_group, 1);

		g->rm = rm;
		g->cfg = g_ptr_array_index(rsc->groups, i);
		g->local = g_ascii_strcasecmp(g->cfg->node, c->self->name) == 0;
		g_ptr_array_add(rm->groups, g);
	}
	if (c->cfg->pings->len > 0 && rm->groups->len > 0)
		rm->ipfail_timer = g_timeout_add(c->cfg->keepalive_ms,
						 rm_ipfail_cb, rm);
	c->msg_hook = rm_msg_hook;
	c->status_hook = rm_status_hook;
	c->listen_hook = hbd_move_listening;
	c->hook_ud = rm;
	return rm;
}

void
hbd_rm_release_stale(hbd_rm *rm)
{
	gboolean busy = TRUE;
	guint i;

	if (rm->groups->len == 0)
		return;
	hb_log(LOG_WARNING, "hbd did not stop cleanly last time: releasing "
	       "every resource group before joining the cluster");
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		g->want = FALSE;
		g->partial = TRUE;
		rm_group_kick(g);
	}
	while (busy) {
		busy = FALSE;
		for (i = 0; i < rm->groups->len; i++)
			busy = busy || ((rm_group *)g_ptr_array_index(rm->groups,
								   i))->busy;
		if (busy)
			g_main_context_iteration(NULL, TRUE);
	}
}

void
hbd_rm_free(hbd_rm *rm)
{
	if (rm == NULL)
		return;
	if (rm->sb_timer)
		g_source_remove(rm->sb_timer);
	if (rm->rqst_timer)
		g_source_remove(rm->rqst_timer);
	if (rm->ipfail_timer)
		g_source_remove(rm->ipfail_timer);
	if (rm->hb_contest_timer)
		g_source_remove(rm->hb_contest_timer);
	rm_fence_cancel(rm);
	g_list_free_full(rm->batches, g_free);
	rm_forget_peer(rm);
	g_ptr_array_unref(rm->groups);
	g_free(rm->confdir);
	g_free(rm);
}
