/*
 * test_repl_apply.c - the replica's group commit against a recording sync
 * helper: what each sync covers, and that the durable position (what the
 * replica ACKs) never runs ahead of it.
 *
 * The real helper (repl-sync.c) is replaced by the functions below: a
 * request is recorded - a syncfs() of everything, or the inodes (device,
 * inode) of the fds an fsync request names - and completes when the test
 * says so.  The test then checks, step by step, that a file appears under
 * its name only after a completed sync covered its inode, and that the
 * position reaches an operation only after a completed sync, begun after
 * it, covered the directories (or file) it changed.  Without power loss
 * this cannot show that the kernel keeps fsync()'s promise; it shows
 * that the daemon asks for the right syncs in the right order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "repl-apply.h"
#include "repl-conf.h"
#include "repl-proto.h"
#include "repl-sync.h"
#include "repl-tree.h"

/* ---- the recording sync helper ---- */

static struct {
	gboolean busy;
	gboolean all;		/* syncfs() request */
	GArray *ino;		/* (dev << 32 ^ ino) of each fd of an fsync request */
	repl_sync_done_fn done;
	int requests, full;
} F;

static guint64
key_of(const struct stat *st)
{
	return ((guint64)st->st_dev << 40) ^ (guint64)st->st_ino;
}

void repl_sync_start(const int *fds, int n) { (void)fds; (void)n; }
void repl_sync_stop(void) {}
gboolean repl_sync_busy(void) { return F.busy; }
void repl_sync_poll(void) {}
void repl_sync_now(void) {}

void
repl_sync_request(repl_sync_done_fn done)
{
	g_assert_false(F.busy);
	F.busy = TRUE;
	F.all = TRUE;
	F.done = done;
	g_array_set_size(F.ino, 0);
	F.requests++;
	F.full++;
}

void
repl_sync_request_fds(repl_sync_done_fn done, const int *fds, int n)
{
	g_assert_false(F.busy);
	g_assert_cmpint(n, <=, REPL_SYNC_MAX_FDS);
	F.busy = TRUE;
	F.all = FALSE;
	F.done = done;
	g_array_set_size(F.ino, 0);
	for (int i = 0; i < n; i++) {
		struct stat st;
		guint64 k;

		g_assert_cmpint(fstat(fds[i], &st), ==, 0);
		k = key_of(&st);
		g_array_append_val(F.ino, k);
	}
	F.requests++;
}

static void
complete(void)
{
	repl_sync_done_fn d = F.done;

	g_assert_true(F.busy);
	F.busy = FALSE;
	F.done = NULL;
	d();
}

void
repl_sync_wait(void)
{
	if (F.busy)
		complete();
}

/* ---- helpers ---- */

static char *top;
static struct repl_conf conf;

static guint64
key_path(const char *rel)
{
	g_autofree char *p = g_build_filename(top, rel, NULL);
	struct stat st;

	g_assert_cmpint(lstat(p, &st), ==, 0);
	return key_of(&st);
}

static gboolean
exists(const char *rel)
{
	g_autofree char *p = g_build_filename(top, rel, NULL);
	struct stat st;

	return lstat(p, &st) == 0;
}

/* Does the request in flight cover the inode with key k? */
static gboolean
covers(guint64 k)
{
	g_assert_true(F.busy);
	if (F.all)
		return TRUE;
	for (guint i = 0; i < F.ino->len; i++)
		if (g_array_index(F.ino, guint64, i) == k)
			return TRUE;
	return FALSE;
}

static void
apply(const struct repl_frame *f)
{
	char *err = NULL;

	if (repl_apply_frame(f, &err) != 0)
		g_error("apply: %s", err);
}

static void
deliver(guint64 seq, const char *wire, const char *text)
{
	struct repl_frame d = { .type = REPL_DATA, .seq = seq, .path = wire,
		.path_len = strlen(wire), .mode = 0640,
		.data = (const guint8 *)text, .data_len = strlen(text) };
	struct repl_frame c = { .type = REPL_COMMIT, .seq = seq, .path = wire,
		.path_len = strlen(wire), .mode = 0640, .size = strlen(text),
		.mtime_ns = 1000000000 };

	apply(&d);
	apply(&c);
}

static void
op(guint8 type, guint64 seq, const char *p, const char *p2)
{
	struct repl_frame f = { .type = type, .seq = seq, .path = p,
		.path_len = strlen(p), .path2 = p2,
		.path2_len = p2 ? strlen(p2) : 0, .mode = 0750,
		.mtime_ns = 2000000000 };

	apply(&f);
}

static void
teardown(void)
{
	g_autofree char *cmd = NULL;

	if (F.busy)
		complete();
	(void)repl_apply_flush_now();
	repl_tree_close();
	cmd = g_strdup_printf("rm -rf '%s'", top);
	g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL));
	g_clear_pointer(&top, g_free);
	g_clear_pointer(&F.ino, g_array_unref);
}

static void
setup(void)
{
	static const char *const dirs[] = { "a", "a/new", "b", "b/cur", NULL };

	top = g_dir_make_tmp("replapply.XXXXXX", NULL);
	g_assert_nonnull(top);
	for (int i = 0; dirs[i]; i++) {
		g_autofree char *p = g_build_filename(top, dirs[i], NULL);

		g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
	}
	conf.nroots = 1;
	conf.root_name[0] = (char *)"m";
	conf.root_path[0] = top;
	g_assert_cmpint(repl_tree_open(&conf), ==, 0);
	F.ino = g_array_new(FALSE, FALSE, sizeof(guint64));
	/* the fsync path wherever a group may take it (the default picks
	 * the quicker kind by measured times) */
	repl_apply_sync_policy(REPL_APPLY_SYNC_FDS);
	/* a session at seq 1 (HELLO): what an earlier process wrote up to
	 * there needs a syncfs() */
	repl_apply_set_position(0);
	repl_apply_session_at(1);
	repl_apply_reset();
	g_assert_true(F.busy && F.all);
	complete();
	g_assert_false(F.busy);
	g_assert_true(repl_apply_settled());
}

/* ---- tests ---- */

/* One delivery, then a rename and a delete: the fast path, in order. */
static void
test_small_groups(void)
{
	guint64 dir_new, dir_cur, file;
	int full0;

	setup();
	full0 = F.full;
	deliver(2, "m/a/new/f1", "hello");
	repl_apply_kick();
	/* content first, the file not yet under its name */
	g_assert_true(F.busy);
	g_assert_false(F.all);
	g_assert_false(exists("a/new/f1"));
	g_assert_cmpuint(F.ino->len, ==, 1);
	g_assert_cmpuint(repl_apply_durable(), <, 2);
	file = g_array_index(F.ino, guint64, 0);
	complete();
	/* linked now, its content covered by the completed sync; the next
	 * request makes the link durable: its directory */
	g_assert_true(exists("a/new/f1"));
	g_assert_cmpuint(key_path("a/new/f1"), ==, file);
	g_assert_cmpuint(repl_apply_durable(), <, 2);
	dir_new = key_path("a/new");
	g_assert_true(F.busy);
	g_assert_true(covers(dir_new));
	/* meanwhile a rename arrives: not covered by the request in flight */
	op(REPL_RENAME, 3, "m/a/new/f1", "m/b/cur/f1");
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 2);
	dir_cur = key_path("b/cur");
	g_assert_true(F.busy);	/* issued at once for the rename */
	g_assert_true(covers(dir_new) && covers(dir_cur));
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 3);
	op(REPL_DELETE, 4, "m/b/cur/f1", NULL);
	repl_apply_kick();
	g_assert_true(covers(dir_cur));
	g_assert_cmpuint(repl_apply_durable(), ==, 3);
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 4);
	g_assert_false(exists("b/cur/f1"));
	g_assert_cmpint(F.full, ==, full0);	/* all of it without syncfs() */
	g_assert_true(repl_apply_settled());
	teardown();
}

/* ATTR covers the file; a created directory (MKDIR, or a file's missing
 * parents) and a group over the fd bound take a syncfs(). */
static void
test_attr_mkdir_big(void)
{
	char wire[64];

	setup();
	deliver(2, "m/a/new/f2", "x");
	repl_apply_kick();
	complete();
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 2);
	op(REPL_ATTR, 3, "m/a/new/f2", NULL);
	repl_apply_kick();
	g_assert_true(covers(key_path("a/new/f2")));
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 3);

	op(REPL_MKDIR, 4, "m/c", NULL);
	repl_apply_kick();
	g_assert_true(F.all);
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 4);

	deliver(5, "m/d/e/new/f3", "y");	/* creates m/d/e/new */
	repl_apply_kick();
	g_assert_true(F.all);
	g_assert_false(exists("d/e/new/f3"));
	complete();
	g_assert_true(exists("d/e/new/f3"));
	g_assert_cmpuint(repl_apply_durable(), ==, 4);
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 5);

	for (int i = 0; i < REPL_SYNC_MAX_FDS + 1; i++) {
		g_snprintf(wire, sizeof(wire), "m/a/new/g%d", i);
		deliver(6 + i, wire, "z");
	}
	repl_apply_kick();
	g_assert_true(F.all);
	complete();
	complete();
	g_assert_cmpuint(repl_apply_durable(), ==, 6 + REPL_SYNC_MAX_FDS);
	g_assert_true(repl_apply_settled());
	teardown();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl_apply/small_groups", test_small_groups);
	g_test_add_func("/repl_apply/attr_mkdir_big", test_attr_mkdir_big);
	return g_test_run();
}
