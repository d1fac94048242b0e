/* test_repl_proto.c - frame codec: round trip and every kind of bad input */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "hb_err.h"
#include "repl-proto.h"

static GByteArray *
enc(int type, const char *p, const char *p2, size_t dlen)
{
	GByteArray *b = g_byte_array_new();
	guint8 *d = g_malloc0(dlen + 1);
	struct repl_frame f = { .type = type, .seq = 42, .path = p,
		.path_len = p ? strlen(p) : 0, .path2 = p2,
		.path2_len = p2 ? strlen(p2) : 0, .mode = 0640,
		.mtime_ns = 1700000000123456789LL, .size = 7, .offset = 3,
		.data = d, .data_len = dlen };

	g_assert_cmpint(repl_frame_encode(b, &f), ==, 0);
	g_free(d);
	return b;
}

static void
test_roundtrip(void)
{
	GByteArray *b = enc(REPL_RENAME, "mail/a/new/1", "mail/a/cur/1:2,S", 5);
	struct repl_frame f;
	size_t used;

	g_assert_cmpint(repl_frame_decode(b->data, b->len, &f, &used), ==, 0);
	g_assert_cmpuint(used, ==, b->len);
	g_assert_cmpint(f.type, ==, REPL_RENAME);
	g_assert_cmpuint(f.seq, ==, 42);
	g_assert_cmpmem(f.path, f.path_len, "mail/a/new/1", 12);
	g_assert_cmpmem(f.path2, f.path2_len, "mail/a/cur/1:2,S", 16);
	g_assert_cmpuint(f.mode, ==, 0640);
	g_assert_cmpint(f.mtime_ns, ==, 1700000000123456789LL);
	g_assert_cmpuint(f.data_len, ==, 5);
	/* every strict prefix asks for more bytes */
	for (size_t i = 0; i < b->len; i++)
		g_assert_cmpint(repl_frame_decode(b->data, i, &f, &used), ==,
				-EAGAIN);
	g_byte_array_unref(b);
}

/* HELLO with the source run's epoch (all 64 bits) and the journal offer:
 * a version-1 decoder (this one, and older ones: kind <= 2) takes it */
static void
test_hello_journal(void)
{
	GByteArray *b = g_byte_array_new();
	struct repl_frame f = { .type = REPL_HELLO, .seq = 99,
		.size = G_GUINT64_CONSTANT(0xfedcba9876543210),
		.kind = REPL_HELLO_JOURNAL };
	size_t used;

	g_assert_cmpint(repl_frame_encode(b, &f), ==, 0);
	memset(&f, 0, sizeof(f));
	g_assert_cmpint(repl_frame_decode(b->data, b->len, &f, &used), ==, 0);
	g_assert_cmpint(f.type, ==, REPL_HELLO);
	g_assert_cmpuint(f.seq, ==, 99);
	g_assert_cmpuint(f.size, ==, G_GUINT64_CONSTANT(0xfedcba9876543210));
	g_assert_cmpuint(f.kind, ==, REPL_HELLO_JOURNAL);
	g_assert_cmpuint(REPL_HELLO_JOURNAL, <=, REPL_KIND_FETCHED);
	g_byte_array_unref(b);
}

static void
test_bad(void)
{
	GByteArray *b = enc(REPL_DATA, "mail/x", NULL, 10);
	struct repl_frame f;
	size_t used;
	guint8 *c = g_memdup2(b->data, b->len);

#define TRY(idx, val, want) do { memcpy(c, b->data, b->len); c[idx] = (val); \
	g_assert_cmpint(repl_frame_decode(c, b->len, &f, &used), ==, want); } while (0)
	TRY(0, 'X', HB_EMALFORMED);	/* magic */
	TRY(2, 9, HB_EMALFORMED);	/* version */
	TRY(3, 0, HB_EMALFORMED);	/* type */
	TRY(3, REPL_TYPE_MAX + 1, HB_EMALFORMED);
	TRY(5, 1, HB_EMALFORMED);	/* reserved */
	TRY(11, c[11] + 1, HB_EMALFORMED);	/* length vs complement */
	/* inner path length pointing past the payload */
	TRY(16 + 8, 0xff, HB_EMALFORMED);
	/* data length disagreeing with the payload length */
	TRY(b->len - 11, 0x7f, HB_EMALFORMED);
	/* kind out of range */
	TRY(16 + 8 + 2 + 6 + 2, 9, HB_EMALFORMED);
#undef TRY
	/* oversized declared payload is refused before buffering it */
	memcpy(c, b->data, 16);
	c[8] = 0x7f; c[9] = 0; c[10] = 0; c[11] = 0;
	c[12] = ~c[8]; c[13] = ~c[9]; c[14] = ~c[10]; c[15] = ~c[11];
	g_assert_cmpint(repl_frame_decode(c, 16, &f, &used), ==, HB_ETOOBIG);
	g_free(c);
	g_byte_array_unref(b);
}

static void
test_path_nul(void)
{
	GByteArray *b = enc(REPL_DELETE, "mail/ab", NULL, 0);
	struct repl_frame f;
	size_t used;

	b->data[16 + 8 + 2 + 5] = '\0';
	g_assert_cmpint(repl_frame_decode(b->data, b->len, &f, &used), ==,
			HB_ETOOBIG);
	g_byte_array_unref(b);
}

static void
test_encode_limits(void)
{
	GByteArray *b = g_byte_array_new();
	char *longp = g_strnfill(REPL_MAX_PATH + 1, 'a');
	struct repl_frame f = { .type = REPL_DELETE, .path = longp,
				.path_len = strlen(longp) };

	g_assert_cmpint(repl_frame_encode(b, &f), ==, HB_ETOOBIG);
	f.path_len = 3;
	f.data_len = REPL_MAX_PAYLOAD;
	f.data = (const guint8 *)longp;
	g_assert_cmpint(repl_frame_encode(b, &f), ==, HB_ETOOBIG);
	g_assert_cmpuint(b->len, ==, 0);
	g_free(longp);
	g_byte_array_unref(b);
}

static void
test_manifest(void)
{
	GByteArray *b = g_byte_array_new();
	struct repl_mentry e;
	size_t off = 0;

	repl_mentry_append(b, "mail/d", TRUE, 0755, 0, 5);
	repl_mentry_append(b, "mail/d/f", FALSE, 0600, 1234, 99);
	g_assert_cmpint(repl_mentry_next(b->data, b->len, &off, &e), ==, 0);
	g_assert_true(e.is_dir);
	g_assert_cmpint(repl_mentry_next(b->data, b->len, &off, &e), ==, 0);
	g_assert_cmpuint(e.size, ==, 1234);
	g_assert_cmpint(repl_mentry_next(b->data, b->len, &off, &e), ==, 1);
	/* truncated entries and a bad type byte */
	for (size_t n = 1; n < b->len; n++) {
		size_t o = 0;
		int r;

		while ((r = repl_mentry_next(b->data, n, &o, &e)) == 0)
			;
		g_assert_true(r == HB_EMALFORMED || (r == 1 && n == 29));
	}
	off = 0;
	b->data[2 + 6] = 7;
	g_assert_cmpint(repl_mentry_next(b->data, b->len, &off, &e), ==,
			HB_EMALFORMED);
	g_byte_array_unref(b);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/proto/roundtrip", test_roundtrip);
	g_test_add_func("/repl/proto/hello_journal", test_hello_journal);
	g_test_add_func("/repl/proto/bad", test_bad);
	g_test_add_func("/repl/proto/path_nul", test_path_nul);
	g_test_add_func("/repl/proto/encode_limits", test_encode_limits);
	g_test_add_func("/repl/proto/manifest", test_manifest);
	return g_test_run();
}
