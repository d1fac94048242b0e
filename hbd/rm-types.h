/*
 * rm-types.h - the resource manager's state, shared by its modules
 * (rm-script, rm-group, rm-proto, rm-heal, rm-standby, rm-join, rm-fence,
 * rm-ctl, rm.c; doc/hbd.md "Resource manager modules") and move.c.
 * Types only, one query of the cluster, and the planned-move hooks (the
 * table rm.c fills in with move.c's functions, so that the modules below
 * rm.c reach planned moves without including move.h); nothing outside
 * hbd/rm*.c, hbd/move.[ch] and tests/unit/test_rm.c includes it.
 */
#ifndef HBD_RM_TYPES_H
#define HBD_RM_TYPES_H

#include <stdint.h>
#include <glib.h>
#include "cluster.h"
#include "haresources.h"
#include "script.h"

typedef struct hbd_rm hbd_rm;	/* rm.h */

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

/* Where the taker's start chain may go before resource g->idx (move.h's
 * hbd_move_address_gate). */
typedef enum hbd_move_gate {
	HBD_MOVE_GATE_GO,	/* the chain may run resource g->idx */
	HBD_MOVE_GATE_WAIT,	/* an address is still starting */
	HBD_MOVE_GATE_FAILED,	/* a background address start failed */
} hbd_move_gate;

/* Planned moves as the rm modules below rm.c see them: move.c's functions
 * of the same names (move.h states what each does), put in hbd_rm by rm.c.
 * With no table (NULL) there are no planned moves: the rm_mv_* wrappers
 * below answer "not handed, no move, go" and do nothing. */
typedef struct rm_move_ops {
	gboolean (*enabled)(void);
	gboolean (*offer)(hbd_rm *rm);
	void (*prepare)(hbd_rm *rm, int set);
	void (*release)(hbd_rm *rm, int set);
	void (*acquire)(hbd_rm *rm, int set);
	void (*started)(rm_group *g);
	gboolean (*needs_no_status)(const rm_group *g);
	gboolean (*start_early)(rm_group *g);
	hbd_move_gate (*address_gate)(rm_group *g);
	void (*group_started)(rm_group *g);
	void (*finish)(hbd_rm *rm);
	void (*cancel)(hbd_rm *rm, const char *why);
	void (*reset)(hbd_rm *rm);
	gboolean (*handed)(const rm_group *g);
} rm_move_ops;

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
	const rm_move_ops *move_ops;	/* planned moves (move.c), or NULL */
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

/* ---- the planned-move hooks (rm_move_ops above) ---- */

static inline gboolean
rm_mv_enabled(hbd_rm *rm)
{
	return rm->move_ops != NULL && rm->move_ops->enabled();
}

static inline gboolean
rm_mv_offer(hbd_rm *rm)
{
	return rm->move_ops != NULL && rm->move_ops->offer(rm);
}

static inline void
rm_mv_prepare(hbd_rm *rm, int set)
{
	if (rm->move_ops != NULL)
		rm->move_ops->prepare(rm, set);
}

static inline void
rm_mv_release(hbd_rm *rm, int set)
{
	if (rm->move_ops != NULL)
		rm->move_ops->release(rm, set);
}

static inline void
rm_mv_acquire(hbd_rm *rm, int set)
{
	if (rm->move_ops != NULL)
		rm->move_ops->acquire(rm, set);
}

static inline void
rm_mv_started(rm_group *g)
{
	if (g->rm->move_ops != NULL)
		g->rm->move_ops->started(g);
}

static inline gboolean
rm_mv_needs_no_status(const rm_group *g)
{
	return g->rm->move_ops != NULL && g->rm->move_ops->needs_no_status(g);
}

static inline gboolean
rm_mv_start_early(rm_group *g)
{
	return g->rm->move_ops != NULL && g->rm->move_ops->start_early(g);
}

static inline hbd_move_gate
rm_mv_address_gate(rm_group *g)
{
	if (g->rm->move_ops == NULL)
		return HBD_MOVE_GATE_GO;
	return g->rm->move_ops->address_gate(g);
}

static inline void
rm_mv_group_started(rm_group *g)
{
	if (g->rm->move_ops != NULL)
		g->rm->move_ops->group_started(g);
}

static inline void
rm_mv_finish(hbd_rm *rm)
{
	if (rm->move_ops != NULL)
		rm->move_ops->finish(rm);
}

static inline void
rm_mv_cancel(hbd_rm *rm, const char *why)
{
	if (rm->move_ops != NULL)
		rm->move_ops->cancel(rm, why);
}

static inline void
rm_mv_reset(hbd_rm *rm)
{
	if (rm->move_ops != NULL)
		rm->move_ops->reset(rm);
}

static inline gboolean
rm_mv_handed(const rm_group *g)
{
	return g->rm->move_ops != NULL && g->rm->move_ops->handed(g);
}

#endif
