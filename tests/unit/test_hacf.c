/*
 * test_hacf.c - unit tests of the ha.cf parser: time syntax, defaults
 * (against `heartbeat -D` when installed), exact error texts, dump round
 * trips, golden files (tests/golden/hacf/), the ha.d samples, and that
 * every table directive is documented in doc/man/ha.cf.5.
 *
 * HB_GOLDEN_UPDATE=1 rewrites the golden .out files instead of comparing.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "hacf.h"
#include "hacf-private.h"
#include "hb_err.h"

#define MEDIA "bcast eth0\n"
#define NODES "node alpha beta\n"

static char *
srcpath(const char *rel)
{
	const char *top = g_getenv("G_TEST_SRCDIR");

	return g_build_filename(top ? top : ".", rel, NULL);
}

/* Parses text; returns rc; *out_d owned by caller. */
static int
parse(const char *text, const char *local, hb_config **out, hb_diag **out_d)
{
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;
	int rc = hb_config_parse("ha.cf", text, strlen(text), local, &c, d);

	*out_d = d;
	if (out != NULL)
		*out = c;
	else
		hb_config_free(c);
	return rc;
}

static char *
diag_text(const hb_diag *d)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < d->errors->len; i++)
		g_string_append_printf(s, "E %s\n", (char *)d->errors->pdata[i]);
	for (i = 0; i < d->warnings->len; i++)
		g_string_append_printf(s, "W %s\n",
				       (char *)d->warnings->pdata[i]);
	return g_string_free(s, FALSE);
}

static void
test_msec(void)
{
	static const struct {
		const char *in;
		gboolean ok;
		guint ms;
	} t[] = {
		{ "2", TRUE, 2000 }, { "1.5", TRUE, 1500 },
		{ "500ms", TRUE, 500 }, { "1500ms", TRUE, 1500 },
		{ "0.2", TRUE, 200 }, { ".5", TRUE, 500 },
		{ "2.", TRUE, 2000 }, { "0", TRUE, 0 },
		{ "1500us", TRUE, 2 }, { "1499usec", TRUE, 1 },
		{ "400us", TRUE, 0 }, { "0.0005", TRUE, 1 },
		{ "1.5ms", TRUE, 2 }, { "30", TRUE, 30000 },
		{ "10s", FALSE, 0 }, { "", FALSE, 0 }, { ".", FALSE, 0 },
		{ "1.2.3", FALSE, 0 }, { "-1", FALSE, 0 }, { "1 ", FALSE, 0 },
		{ "ms", FALSE, 0 }, { "5m", FALSE, 0 }, { "5msec", FALSE, 0 },
		{ "99999999999999999999", FALSE, 0 },
		{ "1e3", FALSE, 0 }, { "0x10", FALSE, 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		guint ms = 4242;
		gboolean ok = hb_parse_msec(t[i].in, &ms);

		g_test_message("time [%s]", t[i].in);
		g_assert_cmpint(ok, ==, t[i].ok);
		if (ok)
			g_assert_cmpuint(ms, ==, t[i].ms);
		else
			g_assert_cmpuint(ms, ==, 4242);
	}
}

/* The table `heartbeat -D` printed on Debian 12 (3.0.6-13+b2). */
static const char *const hb_defaults[][2] = {
	{ "cluster", "linux-ha" }, { "hopfudge", "1" },
	{ "keepalive", "1000ms" }, { "deadtime", "30000ms" },
	{ "baud", "19200" }, { "auto_failback", "legacy" },
	{ "hbgenmethod", "file" }, { "realtime", "true" },
	{ "msgfmt", "classic" }, { "conn_logd_time", "60" },
	{ "log_badpack", "true" }, { "syslogmsgfmt", "true" },
	{ "coredumps", "true" }, { "pacemaker", "false" },
	{ "autojoin", "none" }, { "uuidfrom", "file" },
	{ "compression", "zlib" }, { "compression_threshold", "2" },
	{ "traditional_compression", "no" }, { "max_rexmit_delay", "250" },
	{ "record_config_changes", "on" }, { "record_pengine_inputs", "on" },
	{ "enable_config_writes", "on" }, { "memreserve", "6500" },
};

static void
test_defaults(void)
{
	hb_config *c;
	hb_diag *d;
	size_t i;
	const hacf_dir *dp;
	int ndef = 0;

	g_assert_cmpint(parse(NODES MEDIA, "alpha", &c, &d), ==, 0);
	g_assert_cmpuint(d->warnings->len, ==, 0);
	for (i = 0; i < G_N_ELEMENTS(hb_defaults); i++) {
		g_test_message("default %s", hb_defaults[i][0]);
		g_assert_cmpstr(g_hash_table_lookup(c->recorded,
						    hb_defaults[i][0]), ==,
				hb_defaults[i][1]);
	}
	/* and the table holds exactly these defaults */
	for (dp = hacf_dirs; dp->name != NULL; dp++)
		if (dp->def != NULL)
			ndef++;
	g_assert_cmpint(ndef, ==, (int)G_N_ELEMENTS(hb_defaults));
	g_assert_cmpuint(c->keepalive_ms, ==, 1000);
	g_assert_cmpuint(c->deadtime_ms, ==, 30000);
	g_assert_cmpuint(c->warntime_ms, ==, 15000);
	g_assert_cmpuint(c->initdead_ms, ==, 30000);
	g_assert_cmpuint(c->deadping_ms, ==, 30000);
	g_assert_cmpint(c->udpport, ==, 694);
	g_assert_cmpint(c->baud, ==, 19200);
	g_assert_cmpint(c->hopfudge, ==, 1);
	g_assert_cmpint(c->auto_failback, ==, HB_FAILBACK_LEGACY);
	g_assert_cmpint(c->logfacility, ==, -1);
	g_assert_cmpuint(c->max_rexmit_delay_ms, ==, 250);
	g_assert_cmpstr(g_hash_table_lookup(c->recorded, "warntime"), ==,
			"15000ms");
	g_assert_cmpstr(g_hash_table_lookup(c->recorded, "udpport"), ==,
			"694");
	g_assert_cmpstr(g_hash_table_lookup(c->recorded, "debug"), ==, "0");
	g_assert_null(c->stonith);
	hb_config_free(c);
	hb_diag_free(d);
}

/* Compares with the live `heartbeat -D` when Heartbeat is installed. */
static void
test_defaults_live(void)
{
	const char *hb = "/usr/libexec/heartbeat/heartbeat";
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	int status, i, seen = 0;
	hb_config *c;
	hb_diag *d;

	if (!g_file_test(hb, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("heartbeat 3.0.6 not installed");
		return;
	}
	{
		char *argv[] = { (char *)hb, (char *)"-D", NULL };

		g_assert_true(g_spawn_sync(NULL, argv, NULL,
			G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
			&status, NULL));
	}
	g_assert_cmpint(parse(NODES MEDIA, NULL, &c, &d), ==, 0);
	lines = g_strsplit(out, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) w = g_strsplit_set(lines[i], " ", -1);
		const char *name = NULL, *def = NULL;
		int j;

		for (j = 0; w[j] != NULL; j++) {
			if (w[j][0] == '\0')
				continue;
			if (name == NULL)
				name = w[j];
			else if (def == NULL)
				def = w[j];
		}
		if (name == NULL || def == NULL || strcmp(name, "Directive")
		    == 0 || name[0] == '-')
			continue;
		g_test_message("heartbeat -D: %s %s", name, def);
		g_assert_nonnull(hacf_dir_lookup(name));
		g_assert_cmpstr(hacf_dir_lookup(name)->def, ==, def);
		g_assert_cmpstr(g_hash_table_lookup(c->recorded, name), ==,
				def);
		seen++;
	}
	g_assert_cmpint(seen, ==, (int)G_N_ELEMENTS(hb_defaults));
	hb_config_free(c);
	hb_diag_free(d);
}

/* Input -> exact diagnostics ("E "/"W " prefixed, errors first). */
static const struct {
	const char *in;
	const char *local;
	const char *diag;
} err_cases[] = {
	{ NODES MEDIA "frobnicate 1\n", NULL,
	  "E ha.cf:3: Illegal directive [frobnicate]\n" },
	{ NODES MEDIA "Keepalive 2\n", NULL,
	  "E ha.cf:3: Illegal directive [Keepalive]\n" },
	{ NODES MEDIA "keepalive 2\ndeadtime 3\n", NULL,
	  "E ha.cf:4: Dead time [3000] is too small compared to keepalive "
	  "[2000]\n" },
	{ NODES MEDIA "keepalive 10s\n", NULL,
	  "E ha.cf:3: Invalid time [10s] for keepalive (seconds, or a number "
	  "with ms or us; no \"s\" suffix)\n" },
	{ NODES MEDIA "deadtime 10\ninitdead 5\n", NULL,
	  "E ha.cf:4: Initial dead time [5000] is smaller than deadtime "
	  "[10000]\n" },
	{ NODES MEDIA "deadtime 5\ninitdead 6\n", NULL,
	  "W ha.cf:4: Initial dead time [6000 ms] may be too small! It "
	  "should be >= deadtime and >= 10 seconds\n" },
	{ NODES MEDIA "keepalive 2\ndeadping 4\ndeadtime 10\n", NULL,
	  "E ha.cf:4: Ping dead time [4000] is too small compared to keepalive "
	  "[2000]\n" },
	{ NODES, NULL, "E ha.cf: No heartbeat media defined\n" },
	{ MEDIA, NULL, "E ha.cf: no nodes defined\n" },
	{ NODES MEDIA, "gamma",
	  "E ha.cf: Current node [gamma] not in configuration!\n" },
	{ "node Alpha BETA\n" MEDIA, "beta", "" },
	{ NODES "mcast eth0 239.0.0.1 694 1\n", NULL,
	  "E ha.cf:2: mcast needs 5 arguments: dev group port ttl loop "
	  "(got 4)\nE ha.cf: No heartbeat media defined\n" },
	{ NODES MEDIA "mcast eth0 239.0.0.1 694 5 0\n", NULL,
	  "E ha.cf:3: mcast: bad ttl [5] (0..4)\n" },
	{ NODES MEDIA "mcast eth0 10.0.0.1 0 1 2\n", NULL,
	  "E ha.cf:3: mcast: [10.0.0.1] is not an IPv4 multicast group\n"
	  "E ha.cf:3: mcast: bad port [0] (1..65535)\n"
	  "E ha.cf:3: mcast: bad loop [2] (0 or 1)\n" },
	{ NODES MEDIA "baud 1234\n", NULL,
	  "E ha.cf:3: Serial baud rate [1234] is not supported (use 9600, "
	  "19200, 38400, 57600, 115200, 230400 or 460800)\n" },
	{ NODES MEDIA "baud 9600\nbaud 38400\n", NULL,
	  "E ha.cf:4: baud may be given only once\n" },
	{ NODES MEDIA "crm on\n", NULL,
	  "E ha.cf:3: crm [on]: hbd only does haresources (v1) resource "
	  "management; set \"crm off\"\n" },
	{ NODES MEDIA "pacemaker respawn\n", NULL,
	  "E ha.cf:3: pacemaker [respawn]: hbd only does haresources (v1) "
	  "resource management; set \"pacemaker off\"\n" },
	{ NODES MEDIA "crm no\npacemaker off\n", NULL,
	  "E ha.cf:4: pacemaker may be given only once (crm and pacemaker "
	  "are the same directive)\n" },
	{ NODES MEDIA "autojoin any\n", NULL,
	  "E ha.cf:3: R1 style resource management conflicts with autojoin "
	  "set [any]\n" },
	{ NODES "udp eth1\n", NULL,
	  "W ha.cf:2: directive 'udp' replaced by 'bcast'\n" },
	{ NODES MEDIA "logfacility local9\n", NULL,
	  "E ha.cf:3: Unknown syslog facility [local9]\n" },
	{ NODES MEDIA "respawn hacluster /usr/lib/heartbeat/ipfail\n", NULL,
	  "W ha.cf:3: directive respawn is accepted and ignored: hbd runs no "
	  "children of its own (ipfail is built in: use ping)\n" },
	{ NODES MEDIA "record_config_changes off\n", NULL,
	  "W ha.cf:3: directive record_config_changes is accepted and "
	  "ignored: Pacemaker-only option\n" },
	{ NODES MEDIA "mcast6 eth0 ff02::1 694 1 0\n", NULL,
	  "E ha.cf:3: directive mcast6 is not supported by hbd: no IPv6 "
	  "media\n" },
	{ NODES MEDIA "auto_failback maybe\n", NULL,
	  "E ha.cf:3: Invalid auto_failback value [maybe] (use on, off or "
	  "legacy)\n" },
	{ NODES MEDIA "realtime perhaps\n", NULL,
	  "E ha.cf:3: Invalid boolean [perhaps] for realtime (use on or "
	  "off)\n" },
	{ NODES MEDIA "udpport 70000\n", NULL,
	  "E ha.cf:3: udpport [70000] is out of range (1..65535)\n" },
	{ NODES MEDIA "hopfudge x\n", NULL,
	  "E ha.cf:3: Invalid integer [x] for hopfudge\n" },
	{ NODES MEDIA "keepalive\n", NULL,
	  "E ha.cf:3: keepalive needs a value\n" },
	{ NODES MEDIA "ucast eth0 peer.example.com\n", NULL,
	  "E ha.cf:3: ucast: [peer.example.com] is not an IPv4 address (hbd "
	  "does not resolve host names)\n" },
	{ NODES MEDIA "ucast eth0 10.0.0.2 10.0.0.3\n", NULL,
	  "W ha.cf:3: ucast takes one peer per line; ignoring [10.0.0.3] and "
	  "what follows\n" },
	{ NODES MEDIA "watchdog /dev/watchdog\nwatchdog /dev/watchdog1\n",
	  NULL, "E ha.cf:4: watchdog may be given only once\n" },
	{ NODES MEDIA "logfile ha-log\n", NULL,
	  "E ha.cf:3: logfile [ha-log] must be an absolute path\n" },
	{ NODES MEDIA "nice_failback on\n", NULL,
	  "W ha.cf:3: nice_failback is obsolete and ignored: use "
	  "auto_failback on|off|legacy\n" },
	{ NODES MEDIA "stonith external/ssh\n", NULL,
	  "E ha.cf:3: stonith needs 2 arguments: type config-file\n" },
	{ NODES MEDIA "ping 10.0.0.1 gw\n", NULL,
	  "E ha.cf:3: ping: [gw] is not an IPv4 address\n" },
	{ NODES MEDIA "ping_group grp\n", NULL,
	  "E ha.cf:3: ping_group needs a name and at least one address\n" },
	{ NODES MEDIA "ping 10.0.0.1\nping_group alpha 10.0.0.2\n"
	  "ping 10.0.0.1\n", NULL,
	  "E ha.cf: Duplicate node name [alpha] (ping node)\n"
	  "E ha.cf: Duplicate node name [10.0.0.1] (ping node)\n" },
	{ NODES MEDIA "node alpha\n", NULL,
	  "W ha.cf:3: node [alpha] listed more than once\n" },
	/* several errors in one pass, in file order, then global ones */
	{ "node a\nkeepalive 10s\nbogus\nmcast eth0 239.1.1.1 694 9 0\n",
	  "b",
	  "E ha.cf:2: Invalid time [10s] for keepalive (seconds, or a number "
	  "with ms or us; no \"s\" suffix)\n"
	  "E ha.cf:3: Illegal directive [bogus]\n"
	  "E ha.cf:4: mcast: bad ttl [9] (0..4)\n"
	  "E ha.cf: No heartbeat media defined\n"
	  "E ha.cf: Current node [b] not in configuration!\n" },
};

static void
test_errors(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(err_cases); i++) {
		hb_diag *d;
		hb_config *c = NULL;
		int rc = parse(err_cases[i].in, err_cases[i].local, &c, &d);
		g_autofree char *got = diag_text(d);

		g_test_message("case %zu", i);
		g_assert_cmpstr(got, ==, err_cases[i].diag);
		if (d->errors->len > 0) {
			g_assert_cmpint(rc, ==, HB_ECONFIG);
			g_assert_null(c);
		} else {
			g_assert_cmpint(rc, ==, 0);
			g_assert_nonnull(c);
		}
		hb_config_free(c);
		hb_diag_free(d);
	}
}

static void
test_nul_byte(void)
{
	static const char in[] = "node a\nbcast eth0\nkeepalive 1\0x\n";
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;

	g_assert_cmpint(hb_config_parse("ha.cf", in, sizeof(in) - 1, NULL, &c,
					d), ==, HB_ECONFIG);
	g_assert_cmpuint(d->errors->len, ==, 1);
	g_assert_cmpstr(d->errors->pdata[0], ==, "ha.cf:3: NUL byte in line");
	hb_diag_free(d);
}

/* Form feed and vertical tab separate tokens like blanks (found by
 * fuzz_hacf: a device ending in \f lost it when the dump was reparsed). */
static void
test_blanks(void)
{
	static const char in[] = "node a\nbcast eth0\f\vprod1\f\n"
		"keepalive\v2\r\n";
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;
	const hb_media_cfg *m0, *m1;

	g_assert_cmpint(hb_config_parse("ha.cf", in, sizeof(in) - 1, NULL, &c,
					d), ==, 0);
	g_assert_cmpuint(c->media->len, ==, 2);
	m0 = c->media->pdata[0];
	m1 = c->media->pdata[1];
	g_assert_cmpstr(m0->dev, ==, "eth0");
	g_assert_cmpstr(m1->dev, ==, "prod1");
	g_assert_cmpuint(c->keepalive_ms, ==, 2000);
	hb_config_free(c);
	hb_diag_free(d);
}

static void
test_too_big(void)
{
	gsize n = HB_HACF_MAXFILE + 1;
	char *big = g_malloc(n);
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;

	memset(big, '#', n);
	g_assert_cmpint(hb_config_parse("ha.cf", big, n, NULL, &c, d), ==,
			HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"ha.cf: file is larger than 1048576 bytes");
	g_free(big);
	hb_diag_free(d);
}

static void
test_nodes(void)
{
	GString *s = g_string_new(MEDIA);
	hb_config *c;
	hb_diag *d;
	int i;

	for (i = 0; i < 101; i++)
		g_string_append_printf(s, "node N%03d\n", i);
	g_assert_cmpint(parse(s->str, NULL, &c, &d), ==, HB_ECONFIG);
	g_assert_cmpuint(d->errors->len, ==, 1);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"ha.cf:102: Too many nodes in configuration (at most "
			"100)");
	hb_diag_free(d);
	g_string_free(s, TRUE);

	s = g_string_new(MEDIA "node a b\n");
	for (i = 0; i < 99; i++)
		g_string_append_printf(s, "ping 10.0.%d.%d\n", i / 200, i % 200);
	g_assert_cmpint(parse(s->str, NULL, &c, &d), ==, HB_ECONFIG);
	g_assert_cmpuint(d->errors->len, ==, 1);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"ha.cf: Too many nodes in configuration (at most 100, "
			"ping nodes included)");
	hb_diag_free(d);
	g_string_free(s, TRUE);

	g_assert_cmpint(parse("node A,B\tC # d e\n" MEDIA, "c", &c, &d), ==,
			0);
	g_assert_cmpuint(c->nodes->len, ==, 3);
	g_assert_cmpstr(c->nodes->pdata[0], ==, "a");
	g_assert_cmpstr(c->nodes->pdata[2], ==, "c");
	g_assert_true(hb_config_has_node(c, "B"));
	g_assert_false(hb_config_has_node(c, "d"));
	hb_config_free(c);
	hb_diag_free(d);
}

static void
test_values(void)
{
	hb_config *c;
	hb_diag *d;
	hb_media_cfg *m;
	hb_ping_cfg *p;
	const char *in =
		"  node alpha beta   # nodes\r\n"
		"keepalive 500ms\n"
		"deadtime 1.5, 3\n"		/* applied twice: last wins */
		"udpport 700\n"
		"ucast eth1 10.0.0.2\n"
		"udpport 701\n"
		"bcast eth2 eth3\n"
		"mcast eth4 239.1.2.3 800 1 0\n"
		"baud 38400\n"
		"serial /dev/ttyS0\n"
		"ping 10.0.0.254 10.0.0.253\n"
		"ping_group gw 10.1.0.1 10.1.0.2\n"
		"auto_failback ON\n"
		"logfacility local0\n"
		"debug 2\n"
		"msgfmt netstring\n"
		"hbgenmethod time\n"
		"uuidfrom nodename\n"
		"stonith_host beta external/ssh beta\n"
		"stonith_host * external/ipmi alpha 10.0.0.9 root pw lan\n"
		"stonith_host beta null x\n"
		"crm off\n";

	g_assert_cmpint(parse(in, "alpha", &c, &d), ==, 0);
	g_assert_cmpuint(c->keepalive_ms, ==, 500);
	g_assert_cmpuint(c->deadtime_ms, ==, 3000);
	g_assert_cmpuint(c->warntime_ms, ==, 1500);
	g_assert_cmpuint(c->initdead_ms, ==, 12000);
	g_assert_cmpstr(g_hash_table_lookup(c->recorded, "deadtime"), ==, "3");
	g_assert_cmpstr(g_hash_table_lookup(c->recorded, "initdead"), ==,
			"12000ms");
	g_assert_cmpuint(c->media->len, ==, 5);
	m = c->media->pdata[0];
	g_assert_cmpint(m->type, ==, HB_MEDIA_UCAST);
	g_assert_cmpint(m->port, ==, 700);
	g_assert_cmpint(m->line, ==, 5);
	g_assert_cmpstr(m->addr, ==, "10.0.0.2");
	m = c->media->pdata[2];
	g_assert_cmpstr(m->dev, ==, "eth3");
	g_assert_cmpint(m->port, ==, 701);
	m = c->media->pdata[3];
	g_assert_cmpint(m->type, ==, HB_MEDIA_MCAST);
	g_assert_cmpint(m->port, ==, 800);
	g_assert_cmpint(m->ttl, ==, 1);
	m = c->media->pdata[4];
	g_assert_cmpint(m->type, ==, HB_MEDIA_SERIAL);
	g_assert_cmpint(m->baud, ==, 38400);
	g_assert_cmpuint(c->pings->len, ==, 3);
	p = c->pings->pdata[2];
	g_assert_true(p->group);
	g_assert_cmpstr(p->name, ==, "gw");
	g_assert_cmpuint(p->addrs->len, ==, 2);
	g_assert_cmpint(c->auto_failback, ==, HB_FAILBACK_ON);
	g_assert_cmpint(c->logfacility, ==, LOG_LOCAL0);
	g_assert_cmpint(c->debug, ==, 2);
	g_assert_true(c->msgfmt_netstring);
	g_assert_true(c->hbgen_time);
	g_assert_true(c->uuid_from_name);
	/* beta's lines are not for alpha: the '*' line wins */
	g_assert_nonnull(c->stonith);
	g_assert_cmpstr(c->stonith->type, ==, "external/ipmi");
	g_assert_cmpstr(c->stonith->params, ==, "alpha 10.0.0.9 root pw lan");
	g_assert_null(c->stonith->file);
	hb_config_free(c);
	hb_diag_free(d);

	/* from beta, the last applicable line is its own */
	g_assert_cmpint(parse(in, "beta", &c, &d), ==, 0);
	g_assert_cmpstr(c->stonith->type, ==, "null");
	g_assert_cmpstr(c->stonith->params, ==, "x");
	hb_config_free(c);
	hb_diag_free(d);
}

static char *
dump_of(const char *text, const char *local)
{
	hb_config *c;
	hb_diag *d;
	GString *s = g_string_new(NULL);

	if (parse(text, local, &c, &d) != 0) {
		g_autofree char *t = diag_text(d);

		g_error("parse failed:\n%s", t);
	}
	hb_config_dump(c, s);
	hb_config_free(c);
	hb_diag_free(d);
	return g_string_free(s, FALSE);
}

static void
check_round_trip(const char *text, const char *local)
{
	g_autofree char *d1 = dump_of(text, local);
	g_autofree char *d2 = dump_of(d1, local);

	g_assert_cmpstr(d1, ==, d2);
}

static void
test_round_trip(void)
{
	check_round_trip(NODES MEDIA, "alpha");
	check_round_trip("node a b\nserial /dev/ttyS0\nbaud 57600\n"
			 "serial /dev/ttyS1\nudpport 1000\n", "a");
	check_round_trip("node a b\nudpport 1000\nucast eth0 10.0.0.1\n"
			 "udpport 694\nbcast eth1\nudpport 999\n"
			 "deadtime 7\nwarntime 6.5\nlogfile /var/log/ha-log\n"
			 "debugfile /var/log/ha-debug\nlogfacility daemon\n"
			 "watchdog /dev/watchdog\nstonith_host * ssh a b\n",
			 "a");
	check_round_trip("node a b\nmcast eth0 239.0.0.9 1234 4 1\n"
			 "ping_group g 10.0.0.1 10.0.0.2\nping 10.9.9.9\n"
			 "stonith external/ssh /etc/ha.d/st.cfg\n"
			 "auto_failback off\nkeepalive 1500us\n", "b");
}

/* Golden files: tests/golden/hacf/NAME.cf -> NAME.out.  A first line
 * "# local: NODE" gives the local node. */
static void
test_golden(void)
{
	g_autofree char *dir = srcpath("tests/golden/hacf");
	GDir *gd = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;
	gboolean update = g_getenv("HB_GOLDEN_UPDATE") != NULL;

	g_assert_nonnull(gd);
	while ((name = g_dir_read_name(gd)) != NULL) {
		g_autofree char *in = NULL, *want = NULL, *local = NULL;
		g_autofree char *inpath = NULL, *outpath = NULL, *base = NULL;
		g_autofree char *dtext = NULL;
		GString *got;
		hb_config *c = NULL;
		hb_diag *d;
		size_t len;
		int rc;

		if (!g_str_has_suffix(name, ".cf"))
			continue;
		d = hb_diag_new();
		inpath = g_build_filename(dir, name, NULL);
		base = g_strndup(name, strlen(name) - 3);
		outpath = g_strdup_printf("%s/%s.out", dir, base);
		g_assert_true(g_file_get_contents(inpath, &in, &len, NULL));
		if (g_str_has_prefix(in, "# local: ")) {
			local = g_strndup(in + 9, strcspn(in + 9, "\n"));
		}
		rc = hb_config_parse(name, in, len, local, &c, d);
		dtext = diag_text(d);
		got = g_string_new(NULL);
		g_string_append_printf(got, "rc %d\n%s", rc, dtext);
		if (rc == 0) {
			g_autofree char *again = NULL;

			g_string_append(got, "--- dump\n");
			hb_config_dump(c, got);
			again = dump_of(got->str + strlen("rc 0\n") +
					strlen(dtext) + strlen("--- dump\n"),
					local);
			g_assert_cmpstr(strstr(got->str, "--- dump\n") + 9,
					==, again);
		}
		if (update) {
			g_assert_true(g_file_set_contents(outpath, got->str,
							  -1, NULL));
		} else {
			g_assert_true(g_file_get_contents(outpath, &want, NULL,
							  NULL));
			g_test_message("golden %s", name);
			g_assert_cmpstr(got->str, ==, want);
		}
		g_string_free(got, TRUE);
		hb_config_free(c);
		hb_diag_free(d);
		n++;
	}
	g_dir_close(gd);
	g_assert_cmpint(n, >=, 8);
}

/* The shipped sample must load without errors or warnings. */
static void
test_sample(void)
{
	g_autofree char *path = srcpath("ha.d/ha.cf");
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;
	g_autofree char *t = NULL;

	g_assert_cmpint(hb_config_load(path, "mail1", &c, d), ==, 0);
	t = diag_text(d);
	g_assert_cmpstr(t, ==, "");
	g_assert_cmpuint(c->nodes->len, ==, 2);
	g_assert_cmpint(c->auto_failback, ==, HB_FAILBACK_OFF);
	hb_config_free(c);
	hb_diag_free(d);

	d = hb_diag_new();
	g_assert_cmpint(hb_config_load("/nonexistent/ha.cf", NULL, &c, d), ==,
			-ENOENT);
	g_assert_cmpstr(d->errors->pdata[0], ==, "/nonexistent/ha.cf: cannot "
			"open: No such file or directory");
	hb_diag_free(d);
}

/* Like Postfix's check-postconf-undocumented: every directive in the
 * table has a ".B name" entry in doc/man/ha.cf.5, and the page documents
 * nothing the table lacks. */
static void
test_manpage(void)
{
	g_autofree char *path = srcpath("doc/man/ha.cf.5");
	g_autofree char *man = NULL;
	g_auto(GStrv) lines = NULL;
	const hacf_dir *dp;
	int i, entries = 0;

	g_assert_true(g_file_get_contents(path, &man, NULL, NULL));
	for (dp = hacf_dirs; dp->name != NULL; dp++) {
		g_autofree char *pat = g_strdup_printf("\n.TP\n.B %s\n",
						       dp->name);
		g_autofree char *pat2 = g_strdup_printf("\n.TP\n.B %s ",
							dp->name);

		if (strstr(man, pat) == NULL && strstr(man, pat2) == NULL)
			g_error("directive %s is not documented in "
				"doc/man/ha.cf.5 (want \".TP\\n.B %s\")",
				dp->name, dp->name);
	}
	lines = g_strsplit(man, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		g_autofree char *nm = NULL;

		if (i == 0 || strcmp(lines[i - 1], ".TP") != 0 ||
		    !g_str_has_prefix(lines[i], ".B "))
			continue;
		nm = g_strndup(lines[i] + 3, strcspn(lines[i] + 3, " "));
		if (hacf_dir_lookup(nm) == NULL)
			g_error("doc/man/ha.cf.5 documents [%s], which is not "
				"in the directive table", nm);
		entries++;
	}
	g_assert_cmpint(entries, >=, 60);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hacf/msec", test_msec);
	g_test_add_func("/hacf/defaults", test_defaults);
	g_test_add_func("/hacf/defaults-live", test_defaults_live);
	g_test_add_func("/hacf/errors", test_errors);
	g_test_add_func("/hacf/nul-byte", test_nul_byte);
	g_test_add_func("/hacf/blanks", test_blanks);
	g_test_add_func("/hacf/too-big", test_too_big);
	g_test_add_func("/hacf/nodes", test_nodes);
	g_test_add_func("/hacf/values", test_values);
	g_test_add_func("/hacf/round-trip", test_round_trip);
	g_test_add_func("/hacf/golden", test_golden);
	g_test_add_func("/hacf/sample", test_sample);
	g_test_add_func("/hacf/manpage", test_manpage);
	return g_test_run();
}
