/* test_ttylock.c - UUCP-style serial line locks: Heartbeat's lock file
 * names, the "%10d\n" content, stale and live locks, unlock. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "ttylock.h"

static void
test_names(void)
{
	static const char *const cases[][2] = {
		/* seen with Heartbeat 3.0.6 (strace of its serial plugin) */
		{ "/tmp/hbtest.t19708.urLp5Y/tty2", "LCK..hbtestt19708urLp5Ytty2" },
		{ "/dev/ttyS0", "LCK..ttyS0" },
		{ "/dev/pts/3", "LCK..pts3" },
		{ "/dev/serial/by-id/usb-FTDI_x-if00", "LCK..serialbyidusbFTDIxif00" },
		{ "tty", "LCK.." },
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *p = hbd_ttylock_path("/var/lock", cases[i][0]);
		g_autofree char *want = g_strdup_printf("/var/lock/%s",
							cases[i][1]);

		g_assert_cmpstr(p, ==, want);
	}
	{
		g_autofree char *p = hbd_ttylock_path("/l",
			"/dev/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

		g_assert_cmpuint(strlen(p), ==, strlen("/l/LCK..") + 63);
	}
}

static void
test_lock(void)
{
	g_autofree char *dir = g_dir_make_tmp("ttylockXXXXXX", NULL);
	g_autofree char *path = hbd_ttylock_path(dir, "/dev/ttyS9");
	g_autofree char *text = NULL;
	g_autofree char *want = g_strdup_printf("%10d\n", (int)getpid());
	pid_t holder = 0, child;
	int status;

	g_assert_nonnull(dir);
	g_assert_cmpint(hbd_ttylock_check(dir, "/dev/ttyS9", &holder), ==, 0);
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, 0);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, want);
	/* ours: taking again and checking are fine */
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, 0);
	g_assert_cmpint(hbd_ttylock_check(dir, "/dev/ttyS9", &holder), ==, 0);
	hbd_ttyunlock(dir, "/dev/ttyS9");
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	/* a live other process holds it (our parent is alive) */
	g_free(text);
	text = g_strdup_printf("%10d\n", (int)getppid());
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	holder = 0;
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, -EBUSY);
	g_assert_cmpint(holder, ==, getppid());
	holder = 0;
	g_assert_cmpint(hbd_ttylock_check(dir, "/dev/ttyS9", &holder), ==,
			-EBUSY);
	g_assert_cmpint(holder, ==, getppid());
	hbd_ttyunlock(dir, "/dev/ttyS9");	/* not ours: stays */
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));

	/* a dead process's lock is stale and taken over */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &status, 0);
	g_free(text);
	text = g_strdup_printf("%10d\n", (int)child);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(hbd_ttylock_check(dir, "/dev/ttyS9", &holder), ==, 0);
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, 0);
	g_free(text);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, want);
	hbd_ttyunlock(dir, "/dev/ttyS9");

	/* garbage, pid 0 and pid 1 are stale too, as in cluster-glue */
	g_assert_true(g_file_set_contents(path, "garbage", -1, NULL));
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, 0);
	hbd_ttyunlock(dir, "/dev/ttyS9");
	g_assert_true(g_file_set_contents(path, "         0\n", -1, NULL));
	g_assert_cmpint(hbd_ttylock_check(dir, "/dev/ttyS9", &holder), ==, 0);
	g_assert_true(g_file_set_contents(path, "         1\n", -1, NULL));
	g_assert_cmpint(hbd_ttylock(dir, "/dev/ttyS9", &holder), ==, 0);
	hbd_ttyunlock(dir, "/dev/ttyS9");
	g_assert_cmpint(g_rmdir(dir), ==, 0);	/* no tmp files left */

	/* a lock directory that does not exist */
	g_assert_cmpint(hbd_ttylock("/nonexistent-lockdir", "/dev/ttyS9",
				    &holder), ==, -ENOENT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ttylock/names", test_names);
	g_test_add_func("/ttylock/lock", test_lock);
	return g_test_run();
}
