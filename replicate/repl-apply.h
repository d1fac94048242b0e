/*
 * repl-apply.h - applying replicated operations to the local trees (both
 * roles: the replica for the stream, the source for files fetched back
 * in a reconcile).
 *
 * Contract: repl_apply_frame() applies one DATA, COMMIT, RENAME, DELETE,
 * MKDIR or ATTR frame at once, except that a committed file is only
 * linked under its name by the group commit (repl-apply-commit.h, which
 * this header includes: the caller drives both) after a sync that began
 * after its last byte was written.  The caller keeps the order of
 * operations: a frame for which repl_apply_needs_flush() is TRUE must
 * wait until repl_apply_settled(), and no frame should be applied while
 * repl_apply_congested().  The module owns the files in transfer (DATA
 * received, no COMMIT yet, at most 64); it uses the group commit, the
 * tree (repl-tree.h), repl-path and repl-delta, and nothing above them.
 */
#ifndef REPL_APPLY_H
#define REPL_APPLY_H

#include <glib.h>

#include "repl-apply-commit.h"
#include "repl-proto.h"

/* Set up (first call) or drop the files in transfer (each later call:
 * a new session), and start syncing what was received. */
void repl_apply_reset(void);

/* 0, or an error (negative; *out_err: owned text naming the frame). */
int repl_apply_frame(const struct repl_frame *f, char **out_err);
/* Forget a file in transfer (its send failed). */
void repl_apply_drop_part(const char *wire);

gboolean repl_apply_needs_flush(const struct repl_frame *f);

#endif
