/*
 * hacf-dirs.c - the ha.cf directive table and what a value does: value
 * syntax (times, integers, booleans), the generic setter driven by the
 * table (HACF_AT), the handlers of the directives that need more (nodes,
 * media, ping nodes, STONITH), and the reports into the parse context.
 * See hacf-private.h; the reading of a file is hacf.c, the dump
 * hacf-dump.c.
 *
 * Pure: no I/O, no resolver, no logging; errors go to the context's
 * hb_diag as "file:line: message".
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "hacf.h"
#include "hacf-private.h"
#include "log.h"

#define HACF_MAXNAME 100	/* longest node / ping group name */

#define HACF_REPORT(x, fn, fmt) do { \
	va_list ap; \
	g_autofree char *m = NULL; \
	va_start(ap, fmt); \
	m = g_strdup_vprintf(fmt, ap); \
	va_end(ap); \
	fn((x)->d, (x)->path, (x)->line, "%s", m); \
} while (0)

void
hacf_err(hacf_ctx *x, const char *fmt, ...)
{
	HACF_REPORT(x, hb_diag_error, fmt);
}

void
hacf_warn(hacf_ctx *x, const char *fmt, ...)
{
	HACF_REPORT(x, hb_diag_warn, fmt);
}

/* ------------------------------------------------------------------ */
/* Value syntax                                                       */

gboolean
hb_parse_msec(const char *s, guint *out_ms)
{
	guint64 mant = 0, pow10 = 1, num, den, ms;
	int ndig = 0, nfrac = 0;
	gboolean dot = FALSE;
	const char *p;

	if (s == NULL)
		return FALSE;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (dot)
				return FALSE;
			dot = TRUE;
		} else if (g_ascii_isdigit(*p)) {
			if (mant > G_GUINT64_CONSTANT(100000000000000))
				return FALSE;	/* absurdly long */
			if (dot) {
				if (nfrac >= 9)
					continue;	/* beyond ns: ignore */
				nfrac++;
				pow10 *= 10;
			}
			mant = mant * 10 + (guint64)(*p - '0');
			ndig++;
		} else {
			break;
		}
	}
	if (ndig == 0)
		return FALSE;
	/* value = mant / pow10 units; unit -> ms factor num/den */
	if (*p == '\0') {
		num = 1000;
		den = 1;
	} else if (strcmp(p, "ms") == 0) {
		num = 1;
		den = 1;
	} else if (strcmp(p, "us") == 0 || strcmp(p, "usec") == 0) {
		num = 1;
		den = 1000;
	} else {
		return FALSE;
	}
	if (mant > G_MAXUINT64 / num / 2)
		return FALSE;
	den *= pow10;
	ms = (mant * num + den / 2) / den;
	if (ms > G_MAXUINT / 4)
		return FALSE;	/* keeps 2*deadtime and friends in range */
	*out_ms = (guint)ms;
	return TRUE;
}

/* cl_str_to_boolean: case-insensitive true/on/yes/y/1 or
 * false/off/no/n/0.  Returns FALSE if s is neither. */
gboolean
hacf_parse_bool(const char *s, gboolean *out)
{
	static const char *const yes[] = { "true", "on", "yes", "y", "1" };
	static const char *const no[] = { "false", "off", "no", "n", "0" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(s, yes[i]) == 0) {
			*out = TRUE;
			return TRUE;
		}
		if (g_ascii_strcasecmp(s, no[i]) == 0) {
			*out = FALSE;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
hacf_parse_int(const char *s, gint64 *out)
{
	char *end = NULL;
	gint64 v;

	if (s[0] == '\0' || !(g_ascii_isdigit(s[0]) || s[0] == '-'))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return FALSE;
	*out = v;
	return TRUE;
}

static gboolean
hacf_is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

/* ------------------------------------------------------------------ */
/* Handlers: called once per value token (or once with the line rest). */

/* The word of a CHOICE store (dp->why is "a|b|c"): its index, or -1. */
static int
hacf_choice_index(const hacf_dir *dp, const char *v)
{
	g_auto(GStrv) w = g_strsplit(dp->why, "|", -1);

	for (int i = 0; w[i] != NULL; i++)
		if (strcmp(w[i], v) == 0)
			return i;
	return -1;
}

/* Store n (or v) where dp says; FALSE (an error given) when v is not a
 * value of the store. */
gboolean
hacf_store_value(hacf_ctx *x, hb_config *c, const hacf_dir *dp,
		 const char *v, gint64 n)
{
	void *field = (char *)c + HACF_AT_OFF(dp->at);
	int i;

	switch (HACF_AT_STORE(dp->at)) {
	case HACF_ST_MS:
		*(guint *)field = (guint)n;
		break;
	case HACF_ST_INT:
		*(int *)field = (int)n;
		break;
	case HACF_ST_PATH:
		if (v[0] != '/') {
			hacf_err(x, "%s [%s] must be an absolute path",
				 dp->name, v);
			return FALSE;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(v);
		break;
	case HACF_ST_FACILITY:
		if (hb_log_facility_code(v, (int *)field) < 0) {
			hacf_err(x, "Unknown syslog facility [%s]", v);
			return FALSE;
		}
		break;
	case HACF_ST_CHOICE:
		i = hacf_choice_index(dp, v);
		if (i < 0) {
			g_autofree char *alts = g_strdup(dp->why);
			char *bar = strrchr(alts, '|');

			if (bar != NULL) {
				*bar = '\0';
				hacf_err(x, "Invalid %s [%s] (use %s or %s)",
					 dp->name, v, alts, bar + 1);
			}
			return FALSE;
		}
		*(int *)field = i;
		break;
	case HACF_ST_NONE:
	case HACF_ST_OFF:
		break;
	}
	return TRUE;
}

/* The generic handler: the value goes where the table says. */
static void
h_set(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	if ((dp->at & HACF_ONCE) && x->set_line[dp - hacf_dirs] != 0) {
		hacf_err(x, "%s may be given only once", dp->name);
		return;
	}
	hacf_store_value(x, x->c, dp, v, n);
}

static void
h_baud(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	static const int ok[] = { 9600, 19200, 38400, 57600, 115200, 230400,
				  460800 };
	size_t i;

	if (x->set_line[dp - hacf_dirs] != 0) {
		hacf_err(x, "baud may be given only once");
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(ok); i++) {
		if (ok[i] == n) {
			hacf_store_value(x, x->c, dp, v, n);
			return;
		}
	}
	hacf_err(x, "Serial baud rate [%s] is not supported (use 9600, "
		 "19200, 38400, 57600, 115200, 230400 or 460800)", v);
}

void
hacf_handle_node(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	g_autofree char *lc = g_ascii_strdown(v, -1);

	if (strlen(lc) > HACF_MAXNAME) {
		hacf_err(x, "node name [%s] is longer than %d characters", v,
			 HACF_MAXNAME);
		return;
	}
	if (hb_config_has_node(x->c, lc)) {
		hacf_warn(x, "node [%s] listed more than once", lc);
		return;
	}
	if (x->c->nodes->len >= HB_MAXNODES) {
		if (!x->too_many_nodes)
			hacf_err(x, "Too many nodes in configuration "
				 "(at most %d)", HB_MAXNODES);
		x->too_many_nodes = TRUE;
		return;
	}
	g_ptr_array_add(x->c->nodes, g_steal_pointer(&lc));
}

static void
h_failback(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	gboolean b;

	/* the words of the table, and every boolean for on and off */
	if (g_ascii_strcasecmp(v, "legacy") == 0)
		hacf_store_value(x, x->c, dp, "legacy", 0);
	else if (hacf_parse_bool(v, &b))
		hacf_store_value(x, x->c, dp, b ? "on" : "off", 0);
	else
		hacf_err(x, "Invalid auto_failback value [%s] (use on, off "
			 "or legacy)", v);
}

/* Word checks without a field: autojoin, compression. */
static void
h_choice(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	if (strcmp(dp->name, "autojoin") == 0) {
		if (strcmp(v, "none") != 0) {
			if (strcmp(v, "other") == 0 || strcmp(v, "any") == 0)
				hacf_err(x, "R1 style resource management "
					 "conflicts with autojoin set [%s]",
					 v);
			else
				hacf_err(x, "Invalid autojoin [%s] (only none "
					 "is supported)", v);
		}
	} else if (strcmp(dp->name, "compression") == 0) {
		if (strcmp(v, "zlib") != 0 && strcmp(v, "bz2") != 0)
			hacf_err(x, "Unknown compression module [%s] (use "
				 "zlib or bz2)", v);
	}
}

static void
h_crm(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	gboolean b;

	if (x->crm_set) {
		hacf_err(x, "%s may be given only once (crm and pacemaker "
			 "are the same directive)", dp->name);
		return;
	}
	x->crm_set = TRUE;
	if (hacf_parse_bool(v, &b) && !b)
		return;
	hacf_err(x, "%s [%s]: hbd only does haresources (v1) resource "
		 "management; set \"%s off\"", dp->name, v, dp->name);
}

static void
h_realtime(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	x->c->realtime = n != 0;	/* a boolean: checked by the caller */
}

/* Generic validation only (bool, int, time, word): the value is checked
 * and recorded; hbd has no use for it. */
static void
h_accept(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
}

static void
h_ignored(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	hacf_warn(x, "directive %s is accepted and ignored: %s", dp->name,
		  dp->why);
}

static void
h_rejected(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	hacf_err(x, "directive %s is not supported by hbd: %s", dp->name,
		 dp->why);
}

static void
h_nice_failback(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	hacf_warn(x, "nice_failback is obsolete and ignored: use "
		  "auto_failback on|off|legacy");
}

static hb_media_cfg *
hacf_media_new(hacf_ctx *x, hb_media_type t, const char *dev)
{
	hb_media_cfg *m = g_new0(hb_media_cfg, 1);

	m->type = t;
	m->dev = g_strdup(dev);
	m->port = x->c->udpport;
	m->baud = x->c->baud;
	m->line = x->line;
	g_ptr_array_add(x->c->media, m);
	return m;
}

static gboolean
hacf_dev_ok(hacf_ctx *x, const char *what, const char *dev)
{
	if (strlen(dev) >= 16) {
		hacf_err(x, "%s: interface name [%s] is too long", what, dev);
		return FALSE;
	}
	return TRUE;
}

static void
h_bcast(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	g_auto(GStrv) t = g_strsplit_set(v, HACF_WS, -1);
	int i, count = 0;

	if (strcmp(dp->name, "udp") == 0)
		hacf_warn(x, "directive 'udp' replaced by 'bcast'");
	for (i = 0; t[i] != NULL; i++) {
		if (t[i][0] == '\0')
			continue;
		count++;
		if (hacf_dev_ok(x, dp->name, t[i]))
			hacf_media_new(x, HB_MEDIA_BCAST, t[i]);
	}
	if (count == 0)
		hacf_err(x, "%s: no interface given", dp->name);
}

static char **
hacf_words(const char *v, int *out_n)
{
	g_auto(GStrv) t = g_strsplit_set(v, HACF_WS, -1);
	GPtrArray *a = g_ptr_array_new();
	int i;

	for (i = 0; t[i] != NULL; i++)
		if (t[i][0] != '\0')
			g_ptr_array_add(a, g_strdup(t[i]));
	*out_n = (int)a->len;
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static void
h_mcast(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	int nw, bad = 0;
	g_auto(GStrv) w = hacf_words(v, &nw);
	gint64 port, ttl, loop;
	struct in_addr a;
	hb_media_cfg *m;

	if (nw != 5) {
		hacf_err(x, "mcast needs 5 arguments: dev group port ttl loop "
			 "(got %d)", nw);
		return;
	}
	if (!hacf_dev_ok(x, "mcast", w[0]))
		bad++;
	if (inet_pton(AF_INET, w[1], &a) != 1 ||
	    (ntohl(a.s_addr) >> 28) != 0xe) {
		hacf_err(x, "mcast: [%s] is not an IPv4 multicast group",
			 w[1]);
		bad++;
	}
	if (!hacf_parse_int(w[2], &port) || port < 1 || port > 65535) {
		hacf_err(x, "mcast: bad port [%s] (1..65535)", w[2]);
		bad++;
	}
	if (!hacf_parse_int(w[3], &ttl) || ttl < 0 || ttl > 4) {
		hacf_err(x, "mcast: bad ttl [%s] (0..4)", w[3]);
		bad++;
	}
	if (!hacf_parse_int(w[4], &loop) || loop < 0 || loop > 1) {
		hacf_err(x, "mcast: bad loop [%s] (0 or 1)", w[4]);
		bad++;
	}
	if (bad)
		return;
	m = hacf_media_new(x, HB_MEDIA_MCAST, w[0]);
	m->addr = g_strdup(w[1]);
	m->port = (int)port;
	m->ttl = (int)ttl;
	m->loop = (int)loop;
}

static void
h_ucast(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	int nw;
	g_auto(GStrv) w = hacf_words(v, &nw);
	hb_media_cfg *m;

	if (nw < 2) {
		hacf_err(x, "ucast needs 2 arguments: dev peer-address");
		return;
	}
	if (nw > 2)
		hacf_warn(x, "ucast takes one peer per line; ignoring [%s] "
			  "and what follows", w[2]);
	if (!hacf_dev_ok(x, "ucast", w[0]))
		return;
	if (!hacf_is_ipv4(w[1])) {
		hacf_err(x, "ucast: [%s] is not an IPv4 address (hbd does "
			 "not resolve host names)", w[1]);
		return;
	}
	m = hacf_media_new(x, HB_MEDIA_UCAST, w[0]);
	m->addr = g_strdup(w[1]);
}

static void
h_serial(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	int nw, i;
	g_auto(GStrv) w = hacf_words(v, &nw);

	if (nw == 0)
		hacf_err(x, "serial: no device given");
	for (i = 0; i < nw; i++) {
		if (w[i][0] != '/')
			hacf_err(x, "serial: [%s] is not a device path", w[i]);
		else
			hacf_media_new(x, HB_MEDIA_SERIAL, w[i]);
	}
}

static void
h_ping(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	int nw, i, first;
	g_auto(GStrv) w = hacf_words(v, &nw);
	hb_ping_cfg *p;
	gboolean group = strcmp(dp->name, "ping_group") == 0;

	if (nw < (group ? 2 : 1)) {
		hacf_err(x, group ? "ping_group needs a name and at least one "
			 "address" : "ping needs at least one address");
		return;
	}
	first = group ? 1 : 0;
	for (i = first; i < nw; i++) {
		if (!hacf_is_ipv4(w[i])) {
			hacf_err(x, "%s: [%s] is not an IPv4 address",
				 dp->name, w[i]);
			return;
		}
	}
	if (group && strlen(w[0]) > HACF_MAXNAME) {
		hacf_err(x, "ping_group name [%s] is too long", w[0]);
		return;
	}
	for (i = first; i < nw; i++) {
		if (group && i > first)
			break;
		p = g_new0(hb_ping_cfg, 1);
		p->group = group;
		p->name = g_strdup(w[group ? 0 : i]);
		p->addrs = g_ptr_array_new_with_free_func(g_free);
		if (group) {
			int j;

			for (j = 1; j < nw; j++)
				g_ptr_array_add(p->addrs, g_strdup(w[j]));
		} else {
			g_ptr_array_add(p->addrs, g_strdup(w[i]));
		}
		g_ptr_array_add(x->c->pings, p);
	}
}

static void
hacf_stonith_set(hacf_ctx *x, hb_stonith_cfg *s)
{
	if (x->c->stonith != NULL) {
		g_free(x->c->stonith->type);
		g_free(x->c->stonith->params);
		g_free(x->c->stonith->file);
		g_free(x->c->stonith);
	}
	x->c->stonith = s;
}

static void
h_stonith(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	int nw;
	g_auto(GStrv) w = hacf_words(v, &nw);
	hb_stonith_cfg *s;

	if (nw != 2) {
		hacf_err(x, "stonith needs 2 arguments: type config-file");
		return;
	}
	if (w[1][0] != '/') {
		hacf_err(x, "stonith: config file [%s] must be an absolute "
			 "path", w[1]);
		return;
	}
	s = g_new0(hb_stonith_cfg, 1);
	s->type = g_strdup(w[0]);
	s->file = g_strdup(w[1]);
	hacf_stonith_set(x, s);
}

static void
h_stonith_host(hacf_ctx *x, const hacf_dir *dp, const char *v, gint64 n)
{
	const char *p = v, *host, *type;
	size_t hl, tl;
	hb_stonith_cfg *s;

	host = p;
	hl = strcspn(p, HACF_WS);
	p += hl;
	p += strspn(p, HACF_WS);
	type = p;
	tl = strcspn(p, HACF_WS);
	p += tl;
	p += strspn(p, HACF_WS);
	if (hl == 0 || tl == 0) {
		hacf_err(x, "stonith_host needs at least 2 arguments: "
			 "fromhost|* type [params...]");
		return;
	}
	if (x->local != NULL && !(hl == 1 && host[0] == '*')) {
		g_autofree char *h = g_strndup(host, hl);

		if (g_ascii_strcasecmp(h, x->local) != 0)
			return;		/* a line for another node */
	}
	s = g_new0(hb_stonith_cfg, 1);
	s->type = g_strndup(type, tl);
	s->params = g_strdup(p);
	g_strchomp(s->params);
	hacf_stonith_set(x, s);
}

/* ------------------------------------------------------------------ */
/* The table                                                          */

#define I HACF_IMPL
#define A HACF_ACCEPT
#define W HACF_IGNORE
#define R HACF_REJECT

const hacf_dir hacf_dirs[] = {
	/* name, kind, disp, min, max, default, help, handler, at, why */
	{ "node", HACF_WORD, I, 0, 0, NULL,
	  "names the cluster nodes (lowercased; at most 100)", hacf_handle_node,
	  0, NULL },
	{ "keepalive", HACF_TIME, I, 1, G_MAXUINT / 4, "1000ms",
	  "interval between heartbeats", h_set,
	  HACF_AT(HACF_ST_MS, keepalive_ms, 1), NULL },
	{ "deadtime", HACF_TIME, I, 1, G_MAXUINT / 4, "30000ms",
	  "silence after which a node is declared dead", h_set,
	  HACF_AT(HACF_ST_MS, deadtime_ms, 2), NULL },
	{ "warntime", HACF_TIME, I, 1, G_MAXUINT / 4, NULL,
	  "late-heartbeat warning threshold (default deadtime/2)", h_set,
	  HACF_AT(HACF_ST_MS, warntime_ms, 3), NULL },
	{ "initdead", HACF_TIME, I, 1, G_MAXUINT / 4, NULL,
	  "dead time used until communication is up", h_set,
	  HACF_AT(HACF_ST_MS, initdead_ms, 4), NULL },
	{ "deadping", HACF_TIME, I, 1, G_MAXUINT / 4, NULL,
	  "dead time for ping nodes (default deadtime)", h_set,
	  HACF_AT(HACF_ST_MS, deadping_ms, 5), NULL },
	{ "hopfudge", HACF_INT, I, 0, 255, "1",
	  "# of hops above cluster size", h_set,
	  HACF_AT(HACF_ST_INT, hopfudge, 6), NULL },
	{ "udpport", HACF_INT, I, 1, 65535, NULL,
	  "UDP port of the bcast/ucast lines that follow (default 694)",
	  h_set, HACF_AT(HACF_ST_INT, udpport, 0), NULL },
	{ "baud", HACF_INT, I, 1, 460800, "19200",
	  "speed of the serial lines that follow", h_baud,
	  HACF_AT(HACF_ST_INT, baud, 0), NULL },
	{ "bcast", HACF_LINE, I, 0, 0, NULL,
	  "UDP broadcast medium per interface: bcast dev...", h_bcast, 0,
	  NULL },
	{ "udp", HACF_LINE, I, 0, 0, NULL,
	  "old name of bcast", h_bcast, 0, NULL },
	{ "mcast", HACF_LINE, I, 0, 0, NULL,
	  "UDP multicast medium: mcast dev group port ttl loop", h_mcast, 0,
	  NULL },
	{ "ucast", HACF_LINE, I, 0, 0, NULL,
	  "UDP unicast medium: ucast dev peer-ip", h_ucast, 0, NULL },
	{ "serial", HACF_LINE, I, 0, 0, NULL,
	  "serial medium: serial /dev/ttyX...", h_serial, 0, NULL },
	{ "ping", HACF_LINE, I, 0, 0, NULL,
	  "ping nodes: ping ip...", h_ping, 0, NULL },
	{ "ping_group", HACF_LINE, I, 0, 0, NULL,
	  "one ping node up while any address answers: ping_group name ip...",
	  h_ping, 0, NULL },
	{ "realtime", HACF_BOOL, I, 0, 0, "true",
	  "enable realtime behavior?", h_realtime, 0, NULL },
	{ "rtprio", HACF_INT, I, 1, 99, NULL,
	  "realtime priority", h_set, HACF_AT(HACF_ST_INT, rtprio, 0), NULL },
	{ "auto_failback", HACF_WORD, I, 0, 0, "legacy",
	  "auto failback", h_failback,
	  HACF_AT(HACF_ST_CHOICE, auto_failback, 8), "legacy|on|off" },
	{ "logfile", HACF_WORD, I, 0, 0, NULL,
	  "file for log messages", h_set,
	  HACF_AT(HACF_ST_PATH, logfile, 15), NULL },
	{ "debugfile", HACF_WORD, I, 0, 0, NULL,
	  "file for debug messages", h_set,
	  HACF_AT(HACF_ST_PATH, debugfile, 16), NULL },
	{ "logfacility", HACF_WORD, I, 0, 0, NULL,
	  "syslog facility, or none", h_set,
	  HACF_AT(HACF_ST_FACILITY, logfacility, 14), NULL },
	{ "debug", HACF_INT, I, 0, 255, NULL,
	  "debug level", h_set,
	  HACF_AT(HACF_ST_INT, debug, 13), NULL },
	{ "watchdog", HACF_WORD, I, 0, 0, NULL,
	  "watchdog device fed by our own heartbeats", h_set,
	  HACF_AT(HACF_ST_PATH, watchdog, 17) | HACF_ONCE, NULL },
	{ "crm", HACF_WORD, I, 0, 0, NULL,
	  "alias of pacemaker; only off is accepted", h_crm, 0, NULL },
	{ "pacemaker", HACF_WORD, I, 0, 0, "false",
	  "enable Pacemaker resource management (only off accepted)", h_crm,
	  HACF_AT(HACF_ST_OFF, path, 12), NULL },
	{ "msgfmt", HACF_WORD, I, 0, 0, "classic",
	  "message format in the wire", h_set,
	  HACF_AT(HACF_ST_CHOICE, msgfmt_netstring, 9), "classic|netstring" },
	{ "hbgenmethod", HACF_WORD, I, 0, 0, "file",
	  "protocol generation computation method", h_set,
	  HACF_AT(HACF_ST_CHOICE, hbgen_time, 10), "file|time" },
	{ "uuidfrom", HACF_WORD, I, 0, 0, "file",
	  "set the source for uuid", h_set,
	  HACF_AT(HACF_ST_CHOICE, uuid_from_name, 11), "file|nodename" },
	{ "stonith", HACF_LINE, I, 0, 0, NULL,
	  "STONITH device from a file: stonith type /path", h_stonith, 0,
	  NULL },
	{ "stonith_host", HACF_LINE, I, 0, 0, NULL,
	  "STONITH device: stonith_host fromhost|* type params...",
	  h_stonith_host, 0, NULL },
	{ "max_rexmit_delay", HACF_INT, I, 1, 60000, "250",
	  "set the maximum rexmit delay time (ms)", h_set,
	  HACF_AT(HACF_ST_MS, max_rexmit_delay_ms, 7), NULL },
	{ "autojoin", HACF_WORD, I, 0, 0, "none",
	  "set automatic join mode/style (only none)", h_choice, 0, NULL },
	/* accepted: validated and recorded, no effect on hbd */
	{ "cluster", HACF_WORD, A, 0, 0, "linux-ha",
	  "the name of cluster", h_accept, 0, NULL },
	{ "conn_logd_time", HACF_TIME, A, 1, G_MAXUINT / 4, "60",
	  "the interval to reconnect to logd", h_accept, 0, NULL },
	{ "log_badpack", HACF_BOOL, A, 0, 0, "true",
	  "warn about bad packets", h_accept, 0, NULL },
	{ "syslogmsgfmt", HACF_BOOL, A, 0, 0, "true",
	  "log to files in syslog format", h_accept, 0, NULL },
	{ "coredumps", HACF_BOOL, A, 0, 0, "true",
	  "enable Linux-HA core dumps", h_accept, 0, NULL },
	{ "coreroot", HACF_WORD, A, 0, 0, NULL,
	  "directory for core dumps", h_accept, 0, NULL },
	{ "use_logd", HACF_BOOL, A, 0, 0, NULL,
	  "log through ha_logd", h_accept, 0, NULL },
	{ "compression", HACF_WORD, A, 0, 0, "zlib",
	  "set compression module", h_choice, 0, NULL },
	{ "compression_threshold", HACF_INT, A, 1, 1 << 20, "2",
	  "set compression threshold", h_accept, 0, NULL },
	{ "traditional_compression", HACF_BOOL, A, 0, 0, "no",
	  "set traditional_compression", h_accept, 0, NULL },
	{ "memreserve", HACF_INT, A, 0, 1 << 30, "6500",
	  "number of kbytes to preallocate in heartbeat", h_accept, 0, NULL },
	/* accepted with a warning */
	{ "nice_failback", HACF_BOOL, W, 0, 0, NULL,
	  "obsolete; use auto_failback", h_nice_failback, 0, NULL },
	{ "use_apphbd", HACF_BOOL, W, 0, 0, NULL,
	  "register with apphbd", h_ignored, 0,
	  "hbd does not register with apphbd" },
	{ "apiauth", HACF_LINE, W, 0, 0, NULL,
	  "API client authorisation", h_ignored, 0,
	  "hbd has no client API; its control socket is root-only" },
	{ "respawn", HACF_LINE, W, 0, 0, NULL,
	  "spawn and restart a child", h_ignored, 0,
	  "hbd runs no children of its own (ipfail is built in: use ping)" },
	{ "env", HACF_LINE, W, 0, 0, NULL,
	  "environment for children", h_ignored, 0,
	  "hbd does not pass HA_ variables from ha.cf" },
	{ "quorum_server", HACF_WORD, W, 0, 0, NULL,
	  "Pacemaker quorum server", h_ignored, 0, "Pacemaker-only option" },
	{ "crm_daemon_dir", HACF_WORD, W, 0, 0, NULL,
	  "Pacemaker daemon directory", h_ignored, 0,
	  "Pacemaker-only option" },
	{ "crmd_spawns_pengine", HACF_WORD, W, 0, 0, NULL,
	  "Pacemaker option", h_ignored, 0, "Pacemaker-only option" },
	{ "record_config_changes", HACF_WORD, W, 0, 0, "on",
	  "record changes to the cib (valid only with: pacemaker on)",
	  h_ignored, 0, "Pacemaker-only option" },
	{ "record_pengine_inputs", HACF_WORD, W, 0, 0, "on",
	  "record the input used by the policy engine (valid only with: "
	  "pacemaker on)", h_ignored, 0, "Pacemaker-only option" },
	{ "enable_config_writes", HACF_WORD, W, 0, 0, "on",
	  "write configuration changes to disk (valid only with: pacemaker "
	  "on)", h_ignored, 0, "Pacemaker-only option" },
	{ "normalpoll", HACF_WORD, W, 0, 0, NULL,
	  "poll mode tuning", h_ignored, 0, "hbd is event driven" },
	/* rejected by name */
	{ "failfast", HACF_LINE, R, 0, 0, NULL,
	  "child whose death reboots the machine", h_rejected, 0,
	  "hbd does not run failfast children" },
	{ "mcast6", HACF_LINE, R, 0, 0, NULL,
	  "IPv6 multicast medium", h_rejected, 0, "no IPv6 media" },
	{ "ucast6", HACF_LINE, R, 0, 0, NULL,
	  "IPv6 unicast medium", h_rejected, 0, "no IPv6 media" },
	{ "ping6", HACF_LINE, R, 0, 0, NULL,
	  "IPv6 ping node", h_rejected, 0, "no IPv6 ping nodes" },
	{ "hbaping", HACF_LINE, R, 0, 0, NULL,
	  "HBA ping medium", h_rejected, 0, "no HBA ping" },
	{ "tipc", HACF_LINE, R, 0, 0, NULL,
	  "TIPC medium", h_rejected, 0, "no TIPC medium" },
	{ "rds", HACF_LINE, R, 0, 0, NULL,
	  "RDS medium", h_rejected, 0, "no RDS medium" },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, NULL },
};

#undef I
#undef A
#undef W
#undef R

G_STATIC_ASSERT(G_N_ELEMENTS(hacf_dirs) <= 96);


const hacf_dir *
hacf_dir_lookup(const char *name)
{
	const hacf_dir *dp;

	for (dp = hacf_dirs; dp->name != NULL; dp++)
		if (strcmp(dp->name, name) == 0)
			return dp;
	return NULL;
}
