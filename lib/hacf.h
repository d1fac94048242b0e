/*
 * hacf.h - ha.cf: Heartbeat 3.0.6's main configuration file.
 *
 * One directive table covers every 3.0.6 directive: each is implemented,
 * accepted-and-ignored with a warning naming it (Pacemaker-only options), or
 * rejected with an error naming it.  Lexical rules follow 3.0.6
 * (shared/heartbeat-facts.md 1.1): '#' starts a comment anywhere; the
 * directive name is case-sensitive; table directives take several values
 * split on ", \t"; media, stonith and the like take the raw line rest; order
 * matters (udpport and baud apply to media lines that follow).
 *
 * Times are milliseconds: "2" = 2000, "1.5" = 1500, "500ms" = 500,
 * "500us"/"500usec" rounds to ms; "10s" is an error.
 *
 * The parse is pure (buffer in, hb_config or diagnostics out).  The result
 * is immutable once returned; a reload builds a new one.
 */
#ifndef HB_HACF_H
#define HB_HACF_H

#include <stddef.h>
#include <glib.h>
#include "diag.h"

#define HB_MAXNODES 100
#define HB_HACF_MAXFILE (1 << 20)
#define HB_DEFAULT_UDPPORT 694

typedef enum hb_media_type {
	HB_MEDIA_BCAST,
	HB_MEDIA_MCAST,
	HB_MEDIA_UCAST,
	HB_MEDIA_SERIAL,
} hb_media_type;

typedef struct hb_media_cfg {
	hb_media_type type;
	char *dev;		/* interface name, or serial device path */
	char *addr;		/* ucast peer / mcast group (string as written) */
	int port;		/* UDP port (udpport at that line, or mcast port) */
	int ttl;		/* mcast ttl 0..4 */
	int loop;		/* mcast loop 0/1 */
	int baud;		/* serial speed */
	int line;		/* ha.cf line, for messages */
} hb_media_cfg;

typedef struct hb_ping_cfg {
	char *name;		/* node name: the address, or the group name */
	GPtrArray *addrs;	/* char *, IPv4 addresses */
	gboolean group;		/* from ping_group */
} hb_ping_cfg;

typedef enum hb_failback {
	HB_FAILBACK_LEGACY,
	HB_FAILBACK_ON,
	HB_FAILBACK_OFF,
} hb_failback;

typedef struct hb_stonith_cfg {
	char *type;		/* plugin type, e.g. "external/ssh" */
	char *params;		/* stonith_host: raw params string, or NULL */
	char *file;		/* stonith: config file path, or NULL */
} hb_stonith_cfg;

typedef struct hb_config {
	char *path;		/* the file this came from */
	GPtrArray *nodes;	/* char *, lowercased, in order */
	GPtrArray *pings;	/* hb_ping_cfg * */
	GPtrArray *media;	/* hb_media_cfg * */
	guint keepalive_ms;	/* default 1000 */
	guint deadtime_ms;	/* default 30000 */
	guint warntime_ms;	/* default deadtime/2 */
	guint initdead_ms;	/* default per heartbeat-facts 1.2 */
	guint deadping_ms;	/* default deadtime */
	int udpport;		/* default 694 */
	int baud;		/* default 19200 */
	int hopfudge;		/* default 1 */
	hb_failback auto_failback;	/* default legacy */
	char *logfile;		/* NULL = none */
	char *debugfile;	/* NULL = none */
	int logfacility;	/* syslog facility, or -1 for none/unset */
	char *watchdog;		/* device path or NULL */
	int debug;		/* 0..255 */
	gboolean msgfmt_netstring;	/* msgfmt netstring: no inner auth */
	gboolean hbgen_time;	/* hbgenmethod time */
	gboolean uuid_from_name;	/* uuidfrom nodename */
	hb_stonith_cfg *stonith;	/* last applicable stonith/stonith_host */
	guint max_rexmit_delay_ms;	/* default 250 */
	gboolean realtime;	/* default TRUE */
	int rtprio;		/* 0: not set (the middle of SCHED_FIFO) */
	GHashTable *recorded;	/* directive -> value as written (hbparameter) */
} hb_config;

/* Parses a time value into ms.  Returns FALSE for invalid syntax. */
gboolean hb_parse_msec(const char *s, guint *out_ms);

/* Pure parser.  local_node (lowercased) must be one of the nodes unless
 * NULL.  Returns 0 with *out set, or HB_ECONFIG with errors in d.  Warnings
 * go to d either way. */
int hb_config_parse(const char *path, const char *buf, size_t len,
		    const char *local_node, hb_config **out, hb_diag *d);
int hb_config_load(const char *path, const char *local_node,
		   hb_config **out, hb_diag *d);
void hb_config_free(hb_config *c);	/* accepts NULL */

/* Writes the normalised effective configuration as ha.cf text that parses
 * back to the same configuration (hbd -T). */
void hb_config_dump(const hb_config *c, GString *out);

gboolean hb_config_has_node(const hb_config *c, const char *name);

#endif
