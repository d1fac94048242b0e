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

static void
msg_field_clear(hb_field *f)
{
	g_free(f->name);
	g_free(f->value);
	f->name = NULL;
	f->value = NULL;
}

hb_msg *
hb_msg_new(void)
{
	hb_msg *m = g_new0(hb_msg, 1);

	m->fields = g_array_new(FALSE, TRUE, sizeof(hb_field));
	return m;
}

void
hb_msg_free(hb_msg *m)
{
	guint i;

	if (m == NULL)
		return;
	for (i = 0; i < m->fields->len; i++)
		msg_field_clear(&g_array_index(m->fields, hb_field, i));
	g_array_free(m->fields, TRUE);
	g_free(m);
}

static hb_field *
msg_find(const hb_msg *m, const char *name)
{
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		hb_field *f = &g_array_index(m->fields, hb_field, i);

		if (strcmp(f->name, name) == 0)
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
	char *copy = g_malloc(len + 1);

	if (len > 0)
		memcpy(copy, v, len);
	copy[len] = '\0';
	if (f != NULL) {
		g_free(f->value);
	} else {
		hb_field nf = { 0 };

		nf.name = g_strdup(name);
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
	g_autofree char *v = NULL;

	va_start(ap, fmt);
	v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	hb_msg_set(m, name, v);
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
			msg_field_clear(f);
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
