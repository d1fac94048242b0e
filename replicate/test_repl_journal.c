/* test_repl_journal.c - the catch-up journal (repl-journal.h): bounded,
 * overflow makes it invalid, a path once, what was sent and not
 * acknowledged; and the catch-up planned from it (repl-catchup.c) on a
 * real tree: a directory renamed, a file deleted then created again, a
 * Maildir flag rename, a deleted directory, an unchanged file. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "repl-conf.h"
#include "repl-journal.h"
#include "repl-source-private.h"
#include "repl-tree.h"

static void
test_bounded(void)
{
	struct repl_journal *j = repl_journal_new(3);

	g_assert_false(repl_journal_valid(j));	/* until a full catch-up */
	g_assert_true(repl_journal_add(j, "m/a"));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	repl_journal_reset(j);
	g_assert_true(repl_journal_valid(j));
	g_assert_true(repl_journal_add(j, "m/a"));
	g_assert_true(repl_journal_add(j, "m/a"));	/* dedup */
	g_assert_true(repl_journal_add(j, NULL));
	g_assert_true(repl_journal_add(j, ""));
	g_assert_true(repl_journal_add(j, "m/b"));
	g_assert_true(repl_journal_add(j, "m/c"));
	g_assert_cmpuint(repl_journal_size(j), ==, 3);
	g_assert_true(repl_journal_add(j, "m/c"));	/* still 3: fits */
	g_assert_true(repl_journal_valid(j));
	g_assert_false(repl_journal_add(j, "m/d"));	/* overflow */
	g_assert_false(repl_journal_valid(j));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	g_assert_true(repl_journal_add(j, "m/e"));	/* invalid: ignored */
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	repl_journal_reset(j);
	g_assert_true(repl_journal_valid(j));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	g_assert_true(repl_journal_drop(j));
	g_assert_false(repl_journal_drop(j));
	repl_journal_free(j);

	/* a delivery while away: tmp/ -> new/ -> cur/ (flags), then an
	 * expunge: nothing left for the replica; one it had is kept */
	j = repl_journal_new(3);
	repl_journal_reset(j);
	g_assert_true(repl_journal_add_new(j, "m/tmp/1"));
	g_assert_true(repl_journal_gone(j, "m/tmp/1"));
	g_assert_true(repl_journal_add_new(j, "m/new/1"));
	g_assert_true(repl_journal_gone(j, "m/new/1"));
	g_assert_true(repl_journal_add_new(j, "m/cur/1:2,S"));
	g_assert_cmpuint(repl_journal_size(j), ==, 1);
	g_assert_true(repl_journal_gone(j, "m/cur/1:2,S"));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	g_assert_true(repl_journal_gone(j, "m/cur/old"));	/* it had it */
	g_assert_true(repl_journal_add_new(j, "m/cur/old"));	/* back */
	g_assert_true(repl_journal_gone(j, "m/cur/old"));	/* and gone */
	g_assert_true(g_hash_table_contains(repl_journal_paths(j), "m/cur/old"));
	/* changed, then deleted: still there (the replica had it) */
	g_assert_true(repl_journal_add(j, "m/x"));
	g_assert_true(repl_journal_add_new(j, "m/x"));
	g_assert_true(repl_journal_gone(j, "m/x"));
	g_assert_cmpuint(repl_journal_size(j), ==, 2);
	repl_journal_free(j);

	j = repl_journal_new(0);	/* `journal 0`: never valid */
	repl_journal_reset(j);
	g_assert_false(repl_journal_valid(j));
	g_assert_cmpstr(repl_journal_state(j), ==, "off");
	repl_journal_free(j);
}

/* The status's figures: state, bytes of the paths, overflows. */
static void
test_status(void)
{
	struct repl_journal *j = repl_journal_new(3);

	g_assert_cmpstr(repl_journal_state(j), ==, "invalid");
	repl_journal_reset(j);
	g_assert_cmpstr(repl_journal_state(j), ==, "valid");
	g_assert_cmpuint(repl_journal_bytes(j), ==, 0);
	g_assert_true(repl_journal_add(j, "m/a"));
	g_assert_true(repl_journal_add(j, "m/a"));
	g_assert_true(repl_journal_add_new(j, "m/bb"));
	g_assert_cmpuint(repl_journal_bytes(j), ==, 4 + 5);
	g_assert_true(repl_journal_add(j, "m/bb"));	/* NEW -> OLD */
	g_assert_cmpuint(repl_journal_bytes(j), ==, 4 + 5);
	g_assert_true(repl_journal_add_new(j, "m/ccc"));
	g_assert_true(repl_journal_gone(j, "m/ccc"));	/* never had it */
	g_assert_cmpuint(repl_journal_bytes(j), ==, 4 + 5);
	/* sent, acknowledged */
	g_assert_true(repl_journal_sent(j, 1, "x/1", "x/22"));
	g_assert_true(repl_journal_sent(j, 2, "x/3", NULL));
	g_assert_cmpuint(repl_journal_bytes(j), ==, 9 + 4 + 5 + 4);
	repl_journal_acked(j, 1);
	g_assert_cmpuint(repl_journal_bytes(j), ==, 9 + 4);
	/* a break: x/3 joins the set (3 paths: fits) */
	g_assert_true(repl_journal_away(j, NULL, NULL));
	g_assert_cmpuint(repl_journal_unacked(j), ==, 0);
	g_assert_cmpuint(repl_journal_bytes(j), ==, 9 + 4);
	g_assert_cmpuint(repl_journal_overflows(j), ==, 0);
	g_assert_false(repl_journal_add(j, "m/d"));	/* overflow */
	g_assert_cmpstr(repl_journal_state(j), ==, "overflowed");
	g_assert_cmpuint(repl_journal_bytes(j), ==, 0);
	g_assert_cmpuint(repl_journal_overflows(j), ==, 1);
	repl_journal_reset(j);
	g_assert_cmpstr(repl_journal_state(j), ==, "valid");
	/* more than limit unacknowledged, then a break: an overflow too */
	for (guint64 s = 1; s <= 4; s++)
		g_assert_true(repl_journal_sent(j, s, "y", NULL));
	g_assert_cmpuint(repl_journal_bytes(j), ==, 0);
	g_assert_false(repl_journal_away(j, NULL, NULL));
	g_assert_cmpstr(repl_journal_state(j), ==, "overflowed");
	g_assert_cmpuint(repl_journal_overflows(j), ==, 2);
	g_assert_true(repl_journal_drop(j) == FALSE);
	g_assert_cmpstr(repl_journal_state(j), ==, "invalid");
	repl_journal_free(j);

	/* a file renamed where the replica had nothing: kept as moved (its
	 * content is not read ahead), gone again like a new one; a write
	 * after makes it an ordinary change */
	j = repl_journal_new(3);
	repl_journal_reset(j);
	g_assert_true(repl_journal_add_moved(j, "m/mv"));
	g_assert_true(repl_journal_add_new(j, "m/mv"));
	g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(repl_journal_paths(j),
			"m/mv")), ==, REPL_JOURNAL_MOVED);
	g_assert_true(repl_journal_gone(j, "m/mv"));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	g_assert_true(repl_journal_add_moved(j, "m/mv"));
	g_assert_true(repl_journal_add(j, "m/mv"));
	g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(repl_journal_paths(j),
			"m/mv")), ==, REPL_JOURNAL_OLD);
	g_assert_true(repl_journal_gone(j, "m/mv"));
	g_assert_cmpuint(repl_journal_size(j), ==, 1);
	repl_journal_free(j);
}

static void
unsure(const char *path, void *u)
{
	g_string_append_printf(u, "%s;", path);
}

static void
test_unacked(void)
{
	struct repl_journal *j = repl_journal_new(4);
	GHashTable *p;
	g_autoptr(GString) unsure_seen = g_string_new(NULL);

	repl_journal_reset(j);
	g_assert_true(repl_journal_sent(j, 5, "m/a", NULL));
	g_assert_true(repl_journal_sent(j, 6, "m/b", "m/c"));
	g_assert_true(repl_journal_sent(j, 9, "m/d", NULL));
	repl_journal_acked(j, 6);
	g_assert_cmpuint(repl_journal_unacked(j), ==, 1);
	g_assert_true(repl_journal_sent(j, 10, "m/e", NULL));
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	g_assert_true(repl_journal_away(j, unsure, unsure_seen));	/* broke */
	g_assert_cmpstr(unsure_seen->str, ==, "m/d;m/e;");
	p = repl_journal_paths(j);
	g_assert_cmpuint(g_hash_table_size(p), ==, 2);
	g_assert_true(g_hash_table_contains(p, "m/d"));
	g_assert_true(g_hash_table_contains(p, "m/e"));
	g_assert_cmpuint(repl_journal_unacked(j), ==, 0);
	g_assert_true(repl_journal_valid(j));
	/* too many unacknowledged: their paths are forgotten; a break
	 * before they are acknowledged loses the journal ... */
	for (int i = 0; i < 4; i++)
		g_assert_true(repl_journal_sent(j, 20 + i, "m/x", NULL));
	g_assert_true(repl_journal_sent(j, 30, "m/y", NULL));
	g_assert_true(repl_journal_valid(j));
	g_assert_cmpuint(repl_journal_unacked(j), ==, 0);
	g_assert_true(repl_journal_sent(j, 31, "m/z", NULL));
	repl_journal_acked(j, 29);
	g_assert_false(repl_journal_away(j, NULL, NULL));
	g_assert_false(repl_journal_valid(j));
	g_assert_cmpuint(repl_journal_unacked(j), ==, 0);
	g_assert_cmpuint(repl_journal_size(j), ==, 0);
	/* ... one after they were is harmless */
	repl_journal_reset(j);
	for (int i = 0; i < 5; i++)
		g_assert_true(repl_journal_sent(j, 40 + i, "m/x", NULL));
	g_assert_true(repl_journal_sent(j, 50, "m/z", NULL));
	repl_journal_acked(j, 44);
	g_assert_true(repl_journal_away(j, NULL, NULL));
	g_assert_true(repl_journal_valid(j));
	g_assert_cmpuint(repl_journal_size(j), ==, 1);
	g_assert_true(g_hash_table_contains(repl_journal_paths(j), "m/z"));
	/* a catch-up's sends, not recorded: a break before their
	 * acknowledgement loses the journal, one after does not */
	repl_journal_reset(j);
	repl_journal_unrecorded(j, 60);
	repl_journal_acked(j, 59);
	g_assert_false(repl_journal_away(j, NULL, NULL));
	repl_journal_reset(j);
	repl_journal_unrecorded(j, 70);
	g_assert_true(repl_journal_sent(j, 71, "m/w", NULL));
	repl_journal_acked(j, 70);
	g_assert_true(repl_journal_away(j, NULL, NULL));
	g_assert_cmpuint(repl_journal_size(j), ==, 1);
	/* unacknowledged ones that overflow the set when the session breaks */
	repl_journal_reset(j);
	for (int i = 0; i < 3; i++) {
		g_autofree char *s = g_strdup_printf("m/s%d", i);

		g_assert_true(repl_journal_add(j, s));
	}
	g_assert_true(repl_journal_sent(j, 40, "m/t", "m/u"));
	g_assert_false(repl_journal_away(j, NULL, NULL));
	g_assert_false(repl_journal_valid(j));
	repl_journal_free(j);
}

/* ---- the plan from the journal, on a real tree --------------------------- */

static char *root;

static void
put(const char *rel, const char *text, gint64 mtime_s)
{
	g_autofree char *p = g_build_filename(root, rel, NULL);
	g_autofree char *d = g_path_get_dirname(p);
	struct timespec ts[2] = { { mtime_s, 0 }, { mtime_s, 0 } };

	g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_assert_cmpint(utimensat(AT_FDCWD, p, ts, 0), ==, 0);
}

/* the table says the replica has "m/REL" as the file is now */
static void
known_now(struct repl_ptab *t, const char *rel)
{
	g_autofree char *p = g_build_filename(root, rel, NULL);
	g_autofree char *w = g_strconcat("m/", rel, NULL);
	struct stat st;

	g_assert_cmpint(lstat(p, &st), ==, 0);
	repl_ptab_set(t, w, &(struct repl_fstate){ .size = st.st_size,
		.mtime = st_mtime_ns(&st), .mode = st.st_mode & 07777 });
}

static gint
cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
plan_text(struct repl_journal *j, struct repl_ptab *t)
{
	GQueue q = G_QUEUE_INIT;
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);
	struct op *o;
	gboolean head = TRUE;

	repl_catchup_journal(repl_journal_paths(j), repl_journal_dir_renames(j),
			     65536, t, &q);
	while ((o = g_queue_pop_head(&q))) {
		static const char *const name[] = { [OP_PUT] = "PUT",
			[OP_RENAME] = "RENAME", [OP_DELETE] = "DELETE",
			[OP_MKDIR] = "MKDIR", [OP_DIRMOVE] = "DIRMOVE" };

		g_assert_true(o->type == OP_PUT || o->type == OP_RENAME ||
			      o->type == OP_DELETE || o->type == OP_MKDIR ||
			      o->type == OP_DIRMOVE);
		/* directory renames: first, in order, before a '|' */
		g_assert_true(o->type != OP_DIRMOVE || head);
		if (o->type == OP_DIRMOVE) {
			g_string_append_printf(s, "DIRMOVE %s>%s;", o->path,
					       o->path2);
			op_free(o);
			continue;
		}
		if (head && s->len)
			g_string_append_c(s, '|');
		head = FALSE;
		g_ptr_array_add(a, o->path2 ? g_strdup_printf("%s %s>%s",
			name[o->type], o->path, o->path2) :
			g_strdup_printf("%s %s", name[o->type], o->path));
		op_free(o);
	}
	g_ptr_array_sort(a, cmp_strp);
	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s%s", i ? ";" : "",
				       (char *)a->pdata[i]);
	g_ptr_array_unref(a);
	return g_string_free(s, FALSE);
}

/* root: a fresh directory, the tree "m" (repl-tree.h) */
static struct repl_conf *
tree_setup(void)
{
	g_autofree char *conf_text = NULL;
	struct repl_conf *conf = NULL;
	hb_diag *d = hb_diag_new();

	root = g_dir_make_tmp("test_repl_journal.XXXXXX", NULL);
	g_assert_nonnull(root);
	conf_text = g_strdup_printf("root m %s\npeer 127.0.0.1 7790\n"
				    "keyfile /k\n", root);
	g_assert_cmpint(repl_conf_parse(conf_text, strlen(conf_text), "t.conf",
					&conf, d), ==, 0);
	hb_diag_free(d);
	g_assert_cmpint(repl_tree_open(conf), ==, 0);
	return conf;
}

static void
tree_teardown(struct repl_conf *conf)
{
	char *cmd = g_strdup_printf("rm -rf %s", root);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	repl_tree_close();
	repl_conf_free(conf);
	g_clear_pointer(&root, g_free);
}

static void
test_plan(void)
{
	struct repl_conf *conf = tree_setup();
	struct repl_ptab *t = repl_ptab_new();
	struct repl_journal *j = repl_journal_new(100);
	g_autofree char *got = NULL;
	char *cmd;

	/* what the replica holds (the table says so) */
	put("A/cur/1", "one", 1000);
	put("A/cur/2", "two", 1000);
	put("u/cur/msg:2,", "a message", 1000);
	put("keep", "unchanged", 1000);
	put("gone/cur/x", "x", 1000);
	put("f", "old", 1000);
	put("same", "same", 1000);
	for (const char *const *r = (const char *const[]){ "A/cur/1", "A/cur/2",
	     "u/cur/msg:2,", "keep", "gone/cur/x", "f", "same", NULL }; *r; r++)
		known_now(t, *r);
	repl_journal_reset(j);

	/* while the replica is away: a directory renamed (both names
	 * journaled), a file deleted then created again (one path), a flag
	 * rename, a directory deleted, a file touched back as it was */
	cmd = g_strdup_printf("cd %s && mv A B && mv u/cur/msg:2, u/cur/msg:2,S "
			      "&& rm -r gone", root);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	g_assert_true(repl_journal_add(j, "m/A"));
	g_assert_true(repl_journal_add(j, "m/B"));
	g_assert_true(repl_journal_add(j, "m/u/cur/msg:2,"));
	g_assert_true(repl_journal_add(j, "m/u/cur/msg:2,S"));
	g_assert_true(repl_journal_add(j, "m/gone/cur/x"));
	g_assert_true(repl_journal_add(j, "m/gone/cur"));
	g_assert_true(repl_journal_add(j, "m/gone"));
	g_assert_true(repl_journal_add(j, "m/f"));	/* deleted ... */
	put("f", "new content", 2000);
	g_assert_true(repl_journal_add(j, "m/f"));	/* ... and recreated */
	g_assert_true(repl_journal_add(j, "m/same"));	/* written back as was */
	g_assert_true(repl_journal_add(j, "m/tmp-gone"));	/* never sent */
	g_assert_cmpuint(repl_journal_size(j), ==, 10);

	got = plan_text(j, t);
	g_assert_cmpstr(got, ==,
		"DELETE m/A;"
		"DELETE m/gone;"		/* once, not its children */
		"DELETE m/tmp-gone;"		/* harmless if it never got there */
		"MKDIR m/B;MKDIR m/B/cur;"
		"PUT m/B/cur/1;PUT m/B/cur/2;"
		"PUT m/f;"
		"RENAME m/u/cur/msg:2,>m/u/cur/msg:2,S");
	/* "keep" (not journaled) and "same" (as the table says) not sent;
	 * the table is the caller's to update */
	g_assert_true(repl_ptab_get(t, "m/A/cur/1", NULL));

	repl_journal_free(j);
	repl_ptab_free(t);
	tree_teardown(conf);
}

/* Directories renamed while the replica was away: replayed as renames
 * (in order, a chain too), the table moved, only what changed below the
 * new name sent; one the replica never had sent whole. */
static void
test_plan_dirmove(void)
{
	struct repl_conf *conf = tree_setup();
	struct repl_ptab *t = repl_ptab_new();
	struct repl_journal *j = repl_journal_new(100);
	g_autofree char *got = NULL;
	struct repl_fstate fs;
	char *cmd;
	put("D/cur/1", "one", 1000);
	put("D/cur/2", "two", 1000);
	put("D/cur/6", "six", 1000);
	put("D/new/3", "three", 1000);
	put("E/cur/9", "nine", 1000);
	put("X/cur/5", "five", 1000);
	for (const char *const *r = (const char *const[]){ "D/cur/1", "D/cur/2",
	     "D/cur/6", "D/new/3", "E/cur/9", "X/cur/5", NULL }; *r; r++)
		known_now(t, *r);
	repl_journal_reset(j);

	/* away: D/cur/1 deleted, E removed, D renamed to E, then below E
	 * a file changed, one deleted, one new; X -> Y -> Z; N made and
	 * renamed to M (the replica never had N) */
	cmd = g_strdup_printf("cd %s && rm D/cur/1 && rm -r E && mv D E && "
			      "rm E/new/3 && mv X Y && mv Y Z && mkdir N && "
			      "echo f >N/f && mv N M", root);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
	put("E/cur/2", "two, changed", 2000);
	put("E/cur/4", "four", 2000);
	g_assert_true(repl_journal_gone(j, "m/D/cur/1"));
	g_assert_true(repl_journal_add(j, "m/E/cur/9"));
	g_assert_true(repl_journal_add(j, "m/E/cur"));
	g_assert_true(repl_journal_add(j, "m/E"));
	g_assert_true(repl_journal_dir_renamed(j, "m/D", "m/E"));
	g_assert_true(repl_journal_add_new(j, "m/E/cur/2"));
	g_assert_true(repl_journal_gone(j, "m/E/new/3"));
	g_assert_true(repl_journal_add_new(j, "m/E/cur/4"));
	g_assert_true(repl_journal_dir_renamed(j, "m/X", "m/Y"));
	g_assert_true(repl_journal_dir_renamed(j, "m/Y", "m/Z"));
	g_assert_true(repl_journal_add_new(j, "m/N"));
	g_assert_true(repl_journal_add_new(j, "m/N/f"));
	g_assert_true(repl_journal_dir_renamed(j, "m/N", "m/M"));
	g_assert_cmpuint(g_queue_get_length((GQueue *)repl_journal_dir_renames(j)),
			 ==, 4);

	got = plan_text(j, t);
	g_assert_cmpstr(got, ==,
		"DIRMOVE m/D>m/E;DIRMOVE m/X>m/Y;DIRMOVE m/Y>m/Z;|"
		"DELETE m/D;"			/* gone already: harmless */
		"DELETE m/E/cur/1;"		/* deleted before the rename */
		"DELETE m/E/cur/9;"		/* the old E's: harmless */
		"DELETE m/E/new/3;"
		"DELETE m/N;DELETE m/X;DELETE m/Y;"
		"MKDIR m/E;MKDIR m/E/cur;MKDIR m/E/new;"
		"MKDIR m/M;MKDIR m/Z;MKDIR m/Z/cur;"
		"PUT m/E/cur/2;PUT m/E/cur/4;"	/* not 6, nor Z/cur/5 */
		"PUT m/M/f");
	/* the table follows the renames */
	g_assert_true(repl_ptab_get(t, "m/E/cur/6", &fs));
	g_assert_cmpuint(fs.size, ==, 3);
	g_assert_true(repl_ptab_get(t, "m/Z/cur/5", NULL));
	g_assert_false(repl_ptab_get(t, "m/D/cur/6", NULL));
	g_assert_false(repl_ptab_get(t, "m/E/cur/9", NULL));

	repl_journal_free(j);
	repl_ptab_free(t);
	tree_teardown(conf);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/journal/bounded", test_bounded);
	g_test_add_func("/repl/journal/unacked", test_unacked);
	g_test_add_func("/repl/journal/status", test_status);
	g_test_add_func("/repl/journal/plan", test_plan);
	g_test_add_func("/repl/journal/plan-dirmove", test_plan_dirmove);
	return g_test_run();
}
