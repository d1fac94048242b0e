/*
 * null.c - the "null" STONITH plugin, for tests.
 *
 * Controls the hosts in "hostlist"; every operation on one of them
 * succeeds at once and nothing is powered anywhere.
 */
#include "config.h"

#include "plugins.h"

static const stonith_param_spec null_params[] = {
	{ "hostlist", TRUE, "hosts this device pretends to control" },
	{ NULL, FALSE, NULL },
};

static int
null_hosts(stonith_dev *d, GPtrArray *out)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++)
		g_ptr_array_add(out, g_strdup(h->pdata[i]));
	return S_OK;
}

static int
null_status(stonith_dev *d)
{
	return S_OK;
}

static int
null_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	return S_OK;
}

const stonith_ops stonith_null_ops = {
	.name = "null",
	.descr = "pretends to fence the hosts of hostlist (for tests)",
	.default_timeout_ms = 10000,
	.params = null_params,
	.hosts = null_hosts,
	.status = null_status,
	.op = null_op,
};
