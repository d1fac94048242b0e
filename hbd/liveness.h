/*
 * liveness.h - membership's timers (liveness.c): our status on a send
 * tick at an adaptive rate, and the dead-node checks.
 *
 * Contract (hbd_cluster_start, hbd_cluster_ping_reply and _ping_score are
 * declared in cluster.h, the membership interface):
 * - hbd_cluster_start() sends our status (init, then up), then one every
 *   send interval: the keepalive (at most deadtime/5) while the link is
 *   clean, shorter while loss is seen and for 5 minutes after
 *   (hbd_send_interval); the first loss seen sends one at once.  The
 *   peer's "hbdmiss" naming us, its NS_rexmit requests, and gaps in its
 *   seqs are the loss seen.
 * - A node (or link) is declared dead within a millisecond of its
 *   deadline: one check source armed for the earliest deadline, re-armed
 *   whenever a deadline may come closer; at least once a second, and
 *   every keepalive/4 until comm is up.  Comm is up when every node was
 *   heard from or declared dead.  After hbd was not scheduled for a while
 *   (a timer far behind), deaths wait two keepalives.
 * - In the idle steady state the media are read on the send tick and
 *   before each check (cluster.c's quiet mode); deadlines are taken from
 *   the packets' kernel arrival times, so a death is declared at the same
 *   moment as when every packet wakes hbd.
 * - Everything runs on the GLib main loop; nothing blocks.
 */
#ifndef HBD_LIVENESS_H
#define HBD_LIVENESS_H

#include "cluster.h"

/* Status interval (ms) for a link losing about p (0..1) of the packets
 * (0: no loss seen lately): clean_ms while the link is clean, else the
 * longest deadtime/n, n > 1, at which n - 1 losses in a row (what a false
 * death takes) are expected less than once in 100 hours at a loss of
 * max(30 %, 1.25 p); never below 10 ms nor above clean_ms.  Pure. */
guint hbd_send_interval(guint deadtime_ms, guint clean_ms, double p);

#endif
