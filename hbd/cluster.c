/*
 * cluster.c - membership and Heartbeat control messages (see cluster.h).
 *
 * Invariants:
 * - A node's last_seq only grows within one generation; gaps below it are
 *   the only older seqs ever accepted, each once.
 * - Our seq grows by one per non-NS message; the last HBD_HISTORY sent
 *   packets are kept as encoded bytes so a retransmission is
 *   byte-identical to the original.
 * Logged at warning or above: node dead, late heartbeat, link dead,
 * rejected packets (once per burst), restarts and partitions.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster-private.h"
#include "hb_err.h"
#include "log.h"
#include "serial.h"
#include "wire.h"

#define BURST_MS 5000		/* rejected-packet log lines: one per burst */
#define SEEN_WINDOW 32

static gboolean burst_ok(gint64 *last);
static void cluster_busy(hbd_cluster *c);

const char *
hbd_nstatus_name(hbd_nstatus s)
{
	static const char *names[] = { "init", "up", "active", "dead", "ping" };

	return names[s];
}

gboolean
hbd_node_alive(const hbd_node *n)
{
	return n->status != HBD_NODE_DEAD && (n->is_self || n->heard);
}

static hbd_node *
node_new(hbd_cluster *c, const char *name, gboolean ping)
{
	hbd_node *n = g_new0(hbd_node, 1);
	guint i;

	n->name = g_strdup(name);
	n->is_ping = ping;
	n->status = ping ? HBD_NODE_PING : HBD_NODE_INIT;
	n->dead_ms = ping ? c->cfg->deadping_ms : c->cfg->deadtime_ms;
	n->gaps = g_hash_table_new(g_direct_hash, g_direct_equal);
	n->ack_trigger = g_random_int_range(0, 10);
	n->links = g_ptr_array_new();
	for (i = 0; i < c->media->len; i++) {
		hbd_medium *m = g_ptr_array_index(c->media, i);
		guint j;
		gboolean dup = FALSE;

		for (j = 0; j < n->links->len; j++) {
			hbd_link *l = g_ptr_array_index(n->links, j);

			if (strcmp(l->name, m->name) == 0)
				dup = TRUE;
		}
		if (!dup && !ping) {
			hbd_link *l = g_new0(hbd_link, 1);

			l->name = g_strdup(m->name);
			g_ptr_array_add(n->links, l);
		}
	}
	return n;
}

static void
node_free(hbd_node *n)
{
	guint i;

	for (i = 0; i < n->links->len; i++) {
		hbd_link *l = g_ptr_array_index(n->links, i);

		g_free(l->name);
		g_free(l);
	}
	g_ptr_array_unref(n->links);
	g_hash_table_unref(n->gaps);
	g_free(n->name);
	g_free(n);
}

hbd_node *
hbd_cluster_find(hbd_cluster *c, const char *name)
{
	guint i;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (g_ascii_strcasecmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

hbd_node *
hbd_cluster_peer(hbd_cluster *c)
{
	guint i;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (!n->is_self && !n->is_ping)
			return n;
	}
	return NULL;
}

static hbd_node *
cluster_find_uuid(hbd_cluster *c, const void *uuid)
{
	guint i;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (n->has_uuid && memcmp(n->uuid, uuid, HBD_UUID_LEN) == 0)
			return n;
	}
	return NULL;
}

static void
rx_medium_cb(hbd_medium *m, const guint8 *pkt, size_t len, void *ud)
{
	hbd_cluster *c = ud;

	c->rx_ms = m->rx_time_ms;
	hbd_cluster_input(c, m->name, pkt, len);
	c->rx_ms = 0;
}

/* When the packet being handled arrived (it may have been read later,
 * from a quiet medium). */
static gint64
pkt_ms(hbd_cluster *c)
{
	gint64 now = now_ms();

	return c->rx_ms > 0 && c->rx_ms <= now ? c->rx_ms : now;
}

int
hbd_cluster_new(hb_config *cfg, hb_authkeys *keys, const char *statedir,
		const char *nodename, hbd_cluster **out, char **out_err)
{
	hbd_cluster *c = g_new0(hbd_cluster, 1);
	guint i;
	int rc;

	c->cfg = cfg;
	c->keys = keys;
	c->statedir = g_strdup(statedir);
	c->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
	c->media = g_ptr_array_new_with_free_func((GDestroyNotify)hbd_medium_free);
	c->history = g_queue_new();
	c->fencing = g_queue_new();
	c->watchdog_fd = -1;
	c->peer_ping_score = -1;

	for (i = 0; i < cfg->media->len; i++) {
		hbd_medium *m;

		rc = hbd_medium_open(g_ptr_array_index(cfg->media, i),
				     rx_medium_cb, c, &m, out_err);
		if (rc != 0)
			goto fail;
		g_ptr_array_add(c->media, m);
	}
	for (i = 0; i < cfg->nodes->len; i++) {
		const char *name = g_ptr_array_index(cfg->nodes, i);
		hbd_node *n = node_new(c, name, FALSE);

		if (g_ascii_strcasecmp(name, nodename) == 0) {
			n->is_self = TRUE;
			c->self = n;
		}
		g_ptr_array_add(c->nodes, n);
	}
	for (i = 0; i < cfg->pings->len; i++) {
		hb_ping_cfg *p = g_ptr_array_index(cfg->pings, i);

		g_ptr_array_add(c->nodes, node_new(c, p->name, TRUE));
	}
	if (c->self == NULL) {
		*out_err = g_strdup_printf("Current node [%s] not in configuration!",
					   nodename);
		rc = -EINVAL;
		goto fail;
	}
	rc = hbd_state_next_generation(statedir, cfg->hbgen_time, &c->gen);
	if (rc == 0)
		rc = hbd_state_uuid(statedir, c->self->name,
				    cfg->uuid_from_name, c->self->uuid);
	if (rc != 0) {
		*out_err = g_strdup_printf("state directory %s: %s", statedir,
					   g_strerror(-rc));
		goto fail;
	}
	c->self->has_uuid = TRUE;
	c->self->gen = c->gen;
	*out = c;
	return 0;
fail:
	hbd_cluster_free(c);
	return rc;
}

static void
hist_free(hist_entry *h)
{
	g_bytes_unref(h->bytes);
	if (h->classic != NULL)
		g_bytes_unref(h->classic);
	g_free(h);
}

static void
fence_rec_free(hbd_fence_rec *f)
{
	g_free(f->from);
	g_free(f->node);
	g_free(f->result);
	g_free(f);
}

/* Keeps the fencing history that "hbd status" shows. */
static void
cluster_note_fencing(hbd_cluster *c, const hbd_node *n, const hb_msg *m)
{
	const char *t = hb_msg_get(m, "t");
	hbd_fence_rec *f;

	if (t == NULL || strcmp(t, "stonith") != 0 ||
	    hb_msg_get(m, "node") == NULL || hb_msg_get(m, "result") == NULL)
		return;
	f = g_new0(hbd_fence_rec, 1);
	f->time_ms = g_get_real_time() / 1000;
	f->from = g_strdup(n->name);
	f->node = g_strdup(hb_msg_get(m, "node"));
	f->result = g_strdup(hb_msg_get(m, "result"));
	g_queue_push_tail(c->fencing, f);
	while (g_queue_get_length(c->fencing) > HBD_FENCE_HISTORY)
		fence_rec_free(g_queue_pop_head(c->fencing));
}

void
hbd_cluster_free(hbd_cluster *c)
{
	if (c == NULL)
		return;
	if (c->fencing != NULL)
		g_queue_free_full(c->fencing, (GDestroyNotify)fence_rec_free);
	if (c->send_timer)
		g_source_remove(c->send_timer);
	if (c->check_src != NULL) {
		g_source_destroy(c->check_src);
		g_source_unref(c->check_src);
	}
	g_queue_free_full(c->history, (GDestroyNotify)hist_free);
	g_ptr_array_unref(c->nodes);
	g_ptr_array_unref(c->media);
	if (c->watchdog_fd >= 0) {
		/* magic close: a clean stop must not reset the machine */
		if (write(c->watchdog_fd, "V", 1) < 0)
			hb_log(LOG_WARNING, "watchdog magic close failed");
		close(c->watchdog_fd);
	}
	hb_authkeys_free(c->keys);
	g_free(c->statedir);
	g_free(c);
}

void
hbd_cluster_set_keys(hbd_cluster *c, hb_authkeys *keys)
{
	hb_authkeys_free(c->keys);
	c->keys = keys;
}

static const char *
loadavg(void)
{
	static char buf[64] = "0.00 0.00 0.00 1/1 1";
	static gint64 when;
	gint64 now = now_ms();

	if (when == 0 || now - when >= 5000) {	/* the kernel's LOAD_FREQ */
		int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);

		when = now;
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			if (n > 0) {
				buf[n] = '\0';
				buf[strcspn(buf, "\n")] = '\0';
			}
			close(fd);
		}
	}
	return buf;
}

/* Sends one packet on every medium: net (netstring) on UDP media, classic
 * (Heartbeat's serial rendering; NULL when it cannot be made) on serial
 * lines. */
static void
cluster_transmit(hbd_cluster *c, GBytes *net, GBytes *classic)
{
	guint i;

	for (i = 0; i < c->media->len; i++) {
		hbd_medium *md = g_ptr_array_index(c->media, i);
		GBytes *b = hbd_medium_is_serial(md) ? classic : net;
		gsize len;
		const void *data;

		if (b == NULL) {
			hbd_medium_drop(md);
			continue;
		}
		data = g_bytes_get_data(b, &len);
		hbd_medium_send(md, data, len);
	}
	c->cnt.tx++;
}

static gboolean
cluster_has_serial(hbd_cluster *c)
{
	guint i;

	for (i = 0; i < c->media->len; i++)
		if (hbd_medium_is_serial(g_ptr_array_index(c->media, i)))
			return TRUE;
	return FALSE;
}

void
hbd_cluster_send(hbd_cluster *c, hb_msg *m)
{
	const char *t = hb_msg_get(m, "t");
	const char *dest = hb_msg_get(m, "dest");
	gboolean ns = t != NULL && g_str_has_prefix(t, "NS_");
	g_autoptr(GString) out = g_string_sized_new(1024);
	g_autoptr(GBytes) net = NULL;
	g_autoptr(GBytes) classic = NULL;
	int rc;

	if (dest != NULL) {
		hbd_node *d = hbd_cluster_find(c, dest);

		if (d != NULL && d->has_uuid)
			hb_msg_set_bin(m, "destuuid", d->uuid, HBD_UUID_LEN);
	}
	hb_msg_set(m, "src", c->self->name);
	hb_msg_set_bin(m, "srcuuid", c->self->uuid, HBD_UUID_LEN);
	if (!ns)
		hb_msg_set_hex(m, "seq", ++c->seq);
	hb_msg_set_hex(m, "hg", c->gen);
	hb_msg_set_hex(m, "ts", (uint64_t)time(NULL));
	if (!ns)
		hb_msg_set(m, "ld", loadavg());
	hb_msg_set_dec(m, "ttl", (uint64_t)c->cfg->hopfudge + c->cfg->nodes->len);
	if (!c->cfg->msgfmt_netstring)
		hb_wire_sign(m, c->keys);
	rc = hb_wire_encode(m, c->keys, HB_WIRE_NETSTRING, out);
	if (rc != 0) {
		hb_log(LOG_ERR, "cannot encode %s message: %s", t ? t : "?",
		       hb_strerror(rc));
		return;
	}
	net = g_bytes_new(out->str, out->len);
	if (cluster_has_serial(c)) {
		g_string_truncate(out, 0);
		rc = hb_serial_render(m, c->keys, out);
		if (rc == 0)
			classic = g_bytes_new(out->str, out->len);
		else if (burst_ok(&c->serial_log_ms))
			hb_log(LOG_WARNING, "%s message not sent on serial "
			       "lines: %s", t ? t : "?", rc == HB_EMALFORMED ?
			       "a value has a CR or an 8-bit byte, which the "
			       "line would not carry" : hb_strerror(rc));
	}
	cluster_transmit(c, net, classic);
	if (!ns) {
		hist_entry *h = g_new0(hist_entry, 1);

		h->seq = c->seq;
		h->bytes = g_steal_pointer(&net);
		h->classic = g_steal_pointer(&classic);
		g_queue_push_tail(c->history, h);
		while (g_queue_get_length(c->history) > HBD_HISTORY)
			hist_free(g_queue_pop_head(c->history));
	}
	if (!ns)
		cluster_note_fencing(c, c->self, m);
	if (t != NULL && strcmp(t, "status") != 0 && strcmp(t, "NS_ackmsg") != 0)
		cluster_busy(c);
	if (!ns && t != NULL && strcmp(t, "status") != 0 && c->msg_hook)
		c->msg_hook(c, c->self, m, c->hook_ud);
}

void
cluster_send_status(hbd_cluster *c)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "status");
	hb_msg_set(m, "st", hbd_nstatus_name(c->self->status));
	hb_msg_set_hex(m, "dt", c->cfg->deadtime_ms);
	hb_msg_set(m, "protocol", "1");
	/* we ignore NS_ackmsg: an hbd peer need not send us any (a real
	 * Heartbeat ignores the field; cluster_status_msg) */
	hb_msg_set(m, "hbd", "1");
	if (c->cfg->pings->len > 0)
		hb_msg_setf(m, "pingscore", "%d", hbd_cluster_ping_score(c));
	cluster_note_missing(c, m);
	hbd_cluster_send(c, m);
	c->last_status_sent = now_ms();
	if (c->watchdog_fd >= 0 && write(c->watchdog_fd, "\0", 1) < 0)
		hb_log(LOG_ERR, "watchdog %s: write failed: %s",
		       c->watchdog_path, g_strerror(errno));
}


/* Something other than heartbeats is going on (a message, a status
 * change): listen to the media at once for a while (cluster_quiet). */
static void
cluster_busy(hbd_cluster *c)
{
	guint i;

	c->busy_ms = now_ms();
	c->quiet = FALSE;
	for (i = 0; i < c->media->len; i++)
		hbd_medium_set_quiet(g_ptr_array_index(c->media, i), FALSE);
}

void
node_set_status(hbd_cluster *c, hbd_node *n, hbd_nstatus st)
{
	hbd_nstatus old = n->status;

	if (old == st)
		return;
	n->status = st;
	cluster_busy(c);
	if (st == HBD_NODE_DEAD)
		g_hash_table_remove_all(n->gaps);
	cluster_recheck(c);	/* its deadline may have changed */
	if (c->status_hook)
		c->status_hook(c, n, old, c->hook_ud);
}

static gboolean
burst_ok(gint64 *last)
{
	gint64 now = now_ms();

	if (*last != 0 && now - *last < BURST_MS)
		return FALSE;
	*last = now;
	return TRUE;
}

static void
cluster_link_rx(hbd_cluster *c, hbd_node *n, const char *link)
{
	guint i;

	for (i = 0; i < n->links->len; i++) {
		hbd_link *l = g_ptr_array_index(n->links, i);

		if (strcmp(l->name, link) != 0)
			continue;
		l->last_rx = MAX(l->last_rx, pkt_ms(c));
		if (!l->up) {
			l->up = TRUE;
			hb_log(LOG_INFO, "Link %s:%s up.", n->name, l->name);
			cluster_recheck(c);
		}
	}
}

/* Loss of the peer's stream, as we see it: counts decay so they cover
 * about the last 2 x LOSS_WINDOW seqs. */
static void
node_note_rx(hbd_node *n, uint64_t missed)
{
	n->obs_lost += (double)missed;
	n->obs_total += (double)missed + 1;
	if (n->obs_total > 2 * LOSS_WINDOW) {
		n->obs_lost /= 2;
		n->obs_total /= 2;
	}
}

/* Sequence check; returns TRUE when the message is new and to be acted
 * on.  *out_replay is set for packets that are neither new nor a recent
 * duplicate; *out_gap (0: none) is the number of seqs just found missing,
 * ending before seq. */
static gboolean
cluster_seq_accept(hbd_cluster *c, hbd_node *n, uint64_t seq,
		   gboolean *out_replay, uint64_t *out_gap)
{
	gpointer key = GSIZE_TO_POINTER((gsize)seq);

	*out_replay = FALSE;
	*out_gap = 0;
	if (n->last_seq == 0 || seq == n->last_seq + 1) {
		if (n->last_seq != 0)
			node_note_rx(n, 0);
		n->last_seq = seq;
		return TRUE;
	}
	if (seq > n->last_seq) {
		uint64_t s;

		if (seq - n->last_seq > HBD_MAXGAP) {
			hb_log(LOG_WARNING, "lost a lot of packets from node %s "
			       "(seq %" PRIu64 " after %" PRIu64 ")", n->name, seq,
			       n->last_seq);
			g_hash_table_remove_all(n->gaps);
		} else {
			for (s = n->last_seq + 1; s < seq; s++)
				g_hash_table_add(n->gaps,
						 GSIZE_TO_POINTER((gsize)s));
			*out_gap = seq - n->last_seq - 1;
			node_note_rx(n, *out_gap);
		}
		n->last_seq = seq;
		return TRUE;
	}
	if (g_hash_table_remove(n->gaps, key))
		return TRUE;	/* a retransmission filling a gap */
	if (n->last_seq - seq >= SEEN_WINDOW)
		*out_replay = TRUE;
	return FALSE;		/* duplicate (other medium) or replay */
}

static void
cluster_send_ack(hbd_cluster *c, hbd_node *n, uint64_t seq)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	c->cnt.ack_sent++;
	hb_msg_set(m, "t", "NS_ackmsg");
	hb_msg_set(m, "dest", n->name);
	hb_msg_setf(m, "ackseq", "%" PRIx64, seq);
	hbd_cluster_send(c, m);
}

/* The peer asks us to send again what it missed: that is also how we learn
 * that our packets are being lost (a real Heartbeat asks the same way). */
static void
cluster_rexmit(hbd_cluster *c, hbd_node *n, const hb_msg *m)
{
	const char *fs = hb_msg_get(m, "firstseq");
	const char *ls = hb_msg_get(m, "lastseq");
	uint64_t first, last, s;
	gint64 now = now_ms();
	gboolean lost = FALSE;

	if (fs == NULL || ls == NULL)
		return;
	first = g_ascii_strtoull(fs, NULL, 10);
	last = g_ascii_strtoull(ls, NULL, 10);
	if (first == 0 || last < first || last - first >= REXMIT_MAX_PER_REQ)
		return;
	c->cnt.rexmit_req++;
	for (s = first; s <= last; s++) {
		GList *l;
		gboolean found = FALSE;

		for (l = c->history->tail; l != NULL; l = l->prev) {
			hist_entry *h = l->data;

			if (h->seq != s)
				continue;
			found = TRUE;
			if (!h->asked) {
				h->asked = TRUE;
				lost = TRUE;
			}
			if (now - h->last_resend >=
			    (gint64)c->cfg->max_rexmit_delay_ms - 10) {
				h->last_resend = now;
				cluster_transmit(c, h->bytes, h->classic);
				c->cnt.rexmit_sent++;
			}
			break;
		}
		if (!found) {
			g_autoptr(hb_msg) nak = hb_msg_new();

			hb_msg_set(nak, "t", "NS_nak_rexmit");
			hb_msg_setf(nak, "firstseq", "%" PRIx64, s);
			hb_msg_set(nak, "dest", n->name);
			hb_msg_set(nak, "info", "not in history");
			hbd_cluster_send(c, nak);
		}
	}
	if (lost) {
		c->loss_seen = now;
		cluster_adapt_rate(c, now, FALSE);
	}
}

static void
cluster_status_msg(hbd_cluster *c, hbd_node *n, const hb_msg *m,
		   uint64_t seq, gboolean is_dt)
{
	const char *st = hb_msg_get(m, "st");
	uint64_t dt;
	gint64 now = pkt_ms(c);
	hbd_nstatus ns;

	if (st == NULL)
		return;
	if (seq < n->last_status_seq)
		return;		/* a stale status filled in late */
	n->last_status_seq = seq;
	if (n->last_status != 0 && n->status != HBD_NODE_DEAD &&
	    now - n->last_status > (gint64)c->cfg->warntime_ms)
		hb_log(LOG_WARNING, "Late heartbeat: Node %s: interval %"
		       G_GINT64_FORMAT " ms", n->name, now - n->last_status);
	n->last_status = MAX(n->last_status, now);
	if (hb_msg_get_hex(m, "dt", &dt) && dt >= 10 && dt <= 3600000 &&
	    dt != n->dead_ms) {
		n->dead_ms = (guint)dt;
		cluster_recheck(c);
	}
	if (hb_msg_get(m, "pingscore") != NULL)
		c->peer_ping_score = atoi(hb_msg_get(m, "pingscore"));
	if (hb_msg_get(m, "hbdmiss") != NULL) {
		g_auto(GStrv) names = g_strsplit(hb_msg_get(m, "hbdmiss"), ",", 0);

		if (g_strv_contains((const gchar *const *)names, c->self->name)) {
			c->loss_seen = now_ms();
			cluster_adapt_rate(c, c->loss_seen, FALSE);
		}
	}
	if (strcmp(st, "active") == 0)
		ns = HBD_NODE_ACTIVE;
	else if (strcmp(st, "up") == 0)
		ns = HBD_NODE_UP;
	else if (strcmp(st, "init") == 0)
		ns = HBD_NODE_INIT;
	else if (strcmp(st, "dead") == 0)
		ns = HBD_NODE_DEAD;
	else
		return;
	if (n->status == HBD_NODE_DEAD && ns != HBD_NODE_DEAD && !n->restarted)
		hb_log(LOG_WARNING, "Cluster node %s returning after partition.",
		       n->name);
	n->restarted = FALSE;
	if (n->status != ns)
		hb_log(LOG_INFO, "Status update for node %s: status %s",
		       n->name, st);
	node_set_status(c, n, ns);
}

static gboolean
cluster_for_me(hbd_cluster *c, const hb_msg *m)
{
	size_t ulen;
	const void *du = hb_msg_get_bin(m, "destuuid", &ulen);
	const char *dest = hb_msg_get(m, "dest");
	static const guint8 zero[HBD_UUID_LEN];

	if (du != NULL && ulen == HBD_UUID_LEN && memcmp(du, zero, ulen) != 0)
		return memcmp(du, c->self->uuid, HBD_UUID_LEN) == 0;
	return dest == NULL || g_ascii_strcasecmp(dest, c->self->name) == 0;
}

static void
cluster_reject(hbd_cluster *c, guint64 *counter, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static void
cluster_reject(hbd_cluster *c, guint64 *counter, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *text = NULL;

	(*counter)++;
	/* not only heartbeats arrive: listen at once again, or a flood
	 * fills the socket between two quiet reads and drops the peer's
	 * heartbeats with it (hbd-flood: a false death) */
	cluster_busy(c);
	if (!burst_ok(&c->badpkt_log_ms))
		return;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	hb_log(LOG_WARNING, "%s (rejected so far: format %" G_GUINT64_FORMAT
	       ", auth %" G_GUINT64_FORMAT ", node %" G_GUINT64_FORMAT
	       ", replay %" G_GUINT64_FORMAT ")", text, c->cnt.bad_format,
	       c->cnt.bad_auth, c->cnt.bad_node, c->cnt.replay);
}

void
hbd_cluster_input(hbd_cluster *c, const char *link, const guint8 *pkt,
		  size_t len)
{
	g_autoptr(hb_msg) m = NULL;
	const char *t, *src;
	const void *uuid;
	size_t ulen = 0;
	uint64_t ts = 0, seq = 0, hg = 0, gap = 0;
	gboolean ns, replay;
	hbd_node *n;
	int rc;

	c->cnt.rx++;
	rc = hb_wire_decode(pkt, len, c->keys, &m, NULL);
	if (rc == HB_EAUTH || rc == HB_ENOKEY) {
		cluster_reject(c, &c->cnt.bad_auth, "bad packet on link %s: %s",
			       link, hb_strerror(rc));
		return;
	}
	if (rc != 0) {
		cluster_reject(c, &c->cnt.bad_format,
			       "bad packet on link %s: %s (%zu bytes)", link,
			       hb_strerror(rc), len);
		return;
	}
	t = hb_msg_get(m, "t");
	src = hb_msg_get(m, "src");
	ns = t != NULL && g_str_has_prefix(t, "NS_");
	if (t == NULL || src == NULL || !hb_msg_get_hex(m, "ts", &ts) ||
	    ts == 0 || (!ns && (!hb_msg_get_hex(m, "seq", &seq) || seq == 0)) ||
	    !hb_msg_get_hex(m, "hg", &hg)) {
		cluster_reject(c, &c->cnt.bad_format,
			       "bad packet on link %s: missing t, src, ts, seq "
			       "or hg", link);
		return;
	}
	uuid = hb_msg_get_bin(m, "srcuuid", &ulen);
	n = NULL;
	if (uuid != NULL && ulen == HBD_UUID_LEN)
		n = cluster_find_uuid(c, uuid);
	if (n == NULL)
		n = hbd_cluster_find(c, src);
	if (n != NULL && n->is_self) {
		c->cnt.own++;	/* our own broadcast or multicast */
		return;
	}
	if (n == NULL || n->is_ping) {
		cluster_reject(c, &c->cnt.bad_node,
			       "bad node [%s] in message on link %s", src, link);
		return;
	}
	if (uuid != NULL && ulen == HBD_UUID_LEN &&
	    (!n->has_uuid || memcmp(n->uuid, uuid, HBD_UUID_LEN) != 0)) {
		if (n->has_uuid)
			hb_log(LOG_INFO, "node %s changed its uuid", n->name);
		memcpy(n->uuid, uuid, HBD_UUID_LEN);
		n->has_uuid = TRUE;
	}
	if (hg == n->shut_gen && n->status == HBD_NODE_DEAD)
		return;		/* lingering packets after its shutdone */
	if (hg < n->gen) {
		c->cnt.replay++;
		if (burst_ok(&c->oldgen_log_ms))
			hb_log(LOG_ERR, "attempted replay attack from node %s on "
			       "link %s: generation %" PRIx64 " < %" PRIx64
			       " (rejected so far: %" G_GUINT64_FORMAT ")",
			       n->name, link, hg, n->gen, c->cnt.replay);
		return;
	}
	if (hg > n->gen) {
		if (n->gen != 0)
			hb_log(LOG_INFO, "Heartbeat restart on node %s", n->name);
		n->gen = hg;
		n->restarted = TRUE;
		n->is_hbd = FALSE;	/* until its next status says so */
		n->last_seq = 0;
		n->last_status_seq = 0;
		g_hash_table_remove_all(n->gaps);
	}
	if (!ns && !cluster_seq_accept(c, n, seq, &replay, &gap)) {
		if (!replay) {
			c->cnt.dup++;
			cluster_link_rx(c, n, link);
			return;
		}
		c->cnt.replay++;
		if (burst_ok(&c->replay_log_ms))
			hb_log(LOG_ERR, "replayed packet from node %s on link %s: "
			       "seq %" PRIx64 " is older than %" PRIx64
			       " (rejected so far: %" G_GUINT64_FORMAT ")",
			       n->name, link, seq, n->last_seq, c->cnt.replay);
		return;
	}
	c->cnt.accepted++;
	n->heard = TRUE;
	cluster_link_rx(c, n, link);
	if (gap > 0 && !c->shutting_down) {
		/* ask at once (the retransmission is the redundancy) and
		 * assume our direction loses packets too */
		g_autoptr(hb_msg) rq = hb_msg_new();

		hb_msg_set(rq, "t", "NS_rexmit");
		hb_msg_set(rq, "dest", n->name);
		hb_msg_setf(rq, "firstseq", "%" G_GUINT64_FORMAT,
			    seq - MIN(gap, REXMIT_MAX_PER_REQ));
		hb_msg_setf(rq, "lastseq", "%" G_GUINT64_FORMAT, seq - 1);
		hbd_cluster_send(c, rq);
		c->loss_seen = now_ms();
		cluster_adapt_rate(c, c->loss_seen, FALSE);
	}

	/* an hbd peer ignores acks (its statuses carry hbd=1): one packet
	 * in 11 fewer each way at idle.  Its first message is a status. */
	if (strcmp(t, "status") == 0)
		n->is_hbd = g_strcmp0(hb_msg_get(m, "hbd"), "1") == 0;
	if (!ns && seq % 10 == n->ack_trigger && !n->is_hbd &&
	    g_hash_table_size(n->gaps) == 0 && !c->shutting_down)
		cluster_send_ack(c, n, seq);

	if (strcmp(t, "status") == 0) {
		cluster_status_msg(c, n, m, seq, TRUE);
		return;
	}
	if (strcmp(t, "NS_ackmsg") != 0)
		cluster_busy(c);
	if (!cluster_for_me(c, m))
		return;
	if (strcmp(t, "NS_ackmsg") == 0)
		return;
	if (strcmp(t, "NS_rexmit") == 0) {
		cluster_rexmit(c, n, m);
		return;
	}
	if (strcmp(t, "NS_nak_rexmit") == 0) {
		uint64_t s;

		if (hb_msg_get_hex(m, "firstseq", &s) &&
		    g_hash_table_remove(n->gaps, GSIZE_TO_POINTER((gsize)s)))
			hb_log(LOG_WARNING, "Irretrievably lost packet: node %s "
			       "seq %" PRIu64, n->name, s);
		return;
	}
	if (strcmp(t, "reqnodes") == 0) {
		g_autoptr(hb_msg) r = hb_msg_new();
		GString *list = g_string_new(NULL);
		guint i;

		for (i = 0; i < c->cfg->nodes->len; i++)
			g_string_append_printf(list, "%s ", (char *)
					       g_ptr_array_index(c->cfg->nodes, i));
		hb_msg_set(r, "t", "repnodes");
		hb_msg_set(r, "dest", n->name);
		hb_msg_set(r, "nodelist", list->str);
		hb_msg_set(r, "delnodelist", " ");
		g_string_free(list, TRUE);
		hbd_cluster_send(c, r);
		return;
	}
	if (strcmp(t, "repnodes") == 0)
		return;
	if (strcmp(t, "shutdone") == 0) {
		hb_log(LOG_INFO, "Received shutdown notice from '%s'.", n->name);
		n->last_status = now_ms();
		n->shut_gen = n->gen;	/* what it still sends is an echo */
		node_set_status(c, n, HBD_NODE_DEAD);
		return;
	}
	cluster_note_fencing(c, n, m);
	if (c->msg_hook)
		c->msg_hook(c, n, m, c->hook_ud);
}

/* Idle steady state: comm up, every peer alive with nothing missing, no
 * loss seen, and nothing but heartbeats for QUIET_AFTER_MS.  Then the UDP
 * media are read on our own send ticks and before each dead-node check
 * instead of waking up for every packet: one wakeup per heartbeat sent
 * instead of two, with deadlines still taken from the kernel's arrival
 * times.  Anything else (a message sent or received, a status change)
 * makes them listen again at once (cluster_busy). */
gboolean
cluster_can_be_quiet(hbd_cluster *c, gint64 now)
{
	guint i;

	if (!c->comm_up || c->shutting_down || c->send_ms != c->clean_ms ||
	    (c->loss_seen != 0 && now - c->loss_seen < LOSS_HOLD_MS) ||
	    now - c->busy_ms < QUIET_AFTER_MS || now < c->grace_until ||
	    (c->listen_hook != NULL && c->listen_hook(c->hook_ud)))
		return FALSE;
	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (n->is_self || n->is_ping)
			continue;
		if (n->status == HBD_NODE_DEAD || !n->heard ||
		    g_hash_table_size(n->gaps) > 0)
			return FALSE;
	}
	return TRUE;
}

void
cluster_set_quiet(hbd_cluster *c, gboolean quiet)
{
	guint i;

	c->quiet = quiet;
	for (i = 0; i < c->media->len; i++)
		hbd_medium_set_quiet(g_ptr_array_index(c->media, i), quiet);
}

void
cluster_read_quiet(hbd_cluster *c)
{
	guint i;

	for (i = 0; i < c->media->len; i++)
		hbd_medium_read_now(g_ptr_array_index(c->media, i));
}

