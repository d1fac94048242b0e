/*
 * ctlsock.c - line-protocol control socket, server and client
 * (ctlsock.h).
 *
 * Invariants: every accepted client holds one fd, one watch until its
 * line is read, and one timer until then; a client is freed exactly once
 * (by its reply, its timeout, its hang-up or the server's free).
 * Library code: logs at debug only.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

#include "ctlsock.h"
#include "log.h"

#define CTL_TIMEOUT_MS 2000

struct hb_ctl_server {
	char *path;
	int fd;
	guint watch;
	struct hb_ctl_limits lim;
	hb_ctl_request_fn fn;
	void *ud;
	GList *clients;
};

struct hb_ctl_client {
	hb_ctl_server *srv;
	int fd;
	guint watch, timer;
	GString *line;
};

static void
client_free(hb_ctl_client *cl)
{
	if (cl->watch)
		g_source_remove(cl->watch);
	if (cl->timer)
		g_source_remove(cl->timer);
	close(cl->fd);
	g_string_free(cl->line, TRUE);
	cl->srv->clients = g_list_remove(cl->srv->clients, cl);
	g_free(cl);
}

static void
client_send(int fd, const char *p, size_t left)
{
	/* Replies are small; a client that does not read is dropped. */
	while (left > 0) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n <= 0) {
			hb_debug("%s: reply cut short: %s", __func__,
				 n < 0 ? g_strerror(errno) : "closed");
			break;
		}
		p += n;
		left -= n;
	}
}

void
hb_ctl_client_reply(hb_ctl_client *cl, const char *text)
{
	client_send(cl->fd, text, strlen(text));
	client_free(cl);
}

static gboolean
client_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	hb_ctl_client *cl = data;
	hb_ctl_server *s = cl->srv;
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	char *nl;

	(void)cond;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		cl->watch = 0;
		client_free(cl);
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(cl->line, buf, n);
	nl = memchr(cl->line->str, '\n', cl->line->len);
	if (nl == NULL && cl->line->len <= s->lim.max_line)
		return G_SOURCE_CONTINUE;
	if (nl != NULL)
		g_string_truncate(cl->line, nl - cl->line->str);
	/* the line is in: the request callback owns the client now */
	cl->watch = 0;
	g_source_remove(cl->timer);
	cl->timer = 0;
	if (cl->line->len > s->lim.max_line)
		hb_ctl_client_reply(cl, s->lim.too_long);
	else
		s->fn(cl, cl->line->str, s->ud);
	return G_SOURCE_REMOVE;
}

static gboolean
client_timeout_cb(gpointer data)
{
	hb_ctl_client *cl = data;

	cl->timer = 0;
	client_free(cl);
	return G_SOURCE_REMOVE;
}

static gboolean
accept_cb(int fd, GIOCondition cond, gpointer data)
{
	hb_ctl_server *s = data;
	hb_ctl_client *cl;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)cond;
	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	if (g_list_length(s->clients) >= s->lim.max_clients) {
		hb_debug("%s: '%s': too many clients", __func__, s->path);
		close(cfd);
		return G_SOURCE_CONTINUE;
	}
	cl = g_new0(hb_ctl_client, 1);
	cl->srv = s;
	cl->fd = cfd;
	cl->line = g_string_new(NULL);
	s->clients = g_list_prepend(s->clients, cl);
	cl->watch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP, client_readable_cb,
				  cl);
	cl->timer = g_timeout_add(CTL_TIMEOUT_MS, client_timeout_cb, cl);
	return G_SOURCE_CONTINUE;
}

int
hb_ctl_server_new(const char *path, mode_t mode,
		  const struct hb_ctl_limits *lim, hb_ctl_request_fn fn,
		  void *ud, hb_ctl_server **out, char **out_err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	hb_ctl_server *s;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		*out_err = g_strdup_printf("control socket path too long: %s",
					   path);
		return -ENAMETOOLONG;
	}
	g_mkdir_with_parents(dir, 0755);
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;

		*out_err = g_strdup_printf("control socket %s: %s", path,
					   g_strerror(e));
		return -e;
	}
	/* bound and listening under a temporary name, then renamed into
	 * place: a client that finds the path always finds it listening
	 * (bound at the path itself, a connect between bind() and listen()
	 * was refused) */
	g_autofree char *tmp = g_strdup_printf("%s.%d", path, (int)getpid());
	const char *at = strlen(tmp) < sizeof(sun.sun_path) ? tmp : path;

	g_strlcpy(sun.sun_path, at, sizeof(sun.sun_path));
	unlink(at);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(at, mode) != 0 || listen(fd, 64) != 0 ||
	    (at != path && rename(at, path) != 0)) {
		int e = errno;

		*out_err = g_strdup_printf("control socket %s: %s", path,
					   g_strerror(e));
		if (at != path)
			unlink(at);
		close(fd);
		return -e;
	}
	s = g_new0(hb_ctl_server, 1);
	s->path = g_strdup(path);
	s->fd = fd;
	s->lim = *lim;
	s->fn = fn;
	s->ud = ud;
	s->watch = g_unix_fd_add(fd, G_IO_IN, accept_cb, s);
	*out = s;
	return 0;
}

void
hb_ctl_server_free(hb_ctl_server *s)
{
	if (s == NULL)
		return;
	while (s->clients)
		client_free(s->clients->data);
	g_source_remove(s->watch);
	close(s->fd);
	unlink(s->path);
	g_free(s->path);
	g_free(s);
}

int
hb_ctl_ask(const char *path, const char *request, int timeout_ms,
	   size_t max_reply, char **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autofree char *line = g_strconcat(request, "\n", NULL);
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	char buf[4096];
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		e = -errno;
		close(fd);
		return e ? e : -EIO;
	}
	while (reply->len < max_reply) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = -1;
		ssize_t n;

		if (timeout_ms >= 0) {
			gint64 left = (end - g_get_monotonic_time()) / 1000;
			int rc = left > 0 ? poll(&p, 1, left) : 0;

			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0) {
				e = rc == 0 ? ETIMEDOUT : errno;
				close(fd);
				return -e;
			}
		} else if (poll(&p, 1, wait) < 0 && errno != EINTR) {
			break;
		}
		n = read(fd, buf, MIN(sizeof(buf), max_reply - reply->len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		g_string_append_len(reply, buf, n);
	}
	close(fd);
	*out = g_string_free(g_steal_pointer(&reply), FALSE);
	return 0;
}
