/*
 * fuzz_wire.c - libFuzzer harness for hb_wire_decode().
 *
 * Each input is decoded with three fixed key sets (sha1, md5, crc at index
 * 1, the keys of tests/vectors so captured packets reach deep).  A decoded
 * message must re-encode in both formats, decode again, and come back
 * field-for-field identical; anything else aborts.
 *
 * So that mutations get past authentication, each input is also tried as
 * the signed part of a netstring packet: the harness appends a valid crc
 * trailer itself, then decodes and re-encodes as above.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"
#include "hb_err.h"
#include "msg.h"
#include "wire.h"

static hb_authkeys *fz_keys[3];

static void
fz_init(void)
{
	static const char *const text[3] = {
		"auth 1\n1 sha1 vectorkey-sha1\n",
		"auth 1\n1 md5 vectorkey-md5\n",
		"auth 1\n1 crc\n",
	};
	int i;

	for (i = 0; i < 3; i++) {
		hb_diag *d = hb_diag_new();

		if (hb_authkeys_parse("fuzz", text[i], strlen(text[i]),
				      &fz_keys[i], d) != 0)
			abort();
		hb_diag_free(d);
	}
}

static void
fz_same(const hb_msg *a, const hb_msg *b)
{
	guint i;

	if (hb_msg_nfields(a) != hb_msg_nfields(b))
		abort();
	for (i = 0; i < hb_msg_nfields(a); i++) {
		const hb_field *fa = &g_array_index(a->fields, hb_field, i);
		const hb_field *fb = &g_array_index(b->fields, hb_field, i);

		if (strcmp(fa->name, fb->name) != 0 || fa->type != fb->type ||
		    fa->vlen != fb->vlen ||
		    memcmp(fa->value, fb->value, fa->vlen) != 0)
			abort();
	}
}

/* Classic cannot carry a literal 0x13 in a string value (it is the escape
 * for '\n'); such messages only travel as netstring, as in Heartbeat. */
static gboolean
fz_classic_ok(const hb_msg *m)
{
	guint i;

	for (i = 0; i < hb_msg_nfields(m); i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);

		if (f->type == HB_FIELD_STRING &&
		    memchr(f->value, '\023', f->vlen) != NULL)
			return FALSE;
	}
	return TRUE;
}

static void
fz_reencode(const hb_msg *orig, const hb_authkeys *k, hb_wire_fmt fmt)
{
	GString *out = g_string_new(NULL);
	hb_msg *m = hb_msg_copy(orig);
	hb_msg *again = NULL;
	hb_wire_fmt got_fmt;
	int rc;

	/* Classic packets are checked by their auth field: re-sign, since a
	 * netstring packet's inner auth field is not verified. */
	if (fmt == HB_WIRE_CLASSIC && hb_wire_sign(m, k) != 0)
		abort();
	rc = hb_wire_encode(m, k, fmt, out);
	if (rc == 0) {
		rc = hb_wire_decode(out->str, out->len, k, &again, &got_fmt);
		if (rc == 0) {
			if (got_fmt != fmt)
				abort();
			fz_same(m, again);
			hb_msg_free(again);
		} else if (rc != HB_ETOOBIG) {
			abort();
		}
	} else if (rc != HB_ETOOBIG) {
		abort();
	}
	hb_msg_free(m);
	g_string_free(out, TRUE);
}

static void
fz_decode(const void *data, size_t size, const hb_authkeys *k)
{
	hb_msg *m = NULL;
	hb_wire_fmt fmt;
	int rc = hb_wire_decode(data, size, k, &m, &fmt);

	if (rc != 0) {
		if (m != NULL || (rc != HB_EMALFORMED && rc != HB_ETOOBIG &&
				  rc != HB_EAUTH && rc != HB_ENOKEY))
			abort();
		return;
	}
	fz_reencode(m, k, HB_WIRE_NETSTRING);
	if (fz_classic_ok(m))
		fz_reencode(m, k, HB_WIRE_CLASSIC);
	hb_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char auth[HB_AUTH_MAXSTR];
	GString *pkt;
	int i;

	if (fz_keys[0] == NULL)
		fz_init();
	for (i = 0; i < 3; i++)
		fz_decode(data, size, fz_keys[i]);
	/* Self-signed netstring: input is everything up to the trailer. */
	if (size < 8 || memcmp(data, "###\n", 4) != 0)
		return 0;
	if (hb_auth_compute(fz_keys[2], 1, data, size, auth) != 0)
		abort();
	pkt = g_string_new_len((const char *)data, (gssize)size);
	g_string_append_printf(pkt, "%zu:%s,", strlen(auth), auth);
	fz_decode(pkt->str, pkt->len, fz_keys[2]);
	g_string_free(pkt, TRUE);
	return 0;
}
