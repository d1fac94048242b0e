/*
 * rm-script.h - one resource action as a child: where the script is, the
 * environment Heartbeat gives it, the timeouts, and how its output reads.
 *
 * Contract:
 * - A resource "script [args...]" runs as "script args... ACTION" through
 *   rm->run (hbd_script_run_pid; tests put a fake there) with Heartbeat's
 *   environment (HA_RSCGROUP, HA_CURHOST, HA_NICEFAILBACK, HA_DONTASK when
 *   the peer is not alive, HA_debug, HA_LOGFILE, HA_DEBUGLOG,
 *   HA_RESOURCEDIR, HA_LOGD=no; HBD_MOVE=planned during a planned move).
 * - status gets 20 s, every other action 60 s; a timeout is rc
 *   -ETIMEDOUT (the runner kills the script's process group).
 * - A failure other than of status is logged at error with the script's
 *   output; whether a resource runs is read from status stdout only, by
 *   Heartbeat's rule (rm_output_running).
 * Depends on: rm-types.h, script.h.  Nothing here keeps state but
 * g->child while a chain's action runs.
 */
#ifndef HBD_RM_SCRIPT_H
#define HBD_RM_SCRIPT_H

#include <glib.h>
#include "rm-types.h"

#define RM_START_TIMEOUT_MS 60000	/* start, stop and the others */
#define RM_STATUS_TIMEOUT_MS 20000

typedef void (*rm_step_fn)(rm_group *g, int rc, const char *out);

/* the script for a resource name, or NULL; owned by the caller (g_free) */
char *rm_script_path(hbd_rm *rm, const char *name);
/* Heartbeat's rule on status stdout: "running", "Running" or "OK", and
 * no "not running" (any case). */
gboolean rm_output_running(const char *out);
/* runs "script args... action" for resource g->idx; next gets the LSB rc
 * (negative errno when it could not run or timed out) and stdout; a
 * missing script is rc 5 (not installed), or 3 (stopped) for status */
void rm_run(rm_group *g, const char *action, rm_step_fn next);
/* runs "script args... action" for resource idx outside the group's
 * chain; planned adds HBD_MOVE=planned; 0, -ENOENT (no script) or -errno */
int rm_spawn(rm_group *g, int idx, const char *action, gboolean planned,
	     hbd_script_done_fn done, void *ud, GPid *out_pid);

#endif
