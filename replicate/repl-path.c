/*
 * repl-path.c - path checks for replicated names.
 *
 * Invariant: nothing the peer sends can name a file outside a configured
 * root: lexical checks reject absolute paths and "..", and the parent
 * walk uses openat(O_NOFOLLOW|O_DIRECTORY) so a symlink planted inside a
 * root cannot redirect a write: one openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) for the whole parent where the kernel has it, the
 * component walk otherwise and to create missing directories.  Logs
 * nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "repl-path.h"
#include "repl-proto.h"

gboolean
repl_name_skipped(const char *name)
{
	return name[0] == '.' && (!name[1] || !strcmp(name, "..") ||
				  !strncmp(name, ".replicate", 10));
}

gboolean
repl_path_valid(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > REPL_MAX_PATH || p[0] == '/')
		return FALSE;
	if (memchr(p, '\0', n))
		return FALSE;
	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j == i)
			return FALSE;	/* empty component: "//" or trailing / */
		if (j - i == 1 && p[i] == '.')
			return FALSE;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return FALSE;
		if (j - i >= 10 && memcmp(p + i, ".replicate", 10) == 0)
			return FALSE;
		if (j == n - 1)
			return FALSE;	/* trailing slash */
		i = j + 1;
	}
	return TRUE;
}

static gboolean at2_unavailable;

/* openat2 beneath rootfd, no symlink anywhere; -ENOSYS where it cannot be
 * used (old kernel, seccomp), -ELOOP for a symlink or file in the way. */
static int
open_at2(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (at2_unavailable)
		return -ENOSYS;
	fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOSYS:
	case EPERM:	/* a seccomp filter */
	case EINVAL:
	case E2BIG:
		at2_unavailable = TRUE;
		return -ENOSYS;
	case ENOTDIR:
	case ELOOP:
		return -ELOOP;	/* a component is a symlink or a file */
	default:
		return -errno;
	}
}

int
repl_path_open_file(int rootfd, const char *rel, int flags)
{
	const char *base;
	int pfd, fd = open_at2(rootfd, rel, flags | O_NOFOLLOW);

	if (fd != -ENOSYS)
		return fd;
	pfd = repl_path_open_parent(rootfd, rel, FALSE, &base);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base, flags | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	return fd < 0 ? -errno : fd;
}

/* The parent of rel in one call; -ENOSYS where openat2 cannot be used. */
static int
open_parent_at2(int rootfd, const char *rel, const char **out_base)
{
	const char *slash = strrchr(rel, '/');
	char dir[REPL_MAX_PATH + 1];
	size_t n;
	int fd;

	if (!slash)
		return -ENOSYS;
	n = slash - rel;
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, rel, n);
	dir[n] = '\0';
	fd = open_at2(rootfd, dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0)
		*out_base = slash + 1;
	return fd;
}

static guint64 dirs_made;

guint64
repl_path_dirs_made(void)
{
	return dirs_made;
}

int
repl_path_open_parent(int rootfd, const char *rel, gboolean create,
		      const char **out_base)
{
	int fd = open_parent_at2(rootfd, rel, out_base);
	const char *p = rel;

	if (fd >= 0 || (fd != -ENOSYS && !(fd == -ENOENT && create)))
		return fd;
	fd = dup(rootfd);

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
			dirs_made++;
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
