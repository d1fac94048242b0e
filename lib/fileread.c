/*
 * fileread.c - bounded whole-file read (fileread.h).
 *
 * Invariant: the buffer never holds more than max + 1 bytes (the spare
 * byte detects a file longer than max).  Logs nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileread.h"
#include "hb_err.h"

int
hb_file_read(const char *path, size_t max, int flags, char **out_buf,
	     size_t *out_len, struct stat *out_st, hb_diag *d)
{
	struct stat st;
	char *buf;
	size_t got = 0, cap;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		hb_diag_error(d, path, 0, "cannot open: %s", g_strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		hb_diag_error(d, path, 0, "cannot stat: %s", g_strerror(-rc));
		close(fd);
		return rc;
	}
	if ((flags & HB_READ_REGULAR) && !S_ISREG(st.st_mode)) {
		hb_diag_error(d, path, 0, "not a regular file");
		close(fd);
		return HB_ECONFIG;
	}
	if (S_ISREG(st.st_mode) && (guint64)st.st_size > max) {
		hb_diag_error(d, path, 0, "file is larger than %zu bytes", max);
		close(fd);
		return HB_ECONFIG;
	}
	/* a secret gets its whole buffer at once: never reallocated */
	cap = (flags & HB_READ_SECRET) ? max + 1 :
	      MIN(max + 1, S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 8192);
	buf = g_malloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (got == cap) {
			if (cap == max + 1)
				break;
			cap = MIN(max + 1, cap * 2);
			buf = g_realloc(buf, cap + 1);
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			hb_diag_error(d, path, 0, "cannot read: %s",
				      g_strerror(-rc));
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (rc == 0 && got > max) {
		hb_diag_error(d, path, 0, "file is larger than %zu bytes", max);
		rc = HB_ECONFIG;
	}
	if (rc != 0) {
		if (flags & HB_READ_SECRET)
			explicit_bzero(buf, cap + 1);
		g_free(buf);
		return rc;
	}
	buf[got] = '\0';
	*out_buf = buf;
	*out_len = got;
	if (out_st)
		*out_st = st;
	return 0;
}
