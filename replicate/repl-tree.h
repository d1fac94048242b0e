/*
 * repl-tree.h - the replicated trees as both roles see them.
 *
 * Contract: repl_tree_open() opens every root of the configuration once
 * (a directory fd per root, and ROOT/.replicate.tmp, created and emptied)
 * and keeps them until repl_tree_close().  A wire path is
 * "ROOTNAME/rel/path" (repl-path.h); everything here maps wire paths to
 * those fds and opens without following a symlink.  The walks visit
 * directories and regular files only, parents before children, skip the
 * reserved ".replicate*" names and stop 64 levels deep.  Nothing here
 * sends or logs above debug, except repl_tree_open() (err: a root that
 * cannot be opened).  This module owns the root fds and the temp-name
 * counter; it calls no other module of the daemon.
 */
#ifndef REPL_TREE_H
#define REPL_TREE_H

#include <stddef.h>
#include <sys/stat.h>
#include <glib.h>

#include "repl-conf.h"

/* Open the roots of conf (borrowed: it must outlive the tree); 0, or
 * -errno after logging the root that failed. */
int repl_tree_open(const struct repl_conf *conf);
void repl_tree_close(void);

int repl_tree_nroots(void);
const char *repl_tree_root_name(int root);
int repl_tree_rootfd(int root);
int repl_tree_tmpfd(int root);
/* Fill fds (room for max) with one directory fd per file system holding
 * a root (borrowed); returns how many. */
int repl_tree_sync_fds(int *fds, int max);

/* Root of wire path w (len bytes); *out_rel points into w after the root
 * name.  The root index, or HB_EMALFORMED when no root matches. */
int repl_tree_root_index(const char *w, size_t len, const char **out_rel);
/* Absolute path of a wire path (owned, g_free), NULL outside the roots. */
char *repl_tree_abs(const char *wire);
/* Open a wire path's regular file read-only without following symlinks;
 * fd (caller closes) and *out_st, or -errno (-EISDIR: not a file). */
int repl_tree_open_wire(const char *wire, struct stat *out_st);

/* Every root, with lstat of each entry. */
typedef void (*repl_walk_cb)(const char *wire, const struct stat *st,
			     void *user);
void repl_tree_walk(repl_walk_cb cb, void *user);

/*
 * The tree below wire path dir (at most 64 - depth deep), by readdir
 * types: enter(dir) before each directory is read (FALSE: skip it),
 * found() for each directory and, with files, each regular file in it
 * (dfd/name: the entry, for an fstatat), a directory before what is in it.
 */
typedef gboolean (*repl_scan_enter_fn)(const char *wire, void *u);
typedef void (*repl_scan_found_fn)(const char *wire, gboolean is_dir, int dfd,
				   const char *name, void *u);
void repl_tree_scan(const char *dir, int depth, gboolean files,
		    repl_scan_enter_fn enter, repl_scan_found_fn found, void *u);

/* A fresh name "tPID.N" for the temp directory (name: n bytes). */
void repl_tree_tmp_name(char *name, size_t n);
/* Create a named temp file in root's .replicate.tmp; fd or -errno. */
int repl_tree_tmp_create(int root, char *name, size_t n);
/* Remove a named temp file ("" is an unnamed one: nothing to do). */
void repl_tree_tmp_drop(int root, const char *name);
/* Remove name in dirfd, a directory with everything under it (without
 * following symlinks); 0 or -errno of the last step. */
int repl_tree_remove(int dirfd, const char *name);

/* Move every key of t equal to from or below from/ to the same place
 * under to (keys are g_strdup'ed strings freed by t); moved() sees each
 * value with its new key. */
void repl_tree_rekey(GHashTable *t, const char *from, const char *to,
		     void (*moved)(gpointer value, const char *key, void *u),
		     void *u);

#endif
