/*
 * hacf.c - the ha.cf parser: reading a file, line by line, into an
 * hb_config through the directive table (hacf-dirs.c), the checks made
 * once the whole file is read, defaults, life cycle.  The dump (hbd -T)
 * is hacf-dump.c.
 *
 * Purpose: turn the bytes of an ha.cf into an immutable hb_config, with the
 * lexical rules and checks of Heartbeat 3.0.6 (heartbeat-facts 1.1, 1.2).
 * One table, hacf_dirs[], lists every 3.0.6 directive with its kind,
 * bounds, default (as `heartbeat -D` prints it), help line and handler.
 *
 * Invariants: the parser is pure (no I/O, no resolver, no logging); it
 * reads at most HB_HACF_MAXFILE bytes; every problem found is appended to
 * the hb_diag as "file:line: message" and parsing carries on so that one
 * run reports every error.  hb_config_dump(parse(dump(x))) == dump(x).
 *
 * Logs: nothing.  Errors and warnings go to the caller's hb_diag.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hacf.h"
#include "fileread.h"
#include "hacf-private.h"
#include "hb_err.h"

/* ------------------------------------------------------------------ */
/* Parsing                                                            */

static void
hacf_apply(hacf_ctx *x, const hacf_dir *dp, const char *v)
{
	gint64 n = 0;
	guint ms;
	gboolean b;

	switch (dp->kind) {
	case HACF_TIME:
		if (!hb_parse_msec(v, &ms)) {
			hacf_err(x, "Invalid time [%s] for %s (seconds, or a "
				 "number with ms or us; no \"s\" suffix)", v,
				 dp->name);
			return;
		}
		n = ms;
		break;
	case HACF_INT:
		if (!hacf_parse_int(v, &n)) {
			hacf_err(x, "Invalid integer [%s] for %s", v,
				 dp->name);
			return;
		}
		break;
	case HACF_BOOL:
		if (!hacf_parse_bool(v, &b)) {
			hacf_err(x, "Invalid boolean [%s] for %s (use on or "
				 "off)", v, dp->name);
			return;
		}
		n = b;
		break;
	default:
		break;
	}
	if ((dp->kind == HACF_TIME || dp->kind == HACF_INT) &&
	    (n < dp->min || n > dp->max)) {
		hacf_err(x, "%s [%s] is out of range (%" G_GINT64_FORMAT
			 "..%" G_GINT64_FORMAT "%s)", dp->name, v, dp->min,
			 dp->max, dp->kind == HACF_TIME ? " ms" : "");
		return;
	}
	dp->handler(x, dp, v, n);
	x->set_line[dp - hacf_dirs] = x->line;
	if (dp->kind != HACF_LINE && dp->disp != HACF_REJECT &&
	    dp->handler != hacf_handle_node)
		g_hash_table_replace(x->c->recorded, g_strdup(dp->name),
				     g_strdup(v));
}

static void
hacf_line(hacf_ctx *x, char *s)
{
	char *hash = strchr(s, '#');
	char *name, *rest;
	const hacf_dir *dp;

	if (hash != NULL)
		*hash = '\0';
	s += strspn(s, HACF_WS);
	g_strchomp(s);
	if (*s == '\0')
		return;
	name = s;
	rest = s + strcspn(s, HACF_WS);
	if (*rest != '\0') {
		*rest++ = '\0';
		rest += strspn(rest, HACF_WS);
	}
	dp = hacf_dir_lookup(name);
	if (dp == NULL) {
		hacf_err(x, "Illegal directive [%s]", name);
		return;
	}
	if (dp->kind == HACF_LINE) {
		if (*rest == '\0' && dp->disp == HACF_IMPL) {
			hacf_err(x, "%s needs a value", dp->name);
			return;
		}
		hacf_apply(x, dp, rest);
		return;
	} else {
		g_auto(GStrv) t = g_strsplit_set(rest, "," HACF_WS, -1);
		int i, cnt = 0;

		for (i = 0; t[i] != NULL; i++) {
			if (t[i][0] == '\0')
				continue;
			cnt++;
			hacf_apply(x, dp, t[i]);
		}
		if (cnt == 0)
			hacf_err(x, "%s needs a value", dp->name);
	}
}

static int
hacf_dir_line(const hacf_ctx *x, const char *name)
{
	const hacf_dir *dp = hacf_dir_lookup(name);

	return dp ? x->set_line[dp - hacf_dirs] : 0;
}

static void
hacf_record_ms(hacf_ctx *x, const char *name, guint ms)
{
	if (hacf_dir_line(x, name) == 0)
		g_hash_table_replace(x->c->recorded, g_strdup(name),
				     g_strdup_printf("%ums", ms));
}

/* The checks heartbeat makes once the whole file is read. */
static void
hacf_validate(hacf_ctx *x)
{
	hb_config *c = x->c;
	const hacf_dir *dp;
	guint i;
	int dl = hacf_dir_line(x, "deadtime");

	for (dp = hacf_dirs; dp->name != NULL; dp++)
		if (dp->def != NULL && x->set_line[dp - hacf_dirs] == 0)
			g_hash_table_insert(c->recorded, g_strdup(dp->name),
					    g_strdup(dp->def));
	if (hacf_dir_line(x, "warntime") == 0)
		c->warntime_ms = c->deadtime_ms / 2;
	if (hacf_dir_line(x, "deadping") == 0)
		c->deadping_ms = c->deadtime_ms;
	if (hacf_dir_line(x, "initdead") == 0) {
		if (c->deadtime_ms > 10000)
			c->initdead_ms = c->deadtime_ms;
		else if (c->deadtime_ms < 6000)
			c->initdead_ms = 12000;
		else
			c->initdead_ms = 2 * c->deadtime_ms;
	}
	hacf_record_ms(x, "warntime", c->warntime_ms);
	hacf_record_ms(x, "deadping", c->deadping_ms);
	hacf_record_ms(x, "initdead", c->initdead_ms);
	if (hacf_dir_line(x, "udpport") == 0)
		g_hash_table_insert(c->recorded, g_strdup("udpport"),
				    g_strdup_printf("%d", HB_DEFAULT_UDPPORT));
	if (hacf_dir_line(x, "debug") == 0)
		g_hash_table_insert(c->recorded, g_strdup("debug"),
				    g_strdup("0"));

	x->line = dl ? dl : hacf_dir_line(x, "keepalive");
	if (c->deadtime_ms <= 2 * c->keepalive_ms)
		hacf_err(x, "Dead time [%u] is too small compared to "
			 "keepalive [%u]", c->deadtime_ms, c->keepalive_ms);
	x->line = hacf_dir_line(x, "warntime");
	if (x->line > 0 && c->warntime_ms >= c->deadtime_ms)
		hacf_warn(x, "Warn time [%u] is not less than dead time [%u]",
			  c->warntime_ms, c->deadtime_ms);
	x->line = hacf_dir_line(x, "initdead");
	if (x->line > 0) {
		if (c->initdead_ms < c->deadtime_ms)
			hacf_err(x, "Initial dead time [%u] is smaller than "
				 "deadtime [%u]", c->initdead_ms,
				 c->deadtime_ms);
		else if (c->initdead_ms < 10000)
			hacf_warn(x, "Initial dead time [%u ms] may be too "
				  "small! It should be >= deadtime and >= 10 "
				  "seconds", c->initdead_ms);
	}
	x->line = hacf_dir_line(x, "deadping");
	if (x->line > 0 && c->deadping_ms <= 2 * c->keepalive_ms)
		hacf_err(x, "Ping dead time [%u] is too small compared to "
			 "keepalive [%u]", c->deadping_ms, c->keepalive_ms);
	x->line = 0;
	if (!x->too_many_nodes && c->nodes->len + c->pings->len > HB_MAXNODES)
		hacf_err(x, "Too many nodes in configuration (at most %d, "
			 "ping nodes included)", HB_MAXNODES);
	for (i = 0; i < c->pings->len; i++) {
		const hb_ping_cfg *p = c->pings->pdata[i];
		guint j;
		gboolean dup = hb_config_has_node(c, p->name);

		for (j = 0; j < i && !dup; j++)
			dup = strcmp(((hb_ping_cfg *)c->pings->pdata[j])->name,
				     p->name) == 0;
		if (dup)
			hacf_err(x, "Duplicate node name [%s] (ping node)",
				 p->name);
	}
	if (c->media->len == 0)
		hacf_err(x, "No heartbeat media defined");
	if (c->nodes->len == 0)
		hacf_err(x, "no nodes defined");
	if (x->local != NULL) {
		g_autofree char *lc = g_ascii_strdown(x->local, -1);

		if (!hb_config_has_node(c, lc))
			hacf_err(x, "Current node [%s] not in configuration!",
				 lc);
	}
}

/* Every field the table names starts at its directive's default. */
static void
hacf_defaults(hb_config *c)
{
	const hacf_dir *dp;
	hacf_ctx x = { .path = "(defaults)", .c = c };

	for (dp = hacf_dirs; dp->name != NULL; dp++) {
		gint64 n = 0;
		guint ms;

		if (dp->def == NULL || HACF_AT_STORE(dp->at) == HACF_ST_NONE)
			continue;
		if (dp->kind == HACF_TIME && hb_parse_msec(dp->def, &ms))
			n = ms;
		else if (dp->kind == HACF_INT)
			hacf_parse_int(dp->def, &n);
		/* (the table's defaults are values of their stores) */
		hacf_store_value(&x, c, dp, dp->def, n);
	}
}

static hb_config *
hacf_config_new(const char *path)
{
	hb_config *c = g_new0(hb_config, 1);

	c->path = g_strdup(path);
	c->nodes = g_ptr_array_new_with_free_func(g_free);
	c->pings = g_ptr_array_new();
	c->media = g_ptr_array_new();
	/* (-D prints no default for these two) */
	c->udpport = HB_DEFAULT_UDPPORT;
	c->logfacility = -1;
	c->realtime = TRUE;
	hacf_defaults(c);
	c->recorded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    g_free);
	return c;
}

int
hb_config_parse(const char *path, const char *buf, size_t len,
		const char *local_node, hb_config **out, hb_diag *d)
{
	hacf_ctx x = { 0 };
	size_t pos = 0;
	guint nerr;

	g_return_val_if_fail(d != NULL && out != NULL, -EINVAL);
	nerr = d->errors->len;
	if (len > HB_HACF_MAXFILE) {
		hb_diag_error(d, path, 0, "file is larger than %d bytes",
			      HB_HACF_MAXFILE);
		return HB_ECONFIG;
	}
	x.path = path;
	x.d = d;
	x.local = local_node;
	x.c = hacf_config_new(path);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		g_autofree char *s = g_strndup(buf + pos, ll);
		char *cr;

		x.line++;
		pos += ll + 1;
		if (strlen(s) != ll) {
			hacf_err(&x, "NUL byte in line");
			continue;
		}
		if ((cr = strchr(s, '\r')) != NULL)
			*cr = '\0';
		hacf_line(&x, s);
	}
	hacf_validate(&x);
	if (d->errors->len > nerr) {
		hb_config_free(x.c);
		return HB_ECONFIG;
	}
	*out = x.c;
	return 0;
}

int
hb_config_load(const char *path, const char *local_node, hb_config **out,
	       hb_diag *d)
{
	g_autofree char *buf = NULL;
	size_t len = 0;
	int rc = hb_file_read(path, HB_HACF_MAXFILE, 0, &buf, &len, NULL, d);

	if (rc != 0)
		return rc;
	return hb_config_parse(path, buf, len, local_node, out, d);
}

static void
hacf_ping_free(gpointer p)
{
	hb_ping_cfg *pc = p;

	g_free(pc->name);
	g_ptr_array_unref(pc->addrs);
	g_free(pc);
}

static void
hacf_media_free(gpointer p)
{
	hb_media_cfg *m = p;

	g_free(m->dev);
	g_free(m->addr);
	g_free(m);
}

void
hb_config_free(hb_config *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	g_ptr_array_unref(c->nodes);
	g_ptr_array_foreach(c->pings, (GFunc)(void (*)(void))hacf_ping_free,
			    NULL);
	g_ptr_array_unref(c->pings);
	g_ptr_array_foreach(c->media, (GFunc)(void (*)(void))hacf_media_free,
			    NULL);
	g_ptr_array_unref(c->media);
	g_free(c->logfile);
	g_free(c->debugfile);
	g_free(c->watchdog);
	if (c->stonith != NULL) {
		g_free(c->stonith->type);
		g_free(c->stonith->params);
		g_free(c->stonith->file);
		g_free(c->stonith);
	}
	g_hash_table_unref(c->recorded);
	g_free(c);
}

gboolean
hb_config_has_node(const hb_config *c, const char *name)
{
	guint i;

	if (c == NULL || name == NULL)
		return FALSE;
	for (i = 0; i < c->nodes->len; i++)
		if (g_ascii_strcasecmp(c->nodes->pdata[i], name) == 0)
			return TRUE;
	return FALSE;
}
