/*
 * repl-ctl.c - role switch, the source's connect timer, and the control
 * socket (repl-ctl.h).
 *
 * Invariants: the role is source exactly between a successful
 * become_source() and become_replica(); a SYNC client is answered once
 * (by the source's barrier).  Logs at err: a control socket that cannot
 * be served; notice: role changes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctlsock.h"
#include "hb_err.h"
#include "log.h"
#include "repl-conn.h"
#include "repl-ctl.h"
#include "repl-path.h"
#include "repl-replica.h"
#include "repl-source.h"

#define CTL_MAX_REPLY 4096

static struct {
	const struct repl_conf *conf;
	gboolean source;
	guint connect_timer;
	hb_ctl_server *srv;
} C;

static gboolean
connect_cb(gpointer d)
{
	(void)d;
	if (C.source)
		repl_source_connect();
	return G_SOURCE_CONTINUE;
}

static int
become_source(void)
{
	int r;

	if (C.source)
		return 0;
	repl_conn_close(repl_conn_session(), "becoming source");
	C.source = TRUE;
	repl_replica_set_active(FALSE);
	repl_replica_mark_dirty();
	r = repl_source_start(C.conf);
	if (r < 0)
		return r;
	connect_cb(NULL);
	return 0;
}

static void
become_replica(void)
{
	if (!C.source)
		return;
	repl_source_stop();	/* closes the sessions with the replicas */
	C.source = FALSE;
	repl_replica_set_active(TRUE);
	hb_log(LOG_NOTICE, "replica role");
}

static void
barrier_reply(const char *text, void *ctx)
{
	hb_ctl_client_reply(ctx, text);
}

/* "ROLE replica planned": a planned move's end of this source in one
 * request (one command less to fork on the move's path): a final barrier,
 * then the replica role; at most HANDOVER_SECS, and never while the
 * session is down (the peer would miss what only this node has).  On a
 * failure it stays the source. */
#define HANDOVER_SECS 10

struct handover {
	hb_ctl_client *cl;
	guint timer;
	gboolean timed_out;
};

static gboolean
handover_timeout(gpointer d)
{
	struct handover *h = d;

	h->timer = 0;
	h->timed_out = TRUE;	/* the barrier's reply frees h */
	hb_log(LOG_ERR, "planned handover: the final barrier was not "
	       "confirmed in %d s; staying the source", HANDOVER_SECS);
	hb_ctl_client_reply(h->cl, "ERR final barrier not confirmed in time\n");
	return G_SOURCE_REMOVE;
}

/* After the barrier's reply (become_replica() stops the source, which
 * answers its barriers: not from inside one's callback). */
static gboolean
handover_finish(gpointer d)
{
	struct handover *h = d;
	g_autofree char *reply = NULL;
	guint64 pos = 0;
	gboolean clean = FALSE;

	if (C.source) {
		clean = repl_source_in_sync(&pos);
		become_replica();
		if (clean)
			repl_replica_handover_clean(pos);
	}
	reply = clean ? g_strdup_printf("OK in sync at %" G_GUINT64_FORMAT
					"\n", pos) : g_strdup("OK\n");
	hb_ctl_client_reply(h->cl, reply);
	g_free(h);
	return G_SOURCE_REMOVE;
}

static void
handover_barrier_cb(const char *text, void *ctx)
{
	struct handover *h = ctx;
	g_autofree char *reply = NULL;

	if (h->timed_out) {
		g_free(h);
		return;
	}
	g_source_remove(h->timer);
	h->timer = 0;
	if (strncmp(text, "OK ", 3) == 0 && strcmp(text, "OK async\n") != 0) {
		g_idle_add(handover_finish, h);
		return;
	}
	reply = g_strdup_printf("ERR final barrier: %s", text);
	hb_log(LOG_ERR, "planned handover: final barrier failed (%.*s); "
	       "staying the source", (int)strcspn(text, "\n"), text);
	hb_ctl_client_reply(h->cl, reply);
	g_free(h);
}

static void
handover_start(hb_ctl_client *cl)
{
	struct handover *h;

	if (!C.source) {
		hb_ctl_client_reply(cl, "OK\n");
		return;
	}
	if (C.conf->async || !repl_source_session_up()) {
		hb_ctl_client_reply(cl, C.conf->async ?
			"ERR async mode: no final barrier\n" :
			"ERR session down: the peer would miss what only this "
			"node has\n");
		return;
	}
	h = g_new0(struct handover, 1);
	h->cl = cl;
	h->timer = g_timeout_add_seconds(HANDOVER_SECS, handover_timeout, h);
	repl_source_barrier("", handover_barrier_cb, h);
}

static void
request_cb(hb_ctl_client *cl, const char *line, void *ud)
{
	g_autofree char *dyn = NULL;
	const char *reply;

	(void)ud;
	if (!strncmp(line, "SYNC", 4) && (line[4] == '\0' || line[4] == ' ')) {
		const char *p = line[4] ? line + 5 : "";

		if (!C.source) {
			reply = "ERR not the source\n";
		} else if (*p && !repl_path_valid(p, strlen(p))) {
			reply = "ERR bad path\n";
		} else {
			repl_source_barrier(p, barrier_reply, cl);
			return;		/* answered by the barrier */
		}
	} else if (!strcmp(line, "STATUS")) {
		reply = dyn = C.source ? repl_source_status() :
			      repl_replica_status();
	} else if (!strcmp(line, "ROLE source") ||
		   !strcmp(line, "ROLE source planned")) {
		reply = become_source() ? "ERR cannot start watching\n" : "OK\n";
		if (line[11] != '\0' && C.source)
			repl_source_handover(repl_replica_position());
	} else if (!strcmp(line, "ROLE replica planned")) {
		handover_start(cl);
		return;
	} else if (!strcmp(line, "ROLE replica")) {
		become_replica();
		reply = "OK\n";
	} else {
		reply = "ERR unknown command\n";
	}
	hb_ctl_client_reply(cl, reply);
}

int
repl_ctl_start(const struct repl_conf *conf)
{
	static const struct hb_ctl_limits lim = {
		.max_line = REPL_MAX_PATH + 64,
		.max_clients = 4096,	/* SYNC clients wait for their barrier */
		.too_long = "ERR request too long\n",
	};
	g_autofree char *err = NULL;
	int r;

	C.conf = conf;
	r = hb_ctl_server_new(conf->control, 0600, &lim, request_cb, NULL,
			      &C.srv, &err);
	if (r < 0) {
		hb_log(LOG_ERR, "%s", err);
		return r;
	}
	if (conf->source && (r = become_source()) < 0) {
		hb_log(LOG_ERR, "cannot watch the roots: %s", hb_strerror(r));
		return r;
	}
	if (!conf->source)
		hb_log(LOG_NOTICE, "replica role");
	C.connect_timer = g_timeout_add(500, connect_cb, NULL);
	return 0;
}

void
repl_ctl_stop(void)
{
	if (C.connect_timer)
		g_source_remove(C.connect_timer);
	C.connect_timer = 0;
	g_clear_pointer(&C.srv, hb_ctl_server_free);
}

int
repl_ctl_client(const char *sock, int argc, char **argv, int timeout_s)
{
	g_autofree char *line = NULL;
	g_autofree char *reply = NULL;
	const char *cmd = argv[0];
	int r;

	if (!strcmp(cmd, "sync"))
		line = g_strdup_printf("SYNC%s%s", argc > 1 ? " " : "",
				       argc > 1 ? argv[1] : "");
	else if (!strcmp(cmd, "status"))
		line = g_strdup("STATUS");
	else if (!strcmp(cmd, "source") && argc > 1 && !strcmp(argv[1], "planned"))
		line = g_strdup("ROLE source planned");
	else if (!strcmp(cmd, "source") && argc == 1)
		line = g_strdup("ROLE source");
	else if (!strcmp(cmd, "replica") && argc > 1 && !strcmp(argv[1], "planned"))
		line = g_strdup("ROLE replica planned");
	else if (!strcmp(cmd, "replica") && argc == 1)
		line = g_strdup("ROLE replica");
	else
		return -1;
	r = hb_ctl_ask(sock, line, timeout_s * 1000, CTL_MAX_REPLY - 1, &reply);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "replicate: '%s' timed out\n", line);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "replicate: cannot reach '%s': %s\n", sock,
			g_strerror(-r));
		return 3;
	}
	fputs(reply, stdout);
	return !strncmp(reply, "OK", 2) || !strncmp(reply, "role=", 5) ? 0 : 1;
}
