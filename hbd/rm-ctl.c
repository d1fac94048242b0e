/*
 * rm-ctl.c - graceful shutdown and the control socket's resource requests
 * (hbd_rm_shutdown, hbd_rm_control: see rm.h).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "rm.h"
#include "rm-group.h"
#include "rm-proto.h"
#include "rm-standby.h"

#define RM_SHUTDOWN_LINGER_MS 300

static gboolean
rm_quit_cb(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static void
rm_shutdown_released_cb(hbd_rm *rm, void *ud)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_log(LOG_INFO, "All HA resources relinquished.");
	hb_msg_set(m, "t", "shutdone");
	hb_msg_set(m, "st", "dead");
	hbd_cluster_send(rm->c, m);
	g_timeout_add(RM_SHUTDOWN_LINGER_MS, rm_quit_cb, rm->quit_loop);
}

static gboolean
rm_shutdown_wait_cb(gpointer data)
{
	hbd_rm *rm = data;

	if (rm->state == RM_TRANSITION || rm->state == RM_STARTING)
		return G_SOURCE_CONTINUE;
	hbd_rm_shutdown(rm, rm->quit_loop);
	return G_SOURCE_REMOVE;
}

void
hbd_rm_shutdown(hbd_rm *rm, GMainLoop *loop)
{
	rm->quit_loop = loop;
	if (rm->state == RM_TRANSITION || rm->state == RM_STARTING) {
		hb_log(LOG_INFO, "Waiting for resource transition to end "
		       "before shutdown");
		g_timeout_add(100, rm_shutdown_wait_cb, rm);
		return;
	}
	rm->state = RM_SHUTDOWN;
	if (rm->rqst_timer) {
		g_source_remove(rm->rqst_timer);
		rm->rqst_timer = 0;
	}
	rm_set_want(rm, RS_ALL, FALSE);
	if (rm->nice && rm->groups->len > 0) {
		g_autoptr(hb_msg) m = hb_msg_new();

		hb_msg_set(m, "t", "resource");
		hb_msg_set(m, "rsc_hold", "none");
		hb_msg_set(m, "rtype", "full");
		hb_msg_set(m, "isstable", "0");
		hb_msg_set(m, "info", "shutdown");
		hbd_cluster_send(rm->c, m);
	}
	rm_when_settled(rm, rm_shutdown_released_cb, NULL);
}

/* "rmstatus" for hbd status: the manager's state, then per group its
 * preferred node, its state here ("moving": in a planned move, move.h),
 * whether the peer holds it (as far as we
 * know: the hbd peer's group list, else a Heartbeat peer's rsc_hold set)
 * and whether its start failed here. */
static int
rm_control_status(hbd_rm *rm, GString *out)
{
	static const char *st[] = { "wait", "fencing", "starting", "stable",
				    "transition", "shutdown" };
	gboolean alive = rm_peer_alive(rm);
	guint i;

	g_string_append_printf(out, "state\t%s\n",
			       (guint)rm->state < G_N_ELEMENTS(st) ?
			       st[rm->state] : "unknown");
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);
		gboolean peer = alive && (rm->peer_groups != NULL ?
			rm_peer_has(rm, g) :
			rm_in_set(g, rm_invert(rm->other_holds)));

		g_string_append_printf(out, "group\t%s\t%s\t%s\t%s\t%s\n",
			g->cfg->key, g->cfg->node,
			g->move != MV_NONE ? "moving" :	/* move.h */
			g->busy ? (g->want ? "starting" : "stopping") :
			g->running ? "running" : g->partial ? "partial" :
			"stopped",
			peer ? "yes" : "no", g->failed ? "failed" : "ok");
	}
	return 0;
}

int
hbd_rm_control(char **argv, GString *out, void *ud)
{
	hbd_rm *rm = ud;
	guint i;

	if (strcmp(argv[0], "rscstatus") == 0) {
		if (rm->state == RM_TRANSITION || rm->state == RM_STARTING ||
		    rm->state == RM_FENCING || !rm_settled(rm))
			g_string_append(out, "transition\n");
		else
			g_string_append_printf(out, "%s\n",
					       rm_set_name(rm_hold(rm)));
		return 0;
	}
	if (strcmp(argv[0], "groups") == 0) {
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			g_string_append_printf(out, "%s\t%s\t%s%s\n", g->cfg->key,
				g->local ? "local" : "foreign",
				g->running ? "running" : g->busy ? "busy" :
				g->partial ? "partial" : "stopped",
				g->failed ? "\tfailed" : "");
		}
		return 0;
	}
	if (strcmp(argv[0], "rmstatus") == 0)
		return rm_control_status(rm, out);
	if (strcmp(argv[0], "standby") == 0 || strcmp(argv[0], "takeover") == 0) {
		gboolean standby = strcmp(argv[0], "standby") == 0;
		int set = rm_set_parse(argv[1] && *argv[1] ? argv[1] : "all");

		if (set <= 0) {
			g_string_append(out, "usage: [all|foreign|local|failback]\n");
			return 11;
		}
		if (!rm->nice) {
			g_string_append(out, "Standby mode only implemented when "
					"nice_failback on\n");
			return 1;
		}
		if (!rm_peer_alive(rm)) {
			g_string_append(out, "no active peer\n");
			return 1;
		}
		if (standby) {
			if (rm->state != RM_STABLE || !rm->other_stable) {
				g_string_append(out, "Standby request ignored: "
						"resources in flux\n");
				return 1;
			}
			rm_standby_request(rm, set, TRUE);
		} else {
			g_autoptr(hb_msg) m = NULL;

			if (rm->state != RM_STABLE || rm->sb != SB_NONE ||
			    !rm->other_stable) {
				g_string_append(out, "Takeover request ignored: "
						"resources in flux\n");
				return 1;
			}
			m = hb_msg_new();
			/* the peer's failed groups may be retried on takeover */
			for (i = 0; i < rm->groups->len; i++) {
				rm_group *g = g_ptr_array_index(rm->groups, i);

				if (rm_in_set(g, set))
					g->failed = FALSE;
			}
			hb_msg_set(m, "t", "hb_takeover");
			hb_msg_set(m, "rsc_hold", argv[1] && *argv[1] ?
				   argv[1] : "all");
			hbd_cluster_send(rm->c, m);
		}
		g_string_append(out, "requested\n");
		return 0;
	}
	return -1;
}
