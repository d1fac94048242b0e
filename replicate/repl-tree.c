/*
 * repl-tree.c - roots, wire paths, walks and temp files (repl-tree.h).
 *
 * Invariants: root and temp-directory fds stay open from repl_tree_open()
 * to repl_tree_close(); every open below a root goes through
 * repl_path_open_*() (no symlink followed).  Logs at err: a root that
 * cannot be opened.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "log.h"
#include "repl-path.h"
#include "repl-tree.h"

static struct {
	const struct repl_conf *conf;
	int rootfd[REPL_MAX_ROOTS];
	int tmpfd[REPL_MAX_ROOTS];
	guint64 tmp_counter;
} T;

void
repl_tree_tmp_name(char *name, size_t n)
{
	g_snprintf(name, n, "t%d.%" G_GUINT64_FORMAT, (int)getpid(),
		   ++T.tmp_counter);
}

static void
tmp_clean(int root)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(T.tmpfd[root]);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(T.tmpfd[root], de->d_name, 0);
	closedir(d);
}

int
repl_tree_open(const struct repl_conf *conf)
{
	T.conf = conf;
	for (int i = 0; i < REPL_MAX_ROOTS; i++)
		T.rootfd[i] = T.tmpfd[i] = -1;
	for (int i = 0; i < conf->nroots; i++) {
		T.rootfd[i] = open(conf->root_path[i], O_RDONLY | O_DIRECTORY |
				   O_CLOEXEC);
		if (T.rootfd[i] < 0 || (mkdirat(T.rootfd[i], ".replicate.tmp",
		    0700) < 0 && errno != EEXIST) ||
		    (T.tmpfd[i] = openat(T.rootfd[i], ".replicate.tmp",
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			int e = -errno;

			hb_log(LOG_ERR, "root '%s': %s", conf->root_path[i],
			       g_strerror(errno));
			return e;
		}
		tmp_clean(i);
	}
	return 0;
}

void
repl_tree_close(void)
{
	for (int i = 0; T.conf && i < T.conf->nroots; i++) {
		if (T.rootfd[i] >= 0)
			close(T.rootfd[i]);
		if (T.tmpfd[i] >= 0)
			close(T.tmpfd[i]);
		T.rootfd[i] = T.tmpfd[i] = -1;
	}
	T.conf = NULL;
}

int
repl_tree_nroots(void)
{
	return T.conf ? T.conf->nroots : 0;
}

const char *
repl_tree_root_name(int root)
{
	return T.conf->root_name[root];
}

int
repl_tree_rootfd(int root)
{
	return T.rootfd[root];
}

int
repl_tree_tmpfd(int root)
{
	return T.tmpfd[root];
}

int
repl_tree_sync_fds(int *fds, int max)
{
	dev_t devs[REPL_MAX_ROOTS];
	int n = 0;

	for (int i = 0; i < repl_tree_nroots() && n < max; i++) {
		struct stat st;
		gboolean seen = FALSE;

		if (fstat(T.tmpfd[i], &st) < 0)
			continue;
		for (int j = 0; j < n; j++)
			seen = seen || devs[j] == st.st_dev;
		if (!seen) {
			devs[n] = st.st_dev;
			fds[n++] = T.tmpfd[i];
		}
	}
	return n;
}

int
repl_tree_root_index(const char *w, size_t len, const char **out_rel)
{
	for (int i = 0; i < repl_tree_nroots(); i++) {
		size_t n = strlen(T.conf->root_name[i]);

		if (len >= n && !memcmp(w, T.conf->root_name[i], n) &&
		    (len == n || w[n] == '/')) {
			*out_rel = w + (len == n ? n : n + 1);
			return i;
		}
	}
	return HB_EMALFORMED;
}

char *
repl_tree_abs(const char *wire)
{
	const char *rel;
	int root = repl_tree_root_index(wire, strlen(wire), &rel);

	if (root < 0)
		return NULL;
	return *rel ? g_strconcat(T.conf->root_path[root], "/", rel, NULL) :
		      g_strdup(T.conf->root_path[root]);
}

int
repl_tree_open_wire(const char *wire, struct stat *out_st)
{
	const char *rel;
	int root = repl_tree_root_index(wire, strlen(wire), &rel);
	int fd;
	struct stat st;

	if (root < 0)
		return HB_EMALFORMED;
	fd = repl_path_open_file(T.rootfd[root], rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	*out_st = st;
	return fd;
}

static void
walk_dir(int dfd, const char *prefix, repl_walk_cb cb, void *user, int depth)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd);

	if (depth > 64 || fd < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		g_autofree char *w = NULL;

		if (repl_name_skipped(de->d_name))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		w = g_strconcat(prefix, "/", de->d_name, NULL);
		cb(w, &st, user);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				walk_dir(sub, w, cb, user, depth + 1);
				close(sub);
			}
		}
	}
	closedir(d);
}

void
repl_tree_walk(repl_walk_cb cb, void *user)
{
	for (int i = 0; i < repl_tree_nroots(); i++)
		walk_dir(T.rootfd[i], T.conf->root_name[i], cb, user, 0);
}

void
repl_tree_scan(const char *dir, int depth, gboolean files,
	       repl_scan_enter_fn enter, repl_scan_found_fn found, void *u)
{
	g_autofree char *abs = repl_tree_abs(dir);
	DIR *d;
	struct dirent *de;

	if (!abs || depth > 64 || (enter && !enter(dir, u)))
		return;
	if (!(d = opendir(abs)))
		return;
	while ((de = readdir(d))) {
		g_autofree char *w = NULL;
		struct stat st;

		if (repl_name_skipped(de->d_name))
			continue;
		if (de->d_type == DT_REG && !files)
			continue;
		if (de->d_type == DT_DIR)
			st.st_mode = S_IFDIR;
		else if (de->d_type == DT_REG)
			st.st_mode = S_IFREG;
		else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !(files && S_ISREG(st.st_mode)))
			continue;
		w = g_strconcat(dir, "/", de->d_name, NULL);
		found(w, S_ISDIR(st.st_mode), dirfd(d), de->d_name, u);
		if (S_ISDIR(st.st_mode))
			repl_tree_scan(w, depth + 1, files, enter, found, u);
	}
	closedir(d);
}

int
repl_tree_tmp_create(int root, char *name, size_t n)
{
	for (int i = 0; i < 100; i++) {
		int fd;

		repl_tree_tmp_name(name, n);
		fd = openat(T.tmpfd[root], name, O_RDWR | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

void
repl_tree_tmp_drop(int root, const char *name)
{
	if (name[0] != '\0')
		unlinkat(T.tmpfd[root], name, 0);
}

int
repl_tree_remove(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0 &&
		    (errno == EISDIR || errno == EPERM || errno == ENOTEMPTY))
			repl_tree_remove(fd, de->d_name);
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

void
repl_tree_rekey(GHashTable *t, const char *from, const char *to,
		void (*moved)(gpointer value, const char *key, void *u), void *u)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n = strlen(from);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *p = k;

		if (!strncmp(p, from, n) && (p[n] == '/' || p[n] == '\0'))
			g_ptr_array_add(keys, g_strdup(p));
	}
	for (guint i = 0; i < keys->len; i++) {
		const char *p = keys->pdata[i];
		char *np = g_strconcat(to, p + n, NULL);
		gpointer okey = NULL, val = NULL;

		g_hash_table_steal_extended(t, p, &okey, &val);
		g_free(okey);
		g_hash_table_insert(t, np, val);
		if (moved)
			moved(val, np, u);
	}
	g_ptr_array_free(keys, TRUE);
}
