/*
 * repl-journal.c - a replica's catch-up journal (repl-journal.h).
 */
#include "config.h"

#include <string.h>

#include "repl-journal.h"

struct sent {
	guint64 seq;
	char *path;
	char *path2;
};

struct repl_journal {
	guint limit;
	GQueue renames;		/* struct repl_journal_rename, in order */
	gboolean valid;
	GHashTable *paths;	/* wire path -> OLD or NEW */
	GQueue sent;		/* struct sent, by seq */
	guint64 lost;		/* the paths of what was sent up to here were
				 * forgotten (too many unacknowledged) */
	guint64 acked;
	gsize bytes;		/* of the paths kept (set and sent) */
	guint overflows;
	gboolean overflowed;	/* invalid since an overflow */
};

static gsize
plen(const char *p)
{
	return p ? strlen(p) + 1 : 0;
}

static void
rename_free(gpointer data)
{
	struct repl_journal_rename *r = data;

	g_free(r->from);
	g_free(r->to);
	g_free(r);
}

static void
sent_free(gpointer data)
{
	struct sent *t = data;

	g_free(t->path);
	g_free(t->path2);
	g_free(t);
}

struct repl_journal *
repl_journal_new(guint limit)
{
	struct repl_journal *j = g_new0(struct repl_journal, 1);

	j->limit = limit;
	j->paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&j->sent);
	g_queue_init(&j->renames);
	return j;
}

void
repl_journal_free(struct repl_journal *j)
{
	if (!j)
		return;
	g_hash_table_destroy(j->paths);
	g_queue_clear_full(&j->sent, sent_free);
	g_queue_clear_full(&j->renames, rename_free);
	g_free(j);
}

static void
empty(struct repl_journal *j)
{
	g_hash_table_remove_all(j->paths);
	g_queue_clear_full(&j->sent, sent_free);
	g_queue_clear_full(&j->renames, rename_free);
	j->lost = 0;
	j->bytes = 0;
}

/* an overflow: invalid, and the status says why */
static void
overflow(struct repl_journal *j)
{
	repl_journal_drop(j);
	j->overflowed = TRUE;
	j->overflows++;
}

void
repl_journal_reset(struct repl_journal *j)
{
	empty(j);
	j->valid = j->limit > 0;
	j->overflowed = FALSE;
}

gboolean
repl_journal_drop(struct repl_journal *j)
{
	gboolean was = j->valid;

	empty(j);
	j->valid = FALSE;
	j->overflowed = FALSE;
	return was;
}

gboolean
repl_journal_valid(const struct repl_journal *j)
{
	return j->valid;
}

/* path -> NEW: a file the replica never had (MOVED: one that got there
 * by a rename); OLD: anything else */
#define OLD GINT_TO_POINTER(REPL_JOURNAL_OLD)
#define NEW GINT_TO_POINTER(REPL_JOURNAL_NEW)
#define MOVED GINT_TO_POINTER(REPL_JOURNAL_MOVED)

static gboolean
add(struct repl_journal *j, const char *path, gpointer how)
{
	gpointer v;

	if (!j->valid || !path || !*path)
		return TRUE;
	v = g_hash_table_lookup(j->paths, path);
	if (v == OLD || (v && how != OLD))
		return TRUE;
	if (!v)
		j->bytes += plen(path);
	g_hash_table_insert(j->paths, g_strdup(path), v ? OLD : how);
	if (g_hash_table_size(j->paths) <= j->limit)
		return TRUE;
	overflow(j);
	return FALSE;
}

gboolean
repl_journal_add(struct repl_journal *j, const char *path)
{
	return add(j, path, OLD);
}

gboolean
repl_journal_add_new(struct repl_journal *j, const char *path)
{
	return add(j, path, NEW);
}

gboolean
repl_journal_add_moved(struct repl_journal *j, const char *path)
{
	return add(j, path, MOVED);
}

gboolean
repl_journal_gone(struct repl_journal *j, const char *path)
{
	gpointer v = path ? g_hash_table_lookup(j->paths, path) : NULL;

	if (j->valid && (v == NEW || v == MOVED)) {
		j->bytes -= plen(path);
		g_hash_table_remove(j->paths, path);
		return TRUE;
	}
	return add(j, path, OLD);
}

gboolean
repl_journal_dir_renamed(struct repl_journal *j, const char *from,
			 const char *to)
{
	struct repl_journal_rename *r;

	if (!repl_journal_add(j, from) || !repl_journal_add(j, to))
		return FALSE;
	if (!j->valid || !from || !*from || !to || !*to)
		return TRUE;
	r = g_new(struct repl_journal_rename, 1);
	r->from = g_strdup(from);
	r->to = g_strdup(to);
	g_queue_push_tail(&j->renames, r);
	j->bytes += plen(from) + plen(to);
	if (j->renames.length <= j->limit)
		return TRUE;
	overflow(j);
	return FALSE;
}

const GQueue *
repl_journal_dir_renames(const struct repl_journal *j)
{
	return &j->renames;
}

gboolean
repl_journal_sent(struct repl_journal *j, guint64 seq, const char *path,
		  const char *path2)
{
	struct sent *t;

	if (!j->valid)
		return TRUE;
	t = g_new(struct sent, 1);
	t->seq = seq;
	t->path = g_strdup(path);
	t->path2 = g_strdup(path2);
	g_queue_push_tail(&j->sent, t);
	j->bytes += plen(path) + plen(path2);
	if (j->sent.length > j->limit) {
		/* a catch-up or a burst far ahead of the acknowledgements:
		 * until they pass seq, a break loses the journal */
		for (GList *l = j->sent.head; l; l = l->next) {
			struct sent *u = l->data;

			j->bytes -= plen(u->path) + plen(u->path2);
		}
		g_queue_clear_full(&j->sent, sent_free);
		j->lost = seq;
	}
	return TRUE;
}

void
repl_journal_unrecorded(struct repl_journal *j, guint64 seq)
{
	j->lost = MAX(j->lost, seq);
}

void
repl_journal_acked(struct repl_journal *j, guint64 seq)
{
	struct sent *t;

	j->acked = MAX(j->acked, seq);
	while ((t = g_queue_peek_head(&j->sent)) && t->seq <= seq) {
		j->bytes -= plen(t->path) + plen(t->path2);
		sent_free(g_queue_pop_head(&j->sent));
	}
}

gboolean
repl_journal_away(struct repl_journal *j,
		  void (*unknown)(const char *path, void *u), void *u)
{
	struct sent *t;
	gboolean ok = j->acked >= j->lost;

	if (!ok)
		overflow(j);
	while (ok && (t = g_queue_pop_head(&j->sent))) {
		j->bytes -= plen(t->path) + plen(t->path2);
		if (unknown && t->path)
			unknown(t->path, u);
		if (unknown && t->path2)
			unknown(t->path2, u);
		ok = repl_journal_add(j, t->path) && repl_journal_add(j, t->path2);
		sent_free(t);
	}
	j->lost = 0;
	return ok;
}

GHashTable *
repl_journal_paths(const struct repl_journal *j)
{
	return j->paths;
}

guint
repl_journal_size(const struct repl_journal *j)
{
	return g_hash_table_size(j->paths);
}

guint
repl_journal_unacked(const struct repl_journal *j)
{
	return j->sent.length;
}

gsize
repl_journal_bytes(const struct repl_journal *j)
{
	return j->bytes;
}

guint
repl_journal_overflows(const struct repl_journal *j)
{
	return j->overflows;
}

const char *
repl_journal_state(const struct repl_journal *j)
{
	if (j->valid)
		return "valid";
	if (j->limit == 0)
		return "off";
	return j->overflowed ? "overflowed" : "invalid";
}
