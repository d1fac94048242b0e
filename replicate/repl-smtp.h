/*
 * repl-smtp.h - pure SMTP/LMTP text helpers for replicate-mda.
 *
 * Both take bytes and a length and never read past them; no allocation
 * happens unless they succeed.  Limits: a reply line is at most
 * REPL_SMTP_MAXLINE bytes, an address at most 512 bytes with a local part
 * of at most 64.
 */
#ifndef REPL_SMTP_H
#define REPL_SMTP_H

#include <stddef.h>

#include <glib.h>

#define REPL_SMTP_MAXLINE 1000

/*
 * One line of an SMTP/LMTP reply, CRLF already removed: "DDD text",
 * "DDD-text" (more lines follow) or "DDD".  The first digit must be 2-5.
 * Returns 0 with *out_code (200..599) and *out_more, or HB_EMALFORMED.
 */
int repl_smtp_reply_line(const char *line, size_t len, int *out_code,
			 gboolean *out_more);

/*
 * The path of a MAIL FROM:/RCPT TO: argument ("<local@domain> PARAMS" or
 * "<>"; a source route "<@a,@b:x@y>" keeps only x@y).  Returns 0 with
 * *out_local and *out_domain (owned, g_free; the domain lowercased, both
 * "" for "<>"), HB_EMALFORMED (no <...>, no @, control characters or
 * spaces in the address), or HB_ETOOBIG (limits above).
 */
int repl_smtp_path(const char *arg, size_t len, char **out_local,
		   char **out_domain);

#endif
