/*
 * repl-smtp.c - pure SMTP/LMTP text helpers (see repl-smtp.h).
 *
 * Used by replicate-mda for the replies of Dovecot's LMTP server and of
 * Postfix's reinjection smtpd, and for the addresses Postfix's smtpd
 * passes on.  Logs nothing.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "hb_err.h"
#include "repl-smtp.h"

int
repl_smtp_reply_line(const char *line, size_t len, int *out_code,
		     gboolean *out_more)
{
	if (len < 3 || len > REPL_SMTP_MAXLINE)
		return HB_EMALFORMED;
	if (line[0] < '2' || line[0] > '5' || !g_ascii_isdigit(line[1]) ||
	    !g_ascii_isdigit(line[2]))
		return HB_EMALFORMED;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return HB_EMALFORMED;
	if (memchr(line, '\0', len))
		return HB_EMALFORMED;
	*out_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	*out_more = len > 3 && line[3] == '-';
	return 0;
}

int
repl_smtp_path(const char *arg, size_t len, char **out_local,
	       char **out_domain)
{
	const char *end = arg + len, *lt, *gt, *p, *at;

	while (arg < end && *arg == ' ')
		arg++;
	if (arg >= end || *arg != '<')
		return HB_EMALFORMED;
	lt = arg;
	gt = memchr(lt, '>', end - lt);
	if (!gt)
		return HB_EMALFORMED;
	if (gt == lt + 1) {	/* null sender */
		*out_local = g_strdup("");
		*out_domain = g_strdup("");
		return 0;
	}
	p = lt + 1;
	if (*p == '@') {	/* source route: skip to the ':' */
		const char *colon = memchr(p, ':', gt - p);

		if (!colon)
			return HB_EMALFORMED;
		p = colon + 1;
	}
	if (gt - p > 512)
		return HB_ETOOBIG;
	for (const char *q = p; q < gt; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f || *q == '<')
			return HB_EMALFORMED;
	/* the last '@' separates the domain ("a@b"@c is rare but legal) */
	at = NULL;
	for (const char *q = p; q < gt; q++)
		if (*q == '@')
			at = q;
	if (!at || at == p || at + 1 == gt)
		return HB_EMALFORMED;
	if (at - p > 64)
		return HB_ETOOBIG;
	*out_local = g_strndup(p, at - p);
	*out_domain = g_ascii_strdown(at + 1, gt - at - 1);
	return 0;
}
