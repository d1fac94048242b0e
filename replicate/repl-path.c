/*
 * repl-path.c - path checks for replicated names.
 *
 * Invariant: nothing the peer sends can name a file outside a configured
 * root: lexical checks reject absolute paths and "..", and the parent
 * walk uses openat(O_NOFOLLOW|O_DIRECTORY) so a symlink planted inside a
 * root cannot redirect a write.  Logs nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repl-path.h"
#include "repl-proto.h"

bool
repl_path_valid(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > REPL_MAX_PATH || p[0] == '/')
		return false;
	if (memchr(p, '\0', n))
		return false;
	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j == i)
			return false;	/* empty component: "//" or trailing / */
		if (j - i == 1 && p[i] == '.')
			return false;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return false;
		if (j - i >= 10 && memcmp(p + i, ".replicate", 10) == 0)
			return false;
		if (j == n - 1)
			return false;	/* trailing slash */
		i = j + 1;
	}
	return true;
}

int
repl_path_open_parent(int rootfd, const char *rel, bool create,
		      const char **out_base)
{
	int fd = dup(rootfd);
	const char *p = rel;

	if (fd < 0)
		return -errno;
	for (;;) {
		const char *slash = strchr(p, '/');
		char comp[256];
		size_t n;
		int nfd;

		if (!slash)
			break;
		n = slash - p;
		if (n >= sizeof(comp)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = -errno;

				close(fd);
				return e;
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0) {
			int e = errno == ENOTDIR ? -ELOOP : -errno;

			close(fd);
			return e;
		}
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*out_base = p;
	return fd;
}
