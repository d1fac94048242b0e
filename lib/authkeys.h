/*
 * authkeys.h - the authkeys file and Heartbeat's message digests.
 *
 * File rules are Heartbeat 3.0.6's (shared/heartbeat-facts.md section 3):
 * "auth N" selects the signing index; "N method [key]" lines define indexes
 * 0..15; crc takes no key, md5 and sha1 need one (a single token).  A file
 * readable by group or other is refused by hb_authkeys_load().
 *
 * Digests: sha1 = HMAC-SHA1, md5 = HMAC-MD5 (40/32 lowercase hex), crc =
 * CRC-32/POSIX without length suffix printed "%lx".  The wire form of an
 * authenticator is "<index> <hex>".
 */
#ifndef HB_AUTHKEYS_H
#define HB_AUTHKEYS_H

#include <stddef.h>
#include <glib.h>
#include "diag.h"
#include "sha1.h"

#define HB_AUTH_MAXKEYS 16
#define HB_AUTH_MAXSTR 64	/* longest "<index> <hex>" plus NUL */
#define HB_AUTHKEYS_MAXFILE 65536

typedef enum hb_auth_method {
	HB_AUTH_NONE = 0,	/* index not defined */
	HB_AUTH_CRC,
	HB_AUTH_MD5,
	HB_AUTH_SHA1,
} hb_auth_method;

typedef struct hb_authkeys {
	int active;		/* index used to sign outgoing messages */
	struct {
		hb_auth_method method;
		char *key;	/* NULL for crc; wiped on free */
		GHmac *hmac;	/* md5: keyed once, each HMAC copies it */
		hb_sha1_key sha1;	/* sha1: the key's padded blocks
					 * hashed once (wiped on free) */
	} keys[HB_AUTH_MAXKEYS];
} hb_authkeys;

/* Pure parser: buf need not be NUL-terminated.  path is used in messages
 * only.  On failure returns HB_ECONFIG with errors in d. */
int hb_authkeys_parse(const char *path, const char *buf, size_t len,
		      hb_authkeys **out, hb_diag *d);
/* Reads path, refuses group/other-readable files ("Bad permissions on keyfile
 * [path], 600 recommended."), then parses. */
int hb_authkeys_load(const char *path, hb_authkeys **out, hb_diag *d);
void hb_authkeys_free(hb_authkeys *k);	/* wipes keys; accepts NULL */

const char *hb_auth_method_name(hb_auth_method m);

/* Computes "<index> <hex>" over data with key index idx into out (size
 * HB_AUTH_MAXSTR).  Returns HB_ENOKEY if idx is not defined. */
int hb_auth_compute(const hb_authkeys *k, int idx, const void *data,
		    size_t len, char out[HB_AUTH_MAXSTR]);
/* Checks an "<index> <hex>" authenticator against data.  Returns 0, HB_EAUTH
 * (mismatch or malformed), or HB_ENOKEY (index not configured). */
int hb_auth_verify(const hb_authkeys *k, const char *authstr,
		   const void *data, size_t len);

#endif
