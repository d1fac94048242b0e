/*
 * repl-conf.h - /etc/ha.d/replicate.conf parser (pure: text in, struct out).
 *
 * Lines are "keyword value..."; '#' starts a comment.  Keywords:
 *   root NAME PATH      a tree to replicate (up to REPL_MAX_ROOTS)
 *   listen ADDR PORT    where this node accepts its peer (replica role)
 *   peer ADDR PORT      where a replica listens (used in source role);
 *                       repeatable, up to REPL_MAX_PEERS, no duplicates
 *   barrier all|one|N   what a SYNC barrier waits for: every replica
 *                       that has a session (all, the default), at least
 *                       one, or at least N (N <= the number of peers)
 *   keyfile PATH        pre-shared key file (>= 16 bytes, used as TLS-PSK)
 *   role source|replica initial role (the resource agent switches it)
 *   statedir PATH       applied position and reconcile flag
 *   control PATH        unix control socket (sync barrier, role, status)
 *   delta_threshold N   files above N bytes are sent as librsync deltas
 *   journal N           paths a replica's catch-up journal may hold while
 *                       it is away (default 250000; 0: always compare
 *                       the trees)
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
#define REPL_MAX_PEERS 8
#define REPL_CONF_MAXFILE (1024 * 1024)	/* replicate.conf, bytes */
#define REPL_KEYFILE_MAX (64 * 1024)	/* the keyfile, bytes */

struct repl_conf {
	int nroots;
	char *root_name[REPL_MAX_ROOTS];
	char *root_path[REPL_MAX_ROOTS];
	char *listen_addr;
	int listen_port;
	int npeers;
	char *peer_addrs[REPL_MAX_PEERS];
	int peer_ports[REPL_MAX_PEERS];
	char *peer_addr;	/* the first peer (borrowed from peer_addrs), or NULL */
	int peer_port;
	int barrier_need;	/* 0: all replicas with a session; N: at least N */
	char *keyfile;
	gboolean source;
	char *statedir;
	char *control;
	guint64 delta_threshold;
	guint journal;		/* catch-up journal bound, paths per replica */
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

/* The barrier policy (conf->barrier_need, 0 = all): is a barrier met
 * when nin replicas count for it (their sessions were up when it was
 * asked, or joined it at their catch-up and are still up) and nok of
 * them acknowledged its position?  Never with nin == 0. */
gboolean repl_barrier_met(int need, guint nin, guint nok);

#endif
