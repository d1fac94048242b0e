/*
 * rm-proto.c - the resource messages hbd sends, the peer's group lists
 * (see rm-proto.h).
 */
#include "config.h"

#include <string.h>

#include "rm-group.h"
#include "rm-proto.h"

void
rm_send_resource(hbd_rm *rm, const char *info, gboolean full)
{
	g_autoptr(hb_msg) m = NULL;

	if (!rm->nice || rm->groups->len == 0)
		return;
	m = hb_msg_new();
	hb_msg_set(m, "t", "resource");
	hb_msg_set(m, "rsc_hold", rm_set_name(rm_hold(rm)));
	if (full)
		hb_msg_set(m, "rtype", "full");
	hb_msg_set(m, "isstable", rm->state == RM_STABLE ? "1" : "0");
	if (info != NULL)
		hb_msg_set(m, "info", info);
	{
		g_autoptr(GString) held = g_string_new(NULL);
		g_autoptr(GString) failed = g_string_new(NULL);
		guint i;

		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if ((g->want || g->running || g->partial) &&
			    !rm_mv_handed(g))
				g_string_append_printf(held, "%s ", g->cfg->key);
			if (g->failed)
				g_string_append_printf(failed, "%s ",
						       g->cfg->key);
		}
		hb_msg_set(m, "groups", held->len ? held->str : " ");
		hb_msg_set(m, "failed", failed->len ? failed->str : " ");
	}
	hbd_cluster_send(rm->c, m);
}

GHashTable *
rm_keyset(const char *list)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      NULL);
	g_auto(GStrv) keys = g_strsplit(list, " ", 0);
	char **k;

	for (k = keys; *k; k++)
		if (**k)
			g_hash_table_add(h, g_strdup(*k));
	return h;
}

gboolean
rm_peer_has(hbd_rm *rm, const rm_group *g)
{
	return rm->peer_groups != NULL &&
		g_hash_table_contains(rm->peer_groups, g->cfg->key);
}

void
rm_forget_peer(hbd_rm *rm)
{
	g_clear_pointer(&rm->peer_groups, g_hash_table_unref);
	g_clear_pointer(&rm->peer_failed, g_hash_table_unref);
}

void
rm_announce_cb(hbd_rm *rm, void *ud)
{
	rm_send_resource(rm, ud, TRUE);
}

void
rm_send_ask(hbd_rm *rm, int set, const char *info)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "ask_resources");
	hb_msg_set(m, "rsc_hold", rm_set_name(set));
	hb_msg_set(m, "info", info);
	if (rm->mv_planned)	/* hbd peers only (move.h) */
		hb_msg_set(m, "move", "1");
	hbd_cluster_send(rm->c, m);
}

void
rm_send_stonith(hbd_rm *rm, const char *node, const char *result)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "stonith");
	hb_msg_set(m, "node", node);
	hb_msg_set(m, "result", result);
	hbd_cluster_send(rm->c, m);
}
