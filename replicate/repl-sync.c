/*
 * repl-sync.c - syncfs() in a helper process, so the main loop never
 * waits for the disk while data keeps arriving.
 *
 * Protocol on a socketpair: the daemon writes one byte per request: 'S',
 * the helper calls syncfs() on each fd it was given at start; 'F' with up
 * to REPL_SYNC_MAX_FDS fds attached (SCM_RIGHTS), it starts the writeback
 * of every one (so one journal commit can take them all), then fsync()s
 * and closes each.  It answers 'K' (all succeeded) or 'E' (one failed:
 * the daemon logs it).  The helper exits
 * when the daemon's end closes (or, by PR_SET_PDEATHSIG, when it dies).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib-unix.h>

#include "log.h"
#include "repl-conf.h"
#include "repl-sync.h"

static struct {
	int fd;			/* our end; -1 without a helper */
	pid_t pid;
	guint watch;
	guint idle;		/* completion of an in-process sync */
	gboolean busy;
	repl_sync_done_fn done;
	int fds[REPL_MAX_ROOTS];
	int n;
} Y = { .fd = -1 };

static gboolean
sync_all(void)
{
	gboolean ok = TRUE;

	for (int i = 0; i < Y.n; i++)
		if (syncfs(Y.fds[i]) < 0)
			ok = FALSE;
	return ok;
}

/* fsync each of fds; FALSE when one failed. */
static gboolean
fsync_all(const int *fds, int n)
{
	gboolean ok = TRUE;

	/* start every writeback first: on ext4 the first fsync's journal
	 * commit then carries the others' block allocations, and their
	 * fsyncs find their inodes already committed */
	for (int i = 0; i < n; i++)
		(void)sync_file_range(fds[i], 0, 0, SYNC_FILE_RANGE_WRITE);
	for (int i = 0; i < n; i++)
		if (fsync(fds[i]) < 0)
			ok = FALSE;
	return ok;
}

/* One request byte and the fds that came with it (*n: how many). */
static ssize_t
recv_request(int sock, char *c, int *fds, int *n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * REPL_SYNC_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);

	*n = 0;
	if (r <= 0)
		return r;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		int k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		k = MIN(k, REPL_SYNC_MAX_FDS - *n);
		memcpy(fds + *n, CMSG_DATA(h), k * sizeof(int));
		*n += k;
	}
	return r;
}

static G_NORETURN void
helper(int sock, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (;;) {
		char c;
		int fds[REPL_SYNC_MAX_FDS], n;
		ssize_t r = recv_request(sock, &c, fds, &n);

		if (r == 0)
			_exit(0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (c == 'F') {
			c = fsync_all(fds, n) ? 'K' : 'E';
			for (int i = 0; i < n; i++)
				close(fds[i]);
		} else {
			c = sync_all() ? 'K' : 'E';
		}
		while (write(sock, &c, 1) < 0)
			if (errno != EINTR)
				_exit(1);
	}
}

static void
complete(char answer)
{
	repl_sync_done_fn done = Y.done;

	if (answer == 'E')
		hb_log(LOG_ERR, "syncfs or fsync failed on a replicated file "
		       "system: an I/O error; what was written may not be on disk");
	Y.busy = FALSE;
	Y.done = NULL;
	if (done)
		done();
}

static void
helper_lost(void)
{
	if (Y.watch)
		g_source_remove(Y.watch);
	Y.watch = 0;
	close(Y.fd);
	Y.fd = -1;
	if (Y.pid > 0)
		waitpid(Y.pid, NULL, WNOHANG);
	Y.pid = 0;
	hb_log(LOG_ERR, "sync helper gone: syncing in the daemon itself");
}

/* A reply is read here or by repl_sync_wait(), whichever comes first. */
static int
read_reply(char *out)
{
	ssize_t r;

	do
		r = read(Y.fd, out, 1);
	while (r < 0 && errno == EINTR);
	if (r == 1)
		return 1;
	if (r < 0 && errno == EAGAIN)
		return 0;
	return -1;
}

static gboolean
reply_cb(int fd, GIOCondition cond, gpointer data)
{
	char c;
	int r = read_reply(&c);

	(void)fd; (void)cond; (void)data;
	if (r == 0)	/* (stale readiness: repl_sync_wait() took it) */
		return G_SOURCE_CONTINUE;
	if (r < 0) {
		Y.watch = 0;
		helper_lost();
		if (Y.busy)
			complete(sync_all() ? 'K' : 'E');
		return G_SOURCE_REMOVE;
	}
	if (Y.busy)
		complete(c);
	return G_SOURCE_CONTINUE;
}

void
repl_sync_start(const int *fds, int n)
{
	int sv[2];
	pid_t parent = getpid();

	Y.n = MIN(n, REPL_MAX_ROOTS);
	memcpy(Y.fds, fds, Y.n * sizeof(int));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	Y.pid = fork();
	if (Y.pid < 0) {
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (Y.pid == 0) {
		close(sv[0]);
		helper(sv[1], parent);
	}
	close(sv[1]);
	Y.fd = sv[0];
	g_unix_set_fd_nonblocking(Y.fd, TRUE, NULL);
	Y.watch = g_unix_fd_add(Y.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, reply_cb,
				NULL);
	return;
fail:
	hb_log(LOG_ERR, "cannot start the sync helper (%s): syncing in the "
	       "daemon itself", g_strerror(errno));
}

void
repl_sync_stop(void)
{
	repl_sync_wait();
	if (Y.fd < 0)
		return;
	g_source_remove(Y.watch);
	Y.watch = 0;
	close(Y.fd);	/* the helper reads EOF and exits */
	Y.fd = -1;
	waitpid(Y.pid, NULL, 0);
	Y.pid = 0;
}

gboolean
repl_sync_busy(void)
{
	return Y.busy;
}

static gboolean
idle_done_cb(gpointer data)
{
	(void)data;
	Y.idle = 0;
	complete('K');
	return G_SOURCE_REMOVE;
}

/* Send request c with fds (n of them) to the helper; FALSE: it is gone. */
static gboolean
send_request(char c, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * REPL_SYNC_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (n > 0) {
		struct cmsghdr *h;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(h), fds, sizeof(int) * n);
	}
	do
		r = sendmsg(Y.fd, &m, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

static void
request(repl_sync_done_fn done, char c, const int *fds, int n)
{
	g_return_if_fail(!Y.busy);
	Y.busy = TRUE;
	Y.done = done;
	if (Y.fd >= 0) {
		if (send_request(c, fds, n))
			return;
		helper_lost();
	}
	if (!(c == 'F' ? fsync_all(fds, n) : sync_all()))
		hb_log(LOG_ERR, "%s failed on a replicated file system: "
		       "an I/O error; what was written may not be on disk",
		       c == 'F' ? "fsync" : "syncfs");
	Y.idle = g_idle_add(idle_done_cb, NULL);
}

void
repl_sync_request(repl_sync_done_fn done)
{
	request(done, 'S', NULL, 0);
}

void
repl_sync_request_fds(repl_sync_done_fn done, const int *fds, int n)
{
	g_return_if_fail(n >= 0 && n <= REPL_SYNC_MAX_FDS);
	request(done, 'F', fds, n);
}

void
repl_sync_poll(void)
{
	char c;

	if (Y.busy && Y.fd >= 0 && read_reply(&c) == 1)
		complete(c);
}

void
repl_sync_wait(void)
{
	char c;

	if (!Y.busy)
		return;
	if (Y.idle) {
		g_source_remove(Y.idle);
		Y.idle = 0;
		complete('K');
		return;
	}
	for (;;) {
		struct pollfd p = { .fd = Y.fd, .events = POLLIN };
		int r = read_reply(&c);

		if (r == 1) {
			complete(c);
			return;
		}
		if (r < 0)
			break;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
	}
	helper_lost();
	complete(sync_all() ? 'K' : 'E');
}

void
repl_sync_now(void)
{
	if (!sync_all())
		hb_log(LOG_ERR, "syncfs failed on a replicated file system: "
		       "an I/O error; what was written may not be on disk");
}
