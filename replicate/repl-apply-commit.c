/*
 * repl-apply-commit.c - the group commit behind repl-apply.c: where a
 * replicated file's content waits for the disk, and when it is linked.
 *
 * Invariants: file content is written to an unnamed file (O_TMPFILE) in
 * the directory it will land in - or, where the file system cannot, to
 * ROOT/.replicate.tmp/ - and is linked (renamed) into place only after a
 * sync that began after its last byte was written: no partial file is
 * ever visible under its real name, and a crash leaves no temporary name
 * behind.  (One shared temp directory put every new inode in one ext4
 * block group; on a replica busy with deletes the allocator's search
 * there was a third of an initial sync's CPU.)  The position reported
 * as durable (repl_apply_durable) only covers operations that a completed
 * sync began after, links included, so what the source is told is on
 * disk is on disk.
 * Nothing here waits for the disk: syncs run in the helper (repl-sync.h)
 * and complete through the main loop; only repl_apply_flush_now(), after
 * the loop ended, blocks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-apply-commit.h"
#include "repl-path.h"
#include "repl-proto.h"
#include "repl-sync.h"
#include "repl-tree.h"

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

/* fd (owned) changed and must be fsynced by the next request. */
void
repl_apply_touch(int fd)
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

void
repl_apply_dir_forget(void)
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
		repl_apply_touch(dup(pc.fd));
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
	repl_apply_dir_forget();
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
int
repl_apply_tmp_create(int root, const char *rel, guint32 mode, char *name, size_t n)
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
			repl_apply_touch(dup(pd->fd));
		if (!err) {
			err = tmp_place(pd, pfd, base);
			if (err == -EISDIR) {
				repl_apply_dir_forget();	/* a directory goes */
				pfd = parent_get(pd->root, pd->rel, &base);
				err = pfd < 0 ? pfd : repl_tree_remove(pfd, base);
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
	repl_apply_dir_forget();
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
	repl_apply_dir_forget();
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
	repl_apply_dir_forget();
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
gboolean
repl_apply_waiting_at(const char *p, size_t n, gboolean below)
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
gboolean
repl_apply_waiting_move(const char *w, const char *to)
{
	size_t n = strlen(w);
	gboolean any = FALSE;

	if (!pending)
		return FALSE;

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

void
repl_apply_commit_reset(void)
{
	repl_apply_dir_forget();
	full_sync = TRUE;
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
repl_apply_commit_add(guint64 seq, int root, const char *rel,
		      const char *wire, int fd, const char *tmp,
		      const struct stat *st)
{
	const char *base;
	struct repl_pending *pd = g_new0(struct repl_pending, 1);
	/* files take the owner of the directory they land in (the content
	 * sync then carries it) */
	int pfd = parent_get(root, rel, &base);

	pd->uid = st->st_uid;
	pd->gid = st->st_gid;
	if (pfd >= 0 && (pd->uid != pc.uid || pd->gid != pc.gid) &&
	    fchown(fd, pc.uid, pc.gid) == 0) {
		pd->uid = pc.uid;
		pd->gid = pc.gid;
	}
	pending_bytes += st->st_size;
	pd->seq = seq;
	pd->root = root;
	pd->fd = fd;
	g_strlcpy(pd->tmp, tmp, sizeof(pd->tmp));
	pd->rel = g_strdup(rel);
	pd->wire = g_strdup(wire);
	g_ptr_array_add(pending, pd);
}

void
repl_apply_syncfs_next(void)
{
	full_sync = TRUE;
}

void
repl_apply_applied(guint64 seq)
{
	applied_seq = MAX(applied_seq, seq);
}
