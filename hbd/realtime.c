/*
 * realtime.c - realtime priority and locked memory (see realtime.h).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "realtime.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

int
hbd_realtime_default_prio(void)
{
	return (sched_get_priority_min(SCHED_FIFO) +
		sched_get_priority_max(SCHED_FIFO)) / 2;
}

int
hbd_realtime_enter(int prio)
{
	struct sched_param sp = { 0 };
	int rc = 0;

	sp.sched_priority = prio > 0 ? prio : hbd_realtime_default_prio();
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) != 0) {
		rc = -errno;
		hb_log(LOG_WARNING, "cannot run at realtime priority %d: %s "
		       "(\"realtime off\" in ha.cf runs without it)",
		       sp.sched_priority, strerror(errno));
	} else {
		hb_log(LOG_INFO, "realtime: SCHED_FIFO priority %d",
		       sp.sched_priority);
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
		if (rc == 0)
			rc = -errno;
		hb_log(LOG_WARNING, "Cannot lock ourselves into memory: %s "
		       "(\"realtime off\" in ha.cf runs without it)",
		       strerror(errno));
	}
	return rc;
}
