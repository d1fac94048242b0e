/*
 * authkeys.c - the authkeys file parser and Heartbeat's three digests.
 *
 * Parsing follows Heartbeat 3.0.6 (heartbeat-facts.md 3.1); where 3.0.6 is
 * silently lax (garbage after the key, duplicate indexes, overlong lines) we
 * warn or refuse with a "file:line: message" diagnostic instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"
#include "fileread.h"
#include "hb_err.h"

#define AK_MAXLINE 1024		/* longest accepted line, without '\n' */

const char *
hb_auth_method_name(hb_auth_method m)
{
	switch (m) {
	case HB_AUTH_CRC:
		return "crc";
	case HB_AUTH_MD5:
		return "md5";
	case HB_AUTH_SHA1:
		return "sha1";
	case HB_AUTH_NONE:
		break;
	}
	return "none";
}

void
hb_authkeys_free(hb_authkeys *k)
{
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < HB_AUTH_MAXKEYS; i++) {
		if (k->keys[i].key != NULL) {
			explicit_bzero(k->keys[i].key,
					strlen(k->keys[i].key));
			g_free(k->keys[i].key);
		}
		if (k->keys[i].hmac != NULL)
			g_hmac_unref(k->keys[i].hmac);
	}
	explicit_bzero(k, sizeof(*k));
	g_free(k);
}

static gboolean
ak_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Splits line (NUL-terminated, writable) into at most max blank-separated
 * tokens; returns the number of tokens found (max + 1 if more remain). */
static int
ak_tokens(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (ak_is_blank(*p))
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return n + 1;
		tok[n++] = p;
		while (*p != '\0' && !ak_is_blank(*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* Decimal 0..HB_AUTH_MAXKEYS-1 without sign or junk; -1 otherwise. */
static int
ak_index(const char *s)
{
	int v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 2)
		return -1;
	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < HB_AUTH_MAXKEYS ? v : -1;
}

static hb_auth_method
ak_method(const char *s)
{
	if (strcmp(s, "crc") == 0)
		return HB_AUTH_CRC;
	if (strcmp(s, "md5") == 0)
		return HB_AUTH_MD5;
	if (strcmp(s, "sha1") == 0)
		return HB_AUTH_SHA1;
	return HB_AUTH_NONE;
}

static void
ak_line(hb_authkeys *k, const char *path, int lineno, char *line,
	int *auth_line, hb_diag *d, int *nerr)
{
	char *tok[3];
	int n, idx;
	hb_auth_method m;
	char *s = line;

	while (ak_is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return;
	n = ak_tokens(s, tok, 3);
	if (s[0] == 'a') {
		if (strcmp(tok[0], "auth") != 0 || n != 2 ||
		    (idx = ak_index(tok[1])) < 0) {
			hb_diag_error(d, path, lineno,
				      "Bad auth directive (expected \"auth N\" "
				      "with N in 0..%d)", HB_AUTH_MAXKEYS - 1);
			(*nerr)++;
			return;
		}
		if (*auth_line > 0)
			hb_diag_warn(d, path, lineno,
				     "auth directive repeated (line %d); the "
				     "last one wins", *auth_line);
		k->active = idx;
		*auth_line = lineno;
		return;
	}
	if ((idx = ak_index(tok[0])) < 0) {
		hb_diag_error(d, path, lineno,
			      "Bad key index [%s] (expected 0..%d)", tok[0],
			      HB_AUTH_MAXKEYS - 1);
		(*nerr)++;
		return;
	}
	if (n < 2) {
		hb_diag_error(d, path, lineno,
			      "Missing auth method for key index %d", idx);
		(*nerr)++;
		return;
	}
	if ((m = ak_method(tok[1])) == HB_AUTH_NONE) {
		hb_diag_error(d, path, lineno,
			      "Auth method [%s] not found (use crc, md5 or "
			      "sha1)", tok[1]);
		(*nerr)++;
		return;
	}
	if (m == HB_AUTH_CRC && n >= 3) {
		hb_diag_error(d, path, lineno,
			      "Auth method [crc] doesn't use a key");
		(*nerr)++;
		return;
	}
	if (m != HB_AUTH_CRC && n < 3) {
		hb_diag_error(d, path, lineno,
			      "Auth method [%s] requires a key", tok[1]);
		(*nerr)++;
		return;
	}
	if (n > 3)
		hb_diag_warn(d, path, lineno,
			     "text after the key is ignored (a key is one "
			     "token)");
	if (k->keys[idx].method != HB_AUTH_NONE) {
		hb_diag_error(d, path, lineno,
			      "Key index %d defined twice", idx);
		(*nerr)++;
		return;
	}
	k->keys[idx].method = m;
	k->keys[idx].key = m == HB_AUTH_CRC ? NULL : g_strdup(tok[2]);
	if (m == HB_AUTH_SHA1)
		hb_sha1_hmac_key(&k->keys[idx].sha1, tok[2], strlen(tok[2]));
	else if (m == HB_AUTH_MD5)
		k->keys[idx].hmac = g_hmac_new(G_CHECKSUM_MD5,
					       (const guchar *)tok[2],
					       strlen(tok[2]));
}

int
hb_authkeys_parse(const char *path, const char *buf, size_t len,
		  hb_authkeys **out, hb_diag *d)
{
	hb_authkeys *k;
	char line[AK_MAXLINE + 1];
	size_t pos = 0;
	int lineno = 0, nerr = 0, auth_line = 0;

	if (len > HB_AUTHKEYS_MAXFILE) {
		hb_diag_error(d, path, 0, "file is larger than %d bytes",
			      HB_AUTHKEYS_MAXFILE);
		return HB_ECONFIG;
	}
	k = g_new0(hb_authkeys, 1);
	k->active = -1;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;
		size_t ll = end - pos;

		lineno++;
		if (ll > AK_MAXLINE) {
			hb_diag_error(d, path, lineno,
				      "line longer than %d bytes", AK_MAXLINE);
			nerr++;
		} else if (memchr(buf + pos, '\0', ll) != NULL) {
			hb_diag_error(d, path, lineno, "NUL byte in line");
			nerr++;
		} else {
			memcpy(line, buf + pos, ll);
			line[ll] = '\0';
			ak_line(k, path, lineno, line, &auth_line, d, &nerr);
		}
		pos = end + 1;
	}
	explicit_bzero(line, sizeof(line));
	if (nerr == 0 && auth_line == 0) {
		hb_diag_error(d, path, 0, "Missing auth directive");
		nerr++;
	} else if (nerr == 0 && k->keys[k->active].method == HB_AUTH_NONE) {
		hb_diag_error(d, path, auth_line, "Auth Key [%d] not found",
			      k->active);
		nerr++;
	}
	if (nerr > 0) {
		hb_authkeys_free(k);
		return HB_ECONFIG;
	}
	*out = k;
	return 0;
}

int
hb_authkeys_load(const char *path, hb_authkeys **out, hb_diag *d)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = hb_file_read(path, HB_AUTHKEYS_MAXFILE,
			  HB_READ_REGULAR | HB_READ_SECRET, &buf, &len, &st, d);
	if (rc != 0)
		return rc;
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		hb_diag_error(d, path, 0,
			      "Bad permissions on keyfile [%s], 600 recommended.",
			      path);
		rc = HB_ECONFIG;
	} else {
		rc = hb_authkeys_parse(path, buf, len, out, d);
	}
	explicit_bzero(buf, len);
	g_free(buf);
	return rc;
}

/* CRC-32/POSIX register without the length suffix: poly 0x04C11DB7, init 0,
 * MSB first, final complement. */
static guint32
ak_crc32(const unsigned char *p, size_t len)
{
	guint32 crc = 0;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= (guint32)p[i] << 24;
		for (b = 0; b < 8; b++)
			crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u
						  : crc << 1;
	}
	return ~crc;
}

/* HMAC-SHA1 (RFC 2104) is lib/sha1.c's, from the key state computed at
 * load: no allocation, SHA-NI where the CPU has it (three per heartbeat at
 * keepalive 100 ms).  HMAC-MD5 comes from GLib's GHmac.  hbd, which needs
 * nothing else from a crypto library, does not map libcrypto at all (about
 * 300 kB of resident memory more for just being linked). */
#define AK_MAXMD 20

static unsigned int
ak_hmac(const hb_authkeys *k, int idx, const void *data, size_t len,
	unsigned char md[AK_MAXMD])
{
	GHmac *h;
	gsize mdlen = AK_MAXMD;

	if (k->keys[idx].method == HB_AUTH_SHA1) {
		hb_sha1_hmac(&k->keys[idx].sha1, data, len, md);
		return HB_SHA1_LEN;
	}
	/* a copy of the keyed state skips hashing the padded key twice */
	h = k->keys[idx].hmac != NULL ? g_hmac_copy(k->keys[idx].hmac) :
		g_hmac_new(G_CHECKSUM_MD5, (const guchar *)k->keys[idx].key,
			   strlen(k->keys[idx].key));
	g_hmac_update(h, data, len);
	g_hmac_get_digest(h, md, &mdlen);
	g_hmac_unref(h);
	return (unsigned int)mdlen;
}

int
hb_auth_compute(const hb_authkeys *k, int idx, const void *data,
		size_t len, char out[HB_AUTH_MAXSTR])
{
	unsigned char md[AK_MAXMD];
	unsigned int mdlen;
	int off;
	unsigned int i;

	if (k == NULL || idx < 0 || idx >= HB_AUTH_MAXKEYS ||
	    k->keys[idx].method == HB_AUTH_NONE)
		return HB_ENOKEY;
	if (k->keys[idx].method == HB_AUTH_CRC) {
		g_snprintf(out, HB_AUTH_MAXSTR, "%d %lx", idx,
			   (unsigned long)ak_crc32(data, len));
		return 0;
	}
	mdlen = ak_hmac(k, idx, data, len, md);
	/* "%d " without printf (idx is 0..15) */
	off = 0;
	if (idx >= 10)
		out[off++] = (char)('0' + idx / 10);
	out[off++] = (char)('0' + idx % 10);
	out[off++] = ' ';
	for (i = 0; i < mdlen; i++) {
		static const char hex[] = "0123456789abcdef";

		out[off + 2 * i] = hex[md[i] >> 4];
		out[off + 2 * i + 1] = hex[md[i] & 15];
	}
	out[off + 2 * mdlen] = '\0';
	explicit_bzero(md, sizeof(md));
	return 0;
}

/* constant-time comparison: a forger learns nothing from the timing */
static gboolean
ak_equal(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
hb_auth_verify(const hb_authkeys *k, const char *authstr,
	       const void *data, size_t len)
{
	char want[HB_AUTH_MAXSTR];
	size_t n = strnlen(authstr, HB_AUTH_MAXSTR), i;
	int idx = 0, rc;

	/* "<index> <hex>": 1-2 digits, one space, lowercase hex. */
	if (n == 0 || n >= HB_AUTH_MAXSTR)
		return HB_EAUTH;
	for (i = 0; i < n && g_ascii_isdigit(authstr[i]); i++)
		idx = idx * 10 + (authstr[i] - '0');
	if (i == 0 || i > 2 || idx >= HB_AUTH_MAXKEYS || authstr[i] != ' ' ||
	    i + 1 == n)
		return HB_EAUTH;
	for (i++; i < n; i++)
		if (!g_ascii_isxdigit(authstr[i]) ||
		    g_ascii_isupper(authstr[i]))
			return HB_EAUTH;
	rc = hb_auth_compute(k, idx, data, len, want);
	if (rc < 0)
		return rc;
	if (strlen(want) != n || !ak_equal(want, authstr, n))
		return HB_EAUTH;
	return 0;
}
