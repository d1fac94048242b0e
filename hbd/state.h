/*
 * state.h - persistent node identity: generation number and UUID.
 *
 * Files in the state directory, in Heartbeat 3.0.6's formats so an existing
 * /var/lib/heartbeat carries over:
 *   hb_generation  16 bytes: a right-aligned decimal number and '\n';
 *                  incremented (and fsynced) at every start; the first
 *                  start uses the current Unix time + 1.
 *   hb_uuid        16 raw bytes, created at the first start.
 */
#ifndef HBD_STATE_H
#define HBD_STATE_H

#include <stdint.h>
#include <glib.h>

#define HBD_UUID_LEN 16

/* Reads, increments and writes back the generation.  by_time: use the
 * start time instead (hbgenmethod time).  Returns 0 or -errno. */
int hbd_state_next_generation(const char *statedir, gboolean by_time,
			      uint64_t *out_gen);
/* Reads hb_uuid, creating it if absent.  from_name: derive the UUID from
 * the node name instead (uuidfrom nodename); nothing is written then. */
int hbd_state_uuid(const char *statedir, const char *nodename,
		   gboolean from_name, guint8 out_uuid[HBD_UUID_LEN]);

#endif
