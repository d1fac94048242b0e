/*
 * msg.c - ordered name=value messages (see msg.h for the contract).
 *
 * Fields live in a GArray in insertion order; lookups are linear, which is
 * fine for Heartbeat messages (about a dozen fields, HB_MSG_MAXFIELDS max).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "msg.h"

/* Names and values live in the message's arena: chunks that are never
 * moved (borrowed pointers stay valid) and are freed with the message, so
 * a heartbeat's dozen fields cost no allocation each.  A replaced value
 * stays in the arena until then (messages are short-lived). */
#define MSG_CHUNK 1024

struct hb_msg_chunk {
	struct hb_msg_chunk *next;
	size_t used, size;
	char data[];
};

static char *
msg_alloc(hb_msg *m, size_t n)
{
	struct hb_msg_chunk *c = m->chunks;
	char *p;

	if (c == NULL || c->size - c->used < n) {
		size_t size = MAX(n, MSG_CHUNK);

		c = g_malloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		c->next = m->chunks;
		m->chunks = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/* A NUL-terminated copy of p[0..n) in the arena. */
static char *
msg_dup(hb_msg *m, const void *p, size_t n)
{
	char *d = msg_alloc(m, n + 1);

	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

hb_msg *
hb_msg_new(void)
{
	hb_msg *m = g_new0(hb_msg, 1);

	/* room for a heartbeat's dozen fields without growing */
	m->fields = g_array_sized_new(FALSE, TRUE, sizeof(hb_field), 16);
	return m;
}

void
hb_msg_free(hb_msg *m)
{
	if (m == NULL)
		return;
	while (m->chunks != NULL) {
		struct hb_msg_chunk *c = m->chunks;

		m->chunks = c->next;
		g_free(c);
	}
	g_array_free(m->fields, TRUE);
	g_free(m);
}

static hb_field *
msg_find(const hb_msg *m, const char *name)
{
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		hb_field *f = &g_array_index(m->fields, hb_field, i);

		/* the first byte tells most names apart without a call */
		if (f->name[0] == name[0] && strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* Stores a copy of v (len bytes, plus a NUL) under name: in place when the
 * name exists, appended otherwise. */
static void
msg_put(hb_msg *m, const char *name, int type, const void *v, size_t len)
{
	hb_field *f = msg_find(m, name);
	char *copy = msg_dup(m, v, len);

	if (f == NULL) {
		hb_field nf = { 0 };

		nf.name = msg_dup(m, name, strlen(name));
		g_array_append_val(m->fields, nf);
		f = &g_array_index(m->fields, hb_field, m->fields->len - 1);
	}
	f->type = type;
	f->value = copy;
	f->vlen = len;
}

hb_msg *
hb_msg_copy(const hb_msg *m)
{
	hb_msg *c = hb_msg_new();
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);

		msg_put(c, f->name, f->type, f->value, f->vlen);
	}
	return c;
}

void
hb_msg_set(hb_msg *m, const char *name, const char *value)
{
	msg_put(m, name, HB_FIELD_STRING, value, strlen(value));
}

void
hb_msg_setf(hb_msg *m, const char *name, const char *fmt, ...)
{
	va_list ap;
	char buf[64];		/* numbers, mostly: formatted on the stack */
	g_autofree char *v = NULL;
	int n;

	va_start(ap, fmt);
	n = g_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(buf)) {
		msg_put(m, name, HB_FIELD_STRING, buf, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	hb_msg_set(m, name, v);
}

/* v in base 16 (lowercase, as "%" PRIx64) or 10, without printf. */
static void
msg_set_num(hb_msg *m, const char *name, uint64_t v, unsigned base)
{
	static const char digits[] = "0123456789abcdef";
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v > 0);
	msg_put(m, name, HB_FIELD_STRING, buf + i, sizeof(buf) - i);
}

void
hb_msg_set_hex(hb_msg *m, const char *name, uint64_t v)
{
	msg_set_num(m, name, v, 16);
}

void
hb_msg_set_dec(hb_msg *m, const char *name, uint64_t v)
{
	msg_set_num(m, name, v, 10);
}

void
hb_msg_append_len(hb_msg *m, const char *name, size_t nlen, int type,
		  const void *v, size_t vlen)
{
	hb_field f = { 0 };

	f.name = msg_dup(m, name, nlen);
	f.type = type;
	f.value = msg_dup(m, v, vlen);
	f.vlen = vlen;
	g_array_append_val(m->fields, f);
}

void
hb_msg_set_bin(hb_msg *m, const char *name, const void *v, size_t len)
{
	msg_put(m, name, HB_FIELD_BINARY, v, len);
}

void
hb_msg_remove(hb_msg *m, const char *name)
{
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		hb_field *f = &g_array_index(m->fields, hb_field, i);

		if (strcmp(f->name, name) == 0) {
			g_array_remove_index(m->fields, i);
			return;
		}
	}
}

const char *
hb_msg_get(const hb_msg *m, const char *name)
{
	const hb_field *f = msg_find(m, name);

	if (f == NULL || f->type != HB_FIELD_STRING)
		return NULL;
	return f->value;
}

const void *
hb_msg_get_bin(const hb_msg *m, const char *name, size_t *out_len)
{
	const hb_field *f = msg_find(m, name);

	if (f == NULL)
		return NULL;
	if (out_len != NULL)
		*out_len = f->vlen;
	return f->value;
}

gboolean
hb_msg_get_hex(const hb_msg *m, const char *name, uint64_t *out)
{
	const char *v = hb_msg_get(m, name);
	uint64_t n = 0;
	size_t i;

	if (v == NULL || v[0] == '\0' || strlen(v) > 16)
		return FALSE;
	for (i = 0; v[i] != '\0'; i++) {
		int d = g_ascii_xdigit_value(v[i]);

		if (d < 0)
			return FALSE;
		n = (n << 4) | (uint64_t)d;
	}
	*out = n;
	return TRUE;
}

guint
hb_msg_nfields(const hb_msg *m)
{
	return m->fields->len;
}

char *
hb_msg_describe(const hb_msg *m)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);
		size_t j;

		if (i > 0)
			g_string_append_c(s, ' ');
		g_string_append_printf(s, "%s=", f->name);
		if (f->type != HB_FIELD_STRING) {
			g_string_append_printf(s, "<%zu bytes>", f->vlen);
			continue;
		}
		g_string_append_c(s, '"');
		for (j = 0; j < f->vlen; j++) {
			unsigned char c = (unsigned char)f->value[j];

			if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
				g_string_append_printf(s, "\\x%02x", c);
			else
				g_string_append_c(s, (char)c);
		}
		g_string_append_c(s, '"');
	}
	return g_string_free(s, FALSE);
}
