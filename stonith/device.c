/*
 * device.c - STONITH device objects (what the tool and hbd call, through
 * d->ops) and the helpers every plugin uses (parameters, errors, the host
 * list, the bounded child runner).  It knows no plugin: registry.c makes
 * devices; plugins call down into this file, never the other way.
 *
 * Invariants: a device's operations never take longer than its timeout
 * (plus one second for SIGKILL); a child killed on timeout takes its whole
 * process group with it.  Logs nothing: callers report d->err.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/types.h>

#include "child.h"
#include "stonith.h"

#define RUN_MAX_OUTPUT (64 * 1024)
#define RUN_KILL_GRACE_MS 1000
#define RUN_DRAIN_MS 500

void
stonith_dev_free(stonith_dev *d)
{
	if (d == NULL)
		return;
	g_free(d->type);
	g_free(d->subtype);
	g_free(d->script);
	g_clear_pointer(&d->params, g_hash_table_unref);
	g_free(d->err);
	g_free(d);
}

void
stonith_dev_set_err(stonith_dev *d, const char *fmt, ...)
{
	va_list ap;

	g_free(d->err);
	va_start(ap, fmt);
	d->err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

int
stonith_dev_param_names(stonith_dev *d, GPtrArray **out_names)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	int rc;

	if (d->ops->params != NULL) {
		const stonith_param_spec *p;

		for (p = d->ops->params; p->name != NULL; p++)
			g_ptr_array_add(names, g_strdup(p->name));
	} else {
		rc = d->ops->param_names(d, names);
		if (rc != S_OK)
			return rc;
	}
	*out_names = g_steal_pointer(&names);
	return S_OK;
}

int
stonith_dev_configure(stonith_dev *d, GHashTable *params)
{
	const stonith_param_spec *p;

	g_hash_table_unref(d->params);
	d->params = params;
	for (p = d->ops->params; p != NULL && p->name != NULL; p++) {
		const char *v = g_hash_table_lookup(params, p->name);

		if (p->required && (v == NULL || *v == '\0')) {
			stonith_dev_set_err(d, "%s: parameter \"%s\" is "
					    "required", d->type, p->name);
			return S_BADCONFIG;
		}
	}
	return d->ops->check ? d->ops->check(d) : S_OK;
}

const char *
stonith_dev_get(stonith_dev *d, const char *name)
{
	const char *v = g_hash_table_lookup(d->params, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
stonith_dev_hosts(stonith_dev *d, GPtrArray **out_hosts)
{
	g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
	int rc = d->ops->hosts(d, hosts);

	if (rc != S_OK)
		return rc;
	*out_hosts = g_steal_pointer(&hosts);
	return S_OK;
}

int
stonith_dev_status(stonith_dev *d)
{
	return d->ops->status(d);
}

int
stonith_dev_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	g_autoptr(GPtrArray) hosts = NULL;
	size_t i;
	int rc;

	rc = stonith_dev_hosts(d, &hosts);
	if (rc != S_OK)
		return rc;
	for (i = 0; i < hosts->len; i++)
		if (g_ascii_strcasecmp(hosts->pdata[i], host) == 0)
			return d->ops->op(d, op, host);
	stonith_dev_set_err(d, "host \"%s\" is not controlled by this %s "
			    "device", host, d->type);
	return S_BADHOST;
}

const char *
stonith_op_name(enum stonith_op op)
{
	switch (op) {
	case STONITH_RESET:
		return "reset";
	case STONITH_ON:
		return "on";
	case STONITH_OFF:
		return "off";
	}
	return "?";
}

const char *
stonith_rc_text(int rc)
{
	switch (rc) {
	case S_OK:
		return "success";
	case S_BADCONFIG:
		return "bad configuration";
	case S_ACCESS:
		return "cannot access the device";
	case S_INVAL:
		return "operation not supported";
	case S_BADHOST:
		return "host not controlled by this device";
	case S_RESETFAIL:
		return "operation failed";
	case S_TIMEOUT:
		return "timed out";
	case S_ISOFF:
		return "host is off";
	default:
		return "internal error";
	}
}

GPtrArray *
stonith_split_hosts(const char *list)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) parts = g_strsplit_set(list ? list : "", " \t\r\n,",
					     -1);
	size_t i;

	for (i = 0; parts[i] != NULL; i++)
		if (parts[i][0] != '\0')
			g_ptr_array_add(out, g_strdup(parts[i]));
	return out;
}

/* ---- bounded child runner (lib/child.h) ---- */

void
stonith_run_kill_current(void)
{
	hb_child_kill_current();
}

int
stonith_run(char **argv, char **envp, unsigned timeout_ms, char **out_stdout,
	    int *out_status)
{
	const struct hb_child_opts o = {
		.envp = envp,
		.timeout_ms = timeout_ms,
		.kill_grace_ms = RUN_KILL_GRACE_MS,
		/* a grandchild may keep stdout open: do not wait for it */
		.drain_ms = RUN_DRAIN_MS,
		.max_out = RUN_MAX_OUTPUT,
		/* if the tool is SIGKILLed (hbd's timeout), the child goes too */
		.flags = HB_CHILD_SEARCH_PATH | HB_CHILD_PDEATHSIG,
	};

	return hb_child_run_sync(argv, &o, out_stdout, out_status);
}
