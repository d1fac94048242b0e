/*
 * script.c - asynchronous children with timeouts (see script.h), on the
 * one runner in lib/child.h.
 */
#include "config.h"

#include "child.h"
#include "script.h"

int
hbd_script_run(char **argv, char **env, guint timeout_ms,
	       hbd_script_done_fn done, void *ud)
{
	const struct hb_child_opts o = {
		.env_add = env,
		.timeout_ms = timeout_ms,
		.kill_grace_ms = 1000,
		.drain_ms = 0,		/* stop reading once the script exited */
		.max_out = HBD_SCRIPT_MAXOUT,
		.flags = HB_CHILD_STDIN_NULL | HB_CHILD_STDERR,
	};

	return hb_child_run(argv, &o, NULL, done, ud);
}
