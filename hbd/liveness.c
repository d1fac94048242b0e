/*
 * liveness.c - membership's timers (see liveness.h): the send tick and its
 * rate under loss, dead-node and link checks, comm up, ping nodes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/watchdog.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "cluster-private.h"
#include "liveness.h"
#include "log.h"

#define LOSS_FLOOR 0.3		/* any loss: tolerate at least this much */
#define FALSE_DEATH_TARGET 0.01	/* expected false deaths per hour */

/* "hbdmiss": the peers whose last heartbeat is more than 2 clean
 * intervals old (one lost at least, with room for a late timer), so that an hbd peer sending at its
 * clean rate learns of the loss of its packets before a run of losses
 * reaches its deadtime, not only when one gets through again.  Only
 * present while something is missing; a real Heartbeat ignores it. */
void
cluster_note_missing(hbd_cluster *c, hb_msg *m)
{
	g_autoptr(GString) miss = NULL;
	gint64 now = now_ms();
	guint i;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (n->is_self || n->is_ping || !n->heard ||
		    n->status == HBD_NODE_DEAD || n->last_status == 0 ||
		    now - n->last_status <= 2 * (gint64)c->clean_ms)
			continue;
		if (miss == NULL)
			miss = g_string_new(NULL);
		else
			g_string_append_c(miss, ',');
		g_string_append(miss, n->name);
	}
	if (miss != NULL)
		hb_msg_set(m, "hbdmiss", miss->str);
}

int
hbd_cluster_ping_score(hbd_cluster *c)
{
	guint i;
	int score = 0;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (n->is_ping && n->heard && n->status == HBD_NODE_PING)
			score++;
	}
	return score;
}

void
hbd_cluster_ping_reply(hbd_cluster *c, const char *name)
{
	hbd_node *n = hbd_cluster_find(c, name);

	if (n == NULL || !n->is_ping)
		return;
	n->last_status = now_ms();
	n->heard = TRUE;
	if (n->status != HBD_NODE_PING) {
		hb_log(LOG_INFO, "Status update for node %s: status ping",
		       n->name);
		node_set_status(c, n, HBD_NODE_PING);
	}
}

static void
cluster_comm_up(hbd_cluster *c)
{
	c->comm_up = TRUE;
	hb_log(LOG_INFO, "Comm_now_up(): updating status to active");
	node_set_status(c, c->self, HBD_NODE_ACTIVE);
	cluster_send_status(c);
}

/* Dead-node detection runs on a one-shot timer armed for the earliest
 * moment a node or link could time out, so a death is declared within a
 * millisecond of its deadline and an idle cluster wakes about once per
 * deadtime for it.  Deadlines only move later as packets arrive, so the
 * receive path never touches the timer; events that can bring a deadline
 * closer (a node or link coming back, a new deadtime, comm up) re-arm. */
static gboolean check_timer_cb(gpointer data);

#define CHECK_MAX_MS 1000	/* re-evaluate at least this often */

/* The process was not scheduled for a long time (SIGSTOP, swap storm) if
 * a timer runs far behind its due time: what the peer sent meanwhile is
 * still queued on our sockets.  Give it a keepalive or two to be read
 * before declaring anyone dead. */
static void
cluster_sched_check(hbd_cluster *c, gint64 now, gint64 due)
{
	if (due != 0 && now - due > (gint64)c->freeze_ms) {
		hb_log(LOG_WARNING, "hbd was not scheduled for %" G_GINT64_FORMAT
		       " ms: deferring dead-node checks", now - due);
		c->grace_until = now + 2 * c->cfg->keepalive_ms;
	}
}

static gint64
node_timeout(hbd_cluster *c, const hbd_node *n)
{
	if (n->is_ping || (n->heard && c->comm_up) || c->comm_up)
		return n->dead_ms;
	return c->cfg->initdead_ms;
}

/* Checks every node and link at now; returns the next deadline. */
static gint64
cluster_check(hbd_cluster *c, gint64 now)
{
	gboolean all_known = TRUE;
	gint64 next = now + CHECK_MAX_MS;
	guint i, j;

	if (now < c->grace_until)
		return c->grace_until;
	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);
		gint64 ref, timeout;

		if (n->is_self)
			continue;
		timeout = node_timeout(c, n);
		ref = n->last_status ? n->last_status : c->start_ms;
		if (n->status != HBD_NODE_DEAD &&
		    (!n->is_ping || c->pinging)) {
			if (now - ref > timeout) {
				hb_log(LOG_WARNING, "node %s: is dead", n->name);
				node_set_status(c, n, HBD_NODE_DEAD);
			} else
				next = MIN(next, ref + timeout + 1);
		}
		for (j = 0; j < n->links->len; j++) {
			hbd_link *l = g_ptr_array_index(n->links, j);

			if (!l->up)
				continue;
			if (now - l->last_rx > timeout) {
				l->up = FALSE;
				hb_log(LOG_INFO, "Link %s:%s dead.", n->name,
				       l->name);
			} else
				next = MIN(next, l->last_rx + timeout + 1);
		}
		if (!n->is_ping && !n->heard && n->status != HBD_NODE_DEAD)
			all_known = FALSE;
	}
	if (!c->comm_up && all_known)
		cluster_comm_up(c);
	if (!c->comm_up)	/* comm up is decided here: poll for it */
		next = MIN(next, now + c->check_ms);
	return next;
}

/* The check timer is one source made at start and moved with
 * g_source_set_ready_time(): re-arming it on every send tick (quiet
 * media) costs no source created, attached and destroyed. */
static void
cluster_arm_check(hbd_cluster *c, gint64 now, gint64 due)
{
	c->check_due = MAX(due, now);
	c->check_timer = 1;
	g_source_set_ready_time(c->check_src, c->check_due * 1000);
}

static void
cluster_disarm_check(hbd_cluster *c)
{
	c->check_timer = 0;
	g_source_set_ready_time(c->check_src, -1);
}

static gboolean
check_src_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	(void)s;
	cb(data);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs check_src_funcs = {
	.dispatch = check_src_dispatch,
};

/* A deadline may have come closer: check again at once. */
void
cluster_recheck(hbd_cluster *c)
{
	gint64 now = now_ms();

	if (c->check_timer != 0 && c->check_due > now)
		cluster_arm_check(c, now, now);
}

static gboolean
check_timer_cb(gpointer data)
{
	hbd_cluster *c = data;
	gint64 now = now_ms(), due = c->check_due, next;

	cluster_disarm_check(c);
	cluster_sched_check(c, now, due);
	cluster_read_quiet(c);	/* what arrived counts before anyone dies */
	next = cluster_check(c, now);
	if (c->check_timer == 0)	/* not re-armed by a status hook */
		cluster_arm_check(c, now, next);
	return G_SOURCE_CONTINUE;	/* the source stays (check_src) */
}

static void cluster_ask_rexmit(hbd_cluster *c);

guint
hbd_send_interval(guint deadtime_ms, guint clean_ms, double p)
{
	double q, qn = 1, per_hour;
	guint n;

	if (p <= 0)
		return clean_ms;
	q = MIN(MAX(LOSS_FLOOR, 1.25 * p), 0.95);
	for (n = 2; deadtime_ms / n >= 10; n++) {
		qn *= q;	/* q^(n-1): n - 1 losses in a row */
		per_hour = 3600000.0 * n / deadtime_ms * qn;
		if (per_hour <= FALSE_DEATH_TARGET)
			break;
	}
	return MIN(clean_ms, MAX(10, deadtime_ms / n));
}

/* Loss estimate: the larger of the share of our last LOSS_WINDOW sends the
 * peer asked for again and the share of the peer's seqs we missed. */
static double
cluster_loss_estimate(hbd_cluster *c)
{
	double p = 0;
	GList *l;
	guint i, k = 0, asked = 0;

	for (l = c->history->tail; l != NULL && k < LOSS_WINDOW; l = l->prev) {
		hist_entry *h = l->data;

		k++;
		asked += h->asked;
	}
	if (k > 0)
		p = (double)asked / k;
	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);

		if (!n->is_self && !n->is_ping && n->obs_total > 0)
			p = MAX(p, n->obs_lost / n->obs_total);
	}
	return p;
}

static gboolean send_timer_cb(gpointer data);

/* Sets the status interval from the loss seen lately (hbd_send_interval);
 * returns TRUE when the send timer was re-armed.  from_tick: called by the
 * send timer itself, which then returns G_SOURCE_REMOVE. */
gboolean
cluster_adapt_rate(hbd_cluster *c, gint64 now, gboolean from_tick)
{
	double p = 0;
	guint ms, old = c->send_ms;

	if (c->send_timer == 0)
		return FALSE;	/* not started, or stopped */
	if (c->loss_seen != 0 && now - c->loss_seen < LOSS_HOLD_MS)
		p = MAX(cluster_loss_estimate(c), 0.001);
	c->loss = p;
	ms = hbd_send_interval(c->cfg->deadtime_ms, c->clean_ms, p);
	if (ms == old)
		return FALSE;
	c->send_ms = ms;
	if (old == c->clean_ms)
		hb_log(LOG_INFO, "packet loss seen on the heartbeat link: "
		       "heartbeats every %u ms instead of %u", ms, old);
	else if (ms == c->clean_ms)
		hb_log(LOG_INFO, "no packet loss for %d s: heartbeats every "
		       "%u ms again", LOSS_HOLD_MS / 1000, ms);
	else
		hb_debug("loss about %.0f %%: heartbeats every %u ms",
			 100 * p, ms);
	if (!from_tick)
		g_source_remove(c->send_timer);
	c->send_timer = g_timeout_add_full(HBD_PRIO_MEDIA, ms, send_timer_cb,
					   c, NULL);
	/* the first loss may be the start of a run of them: one more
	 * heartbeat now rather than a whole clean interval later */
	if (old == c->clean_ms && !from_tick && !c->shutting_down)
		cluster_send_status(c);
	return TRUE;
}

static gboolean
send_timer_cb(gpointer data)
{
	hbd_cluster *c = data;
	gint64 now = now_ms(), next;
	gboolean rearmed;

	cluster_sched_check(c, now, c->last_tick ? c->last_tick + c->send_ms : 0);
	c->last_tick = now;
	if (c->quiet) {
		/* what we just read moved the deadlines: check now and re-arm
		 * for the new earliest one rather than wake up for the old */
		cluster_read_quiet(c);
		if (c->check_timer != 0) {
			cluster_disarm_check(c);
			next = cluster_check(c, now);
			if (c->check_timer == 0)
				cluster_arm_check(c, now, next);
		}
	}
	cluster_send_status(c);
	if (now >= c->next_rexmit) {
		c->next_rexmit = now + c->rexmit_ms;
		cluster_ask_rexmit(c);
	}
	rearmed = cluster_adapt_rate(c, now, TRUE);
	cluster_set_quiet(c, cluster_can_be_quiet(c, now));
	return rearmed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Ask again for what is missing (at most every rexmit_ms). */
static void
cluster_ask_rexmit(hbd_cluster *c)
{
	guint i;

	for (i = 0; i < c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(c->nodes, i);
		GHashTableIter it;
		gpointer key;
		int sent = 0;

		if (n->is_self || n->is_ping || !hbd_node_alive(n))
			continue;
		g_hash_table_iter_init(&it, n->gaps);
		while (g_hash_table_iter_next(&it, &key, NULL) &&
		       sent < REXMIT_MAX_PER_REQ) {
			g_autoptr(hb_msg) m = hb_msg_new();
			guint64 s = GPOINTER_TO_SIZE(key);

			hb_msg_set(m, "t", "NS_rexmit");
			hb_msg_set(m, "dest", n->name);
			hb_msg_setf(m, "firstseq", "%" G_GUINT64_FORMAT, s);
			hb_msg_setf(m, "lastseq", "%" G_GUINT64_FORMAT, s);
			hbd_cluster_send(c, m);
			sent++;
		}
	}
}

void
hbd_cluster_start(hbd_cluster *c)
{
	guint check_ms = CLAMP(c->cfg->keepalive_ms / 4, 10, 100);

	c->check_ms = check_ms;

	c->start_ms = now_ms();
	c->check_src = g_source_new(&check_src_funcs, sizeof(GSource));
	g_source_set_priority(c->check_src, HBD_PRIO_MEDIA);
	g_source_set_callback(c->check_src, check_timer_cb, c, NULL);
	g_source_set_ready_time(c->check_src, -1);
	g_source_attach(c->check_src, NULL);
	if (c->cfg->watchdog != NULL) {
		c->watchdog_path = c->cfg->watchdog;
		c->watchdog_fd = open(c->watchdog_path,
				      O_WRONLY | O_CLOEXEC | O_NONBLOCK);
		if (c->watchdog_fd < 0)
			hb_log(LOG_ERR, "Cannot open watchdog device %s: %s",
			       c->watchdog_path, g_strerror(errno));
		else {
			int secs = (c->cfg->deadtime_ms + 10 + 999) / 1000;

			/* a stand-in (file, FIFO) has no timeout to set */
			if (ioctl(c->watchdog_fd, WDIOC_SETTIMEOUT, &secs) != 0)
				hb_debug("watchdog %s: no WDIOC_SETTIMEOUT",
					 c->watchdog_path);
			hb_log(LOG_INFO, "watchdog %s opened", c->watchdog_path);
		}
	}
	hb_log(LOG_INFO, "Local status now set to: 'up' (generation %" PRIu64
	       ")", c->gen);
	cluster_send_status(c);		/* "init" */
	node_set_status(c, c->self, HBD_NODE_UP);
	cluster_send_status(c);
	/* While the link is clean, one heartbeat per keepalive (at most
	 * deadtime/5 apart); loss seen (the peer asking for retransmissions,
	 * or gaps in its seqs) shortens it: hbd_send_interval. */
	c->clean_ms = MAX(10, MIN(c->cfg->keepalive_ms, c->cfg->deadtime_ms / 5));
	c->send_ms = c->clean_ms;
	c->freeze_ms = MAX(4 * MAX(10, MIN(c->cfg->keepalive_ms,
					   c->cfg->deadtime_ms / 12)), 200);
	c->send_timer = g_timeout_add_full(HBD_PRIO_MEDIA, c->send_ms,
					   send_timer_cb, c, NULL);
	c->rexmit_ms = MAX(c->cfg->max_rexmit_delay_ms, 50);
	c->next_rexmit = now_ms() + c->rexmit_ms;
	cluster_arm_check(c, now_ms(), now_ms() + check_ms);
}
