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
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "ctlsock.h"
#include "hb_err.h"
#include "notify.h"
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
static bool strict;		/* -s: 451 instead of accepting alone */
static size_t max_bytes = 50 * 1024 * 1024;
static volatile sig_atomic_t nchildren;
static char host[256];

static void mda_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
mda_log(int prio, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", buf);
	fprintf(stderr, "replicate-mda[%d]: %s\n", (int)getpid(), buf);
}

/* Reads one CRLF/LF line (without it) into buf; -1 on EOF, timeout or a
 * line too long (then errno is E2BIG). */
static int
read_line(FILE *in, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	errno = 0;
	while ((c = getc(in)) != EOF) {
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 >= size) {
			errno = E2BIG;
			return -1;
		}
		buf[n++] = c;
	}
	if (errno == 0)
		errno = ECONNRESET;
	return -1;
}

static void
reply(FILE *out, const char *text)
{
	fprintf(out, "%s\r\n", text);
	fflush(out);
}

/* Timeouts, and no Nagle delay: every write here is a whole reply or
 * command that the peer waits for. */
static void
set_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static bool
domain_local(const char *dom)
{
	for (int i = 0; domains[i]; i++)
		if (g_ascii_strcasecmp(domains[i], dom) == 0)
			return true;
	return false;
}

/* ---- upstream sessions (Dovecot LMTP, Postfix reinjection) --------- */

struct rcpt {
	char *arg;		/* as the client gave it after "RCPT TO:" */
	char *maildir;		/* -b mode: the Maildir; else NULL */
	bool local;
	int code;		/* final answer for this recipient */
	char *text;
};

struct up {
	const char *what;	/* "LMTP" or "reinjection" */
	const char *addr;
	bool lmtp;
	int state;		/* 0 closed, 1 in a transaction, -1 failed */
	char *fail;		/* why it failed (reply line for the client) */
	FILE *in, *out;
	GPtrArray *rcpts;	/* struct rcpt * accepted there (borrowed) */
};

static void
rcpt_free(struct rcpt *r)
{
	g_free(r->arg);
	g_free(r->maildir);
	g_free(r->text);
	g_free(r);
}

static void
up_close(struct up *u)
{
	if (u->out) {
		if (u->state >= 1)
			fputs("QUIT\r\n", u->out);
		fclose(u->out);
	}
	if (u->in)
		fclose(u->in);
	u->in = u->out = NULL;
	u->state = 0;
	g_clear_pointer(&u->fail, g_free);
	g_ptr_array_set_size(u->rcpts, 0);
}

static int
connect_to(const char *addr)
{
	int fd;

	if (addr[0] == '/') {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(addr) >= sizeof(sun.sun_path))
			return -ENAMETOOLONG;
		g_strlcpy(sun.sun_path, addr, sizeof(sun.sun_path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		set_timeouts(fd, io_secs);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		return fd;
	} else {
		g_autofree char *h = g_strdup(addr);
		char *colon = strrchr(h, ':');
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
		int e;

		if (!colon)
			return -EINVAL;
		*colon = '\0';
		if (getaddrinfo(h, colon + 1, &hints, &ai) != 0)
			return -EHOSTUNREACH;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = -errno;
			freeaddrinfo(ai);
			return e;
		}
		set_timeouts(fd, io_secs);
		e = connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 ? -errno : 0;
		freeaddrinfo(ai);
		if (e) {
			close(fd);
			return e;
		}
		return fd;
	}
}

/*
 * Reads one (possibly multi-line) reply; its last line goes to *out_text
 * (owned).  Returns the code, or a negative errno / HB_EMALFORMED.
 */
static int
up_reply(struct up *u, char **out_text)
{
	char line[REPL_SMTP_MAXLINE + 2];
	bool more = true;
	int code = 0, n;

	while (more) {
		n = read_line(u->in, line, sizeof(line));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (repl_smtp_reply_line(line, n, &code, &more) != 0) {
			mda_log(LOG_ERR, "%s at %s: malformed reply \"%.100s\"",
				u->what, u->addr, line);
			return HB_EMALFORMED;
		}
	}
	*out_text = g_strdup(line);
	return code;
}

static int
up_cmd(struct up *u, char **out_text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
up_cmd(struct up *u, char **out_text, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(u->out, fmt, ap);
	va_end(ap);
	fputs("\r\n", u->out);
	if (fflush(u->out) != 0)
		return -errno;
	return up_reply(u, out_text);
}

static void
up_failed(struct up *u, const char *why)
{
	mda_log(LOG_ERR, "%s at %s unavailable: %s", u->what, u->addr, why);
	u->state = -1;
	g_free(u->fail);
	u->fail = g_strdup_printf("451 4.4.1 %s %s unavailable, try again later",
				  u->lmtp ? "local delivery (LMTP)" :
				  "queue (reinjection)", u->addr);
}

/* Opens the session and sends MAIL FROM; 0, or <0 with u->fail set. */
static int
up_open(struct up *u, const char *mail_arg)
{
	g_autofree char *t = NULL;
	int fd, code;

	if (u->state == 1)
		return 0;
	if (u->state == -1)
		return -EIO;
	fd = connect_to(u->addr);
	if (fd < 0) {
		up_failed(u, g_strerror(-fd));
		return fd;
	}
	u->in = fdopen(fd, "r");
	u->out = fdopen(dup(fd), "w");
	code = up_reply(u, &t);
	if (code != 220) {
		up_failed(u, code < 0 ? hb_strerror(code) : t);
		return -EIO;
	}
	g_clear_pointer(&t, g_free);
	code = up_cmd(u, &t, "%s %s", u->lmtp ? "LHLO" : "EHLO", host);
	if (code != 250) {
		up_failed(u, code < 0 ? hb_strerror(code) : t);
		return -EIO;
	}
	g_clear_pointer(&t, g_free);
	if (u->lmtp) {
		/* Dovecot's LMTP takes BODY= but not SIZE= and the others */
		const char *gt = strchr(mail_arg, '>');
		bool eight = strcasestr(mail_arg, " BODY=8BITMIME") != NULL;

		code = up_cmd(u, &t, "MAIL FROM:%.*s%s",
			      gt ? (int)(gt - mail_arg + 1) : (int)strlen(mail_arg),
			      mail_arg, eight ? " BODY=8BITMIME" : "");
	} else {
		code = up_cmd(u, &t, "MAIL FROM:%s", mail_arg);
	}
	if (code < 0) {
		up_failed(u, hb_strerror(code));
		return -EIO;
	}
	if (code != 250) {	/* refused the sender: its answer per rcpt */
		mda_log(LOG_INFO, "%s at %s refused MAIL FROM:%s: %s", u->what,
			u->addr, mail_arg, t);
		u->state = -1;
		u->fail = g_steal_pointer(&t);
		return -EPERM;
	}
	u->state = 1;
	return 0;
}

/* Sends the message (dot-stuffed); returns 0 or a negative errno. */
static int
up_send_data(struct up *u, const GString *msg)
{
	const char *p = msg->str, *end = msg->str + msg->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (*p == '.')
			fputc('.', u->out);
		fwrite(p, 1, n, u->out);
		fputs("\r\n", u->out);
		p += n + 1;
	}
	fputs(".\r\n", u->out);
	return fflush(u->out) == 0 ? 0 : -errno;
}

/*
 * DATA to u: sets code/text of every recipient accepted there (LMTP: one
 * answer each; SMTP: one for all).
 */
static void
up_data(struct up *u, const GString *msg)
{
	g_autofree char *t = NULL;
	int code, e;

	code = up_cmd(u, &t, "DATA");
	if (code == 354) {
		g_clear_pointer(&t, g_free);
		e = up_send_data(u, msg);
		code = e < 0 ? e : 0;
	}
	if (code != 0) {
		g_autofree char *why = code < 0 ? g_strdup(hb_strerror(code)) :
				       g_strdup(t);

		up_failed(u, why);
		for (guint i = 0; i < u->rcpts->len; i++) {
			struct rcpt *r = u->rcpts->pdata[i];

			r->code = code > 0 ? code : 451;
			r->text = g_strdup(code > 0 ? t : u->fail);
		}
		return;
	}
	for (guint i = 0; i < u->rcpts->len; i++) {
		struct rcpt *r = u->rcpts->pdata[i];

		if (u->lmtp || i == 0) {
			g_clear_pointer(&t, g_free);
			code = up_reply(u, &t);
			if (code < 0) {
				up_failed(u, hb_strerror(code));
				t = g_strdup(u->fail);
				code = 451;
			}
		}
		r->code = code;
		r->text = g_strdup(t);
	}
	/* the transaction is over; the session can take the next one */
	u->state = u->state == 1 ? 2 : u->state;
}

/* ---- own Maildir delivery (-b) ------------------------------------- */

static char *
maildir_for(const char *local)
{
	g_autofree char *low = g_ascii_strdown(local, -1);
	g_autofree char *nd = NULL;
	struct stat st;

	for (int i = 0; low[i]; i++)
		if (!isalnum((unsigned char)low[i]) && !strchr("._-+", low[i]))
			return NULL;
	if (low[0] == '.')
		return NULL;
	nd = g_build_filename(base_dir, low, "new", NULL);
	if (stat(nd, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return g_build_filename(base_dir, low, NULL);
}

static int
deliver_one(const char *maildir, const GString *msg, const char *uniq)
{
	g_autofree char *tmp = g_strdup_printf("%s/tmp/%s", maildir, uniq);
	g_autofree char *dst = g_strdup_printf("%s/new/%s", maildir, uniq);
	g_autofree char *newd = g_strdup_printf("%s/new", maildir);
	struct stat st;
	int fd, dfd, rc = 0;

	if (stat(maildir, &st) != 0)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, msg->str, msg->len) != (ssize_t)msg->len ||
	    fchown(fd, st.st_uid, st.st_gid) != 0 || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	dfd = open(newd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void
maildir_deliver(GPtrArray *rcpts, const GString *msg)
{
	static unsigned counter;

	for (guint i = 0; i < rcpts->len; i++) {
		struct rcpt *r = rcpts->pdata[i];
		struct timeval tv;
		g_autofree char *uniq = NULL;
		int rc;

		if (!r->local)
			continue;
		gettimeofday(&tv, NULL);
		uniq = g_strdup_printf("%ld.M%ldP%dQ%u.%s", (long)tv.tv_sec,
				       (long)tv.tv_usec, (int)getpid(),
				       ++counter, host);
		rc = deliver_one(r->maildir, msg, uniq);
		if (rc != 0) {
			mda_log(LOG_ERR, "delivery to %s failed: %s",
				r->maildir, g_strerror(-rc));
			r->code = 451;
			r->text = g_strdup("451 4.3.0 local delivery failed");
		} else {
			r->code = 250;
			r->text = g_strdup("250 2.0.0 Ok");
		}
	}
}

/* ---- the replication barrier ---------------------------------------- */

/* One request on the replicate control socket (lib/ctlsock.h's client),
 * within secs; the reply (at most size - 1 bytes) in buf.  An empty reply
 * is a timeout. */
static int
ctl_ask(const char *req, char *buf, size_t size, int secs)
{
	g_autofree char *reply = NULL;
	int r = hb_ctl_ask(ctl_path, req, secs * 1000, size - 1, &reply);

	if (r < 0)
		return r;
	g_strlcpy(buf, reply, size);
	return *buf != '\0' ? 0 : -ETIMEDOUT;
}

/* 0: on both nodes; 1: accepted here only (no session); <0: not confirmed
 * (*out_why says why) */
static int
barrier(const char **out_why)
{
	char buf[512];

	if (ctl_ask("STATUS", buf, sizeof(buf), 5) != 0) {
		*out_why = "replicate daemon not answering";
		return -EIO;
	}
	if (strstr(buf, "role=source") == NULL) {
		*out_why = "this node is not the replication source";
		return -EPERM;
	}
	if (strstr(buf, "phase=down") != NULL)
		return 1;
	if (ctl_ask("SYNC", buf, sizeof(buf), wait_secs) != 0) {
		*out_why = "standby did not confirm in time";
		return -ETIMEDOUT;
	}
	if (strncmp(buf, "DOWN", 4) == 0)	/* the session broke meanwhile */
		return 1;
	if (strncmp(buf, "OK", 2) != 0) {
		*out_why = "barrier refused";
		return -EIO;
	}
	return 0;
}

/* Before anything is delivered: while this node is not the replication
 * source yet (a planned move brings the address here a moment before the
 * roles switch), or is a planned handover's new source whose first
 * session is not up yet ("handover=1"), wait up to -W ms for it, asking
 * every 20 ms.  Refusing at once (451) sent the client back to a new
 * connection and its retry; a message delivered on a replica would be
 * written into the tree the old source still replicates into.  0: go on
 * (barrier() decides); -EPERM: still not the source. */
static int
source_wait(void)
{
	gint64 end = g_get_monotonic_time() + (gint64)handover_ms * 1000;
	gboolean waited = FALSE;
	char buf[512];

	for (;;) {
		gboolean source;

		if (ctl_ask("STATUS", buf, sizeof(buf), 5) != 0)
			return 0;	/* barrier() says why */
		source = strstr(buf, "role=source") != NULL;
		if (source && (strstr(buf, "phase=stream") != NULL ||
			       strstr(buf, " handover=1") == NULL))
			break;
		if (g_get_monotonic_time() >= end)
			return source ? 0 : -EPERM;
		waited = TRUE;
		g_usleep(20000);
	}
	if (waited)
		mda_log(LOG_INFO, "waited for the replication handover: this "
			"node is the source now");
	return 0;
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
	up_close(&s->lmtp);
	up_close(&s->relay);
}

static void
do_rcpt(struct session *s, const char *arg)
{
	g_autofree char *local = NULL, *dom = NULL, *t = NULL;
	struct rcpt *r;
	struct up *u;
	int code;

	if (!s->mail_arg) {
		reply(s->out, "503 5.5.1 MAIL first");
		return;
	}
	if (s->rcpts->len >= MDA_MAXRCPT) {
		mda_log(LOG_INFO, "RCPT TO:%s refused: more than %d recipients",
			arg, MDA_MAXRCPT);
		reply(s->out, "452 4.5.3 too many recipients");
		return;
	}
	if (repl_smtp_path(arg, strlen(arg), &local, &dom) != 0 || !*dom) {
		reply(s->out, "501 5.1.3 bad recipient address syntax");
		return;
	}
	r = g_new0(struct rcpt, 1);
	r->arg = g_strdup(arg);
	r->local = domain_local(dom);
	if (r->local && base_dir) {
		r->maildir = maildir_for(local);
		if (!r->maildir) {
			rcpt_free(r);
			reply(s->out, "550 5.1.1 no such mailbox here");
			return;
		}
		g_ptr_array_add(s->rcpts, r);
		reply(s->out, "250 2.1.5 Ok");
		return;
	}
	u = r->local ? &s->lmtp : &s->relay;
	if (!u->addr) {
		rcpt_free(r);
		mda_log(LOG_INFO, "RCPT TO:%s refused: not a local domain and "
			"no reinjection address (-R)", arg);
		reply(s->out, "550 5.7.1 relay not configured on this node");
		return;
	}
	if (up_open(u, s->mail_arg) != 0) {
		rcpt_free(r);
		reply(s->out, u->fail);
		return;
	}
	code = up_cmd(u, &t, "RCPT TO:%s", arg);
	if (code < 0) {
		rcpt_free(r);
		up_failed(u, hb_strerror(code));
		reply(s->out, u->fail);
		return;
	}
	if (code == 550 && u->lmtp && relay_addr &&
	    up_open(&s->relay, s->mail_arg) == 0) {
		/* not a Dovecot user: an alias (Postfix's virtual_alias_maps
		 * are expanded by cleanup, after the queue), so through the
		 * queue; Postfix's answer stands */
		g_autofree char *t2 = NULL;
		int c2 = up_cmd(&s->relay, &t2, "RCPT TO:%s", arg);

		if (c2 < 0) {
			up_failed(&s->relay, hb_strerror(c2));
		} else if (c2 / 100 == 2) {
			u = &s->relay;
			code = c2;
			r->local = false;
		} else {
			g_free(t);
			t = g_steal_pointer(&t2);
		}
	}
	if (code / 100 != 2) {
		rcpt_free(r);
		mda_log(LOG_INFO, "RCPT TO:%s refused by %s: %s", arg, u->what, t);
		reply(s->out, t);
		return;
	}
	g_ptr_array_add(u->rcpts, r);
	g_ptr_array_add(s->rcpts, r);
	reply(s->out, "250 2.1.5 Ok");
}

/* Hands recipients that Dovecot refused after DATA to the Postfix queue
 * (it retries or bounces them); 0 when queued. */
static int
requeue(struct session *s, GPtrArray *failed, const GString *msg)
{
	struct up q = { .what = "reinjection", .addr = relay_addr,
		.rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free) };
	int rc = -EIO;

	if (!relay_addr)
		goto out;
	if (up_open(&q, s->mail_arg) != 0)
		goto out;
	for (guint i = 0; i < failed->len; i++) {
		struct rcpt *r = failed->pdata[i];
		g_autofree char *t = NULL;
		struct rcpt *c;

		if (up_cmd(&q, &t, "RCPT TO:%s", r->arg) / 100 != 2)
			goto out;
		c = g_new0(struct rcpt, 1);
		g_ptr_array_add(q.rcpts, c);
	}
	up_data(&q, msg);
	rc = 0;
	for (guint i = 0; i < q.rcpts->len; i++)
		if (((struct rcpt *)q.rcpts->pdata[i])->code / 100 != 2)
			rc = -EIO;
out:
	up_close(&q);
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
	bool big = false;
	guint nok = 0;
	gint64 t0, t1;
	int rc;

	if (s->rcpts->len == 0) {
		reply(s->out, "554 5.5.1 no valid recipients");
		return;
	}
	reply(s->out, "354 End data with <CR><LF>.<CR><LF>");
	msg = g_string_new(NULL);
	for (;;) {
		int n = read_line(s->in, line, sizeof(line));

		if (n < 0) {
			mda_log(LOG_WARNING, "client %s in DATA (%zu bytes read, "
				"from %s): nothing delivered",
				errno == EAGAIN ? "timed out" : errno == E2BIG ?
				"sent a line over 8 KiB" : "went away",
				msg->len, s->mail_arg);
			if (errno == E2BIG)
				reply(s->out, "500 5.5.2 line too long");
			g_string_free(msg, TRUE);
			fclose(s->in);	/* the session ends here */
			s->in = NULL;
			return;
		}
		if (strcmp(line, ".") == 0)
			break;
		if (big || msg->len + n + 1 > max_bytes) {
			big = true;
			continue;
		}
		g_string_append_len(msg, line[0] == '.' ? line + 1 : line,
				    line[0] == '.' ? n - 1 : n);
		g_string_append_c(msg, '\n');
	}
	if (big) {
		mda_log(LOG_INFO, "message from %s refused: over %zu bytes",
			s->mail_arg, max_bytes);
		reply(s->out, "552 5.3.4 message too big");
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	if (handover_ms > 0 && source_wait() != 0) {
		mda_log(LOG_ERR, "message from %s not delivered: this node is "
			"not the replication source (waited %d ms): 451",
			s->mail_arg, handover_ms);
		reply(s->out, "451 4.3.0 not the active node, try again");
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	t0 = g_get_monotonic_time();
	if (base_dir)
		maildir_deliver(s->rcpts, msg);
	if (s->lmtp.state == 1)
		up_data(&s->lmtp, msg);
	if (s->relay.state == 1)
		up_data(&s->relay, msg);
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
		reply(s->out, first4 ? first4 : first5);
		g_string_free(msg, TRUE);
		txn_reset(s);
		return;
	}
	if (failed->len) {
		bool all_local = true;

		for (guint i = 0; i < failed->len; i++)
			if (!((struct rcpt *)failed->pdata[i])->local)
				all_local = false;
		if (!all_local || requeue(s, failed, msg) != 0) {
			mda_log(LOG_ERR, "from %s: %u recipient(s) delivered, %u "
				"not and not queued: 451 (a retry delivers "
				"the first ones again)", s->mail_arg, nok,
				failed->len);
			reply(s->out, "451 4.3.0 partly delivered, try again");
			g_string_free(msg, TRUE);
			txn_reset(s);
			return;
		}
		mda_log(LOG_INFO, "from %s: %u recipient(s) refused after "
			"DATA put into the Postfix queue", s->mail_arg,
			failed->len);
	}
	t1 = g_get_monotonic_time();
	rc = barrier(&why);
	if (rc == 0) {
		gint64 t2 = g_get_monotonic_time();

		mda_log(LOG_INFO, "from %s: %u recipient(s), %zu bytes, on "
			"both nodes in %" G_GINT64_FORMAT " ms (delivery %"
			G_GINT64_FORMAT " ms, barrier %" G_GINT64_FORMAT " ms)",
			s->mail_arg, s->rcpts->len, msg->len, (t2 - t0) / 1000,
			(t1 - t0) / 1000, (t2 - t1) / 1000);
		reply(s->out, "250 2.0.0 Ok: stored on both nodes");
	} else if (rc == 1 && strict) {
		mda_log(LOG_ERR, "standby not connected: message from %s "
			"refused with 451 (-s)", s->mail_arg);
		reply(s->out, "451 4.3.0 standby down, try again later");
	} else if (rc == 1) {
		mda_log(LOG_WARNING, "standby not connected: message from %s "
			"accepted on this node only", s->mail_arg);
		reply(s->out, "250 2.0.0 Ok: stored (standby down)");
	} else {
		mda_log(LOG_ERR, "message from %s not confirmed on the standby "
			"(%s): 451", s->mail_arg, why);
		reply(s->out, "451 4.3.0 replication not confirmed, try again");
	}
	g_string_free(msg, TRUE);
	txn_reset(s);
}

static void
serve(int fd)
{
	struct session s = {
		.rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free),
		.lmtp = { .what = "LMTP", .addr = lmtp_addr, .lmtp = true,
			  .rcpts = g_ptr_array_new() },
		.relay = { .what = "reinjection", .addr = relay_addr,
			   .rcpts = g_ptr_array_new() },
	};
	char line[MDA_MAXLINE + 2];

	set_timeouts(fd, MDA_CLIENT_TIMEOUT);
	s.in = fdopen(fd, "r");
	s.out = fdopen(dup(fd), "w");
	reply(s.out, "220 replicate-mda ESMTP");
	while (s.in && read_line(s.in, line, sizeof(line)) >= 0) {
		if (!g_ascii_strncasecmp(line, "EHLO", 4) ||
		    !g_ascii_strncasecmp(line, "HELO", 4)) {
			txn_reset(&s);
			/* one write: with three, Nagle held the last two
			 * until smtpd's delayed ACK, 40 ms per message */
			reply(s.out, "250-replicate-mda\r\n250-8BITMIME\r\n"
			      "250 SIZE");
		} else if (!g_ascii_strncasecmp(line, "MAIL FROM:", 10)) {
			g_autofree char *l = NULL, *d = NULL;

			if (s.mail_arg) {
				reply(s.out, "503 5.5.1 nested MAIL command");
				continue;
			}
			if (repl_smtp_path(line + 10, strlen(line + 10), &l, &d)) {
				reply(s.out, "501 5.1.7 bad sender address syntax");
				continue;
			}
			s.mail_arg = g_strdup(line + 10);
			reply(s.out, "250 2.1.0 Ok");
		} else if (!g_ascii_strncasecmp(line, "RCPT TO:", 8)) {
			do_rcpt(&s, line + 8);
		} else if (!g_ascii_strcasecmp(line, "DATA")) {
			do_data(&s);
		} else if (!g_ascii_strcasecmp(line, "RSET")) {
			txn_reset(&s);
			reply(s.out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "NOOP")) {
			reply(s.out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "QUIT")) {
			reply(s.out, "221 2.0.0 Bye");
			break;
		} else {
			reply(s.out, "502 5.5.2 command not recognized");
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
		case 's': strict = true; break;
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
