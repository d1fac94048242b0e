/*
 * repl-mda-barrier.h - replicate-mda's questions to the local replicate
 * daemon over its control socket (lib/ctlsock.h; doc/replicate.md).
 *
 * Contract: mda_barrier() asks STATUS (5 s), then, when this node is the
 * source with a session, SYNC within wait_secs: 0 when everything written
 * before the call is fsynced on the standby; 1 when there is no session
 * (or it broke while waiting): stored on this node only; <0 when not
 * confirmed, with *out_why (static text): -EIO (daemon not answering, or
 * the barrier refused), -EPERM (not the source), -ETIMEDOUT.
 * mda_source_wait() is asked before anything is delivered: while this
 * node is not the source yet, or is a planned handover's new source
 * without its first session ("handover=1"), it asks again every 20 ms for
 * at most handover_ms; 0 to go on (the source, or a daemon that does not
 * answer: mda_barrier() then says why), -EPERM when still not the source.
 * Both block (bounded); they log only the wait (info).
 */
#ifndef REPL_MDA_BARRIER_H
#define REPL_MDA_BARRIER_H

int mda_barrier(const char *ctl_path, int wait_secs, const char **out_why);
int mda_source_wait(const char *ctl_path, int handover_ms);

#endif
