/*
 * meatware.c - the "meatware" STONITH plugin: a human fences the host and
 * confirms with a command.
 *
 * reset/on/off HOST creates the FIFO DIR/meatware.HOST (DIR is /run, or
 * $HB_MEATWARE_DIR for tests), prints an operator request on stderr and
 * waits, at most the operation timeout, for the line "meatware reply HOST"
 * in the FIFO.  That is what cluster-glue's "meatclient -c HOST" writes, so
 * the familiar command confirms; so does
 *   echo "meatware reply HOST" > /run/meatware.HOST
 * Anything else read from the FIFO is ignored.  The FIFO is removed when
 * the wait ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins.h"

static const stonith_param_spec meat_params[] = {
	{ "hostlist", TRUE, "hosts an operator can power-cycle" },
	{ NULL, FALSE, NULL },
};

static int
meat_hosts(stonith_dev *d, GPtrArray *out)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++) {
		if (strchr(h->pdata[i], '/') != NULL ||
		    ((char *)h->pdata[i])[0] == '.') {
			stonith_dev_set_err(d, "meatware: bad host name "
					    "\"%s\"", (char *)h->pdata[i]);
			return S_BADCONFIG;
		}
		g_ptr_array_add(out, g_strdup(h->pdata[i]));
	}
	return S_OK;
}

static int
meat_status(stonith_dev *d)
{
	return S_OK;
}

/* TRUE when buf holds "meatware reply HOST" (NULs, CR/LF tolerated). */
static gboolean
meat_is_reply(const char *buf, size_t len, const char *host)
{
	g_autofree char *want = g_strconcat("meatware reply ", host, NULL);
	g_autofree char *got = g_strndup(buf, len);	/* stops at NUL */

	g_strchomp(got);
	return g_ascii_strcasecmp(got, want) == 0;
}

static int
meat_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	const char *dir = g_getenv("HB_MEATWARE_DIR");
	g_autofree char *path = NULL;
	gint64 end = g_get_monotonic_time() + (gint64)d->timeout_ms * 1000;
	int rfd, wfd, rc = S_TIMEOUT;
	char buf[256];

	path = g_strdup_printf("%s/meatware.%s", dir ? dir : "/run", host);
	unlink(path);
	if (mkfifo(path, 0600) != 0) {
		stonith_dev_set_err(d, "meatware: cannot create %s: %s", path,
				    g_strerror(errno));
		return S_OOPS;
	}
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* our own writer keeps poll() from reporting HUP between clients */
	wfd = rfd < 0 ? -1 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (rfd < 0 || wfd < 0) {
		stonith_dev_set_err(d, "meatware: cannot open %s: %s", path,
				    g_strerror(errno));
		if (rfd >= 0)
			close(rfd);
		unlink(path);
		return S_OOPS;
	}
	fprintf(stderr, "STONITH: OPERATOR INTERVENTION REQUIRED to %s "
		"node %s.\nSTONITH: Run \"meatclient -c %s\" AFTER power-"
		"cycling the machine.\n", stonith_op_name(op), host, host);
	fflush(stderr);
	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)MIN(left, 1000)) <= 0)
			continue;
		n = read(rfd, buf, sizeof(buf));
		if (n > 0 && meat_is_reply(buf, (size_t)n, host)) {
			rc = S_OK;
			break;
		}
	}
	close(wfd);
	close(rfd);
	unlink(path);
	if (rc == S_TIMEOUT)
		stonith_dev_set_err(d, "meatware: no operator confirmation "
				    "for %s in %u ms", host, d->timeout_ms);
	return rc;
}

const stonith_ops stonith_meatware_ops = {
	.name = "meatware",
	.descr = "asks an operator to power-cycle the host (meatclient)",
	.default_timeout_ms = 3600000,
	.params = meat_params,
	.hosts = meat_hosts,
	.status = meat_status,
	.op = meat_op,
};
