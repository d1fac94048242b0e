/*
 * cluster-private.h - what cluster.c (packets: sending, receiving, the
 * control messages, quiet media) and liveness.c (timers: our status tick
 * and its rate, dead-node checks, comm up, ping nodes) share.  Not for
 * other modules: their interface is cluster.h and liveness.h.
 */
#ifndef HBD_CLUSTER_PRIVATE_H
#define HBD_CLUSTER_PRIVATE_H

#include "cluster.h"

#define REXMIT_MAX_PER_REQ 50
#define LOSS_HOLD_MS (300 * 1000)	/* redundancy kept after the last loss */
#define LOSS_WINDOW 64		/* our sends, or the peer's, loss is counted over */
#define QUIET_AFTER_MS 2000	/* heartbeats only this long: media go quiet */

/* One sent message kept for retransmission (c->history). */
typedef struct hist_entry {
	uint64_t seq;
	GBytes *bytes;		/* netstring, for UDP media */
	GBytes *classic;	/* serial rendering; NULL: none or unsendable */
	gint64 last_resend;
	gboolean asked;		/* the peer asked for it: it was lost */
} hist_entry;

static inline gint64
now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* cluster.c */
void cluster_send_status(hbd_cluster *c);
/* Sets n's status; a change makes the media listen, re-checks deadlines
 * and calls the status hook. */
void node_set_status(hbd_cluster *c, hbd_node *n, hbd_nstatus st);
/* Idle steady state (see cluster.c): media may be read on the tick. */
gboolean cluster_can_be_quiet(hbd_cluster *c, gint64 now);
void cluster_set_quiet(hbd_cluster *c, gboolean quiet);
/* Reads what quiet media have queued. */
void cluster_read_quiet(hbd_cluster *c);

/* liveness.c */
/* A deadline may have come closer: check again at once. */
void cluster_recheck(hbd_cluster *c);
/* Sets the status interval from the loss seen lately; returns TRUE when
 * the send timer was re-armed (from_tick: by the send timer itself, which
 * then returns G_SOURCE_REMOVE). */
gboolean cluster_adapt_rate(hbd_cluster *c, gint64 now, gboolean from_tick);
/* Adds "hbdmiss" to our status while a peer's heartbeats are missing. */
void cluster_note_missing(hbd_cluster *c, hb_msg *m);

#endif
