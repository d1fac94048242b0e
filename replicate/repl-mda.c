/*
 * repl-mda.c - replicate-mda: Postfix's before-queue proxy that answers
 * 250 only for mail that is stored on both nodes.
 *
 * Postfix's smtpd answers "250" once a message is in its queue, so a
 * crash between that answer and the replication of the delivery loses
 * mail that was acknowledged.  replicate-mda closes that window.  It is
 * smtpd's before-queue proxy (smtpd_proxy_filter = 127.0.0.1:10025) and
 * passes every transaction on at once:
 *
 *   - recipients in a local domain (-D) to Dovecot's LMTP server (-L):
 *     each RCPT is asked there and Dovecot's answer goes back to the
 *     client (550 unknown user, 552 over quota); after DATA, LMTP answers
 *     once per recipient, after Dovecot delivered (Sieve, quota, index);
 *     a recipient Dovecot does not know (550) is tried through the queue
 *     (below), where Postfix expands aliases (virtual_alias_maps);
 *   - every other recipient to Postfix's reinjection smtpd (-R, a smtpd
 *     without the proxy), whose 250 means the message is complete in the
 *     queue (queue file fsynced and marked complete by its mode);
 *
 * then it asks the local replicate daemon for a barrier ("SYNC" on its
 * control socket, -S): the reply comes when the standby has fsynced
 * everything written before the call, Maildir files and queue files
 * alike.  Only then does the client get 250.
 *
 *   replicate-mda -D DOMAIN[,DOMAIN...] -S CONTROL_SOCKET
 *                 [-L LMTP | -b MAILDIR_BASE] [-R ADDR:PORT]
 *                 [-l ADDR:PORT] [-w SECS] [-W MS] [-t SECS] [-m MAXBYTES]
 *                 [-s] [-f]
 *
 * -b delivers local mail itself into BASE/local/ Maildirs instead of
 * through LMTP (no Sieve, no quota, no Dovecot index; one process less).
 *
 * Answers: a recipient some upstream refused gets that upstream's reply.
 * After DATA, when no recipient was accepted the client gets the first
 * failure (a 4xx one if any, so it retries).  When some were accepted and
 * others not, the failed local recipients are put into the Postfix queue
 * through -R (Postfix then retries or bounces as for any queued mail);
 * if that is not possible the client gets 451 and the accepted copies will
 * be delivered again on its retry (logged).  When the replication session
 * is down (standby dead) mail is accepted on this node alone, logged at
 * warning (with -s: 451 instead); when the session is up but the barrier does not complete
 * within -w seconds, or the daemon cannot be asked, the answer is 451.
 * Before delivering, a node that is not the source yet, or a planned
 * handover's new source before its first session, is waited for (at most
 * -W ms, default 2000; source_wait): 451 if it still is not the source.
 * An upstream that cannot be reached gives 451 for the recipient.
 *
 * One process per connection (at most 64), like a Postfix service; each
 * blocks only on its own sockets, all with timeouts (-t, default 120 s,
 * 300 s for the client).  Input is bounded: command lines 1000 bytes,
 * data lines 8 KiB, message -m bytes (552 after the final dot), at most
 * 100 recipients (452 for more).
 *
 * Logs (syslog mail facility and stderr): every refusal it makes with its
 * reason, upstream failures, barrier failures (err), accepting alone
 * (warning), and one info line per accepted message.
 *
 * Modules: this file holds the options, the client session (SMTP from
 * smtpd, the transaction's answers) and the accept loop;
 * repl-mda-up.[ch] the upstream LMTP/SMTP sessions, repl-mda-store.[ch]
 * the own Maildir delivery (-b), repl-mda-barrier.[ch] the questions to
 * the replicate daemon (barrier, waiting for the source),
 * repl-mda-io.[ch] logging and line I/O; repl-smtp.[ch] the pure parsers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>

#include "hb_err.h"
#include "notify.h"
#include "repl-mda-barrier.h"
#include "repl-mda-io.h"
#include "repl-mda-store.h"
#include "repl-mda-up.h"
#include "repl-smtp.h"

#define MDA_MAXLINE 1000
#define MDA_MAXDATALINE 8192
#define MDA_MAXRCPT 100
#define MDA_MAXCHILD 64
#define MDA_CLIENT_TIMEOUT 300

static const char *base_dir;	/* -b: own Maildir delivery */
static const char *lmtp_addr;	/* -L: Dovecot LMTP (unix path or host:port) */
static const char *relay_addr;	/* -R: Postfix reinjection smtpd */
static char **domains;
static const char *ctl_path;
static int wait_secs = 10;
static int handover_ms = 2000;	/* -W: wait for a handover's source */
static int io_secs = 120;
static gboolean strict;		/* -s: 451 instead of accepting alone */
static size_t max_bytes = 50 * 1024 * 1024;
static volatile sig_atomic_t nchildren;
static char host[256];

static gboolean
domain_local(const char *dom)
{
	for (int i = 0; domains[i]; i++)
		if (g_ascii_strcasecmp(domains[i], dom) == 0)
			return TRUE;
	return FALSE;
}

/* ---- one client session --------------------------------------------- */

struct session {
	FILE *in, *out;
	char *mail_arg;		/* after "MAIL FROM:" */
	GPtrArray *rcpts;	/* struct rcpt * */
	struct up lmtp, relay;
};

static void
txn_reset(struct session *s)
{
	g_clear_pointer(&s->mail_arg, g_free);
	g_ptr_array_set_size(s->rcpts, 0);
	/* a finished or half-done upstream transaction: a fresh session for
	 * the next one keeps the state simple (one connection per message
	 * is what smtpd's proxy does too) */
	mda_up_close(&s->lmtp);
	mda_up_close(&s->relay);
}

static void
do_rcpt(struct session *s, const char *arg)
{
	g_autofree char *local = NULL, *dom = NULL, *t = NULL;
	struct rcpt *r;
	struct up *u;
	int code;

	if (!s->mail_arg) {
		mda_reply(s->out, "503 5.5.1 MAIL first");
		return;
	}
	if (s->rcpts->len >= MDA_MAXRCPT) {
		mda_log(LOG_INFO, "RCPT TO:%s refused: more than %d recipients",
			arg, MDA_MAXRCPT);
		mda_reply(s->out, "452 4.5.3 too many recipients");
		return;
	}
	if (repl_smtp_path(arg, strlen(arg), &local, &dom) != 0 || !*dom) {
		mda_reply(s->out, "501 5.1.3 bad recipient address syntax");
		return;
	}
	r = g_new0(struct rcpt, 1);
	r->arg = g_strdup(arg);
	r->local = domain_local(dom);
	if (r->local && base_dir) {
		r->maildir = mda_maildir_for(base_dir, local);
		if (!r->maildir) {
			mda_rcpt_free(r);
			mda_reply(s->out, "550 5.1.1 no such mailbox here");
			return;
		}
		g_ptr_array_add(s->rcpts, r);
		mda_reply(s->out, "250 2.1.5 Ok");
		return;
	}
	u = r->local ? &s->lmtp : &s->relay;
	if (!u->addr) {
		mda_rcpt_free(r);
		mda_log(LOG_INFO, "RCPT TO:%s refused: not a local domain and "
			"no reinjection address (-R)", arg);
		mda_reply(s->out, "550 5.7.1 relay not configured on this node");
		return;
	}
	if (mda_up_open(u, s->mail_arg) != 0) {
		mda_rcpt_free(r);
		mda_reply(s->out, u->fail);
		return;
	}
	code = mda_up_cmd(u, &t, "RCPT TO:%s", arg);
	if (code < 0) {
		mda_rcpt_free(r);
		mda_up_failed(u, hb_strerror(code));
		mda_reply(s->out, u->fail);
		return;
	}
	if (code == 550 && u->lmtp && relay_addr &&
	    mda_up_open(&s->relay, s->mail_arg) == 0) {
		/* not a Dovecot user: an alias (Postfix's virtual_alias_maps
		 * are expanded by cleanup, after the queue), so through the
		 * queue; Postfix's answer stands */
		g_autofree char *t2 = NULL;
		int c2 = mda_up_cmd(&s->relay, &t2, "RCPT TO:%s", arg);

		if (c2 < 0) {
			mda_up_failed(&s->relay, hb_strerror(c2));
		} else if (c2 / 100 == 2) {
			u = &s->relay;
			code = c2;
			r->local = FALSE;
		} else {
			g_free(t);
			t = g_steal_pointer(&t2);
		}
	}
	if (code / 100 != 2) {
		mda_rcpt_free(r);
		mda_log(LOG_INFO, "RCPT TO:%s refused by %s: %s", arg, u->what, t);
		mda_reply(s->out, t);
		return;
	}
	g_ptr_array_add(u->rcpts, r);
	g_ptr_array_add(s->rcpts, r);
	mda_reply(s->out, "250 2.1.5 Ok");
}

/* Hands recipients that Dovecot refused after DATA to the Postfix queue
 * (it retries or bounces them); 0 when queued. */
static int
requeue(struct session *s, GPtrArray *failed, const GString *msg)
{
	struct up q = { .what = "reinjection", .addr = relay_addr,
		.rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)mda_rcpt_free) };
	int rc = -EIO;

	if (!relay_addr)
		goto out;
	if (mda_up_open(&q, s->mail_arg) != 0)
		goto out;
	for (guint i = 0; i < failed->len; i++) {
		struct rcpt *r = failed->pdata[i];
		g_autofree char *t = NULL;
		struct rcpt *c;

		if (mda_up_cmd(&q, &t, "RCPT TO:%s", r->arg) / 100 != 2)
			goto out;
		c = g_new0(struct rcpt, 1);
		g_ptr_array_add(q.rcpts, c);
	}
	mda_up_data(&q, msg);
	rc = 0;
	for (guint i = 0; i < q.rcpts->len; i++)
		if (((struct rcpt *)q.rcpts->pdata[i])->code / 100 != 2)
			rc = -EIO;
out:
	mda_up_close(&q);
	g_ptr_array_unref(q.rcpts);
	return rc;
}

static void
do_data(struct session *s)
{
	char line[MDA_MAXDATALINE + 2];
	GString *msg;
	g_autoptr(GPtrArray) failed = g_ptr_array_new();
	const char *first4 = NULL, *first5 = NULL, *why = NULL;
	gboolean big = FALSE;
	guint nok = 0;
	gint64 t0, t1;
	int rc;

	if (s->rcpts->len == 0) {
		mda_reply(s->out, "554 5.5.1 no valid recipients");
		return;
	}
	mda_reply(s->out, "354 End data with <CR><LF>.<CR><LF>");
	msg = g_string_new(NULL);
	for (;;) {
		int n = mda_read_line(s->in, line, sizeof(line));

		if (n < 0) {
			mda_log(LOG_WARNING, "client %s in DATA (%zu bytes read, "
				"from %s): nothing delivered",
				errno == EAGAIN ? "timed out" : errno == E2BIG ?
				"sent a line over 8 KiB" : "went away",
				msg->len, s->mail_arg);
			if (errno == E2BIG)
				mda_reply(s->out, "500 5.5.2 line too long");
			g_string_free(msg, TRUE);
			fclose(s->in);	/* the session ends here */
			s->in = NULL;
			return;
		}
		if (strcmp(line, ".") == 0)
			break;
		if (big || msg->len + n + 1 > max_bytes) {
			big = TRUE;
			continue;
		}
		g_string_append_len(msg, line[0] == '.' ? line + 1 : line,
				    line[0] == '.' ? n - 1 : n);
		g_string_append_c(msg, '\n');
	}
	if (big) {
		mda_log(LOG_INFO, "message from %s refused: over %zu bytes",
			s->mail_arg, max_bytes);
		mda_reply(s->out, "552 5.3.4 message too big");
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	if (handover_ms > 0 && mda_source_wait(ctl_path, handover_ms) != 0) {
		mda_log(LOG_ERR, "message from %s not delivered: this node is "
			"not the replication source (waited %d ms): 451",
			s->mail_arg, handover_ms);
		mda_reply(s->out, "451 4.3.0 not the active node, try again");
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	t0 = g_get_monotonic_time();
	if (base_dir)
		mda_maildir_deliver(s->rcpts, msg, host);
	if (s->lmtp.state == 1)
		mda_up_data(&s->lmtp, msg);
	if (s->relay.state == 1)
		mda_up_data(&s->relay, msg);
	for (guint i = 0; i < s->rcpts->len; i++) {
		struct rcpt *r = s->rcpts->pdata[i];

		if (r->code / 100 == 2) {
			nok++;
			continue;
		}
		if (!r->text) {
			r->code = 451;
			r->text = g_strdup("451 4.3.0 not delivered");
		}
		mda_log(LOG_INFO, "%s: %s", r->arg, r->text);
		g_ptr_array_add(failed, r);
		if (r->code / 100 == 4 && !first4)
			first4 = r->text;
		if (r->code / 100 == 5 && !first5)
			first5 = r->text;
	}
	if (nok == 0) {
		mda_reply(s->out, first4 ? first4 : first5);
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	if (failed->len) {
		gboolean all_local = TRUE;

		for (guint i = 0; i < failed->len; i++)
			if (!((struct rcpt *)failed->pdata[i])->local)
				all_local = FALSE;
		if (!all_local || requeue(s, failed, msg) != 0) {
			mda_log(LOG_ERR, "from %s: %u recipient(s) delivered, %u "
				"not and not queued: 451 (a retry delivers "
				"the first ones again)", s->mail_arg, nok,
				failed->len);
			mda_reply(s->out, "451 4.3.0 partly delivered, try again");
			g_string_free(msg, TRUE);
			txn_reset(s);
			return;
		}
		mda_log(LOG_INFO, "from %s: %u recipient(s) refused after "
			"DATA put into the Postfix queue", s->mail_arg,
			failed->len);
	}
	t1 = g_get_monotonic_time();
	rc = mda_barrier(ctl_path, wait_secs, &why);
	if (rc == 0) {
		gint64 t2 = g_get_monotonic_time();

		mda_log(LOG_INFO, "from %s: %u recipient(s), %zu bytes, on "
			"both nodes in %" G_GINT64_FORMAT " ms (delivery %"
			G_GINT64_FORMAT " ms, barrier %" G_GINT64_FORMAT " ms)",
			s->mail_arg, s->rcpts->len, msg->len, (t2 - t0) / 1000,
			(t1 - t0) / 1000, (t2 - t1) / 1000);
		mda_reply(s->out, "250 2.0.0 Ok: stored on both nodes");
	} else if (rc == 1 && strict) {
		mda_log(LOG_ERR, "standby not connected: message from %s "
			"refused with 451 (-s)", s->mail_arg);
		mda_reply(s->out, "451 4.3.0 standby down, try again later");
	} else if (rc == 1) {
		mda_log(LOG_WARNING, "standby not connected: message from %s "
			"accepted on this node only", s->mail_arg);
		mda_reply(s->out, "250 2.0.0 Ok: stored (standby down)");
	} else {
		mda_log(LOG_ERR, "message from %s not confirmed on the standby "
			"(%s): 451", s->mail_arg, why);
		mda_reply(s->out, "451 4.3.0 replication not confirmed, try again");
	}
	g_string_free(msg, TRUE);
	txn_reset(s);
}

static void
serve(int fd)
{
	struct session s = {
		.rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)mda_rcpt_free),
		.lmtp = { .what = "LMTP", .addr = lmtp_addr, .lmtp = TRUE,
			  .rcpts = g_ptr_array_new() },
		.relay = { .what = "reinjection", .addr = relay_addr,
			   .rcpts = g_ptr_array_new() },
	};
	char line[MDA_MAXLINE + 2];

	mda_set_timeouts(fd, MDA_CLIENT_TIMEOUT);
	s.in = fdopen(fd, "r");
	s.out = fdopen(dup(fd), "w");
	mda_reply(s.out, "220 replicate-mda ESMTP");
	while (s.in && mda_read_line(s.in, line, sizeof(line)) >= 0) {
		if (!g_ascii_strncasecmp(line, "EHLO", 4) ||
		    !g_ascii_strncasecmp(line, "HELO", 4)) {
			txn_reset(&s);
			/* one write: with three, Nagle held the last two
			 * until smtpd's delayed ACK, 40 ms per message */
			mda_reply(s.out, "250-replicate-mda\r\n250-8BITMIME\r\n"
			      "250 SIZE");
		} else if (!g_ascii_strncasecmp(line, "MAIL FROM:", 10)) {
			g_autofree char *l = NULL, *d = NULL;

			if (s.mail_arg) {
				mda_reply(s.out, "503 5.5.1 nested MAIL command");
				continue;
			}
			if (repl_smtp_path(line + 10, strlen(line + 10), &l, &d)) {
				mda_reply(s.out, "501 5.1.7 bad sender address syntax");
				continue;
			}
			s.mail_arg = g_strdup(line + 10);
			mda_reply(s.out, "250 2.1.0 Ok");
		} else if (!g_ascii_strncasecmp(line, "RCPT TO:", 8)) {
			do_rcpt(&s, line + 8);
		} else if (!g_ascii_strcasecmp(line, "DATA")) {
			do_data(&s);
		} else if (!g_ascii_strcasecmp(line, "RSET")) {
			txn_reset(&s);
			mda_reply(s.out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "NOOP")) {
			mda_reply(s.out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "QUIT")) {
			mda_reply(s.out, "221 2.0.0 Bye");
			break;
		} else {
			mda_reply(s.out, "502 5.5.2 command not recognized");
		}
	}
	if (s.mail_arg && s.rcpts->len)
		mda_log(LOG_INFO, "session from smtpd ended in a transaction "
			"(from %s): nothing delivered", s.mail_arg);
	txn_reset(&s);
	g_ptr_array_unref(s.rcpts);
	g_ptr_array_unref(s.lmtp.rcpts);
	g_ptr_array_unref(s.relay.rcpts);
	if (s.in)
		fclose(s.in);
	fclose(s.out);
}

static void
sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		nchildren--;
	errno = saved;
}

static void
usage(void)
{
	fprintf(stderr, "usage: replicate-mda -D DOMAINS -S CONTROL "
		"[-L LMTP | -b BASE] [-R ADDR:PORT] [-l ADDR:PORT] [-w SECS] "
		"[-W MS] [-t SECS] [-m BYTES] [-s] [-f]\n");
}

int
main(int argc, char **argv)
{
	const char *listen_at = "127.0.0.1:10025";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	gboolean foreground = FALSE;
	char *colon, *lhost, *end;
	int ch, lfd, one = 1;
	long port;

	while ((ch = getopt(argc, argv, "l:b:L:R:D:S:w:W:t:m:fs")) != -1) {
		switch (ch) {
		case 'l': listen_at = optarg; break;
		case 'b': base_dir = optarg; break;
		case 'L': lmtp_addr = optarg; break;
		case 'R': relay_addr = optarg; break;
		case 'D': domains = g_strsplit(optarg, ",", 32); break;
		case 'S': ctl_path = optarg; break;
		case 'w': wait_secs = atoi(optarg); break;
		case 'W': handover_ms = atoi(optarg); break;
		case 't': io_secs = atoi(optarg); break;
		case 'm': max_bytes = strtoul(optarg, NULL, 10); break;
		case 'f': foreground = TRUE; break;
		case 's': strict = TRUE; break;
		default:
			usage();
			return 2;
		}
	}
	if (domains == NULL || ctl_path == NULL || (!base_dir == !lmtp_addr)) {
		fprintf(stderr, "replicate-mda: -D, -S and one of -L (Dovecot "
			"LMTP) or -b (own Maildir delivery) are required\n");
		usage();
		return 2;
	}
	if (wait_secs <= 0 || wait_secs > 3600 || io_secs <= 0 ||
	    io_secs > 3600 || max_bytes < 1024 || handover_ms < 0 ||
	    handover_ms > 60000) {
		fprintf(stderr, "replicate-mda: -w and -t must be 1..3600 s, "
			"-W 0..60000 ms, -m at least 1024 bytes\n");
		return 2;
	}
	lhost = g_strdup(listen_at);
	colon = strrchr(lhost, ':');
	if (colon != NULL)
		*colon = '\0';
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (colon == NULL || *end || inet_pton(AF_INET, lhost, &sin.sin_addr) != 1 ||
	    port <= 0 || port > 65535) {
		fprintf(stderr, "replicate-mda: bad listen address '%s' "
			"(want IPv4:PORT)\n", listen_at);
		return 2;
	}
	sin.sin_port = htons(port);
	if (gethostname(host, sizeof(host) - 1) != 0)
		g_strlcpy(host, "localhost", sizeof(host));
	mda_up_init(io_secs, host);
	openlog("replicate-mda", LOG_PID, LOG_MAIL);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				  sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 128) != 0) {
		fprintf(stderr, "replicate-mda: cannot listen on %s: %s\n",
			listen_at, g_strerror(errno));
		return 1;
	}
	if (!foreground && daemon(0, 0) != 0)
		return 1;
	hb_notify("READY=1");	/* listening (Type=notify) */
	signal(SIGCHLD, sigchld);
	signal(SIGPIPE, SIG_IGN);
	mda_log(LOG_INFO, "listening on %s; local mail (%s) %s %s; other "
		"mail %s%s", listen_at, g_strjoinv(",", domains),
		base_dir ? "into Maildirs under" : "through LMTP at",
		base_dir ? base_dir : lmtp_addr,
		relay_addr ? "through the Postfix queue at " : "refused",
		relay_addr ? relay_addr : "");
	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (cfd < 0)
			continue;
		if (nchildren >= MDA_MAXCHILD) {
			static const char busy[] = "421 4.3.2 too busy\r\n";

			mda_log(LOG_WARNING, "%d sessions at once: refusing "
				"another with 421", MDA_MAXCHILD);
			if (write(cfd, busy, sizeof(busy) - 1) < 0)
				mda_log(LOG_DEBUG, "client gone");
			close(cfd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGCHLD, SIG_DFL);
			serve(cfd);
			_exit(0);
		}
		if (pid > 0)
			nchildren++;
		else
			mda_log(LOG_ERR, "fork: %s", g_strerror(errno));
		close(cfd);
	}
}
