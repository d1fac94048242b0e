/*
 * repl-mda-up.h - replicate-mda's upstream sessions: one SMTP (Postfix's
 * reinjection smtpd) or LMTP (Dovecot) client session per transaction.
 *
 * Contract: mda_up_init() sets the I/O timeout (each read and write, and
 * the connect) and the name sent in EHLO/LHLO; call it once before the
 * rest.  An upstream (struct up) is closed (state 0), in a transaction
 * (1: connected, EHLO/LHLO and MAIL FROM accepted), done (2: after DATA)
 * or failed (-1, with u->fail: the reply line for the client, "451 4.4.1
 * ... unavailable" or the upstream's refusal of MAIL FROM).
 * mda_up_open() connects (a unix path, or host:port) and sends MAIL FROM
 * once; mda_up_cmd() sends one command and reads its (multi-line) reply:
 * the code, or a negative errno / HB_EMALFORMED for a reply that is not
 * SMTP (repl_smtp_reply_line, logged); mda_up_data() sends the message
 * dot-stuffed and sets code and text of every recipient in u->rcpts (LMTP:
 * one reply each; SMTP: one for all; a failure: 451 for all, logged);
 * mda_up_close() says QUIT when in a transaction and frees the session,
 * not the recipients.  Blocking calls, each bounded by the I/O timeout.
 */
#ifndef REPL_MDA_UP_H
#define REPL_MDA_UP_H

#include <stdio.h>

#include <glib.h>

struct rcpt {
	char *arg;		/* as the client gave it after "RCPT TO:" */
	char *maildir;		/* -b mode: the Maildir; else NULL */
	gboolean local;
	int code;		/* final answer for this recipient */
	char *text;
};

struct up {
	const char *what;	/* "LMTP" or "reinjection" */
	const char *addr;
	gboolean lmtp;
	int state;		/* 0 closed, 1 in a transaction, -1 failed */
	char *fail;		/* why it failed (reply line for the client) */
	FILE *in, *out;
	GPtrArray *rcpts;	/* struct rcpt * accepted there (borrowed) */
};

void mda_up_init(int io_secs, const char *host);
void mda_rcpt_free(struct rcpt *r);
void mda_up_close(struct up *u);
/* Opens the session and sends MAIL FROM; 0, or <0 with u->fail set. */
int mda_up_open(struct up *u, const char *mail_arg);
int mda_up_cmd(struct up *u, char **out_text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Marks u failed (-1) with why, logged. */
void mda_up_failed(struct up *u, const char *why);
void mda_up_data(struct up *u, const GString *msg);

#endif
