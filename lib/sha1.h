/*
 * sha1.h - SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104) for the heartbeat
 * authenticators, without allocation and with the key's padded blocks
 * hashed once.
 *
 * Why not GLib's GHmac or libcrypto: a heartbeat at keepalive 100 ms costs
 * three HMAC-SHA1 a tick (sign the classic body, sign the netstring, check
 * the peer's); GHmac allocates per message and its portable SHA-1 was ~45 %
 * of an idle hbd's instructions; libcrypto would add ~300 kB of resident
 * memory to a daemon that needs nothing else from it.  Here the block
 * function uses the x86 SHA extensions (SHA-NI) when the CPU has them
 * (checked once, at the first use) and a portable C version otherwise;
 * both give the same digests (tests/unit/test_authkeys checks the FIPS /
 * RFC 2202 vectors against each, and against GLib).
 *
 * Contract: pure functions over caller-owned state; no allocation, no
 * logging; any length.  SHA-1 is used here only as Heartbeat 3.0.6's HMAC
 * (the wire format fixes it), where its collision weakness does not apply.
 */
#ifndef HB_SHA1_H
#define HB_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define HB_SHA1_LEN 20
#define HB_SHA1_BLOCK 64

typedef struct hb_sha1 {
	uint32_t h[5];
	uint64_t len;			/* bytes hashed so far */
	unsigned char buf[HB_SHA1_BLOCK];
	unsigned int nbuf;		/* bytes waiting in buf */
} hb_sha1;

void hb_sha1_init(hb_sha1 *c);
void hb_sha1_update(hb_sha1 *c, const void *data, size_t len);
/* Writes the digest and wipes c. */
void hb_sha1_final(hb_sha1 *c, unsigned char md[HB_SHA1_LEN]);

/* A key's HMAC state: SHA-1 after the key ^ ipad and key ^ opad blocks. */
typedef struct hb_sha1_key {
	hb_sha1 inner, outer;
} hb_sha1_key;

void hb_sha1_hmac_key(hb_sha1_key *k, const void *key, size_t keylen);
/* HMAC-SHA1 of data under the key state k (k is not changed). */
void hb_sha1_hmac(const hb_sha1_key *k, const void *data, size_t len,
		  unsigned char md[HB_SHA1_LEN]);

/* 1 if the SHA-NI block function is in use, 0 for the portable one. */
int hb_sha1_accelerated(void);
/* For tests: force the portable block function (1) or pick the best (0). */
void hb_sha1_force_portable(int on);

#endif
