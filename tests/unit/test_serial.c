/* test_serial.c - Heartbeat's serial line format: the line scanner against
 * packets Heartbeat 3.0.6 wrote to a pty (tests/vectors/serial-sha1.bin),
 * split delivery, noise of every kind, the size cap, and the renderer. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "authkeys.h"
#include "hb_err.h"
#include "msg.h"
#include "serial.h"
#include "wire.h"
#include "test-vectors.h"

/* Feeds data in chunks of `step` bytes (0: all at once); returns the
 * blocks found (g_free'd strings). */
static GPtrArray *
scan_all(hb_serial_scanner *s, const void *data, size_t len, size_t step)
{
	GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
	const guint8 *p = data;
	size_t off = 0;

	while (off < len) {
		size_t n = step == 0 ? len - off : MIN(step, len - off);
		size_t done = 0;

		while (done < n) {
			size_t used;

			if (hb_serial_scan(s, p + off + done, n - done, &used))
				g_ptr_array_add(got, g_strndup(s->block->str,
							       s->block->len));
			g_assert_cmpuint(used, <=, n - done);
			done += used;
		}
		off += n;
	}
	return got;
}

static GPtrArray *
scan_str(const char *text, hb_serial_scanner *out)
{
	hb_serial_scanner s;
	GPtrArray *got;

	hb_serial_scanner_init(&s);
	got = scan_all(&s, text, strlen(text), 0);
	if (out != NULL)
		*out = s;
	else
		hb_serial_scanner_clear(&s);
	return got;
}

static void
test_vector(void)
{
	g_autoptr(GBytes) b = tv_vector("serial-sha1.bin");
	g_autoptr(GBytes) kb = tv_vector("serial-sha1.authkeys");
	gsize len, klen;
	const char *data = g_bytes_get_data(b, &len);
	const char *ktext = g_bytes_get_data(kb, &klen);
	hb_authkeys *k = tv_keys_text("serial-sha1.authkeys", ktext, klen);
	size_t steps[] = { 0, 1, 2, 3, 7, 64, 4096 };
	guint i, j;

	for (i = 0; i < G_N_ELEMENTS(steps); i++) {
		hb_serial_scanner s;
		g_autoptr(GPtrArray) got = NULL;
		size_t off = 0;

		hb_serial_scanner_init(&s);
		got = scan_all(&s, data, len, steps[i]);
		g_assert_cmpuint(got->len, ==, 3);
		g_assert_cmpuint(s.blocks, ==, 3);
		g_assert_cmpuint(hb_serial_lost(&s), ==, 0);
		for (j = 0; j < got->len; j++) {
			const char *blk = got->pdata[j];
			size_t blen = strlen(blk);
			g_autoptr(hb_msg) m = NULL;
			g_autoptr(GString) again = g_string_new(NULL);
			hb_wire_fmt fmt;

			/* a block is the packet exactly as written */
			g_assert_cmpmem(blk, blen, data + off, blen);
			off += blen;
			g_assert_cmpint(hb_wire_decode(blk, blen, k, &m, &fmt),
					==, 0);
			g_assert_cmpint(fmt, ==, HB_WIRE_CLASSIC);
			g_assert_cmpstr(hb_msg_get(m, "t"), ==, "status");
			g_assert_cmpstr(hb_msg_get(m, "src"), ==, "node2");
			/* our renderer writes what Heartbeat writes */
			g_assert_cmpint(hb_serial_render(m, k, again), ==, 0);
			g_assert_cmpstr(again->str, ==, blk);
		}
		g_assert_cmpuint(off, ==, len);
		hb_serial_scanner_clear(&s);
	}
	hb_authkeys_free(k);
}

static void
test_line_ends(void)
{
	hb_serial_scanner s;
	g_autoptr(GPtrArray) got = NULL;

	/* CR, CR LF and blank lines end lines; the block comes out with
	 * plain LF and no blank lines */
	got = scan_str("\r\n>>>\r\nt=x\r\n\r\n\ra=b\r<<<\r\n\n", &s);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(got->pdata[0], ==, ">>>\nt=x\na=b\n<<<\n");
	g_assert_cmpuint(hb_serial_lost(&s), ==, 0);
	hb_serial_scanner_clear(&s);
	/* tags are matched on the first three bytes of a line */
	g_ptr_array_unref(got);
	got = scan_str(">>>junk\nt=x\n<<<trailing\n", NULL);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(got->pdata[0], ==, ">>>\nt=x\n<<<\n");
	/* an empty block is a block (the decoder refuses it) */
	g_ptr_array_unref(got);
	got = scan_str(">>>\n<<<\n", NULL);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(got->pdata[0], ==, ">>>\n<<<\n");
}

static void
test_noise(void)
{
	hb_serial_scanner s;
	g_autoptr(GPtrArray) got = NULL;

	/* garbage lines, a stray end tag, a half packet cut by a new start,
	 * 8-bit bytes, then a good packet */
	got = scan_str(">>>\nt=first\n<<<\n"
		       "line noise\n\xff\xfe\x80\n<<<\n>>>\nt=half\n"
		       ">>>\nt=good\n<<<\nafter\n", &s);
	g_assert_cmpuint(got->len, ==, 2);
	g_assert_cmpstr(got->pdata[1], ==, ">>>\nt=good\n<<<\n");
	g_assert_cmpuint(s.noise_lines, ==, 4);	/* incl. "after" */
	g_assert_cmpuint(s.cut_blocks, ==, 1);
	g_assert_cmpuint(s.oversized, ==, 0);
	g_assert_cmpuint(hb_serial_lost(&s), ==, 5);
	hb_serial_scanner_clear(&s);

	/* a break reads as NUL bytes: not noise; nor are blank lines */
	g_ptr_array_unref(got);
	hb_serial_scanner_init(&s);
	got = scan_all(&s, "\0\0\n\n\r\n", 6, 0);
	g_assert_cmpuint(got->len, ==, 0);
	g_assert_cmpuint(hb_serial_lost(&s), ==, 0);
	hb_serial_scanner_clear(&s);

	/* 8-bit bytes inside a block are passed on; decoding judges them */
	g_ptr_array_unref(got);
	got = scan_str(">>>\nt=\xe9t\xe9\n<<<\n", NULL);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(got->pdata[0], ==, ">>>\nt=\xe9t\xe9\n<<<\n");
}

/* Before the first ">>>", up to HB_SERIAL_LEADMAX lines are the tail of a
 * packet sent before the line was opened, not noise; more are. */
static void
test_lead(void)
{
	hb_serial_scanner s;
	g_autoptr(GString) in = g_string_new(NULL);
	g_autoptr(GPtrArray) got = NULL;
	guint i;

	for (i = 0; i < HB_SERIAL_LEADMAX; i++)
		g_string_append(in, "tail=1\n");
	g_string_append(in, "<<<\n>>>\nt=x\n<<<\njunk\n");
	hb_serial_scanner_init(&s);
	got = scan_all(&s, in->str, in->len, 0);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpuint(s.lead_lines, ==, HB_SERIAL_LEADMAX);
	g_assert_cmpuint(s.noise_lines, ==, 2);	/* "<<<" and "junk" */
	hb_serial_scanner_clear(&s);
	g_ptr_array_unref(got);
	got = scan_str("tail\n<<<\n>>>\nt=x\n<<<\n", &s);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpuint(s.lead_lines, ==, 2);
	g_assert_cmpuint(hb_serial_lost(&s), ==, 0);
	hb_serial_scanner_clear(&s);
}

static void
test_incomplete(void)
{
	hb_serial_scanner s;
	g_autoptr(GPtrArray) got = NULL;

	/* a block with no end waits, keeping what it has, and completes
	 * when the rest arrives */
	hb_serial_scanner_init(&s);
	got = scan_all(&s, ">>>\nt=x\nab", 10, 0);
	g_assert_cmpuint(got->len, ==, 0);
	g_assert_cmpint(s.mode, ==, HB_SERIAL_BLOCK);
	g_ptr_array_unref(got);
	got = scan_all(&s, "c\n<<", 4, 0);
	g_assert_cmpuint(got->len, ==, 0);
	g_ptr_array_unref(got);
	got = scan_all(&s, "<\n", 2, 0);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(got->pdata[0], ==, ">>>\nt=x\nabc\n<<<\n");
	hb_serial_scanner_clear(&s);
}

static void
test_oversize(void)
{
	hb_serial_scanner s;
	g_autoptr(GString) in = g_string_new(">>>\n");
	g_autoptr(GPtrArray) got = NULL;
	size_t steps[] = { 0, 1000, 4096 };
	guint i;

	/* one long line, then many short ones: both over the cap; the next
	 * packet is found */
	g_string_append(in, "v=");
	while (in->len < HB_SERIAL_MAXBLOCK + 100)
		g_string_append_c(in, 'x');
	g_string_append(in, "\nstill=part of it\n<<<\n");
	g_string_append(in, ">>>\n");
	while (in->len < 3 * HB_SERIAL_MAXBLOCK)
		g_string_append(in, "f=0123456789\n");
	g_string_append(in, ">>>\nt=ok\n<<<\n");
	for (i = 0; i < G_N_ELEMENTS(steps); i++) {
		hb_serial_scanner_init(&s);
		got = scan_all(&s, in->str, in->len, steps[i]);
		g_assert_cmpuint(got->len, ==, 1);
		g_assert_cmpstr(got->pdata[0], ==, ">>>\nt=ok\n<<<\n");
		g_assert_cmpuint(s.oversized, ==, 2);
		g_assert_cmpuint(s.noise_lines, ==, 0);
		/* memory stays bounded */
		g_assert_cmpuint(s.block->allocated_len, <=,
				 2 * HB_SERIAL_MAXBLOCK);
		g_clear_pointer(&got, g_ptr_array_unref);
		hb_serial_scanner_clear(&s);
	}
}

static void
test_cap_exact(void)
{
	hb_serial_scanner s;
	g_autoptr(GString) in = g_string_new(">>>\nv=");
	g_autoptr(GPtrArray) got = NULL;
	size_t fill = HB_SERIAL_MAXBLOCK - strlen(">>>\nv=\n<<<\n");

	/* a block of exactly the cap passes; one byte more does not */
	for (size_t i = 0; i < fill; i++)
		g_string_append_c(in, 'y');
	g_string_append(in, "\n<<<\n");
	g_assert_cmpuint(in->len, ==, HB_SERIAL_MAXBLOCK);
	hb_serial_scanner_init(&s);
	got = scan_all(&s, in->str, in->len, 0);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpuint(strlen(got->pdata[0]), ==, HB_SERIAL_MAXBLOCK);
	g_clear_pointer(&got, g_ptr_array_unref);
	g_string_insert_c(in, 6, 'y');
	got = scan_all(&s, in->str, in->len, 0);
	g_assert_cmpuint(got->len, ==, 0);
	g_assert_cmpuint(s.oversized, ==, 1);
	hb_serial_scanner_clear(&s);
}

/* Random bytes mixed with good packets: every good packet that is not
 * touched by noise comes out, nothing else breaks the invariants. */
static void
test_random(void)
{
	GRand *r = g_rand_new_with_seed(18);
	guint round;

	for (round = 0; round < 200; round++) {
		g_autoptr(GString) in = g_string_new(NULL);
		g_autoptr(GPtrArray) got = NULL;
		hb_serial_scanner s;
		guint i, good = 0, n = g_rand_int_range(r, 0, 2000);

		for (i = 0; i < n; i++)
			g_string_append_c(in, (char)g_rand_int_range(r, 0, 256));
		g_string_append(in, "\n>>>\nt=good\n<<<\n");
		good++;
		hb_serial_scanner_init(&s);
		got = scan_all(&s, in->str, in->len,
			       g_rand_int_range(r, 0, 50));
		g_assert_cmpuint(got->len, >=, good);
		g_assert_cmpstr(got->pdata[got->len - 1], ==,
				">>>\nt=good\n<<<\n");
		for (i = 0; i < got->len; i++) {
			const char *b = got->pdata[i];

			g_assert_true(g_str_has_prefix(b, ">>>\n"));
			g_assert_true(g_str_has_suffix(b, "<<<\n"));
			g_assert_null(strchr(b, '\r'));
		}
		hb_serial_scanner_clear(&s);
	}
	g_rand_free(r);
}

static void
test_render(void)
{
	hb_authkeys *k = tv_keys_text("t", "auth 1\n1 sha1 k\n", 16);
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autoptr(hb_msg) back = NULL;
	g_autoptr(GString) out = g_string_new("keep");
	static const guint8 uuid[16] = { 0xff, 0x80, 0x0d, 0x0a, 0x00, 1, 2,
					 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	size_t i;

	hb_msg_set(m, "t", "status");
	hb_msg_set(m, "info", "two\nlines");
	hb_msg_set_bin(m, "srcuuid", uuid, sizeof(uuid));
	/* binary and newline-bearing values are made 7-bit clean, CR-free;
	 * the message itself is not signed in place */
	g_assert_cmpint(hb_serial_render(m, k, out), ==, 0);
	g_assert_null(hb_msg_get(m, "auth"));
	g_assert_true(g_str_has_prefix(out->str, "keep>>>\nt=status\n"));
	g_assert_true(g_str_has_suffix(out->str, "<<<\n"));
	for (i = 0; i < out->len; i++) {
		g_assert_cmpint((guchar)out->str[i], <, 0x80);
		g_assert_cmpint(out->str[i], !=, '\r');
	}
	g_assert_cmpint(hb_wire_decode(out->str + 4, out->len - 4, k, &back,
				       NULL), ==, 0);
	g_assert_cmpstr(hb_msg_get(back, "info"), ==, "two\nlines");
	/* a CR or an 8-bit byte in a value cannot cross the line */
	hb_msg_set(m, "info", "a\rb");
	g_string_assign(out, "keep");
	g_assert_cmpint(hb_serial_render(m, k, out), ==, HB_EMALFORMED);
	g_assert_cmpstr(out->str, ==, "keep");
	hb_msg_set(m, "info", "caf\xc3\xa9");
	g_assert_cmpint(hb_serial_render(m, k, out), ==, HB_EMALFORMED);
	g_assert_cmpstr(out->str, ==, "keep");
	g_assert_cmpint(hb_serial_render(m, NULL, out), ==, HB_ENOKEY);
	hb_authkeys_free(k);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/serial/vector", test_vector);
	g_test_add_func("/serial/line-ends", test_line_ends);
	g_test_add_func("/serial/noise", test_noise);
	g_test_add_func("/serial/lead", test_lead);
	g_test_add_func("/serial/incomplete", test_incomplete);
	g_test_add_func("/serial/oversize", test_oversize);
	g_test_add_func("/serial/cap-exact", test_cap_exact);
	g_test_add_func("/serial/random", test_random);
	g_test_add_func("/serial/render", test_render);
	return g_test_run();
}
