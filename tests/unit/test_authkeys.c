/* test_authkeys.c - authkeys parser, file permission check, digests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "authkeys.h"
#include "hb_err.h"
#include "sha1.h"

/* Parses text; returns rc and leaves diagnostics in *out_d. */
static int
parse(const char *text, hb_authkeys **out, hb_diag **out_d)
{
	*out_d = hb_diag_new();
	*out = NULL;
	return hb_authkeys_parse("ak", text, strlen(text), out, *out_d);
}

static void
test_good(void)
{
	hb_authkeys *k;
	hb_diag *d;

	g_assert_cmpint(parse("# comment\n\n   # indented comment\n"
			      "auth 3\n1 crc\n2 md5 m5key\n3 sha1 s1key\n"
			      "15 sha1 last\n0 crc\n", &k, &d), ==, 0);
	g_assert_cmpuint(d->errors->len, ==, 0);
	g_assert_cmpuint(d->warnings->len, ==, 0);
	g_assert_cmpint(k->active, ==, 3);
	g_assert_cmpint(k->keys[0].method, ==, HB_AUTH_CRC);
	g_assert_cmpint(k->keys[1].method, ==, HB_AUTH_CRC);
	g_assert_null(k->keys[1].key);
	g_assert_cmpint(k->keys[2].method, ==, HB_AUTH_MD5);
	g_assert_cmpstr(k->keys[2].key, ==, "m5key");
	g_assert_cmpint(k->keys[3].method, ==, HB_AUTH_SHA1);
	g_assert_cmpstr(k->keys[3].key, ==, "s1key");
	g_assert_cmpstr(k->keys[15].key, ==, "last");
	g_assert_cmpint(k->keys[4].method, ==, HB_AUTH_NONE);
	g_assert_cmpstr(hb_auth_method_name(k->keys[3].method), ==, "sha1");
	g_assert_cmpstr(hb_auth_method_name(HB_AUTH_MD5), ==, "md5");
	g_assert_cmpstr(hb_auth_method_name(HB_AUTH_CRC), ==, "crc");
	g_assert_cmpstr(hb_auth_method_name(HB_AUTH_NONE), ==, "none");
	hb_authkeys_free(k);
	hb_diag_free(d);
	hb_authkeys_free(NULL);

	/* No trailing newline, CRLF, tabs; text after the key warns. */
	g_assert_cmpint(parse("auth\t1\r\n1\tsha1\tkey  trailing words", &k,
			      &d), ==, 0);
	g_assert_cmpstr(k->keys[1].key, ==, "key");
	g_assert_cmpuint(d->warnings->len, ==, 1);
	g_assert_cmpstr(d->warnings->pdata[0], ==,
			"ak:2: text after the key is ignored (a key is one "
			"token)");
	hb_authkeys_free(k);
	hb_diag_free(d);

	/* A repeated auth directive: the last wins, with a warning. */
	g_assert_cmpint(parse("auth 1\n1 crc\n2 crc\nauth 2\n", &k, &d), ==, 0);
	g_assert_cmpint(k->active, ==, 2);
	g_assert_cmpstr(d->warnings->pdata[0], ==,
			"ak:4: auth directive repeated (line 1); the last "
			"one wins");
	hb_authkeys_free(k);
	hb_diag_free(d);
}

static const struct {
	const char *text;
	const char *error;
} bad_files[] = {
	{ "", "ak: Missing auth directive" },
	{ "# only\n1 sha1 k\n", "ak: Missing auth directive" },
	{ "auth 2\n1 sha1 k\n", "ak:1: Auth Key [2] not found" },
	{ "auth\n1 crc\n",
	  "ak:1: Bad auth directive (expected \"auth N\" with N in 0..15)" },
	{ "auth x\n1 crc\n",
	  "ak:1: Bad auth directive (expected \"auth N\" with N in 0..15)" },
	{ "auth 16\n1 crc\n",
	  "ak:1: Bad auth directive (expected \"auth N\" with N in 0..15)" },
	{ "authx 1\n1 crc\n",
	  "ak:1: Bad auth directive (expected \"auth N\" with N in 0..15)" },
	{ "auth 1 2\n1 crc\n",
	  "ak:1: Bad auth directive (expected \"auth N\" with N in 0..15)" },
	{ "auth 1\n16 crc\n", "ak:2: Bad key index [16] (expected 0..15)" },
	{ "auth 1\n-1 crc\n", "ak:2: Bad key index [-1] (expected 0..15)" },
	{ "auth 1\none crc\n", "ak:2: Bad key index [one] (expected 0..15)" },
	{ "auth 1\n1 sha1 k # comment\n",
	  NULL /* accepted with a warning, see below */ },
	{ "auth 1\n1\n", "ak:2: Missing auth method for key index 1" },
	{ "auth 1\n1 sha256 k\n",
	  "ak:2: Auth method [sha256] not found (use crc, md5 or sha1)" },
	{ "auth 1\n1 SHA1 k\n",
	  "ak:2: Auth method [SHA1] not found (use crc, md5 or sha1)" },
	{ "auth 1\n1 crc key\n", "ak:2: Auth method [crc] doesn't use a key" },
	{ "auth 1\n1 md5\n", "ak:2: Auth method [md5] requires a key" },
	{ "auth 1\n1 sha1\n", "ak:2: Auth method [sha1] requires a key" },
	{ "auth 1\n1 crc\n1 sha1 k\n", "ak:3: Key index 1 defined twice" },
	{ "auth 1\n1 crc\nfoo # not a comment\n",
	  "ak:3: Bad key index [foo] (expected 0..15)" },
};

static void
test_bad(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(bad_files); i++) {
		hb_authkeys *k = NULL;
		hb_diag *d;
		int rc = parse(bad_files[i].text, &k, &d);

		g_test_message("case %u: %s", i, bad_files[i].text);
		if (bad_files[i].error == NULL) {
			g_assert_cmpint(rc, ==, 0);
			hb_authkeys_free(k);
		} else {
			g_assert_cmpint(rc, ==, HB_ECONFIG);
			g_assert_null(k);
			g_assert_cmpuint(d->errors->len, >=, 1);
			g_assert_cmpstr(d->errors->pdata[0], ==,
					bad_files[i].error);
		}
		hb_diag_free(d);
	}
}

static void
test_limits(void)
{
	hb_authkeys *k = (hb_authkeys *)0x1;
	hb_diag *d = hb_diag_new();
	GString *s = g_string_new("auth 1\n1 crc\n");
	char nul[] = "auth 1\n1 c\0c\n";

	/* Larger than HB_AUTHKEYS_MAXFILE. */
	while (s->len <= HB_AUTHKEYS_MAXFILE)
		g_string_append(s, "# padding padding padding\n");
	g_assert_cmpint(hb_authkeys_parse("big", s->str, s->len, &k, d), ==,
			HB_ECONFIG);
	g_assert_true(k == (hb_authkeys *)0x1);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"big: file is larger than 65536 bytes");
	hb_diag_free(d);

	/* An overlong line. */
	d = hb_diag_new();
	g_string_assign(s, "auth 1\n1 sha1 ");
	while (s->len < 2000)
		g_string_append_c(s, 'k');
	g_assert_cmpint(hb_authkeys_parse("long", s->str, s->len, &k, d), ==,
			HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"long:2: line longer than 1024 bytes");
	hb_diag_free(d);

	/* A NUL byte. */
	d = hb_diag_new();
	g_assert_cmpint(hb_authkeys_parse("nul", nul, sizeof(nul) - 1, &k, d),
			==, HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==, "nul:2: NUL byte in line");
	hb_diag_free(d);
	g_string_free(s, TRUE);
}

static char *
write_file(const char *dir, const char *name, const char *text, int mode)
{
	char *p = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_assert_cmpint(chmod(p, mode), ==, 0);
	return p;
}

static void
test_load(void)
{
	g_autofree char *dir = g_dir_make_tmp("test_authkeys.XXXXXX", NULL);
	g_autofree char *ok = write_file(dir, "ok", "auth 1\n1 sha1 k\n", 0600);
	g_autofree char *ro = write_file(dir, "ro", "auth 1\n1 sha1 k\n", 0400);
	g_autofree char *gw = write_file(dir, "gw", "auth 1\n1 crc\n", 0620);
	g_autofree char *gr = write_file(dir, "gr", "auth 1\n1 crc\n", 0640);
	g_autofree char *or = write_file(dir, "or", "auth 1\n1 crc\n", 0604);
	g_autofree char *bad = write_file(dir, "bad", "auth 1\n", 0600);
	g_autofree char *missing = g_build_filename(dir, "missing", NULL);
	g_autofree char *want = NULL;
	hb_authkeys *k = NULL;
	hb_diag *d = hb_diag_new();

	g_assert_cmpint(hb_authkeys_load(ok, &k, d), ==, 0);
	g_assert_cmpstr(k->keys[1].key, ==, "k");
	hb_authkeys_free(k);
	g_assert_cmpint(hb_authkeys_load(ro, &k, d), ==, 0);
	hb_authkeys_free(k);
	g_assert_cmpint(hb_authkeys_load(gw, &k, d), ==, 0);	/* write bits */
	hb_authkeys_free(k);
	g_assert_cmpuint(d->errors->len, ==, 0);

	k = NULL;
	g_assert_cmpint(hb_authkeys_load(gr, &k, d), ==, HB_ECONFIG);
	want = g_strdup_printf("%s: Bad permissions on keyfile [%s], 600 "
			       "recommended.", gr, gr);
	g_assert_cmpstr(d->errors->pdata[0], ==, want);
	g_assert_cmpint(hb_authkeys_load(or, &k, d), ==, HB_ECONFIG);
	g_assert_cmpuint(d->errors->len, ==, 2);
	g_assert_cmpint(hb_authkeys_load(bad, &k, d), ==, HB_ECONFIG);
	g_free(want);
	want = g_strdup_printf("%s:1: Auth Key [1] not found", bad);
	g_assert_cmpstr(d->errors->pdata[2], ==, want);
	g_assert_cmpint(hb_authkeys_load(missing, &k, d), ==, -ENOENT);
	g_assert_cmpint(hb_authkeys_load(dir, &k, d), ==, HB_ECONFIG);
	g_assert_null(k);
	hb_diag_free(d);
	g_unlink(ok); g_unlink(ro); g_unlink(gw); g_unlink(gr); g_unlink(or);
	g_unlink(bad);
	g_rmdir(dir);
}

static hb_authkeys *
keys(const char *text)
{
	hb_authkeys *k = NULL;
	hb_diag *d = hb_diag_new();

	g_assert_cmpint(hb_authkeys_parse("t", text, strlen(text), &k, d),
			==, 0);
	hb_diag_free(d);
	return k;
}

/* Known answers: RFC 2202 HMAC test case 2 ("Jefe"); the crc values match
 * the independent Python implementation in tests/vectors/fakepeer.py, whose
 * packets the real heartbeat accepted (and test_wire checks the captured
 * crc packets). */
static void
test_digests(void)
{
	hb_authkeys *k = keys("auth 1\n1 sha1 Jefe\n2 md5 Jefe\n3 crc\n");
	const char *msg = "what do ya want for nothing?";
	char out[HB_AUTH_MAXSTR];

	g_assert_cmpint(hb_auth_compute(k, 1, msg, strlen(msg), out), ==, 0);
	g_assert_cmpstr(out, ==,
			"1 effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	g_assert_cmpint(hb_auth_verify(k, out, msg, strlen(msg)), ==, 0);
	g_assert_cmpint(hb_auth_compute(k, 2, msg, strlen(msg), out), ==, 0);
	g_assert_cmpstr(out, ==, "2 750c783e6ab0b503eaa86e310a5db738");
	g_assert_cmpint(hb_auth_verify(k, out, msg, strlen(msg)), ==, 0);
	/* The CRC-32/POSIX catalogue check value (no length suffix). */
	g_assert_cmpint(hb_auth_compute(k, 3, "123456789", 9, out), ==, 0);
	g_assert_cmpstr(out, ==, "3 765e7680");
	/* %lx: no leading zeros. */
	g_assert_cmpint(hb_auth_compute(k, 3, "", 0, out), ==, 0);
	g_assert_cmpstr(out, ==, "3 ffffffff");

	/* a two-digit index */
	{
		hb_authkeys *k12 = keys("auth 12\n12 sha1 Jefe\n");

		g_assert_cmpint(hb_auth_compute(k12, 12, msg, strlen(msg), out),
				==, 0);
		g_assert_cmpstr(out, ==,
				"12 effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
		g_assert_cmpint(hb_auth_verify(k12, out, msg, strlen(msg)),
				==, 0);
		hb_authkeys_free(k12);
	}

	g_assert_cmpint(hb_auth_compute(k, 4, msg, 1, out), ==, HB_ENOKEY);
	g_assert_cmpint(hb_auth_compute(k, 16, msg, 1, out), ==, HB_ENOKEY);
	g_assert_cmpint(hb_auth_compute(k, -1, msg, 1, out), ==, HB_ENOKEY);
	g_assert_cmpint(hb_auth_compute(NULL, 1, msg, 1, out), ==, HB_ENOKEY);
	hb_authkeys_free(k);
}

static void
test_verify_errors(void)
{
	hb_authkeys *k = keys("auth 1\n1 sha1 key\n3 crc\n");
	char out[HB_AUTH_MAXSTR], tmp[HB_AUTH_MAXSTR];
	size_t i;

	g_assert_cmpint(hb_auth_compute(k, 1, "data", 4, out), ==, 0);
	g_assert_cmpint(hb_auth_verify(k, out, "data", 4), ==, 0);
	g_assert_cmpint(hb_auth_verify(k, out, "datA", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, out, "data", 3), ==, HB_EAUTH);
	/* Flip every digest character. */
	for (i = 2; i < strlen(out); i++) {
		strcpy(tmp, out);
		tmp[i] = tmp[i] == '0' ? '1' : '0';
		g_assert_cmpint(hb_auth_verify(k, tmp, "data", 4), ==,
				HB_EAUTH);
	}
	/* Truncated digest. */
	strcpy(tmp, out);
	tmp[strlen(tmp) - 1] = '\0';
	g_assert_cmpint(hb_auth_verify(k, tmp, "data", 4), ==, HB_EAUTH);
	/* Malformed authenticators. */
	g_assert_cmpint(hb_auth_verify(k, "", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "1", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "1 ", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, " 1 ab", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "1  ab", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "16 ab", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "001 ab", "data", 4), ==, HB_EAUTH);
	g_assert_cmpint(hb_auth_verify(k, "1 xyz", "data", 4), ==, HB_EAUTH);
	/* Uppercase hex is not what Heartbeat prints: refused. */
	for (i = 0; out[i] != '\0'; i++)
		tmp[i] = g_ascii_toupper(out[i]);
	tmp[i] = '\0';
	g_assert_cmpstr(tmp, !=, out);
	g_assert_cmpint(hb_auth_verify(k, tmp, "data", 4), ==, HB_EAUTH);
	/* Configured vs not. */
	g_assert_cmpint(hb_auth_verify(k, "2 ab", "data", 4), ==, HB_ENOKEY);
	g_assert_cmpint(hb_auth_verify(k, "15 ab", "data", 4), ==, HB_ENOKEY);
	g_assert_cmpint(hb_auth_compute(k, 3, "data", 4, out), ==, 0);
	g_assert_cmpint(hb_auth_verify(k, out, "data", 4), ==, 0);
	hb_authkeys_free(k);
}

static void
hexof(const unsigned char *md, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		g_snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
sha1_hex(const void *data, size_t len, size_t chunk, char out[41])
{
	hb_sha1 c;
	unsigned char md[HB_SHA1_LEN];
	const char *p = data;
	size_t off, n;

	hb_sha1_init(&c);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		hb_sha1_update(&c, p + off, n);
	}
	hb_sha1_final(&c, md);
	hexof(md, HB_SHA1_LEN, out);
}

/* lib/sha1.c: the FIPS 180 and RFC 2202 vectors, fed whole and in odd
 * pieces, and a comparison with GLib over every length 0..300 (what a
 * heartbeat is), once with the block function the CPU gets (SHA-NI where
 * present) and once with the portable one. */
static void
check_sha1(void)
{
	static const char abc56[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const struct {
		const char *key, *data, *hex;
	} rfc2202[] = {
		{ "Jefe", "what do ya want for nothing?",
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ "key", "The quick brown fox jumps over the lazy dog",
		  "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9" },
	};
	char hex[41], *ma = g_malloc(1000000);
	unsigned char key[80], md[HB_SHA1_LEN];
	unsigned char data[301];
	hb_sha1_key hk;
	size_t i, len;

	sha1_hex("abc", 3, 64, hex);
	g_assert_cmpstr(hex, ==, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_hex("", 0, 64, hex);
	g_assert_cmpstr(hex, ==, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	for (i = 1; i <= 64; i += 7) {
		sha1_hex(abc56, 56, i, hex);
		g_assert_cmpstr(hex, ==,
				"84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	}
	memset(ma, 'a', 1000000);
	sha1_hex(ma, 1000000, 1000000, hex);
	g_assert_cmpstr(hex, ==, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	sha1_hex(ma, 1000000, 999, hex);
	g_assert_cmpstr(hex, ==, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	g_free(ma);

	for (i = 0; i < G_N_ELEMENTS(rfc2202); i++) {
		hb_sha1_hmac_key(&hk, rfc2202[i].key, strlen(rfc2202[i].key));
		hb_sha1_hmac(&hk, rfc2202[i].data, strlen(rfc2202[i].data),
			     md);
		hexof(md, HB_SHA1_LEN, hex);
		g_assert_cmpstr(hex, ==, rfc2202[i].hex);
	}
	/* RFC 2202 case 6: a key longer than the block is hashed first */
	memset(key, 0xaa, sizeof(key));
	hb_sha1_hmac_key(&hk, key, 80);
	len = strlen("Test Using Larger Than Block-Size Key - Hash Key First");
	hb_sha1_hmac(&hk,
		     "Test Using Larger Than Block-Size Key - Hash Key First",
		     len, md);
	hexof(md, HB_SHA1_LEN, hex);
	g_assert_cmpstr(hex, ==, "aa4ae5e15272d00e95705637ce8a3b55ed402112");

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i <= 64; i++)
		key[i] = (unsigned char)(i + 1);
	for (len = 0; len < sizeof(data); len++) {
		GHmac *g = g_hmac_new(G_CHECKSUM_SHA1, key, len % 65);
		char ghex[41];

		g_hmac_update(g, data, len);
		g_strlcpy(ghex, g_hmac_get_string(g), sizeof(ghex));
		g_hmac_unref(g);
		hb_sha1_hmac_key(&hk, key, len % 65);
		hb_sha1_hmac(&hk, data, len, md);
		hexof(md, HB_SHA1_LEN, hex);
		g_assert_cmpstr(hex, ==, ghex);
	}
}

static void
test_sha1(void)
{
	hb_sha1_force_portable(0);
	if (g_test_verbose())
		g_test_message("SHA-NI: %s", hb_sha1_accelerated() ? "yes" : "no");
	check_sha1();
	hb_sha1_force_portable(1);
	g_assert_false(hb_sha1_accelerated());
	check_sha1();
	hb_sha1_force_portable(0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/authkeys/good", test_good);
	g_test_add_func("/authkeys/bad", test_bad);
	g_test_add_func("/authkeys/limits", test_limits);
	g_test_add_func("/authkeys/load", test_load);
	g_test_add_func("/authkeys/digests", test_digests);
	g_test_add_func("/authkeys/verify-errors", test_verify_errors);
	g_test_add_func("/authkeys/sha1", test_sha1);
	return g_test_run();
}
