/*
 * repl-source-state.h - the source role's state, shared by its files
 * (repl-source.c: lifecycle and sessions; repl-source-send.c: queues and
 * sending; repl-source-barrier.c: barriers; repl-source-status.c: the
 * status line).  Nothing outside the source role includes it.
 *
 * Contract: S is defined in repl-source.c, set up by repl_source_start()
 * and torn down by repl_source_stop(); the other files read and change
 * it only from the main loop.  S.peers[i] is the replica of
 * replicate.conf's i-th `peer` (its idx is i).
 */
#ifndef REPL_SOURCE_STATE_H
#define REPL_SOURCE_STATE_H

#include <stdio.h>
#include <glib.h>

#include "repl-conf.h"
#include "repl-conn.h"
#include "repl-journal.h"
#include "repl-ptab.h"
#include "repl-source-private.h"

enum phase { PH_DOWN, PH_HELLO, PH_MANIFEST, PH_STREAM };

struct xfer {
	int fd;
	FILE *delta;
	char *path;
	guint64 off;
	guint64 size;
	guint64 final_size;
	int kind;
	guint32 mode;
	gint64 mtime;
	guint64 cap;		/* capture number of its op */
};

/* One replica (a `peer` of replicate.conf): its session and what was
 * sent to it.  Every replica has its own queue, catch-up and position;
 * the changes captured are queued for each one whose session is up. */
struct peer {
	int idx;
	char *name;		/* "addr:port" */
	struct repl_conn *conn;	/* the session, from connect to closed */
	GQueue ops;
	enum phase phase;
	GHashTable *manifest;
	struct repl_ptab *known;	/* what the replica holds */
	GHashTable *late;	/* held-back new big files -> timer id */
	GHashTable *failing;	/* paths the replica failed -> seq of resend */
	gboolean union_mode;
	gboolean catching;	/* streaming its catch-up (until the empty
				 * FETCH that ends it is sent) */
	guint64 hello_seq;	/* the position its session's HELLO announced */
	guint64 sent;		/* the last seq sent to it */
	guint64 acked;		/* the last seq it acknowledged as durable */
	gint64 ack_us;		/* monotonic time of the last ack, 0 = none */
	guint64 cur_cap;	/* capture number of the op being sent */
	struct xfer *x;
	char *await_sig;
	gboolean trim;		/* much was freed: give it back when idle */
	/* while valid, known and the paths in the journal describe what
	 * the replica holds: its next catch-up replays the journal */
	struct repl_journal *journal;
	gboolean joffered;	/* its session's HELLO offered the journal */
	gboolean insync_offered; /* ... or a planned handover's skip */
};

struct source_state {
	const struct repl_conf *conf;
	gboolean on;
	int npeers;
	struct peer peers[REPL_MAX_PEERS];
	guint64 seq;		/* the highest seq sent to any replica */
	guint64 cap;		/* the last capture number */
	guint64 epoch;		/* names this run of the source role */
	GList *barriers;
	gint64 handover_us;	/* planned handover began (0: none) */
	guint64 handover_pos;	/* ... holding exactly this position */
	gboolean try_in_sync;	/* next HELLO offers to skip the catch-up */
};
extern struct source_state S;

/* Operations queued at once above which the memory they took is given
 * back to the system once the queue is empty (a catch-up of 200,000
 * files queues 200,000 operations; glibc keeps freed small blocks). */
#define TRIM_OPS 10000

#endif
