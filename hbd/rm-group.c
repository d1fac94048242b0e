/*
 * rm-group.c - the group state machine (see rm-group.h).
 *
 * Each group has a wanted state; rm_group_kick() runs the start or stop
 * chain towards it, one child at a time, and protocol steps that must wait
 * for groups to settle register a batch (rm_when_settled).
 * Logged at error or above: start and stop failures (with the script's
 * output, rm-script.c).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "lsb.h"
#include "rm-group.h"
#include "rm-script.h"

static void rm_start_step(rm_group *g);
static void rm_stop_step(rm_group *g);
static void rm_start_failed(rm_group *g);
static void rm_stop_rc(rm_group *g, int rc, const char *out);

const char *
rm_set_name(int s)
{
	static const char *n[] = { "none", "local", "foreign", "all" };

	return n[s & RS_ALL];
}

int
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
int
rm_hold(hbd_rm *rm)
{
	int s = RS_NONE;
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if ((g->want || g->running || g->partial) && !rm_mv_handed(g))
			s |= g->local ? RS_LOCAL : RS_FOREIGN;
	}
	return s;
}

void
rm_chain_end(rm_group *g)
{
	g->busy = FALSE;
	rm_group_kick(g);
	if (!g->busy)
		rm_check_batches(g->rm);
}

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
	rm_mv_started(g);
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
	switch (rm_mv_address_gate(g)) {
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
		rm_mv_group_started(g);
		rm_chain_end(g);
		return;
	}
	g->partial = TRUE;
	if (rm_mv_needs_no_status(g)) {	/* not running here: start */
		if (rm_mv_start_early(g)) {	/* address, in the background */
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
	if (!g->want && rm_mv_handed(g))
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

gboolean
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

static void
rm_start_failed(rm_group *g)
{
	g->failed = TRUE;
	g->want = FALSE;
	g->move = MV_NONE;
	/* stop the started part, the failed resource included */
	rm_stop_step(g);
	if (g->rm->on_failed != NULL)
		rm_when_settled(g->rm, g->rm->on_failed, g);
}

rm_group *
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
