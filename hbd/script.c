/*
 * script.c - asynchronous children with timeouts (see script.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "script.h"

typedef struct script_run {
	GPid pid;
	int fds[2];
	guint watches[2];
	GString *bufs[2];
	guint child_watch, timer;
	gboolean exited, timed_out;
	int status;
	hbd_script_done_fn done;
	void *ud;
} script_run;

static void
script_child_setup(gpointer data)
{
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
}

static void
script_maybe_finish(script_run *r)
{
	int rc;

	if (!r->exited || r->watches[0] || r->watches[1])
		return;
	if (r->timer)
		g_source_remove(r->timer);
	if (r->timed_out)
		rc = -ETIMEDOUT;
	else if (WIFEXITED(r->status))
		rc = WEXITSTATUS(r->status);
	else
		rc = 128 + WTERMSIG(r->status);
	r->done(rc, r->bufs[0]->str, r->bufs[1]->str, r->ud);
	g_string_free(r->bufs[0], TRUE);
	g_string_free(r->bufs[1], TRUE);
	g_spawn_close_pid(r->pid);
	g_free(r);
}

static gboolean
script_read_cb(int fd, GIOCondition cond, gpointer data)
{
	script_run *r = data;
	int i = fd == r->fds[0] ? 0 : 1;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		if (r->bufs[i]->len < HBD_SCRIPT_MAXOUT)
			g_string_append_len(r->bufs[i], buf,
					    MIN((size_t)n, HBD_SCRIPT_MAXOUT -
						r->bufs[i]->len));
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	close(fd);
	r->watches[i] = 0;
	script_maybe_finish(r);
	return G_SOURCE_REMOVE;
}

static void
script_exit_cb(GPid pid, int status, gpointer data)
{
	script_run *r = data;

	r->exited = TRUE;
	r->status = status;
	/* A daemon the script started may keep our pipes open: stop
	 * reading once the script itself is gone and its output drained. */
	for (int i = 0; i < 2; i++) {
		if (r->watches[i]) {
			char buf[4096];
			ssize_t n;

			while ((n = read(r->fds[i], buf, sizeof(buf))) > 0)
				if (r->bufs[i]->len < HBD_SCRIPT_MAXOUT)
					g_string_append_len(r->bufs[i], buf,
						MIN((size_t)n, HBD_SCRIPT_MAXOUT -
						    r->bufs[i]->len));
			g_source_remove(r->watches[i]);
			close(r->fds[i]);
			r->watches[i] = 0;
		}
	}
	script_maybe_finish(r);
}

static gboolean
script_kill_cb(gpointer data)
{
	script_run *r = data;

	r->timer = 0;
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	return G_SOURCE_REMOVE;
}

/* Timeout: SIGTERM to the process group so the child can clean up its own
 * children, SIGKILL one second later. */
static gboolean
script_timeout_cb(gpointer data)
{
	script_run *r = data;

	r->timed_out = TRUE;
	kill(-r->pid, SIGTERM);
	kill(r->pid, SIGTERM);
	r->timer = g_timeout_add(1000, script_kill_cb, r);
	return G_SOURCE_REMOVE;
}

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
	g_auto(GStrv) envp = g_get_environ();
	g_autoptr(GError) err = NULL;
	script_run *r;
	int i;

	for (i = 0; env != NULL && env[i] != NULL; i++) {
		char *eq = strchr(env[i], '=');
		g_autofree char *name = NULL;

		if (eq == NULL)
			continue;
		name = g_strndup(env[i], eq - env[i]);
		envp = g_environ_setenv(envp, name, eq + 1, TRUE);
	}
	r = g_new0(script_run, 1);
	if (!g_spawn_async_with_pipes(NULL, argv, envp,
				      G_SPAWN_DO_NOT_REAP_CHILD |
				      G_SPAWN_STDIN_FROM_DEV_NULL,
				      script_child_setup, NULL, &r->pid, NULL,
				      &r->fds[0], &r->fds[1], &err)) {
		g_free(r);
		return err->domain == G_SPAWN_ERROR &&
			err->code == G_SPAWN_ERROR_NOENT ? -ENOENT : -EIO;
	}
	r->done = done;
	r->ud = ud;
	for (i = 0; i < 2; i++) {
		r->bufs[i] = g_string_new(NULL);
		g_unix_set_fd_nonblocking(r->fds[i], TRUE, NULL);
		r->watches[i] = g_unix_fd_add(r->fds[i], G_IO_IN | G_IO_HUP |
					      G_IO_ERR, script_read_cb, r);
	}
	r->child_watch = g_child_watch_add(r->pid, script_exit_cb, r);
	r->timer = g_timeout_add(timeout_ms, script_timeout_cb, r);
	if (out_pid != NULL)
		*out_pid = r->pid;
	return 0;
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
