/*
 * status.c - "hbd status": ask hbd's and replicate's control sockets and
 * print the one-screen status (model, verdict and output in hbstatus.c).
 *
 * Exit codes are the verdict's (Nagios): 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN (hbd not reachable, or a usage error).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "ctlclient.h"
#include "diag.h"
#include "fileread.h"
#include "hbstatus.h"
#include "repl-conf.h"
#include "status.h"

#define STATUS_EVENTS 10
#define STATUS_ACK_WARN_S 30

static void
status_usage(FILE *f)
{
	fprintf(f,
		"usage: hbd status [-j] [-c confdir] [-s socket] [-r CONF|SOCKET|none]\n"
		"                  [-e events] [-w ack-warn-seconds]\n");
}

/* One hbd request; rc < 0 marks hbd unreachable. */
static char *
ask(hbs_report *r, const char *req)
{
	char *data = NULL;
	int rc;

	if (!r->hbd_reachable)
		return NULL;
	rc = hbd_ctl_ask(req, &data);
	if (rc < 0) {
		r->hbd_reachable = FALSE;
		return NULL;
	}
	if (rc != 0)	/* an older hbd without this request */
		g_clear_pointer(&data, g_free);
	return data;
}

static void
gather_hbd(hbs_report *r, int events)
{
	g_autofree char *self = NULL, *nodes = NULL, *rm = NULL, *fence = NULL,
		*ev = NULL, *evreq = g_strdup_printf("events %d", events);
	guint i;

	r->hbd_reachable = TRUE;
	self = ask(r, "localnode");
	if (self != NULL) {
		g_strstrip(self);
		r->self = g_strdup(self);
	}
	nodes = ask(r, "nodes");
	hbs_parse_nodes(r, nodes);
	for (i = 0; i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);
		g_autofree char *req = g_strdup_printf("links %s", n->name);
		g_autofree char *links = NULL;

		if (strcmp(n->type, "ping") == 0)
			continue;
		links = ask(r, req);
		hbs_parse_links(r, n->name, links);
	}
	rm = ask(r, "rmstatus");
	hbs_parse_rmstatus(r, rm);
	fence = ask(r, "fencing");
	hbs_parse_fencing(r, fence);
	if (events > 0) {
		ev = ask(r, evreq);
		hbs_parse_events(r, ev);
	}
}

/* Finds replicate's control socket: -r names a socket or a replicate.conf
 * (its "control"); without -r, CONFDIR/replicate.conf when it exists. */
static void
gather_repl(hbs_report *r, const char *opt, const char *confdir)
{
	hbs_repl *p = &r->repl;
	g_autofree char *conf = NULL, *text = NULL, *reply = NULL;
	struct repl_conf *rc = NULL;
	hb_diag *d;
	struct stat st;
	size_t len;
	int e;

	if (opt != NULL && strcmp(opt, "none") == 0)
		return;
	if (opt != NULL && stat(opt, &st) == 0 && S_ISSOCK(st.st_mode)) {
		p->configured = TRUE;
		p->where = g_strdup(opt);
	} else {
		conf = opt ? g_strdup(opt) :
			g_build_filename(confdir, "replicate.conf", NULL);
		if (opt == NULL && !g_file_test(conf, G_FILE_TEST_EXISTS))
			return;
		p->configured = TRUE;
		p->where = g_strdup(conf);
		d = hb_diag_new();
		e = hb_file_read(conf, REPL_CONF_MAXFILE, 0, &text, &len, NULL,
				 d);
		if (e == 0)
			e = repl_conf_parse(text, len, conf, &rc, d);
		if (e != 0) {
			p->error = g_strdup(d->errors->len > 0 ?
					    (char *)d->errors->pdata[0] :
					    "invalid configuration");
			hb_diag_free(d);
			return;
		}
		hb_diag_free(d);
		g_free(p->where);
		p->where = g_strdup(rc->control);
		repl_conf_free(rc);
	}
	e = hbd_ctl_raw(p->where, "STATUS", HBD_CTL_TIMEOUT_MS, &reply);
	if (e != 0) {
		p->error = g_strdup_printf("%s: %s", p->where, g_strerror(-e));
		return;
	}
	if (*reply == '\0') {
		p->error = g_strdup_printf("%s: closed without an answer",
					   p->where);
		return;
	}
	hbs_parse_repl(r, reply);
}

int
hbd_status_main(int argc, char **argv, const char *confdir_default)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "confdir", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "replicate", required_argument, NULL, 'r' },
		{ "events", required_argument, NULL, 'e' },
		{ "ack-warn", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *confdir = confdir_default, *repl = NULL;
	g_autoptr(hbs_report) r = hbs_report_new();
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean json = FALSE;
	guint64 events = STATUS_EVENTS, warn_s = STATUS_ACK_WARN_S;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jc:s:r:e:w:h", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'j': json = TRUE; break;
		case 'c': confdir = optarg; break;
		case 's': g_setenv("HBD_CONTROL", optarg, TRUE); break;
		case 'r': repl = optarg; break;
		case 'e':
			if (!g_ascii_string_to_unsigned(optarg, 10, 0, 1000,
							&events, NULL)) {
				fprintf(stderr, "hbd status: -e wants 0..1000\n");
				return HBS_UNKNOWN;
			}
			break;
		case 'w':
			if (!g_ascii_string_to_unsigned(optarg, 10, 1, 86400,
							&warn_s, NULL)) {
				fprintf(stderr, "hbd status: -w wants 1..86400 "
					"seconds\n");
				return HBS_UNKNOWN;
			}
			break;
		case 'h': status_usage(stdout); return 0;
		default: status_usage(stderr); return HBS_UNKNOWN;
		}
	}
	if (optind < argc) {
		status_usage(stderr);
		return HBS_UNKNOWN;
	}
	r->hbd_where = g_strdup(g_getenv("HBD_CONTROL") ?
				g_getenv("HBD_CONTROL") : HB_RUNDIR "/hbd.sock");
	gather_hbd(r, (int)events);
	gather_repl(r, repl, confdir);
	hbs_evaluate(r, (gint64)warn_s * 1000);
	if (json)
		hbs_format_json(r, out);
	else
		hbs_format_text(r, out);
	fputs(out->str, stdout);
	return r->level;
}
