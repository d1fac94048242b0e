/*
 * rm-proto.h - Heartbeat 3.0.6's resource messages as hbd sends them, and
 * what we know of the peer's groups.
 *
 * Contract:
 * - "resource" (rsc_hold, rtype=full, isstable, info) is sent only with
 *   nice_failback (auto_failback on/off) and groups configured; hbd adds
 *   "groups" and "failed" (space-separated keys, " " when empty), which a
 *   Heartbeat peer ignores.  "ask_resources" carries move=1 only for a
 *   planned move with an hbd peer.
 * - rm->peer_groups/peer_failed are the hbd peer's last lists; NULL with
 *   a Heartbeat peer or after it restarted or died (rm_forget_peer).
 * Depends on: rm-group.h (the sets we hold), move.h (groups handed over).
 */
#ifndef HBD_RM_PROTO_H
#define HBD_RM_PROTO_H

#include <glib.h>
#include "rm-types.h"

/* "resource": what we hold; full = rtype=full (replaces the peer's view
 * of our set), info may be NULL. */
void rm_send_resource(hbd_rm *rm, const char *info, gboolean full);
/* "ask_resources" for set (our terms) with info me|other|done */
void rm_send_ask(hbd_rm *rm, int set, const char *info);
/* "stonith": a fencing outcome, result OK|bad|n_stnth|unneeded */
void rm_send_stonith(hbd_rm *rm, const char *node, const char *result);
/* a batch (rm_when_settled): rm_send_resource(rm, ud, TRUE) */
void rm_announce_cb(hbd_rm *rm, void *ud);

/* the set of keys in a space-separated list (g_hash_table_unref) */
GHashTable *rm_keyset(const char *list);
/* the hbd peer listed g as held */
gboolean rm_peer_has(hbd_rm *rm, const rm_group *g);
void rm_forget_peer(hbd_rm *rm);

#endif
