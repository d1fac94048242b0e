/*
 * wire.h - Heartbeat 3.0.6 wire formats: classic and netstring.
 *
 * Classic:   ">>>\n" { ["(T)"] name "=" value "\n" } "<<<\n"
 *            string values escape '\n' as 0x13; binary values are base64.
 * Netstring: "###\n" { len ":(" T ")" name "=" rawvalue "," } "%%%\n"
 *            len ":" "<idx> <hex>" ","        (auth trailer over ###..%%%\n)
 *
 * The inner classic "auth" field is the digest of the classic rendering of
 * every other field, in order, without the >>> and <<< lines.
 *
 * hb_wire_decode() is a pure function: it takes untrusted bytes and returns
 * a message or an error; it never logs, allocates at most a bounded amount,
 * and accepts a trailing NUL.  Authentication is checked before the message
 * is returned: classic packets by their auth field, netstring packets by the
 * trailer.
 */
#ifndef HB_WIRE_H
#define HB_WIRE_H

#include <stddef.h>
#include <glib.h>
#include "authkeys.h"
#include "msg.h"

#define HB_WIRE_MAXPACKET 262144	/* Heartbeat's MAXMSG */

typedef enum hb_wire_fmt {
	HB_WIRE_NETSTRING,	/* what 3.0.6 sends */
	HB_WIRE_CLASSIC,
} hb_wire_fmt;

/* Appends the classic rendering of m (no >>>/<<<), skipping the field named
 * skip (may be NULL), to out. */
void hb_wire_render_classic_body(const hb_msg *m, const char *skip,
				 GString *out);

/* Sets m's "auth" field to the classic digest with the active key.
 * Returns 0 or HB_ENOKEY. */
int hb_wire_sign(hb_msg *m, const hb_authkeys *k);

/* Encodes m as fmt.  For netstring the trailer is computed with the active
 * key; m should already carry its auth field (hb_wire_sign) when the peer
 * expects one, as 3.0.6 with msgfmt classic does.  Returns 0, HB_ETOOBIG or
 * HB_ENOKEY. */
int hb_wire_encode(const hb_msg *m, const hb_authkeys *k, hb_wire_fmt fmt,
		   GString *out);

/* Decodes and authenticates one packet.  Returns 0, HB_EMALFORMED,
 * HB_ETOOBIG, HB_EAUTH or HB_ENOKEY.  On success *out_msg is owned by the
 * caller and *out_fmt (may be NULL) says which format arrived. */
int hb_wire_decode(const void *buf, size_t len, const hb_authkeys *k,
		   hb_msg **out_msg, hb_wire_fmt *out_fmt);

#endif
