/*
 * move.c - planned moves (see move.h, doc/hbd.md "Planned moves").
 *
 * Each step is a chain over one group's resources run with rm_run(), one
 * child at a time, with g->busy set so that rm.c's batches
 * (rm_when_settled) wait for it.  A chain looks at g->move after every
 * child: hbd_move_reset() (peer death) or a cancel changes it, and the
 * chain then ends and hands the group back to rm_group_kick().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "move.h"
#include "rm-private.h"

#define MV_HEADER_BYTES 4096

gboolean
hbd_move_enabled(void)
{
	const char *e = g_getenv("HBD_PLANNED_MOVE");

	return e == NULL || (strcmp(e, "off") != 0 && strcmp(e, "no") != 0);
}

/* What resource idx of g declares (0 when its script cannot be read). */
static unsigned
mv_caps(rm_group *g, int idx)
{
	hb_resource *r = g_ptr_array_index(g->cfg->resources, idx);
	g_autofree char *path = rm_script_path(g->rm, r->script);
	char buf[MV_HEADER_BYTES];
	ssize_t n;
	int fd;

	if (path == NULL)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? hbd_move_caps_parse(buf, (size_t)n) : 0;
}

static gboolean
mv_group_drains(rm_group *g)
{
	guint i;

	for (i = 0; i < g->cfg->resources->len; i++)
		if (mv_caps(g, i) & HBD_MOVE_DRAIN)
			return TRUE;
	return FALSE;
}

gboolean
hbd_move_handed(const rm_group *g)
{
	return g->move == MV_PREPARE || g->move == MV_PREPARED ||
		g->move == MV_PARKED || g->move == MV_FINISH;
}

static void
mv_send(hbd_rm *rm, const char *step, const char *group)
{
	g_autoptr(hb_msg) m = hb_msg_new();

	hb_msg_set(m, "t", "move");
	hb_msg_set(m, "step", step);
	if (group != NULL)
		hb_msg_set(m, "group", group);
	hbd_cluster_send(rm->c, m);
}

gboolean
hbd_move_listening(void *ud)
{
	hbd_rm *rm = ud;
	guint i;

	if (rm->sb != SB_NONE || rm->mv_planned)
		return TRUE;
	for (i = 0; i < rm->groups->len; i++)
		if (((rm_group *)g_ptr_array_index(rm->groups, i))->move != MV_NONE)
			return TRUE;
	return FALSE;
}

gboolean
hbd_move_offer(hbd_rm *rm)
{
	/* an hbd peer lists its groups; a Heartbeat peer does not */
	return hbd_move_enabled() && rm->peer_groups != NULL;
}

static void mv_finish_group(rm_group *g);

/* ---- taker: prepare ---- */

static void mv_prepare_step(rm_group *g);

static void
mv_prepare_rc(rm_group *g, int rc, const char *out)
{
	if (rc != 0) {
		hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);

		hb_log(LOG_WARNING, "Planned move: prepare of %s failed (rc=%d); "
		       "it starts with the group", r->spec, rc);
	}
	g->idx++;
	mv_prepare_step(g);
}

static void
mv_prepare_step(rm_group *g)
{
	if (g->move != MV_PREPARE) {
		rm_chain_end(g);
		return;
	}
	for (; g->idx < (int)g->cfg->resources->len; g->idx++) {
		if (mv_caps(g, g->idx) & HBD_MOVE_PREPARE) {
			rm_run(g, "prepare", mv_prepare_rc);
			return;
		}
	}
	g->move = MV_PREPARED;
	hb_log(LOG_INFO, "Planned move: group %s prepared", g->cfg->key);
	rm_chain_end(g);
}

static void
mv_prepared_cb(hbd_rm *rm, void *ud)
{
	if (rm->sb != SB_OTHER || !rm->mv_planned)
		return;
	rm_send_ask(rm, rm->sb_set, "other");	/* carries move=1 */
}

void
hbd_move_prepare(hbd_rm *rm, int set)
{
	guint i;

	rm->mv_planned = TRUE;
	hb_log(LOG_INFO, "Planned move: preparing %s resources before the "
	       "peer lets go", set == 3 ? "all" : set == 1 ? "local" : "foreign");
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (!rm_in_set(g, set) || g->busy || g->want || g->running ||
		    g->failed)
			continue;
		g->move = MV_PREPARE;
		g->mv_cold = TRUE;
		g->mv_addr_pre = FALSE;
		g->mv_early_failed = FALSE;
		g->mv_unprepare = FALSE;
		g->busy = TRUE;
		g->partial = TRUE;
		g->idx = 0;
		mv_prepare_step(g);
	}
	rm_when_settled(rm, mv_prepared_cb, NULL);
}

/* ---- giver: drain, then (after the taker's address) finish ---- */

static void mv_drain_step(rm_group *g);
static void mv_abort(hbd_rm *rm, const char *why);

/* Resource idx was drained, and what is left of it (still running) serves
 * no client on the address: only addresses and "early" resources, no other
 * drain resource.  From here on the taker may bring its address up: a
 * client that follows it loses nothing here. */
static gboolean
mv_serves_nothing_below(rm_group *g, int idx)
{
	int i;

	if (!(mv_caps(g, idx) & HBD_MOVE_DRAIN))
		return FALSE;
	for (i = 0; i < idx; i++) {
		unsigned c = mv_caps(g, i);

		if ((c & HBD_MOVE_DRAIN) ||
		    !(c & (HBD_MOVE_ADDRESS | HBD_MOVE_EARLY)))
			return FALSE;
	}
	return TRUE;
}

static void
mv_drain_rc(rm_group *g, int rc, const char *out)
{
	if (g->move == MV_DRAIN && rc != 0) {
		hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);
		g_autofree char *why = g_strdup_printf("%s failed (rc=%d)",
						       r->spec, rc);

		mv_abort(g->rm, why);
	}
	if (g->move == MV_DRAIN && rc == 0 && mv_serves_nothing_below(g, g->idx)) {
		mv_send(g->rm, "drained", g->cfg->key);
		g->mv_drained_sent = TRUE;
	}
	g->idx--;
	mv_drain_step(g);
}

static void
mv_drain_step(rm_group *g)
{
	if (g->move != MV_DRAIN) {
		rm_chain_end(g);
		return;
	}
	for (; g->idx >= 0; g->idx--) {
		unsigned caps = mv_caps(g, g->idx);

		if (caps & HBD_MOVE_DRAIN) {
			rm_run(g, "drain", mv_drain_rc);
			return;
		}
		if (!(caps & HBD_MOVE_ADDRESS) || !mv_group_drains(g)) {
			rm_run(g, "stop", mv_drain_rc);
			return;
		}
		/* the address stays until the taker has its own up */
	}
	g->move = MV_PARKED;
	hb_log(LOG_INFO, "Planned move: group %s released (drained; address "
	       "kept until the peer has it up)", g->cfg->key);
	rm_chain_end(g);
}

void
hbd_move_release(hbd_rm *rm, int set)
{
	guint i;

	hb_log(LOG_INFO, "Planned move: draining %s resources",
	       set == 3 ? "all" : set == 1 ? "local" : "foreign");
	/* right to left across groups, as rm_set_want() stops them */
	for (i = rm->groups->len; i-- > 0;) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (!rm_in_set(g, set))
			continue;
		g->want = FALSE;
		if (g->busy || !(g->running || g->partial)) {
			rm_group_kick(g);
			continue;
		}
		g->move = MV_DRAIN;
		g->busy = TRUE;
		g->running = FALSE;
		g->partial = TRUE;
		g->idx = g->cfg->resources->len - 1;
		mv_drain_step(g);
	}
}

static void mv_finish_step(rm_group *g);

static void
mv_finish_rc(rm_group *g, int rc, const char *out)
{
	if (rc != 0) {
		hb_resource *r = g_ptr_array_index(g->cfg->resources, g->idx);

		hb_log(LOG_ERR, "Planned move: stop of %s failed (rc=%d); "
		       "retried by the classic stop", r->spec, rc);
		g->retries++;
	}
	g->idx--;
	mv_finish_step(g);
}

/* Two passes right to left: the addresses (the taker has its own up),
 * then everything else (stopping a stopped resource is a no-op). */
static void
mv_finish_step(rm_group *g)
{
	if (g->move != MV_FINISH) {
		rm_chain_end(g);
		return;
	}
	for (;;) {
		gboolean addr;

		if (g->idx < 0) {
			if (g->mv_pass++ > 0)
				break;
			/* our addresses are down: a peer that holds the
			 * group announces its own again (clients may have
			 * followed ours) */
			mv_send(g->rm, "released", g->cfg->key);
			g->idx = g->cfg->resources->len - 1;
			continue;
		}
		addr = (mv_caps(g, g->idx) & HBD_MOVE_ADDRESS) != 0;
		if ((g->mv_pass == 0) == addr) {
			rm_run(g, "stop", mv_finish_rc);
			return;
		}
		g->idx--;
	}
	g->move = MV_NONE;
	g->running = FALSE;
	g->partial = g->retries > 0;	/* rm.c's stop retries the failed */
	g->retries = 0;
	hb_log(LOG_INFO, "Planned move: group %s handed over", g->cfg->key);
	rm_chain_end(g);
}

static void
mv_finish_group(rm_group *g)
{
	if (g->move != MV_PARKED || g->busy)
		return;
	g->move = MV_FINISH;
	g->mv_drained_sent = FALSE;
	g->busy = TRUE;
	g->retries = 0;
	g->mv_pass = 0;
	g->idx = g->cfg->resources->len - 1;
	mv_finish_step(g);
}

void
hbd_move_finish(hbd_rm *rm)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++)
		mv_finish_group(g_ptr_array_index(rm->groups, i));
	rm->mv_planned = FALSE;
}

/* A group the giver keeps after all (its move step already cleared): start
 * it again.  If the taker may have brought the address up meanwhile, its
 * gratuitous ARP may have taken the clients: re-announce ours at once (the
 * address never left here; the taker drops its own). */
static void
mv_keep(rm_group *g)
{
	g->want = !g->failed;
	g->mv_addr_kept = mv_group_drains(g);	/* step 2 kept it up */
	if (!g->busy)
		rm_group_kick(g);
	if (g->mv_drained_sent) {
		g->mv_drained_sent = FALSE;
		hb_log(LOG_INFO, "Planned move: %s stays here; re-announcing "
		       "its address (the peer may have announced it)",
		       g->cfg->key);
		rm_reannounce(g);
	}
}

/* The giver calls the move off before letting go: everything back. */
static void
mv_abort(hbd_rm *rm, const char *why)
{
	guint i;

	if (!rm->mv_planned || rm->sb != SB_REQUESTER)
		return;
	hb_log(LOG_ERR, "Planned move cancelled: %s; the resources stay here",
	       why);
	mv_send(rm, "abort", NULL);
	rm->mv_planned = FALSE;
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (!rm_in_set(g, rm->sb_set))
			continue;
		if (g->move == MV_DRAIN || g->move == MV_PARKED)
			g->move = MV_NONE;
		mv_keep(g);
	}
	rm_standby_finish(rm);
}

/* Taker: the giver called it off; stop what we prepared. */
static void
mv_unprepare(hbd_rm *rm)
{
	guint i;

	rm->mv_planned = FALSE;
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->move == MV_PREPARE) {
			g->move = MV_NONE;	/* its chain ends, kick stops */
			g->want = FALSE;
		} else if (g->move == MV_PREPARED && !g->busy) {
			g->want = FALSE;
			g->move = MV_PARKED;
			if (g->mv_early > 0)
				g->mv_unprepare = TRUE;	/* after the starts */
			else
				mv_finish_group(g);
		}
	}
}

/* ---- taker: acquire ---- */

void
hbd_move_acquire(hbd_rm *rm, int set)
{
	guint i;

	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (!rm_in_set(g, set))
			continue;
		if (g->move == MV_PREPARED || g->move == MV_NONE) {
			/* held nothing of it but what prepare started */
			g->mv_cold = g->move == MV_PREPARED ||
				!(g->running || g->partial);
			g->move = MV_ACQUIRE;
			g->addr_sent = FALSE;
		}
	}
	rm->mv_planned = FALSE;
}

void
hbd_move_group_started(rm_group *g)
{
	g->mv_addr_kept = FALSE;
	if (g->mv_reannounce) {
		g->mv_reannounce = FALSE;
		hb_log(LOG_INFO, "Planned move: the peer dropped its address "
		       "of %s; announcing ours", g->cfg->key);
		rm_reannounce(g);
	}
}

gboolean
hbd_move_needs_no_status(const rm_group *g)
{
	return g->move == MV_ACQUIRE && g->mv_cold &&
		!(mv_caps((rm_group *)g, g->idx) & HBD_MOVE_PREPARE);
}

/* No address resource of g at or after index from. */
static gboolean
mv_no_address_from(rm_group *g, int from)
{
	int i;

	for (i = from; i < (int)g->cfg->resources->len; i++)
		if (mv_caps(g, i) & HBD_MOVE_ADDRESS)
			return FALSE;
	return TRUE;
}

/* The taker's addresses are all up: the giver may drop its own. */
static void
mv_report_address(rm_group *g, int from)
{
	if (g->move != MV_ACQUIRE || g->addr_sent || g->mv_early > 0 ||
	    g->mv_early_failed ||
	    (!g->mv_addr_pre && !mv_no_address_from(g, from)))
		return;
	g->addr_sent = TRUE;
	mv_send(g->rm, "addr", g->cfg->key);
}

void
hbd_move_started(rm_group *g)
{
	if (mv_caps(g, g->idx) & HBD_MOVE_ADDRESS)
		mv_report_address(g, g->idx + 1);
}

static void
mv_early_done_cb(int rc, const char *out, const char *err, void *ud)
{
	rm_group *g = ud;

	g->mv_early--;
	if (rc != 0) {
		hb_log(LOG_ERR, "Planned move: address start of %s failed "
		       "(rc=%d%s): %s%s", g->cfg->key, rc,
		       rc == -ETIMEDOUT ? ", timed out" : "", out, err);
		g->mv_early_failed = TRUE;
	} else {
		/* none of the addresses from the chain's position on is up */
		mv_report_address(g, g->idx);
	}
	if (g->mv_early > 0)
		return;
	if (g->mv_waiting) {
		g->mv_waiting = FALSE;
		rm_start_continue(g);
	} else if (g->mv_unprepare) {	/* cancelled while it started */
		g->mv_unprepare = FALSE;
		mv_finish_group(g);
	}
}

gboolean
hbd_move_start_early(rm_group *g)
{
	if (g->move != MV_ACQUIRE ||
	    !(mv_caps(g, g->idx) & HBD_MOVE_ADDRESS) || !mv_group_drains(g))
		return FALSE;
	if (g->mv_addr_pre)
		return TRUE;	/* started when the giver had drained */
	if (rm_spawn(g, g->idx, "start", TRUE, mv_early_done_cb, g, NULL) != 0)
		return FALSE;	/* the chain runs it and reports the error */
	g->mv_early++;
	return TRUE;
}

/* Taker, prepared: the giver has drained and serves nothing on the
 * address any more; bring ours up while it switches replication. */
static void
mv_addresses_now(rm_group *g)
{
	guint i;

	if (g->move != MV_PREPARED || g->mv_addr_pre || g->busy)
		return;
	g->mv_addr_pre = TRUE;
	for (i = 0; i < g->cfg->resources->len; i++) {
		if (!(mv_caps(g, i) & HBD_MOVE_ADDRESS))
			continue;
		if (rm_spawn(g, i, "start", TRUE, mv_early_done_cb, g, NULL) == 0)
			g->mv_early++;
		else
			g->mv_early_failed = TRUE;
	}
}

hbd_move_gate
hbd_move_address_gate(rm_group *g)
{
	mv_report_address(g, g->idx);	/* those started before the chain */
	if (g->mv_early > 0) {
		unsigned caps = g->move == MV_ACQUIRE &&
			g->idx < (int)g->cfg->resources->len ?
			mv_caps(g, g->idx) : 0;

		if ((caps & (HBD_MOVE_PREPARE | HBD_MOVE_EARLY)) &&
		    !(caps & HBD_MOVE_ADDRESS))
			return HBD_MOVE_GATE_GO;
		/* an address already starting since the giver drained: the
		 * chain steps past it (hbd_move_start_early) to the early
		 * resources instead of waiting for its start (IPaddr with
		 * its ARP took 170-440 ms of the gap at load 9) */
		if ((caps & HBD_MOVE_ADDRESS) && g->mv_addr_pre &&
		    mv_group_drains(g))
			return HBD_MOVE_GATE_GO;
		g->mv_waiting = TRUE;
		return HBD_MOVE_GATE_WAIT;
	}
	if (g->mv_early_failed) {
		g->mv_early_failed = FALSE;
		return HBD_MOVE_GATE_FAILED;
	}
	return HBD_MOVE_GATE_GO;
}

/* ---- messages, cancel, reset ---- */

void
hbd_move_msg(hbd_rm *rm, const hb_msg *m)
{
	const char *step = hb_msg_get(m, "step");
	const char *key = hb_msg_get(m, "group");
	guint i;

	if (step == NULL)
		return;
	if (strcmp(step, "addr") == 0 && key != NULL) {
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if (strcmp(g->cfg->key, key) == 0 && g->move == MV_PARKED) {
				hb_log(LOG_INFO, "Planned move: the peer has the "
				       "address of %s up; dropping ours", key);
				mv_finish_group(g);
			}
		}
	} else if (strcmp(step, "released") == 0 && key != NULL) {
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if (strcmp(g->cfg->key, key) != 0 || !g->want)
				continue;
			/* running, or kept here with its address up (a
			 * cancelled move restarting the rest): now */
			if ((g->running && !g->busy) || g->mv_addr_kept) {
				hb_log(LOG_INFO, "Planned move: the peer dropped "
				       "its address of %s; announcing ours", key);
				rm_reannounce(g);
			} else {
				g->mv_reannounce = TRUE;	/* once started */
			}
		}
	} else if (strcmp(step, "drained") == 0 && key != NULL &&
		   rm->sb == SB_OTHER) {
		for (i = 0; i < rm->groups->len; i++) {
			rm_group *g = g_ptr_array_index(rm->groups, i);

			if (strcmp(g->cfg->key, key) == 0 && mv_group_drains(g)) {
				hb_log(LOG_INFO, "Planned move: the peer has "
				       "drained %s; bringing our address up", key);
				mv_addresses_now(g);
			}
		}
	} else if (strcmp(step, "abort") == 0 && rm->sb == SB_OTHER) {
		hb_log(LOG_WARNING, "Planned move cancelled by the peer: "
		       "stopping what was prepared");
		mv_unprepare(rm);
		rm_standby_finish(rm);
	}
}

void
hbd_move_cancel(hbd_rm *rm, const char *why)
{
	if (!rm->mv_planned)
		return;
	if (rm->sb == SB_REQUESTER) {
		mv_abort(rm, why);
		return;
	}
	mv_send(rm, "abort", NULL);
	mv_unprepare(rm);
}

void
hbd_move_reset(hbd_rm *rm)
{
	gboolean keep;
	guint i;

	rm->mv_planned = FALSE;
	for (i = 0; i < rm->groups->len; i++) {
		rm_group *g = g_ptr_array_index(rm->groups, i);

		if (g->move == MV_NONE)
			continue;
		hb_log(LOG_WARNING, "Planned move of %s interrupted: the peer "
		       "is gone or restarted", g->cfg->key);
		/* a drain or barrier waiting on the peer would hold the
		 * restart for its whole bound: cut it short */
		if (g->move == MV_DRAIN && g->busy && g->child > 0) {
			hb_log(LOG_INFO, "Planned move: cutting short the "
			       "running step of %s", g->cfg->key);
			kill(-g->child, SIGTERM);
		}
		keep = g->move == MV_DRAIN || g->move == MV_PARKED;
		g->move = MV_NONE;
		if (keep)	/* not let go yet: still ours */
			mv_keep(g);
		else if (!g->busy)
			rm_group_kick(g);
	}
}
