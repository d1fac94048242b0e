/*
 * repl-source-send.h - the source role's sending, per replica: the
 * operation queue (S.peers[i].ops), sequence numbers (capture-numbered
 * with several replicas), the transfer of files (whole, or a librsync
 * delta against the replica's signature), big new files held back for
 * the rename that may follow, resends of files the replica failed to
 * store, and the journal of what changed while a replica is away.
 *
 * Contract: source_watch_ops turns the changes repl-watch.h reports into
 * operations on the queue of every replica with a session (and into the
 * journal of every one without), then pumps.  source_pump(p) sends what
 * fits while p streams (phase PH_STREAM, no signature awaited) and its
 * session buffers less than 2 MiB; it returns when the queue is empty or
 * the socket is full.  An operation reads the file's state when it is
 * sent, so replaying one is harmless.  The pump reaches a barrier's
 * marker and a catch-up's end (the empty FETCH) and tells
 * repl-source-barrier.h.  A send may break the session (its closed()
 * runs inside): the pump checks and stops.  Main loop only.
 * Logs at warning: a delta that failed (sent whole); notice: a journal
 * that overflowed or was dropped.
 */
#ifndef REPL_SOURCE_SEND_H
#define REPL_SOURCE_SEND_H

#include <glib.h>

#include "repl-proto.h"
#include "repl-source-state.h"
#include "repl-watch.h"

extern const struct repl_watch_ops source_watch_ops;

/* Send what fits; returns when the queue is empty or the socket is full. */
void source_pump(struct peer *p);
/* p streams and awaits no signature: the pump may send. */
gboolean streaming(struct peer *p);
/* The replica's signature (REPL_SIG) for the file awaited: its delta (or
 * the whole file) becomes p's transfer. */
void on_sig(struct peer *p, const struct repl_frame *f);
/* Queue a whole copy of path for p in 1 s (the replica failed it). */
void source_retry(struct peer *p, const char *path);
void op_push(struct peer *p, int type, const char *path, const char *path2);
void xfer_free(struct xfer *x);
/* The replica no longer has path (a file, or a directory and all below). */
void known_drop(struct peer *p, const char *path);
/* The journal (repl-journal.h) of p: dropped (its next catch-up compares
 * the trees; why logged unless NULL), path added (NULL: none), or its
 * overflow logged. */
void journal_drop(struct peer *p, const char *why);
void journal_add(struct peer *p, const char *path);
void journal_overflow(struct peer *p);

#endif
