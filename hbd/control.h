/*
 * control.h - the local control socket (cl_status, hb_standby, ...).
 *
 * A Unix stream socket, mode 0660.  A client sends one request line
 * (at most 1024 bytes, within 2 s) and reads the reply until EOF:
 *   "<rc>\n" then zero or more lines of data.
 * rc follows cl_status: 0 ok, 1 not found / down, 11 bad parameter.
 * Requests:
 *   status                      -> "running"
 *   nodes                       -> "<name>\t<normal|ping>\t<status>" per node
 *   links NODE                  -> "<link>\t<up|dead>" per link
 *   param NAME                  -> recorded ha.cf value
 *   counters                    -> "<name> <value>" per packet counter
 *   localnode                   -> this node's name
 *   fencing                     -> "<ms>\t<from>\t<node>\t<result>" per
 *                                  STONITH outcome seen (cluster.h), oldest
 *                                  first; ms is wall-clock ms since the epoch
 *   events [N]                  -> "<ms>\t<LEVEL>\t<text>" for the last N
 *                                  (default 20) logged lines, oldest first
 *   anything else               -> the extension hook (resource manager)
 */
#ifndef HBD_CONTROL_H
#define HBD_CONTROL_H

#include <glib.h>
#include "cluster.h"

/* Extension: handle argv (NULL-terminated); append reply lines to out and
 * return the rc, or return -1 when the command is unknown. */
typedef int (*hbd_control_fn)(char **argv, GString *out, void *ud);

typedef struct hbd_control hbd_control;

int hbd_control_new(const char *path, hbd_cluster *c, hbd_control **out,
		    char **out_err);
void hbd_control_set_hook(hbd_control *ctl, hbd_control_fn fn, void *ud);
void hbd_control_free(hbd_control *ctl);	/* removes the socket file */

#endif
