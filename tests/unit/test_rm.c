/*
 * test_rm.c - the resource manager's group state machine (hbd/rm-group.h)
 * and the protocol steps around it (join, standby, takeover, a peer's
 * death) and the planned-move hooks (rm->move_ops), driven through a
 * fake script runner (rm->run) and a fake cluster:
 * hbd_cluster_send/peer/ping_score are defined here, so every message rm
 * sends is recorded and every message or node change the test makes goes
 * through the hooks rm.c installed, as in the daemon.
 *
 * The fake runner never completes a child by itself: a test takes the
 * pending call it expects by name ("A2 stop"), checks it, and finishes it
 * with an rc and stdout; so the order of the calls is what is asserted.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "cluster.h"
#include "hacf.h"
#include "haresources.h"
#include "log.h"
#include "lsb.h"
#include "msg.h"
#include "rm.h"
#include "rm-private.h"

/* ---- the fake cluster ---- */

static hbd_node *fake_peer;
static GPtrArray *sent;		/* hb_msg *, what rm sent, in order */

void
hbd_cluster_send(hbd_cluster *c, hb_msg *m)
{
	(void)c;
	g_ptr_array_add(sent, hb_msg_copy(m));
}

hbd_node *
hbd_cluster_peer(hbd_cluster *c)
{
	(void)c;
	return fake_peer;
}

int
hbd_cluster_ping_score(hbd_cluster *c)
{
	(void)c;
	return 0;
}

/* ---- the fake runner ---- */

typedef struct call {
	char *what;		/* "A2 start": the script's name, args, action */
	char **env;
	guint timeout_ms;
	hbd_script_done_fn done;
	void *ud;
} call;

static GPtrArray *pending;	/* call * */
static GPtrArray *history;	/* char *: every call's "what", in order */
static int next_pid = 1000;
static int fail_spawn;		/* the runner's return for the next calls */
static int fail_count;		/* how many of them */

static int
fake_run(char **argv, char **env, guint timeout_ms, hbd_script_done_fn done,
	 void *ud, GPid *out_pid)
{
	g_autoptr(GString) w = g_string_new(NULL);
	call *k;
	char **a;

	if (fail_count > 0) {
		fail_count--;
		g_ptr_array_add(history, g_strdup("(spawn failed)"));
		return fail_spawn;
	}
	k = g_new0(call, 1);
	for (a = argv; *a; a++) {
		g_autofree char *b = g_path_get_basename(*a);

		g_string_append_printf(w, "%s%s", w->len ? " " : "",
				       a == argv ? b : *a);
	}
	k->what = g_strdup(w->str);
	k->env = g_strdupv(env);
	k->timeout_ms = timeout_ms;
	k->done = done;
	k->ud = ud;
	g_ptr_array_add(pending, k);
	g_ptr_array_add(history, g_strdup(w->str));
	if (out_pid != NULL)
		*out_pid = next_pid++;
	return 0;
}

static void
call_free(call *k)
{
	g_free(k->what);
	g_strfreev(k->env);
	g_free(k);
}

static char *
pending_list(void)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < pending->len; i++)
		g_string_append_printf(s, "[%s] ",
				       ((call *)pending->pdata[i])->what);
	return g_string_free(s, FALSE);
}

/* The pending call named what (it must be there); removed from pending,
 * owned by the caller until finish(). */
static call *
take(const char *what)
{
	guint i;

	for (i = 0; i < pending->len; i++) {
		call *k = pending->pdata[i];

		if (strcmp(k->what, what) == 0) {
			g_ptr_array_remove_index(pending, i);
			return k;
		}
	}
	{
		g_autofree char *l = pending_list();

		g_error("expected a pending call \"%s\"; pending: %s", what, l);
	}
	return NULL;
}

static void
finish(call *k, int rc, const char *out)
{
	k->done(rc, out, "", k->ud);
	call_free(k);
}

/* take + finish */
static void
run(const char *what, int rc, const char *out)
{
	finish(take(what), rc, out);
}

static void
assert_idle(void)
{
	g_autofree char *l = pending_list();

	g_assert_cmpstr(l, ==, "");
}

/* ---- fixture ---- */

typedef struct fx {
	char *dir;
	hb_config *cfg;
	hb_haresources *rsc;
	hbd_cluster c;
	hbd_node self, peer;
	hbd_rm *rm;
} fx;

static void
fx_script(fx *f, const char *name)
{
	g_autofree char *p = g_build_filename(f->dir, "resource.d", name, NULL);

	g_assert_true(g_file_set_contents(p, "#!/bin/sh\nexit 0\n", -1, NULL));
	g_assert_cmpint(g_chmod(p, 0755), ==, 0);
}

/* haresources text; the peer (beta) heard and active or not */
static void
fx_init(fx *f, const char *haresources, const char *extra_cf,
	gboolean peer_alive)
{
	g_autofree char *cf = g_strdup_printf(
		"node alpha\nnode beta\nucast lo 127.0.0.1\n"
		"auto_failback on\n%s", extra_cf ? extra_cf : "");
	g_autofree char *rd = NULL;
	hb_diag *d = hb_diag_new();
	const char *names[] = { "A1", "A2", "A3", "B1", "B2", "IPaddr" };
	guint i;

	memset(f, 0, sizeof(*f));
	f->dir = g_dir_make_tmp("test_rm.XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	rd = g_build_filename(f->dir, "resource.d", NULL);
	g_assert_cmpint(g_mkdir(rd, 0755), ==, 0);
	for (i = 0; i < G_N_ELEMENTS(names); i++)
		fx_script(f, names[i]);
	g_assert_cmpint(hb_config_parse("ha.cf", cf, strlen(cf), "alpha",
					&f->cfg, d), ==, 0);
	g_assert_cmpint(hb_haresources_parse("haresources", haresources,
					     strlen(haresources), f->cfg,
					     &f->rsc, d), ==, 0);
	hb_diag_free(d);

	f->self.name = "alpha";
	f->self.is_self = TRUE;
	f->self.status = HBD_NODE_INIT;
	f->peer.name = "beta";
	f->peer.heard = peer_alive;
	f->peer.status = peer_alive ? HBD_NODE_ACTIVE : HBD_NODE_INIT;
	f->c.cfg = f->cfg;
	f->c.self = &f->self;
	f->c.peer_ping_score = -1;
	fake_peer = &f->peer;

	sent = g_ptr_array_new_with_free_func((GDestroyNotify)hb_msg_free);
	pending = g_ptr_array_new();
	history = g_ptr_array_new_with_free_func(g_free);
	g_unsetenv("HBD_PLANNED_MOVE");

	f->rm = hbd_rm_new(&f->c, f->rsc, f->dir);
	f->rm->run = fake_run;
	g_assert_true(f->c.msg_hook != NULL && f->c.status_hook != NULL);
}

static void
fx_free(fx *f)
{
	g_autofree char *rd = g_build_filename(f->dir, "resource.d", NULL);
	GDir *dir = g_dir_open(rd, 0, NULL);
	const char *n;

	hbd_rm_free(f->rm);
	/* whatever is still pending is dropped (its done never runs) */
	g_ptr_array_set_free_func(pending, (GDestroyNotify)call_free);
	g_ptr_array_unref(pending);
	g_ptr_array_unref(history);
	g_ptr_array_unref(sent);
	while ((n = g_dir_read_name(dir)) != NULL) {
		g_autofree char *p = g_build_filename(rd, n, NULL);

		g_unlink(p);
	}
	g_dir_close(dir);
	g_rmdir(rd);
	g_rmdir(f->dir);
	g_free(f->dir);
	hb_haresources_free(f->rsc);
	hb_config_free(f->cfg);
	fake_peer = NULL;
}

/* our node becomes active: rm leaves RM_WAIT */
static void
fx_comm_up(fx *f)
{
	f->self.status = HBD_NODE_ACTIVE;
	f->c.status_hook(&f->c, &f->self, HBD_NODE_INIT, f->c.hook_ud);
}

/* a message from the peer, fields as name, value pairs, NULL-ended */
static void
fx_peer_says(fx *f, ...)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	const char *k;
	va_list ap;

	va_start(ap, f);
	while ((k = va_arg(ap, const char *)) != NULL)
		hb_msg_set(m, k, va_arg(ap, const char *));
	va_end(ap);
	f->c.msg_hook(&f->c, &f->peer, m, f->c.hook_ud);
}

static void
fx_peer_dies(fx *f)
{
	hbd_nstatus old = f->peer.status;

	f->peer.status = HBD_NODE_DEAD;
	f->c.status_hook(&f->c, &f->peer, old, f->c.hook_ud);
}

static char *
fx_ctl(fx *f, const char *a0, const char *a1, int *out_rc)
{
	char *argv[] = { (char *)a0, (char *)a1, NULL };
	GString *out = g_string_new(NULL);
	int rc = hbd_rm_control(argv, out, f->rm);

	if (out_rc != NULL)
		*out_rc = rc;
	return g_string_free(out, FALSE);
}

/* the index in sent of the last message of type t (and info, unless
 * NULL), -1 when none */
static int
last_sent(const char *t, const char *info)
{
	int i;

	for (i = (int)sent->len - 1; i >= 0; i--) {
		hb_msg *m = sent->pdata[i];
		const char *mi = hb_msg_get(m, "info");

		if (g_strcmp0(hb_msg_get(m, "t"), t) == 0 &&
		    (info == NULL || g_strcmp0(mi, info) == 0))
			return i;
	}
	return -1;
}

static const char *
env_get(call *k, const char *name)
{
	size_t n = strlen(name);
	char **e;

	for (e = k->env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* A1 A2 A3 started here from nothing: status (not running), start each */
static void
start_chain_abc(void)
{
	run("A1 status", HB_LSB_STATUS_STOPPED, "A1 is stopped");
	run("A1 start", 0, "");
	run("A2 status", HB_LSB_STATUS_STOPPED, "");
	run("A2 start", 0, "");
	run("A3 status", HB_LSB_STATUS_STOPPED, "");
	run("A3 start", 0, "");
}

/* ---- tests ---- */

/* Alone: every group starts left to right; a resource whose status says
 * running is not started again; timeouts and environment as Heartbeat. */
static void
test_start_order(void)
{
	fx f;
	call *k;
	g_autofree char *groups = NULL;

	fx_init(&f, "alpha A1 A2::x::y A3\n", NULL, FALSE);
	fx_comm_up(&f);
	k = take("A1 status");
	g_assert_cmpuint(k->timeout_ms, ==, 20000);
	g_assert_cmpstr(env_get(k, "HA_RSCGROUP"), ==, "A1");
	g_assert_cmpstr(env_get(k, "HA_CURHOST"), ==, "alpha");
	g_assert_cmpstr(env_get(k, "HA_DONTASK"), ==, "yes");
	g_assert_cmpstr(env_get(k, "HA_NICEFAILBACK"), ==, "yes");
	g_assert_null(env_get(k, "HBD_MOVE"));
	assert_idle();		/* one child at a time */
	finish(k, HB_LSB_STATUS_STOPPED, "stopped");
	k = take("A1 start");
	g_assert_cmpuint(k->timeout_ms, ==, 60000);
	assert_idle();
	finish(k, 0, "");
	run("A2 x y status", 0, "A2 is running");	/* skipped: no start */
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\tbusy\n");
	run("A3 status", HB_LSB_STATUS_STOPPED, "");
	k = take("A3 start");
	g_assert_cmpint(last_sent("resource", "mach_down"), >=, 0);
	finish(k, 0, "");
	assert_idle();
	g_clear_pointer(&groups, g_free);
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\trunning\n");
	{
		const char *want[] = { "A1 status", "A1 start", "A2 x y status",
				       "A3 status", "A3 start" };
		guint i;

		g_assert_cmpuint(history->len, ==, G_N_ELEMENTS(want));
		for (i = 0; i < G_N_ELEMENTS(want); i++)
			g_assert_cmpstr(history->pdata[i], ==, want[i]);
	}
	fx_free(&f);
}

/* Graceful shutdown: groups stop right to left (last group first, last
 * resource first); "shutdone" only once everything stopped. */
static void
test_stop_reverse(void)
{
	fx f;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autofree char *st = NULL;

	fx_init(&f, "alpha A1 A2 A3\nbeta B1 B2\n", NULL, FALSE);
	fx_comm_up(&f);
	start_chain_abc();
	run("B1 status", HB_LSB_STATUS_STOPPED, "");
	run("B1 start", 0, "");
	run("B2 status", HB_LSB_STATUS_STOPPED, "");
	run("B2 start", 0, "");
	assert_idle();
	st = fx_ctl(&f, "rscstatus", NULL, NULL);
	g_assert_cmpstr(st, ==, "all\n");

	hbd_rm_shutdown(f.rm, loop);
	/* both groups' chains run, each right to left; the last group is
	 * kicked first */
	g_assert_cmpuint(history->len, ==, 10 + 2);
	g_assert_cmpstr(history->pdata[10], ==, "B2 stop");
	g_assert_cmpstr(history->pdata[11], ==, "A3 stop");
	run("B2 stop", 0, "");
	run("A3 stop", 0, "");
	run("B1 stop", 0, "");
	run("A2 stop", 1, "");	/* fails: retried after a second */
	g_assert_cmpint(last_sent("shutdone", NULL), <, 0);
	while (pending->len == 0)
		g_main_context_iteration(NULL, TRUE);
	run("A2 stop", 0, "");
	g_assert_cmpint(last_sent("shutdone", NULL), <, 0);
	run("A1 stop", 0, "");
	assert_idle();
	g_assert_cmpint(last_sent("shutdone", NULL), >=, 0);
	g_main_loop_run(loop);	/* quit by rm 300 ms after shutdone */
	g_clear_pointer(&st, g_free);
	st = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(st, ==, "A1\tlocal\tstopped\nB1\tforeign\tstopped\n");
	fx_free(&f);
}

/* A start that fails stops what started, the failed resource included,
 * right to left; the group is failed and not started again by itself;
 * the peer learns it in the "failed" list. */
static void
test_failed_start(void)
{
	fx f;
	g_autofree char *groups = NULL;
	int i;

	fx_init(&f, "alpha A1 A2 A3\n", NULL, FALSE);
	fx_comm_up(&f);
	run("A1 status", HB_LSB_STATUS_STOPPED, "");
	run("A1 start", 0, "");
	run("A2 status", HB_LSB_STATUS_STOPPED, "");
	run("A2 start", HB_LSB_ERR_GENERIC, "boom");
	run("A2 stop", 0, "");
	run("A1 stop", 0, "");
	assert_idle();		/* A3 never ran, A1 not restarted */
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\tstopped\tfailed\n");
	i = last_sent("resource", NULL);
	g_assert_cmpint(i, >=, 0);
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "failed"), ==, "A1 ");
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "groups"), ==, " ");
	g_assert_cmpuint(history->len, ==, 6);
	fx_free(&f);
}

/* A start that times out (the runner's -ETIMEDOUT) is a failed start; a
 * status that times out is "not running" (the resource is started); a
 * script the runner cannot start is a failed start too. */
static void
test_timeout(void)
{
	fx f;
	g_autofree char *groups = NULL;

	fx_init(&f, "alpha A1 A2 A3\n", NULL, FALSE);
	fx_comm_up(&f);
	run("A1 status", -ETIMEDOUT, "");
	run("A1 start", 0, "");
	run("A2 status", HB_LSB_STATUS_STOPPED, "");
	run("A2 start", -ETIMEDOUT, "");
	run("A2 stop", 0, "");
	run("A1 stop", 0, "");
	assert_idle();
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\tstopped\tfailed\n");
	fx_free(&f);

	fx_init(&f, "alpha A1 A2\n", NULL, FALSE);
	fx_comm_up(&f);
	run("A1 status", HB_LSB_STATUS_STOPPED, "");
	fail_spawn = -EAGAIN;	/* A2's status and start: cannot fork */
	fail_count = 2;
	run("A1 start", 0, "");
	g_assert_cmpint(fail_count, ==, 0);
	run("A2 stop", 0, "");
	run("A1 stop", 0, "");
	assert_idle();
	g_clear_pointer(&groups, g_free);
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\tstopped\tfailed\n");
	fx_free(&f);
}

/* With the peer alive: "starting", then the local groups once the peer
 * says it is stable; hb_standby gives them over with the classic exchange
 * (stop right to left before "done"); the peer's standby gives us its. */
static void
fx_join_with_peer(fx *f)
{
	fx_comm_up(f);
	g_assert_cmpint(last_sent("starting", NULL), >=, 0);
	assert_idle();		/* nothing starts before the peer answers */
	fx_peer_says(f, "t", "resource", "rsc_hold", "local", "rtype", "full",
		     "isstable", "1", "groups", "B1 ", "failed", " ", NULL);
	start_chain_abc();
	assert_idle();
}

static void
test_standby(void)
{
	fx f;
	g_autofree char *out = NULL;
	int rc, i;

	fx_init(&f, "alpha A1 A2 A3\nbeta B1\n", NULL, TRUE);
	g_setenv("HBD_PLANNED_MOVE", "off", TRUE);	/* the classic path */
	fx_join_with_peer(&f);
	out = fx_ctl(&f, "rmstatus", NULL, NULL);
	g_assert_cmpstr(out, ==, "state\tstable\n"
			"group\tA1\talpha\trunning\tno\tok\n"
			"group\tB1\tbeta\tstopped\tyes\tok\n");

	g_clear_pointer(&out, g_free);
	out = fx_ctl(&f, "standby", "all", &rc);
	g_assert_cmpint(rc, ==, 0);
	i = last_sent("ask_resources", "me");
	g_assert_cmpint(i, >=, 0);
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "rsc_hold"), ==, "all");
	g_assert_null(hb_msg_get(sent->pdata[i], "move"));
	assert_idle();		/* nothing stops before the peer's "other" */
	g_clear_pointer(&out, g_free);
	out = fx_ctl(&f, "rscstatus", NULL, NULL);
	g_assert_cmpstr(out, ==, "transition\n");

	fx_peer_says(&f, "t", "ask_resources", "rsc_hold", "all", "info",
		     "other", NULL);
	run("A3 stop", 0, "");
	run("A2 stop", 0, "");
	g_assert_cmpint(last_sent("ask_resources", "done"), <, 0);
	run("A1 stop", 0, "");
	assert_idle();
	g_assert_cmpint(last_sent("ask_resources", "done"), >=, 0);
	fx_peer_says(&f, "t", "resource", "rsc_hold", "all", "rtype", "full",
		     "isstable", "0", "groups", "A1 B1 ", "failed", " ", NULL);
	assert_idle();
	g_clear_pointer(&out, g_free);
	out = fx_ctl(&f, "rmstatus", NULL, NULL);
	g_assert_true(g_str_has_prefix(out, "state\ttransition\n"));
	fx_peer_says(&f, "t", "ask_resources", "rsc_hold", "all", "info",
		     "done", NULL);
	g_clear_pointer(&out, g_free);
	out = fx_ctl(&f, "rmstatus", NULL, NULL);
	g_assert_cmpstr(out, ==, "state\tstable\n"
			"group\tA1\talpha\tstopped\tyes\tok\n"
			"group\tB1\tbeta\tstopped\tyes\tok\n");
	fx_free(&f);
}

/* The peer's hb_standby: we are the other node; we start its groups only
 * once it says it released them, and answer "done" once they run. */
static void
test_takeover(void)
{
	fx f;
	g_autofree char *out = NULL;

	fx_init(&f, "alpha A1 A2 A3\nbeta B1 B2\n", NULL, TRUE);
	g_setenv("HBD_PLANNED_MOVE", "off", TRUE);
	fx_join_with_peer(&f);
	fx_peer_says(&f, "t", "ask_resources", "rsc_hold", "all", "info", "me",
		     NULL);
	g_assert_cmpint(last_sent("ask_resources", "other"), >=, 0);
	assert_idle();
	/* what the peer sends as it lets go, then "done" */
	fx_peer_says(&f, "t", "resource", "rsc_hold", "none", "rtype", "full",
		     "isstable", "0", "info", "standby", "groups", " ",
		     "failed", " ", NULL);
	assert_idle();
	fx_peer_says(&f, "t", "ask_resources", "rsc_hold", "all", "info",
		     "done", NULL);
	run("B1 status", HB_LSB_STATUS_STOPPED, "");
	run("B1 start", 0, "");
	run("B2 status", HB_LSB_STATUS_STOPPED, "");
	g_assert_cmpint(last_sent("ask_resources", "done"), <, 0);
	run("B2 start", 0, "");
	assert_idle();
	g_assert_cmpint(last_sent("ask_resources", "done"), >=, 0);
	out = fx_ctl(&f, "rmstatus", NULL, NULL);
	g_assert_cmpstr(out, ==, "state\tstable\n"
			"group\tA1\talpha\trunning\tno\tok\n"
			"group\tB1\tbeta\trunning\tno\tok\n");
	fx_free(&f);
}

/* The peer dies while we give our groups to it (a stop chain runs): the
 * chain ends, then everything is taken over here (no STONITH device:
 * "n_stnth"), and the standby exchange is over. */
static void
test_peer_death_mid_standby(void)
{
	fx f;
	g_autofree char *out = NULL;
	int i;

	fx_init(&f, "alpha A1 A2 A3\nbeta B1\n", NULL, TRUE);
	g_setenv("HBD_PLANNED_MOVE", "off", TRUE);
	fx_join_with_peer(&f);
	out = fx_ctl(&f, "standby", "all", NULL);
	fx_peer_says(&f, "t", "ask_resources", "rsc_hold", "all", "info",
		     "other", NULL);
	run("A3 stop", 0, "");
	fx_peer_dies(&f);	/* while A2's stop runs */
	i = last_sent("stonith", NULL);
	g_assert_cmpint(i, >=, 0);
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "result"), ==, "n_stnth");
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "node"), ==, "beta");
	run("A2 stop", 0, "");
	run("A1 stop", 0, "");
	/* B1 starts at once; A1's chain starts again once its stop ended */
	run("B1 status", HB_LSB_STATUS_STOPPED, "");
	start_chain_abc();
	run("B1 start", 0, "");
	assert_idle();
	g_assert_cmpint(last_sent("ask_resources", "done"), <, 0);
	g_clear_pointer(&out, g_free);
	out = fx_ctl(&f, "rmstatus", NULL, NULL);
	g_assert_cmpstr(out, ==, "state\tstable\n"
			"group\tA1\talpha\trunning\tno\tok\n"
			"group\tB1\tbeta\trunning\tno\tok\n");
	fx_free(&f);
}

/* The peer dies holding its group, with a STONITH device configured:
 * nothing is taken before the tool says the peer was reset, and not at
 * all while it fails (retried every 5 s). */
static void
test_peer_death_fenced(void)
{
	fx f;
	call *k;
	int i;

	fx_init(&f, "alpha A1\nbeta B1 B2\n",
		"stonith_host * null beta\n", TRUE);
	g_setenv("HBD_PLANNED_MOVE", "off", TRUE);
	fx_comm_up(&f);
	fx_peer_says(&f, "t", "resource", "rsc_hold", "local", "rtype", "full",
		     "isstable", "1", "groups", "B1 ", "failed", " ", NULL);
	run("A1 status", HB_LSB_STATUS_STOPPED, "");
	run("A1 start", 0, "");
	fx_peer_dies(&f);
	k = take("stonith -w 15 -t null -p beta -T reset beta");
	g_assert_cmpuint(k->timeout_ms, ==, 60000);
	assert_idle();		/* B1 waits for the fencing */
	{
		g_autofree char *out = fx_ctl(&f, "rmstatus", NULL, NULL);

		g_assert_true(g_str_has_prefix(out, "state\tfencing\n"));
	}
	finish(k, 1, "");
	i = last_sent("stonith", NULL);
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "result"), ==, "bad");
	assert_idle();		/* retried in 5 s, nothing taken */
	while (pending->len == 0)
		g_main_context_iteration(NULL, TRUE);
	run("stonith -w 15 -t null -p beta -T reset beta", 0, "");
	i = last_sent("stonith", NULL);
	g_assert_cmpstr(hb_msg_get(sent->pdata[i], "result"), ==, "OK");
	run("B1 status", HB_LSB_STATUS_STOPPED, "");
	run("B1 start", 0, "");
	run("B2 status", HB_LSB_STATUS_STOPPED, "");
	run("B2 start", 0, "");
	assert_idle();
	fx_free(&f);
}

/* ---- the planned-move hooks: rm.c installs move.c's functions in
 * rm->move_ops; the modules below it (rm-group here) reach planned moves
 * only through that table, and run without it (no planned moves) ---- */

static const rm_move_ops *real_ops;
static int n_started, n_group_started, n_gate, n_no_status, n_early;

static void
rec_started(rm_group *g)
{
	n_started++;
	real_ops->started(g);
}

static hbd_move_gate
rec_address_gate(rm_group *g)
{
	n_gate++;
	return real_ops->address_gate(g);
}

static void
rec_group_started(rm_group *g)
{
	n_group_started++;
	real_ops->group_started(g);
}

static gboolean
rec_needs_no_status(const rm_group *g)
{
	n_no_status++;
	return real_ops->needs_no_status(g);
}

static gboolean
rec_start_early(rm_group *g)
{
	n_early++;
	return real_ops->start_early(g);
}

static void
test_move_hooks(void)
{
	fx f;
	rm_move_ops rec;
	g_autofree char *groups = NULL;

	fx_init(&f, "alpha A1 A2 A3\n", NULL, FALSE);
	real_ops = f.rm->move_ops;
	g_assert_nonnull(real_ops);
	rec = *real_ops;
	rec.started = rec_started;
	rec.address_gate = rec_address_gate;
	rec.group_started = rec_group_started;
	rec.needs_no_status = rec_needs_no_status;
	rec.start_early = rec_start_early;
	f.rm->move_ops = &rec;
	n_started = n_group_started = n_gate = n_no_status = n_early = 0;
	fx_comm_up(&f);
	run("A1 status", HB_LSB_STATUS_STOPPED, "");
	run("A1 start", 0, "");
	run("A2 status", 0, "A2 is running");	/* skipped: not "started" */
	run("A3 status", HB_LSB_STATUS_STOPPED, "");
	run("A3 start", 0, "");
	assert_idle();
	g_assert_cmpint(n_started, ==, 2);
	g_assert_cmpint(n_gate, ==, 4);	/* before A1, A2, A3 and the end */
	g_assert_cmpint(n_no_status, ==, 3);	/* no move: status first */
	g_assert_cmpint(n_early, ==, 0);
	g_assert_cmpint(n_group_started, ==, 1);
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\trunning\n");
	fx_free(&f);

	/* no table: the same chain, no planned move anywhere */
	fx_init(&f, "alpha A1 A2 A3\n", NULL, FALSE);
	f.rm->move_ops = NULL;
	fx_comm_up(&f);
	start_chain_abc();
	assert_idle();
	g_clear_pointer(&groups, g_free);
	groups = fx_ctl(&f, "groups", NULL, NULL);
	g_assert_cmpstr(groups, ==, "A1\tlocal\trunning\n");
	fx_free(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_setenv("HBD_STONITH", "/nonexistent/stonith", TRUE);
	g_test_add_func("/rm/group/start-order", test_start_order);
	g_test_add_func("/rm/group/stop-reverse", test_stop_reverse);
	g_test_add_func("/rm/group/failed-start", test_failed_start);
	g_test_add_func("/rm/group/timeout", test_timeout);
	g_test_add_func("/rm/standby/give", test_standby);
	g_test_add_func("/rm/standby/take", test_takeover);
	g_test_add_func("/rm/peer-death/mid-standby",
			test_peer_death_mid_standby);
	g_test_add_func("/rm/peer-death/fenced", test_peer_death_fenced);
	g_test_add_func("/rm/move-hooks", test_move_hooks);
	return g_test_run();
}
