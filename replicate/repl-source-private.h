/*
 * repl-source-private.h - what the source role's files share with its
 * catch-up plan: the operations (repl-source.c and repl-source-send.c
 * queue and send them; repl-catchup.c plans them) and what the replica
 * holds.  The role's state is repl-source-state.h.  Nothing outside the
 * source role includes it.
 */
#ifndef REPL_SOURCE_PRIVATE_H
#define REPL_SOURCE_PRIVATE_H

#include <sys/stat.h>
#include <glib.h>

#include "repl-ptab.h"

/* Operations waiting to be sent; each reads the file's state when it is
 * sent, so replaying one is harmless. */
enum op_type { OP_PUT, OP_PUT_LATE, OP_FULL, OP_ATTR, OP_RENAME, OP_DELETE,
	       OP_MKDIR, OP_BARRIER, OP_FETCH, OP_DIRMOVE };

struct barrier;

struct op {
	int type;
	guint8 ahead;		/* its file's read-ahead was started */
	char *path;
	char *path2;
	struct barrier *b;
	guint64 cap;		/* capture number (repl-source.c), 0: none */
};

/* What the replica holds (manifest entry or file sent since). */
struct mval {
	gboolean is_dir;
	guint32 mode;
	guint64 size;
	gint64 mtime;
};

static inline struct op *
op_new(int type, const char *path, const char *path2)
{
	struct op *o = g_new0(struct op, 1);

	o->type = type;
	o->path = g_strdup(path);
	o->path2 = g_strdup(path2);
	return o;
}

static inline void
op_free(struct op *o)
{
	g_free(o->path);
	g_free(o->path2);
	g_free(o);
}

static inline gint64
st_mtime_ns(const struct stat *st)
{
	return (gint64)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/*
 * repl-catchup.c: compare the trees with the replica's manifest (wire
 * path -> struct mval) and queue on out what makes the replica equal:
 * MKDIR and PUT for what differs (a new Maildir message that matches one
 * the replica has under another name becomes a RENAME), DELETE for what
 * it has and the trees do not; with union_mode, FETCH for messages only
 * the replica has, and its directories are created here.  known gets the
 * replica's files.  Logs the counts at notice.
 */
void repl_catchup_plan(GHashTable *manifest, gboolean union_mode,
		       guint64 delta_threshold, struct repl_ptab *known,
		       GQueue *out);
/*
 * The same plan over the paths of journal (a set of wire paths that may
 * have changed since the replica held what known says): each path as it
 * is now in the trees, a directory with everything below it, compared
 * with known; a path gone from the trees is deleted (the replica may
 * hold it, or a directory of that name).  Logs the counts at notice, as
 * "catch-up from the journal (N paths): ...".
 * renames (struct repl_journal_rename, oldest first; may be NULL): the
 * directories renamed meanwhile.  Each whose old name known has (and
 * whose new name is not inside it) is replayed first, in order, as one
 * OP_DIRMOVE (path -> path2: the replica deletes what it has at the new
 * name, then renames), and known is moved at once (the operations that
 * follow are planned over the moved table: a session that breaks before
 * the OP_DIRMOVE is sent must forget path2 in known); the journal's
 * paths below the old name are looked at under the new one too, and
 * what is below the new name is compared with known, not sent whole.
 * Otherwise known is left as it is (the operations update it when sent).
 */
void repl_catchup_journal(GHashTable *journal, const GQueue *renames,
			  guint64 delta_threshold, struct repl_ptab *known,
			  GQueue *out);

#endif
