/*
 * repl-journal.h - a replica's catch-up journal on the source: the paths
 * that may differ between the replica and what the source's path table
 * (repl-ptab.h) says it holds.
 *
 * Contract: a journal is valid from repl_journal_reset() (the table was
 * just rebuilt from the replica's manifest) until repl_journal_drop() or
 * an overflow.  While the replica's session is up, every operation sent
 * is recorded with its seq (repl_journal_sent) until acknowledged
 * (repl_journal_acked); when the session breaks, repl_journal_away()
 * moves those not acknowledged into the set of paths, and each change
 * captured while it is away is added (repl_journal_add; a path once,
 * however often it changed; a file created and gone again while it was
 * away, never).  More than limit paths in the set make it invalid and
 * empty: the next catch-up compares the trees; so does a break while
 * more than limit operations are unacknowledged (their paths are not
 * kept: a break once the acknowledgements passed them is harmless).  A limit of 0 keeps it invalid.  Pure
 * data structure: no I/O, no logging; paths are copied.
 */
#ifndef REPL_JOURNAL_H
#define REPL_JOURNAL_H

#include <glib.h>

struct repl_journal;

struct repl_journal *repl_journal_new(guint limit);
void repl_journal_free(struct repl_journal *j);

/* Valid and empty (unless limit is 0): the table is the replica's now. */
void repl_journal_reset(struct repl_journal *j);
/* Invalid and empty.  TRUE when it was valid. */
gboolean repl_journal_drop(struct repl_journal *j);
gboolean repl_journal_valid(const struct repl_journal *j);

/* path (may be NULL or "": nothing) may differ.  FALSE when this made
 * the journal overflow (it is invalid now). */
gboolean repl_journal_add(struct repl_journal *j, const char *path);
/* A file the replica lacks (not in the table) appeared at path: kept
 * as new unless path is in the journal already.  FALSE on overflow. */
gboolean repl_journal_add_new(struct repl_journal *j, const char *path);
/* The same for a file renamed to path (its content is not new: the
 * catch-up reads ahead only what is new). */
gboolean repl_journal_add_moved(struct repl_journal *j, const char *path);
/* The file at path is gone (deleted, renamed away): a path kept as new
 * is forgotten (the replica never had it), another is added.  FALSE on
 * overflow. */
gboolean repl_journal_gone(struct repl_journal *j, const char *path);
/* The directory from was renamed to to: both paths are added (as
 * repl_journal_add), and the rename is kept, in order, so that the
 * catch-up can replay it as a rename (repl_journal_dir_renames).  More
 * than limit renames overflow as more than limit paths do.  FALSE on
 * overflow. */
gboolean repl_journal_dir_renamed(struct repl_journal *j, const char *from,
				  const char *to);
struct repl_journal_rename {
	char *from;
	char *to;
};
/* The directory renames (struct repl_journal_rename), oldest first;
 * borrowed like repl_journal_paths. */
const GQueue *repl_journal_dir_renames(const struct repl_journal *j);
/* An operation on path (and path2) was sent as seq (seqs increase).
 * TRUE (more than limit unacknowledged: see above). */
gboolean repl_journal_sent(struct repl_journal *j, guint64 seq,
			   const char *path, const char *path2);
/* What was sent up to seq is not recorded (a catch-up: hundreds of
 * thousands of operations): a break before it is acknowledged loses
 * the journal, as an overflow of the unacknowledged does. */
void repl_journal_unrecorded(struct repl_journal *j, guint64 seq);
/* The replica acknowledged everything up to seq. */
void repl_journal_acked(struct repl_journal *j, guint64 seq);
/* The session broke: what was sent and not acknowledged may differ
 * (the table says it was sent, not that it arrived): each path of it is
 * given to unknown (may be NULL), then added.  FALSE when this made the
 * journal overflow. */
gboolean repl_journal_away(struct repl_journal *j,
			   void (*unknown)(const char *path, void *u), void *u);

/* The paths (keys; borrowed, valid until the next call that changes
 * the journal; values GINT_TO_POINTER of these: a file the replica never
 * had, new or renamed there, or anything else) and their number. */
enum { REPL_JOURNAL_OLD = 1, REPL_JOURNAL_NEW, REPL_JOURNAL_MOVED };
GHashTable *repl_journal_paths(const struct repl_journal *j);
guint repl_journal_size(const struct repl_journal *j);
/* Operations sent and not acknowledged. */
guint repl_journal_unacked(const struct repl_journal *j);
/* The bytes of the paths kept (the set's and those sent and not
 * acknowledged; the strings, not the tables around them). */
gsize repl_journal_bytes(const struct repl_journal *j);
/* Overflows since it was created (of the set, or a break while more
 * than limit were unacknowledged). */
guint repl_journal_overflows(const struct repl_journal *j);
/* For the status: "valid"; "off" (limit 0); "overflowed" (invalid since
 * an overflow, until the next full catch-up); "invalid" (not built yet,
 * or dropped: the next catch-up compares the trees). */
const char *repl_journal_state(const struct repl_journal *j);

#endif
