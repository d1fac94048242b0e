/*
 * hbstatus.c - status model, verdict and renderings (see hbstatus.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hbstatus.h"

static void
link_free(hbs_link *l)
{
	g_free(l->name);
	g_free(l);
}

static void
node_free(hbs_node *n)
{
	g_free(n->name);
	g_free(n->type);
	g_free(n->status);
	g_ptr_array_unref(n->links);
	g_free(n);
}

static void
group_free(hbs_group *g)
{
	g_free(g->key);
	g_free(g->node);
	g_free(g->here);
	g_free(g->holder);
	g_free(g);
}

static void
fence_free(hbs_fence *f)
{
	g_free(f->from);
	g_free(f->node);
	g_free(f->result);
	g_free(f);
}

static void
event_free(hbs_event *e)
{
	g_free(e->level);
	g_free(e->text);
	g_free(e);
}

static void
repl_clear(hbs_repl *p)
{
	g_clear_pointer(&p->role, g_free);
	g_clear_pointer(&p->session, g_free);
	g_clear_pointer(&p->error, g_free);
	p->session_up = FALSE;
	p->queued = p->seq = p->acked = p->applied = p->ack_age_ms = -1;
	p->replicas = -1;
}

hbs_report *
hbs_report_new(void)
{
	hbs_report *r = g_new0(hbs_report, 1);

	r->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
	r->groups = g_ptr_array_new_with_free_func((GDestroyNotify)group_free);
	r->fencing = g_ptr_array_new_with_free_func((GDestroyNotify)fence_free);
	r->events = g_ptr_array_new_with_free_func((GDestroyNotify)event_free);
	r->problems = g_ptr_array_new_with_free_func(g_free);
	repl_clear(&r->repl);
	return r;
}

void
hbs_report_free(hbs_report *r)
{
	if (r == NULL)
		return;
	g_free(r->hbd_where);
	g_free(r->self);
	g_free(r->rm_state);
	g_ptr_array_unref(r->nodes);
	g_ptr_array_unref(r->groups);
	g_ptr_array_unref(r->fencing);
	g_ptr_array_unref(r->events);
	g_ptr_array_unref(r->problems);
	repl_clear(&r->repl);
	g_free(r->repl.where);
	g_free(r->summary);
	g_free(r);
}

/* ---- parsers ---- */

/* The reply's lines split on tabs, those with min..max fields and a
 * non-empty first one (other lines are dropped); at most HBS_MAXITEMS. */
static GPtrArray *
split_rows(const char *text, guint min, guint max)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_strfreev);
	g_autofree char *copy = NULL;
	g_auto(GStrv) lines = NULL;
	char **l;

	if (text == NULL)
		return rows;
	copy = g_strndup(text, HBS_MAXREPLY);
	lines = g_strsplit(copy, "\n", -1);
	for (l = lines; *l != NULL && rows->len < HBS_MAXITEMS; l++) {
		char **f = g_strsplit(*l, "\t", -1);
		guint nf = g_strv_length(f);

		if (nf >= min && nf <= max && **f != '\0')
			g_ptr_array_add(rows, f);
		else
			g_strfreev(f);
	}
	return rows;
}

/* A decimal (possibly negative) integer, or fallback. */
static gint64
parse_int(const char *s, gint64 fallback)
{
	gint64 v;

	if (s == NULL || !g_ascii_string_to_signed(s, 10, G_MININT64,
						   G_MAXINT64, &v, NULL))
		return fallback;
	return v;
}

static hbs_node *
find_node(const hbs_report *r, const char *name)
{
	guint i;

	for (i = 0; name != NULL && i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);

		if (g_ascii_strcasecmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

void
hbs_parse_nodes(hbs_report *r, const char *text)
{
	g_autoptr(GPtrArray) rows = split_rows(text, 3, 3);
	guint i;

	for (i = 0; i < rows->len && r->nodes->len < HBS_MAXITEMS; i++) {
		char **f = g_ptr_array_index(rows, i);
		hbs_node *n;

		if (find_node(r, f[0]) != NULL)
			continue;
		n = g_new0(hbs_node, 1);
		n->name = g_strdup(f[0]);
		n->type = g_strdup(f[1]);
		n->status = g_strdup(f[2]);
		n->links = g_ptr_array_new_with_free_func(
			(GDestroyNotify)link_free);
		g_ptr_array_add(r->nodes, n);
	}
}

void
hbs_parse_links(hbs_report *r, const char *node, const char *text)
{
	hbs_node *n = find_node(r, node);
	g_autoptr(GPtrArray) rows = NULL;
	guint i;

	if (n == NULL)
		return;
	rows = split_rows(text, 2, 2);
	for (i = 0; i < rows->len && n->links->len < HBS_MAXITEMS; i++) {
		char **f = g_ptr_array_index(rows, i);
		hbs_link *l = g_new0(hbs_link, 1);

		l->name = g_strdup(f[0]);
		l->up = strcmp(f[1], "up") == 0;
		g_ptr_array_add(n->links, l);
	}
}

void
hbs_parse_rmstatus(hbs_report *r, const char *text)
{
	g_autoptr(GPtrArray) rows = split_rows(text, 2, 6);
	guint i;

	for (i = 0; i < rows->len; i++) {
		char **f = g_ptr_array_index(rows, i);
		hbs_group *g;

		if (strcmp(f[0], "state") == 0 && g_strv_length(f) == 2) {
			g_free(r->rm_state);
			r->rm_state = g_strdup(f[1]);
			continue;
		}
		if (strcmp(f[0], "group") != 0 || g_strv_length(f) != 6 ||
		    *f[1] == '\0' || r->groups->len >= HBS_MAXITEMS)
			continue;
		g = g_new0(hbs_group, 1);
		g->key = g_strdup(f[1]);
		g->node = g_strdup(f[2]);
		g->here = g_strdup(f[3]);
		g->peer_holds = strcmp(f[4], "yes") == 0;
		g->failed = strcmp(f[5], "failed") == 0;
		g_ptr_array_add(r->groups, g);
	}
}

void
hbs_parse_fencing(hbs_report *r, const char *text)
{
	g_autoptr(GPtrArray) rows = split_rows(text, 4, 4);
	guint i;

	for (i = 0; i < rows->len && r->fencing->len < HBS_MAXITEMS; i++) {
		char **f = g_ptr_array_index(rows, i);
		hbs_fence *x = g_new0(hbs_fence, 1);

		x->time_ms = parse_int(f[0], 0);
		x->from = g_strdup(f[1]);
		x->node = g_strdup(f[2]);
		x->result = g_strdup(f[3]);
		g_ptr_array_add(r->fencing, x);
	}
}

void
hbs_parse_events(hbs_report *r, const char *text)
{
	g_autoptr(GPtrArray) rows = split_rows(text, 3, 3);
	guint i;

	for (i = 0; i < rows->len && r->events->len < HBS_MAXITEMS; i++) {
		char **f = g_ptr_array_index(rows, i);
		hbs_event *e = g_new0(hbs_event, 1);

		e->time_ms = parse_int(f[0], 0);
		e->level = g_strdup(f[1]);
		e->text = g_strdup(f[2]);
		g_ptr_array_add(r->events, e);
	}
}

void
hbs_parse_repl(hbs_report *r, const char *text)
{
	hbs_repl *p = &r->repl;
	g_autofree char *line = NULL;
	g_auto(GStrv) tok = NULL;
	char *nl, **t;

	repl_clear(p);
	p->reachable = TRUE;
	line = g_strndup(text ? text : "", 4096);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	tok = g_strsplit(line, " ", 64);
	for (t = tok; *t != NULL; t++) {
		char *eq = strchr(*t, '=');
		const char *v;

		if (eq == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (strcmp(*t, "role") == 0 && p->role == NULL)
			p->role = g_strdup(v);
		else if ((strcmp(*t, "phase") == 0 ||
			  strcmp(*t, "session") == 0) && p->session == NULL)
			p->session = g_strdup(v);
		else if (strcmp(*t, "queued") == 0)
			p->queued = parse_int(v, -1);
		else if (strcmp(*t, "seq") == 0)
			p->seq = parse_int(v, -1);
		else if (strcmp(*t, "acked") == 0)
			p->acked = parse_int(v, -1);
		else if (strcmp(*t, "applied") == 0)
			p->applied = parse_int(v, -1);
		else if (strcmp(*t, "ack_age_ms") == 0)
			p->ack_age_ms = parse_int(v, -1);
		else if (strcmp(*t, "replicas") == 0)
			p->replicas = parse_int(v, -1);
	}
	if (p->role == NULL || (strcmp(p->role, "source") != 0 &&
				strcmp(p->role, "replica") != 0)) {
		g_autofree char *said = g_strescape(line, NULL);

		repl_clear(p);
		p->reachable = FALSE;
		p->error = g_strdup_printf("unexpected answer \"%.80s\"", said);
		return;
	}
	if (p->session == NULL)
		p->session = g_strdup("unknown");
	if (strcmp(p->role, "source") == 0)
		p->session_up = strcmp(p->session, "stream") == 0;
	else
		p->session_up = strcmp(p->session, "none") != 0 &&
			strcmp(p->session, "unknown") != 0;
}

/* ---- verdict ---- */

static void G_GNUC_PRINTF(3, 4)
problem(hbs_report *r, hbs_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(r->problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
	if (l > r->level)
		r->level = l;
}

static const char *
peer_name(const hbs_report *r)
{
	guint i;

	for (i = 0; i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);

		if (!n->self && strcmp(n->type, "normal") == 0)
			return n->name;
	}
	return "the peer";
}

static void
evaluate_nodes(hbs_report *r)
{
	guint i, j;

	for (i = 0; i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);

		n->self = r->self != NULL &&
			g_ascii_strcasecmp(n->name, r->self) == 0;
		if (strcmp(n->type, "ping") == 0) {
			if (strcmp(n->status, "dead") == 0)
				problem(r, HBS_WARNING, "ping node %s unreachable",
					n->name);
			continue;
		}
		if (strcmp(n->status, "dead") == 0) {
			problem(r, HBS_CRITICAL, "node %s dead", n->name);
			continue;
		}
		if (strcmp(n->status, "active") != 0) {
			problem(r, HBS_WARNING, "node %s %s, not active",
				n->name, n->status);
			continue;
		}
		for (j = 0; !n->self && j < n->links->len; j++) {
			hbs_link *l = g_ptr_array_index(n->links, j);

			if (!l->up)
				problem(r, HBS_WARNING, "link %s:%s dead",
					n->name, l->name);
		}
	}
}

static void
evaluate_groups(hbs_report *r)
{
	const char *peer = peer_name(r);
	guint i;

	if (r->rm_state != NULL) {
		if (strcmp(r->rm_state, "fencing") == 0)
			problem(r, HBS_CRITICAL, "fencing %s: its resources are "
				"not taken over until STONITH succeeds", peer);
		else if (strcmp(r->rm_state, "shutdown") == 0)
			problem(r, HBS_WARNING, "hbd is shutting down");
		else if (strcmp(r->rm_state, "stable") != 0 &&
			 r->groups->len > 0)
			problem(r, HBS_WARNING, "resources in transition "
				"(resource manager %s)",
				r->rm_state);
	}
	for (i = 0; i < r->groups->len; i++) {
		hbs_group *g = g_ptr_array_index(r->groups, i);

		g_free(g->holder);
		if (strcmp(g->here, "running") == 0) {
			g->holder = g_strdup(r->self ? r->self : "this node");
			if (g->peer_holds)
				problem(r, HBS_CRITICAL, "group %s held by both "
					"nodes", g->key);
		} else if (strcmp(g->here, "stopped") != 0) {
			g->holder = g_strdup("transition");
			problem(r, HBS_WARNING, "group %s %s here", g->key,
				g->here);
		} else if (g->peer_holds) {
			g->holder = g_strdup(peer);
		} else {
			g->holder = g_strdup("stopped");
			problem(r, HBS_CRITICAL, "group %s stopped (held by no "
				"node)", g->key);
		}
		if (g->failed)
			problem(r, HBS_WARNING, "group %s failed to start here",
				g->key);
	}
}

static void
evaluate_repl(hbs_report *r, gint64 ack_warn_ms)
{
	hbs_repl *p = &r->repl;

	if (!p->configured)
		return;
	if (!p->reachable) {
		problem(r, HBS_CRITICAL, "replication down: %s",
			p->error ? p->error : "no answer");
		return;
	}
	if (strcmp(p->role, "source") == 0) {
		if (strcmp(p->session, "down") == 0)
			problem(r, HBS_WARNING, "accepting alone: the replication "
				"source has no replica session");
		else if (!p->session_up)
			problem(r, HBS_WARNING, "replication catching up (%s)",
				p->session);
		else if (p->seq > p->acked && p->acked >= 0 &&
			 p->ack_age_ms > ack_warn_ms && p->replicas > 1)
			problem(r, HBS_WARNING, "a replica has not acknowledged "
				"for %" G_GINT64_FORMAT " s (%" G_GINT64_FORMAT
				" operations queued)", p->ack_age_ms / 1000,
				p->queued);
		else if (p->seq > p->acked && p->acked >= 0 &&
			 p->ack_age_ms > ack_warn_ms)
			problem(r, HBS_WARNING, "replica has not acknowledged for "
				"%" G_GINT64_FORMAT " s (%" G_GINT64_FORMAT
				" operations waiting)", p->ack_age_ms / 1000,
				p->seq - p->acked);
	} else if (!p->session_up) {
		problem(r, HBS_WARNING, "replica has no session: no source "
			"sends to this node");
	}
}

void
hbs_evaluate(hbs_report *r, gint64 ack_warn_ms)
{
	guint i, active = 0, held = 0;

	g_ptr_array_set_size(r->problems, 0);
	r->level = HBS_OK;
	g_clear_pointer(&r->summary, g_free);
	if (!r->hbd_reachable) {
		problem(r, HBS_UNKNOWN, "hbd not reachable at %s",
			r->hbd_where ? r->hbd_where : "its control socket");
	} else {
		evaluate_nodes(r);
		evaluate_groups(r);
	}
	evaluate_repl(r, ack_warn_ms);
	if (!r->hbd_reachable)
		r->level = HBS_UNKNOWN;
	if (r->problems->len > 0) {
		g_autoptr(GString) s = g_string_new(NULL);

		for (i = 0; i < r->problems->len; i++)
			g_string_append_printf(s, "%s%s", i ? "; " : "",
				(char *)g_ptr_array_index(r->problems, i));
		r->summary = g_strdup_printf("HBD %s - %s",
					     hbs_level_name(r->level), s->str);
		return;
	}
	for (i = 0; i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);

		active += strcmp(n->type, "normal") == 0 &&
			strcmp(n->status, "active") == 0;
	}
	for (i = 0; i < r->groups->len; i++) {
		hbs_group *g = g_ptr_array_index(r->groups, i);

		held += strcmp(g->holder, "stopped") != 0;
	}
	r->summary = g_strdup_printf("HBD OK - %u nodes active, %u of %u "
		"groups held%s", active, held, r->groups->len,
		!r->repl.configured ? "" : strcmp(r->repl.role, "source") == 0 ?
		", replication streaming" : ", replica receiving");
}

const char *
hbs_level_name(hbs_level l)
{
	static const char *n[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return l <= HBS_UNKNOWN ? n[l] : "UNKNOWN";
}

/* ---- text ---- */

static void
append_time(GString *out, gint64 ms, const char *fmt)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(ms / 1000);
	g_autofree char *s = t ? g_date_time_format(t, fmt) : NULL;

	g_string_append(out, s ? s : "?");
}

static const char *
fence_words(const char *result)
{
	if (strcmp(result, "OK") == 0)
		return "reset by STONITH";
	if (strcmp(result, "bad") == 0)
		return "STONITH FAILED";
	if (strcmp(result, "n_stnth") == 0)
		return "taken over without STONITH (no device configured)";
	if (strcmp(result, "unneeded") == 0)
		return "not fenced (it held nothing)";
	return result;
}

void
hbs_format_text(const hbs_report *r, GString *out)
{
	const hbs_repl *p = &r->repl;
	guint i, j;

	g_string_append_printf(out, "%s\n", r->summary ? r->summary : "HBD ?");
	if (r->hbd_reachable) {
		g_string_append(out, "\nNodes:\n");
		for (i = 0; i < r->nodes->len; i++) {
			hbs_node *n = g_ptr_array_index(r->nodes, i);

			g_string_append_printf(out, "  %s %s: %s%s\n",
				strcmp(n->type, "ping") == 0 ? "ping node" :
				"node", n->name, n->status,
				n->self ? " (this node)" : "");
			for (j = 0; j < n->links->len; j++) {
				hbs_link *l = g_ptr_array_index(n->links, j);

				g_string_append_printf(out, "    link %s: %s\n",
					l->name, l->up ? "up" : "dead");
			}
		}
		g_string_append_printf(out, "\nResource groups (resource manager "
				       "%s):\n", r->rm_state ? r->rm_state :
				       "unknown");
		if (r->groups->len == 0)
			g_string_append(out, "  none\n");
		for (i = 0; i < r->groups->len; i++) {
			hbs_group *g = g_ptr_array_index(r->groups, i);

			g_string_append_printf(out, "  %s (prefers %s): ",
					       g->key, g->node);
			if (strcmp(g->holder, "transition") == 0)
				g_string_append_printf(out, "in transition "
					"(%s here)", g->here);
			else if (strcmp(g->holder, "stopped") == 0)
				g_string_append(out, "STOPPED");
			else
				g_string_append_printf(out, "held by %s",
						       g->holder);
			g_string_append_printf(out, "%s\n", g->failed ?
				", start FAILED here" : "");
		}
		g_string_append(out, "\nFencing history:\n");
		if (r->fencing->len == 0)
			g_string_append(out, "  none\n");
		for (i = 0; i < r->fencing->len; i++) {
			hbs_fence *f = g_ptr_array_index(r->fencing, i);

			g_string_append(out, "  ");
			append_time(out, f->time_ms, "%F %T");
			g_string_append_printf(out, "  %s: node %s %s\n", f->from,
					       f->node, fence_words(f->result));
		}
	}
	g_string_append(out, "\nReplication:");
	if (!p->configured) {
		g_string_append(out, " not configured\n");
	} else if (!p->reachable) {
		g_string_append_printf(out, " DOWN (%s: %s)\n", p->where,
				       p->error ? p->error : "no answer");
	} else {
		g_string_append_printf(out, " %s, session %s%s\n", p->role,
			p->session, p->session_up ? " (up)" : " (DOWN)");
		if (strcmp(p->role, "source") == 0 && p->replicas > 1) {
			/* positions, not counts: `replicate status` has a
			 * line per replica */
			g_string_append_printf(out, "  %" G_GINT64_FORMAT
				" replicas, queued %" G_GINT64_FORMAT " for the "
				"slowest (position %" G_GINT64_FORMAT ", acked %"
				G_GINT64_FORMAT ")", p->replicas, p->queued,
				p->seq, p->acked);
		} else if (strcmp(p->role, "source") == 0) {
			g_string_append_printf(out, "  queued %" G_GINT64_FORMAT
				", lag %" G_GINT64_FORMAT " operations (seq %"
				G_GINT64_FORMAT ", acked %" G_GINT64_FORMAT ")",
				p->queued, p->seq >= 0 && p->acked >= 0 ?
				p->seq - p->acked : -1, p->seq, p->acked);
		}
		if (strcmp(p->role, "source") == 0) {
			if (p->ack_age_ms >= 0)
				g_string_append_printf(out, ", last ack %"
					G_GINT64_FORMAT ".%01" G_GINT64_FORMAT
					" s ago\n", p->ack_age_ms / 1000,
					p->ack_age_ms % 1000 / 100);
			else
				g_string_append(out, ", no ack yet\n");
		} else {
			g_string_append_printf(out, "  applied up to seq %"
					       G_GINT64_FORMAT "\n", p->applied);
		}
	}
	if (r->events->len > 0) {
		g_string_append(out, "\nLast events:\n");
		for (i = 0; i < r->events->len; i++) {
			hbs_event *e = g_ptr_array_index(r->events, i);

			g_string_append(out, "  ");
			append_time(out, e->time_ms, "%b %d %T");
			g_string_append_printf(out, " %-6s %s\n", e->level,
					       e->text);
		}
	}
}

/* ---- JSON ---- */

static void
json_str(GString *out, const char *s)
{
	g_autofree char *valid = NULL;
	const unsigned char *p;

	if (s == NULL) {
		g_string_append(out, "null");
		return;
	}
	valid = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (p = (const unsigned char *)valid; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(out, "\\u%04x", *p);
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

static void
json_key(GString *out, const char *key, gboolean first)
{
	if (!first)
		g_string_append_c(out, ',');
	json_str(out, key);
	g_string_append_c(out, ':');
}

static void
json_kv_str(GString *out, const char *key, const char *v, gboolean first)
{
	json_key(out, key, first);
	json_str(out, v);
}

static void
json_kv_bool(GString *out, const char *key, gboolean v)
{
	json_key(out, key, FALSE);
	g_string_append(out, v ? "true" : "false");
}

static void
json_kv_int(GString *out, const char *key, gint64 v)
{
	json_key(out, key, FALSE);
	if (v < 0)
		g_string_append(out, "null");
	else
		g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
}

void
hbs_format_json(const hbs_report *r, GString *out)
{
	const hbs_repl *p = &r->repl;
	guint i, j;

	g_string_append_c(out, '{');
	json_kv_str(out, "level", hbs_level_name(r->level), TRUE);
	json_kv_int(out, "code", r->level);
	json_kv_str(out, "summary", r->summary, FALSE);
	json_key(out, "problems", FALSE);
	g_string_append_c(out, '[');
	for (i = 0; i < r->problems->len; i++) {
		if (i)
			g_string_append_c(out, ',');
		json_str(out, g_ptr_array_index(r->problems, i));
	}
	g_string_append(out, "],\"hbd\":{");
	json_key(out, "reachable", TRUE);
	g_string_append(out, r->hbd_reachable ? "true" : "false");
	json_kv_str(out, "socket", r->hbd_where, FALSE);
	g_string_append_c(out, '}');
	json_kv_str(out, "self", r->self, FALSE);
	json_kv_str(out, "resource_manager", r->rm_state, FALSE);
	json_key(out, "nodes", FALSE);
	g_string_append_c(out, '[');
	for (i = 0; i < r->nodes->len; i++) {
		hbs_node *n = g_ptr_array_index(r->nodes, i);

		g_string_append(out, i ? ",{" : "{");
		json_kv_str(out, "name", n->name, TRUE);
		json_kv_str(out, "type", n->type, FALSE);
		json_kv_str(out, "status", n->status, FALSE);
		json_kv_bool(out, "self", n->self);
		json_key(out, "links", FALSE);
		g_string_append_c(out, '[');
		for (j = 0; j < n->links->len; j++) {
			hbs_link *l = g_ptr_array_index(n->links, j);

			g_string_append(out, j ? ",{" : "{");
			json_kv_str(out, "name", l->name, TRUE);
			json_kv_bool(out, "up", l->up);
			g_string_append_c(out, '}');
		}
		g_string_append(out, "]}");
	}
	g_string_append_c(out, ']');
	json_key(out, "groups", FALSE);
	g_string_append_c(out, '[');
	for (i = 0; i < r->groups->len; i++) {
		hbs_group *g = g_ptr_array_index(r->groups, i);

		g_string_append(out, i ? ",{" : "{");
		json_kv_str(out, "key", g->key, TRUE);
		json_kv_str(out, "preferred", g->node, FALSE);
		json_kv_str(out, "here", g->here, FALSE);
		json_kv_bool(out, "peer_holds", g->peer_holds);
		json_kv_bool(out, "failed", g->failed);
		json_kv_str(out, "holder", g->holder, FALSE);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
	json_key(out, "fencing", FALSE);
	g_string_append_c(out, '[');
	for (i = 0; i < r->fencing->len; i++) {
		hbs_fence *f = g_ptr_array_index(r->fencing, i);

		g_string_append(out, i ? ",{" : "{");
		json_kv_str(out, "from", f->from, TRUE);
		json_kv_int(out, "time_ms", f->time_ms);
		json_kv_str(out, "node", f->node, FALSE);
		json_kv_str(out, "result", f->result, FALSE);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
	json_key(out, "replication", FALSE);
	g_string_append_c(out, '{');
	json_key(out, "configured", TRUE);
	g_string_append(out, p->configured ? "true" : "false");
	json_kv_str(out, "socket", p->where, FALSE);
	json_kv_bool(out, "reachable", p->reachable);
	json_kv_str(out, "error", p->error, FALSE);
	json_kv_str(out, "role", p->role, FALSE);
	json_kv_str(out, "session", p->session, FALSE);
	json_kv_bool(out, "session_up", p->session_up);
	json_kv_int(out, "replicas", p->replicas > 1 ? p->replicas : 1);
	json_kv_int(out, "queued", p->queued);
	json_kv_int(out, "seq", p->seq);
	json_kv_int(out, "acked", p->acked);
	json_kv_int(out, "lag", p->seq >= 0 && p->acked >= 0 &&
		    p->replicas <= 1 ? p->seq - p->acked : -1);
	json_kv_int(out, "applied", p->applied);
	json_kv_int(out, "ack_age_ms", p->ack_age_ms);
	g_string_append_c(out, '}');
	json_key(out, "events", FALSE);
	g_string_append_c(out, '[');
	for (i = 0; i < r->events->len; i++) {
		hbs_event *e = g_ptr_array_index(r->events, i);

		g_string_append(out, i ? ",{" : "{");
		json_kv_str(out, "level", e->level, TRUE);
		json_kv_int(out, "time_ms", e->time_ms);
		json_kv_str(out, "text", e->text, FALSE);
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]}\n");
}
