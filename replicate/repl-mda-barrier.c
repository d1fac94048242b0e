/*
 * repl-mda-barrier.c - replicate-mda's questions to the local replicate
 * daemon (repl-mda-barrier.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "ctlsock.h"
#include "repl-mda-barrier.h"
#include "repl-mda-io.h"

/* One request on the replicate control socket (lib/ctlsock.h's client),
 * within secs; the reply (at most size - 1 bytes) in buf.  An empty reply
 * is a timeout. */
static int
ctl_ask(const char *ctl_path, const char *req, char *buf, size_t size,
	int secs)
{
	g_autofree char *reply = NULL;
	int r = hb_ctl_ask(ctl_path, req, secs * 1000, size - 1, &reply);

	if (r < 0)
		return r;
	g_strlcpy(buf, reply, size);
	return *buf != '\0' ? 0 : -ETIMEDOUT;
}

/* 0: on both nodes; 1: accepted here only (no session); <0: not confirmed
 * (*out_why says why) */
int
mda_barrier(const char *ctl_path, int wait_secs, const char **out_why)
{
	char buf[512];

	if (ctl_ask(ctl_path, "STATUS", buf, sizeof(buf), 5) != 0) {
		*out_why = "replicate daemon not answering";
		return -EIO;
	}
	if (strstr(buf, "role=source") == NULL) {
		*out_why = "this node is not the replication source";
		return -EPERM;
	}
	if (strstr(buf, "phase=down") != NULL)
		return 1;
	if (ctl_ask(ctl_path, "SYNC", buf, sizeof(buf), wait_secs) != 0) {
		*out_why = "standby did not confirm in time";
		return -ETIMEDOUT;
	}
	if (strncmp(buf, "DOWN", 4) == 0)	/* the session broke meanwhile */
		return 1;
	if (strncmp(buf, "OK", 2) != 0) {
		*out_why = "barrier refused";
		return -EIO;
	}
	return 0;
}

/* Before anything is delivered: while this node is not the replication
 * source yet (a planned move brings the address here a moment before the
 * roles switch), or is a planned handover's new source whose first
 * session is not up yet ("handover=1"), wait up to -W ms for it, asking
 * every 20 ms.  Refusing at once (451) sent the client back to a new
 * connection and its retry; a message delivered on a replica would be
 * written into the tree the old source still replicates into.  0: go on
 * (barrier() decides); -EPERM: still not the source. */
int
mda_source_wait(const char *ctl_path, int handover_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)handover_ms * 1000;
	gboolean waited = FALSE;
	char buf[512];

	for (;;) {
		gboolean source;

		if (ctl_ask(ctl_path, "STATUS", buf, sizeof(buf), 5) != 0)
			return 0;	/* barrier() says why */
		source = strstr(buf, "role=source") != NULL;
		if (source && (strstr(buf, "phase=stream") != NULL ||
			       strstr(buf, " handover=1") == NULL))
			break;
		if (g_get_monotonic_time() >= end)
			return source ? 0 : -EPERM;
		waited = TRUE;
		g_usleep(20000);
	}
	if (waited)
		mda_log(LOG_INFO, "waited for the replication handover: this "
			"node is the source now");
	return 0;
}
