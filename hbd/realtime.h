/*
 * realtime.h - ha.cf's "realtime" (default on) and "rtprio", as Heartbeat
 * has them: hbd's heartbeat runs at a SCHED_FIFO priority and its memory
 * stays locked, so that a loaded machine (a mail burst, a backup, a
 * runaway process) delays neither a heartbeat nor the reaction to one.
 *
 * Unlike Heartbeat, only hbd itself is realtime: SCHED_RESET_ON_FORK puts
 * every child (resource scripts, the stonith tool) and every thread back
 * to the normal policy, so a script that spins cannot take a core from the
 * machine.  Memory is locked as it is touched (MCL_ONFAULT): hbd's pages
 * never go to swap, without faulting in every library it maps.
 *
 * Failing to do either is no reason not to run (a container without
 * CAP_SYS_NICE, a cgroup without realtime budget): a warning names what
 * failed and how to silence it.  `hbd -l` and "realtime off" skip both.
 */
#ifndef HBD_REALTIME_H
#define HBD_REALTIME_H

/* Priority for rtprio 0 (not set): the middle of SCHED_FIFO's range. */
int hbd_realtime_default_prio(void);

/* Enters SCHED_FIFO at prio (0: the default) and locks memory.  Logs a
 * warning per step that failed.  Returns 0 when both succeeded, else the
 * -errno of the first failure. */
int hbd_realtime_enter(int prio);

#endif
