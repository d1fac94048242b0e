/* test_repl_ptab.c - the source's path table: lookup, rename of a
 * directory with many children, delete, and a cross-check against a
 * plain path -> value map under random operations. */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "repl-ptab.h"

static struct repl_fstate
fs(guint64 size, gint64 mtime, guint32 mode)
{
	struct repl_fstate s = { .size = size, .mtime = mtime, .mode = mode };

	return s;
}

static void
assert_file(struct repl_ptab *t, const char *path, guint64 size, gint64 mtime,
	    guint32 mode)
{
	struct repl_fstate s;

	if (!repl_ptab_get(t, path, &s))
		g_error("missing %s", path);
	g_assert_cmpuint(s.size, ==, size);
	g_assert_cmpint(s.mtime, ==, mtime);
	g_assert_cmpuint(s.mode, ==, mode);
}

static void
test_lookup(void)
{
	struct repl_ptab *t = repl_ptab_new();
	struct repl_fstate s = fs(5123, 1600000000123456789LL, 0600);

	g_assert_false(repl_ptab_get(t, "mail/u/cur/a", NULL));
	repl_ptab_set(t, "mail/u/cur/a", &s);
	assert_file(t, "mail/u/cur/a", 5123, 1600000000123456789LL, 0600);
	g_assert_false(repl_ptab_get(t, "mail/u/cur/b", NULL));
	g_assert_false(repl_ptab_get(t, "mail/u/new/a", NULL));
	g_assert_false(repl_ptab_get(t, "mail/u/cur", NULL));	/* a dir */
	/* replace */
	s = fs((G_GUINT64_CONSTANT(1) << 40) + 7, -5, 04755);
	repl_ptab_set(t, "mail/u/cur/a", &s);
	assert_file(t, "mail/u/cur/a", (G_GUINT64_CONSTANT(1) << 40) + 7, -5, 04755);
	g_assert_cmpuint(repl_ptab_files(t), ==, 1);
	/* a file next to the root, and one named like a directory */
	repl_ptab_set(t, "top", &s);
	repl_ptab_set(t, "mail/u", &s);
	g_assert_true(repl_ptab_get(t, "top", NULL));
	g_assert_true(repl_ptab_get(t, "mail/u", NULL));
	g_assert_cmpuint(repl_ptab_files(t), ==, 3);
	g_assert_cmpuint(repl_ptab_dirs(t), ==, 4);	/* "", mail, mail/u, mail/u/cur */
	repl_ptab_free(t);
}

static void
test_rename_dir(void)
{
	struct repl_ptab *t = repl_ptab_new();
	const guint n = 20000;
	gsize before;

	for (guint i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("m/user/.Sent/%s/%u.M%uP1.host,S=%u:2,S",
						     i % 2 ? "cur" : "new", 1600000000 + i, i, i);
		struct repl_fstate s = fs(i, i * 1000LL, 0600);

		repl_ptab_set(t, p, &s);
	}
	repl_ptab_set(t, "m/user/.Sentinel/cur/x", &(struct repl_fstate){ 1, 1, 0644 });
	repl_ptab_set(t, "m/other/.Archive/cur/y", &(struct repl_fstate){ 2, 2, 0644 });
	g_assert_cmpuint(repl_ptab_files(t), ==, n + 2);
	before = repl_ptab_bytes(t);
	/* 24 bytes a file, the array at least 7/12 full: under 42 a file */
	g_assert_cmpuint(before / n, <, 42);

	/* one block, arrays as full as allowed: 24 / (6/7) + the nodes */
	repl_ptab_compact(t);
	g_assert_cmpuint(repl_ptab_files(t), ==, n + 2);
	g_assert_cmpuint(repl_ptab_bytes(t) / n, <, 30);
	assert_file(t, "m/user/.Sent/cur/1600000001.M1P1.host,S=1:2,S", 1, 1000, 0600);

	/* the folder moves under another user, over an existing one */
	repl_ptab_move(t, "m/user/.Sent", "m/other/.Archive");
	g_assert_cmpuint(repl_ptab_files(t), ==, n + 1);
	g_assert_false(repl_ptab_get(t, "m/other/.Archive/cur/y", NULL));
	for (guint i = 0; i < n; i++) {
		g_autofree char *o = g_strdup_printf("m/user/.Sent/%s/%u.M%uP1.host,S=%u:2,S",
						     i % 2 ? "cur" : "new", 1600000000 + i, i, i);
		g_autofree char *p = g_strdup_printf("m/other/.Archive/%s/%u.M%uP1.host,S=%u:2,S",
						     i % 2 ? "cur" : "new", 1600000000 + i, i, i);

		g_assert_false(repl_ptab_get(t, o, NULL));
		assert_file(t, p, i, i * 1000LL, 0600);
	}
	/* a sibling sharing the prefix did not move */
	assert_file(t, "m/user/.Sentinel/cur/x", 1, 1, 0644);
	/* a file moved into the moved tree, then the tree moves back */
	repl_ptab_move(t, "m/user/.Sentinel/cur/x", "m/other/.Archive/cur/x");
	repl_ptab_move(t, "m/other/.Archive", "m/user/.Sent");
	assert_file(t, "m/user/.Sent/cur/x", 1, 1, 0644);
	assert_file(t, "m/user/.Sent/new/1600000000.M0P1.host,S=0:2,S", 0, 0, 0600);
	g_assert_cmpuint(repl_ptab_files(t), ==, n + 1);
	/* a move to a new parent creates it; into itself forgets */
	repl_ptab_move(t, "m/user/.Sent/cur", "m/new/deep/cur");
	assert_file(t, "m/new/deep/cur/x", 1, 1, 0644);
	repl_ptab_move(t, "m/new", "m/new/deep/x");
	g_assert_false(repl_ptab_get(t, "m/new/deep/cur/x", NULL));
	g_assert_false(repl_ptab_get(t, "m/new/deep/x/deep/cur/x", NULL));
	g_assert_cmpuint(repl_ptab_files(t), ==, n / 2);
	/* a file renamed (flags), and onto an existing name */
	repl_ptab_move(t, "m/user/.Sent/new/1600000000.M0P1.host,S=0:2,S",
		       "m/user/.Sent/new/1600000000.M0P1.host,S=0:2,RS");
	assert_file(t, "m/user/.Sent/new/1600000000.M0P1.host,S=0:2,RS", 0, 0, 0600);
	repl_ptab_move(t, "m/user/.Sent/new/1600000000.M0P1.host,S=0:2,RS",
		       "m/user/.Sent/new/1600000002.M2P1.host,S=2:2,S");
	assert_file(t, "m/user/.Sent/new/1600000002.M2P1.host,S=2:2,S", 0, 0, 0600);
	g_assert_cmpuint(repl_ptab_files(t), ==, n / 2 - 1);
	repl_ptab_free(t);
}

static void
test_delete(void)
{
	struct repl_ptab *t = repl_ptab_new();
	struct repl_fstate s = fs(1, 2, 0600);

	for (guint i = 0; i < 1000; i++) {
		g_autofree char *p = g_strdup_printf("r/a/%u/cur/m%u", i % 10, i);

		repl_ptab_set(t, p, &s);
	}
	repl_ptab_set(t, "r/ab/cur/m", &s);
	g_assert_cmpuint(repl_ptab_drop(t, "r/a/3/cur/m3"), ==, 1);
	g_assert_cmpuint(repl_ptab_drop(t, "r/a/3/cur/m3"), ==, 0);
	g_assert_false(repl_ptab_get(t, "r/a/3/cur/m3", NULL));
	g_assert_true(repl_ptab_get(t, "r/a/3/cur/m13", NULL));
	/* every other file of a directory, then the rest: probing survives
	 * backward-shift deletes */
	for (guint i = 5; i < 1000; i += 20) {
		g_autofree char *p = g_strdup_printf("r/a/5/cur/m%u", i);

		g_assert_cmpuint(repl_ptab_drop(t, p), ==, 1);
	}
	for (guint i = 15; i < 1000; i += 20) {
		g_autofree char *p = g_strdup_printf("r/a/5/cur/m%u", i);

		g_assert_true(repl_ptab_get(t, p, NULL));
	}
	/* a directory with everything below it */
	g_assert_cmpuint(repl_ptab_drop(t, "r/a/7"), ==, 100);
	g_assert_false(repl_ptab_get(t, "r/a/7/cur/m7", NULL));
	g_assert_cmpuint(repl_ptab_drop(t, "r/a"), ==, 1000 - 1 - 50 - 100);
	g_assert_cmpuint(repl_ptab_files(t), ==, 1);
	g_assert_true(repl_ptab_get(t, "r/ab/cur/m", NULL));
	repl_ptab_clear(t);
	g_assert_cmpuint(repl_ptab_files(t), ==, 0);
	g_assert_cmpuint(repl_ptab_dirs(t), ==, 0);
	g_assert_cmpuint(repl_ptab_bytes(t), ==, 0);
	repl_ptab_free(t);
}

/* random sets, drops and moves against a plain map with the old
 * whole-table prefix scan as the reference */
static void
ref_move(GHashTable *ref, const char *from, const char *to)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(from), tn = strlen(to);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	g_hash_table_iter_init(&it, ref);
	while (g_hash_table_iter_next(&it, &k, &v))
		if ((!strncmp(k, to, tn) && (((char *)k)[tn] == '/' ||
					     !((char *)k)[tn])))
			g_hash_table_iter_remove(&it);
	g_hash_table_iter_init(&it, ref);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!strncmp(k, from, n) && (((char *)k)[n] == '/' || !((char *)k)[n]))
			g_ptr_array_add(keys, g_strdup(k));
	for (guint i = 0; i < keys->len; i++) {
		const char *p = keys->pdata[i];
		gpointer val = NULL, ok = NULL;

		g_hash_table_steal_extended(ref, p, &ok, &val);
		g_free(ok);
		g_hash_table_insert(ref, g_strconcat(to, p + n, NULL), val);
	}
	g_ptr_array_free(keys, TRUE);
}

static void
test_random(void)
{
	struct repl_ptab *t = repl_ptab_new();
	GHashTable *ref = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GRand *r = g_rand_new_with_seed(42);
	static const char *const dirs[] = { "m/a", "m/a/cur", "m/b", "m/b/cur",
		"m/a/x", "m/c" };

	for (int step = 0; step < 20000; step++) {
		const char *d = dirs[g_rand_int_range(r, 0, G_N_ELEMENTS(dirs))];
		const char *d2 = dirs[g_rand_int_range(r, 0, G_N_ELEMENTS(dirs))];
		g_autofree char *p = g_strdup_printf("%s/f%d", d, g_rand_int_range(r, 0, 40));
		g_autofree char *p2 = g_strdup_printf("%s/f%d", d2, g_rand_int_range(r, 0, 40));
		int op = g_rand_int_range(r, 0, 100);

		if (op < 60) {
			guint v = g_rand_int(r) | 1;

			repl_ptab_set(t, p, &(struct repl_fstate){ v, v, 0600 });
			g_hash_table_insert(ref, g_strdup(p), GUINT_TO_POINTER(v));
		} else if (op < 75) {
			repl_ptab_drop(t, p);
			g_hash_table_remove(ref, p);	/* (files have no children) */
		} else if (op < 95) {
			if (!strcmp(p, p2))
				continue;
			repl_ptab_move(t, p, p2);
			ref_move(ref, p, p2);
		} else if (strcmp(d, d2) && (strncmp(d2, d, strlen(d)) ||
					     (d2[strlen(d)] != '/' && d2[strlen(d)]))) {
			/* a directory (not into itself) */
			repl_ptab_move(t, d, d2);
			ref_move(ref, d, d2);
		}
		if (step % 1000 == 999)
			repl_ptab_compact(t);	/* pooled and single parts mix */
		if (step % 500 == 0 || step == 19999) {
			GHashTableIter it;
			gpointer k, v;

			g_assert_cmpuint(repl_ptab_files(t), ==, g_hash_table_size(ref));
			g_hash_table_iter_init(&it, ref);
			while (g_hash_table_iter_next(&it, &k, &v))
				assert_file(t, k, GPOINTER_TO_UINT(v), GPOINTER_TO_UINT(v), 0600);
		}
	}
	g_rand_free(r);
	g_hash_table_destroy(ref);
	repl_ptab_free(t);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/ptab/lookup", test_lookup);
	g_test_add_func("/repl/ptab/rename_dir", test_rename_dir);
	g_test_add_func("/repl/ptab/delete", test_delete);
	g_test_add_func("/repl/ptab/random", test_random);
	return g_test_run();
}
