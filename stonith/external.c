/*
 * external.c - the "external/NAME" plugin: runs scripts that follow
 * cluster-glue's external STONITH plugin conventions, unmodified.
 *
 * Conventions (as cluster-glue's external plugins expect them):
 *   SCRIPT getconfignames      parameter names on stdout
 *   SCRIPT gethosts            controlled hosts on stdout
 *   SCRIPT status              exit 0 when the device is usable
 *   SCRIPT reset|on|off HOST   exit 0 on success
 *   SCRIPT getinfo-devid ...   descriptions
 * Parameters reach the script as environment variables named after the
 * parameter.  Scripts are looked up in $HB_STONITH_EXTDIR (a colon list,
 * for tests), then LIBEXECDIR/stonith/external, then cluster-glue's
 * /usr/lib/stonith/plugins/external.  cluster-glue's helper directory is
 * appended to PATH so scripts calling ha_log.sh keep working.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "plugins.h"

#define EXT_GLUE_DIR "/usr/lib/stonith/plugins/external"
#define EXT_GLUE_HELPERS "/usr/share/cluster-glue"
#define EXT_MAX_NAMES 64
#define EXT_MAX_HOSTS 256

GPtrArray *
stonith_external_dirs(void)
{
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	const char *env = g_getenv("HB_STONITH_EXTDIR");

	if (env != NULL) {
		g_auto(GStrv) parts = g_strsplit(env, ":", 32);
		size_t i;

		for (i = 0; parts[i] != NULL; i++)
			if (parts[i][0] != '\0')
				g_ptr_array_add(dirs, g_strdup(parts[i]));
	}
	g_ptr_array_add(dirs, g_strdup(LIBEXECDIR "/stonith/external"));
	g_ptr_array_add(dirs, g_strdup(EXT_GLUE_DIR));
	return dirs;
}

static gboolean
ext_valid_name(const char *name)
{
	const char *p;

	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 128)
		return FALSE;
	for (p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return FALSE;
	return TRUE;
}

char *
stonith_external_find(const char *name)
{
	g_autoptr(GPtrArray) dirs = NULL;
	size_t i;

	if (!ext_valid_name(name))
		return NULL;
	dirs = stonith_external_dirs();
	for (i = 0; i < dirs->len; i++) {
		char *p = g_build_filename(dirs->pdata[i], name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_REGULAR) &&
		    access(p, X_OK) == 0)
			return p;
		g_free(p);
	}
	return NULL;
}

static char **
ext_env(stonith_dev *d)
{
	char **env = g_get_environ();
	const char *path = g_environ_getenv(env, "PATH");
	GHashTableIter it;
	gpointer k, v;

	if (g_file_test(EXT_GLUE_HELPERS, G_FILE_TEST_IS_DIR)) {
		g_autofree char *np = g_strconcat(path ? path :
						  "/usr/sbin:/usr/bin:/sbin:/bin",
						  ":" EXT_GLUE_HELPERS, NULL);

		env = g_environ_setenv(env, "PATH", np, TRUE);
	}
	g_hash_table_iter_init(&it, d->params);
	while (g_hash_table_iter_next(&it, &k, &v))
		env = g_environ_setenv(env, k, v, TRUE);
	return env;
}

/* Runs the script with one action; S_OK when it exits 0. */
static int
ext_call(stonith_dev *d, const char *action, const char *host,
	 char **out_stdout)
{
	g_auto(GStrv) env = ext_env(d);
	char *argv[] = { d->script, (char *)action, (char *)host, NULL };
	int rc, status;

	rc = stonith_run(argv, env, d->timeout_ms, out_stdout, &status);
	if (rc == -ETIMEDOUT) {
		stonith_dev_set_err(d, "%s %s: no answer in %u ms", d->script,
				    action, d->timeout_ms);
		return S_TIMEOUT;
	}
	if (rc != 0) {
		stonith_dev_set_err(d, "cannot run %s: %s", d->script,
				    g_strerror(-rc));
		return S_OOPS;
	}
	if (status != 0) {
		stonith_dev_set_err(d, "%s %s%s%s exited with %d", d->script,
				    action, host ? " " : "", host ? host : "",
				    status);
		if (out_stdout != NULL)
			g_clear_pointer(out_stdout, g_free);
		return S_RESETFAIL;
	}
	return S_OK;
}

/* Words of the script's stdout into out, at most max. */
static int
ext_words(stonith_dev *d, const char *action, GPtrArray *out, size_t max)
{
	g_autofree char *text = NULL;
	g_autoptr(GPtrArray) w = NULL;
	size_t i;
	int rc;

	rc = ext_call(d, action, NULL, &text);
	if (rc != S_OK)
		return rc;
	w = stonith_split_hosts(text);
	for (i = 0; i < w->len; i++) {
		if (out->len >= max) {
			stonith_dev_set_err(d, "%s %s: more than %zu words",
					    d->script, action, max);
			return S_OOPS;
		}
		g_ptr_array_add(out, g_strdup(w->pdata[i]));
	}
	return S_OK;
}

static int
ext_param_names(stonith_dev *d, GPtrArray *out)
{
	size_t i;
	int rc = ext_words(d, "getconfignames", out, EXT_MAX_NAMES);

	if (rc != S_OK)
		return rc == S_RESETFAIL ? S_OOPS : rc;
	for (i = 0; i < out->len; i++) {
		const char *p = out->pdata[i];

		for (; *p; p++)
			if (!g_ascii_isalnum(*p) && *p != '_')
				break;
		if (*p != '\0' || g_ascii_isdigit(((char *)out->pdata[i])[0])) {
			stonith_dev_set_err(d, "%s getconfignames: \"%s\" is "
					    "not a parameter name", d->script,
					    (char *)out->pdata[i]);
			return S_OOPS;
		}
	}
	return S_OK;
}

static int
ext_hosts(stonith_dev *d, GPtrArray *out)
{
	int rc = ext_words(d, "gethosts", out, EXT_MAX_HOSTS);

	return rc == S_RESETFAIL ? S_ACCESS : rc;
}

static int
ext_status(stonith_dev *d)
{
	int rc = ext_call(d, "status", NULL, NULL);

	return rc == S_RESETFAIL ? S_ACCESS : rc;
}

static int
ext_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	return ext_call(d, stonith_op_name(op), host, NULL);
}

const stonith_ops stonith_external_ops = {
	.name = "external",
	.descr = "runs a cluster-glue style external STONITH script",
	.default_timeout_ms = 60000,
	.param_names = ext_param_names,
	.hosts = ext_hosts,
	.status = ext_status,
	.op = ext_op,
};
