/*
 * cluster.h - membership: the node table, heartbeats, sequence numbers,
 * liveness, and the Heartbeat 3.0.6 control messages (status, NS_ackmsg,
 * NS_rexmit, NS_nak_rexmit, reqnodes, repnodes).
 *
 * Contract:
 * - Every packet from a medium goes through hbd_cluster_input(): decoded
 *   and authenticated by lib/wire, then checked for node, generation and
 *   sequence before anything acts on it.  Rejected packets are counted per
 *   reason and logged once per burst.
 * - A node is alive while any medium delivers its status within its dead
 *   time (the dt it advertises, else our deadtime; initdead before comm is
 *   up).  Links are tracked per (node, medium).
 * - Messages of other types that pass the checks are handed to the
 *   message hook (the resource manager) exactly once, in sequence order
 *   as received; our own sent messages are handed to it too (Heartbeat
 *   processes its own messages).
 * - The status tick, its rate under loss and the dead-node checks are
 *   liveness.c's (liveness.h); cluster.c is the packets: sending,
 *   receiving, the control messages, quiet media.
 * - Everything runs on the GLib main loop; nothing blocks.
 */
#ifndef HBD_CLUSTER_H
#define HBD_CLUSTER_H

#include <stdint.h>
#include <glib.h>

#include "authkeys.h"
#include "hacf.h"
#include "media.h"
#include "msg.h"
#include "state.h"

#define HBD_HISTORY 500		/* sent messages kept for retransmission */
#define HBD_MAXGAP 250		/* larger gaps reset sequence tracking */

typedef enum hbd_nstatus {
	HBD_NODE_INIT,
	HBD_NODE_UP,
	HBD_NODE_ACTIVE,
	HBD_NODE_DEAD,
	HBD_NODE_PING,
} hbd_nstatus;

typedef struct hbd_link {
	char *name;		/* medium (device) name */
	gint64 last_rx;		/* monotonic ms, 0 = never */
	gboolean up;
} hbd_link;

typedef struct hbd_node {
	char *name;
	gboolean is_self;
	gboolean is_ping;
	guint8 uuid[HBD_UUID_LEN];
	gboolean has_uuid;
	hbd_nstatus status;
	gboolean heard;		/* any packet since start */
	gint64 last_status;	/* monotonic ms of the last status */
	guint dead_ms;		/* advertised dt, or our deadtime */
	uint64_t gen;		/* generation, 0 = unknown */
	uint64_t last_seq;	/* highest accepted seq, 0 = none yet */
	uint64_t last_status_seq;
	GHashTable *gaps;	/* missing seq (uint64 as pointer key) */
	guint ack_trigger;	/* 0..9 */
	GPtrArray *links;	/* hbd_link * */
	gboolean restarted;	/* new generation seen, no status yet */
	gboolean is_hbd;	/* its last status had hbd=1: no acks to it */
	uint64_t shut_gen;	/* generation that sent shutdone */
	double obs_lost, obs_total;	/* its seqs we missed / saw, decayed */
} hbd_node;

/* One STONITH outcome announced in the cluster ("t=stonith" messages, ours
 * and the peer's): result is OK, bad, n_stnth (no device) or unneeded. */
#define HBD_FENCE_HISTORY 16
typedef struct hbd_fence_rec {
	gint64 time_ms;		/* wall clock, ms since the epoch */
	char *from;		/* the node that fenced (or would have) */
	char *node;		/* the node fenced */
	char *result;
} hbd_fence_rec;

typedef struct hbd_counters {
	guint64 rx, accepted, dup, bad_format, bad_auth, bad_node, replay,
		too_old, own, tx, rexmit_sent, rexmit_req, ack_sent;
} hbd_counters;

typedef struct hbd_cluster hbd_cluster;

/* A message of a type membership does not consume, from node n (n->is_self
 * for our own messages). */
typedef void (*hbd_msg_hook)(hbd_cluster *c, hbd_node *n, const hb_msg *m,
			     void *ud);
/* A node's status changed (old -> n->status). */
typedef void (*hbd_status_hook)(hbd_cluster *c, hbd_node *n,
				hbd_nstatus old, void *ud);

struct hbd_cluster {
	hb_config *cfg;
	hb_authkeys *keys;
	char *statedir;
	hbd_node *self;
	GPtrArray *nodes;	/* hbd_node *, normal then ping */
	GPtrArray *media;	/* hbd_medium * */
	uint64_t gen;
	uint64_t seq;		/* last seq we used */
	GQueue *history;	/* sent: struct with seq and encoded bytes */
	gboolean comm_up;
	gint64 start_ms;
	gint64 last_status_sent;
	guint send_timer;
	guint check_timer;	/* 1 while check_src is armed */
	GSource *check_src;	/* dead-node checks (one source, re-armed) */
	guint check_ms;		/* check interval until comm up */
	gint64 check_due;	/* when check_timer fires */
	guint rexmit_ms;
	gint64 next_rexmit;
	gint64 last_tick;	/* last send_timer run */
	guint send_ms;		/* status interval now (hbd_send_interval) */
	guint clean_ms;		/* ... on a clean link */
	guint freeze_ms;	/* a timer this late: hbd was not scheduled */
	gint64 loss_seen;	/* monotonic ms of the last loss seen, 0 never */
	double loss;		/* loss estimate the interval is based on */
	gint64 busy_ms;		/* last non-heartbeat traffic (cluster_busy) */
	gboolean quiet;		/* UDP media read on the send tick */
	gint64 rx_ms;		/* arrival of the packet being handled, 0 now */
	gint64 grace_until;	/* freeze detected: no deaths until then */
	hbd_counters cnt;
	gint64 replay_log_ms;	/* burst-limited logging, per kind */
	gint64 oldgen_log_ms;
	gint64 badpkt_log_ms;
	gint64 serial_log_ms;	/* a message serial lines cannot carry */
	hbd_msg_hook msg_hook;
	hbd_status_hook status_hook;
	/* TRUE: keep reading the media at once, never only on the send tick
	 * (a planned move: each of its messages is a step that waits) */
	gboolean (*listen_hook)(void *ud);
	void *hook_ud;
	gboolean shutting_down;
	gboolean pinging;	/* ping nodes are being probed */
	int peer_ping_score;	/* from the peer's status, -1 unknown */
	char *watchdog_path;
	int watchdog_fd;
	GQueue *fencing;	/* hbd_fence_rec *, oldest first, bounded */
};

/* Builds the node table and opens the media.  Returns 0 or -errno with
 * *out_err (g_free) naming what failed. */
int hbd_cluster_new(hb_config *cfg, hb_authkeys *keys, const char *statedir,
		    const char *nodename, hbd_cluster **out, char **out_err);
void hbd_cluster_free(hbd_cluster *c);
/* Swaps in a new authkeys (SIGHUP); takes ownership. */
void hbd_cluster_set_keys(hbd_cluster *c, hb_authkeys *keys);

/* Feeds one received packet (also used by tests and the fuzz harness). */
void hbd_cluster_input(hbd_cluster *c, const char *link, const guint8 *pkt,
		       size_t len);
/* Sends a cluster message: control fields are added, it is sequenced,
 * kept for retransmission, sent on every medium, and handed to our own
 * message hook.  dest (may be NULL) addresses one node. */
void hbd_cluster_send(hbd_cluster *c, hb_msg *m);

/* The timers' side (liveness.c, contract in liveness.h): */
/* Starts heartbeats and timers. */
void hbd_cluster_start(hbd_cluster *c);
/* A ping node answered (ping.c). */
void hbd_cluster_ping_reply(hbd_cluster *c, const char *name);
/* Number of ping nodes we reach; sent as "pingscore" in our status
 * messages (when ping nodes are configured) so the peer can compare. */
int hbd_cluster_ping_score(hbd_cluster *c);

hbd_node *hbd_cluster_find(hbd_cluster *c, const char *name);
hbd_node *hbd_cluster_peer(hbd_cluster *c);	/* first other normal node */
const char *hbd_nstatus_name(hbd_nstatus s);
gboolean hbd_node_alive(const hbd_node *n);	/* up or active or ping */

#endif
