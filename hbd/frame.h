/*
 * frame.h - framing of packets on a serial byte stream.
 *
 * A frame is STX, the decimal packet length, ':', the packet bytes, ETX:
 *   "\x02" "<len>" ":" <len bytes> "\x03"
 * A receiver that sees anything else skips to the next STX, so line noise
 * or a peer restarted mid-frame costs at most the frames it touched.
 * hb_frame_next() is pure: buffer in, result out, nothing kept.
 */
#ifndef HBD_FRAME_H
#define HBD_FRAME_H

#include <stddef.h>
#include <glib.h>

#define HB_FRAME_MAXPACKET 262144

/* Looks for the next frame at the start of buf.  Returns:
 *   1: a frame: *out_pkt and *out_pktlen point into buf, consume *out_used;
 *   0: need more bytes: consume *out_used (garbage before a possible
 *      frame start, maybe 0);
 * Never fails: bad bytes are skipped by *out_used. */
int hb_frame_next(const guint8 *buf, size_t len, size_t *out_used,
		  const guint8 **out_pkt, size_t *out_pktlen);
/* Appends a framed packet to out. */
void hb_frame_put(GByteArray *out, const void *pkt, size_t len);

#endif
