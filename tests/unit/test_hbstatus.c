/* test_hbstatus.c - hbd status: reply parsers, the verdict (exit code and
 * summary), and the text and JSON renderings. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hbstatus.h"

#define NODES "node1\tnormal\tactive\nnode2\tnormal\tactive\n" \
	"10.0.0.254\tping\tping\n"
#define RM_HERE "state\tstable\n" \
	"group\tIPaddr::10.0.0.50/24/eth0\tnode1\trunning\tno\tok\n"
#define REPL_SOURCE "role=source phase=stream queued=0 seq=120 acked=120 " \
	"ack_age_ms=300 watches=4 barriers=0 held=0 outq=0 bytes_out=9000\n"

/* A healthy two-node report as node1 sees it. */
static hbs_report *
healthy(void)
{
	hbs_report *r = hbs_report_new();

	r->hbd_reachable = TRUE;
	r->self = g_strdup("node1");
	hbs_parse_nodes(r, NODES);
	hbs_parse_links(r, "node1", "eth0\tup\neth1\tup\n");
	hbs_parse_links(r, "node2", "eth0\tup\neth1\tup\n");
	hbs_parse_rmstatus(r, RM_HERE);
	r->repl.configured = TRUE;
	r->repl.where = g_strdup("/run/replicate.sock");
	hbs_parse_repl(r, REPL_SOURCE);
	return r;
}

static void
test_healthy(void)
{
	g_autoptr(hbs_report) r = healthy();
	g_autoptr(GString) out = g_string_new(NULL);

	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_OK);
	g_assert_cmpuint(r->problems->len, ==, 0);
	g_assert_cmpstr(r->summary, ==, "HBD OK - 2 nodes active, 1 of 1 "
			"groups held, replication streaming");
	hbs_format_text(r, out);
	/* the summary line comes first */
	g_assert_true(g_str_has_prefix(out->str, "HBD OK - "));
	g_assert_nonnull(strstr(out->str, "node node1: active (this node)"));
	g_assert_nonnull(strstr(out->str, "    link eth1: up\n"));
	g_assert_nonnull(strstr(out->str, "ping node 10.0.0.254: ping"));
	g_assert_nonnull(strstr(out->str, "IPaddr::10.0.0.50/24/eth0 (prefers "
				"node1): held by node1\n"));
	g_assert_nonnull(strstr(out->str, "Replication: source, session stream "
				"(up)\n"));
	g_assert_nonnull(strstr(out->str, "lag 0 operations (seq 120, acked "
				"120), last ack 0.3 s ago"));
}

static void
test_peer_dead(void)
{
	g_autoptr(hbs_report) r = hbs_report_new();

	r->hbd_reachable = TRUE;
	r->self = g_strdup("node2");
	hbs_parse_nodes(r, "node1\tnormal\tdead\nnode2\tnormal\tactive\n");
	hbs_parse_links(r, "node1", "eth0\tdead\n");
	hbs_parse_rmstatus(r, "state\tstable\ngroup\tk1\tnode1\trunning\tno\tok\n");
	r->repl.configured = TRUE;
	r->repl.where = g_strdup("s");
	hbs_parse_repl(r, "role=source phase=down queued=3 seq=10 acked=7 "
		       "ack_age_ms=-1 watches=1\n");
	hbs_parse_fencing(r, "1765000000000\tnode2\tnode1\tOK\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_CRITICAL);
	g_assert_cmpstr(g_ptr_array_index(r->problems, 0), ==, "node node1 dead");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 1), ==, "accepting alone: "
			"the replication source has no replica session");
	g_assert_cmpuint(r->problems->len, ==, 2);	/* dead links not repeated */
	g_assert_true(g_str_has_prefix(r->summary, "HBD CRITICAL - node node1 "
				       "dead; accepting alone"));
	g_assert_cmpstr(((hbs_group *)g_ptr_array_index(r->groups, 0))->holder,
			==, "node2");
	g_assert_cmpint(r->repl.ack_age_ms, ==, -1);
	{
		g_autoptr(GString) out = g_string_new(NULL);

		hbs_format_text(r, out);
		g_assert_nonnull(strstr(out->str, "node2: node node1 reset by "
					"STONITH\n"));
		g_assert_nonnull(strstr(out->str, "session down (DOWN)"));
		g_assert_nonnull(strstr(out->str, "no ack yet"));
	}
}

/* Only degradations: a dead link, a ping node gone, a failed start, an
 * old acknowledgement with operations waiting. */
static void
test_degraded(void)
{
	g_autoptr(hbs_report) r = hbs_report_new();

	r->hbd_reachable = TRUE;
	r->self = g_strdup("node1");
	hbs_parse_nodes(r, "node1\tnormal\tactive\nnode2\tnormal\tactive\n"
			"gw\tping\tdead\n");
	hbs_parse_links(r, "node2", "eth0\tup\neth1\tdead\n");
	hbs_parse_rmstatus(r, "state\tstable\n"
			   "group\tk1\tnode1\trunning\tno\tok\n"
			   "group\tk2\tnode2\tstopped\tyes\tfailed\n");
	r->repl.configured = TRUE;
	r->repl.where = g_strdup("s");
	hbs_parse_repl(r, "role=source phase=stream queued=0 seq=50 acked=40 "
		       "ack_age_ms=45000\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_WARNING);
	g_assert_cmpuint(r->problems->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(r->problems, 0), ==, "link node2:eth1 "
			"dead");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 1), ==, "ping node gw "
			"unreachable");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 2), ==, "group k2 failed "
			"to start here");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 3), ==, "replica has not "
			"acknowledged for 45 s (10 operations waiting)");
	g_assert_cmpstr(((hbs_group *)g_ptr_array_index(r->groups, 1))->holder,
			==, "node2");
	/* the same age with nothing waiting is fine */
	hbs_parse_repl(r, "role=source phase=stream seq=50 acked=50 "
		       "ack_age_ms=45000\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpuint(r->problems->len, ==, 3);
	/* several replicas: positions, not counts; the queue is what waits */
	hbs_parse_repl(r, "role=source phase=stream queued=7 seq=3145728 "
		       "acked=2097152 ack_age_ms=45000 watches=4 barriers=0 "
		       "held=0 outq=0 bytes_out=1 replicas=2 barrier=all\n"
		       "replica 10.0.0.2:7790 session=stream queued=0 sent=3145728 "
		       "acked=3145728 ack_age_ms=10 outq=0\n"
		       "replica 10.0.0.3:7790 session=stream queued=7 sent=2097152 "
		       "acked=2097152 ack_age_ms=45000 outq=0\n");
	g_assert_cmpint(r->repl.replicas, ==, 2);
	g_assert_cmpint(r->repl.seq, ==, 3145728);	/* the first line's */
	hbs_evaluate(r, 30000);
	g_assert_cmpuint(r->problems->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(r->problems, 3), ==, "a replica has "
			"not acknowledged for 45 s (7 operations queued)");
	{
		g_autoptr(GString) out = g_string_new(NULL);

		hbs_format_text(r, out);
		g_assert_nonnull(strstr(out->str, "  2 replicas, queued 7 for the "
					"slowest (position 3145728, acked 2097152)"));
		g_assert_null(strstr(out->str, "operations (seq"));
		g_string_truncate(out, 0);
		hbs_format_json(r, out);
		g_assert_nonnull(strstr(out->str, "\"replicas\":2,\"queued\":7,"));
		g_assert_nonnull(strstr(out->str, "\"lag\":null,"));
	}
}

static void
test_groups(void)
{
	g_autoptr(hbs_report) r = hbs_report_new();

	r->hbd_reachable = TRUE;
	r->self = g_strdup("node1");
	hbs_parse_nodes(r, "node1\tnormal\tactive\nnode2\tnormal\tactive\n");
	hbs_parse_rmstatus(r, "state\ttransition\n"
			   "group\tk1\tnode1\tstarting\tno\tok\n"
			   "group\tk2\tnode2\tstopped\tno\tok\n"
			   "group\tk3\tnode1\trunning\tyes\tok\n"
			   "group\tbroken line\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpuint(r->groups->len, ==, 3);
	g_assert_cmpint(r->level, ==, HBS_CRITICAL);
	g_assert_cmpstr(g_ptr_array_index(r->problems, 0), ==,
			"resources in transition (resource manager transition)");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 1), ==,
			"group k1 starting here");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 2), ==,
			"group k2 stopped (held by no node)");
	g_assert_cmpstr(g_ptr_array_index(r->problems, 3), ==,
			"group k3 held by both nodes");
	g_assert_cmpstr(((hbs_group *)g_ptr_array_index(r->groups, 0))->holder,
			==, "transition");
	g_assert_cmpstr(((hbs_group *)g_ptr_array_index(r->groups, 1))->holder,
			==, "stopped");
	/* fencing is critical */
	hbs_parse_rmstatus(r, "state\tfencing\n");
	g_ptr_array_set_size(r->groups, 0);
	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_CRITICAL);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(r->problems, 0),
				       "fencing node2: "));
}

static void
test_unreachable(void)
{
	g_autoptr(hbs_report) r = hbs_report_new();
	g_autoptr(GString) out = g_string_new(NULL);

	r->hbd_reachable = FALSE;
	r->hbd_where = g_strdup("/run/hbd.sock");
	r->repl.configured = TRUE;
	r->repl.where = g_strdup("/run/r.sock");
	r->repl.error = g_strdup("/run/r.sock: Connection refused");
	hbs_evaluate(r, 30000);
	/* unknown wins over the critical replication problem */
	g_assert_cmpint(r->level, ==, HBS_UNKNOWN);
	g_assert_cmpstr(r->summary, ==, "HBD UNKNOWN - hbd not reachable at "
			"/run/hbd.sock; replication down: /run/r.sock: "
			"Connection refused");
	hbs_format_text(r, out);
	g_assert_nonnull(strstr(out->str, "Replication: DOWN (/run/r.sock: "));
	g_assert_null(strstr(out->str, "Nodes:"));
}

static void
test_replica(void)
{
	g_autoptr(hbs_report) r = healthy();

	hbs_parse_repl(r, "role=replica session=10.0.0.1:7790 applied=99 "
		       "dirty=0\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_OK);
	g_assert_true(r->repl.session_up);
	g_assert_cmpint(r->repl.applied, ==, 99);
	g_assert_true(g_str_has_suffix(r->summary, ", replica receiving"));
	hbs_parse_repl(r, "role=replica session=none applied=99 dirty=1\n");
	hbs_evaluate(r, 30000);
	g_assert_cmpint(r->level, ==, HBS_WARNING);
	g_assert_cmpstr(r->summary, ==, "HBD WARNING - replica has no session: "
			"no source sends to this node");
	/* an answer that is not a status: replication down */
	hbs_parse_repl(r, "ERR unknown command\n");
	hbs_evaluate(r, 30000);
	g_assert_false(r->repl.reachable);
	g_assert_cmpint(r->level, ==, HBS_CRITICAL);
	g_assert_nonnull(strstr(r->summary, "unexpected answer \"ERR unknown "
				"command\""));
}

/* Bad or hostile replies: ignored line by line, never a crash. */
static void
test_bad_input(void)
{
	g_autoptr(hbs_report) r = hbs_report_new();
	g_autoptr(GString) big = g_string_new(NULL);
	int i;

	r->hbd_reachable = TRUE;
	hbs_parse_nodes(r, "\n\t\t\nonly\ttwo\n\tnormal\tactive\nx\ty\tz\tw\n");
	g_assert_cmpuint(r->nodes->len, ==, 0);
	hbs_parse_nodes(r, NULL);
	hbs_parse_links(r, "nosuchnode", "eth0\tup\n");
	hbs_parse_fencing(r, "notanumber\ta\tb\tOK\n");
	g_assert_cmpuint(r->fencing->len, ==, 1);
	g_assert_cmpint(((hbs_fence *)g_ptr_array_index(r->fencing, 0))->time_ms,
			==, 0);
	hbs_parse_repl(r, "role=source seq=99999999999999999999999 acked=-4 "
		       "=x role=replica phase\n");
	g_assert_cmpstr(r->repl.role, ==, "source");
	g_assert_cmpint(r->repl.seq, ==, -1);
	for (i = 0; i < 1000; i++)
		g_string_append_printf(big, "n%d\tnormal\tactive\n", i);
	hbs_parse_nodes(r, big->str);
	g_assert_cmpuint(r->nodes->len, ==, HBS_MAXITEMS);
	hbs_evaluate(r, 1000);
	g_assert_cmpint(r->level, ==, HBS_OK);
}

static void
test_json(void)
{
	g_autoptr(hbs_report) r = healthy();
	g_autoptr(GString) out = g_string_new(NULL);

	hbs_parse_events(r, "1765000000123\tWARN\tsays \"hi\" \\ \x01 \xff\n");
	hbs_evaluate(r, 30000);
	hbs_format_json(r, out);
	g_assert_true(g_str_has_prefix(out->str, "{\"level\":\"OK\",\"code\":0,"
				       "\"summary\":\"HBD OK - "));
	g_assert_nonnull(strstr(out->str, "\"hbd\":{\"reachable\":true,"
				"\"socket\":null}"));
	g_assert_nonnull(strstr(out->str, "{\"name\":\"node2\",\"type\":"
				"\"normal\",\"status\":\"active\",\"self\":false,"
				"\"links\":[{\"name\":\"eth0\",\"up\":true},"));
	g_assert_nonnull(strstr(out->str, "\"holder\":\"node1\""));
	g_assert_nonnull(strstr(out->str, "\"lag\":0,\"applied\":null,"
				"\"ack_age_ms\":300}"));
	/* escaped, and valid UTF-8 */
	g_assert_nonnull(strstr(out->str, "\"text\":\"says \\\"hi\\\" \\\\ "
				"\\u0001 \xef\xbf\xbd\"}"));
	g_assert_true(g_utf8_validate(out->str, -1, NULL));
	g_assert_true(g_str_has_suffix(out->str, "]}\n"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hbstatus/healthy", test_healthy);
	g_test_add_func("/hbstatus/peer-dead", test_peer_dead);
	g_test_add_func("/hbstatus/degraded", test_degraded);
	g_test_add_func("/hbstatus/groups", test_groups);
	g_test_add_func("/hbstatus/unreachable", test_unreachable);
	g_test_add_func("/hbstatus/replica", test_replica);
	g_test_add_func("/hbstatus/bad-input", test_bad_input);
	g_test_add_func("/hbstatus/json", test_json);
	return g_test_run();
}
