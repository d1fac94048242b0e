/*
 * authkeys.c - the authkeys file and message digests (see authkeys.h).
 *
 * Logged nothing: errors go to the hb_diag.  Keys are wiped on free.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "authkeys.h"
#include "hb_err.h"

const char *
hb_auth_method_name(hb_auth_method m)
{
	switch (m) {
	case HB_AUTH_CRC: return "crc";
	case HB_AUTH_MD5: return "md5";
	case HB_AUTH_SHA1: return "sha1";
	default: return "none";
	}
}

void
hb_authkeys_free(hb_authkeys *k)
{
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < HB_AUTH_MAXKEYS; i++) {
		if (k->keys[i].key != NULL) {
			OPENSSL_cleanse(k->keys[i].key, strlen(k->keys[i].key));
			g_free(k->keys[i].key);
		}
	}
	OPENSSL_cleanse(k, sizeof(*k));
	g_free(k);
}

/* Parses a decimal index 0..15 at the start of *p; advances *p. */
static int
ak_index(const char **p)
{
	const char *s = *p;
	int v = 0, n = 0;

	while (g_ascii_isdigit(*s) && n < 4) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	if (n == 0 || n == 4 || v >= HB_AUTH_MAXKEYS)
		return -1;
	*p = s;
	return v;
}

int
hb_authkeys_parse(const char *path, const char *buf, size_t len,
		  hb_authkeys **out, hb_diag *d)
{
	hb_authkeys *k;
	size_t pos = 0;
	int line = 0, errors = 0, auth_line = 0;

	if (len > HB_AUTHKEYS_MAXFILE) {
		hb_diag_error(d, path, 0, "file too large (%zu bytes, limit %d)",
			      len, HB_AUTHKEYS_MAXFILE);
		return HB_ECONFIG;
	}
	k = g_new0(hb_authkeys, 1);
	k->active = -1;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		g_autofree char *l = g_strndup(buf + pos, llen);
		const char *p;
		char **tok;
		int idx;

		pos += llen + (nl ? 1 : 0);
		line++;
		if (strlen(l) != llen) {
			hb_diag_error(d, path, line, "NUL byte in line");
			errors++;
			continue;
		}
		g_strstrip(l);
		if (*l == '\0' || *l == '#')
			continue;
		if (*l == 'a') {
			p = l;
			if (!g_str_has_prefix(p, "auth") ||
			    !g_ascii_isspace(p[4])) {
				hb_diag_error(d, path, line,
					      "expected \"auth N\": [%s]", l);
				errors++;
				continue;
			}
			p += 4;
			while (g_ascii_isspace(*p))
				p++;
			idx = ak_index(&p);
			if (idx < 0 || (*p && !g_ascii_isspace(*p))) {
				hb_diag_error(d, path, line,
					      "bad auth index in [%s] (0..15)", l);
				errors++;
				continue;
			}
			k->active = idx;
			auth_line = line;
			continue;
		}
		tok = g_strsplit_set(l, " \t", -1);
		{
			char *f[3] = { NULL, NULL, NULL };
			int n = 0, i;

			for (i = 0; tok[i] && n < 3; i++)
				if (*tok[i])
					f[n++] = tok[i];
			p = f[0];
			idx = ak_index(&p);
			if (idx < 0 || *p) {
				hb_diag_error(d, path, line,
					      "bad key index [%s] (0..15)", f[0]);
				errors++;
			} else if (f[1] == NULL) {
				hb_diag_error(d, path, line,
					      "missing auth method for key %d", idx);
				errors++;
			} else if (strcmp(f[1], "crc") == 0) {
				if (f[2] != NULL) {
					hb_diag_error(d, path, line, "Auth method "
						      "[crc] doesn't use a key");
					errors++;
				} else {
					k->keys[idx].method = HB_AUTH_CRC;
				}
			} else if (strcmp(f[1], "md5") == 0 ||
				   strcmp(f[1], "sha1") == 0) {
				if (f[2] == NULL) {
					hb_diag_error(d, path, line, "Auth method "
						      "[%s] requires a key", f[1]);
					errors++;
				} else {
					k->keys[idx].method = f[1][0] == 'm' ?
						HB_AUTH_MD5 : HB_AUTH_SHA1;
					g_free(k->keys[idx].key);
					k->keys[idx].key = g_strdup(f[2]);
				}
			} else {
				hb_diag_error(d, path, line,
					      "Unknown auth method [%s]", f[1]);
				errors++;
			}
			for (i = 0; tok[i]; i++)
				OPENSSL_cleanse(tok[i], strlen(tok[i]));
		}
		g_strfreev(tok);
		OPENSSL_cleanse(l, strlen(l));
	}
	if (k->active < 0) {
		hb_diag_error(d, path, 0, "Missing auth directive");
		errors++;
	} else if (k->keys[k->active].method == HB_AUTH_NONE) {
		hb_diag_error(d, path, auth_line, "Auth Key [%d] not found",
			      k->active);
		errors++;
	}
	if (errors > 0) {
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
	char *buf;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		hb_diag_error(d, path, 0, "cannot open: %s", g_strerror(errno));
		return HB_ECONFIG;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hb_diag_error(d, path, 0, "not a regular file");
		close(fd);
		return HB_ECONFIG;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		hb_diag_error(d, path, 0, "Bad permissions on keyfile [%s], 600 "
			      "recommended.", path);
		close(fd);
		return HB_ECONFIG;
	}
	if (st.st_size > HB_AUTHKEYS_MAXFILE) {
		hb_diag_error(d, path, 0, "file too large");
		close(fd);
		return HB_ECONFIG;
	}
	buf = g_malloc(st.st_size + 1);
	n = read(fd, buf, st.st_size);
	close(fd);
	if (n < 0) {
		hb_diag_error(d, path, 0, "read: %s", g_strerror(errno));
		g_free(buf);
		return HB_ECONFIG;
	}
	rc = hb_authkeys_parse(path, buf, n, out, d);
	OPENSSL_cleanse(buf, n);
	g_free(buf);
	return rc;
}

static guint32 crc_table[256];

static void
crc_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		guint32 i, j, c;

		for (i = 0; i < 256; i++) {
			c = i << 24;
			for (j = 0; j < 8; j++)
				c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u :
					c << 1;
			crc_table[i] = c;
		}
		g_once_init_leave(&done, 1);
	}
}

static guint32
crc32_posix(const guint8 *p, size_t len)
{
	guint32 crc = 0;

	crc_init();
	while (len--)
		crc = (crc << 8) ^ crc_table[((crc >> 24) ^ *p++) & 0xff];
	return ~crc;
}

int
hb_auth_compute(const hb_authkeys *k, int idx, const void *data, size_t len,
		char out[HB_AUTH_MAXSTR])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const EVP_MD *alg;
	int n;

	if (idx < 0 || idx >= HB_AUTH_MAXKEYS)
		return HB_ENOKEY;
	switch (k->keys[idx].method) {
	case HB_AUTH_CRC:
		snprintf(out, HB_AUTH_MAXSTR, "%d %lx", idx,
			 (unsigned long)crc32_posix(data, len));
		return 0;
	case HB_AUTH_MD5:
		alg = EVP_md5();
		break;
	case HB_AUTH_SHA1:
		alg = EVP_sha1();
		break;
	default:
		return HB_ENOKEY;
	}
	if (HMAC(alg, k->keys[idx].key, strlen(k->keys[idx].key), data, len,
		 md, &mdlen) == NULL)
		return HB_EAUTH;
	n = snprintf(out, HB_AUTH_MAXSTR, "%d ", idx);
	for (i = 0; i < mdlen; i++)
		n += snprintf(out + n, HB_AUTH_MAXSTR - n, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
hb_auth_verify(const hb_authkeys *k, const char *authstr, const void *data,
	       size_t len)
{
	char want[HB_AUTH_MAXSTR];
	const char *p = authstr;
	size_t alen = strlen(authstr);
	int idx, rc;

	idx = ak_index(&p);
	if (idx < 0 || *p != ' ' || alen >= HB_AUTH_MAXSTR)
		return HB_EAUTH;
	rc = hb_auth_compute(k, idx, data, len, want);
	if (rc != 0)
		return rc;
	if (strlen(want) != alen || CRYPTO_memcmp(want, authstr, alen) != 0)
		return HB_EAUTH;
	return 0;
}
