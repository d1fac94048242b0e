/*
 * repl-conf.h - /etc/ha.d/replicate.conf parser (pure: text in, struct out).
 *
 * Lines are "keyword value..."; '#' starts a comment.  Keywords:
 *   root NAME PATH      a tree to replicate (up to REPL_MAX_ROOTS)
 *   listen ADDR PORT    where this node accepts its peer (replica role)
 *   peer ADDR PORT      where the peer listens (used in source role)
 *   keyfile PATH        pre-shared key file (>= 16 bytes, used as TLS-PSK)
 *   role source|replica initial role (the resource agent switches it)
 *   statedir PATH       applied position and reconcile flag
 *   control PATH        unix control socket (sync barrier, role, status)
 *   delta_threshold N   files above N bytes are sent as librsync deltas
 *   mode sync|async     async: barrier returns at once
 *   debug N
 *   logfile PATH        also log to this file
 *   logfacility NAME    daemon (default), local0..local7, or none
 * Errors are added to an hb_diag as "FILE:LINE: text" (the first one ends
 * the parse).
 */
#ifndef REPL_CONF_H
#define REPL_CONF_H

#include <stddef.h>
#include <glib.h>

#include "diag.h"

#define REPL_MAX_ROOTS 16
#define REPL_CONF_MAXFILE (1024 * 1024)	/* replicate.conf, bytes */
#define REPL_KEYFILE_MAX (64 * 1024)	/* the keyfile, bytes */

struct repl_conf {
	int nroots;
	char *root_name[REPL_MAX_ROOTS];
	char *root_path[REPL_MAX_ROOTS];
	char *listen_addr;
	int listen_port;
	char *peer_addr;
	int peer_port;
	char *keyfile;
	gboolean source;
	char *statedir;
	char *control;
	guint64 delta_threshold;
	gboolean async;
	int debug;
	char *logfile;		/* NULL: none */
	int logfacility;	/* syslog facility, -1: none (default daemon) */
};

/* Parse text; returns 0 and *out (free with repl_conf_free) or HB_ECONFIG
 * with the error in d. */
int repl_conf_parse(const char *text, size_t len, const char *fname,
		    struct repl_conf **out, hb_diag *d);
void repl_conf_free(struct repl_conf *c);
/* The effective configuration, every keyword with its value (defaults
 * included), one per line in a fixed order; parses back to the same
 * configuration and the same text (replicate -T).  Owned (g_free). */
char *repl_conf_dump(const struct repl_conf *c);

#endif
