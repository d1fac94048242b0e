/*
 * repl-catchup.c - the source's catch-up plan at the start of a session
 * (repl-source-private.h): the trees compared with the replica's
 * manifest.  Unchanged files are never sent; a changed large file goes
 * as a delta (the sender asks for the replica's signature); a Maildir
 * message renamed while the replica was away (same folder, unique name,
 * size and mtime) is a rename, not a copy.
 * Logs at notice: the counts of the plan.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "repl-journal.h"
#include "repl-ptab.h"
#include "repl-source-private.h"
#include "repl-tree.h"

static gboolean
maildir_msg(const char *path, char **out_folder, char **out_uniq)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *sub = g_path_get_basename(dir);
	const char *base = strrchr(path, '/');
	const char *colon;

	if (strcmp(sub, "new") && strcmp(sub, "cur"))
		return FALSE;
	base = base ? base + 1 : path;
	colon = strchr(base, ':');
	*out_folder = g_path_get_dirname(dir);
	*out_uniq = colon ? g_strndup(base, colon - base) : g_strdup(base);
	return TRUE;
}

struct diff_ctx {
	GQueue q;
	GHashTable *manifest;
	guint64 delta_threshold;
	GHashTable *local;
	GHashTable *uniq;	/* "folder/uniq" of local maildir messages */
	GHashTable *fresh;	/* "folder/uniq" -> PUT op of a new message */
	gboolean keys;		/* fill uniq and fresh: a union, or a replica
				 * that holds something (renames) */
	struct repl_ptab *known;	/* journal: what the set lacks */
	guint64 nput, ndelta, nskip;
};

static void
local_cb(const char *wire, const struct stat *st, void *user)
{
	struct diff_ctx *c = user;
	struct mval *m = g_hash_table_lookup(c->manifest, wire);
	struct mval km;
	struct repl_fstate fs;
	struct op *o;
	g_autofree char *folder = NULL;
	g_autofree char *uniq = NULL;

	if (!m && c->known && !S_ISDIR(st->st_mode) &&
	    repl_ptab_get(c->known, wire, &fs)) {
		/* below a journaled directory, not journaled itself: as
		 * the table says the replica holds it */
		km = (struct mval){ .size = fs.size, .mtime = fs.mtime,
				    .mode = fs.mode };
		m = &km;
	}

	if (c->keys) {	/* (with an empty manifest nothing can be gone) */
		g_hash_table_add(c->local, g_strdup(wire));
		if (!S_ISDIR(st->st_mode) && maildir_msg(wire, &folder, &uniq))
			g_hash_table_add(c->uniq, g_strconcat(folder, "/", uniq,
							      NULL));
	}
	if (m && m->is_dir == !!S_ISDIR(st->st_mode) &&
	    m->mode == (st->st_mode & 07777) &&
	    (m->is_dir || (m->size == (guint64)st->st_size &&
			   m->mtime == st_mtime_ns(st)))) {
		c->nskip++;
		return;
	}
	o = g_new0(struct op, 1);
	o->path = g_strdup(wire);
	if (S_ISDIR(st->st_mode)) {
		o->type = OP_MKDIR;
	} else if (!m && folder) {
		/* maybe renamed while the replica was away: see catch_up */
		o->type = OP_PUT;
		c->nput++;
		g_hash_table_insert(c->fresh, g_strdup_printf("%s/%s/%"
			G_GUINT64_FORMAT "/%" G_GINT64_FORMAT, folder, uniq,
			(guint64)st->st_size, st_mtime_ns(st)), o);
	} else {
		o->type = OP_PUT;
		if (m && !m->is_dir && (guint64)st->st_size > c->delta_threshold)
			c->ndelta++;
		else
			c->nput++;
	}
	g_queue_push_tail(&c->q, o);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plan over what walk() visits (each entry once, parents first):
 * everything (rebuild: known becomes the manifest's files) or the
 * journal's paths (known stays). */
static void
plan(GHashTable *manifest, gboolean union_mode, guint64 delta_threshold,
     struct repl_ptab *known, gboolean rebuild, guint nmoved,
     void (*walk)(repl_walk_cb cb, void *cb_user, void *user), void *walk_user,
     const char *what, GQueue *out)
{
	struct diff_ctx c = { .q = G_QUEUE_INIT, .manifest = manifest,
			       .delta_threshold = delta_threshold,
			       .known = rebuild ? NULL : known };
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *gone = g_ptr_array_new();
	g_autofree char *moved_note = NULL;
	const char *last_deleted = NULL;
	guint64 ndel = 0, nfetch = 0, nren = 0;
	struct op *o;

	c.local = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.uniq = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.fresh = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (rebuild)
		repl_ptab_clear(known);
	c.keys = union_mode || g_hash_table_size(manifest) > 0;
	walk(local_cb, &c, walk_user);
	g_hash_table_iter_init(&it, manifest);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct mval *m = v;

		if (rebuild && !m->is_dir)
			repl_ptab_set(known, k, &(struct repl_fstate){
				.size = m->size, .mtime = m->mtime,
				.mode = m->mode });
		if (!g_hash_table_contains(c.local, k))
			g_ptr_array_add(gone, k);
	}
	g_ptr_array_sort(gone, cmp_str);
	for (guint i = 0; i < gone->len; i++) {
		const char *p = gone->pdata[i];
		struct mval *m = g_hash_table_lookup(manifest, p);
		g_autofree char *folder = NULL;
		g_autofree char *uniq = NULL;
		size_t n = last_deleted ? strlen(last_deleted) : 0;

		if (last_deleted && !strncmp(p, last_deleted, n) && p[n] == '/')
			continue;	/* inside a directory already deleted */
		if (!m->is_dir && maildir_msg(p, &folder, &uniq)) {
			g_autofree char *key = g_strdup_printf("%s/%s/%"
				G_GUINT64_FORMAT "/%" G_GINT64_FORMAT, folder,
				uniq, m->size, m->mtime);
			struct op *put = g_hash_table_lookup(c.fresh, key);

			if (put) {
				/* same message under a new name (flags):
				 * a rename, not a copy */
				put->type = OP_RENAME;
				put->path2 = put->path;
				put->path = g_strdup(p);
				g_hash_table_remove(c.fresh, key);
				c.nput--;
				nren++;
				continue;
			}
			g_clear_pointer(&folder, g_free);
			g_clear_pointer(&uniq, g_free);
		}
		o = g_new0(struct op, 1);
		o->path = g_strdup(p);
		if (union_mode && m->is_dir) {
			g_autofree char *abs = repl_tree_abs(p);

			/* union: keep the peer's directories */
			if (abs)
				g_mkdir_with_parents(abs, m->mode ? m->mode : 0755);
			op_free(o);
			continue;
		}
		if (union_mode && maildir_msg(p, &folder, &uniq)) {
			g_autofree char *key = g_strconcat(folder, "/", uniq, NULL);

			if (!g_hash_table_contains(c.uniq, key)) {
				o->type = OP_FETCH;	/* a message only it has */
				g_queue_push_tail(&c.q, o);
				g_hash_table_add(c.uniq, g_steal_pointer(&key));
				nfetch++;
				continue;
			}
		}
		o->type = OP_DELETE;
		g_queue_push_tail(&c.q, o);
		last_deleted = p;
		ndel++;
	}
	g_ptr_array_free(gone, TRUE);
	hb_log(LOG_NOTICE, "catch-up%s: %" G_GUINT64_FORMAT " unchanged, %"
	       G_GUINT64_FORMAT " to send whole, %" G_GUINT64_FORMAT
	       " as deltas, %" G_GUINT64_FORMAT " renamed, %" G_GUINT64_FORMAT
	       " to delete, %" G_GUINT64_FORMAT " to fetch back%s", what, c.nskip,
	       c.nput, c.ndelta, nren, ndel, nfetch,
	       nmoved ? (moved_note = g_strdup_printf(", %u directories "
			 "renamed", nmoved)) : "");
	*out = c.q;
	g_hash_table_destroy(c.local);
	g_hash_table_destroy(c.uniq);
	g_hash_table_destroy(c.fresh);
}

static void
tree_walk(repl_walk_cb cb, void *cb_user, void *user)
{
	(void)user;
	repl_tree_walk(cb, cb_user);
}

void
repl_catchup_plan(GHashTable *manifest, gboolean union_mode,
		  guint64 delta_threshold, struct repl_ptab *known, GQueue *out)
{
	plan(manifest, union_mode, delta_threshold, known, TRUE, 0, tree_walk,
	     NULL, "", out);
}

/* ---- from the journal ------------------------------------------------- */

struct jwalk {
	GPtrArray *paths;	/* the journal's, sorted */
	GHashTable *manifest;	/* gets the paths gone (see below) */
	repl_walk_cb cb;
	void *cb_user;
};

static void
jwalk_found(const char *wire, gboolean is_dir, int dfd, const char *name,
	    void *u)
{
	struct jwalk *j = u;
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (is_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
		j->cb(wire, &st, j->cb_user);
}

/* Each journaled path as it is now: a file, or a directory with all
 * below it (once: a path below a directory already visited is skipped). */
static void
journal_walk(repl_walk_cb cb, void *cb_user, void *user)
{
	struct jwalk *j = user;
	const char *last_dir = NULL;

	j->cb = cb;
	j->cb_user = cb_user;
	for (guint i = 0; i < j->paths->len; i++) {
		const char *p = j->paths->pdata[i];
		size_t n = last_dir ? strlen(last_dir) : 0;
		gboolean below = last_dir && !strncmp(p, last_dir, n) &&
				 p[n] == '/';
		g_autofree char *abs = NULL;
		struct stat st;

		if (below && g_hash_table_contains(j->manifest, p))
			continue;
		abs = repl_tree_abs(p);
		if (!abs)
			continue;
		if (lstat(abs, &st) < 0) {
			/* nothing there now, and not a file known there
			 * (those are in the manifest): maybe a directory the
			 * replica has, or a file the table lost: deleted */
			if (errno == ENOENT &&
			    !g_hash_table_contains(j->manifest, p)) {
				struct mval *m = g_new0(struct mval, 1);

				m->is_dir = TRUE;
				g_hash_table_insert(j->manifest, g_strdup(p), m);
			}
			continue;
		}
		if (below)
			continue;
		if (S_ISREG(st.st_mode)) {
			cb(p, &st, cb_user);
		} else if (S_ISDIR(st.st_mode)) {
			cb(p, &st, cb_user);
			repl_tree_scan(p, 0, TRUE, NULL, jwalk_found, j);
			last_dir = p;
		}
	}
}

/*
 * Read the inodes of the journal's paths into the cache with several
 * reads in flight: after the replica was away long, most are on disk
 * only (200,000 messages, 65,000 paths: the plan took 2.8 s, one lstat
 * at a time).  The plan then finds them cached.  Results are not used.
 */
#define PREFETCH_THREADS 8
#define PREFETCH_MIN 256
#define READAHEAD_FILE (1024 * 1024)
#define READAHEAD_BYTES (G_GUINT64_CONSTANT(512) << 20)

struct prefetch {
	GPtrArray *paths;
	gint next;
};

/* Ask for the content of abs (a regular file up to READAHEAD_FILE, while
 * *bytes is under READAHEAD_BYTES); its inode is read on the way.  *bytes
 * belongs to the one readahead thread that calls this. */
static void
advise(const char *abs, guint64 *bytes)
{
	int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= READAHEAD_FILE && *bytes < READAHEAD_BYTES) {
		*bytes += (guint64)st.st_size;
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	}
	close(fd);
}

static gpointer
prefetch_run(gpointer data)
{
	struct prefetch *pf = data;
	guint i;

	while ((i = (guint)g_atomic_int_add(&pf->next, 64)) < pf->paths->len) {
		for (guint k = i; k < MIN(i + 64, pf->paths->len); k++) {
			const char *p = pf->paths->pdata[k];
			g_autofree char *abs = repl_tree_abs(p);
			struct stat st;

			if (abs)
				(void)lstat(abs, &st);
		}
	}
	return NULL;
}

static void
prefetch(GPtrArray *paths)
{
	struct prefetch pf = { .paths = paths };
	GThread *t[PREFETCH_THREADS];
	int n = 0;

	if (paths->len < PREFETCH_MIN)
		return;
	for (int i = 0; i < PREFETCH_THREADS; i++) {
		t[n] = g_thread_try_new("prefetch", prefetch_run, &pf, NULL);
		if (t[n])
			n++;
	}
	prefetch_run(&pf);
	for (int i = 0; i < n; i++)
		g_thread_join(t[i]);
}

/*
 * Ask the kernel to read ahead the small files the plan sends whole, all
 * at once, from a thread of its own while the plan runs (those the
 * journal has as new) or the pump sends (the others): one after the
 * other, each a random read, they took most of a catch-up's time (20,000
 * messages of a few KB; a big file gets the kernel's sequential
 * readahead anyway).  At most READAHEAD_BYTES in all; nothing is read
 * here, the results are not used.
 */
static gpointer
readahead_run(gpointer data)
{
	GPtrArray *abs = data;
	guint64 total = 0;

	for (guint i = 0; i < abs->len && total < READAHEAD_BYTES; i++)
		advise(abs->pdata[i], &total);
	g_ptr_array_unref(abs);
	return NULL;
}

static void
readahead_thread(GPtrArray *abs)
{
	GThread *t;

	if (abs->len < PREFETCH_MIN) {
		g_ptr_array_unref(abs);
		return;
	}
	t = g_thread_try_new("readahead", readahead_run, abs, NULL);
	if (t)
		g_thread_unref(t);	/* detached: it ends by itself */
	else
		g_ptr_array_unref(abs);
}

/* ... first those the journal has as new (delivered while away: sent
 * whole unless gone again; not those renamed there), at once, so that
 * their reads overlap the plan's; TRUE when it did */
static gboolean
readahead_new(GHashTable *journal)
{
	GPtrArray *abs = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, v;
	char *a;

	g_hash_table_iter_init(&it, journal);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (GPOINTER_TO_INT(v) == REPL_JOURNAL_NEW &&
		    (a = repl_tree_abs(k)))
			g_ptr_array_add(abs, a);
	if (abs->len < PREFETCH_MIN) {
		g_ptr_array_unref(abs);
		return FALSE;
	}
	readahead_thread(abs);
	return TRUE;
}

/* ... then those of ops not asked for yet (new ones: skip) */
static void
readahead_start(GQueue *ops, GHashTable *skip)
{
	GPtrArray *abs = g_ptr_array_new_with_free_func(g_free);

	for (GList *l = ops->head; l; l = l->next) {
		struct op *o = l->data;
		char *a;

		if (o->type == OP_PUT && (!skip ||
		    GPOINTER_TO_INT(g_hash_table_lookup(skip, o->path)) !=
		    REPL_JOURNAL_NEW) && (a = repl_tree_abs(o->path)))
			g_ptr_array_add(abs, a);
	}
	readahead_thread(abs);
}

/* path is dir or below it */
static gboolean
under(const char *path, const char *dir, size_t n)
{
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* At most this many directory renames are replayed (each looks at every
 * journaled path); the rest are planned as before: the old name
 * deleted, the new one sent. */
#define MAX_DIR_MOVES 1024

/*
 * Replay the directory renames known can follow (see the header): the
 * OP_DIRMOVE operations on moves, in order; the journal's paths below an
 * old name get a copy under the new one in paths (the copies owned by
 * own).  Returns how many.
 */
static guint
dir_moves(const GQueue *renames, struct repl_ptab *known, GPtrArray *paths,
	  GPtrArray *own, GQueue *moves)
{
	guint n = 0;

	for (GList *l = renames ? renames->head : NULL;
	     l && n < MAX_DIR_MOVES; l = l->next) {
		const struct repl_journal_rename *r = l->data;
		size_t fl = strlen(r->from);
		guint len = paths->len;

		if (under(r->to, r->from, fl) || under(r->from, r->to, strlen(r->to)) ||
		    !repl_ptab_has_dir(known, r->from))
			continue;
		g_queue_push_tail(moves, op_new(OP_DIRMOVE, r->from, r->to));
		repl_ptab_move(known, r->from, r->to);
		for (guint i = 0; i < len; i++) {
			const char *p = paths->pdata[i];
			char *c;

			if (!under(p, r->from, fl) || !p[fl])
				continue;
			c = g_strconcat(r->to, p + fl, NULL);
			g_ptr_array_add(own, c);
			g_ptr_array_add(paths, c);
		}
		n++;
	}
	return n;
}

void
repl_catchup_journal(GHashTable *journal, const GQueue *renames,
		     guint64 delta_threshold, struct repl_ptab *known,
		     GQueue *out)
{
	GHashTable *manifest = g_hash_table_new_full(g_str_hash, g_str_equal,
						     g_free, g_free);
	struct jwalk j = { .paths = g_ptr_array_new() };
	GPtrArray *own = g_ptr_array_new_with_free_func(g_free);
	GQueue moves = G_QUEUE_INIT;
	GHashTableIter it;
	gpointer k;
	struct op *o;
	guint nmoved;
	gint64 t0, t1, t2, t3;
	gboolean advised;
	g_autofree char *what = g_strdup_printf(" from the journal (%u paths)",
						g_hash_table_size(journal));

	g_hash_table_iter_init(&it, journal);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(j.paths, k);
	advised = readahead_new(journal);
	nmoved = dir_moves(renames, known, j.paths, own, &moves);
	g_ptr_array_sort(j.paths, cmp_str);
	t0 = g_get_monotonic_time();
	if (nmoved) {	/* a copy may equal a journaled path: once */
		guint w = 0;

		for (guint i = 0; i < j.paths->len; i++)
			if (!w || strcmp(j.paths->pdata[w - 1], j.paths->pdata[i]))
				j.paths->pdata[w++] = j.paths->pdata[i];
		g_ptr_array_set_size(j.paths, w);
	}
	prefetch(j.paths);
	t1 = g_get_monotonic_time();
	/* what the replica has at each path: the file known there (the
	 * walk adds the paths where the trees have nothing now and the
	 * table no file: maybe a directory there, deleted) */
	for (guint i = 0; i < j.paths->len; i++) {
		struct repl_fstate fs;
		struct mval *m;

		k = j.paths->pdata[i];
		if (!repl_ptab_get(known, k, &fs))
			continue;
		m = g_new0(struct mval, 1);
		m->mode = fs.mode;
		m->size = fs.size;
		m->mtime = fs.mtime;
		g_hash_table_insert(manifest, g_strdup(k), m);
	}
	j.manifest = manifest;
	t2 = g_get_monotonic_time();
	plan(manifest, FALSE, delta_threshold, known, FALSE, nmoved,
	     journal_walk, &j, what, out);
	t3 = g_get_monotonic_time();
	hb_log(LOG_INFO, "catch-up from the journal planned in %" G_GINT64_FORMAT
	       " ms: inodes read in %" G_GINT64_FORMAT " ms, table %"
	       G_GINT64_FORMAT " ms, walk and diff %" G_GINT64_FORMAT " ms",
	       (t3 - t0) / 1000, (t1 - t0) / 1000, (t2 - t1) / 1000,
	       (t3 - t2) / 1000);
	/* the directory renames first, in their order */
	while ((o = g_queue_pop_tail(&moves)))
		g_queue_push_head(out, o);
	readahead_start(out, advised ? journal : NULL);
	g_ptr_array_free(j.paths, TRUE);
	g_ptr_array_unref(own);
	g_hash_table_destroy(manifest);
}
