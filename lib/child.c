/*
 * child.c - timed children (child.h).
 *
 * Invariants: a run is freed exactly once, after done ran; its timer,
 * pipe watches and child watch are gone by then.  Logs nothing.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib-unix.h>

#include "child.h"

typedef struct hb_child_run_state {
	GMainContext *ctx;
	GPid pid;
	int fds[2];		/* stdout, stderr; -1 when not captured */
	GSource *watches[2];
	GString *bufs[2];
	GSource *child_watch, *timer, *drain;
	gboolean exited, timed_out;
	int status;
	guint kill_grace_ms, drain_ms;
	size_t max_out;
	hb_child_done_fn done;
	void *ud;
} run_state;

static void
child_setup(gpointer data)
{
	int flags = GPOINTER_TO_INT(data);

	setpgid(0, 0);
	if (flags & HB_CHILD_PDEATHSIG)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent may run with SIGPIPE ignored; scripts expect default */
	signal(SIGPIPE, SIG_DFL);
}

static void
source_clear(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

static GSource *
source_add(run_state *r, GSource *s, GSourceFunc fn)
{
	g_source_set_callback(s, fn, r, NULL);
	g_source_attach(s, r->ctx);
	return s;
}

static void
keep(run_state *r, int i, const char *buf, size_t n)
{
	if (r->bufs[i]->len < r->max_out)
		g_string_append_len(r->bufs[i], buf,
				    MIN(n, r->max_out - r->bufs[i]->len));
}

static void
pipe_close(run_state *r, int i)
{
	source_clear(&r->watches[i]);
	if (r->fds[i] >= 0)
		close(r->fds[i]);
	r->fds[i] = -1;
}

static void
maybe_finish(run_state *r)
{
	int rc;

	if (!r->exited || r->watches[0] || r->watches[1])
		return;
	source_clear(&r->timer);
	source_clear(&r->drain);
	source_clear(&r->child_watch);
	if (r->timed_out) {
		kill(-r->pid, SIGKILL);	/* survivors of the group */
		rc = -ETIMEDOUT;
	} else if (WIFEXITED(r->status)) {
		rc = WEXITSTATUS(r->status);
	} else if (WIFSIGNALED(r->status)) {
		rc = 128 + WTERMSIG(r->status);
	} else {
		rc = 255;
	}
	r->done(rc, r->bufs[0]->str, r->bufs[1]->str, r->ud);
	g_string_free(r->bufs[0], TRUE);
	g_string_free(r->bufs[1], TRUE);
	g_spawn_close_pid(r->pid);
	if (r->ctx)
		g_main_context_unref(r->ctx);
	g_free(r);
}

static gboolean
read_cb(int fd, GIOCondition cond, gpointer data)
{
	run_state *r = data;
	int i = fd == r->fds[0] ? 0 : 1;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)cond;
	if (n > 0) {
		keep(r, i, buf, n);
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	pipe_close(r, i);
	maybe_finish(r);
	return G_SOURCE_REMOVE;
}

/* Stop reading: what is in the pipes now is kept. */
static void
drain_now(run_state *r)
{
	for (int i = 0; i < 2; i++) {
		if (r->watches[i]) {
			char buf[4096];
			ssize_t n;

			while ((n = read(r->fds[i], buf, sizeof(buf))) > 0)
				keep(r, i, buf, n);
			pipe_close(r, i);
		}
	}
}

static gboolean
drain_cb(gpointer data)
{
	run_state *r = data;

	source_clear(&r->drain);
	drain_now(r);
	maybe_finish(r);
	return G_SOURCE_REMOVE;
}

static void
exit_cb(GPid pid, int status, gpointer data)
{
	run_state *r = data;

	(void)pid;
	r->exited = TRUE;
	r->status = status;
	source_clear(&r->child_watch);
	/* A daemon the child started may keep our pipes open: stop reading
	 * once the child itself is gone and its output drained. */
	if (r->drain_ms == 0 || r->timed_out)
		drain_now(r);
	else if (r->watches[0] || r->watches[1])
		r->drain = source_add(r, g_timeout_source_new(r->drain_ms),
				      drain_cb);
	maybe_finish(r);
}

static gboolean
kill_cb(gpointer data)
{
	run_state *r = data;

	source_clear(&r->timer);
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	return G_SOURCE_REMOVE;
}

/* Timeout: SIGTERM to the process group so the child can clean up its own
 * children, SIGKILL kill_grace_ms later. */
static gboolean
timeout_cb(gpointer data)
{
	run_state *r = data;

	source_clear(&r->timer);
	r->timed_out = TRUE;
	kill(-r->pid, SIGTERM);
	kill(r->pid, SIGTERM);
	r->timer = source_add(r, g_timeout_source_new(r->kill_grace_ms), kill_cb);
	return G_SOURCE_REMOVE;
}

int
hb_child_run_pid(char **argv, const struct hb_child_opts *o, GMainContext *ctx,
		 hb_child_done_fn done, void *ud, GPid *out_pid)
{
	g_auto(GStrv) envp = o->envp ? g_strdupv(o->envp) : g_get_environ();
	g_autoptr(GError) err = NULL;
	GSpawnFlags sf = G_SPAWN_DO_NOT_REAP_CHILD;
	run_state *r;
	int i;

	for (i = 0; o->env_add != NULL && o->env_add[i] != NULL; i++) {
		char *eq = strchr(o->env_add[i], '=');
		g_autofree char *name = NULL;

		if (eq == NULL)
			continue;
		name = g_strndup(o->env_add[i], eq - o->env_add[i]);
		envp = g_environ_setenv(envp, name, eq + 1, TRUE);
	}
	if (o->flags & HB_CHILD_STDIN_NULL)
		sf |= G_SPAWN_STDIN_FROM_DEV_NULL;
	if (o->flags & HB_CHILD_SEARCH_PATH)
		sf |= G_SPAWN_SEARCH_PATH;
	r = g_new0(run_state, 1);
	r->fds[0] = r->fds[1] = -1;
	if (!g_spawn_async_with_pipes(NULL, argv, envp, sf, child_setup,
				      GINT_TO_POINTER(o->flags), &r->pid, NULL,
				      &r->fds[0], (o->flags & HB_CHILD_STDERR) ?
				      &r->fds[1] : NULL, &err)) {
		g_free(r);
		return err->domain == G_SPAWN_ERROR &&
			err->code == G_SPAWN_ERROR_NOENT ? -ENOENT : -EIO;
	}
	r->ctx = ctx ? g_main_context_ref(ctx) : NULL;
	r->done = done;
	r->ud = ud;
	r->kill_grace_ms = o->kill_grace_ms;
	r->drain_ms = o->drain_ms;
	r->max_out = o->max_out;
	for (i = 0; i < 2; i++) {
		r->bufs[i] = g_string_new(NULL);
		if (r->fds[i] < 0)
			continue;
		g_unix_set_fd_nonblocking(r->fds[i], TRUE, NULL);
		r->watches[i] = g_unix_fd_source_new(r->fds[i], G_IO_IN |
						     G_IO_HUP | G_IO_ERR);
		source_add(r, r->watches[i], (GSourceFunc)(void (*)(void))read_cb);
	}
	r->child_watch = g_child_watch_source_new(r->pid);
	source_add(r, r->child_watch, (GSourceFunc)(void (*)(void))exit_cb);
	r->timer = source_add(r, g_timeout_source_new(o->timeout_ms), timeout_cb);
	if (out_pid != NULL)
		*out_pid = r->pid;
	return 0;
}

int
hb_child_run(char **argv, const struct hb_child_opts *o, GMainContext *ctx,
	     hb_child_done_fn done, void *ud)
{
	return hb_child_run_pid(argv, o, ctx, done, ud, NULL);
}

/* ---- blocking wrapper ------------------------------------------------- */

/* process group of the child hb_child_run_sync is waiting for, or 0 */
static volatile sig_atomic_t sync_pgid;

void
hb_child_kill_current(void)
{
	pid_t pg = (pid_t)sync_pgid;

	if (pg > 0)
		kill(-pg, SIGKILL);
}

struct sync_result {
	gboolean done;
	int rc;
	char *out;
};

static void
sync_done(int rc, const char *out, const char *err, void *ud)
{
	struct sync_result *s = ud;

	(void)err;
	s->done = TRUE;
	s->rc = rc;
	s->out = g_strdup(out);
}

int
hb_child_run_sync(char **argv, const struct hb_child_opts *o,
		  char **out_stdout, int *out_status)
{
	GMainContext *ctx = g_main_context_new();
	struct sync_result s = { 0 };
	GPid pid;
	int r = hb_child_run_pid(argv, o, ctx, sync_done, &s, &pid);

	if (r < 0) {
		g_main_context_unref(ctx);
		return r;
	}
	sync_pgid = pid;
	while (!s.done)
		g_main_context_iteration(ctx, TRUE);
	sync_pgid = 0;
	g_main_context_unref(ctx);
	if (s.rc == -ETIMEDOUT) {
		g_free(s.out);
		return -ETIMEDOUT;
	}
	if (out_stdout != NULL)
		*out_stdout = s.out;
	else
		g_free(s.out);
	*out_status = s.rc;
	return 0;
}
