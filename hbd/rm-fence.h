/*
 * rm-fence.h - the peer died: STONITH before takeover.
 *
 * Contract:
 * - A peer that held nothing (as far as we heard) is not fenced
 *   ("unneeded"); without a STONITH device we take over at once
 *   ("n_stnth", with a warning when it held something).
 * - Else RM_FENCING: the stonith tool resets the peer (60 s per attempt,
 *   through rm->run); only its success lets us take over ("OK"); a failure
 *   is announced ("bad") and retried every 5 s; a peer that comes back
 *   meanwhile cancels the fencing and nothing is taken over.
 * Depends on: rm-join.h (takeover), rm-heal.h, rm-proto.h.
 */
#ifndef HBD_RM_FENCE_H
#define HBD_RM_FENCE_H

#include "rm-types.h"

#define RM_STONITH_TIMEOUT_MS 60000
#define RM_STONITH_RETRY_MS 5000

/* The peer n was declared dead. */
void rm_peer_died(hbd_rm *rm, hbd_node *n);
/* Stop retrying (the peer is back, or rm is freed). */
void rm_fence_cancel(hbd_rm *rm);

#endif
