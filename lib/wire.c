/*
 * wire.c - Heartbeat 3.0.6 classic and netstring wire formats (wire.h).
 *
 * Decoding is bounded: at most HB_WIRE_MAXPACKET bytes and
 * HB_MSG_MAXFIELDS fields, every length checked against what is left.
 * Nothing is logged here.
 */
#include "config.h"

#include <string.h>

#include "hb_err.h"
#include "wire.h"

#define CLASSIC_NL_ESC 0x13

static void
render_field_classic(const hb_field *f, GString *out)
{
	size_t i;

	if (f->type == HB_FIELD_BINARY) {
		g_autofree char *b64 = g_base64_encode((const guchar *)f->value,
						       f->vlen);

		g_string_append_printf(out, "(1)%s=%s\n", f->name, b64);
		return;
	}
	g_string_append(out, f->name);
	g_string_append_c(out, '=');
	for (i = 0; i < f->vlen; i++)
		g_string_append_c(out, f->value[i] == '\n' ? CLASSIC_NL_ESC :
				  f->value[i]);
	g_string_append_c(out, '\n');
}

void
hb_wire_render_classic_body(const hb_msg *m, const char *skip, GString *out)
{
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);

		if (skip != NULL && strcmp(f->name, skip) == 0)
			continue;
		render_field_classic(f, out);
	}
}

int
hb_wire_sign(hb_msg *m, const hb_authkeys *k)
{
	g_autoptr(GString) body = g_string_new(NULL);
	char auth[HB_AUTH_MAXSTR];
	int rc;

	hb_wire_render_classic_body(m, "auth", body);
	rc = hb_auth_compute(k, k->active, body->str, body->len, auth);
	if (rc != 0)
		return rc;
	hb_msg_set(m, "auth", auth);
	return 0;
}

int
hb_wire_encode(const hb_msg *m, const hb_authkeys *k, hb_wire_fmt fmt,
	       GString *out)
{
	size_t start = out->len;
	guint i;
	int rc;

	if (fmt == HB_WIRE_CLASSIC) {
		g_string_append(out, ">>>\n");
		hb_wire_render_classic_body(m, NULL, out);
		g_string_append(out, "<<<\n");
	} else {
		char auth[HB_AUTH_MAXSTR];

		g_string_append(out, "###\n");
		for (i = 0; i < m->fields->len; i++) {
			const hb_field *f = &g_array_index(m->fields, hb_field, i);

			g_string_append_printf(out, "%zu:(%d)%s=",
					       3 + strlen(f->name) + 1 + f->vlen,
					       f->type, f->name);
			g_string_append_len(out, f->value, f->vlen);
			g_string_append_c(out, ',');
		}
		g_string_append(out, "%%%\n");
		rc = hb_auth_compute(k, k->active, out->str + start,
				     out->len - start, auth);
		if (rc != 0) {
			g_string_truncate(out, start);
			return rc;
		}
		g_string_append_printf(out, "%zu:%s,", strlen(auth), auth);
	}
	if (out->len - start > HB_WIRE_MAXPACKET) {
		g_string_truncate(out, start);
		return HB_ETOOBIG;
	}
	return 0;
}

static gboolean
valid_name(const char *n, size_t len)
{
	size_t i;

	if (len == 0 || len > 255)
		return FALSE;
	for (i = 0; i < len; i++)
		if (n[i] == '=' || n[i] == '\n' || n[i] == '\0' ||
		    n[i] == '(' || n[i] == ',')
			return FALSE;
	return TRUE;
}

/* Adds a field from "(T)name=value" or "name=value" bytes. */
static int
add_field(hb_msg *m, const char *p, size_t len, gboolean classic)
{
	int type = HB_FIELD_STRING;
	const char *eq;
	size_t nlen, vlen;
	g_autofree char *name = NULL;

	if (len >= 3 && p[0] == '(' && p[2] == ')') {
		if (p[1] != '0' && p[1] != '1')
			return HB_EMALFORMED;	/* struct/compressed: not v1 */
		type = p[1] - '0';
		p += 3;
		len -= 3;
	} else if (!classic) {
		return HB_EMALFORMED;	/* netstring fields carry a type */
	}
	eq = memchr(p, '=', len);
	if (eq == NULL)
		return HB_EMALFORMED;
	nlen = eq - p;
	vlen = len - nlen - 1;
	if (!valid_name(p, nlen))
		return HB_EMALFORMED;
	name = g_strndup(p, nlen);
	if (hb_msg_get_bin(m, name, NULL) != NULL)
		return HB_EMALFORMED;	/* duplicate field */
	if (hb_msg_nfields(m) >= HB_MSG_MAXFIELDS)
		return HB_ETOOBIG;
	if (type == HB_FIELD_BINARY && classic) {
		g_autofree char *b64 = g_strndup(eq + 1, vlen);
		g_autofree guchar *raw = NULL;
		gsize rlen = 0;
		size_t i;

		for (i = 0; i < vlen; i++)
			if (!g_ascii_isalnum(b64[i]) && b64[i] != '+' &&
			    b64[i] != '/' && b64[i] != '=')
				return HB_EMALFORMED;
		if (vlen % 4 != 0)
			return HB_EMALFORMED;
		raw = g_base64_decode(b64, &rlen);
		hb_msg_set_bin(m, name, raw, rlen);
		return 0;
	}
	if (type == HB_FIELD_STRING) {
		g_autofree char *v = g_strndup(eq + 1, vlen);
		size_t i;

		if (vlen == 0 || strlen(v) != vlen)
			return HB_EMALFORMED;	/* empty or embedded NUL */
		if (classic)
			for (i = 0; i < vlen; i++)
				if (v[i] == CLASSIC_NL_ESC)
					v[i] = '\n';
		hb_msg_set(m, name, v);
		return 0;
	}
	hb_msg_set_bin(m, name, eq + 1, vlen);
	return 0;
}

static int
decode_classic(const char *buf, size_t len, const hb_authkeys *k,
	       hb_msg **out)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	g_autoptr(GString) body = g_string_new(NULL);
	size_t pos = 4;
	gboolean ended = FALSE;
	const char *auth;
	int rc;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen;

		if (nl == NULL)
			return HB_EMALFORMED;	/* truncated */
		llen = nl - (buf + pos);
		if (llen == 3 && memcmp(buf + pos, "<<<", 3) == 0) {
			ended = TRUE;
			pos += 4;
			break;
		}
		if (llen > 0) {
			rc = add_field(m, buf + pos, llen, TRUE);
			if (rc != 0)
				return rc;
		}
		pos += llen + 1;
	}
	if (!ended || pos != len)
		return HB_EMALFORMED;
	auth = hb_msg_get(m, "auth");
	if (auth == NULL)
		return HB_EAUTH;
	hb_wire_render_classic_body(m, "auth", body);
	rc = hb_auth_verify(k, auth, body->str, body->len);
	if (rc != 0)
		return rc;
	*out = g_steal_pointer(&m);
	return 0;
}

/* Reads "<len>:" at buf+*pos; returns the length or -1. */
static long
ns_len(const char *buf, size_t len, size_t *pos)
{
	long v = 0;
	int n = 0;

	while (*pos < len && g_ascii_isdigit(buf[*pos])) {
		if (++n > 7)
			return -1;
		v = v * 10 + (buf[(*pos)++] - '0');
	}
	if (n == 0 || *pos >= len || buf[*pos] != ':')
		return -1;
	(*pos)++;
	return v;
}

static int
decode_netstring(const char *buf, size_t len, const hb_authkeys *k,
		 hb_msg **out)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	size_t pos = 4, signed_end;
	g_autofree char *auth = NULL;
	long l;
	int rc;

	for (;;) {
		if (len - pos >= 4 && memcmp(buf + pos, "%%%\n", 4) == 0) {
			pos += 4;
			break;
		}
		l = ns_len(buf, len, &pos);
		if (l < 0 || (size_t)l >= len - pos || buf[pos + l] != ',')
			return HB_EMALFORMED;
		rc = add_field(m, buf + pos, l, FALSE);
		if (rc != 0)
			return rc;
		pos += l + 1;
	}
	signed_end = pos;
	l = ns_len(buf, len, &pos);
	if (l <= 0 || l >= HB_AUTH_MAXSTR || (size_t)l >= len - pos ||
	    buf[pos + l] != ',')
		return l < 0 ? HB_EMALFORMED : HB_EAUTH;
	auth = g_strndup(buf + pos, l);
	if (strlen(auth) != (size_t)l)
		return HB_EAUTH;
	pos += l + 1;
	if (pos != len)
		return HB_EMALFORMED;
	rc = hb_auth_verify(k, auth, buf, signed_end);
	if (rc != 0)
		return rc;
	*out = g_steal_pointer(&m);
	return 0;
}

int
hb_wire_decode(const void *data, size_t len, const hb_authkeys *k,
	       hb_msg **out_msg, hb_wire_fmt *out_fmt)
{
	const char *buf = data;
	hb_msg *m = NULL;
	int rc;

	if (len > HB_WIRE_MAXPACKET + 1)
		return HB_ETOOBIG;
	while (len > 0 && buf[len - 1] == '\0')	/* old senders add a NUL */
		len--;
	if (len < 4)
		return HB_EMALFORMED;
	if (memcmp(buf, "###\n", 4) == 0) {
		rc = decode_netstring(buf, len, k, &m);
		if (rc == 0 && out_fmt)
			*out_fmt = HB_WIRE_NETSTRING;
	} else if (memcmp(buf, ">>>\n", 4) == 0) {
		rc = decode_classic(buf, len, k, &m);
		if (rc == 0 && out_fmt)
			*out_fmt = HB_WIRE_CLASSIC;
	} else {
		return HB_EMALFORMED;
	}
	if (rc == 0)
		*out_msg = m;
	return rc;
}
