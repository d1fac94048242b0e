/*
 * ipmilan.c - the "ipmilan" STONITH plugin: drives a BMC with ipmitool.
 *
 * Parameters (cluster-glue's ipmilan names and order): hostname ipaddr
 * port auth priv login password reset_method.  auth is none, straight,
 * md2 or md5 (IPMI 1.5 "lan" with that authtype), or empty for IPMI 2.0
 * "lanplus"; priv is operator or admin; reset_method is power_cycle
 * (default) or hard_reset.  The password reaches ipmitool through
 * IPMI_PASSWORD (-E), never on its command line.  A reset of a host whose
 * power is off powers it on.  ipmitool is found in PATH, or at
 * $HB_IPMITOOL.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plugins.h"

static const stonith_param_spec ipmi_params[] = {
	{ "hostname", TRUE, "the host this BMC powers" },
	{ "ipaddr", TRUE, "BMC address" },
	{ "port", FALSE, "BMC RMCP port (623)" },
	{ "auth", FALSE, "none|straight|md2|md5: IPMI 1.5; empty: lanplus" },
	{ "priv", FALSE, "operator|admin (admin)" },
	{ "login", TRUE, "BMC user" },
	{ "password", TRUE, "BMC password" },
	{ "reset_method", FALSE, "power_cycle (default) or hard_reset" },
	{ NULL, FALSE, NULL },
};

static int
ipmi_check(stonith_dev *d)
{
	const char *a = stonith_dev_get(d, "auth");
	const char *p = stonith_dev_get(d, "priv");
	const char *r = stonith_dev_get(d, "reset_method");
	const char *port = stonith_dev_get(d, "port");
	char *end;

	if (a != NULL && strcmp(a, "none") != 0 &&
	    strcmp(a, "straight") != 0 && strcmp(a, "md2") != 0 &&
	    strcmp(a, "md5") != 0) {
		stonith_dev_set_err(d, "ipmilan: bad auth \"%s\"", a);
		return S_BADCONFIG;
	}
	if (p != NULL && strcmp(p, "operator") != 0 &&
	    strcmp(p, "admin") != 0) {
		stonith_dev_set_err(d, "ipmilan: bad priv \"%s\"", p);
		return S_BADCONFIG;
	}
	if (r != NULL && strcmp(r, "power_cycle") != 0 &&
	    strcmp(r, "hard_reset") != 0) {
		stonith_dev_set_err(d, "ipmilan: bad reset_method \"%s\"", r);
		return S_BADCONFIG;
	}
	if (port != NULL) {
		long v = strtol(port, &end, 10);

		if (*end != '\0' || v < 1 || v > 65535) {
			stonith_dev_set_err(d, "ipmilan: bad port \"%s\"",
					    port);
			return S_BADCONFIG;
		}
	}
	return S_OK;
}

static int
ipmi_hosts(stonith_dev *d, GPtrArray *out)
{
	g_ptr_array_add(out, g_strdup(stonith_dev_get(d, "hostname")));
	return S_OK;
}

/* Runs "ipmitool ... chassis power WHAT"; stdout to *out if wanted. */
static int
ipmi_power(stonith_dev *d, const char *what, char **out)
{
	const char *tool = g_getenv("HB_IPMITOOL");
	const char *auth = stonith_dev_get(d, "auth");
	const char *priv = stonith_dev_get(d, "priv");
	const char *port = stonith_dev_get(d, "port");
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) env = g_get_environ();
	int rc, status;

	env = g_environ_setenv(env, "IPMI_PASSWORD",
			       stonith_dev_get(d, "password"), TRUE);
	g_ptr_array_add(argv, g_strdup(tool ? tool : "ipmitool"));
	g_ptr_array_add(argv, g_strdup("-I"));
	g_ptr_array_add(argv, g_strdup(auth ? "lan" : "lanplus"));
	if (auth != NULL)
		g_ptr_array_add(argv, g_strdup_printf("-A%s",
			strcmp(auth, "straight") == 0 ? "PASSWORD" :
			strcmp(auth, "none") == 0 ? "NONE" :
			strcmp(auth, "md2") == 0 ? "MD2" : "MD5"));
	g_ptr_array_add(argv, g_strdup("-H"));
	g_ptr_array_add(argv, g_strdup(stonith_dev_get(d, "ipaddr")));
	g_ptr_array_add(argv, g_strdup("-p"));
	g_ptr_array_add(argv, g_strdup(port ? port : "623"));
	g_ptr_array_add(argv, g_strdup("-U"));
	g_ptr_array_add(argv, g_strdup(stonith_dev_get(d, "login")));
	g_ptr_array_add(argv, g_strdup("-E"));
	g_ptr_array_add(argv, g_strdup("-L"));
	g_ptr_array_add(argv, g_strdup(priv && strcmp(priv, "operator") == 0 ?
				       "OPERATOR" : "ADMINISTRATOR"));
	g_ptr_array_add(argv, g_strdup("chassis"));
	g_ptr_array_add(argv, g_strdup("power"));
	g_ptr_array_add(argv, g_strdup(what));
	g_ptr_array_add(argv, NULL);
	rc = stonith_run((char **)argv->pdata, env, d->timeout_ms, out,
			 &status);
	if (rc == -ETIMEDOUT) {
		stonith_dev_set_err(d, "ipmitool power %s: no answer in %u ms",
				    what, d->timeout_ms);
		return S_TIMEOUT;
	}
	if (rc != 0) {
		stonith_dev_set_err(d, "cannot run ipmitool: %s",
				    g_strerror(-rc));
		return S_OOPS;
	}
	if (status != 0) {
		stonith_dev_set_err(d, "ipmitool chassis power %s on %s "
				    "exited with %d", what,
				    stonith_dev_get(d, "ipaddr"), status);
		if (out != NULL)
			g_clear_pointer(out, g_free);
		return S_ACCESS;
	}
	return S_OK;
}

static int
ipmi_status(stonith_dev *d)
{
	return ipmi_power(d, "status", NULL);
}

static int
ipmi_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	const char *r = stonith_dev_get(d, "reset_method");
	g_autofree char *st = NULL;
	int rc;

	if (op == STONITH_ON)
		rc = ipmi_power(d, "on", NULL);
	else if (op == STONITH_OFF)
		rc = ipmi_power(d, "off", NULL);
	else {
		rc = ipmi_power(d, "status", &st);
		if (rc != S_OK)
			return rc;
		if (strstr(st, "is off") != NULL)
			rc = ipmi_power(d, "on", NULL);
		else
			rc = ipmi_power(d, r && strcmp(r, "hard_reset") == 0 ?
					"reset" : "cycle", NULL);
	}
	return rc == S_ACCESS ? S_RESETFAIL : rc;
}

const stonith_ops stonith_ipmilan_ops = {
	.name = "ipmilan",
	.descr = "powers hosts through their BMC with ipmitool",
	.default_timeout_ms = 60000,
	.params = ipmi_params,
	.check = ipmi_check,
	.hosts = ipmi_hosts,
	.status = ipmi_status,
	.op = ipmi_op,
};
