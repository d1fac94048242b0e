/*
 * serial.c - Heartbeat 3.0.6's serial line format (see serial.h and
 * doc/wire-format.md, "Serial lines").
 *
 * The scanner is a byte-at-a-time state machine over the stream.  Outside
 * a block it keeps only the first three bytes of the current line, so
 * noise costs no memory; inside a block it appends to the block, which is
 * bounded by HB_SERIAL_MAXBLOCK.  Nothing is logged.
 */
#include "config.h"

#include <string.h>

#include "hb_err.h"
#include "serial.h"

#define SERIAL_BEGIN ">>>"
#define SERIAL_END "<<<"
#define SERIAL_TAGLEN 3
#define SERIAL_HEAD ">>>\n"
#define SERIAL_TAIL "<<<\n"
#define SERIAL_HEADLEN 4
#define SERIAL_TAILLEN 4

void
hb_serial_scanner_init(hb_serial_scanner *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = HB_SERIAL_SKIP;
	s->block = g_string_sized_new(512);
}

void
hb_serial_scanner_clear(hb_serial_scanner *s)
{
	if (s->block != NULL)
		g_string_free(s->block, TRUE);
	s->block = NULL;
}

guint64
hb_serial_lost(const hb_serial_scanner *s)
{
	return s->noise_lines + s->cut_blocks + s->oversized;
}

static void
serial_line_reset(hb_serial_scanner *s)
{
	s->lpos = 0;
	s->lnoise = FALSE;
}

static void
serial_begin_block(hb_serial_scanner *s)
{
	g_string_assign(s->block, SERIAL_HEAD);
	s->line_start = SERIAL_HEADLEN;
	s->mode = HB_SERIAL_BLOCK;
	s->synced = TRUE;
	serial_line_reset(s);
}

/* The block outgrew the cap: drop it and skip to the next ">>>" line.
 * The rest of the current line is part of the dropped block. */
static void
serial_oversize(hb_serial_scanner *s)
{
	s->oversized++;
	g_string_truncate(s->block, 0);
	s->mode = HB_SERIAL_OVERSIZE;
	s->lpos = SERIAL_TAGLEN;
	memset(s->lhead, 0, sizeof(s->lhead));	/* not a tag line */
	s->lnoise = FALSE;
}

/* A line ended inside a block.  Returns TRUE when it completed the block. */
static gboolean
serial_block_eol(hb_serial_scanner *s)
{
	const char *p = s->block->str + s->line_start;
	size_t ll = s->block->len - s->line_start;

	if (ll == 0)
		return FALSE;			/* blank line (or CR LF) */
	if (ll >= SERIAL_TAGLEN && memcmp(p, SERIAL_END, SERIAL_TAGLEN) == 0) {
		/* line_start <= cap - tail (see below), so this fits */
		g_string_truncate(s->block, s->line_start);
		g_string_append(s->block, SERIAL_TAIL);
		s->mode = HB_SERIAL_SKIP;
		s->complete = TRUE;
		s->blocks++;
		return TRUE;
	}
	if (ll >= SERIAL_TAGLEN && memcmp(p, SERIAL_BEGIN, SERIAL_TAGLEN) == 0) {
		s->cut_blocks++;		/* resync on the new start */
		serial_begin_block(s);
		return FALSE;
	}
	/* a field line: keep room for the "<<<\n" that must follow */
	if (s->block->len + 1 + SERIAL_TAILLEN > HB_SERIAL_MAXBLOCK) {
		serial_oversize(s);
		serial_line_reset(s);
		return FALSE;
	}
	g_string_append_c(s->block, '\n');
	s->line_start = s->block->len;
	return FALSE;
}

/* A line ended outside a block. */
static void
serial_skip_eol(hb_serial_scanner *s)
{
	gboolean tagged = s->lpos >= SERIAL_TAGLEN;

	if (tagged && memcmp(s->lhead, SERIAL_BEGIN, SERIAL_TAGLEN) == 0) {
		serial_begin_block(s);
		return;
	}
	if (s->mode == HB_SERIAL_OVERSIZE) {
		if (tagged && memcmp(s->lhead, SERIAL_END, SERIAL_TAGLEN) == 0)
			s->mode = HB_SERIAL_SKIP;
	} else if (s->lnoise && !s->synced &&
		   s->lead_lines < HB_SERIAL_LEADMAX) {
		s->lead_lines++;	/* the tail of a packet sent before */
	} else if (s->lnoise) {
		s->noise_lines++;
	}
	serial_line_reset(s);
}

int
hb_serial_scan(hb_serial_scanner *s, const guint8 *buf, size_t len,
	       size_t *out_used)
{
	size_t i;

	if (s->complete) {		/* the caller has taken the last block */
		s->complete = FALSE;
		g_string_truncate(s->block, 0);
		serial_line_reset(s);
	}
	for (i = 0; i < len; i++) {
		guint8 c = buf[i];
		gboolean eol = c == '\n' || c == '\r';

		if (s->mode == HB_SERIAL_BLOCK) {
			if (eol) {
				if (serial_block_eol(s)) {
					*out_used = i + 1;
					return 1;
				}
			} else if (s->block->len + 1 > HB_SERIAL_MAXBLOCK) {
				serial_oversize(s);
			} else {
				g_string_append_c(s->block, (char)c);
			}
			continue;
		}
		if (eol) {
			serial_skip_eol(s);
			continue;
		}
		if (s->lpos < SERIAL_TAGLEN)
			s->lhead[s->lpos++] = (char)c;
		if (c != '\0')
			s->lnoise = TRUE;
	}
	*out_used = len;
	return 0;
}

int
hb_serial_render(const hb_msg *m, const hb_authkeys *k, GString *out)
{
	g_autoptr(hb_msg) signed_copy = hb_msg_copy(m);
	size_t start = out->len, i;
	int rc;

	rc = hb_wire_sign(signed_copy, k);
	if (rc == 0)
		rc = hb_wire_encode(signed_copy, k, HB_WIRE_CLASSIC, out);
	if (rc < 0)
		return rc;
	for (i = start; i < out->len; i++) {
		guchar c = (guchar)out->str[i];

		if (c >= 0x80 || c == '\r') {
			g_string_truncate(out, start);
			return HB_EMALFORMED;
		}
	}
	return 0;
}
