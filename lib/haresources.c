/*
 * haresources.c - parser for Heartbeat v1 resource groups (haresources).
 *
 * Purpose: turn the bytes of an haresources file into hb_rgroup lists
 * following heartbeat-facts 2.1: '#' comments, a trailing '\' joins the
 * next line, whitespace runs collapse, "script::arg::arg" resources, a
 * resource matching the shell pattern [0-9]*.[0-9]*.[0-9]*.[0-9]* means
 * IPaddr::<it>, the first resource is the group key and must be unique,
 * the node must be configured.
 *
 * Invariants: pure (no I/O except hb_haresources_load); input at most
 * HB_HARESOURCES_MAXFILE bytes, at most HR_MAXGROUPS groups of at most
 * HR_MAXRSC resources; script names never contain '/' (they are looked up
 * in resource.d and /etc/init.d only).  Every error is collected.
 *
 * Logs: nothing.  Errors go to the caller's hb_diag as "file:line: ...".
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "haresources.h"
#include "fileread.h"
#include "hacf-private.h"
#include "hb_err.h"

#define HR_MAXGROUPS 256
#define HR_MAXRSC 64
#define HR_MAXTOKEN 1024

static void
hr_resource_free(gpointer p)
{
	hb_resource *r = p;

	g_free(r->spec);
	g_free(r->script);
	g_ptr_array_unref(r->args);
	g_free(r);
}

static void
hr_group_free(gpointer p)
{
	hb_rgroup *g = p;

	g_free(g->node);
	g_free(g->key);
	g_ptr_array_unref(g->resources);
	g_free(g);
}

void
hb_haresources_free(hb_haresources *h)
{
	if (h == NULL)
		return;
	g_free(h->path);
	g_ptr_array_unref(h->groups);
	g_free(h);
}

/* The shell pattern [0-9]*.[0-9]*.[0-9]*.[0-9]* : a digit first, then
 * three times a '.' followed by a digit, anything in between. */
static gboolean
hr_looks_like_ip(const char *s)
{
	const char *p;
	int i;

	if (!g_ascii_isdigit(s[0]))
		return FALSE;
	p = s + 1;
	for (i = 0; i < 3; i++) {
		for (;;) {
			p = strchr(p, '.');
			if (p == NULL)
				return FALSE;
			p++;
			if (g_ascii_isdigit(*p))
				break;
		}
		p++;
	}
	return TRUE;
}

/* Returns NULL and adds an error when the spec is unusable. */
static hb_resource *
hr_resource_parse(const char *spec, const char *path, int line, hb_diag *d)
{
	g_autofree char *full = NULL;
	g_auto(GStrv) parts = NULL;
	hb_resource *r;
	int i;

	if (strlen(spec) > HR_MAXTOKEN) {
		hb_diag_error(d, path, line, "resource [%.40s...] is longer "
			      "than %d characters", spec, HR_MAXTOKEN);
		return NULL;
	}
	full = hr_looks_like_ip(spec) ? g_strconcat("IPaddr::", spec, NULL)
		: g_strdup(spec);
	parts = g_strsplit(full, "::", -1);
	if (parts[0][0] == '\0') {
		hb_diag_error(d, path, line, "resource [%s] has no script "
			      "name", spec);
		return NULL;
	}
	if (strchr(parts[0], '/') != NULL || parts[0][0] == '.') {
		hb_diag_error(d, path, line, "resource [%s]: script name [%s] "
			      "must be a plain file name in resource.d or "
			      "/etc/init.d", spec, parts[0]);
		return NULL;
	}
	r = g_new0(hb_resource, 1);
	r->spec = g_strdup(spec);
	r->script = g_strdup(parts[0]);
	r->args = g_ptr_array_new_with_free_func(g_free);
	/* ResourceManager turns "::" into blanks and word-splits: empty
	 * arguments vanish. */
	for (i = 1; parts[i] != NULL; i++)
		if (parts[i][0] != '\0')
			g_ptr_array_add(r->args, g_strdup(parts[i]));
	return r;
}

static void
hr_logical_line(hb_haresources *h, const char *path, const char *text,
		int line, const hb_config *cfg, GHashTable *keys, hb_diag *d)
{
	g_auto(GStrv) t = g_strsplit_set(text, " \t\f\v", -1);
	hb_rgroup *g;
	int i, bad = 0;
	gpointer first;

	for (i = 0; t[i] != NULL && t[i][0] == '\0'; i++)
		;
	if (t[i] == NULL)
		return;		/* blank or comment */
	g = g_new0(hb_rgroup, 1);
	g->node = g_ascii_strdown(t[i], -1);
	g->line = line;
	g->resources = g_ptr_array_new_with_free_func(hr_resource_free);
	if (cfg != NULL && !hb_config_has_node(cfg, g->node)) {
		hb_diag_error(d, path, line, "Bad nodename in %s [%s]", path,
			      g->node);
		bad++;
	}
	for (i++; t[i] != NULL; i++) {
		hb_resource *r;

		if (t[i][0] == '\0')
			continue;
		if (g->resources->len >= HR_MAXRSC) {
			hb_diag_error(d, path, line, "more than %d resources "
				      "in one group", HR_MAXRSC);
			bad++;
			break;
		}
		r = hr_resource_parse(t[i], path, line, d);
		if (r == NULL) {
			bad++;
			continue;
		}
		g_ptr_array_add(g->resources, r);
	}
	if (g->resources->len == 0 && bad == 0) {
		hb_diag_error(d, path, line, "node [%s] has an empty resource "
			      "group", g->node);
		bad++;
	}
	if (g->resources->len > 0) {
		g->key = g_strdup(((hb_resource *)g->resources->pdata[0])->spec);
		if (g_hash_table_lookup_extended(keys, g->key, NULL, &first)) {
			hb_diag_error(d, path, line, "duplicate group key [%s] "
				      "(first used at line %d)", g->key,
				      GPOINTER_TO_INT(first));
			bad++;
		} else {
			g_hash_table_insert(keys, g_strdup(g->key),
					    GINT_TO_POINTER(line));
		}
	}
	if (bad == 0 && h->groups->len >= HR_MAXGROUPS) {
		hb_diag_error(d, path, line, "more than %d resource groups",
			      HR_MAXGROUPS);
		bad++;
	}
	if (bad)
		hr_group_free(g);
	else
		g_ptr_array_add(h->groups, g);
}

int
hb_haresources_parse(const char *path, const char *buf, size_t len,
		     const hb_config *cfg, hb_haresources **out, hb_diag *d)
{
	g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash,
		g_str_equal, g_free, NULL);
	g_autoptr(GString) logical = g_string_new(NULL);
	hb_haresources *h;
	size_t pos = 0;
	int line = 0, start = 0;
	guint nerr;

	g_return_val_if_fail(d != NULL && out != NULL, -EINVAL);
	nerr = d->errors->len;
	if (len > HB_HARESOURCES_MAXFILE) {
		hb_diag_error(d, path, 0, "file is larger than %d bytes",
			      HB_HARESOURCES_MAXFILE);
		return HB_ECONFIG;
	}
	h = g_new0(hb_haresources, 1);
	h->path = g_strdup(path);
	h->groups = g_ptr_array_new_with_free_func(hr_group_free);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		g_autofree char *s = g_strndup(buf + pos, ll);
		char *p;
		size_t sl;

		line++;
		pos += ll + 1;
		if (strlen(s) != ll) {
			hb_diag_error(d, path, line, "NUL byte in line");
			continue;
		}
		if ((p = strchr(s, '\r')) != NULL)
			*p = '\0';
		if ((p = strchr(s, '#')) != NULL)
			*p = '\0';
		g_strchomp(s);
		if (logical->len == 0)
			start = line;
		sl = strlen(s);
		if (sl > 0 && s[sl - 1] == '\\') {
			s[sl - 1] = ' ';
			g_string_append(logical, s);
			continue;
		}
		g_string_append(logical, s);
		hr_logical_line(h, path, logical->str, start, cfg, keys, d);
		g_string_truncate(logical, 0);
	}
	if (logical->len > 0)
		hr_logical_line(h, path, logical->str, start, cfg, keys, d);
	if (d->errors->len > nerr) {
		hb_haresources_free(h);
		return HB_ECONFIG;
	}
	*out = h;
	return 0;
}

int
hb_haresources_load(const char *path, const hb_config *cfg,
		    hb_haresources **out, hb_diag *d)
{
	g_autofree char *buf = NULL;
	size_t len = 0;
	int rc = hb_file_read(path, HB_HARESOURCES_MAXFILE, 0, &buf, &len, NULL,
			      d);

	if (rc != 0)
		return rc;
	return hb_haresources_parse(path, buf, len, cfg, out, d);
}
