/*
 * repl-apply.c - apply replicated operations (frames) to the local trees.
 *
 * Invariants: a file's content is written, DATA frame by DATA frame, to a
 * temp file from the group commit (repl-apply-commit.h), which its COMMIT
 * (size, mode, times, a delta patched onto the old copy) hands back to it
 * to be linked after a sync: no partial file is ever visible under its
 * real name.  Directory operations (mkdir, rename, delete, attributes)
 * are applied at once, without an fsync of their own (the group commit
 * is told what they changed); an operation that names a file still
 * waiting to be linked waits for it (repl_apply_needs_flush), except a
 * rename or delete, which moves or drops it.  Every path is checked by
 * repl_path_valid() and opened through repl_path_open_parent() (no
 * symlink is followed).
 * Operations are idempotent (delete of a missing path and mkdir of an
 * existing directory succeed; a rename whose source is missing returns
 * -ENOENT and the caller asks for the target whole), so a replay after a
 * crash or reconnect never duplicates.
 * Errors are returned as text to the caller, which logs and reports them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "repl-apply.h"
#include "repl-delta.h"
#include "repl-path.h"
#include "repl-tree.h"

#define REPL_MAX_FILE (G_GUINT64_CONSTANT(1) << 40)

struct repl_part {
	int root;
	int fd;
	char tmp[32];
	guint64 written;
};

static GHashTable *parts;	/* wire path -> struct repl_part */

gboolean
repl_apply_needs_flush(const struct repl_frame *f)
{
	if (repl_apply_settled())
		return FALSE;
	switch (f->type) {
	case REPL_DATA:
		return FALSE;
	case REPL_COMMIT:
		/* a delta's basis may be a file waiting to be linked */
		return f->kind == REPL_KIND_DELTA &&
			repl_apply_waiting_at(f->path, f->path_len, FALSE);
	case REPL_MKDIR:
		/* only a file about to be linked under that very name is in
		 * the way; files below it were created with their parents */
	case REPL_ATTR:
	case REPL_SIGREQ:
		return repl_apply_waiting_at(f->path, f->path_len, FALSE);
	case REPL_RENAME:
		/* files waiting under the old name move with it (rename_waiting);
		 * one waiting at the new name would land after the rename
		 * that should replace it */
		return f->path2 && repl_apply_waiting_at(f->path2, f->path2_len, TRUE);
	case REPL_DELETE:
		return FALSE;	/* waiting files there are dropped */
	default:
		/* session control sees the tree as the source left it */
		return TRUE;
	}
}

static void
part_free(gpointer p)
{
	struct repl_part *pt = p;

	if (pt->fd >= 0) {
		close(pt->fd);
		repl_tree_tmp_drop(pt->root, pt->tmp);
	}
	g_free(pt);
}

void
repl_apply_reset(void)
{
	if (!parts)
		parts = g_hash_table_new_full(g_str_hash, g_str_equal,
					      g_free, part_free);
	g_hash_table_remove_all(parts);
	repl_apply_commit_reset();
}

void
repl_apply_drop_part(const char *wire)
{
	if (parts)
		g_hash_table_remove(parts, wire);
}

static int
wire_split(const struct repl_frame *f, gboolean second, char **out_wire, int *out_root,
	   const char **out_rel)
{
	const char *p = second ? f->path2 : f->path;
	size_t n = second ? f->path2_len : f->path_len;
	char *w;
	int root;

	if (!repl_path_valid(p, n))
		return HB_EMALFORMED;
	w = g_strndup(p, n);
	root = repl_tree_root_index(w, n, out_rel);
	if (root < 0) {
		g_free(w);
		return HB_EMALFORMED;
	}
	*out_wire = w;
	*out_root = root;
	return 0;
}

static int
apply_data(const struct repl_frame *f, const char *wire, int root,
	   const char *rel)
{
	struct repl_part *pt = g_hash_table_lookup(parts, wire);
	ssize_t r;

	if (f->offset > REPL_MAX_FILE || f->data_len > REPL_MAX_FILE - f->offset)
		return HB_ETOOBIG;
	if (pt && f->offset == 0) {
		g_hash_table_remove(parts, wire);
		pt = NULL;
	}
	if (!pt) {
		if (f->offset != 0)
			return HB_EMALFORMED;
		if (g_hash_table_size(parts) >= 64)
			return HB_ETOOBIG;
		pt = g_new0(struct repl_part, 1);
		pt->root = root;
		pt->fd = repl_apply_tmp_create(root, rel, f->mode, pt->tmp, sizeof(pt->tmp));
		if (pt->fd < 0) {
			int e = pt->fd;

			g_free(pt);
			return e;
		}
		g_hash_table_insert(parts, g_strdup(wire), pt);
	}
	if (f->offset != pt->written)
		return HB_EMALFORMED;
	r = pwrite(pt->fd, f->data, f->data_len, f->offset);
	if (r < 0)
		return -errno;
	if ((size_t)r != f->data_len)
		return -ENOSPC;
	pt->written += r;
	return 0;
}

static int
apply_commit(const struct repl_frame *f, const char *wire, int root,
	     const char *rel)
{
	struct repl_part *pt = g_hash_table_lookup(parts, wire);
	int fd, err = 0;
	char tmp[32];
	const char *base;
	struct stat st;
	struct timespec ts[2];

	if (!pt) {
		if (f->size != 0 || f->kind == REPL_KIND_DELTA)
			return HB_EMALFORMED;
		fd = repl_apply_tmp_create(root, rel, f->mode, tmp, sizeof(tmp));
		if (fd < 0)
			return fd;
	} else {
		fd = pt->fd;
		pt->fd = -1;
		g_strlcpy(tmp, pt->tmp, sizeof(tmp));
		g_hash_table_remove(parts, wire);
	}
	if (f->kind == REPL_KIND_DELTA) {
		int bfd, pfd0, ofd;
		char otmp[32];
		FILE *delta;

		pfd0 = repl_path_open_parent(repl_tree_rootfd(root), rel, FALSE, &base);
		if (pfd0 < 0) {
			err = pfd0;
			goto out;
		}
		bfd = openat(pfd0, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(pfd0);
		if (bfd < 0) {
			err = -errno;
			goto out;
		}
		ofd = repl_apply_tmp_create(root, rel, f->mode, otmp, sizeof(otmp));
		if (ofd < 0) {
			err = ofd;
			close(bfd);
			goto out;
		}
		delta = fdopen(dup(fd), "rb");
		err = delta ? repl_delta_patch(bfd, delta, ofd) : -errno;
		if (delta)
			fclose(delta);
		close(bfd);
		close(fd);
		repl_tree_tmp_drop(root, tmp);
		fd = ofd;
		g_strlcpy(tmp, otmp, sizeof(tmp));
		if (err)
			goto out;
	}
	if (fstat(fd, &st) < 0 || (guint64)st.st_size != f->size) {
		err = HB_EMALFORMED;
		goto out;
	}
	ts[0].tv_sec = ts[1].tv_sec = f->mtime_ns / 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = f->mtime_ns % 1000000000;
	if (ts[0].tv_nsec < 0)
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (((st.st_mode & 07777) != (f->mode & 07777) &&
	     fchmod(fd, f->mode & 07777) < 0) || futimens(fd, ts) < 0) {
		err = -errno;
		goto out;
	}
	repl_apply_commit_add(f->seq, root, rel, wire, fd, tmp, &st);
	return 0;
out:
	close(fd);
	repl_tree_tmp_drop(root, tmp);
	return err;
}

static int
apply_rename(const char *rel, int root, const char *rel2, int root2)
{
	const char *b1, *b2;
	int p1, p2, err = 0;

	repl_apply_dir_forget();	/* directories may move or go */
	if (root != root2)
		return HB_EMALFORMED;
	p2 = repl_path_open_parent(repl_tree_rootfd(root), rel2, TRUE, &b2);
	if (p2 < 0)
		return p2;
	p1 = repl_path_open_parent(repl_tree_rootfd(root), rel, FALSE, &b1);
	if (p1 < 0) {
		err = p1;
	} else if (renameat(p1, b1, p2, b2) < 0) {
		err = -errno;
	}
	if (p1 >= 0 && !err)
		repl_apply_touch(p1);	/* both entries change */
	else if (p1 >= 0)
		close(p1);
	if (!err)
		repl_apply_touch(p2);
	else
		close(p2);
	return err;
}

static int
apply_delete(const char *rel, int root)
{
	const char *base;
	int pfd = repl_path_open_parent(repl_tree_rootfd(root), rel, FALSE, &base);
	int err = 0;

	repl_apply_dir_forget();	/* directories may move or go */
	if (pfd == -ENOENT)
		return 0;
	if (pfd < 0)
		return pfd;
	if (unlinkat(pfd, base, 0) < 0) {
		if (errno == EISDIR || errno == EPERM)
			err = repl_tree_remove(pfd, base);
		else if (errno != ENOENT)
			err = -errno;
	}
	/* the entry's removal is durable with its directory (what was
	 * under a removed directory is then out of reach) */
	repl_apply_touch(pfd);
	return err == -ENOENT ? 0 : err;
}

static int
apply_mkdir(const char *rel, int root, guint32 mode)
{
	const char *base;
	int pfd = repl_path_open_parent(repl_tree_rootfd(root), rel, TRUE, &base);
	int err = 0;

	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, base, mode & 07777) < 0 && errno != EEXIST)
		err = -errno;
	else {
		struct stat pst;

		if (fstat(pfd, &pst) == 0)
			(void)!fchownat(pfd, base, pst.st_uid, pst.st_gid,
					AT_SYMLINK_NOFOLLOW);
		if (fchmodat(pfd, base, mode & 07777, 0) < 0)
			err = -errno;
	}
	/* durable with the next group sync, like the files that follow:
	 * a syncfs(), which also covers the new directory's own inode */
	close(pfd);
	repl_apply_syncfs_next();
	return err;
}

static int
apply_attr(const char *rel, int root, const struct repl_frame *f)
{
	const char *base;
	int pfd = repl_path_open_parent(repl_tree_rootfd(root), rel, FALSE, &base);
	int fd, err = 0;
	struct timespec ts[2];
	struct stat st;

	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return -errno;
	ts[0].tv_sec = ts[1].tv_sec = f->mtime_ns / 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = f->mtime_ns % 1000000000;
	if (ts[0].tv_nsec < 0)
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		err = -EISDIR;
	else if (fchmod(fd, f->mode & 07777) < 0 || futimens(fd, ts) < 0)
		err = -errno;
	if (err == -EISDIR)
		close(fd);
	else
		repl_apply_touch(fd);	/* (a failed change may have changed part) */
	return err;
}

int
repl_apply_frame(const struct repl_frame *f, char **out_err)
{
	g_autofree char *w1 = NULL;
	g_autofree char *w2 = NULL;
	const char *rel = NULL, *rel2 = NULL;
	int root = -1, root2 = -1, err;

	err = wire_split(f, FALSE, &w1, &root, &rel);
	if (err) {
		*out_err = g_strdup_printf("%s: bad path '%.*s'",
			repl_type_name(f->type), (int)MIN(f->path_len, 200), f->path);
		return err;
	}
	switch (f->type) {
	case REPL_DATA:
		err = apply_data(f, w1, root, rel);
		break;
	case REPL_COMMIT:
		err = apply_commit(f, w1, root, rel);
		break;
	case REPL_RENAME: {
		gboolean moved;

		err = wire_split(f, TRUE, &w2, &root2, &rel2);
		if (err || root != root2) {
			err = err ? err : HB_EMALFORMED;
			break;
		}
		/* a file still waiting to be linked gets linked under its new
		 * name; an older copy in the tree is renamed as usual */
		err = apply_rename(rel, root, rel2, root2);
		moved = (!err || err == -ENOENT) &&
			repl_apply_waiting_move(w1, w2);
		if (err == -ENOENT && moved)
			err = 0;
		break;
	}
	case REPL_DELETE:
		repl_apply_waiting_move(w1, NULL);	/* never linked */
		g_hash_table_remove(parts, w1);	/* a send given up */
		err = apply_delete(rel, root);
		break;
	case REPL_MKDIR:
		err = apply_mkdir(rel, root, f->mode);
		break;
	case REPL_ATTR:
		err = apply_attr(rel, root, f);
		break;
	default:
		err = HB_EMALFORMED;
	}
	if (!err && f->type != REPL_DATA) {
		/* durable with the next group sync, like everything else */
		repl_apply_applied(f->seq);
	}
	if (err)
		*out_err = g_strdup_printf("%s '%s'%s%s: %s",
			repl_type_name(f->type), w1, w2 ? " -> " : "",
			w2 ? w2 : "", hb_strerror(err));
	return err;
}
