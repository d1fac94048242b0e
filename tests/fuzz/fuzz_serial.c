/*
 * fuzz_serial.c - libFuzzer harness for hb_serial_scan().
 *
 * The input is scanned twice: all at once, and in chunks whose sizes come
 * from the input's own bytes.  Both runs must find the same blocks and the
 * same losses (the result may not depend on how the line delivered the
 * bytes).  Every block must read ">>>\n" ... "<<<\n", hold no CR and no
 * blank line, stay within HB_SERIAL_MAXBLOCK, and go through
 * hb_wire_decode() (crc key, so seeds can carry valid packets) without
 * anything but its documented errors; a decoded message must render for
 * the line again and scan back to one identical block.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"
#include "hb_err.h"
#include "msg.h"
#include "serial.h"
#include "wire.h"

static hb_authkeys *fz_key;

static void
fz_init(void)
{
	static const char text[] = "auth 1\n1 crc\n";
	hb_diag *d = hb_diag_new();

	if (hb_authkeys_parse("fuzz", text, strlen(text), &fz_key, d) != 0)
		abort();
	hb_diag_free(d);
}

static void
fz_check_block(const GString *b)
{
	hb_msg *m = NULL;
	int rc;

	if (b->len < 8 || b->len > HB_SERIAL_MAXBLOCK ||
	    memcmp(b->str, ">>>\n", 4) != 0 ||
	    memcmp(b->str + b->len - 4, "<<<\n", 4) != 0 ||
	    memchr(b->str, '\r', b->len) != NULL ||
	    strstr(b->str, "\n\n") != NULL)
		abort();
	rc = hb_wire_decode(b->str, b->len, fz_key, &m, NULL);
	if (rc != 0) {
		if (m != NULL || (rc != HB_EMALFORMED && rc != HB_ETOOBIG &&
				  rc != HB_EAUTH && rc != HB_ENOKEY))
			abort();
		return;
	}
	{
		GString *out = g_string_new(NULL);

		rc = hb_serial_render(m, fz_key, out);
		if (rc == 0) {
			hb_serial_scanner s;
			size_t used;

			hb_serial_scanner_init(&s);
			if (hb_serial_scan(&s, (const guint8 *)out->str,
					   out->len, &used) != 1 ||
			    used != out->len || s.block->len != out->len ||
			    memcmp(s.block->str, out->str, out->len) != 0)
				abort();
			hb_serial_scanner_clear(&s);
		} else if (rc != HB_EMALFORMED && rc != HB_ETOOBIG) {
			abort();
		}
		g_string_free(out, TRUE);
	}
	hb_msg_free(m);
}

/* Scans data; chunk sizes cycle through sizes[] (0 entries: all at once).
 * Returns the blocks joined, for comparison. */
static GString *
fz_scan(const uint8_t *data, size_t size, const uint8_t *sizes,
	size_t nsizes, hb_serial_scanner *s)
{
	GString *all = g_string_new(NULL);
	size_t off = 0, k = 0;

	hb_serial_scanner_init(s);
	while (off < size) {
		size_t n = size - off;

		if (nsizes > 0) {
			size_t step = (size_t)sizes[k++ % nsizes] + 1;

			n = MIN(n, step);
		}
		while (n > 0) {
			size_t used;

			if (hb_serial_scan(s, data + off, n, &used)) {
				fz_check_block(s->block);
				g_string_append_len(all, s->block->str,
						    (gssize)s->block->len);
				g_string_append_c(all, '|');
			}
			if (used > n)
				abort();
			off += used;
			n -= used;
		}
	}
	return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hb_serial_scanner a, b;
	GString *ra, *rb;

	if (fz_key == NULL)
		fz_init();
	ra = fz_scan(data, size, NULL, 0, &a);
	rb = fz_scan(data, size, data, MIN(size, 16), &b);
	if (!g_string_equal(ra, rb) || a.noise_lines != b.noise_lines ||
	    a.cut_blocks != b.cut_blocks || a.oversized != b.oversized ||
	    a.lead_lines != b.lead_lines || a.synced != b.synced ||
	    a.mode != b.mode)
		abort();
	hb_serial_scanner_clear(&a);
	hb_serial_scanner_clear(&b);
	g_string_free(ra, TRUE);
	g_string_free(rb, TRUE);
	return 0;
}
