/*
 * child.h - the one timed child runner: a command in its own process
 * group, its output captured, killed at a timeout.
 *
 * Contract: hb_child_run() starts argv (argv[0] a path, or searched in
 * PATH with HB_CHILD_SEARCH_PATH) in a new process group with SIGPIPE at
 * its default, the environment of this process with env_add
 * ("NAME=value") on top, or exactly envp when given.  stdout - and with
 * HB_CHILD_STDERR stderr - are captured (at most max_out bytes each; the
 * rest is read and dropped, so the child never blocks on a full pipe);
 * otherwise stderr, and stdin unless HB_CHILD_STDIN_NULL, are this
 * process's.  At timeout_ms the whole group gets SIGTERM, kill_grace_ms
 * later SIGKILL, and the result is -ETIMEDOUT (the group gets SIGKILL
 * again at the end: survivors holding the pipes).  Once the child exited
 * its pipes are read for at most drain_ms more (0: what is there now): a
 * daemon it started may keep them open.  done runs exactly once, from
 * the main loop of ctx (NULL: the default context); nothing blocks.
 * With HB_CHILD_PDEATHSIG the child is killed if this process dies.
 *
 * hb_child_run_sync() is the blocking wrapper for command-line tools:
 * the same on a private main context, returning when done would run.
 * hb_child_kill_current() (async-signal-safe) kills the process group of
 * the child a hb_child_run_sync() waits for, for the tool's signal
 * handlers.  Library code: logs nothing.
 */
#ifndef HB_CHILD_H
#define HB_CHILD_H

#include <glib.h>

#define HB_CHILD_STDIN_NULL 1	/* stdin from /dev/null */
#define HB_CHILD_STDERR 2	/* capture stderr too */
#define HB_CHILD_SEARCH_PATH 4	/* argv[0] searched in PATH */
#define HB_CHILD_PDEATHSIG 8	/* SIGKILL when this process dies */

struct hb_child_opts {
	char **env_add;		/* NULL or "NAME=value" added */
	char **envp;		/* NULL or the whole environment */
	guint timeout_ms;
	guint kill_grace_ms;	/* SIGTERM to SIGKILL */
	guint drain_ms;		/* reading on after the exit */
	size_t max_out;		/* bytes kept of stdout, of stderr */
	int flags;
};

/* rc: exit status (0..255), 128+signal when killed by a signal,
 * -ETIMEDOUT on timeout.  out/err are NUL-terminated ("" when not
 * captured), borrowed for the call only. */
typedef void (*hb_child_done_fn)(int rc, const char *out, const char *err,
				 void *ud);

/* 0, or -errno (-ENOENT: no such program) and done is not called. */
int hb_child_run(char **argv, const struct hb_child_opts *o, GMainContext *ctx,
		 hb_child_done_fn done, void *ud);

/* The same; *out_pid (may be NULL) is the child's pid and process group
 * until done runs, for a caller that may cut it short (kill(-pid, ...)). */
int hb_child_run_pid(char **argv, const struct hb_child_opts *o,
		     GMainContext *ctx, hb_child_done_fn done, void *ud,
		     GPid *out_pid);

/* Blocking: 0 with *out_status (as rc above) and, when out_stdout is
 * not NULL, the output (owned); -ETIMEDOUT; or -errno (not started). */
int hb_child_run_sync(char **argv, const struct hb_child_opts *o,
		      char **out_stdout, int *out_status);
void hb_child_kill_current(void);

#endif
