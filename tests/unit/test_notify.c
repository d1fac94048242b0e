/* test_notify.c - hb_notify(): the sd_notify datagram, path and abstract
 * sockets, no $NOTIFY_SOCKET, bad values. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "notify.h"

/* A datagram socket bound to name (a path, or "@..." abstract). */
static int
listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, len), ==, 0);
	return fd;
}

static void
expect(int fd, const char *want)
{
	char buf[128];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	g_assert_cmpint(n, >, 0);
	buf[n] = '\0';
	g_assert_cmpstr(buf, ==, want);
}

static void
test_path(void)
{
	g_autofree char *dir = g_dir_make_tmp("notifyXXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "n.sock", NULL);
	int fd = listener(path);

	g_setenv("NOTIFY_SOCKET", path, TRUE);
	g_assert_cmpint(hb_notify("READY=1"), ==, 0);
	expect(fd, "READY=1");
	g_assert_cmpint(hb_notify("STOPPING=1"), ==, 0);
	expect(fd, "STOPPING=1");
	close(fd);
	unlink(path);
	/* nobody listening any more: the error is returned, nothing blocks */
	g_assert_cmpint(hb_notify("READY=1"), ==, -ENOENT);
	rmdir(dir);
}

static void
test_abstract(void)
{
	g_autofree char *name = g_strdup_printf("@hbd-test-notify-%d", (int)getpid());
	int fd = listener(name);

	g_setenv("NOTIFY_SOCKET", name, TRUE);
	g_assert_cmpint(hb_notify("READY=1"), ==, 0);
	expect(fd, "READY=1");
	close(fd);
}

static void
test_unset_and_bad(void)
{
	g_unsetenv("NOTIFY_SOCKET");
	g_assert_cmpint(hb_notify("READY=1"), ==, 0);	/* not under systemd */
	g_setenv("NOTIFY_SOCKET", "", TRUE);
	g_assert_cmpint(hb_notify("READY=1"), ==, 0);
	g_setenv("NOTIFY_SOCKET", "relative/path", TRUE);
	g_assert_cmpint(hb_notify("READY=1"), ==, -EINVAL);
	{
		g_autofree char *longp = g_strnfill(200, 'x');

		longp[0] = '/';
		g_setenv("NOTIFY_SOCKET", longp, TRUE);
		g_assert_cmpint(hb_notify("READY=1"), ==, -EINVAL);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/notify/path", test_path);
	g_test_add_func("/notify/abstract", test_abstract);
	g_test_add_func("/notify/unset-and-bad", test_unset_and_bad);
	return g_test_run();
}
