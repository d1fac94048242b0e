/* test_repl_path.c - wire path validation and symlink-safe parent walk */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "repl-path.h"
#include "repl-proto.h"

static void
test_valid(void)
{
	static const char *const good[] = { "mail", "mail/a", "mail/a/new/1:2,S",
		"mail/.Sent/cur/x", "m/..a", "m/a..", NULL };
	static const char *const bad[] = { "", "/etc/passwd", "mail/../etc",
		"..", "mail/./x", "mail//x", "mail/x/", "mail/.replicate.tmp/x",
		"mail/..", ".", NULL };
	char *longp = g_strnfill(REPL_MAX_PATH + 1, 'a');

	for (int i = 0; good[i]; i++)
		g_assert_true(repl_path_valid(good[i], strlen(good[i])));
	for (int i = 0; bad[i]; i++)
		g_assert_false(repl_path_valid(bad[i], strlen(bad[i])));
	g_assert_false(repl_path_valid("mail\0x", 6));
	g_assert_false(repl_path_valid(longp, strlen(longp)));
	g_free(longp);
}

static void
test_parent(void)
{
	g_autofree char *dir = g_dir_make_tmp("replpath.XXXXXX", NULL);
	g_autofree char *out = g_dir_make_tmp("replout.XXXXXX", NULL);
	g_autofree char *link = g_build_filename(dir, "evil", NULL);
	g_autofree char *made = g_build_filename(dir, "a", "b", NULL);
	int root = open(dir, O_RDONLY | O_DIRECTORY);
	const char *base = NULL;
	int fd;

	g_assert_cmpint(root, >=, 0);
	g_assert_cmpint(symlink(out, link), ==, 0);
	/* a symlink planted inside the root is never followed */
	g_assert_cmpint(repl_path_open_parent(root, "evil/x", TRUE, &base), ==,
			-ELOOP);
	g_assert_cmpint(repl_path_open_parent(root, "a/b/c", FALSE, &base), ==,
			-ENOENT);
	fd = repl_path_open_parent(root, "a/b/c", TRUE, &base);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpstr(base, ==, "c");
	g_assert_true(g_file_test(made, G_FILE_TEST_IS_DIR));
	close(fd);
	close(root);
	g_remove(link);
	g_rmdir(made);
	made[strlen(made) - 2] = '\0';
	g_rmdir(made);
	g_rmdir(dir);
	g_rmdir(out);
}

static void
test_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("replpath.XXXXXX", NULL);
	g_autofree char *out = g_dir_make_tmp("replout.XXXXXX", NULL);
	g_autofree char *secret = g_build_filename(out, "secret", NULL);
	g_autofree char *sub = g_build_filename(dir, "d", NULL);
	g_autofree char *file = g_build_filename(dir, "d", "f", NULL);
	g_autofree char *dlink = g_build_filename(dir, "evil", NULL);
	g_autofree char *flink = g_build_filename(dir, "d", "l", NULL);
	int root = open(dir, O_RDONLY | O_DIRECTORY);
	int fd;

	g_assert_cmpint(root, >=, 0);
	g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	g_assert_true(g_file_set_contents(secret, "s", 1, NULL));
	g_assert_cmpint(symlink(out, dlink), ==, 0);
	g_assert_cmpint(symlink(secret, flink), ==, 0);
	fd = repl_path_open_file(root, "d/f", O_RDONLY);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	/* neither a symlinked directory on the way nor a symlink as the
	 * file itself is followed; a file is not a directory on the way */
	g_assert_cmpint(repl_path_open_file(root, "evil/secret", O_RDONLY), ==,
			-ELOOP);
	g_assert_cmpint(repl_path_open_file(root, "d/l", O_RDONLY), ==, -ELOOP);
	g_assert_cmpint(repl_path_open_file(root, "d/f/x", O_RDONLY), <, 0);
	g_assert_cmpint(repl_path_open_file(root, "d/missing", O_RDONLY), ==,
			-ENOENT);
	close(root);
	g_remove(flink);
	g_remove(dlink);
	g_remove(file);
	g_rmdir(sub);
	g_rmdir(dir);
	g_remove(secret);
	g_rmdir(out);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/path/valid", test_valid);
	g_test_add_func("/repl/path/parent", test_parent);
	g_test_add_func("/repl/path/file", test_file);
	return g_test_run();
}
