/*
 * control.c - local control socket (see control.h).
 *
 * Clients are trusted local processes but their input is still bounded:
 * one line of less than 1024 bytes, 2 s to send it, at most 16 clients
 * (the socket itself: lib/ctlsock.h).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "control.h"
#include "ctlsock.h"
#include "log.h"

#define CTL_MAXLINE 1024
#define CTL_MAXCLIENTS 16

struct hbd_control {
	hb_ctl_server *srv;
	hbd_cluster *c;
	hbd_control_fn hook;
	void *hook_ud;
};

static int
ctl_nodes(hbd_control *ctl, GString *out)
{
	guint i;

	for (i = 0; i < ctl->c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(ctl->c->nodes, i);

		g_string_append_printf(out, "%s\t%s\t%s\n", n->name,
				       n->is_ping ? "ping" : "normal",
				       hbd_nstatus_name(n->status));
	}
	return 0;
}

static int
ctl_links(hbd_control *ctl, const char *node, GString *out)
{
	hbd_node *n = node ? hbd_cluster_find(ctl->c, node) : NULL;
	guint i;

	if (n == NULL)
		return 11;
	for (i = 0; i < n->links->len; i++) {
		hbd_link *l = g_ptr_array_index(n->links, i);
		gboolean up = n->is_self ? TRUE : l->up;

		g_string_append_printf(out, "%s\t%s\n", l->name,
				       up ? "up" : "dead");
	}
	return 0;
}

static int
ctl_fencing(hbd_control *ctl, GString *out)
{
	GList *l;

	for (l = ctl->c->fencing->head; l != NULL; l = l->next) {
		hbd_fence_rec *f = l->data;

		g_string_append_printf(out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s\n",
				       f->time_ms, f->from, f->node, f->result);
	}
	return 0;
}

static int
ctl_events(const char *count, GString *out)
{
	guint64 n = 20;
	g_autoptr(GPtrArray) a = NULL;
	guint i;

	if (count != NULL && (!g_ascii_string_to_unsigned(count, 10, 1,
		HB_LOG_KEEP_MAX, &n, NULL))) {
		g_string_append_printf(out, "events: count 1..%d\n",
				       HB_LOG_KEEP_MAX);
		return 11;
	}
	a = hb_log_recent((guint)n);
	for (i = 0; i < a->len; i++) {
		const hb_log_entry *e = g_ptr_array_index(a, i);

		g_string_append_printf(out, "%" G_GINT64_FORMAT "\t%s\t%s\n",
				       e->time_ms, hb_log_level_word(e->level),
				       e->text);
	}
	return 0;
}

static int
ctl_dispatch(hbd_control *ctl, char **argv, GString *out)
{
	hbd_counters *k = &ctl->c->cnt;
	int rc;

	if (argv[0] == NULL)
		return 11;
	if (strcmp(argv[0], "status") == 0) {
		g_string_append(out, "running\n");
		return 0;
	}
	if (strcmp(argv[0], "nodes") == 0)
		return ctl_nodes(ctl, out);
	if (strcmp(argv[0], "links") == 0)
		return ctl_links(ctl, argv[1], out);
	if (strcmp(argv[0], "localnode") == 0) {
		g_string_append_printf(out, "%s\n", ctl->c->self->name);
		return 0;
	}
	if (strcmp(argv[0], "fencing") == 0)
		return ctl_fencing(ctl, out);
	if (strcmp(argv[0], "events") == 0)
		return ctl_events(argv[1], out);
	if (strcmp(argv[0], "param") == 0) {
		const char *v = argv[1] ? g_hash_table_lookup(
			ctl->c->cfg->recorded, argv[1]) : NULL;

		if (v == NULL)
			return 1;
		g_string_append_printf(out, "%s\n", v);
		return 0;
	}
	if (strcmp(argv[0], "counters") == 0) {
		g_string_append_printf(out,
			"rx %" G_GUINT64_FORMAT "\naccepted %" G_GUINT64_FORMAT
			"\ndup %" G_GUINT64_FORMAT "\nbad_format %" G_GUINT64_FORMAT
			"\nbad_auth %" G_GUINT64_FORMAT "\nbad_node %" G_GUINT64_FORMAT
			"\nreplay %" G_GUINT64_FORMAT "\ntx %" G_GUINT64_FORMAT
			"\nrexmit_sent %" G_GUINT64_FORMAT "\nsend_ms %u"
			"\nloss_pct %.1f\nack_sent %" G_GUINT64_FORMAT "\n",
			k->rx, k->accepted, k->dup, k->bad_format, k->bad_auth,
			k->bad_node, k->replay, k->tx, k->rexmit_sent,
			ctl->c->send_ms, 100 * ctl->c->loss, k->ack_sent);
		return 0;
	}
	if (ctl->hook != NULL) {
		rc = ctl->hook(argv, out, ctl->hook_ud);
		if (rc >= 0)
			return rc;
	}
	g_string_append_printf(out, "unknown request [%s]\n", argv[0]);
	return 11;
}

static void
request_cb(hb_ctl_client *cl, const char *line, void *ud)
{
	hbd_control *ctl = ud;
	g_autofree char *req = g_strstrip(g_strdup(line));
	g_auto(GStrv) argv = g_strsplit_set(req, " \t", 16);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree char *reply = NULL;
	int rc = ctl_dispatch(ctl, argv, body);

	reply = g_strdup_printf("%d\n%s", rc, body->str);
	hb_ctl_client_reply(cl, reply);
}

int
hbd_control_new(const char *path, hbd_cluster *c, hbd_control **out,
		char **out_err)
{
	static const struct hb_ctl_limits lim = {
		.max_line = CTL_MAXLINE - 1,
		.max_clients = CTL_MAXCLIENTS,
		.too_long = "11\nrequest too long\n",
	};
	hbd_control *ctl = g_new0(hbd_control, 1);
	int r;

	ctl->c = c;
	r = hb_ctl_server_new(path, 0660, &lim, request_cb, ctl, &ctl->srv,
			      out_err);
	if (r < 0) {
		g_free(ctl);
		return r;
	}
	*out = ctl;
	return 0;
}

void
hbd_control_set_hook(hbd_control *ctl, hbd_control_fn fn, void *ud)
{
	ctl->hook = fn;
	ctl->hook_ud = ud;
}

void
hbd_control_free(hbd_control *ctl)
{
	if (ctl == NULL)
		return;
	hb_ctl_server_free(ctl->srv);
	g_free(ctl);
}
