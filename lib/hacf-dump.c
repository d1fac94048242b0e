/*
 * hacf-dump.c - hb_config_dump (hbd -T): the normalised configuration as
 * ha.cf text that parses back to the same configuration.  The scalar
 * settings come in the table's rank order (HACF_AT_RANK, hacf-dirs.c),
 * then nodes, ping nodes, media and STONITH.
 */
#include "config.h"

#include <string.h>

#include "hacf.h"
#include "hacf-private.h"
#include "log.h"

/* ------------------------------------------------------------------ */
/* Dump                                                               */

/* "name value" of a directive with a field (unset paths: nothing). */
static void
hacf_dump_value(const hb_config *c, const hacf_dir *dp, GString *out)
{
	const void *field = (const char *)c + HACF_AT_OFF(dp->at);
	g_auto(GStrv) w = NULL;

	switch (HACF_AT_STORE(dp->at)) {
	case HACF_ST_MS:
		g_string_append_printf(out, dp->kind == HACF_TIME ?
				       "%s %ums\n" : "%s %u\n", dp->name,
				       *(const guint *)field);
		break;
	case HACF_ST_INT:
		g_string_append_printf(out, "%s %d\n", dp->name,
				       *(const int *)field);
		break;
	case HACF_ST_PATH:
		if (*(char *const *)field != NULL)
			g_string_append_printf(out, "%s %s\n", dp->name,
					       *(char *const *)field);
		break;
	case HACF_ST_FACILITY:
		g_string_append_printf(out, "%s %s\n", dp->name,
			hb_log_facility_name(*(const int *)field));
		break;
	case HACF_ST_CHOICE:
		w = g_strsplit(dp->why, "|", -1);
		g_string_append_printf(out, "%s %s\n", dp->name,
				       w[*(const int *)field]);
		break;
	case HACF_ST_OFF:
		g_string_append_printf(out, "%s off\n", dp->name);
		break;
	case HACF_ST_NONE:
		break;
	}
}

void
hb_config_dump(const hb_config *c, GString *out)
{
	int port = HB_DEFAULT_UDPPORT, baud = 19200;
	guint i, j;

	g_string_append(out, "# ha.cf as hbd understood it (hbd -T)\n");
	/* the values with a field, in the table's dump order */
	for (guint rank = 1; rank < 64; rank++)
		for (const hacf_dir *dp = hacf_dirs; dp->name != NULL; dp++)
			if (HACF_AT_RANK(dp->at) == rank)
				hacf_dump_value(c, dp, out);
	g_string_append(out, "node");
	for (i = 0; i < c->nodes->len; i++)
		g_string_append_printf(out, " %s",
				       (char *)c->nodes->pdata[i]);
	g_string_append_c(out, '\n');
	for (i = 0; i < c->pings->len; i++) {
		const hb_ping_cfg *p = c->pings->pdata[i];

		if (p->group) {
			g_string_append_printf(out, "ping_group %s", p->name);
			for (j = 0; j < p->addrs->len; j++)
				g_string_append_printf(out, " %s",
					(char *)p->addrs->pdata[j]);
			g_string_append_c(out, '\n');
		} else {
			g_string_append_printf(out, "ping %s\n", p->name);
		}
	}
	for (i = 0; i < c->media->len; i++) {
		const hb_media_cfg *m = c->media->pdata[i];

		if ((m->type == HB_MEDIA_BCAST || m->type == HB_MEDIA_UCAST)
		    && m->port != port) {
			port = m->port;
			g_string_append_printf(out, "udpport %d\n", port);
		}
		if (m->type == HB_MEDIA_SERIAL && m->baud != baud) {
			baud = m->baud;
			g_string_append_printf(out, "baud %d\n", baud);
		}
		switch (m->type) {
		case HB_MEDIA_BCAST:
			g_string_append_printf(out, "bcast %s\n", m->dev);
			break;
		case HB_MEDIA_UCAST:
			g_string_append_printf(out, "ucast %s %s\n", m->dev,
					       m->addr);
			break;
		case HB_MEDIA_MCAST:
			g_string_append_printf(out, "mcast %s %s %d %d %d\n",
					       m->dev, m->addr, m->port,
					       m->ttl, m->loop);
			break;
		case HB_MEDIA_SERIAL:
			g_string_append_printf(out, "serial %s\n", m->dev);
			break;
		}
	}
	if (c->udpport != port)
		g_string_append_printf(out, "udpport %d\n", c->udpport);
	if (c->baud != baud)
		g_string_append_printf(out, "baud %d\n", c->baud);
	if (c->stonith != NULL) {
		if (c->stonith->file != NULL)
			g_string_append_printf(out, "stonith %s %s\n",
					       c->stonith->type,
					       c->stonith->file);
		else
			g_string_append_printf(out, "stonith_host * %s%s%s\n",
					       c->stonith->type,
					       c->stonith->params[0] ? " " : "",
					       c->stonith->params);
	}
}
