/*
 * repl-ptab.h - a table of files by wire path, indexed by directory:
 * what the source believes the replica holds (size, mtime, mode of each
 * file it sent or found in the replica's manifest).
 *
 * Contract: the table is a tree of directory nodes (one per directory
 * that holds, or held, a file of the table; each keeps its wire path)
 * and, in each node, an open-addressing array of its files keyed by a
 * seeded 64-bit hash of the file's name (24 bytes a file, no name kept).
 * Every operation costs in proportion to what it changes, never to the
 * table: set/get/drop of a file is one directory lookup and one probe;
 * repl_ptab_move() of a directory renames its node and the nodes below
 * it (files stay attached to their node), repl_ptab_drop() of a
 * directory frees its subtree.  Two names of one directory whose hashes
 * collide (chance about n^2 / 2^65 for n files in it) share an entry:
 * the table would then believe the replica has one as the other is;
 * the source only trusts an entry whose size, mtime and mode all match
 * the file as it is, so the worst case is a file sent as a delta
 * against a copy the replica lacks (it answers with an empty signature
 * and the file goes whole).  Pure data structure: no I/O, no logging; the
 * caller's paths are borrowed.
 */
#ifndef REPL_PTAB_H
#define REPL_PTAB_H

#include <glib.h>

/* A file as the replica holds it. */
struct repl_fstate {
	guint64 size;	/* < 2^48 */
	gint64 mtime;	/* ns */
	guint32 mode;	/* & 07777 */
};

struct repl_ptab;

struct repl_ptab *repl_ptab_new(void);
void repl_ptab_free(struct repl_ptab *t);
/* Forget every file and directory. */
void repl_ptab_clear(struct repl_ptab *t);

/* Record path (a file) as st; replaces what the table had for it. */
void repl_ptab_set(struct repl_ptab *t, const char *path,
		   const struct repl_fstate *st);
/* TRUE and *out (may be NULL) when the table has the file path. */
gboolean repl_ptab_get(const struct repl_ptab *t, const char *path,
		       struct repl_fstate *out);
/* Forget path: the file of that name, and the directory of that name
 * with everything below it.  Returns the number of files forgotten. */
guint repl_ptab_drop(struct repl_ptab *t, const char *path);
/* A rename from -> to: what the table had at to is forgotten first, then
 * the file from (if any) becomes to, and the directory from (if any),
 * with everything below it, moves under to.  A move of a directory into
 * itself forgets it. */
void repl_ptab_move(struct repl_ptab *t, const char *from, const char *to);

/* TRUE when the table has the directory path (a file below it, or had
 * one: a directory the replica holds, as far as the table knows). */
gboolean repl_ptab_has_dir(const struct repl_ptab *t, const char *path);

/* Move everything into one block, each directory's array as full as
 * allowed (after a bulk load the table's small blocks are scattered
 * among what was freed, and keep those pages of the heap in use). */
void repl_ptab_compact(struct repl_ptab *t);

/* Files in the table. */
gsize repl_ptab_files(const struct repl_ptab *t);
/* Directory nodes in the table. */
guint repl_ptab_dirs(const struct repl_ptab *t);
/* Bytes the table allocated (nodes, their paths and file arrays). */
gsize repl_ptab_bytes(const struct repl_ptab *t);

#endif
