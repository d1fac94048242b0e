/*
 * rm.h - the v1 resource manager: haresources groups, Heartbeat 3.0.6's
 * resource protocol (nice_failback: starting / resource / ask_resources /
 * hb_takeover; legacy: ip-request / ip-request-resp), takeover on peer
 * death, graceful shutdown, standby and takeover.
 *
 * Contract:
 * - A group's resources start left to right and stop right to left, each
 *   as "script [args...] start|stop|status" in a child with a timeout.
 * - A group is started only when the peer is dead or has said it does not
 *   hold it; a node hands a group over only after it has stopped it.
 * - A start failure stops the group's started part and asks the peer to
 *   take the group.
 * - When both nodes find they hold the same group (after a partition),
 *   the group's preferred node keeps it and the other stops it.
 * Implemented by rm.c (life cycle, the cluster's hooks) and rm-ctl.c
 * (shutdown, control requests) over the modules rm-fence, rm-join,
 * rm-heal, rm-standby, rm-proto, rm-group and rm-script, each with its
 * header (doc/hbd.md "Resource manager modules").
 */
#ifndef HBD_RM_H
#define HBD_RM_H

#include <glib.h>
#include "cluster.h"
#include "haresources.h"

typedef struct hbd_rm hbd_rm;

/* rsc may be NULL (-M: no resources).  Hooks itself into c. */
hbd_rm *hbd_rm_new(hbd_cluster *c, hb_haresources *rsc, const char *confdir);
void hbd_rm_free(hbd_rm *rm);
/* After an unclean stop (crash, kill -9; a systemd restart): run every
 * group's stop chain, last resource first, before the cluster starts, so
 * nothing the peer may have taken over meanwhile (the VIP above all) stays
 * configured here.  Iterates the default main context until every chain
 * ended (each stop is a timed child, retried as in a release).  Then the
 * node joins as usual: it asks the peer and takes only what nobody holds
 * (auto_failback on: the peer hands the node's groups back in order). */
void hbd_rm_release_stale(hbd_rm *rm);
/* Graceful stop: release everything, tell the peer, then quit loop. */
void hbd_rm_shutdown(hbd_rm *rm, GMainLoop *loop);
/* Control socket extension: rscstatus, standby X, takeover X, groups, and
 * rmstatus: "state\t<wait|fencing|starting|stable|transition|shutdown>",
 * then "group\t<key>\t<node>\t<here>\t<peer holds: yes|no>\t<failed|ok>"
 * per group, here one of running, starting, stopping, partial, stopped. */
int hbd_rm_control(char **argv, GString *out, void *ud);

#endif
