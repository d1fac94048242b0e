/*
 * ctlclient.c - one request, one reply over hbd's control socket.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "ctlclient.h"

int
hbd_ctl_ask(const char *request, char **out)
{
	const char *path = g_getenv("HBD_CONTROL");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autofree char *line = g_strdup_printf("%s\n", request);
	char buf[4096], *nl;
	ssize_t n;
	int fd;

	if (path == NULL)
		path = HB_RUNDIR "/hbd.sock";
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(reply, buf, n);
	close(fd);
	nl = strchr(reply->str, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	*out = g_strdup(nl + 1);
	return atoi(reply->str);
}
