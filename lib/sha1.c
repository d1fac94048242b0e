/*
 * sha1.c - SHA-1 with a SHA-NI block function and a portable one, and
 * HMAC-SHA1 from precomputed key states (see sha1.h).
 */
#include "config.h"

#include <string.h>

#include "sha1.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define SHA1_HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

typedef void sha1_blocks_fn(uint32_t h[5], const unsigned char *p,
			    size_t n);

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* the message schedule in place in w[16]; i is a constant once inlined */
static inline uint32_t
sha1_w(uint32_t w[16], int i)
{
	if (i >= 16) {
		uint32_t t = w[(i - 3) & 15] ^ w[(i - 8) & 15] ^
			     w[(i - 14) & 15] ^ w[i & 15];

		w[i & 15] = ROL(t, 1);
	}
	return w[i & 15];
}

#define F1(b, c, d) (((c ^ d) & b) ^ d)
#define F2(b, c, d) (b ^ c ^ d)
#define F3(b, c, d) ((b & c) | ((b | c) & d))
/* one round with the variables renamed instead of moved: after it, the
 * new a is in e and the old a is b's successor (see SHA1_R5) */
#define SHA1_R(a, b, c, d, e, F, k, i)					\
	do {								\
		e += ROL(a, 5) + F(b, c, d) + (k) + sha1_w(w, i);	\
		b = ROL(b, 30);						\
	} while (0)
#define SHA1_R5(i, F, k)						\
	do {								\
		SHA1_R(a, b, c, d, e, F, k, (i));			\
		SHA1_R(e, a, b, c, d, F, k, (i) + 1);			\
		SHA1_R(d, e, a, b, c, F, k, (i) + 2);			\
		SHA1_R(c, d, e, a, b, F, k, (i) + 3);			\
		SHA1_R(b, c, d, e, a, F, k, (i) + 4);			\
	} while (0)
#define SHA1_R20(i, F, k)						\
	do {								\
		SHA1_R5((i), F, k);					\
		SHA1_R5((i) + 5, F, k);					\
		SHA1_R5((i) + 10, F, k);				\
		SHA1_R5((i) + 15, F, k);				\
	} while (0)

static void
sha1_blocks_c(uint32_t h[5], const unsigned char *p, size_t n)
{
	uint32_t w[16];

	for (; n > 0; n--, p += HB_SHA1_BLOCK) {
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		int i;

		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			       (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 |
			       (uint32_t)p[4 * i + 3];
		SHA1_R20(0, F1, 0x5A827999u);
		SHA1_R20(20, F2, 0x6ED9EBA1u);
		SHA1_R20(40, F3, 0x8F1BBCDCu);
		SHA1_R20(60, F2, 0xCA62C1D6u);
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
	}
	explicit_bzero(w, sizeof(w));
}

#ifdef SHA1_HAVE_X86
/*
 * The 80 rounds as 20 groups of four (sha1rnds4, function g / 5).  w[] holds
 * the last four message quads: group g consumes w[g % 4]; from group 1 on,
 * the schedule for group g + 3 is started (sha1msg1), from group 2 the xor
 * of W[t-8] is folded in, and from group 3 finished (sha1msg2) for group
 * g + 1.  e for a group is the A of four rounds back rotated (sha1nexte)
 * plus the quad; the first group adds the initial E directly.
 */
#define SHA1_GROUP(g)							\
	do {								\
		if ((g) == 0)						\
			e = _mm_add_epi32(e, w[0]);			\
		else							\
			e = _mm_sha1nexte_epu32(prev, w[(g) % 4]);	\
		prev = abcd;						\
		if ((g) >= 3 && (g) <= 18)				\
			w[((g) + 1) % 4] = _mm_sha1msg2_epu32(		\
				w[((g) + 1) % 4], w[(g) % 4]);		\
		abcd = _mm_sha1rnds4_epu32(abcd, e, (g) / 5);		\
		if ((g) >= 1 && (g) <= 16)				\
			w[((g) + 3) % 4] = _mm_sha1msg1_epu32(		\
				w[((g) + 3) % 4], w[(g) % 4]);		\
		if ((g) >= 2 && (g) <= 17)				\
			w[((g) + 2) % 4] = _mm_xor_si128(		\
				w[((g) + 2) % 4], w[(g) % 4]);		\
	} while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void
sha1_blocks_ni(uint32_t h[5], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0001020304050607LL,
					     0x08090a0b0c0d0e0fLL);
	__m128i abcd, e0, abcd_save, e, prev, w[4];
	int i;

	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1B);
	e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
	for (; n > 0; n--, p += HB_SHA1_BLOCK) {
		abcd_save = abcd;
		e = e0;
		for (i = 0; i < 4; i++)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128(
				(const __m128i *)(p + 16 * i)), bswap);
		SHA1_GROUP(0);
		SHA1_GROUP(1);
		SHA1_GROUP(2);
		SHA1_GROUP(3);
		SHA1_GROUP(4);
		SHA1_GROUP(5);
		SHA1_GROUP(6);
		SHA1_GROUP(7);
		SHA1_GROUP(8);
		SHA1_GROUP(9);
		SHA1_GROUP(10);
		SHA1_GROUP(11);
		SHA1_GROUP(12);
		SHA1_GROUP(13);
		SHA1_GROUP(14);
		SHA1_GROUP(15);
		SHA1_GROUP(16);
		SHA1_GROUP(17);
		SHA1_GROUP(18);
		SHA1_GROUP(19);
		e0 = _mm_sha1nexte_epu32(prev, e0);
		abcd = _mm_add_epi32(abcd, abcd_save);
	}
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1B));
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

static int
sha1_cpu_has_ni(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) ||
	    !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & (1u << 29)) != 0;	/* CPUID.7.0:EBX.SHA */
}
#endif

static sha1_blocks_fn *sha1_blocks;
static int sha1_portable_only;

static void
sha1_pick(void)
{
	sha1_blocks = sha1_blocks_c;
#ifdef SHA1_HAVE_X86
	if (!sha1_portable_only && sha1_cpu_has_ni())
		sha1_blocks = sha1_blocks_ni;
#endif
}

static void
sha1_run(uint32_t h[5], const unsigned char *p, size_t n)
{
	if (sha1_blocks == NULL)
		sha1_pick();
	sha1_blocks(h, p, n);
}

int
hb_sha1_accelerated(void)
{
	if (sha1_blocks == NULL)
		sha1_pick();
	return sha1_blocks != sha1_blocks_c;
}

void
hb_sha1_force_portable(int on)
{
	sha1_portable_only = on;
	sha1_pick();
}

void
hb_sha1_init(hb_sha1 *c)
{
	c->h[0] = 0x67452301u;
	c->h[1] = 0xEFCDAB89u;
	c->h[2] = 0x98BADCFEu;
	c->h[3] = 0x10325476u;
	c->h[4] = 0xC3D2E1F0u;
	c->len = 0;
	c->nbuf = 0;
}

void
hb_sha1_update(hb_sha1 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t take;

	c->len += len;
	if (c->nbuf > 0) {
		take = HB_SHA1_BLOCK - c->nbuf;
		if (take > len)
			take = len;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += (unsigned int)take;
		p += take;
		len -= take;
		if (c->nbuf < HB_SHA1_BLOCK)
			return;
		sha1_run(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (len >= HB_SHA1_BLOCK) {
		sha1_run(c->h, p, len / HB_SHA1_BLOCK);
		p += len - len % HB_SHA1_BLOCK;
		len %= HB_SHA1_BLOCK;
	}
	if (len > 0) {
		memcpy(c->buf, p, len);
		c->nbuf = (unsigned int)len;
	}
}

void
hb_sha1_final(hb_sha1 *c, unsigned char md[HB_SHA1_LEN])
{
	uint64_t bits = c->len * 8;
	int i;

	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > HB_SHA1_BLOCK - 8) {
		memset(c->buf + c->nbuf, 0, HB_SHA1_BLOCK - c->nbuf);
		sha1_run(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, HB_SHA1_BLOCK - 8 - c->nbuf);
	for (i = 0; i < 8; i++)
		c->buf[HB_SHA1_BLOCK - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_run(c->h, c->buf, 1);
	for (i = 0; i < 5; i++) {
		md[4 * i] = (unsigned char)(c->h[i] >> 24);
		md[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		md[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		md[4 * i + 3] = (unsigned char)c->h[i];
	}
	explicit_bzero(c, sizeof(*c));
}

void
hb_sha1_hmac_key(hb_sha1_key *k, const void *key, size_t keylen)
{
	unsigned char pad[HB_SHA1_BLOCK];
	size_t i;

	memset(pad, 0, sizeof(pad));
	if (keylen > HB_SHA1_BLOCK) {
		hb_sha1 c;

		hb_sha1_init(&c);
		hb_sha1_update(&c, key, keylen);
		hb_sha1_final(&c, pad);
	} else {
		memcpy(pad, key, keylen);
	}
	for (i = 0; i < HB_SHA1_BLOCK; i++)
		pad[i] ^= 0x36;
	hb_sha1_init(&k->inner);
	hb_sha1_update(&k->inner, pad, HB_SHA1_BLOCK);
	for (i = 0; i < HB_SHA1_BLOCK; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	hb_sha1_init(&k->outer);
	hb_sha1_update(&k->outer, pad, HB_SHA1_BLOCK);
	explicit_bzero(pad, sizeof(pad));
}

void
hb_sha1_hmac(const hb_sha1_key *k, const void *data, size_t len,
	     unsigned char md[HB_SHA1_LEN])
{
	hb_sha1 c = k->inner;
	unsigned char ih[HB_SHA1_LEN];

	hb_sha1_update(&c, data, len);
	hb_sha1_final(&c, ih);
	c = k->outer;
	hb_sha1_update(&c, ih, HB_SHA1_LEN);
	hb_sha1_final(&c, md);
	explicit_bzero(ih, sizeof(ih));
}
