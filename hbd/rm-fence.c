/*
 * rm-fence.c - STONITH of a dead peer before takeover (see rm-fence.h).
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "rm-fence.h"
#include "rm-heal.h"
#include "rm-join.h"
#include "rm-proto.h"

static void rm_fence(hbd_rm *rm);

void
rm_fence_cancel(hbd_rm *rm)
{
	if (rm->fence_timer) {
		g_source_remove(rm->fence_timer);
		rm->fence_timer = 0;
	}
}

static gboolean
rm_fence_retry_cb(gpointer data)
{
	hbd_rm *rm = data;

	rm->fence_timer = 0;
	if (rm->state == RM_FENCING)
		rm_fence(rm);
	return G_SOURCE_REMOVE;
}

static void
rm_fence_done_cb(int rc, const char *out, const char *err, void *ud)
{
	hbd_rm *rm = ud;
	hbd_node *p = hbd_cluster_peer(rm->c);

	rm->fence_running = FALSE;
	if (rm->state != RM_FENCING)
		return;		/* the peer came back meanwhile */
	if (rc == 0) {
		hb_log(LOG_INFO, "node %s now reset by STONITH (attempt %d)",
		       p->name, rm->fence_attempts);
		rm_send_stonith(rm, p->name, "OK");
		rm_takeover_all(rm, "mach_down after STONITH");
		return;
	}
	hb_log(LOG_ERR, "STONITH of node %s failed (rc=%d%s): %s%s; not taking "
	       "over its resources; retrying in %d ms", p->name, rc,
	       rc == -ETIMEDOUT ? ", timed out" : "", out, err,
	       RM_STONITH_RETRY_MS);
	rm_send_stonith(rm, p->name, "bad");
	rm->fence_timer = g_timeout_add(RM_STONITH_RETRY_MS, rm_fence_retry_cb,
					rm);
}

/* Runs the stonith tool: stonith -t TYPE {-p PARAMS | -F FILE} -T reset
 * NODE.  The tool is $HBD_STONITH, else ours in LIBEXECDIR (where the
 * Debian package puts it, since cluster-glue owns /usr/sbin/stonith),
 * else SBINDIR/stonith (make install). */
static void
rm_fence(hbd_rm *rm)
{
	hb_stonith_cfg *sc = rm->c->cfg->stonith;
	hbd_node *p = hbd_cluster_peer(rm->c);
	const char *tool = g_getenv("HBD_STONITH");
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	int rc;

	if (rm->fence_running)
		return;
	if (tool == NULL)
		tool = access(LIBEXECDIR "/stonith", X_OK) == 0 ?
			LIBEXECDIR "/stonith" : SBINDIR "/stonith";
	g_ptr_array_add(argv, (char *)tool);
	g_ptr_array_add(argv, "-w");	/* per plugin operation */
	g_ptr_array_add(argv, "15");
	g_ptr_array_add(argv, "-t");
	g_ptr_array_add(argv, sc->type);
	if (sc->file != NULL) {
		g_ptr_array_add(argv, "-F");
		g_ptr_array_add(argv, sc->file);
	} else {
		g_ptr_array_add(argv, "-p");
		g_ptr_array_add(argv, sc->params ? sc->params : "");
	}
	g_ptr_array_add(argv, "-T");
	g_ptr_array_add(argv, "reset");
	g_ptr_array_add(argv, p->name);
	g_ptr_array_add(argv, NULL);
	rm->fence_attempts++;
	hb_log(LOG_INFO, "Resetting node %s with STONITH device %s (attempt %d)",
	       p->name, sc->type, rm->fence_attempts);
	rc = rm->run((char **)argv->pdata, NULL, RM_STONITH_TIMEOUT_MS,
		     rm_fence_done_cb, rm, NULL);
	if (rc != 0) {
		rm_fence_done_cb(rc, "", "cannot run the stonith tool", rm);
		return;
	}
	rm->fence_running = TRUE;
}

void
rm_peer_died(hbd_rm *rm, hbd_node *n)
{
	gboolean holds_nothing = n->heard && rm->other_holds == RS_NONE &&
		(rm->peer_groups == NULL ||
		 g_hash_table_size(rm->peer_groups) == 0);

	if (rm->hb_contested) {		/* it went away instead of releasing */
		rm_hb_contest_clear(rm);
		rm_reannounce_all(rm);
	}

	if (rm->c->cfg->stonith == NULL) {
		if (!holds_nothing)
			hb_log(LOG_WARNING, "No STONITH device configured. "
			       "Shared disks are not protected.");
		rm_send_stonith(rm, n->name, holds_nothing ? "unneeded" :
				"n_stnth");
		rm_takeover_all(rm, "mach_down");
		return;
	}
	if (holds_nothing) {
		rm_send_stonith(rm, n->name, "unneeded");
		rm_takeover_all(rm, "mach_down");
		return;
	}
	rm->state = RM_FENCING;
	rm->fence_attempts = 0;
	rm_fence(rm);
}
