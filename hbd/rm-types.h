/*
 * rm-types.h - the resource manager's state, shared by its modules
 * (rm-script, rm-group, rm-proto, rm-heal, rm-standby, rm-join, rm-fence,
 * rm-ctl, rm.c; doc/hbd.md "Resource manager modules") and move.c.
 * Types only, and one query of the cluster; nothing outside hbd/rm*.c,
 * hbd/move.c and tests/unit/test_rm.c includes it.
 */
#ifndef HBD_RM_TYPES_H
#define HBD_RM_TYPES_H

#include <stdint.h>
#include <glib.h>
#include "cluster.h"
#include "haresources.h"
#include "rm.h"
#include "script.h"

#define RS_NONE 0
#define RS_LOCAL 1
#define RS_FOREIGN 2
#define RS_ALL 3

typedef enum rm_state {
	RM_WAIT,		/* comm not up yet */
	RM_FENCING,		/* peer dead, waiting for STONITH to succeed */
	RM_STARTING,		/* sent "starting", waiting for the peer */
	RM_STABLE,
	RM_TRANSITION,		/* standby in progress */
	RM_SHUTDOWN,
} rm_state;

typedef enum sb_role { SB_NONE, SB_REQUESTER, SB_OTHER } sb_role;

/* A group's part in a planned move (move.h).  Giver: the node that had it;
 * taker: the node that gets it. */
typedef enum rm_move_step {
	MV_NONE,
	MV_PREPARE,		/* taker: running the prepare actions */
	MV_PREPARED,		/* taker: prepared, waiting for the giver */
	MV_ACQUIRE,		/* taker: starting the group */
	MV_DRAIN,		/* giver: drain / stop chain running */
	MV_PARKED,		/* giver: drained, address kept until the
				 * taker has its own up */
	MV_FINISH,		/* giver: stopping the address */
} rm_move_step;

typedef struct rm_group {
	hbd_rm *rm;
	hb_rgroup *cfg;
	gboolean local;
	gboolean want;		/* wanted running */
	gboolean running;	/* all resources started */
	gboolean partial;	/* some resources may be running */
	gboolean busy;
	gboolean failed;	/* a start failed here: not retried on its own */
	gboolean chain_start;
	gboolean contested;	/* the peer held it too; we keep it */
	gboolean rejoined;	/* the peer is back from a partition and may
				 * have held it meanwhile: re-announce once it
				 * says it does not hold it */
	int idx;		/* resource being worked on */
	int retries;
	rm_move_step move;	/* where a planned move has this group (move.c) */
	gboolean addr_sent;	/* taker: told the giver our addresses are up */
	int mv_pass;		/* giver's finish: 0 addresses, 1 the rest */
	GPid child;		/* the running script (rm_run), else 0 */
	gboolean mv_cold;	/* taker: nothing of it ran here before the
				 * move but what prepare started */
	int mv_early;		/* taker: address starts in the background */
	gboolean mv_early_failed;
	gboolean mv_waiting;	/* the start chain waits for them */
	gboolean mv_addr_pre;	/* taker: addresses started on "drained" */
	gboolean mv_unprepare;	/* taker: stop all once those starts end */
	gboolean mv_drained_sent;	/* giver: the taker may have announced
					 * the address: re-announce if we keep it */
	gboolean mv_reannounce;	/* the peer dropped its copy of our address
				 * while we started: announce once running */
	gboolean mv_addr_kept;	/* giver kept the group after all, address
				 * still up, the rest restarting */
} rm_group;

typedef void (*rm_settled_fn)(hbd_rm *rm, void *ud);
/* How a resource action or the stonith tool runs: hbd_script_run_pid
 * (script.h) in the daemon, a fake in tests/unit/test_rm.c. */
typedef int (*rm_runner_fn)(char **argv, char **env, guint timeout_ms,
			    hbd_script_done_fn done, void *ud, GPid *out_pid);
typedef struct rm_batch {
	rm_settled_fn fn;
	void *ud;
} rm_batch;

struct hbd_rm {
	hbd_cluster *c;
	hb_haresources *rsc;
	char *confdir;
	rm_runner_fn run;	/* every child rm starts goes through it */
	rm_settled_fn on_failed;	/* once a failed start's stop settled
					 * (ud: the group); rm.c's reaction */
	GPtrArray *groups;	/* rm_group * */
	rm_state state;
	gboolean nice;		/* auto_failback on/off, not legacy */
	int other_holds;	/* in the peer's terms */
	gboolean other_stable;
	sb_role sb;
	int sb_set;		/* the requester's set, requester's terms */
	guint sb_timer;
	guint rqst_timer;
	GList *batches;		/* rm_batch * */
	GMainLoop *quit_loop;
	guint ipfail_timer;
	int ipfail_count;
	/* hbd peers also list group keys in resource messages ("groups",
	 * "failed"); with a real Heartbeat peer these stay NULL and the
	 * 2-bit sets are all we know. */
	GHashTable *peer_groups;
	GHashTable *peer_failed;
	gboolean failback_pending;	/* took foreign groups on peer death */
	guint fence_timer;
	gboolean fence_running;
	int fence_attempts;
	/* a real Heartbeat peer holds what we hold (after a partition) */
	gboolean hb_contested;
	guint hb_contest_timer;
	/* generation and seq of the peer's last resource message: one that
	 * comes later with a lower seq is a retransmission (filling a gap
	 * after a partition) and says what the peer held back then */
	uint64_t peer_rsc_gen;
	uint64_t peer_rsc_seq;
	/* planned move (move.c): both sides agreed to it for sb_set */
	gboolean mv_planned;
};

/* The peer is heard and not dead. */
static inline gboolean
rm_peer_alive(hbd_rm *rm)
{
	hbd_node *p = hbd_cluster_peer(rm->c);

	return p != NULL && p->heard && p->status != HBD_NODE_DEAD;
}

#endif
