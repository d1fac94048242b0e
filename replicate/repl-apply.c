/*
 * repl-apply.c - apply replicated operations to the local trees.
 *
 * Invariants: file content is written to an unnamed file (O_TMPFILE) in
 * the directory it will land in - or, where the file system cannot, to
 * ROOT/.replicate.tmp/ - and is linked (renamed) into place only after a
 * sync that began after its last byte was written: no partial file is
 * ever visible under its real name, and a crash leaves no temporary name
 * behind.  (One shared temp directory put every new inode in one ext4
 * block group; on a replica busy with deletes the allocator's search
 * there was a third of an initial sync's CPU.)  Directory operations
 * (mkdir, rename, delete, attributes) are applied at once, without an
 * fsync of their own; an operation that names a file still waiting to be
 * linked waits for it (repl_apply_needs_flush).  The position reported
 * as durable (repl_apply_durable) only covers operations that a completed
 * sync began after, links included, so what the source is told is on
 * disk is on disk.  Every path is checked by repl_path_valid() and opened
 * through repl_path_open_parent() (no symlink is followed).
 * Operations are idempotent (delete of a missing path and mkdir of an
 * existing directory succeed; a rename whose source is missing returns
 * -ENOENT and the caller asks for the target whole), so a replay after a
 * crash or reconnect never duplicates.
 * Nothing here waits for the disk: syncs run in the helper (repl-sync.h)
 * and complete through the main loop; only repl_apply_flush_now(), after
 * the loop ended, blocks.
 * Errors are returned as text to the caller, which logs and reports them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-apply.h"
#include "repl-delta.h"
#include "repl-path.h"
#include "repl-sync.h"
#include "repl-tree.h"

#define REPL_MAX_FILE (G_GUINT64_CONSTANT(1) << 40)

struct repl_part {
	int root;
	int fd;
	char tmp[32];
	guint64 written;
};

/* Bounds of what waits for a sync: open temp files (each holds an fd)
 * and bytes not yet handed to a sync. */
#define FLUSH_BYTES (64 * 1024 * 1024)

/* committed files whose content waits for the group sync and link */
struct repl_pending {
	int root;
	int fd;
	char tmp[32];
	char *rel;
	char *wire;
	guint64 seq;
	uid_t uid;		/* the temp file's owner */
	gid_t gid;
};

/*
 * The group commit is a pipeline around the sync helper (repl-sync.h):
 * files committed since the last sync request wait in `pending`; a request
 * moves them to `syncing`; when it completes their content is on disk, so
 * they are linked into place, and the next request (issued at once) makes
 * those links durable together with the content of the next files.
 * Position: every operation up to `durable_seq` is on disk.
 */
static GPtrArray *syncing;
static guint64 applied_seq;	/* highest seq applied */
static guint64 durable_seq;	/* everything up to here is on disk */
static guint64 issued_seq;	/* applied_seq when the sync in flight began */
static gboolean links_unsynced;	/* linked since the last sync request */
static gboolean flushing;	/* repl_apply_flush_now() runs */
static GPtrArray *failed_acc;	/* link failures not yet reported */
static repl_apply_notify_fn notify_fn;
static guint notify_idle;
static GPtrArray *pending;
static guint64 pending_bytes;
static guint pending_max = 256;
static GHashTable *parts;	/* wire path -> struct repl_part */
/*
 * Small groups are synced file by file: the next request fsync()s the
 * files it carries and every directory (or file) changed since the last
 * request (touched: owned fds, one per change at most, directories of
 * consecutive links once); a big group, a created directory, a new
 * session or too many changes take a syncfs() of the file system
 * (full_sync), which flushes whatever else the machine wrote too.
 */
static GArray *touched;		/* int fds to fsync with the next request */
static gboolean full_sync = TRUE;
/*
 * Which is cheaper is measured, not assumed: an fsync() of a file whose
 * journal transaction already committed still flushes the disk's cache,
 * so n fds cost about n flushes, while a syncfs() costs what the file
 * system has dirty (little on a quiet one, tens of ms beside a busy
 * process).  The time from request to completion is averaged per kind
 * (per fd for fsync requests); a group that may take either takes the
 * one expected to be shorter, and every PROBE-th such group the other,
 * so that both averages follow the machine.
 */
#define PROBE 16
/* fsync requests chosen by the averages carry at most this many fds:
 * at 500 deliveries/s (groups of tens) they lost to syncfs() in every
 * bench run; a lone delivery's group is a few */
#define ADAPTIVE_MAX_FDS 8
static struct {
	double full_us;		/* a syncfs() request */
	double fd_us;		/* an fsync request, per fd */
	int policy;		/* REPL_APPLY_SYNC_* */
	guint since_probe;
	gint64 start;
	int nfds;		/* -1: the request in flight is a syncfs() */
} cost = { .full_us = 3000, .fd_us = 500, .nfds = -1 };
static guint64 dirs_made_seen;	/* repl_path_dirs_made() at the last request */
static int remove_tree(int dirfd, const char *name);

/* fd (owned) changed and must be fsynced by the next request. */
static void
touch_fd(int fd)
{
	if (fd < 0)
		return;
	if (!touched)
		touched = g_array_new(FALSE, FALSE, sizeof(int));
	if (full_sync || touched->len >= REPL_SYNC_MAX_FDS) {
		close(fd);
		full_sync = TRUE;
		return;
	}
	g_array_append_val(touched, fd);
}

static void
touched_close(void)
{
	for (guint i = 0; touched && i < touched->len; i++)
		close(g_array_index(touched, int, i));
	if (touched)
		g_array_set_size(touched, 0);
}

/* Puts a pending file under its name in pfd: a named temp file is renamed
 * over it; an unnamed one is linked, or (the name exists) linked under a
 * temp name in .replicate.tmp and renamed over it. */
static int
tmp_place(struct repl_pending *pd, int pfd, const char *base)
{
	char proc[40];

	if (pd->tmp[0] != '\0')
		return renameat(repl_tree_tmpfd(pd->root), pd->tmp, pfd, base) < 0 ?
			-errno : 0;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not */
	if (linkat(pd->fd, "", pfd, base, AT_EMPTY_PATH) == 0)
		return 0;
	g_snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pd->fd);
	if (errno != EEXIST &&
	    linkat(AT_FDCWD, proc, pfd, base, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	for (int i = 0; i < 100; i++) {
		repl_tree_tmp_name(pd->tmp, sizeof(pd->tmp));
		if (linkat(AT_FDCWD, proc, repl_tree_tmpfd(pd->root), pd->tmp,
			   AT_SYMLINK_FOLLOW) == 0)
			return renameat(repl_tree_tmpfd(pd->root), pd->tmp, pfd, base) < 0 ?
				-errno : 0;
		if (errno != EEXIST)
			break;
	}
	pd->tmp[0] = '\0';
	return -errno;
}

/*
 * The directory files land in, kept open between consecutive files of one
 * directory (most of a Maildir stream): the fd is borrowed, not closed by
 * the caller.  Forgotten at every group sync and whenever the tree's
 * directories may change (rename, delete), so a stale directory is never
 * used for long and never across an operation that moved it.
 */
static struct {
	int root;
	int fd;
	size_t len;
	char dir[REPL_MAX_PATH + 1];
	uid_t uid;
	gid_t gid;
	gboolean touched;	/* a dup of fd is in touched */
} pc = { .fd = -1 };

static void
parent_forget(void)
{
	if (pc.fd >= 0)
		close(pc.fd);
	pc.fd = -1;
}

/* The cached directory changed (a file was linked in it). */
static void
parent_touch(void)
{
	if (pc.fd >= 0 && !pc.touched) {
		pc.touched = TRUE;
		touch_fd(dup(pc.fd));
	}
}

static int
parent_get(int root, const char *rel, const char **out_base)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	struct stat st;
	int fd;

	if (pc.fd >= 0 && pc.root == root && pc.len == len &&
	    !memcmp(pc.dir, rel, len)) {
		*out_base = slash ? slash + 1 : rel;
		return pc.fd;
	}
	parent_forget();
	fd = repl_path_open_parent(repl_tree_rootfd(root), rel, TRUE, out_base);
	if (fd < 0 || len > REPL_MAX_PATH)
		return fd;	/* (a longer path is refused by the walk) */
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	pc.fd = fd;
	pc.touched = FALSE;
	pc.root = root;
	pc.len = len;
	memcpy(pc.dir, rel, len);
	pc.uid = st.st_uid;
	pc.gid = st.st_gid;
	return fd;
}

/* A temp file for rel: unnamed in rel's directory (created as needed),
 * else named in .replicate.tmp.  name is set to "" for an unnamed one.
 * mode: the file's final permissions where known (the file has no name
 * until it is complete), else 0. */
static int
tmp_create_for(int root, const char *rel, guint32 mode, char *name, size_t n)
{
	const char *base;
	int pfd = parent_get(root, rel, &base);

	if (pfd >= 0) {
		int fd = openat(pfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
				mode ? mode & 07777 : 0600);

		if (fd >= 0) {
			name[0] = '\0';
			return fd;
		}
	}
	return repl_tree_tmp_create(root, name, n);
}

static void
pending_free(gpointer p)
{
	struct repl_pending *pd = p;

	if (pd->fd >= 0) {
		close(pd->fd);
		repl_tree_tmp_drop(pd->root, pd->tmp);
	}
	g_free(pd->rel);
	g_free(pd->wire);
	g_free(pd);
}

/* Links each file of arr into place (content already on disk); failures
 * go to failed_acc.  Empties arr. */
static void
link_all(GPtrArray *arr)
{
	for (guint i = 0; i < arr->len; i++) {
		struct repl_pending *pd = arr->pdata[i];
		const char *base;
		int pfd = parent_get(pd->root, pd->rel, &base);
		int err = pfd < 0 ? pfd : 0;

		/* files take the owner of the directory they land in
		 * (virtual mail: one vmail uid; accounts: its group; done at
		 * COMMIT unless a rename moved the file since) */
		if (!err && (pd->uid != pc.uid || pd->gid != pc.gid) &&
		    fchown(pd->fd, pc.uid, pc.gid) == 0)
			touch_fd(dup(pd->fd));
		if (!err) {
			err = tmp_place(pd, pfd, base);
			if (err == -EISDIR) {
				parent_forget();	/* a directory goes */
				pfd = parent_get(pd->root, pd->rel, &base);
				err = pfd < 0 ? pfd : remove_tree(pfd, base);
				if (!err)
					err = tmp_place(pd, pfd, base);
			}
		}
		if (!err) {
			close(pd->fd);
			pd->fd = -1;	/* linked: nothing to unlink */
			links_unsynced = TRUE;
			parent_touch();
		} else {
			hb_debug("%s: '%s': %s", __func__, pd->wire,
				 hb_strerror(err));
			if (!failed_acc)
				failed_acc = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(failed_acc, g_strdup(pd->wire));
		}
	}
	g_ptr_array_set_size(arr, 0);
}

static gboolean
notify_cb(gpointer data)
{
	GPtrArray *failed = g_steal_pointer(&failed_acc);

	(void)data;
	notify_idle = 0;
	if (notify_fn)
		notify_fn(failed);
	else if (failed)
		g_ptr_array_unref(failed);
	return G_SOURCE_REMOVE;
}

static void sync_done(void);

/* Hand what waits to the helper, unless a sync is in flight. */
static gboolean
kick(void)
{
	GPtrArray *t;
	guint64 made = repl_path_dirs_made();

	if (flushing || repl_sync_busy() || (!pending->len && !links_unsynced &&
	    applied_seq <= durable_seq && !(touched && touched->len)))
		return FALSE;
	t = syncing;	/* empty: the last completion linked it */
	syncing = pending;
	pending = t;
	pending_bytes = 0;
	issued_seq = applied_seq;
	links_unsynced = FALSE;
	if (made != dirs_made_seen) {
		/* a new directory's entry is in a directory not tracked */
		dirs_made_seen = made;
		full_sync = TRUE;
	}
	if (!full_sync && (touched ? touched->len : 0) + syncing->len >
	    REPL_SYNC_MAX_FDS)
		full_sync = TRUE;
	if (!full_sync && cost.policy != REPL_APPLY_SYNC_FDS) {
		guint n = MAX(1, (touched ? touched->len : 0) + syncing->len);
		gboolean fds = cost.policy == REPL_APPLY_SYNC_ADAPTIVE &&
			n * cost.fd_us < cost.full_us;

		if (n > ADAPTIVE_MAX_FDS)
			fds = FALSE;
		else if (++cost.since_probe >= PROBE) {
			cost.since_probe = 0;
			fds = !fds;
		}
		if (cost.policy == REPL_APPLY_SYNC_FULL)
			fds = FALSE;
		full_sync = !fds;
	}
	cost.start = g_get_monotonic_time();
	if (full_sync) {
		touched_close();
		full_sync = FALSE;
		cost.nfds = -1;
		repl_sync_request(sync_done);
	} else {
		int fds[REPL_SYNC_MAX_FDS];
		int n = 0;

		for (guint i = 0; i < syncing->len; i++)
			fds[n++] = ((struct repl_pending *)syncing->pdata[i])->fd;
		for (guint i = 0; touched && i < touched->len; i++)
			fds[n++] = g_array_index(touched, int, i);
		cost.nfds = n;
		repl_sync_request_fds(sync_done, fds, n);
		touched_close();	/* the helper has its copies */
	}
	return TRUE;
}

/* A sync completed: everything applied before it began is on disk except
 * the files it carried, whose content is: link those, start the next. */
static void
sync_done(void)
{
	guint64 d = issued_seq;
	double us = g_get_monotonic_time() - cost.start;

	if (cost.nfds < 0)
		cost.full_us = 0.8 * cost.full_us + 0.2 * us;
	else if (cost.nfds > 0)
		cost.fd_us = 0.8 * cost.fd_us + 0.2 * us / cost.nfds;
	parent_forget();
	if (syncing->len) {
		struct repl_pending *first = syncing->pdata[0];

		d = MIN(d, first->seq - 1);
		link_all(syncing);
	}
	durable_seq = MAX(durable_seq, d);
	if (flushing)
		return;
	kick();
	if (!notify_idle)	/* report from the loop, not from here */
		notify_idle = g_idle_add_full(G_PRIORITY_DEFAULT, notify_cb,
					      NULL, NULL);
}

/*
 * Synchronous group commit, for shutdown only (after the main loop ended:
 * nothing in the loop waits for the disk): wait for the sync in flight,
 * then one syncfs() makes the content of every pending file durable, each
 * is linked into place, and a second syncfs() makes the links durable.
 * A file is thus never visible under its name before all of its content
 * is on disk.  Afterwards everything applied is durable.  Returns the wire
 * paths that failed (caller frees the array) or NULL.
 */
GPtrArray *
repl_apply_flush_now(void)
{
	if (!pending)
		return NULL;
	flushing = TRUE;
	repl_sync_wait();
	parent_forget();
	if (pending->len) {
		repl_sync_now();
		link_all(pending);
	}
	if (links_unsynced || applied_seq > durable_seq || full_sync ||
	    (touched && touched->len))
		repl_sync_now();
	touched_close();
	full_sync = FALSE;
	links_unsynced = FALSE;
	pending_bytes = 0;
	durable_seq = MAX(durable_seq, applied_seq);
	parent_forget();
	flushing = FALSE;
	return g_steal_pointer(&failed_acc);
}

void
repl_apply_kick(void)
{
	if (pending)
		kick();
}

void
repl_apply_poll(void)
{
	repl_sync_poll();
	if (notify_idle) {
		g_source_remove(notify_idle);
		notify_cb(NULL);
	}
}

gboolean
repl_apply_settled(void)
{
	return !pending || (!pending->len && !syncing->len && !links_unsynced &&
			    applied_seq <= durable_seq && !repl_sync_busy() &&
			    !(touched && touched->len));
}

gboolean
repl_apply_congested(void)
{
	/* fds of files waiting to be linked, or bytes not yet synced: the
	 * disk is behind, take no more until it catches up */
	return pending && (pending->len + syncing->len >= pending_max ||
			   pending_bytes >= FLUSH_BYTES);
}

/* Is wire path w at p (n bytes, not NUL-terminated), or, with below,
 * anywhere under it? */
static gboolean
wire_at(const char *w, const char *p, size_t n, gboolean below)
{
	size_t m = strlen(w);

	return m >= n && !memcmp(w, p, n) &&
		(m == n || (below && w[n] == '/'));
}

/* Is a file waiting to be linked at wire path p (n bytes), or, with
 * below, anywhere under it? */
static gboolean
waiting_at(const char *p, size_t n, gboolean below)
{
	for (int k = 0; k < 2; k++) {
		GPtrArray *a = k ? syncing : pending;

		for (guint i = 0; i < a->len; i++) {
			struct repl_pending *pd = a->pdata[i];

			if (wire_at(pd->wire, p, n, below))
				return TRUE;
		}
	}
	return FALSE;
}

/* Applies a rename or delete of wire path w (and what is under it) to the
 * files waiting to be linked: renamed ones will be linked under the new
 * name (to, or NULL: dropped, never linked).  True when any was there. */
static gboolean
waiting_move(const char *w, const char *to)
{
	size_t n = strlen(w);
	gboolean any = FALSE;

	for (int k = 0; k < 2; k++) {
		GPtrArray *a = k ? syncing : pending;

		for (guint i = 0; i < a->len; i++) {
			struct repl_pending *pd = a->pdata[i];
			const char *rel;
			char *nw;

			if (!wire_at(pd->wire, w, n, TRUE))
				continue;
			any = TRUE;
			if (!to) {
				hb_debug("%s: '%s' deleted before it was linked",
					 __func__, pd->wire);
				g_ptr_array_remove_index(a, i--);
				continue;
			}
			nw = g_strconcat(to, pd->wire + n, NULL);
			hb_debug("%s: '%s' renamed to '%s' before it was linked",
				 __func__, pd->wire, nw);
			if (repl_tree_root_index(nw, strlen(nw), &rel) != pd->root) {
				g_free(nw);	/* (the caller checked the roots) */
				continue;
			}
			g_free(pd->rel);
			pd->rel = g_strdup(rel);
			g_free(pd->wire);
			pd->wire = nw;
		}
	}
	return any;
}

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
			waiting_at(f->path, f->path_len, FALSE);
	case REPL_MKDIR:
		/* only a file about to be linked under that very name is in
		 * the way; files below it were created with their parents */
	case REPL_ATTR:
	case REPL_SIGREQ:
		return waiting_at(f->path, f->path_len, FALSE);
	case REPL_RENAME:
		/* files waiting under the old name move with it (rename_waiting);
		 * one waiting at the new name would land after the rename
		 * that should replace it */
		return f->path2 && waiting_at(f->path2, f->path2_len, TRUE);
	case REPL_DELETE:
		return FALSE;	/* waiting files there are dropped */
	default:
		/* session control sees the tree as the source left it */
		return TRUE;
	}
}

guint64
repl_apply_durable(void)
{
	return durable_seq;
}

void
repl_apply_set_position(guint64 seq)
{
	applied_seq = durable_seq = issued_seq = seq;
	full_sync = TRUE;
}

void
repl_apply_session_at(guint64 seq)
{
	applied_seq = MAX(applied_seq, seq);
	/* what an earlier process or session wrote may not be synced yet:
	 * only a syncfs() covers it */
	full_sync = TRUE;
}

void
repl_apply_sync_policy(int policy)
{
	cost.policy = policy;
}

void
repl_apply_set_notify(repl_apply_notify_fn fn)
{
	notify_fn = fn;
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
	parent_forget();
	full_sync = TRUE;
	if (!parts)
		parts = g_hash_table_new_full(g_str_hash, g_str_equal,
					      g_free, part_free);
	g_hash_table_remove_all(parts);
	if (!pending) {
		struct rlimit rl;

		pending = g_ptr_array_new_with_free_func(pending_free);
		syncing = g_ptr_array_new_with_free_func(pending_free);
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			pending_max = CLAMP((rl.rlim_cur - 128) / 2, 16, 4096);
		else
			pending_max = 4096;
	}
	kick();		/* what was received goes to disk */
}

void
repl_apply_drop_part(const char *wire)
{
	if (parts)
		g_hash_table_remove(parts, wire);
}

static int
remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0 &&
		    (errno == EISDIR || errno == EPERM || errno == ENOTEMPTY))
			remove_tree(fd, de->d_name);
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
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
		pt->fd = tmp_create_for(root, rel, f->mode, pt->tmp, sizeof(pt->tmp));
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
	struct repl_pending *pd;

	if (!pt) {
		if (f->size != 0 || f->kind == REPL_KIND_DELTA)
			return HB_EMALFORMED;
		fd = tmp_create_for(root, rel, f->mode, tmp, sizeof(tmp));
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
		ofd = tmp_create_for(root, rel, f->mode, otmp, sizeof(otmp));
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
	{
		/* files take the owner of the directory they land in (the
		 * content sync then carries it) */
		int pfd = parent_get(root, rel, &base);

		if (pfd >= 0 && (st.st_uid != pc.uid || st.st_gid != pc.gid) &&
		    fchown(fd, pc.uid, pc.gid) == 0) {
			st.st_uid = pc.uid;
			st.st_gid = pc.gid;
		}
	}
	pending_bytes += st.st_size;
	pd = g_new0(struct repl_pending, 1);
	pd->seq = f->seq;
	pd->uid = st.st_uid;
	pd->gid = st.st_gid;
	pd->root = root;
	pd->fd = fd;
	g_strlcpy(pd->tmp, tmp, sizeof(pd->tmp));
	pd->rel = g_strdup(rel);
	pd->wire = g_strdup(wire);
	g_ptr_array_add(pending, pd);
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

	parent_forget();	/* directories may move or go */
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
		touch_fd(p1);	/* both entries change */
	else if (p1 >= 0)
		close(p1);
	if (!err)
		touch_fd(p2);
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

	parent_forget();	/* directories may move or go */
	if (pfd == -ENOENT)
		return 0;
	if (pfd < 0)
		return pfd;
	if (unlinkat(pfd, base, 0) < 0) {
		if (errno == EISDIR || errno == EPERM)
			err = remove_tree(pfd, base);
		else if (errno != ENOENT)
			err = -errno;
	}
	/* the entry's removal is durable with its directory (what was
	 * under a removed directory is then out of reach) */
	touch_fd(pfd);
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
	full_sync = TRUE;
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
		touch_fd(fd);	/* (a failed change may have changed part) */
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
		moved = (!err || err == -ENOENT) && pending &&
			waiting_move(w1, w2);
		if (err == -ENOENT && moved)
			err = 0;
		break;
	}
	case REPL_DELETE:
		if (pending)
			waiting_move(w1, NULL);	/* never linked */
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
		applied_seq = MAX(applied_seq, f->seq);
	}
	if (err)
		*out_err = g_strdup_printf("%s '%s'%s%s: %s",
			repl_type_name(f->type), w1, w2 ? " -> " : "",
			w2 ? w2 : "", hb_strerror(err));
	return err;
}
