/* test_wire.c - messages and the classic/netstring codec, against packets
 * captured from the real Heartbeat 3.0.6 (tests/vectors). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "authkeys.h"
#include "hb_err.h"
#include "msg.h"
#include "wire.h"
#include "test-vectors.h"

static const char *const methods[] = { "sha1", "md5", "crc" };

static hb_authkeys *
keys_text(const char *text)
{
	return tv_keys_text("t", text, strlen(text));
}

static hb_authkeys *
keys_for(const char *method)
{
	g_autofree char *text = NULL;

	if (strcmp(method, "crc") == 0)
		return keys_text("auth 1\n1 crc\n");
	text = g_strdup_printf("auth 1\n1 %s secret-%s\n", method, method);
	return keys_text(text);
}

/* A status message as hbd builds it (heartbeat-facts 4.3 order). */
static hb_msg *
status_msg(void)
{
	static const guint8 uuid[16] = { 0x00, 0x0a, 0x13, 0x0d, 0xff, 0x3d,
					 0x2c, 0x80, 9, 10, 11, 12, 13, 14,
					 15, 16 };
	hb_msg *m = hb_msg_new();

	hb_msg_set(m, "t", "status");
	hb_msg_set(m, "st", "active");
	hb_msg_setf(m, "dt", "%x", 6000);
	hb_msg_set(m, "protocol", "1");
	hb_msg_set(m, "src", "node1");
	hb_msg_set_bin(m, "srcuuid", uuid, sizeof(uuid));
	hb_msg_setf(m, "seq", "%x", 25);
	hb_msg_set(m, "hg", "6b053922");
	hb_msg_set(m, "ts", "6b05393b");
	hb_msg_set(m, "ld", "0.02 0.14 0.08 1/96 13634");
	hb_msg_set(m, "ttl", "3");
	return m;
}

static void
assert_msg_equal(const hb_msg *a, const hb_msg *b)
{
	guint i;

	g_assert_cmpuint(hb_msg_nfields(a), ==, hb_msg_nfields(b));
	for (i = 0; i < hb_msg_nfields(a); i++) {
		const hb_field *fa = &g_array_index(a->fields, hb_field, i);
		const hb_field *fb = &g_array_index(b->fields, hb_field, i);

		g_assert_cmpstr(fa->name, ==, fb->name);
		g_assert_cmpint(fa->type, ==, fb->type);
		g_assert_cmpmem(fa->value, fa->vlen, fb->value, fb->vlen);
		g_assert_cmpint(fa->value[fa->vlen], ==, 0);
	}
}

/* ------------------------------------------------------------- hb_msg */

static void
test_msg(void)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autoptr(hb_msg) c = NULL;
	g_autofree char *desc = NULL;
	uint64_t v = 0;
	size_t len = 0;
	const char *bin;

	hb_msg_set(m, "t", "status");
	hb_msg_setf(m, "seq", "%x", 0xabc);
	hb_msg_set_bin(m, "uuid", "\0\1\2", 3);
	hb_msg_set(m, "ld", "a\"b\n");
	g_assert_cmpuint(hb_msg_nfields(m), ==, 4);
	g_assert_cmpstr(hb_msg_get(m, "t"), ==, "status");
	g_assert_null(hb_msg_get(m, "uuid"));	/* binary */
	g_assert_null(hb_msg_get(m, "nope"));
	bin = hb_msg_get_bin(m, "uuid", &len);
	g_assert_cmpmem(bin, len, "\0\1\2", 3);
	g_assert_nonnull(hb_msg_get_bin(m, "t", &len));
	g_assert_cmpuint(len, ==, 6);
	g_assert_null(hb_msg_get_bin(m, "nope", &len));
	g_assert_true(hb_msg_get_hex(m, "seq", &v));
	g_assert_cmpuint(v, ==, 0xabc);
	g_assert_false(hb_msg_get_hex(m, "t", &v));	/* not hex */
	g_assert_false(hb_msg_get_hex(m, "uuid", &v));
	g_assert_false(hb_msg_get_hex(m, "nope", &v));
	hb_msg_set(m, "x", "12345678901234567");	/* 17 digits */
	g_assert_false(hb_msg_get_hex(m, "x", &v));
	hb_msg_remove(m, "x");

	/* Modify in place keeps order; remove closes the gap. */
	hb_msg_set(m, "t", "NS_ackmsg");
	g_assert_cmpstr(g_array_index(m->fields, hb_field, 0).name, ==, "t");
	g_assert_cmpstr(hb_msg_get(m, "t"), ==, "NS_ackmsg");
	hb_msg_set(m, "uuid", "now-a-string");
	g_assert_cmpstr(hb_msg_get(m, "uuid"), ==, "now-a-string");
	hb_msg_set_bin(m, "uuid", "\0\1\2", 3);
	desc = hb_msg_describe(m);
	g_assert_cmpstr(desc, ==, "t=\"NS_ackmsg\" seq=\"abc\" uuid=<3 bytes> "
			"ld=\"a\\x22b\\x0a\"");
	c = hb_msg_copy(m);
	assert_msg_equal(m, c);
	hb_msg_remove(c, "seq");
	hb_msg_remove(c, "absent");
	g_assert_cmpuint(hb_msg_nfields(c), ==, 3);
	g_assert_cmpstr(g_array_index(c->fields, hb_field, 1).name, ==,
			"uuid");
	hb_msg_free(NULL);
}

/* The numbers of the control fields, formatted without printf, and the
 * arena: a value replaced many times, long values, borrowed pointers. */
static void
test_msg_numbers(void)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autofree char *big = g_strnfill(5000, 'v');
	const char *old;
	uint64_t v = 0;
	int i;

	hb_msg_set_hex(m, "seq", 0);
	g_assert_cmpstr(hb_msg_get(m, "seq"), ==, "0");
	hb_msg_set_hex(m, "seq", 0x6b056b88);
	g_assert_cmpstr(hb_msg_get(m, "seq"), ==, "6b056b88");
	hb_msg_set_hex(m, "hg", G_MAXUINT64);
	g_assert_cmpstr(hb_msg_get(m, "hg"), ==, "ffffffffffffffff");
	g_assert_true(hb_msg_get_hex(m, "hg", &v));
	g_assert_cmpuint(v, ==, G_MAXUINT64);
	hb_msg_set_dec(m, "firstseq", 1234567890123ULL);
	g_assert_cmpstr(hb_msg_get(m, "firstseq"), ==, "1234567890123");
	hb_msg_set_dec(m, "lastseq", 0);
	g_assert_cmpstr(hb_msg_get(m, "lastseq"), ==, "0");
	hb_msg_setf(m, "long", "%s", big);	/* longer than the stack buffer */
	g_assert_cmpstr(hb_msg_get(m, "long"), ==, big);
	old = hb_msg_get(m, "seq");
	for (i = 0; i < 1000; i++)
		hb_msg_set_hex(m, "seq", (uint64_t)i);
	g_assert_cmpstr(old, ==, "6b056b88");	/* still valid until freed */
	g_assert_cmpstr(hb_msg_get(m, "seq"), ==, "3e7");
	g_assert_cmpuint(hb_msg_nfields(m), ==, 5);
	hb_msg_append_len(m, "abcdef", 3, HB_FIELD_BINARY, "x\0y", 3);
	g_assert_cmpuint(hb_msg_nfields(m), ==, 6);
	g_assert_null(hb_msg_get(m, "abc"));	/* binary */
	g_assert_nonnull(hb_msg_get_bin(m, "abc", NULL));
}

/* ------------------------------------------------------------ vectors */

static hb_authkeys *
vector_keys(const char *method)
{
	g_autofree char *name = g_strdup_printf("%s.authkeys", method);
	g_autoptr(GBytes) b = tv_vector(name);
	gsize len;
	const char *text = g_bytes_get_data(b, &len);

	return tv_keys_text(name, text, len);
}

static void
test_vectors(void)
{
	static const char *const types[] = { "status", "ackmsg", "reqnodes" };
	static const char *const tvals[] = { "status", "NS_ackmsg",
					     "reqnodes" };
	guint i, j;

	for (i = 0; i < G_N_ELEMENTS(methods); i++) {
		hb_authkeys *k = vector_keys(methods[i]);
		hb_authkeys *wrong = keys_for(methods[i]);

		for (j = 0; j < G_N_ELEMENTS(types); j++) {
			g_autofree char *name = g_strdup_printf(
				"%s-%s.bin", methods[i], types[j]);
			g_autoptr(GBytes) b = tv_vector(name);
			g_autoptr(hb_msg) m = NULL;
			g_autoptr(hb_msg) m2 = NULL;
			g_autoptr(GString) re = g_string_new(NULL);
			g_autoptr(GString) body = g_string_new(NULL);
			hb_wire_fmt fmt = HB_WIRE_CLASSIC;
			gsize len;
			const guint8 *pkt = g_bytes_get_data(b, &len);
			size_t ulen;

			g_test_message("vector %s", name);
			g_assert_cmpint(hb_wire_decode(pkt, len, k, &m, &fmt),
					==, 0);
			g_assert_cmpint(fmt, ==, HB_WIRE_NETSTRING);
			g_assert_cmpstr(hb_msg_get(m, "t"), ==, tvals[j]);
			g_assert_cmpstr(hb_msg_get(m, "src"), ==, "capnode");
			g_assert_nonnull(hb_msg_get_bin(m, "srcuuid", &ulen));
			g_assert_cmpuint(ulen, ==, 16);
			g_assert_null(hb_msg_get(m, "srcuuid"));

			/* The inner classic auth field verifies too. */
			hb_wire_render_classic_body(m, "auth", body);
			g_assert_cmpint(hb_auth_verify(k, hb_msg_get(m, "auth"),
						       body->str, body->len),
					==, 0);
			/* Our encoder reproduces 3.0.6's bytes exactly. */
			g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_NETSTRING,
						       re), ==, 0);
			g_assert_cmpmem(re->str, re->len, pkt, len);
			/* ...and re-signing gives the same inner auth. */
			m2 = hb_msg_copy(m);
			hb_msg_remove(m2, "auth");
			g_assert_cmpint(hb_wire_sign(m2, k), ==, 0);
			assert_msg_equal(m, m2);

			/* With other keys the packet is refused. */
			g_clear_pointer(&m2, hb_msg_free);
			if (strcmp(methods[i], "crc") != 0)
				g_assert_cmpint(hb_wire_decode(pkt, len, wrong,
							       &m2, NULL), ==,
						HB_EAUTH);
			g_assert_null(m2);

			/* Classic acceptance of the same message. */
			g_string_truncate(re, 0);
			g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_CLASSIC,
						       re), ==, 0);
			g_assert_cmpint(hb_wire_decode(re->str, re->len, k,
						       &m2, &fmt), ==, 0);
			g_assert_cmpint(fmt, ==, HB_WIRE_CLASSIC);
			assert_msg_equal(m, m2);
		}
		hb_authkeys_free(wrong);
		hb_authkeys_free(k);
	}
}

/* ours-classic-<m>.txt, which classic-accept.sh feeds to the real
 * heartbeat, must be exactly what our classic encoder writes. */
static void
test_ours_classic(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(methods); i++) {
		hb_authkeys *k = vector_keys(methods[i]);
		g_autofree char *name = g_strdup_printf("ours-classic-%s.txt",
							methods[i]);
		g_autoptr(GBytes) b = tv_vector(name);
		g_autoptr(hb_msg) m = NULL;
		g_autoptr(GString) re = g_string_new(NULL);
		hb_wire_fmt fmt = HB_WIRE_NETSTRING;
		gsize len;
		const char *pkt = g_bytes_get_data(b, &len);
		char auth[HB_AUTH_MAXSTR];

		g_assert_cmpint(hb_wire_decode(pkt, len, k, &m, &fmt), ==, 0);
		g_assert_cmpint(fmt, ==, HB_WIRE_CLASSIC);
		g_assert_cmpstr(hb_msg_get(m, "src"), ==, "peer");
		g_strlcpy(auth, hb_msg_get(m, "auth"), sizeof(auth));
		hb_msg_remove(m, "auth");
		g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
		g_assert_cmpstr(hb_msg_get(m, "auth"), ==, auth);
		g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_CLASSIC, re), ==,
				0);
		g_assert_cmpmem(re->str, re->len, pkt, len);
		hb_authkeys_free(k);
	}
}

/* --------------------------------------------------------- round trips */

static void
test_roundtrip(void)
{
	guint i;
	int f;

	for (i = 0; i < G_N_ELEMENTS(methods); i++) {
		hb_authkeys *k = keys_for(methods[i]);

		for (f = 0; f < 2; f++) {
			hb_wire_fmt fmt = f ? HB_WIRE_CLASSIC
					    : HB_WIRE_NETSTRING;
			g_autoptr(hb_msg) m = status_msg();
			g_autoptr(hb_msg) got = NULL;
			g_autoptr(GString) out = g_string_new(NULL);
			hb_wire_fmt gfmt;

			/* Newlines, 0x13-free binary with every byte. */
			hb_msg_set(m, "info", "line one\nline two\n");
			hb_msg_set_bin(m, "blob", "\n\0=,\023\377", 6);
			g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
			g_assert_cmpint(hb_wire_encode(m, k, fmt, out), ==, 0);
			g_assert_cmpint(hb_wire_decode(out->str, out->len, k,
						       &got, &gfmt), ==, 0);
			g_assert_cmpint(gfmt, ==, fmt);
			assert_msg_equal(m, got);
			g_assert_cmpstr(hb_msg_get(got, "info"), ==,
					"line one\nline two\n");
			g_clear_pointer(&got, hb_msg_free);

			/* A trailing NUL (old classic senders) is accepted. */
			g_string_append_c(out, '\0');
			g_assert_cmpint(hb_wire_decode(out->str, out->len, k,
						       &got, NULL), ==, 0);
			assert_msg_equal(m, got);
		}
		hb_authkeys_free(k);
	}
}

static void
test_classic_text(void)
{
	hb_authkeys *k = keys_text("auth 2\n2 crc\n");
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) body = g_string_new(NULL);

	hb_msg_set(m, "t", "x");
	hb_msg_set(m, "v", "a\nb");
	hb_msg_set_bin(m, "u", "\1\2\3\4", 4);
	hb_wire_render_classic_body(m, NULL, body);
	g_assert_cmpstr(body->str, ==, "t=x\nv=a\023b\n(1)u=AQIDBA==\n");
	g_string_truncate(body, 0);
	hb_wire_render_classic_body(m, "v", body);
	g_assert_cmpstr(body->str, ==, "t=x\n(1)u=AQIDBA==\n");
	g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
	g_assert_true(g_str_has_prefix(hb_msg_get(m, "auth"), "2 "));
	g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_CLASSIC, out), ==, 0);
	g_string_printf(body, ">>>\nt=x\nv=a\023b\n(1)u=AQIDBA==\nauth=%s\n<<<\n",
			hb_msg_get(m, "auth"));
	g_assert_cmpstr(out->str, ==, body->str);
	hb_authkeys_free(k);
}

/* ------------------------------------------------------------- errors */

static int
dec(const char *s, const hb_authkeys *k)
{
	hb_msg *m = NULL;
	int rc = hb_wire_decode(s, strlen(s), k, &m, NULL);

	if (rc == 0)
		hb_msg_free(m);
	else
		g_assert_null(m);
	return rc;
}

/* Classic packet "t=x\n<extra>" signed with crc index 1 over body. */
static char *
classic_crc(const hb_authkeys *k, const char *body, const char *extra)
{
	char auth[HB_AUTH_MAXSTR];

	g_assert_cmpint(hb_auth_compute(k, 1, body, strlen(body), auth), ==,
			0);
	return g_strdup_printf(">>>\n%sauth=%s\n%s<<<\n", body, auth, extra);
}

/* Netstring packet from raw field netstrings, trailer with index 1. */
static char *
ns_crc(const hb_authkeys *k, const char *fields)
{
	g_autofree char *head = g_strdup_printf("###\n%s%%%%%%\n", fields);
	char auth[HB_AUTH_MAXSTR];

	g_assert_cmpint(hb_auth_compute(k, 1, head, strlen(head), auth), ==,
			0);
	return g_strdup_printf("%s%zu:%s,", head, strlen(auth), auth);
}

static void
test_errors(void)
{
	hb_authkeys *k = keys_text("auth 1\n1 crc\n3 sha1 x\n");
	hb_authkeys *k7 = keys_text("auth 7\n7 crc\n");
	static const char *const bad_classic[] = {
		"t=x\nnoequals\n", "t=x\n=v\n", "t=x\nn=\n", "t=x\n(2)s=v\n",
		"t=x\n(9)s=v\n", "t=x\n(1)b=AQI\n", "t=x\n(1)b=A=I=\n",
		"t=x\n(1)b=AQJ=\n", "t=x\n(1)b=====\n", "t=x\nt=y\n",
		"t=x\nna me=v\n", "t=x\n(x)n=v\n", "t=x\n(10)n=v\n",
		"t=x\n((1)n=v\n",
	};
	static const char *const bad_ns[] = {
		"5:(0)t=,", "6:(2)t=x,", "4:t=xy,", "7:(0)t=x,", "5:(0)t=x,",
		"06:(0)t=x,", "6:(0)t=x;", "6(0)t=x,", ":(0)t=x,",
		"6:(0)=xx,", "6:(0)t=x,6:(0)t=y,", "9999999999:(0)t=x,",
		"7:(1)t=xx,4:(0)=,", "7:(0)t x=y,", "8:(0)(1)t=x,",
	};
	guint i;
	char *p;

	/* Not a packet at all. */
	g_assert_cmpint(dec("", k), ==, HB_EMALFORMED);
	g_assert_cmpint(dec(">>>", k), ==, HB_EMALFORMED);
	g_assert_cmpint(dec("hello\n", k), ==, HB_EMALFORMED);

	/* Classic: good, then every malformation. */
	p = classic_crc(k, "t=x\n", "");
	g_assert_cmpint(dec(p, k), ==, 0);
	g_assert_cmpint(dec(p, NULL), ==, HB_ENOKEY);
	g_free(p);
	p = classic_crc(k, "t=x\n", "\n\n");	/* blank lines skipped */
	g_assert_cmpint(dec(p, k), ==, 0);
	g_free(p);
	p = classic_crc(k, "t=x\n", "(0)s=v\n");	/* explicit (0) */
	g_assert_cmpint(dec(p, k), ==, HB_EAUTH);	/* s is not signed */
	g_free(p);
	for (i = 0; i < G_N_ELEMENTS(bad_classic); i++) {
		p = classic_crc(k, bad_classic[i], "");
		g_test_message("classic %u", i);
		g_assert_cmpint(dec(p, k), ==, HB_EMALFORMED);
		g_free(p);
	}
	/* Duplicate auth field. */
	p = classic_crc(k, "t=x\n", "auth=1 0\n");
	g_assert_cmpint(dec(p, k), ==, HB_EMALFORMED);
	g_free(p);
	/* Missing auth, unknown index, binary auth. */
	g_assert_cmpint(dec(">>>\nt=x\n<<<\n", k), ==, HB_EAUTH);
	g_assert_cmpint(dec(">>>\nt=x\nauth=2 abc\n<<<\n", k), ==, HB_ENOKEY);
	g_assert_cmpint(dec(">>>\nt=x\nauth=3 abc\n<<<\n", k), ==, HB_EAUTH);
	g_assert_cmpint(dec(">>>\nt=x\n(1)auth=AQI=\n<<<\n", k), ==, HB_EAUTH);
	/* Junk after <<<, a NUL inside, missing end. */
	p = classic_crc(k, "t=x\n", "<<<\n");
	g_assert_cmpint(dec(p, k), ==, HB_EMALFORMED);
	g_free(p);
	g_assert_cmpint(hb_wire_decode(">>>\nt=\0\n<<<\n", 12, k,
				       &(hb_msg *){ NULL }, NULL), ==,
			HB_EMALFORMED);
	g_assert_cmpint(dec(">>>\nt=x\n<<<", k), ==, HB_EMALFORMED);

	/* Netstring: good, then every malformation. */
	p = ns_crc(k, "6:(0)t=x,");
	g_assert_cmpint(dec(p, k), ==, 0);
	g_assert_cmpint(dec(p, k7), ==, HB_ENOKEY);
	g_free(p);
	p = ns_crc(k, "");			/* empty message */
	g_assert_cmpint(dec(p, k), ==, 0);
	g_free(p);
	for (i = 0; i < G_N_ELEMENTS(bad_ns); i++) {
		p = ns_crc(k, bad_ns[i]);
		g_test_message("netstring %u", i);
		g_assert_cmpint(dec(p, k), ==, HB_EMALFORMED);
		g_free(p);
	}
	/* An embedded NUL in a string value (strlen would hide it). */
	{
		static const char raw[] = "###\n8:(0)t=a\0b,%%%\n";
		char auth[HB_AUTH_MAXSTR];
		g_autoptr(GString) s = g_string_new_len(raw, sizeof(raw) - 1);
		hb_msg *m = NULL;

		hb_auth_compute(k, 1, s->str, s->len, auth);
		g_string_append_printf(s, "%zu:%s,", strlen(auth), auth);
		g_assert_cmpint(hb_wire_decode(s->str, s->len, k, &m, NULL),
				==, HB_EMALFORMED);
		/* Binary values may hold NULs. */
		g_string_assign(s, "");
		g_string_append_len(s, "###\n8:(1)t=a\0b,%%%\n", 19);
		hb_auth_compute(k, 1, s->str, s->len, auth);
		g_string_append_printf(s, "%zu:%s,", strlen(auth), auth);
		g_assert_cmpint(hb_wire_decode(s->str, s->len, k, &m, NULL),
				==, 0);
		g_assert_cmpmem(hb_msg_get_bin(m, "t", NULL), 3, "a\0b", 3);
		hb_msg_free(m);
	}
	/* Unknown type, trailer problems. */
	g_assert_cmpint(dec("###\n6:(0)t=x,%%%\n", k), ==, HB_EAUTH);
	g_assert_cmpint(dec("###\n6:(0)t=x,%%%\n0:,", k), ==, HB_EAUTH);
	g_assert_cmpint(dec("###\n6:(0)t=x,%%%\n3:1 0,", k), ==, HB_EAUTH);
	g_assert_cmpint(dec("###\n6:(0)t=x,%%%\n3:2 0,", k), ==, HB_ENOKEY);
	g_assert_cmpint(dec("###\n6:(0)t=x,%%%\n3:1 0", k), ==, HB_EMALFORMED);
	g_assert_cmpint(dec("###\n6:(0)t=x,", k), ==, HB_EMALFORMED);
	p = ns_crc(k, "6:(0)t=x,");
	{
		g_autofree char *two = g_strconcat(p, "3:1 0,", NULL);

		g_assert_cmpint(dec(two, k), ==, HB_EMALFORMED);
	}
	g_free(p);
	hb_authkeys_free(k7);
	hb_authkeys_free(k);
}

static void
test_tamper(void)
{
	guint i, f;

	for (i = 0; i < G_N_ELEMENTS(methods); i++) {
		hb_authkeys *k = keys_for(methods[i]);

		for (f = 0; f < 2; f++) {
			g_autoptr(hb_msg) m = status_msg();
			g_autoptr(GString) out = g_string_new(NULL);
			size_t pos;
			guint accepted = 0;

			g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
			g_assert_cmpint(hb_wire_encode(m, k, f ? HB_WIRE_CLASSIC
							       : HB_WIRE_NETSTRING,
						       out), ==, 0);
			/* Flip one bit of every byte in turn: never accepted
			 * (crc detects every single-bit error). */
			for (pos = 0; pos < out->len; pos++) {
				hb_msg *got = NULL;
				int rc;

				out->str[pos] ^= 0x01;
				rc = hb_wire_decode(out->str, out->len, k,
						    &got, NULL);
				out->str[pos] ^= 0x01;
				if (rc == 0) {
					accepted++;
					hb_msg_free(got);
				}
				g_assert_true(rc == HB_EAUTH ||
					      rc == HB_EMALFORMED ||
					      rc == HB_ENOKEY);
			}
			g_assert_cmpuint(accepted, ==, 0);
			/* A changed value byte is specifically HB_EAUTH. */
			pos = strstr(out->str, "active") - out->str;
			out->str[pos] = 'A';
			{
				hb_msg *got = NULL;

				g_assert_cmpint(hb_wire_decode(out->str,
							       out->len, k,
							       &got, NULL),
						==, HB_EAUTH);
				g_assert_null(got);
			}
		}
		hb_authkeys_free(k);
	}
}

static void
test_truncate(void)
{
	guint i, f;

	for (i = 0; i < G_N_ELEMENTS(methods); i++) {
		hb_authkeys *k = keys_for(methods[i]);

		for (f = 0; f < 2; f++) {
			g_autoptr(hb_msg) m = status_msg();
			g_autoptr(GString) out = g_string_new(NULL);
			size_t len;

			g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
			g_assert_cmpint(hb_wire_encode(m, k, f ? HB_WIRE_CLASSIC
							       : HB_WIRE_NETSTRING,
						       out), ==, 0);
			for (len = 0; len < out->len; len++) {
				/* A fresh copy so ASan sees reads past len. */
				g_autofree char *cut = g_memdup2(out->str, len);
				hb_msg *got = NULL;
				int rc = hb_wire_decode(cut, len, k, &got,
							NULL);

				g_assert_cmpint(rc, <, 0);
				g_assert_null(got);
			}
		}
		hb_authkeys_free(k);
	}
}

static void
test_limits(void)
{
	hb_authkeys *k = keys_text("auth 1\n1 sha1 k\n");
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *big = g_malloc0(HB_WIRE_MAXPACKET + 2);
	hb_msg *got = NULL;
	guint i;

	/* Exactly HB_MSG_MAXFIELDS fields decode; one more is too many. */
	for (i = 0; i < HB_MSG_MAXFIELDS - 1; i++) {
		char name[16];

		g_snprintf(name, sizeof(name), "f%u", i);
		hb_msg_setf(m, name, "%u", i);
	}
	g_assert_cmpint(hb_wire_sign(m, k), ==, 0);	/* field 256 */
	g_assert_cmpuint(hb_msg_nfields(m), ==, HB_MSG_MAXFIELDS);
	for (i = 0; i < 2; i++) {
		hb_wire_fmt fmt = i ? HB_WIRE_CLASSIC : HB_WIRE_NETSTRING;

		g_string_truncate(out, 0);
		g_assert_cmpint(hb_wire_encode(m, k, fmt, out), ==, 0);
		g_assert_cmpint(hb_wire_decode(out->str, out->len, k, &got,
					       NULL), ==, 0);
		hb_msg_free(got);
		got = NULL;
	}
	hb_msg_set(m, "extra", "1");
	g_assert_cmpint(hb_wire_sign(m, k), ==, 0);
	for (i = 0; i < 2; i++) {
		hb_wire_fmt fmt = i ? HB_WIRE_CLASSIC : HB_WIRE_NETSTRING;

		g_string_truncate(out, 0);
		g_assert_cmpint(hb_wire_encode(m, k, fmt, out), ==, 0);
		g_assert_cmpint(hb_wire_decode(out->str, out->len, k, &got,
					       NULL), ==, HB_ETOOBIG);
		g_assert_null(got);
	}

	/* Packet size. */
	memcpy(big, "###\n", 4);
	/* MAXPACKET + 1 bytes is fine only if the last is a NUL. */
	g_assert_cmpint(hb_wire_decode(big, HB_WIRE_MAXPACKET + 2, k, &got,
				       NULL), ==, HB_ETOOBIG);
	big[HB_WIRE_MAXPACKET] = 'x';
	g_assert_cmpint(hb_wire_decode(big, HB_WIRE_MAXPACKET + 1, k, &got,
				       NULL), ==, HB_ETOOBIG);
	g_assert_null(got);

	/* Encoding a message that does not fit. */
	g_clear_pointer(&m, hb_msg_free);
	m = hb_msg_new();
	memset(big, 'v', HB_WIRE_MAXPACKET);
	big[HB_WIRE_MAXPACKET] = '\0';
	hb_msg_set(m, "v", big);
	g_string_assign(out, "keep");
	g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_NETSTRING, out), ==,
			HB_ETOOBIG);
	g_assert_cmpint(hb_wire_encode(m, k, HB_WIRE_CLASSIC, out), ==,
			HB_ETOOBIG);
	g_assert_cmpstr(out->str, ==, "keep");
	g_assert_cmpint(hb_wire_encode(m, NULL, HB_WIRE_NETSTRING, out), ==,
			HB_ENOKEY);
	g_assert_cmpint(hb_wire_sign(m, NULL), ==, HB_ENOKEY);
	hb_authkeys_free(k);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/wire/msg", test_msg);
	g_test_add_func("/wire/msg-numbers", test_msg_numbers);
	g_test_add_func("/wire/vectors", test_vectors);
	g_test_add_func("/wire/ours-classic", test_ours_classic);
	g_test_add_func("/wire/roundtrip", test_roundtrip);
	g_test_add_func("/wire/classic-text", test_classic_text);
	g_test_add_func("/wire/errors", test_errors);
	g_test_add_func("/wire/tamper", test_tamper);
	g_test_add_func("/wire/truncate", test_truncate);
	g_test_add_func("/wire/limits", test_limits);
	return g_test_run();
}
