/*
 * repl-proto.c - replicate frame codec.
 *
 * Frame = 16-byte header (magic "RP", version, type, flags, 3 reserved
 * zero bytes, u32 payload length, u32 bitwise complement of the length)
 * followed by the payload.  All integers are big endian.  The decoder is pure and bounded;
 * it logs nothing (callers log with the peer's name).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hb_err.h"
#include "repl-proto.h"

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_be(GByteArray *out, uint64_t v, int n)
{
	uint8_t b[8];

	for (int i = n - 1; i >= 0; i--) {
		b[i] = v & 0xff;
		v >>= 8;
	}
	g_byte_array_append(out, b, n);
}

static int
path_ok(const uint8_t *p, size_t n)
{
	if (n > REPL_MAX_PATH)
		return 0;
	return memchr(p, '\0', n) == NULL;
}

/*
 * Header: 'R' 'P' version type flags 0 0 0 | u32 payload_len | u32 ~len.
 * Payload:
 *   u64 seq | u16 plen path | u16 p2len path2 | u8 kind | u32 mode |
 *   i64 mtime_ns | u64 size | u64 offset | u32 dlen data
 */
int
repl_frame_decode(const uint8_t *buf, size_t len, struct repl_frame *out,
		  size_t *out_used)
{
	struct repl_frame f;
	size_t plen, off;

	if (len < REPL_HDR_LEN)
		return -EAGAIN;
	if (buf[0] != REPL_MAGIC0 || buf[1] != REPL_MAGIC1)
		return HB_EMALFORMED;
	if (buf[2] != REPL_VERSION)
		return HB_EMALFORMED;
	if (buf[3] == 0 || buf[3] > REPL_TYPE_MAX)
		return HB_EMALFORMED;
	if (buf[5] || buf[6] || buf[7])
		return HB_EMALFORMED;
	plen = get_be(buf + 8, 4);
	if (get_be(buf + 12, 4) != (uint32_t)~plen)
		return HB_EMALFORMED;
	if (plen > REPL_MAX_PAYLOAD)
		return HB_ETOOBIG;
	if (len - REPL_HDR_LEN < plen)
		return -EAGAIN;
	memset(&f, 0, sizeof(f));
	f.type = buf[3];
	f.flags = buf[4];
	buf += REPL_HDR_LEN;
	off = 0;
#define NEED(n) do { if (plen - off < (size_t)(n)) return HB_EMALFORMED; } while (0)
	NEED(8);
	f.seq = get_be(buf + off, 8);
	off += 8;
	NEED(2);
	f.path_len = get_be(buf + off, 2);
	off += 2;
	NEED(f.path_len);
	if (!path_ok(buf + off, f.path_len))
		return HB_ETOOBIG;
	f.path = (const char *)buf + off;
	off += f.path_len;
	NEED(2);
	f.path2_len = get_be(buf + off, 2);
	off += 2;
	NEED(f.path2_len);
	if (!path_ok(buf + off, f.path2_len))
		return HB_ETOOBIG;
	f.path2 = (const char *)buf + off;
	off += f.path2_len;
	NEED(REPL_FIXED_LEN + 4);
	f.kind = buf[off];
	if (f.kind > REPL_KIND_FETCHED)
		return HB_EMALFORMED;
	f.mode = get_be(buf + off + 1, 4);
	f.mtime_ns = (int64_t)get_be(buf + off + 5, 8);
	f.size = get_be(buf + off + 13, 8);
	f.offset = get_be(buf + off + 21, 8);
	off += REPL_FIXED_LEN;
	f.data_len = get_be(buf + off, 4);
	off += 4;
	if (plen - off != f.data_len)
		return HB_EMALFORMED;
#undef NEED
	f.data = buf + off;
	*out = f;
	*out_used = REPL_HDR_LEN + plen;
	return 0;
}

int
repl_frame_encode(GByteArray *out, const struct repl_frame *f)
{
	size_t plen;
	uint8_t hdr[8] = { REPL_MAGIC0, REPL_MAGIC1, REPL_VERSION, 0, 0, 0, 0, 0 };

	if (f->path_len > REPL_MAX_PATH || f->path2_len > REPL_MAX_PATH)
		return HB_ETOOBIG;
	plen = 8 + 2 + f->path_len + 2 + f->path2_len + REPL_FIXED_LEN + 4 +
	       f->data_len;
	if (plen > REPL_MAX_PAYLOAD)
		return HB_ETOOBIG;
	hdr[3] = f->type;
	hdr[4] = f->flags;
	g_byte_array_append(out, hdr, 8);
	put_be(out, plen, 4);
	put_be(out, (uint32_t)~plen, 4);
	put_be(out, f->seq, 8);
	put_be(out, f->path_len, 2);
	g_byte_array_append(out, (const guint8 *)f->path, f->path_len);
	put_be(out, f->path2_len, 2);
	g_byte_array_append(out, (const guint8 *)f->path2, f->path2_len);
	put_be(out, f->kind, 1);
	put_be(out, f->mode, 4);
	put_be(out, (uint64_t)f->mtime_ns, 8);
	put_be(out, f->size, 8);
	put_be(out, f->offset, 8);
	put_be(out, f->data_len, 4);
	if (f->data)
		g_byte_array_append(out, f->data, f->data_len);
	else
		g_byte_array_set_size(out, out->len + f->data_len);
	return 0;
}

/* Entry: u16 plen | path | u8 is_dir | u32 mode | u64 size | i64 mtime */
int
repl_mentry_next(const uint8_t *data, size_t len, size_t *off,
		 struct repl_mentry *out)
{
	struct repl_mentry e;
	size_t o = *off;

	if (o == len)
		return 1;
	if (o > len || len - o < 2)
		return HB_EMALFORMED;
	e.path_len = get_be(data + o, 2);
	o += 2;
	if (len - o < e.path_len + 21 || e.path_len == 0)
		return HB_EMALFORMED;
	if (!path_ok(data + o, e.path_len))
		return HB_EMALFORMED;
	e.path = (const char *)data + o;
	o += e.path_len;
	if (data[o] > 1)
		return HB_EMALFORMED;
	e.is_dir = data[o];
	e.mode = get_be(data + o + 1, 4);
	e.size = get_be(data + o + 5, 8);
	e.mtime_ns = (int64_t)get_be(data + o + 13, 8);
	o += 21;
	*out = e;
	*off = o;
	return 0;
}

void
repl_mentry_append(GByteArray *out, const char *path, gboolean is_dir,
		   uint32_t mode, uint64_t size, int64_t mtime_ns)
{
	size_t n = strlen(path);

	put_be(out, n, 2);
	g_byte_array_append(out, (const guint8 *)path, n);
	put_be(out, is_dir ? 1 : 0, 1);
	put_be(out, mode, 4);
	put_be(out, size, 8);
	put_be(out, (uint64_t)mtime_ns, 8);
}

const char *
repl_type_name(int type)
{
	static const char *const names[] = {
		"?", "HELLO", "HELLO_ACK", "MANIFEST", "MANIFEST_END", "DATA",
		"COMMIT", "RENAME", "DELETE", "MKDIR", "SIGREQ", "SIG", "ACK",
		"RESYNC", "RESCAN", "FETCH", "ERROR", "ATTR",
	};

	if (type < 0 || type > REPL_TYPE_MAX)
		return "?";
	return names[type];
}
