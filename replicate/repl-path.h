/*
 * repl-path.h - validation of paths that come from the peer.
 *
 * A wire path is "ROOTNAME/rel/path": relative, '/'-separated, no empty,
 * "." or ".." component, no NUL, no component starting with ".replicate"
 * (reserved for the applier's temp area), at most REPL_MAX_PATH bytes.
 * Symlinks inside roots are checked at apply time (repl_path_open_parent).
 */
#ifndef REPL_PATH_H
#define REPL_PATH_H

#include <stddef.h>
#include <glib.h>

/* TRUE for directory entries a tree walk passes over: ".", ".." and the
 * applier's reserved ".replicate*" names */
gboolean repl_name_skipped(const char *name);
/* TRUE when p (n bytes, not NUL-terminated) is an acceptable wire path */
gboolean repl_path_valid(const char *p, size_t n);
/*
 * Open the directory that will hold rel (relative to the root directory
 * rootfd) without following any symlink, creating missing directories
 * when create is set (mode 0755).  Returns an fd (caller closes) or a
 * negative errno; -ELOOP when a component is a symlink.  *out_base
 * points into rel at the last component.
 */
int repl_path_open_parent(int rootfd, const char *rel, gboolean create,
			  const char **out_base);
/* How many directories repl_path_open_parent() created in this process
 * (a caller that syncs single directories learns that others changed). */
guint64 repl_path_dirs_made(void);
/* Open the file rel below rootfd with flags (O_NOFOLLOW is added), no
 * symlink followed on the way; an fd or a negative errno (-ELOOP as
 * above). */
int repl_path_open_file(int rootfd, const char *rel, int flags);

#endif
