/*
 * test_stonith.c - STONITH devices: the bounded child runner, the null,
 * external and meatware plugins through the device API.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stonith.h"

static char *tmpdir;

static void
test_run_status_and_output(void)
{
	char *argv[] = { "/bin/sh", "-c", "echo hello; exit 3", NULL };
	g_autofree char *out = NULL;
	int status = -1;

	g_assert_cmpint(stonith_run(argv, NULL, 5000, &out, &status), ==, 0);
	g_assert_cmpint(status, ==, 3);
	g_assert_cmpstr(out, ==, "hello\n");
}

static void
test_run_timeout_kills_group(void)
{
	/* the grandchild writes a file if it survives the kill */
	g_autofree char *mark = g_build_filename(tmpdir, "survivor", NULL);
	g_autofree char *cmd = g_strdup_printf("(sleep 2; touch %s) & "
					       "sleep 30", mark);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	gint64 t0 = g_get_monotonic_time();
	int status = -1;

	g_assert_cmpint(stonith_run(argv, NULL, 300, NULL, &status), ==,
			-ETIMEDOUT);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
	g_usleep(2500 * 1000);
	g_assert_false(g_file_test(mark, G_FILE_TEST_EXISTS));
}

static void
test_run_term_ignored(void)
{
	char *argv[] = { "/bin/sh", "-c", "trap '' TERM; sleep 20", NULL };
	gint64 t0 = g_get_monotonic_time();
	int status;

	g_assert_cmpint(stonith_run(argv, NULL, 200, NULL, &status), ==,
			-ETIMEDOUT);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
}

static void
test_run_missing(void)
{
	char *argv[] = { "/nonexistent/prog", NULL };
	int status;

	g_assert_cmpint(stonith_run(argv, NULL, 1000, NULL, &status), <, 0);
}

static stonith_dev *
dev_with(const char *type, const char *k, const char *v)
{
	g_autofree char *err = NULL;
	stonith_dev *d = stonith_dev_new(type, &err);
	GHashTable *p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      g_free);

	g_assert_nonnull(d);
	if (k != NULL)
		g_hash_table_replace(p, g_strdup(k), g_strdup(v));
	g_assert_cmpint(stonith_dev_configure(d, p), ==, S_OK);
	return d;
}

static void
test_null(void)
{
	stonith_dev *d = dev_with("null", "hostlist", "n1,N2 n3");
	g_autoptr(GPtrArray) hosts = NULL;
	g_autoptr(GPtrArray) names = NULL;

	g_assert_cmpint(stonith_dev_param_names(d, &names), ==, S_OK);
	g_assert_cmpuint(names->len, ==, 1);
	g_assert_cmpstr(names->pdata[0], ==, "hostlist");
	g_assert_cmpint(stonith_dev_hosts(d, &hosts), ==, S_OK);
	g_assert_cmpuint(hosts->len, ==, 3);
	g_assert_cmpstr(hosts->pdata[1], ==, "N2");
	g_assert_cmpint(stonith_dev_status(d), ==, S_OK);
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "n2"), ==, S_OK);
	g_assert_cmpint(stonith_dev_op(d, STONITH_OFF, "n4"), ==, S_BADHOST);
	g_assert_nonnull(strstr(d->err, "n4"));
	stonith_dev_free(d);
}

static void
test_null_required(void)
{
	g_autofree char *err = NULL;
	stonith_dev *d = stonith_dev_new("null", &err);
	GHashTable *p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      g_free);

	g_assert_cmpint(stonith_dev_configure(d, p), ==, S_BADCONFIG);
	g_assert_nonnull(strstr(d->err, "hostlist"));
	stonith_dev_free(d);
}

static void
test_unknown_type(void)
{
	g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL;

	g_assert_null(stonith_dev_new("nosuch", &e1));
	g_assert_nonnull(strstr(e1, "nosuch"));
	g_assert_null(stonith_dev_new("external/../../bin/sh", &e2));
	g_assert_null(stonith_dev_new("external/nosuch", &e3));
}

/* An external script logging its calls and parameters to a file. */
static const char ext_script[] =
	"#!/bin/sh\n"
	"echo \"$1 $2 token=$token\" >> \"$LOGF\"\n"
	"case $1 in\n"
	"getconfignames) echo hostlist; echo token ;;\n"
	"gethosts) for h in $hostlist; do echo $h; done ;;\n"
	"status) [ \"$token\" = good ] ;;\n"
	"reset) [ \"$token\" = good ] ;;\n"
	"off) sleep 30 ;;\n"
	"*) exit 1 ;;\n"
	"esac\n";

static void
test_external(void)
{
	g_autofree char *dir = g_build_filename(tmpdir, "ext", NULL);
	g_autofree char *path = g_build_filename(dir, "testdev", NULL);
	g_autofree char *logf = g_build_filename(tmpdir, "ext.log", NULL);
	g_autofree char *err = NULL, *log = NULL;
	g_autoptr(GPtrArray) names = NULL, hosts = NULL, types = NULL;
	GHashTable *p;
	stonith_dev *d;
	gboolean listed = FALSE;
	size_t i;

	g_mkdir_with_parents(dir, 0700);
	g_assert_true(g_file_set_contents(path, ext_script, -1, NULL));
	chmod(path, 0755);
	g_setenv("HB_STONITH_EXTDIR", dir, TRUE);
	g_setenv("LOGF", logf, TRUE);

	types = stonith_types();
	for (i = 0; i < types->len; i++)
		if (strcmp(types->pdata[i], "external/testdev") == 0)
			listed = TRUE;
	g_assert_true(listed);

	d = stonith_dev_new("external/testdev", &err);
	g_assert_nonnull(d);
	g_assert_cmpstr(d->script, ==, path);
	g_assert_cmpint(stonith_dev_param_names(d, &names), ==, S_OK);
	g_assert_cmpuint(names->len, ==, 2);
	g_assert_cmpstr(names->pdata[1], ==, "token");
	p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_replace(p, g_strdup("hostlist"), g_strdup("a b"));
	g_hash_table_replace(p, g_strdup("token"), g_strdup("bad"));
	g_assert_cmpint(stonith_dev_configure(d, p), ==, S_OK);
	g_assert_cmpint(stonith_dev_hosts(d, &hosts), ==, S_OK);
	g_assert_cmpuint(hosts->len, ==, 2);
	g_assert_cmpint(stonith_dev_status(d), ==, S_ACCESS);
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "b"), ==,
			S_RESETFAIL);
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "c"), ==, S_BADHOST);
	g_hash_table_replace(d->params, g_strdup("token"), g_strdup("good"));
	g_assert_cmpint(stonith_dev_status(d), ==, S_OK);
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "B"), ==, S_OK);
	d->timeout_ms = 300;
	g_assert_cmpint(stonith_dev_op(d, STONITH_OFF, "a"), ==, S_TIMEOUT);
	g_assert_true(g_file_get_contents(logf, &log, NULL, NULL));
	g_assert_nonnull(strstr(log, "reset b token=bad\n"));
	g_assert_nonnull(strstr(log, "reset B token=good\n"));
	g_assert_null(strstr(log, "reset c"));
	stonith_dev_free(d);
	g_unsetenv("HB_STONITH_EXTDIR");
}

static gpointer
meat_confirm_thread(gpointer data)
{
	const char *path = data;
	int i, fd = -1;

	for (i = 0; i < 200 && fd < 0; i++) {
		fd = open(path, O_WRONLY | O_NONBLOCK);
		if (fd < 0)
			g_usleep(10000);
	}
	if (fd >= 0) {
		/* noise first, then the reply */
		g_assert_cmpint(write(fd, "hello\n", 6), ==, 6);
		g_usleep(50000);
		g_assert_cmpint(write(fd, "meatware reply m1", 17), ==, 17);
		close(fd);
	}
	return NULL;
}

static void
test_meatware(void)
{
	stonith_dev *d;
	g_autofree char *fifo = g_build_filename(tmpdir, "meatware.m1", NULL);
	GThread *t;

	g_setenv("HB_MEATWARE_DIR", tmpdir, TRUE);
	d = dev_with("meatware", "hostlist", "m1 m2");
	d->timeout_ms = 300;
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "m2"), ==,
			S_TIMEOUT);
	d->timeout_ms = 5000;
	t = g_thread_new("confirm", meat_confirm_thread, fifo);
	g_assert_cmpint(stonith_dev_op(d, STONITH_RESET, "m1"), ==, S_OK);
	g_thread_join(t);
	g_assert_false(g_file_test(fifo, G_FILE_TEST_EXISTS));
	stonith_dev_free(d);
}

static void
test_ipmilan_check(void)
{
	g_autofree char *err = NULL;
	stonith_dev *d = stonith_dev_new("ipmilan", &err);
	GHashTable *p = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      g_free);

	g_hash_table_replace(p, g_strdup("hostname"), g_strdup("n1"));
	g_hash_table_replace(p, g_strdup("ipaddr"), g_strdup("127.0.0.1"));
	g_hash_table_replace(p, g_strdup("login"), g_strdup("u"));
	g_hash_table_replace(p, g_strdup("password"), g_strdup("p"));
	g_hash_table_replace(p, g_strdup("auth"), g_strdup("sha1"));
	g_assert_cmpint(stonith_dev_configure(d, p), ==, S_BADCONFIG);
	g_assert_nonnull(strstr(d->err, "sha1"));
	stonith_dev_free(d);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) e = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("test_stonith.XXXXXX", &e);
	g_assert_nonnull(tmpdir);
	g_test_add_func("/stonith/run/status-output",
			test_run_status_and_output);
	g_test_add_func("/stonith/run/timeout-group",
			test_run_timeout_kills_group);
	g_test_add_func("/stonith/run/term-ignored", test_run_term_ignored);
	g_test_add_func("/stonith/run/missing", test_run_missing);
	g_test_add_func("/stonith/null/ops", test_null);
	g_test_add_func("/stonith/null/required", test_null_required);
	g_test_add_func("/stonith/type/unknown", test_unknown_type);
	g_test_add_func("/stonith/external/script", test_external);
	g_test_add_func("/stonith/meatware/fifo", test_meatware);
	g_test_add_func("/stonith/ipmilan/check", test_ipmilan_check);
	rc = g_test_run();
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	g_free(tmpdir);
	return rc;
}
