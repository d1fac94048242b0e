/*
 * serial.h - Heartbeat 3.0.6's serial line format.
 *
 * On a serial line Heartbeat writes every packet, retransmissions included,
 * as one write of its classic text form (wire.h) with the inner auth field:
 *   ">>>\n" { ["(T)"] name "=" value "\n" } "auth=" N " " hex "\n" "<<<\n"
 * and nothing between packets.  Its reader takes the line apart line by
 * line (a line ends at '\r' or '\n'), skips to a line that starts with
 * ">>>", and collects lines up to one that starts with "<<<".  It sets the
 * tty to strip the 8th bit and ignore CRs, and has no handshake.
 *
 * hb_serial_scan() is that reader as a pure function: scanner state and the
 * next bytes from the line in; a complete block (or nothing yet) out.  It
 * never logs and never does I/O.  Whatever the input:
 * - a returned block reads ">>>\n", its non-blank lines each ended by '\n'
 *   (no '\r'), then "<<<\n", and is at most HB_SERIAL_MAXBLOCK bytes;
 * - memory stays below HB_SERIAL_MAXBLOCK plus a few bytes: lines outside a
 *   block are not kept, and a block that outgrows the cap is dropped and
 *   the scanner skips to the next ">>>" line;
 * - a ">>>" line inside a block starts the block afresh (the earlier one
 *   was cut short); a "<<<" line outside a block is noise;
 * - every byte is consumed: the result never depends on how the stream was
 *   split into calls.
 * What did not make it into a block is counted in the scanner (lines of
 * noise, blocks cut short, blocks over the cap) for the caller to log.
 * NUL bytes alone on a line (how a break reads) and blank lines are not
 * noise, and neither are the first HB_SERIAL_LEADMAX lines before the
 * first ">>>": the tail of a packet sent before the line was opened (a
 * packet has at most HB_MSG_MAXFIELDS lines).  A line that never shows a
 * ">>>" (wrong speed, wrong cable) is noise from the line after them.
 *
 * hb_serial_render() is the sending side: the classic rendering of a
 * message with its inner auth field, refused when it could not cross a
 * line set up as Heartbeat's (a byte with the 8th bit set, or a CR).
 */
#ifndef HB_SERIAL_H
#define HB_SERIAL_H

#include <stddef.h>
#include <glib.h>
#include "authkeys.h"
#include "msg.h"
#include "wire.h"

#define HB_SERIAL_MAXBLOCK HB_WIRE_MAXPACKET	/* Heartbeat's MAXMSG */
#define HB_SERIAL_LEADMAX (HB_MSG_MAXFIELDS + 2)

typedef enum hb_serial_mode {
	HB_SERIAL_SKIP,		/* looking for a ">>>" line */
	HB_SERIAL_BLOCK,	/* collecting lines up to "<<<" */
	HB_SERIAL_OVERSIZE,	/* dropping a block over the cap */
} hb_serial_mode;

typedef struct hb_serial_scanner {
	hb_serial_mode mode;
	GString *block;		/* the block so far; a complete one after
				 * hb_serial_scan() returned 1 */
	size_t line_start;	/* BLOCK: offset of the current line */
	size_t lpos;		/* SKIP/OVERSIZE: bytes in the current line */
	char lhead[3];		/* SKIP/OVERSIZE: its first bytes */
	gboolean lnoise;	/* SKIP: the current line has a non-NUL byte */
	gboolean complete;	/* block holds a complete block */
	gboolean synced;	/* a ">>>" line was seen */
	guint64 lead_lines;	/* lines before it, up to HB_SERIAL_LEADMAX */
	/* what was lost, since the scanner was made */
	guint64 blocks;		/* complete blocks returned */
	guint64 noise_lines;	/* non-blank lines outside any block */
	guint64 cut_blocks;	/* blocks ended by a new ">>>" */
	guint64 oversized;	/* blocks over HB_SERIAL_MAXBLOCK */
} hb_serial_scanner;

void hb_serial_scanner_init(hb_serial_scanner *s);
void hb_serial_scanner_clear(hb_serial_scanner *s);	/* frees block */

/* Scans buf[0..len).  Returns 1 when a block is complete: it is in
 * s->block (valid until the next call) and *out_used bytes of buf were
 * consumed; call again with the rest.  Returns 0 when all of buf was
 * consumed (*out_used == len) without completing a block. */
int hb_serial_scan(hb_serial_scanner *s, const guint8 *buf, size_t len,
		   size_t *out_used);

/* Sum of the scanner's loss counters (noise lines, cut and oversized
 * blocks): a caller logs when it grows. */
guint64 hb_serial_lost(const hb_serial_scanner *s);

/* Appends to out the classic rendering of m, signed with the active key
 * (m is not changed: the auth field is set on a copy).  Returns 0,
 * HB_ENOKEY, HB_ETOOBIG, or HB_EMALFORMED when a value holds a byte a
 * serial line set up as Heartbeat's would strip or drop (8th bit set, or
 * CR); out is unchanged on error. */
int hb_serial_render(const hb_msg *m, const hb_authkeys *k, GString *out);

#endif
