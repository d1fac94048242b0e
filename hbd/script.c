/*
 * script.c - asynchronous children with timeouts (see script.h), on the
 * one runner in lib/child.h; hbd_script_find, where a resource script is.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "child.h"
#include "script.h"

int
hbd_script_run(char **argv, char **env, guint timeout_ms,
	       hbd_script_done_fn done, void *ud)
{
	return hbd_script_run_pid(argv, env, timeout_ms, done, ud, NULL);
}

int
hbd_script_run_pid(char **argv, char **env, guint timeout_ms,
		   hbd_script_done_fn done, void *ud, GPid *out_pid)
{
	const struct hb_child_opts o = {
		.env_add = env,
		.timeout_ms = timeout_ms,
		.kill_grace_ms = 1000,
		.drain_ms = 0,		/* stop reading once the script exited */
		.max_out = HBD_SCRIPT_MAXOUT,
		.flags = HB_CHILD_STDIN_NULL | HB_CHILD_STDERR,
	};

	return hb_child_run_pid(argv, &o, NULL, done, ud, out_pid);
}

char *
hbd_script_find(const char *confdir, const char *name, char **out_dirs)
{
	g_autofree char *confrd = g_build_filename(confdir, "resource.d", NULL);
	const char *env = g_getenv("HBD_RESOURCEDIR");
	const char *dirs[3];
	int i;

	dirs[0] = confrd;
	dirs[1] = env != NULL ? env : RESOURCEDIR;
	dirs[2] = "/etc/init.d";
	if (out_dirs != NULL)
		*out_dirs = g_strdup_printf("%s, %s, %s", dirs[0], dirs[1],
					    dirs[2]);
	if (strchr(name, '/') != NULL)
		return NULL;
	for (i = 0; i < 3; i++) {
		char *p = g_build_filename(dirs[i], name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_REGULAR) &&
		    access(p, X_OK) == 0)
			return p;
		g_free(p);
	}
	return NULL;
}
