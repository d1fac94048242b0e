/*
 * pcmk-conv.c - ha.cf + haresources to Pacemaker (see pcmk-conv.h).
 *
 * Two steps: conv_build() turns the parsed files into a small model
 * (primitives, groups, global notes), then conv_crm() or conv_xml()
 * renders it.  Both renderers walk the same model, so the crm script and
 * the XML always describe the same cluster.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "params.h"
#include "pcmk-conv.h"
#include "stonith.h"

#define CONV_PREF_SCORE 100	/* group -> its haresources node */
#define CONV_STICKY_OFF 200	/* auto_failback off: above the preference */
#define CONV_PING_MULT 1000	/* per ping node: above the stickiness */

typedef struct conv_prim {
	char *id;
	char *agent;		/* "ocf:hbd:IPaddr", "lsb:foo", "stonith:.." */
	GPtrArray *params;	/* char *, name, value, name, value, ... */
	GPtrArray *notes;	/* char *, comments about this primitive */
	int line;		/* haresources line, 0 for none */
} conv_prim;

typedef struct conv_group {
	char *id;
	char *node;
	char *key;
	int line;
	GPtrArray *prims;	/* conv_prim *, in start order */
	conv_prim *repl;	/* replicate: a promotable clone, or NULL */
	char *repl_clone;	/* its clone id */
} conv_group;

typedef struct conv_model {
	GPtrArray *notes;	/* char *, global comments */
	GPtrArray *groups;	/* conv_group * */
	conv_prim *ping;	/* cloned as "cl_ping", or NULL */
	conv_prim *fence;	/* or NULL */
	GPtrArray *fence_notes;
	gboolean stonith_enabled;
	guint stickiness;
	const char *src_cf, *src_hr;
	GHashTable *ids;	/* every XML id given out (or reserved) */
} conv_model;

/* ------------------------------------------------------------------ */
/* Model                                                              */

static conv_prim *
prim_new(const char *id, const char *agent, int line)
{
	conv_prim *p = g_new0(conv_prim, 1);

	p->id = g_strdup(id);
	p->agent = g_strdup(agent);
	p->params = g_ptr_array_new_with_free_func(g_free);
	p->notes = g_ptr_array_new_with_free_func(g_free);
	p->line = line;
	return p;
}

static void
prim_free(conv_prim *p)
{
	if (p == NULL)
		return;
	g_free(p->id);
	g_free(p->agent);
	g_ptr_array_unref(p->params);
	g_ptr_array_unref(p->notes);
	g_free(p);
}

static void
prim_param(conv_prim *p, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	g_ptr_array_add(p->params, g_strdup(name));
	g_ptr_array_add(p->params, g_strdup(value));
}

static void G_GNUC_PRINTF(2, 3)
note(GPtrArray *notes, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void
group_free(conv_group *g)
{
	g_free(g->id);
	g_free(g->node);
	g_free(g->key);
	g_ptr_array_unref(g->prims);
	prim_free(g->repl);
	g_free(g->repl_clone);
	g_free(g);
}

static void
model_free(conv_model *m)
{
	g_ptr_array_unref(m->notes);
	g_ptr_array_unref(m->groups);
	prim_free(m->ping);
	prim_free(m->fence);
	g_ptr_array_unref(m->fence_notes);
	g_hash_table_unref(m->ids);
}

/* An XML ID (NCName) made from any text: [A-Za-z0-9_.-], letter first. */
static char *
conv_id(const char *s)
{
	GString *o = g_string_new(NULL);

	if (!g_ascii_isalpha(*s) && *s != '_')
		g_string_append(o, "r_");
	for (; *s; s++)
		g_string_append_c(o, g_ascii_isalnum(*s) || *s == '_' ||
				  *s == '-' || *s == '.' ? *s : '_');
	return g_string_free(o, FALSE);
}

static const char *
arg(const hb_resource *r, guint i)
{
	return i < r->args->len ? r->args->pdata[i] : NULL;
}

/* ip[/cidr[/nic[/broadcast]]], or ip/cidr/broadcast: the agents'
 * ag_params_from_args rule (resources/IPaddr). */
static void
conv_ip(conv_prim *p, const char *spec)
{
	g_auto(GStrv) f = g_strsplit(spec, "/", 4);
	guint n = g_strv_length(f);

	prim_param(p, "ip", n > 0 ? f[0] : NULL);
	prim_param(p, "cidr_netmask", n > 1 ? f[1] : NULL);
	if (n > 2 && g_ascii_isdigit(f[2][0])) {
		prim_param(p, "broadcast", f[2]);
	} else {
		prim_param(p, "nic", n > 2 ? f[2] : NULL);
		prim_param(p, "broadcast", n > 3 ? f[3] : NULL);
	}
}

/* Positional "::" arguments of the known scripts, as OCF parameters. */
static const struct conv_agent {
	const char *script;
	const char *agent;
	const char *names[4];	/* NULL-terminated; empty: see conv_ip */
} conv_agents[] = {
	{ "IPaddr", "ocf:hbd:IPaddr", { NULL } },
	{ "IPaddr2", "ocf:heartbeat:IPaddr2", { NULL } },
	{ "postfix", "ocf:hbd:postfix", { "config_dir", NULL } },
	{ "dovecot", "ocf:hbd:dovecot", { "config_file", NULL } },
	{ "MailTo", "ocf:hbd:MailTo", { "email", "subject", "group", NULL } },
	{ "route-switch", "ocf:hbd:route-switch", { "gateway", "device", NULL } },
	{ "replicate", "ocf:hbd:replicate", { "config", NULL } },
	{ "Filesystem", "ocf:heartbeat:Filesystem",
	  { "device", "directory", "fstype", "options" } },
};

static conv_prim *
conv_resource(const hb_resource *r, const char *id, int line)
{
	const struct conv_agent *a = NULL;
	conv_prim *p;
	guint i, n = 0;

	for (i = 0; i < G_N_ELEMENTS(conv_agents); i++)
		if (strcmp(conv_agents[i].script, r->script) == 0)
			a = &conv_agents[i];
	if (a == NULL) {
		g_autofree char *lsb = g_strconcat("lsb:", r->script, NULL);

		p = prim_new(id, lsb, line);
		if (r->args->len > 0)
			note(p->notes, "%s: LSB init scripts take no arguments; "
			     "'%s' had %u (dropped)", id, r->spec, r->args->len);
		return p;
	}
	p = prim_new(id, a->agent, line);
	if (a->names[0] == NULL) {
		if (r->args->len > 0)
			conv_ip(p, arg(r, 0));
		n = 1;
	} else {
		for (n = 0; n < G_N_ELEMENTS(a->names) && a->names[n]; n++)
			prim_param(p, a->names[n], arg(r, n));
	}
	if (r->args->len > n)
		note(p->notes, "%s: '%s' has %u arguments, %s takes %u (extra "
		     "ones dropped)", id, r->spec, r->args->len, r->script, n);
	return p;
}

static conv_group *
conv_group_build(conv_model *m, const hb_rgroup *rg, guint gno)
{
	conv_group *g = g_new0(conv_group, 1);
	guint i, k;

	g->id = g_strdup_printf("group_%u", gno);
	g->node = g_strdup(rg->node);
	g->key = g_strdup(rg->key);
	g->line = rg->line;
	g->prims = g_ptr_array_new_with_free_func((GDestroyNotify)prim_free);
	for (i = 0; i < rg->resources->len; i++) {
		const hb_resource *r = rg->resources->pdata[i];
		g_autofree char *base = conv_id(r->script);
		g_autofree char *id = g_strdup_printf("%s_%u", base, gno);
		conv_prim *p;

		/* ids are unique across the whole configuration (the same
		 * script twice, or a script named like a group) */
		for (k = i + 1; g_hash_table_contains(m->ids, id); k++) {
			g_free(id);
			id = g_strdup_printf("%s_%u_%u", base, gno, k);
		}
		g_hash_table_add(m->ids, g_strdup(id));
		p = conv_resource(r, id, rg->line);
		if (strcmp(r->script, "replicate") == 0 && g->repl == NULL) {
			g->repl = p;
			g->repl_clone = g_strdup_printf("ms_%s", id);
			if (i > 0)
				note(p->notes, "%s: in haresources it started after "
				     "%u resource(s) of its group; under "
				     "Pacemaker the whole group starts after "
				     "it is promoted", id, i);
			continue;
		}
		if (strcmp(r->script, "replicate") == 0)
			note(p->notes, "%s: a second replicate in one group is "
			     "kept as a plain primitive", id);
		g_ptr_array_add(g->prims, p);
	}
	if (g->prims->len == 0)
		note(m->notes, "%s:%d: group [%s] held only replicate; "
		     "an empty group is left out", m->src_hr, rg->line, rg->key);
	return g;
}

/* Parameter names, in positional order, of cluster-glue's external
 * scripts that are common in ha.cf (hbd's external plugin asks the script
 * itself, which a pure conversion cannot do). */
static const struct {
	const char *type;
	const char *names[6];
} conv_glue_external[] = {
	{ "external/ssh", { "hostlist", NULL } },
	{ "external/ipmi", { "hostname", "ipaddr", "userid", "passwd",
			     "interface", NULL } },
};

/* The plugin's parameter names: hbd's compiled-in plugins from their
 * static tables (stonith/), the scripts above from the table.  Returns an
 * owned array, or NULL when they are not known here. */
static GPtrArray *
conv_stonith_names(const char *type)
{
	GPtrArray *names = NULL;
	guint i, k;

	if (g_str_has_prefix(type, "external/")) {
		for (i = 0; i < G_N_ELEMENTS(conv_glue_external); i++) {
			if (strcmp(conv_glue_external[i].type, type) != 0)
				continue;
			names = g_ptr_array_new_with_free_func(g_free);
			for (k = 0; k < G_N_ELEMENTS(conv_glue_external[i].names) &&
			     conv_glue_external[i].names[k]; k++)
				g_ptr_array_add(names,
					g_strdup(conv_glue_external[i].names[k]));
		}
		return names;
	}
	{
		g_autofree char *err = NULL;
		stonith_dev *d = stonith_dev_new(type, &err);

		if (d != NULL && stonith_dev_param_names(d, &names) != S_OK)
			names = NULL;
		stonith_dev_free(d);
	}
	return names;
}

static void
conv_fence(conv_model *m, const hb_config *cfg, const hb_pcmk_opts *o)
{
	const hb_stonith_cfg *s = cfg->stonith;
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GHashTable) table = NULL;
	g_autofree char *err = NULL;
	guint i;

	m->fence_notes = g_ptr_array_new_with_free_func(g_free);
	if (s == NULL) {
		m->stonith_enabled = FALSE;
		note(m->fence_notes, "no stonith/stonith_host in %s: "
		     "stonith-enabled=false, as Heartbeat ran; Pacemaker needs "
		     "fencing for a safe failover: configure a device", m->src_cf);
		return;
	}
	m->stonith_enabled = TRUE;
	m->fence = prim_new("fence_1", "stonith:fence_legacy", 0);
	prim_param(m->fence, "plugin", s->type);
	prim_param(m->fence, "stonith", o && o->stonith_bin ? o->stonith_bin :
		   SBINDIR "/stonith");
	note(m->fence_notes, "fence_1: crmsh checks parameters against "
	     "fence_legacy's metadata, which lists none of the plugin's; "
	     "load this with check_mode = relaxed in crm.conf's [core] "
	     "section, or load hb2pcmk -x's XML with cibadmin");
	if (s->file != NULL) {
		note(m->fence_notes, "stonith %s %s: fence_legacy passes "
		     "parameters as name=value, not a file; copy the file's "
		     "values into fence_1's params", s->type, s->file);
		return;
	}
	names = conv_stonith_names(s->type);
	if (names == NULL) {
		if (s->params && s->params[0])
			note(m->fence_notes, "stonith_host %s %s: the parameter "
			     "names of this plugin are not known here (stonith -t "
			     "%s -n lists them); add them to fence_1 as "
			     "name=value", s->type, s->params, s->type);
		return;
	}
	/* the same rule as stonith -p (stonith/params.h): NAME=VALUE tokens,
	 * the rest in order, extra tokens joined onto the last name */
	if (stonith_params_parse(s->params ? s->params : "",
				 s->params ? strlen(s->params) : 0,
				 STONITH_PARAMS_STRING,
				 (const char *const *)names->pdata, names->len,
				 &table, &err) != 0) {
		note(m->fence_notes, "stonith_host %s: %s; fence_1 has no "
		     "plugin parameters", s->type, err);
		return;
	}
	for (i = 0; i < names->len; i++)
		prim_param(m->fence, names->pdata[i],
			   g_hash_table_lookup(table, names->pdata[i]));
}

static void
conv_build(conv_model *m, const hb_config *cfg, const hb_haresources *rsc,
	   const hb_pcmk_opts *o)
{
	guint i;

	memset(m, 0, sizeof(*m));
	m->src_cf = cfg->path ? cfg->path : "ha.cf";
	m->src_hr = rsc->path ? rsc->path : "haresources";
	m->notes = g_ptr_array_new_with_free_func(g_free);
	m->groups = g_ptr_array_new_with_free_func((GDestroyNotify)group_free);
	m->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(m->ids, g_strdup("ping"));
	g_hash_table_add(m->ids, g_strdup("cl_ping"));
	g_hash_table_add(m->ids, g_strdup("fence_1"));
	for (i = 0; i < rsc->groups->len; i++)
		g_hash_table_add(m->ids, g_strdup_printf("group_%u", i + 1));

	{
		GString *s = g_string_new(NULL);

		for (i = 0; i < cfg->nodes->len; i++)
			g_string_append_printf(s, " %s",
					       (char *)cfg->nodes->pdata[i]);
		note(m->notes, "node%s: Pacemaker takes the nodes from "
		     "corosync.conf's nodelist", s->str);
		g_string_free(s, TRUE);
	}
	note(m->notes, "keepalive %u ms, deadtime %u ms, warntime %u ms, "
	     "initdead %u ms: corosync.conf totem { token: %u } (node death "
	     "is detected after token + consensus)", cfg->keepalive_ms,
	     cfg->deadtime_ms, cfg->warntime_ms, cfg->initdead_ms,
	     cfg->deadtime_ms);
	for (i = 0; i < cfg->media->len; i++) {
		const hb_media_cfg *md = cfg->media->pdata[i];
		static const char *const mt[] = { "bcast", "mcast", "ucast",
						  "serial" };

		if (md->type == HB_MEDIA_SERIAL)
			note(m->notes, "%s:%d: serial %s: corosync has no "
			     "serial transport (use a second knet link)",
			     m->src_cf, md->line, md->dev);
		else
			note(m->notes, "%s:%d: %s %s%s%s port %d: a corosync "
			     "knet link (one ringN_addr per node)", m->src_cf,
			     md->line, mt[md->type], md->dev, md->addr ? " " : "",
			     md->addr ? md->addr : "", md->port);
	}
	if (cfg->nodes->len == 2)
		note(m->notes, "two nodes: corosync.conf quorum { "
		     "provider: corosync_votequorum; two_node: 1 }");
	if (cfg->logfile || cfg->debugfile || cfg->logfacility >= 0)
		note(m->notes, "logfile/debugfile/logfacility: Pacemaker logs "
		     "through PCMK_logfile/PCMK_logfacility "
		     "(/etc/default/pacemaker)");
	if (cfg->watchdog)
		note(m->notes, "watchdog %s: Pacemaker uses sbd for a "
		     "watchdog", cfg->watchdog);

	switch (cfg->auto_failback) {
	case HB_FAILBACK_OFF:
		m->stickiness = CONV_STICKY_OFF;
		note(m->notes, "auto_failback off: resource-stickiness=%d, "
		     "above the node preference (%d)", CONV_STICKY_OFF,
		     CONV_PREF_SCORE);
		break;
	case HB_FAILBACK_ON:
		m->stickiness = 0;
		note(m->notes, "auto_failback on: resource-stickiness=0, the "
		     "node preference (%d) moves groups back", CONV_PREF_SCORE);
		break;
	case HB_FAILBACK_LEGACY:
		m->stickiness = 0;
		note(m->notes, "auto_failback legacy: treated as on "
		     "(resource-stickiness=0); Pacemaker has no legacy mode");
		break;
	}

	if (cfg->pings->len > 0) {
		GString *hl = g_string_new(NULL);

		m->ping = prim_new("ping", "ocf:pacemaker:ping", 0);
		for (i = 0; i < cfg->pings->len; i++) {
			const hb_ping_cfg *pc = cfg->pings->pdata[i];
			guint k;

			for (k = 0; k < pc->addrs->len; k++)
				g_string_append_printf(hl, "%s%s", hl->len ? " " : "",
						       (char *)pc->addrs->pdata[k]);
			if (pc->group)
				note(m->ping->notes, "ping_group %s: each member "
				     "counts on its own (ocf:pacemaker:ping has "
				     "no groups)", pc->name);
		}
		prim_param(m->ping, "host_list", hl->str);
		g_string_free(hl, TRUE);
		{
			g_autofree char *mult = g_strdup_printf("%d", CONV_PING_MULT);
			g_autofree char *damp = g_strdup_printf("%us",
				(cfg->deadping_ms + 999) / 1000);

			prim_param(m->ping, "multiplier", mult);
			prim_param(m->ping, "dampen", damp);
		}
		note(m->ping->notes, "ping nodes (ipfail): each group prefers "
		     "the nodes that reach more of them (pingd x %d > "
		     "stickiness); deadping -> dampen", CONV_PING_MULT);
	}

	conv_fence(m, cfg, o);

	for (i = 0; i < rsc->groups->len; i++)
		g_ptr_array_add(m->groups,
				conv_group_build(m, rsc->groups->pdata[i], i + 1));
}

/* ------------------------------------------------------------------ */
/* crm shell                                                          */

/* Comment text as XML allows it (crmsh keeps comments in the CIB too):
 * no "--" inside, no '-' at the end.  Returns an owned string. */
static char *
comment_text(const char *text)
{
	GString *o = g_string_new(NULL);
	const char *p;

	for (p = text; *p; p++) {
		g_string_append_c(o, *p);
		if (*p == '-' && p[1] == '-')
			g_string_append_c(o, ' ');
	}
	if (o->len > 0 && o->str[o->len - 1] == '-')
		g_string_append_c(o, '.');
	return g_string_free(o, FALSE);
}

static void
crm_comment(GString *o, const char *text)
{
	g_autofree char *t = comment_text(text);
	const char *p = t;

	/* one "# " line per line of text */
	while (*p) {
		size_t n = strcspn(p, "\n");

		g_string_append(o, "# ");
		g_string_append_len(o, p, n);
		g_string_append_c(o, '\n');
		p += n;
		if (*p)
			p++;
	}
}

static void
crm_notes(GString *o, const GPtrArray *notes)
{
	guint i;

	for (i = 0; i < notes->len; i++)
		crm_comment(o, notes->pdata[i]);
}

/* A value for crm's name=value: quoted when it holds blanks or quotes. */
static void
crm_value(GString *o, const char *v)
{
	const char *p;

	if (v[strcspn(v, " \t\"'\\=#")] == '\0' && v[0]) {
		g_string_append(o, v);
		return;
	}
	g_string_append_c(o, '"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_c(o, '\\');
		g_string_append_c(o, *p);
	}
	g_string_append_c(o, '"');
}

static const char *
prim_monitor(const conv_prim *p)
{
	if (g_str_has_prefix(p->agent, "lsb:"))
		return "op monitor interval=15s timeout=15s";
	if (g_str_has_prefix(p->agent, "stonith:"))
		return "op monitor interval=60s timeout=60s";
	if (strcmp(p->agent, "ocf:pacemaker:ping") == 0)
		return "op monitor interval=10s timeout=60s";
	return "op monitor interval=10s timeout=20s";
}

static void
crm_prim(GString *o, const conv_prim *p, gboolean promotable)
{
	guint i;

	crm_notes(o, p->notes);
	g_string_append_printf(o, "primitive %s %s", p->id, p->agent);
	if (p->params->len > 0) {
		g_string_append(o, " \\\n\tparams");
		for (i = 0; i + 1 < p->params->len; i += 2) {
			g_string_append_printf(o, " %s=",
					       (char *)p->params->pdata[i]);
			crm_value(o, p->params->pdata[i + 1]);
		}
	}
	if (promotable)
		g_string_append(o, " \\\n\top monitor interval=9s role=Promoted "
				"timeout=20s \\\n\top monitor interval=10s "
				"role=Unpromoted timeout=20s \\\n\t"
				"op promote timeout=60s interval=0 \\\n\t"
				"op demote timeout=60s interval=0 \\\n\t"
				"op notify timeout=20s interval=0");
	else
		g_string_append_printf(o, " \\\n\t%s", prim_monitor(p));
	g_string_append_c(o, '\n');
}

static void
conv_crm(const conv_model *m, GString *o)
{
	guint i, k;

	g_string_append_printf(o, "# Pacemaker configuration converted by "
			       "hb2pcmk from %s and %s.\n", m->src_cf, m->src_hr);
	g_string_append(o, "# Load with: crm configure load update FILE\n#\n");
	crm_notes(o, m->notes);
	crm_notes(o, m->fence_notes);
	g_string_append_printf(o, "property cib-bootstrap-options: \\\n"
			       "\tstonith-enabled=%s\n",
			       m->stonith_enabled ? "true" : "false");
	g_string_append_printf(o, "rsc_defaults rsc-options: \\\n"
			       "\tresource-stickiness=%u\n", m->stickiness);
	if (m->fence)
		crm_prim(o, m->fence, FALSE);
	if (m->ping) {
		crm_prim(o, m->ping, FALSE);
		g_string_append(o, "clone cl_ping ping \\\n\tmeta interleave=true\n");
	}
	for (i = 0; i < m->groups->len; i++) {
		const conv_group *g = m->groups->pdata[i];

		g_string_append_printf(o, "# %s:%d: %s %s\n", m->src_hr, g->line,
				       g->node, g->key);
		if (g->repl) {
			crm_prim(o, g->repl, TRUE);
			g_string_append_printf(o, "clone %s %s \\\n\tmeta "
				"promotable=true promoted-max=1 "
				"promoted-node-max=1 notify=true "
				"interleave=true\n", g->repl_clone, g->repl->id);
		}
		if (g->prims->len == 0)
			continue;
		for (k = 0; k < g->prims->len; k++)
			crm_prim(o, g->prims->pdata[k], FALSE);
		g_string_append_printf(o, "group %s", g->id);
		for (k = 0; k < g->prims->len; k++)
			g_string_append_printf(o, " %s",
					       ((conv_prim *)g->prims->pdata[k])->id);
		g_string_append_c(o, '\n');
		g_string_append_printf(o, "location loc_%s_pref %s %d: %s\n",
				       g->id, g->id, CONV_PREF_SCORE, g->node);
		if (m->ping)
			g_string_append_printf(o, "location loc_%s_ping %s "
				"rule pingd: defined pingd\n", g->id, g->id);
		if (g->repl) {
			g_string_append_printf(o, "colocation col_%s_on_%s inf: "
				"%s %s:Promoted\n", g->id, g->repl_clone, g->id,
				g->repl_clone);
			g_string_append_printf(o, "order ord_%s_after_%s "
				"Mandatory: %s:promote %s:start\n",
				g->id, g->repl_clone, g->repl_clone, g->id);
		}
	}
}

/* ------------------------------------------------------------------ */
/* CIB XML                                                            */

static void
xml_comment(GString *o, const char *indent, const char *text)
{
	g_autofree char *t = comment_text(text);

	g_string_append_printf(o, "%s<!-- %s -->\n", indent, t);
}

static void
xml_notes(GString *o, const char *indent, const GPtrArray *notes)
{
	guint i;

	for (i = 0; i < notes->len; i++)
		xml_comment(o, indent, notes->pdata[i]);
}

static void
xml_attr(GString *o, const char *name, const char *v)
{
	g_autofree char *e = g_markup_escape_text(v, -1);

	g_string_append_printf(o, " %s=\"%s\"", name, e);
}

static void
xml_op(GString *o, const char *ind, const char *rid, const char *name,
       const char *interval, const char *timeout, const char *role)
{
	g_string_append_printf(o, "%s  <op id=\"%s-%s-%s%s%s\" name=\"%s\" "
			       "interval=\"%s\" timeout=\"%s\"%s%s%s/>\n", ind,
			       rid, name, interval, role ? "-" : "",
			       role ? role : "", name, interval, timeout,
			       role ? " role=\"" : "", role ? role : "",
			       role ? "\"" : "");
}

static void
xml_prim(GString *o, const char *ind, const conv_prim *p, gboolean promotable)
{
	g_auto(GStrv) a = g_strsplit(p->agent, ":", 3);
	guint i;

	xml_notes(o, ind, p->notes);
	g_string_append_printf(o, "%s<primitive id=\"%s\"", ind, p->id);
	xml_attr(o, "class", a[0]);
	if (a[1] && a[2]) {
		xml_attr(o, "provider", a[1]);
		xml_attr(o, "type", a[2]);
	} else {
		xml_attr(o, "type", a[1] ? a[1] : "");
	}
	g_string_append(o, ">\n");
	if (p->params->len > 0) {
		g_string_append_printf(o, "%s  <instance_attributes "
				       "id=\"%s-instance_attributes\">\n", ind, p->id);
		for (i = 0; i + 1 < p->params->len; i += 2) {
			const char *n = p->params->pdata[i];

			g_string_append_printf(o, "%s    <nvpair id=\"%s-"
					       "instance_attributes-%s\" name=\"%s\"",
					       ind, p->id, n, n);
			xml_attr(o, "value", p->params->pdata[i + 1]);
			g_string_append(o, "/>\n");
		}
		g_string_append_printf(o, "%s  </instance_attributes>\n", ind);
	}
	g_string_append_printf(o, "%s  <operations>\n", ind);
	if (promotable) {
		xml_op(o, ind, p->id, "monitor", "9s", "20s", "Promoted");
		xml_op(o, ind, p->id, "monitor", "10s", "20s", "Unpromoted");
		xml_op(o, ind, p->id, "promote", "0s", "60s", NULL);
		xml_op(o, ind, p->id, "demote", "0s", "60s", NULL);
		xml_op(o, ind, p->id, "notify", "0s", "20s", NULL);
	} else {
		const char *mon = prim_monitor(p);
		g_autofree char *iv = g_strndup(mon + strlen("op monitor interval="),
			strcspn(mon + strlen("op monitor interval="), " "));
		const char *to = strstr(mon, "timeout=") + strlen("timeout=");

		xml_op(o, ind, p->id, "monitor", iv, to, NULL);
	}
	g_string_append_printf(o, "%s  </operations>\n%s</primitive>\n", ind, ind);
}

static void
xml_meta(GString *o, const char *ind, const char *id, const char *const *kv)
{
	g_string_append_printf(o, "%s<meta_attributes id=\"%s-meta_attributes\">\n",
			       ind, id);
	for (; kv[0]; kv += 2)
		g_string_append_printf(o, "%s  <nvpair id=\"%s-meta_attributes-%s\" "
				       "name=\"%s\" value=\"%s\"/>\n", ind, id,
				       kv[0], kv[0], kv[1]);
	g_string_append_printf(o, "%s</meta_attributes>\n", ind);
}

static void
conv_xml(const conv_model *m, GString *o)
{
	static const char *const ping_meta[] = { "interleave", "true", NULL };
	static const char *const ms_meta[] = { "promotable", "true",
		"promoted-max", "1", "promoted-node-max", "1", "notify", "true",
		"interleave", "true", NULL };
	guint i, k;

	g_string_append(o, "<?xml version=\"1.0\"?>\n");
	{
		g_autofree char *t = g_strdup_printf("Pacemaker configuration "
			"converted by hb2pcmk from %s and %s. Load with: cibadmin "
			"--replace --xml-file FILE", m->src_cf, m->src_hr);

		xml_comment(o, "", t);
	}
	xml_notes(o, "", m->notes);
	xml_notes(o, "", m->fence_notes);
	g_string_append(o, "<cib validate-with=\"pacemaker-3.9\" "
			"admin_epoch=\"1\" epoch=\"1\" num_updates=\"0\">\n"
			"  <configuration>\n    <crm_config>\n"
			"      <cluster_property_set id=\"cib-bootstrap-options\">\n");
	g_string_append_printf(o, "        <nvpair id=\"cib-bootstrap-options-"
			       "stonith-enabled\" name=\"stonith-enabled\" "
			       "value=\"%s\"/>\n", m->stonith_enabled ? "true" :
			       "false");
	g_string_append(o, "      </cluster_property_set>\n    </crm_config>\n"
			"    <nodes/>\n    <resources>\n");
	if (m->fence)
		xml_prim(o, "      ", m->fence, FALSE);
	if (m->ping) {
		g_string_append(o, "      <clone id=\"cl_ping\">\n");
		xml_meta(o, "        ", "cl_ping", ping_meta);
		xml_prim(o, "        ", m->ping, FALSE);
		g_string_append(o, "      </clone>\n");
	}
	for (i = 0; i < m->groups->len; i++) {
		const conv_group *g = m->groups->pdata[i];
		g_autofree char *t = g_strdup_printf("%s:%d: %s %s", m->src_hr,
						     g->line, g->node, g->key);

		xml_comment(o, "      ", t);
		if (g->repl) {
			g_string_append_printf(o, "      <clone id=\"%s\">\n",
					       g->repl_clone);
			xml_meta(o, "        ", g->repl_clone, ms_meta);
			xml_prim(o, "        ", g->repl, TRUE);
			g_string_append(o, "      </clone>\n");
		}
		if (g->prims->len == 0)
			continue;
		g_string_append_printf(o, "      <group id=\"%s\">\n", g->id);
		for (k = 0; k < g->prims->len; k++)
			xml_prim(o, "        ", g->prims->pdata[k], FALSE);
		g_string_append(o, "      </group>\n");
	}
	g_string_append(o, "    </resources>\n    <constraints>\n");
	for (i = 0; i < m->groups->len; i++) {
		const conv_group *g = m->groups->pdata[i];

		if (g->prims->len == 0)
			continue;
		g_string_append_printf(o, "      <rsc_location id=\"loc_%s_pref\" "
				       "rsc=\"%s\" score=\"%d\"", g->id, g->id,
				       CONV_PREF_SCORE);
		xml_attr(o, "node", g->node);
		g_string_append(o, "/>\n");
		if (m->ping)
			g_string_append_printf(o, "      <rsc_location id=\"loc_%s_"
				"ping\" rsc=\"%s\">\n        <rule id=\"loc_%s_ping-"
				"rule\" score-attribute=\"pingd\">\n          "
				"<expression id=\"loc_%s_ping-expr\" attribute="
				"\"pingd\" operation=\"defined\"/>\n        </rule>\n"
				"      </rsc_location>\n", g->id, g->id, g->id, g->id);
		if (g->repl) {
			g_string_append_printf(o, "      <rsc_colocation id=\"col_%s_"
				"on_%s\" score=\"INFINITY\" rsc=\"%s\" with-rsc=\"%s\" "
				"with-rsc-role=\"Promoted\"/>\n", g->id,
				g->repl_clone, g->id, g->repl_clone);
			g_string_append_printf(o, "      <rsc_order id=\"ord_%s_"
				"after_%s\" kind=\"Mandatory\" first=\"%s\" "
				"first-action=\"promote\" then=\"%s\" then-action="
				"\"start\"/>\n", g->id, g->repl_clone,
				g->repl_clone, g->id);
		}
	}
	g_string_append_printf(o, "    </constraints>\n    <rsc_defaults>\n"
			       "      <meta_attributes id=\"rsc-options\">\n"
			       "        <nvpair id=\"rsc-options-resource-stickiness\" "
			       "name=\"resource-stickiness\" value=\"%u\"/>\n"
			       "      </meta_attributes>\n    </rsc_defaults>\n"
			       "  </configuration>\n  <status/>\n</cib>\n",
			       m->stickiness);
}

int
hb_pcmk_convert(const hb_config *cfg, const hb_haresources *rsc,
		const hb_pcmk_opts *opts, hb_pcmk_format fmt, GString *out)
{
	conv_model m;

	if (cfg == NULL || rsc == NULL || out == NULL)
		return -EINVAL;
	conv_build(&m, cfg, rsc, opts);
	if (fmt == HB_PCMK_XML)
		conv_xml(&m, out);
	else
		conv_crm(&m, out);
	model_free(&m);
	return 0;
}
