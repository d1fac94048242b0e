/*
 * repl-ptab.c - files by wire path, indexed by directory (repl-ptab.h).
 *
 * Invariants: t->dirs maps each node's path to the node (the key is the
 * node's own string); a node's parent is the node of its dirname, or
 * NULL for a path without '/'; in a node's array an entry with h == 0 is
 * free, every other entry sits at or after (cyclically) its home slot
 * (h * cap) >> 64 with no free slot in between (linear probing, deletion
 * by backward shift, so no tombstones); n * 8 <= cap * 7 (the array
 * grows by half: about 3/4 full on average, 32 bytes a file).  After
 * repl_ptab_compact() the nodes, their paths and arrays live in one
 * block (t->pool); a part of a node that is in the pool (flags) is
 * never freed by itself, the pool goes when the next compaction or
 * repl_ptab_clear() has moved or dropped everything.
 */
#include "config.h"

#include <string.h>

#include "repl-ptab.h"

struct slot {
	guint64 h;	/* hash of the name, never 0 for a used slot */
	guint64 sm;	/* size << 16 | mode */
	gint64 mtime;
};

struct dnode {
	char *path;
	struct dnode *parent;
	struct dnode *kids;	/* first child; siblings doubly linked */
	struct dnode *next;
	struct dnode *prev;
	struct slot *slot;
	guint32 cap;
	guint32 n;
	guint32 pooled;		/* IN_POOL_*: parts in t->pool */
};

#define IN_POOL_NODE 1
#define IN_POOL_PATH 2
#define IN_POOL_SLOT 4

struct repl_ptab {
	GHashTable *dirs;
	guint64 seed;
	gsize nfiles;
	gsize bytes;
	void *pool;
};

static guint64
mix64(guint64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static guint64
name_hash(const struct repl_ptab *t, const char *s, size_t n)
{
	guint64 h = t->seed ^ mix64(n + 1);

	while (n >= 8) {
		guint64 k;

		memcpy(&k, s, 8);
		h = mix64(h ^ k) + 0x9e3779b97f4a7c15ULL;
		s += 8;
		n -= 8;
	}
	if (n) {
		guint64 k = 0;

		memcpy(&k, s, n);
		h = mix64(h ^ k ^ ((guint64)n << 56));
	}
	h = mix64(h);
	return h ? h : 1;
}

struct repl_ptab *
repl_ptab_new(void)
{
	struct repl_ptab *t = g_new0(struct repl_ptab, 1);

	t->dirs = g_hash_table_new(g_str_hash, g_str_equal);
	t->seed = (guint64)g_random_int() << 32 | g_random_int();
	return t;
}

static void
node_free(struct repl_ptab *t, struct dnode *d)
{
	t->nfiles -= d->n;
	t->bytes -= sizeof(*d) + strlen(d->path) + 1 +
		    (gsize)d->cap * sizeof(struct slot);
	if (!(d->pooled & IN_POOL_SLOT))
		g_free(d->slot);
	if (!(d->pooled & IN_POOL_PATH))
		g_free(d->path);
	if (!(d->pooled & IN_POOL_NODE))
		g_free(d);
}

void
repl_ptab_clear(struct repl_ptab *t)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, t->dirs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_hash_table_iter_steal(&it);
		node_free(t, v);
	}
	g_clear_pointer(&t->pool, g_free);
	t->nfiles = 0;
	t->bytes = 0;
}

void
repl_ptab_free(struct repl_ptab *t)
{
	if (!t)
		return;
	repl_ptab_clear(t);
	g_hash_table_destroy(t->dirs);
	g_free(t);
}

/* The node of path[0..len), or NULL. */
static struct dnode *
dir_find(const struct repl_ptab *t, const char *path, size_t len)
{
	char buf[1100];
	struct dnode *d;

	if (len < sizeof(buf)) {
		memcpy(buf, path, len);
		buf[len] = '\0';
		return g_hash_table_lookup(t->dirs, buf);
	}
	{
		g_autofree char *p = g_strndup(path, len);

		d = g_hash_table_lookup(t->dirs, p);
	}
	return d;
}

static void
kid_link(struct dnode *parent, struct dnode *d)
{
	d->parent = parent;
	d->prev = NULL;
	d->next = parent ? parent->kids : NULL;
	if (d->next)
		d->next->prev = d;
	if (parent)
		parent->kids = d;
}

static void
kid_unlink(struct dnode *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else if (d->parent)
		d->parent->kids = d->next;
	if (d->next)
		d->next->prev = d->prev;
	d->parent = d->next = d->prev = NULL;
}

/* The node of path[0..len), created (with its parents) when missing. */
static struct dnode *
dir_get(struct repl_ptab *t, const char *path, size_t len)
{
	struct dnode *d = dir_find(t, path, len);
	struct dnode *parent = NULL;
	const char *slash;

	if (d)
		return d;
	slash = len ? memrchr(path, '/', len) : NULL;
	if (slash)
		parent = dir_get(t, path, slash - path);
	d = g_new0(struct dnode, 1);
	d->path = g_strndup(path, len);
	t->bytes += sizeof(*d) + len + 1;
	g_hash_table_insert(t->dirs, d->path, d);
	kid_link(parent, d);
	return d;
}

/* dirname and basename of path: *out_dlen bytes of directory ("" for a
 * path without '/'), the name after it. */
static const char *
split(const char *path, size_t *out_dlen)
{
	const char *slash = strrchr(path, '/');

	*out_dlen = slash ? (size_t)(slash - path) : 0;
	return slash ? slash + 1 : path;
}

/* The home slot of h in an array of cap slots (cap > 0). */
static guint32
home(guint64 h, guint32 cap)
{
	return (guint32)(((unsigned __int128)h * cap) >> 64);
}

static guint32
next(guint32 i, guint32 cap)
{
	return i + 1 < cap ? i + 1 : 0;
}

static gint64
slot_find(const struct dnode *d, guint64 h)
{
	if (!d->cap)
		return -1;
	for (guint32 i = home(h, d->cap);; i = next(i, d->cap)) {
		if (d->slot[i].h == h)
			return i;
		if (!d->slot[i].h)
			return -1;
	}
}

static void
slot_put(struct dnode *d, const struct slot *s)
{
	guint32 i = home(s->h, d->cap);

	while (d->slot[i].h)
		i = next(i, d->cap);
	d->slot[i] = *s;
}

static void
slot_grow(struct repl_ptab *t, struct dnode *d)
{
	struct slot *old = d->slot;
	guint32 ocap = d->cap;

	d->cap = ocap ? ocap + ocap / 2 : 4;
	d->slot = g_new0(struct slot, d->cap);
	t->bytes += (gsize)(d->cap - ocap) * sizeof(struct slot);
	for (guint32 i = 0; i < ocap; i++)
		if (old[i].h)
			slot_put(d, &old[i]);
	if (!(d->pooled & IN_POOL_SLOT))
		g_free(old);
	d->pooled &= ~IN_POOL_SLOT;
}

/* Remove slot i, shifting back the entries that probed past it. */
static void
slot_remove(struct repl_ptab *t, struct dnode *d, guint32 i)
{
	for (guint32 j = next(i, d->cap); d->slot[j].h; j = next(j, d->cap)) {
		guint32 hj = home(d->slot[j].h, d->cap);

		/* j's entry may move to i when its home is not in (i, j] */
		if ((i < j) ? (hj <= i || hj > j) : (hj <= i && hj > j)) {
			d->slot[i] = d->slot[j];
			i = j;
		}
	}
	d->slot[i].h = 0;
	d->n--;
	t->nfiles--;
}

void
repl_ptab_set(struct repl_ptab *t, const char *path,
	      const struct repl_fstate *st)
{
	size_t dlen;
	const char *name = split(path, &dlen);
	struct dnode *d = dir_get(t, path, dlen);
	struct slot s = { .h = name_hash(t, name, strlen(name)),
		.sm = (st->size & G_GUINT64_CONSTANT(0xffffffffffff)) << 16 |
		      (st->mode & 0xffff),
		.mtime = st->mtime };
	gint64 i = slot_find(d, s.h);

	if (i >= 0) {
		d->slot[i] = s;
		return;
	}
	if ((d->n + 1) * 8 > d->cap * 7)
		slot_grow(t, d);
	slot_put(d, &s);
	d->n++;
	t->nfiles++;
}

/* The node and slot of file path, or NULL. */
static struct dnode *
file_find(const struct repl_ptab *t, const char *path, gint64 *out_i,
	  guint64 *out_h)
{
	size_t dlen;
	const char *name = split(path, &dlen);
	struct dnode *d = dir_find(t, path, dlen);

	if (!d)
		return NULL;
	*out_h = name_hash(t, name, strlen(name));
	*out_i = slot_find(d, *out_h);
	return *out_i >= 0 ? d : NULL;
}

gboolean
repl_ptab_get(const struct repl_ptab *t, const char *path,
	      struct repl_fstate *out)
{
	gint64 i;
	guint64 h;
	struct dnode *d = file_find(t, path, &i, &h);

	if (!d)
		return FALSE;
	if (out) {
		out->size = d->slot[i].sm >> 16;
		out->mode = d->slot[i].sm & 0xffff;
		out->mtime = d->slot[i].mtime;
	}
	return TRUE;
}

/* Free d and everything below it; the number of files they held. */
static gsize
subtree_free(struct repl_ptab *t, struct dnode *d)
{
	gsize n = d->n;

	while (d->kids) {
		struct dnode *k = d->kids;

		kid_unlink(k);
		n += subtree_free(t, k);
	}
	g_hash_table_remove(t->dirs, d->path);
	node_free(t, d);
	return n;
}

guint
repl_ptab_drop(struct repl_ptab *t, const char *path)
{
	struct dnode *d = g_hash_table_lookup(t->dirs, path);
	gsize n = 0;
	gint64 i;
	guint64 h;

	if (d) {
		kid_unlink(d);
		n += subtree_free(t, d);
	}
	d = file_find(t, path, &i, &h);
	if (d) {
		slot_remove(t, d, i);
		n++;
	}
	return (guint)n;
}

/* Give d and the nodes below it the paths they get when the first
 * oldlen bytes of each become to. */
static void
subtree_rename(struct repl_ptab *t, struct dnode *d, size_t oldlen,
	       const char *to)
{
	char *np = g_strconcat(to, d->path + oldlen, NULL);

	g_hash_table_remove(t->dirs, d->path);
	t->bytes += strlen(np);
	t->bytes -= strlen(d->path);
	if (!(d->pooled & IN_POOL_PATH))
		g_free(d->path);
	d->pooled &= ~IN_POOL_PATH;
	d->path = np;
	g_hash_table_insert(t->dirs, d->path, d);
	for (struct dnode *k = d->kids; k; k = k->next)
		subtree_rename(t, k, oldlen, to);
}

void
repl_ptab_move(struct repl_ptab *t, const char *from, const char *to)
{
	size_t flen = strlen(from);
	struct dnode *d;
	gint64 i;
	guint64 h;

	if (!strcmp(from, to))
		return;
	if (!strncmp(to, from, flen) && to[flen] == '/') {
		/* into itself: rename(2) refuses; forget rather than guess */
		repl_ptab_drop(t, from);
		return;
	}
	repl_ptab_drop(t, to);
	d = file_find(t, from, &i, &h);
	if (d) {
		struct slot s = d->slot[i];
		struct repl_fstate st = { .size = s.sm >> 16,
			.mode = s.sm & 0xffff, .mtime = s.mtime };

		slot_remove(t, d, i);
		repl_ptab_set(t, to, &st);
	}
	d = g_hash_table_lookup(t->dirs, from);
	if (d) {
		size_t dlen;
		struct dnode *parent;

		kid_unlink(d);
		/* the subtree's paths change before the new parent is
		 * looked up: it may be created, and must not be from */
		subtree_rename(t, d, flen, to);
		split(to, &dlen);
		parent = strchr(to, '/') ? dir_get(t, to, dlen) : NULL;
		kid_link(parent, d);
	}
}

gboolean
repl_ptab_has_dir(const struct repl_ptab *t, const char *path)
{
	return g_hash_table_lookup(t->dirs, path) != NULL;
}

#define ALIGN8(n) (((n) + 7) & ~(gsize)7)

/* The array size a compaction gives n files: the fullest allowed. */
static guint32
tight_cap(guint32 n)
{
	return n ? n + n / 6 + 1 : 0;
}

void
repl_ptab_compact(struct repl_ptab *t)
{
	GHashTable *map = g_hash_table_new(NULL, NULL);	/* old -> new */
	GHashTable *dirs;
	GHashTableIter it;
	gpointer k, v;
	gsize total = 0, bytes = 0;
	char *block, *p;

	g_hash_table_iter_init(&it, t->dirs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct dnode *d = v;

		total += ALIGN8(sizeof(*d)) + ALIGN8(strlen(d->path) + 1) +
			 (gsize)tight_cap(d->n) * sizeof(struct slot);
	}
	block = p = g_malloc(MAX(total, 1));
	dirs = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_iter_init(&it, t->dirs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct dnode *d = v, *nd = (struct dnode *)p;
		size_t len = strlen(d->path);

		p += ALIGN8(sizeof(*nd));
		*nd = *d;
		nd->pooled = IN_POOL_NODE | IN_POOL_PATH | IN_POOL_SLOT;
		nd->path = memcpy(p, d->path, len + 1);
		p += ALIGN8(len + 1);
		nd->cap = tight_cap(d->n);
		nd->slot = nd->cap ? (struct slot *)p : NULL;
		p += (gsize)nd->cap * sizeof(struct slot);
		if (nd->cap)
			memset(nd->slot, 0, (gsize)nd->cap * sizeof(struct slot));
		for (guint32 i = 0; i < d->cap; i++)
			if (d->slot[i].h)
				slot_put(nd, &d->slot[i]);
		bytes += sizeof(*nd) + len + 1 + (gsize)nd->cap * sizeof(struct slot);
		g_hash_table_insert(map, d, nd);
		g_hash_table_insert(dirs, nd->path, nd);
	}
	g_hash_table_iter_init(&it, map);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct dnode *nd = v;

		nd->parent = g_hash_table_lookup(map, nd->parent);
		nd->kids = g_hash_table_lookup(map, nd->kids);
		nd->next = g_hash_table_lookup(map, nd->next);
		nd->prev = g_hash_table_lookup(map, nd->prev);
	}
	g_hash_table_iter_init(&it, map);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		gsize files = t->nfiles;

		node_free(t, k);	/* (counts are restored below) */
		t->nfiles = files;
	}
	g_hash_table_destroy(map);
	g_hash_table_destroy(t->dirs);
	g_free(t->pool);
	t->dirs = dirs;
	t->pool = block;
	t->bytes = bytes;
}

gsize
repl_ptab_files(const struct repl_ptab *t)
{
	return t->nfiles;
}

guint
repl_ptab_dirs(const struct repl_ptab *t)
{
	return g_hash_table_size(t->dirs);
}

gsize
repl_ptab_bytes(const struct repl_ptab *t)
{
	return t->bytes;
}
