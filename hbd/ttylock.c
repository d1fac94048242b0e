/*
 * ttylock.c - UUCP-style serial line locks (see ttylock.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "ttylock.h"

#define TTYLOCK_SKIP 5		/* strlen("/dev/"), skipped whatever it is */
#define TTYLOCK_MAXNAME 63
#define TTYLOCK_PIDLEN 11	/* "%10d\n" */

static char *
ttylock_name(const char *dev)
{
	GString *name = g_string_new(NULL);
	const char *p = dev;
	size_t i;

	for (i = 0; i < TTYLOCK_SKIP && *p != '\0'; i++)
		p++;
	for (; *p != '\0' && name->len < TTYLOCK_MAXNAME; p++)
		if (g_ascii_isalnum(*p))
			g_string_append_c(name, *p);
	return g_string_free(name, FALSE);
}

char *
hbd_ttylock_path(const char *lockdir, const char *dev)
{
	g_autofree char *name = ttylock_name(dev);

	return g_strdup_printf("%s/LCK..%s", lockdir, name);
}

/* The pid in an existing lock file: > 1, or 0 when stale or absent.  As
 * cluster-glue decides: not a number, pid 0 or 1, or no such process. */
static pid_t
ttylock_holder(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || pid <= 1 || pid > G_MAXINT)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	return (pid_t)pid;
}

int
hbd_ttylock_check(const char *lockdir, const char *dev, pid_t *out_holder)
{
	g_autofree char *path = hbd_ttylock_path(lockdir, dev);
	pid_t pid = ttylock_holder(path);

	if (pid == 0 || pid == getpid())
		return 0;
	*out_holder = pid;
	return -EBUSY;
}

int
hbd_ttylock(const char *lockdir, const char *dev, pid_t *out_holder)
{
	g_autofree char *name = ttylock_name(dev);
	g_autofree char *path = hbd_ttylock_path(lockdir, dev);
	g_autofree char *tmp = g_strdup_printf("%s/tmp%d-%s", lockdir,
					       (int)getpid(), name);
	char text[TTYLOCK_PIDLEN + 1];
	struct stat st;
	pid_t pid;
	int fd, rc, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		pid = ttylock_holder(path);
		if (pid == getpid())
			return 0;
		if (pid != 0) {
			*out_holder = pid;
			return -EBUSY;
		}
		/* absent or stale: a stale one goes */
		if (unlink(path) != 0 && errno != ENOENT)
			return -errno;
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		snprintf(text, sizeof(text), "%10d\n", (int)getpid());
		if (write(fd, text, TTYLOCK_PIDLEN) != TTYLOCK_PIDLEN) {
			rc = errno ? -errno : -EIO;
			close(fd);
			unlink(tmp);
			return rc;
		}
		close(fd);
		rc = link(tmp, path) == 0 ? 0 : -errno;
		if (rc == 0 && (stat(tmp, &st) != 0 || st.st_nlink != 2))
			rc = -EAGAIN;
		unlink(tmp);
		if (rc == 0)
			return 0;
		if (rc != -EEXIST)
			return rc;
		/* someone else linked first: look again at who holds it */
	}
	pid = ttylock_holder(path);
	if (pid == 0)
		return -EAGAIN;
	*out_holder = pid;
	return -EBUSY;
}

void
hbd_ttyunlock(const char *lockdir, const char *dev)
{
	g_autofree char *path = hbd_ttylock_path(lockdir, dev);

	if (ttylock_holder(path) == getpid())
		unlink(path);
}
