/* test_repl_conf.c - replicate.conf parser: good file and file:line errors */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <glib.h>

#include "hb_err.h"
#include "repl-conf.h"

static void
badn(const char *text, size_t len, const char *want)
{
	struct repl_conf *c = NULL;
	hb_diag *d = hb_diag_new();
	const char *err;

	g_assert_cmpint(repl_conf_parse(text, len, "r.conf", &c, d),
			==, HB_ECONFIG);
	g_assert_null(c);
	g_assert_cmpuint(d->errors->len, ==, 1);
	err = d->errors->pdata[0];
	if (!strstr(err, want))
		g_error("'%s' does not contain '%s'", err, want);
	hb_diag_free(d);
}

#define bad(t, w) badn((t), strlen(t), (w))

static void
test_good(void)
{
	const char *t = "# comment\nroot mail /var/mail/vhosts\n"
		"root accounts /etc/dovecot/users.d  # trailing\n"
		"peer 10.0.0.2 7790\nlisten 0.0.0.0 7791\nkeyfile /etc/ha.d/k\n"
		"role source\nmode async\ndelta_threshold 1000\n"
		"logfacility local3\nlogfile /var/log/replicate.log\n";
	struct repl_conf *c = NULL;
	hb_diag *d = hb_diag_new();

	g_assert_cmpint(repl_conf_parse(t, strlen(t), "r.conf", &c, d), ==, 0);
	hb_diag_free(d);
	g_assert_cmpint(c->nroots, ==, 2);
	g_assert_cmpstr(c->root_path[1], ==, "/etc/dovecot/users.d");
	g_assert_cmpint(c->peer_port, ==, 7790);
	g_assert_cmpint(c->listen_port, ==, 7791);
	g_assert_true(c->source);
	g_assert_true(c->async);
	g_assert_cmpuint(c->delta_threshold, ==, 1000);
	g_assert_cmpint(c->logfacility, ==, LOG_LOCAL3);
	g_assert_cmpstr(c->logfile, ==, "/var/log/replicate.log");
	repl_conf_free(c);
}

static void
test_bad(void)
{
	bad("root mail /x\nkeyfile /k\npeer a 1\nbogus 1\n", "r.conf:4: unknown");
	bad("root mail relative\n", "r.conf:1: bad root");
	bad("root ../x /abs\n", "r.conf:1: bad root");
	bad("root a /x\nroot a /y\n", "r.conf:2: duplicate");
	bad("peer host 70000\n", "r.conf:1: bad port");
	bad("role master\n", "r.conf:1: role");
	bad("logfacility kern\n", "r.conf:1: unknown logfacility");
	bad("root mail /x\n", "no 'keyfile'");
	bad("keyfile /k\n", "no 'root'");
	bad("root mail /x\nkeyfile\n", "r.conf:2: 'keyfile' takes 1");
	badn("root a /x\0root b /y\n", 20, "NUL");
	bad("root m /x\nkeyfile /k\npeer a 1\npeer b 1\npeer a 1\n",
	    "r.conf:5: duplicate peer 'a 1'");
	bad("root m /x\nkeyfile /k\npeer a 1\npeer b 1\npeer c 1\n"
	    "peer d 1\npeer e 1\npeer f 1\npeer g 1\npeer h 1\npeer i 1\n",
	    "r.conf:11: too many peers (at most 8)");
	bad("root m /x\nkeyfile /k\npeer a 1\nbarrier most\n",
	    "r.conf:4: barrier must be all, one or a number");
	bad("root m /x\nkeyfile /k\npeer a 1\nbarrier 0\n",
	    "r.conf:4: barrier must be");
	bad("root m /x\nkeyfile /k\npeer a 1\nbarrier 9\n",
	    "r.conf:4: barrier must be");
	bad("root m /x\nkeyfile /k\nbarrier 2\npeer a 1\n",
	    "r.conf:3: barrier 2 needs at least 2 peers, 1 configured");
	bad("root m /x\nkeyfile /k\npeer a 1\nbarrier\n",
	    "r.conf:4: 'barrier' takes 1");
}

/* several peers, the barrier policy; one peer is what it always was */
static void
test_peers(void)
{
	const char *t = "root m /x\nkeyfile /k\npeer 10.0.0.2 7790\n"
		"peer 10.0.0.3 7791\npeer 10.0.0.2 7792\nbarrier 2\n";
	const char *one = "root m /x\nkeyfile /k\npeer h 9\npeer h 9 # dup\n";
	struct repl_conf *c = NULL;
	hb_diag *d = hb_diag_new();

	g_assert_cmpint(repl_conf_parse(t, strlen(t), "r.conf", &c, d), ==, 0);
	g_assert_cmpint(c->npeers, ==, 3);
	g_assert_cmpstr(c->peer_addrs[1], ==, "10.0.0.3");
	g_assert_cmpint(c->peer_ports[1], ==, 7791);
	g_assert_cmpint(c->peer_ports[2], ==, 7792);
	g_assert_cmpstr(c->peer_addr, ==, "10.0.0.2");	/* the first */
	g_assert_cmpint(c->peer_port, ==, 7790);
	g_assert_cmpint(c->barrier_need, ==, 2);
	repl_conf_free(c);
	c = NULL;
	t = "root m /x\nkeyfile /k\npeer h 9\n";
	g_assert_cmpint(repl_conf_parse(t, strlen(t), "r.conf", &c, d), ==, 0);
	g_assert_cmpint(c->npeers, ==, 1);
	g_assert_cmpint(c->barrier_need, ==, 0);	/* all: as with one peer */
	repl_conf_free(c);
	c = NULL;
	t = "root m /x\nkeyfile /k\npeer a 1\npeer b 1\nbarrier one\n";
	g_assert_cmpint(repl_conf_parse(t, strlen(t), "r.conf", &c, d), ==, 0);
	g_assert_cmpint(c->barrier_need, ==, 1);
	repl_conf_free(c);
	c = NULL;
	t = "root m /x\nkeyfile /k\nlisten :: 1\nbarrier one\n";
	g_assert_cmpint(repl_conf_parse(t, strlen(t), "r.conf", &c, d), ==, 0);
	repl_conf_free(c);
	g_assert_cmpuint(d->errors->len, ==, 0);
	hb_diag_free(d);
	/* a repeated identical peer line is an error now, not "last wins" */
	bad(one, "r.conf:4: duplicate peer 'h 9'");
}

/* the policy: all = every replica that counts; one; N */
static void
test_barrier_policy(void)
{
	/* need (0 = all), replicas that count, replicas that acked, met? */
	static const int cases[][4] = {
		{ 0, 0, 0, 0 }, { 1, 0, 0, 0 },	/* nobody counts: the caller
						 * answers DOWN */
		{ 0, 1, 1, 1 }, { 0, 2, 1, 0 }, { 0, 2, 2, 1 }, { 0, 3, 0, 0 },
		{ 1, 2, 0, 0 }, { 1, 2, 1, 1 }, { 1, 1, 1, 1 },
		/* N: while fewer than N count, it waits */
		{ 2, 1, 1, 0 }, { 2, 3, 1, 0 }, { 2, 3, 2, 1 }, { 2, 3, 3, 1 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		if (repl_barrier_met(cases[i][0], cases[i][1], cases[i][2]) !=
		    (gboolean)cases[i][3])
			g_error("barrier %d, %d counting, %d acked: want %s",
				cases[i][0], cases[i][1], cases[i][2],
				cases[i][3] ? "met" : "not met");
}

/* -T: the dump of a parse parses back to the same dump */
static void
test_dump(void)
{
	const char *t = "root mail /var/mail/vhosts\nroot acc /etc/d\n"
		"listen 0.0.0.0 7791\npeer 10.0.0.2 7790\nkeyfile /k\n"
		"role source\nmode async\ndelta_threshold 1000\ndebug 2\n"
		"logfacility local3\nlogfile /var/log/r.log\n"
		"statedir /s\ncontrol /c.sock\n";
	const char *minimal = "root m /x\nkeyfile /k\npeer h 1\n";
	const char *three = "root m /x\nkeyfile /k\npeer a 1\npeer b 2\n"
		"peer c 3\nbarrier 3\n";
	const char *texts[] = { t, minimal, three,
				"root m /x\nkeyfile /k\npeer a 1\nbarrier 1\n", "root m /x\nkeyfile /k\nlisten :: 9\n"
				"logfacility none\n" };

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		struct repl_conf *c = NULL, *c2 = NULL;
		hb_diag *d = hb_diag_new();
		g_autofree char *d1 = NULL;
		g_autofree char *d2 = NULL;

		g_assert_cmpint(repl_conf_parse(texts[i], strlen(texts[i]), "r.conf",
						&c, d), ==, 0);
		d1 = repl_conf_dump(c);
		g_assert_cmpint(repl_conf_parse(d1, strlen(d1), "dump", &c2, d),
				==, 0);
		d2 = repl_conf_dump(c2);
		g_assert_cmpstr(d1, ==, d2);
		g_assert_nonnull(strstr(d1, "delta_threshold "));
		g_assert_nonnull(strstr(d1, "control "));
		g_assert_cmpuint(d->errors->len, ==, 0);
		hb_diag_free(d);
		repl_conf_free(c);
		repl_conf_free(c2);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/conf/good", test_good);
	g_test_add_func("/repl/conf/bad", test_bad);
	g_test_add_func("/repl/conf/dump", test_dump);
	g_test_add_func("/repl/conf/peers", test_peers);
	g_test_add_func("/repl/conf/barrier_policy", test_barrier_policy);
	return g_test_run();
}
