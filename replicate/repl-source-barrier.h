/*
 * repl-source-barrier.h - the source role's barriers: the policy
 * (replicate.conf `barrier all|one|N`, repl_barrier_met), each barrier's
 * state per replica, and its one reply.
 *
 * Contract: a barrier (struct barrier, on S.barriers) is asked by
 * repl_source_barrier() (repl-source.c), which sets st[i] for each
 * replica that counts for it: B_WAIT while its session starts, B_QUEUED
 * once its marker (OP_BARRIER) is queued.  The pump sets B_ASSIGNED and
 * target[i] (the replica's last seq) when it reaches the marker, then
 * calls barriers_check(), as does every ACK.  barriers_check() answers
 * "OK N\n" each barrier the policy holds as met: enough of the replicas
 * that count acknowledged target[i], and no file that replica failed to
 * store waits for a resend (S.peers[i].failing).  barrier_reply() answers
 * one barrier exactly once and frees it (and its markers still queued).
 * Nothing here sends or pumps: the callers do.
 */
#ifndef REPL_SOURCE_BARRIER_H
#define REPL_SOURCE_BARRIER_H

#include <glib.h>

#include "repl-source-state.h"

/* A barrier's state for one replica: it does not count (its session
 * was down when the barrier was asked, or broke since), its marker
 * waits for the end of the catch-up, is queued, or was sent (target). */
enum bst { B_NONE, B_WAIT, B_QUEUED, B_ASSIGNED };

struct barrier {
	/* answers the client, once (a repl_reply_fn, repl-source.h) */
	void (*reply)(const char *text, void *ctx);
	void *ctx;
	guint8 st[REPL_MAX_PEERS];
	guint64 target[REPL_MAX_PEERS];
};

/* Answer b with text (once) and free it. */
void barrier_reply(struct barrier *b, const char *text);
/* Answer every barrier the policy now holds as met. */
void barriers_check(void);
/* p's catch-up is sent (its empty FETCH): it joins the barriers that
 * wait for it (markers queued on p->ops). */
void catch_up_sent(struct peer *p);
/* p's session is gone: it counts for no barrier any more. */
void barriers_peer_down(struct peer *p);
/* A session broke: answer "DOWN session lost\n" each barrier that no
 * replica counts for any more; those left may now meet the policy. */
void barriers_session_lost(void);
/* The policy's position over the replicas with a session (all: the
 * lowest; N: the N-th highest), as a barrier asked now would count. */
guint64 policy_acked(void);

#endif
