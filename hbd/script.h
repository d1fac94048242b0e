/*
 * script.h - run a child process asynchronously with a timeout.
 *
 * The child runs in its own process group with stdin from /dev/null and
 * stdout/stderr captured (at most HBD_SCRIPT_MAXOUT bytes each; the rest is
 * read and dropped so the child never blocks on a full pipe).  At the
 * timeout the whole group gets SIGTERM, one second later SIGKILL, and the
 * result is rc = -ETIMEDOUT.
 * Done callbacks run on the main loop; nothing here blocks.
 */
#ifndef HBD_SCRIPT_H
#define HBD_SCRIPT_H

#include <glib.h>

#define HBD_SCRIPT_MAXOUT 65536

/* rc: exit status (0..255), 128+signal when killed by a signal,
 * -ETIMEDOUT on timeout, or -errno when it could not be started.
 * out/err are NUL-terminated, borrowed for the call only. */
typedef void (*hbd_script_done_fn)(int rc, const char *out, const char *err,
				   void *ud);

/* argv[0] is a path.  env (may be NULL) is added to the environment as
 * "NAME=value" strings.  Returns 0 or -errno (then done is not called). */
int hbd_script_run(char **argv, char **env, guint timeout_ms,
		   hbd_script_done_fn done, void *ud);
/* The same; *out_pid is the child's pid (and process group) until done
 * runs, for a caller that may have to cut it short (kill(-pid, ...)). */
int hbd_script_run_pid(char **argv, char **env, guint timeout_ms,
		       hbd_script_done_fn done, void *ud, GPid *out_pid);

/* Where a haresources resource script is found: CONFDIR/resource.d, then
 * $HBD_RESOURCEDIR (else the installed resource directory), then
 * /etc/init.d; the first regular executable file wins.  Returns the path
 * (g_free) or NULL (also for a name with a '/': resources name scripts,
 * not paths).  out_dirs (may be NULL) gets the directories searched,
 * ", "-separated (g_free). */
char *hbd_script_find(const char *confdir, const char *name,
		      char **out_dirs);

#endif
