/*
 * wire.c - Heartbeat 3.0.6 classic and netstring packets (see wire.h and
 * doc/wire-format.md).
 *
 * Decoding runs in two passes over the untrusted bytes: a framing pass that
 * only records field spans (bounded by HB_MSG_MAXFIELDS) and checks syntax,
 * then authentication, then building the hb_msg.  Nothing is logged.
 */
#include "config.h"

#include <string.h>

#include "hb_err.h"
#include "wire.h"

#define WIRE_CLASSIC_BEGIN ">>>\n"
#define WIRE_CLASSIC_END "<<<\n"
#define WIRE_NS_BEGIN "###\n"
#define WIRE_NS_END "%%%\n"
#define WIRE_NS_MAXDIGITS 7	/* enough for HB_WIRE_MAXPACKET */
#define WIRE_ESC_NL '\023'	/* classic escape for '\n' in strings */

typedef struct wire_span {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
	int type;
} wire_span;

/* ---------------------------------------------------------------- encode */

/* g_string_append_len without its general case (GLib 2.74 has no inline
 * fast path): a heartbeat appends ~60 pieces to a buffer with room. */
static inline void
wire_put(GString *out, const char *p, size_t n)
{
	if (out->len + n < out->allocated_len) {
		memcpy(out->str + out->len, p, n);
		out->len += n;
		out->str[out->len] = '\0';
	} else {
		g_string_append_len(out, p, (gssize)n);
	}
}

/* a string literal, its length from its type */
#define WIRE_PUT_LIT(out, lit) wire_put(out, lit, sizeof(lit) - 1)

/* Appends standard base64 with padding (g_base64_encode's output) without
 * an allocation. */
static void
wire_append_base64(GString *out, const char *v, size_t n)
{
	size_t start = out->len, len;
	gint state = 0, save = 0;

	g_string_set_size(out, start + (n / 3 + 1) * 4 + 4);
	len = g_base64_encode_step((const guchar *)v, n, FALSE,
				   out->str + start, &state, &save);
	len += g_base64_encode_close(FALSE, out->str + start + len, &state,
				     &save);
	g_string_truncate(out, start + len);
}

/* Appends n in decimal (the netstring lengths) without printf. */
static void
wire_append_size(GString *out, size_t n)
{
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	wire_put(out, buf + i, sizeof(buf) - i);
}

void
hb_wire_render_classic_body(const hb_msg *m, const char *skip, GString *out)
{
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);
		const char *p, *end, *nl;

		if (skip != NULL && strcmp(f->name, skip) == 0)
			continue;
		if (f->type == HB_FIELD_BINARY) {
			WIRE_PUT_LIT(out, "(1)");
			wire_put(out, f->name, strlen(f->name));
			g_string_append_c(out, '=');
			wire_append_base64(out, f->value, f->vlen);
			g_string_append_c(out, '\n');
			continue;
		}
		wire_put(out, f->name, strlen(f->name));
		g_string_append_c(out, '=');
		/* runs without a newline at once; '\n' is escaped */
		for (p = f->value, end = f->value + f->vlen; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL) {
				wire_put(out, p, (size_t)(end - p));
				break;
			}
			wire_put(out, p, (size_t)(nl - p));
			g_string_append_c(out, WIRE_ESC_NL);
		}
		g_string_append_c(out, '\n');
	}
}

int
hb_wire_sign(hb_msg *m, const hb_authkeys *k)
{
	g_autoptr(GString) body = g_string_sized_new(1024);
	char auth[HB_AUTH_MAXSTR];
	int rc;

	if (k == NULL)
		return HB_ENOKEY;
	hb_wire_render_classic_body(m, "auth", body);
	rc = hb_auth_compute(k, k->active, body->str, body->len, auth);
	if (rc < 0)
		return rc;
	hb_msg_set(m, "auth", auth);
	return 0;
}

static int
wire_encode_netstring(const hb_msg *m, const hb_authkeys *k, GString *out)
{
	size_t start = out->len;
	char auth[HB_AUTH_MAXSTR];
	guint i;
	int rc;

	WIRE_PUT_LIT(out, WIRE_NS_BEGIN);
	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);

		size_t nlen = strlen(f->name);

		wire_append_size(out, 3 + nlen + 1 + f->vlen);
		if (f->type == HB_FIELD_BINARY)
			WIRE_PUT_LIT(out, ":(1)");
		else
			WIRE_PUT_LIT(out, ":(0)");
		wire_put(out, f->name, nlen);
		g_string_append_c(out, '=');
		wire_put(out, f->value, f->vlen);
		g_string_append_c(out, ',');
		if (out->len - start > HB_WIRE_MAXPACKET)
			goto toobig;
	}
	WIRE_PUT_LIT(out, WIRE_NS_END);
	rc = hb_auth_compute(k, k->active, out->str + start, out->len - start,
			     auth);
	if (rc < 0) {
		g_string_truncate(out, start);
		return rc;
	}
	wire_append_size(out, strlen(auth));
	g_string_append_c(out, ':');
	wire_put(out, auth, strlen(auth));
	g_string_append_c(out, ',');
	if (out->len - start > HB_WIRE_MAXPACKET)
		goto toobig;
	return 0;
toobig:
	g_string_truncate(out, start);
	return HB_ETOOBIG;
}

int
hb_wire_encode(const hb_msg *m, const hb_authkeys *k, hb_wire_fmt fmt,
	       GString *out)
{
	size_t start = out->len;

	if (fmt == HB_WIRE_NETSTRING) {
		if (k == NULL)
			return HB_ENOKEY;
		return wire_encode_netstring(m, k, out);
	}
	WIRE_PUT_LIT(out, WIRE_CLASSIC_BEGIN);
	hb_wire_render_classic_body(m, NULL, out);
	WIRE_PUT_LIT(out, WIRE_CLASSIC_END);
	if (out->len - start > HB_WIRE_MAXPACKET) {
		g_string_truncate(out, start);
		return HB_ETOOBIG;
	}
	return 0;
}

/* ---------------------------------------------------------------- decode */

/* Field spans of the packet being decoded: one buffer per thread instead
 * of a 10 KB allocation per packet (which made malloc consolidate its
 * free lists on every heartbeat).  The decoders do not nest. */
static _Thread_local wire_span wire_spans[HB_MSG_MAXFIELDS];

/* A field name: printable ASCII without blanks or '=', not starting with
 * '(' (a classic line would read it as a type prefix). */
static gboolean
wire_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '(')
		return FALSE;
	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == '=')
			return FALSE;
	return TRUE;
}

/* Parses "[(T)]name=value" in p[0..n).  allow_untyped: classic lines may
 * omit the type (string).  Values may not be empty. */
static int
wire_split_field(const char *p, size_t n, gboolean allow_untyped,
		 wire_span *s)
{
	const char *eq;

	s->type = HB_FIELD_STRING;
	if (n >= 3 && p[0] == '(' && p[2] == ')') {
		if (p[1] != '0' && p[1] != '1')
			return HB_EMALFORMED;
		s->type = p[1] - '0';
		p += 3;
		n -= 3;
	} else if (!allow_untyped) {
		return HB_EMALFORMED;
	}
	eq = memchr(p, '=', n);
	if (eq == NULL)
		return HB_EMALFORMED;
	s->name = p;
	s->nlen = (size_t)(eq - p);
	s->val = eq + 1;
	s->vlen = n - s->nlen - 1;
	if (!wire_name_ok(s->name, s->nlen) || s->vlen == 0)
		return HB_EMALFORMED;
	if (s->type == HB_FIELD_STRING && memchr(s->val, '\0', s->vlen))
		return HB_EMALFORMED;
	return 0;
}

static int
wire_add_span(wire_span *spans, guint *nspans, const wire_span *s)
{
	guint i;

	if (*nspans >= HB_MSG_MAXFIELDS)
		return HB_ETOOBIG;
	for (i = 0; i < *nspans; i++)
		if (spans[i].nlen == s->nlen &&
		    memcmp(spans[i].name, s->name, s->nlen) == 0)
			return HB_EMALFORMED;	/* duplicate name */
	spans[(*nspans)++] = *s;
	return 0;
}

/* Strict base64: canonical standard alphabet with padding. */
static int
wire_base64(const char *v, size_t n, guchar **out, size_t *out_len)
{
	g_autofree char *tmp = NULL;
	g_autofree char *again = NULL;
	guchar *bin;
	gsize blen;
	size_t i;

	if (n % 4 != 0)
		return HB_EMALFORMED;
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (g_ascii_isalnum(c) || c == '+' || c == '/')
			continue;
		if (c == '=' && i >= n - 2 && (i == n - 1 || v[n - 1] == '='))
			continue;
		return HB_EMALFORMED;
	}
	tmp = g_strndup(v, n);
	bin = g_base64_decode(tmp, &blen);
	again = g_base64_encode(bin, blen);
	if (blen == 0 || strcmp(again, tmp) != 0) {
		g_free(bin);
		return HB_EMALFORMED;
	}
	*out = bin;
	*out_len = blen;
	return 0;
}

/* Builds the message from spans; classic string values get 0x13 -> '\n'
 * and binary values are base64-decoded.  Names are unique (wire_add_span),
 * so each field is appended with one copy. */
static int
wire_build(const wire_span *spans, guint n, gboolean classic,
	   hb_msg **out)
{
	g_autoptr(hb_msg) m = hb_msg_new();
	guint i;

	for (i = 0; i < n; i++) {
		const wire_span *s = &spans[i];

		if (s->type == HB_FIELD_BINARY && classic) {
			guchar *bin = NULL;
			size_t blen = 0;
			int rc = wire_base64(s->val, s->vlen, &bin, &blen);

			if (rc < 0)
				return rc;
			hb_msg_append_len(m, s->name, s->nlen, HB_FIELD_BINARY,
					  bin, blen);
			g_free(bin);
		} else {
			hb_msg_append_len(m, s->name, s->nlen, s->type,
					  s->val, s->vlen);
			if (classic && s->type == HB_FIELD_STRING) {
				hb_field *f = &g_array_index(m->fields, hb_field,
							     m->fields->len - 1);
				char *e = f->value;

				while ((e = memchr(e, WIRE_ESC_NL, f->vlen -
						   (size_t)(e - f->value))) != NULL)
					*e++ = '\n';
			}
		}
	}
	*out = g_steal_pointer(&m);
	return 0;
}

static int
wire_decode_classic(const char *p, size_t len, const hb_authkeys *k,
		    hb_msg **out)
{
	wire_span *spans = wire_spans;
	g_autoptr(hb_msg) m = NULL;
	g_autoptr(GString) body = NULL;
	size_t pos = strlen(WIRE_CLASSIC_BEGIN);
	guint n = 0;
	const char *auth;
	int rc;

	if (memchr(p, '\0', len) != NULL)
		return HB_EMALFORMED;
	for (;;) {
		const char *nl = memchr(p + pos, '\n', len - pos);
		size_t ll;
		wire_span s;

		if (nl == NULL)
			return HB_EMALFORMED;	/* truncated: no <<< */
		ll = (size_t)(nl - (p + pos));
		if (ll == 3 && memcmp(p + pos, "<<<", 3) == 0) {
			pos += 4;
			break;
		}
		if (ll > 0) {
			rc = wire_split_field(p + pos, ll, TRUE, &s);
			if (rc == 0)
				rc = wire_add_span(spans, &n, &s);
			if (rc < 0)
				return rc;
		}
		pos += ll + 1;
	}
	if (pos != len)
		return HB_EMALFORMED;	/* bytes after <<< */
	rc = wire_build(spans, n, TRUE, &m);
	if (rc < 0)
		return rc;
	auth = hb_msg_get(m, "auth");
	if (auth == NULL)
		return HB_EAUTH;
	body = g_string_sized_new(len);
	hb_wire_render_classic_body(m, "auth", body);
	rc = hb_auth_verify(k, auth, body->str, body->len);
	if (rc < 0)
		return rc;
	*out = g_steal_pointer(&m);
	return 0;
}

/* Reads one netstring "len:data," at p[*pos..len); returns its data span. */
static int
wire_netstring(const char *p, size_t len, size_t *pos, const char **data,
	       size_t *dlen)
{
	size_t i = *pos, n = 0, digits = 0;

	while (i < len && g_ascii_isdigit(p[i])) {
		if (++digits > WIRE_NS_MAXDIGITS)
			return HB_EMALFORMED;
		n = n * 10 + (size_t)(p[i] - '0');
		i++;
	}
	if (digits == 0 || (digits > 1 && p[*pos] == '0'))
		return HB_EMALFORMED;
	if (i >= len || p[i] != ':')
		return HB_EMALFORMED;
	i++;
	if (n > len - i || len - i - n < 1 || p[i + n] != ',')
		return HB_EMALFORMED;
	*data = p + i;
	*dlen = n;
	*pos = i + n + 1;
	return 0;
}

static int
wire_decode_netstring(const char *p, size_t len, const hb_authkeys *k,
		      hb_msg **out)
{
	wire_span *spans = wire_spans;
	size_t pos = strlen(WIRE_NS_BEGIN), signed_len;
	const char *d;
	size_t dlen;
	char auth[HB_AUTH_MAXSTR];
	guint n = 0;
	int rc;

	for (;;) {
		wire_span s;

		if (len - pos >= 4 && memcmp(p + pos, WIRE_NS_END, 4) == 0) {
			pos += 4;
			break;
		}
		rc = wire_netstring(p, len, &pos, &d, &dlen);
		if (rc == 0)
			rc = wire_split_field(d, dlen, FALSE, &s);
		if (rc == 0)
			rc = wire_add_span(spans, &n, &s);
		if (rc < 0)
			return rc;
	}
	signed_len = pos;
	if (pos == len)
		return HB_EAUTH;	/* no trailer */
	rc = wire_netstring(p, len, &pos, &d, &dlen);
	if (rc < 0)
		return rc;
	if (pos != len)
		return HB_EMALFORMED;	/* bytes after the trailer */
	if (dlen >= HB_AUTH_MAXSTR || memchr(d, '\0', dlen) != NULL)
		return HB_EAUTH;
	memcpy(auth, d, dlen);
	auth[dlen] = '\0';
	rc = hb_auth_verify(k, auth, p, signed_len);
	if (rc < 0)
		return rc;
	return wire_build(spans, n, FALSE, out);
}

int
hb_wire_decode(const void *buf, size_t len, const hb_authkeys *k,
	       hb_msg **out_msg, hb_wire_fmt *out_fmt)
{
	const char *p = buf;
	int rc;

	if (len > HB_WIRE_MAXPACKET + 1)
		return HB_ETOOBIG;
	if (len > 0 && p[len - 1] == '\0')
		len--;
	if (len > HB_WIRE_MAXPACKET)
		return HB_ETOOBIG;
	if (len >= 4 && memcmp(p, WIRE_NS_BEGIN, 4) == 0) {
		rc = wire_decode_netstring(p, len, k, out_msg);
		if (rc == 0 && out_fmt != NULL)
			*out_fmt = HB_WIRE_NETSTRING;
		return rc;
	}
	if (len >= 4 && memcmp(p, WIRE_CLASSIC_BEGIN, 4) == 0) {
		rc = wire_decode_classic(p, len, k, out_msg);
		if (rc == 0 && out_fmt != NULL)
			*out_fmt = HB_WIRE_CLASSIC;
		return rc;
	}
	return HB_EMALFORMED;
}
