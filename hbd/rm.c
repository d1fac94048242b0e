/*
 * rm.c - the v1 resource manager (see rm.h).
 *
 * Resource sets are Heartbeat's 2-bit rsc_hold: local (groups whose
 * preferred node is us), foreign (the others), all, none.  A set received
 * from the peer is in the peer's terms; rm_invert() translates.
 *
 * Each group has a wanted state; rm_group_kick() runs the start or stop
 * chain towards it, one child at a time, and protocol steps that must wait
 * for groups to settle register a batch (rm_when_settled).
 * Logged at error or above: start and stop failures with script output.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "lsb.h"
#include "move.h"
#include "rm-private.h"
#include "script.h"

#define RM_START_TIMEOUT_MS 60000
#define RM_STATUS_TIMEOUT_MS 20000
#define RM_STOP_RETRIES 10
#define RM_RQSTDELAY_MS 10000
#define RM_STANDBY_REPLY_MS 10000
#define RM_SHUTDOWN_LINGER_MS 300
#define RM_STONITH_TIMEOUT_MS 60000
#define RM_STONITH_RETRY_MS 5000
#define RM_HB_CONTEST_S 30	/* a Heartbeat peer that holds on after a heal */

static void rm_hb_contest_clear(hbd_rm *rm);
static void rm_reannounce_all(hbd_rm *rm);

static const char *
rm_set_name(int s)
{
	static const char *n[] = { "none", "local", "foreign", "all" };

	return n[s & RS_ALL];
}

static int
rm_set_parse(const char *s)
{
	if (s == NULL || strcmp(s, "none") == 0)
		return RS_NONE;
	if (strcmp(s, "local") == 0)
		return RS_LOCAL;
	if (strcmp(s, "foreign") == 0 || strcmp(s, "failback") == 0)
		return RS_FOREIGN;
	if (strcmp(s, "all") == 0)
		return RS_ALL;
	return -1;
}

int
rm_invert(int s)
{
	return ((s & RS_LOCAL) ? RS_FOREIGN : 0) |
		((s & RS_FOREIGN) ? RS_LOCAL : 0);
}

gboolean
rm_in_set(const rm_group *g, int set)
{
	return (set & (g->local ? RS_LOCAL : RS_FOREIGN)) != 0;
}

/* What we hold (or are acquiring), in our terms. */
static int
rm_hold(hbd_rm *rm)
{
	int s = RS_NONE;
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if ((g->want || g->running || g->partial) && !hbd_move_handed(g))
			s |= g->local ? RS_LOCAL : RS_FOREIGN;
	}
	return s;
}

gboolean
rm_peer_alive(hbd_rm *rm)
{
	hbd_node *p = hbd_cluster_peer(rm->c);

	return p != NULL && p->heard && p->status != HBD_NODE_DEAD;
}

/* ---- resource scripts ---- */

char *
rm_script_path(hbd_rm *rm, const char *name)
{
	return hbd_script_find(rm->confdir, name, NULL);
}

/* Heartbeat's rule: only status stdout counts. */
static gboolean
rm_output_running(const char *out)
{
	g_autofree char *low = g_ascii_strdown(out, -1);
	const char *p;

	for (p = strstr(low, "not"); p != NULL; p = strstr(p + 1, "not")) {
		const char *q = p + 3;

		while (*q == ' ')
			q++;
		if (g_str_has_prefix(q, "running"))
			return FALSE;
	}
	return strstr(out, "running") != NULL || strstr(out, "Running") != NULL ||
		strstr(out, "OK") != NULL;
}

static char **
rm_script_env(hbd_rm *rm, const char *group, gboolean planned)
{
	GPtrArray *e = g_ptr_array_new();
	hb_config *cfg = rm->c->cfg;

	if (group != NULL)
		g_ptr_array_add(e, g_strdup_printf("HA_RSCGROUP=%s", group));
	g_ptr_array_add(e, g_strdup_printf("HA_CURHOST=%s", rm->c->self->name));
	g_ptr_array_add(e, g_strdup_printf("HA_NICEFAILBACK=%s",
					   rm->nice ? "yes" : "no"));
	if (!rm_peer_alive(rm))
		g_ptr_array_add(e, g_strdup("HA_DONTASK=yes"));
	g_ptr_array_add(e, g_strdup_printf("HA_debug=%d", cfg->debug));
	g_ptr_array_add(e, g_strdup_printf("HA_LOGFILE=%s",
					   cfg->logfile ? cfg->logfile : ""));
	g_ptr_array_add(e, g_strdup_printf("HA_DEBUGLOG=%s",
					   cfg->debugfile ? cfg->debugfile : ""));
	g_ptr_array_add(e, g_strdup_printf("HA_RESOURCEDIR=%s/resource.d",
					   rm->confdir));
	g_ptr_array_add(e, g_strdup("HA_LOGD=no"));
	if (planned)	/* move.h: a step of a planned move */
		g_ptr_array_add(e, g_strdup("HBD_MOVE=planned"));
	g_ptr_array_add(e, NULL);
	return (char **)g_ptr_array_free(e, FALSE);
}

typedef struct rm_call {
	rm_group *g;
	rm_step_fn next;
	char *what;
} rm_call;

static void
rm_call_done_cb(int rc, const char *out, const char *err, void *ud)
{
	rm_call *call = ud;

	call->g->child = 0;
	if (rc != HB_LSB_OK && !g_str_has_suffix(call->what, " status"))
		hb_log(LOG_ERR, "%s failed (rc=%d%s): %s%s", call->what, rc,
		       rc == -ETIMEDOUT ? ", timed out" : "",
		       out, err);
	else
		hb_debug("%s rc=%d: %s", call->what, rc, out);
	call->next(call->g, rc, out);
	g_free(call->what);
	g_free(call);
}

int
rm_spawn(rm_group *g, int idx, const char *action, gboolean planned,
	 hbd_script_done_fn done, void *ud, GPid *out_pid)
{
	hb_resource *r = g_ptr_array_index(g->cfg->resources, idx);
	g_autofree char *path = rm_script_path(g->rm, r->script);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) env = rm_script_env(g->rm, g->cfg->key, planned);
	guint i;

	if (path == NULL)
		return -ENOENT;
	g_ptr_array_add(argv, path);
	for (i = 0; i < r->args->len; i++)
		g_ptr_array_add(argv, g_ptr_array_index(r->args, i));
	g_ptr_array_add(argv, (char *)action);
	g_ptr_array_add(argv, NULL);
	if (strcmp(action, "status") != 0)
		hb_log(LOG_INFO, "Running %s %s", r->spec, action);
	return hbd_script_run_pid((char **)argv->pdata, env,
				  strcmp(action, "status") == 0 ?
				  RM_STATUS_TIMEOUT_MS : RM_START_TIMEOUT_MS,
				  done, ud, out_pid);
}

void
rm_run(rm_group *g, const char *action, rm_step_fn next)
{
	hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);
	rm_call *call = g_new0(rm_call, 1);
	int rc;

	call->g = g;
	call->next = next;
	call->what = g_strdup_printf("%s %s", r->spec, action);
	rc = rm_spawn(g, g->idx, action, g->move != MV_NONE, rm_call_done_cb,
		      call, &g->child);
	if (rc != 0) {
		if (rc == -ENOENT)
			hb_log(LOG_ERR, "Cannot locate resource script %s",
			       r->script);
		else
			hb_log(LOG_ERR, "cannot run %s: %s", call->what,
			       hb_strerror(rc));
		g_free(call->what);
		g_free(call);
		next(g, rc == -ENOENT && strcmp(action, "status") == 0 ?
		     HB_LSB_STATUS_STOPPED : HB_LSB_ERR_INSTALLED, "");
	}
}

/* ---- group chains ---- */

static void rm_start_step(rm_group *g);
static void rm_stop_step(rm_group *g);

void
rm_chain_end(rm_group *g)
{
	g->busy = FALSE;
	rm_group_kick(g);
	if (!g->busy)
		rm_check_batches(g->rm);
}

static void rm_start_failed(rm_group *g);

static void
rm_start_rc(rm_group *g, int rc, const char *out)
{
	hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);

	if (rc != HB_LSB_OK) {
		hb_log(LOG_CRIT, "Giving up resources due to failure of %s",
		       r->spec);
		rm_start_failed(g);
		return;
	}
	hbd_move_started(g);
	g->idx++;
	rm_start_step(g);
}

static void
rm_start_status_rc(rm_group *g, int rc, const char *out)
{
	if (rm_output_running(out)) {	/* already running: skip */
		g->idx++;
		rm_start_step(g);
		return;
	}
	rm_run(g, "start", rm_start_rc);
}

void
rm_start_continue(rm_group *g)
{
	rm_start_step(g);
}

static void
rm_start_step(rm_group *g)
{
	if (!g->want) {		/* changed our mind: stop what started */
		g->chain_start = FALSE;
		g->idx = MIN(g->idx, (int)g->cfg->resources->len - 1);
		rm_stop_step(g);
		return;
	}
	switch (hbd_move_address_gate(g)) {
	case HBD_MOVE_GATE_WAIT:	/* move.c resumes with rm_start_continue */
		return;
	case HBD_MOVE_GATE_FAILED:
		hb_log(LOG_CRIT, "Giving up resources due to failure of the "
		       "address of group %s", g->cfg->key);
		rm_start_failed(g);
		return;
	case HBD_MOVE_GATE_GO:
		break;
	}
	if (g->idx >= (int)g->cfg->resources->len) {
		g->running = TRUE;
		g->partial = FALSE;
		if (g->move == MV_ACQUIRE)
			g->move = MV_NONE;
		hb_log(LOG_INFO, "Resource group %s started", g->cfg->key);
		hbd_move_group_started(g);
		rm_chain_end(g);
		return;
	}
	g->partial = TRUE;
	if (hbd_move_needs_no_status(g)) {	/* not running here: start */
		if (hbd_move_start_early(g)) {	/* address, in the background */
			g->idx++;
			rm_start_step(g);
			return;
		}
		rm_run(g, "start", rm_start_rc);
		return;
	}
	rm_run(g, "status", rm_start_status_rc);
}

static void
rm_stop_status_rc(rm_group *g, int rc, const char *out)
{
	hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);

	if (rm_output_running(out))
		hb_log(LOG_CRIT, "Resource %s failed to stop: still running "
		       "after %d attempts", r->spec, RM_STOP_RETRIES);
	else
		hb_log(LOG_WARNING, "Resource script for %s probably not LSB-"
		       "compliant: stop failed but status says stopped",
		       r->spec);
	g->idx--;
	g->retries = 0;
	rm_stop_step(g);
}

static void rm_stop_rc(rm_group *g, int rc, const char *out);

static gboolean
rm_stop_again_cb(gpointer data)
{
	rm_group *g = data;

	rm_run(g, "stop", rm_stop_rc);
	return G_SOURCE_REMOVE;
}

static void
rm_stop_rc(rm_group *g, int rc, const char *out)
{
	if (rc != HB_LSB_OK && ++g->retries < RM_STOP_RETRIES) {
		g_timeout_add(1000, rm_stop_again_cb, g);
		return;
	}
	if (rc != HB_LSB_OK) {
		rm_run(g, "status", rm_stop_status_rc);
		return;
	}
	g->retries = 0;
	g->idx--;
	rm_stop_step(g);
}

static void
rm_stop_step(rm_group *g)
{
	if (g->idx < 0) {
		g->running = FALSE;
		g->partial = FALSE;
		hb_log(LOG_INFO, "Resource group %s stopped", g->cfg->key);
		if (g->chain_start) {	/* the stop after a failed start */
			g->chain_start = FALSE;
			g->busy = FALSE;
			rm_check_batches(g->rm);
			return;
		}
		rm_chain_end(g);
		return;
	}
	rm_run(g, "stop", rm_stop_rc);
}

void
rm_group_kick(rm_group *g)
{
	if (g->busy)
		return;
	if (!g->want && hbd_move_handed(g))
		return;		/* move.c stops it when the move gets there */
	if (g->want && !g->running) {
		g->busy = TRUE;
		g->chain_start = TRUE;
		g->idx = 0;
		hb_log(LOG_INFO, "Acquiring resource group: %s %s", g->cfg->node,
		       g->cfg->key);
		rm_start_step(g);
	} else if (!g->want && (g->running || g->partial)) {
		g->busy = TRUE;
		g->chain_start = FALSE;
		g->idx = g->cfg->resources->len - 1;
		g->retries = 0;
		hb_log(LOG_INFO, "Releasing resource group: %s %s", g->cfg->node,
		       g->cfg->key);
		rm_stop_step(g);
	}
}

void
rm_send_resource(hbd_rm *rm, const char *info, gboolean full)
{
	g_autoptr(hb_msg) m = NULL;

	if (!rm->nice || rm->groups->len == 0)
		return;
	m = hb_msg_new();
	hb_msg_set(m, "t", "resource");
	hb_msg_set(m, "rsc_hold", rm_set_name(rm_hold(rm)));
	if (full)
		hb_msg_set(m, "rtype", "full");
	hb_msg_set(m, "isstable", rm->state == RM_STABLE ? "1" : "0");
	if (info != NULL)
		hb_msg_set(m, "info", info);
	{
		g_autoptr(GString) held = g_string_new(NULL);
		g_autoptr(GString) failed = g_string_new(NULL);
		guint i;

		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if ((g->want || g->running || g->partial) &&
			    !hbd_move_handed(g))
				g_string_append_printf(held, "%s ", g->cfg->key);
			if (g->failed)
				g_string_append_printf(failed, "%s ",
						       g->cfg->key);
		}
		hb_msg_set(m, "groups", held->len ? held->str : " ");
		hb_msg_set(m, "failed", failed->len ? failed->str : " ");
	}
	hbd_cluster_send(rm->c, m);
}

static GHashTable *
rm_keyset(const char *list)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      NULL);
	g_auto(GStrv) keys = g_strsplit(list, " ", 0);
	char **k;

	for (k = keys; *k; k++)
		if (**k)
			g_hash_table_add(h, g_strdup(*k));
	return h;
}

static gboolean
rm_peer_has(hbd_rm *rm, const rm_group *g)
{
	return rm->peer_groups != NULL &&
		g_hash_table_contains(rm->peer_groups, g->cfg->key);
}

static void
rm_forget_peer(hbd_rm *rm)
{
	g_clear_pointer(&rm->peer_groups, g_hash_table_unref);
	g_clear_pointer(&rm->peer_failed, g_hash_table_unref);
}

static void
rm_set_want(hbd_rm *rm, int set, gboolean want)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (!rm_in_set(g, set))
			continue;
		if (want && g->failed)
			continue;
		g->want = want;
	}
	/* stops right to left across groups, starts left to right */
	if (want) {
		for (i = 0; i < rm->groups->len; i++)
			rm_group_kick(g_ptr_array_index(rm->groups, i));
	} else {
		for (i = rm->groups->len; i-- > 0;)
			rm_group_kick(g_ptr_array_index(rm->groups, i));
	}
}

static gboolean
rm_settled(hbd_rm *rm)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->busy)
			return FALSE;
	}
	return TRUE;
}

void
rm_when_settled(hbd_rm *rm, rm_settled_fn fn, void *ud)
{
	rm_batch *b = g_new0(rm_batch, 1);

	b->fn = fn;
	b->ud = ud;
	rm->batches = g_list_append(rm->batches, b);
	rm_check_batches(rm);
}

void
rm_check_batches(hbd_rm *rm)
{
	while (rm->batches != NULL && rm_settled(rm)) {
		rm_batch *b = rm->batches->data;

		rm->batches = g_list_delete_link(rm->batches, rm->batches);
		b->fn(rm, b->ud);
		g_free(b);
	}
}

/* ---- protocol ---- */

static void rm_standby_request(hbd_rm *rm, int set, gboolean planned);

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

static void
rm_start_failed(rm_group *g)
{
	g->failed = TRUE;
	g->want = FALSE;
	g->move = MV_NONE;
	/* stop the started part, the failed resource included */
	rm_stop_step(g);
	rm_when_settled(g->rm, rm_after_failure, g);
}

static void
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

static void
rm_takeover_all(hbd_rm *rm, const char *why)
{
	hb_log(LOG_INFO, "Taking over resources (%s)", why);
	hbd_move_reset(rm);
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

static void
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

static void
rm_send_stonith(hbd_rm *rm, const char *node, const char *result)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "stonith");
	hb_msg_set(m, "node", node);
	hb_msg_set(m, "result", result);
	hbd_cluster_send(rm->c, m);
}

static void
rm_fence_cancel(hbd_rm *rm)
{
	if (rm->fence_timer) {
		g_source_remove(rm->fence_timer);
		rm->fence_timer = 0;
	}
}

static void rm_fence(hbd_rm *rm);

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
	rc = hbd_script_run((char **)argv->pdata, NULL, RM_STONITH_TIMEOUT_MS,
			    rm_fence_done_cb, rm);
	if (rc != 0) {
		rm_fence_done_cb(rc, "", "cannot run the stonith tool", rm);
		return;
	}
	rm->fence_running = TRUE;
}

static void
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

static void
rm_announce_cb(hbd_rm *rm, void *ud)
{
	rm_send_resource(rm, ud, TRUE);
}

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
static void
rm_reannounce_all(hbd_rm *rm)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->want && g->running)
			rm_reannounce(g);
	}
}

static void
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
static void
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

static gboolean
rm_standby_timeout_cb(gpointer data)
{
	hbd_rm *rm = data;

	rm->sb_timer = 0;
	hbd_move_cancel(rm, "the peer did not answer in time");
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

void
rm_send_ask(hbd_rm *rm, int set, const char *info)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "ask_resources");
	hb_msg_set(m, "rsc_hold", rm_set_name(set));
	hb_msg_set(m, "info", info);
	if (rm->mv_planned)	/* hbd peers only (move.h) */
		hb_msg_set(m, "move", "1");
	hbd_cluster_send(rm->c, m);
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
static void
rm_standby_request(hbd_rm *rm, int set, gboolean planned)
{
	rm->failback_pending = FALSE;
	rm->mv_planned = planned && hbd_move_offer(rm);
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

static void
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
		if (planned && hbd_move_enabled()) {
			/* "other" (move=1) once prepared */
			hbd_move_prepare(rm, rm_invert(set));
			return;
		}
		rm_send_ask(rm, set, "other");
	} else if (strcmp(info, "other") == 0) {	/* we are R */
		if (rm->sb != SB_REQUESTER)
			return;
		rm_sb_timer(rm, 3600 * 1000);
		if (rm->mv_planned && planned)
			hbd_move_release(rm, rm->sb_set);
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
				hbd_move_acquire(rm, rm_invert(rm->sb_set));
			rm->mv_planned = FALSE;
			rm_set_want(rm, rm_invert(rm->sb_set), TRUE);
			rm_when_settled(rm, rm_other_acquired_cb, NULL);
		} else if (rm->sb == SB_REQUESTER) {
			rm->other_holds |= rm->sb_set;
			hbd_move_finish(rm);	/* a planned move's parked part */
			rm_standby_finish(rm);
		}
	}
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

static rm_group *
rm_find_group(hbd_rm *rm, const char *key)
{
	guint i;

	for (i = 0; key != NULL && i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (strcmp(g->cfg->key, key) == 0)
			return g;
	}
	return NULL;
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

/* ipfail: the node that reaches fewer ping nodes than its peer hands its
 * resources over (after three consecutive checks, to ride out noise). */
static gboolean
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

/* ---- shutdown, control ---- */

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

hbd_rm *
hbd_rm_new(hbd_cluster *c, hb_haresources *rsc, const char *confdir)
{
	hbd_rm *rm = g_new0(hbd_rm, 1);
	guint i;

	rm->c = c;
	rm->rsc = rsc;
	rm->confdir = g_strdup(confdir);
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
