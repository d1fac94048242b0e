/*
 * ctlclient.c - one request, one reply over a control socket.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "ctlclient.h"

int
hbd_ctl_raw(const char *path, const char *request, int timeout_ms, char **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autofree char *line = g_strdup_printf("%s\n", request);
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	char buf[4096];
	ssize_t n;
	int fd, e = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		e = errno ? errno : EIO;
		close(fd);
		return -e;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		int rc;

		if (left <= 0) {
			e = ETIMEDOUT;
			break;
		}
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			e = rc == 0 ? ETIMEDOUT : errno;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (reply->len < HBD_CTL_MAXREPLY)
			g_string_append_len(reply, buf,
				MIN((size_t)n, HBD_CTL_MAXREPLY - reply->len));
	}
	close(fd);
	if (e != 0)
		return -e;
	*out = g_string_free(g_steal_pointer(&reply), FALSE);
	return 0;
}

int
hbd_ctl_ask(const char *request, char **out)
{
	const char *path = g_getenv("HBD_CONTROL");
	g_autofree char *reply = NULL;
	char *nl;

	if (path == NULL)
		path = HB_RUNDIR "/hbd.sock";
	if (hbd_ctl_raw(path, request, HBD_CTL_TIMEOUT_MS, &reply) != 0)
		return -1;
	nl = strchr(reply, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	*out = g_strdup(nl + 1);
	return atoi(reply);
}
