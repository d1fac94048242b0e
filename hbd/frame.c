/*
 * frame.c - serial stream framing (see frame.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "frame.h"

#define STX 0x02
#define ETX 0x03

int
hb_frame_next(const guint8 *buf, size_t len, size_t *out_used,
	      const guint8 **out_pkt, size_t *out_pktlen)
{
	size_t pos = 0, pending = len;

	/* A candidate that needs more bytes is remembered but the scan goes
	 * on: a complete frame behind it means the candidate was noise, so a
	 * bogus length can never stall the line. */
	for (;;) {
		const guint8 *stx = pos < len ? memchr(buf + pos, STX, len - pos) :
			NULL;
		size_t i, plen = 0;

		if (stx == NULL) {
			*out_used = pending;
			return 0;
		}
		pos = stx - buf;
		for (i = pos + 1; i < len && i < pos + 8; i++) {
			if (buf[i] < '0' || buf[i] > '9')
				break;
			plen = plen * 10 + (buf[i] - '0');
		}
		if (i == len || (buf[i] == ':' && i > pos + 1 && plen > 0 &&
				 plen <= HB_FRAME_MAXPACKET &&
				 len - (i + 1) < plen + 1)) {
			if (pending == len)
				pending = pos;	/* incomplete: maybe later */
			pos++;
			continue;
		}
		if (i == pos + 1 || buf[i] != ':' || plen == 0 ||
		    plen > HB_FRAME_MAXPACKET || buf[i + 1 + plen] != ETX) {
			pos++;		/* not a frame: resync */
			continue;
		}
		*out_pkt = buf + i + 1;
		*out_pktlen = plen;
		*out_used = i + 1 + plen + 1;
		return 1;
	}
}

void
hb_frame_put(GByteArray *out, const void *pkt, size_t len)
{
	char head[16];
	guint8 etx = ETX;
	int n = snprintf(head, sizeof(head), "%c%zu:", STX, len);

	g_byte_array_append(out, (const guint8 *)head, n);
	g_byte_array_append(out, pkt, len);
	g_byte_array_append(out, &etx, 1);
}
