/*
 * device.c - STONITH device objects, the plugin registry and the bounded
 * child runner every plugin uses.
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
#include "plugins.h"
#include "stonith.h"

#define RUN_MAX_OUTPUT (64 * 1024)
#define RUN_KILL_GRACE_MS 1000
#define RUN_DRAIN_MS 500

static const stonith_ops *const stonith_registry[] = {
	&stonith_null_ops,
	&stonith_ssh_ops,
	&stonith_meatware_ops,
	&stonith_ipmilan_ops,
};

static gint
stonith_cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *
stonith_types(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dirs = stonith_external_dirs();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(stonith_registry); i++)
		g_ptr_array_add(out, g_strdup(stonith_registry[i]->name));
	for (i = 0; i < dirs->len; i++) {
		g_autoptr(GDir) dir = g_dir_open(dirs->pdata[i], 0, NULL);
		const char *n;
		int count = 0;

		while (dir != NULL && (n = g_dir_read_name(dir)) != NULL &&
		       count++ < 1000) {
			g_autofree char *p = g_build_filename(dirs->pdata[i],
							      n, NULL);

			if (n[0] == '.' || g_hash_table_contains(seen, n) ||
			    !g_file_test(p, G_FILE_TEST_IS_REGULAR) ||
			    access(p, X_OK) != 0)
				continue;
			g_hash_table_add(seen, (char *)g_intern_string(n));
			g_ptr_array_add(out, g_strconcat("external/", n, NULL));
		}
	}
	g_ptr_array_sort(out, stonith_cmp_str);
	return out;
}

stonith_dev *
stonith_dev_new(const char *type, char **out_err)
{
	const stonith_ops *ops = NULL;
	stonith_dev *d;
	char *script = NULL;
	size_t i;

	if (g_str_has_prefix(type, "external/")) {
		const char *name = type + strlen("external/");

		script = stonith_external_find(name);
		if (script == NULL) {
			*out_err = g_strdup_printf("unknown STONITH type "
						   "\"%s\": no executable "
						   "script \"%s\" in the "
						   "external plugin "
						   "directories", type, name);
			return NULL;
		}
		ops = &stonith_external_ops;
	} else {
		for (i = 0; i < G_N_ELEMENTS(stonith_registry); i++)
			if (strcmp(stonith_registry[i]->name, type) == 0)
				ops = stonith_registry[i];
	}
	if (ops == NULL) {
		*out_err = g_strdup_printf("unknown STONITH type \"%s\" "
					   "(stonith -L lists them)", type);
		return NULL;
	}
	d = g_new0(stonith_dev, 1);
	d->ops = ops;
	d->type = g_strdup(type);
	if (script != NULL) {
		d->script = script;
		d->subtype = g_strdup(type + strlen("external/"));
	}
	d->params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  g_free);
	d->timeout_ms = ops->default_timeout_ms;
	return d;
}

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
