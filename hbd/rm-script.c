/*
 * rm-script.c - one resource action as a child (see rm-script.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hb_err.h"
#include "log.h"
#include "lsb.h"
#include "rm-script.h"
#include "script.h"

char *
rm_script_path(hbd_rm *rm, const char *name)
{
	return hbd_script_find(rm->confdir, name, NULL);
}

/* Heartbeat's rule: only status stdout counts. */
gboolean
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
	return g->rm->run((char **)argv->pdata, env,
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
