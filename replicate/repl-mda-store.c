/*
 * repl-mda-store.c - replicate-mda's own Maildir delivery, -b
 * (repl-mda-store.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include "repl-mda-io.h"
#include "repl-mda-store.h"

char *
mda_maildir_for(const char *base_dir, const char *local)
{
	g_autofree char *low = g_ascii_strdown(local, -1);
	g_autofree char *nd = NULL;
	struct stat st;

	for (int i = 0; low[i]; i++)
		if (!isalnum((unsigned char)low[i]) && !strchr("._-+", low[i]))
			return NULL;
	if (low[0] == '.')
		return NULL;
	nd = g_build_filename(base_dir, low, "new", NULL);
	if (stat(nd, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return g_build_filename(base_dir, low, NULL);
}

static int
deliver_one(const char *maildir, const GString *msg, const char *uniq)
{
	g_autofree char *tmp = g_strdup_printf("%s/tmp/%s", maildir, uniq);
	g_autofree char *dst = g_strdup_printf("%s/new/%s", maildir, uniq);
	g_autofree char *newd = g_strdup_printf("%s/new", maildir);
	struct stat st;
	int fd, dfd, rc = 0;

	if (stat(maildir, &st) != 0)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, msg->str, msg->len) != (ssize_t)msg->len ||
	    fchown(fd, st.st_uid, st.st_gid) != 0 || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	dfd = open(newd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void
mda_maildir_deliver(GPtrArray *rcpts, const GString *msg, const char *host)
{
	static unsigned counter;

	for (guint i = 0; i < rcpts->len; i++) {
		struct rcpt *r = rcpts->pdata[i];
		struct timeval tv;
		g_autofree char *uniq = NULL;
		int rc;

		if (!r->local)
			continue;
		gettimeofday(&tv, NULL);
		uniq = g_strdup_printf("%ld.M%ldP%dQ%u.%s", (long)tv.tv_sec,
				       (long)tv.tv_usec, (int)getpid(),
				       ++counter, host);
		rc = deliver_one(r->maildir, msg, uniq);
		if (rc != 0) {
			mda_log(LOG_ERR, "delivery to %s failed: %s",
				r->maildir, g_strerror(-rc));
			r->code = 451;
			r->text = g_strdup("451 4.3.0 local delivery failed");
		} else {
			r->code = 250;
			r->text = g_strdup("250 2.0.0 Ok");
		}
	}
}
