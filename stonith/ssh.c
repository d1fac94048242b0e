/*
 * ssh.c - the "ssh" STONITH plugin: reboots a host by running a command
 * on it over ssh (key-based, never a password prompt), then checks that
 * the host really went away.
 *
 * Parameters: hostlist (required), and optionally user (root), port (22),
 * ssh_options (extra ssh arguments, shell-quoted), reboot_command (run on
 * the host; default an immediate "reboot -nf" in the background) and
 * down_wait (seconds to wait for the host's sshd to stop answering,
 * default 15).  Success needs both: the command was delivered (ssh exit 0,
 * or 255 when the connection died under it) and the host's ssh port stops
 * accepting connections within down_wait.  "on" and "off" are not
 * possible over ssh (S_INVAL).  status: every host's ssh port accepts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plugins.h"

#define SSH_DEFAULT_REBOOT \
	"(sleep 1; /sbin/reboot -nf) </dev/null >/dev/null 2>&1 &"
#define SSH_CONNECT_MS 1000
#define SSH_POLL_MS 250

static const stonith_param_spec ssh_params[] = {
	{ "hostlist", TRUE, "hosts to reboot (blank or comma separated)" },
	{ "user", FALSE, "remote user (default root)" },
	{ "port", FALSE, "sshd port (default 22)" },
	{ "ssh_options", FALSE, "extra ssh arguments, e.g. \"-i KEY\"" },
	{ "reboot_command", FALSE, "command run on the host" },
	{ "down_wait", FALSE, "seconds for the host to go away (15)" },
	{ NULL, FALSE, NULL },
};

static int
ssh_port(stonith_dev *d)
{
	const char *p = stonith_dev_get(d, "port");

	return p ? atoi(p) : 22;
}

static int
ssh_check(stonith_dev *d)
{
	const char *p = stonith_dev_get(d, "port");
	const char *w = stonith_dev_get(d, "down_wait");
	const char *o = stonith_dev_get(d, "ssh_options");
	g_auto(GStrv) argv = NULL;
	char *end;
	long v;

	if (p != NULL) {
		v = strtol(p, &end, 10);
		if (*end != '\0' || v < 1 || v > 65535) {
			stonith_dev_set_err(d, "ssh: bad port \"%s\"", p);
			return S_BADCONFIG;
		}
	}
	if (w != NULL) {
		v = strtol(w, &end, 10);
		if (*end != '\0' || v < 1 || v > 3600) {
			stonith_dev_set_err(d, "ssh: bad down_wait \"%s\" "
					    "(1..3600 s)", w);
			return S_BADCONFIG;
		}
	}
	if (o != NULL && !g_shell_parse_argv(o, NULL, &argv, NULL)) {
		stonith_dev_set_err(d, "ssh: cannot parse ssh_options \"%s\"",
				    o);
		return S_BADCONFIG;
	}
	return S_OK;
}

static int
ssh_hosts(stonith_dev *d, GPtrArray *out)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++)
		g_ptr_array_add(out, g_strdup(h->pdata[i]));
	return S_OK;
}

/* TRUE when a TCP connection to host:port is accepted in SSH_CONNECT_MS. */
static gboolean
ssh_port_open(const char *host, int port)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char serv[16];
	gboolean open_ = FALSE;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	g_snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(host, serv, &hints, &res) != 0)
		return FALSE;
	for (ai = res; ai != NULL && !open_; ai = ai->ai_next) {
		struct pollfd pfd;
		int fd, err = 0;
		socklen_t el = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			open_ = TRUE;
		} else if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, SSH_CONNECT_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				       &el) == 0 && err == 0)
				open_ = TRUE;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return open_;
}

static int
ssh_status(stonith_dev *d)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++)
		if (!ssh_port_open(h->pdata[i], ssh_port(d))) {
			stonith_dev_set_err(d, "ssh: %s port %d does not "
					    "accept connections",
					    (char *)h->pdata[i], ssh_port(d));
			return S_ACCESS;
		}
	return S_OK;
}

static int
ssh_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	const char *user = stonith_dev_get(d, "user");
	const char *opts = stonith_dev_get(d, "ssh_options");
	const char *cmd = stonith_dev_get(d, "reboot_command");
	const char *w = stonith_dev_get(d, "down_wait");
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) extra = NULL;
	gint64 deadline;
	int rc, status, i;

	if (op != STONITH_RESET) {
		stonith_dev_set_err(d, "ssh: cannot power %s over ssh",
				    stonith_op_name(op));
		return S_INVAL;
	}
	g_ptr_array_add(argv, g_strdup("ssh"));
	g_ptr_array_add(argv, g_strdup("-q"));
	g_ptr_array_add(argv, g_strdup("-x"));
	g_ptr_array_add(argv, g_strdup("-n"));
	g_ptr_array_add(argv, g_strdup("-oBatchMode=yes"));
	g_ptr_array_add(argv, g_strdup("-oPasswordAuthentication=no"));
	g_ptr_array_add(argv, g_strdup("-oStrictHostKeyChecking=no"));
	g_ptr_array_add(argv, g_strdup("-oConnectTimeout=5"));
	g_ptr_array_add(argv, g_strdup_printf("-p%d", ssh_port(d)));
	g_ptr_array_add(argv, g_strdup_printf("-l%s", user ? user : "root"));
	if (opts != NULL && g_shell_parse_argv(opts, NULL, &extra, NULL))
		for (i = 0; extra[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, g_strdup("--"));
	g_ptr_array_add(argv, g_strdup(host));
	g_ptr_array_add(argv, g_strdup(cmd ? cmd : SSH_DEFAULT_REBOOT));
	g_ptr_array_add(argv, NULL);

	deadline = g_get_monotonic_time() +
		   (gint64)d->timeout_ms * 1000;
	rc = stonith_run((char **)argv->pdata, NULL, d->timeout_ms, NULL,
			 &status);
	if (rc == -ETIMEDOUT) {
		stonith_dev_set_err(d, "ssh %s: no answer in %u ms", host,
				    d->timeout_ms);
		return S_TIMEOUT;
	}
	if (rc != 0) {
		stonith_dev_set_err(d, "cannot run ssh: %s", g_strerror(-rc));
		return S_OOPS;
	}
	if (status != 0 && status != 255) {
		stonith_dev_set_err(d, "ssh %s: the reboot command exited "
				    "with %d", host, status);
		return S_RESETFAIL;
	}
	/* 255 is also "could not log in": the host-down check decides */
	{
		gint64 wait_us = (gint64)(w ? atoi(w) : 15) * G_USEC_PER_SEC;
		gint64 end = g_get_monotonic_time() + wait_us;

		if (end > deadline)
			end = deadline;
		for (;;) {
			if (!ssh_port_open(host, ssh_port(d)))
				return S_OK;
			if (g_get_monotonic_time() >= end)
				break;
			g_usleep(SSH_POLL_MS * 1000);
		}
	}
	stonith_dev_set_err(d, "ssh %s: %s, but the host still accepts "
			    "connections on port %d", host,
			    status == 255 ? "ssh failed (exit 255)" :
			    "the reboot command ran", ssh_port(d));
	return S_RESETFAIL;
}

const stonith_ops stonith_ssh_ops = {
	.name = "ssh",
	.descr = "reboots hosts over ssh and checks they went down",
	.default_timeout_ms = 60000,
	.params = ssh_params,
	.check = ssh_check,
	.hosts = ssh_hosts,
	.status = ssh_status,
	.op = ssh_op,
};
