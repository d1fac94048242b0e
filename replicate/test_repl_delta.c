/* test_repl_delta.c - librsync signature/delta/patch round trips */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "hb_err.h"
#include "repl-delta.h"

static int
file_with(const guint8 *d, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	g_assert_nonnull(f);
	g_assert_cmpuint(fwrite(d, 1, n, f), ==, n);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	return fd;
}

static void
roundtrip(size_t size, size_t change_at, size_t max_delta)
{
	guint8 *a = g_malloc(size), *b;
	GRand *r = g_rand_new_with_seed(size);
	GByteArray *sig = g_byte_array_new();
	int fa, fb, fo;
	FILE *delta = tmpfile();
	long dlen;
	guint8 *got;

	for (size_t i = 0; i < size; i++)
		a[i] = g_rand_int(r);
	b = g_memdup2(a, size);
	if (size)
		memcpy(b + change_at, "changed line\n", MIN(13, size - change_at));
	fa = file_with(a, size);
	fb = file_with(b, size);
	g_assert_cmpint(repl_delta_sig(fa, sig), ==, 0);
	g_assert_cmpint(repl_delta_make(sig->data, sig->len, fb, delta), ==, 0);
	dlen = ftell(delta);
	g_assert_cmpint(dlen, <=, (long)max_delta);
	fo = file_with((const guint8 *)"", 0);
	g_assert_cmpint(repl_delta_patch(fa, delta, fo), ==, 0);
	got = g_malloc(size + 1);
	g_assert_cmpint(pread(fo, got, size + 1, 0), ==, (ssize_t)size);
	g_assert_true(memcmp(got, b, size) == 0);
	g_free(got);
	g_free(a);
	g_free(b);
	close(fa);
	close(fb);
	close(fo);
	fclose(delta);
	g_byte_array_unref(sig);
	g_rand_free(r);
}

static void
test_small(void)
{
	roundtrip(100000, 5000, 5000);
}

static void
test_big(void)
{
	/* 8 MB, one line changed: the delta is a few blocks, not the file */
	roundtrip(8 << 20, 4 << 20, 64 * 1024);
}

static void
test_bad_sig(void)
{
	int fd = file_with((const guint8 *)"hello", 5);
	FILE *d = tmpfile();

	g_assert_cmpint(repl_delta_make((const guint8 *)"garbage!", 8, fd, d), ==,
			HB_EMALFORMED);
	g_assert_cmpint(repl_delta_make(NULL, 0, fd, d), ==, HB_EMALFORMED);
	fclose(d);
	close(fd);
}

static void
test_bad_delta(void)
{
	int fa = file_with((const guint8 *)"basis", 5);
	int fo = file_with((const guint8 *)"", 0);
	FILE *d = tmpfile();

	fwrite("\x72\x73\x02\x36\xff\xff", 1, 6, d);
	g_assert_cmpint(repl_delta_patch(fa, d, fo), <, 0);
	fclose(d);
	close(fa);
	close(fo);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/delta/small", test_small);
	g_test_add_func("/repl/delta/big", test_big);
	g_test_add_func("/repl/delta/bad_sig", test_bad_sig);
	g_test_add_func("/repl/delta/bad_delta", test_bad_delta);
	return g_test_run();
}
