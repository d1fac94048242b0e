/*
 * repl-mda-up.c - replicate-mda's upstream sessions: Dovecot's LMTP
 * server and Postfix's reinjection smtpd (repl-mda-up.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "hb_err.h"
#include "repl-mda-io.h"
#include "repl-mda-up.h"
#include "repl-smtp.h"

static struct {
	int io_secs;
	const char *host;
} U = { .io_secs = 120, .host = "localhost" };

void
mda_up_init(int io_secs, const char *host)
{
	U.io_secs = io_secs;
	U.host = host;
}

void
mda_rcpt_free(struct rcpt *r)
{
	g_free(r->arg);
	g_free(r->maildir);
	g_free(r->text);
	g_free(r);
}

void
mda_up_close(struct up *u)
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
		mda_set_timeouts(fd, U.io_secs);
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
		mda_set_timeouts(fd, U.io_secs);
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
	gboolean more = TRUE;
	int code = 0, n;

	while (more) {
		n = mda_read_line(u->in, line, sizeof(line));
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

int
mda_up_cmd(struct up *u, char **out_text, const char *fmt, ...)
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

void
mda_up_failed(struct up *u, const char *why)
{
	mda_log(LOG_ERR, "%s at %s unavailable: %s", u->what, u->addr, why);
	u->state = -1;
	g_free(u->fail);
	u->fail = g_strdup_printf("451 4.4.1 %s %s unavailable, try again later",
				  u->lmtp ? "local delivery (LMTP)" :
				  "queue (reinjection)", u->addr);
}

/* Opens the session and sends MAIL FROM; 0, or <0 with u->fail set. */
int
mda_up_open(struct up *u, const char *mail_arg)
{
	g_autofree char *t = NULL;
	int fd, code;

	if (u->state == 1)
		return 0;
	if (u->state == -1)
		return -EIO;
	fd = connect_to(u->addr);
	if (fd < 0) {
		mda_up_failed(u, g_strerror(-fd));
		return fd;
	}
	u->in = fdopen(fd, "r");
	u->out = fdopen(dup(fd), "w");
	code = up_reply(u, &t);
	if (code != 220) {
		mda_up_failed(u, code < 0 ? hb_strerror(code) : t);
		return -EIO;
	}
	g_clear_pointer(&t, g_free);
	code = mda_up_cmd(u, &t, "%s %s", u->lmtp ? "LHLO" : "EHLO", U.host);
	if (code != 250) {
		mda_up_failed(u, code < 0 ? hb_strerror(code) : t);
		return -EIO;
	}
	g_clear_pointer(&t, g_free);
	if (u->lmtp) {
		/* Dovecot's LMTP takes BODY= but not SIZE= and the others */
		const char *gt = strchr(mail_arg, '>');
		gboolean eight = strcasestr(mail_arg, " BODY=8BITMIME") != NULL;

		code = mda_up_cmd(u, &t, "MAIL FROM:%.*s%s",
			      gt ? (int)(gt - mail_arg + 1) : (int)strlen(mail_arg),
			      mail_arg, eight ? " BODY=8BITMIME" : "");
	} else {
		code = mda_up_cmd(u, &t, "MAIL FROM:%s", mail_arg);
	}
	if (code < 0) {
		mda_up_failed(u, hb_strerror(code));
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
void
mda_up_data(struct up *u, const GString *msg)
{
	g_autofree char *t = NULL;
	int code, e;

	code = mda_up_cmd(u, &t, "DATA");
	if (code == 354) {
		g_clear_pointer(&t, g_free);
		e = up_send_data(u, msg);
		code = e < 0 ? e : 0;
	}
	if (code != 0) {
		g_autofree char *why = code < 0 ? g_strdup(hb_strerror(code)) :
				       g_strdup(t);

		mda_up_failed(u, why);
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
				mda_up_failed(u, hb_strerror(code));
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
