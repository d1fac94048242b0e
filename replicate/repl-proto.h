/*
 * repl-proto.h - replicate wire protocol: frame encoder and pure decoder.
 *
 * Contract: repl_frame_decode() takes an untrusted buffer and either fills
 * a repl_frame whose pointers borrow from that buffer, or returns a negative
 * code.  It never reads beyond len, never allocates, and enforces
 * REPL_MAX_PAYLOAD and REPL_MAX_PATH.  The encoder appends to a GByteArray
 * owned by the caller.  See doc/replicate.md for the layout.
 */
#ifndef REPL_PROTO_H
#define REPL_PROTO_H

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#define REPL_MAGIC0 'R'
#define REPL_MAGIC1 'P'
#define REPL_VERSION 1
#define REPL_HDR_LEN 16
#define REPL_FIXED_LEN 29	/* kind, mode, mtime, size, offset */
#define REPL_MAX_PATH 1024
#define REPL_MAX_PAYLOAD (1024 * 1024 + 4096)
#define REPL_CHUNK (256 * 1024)

enum repl_type {
	REPL_HELLO = 1,		/* source -> replica: seq = source's next seq,
				 * size = its epoch (0: none), kind 2: it
				 * offers a catch-up from its journal */
	REPL_HELLO_ACK,		/* replica: seq = last applied, kind 1 =
				 * union, 2 = journal taken (no manifest) */
	REPL_MANIFEST,		/* replica: data = manifest entries */
	REPL_MANIFEST_END,
	REPL_DATA,		/* path, kind (full/delta), offset, data */
	REPL_COMMIT,		/* path, kind, mode, mtime, size; seq */
	REPL_RENAME,		/* path -> path2; seq */
	REPL_DELETE,		/* path; seq */
	REPL_MKDIR,		/* path, mode; seq */
	REPL_SIGREQ,		/* path: send me your librsync signature */
	REPL_SIG,		/* path, data = signature, kind 1 = missing */
	REPL_ACK,		/* seq = highest applied and fsynced */
	REPL_RESYNC,		/* replica asks for path to be sent whole */
	REPL_RESCAN,		/* source asks for a fresh manifest */
	REPL_FETCH,		/* source asks replica to send path back */
	REPL_ERROR,		/* data = text; kind 1 = retry later */
	REPL_ATTR,		/* path, mode, mtime of an unchanged file; seq */
	REPL_TYPE_MAX = REPL_ATTR,
};

/* HELLO's and HELLO_ACK's kind 2: an offer, the source knows which one it
 * made - a catch-up from the source's journal (doc/replicate.md,
 * "Catch-up"), or a planned handover's skip (REPL_HELLO_IN_SYNC) */
#define REPL_HELLO_JOURNAL 2

enum repl_kind {
	REPL_KIND_FULL = 0,
	REPL_KIND_DELTA = 1,
	REPL_KIND_FETCHED = 2,	/* a reverse transfer during reconcile */
	/* HELLO/HELLO_ACK kind: a planned handover, both at seq (repl-replica.h) */
	REPL_HELLO_IN_SYNC = 2,
};

struct repl_frame {
	uint8_t type;
	uint8_t flags;
	uint64_t seq;
	const char *path;	/* borrowed, not NUL-terminated */
	size_t path_len;
	const char *path2;
	size_t path2_len;
	uint8_t kind;
	uint32_t mode;
	int64_t mtime_ns;
	uint64_t size;
	uint64_t offset;
	const uint8_t *data;
	size_t data_len;
};

/* Manifest entry (REPL_MANIFEST data is a sequence of these). */
struct repl_mentry {
	const char *path;	/* borrowed */
	size_t path_len;
	uint8_t is_dir;
	uint32_t mode;
	uint64_t size;
	int64_t mtime_ns;
};

/*
 * Decode one frame from buf.  Returns 0 and writes *out and *out_used when a
 * whole frame is present; -EAGAIN when more bytes are needed; HB_EMALFORMED
 * or HB_ETOOBIG for bad input.
 */
int repl_frame_decode(const uint8_t *buf, size_t len, struct repl_frame *out,
		      size_t *out_used);
/* Appends the encoding of f to out.  Returns 0 or HB_ETOOBIG.  With
 * f->data NULL, f->data_len bytes are left for the caller to fill: they
 * are the last f->data_len bytes of out. */
int repl_frame_encode(GByteArray *out, const struct repl_frame *f);
/* Next manifest entry at *off in data; 0, 1 at end, or HB_EMALFORMED. */
int repl_mentry_next(const uint8_t *data, size_t len, size_t *off,
		     struct repl_mentry *out);
void repl_mentry_append(GByteArray *out, const char *path, gboolean is_dir,
			uint32_t mode, uint64_t size, int64_t mtime_ns);
const char *repl_type_name(int type);

#endif
