/*
 * msg.c - ordered name=value fields (see msg.h).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "msg.h"

static void
field_clear(gpointer p)
{
	hb_field *f = p;

	g_free(f->name);
	g_free(f->value);
}

hb_msg *
hb_msg_new(void)
{
	hb_msg *m = g_new0(hb_msg, 1);

	m->fields = g_array_new(FALSE, TRUE, sizeof(hb_field));
	g_array_set_clear_func(m->fields, field_clear);
	return m;
}

void
hb_msg_free(hb_msg *m)
{
	if (m == NULL)
		return;
	g_array_unref(m->fields);
	g_free(m);
}

hb_msg *
hb_msg_copy(const hb_msg *m)
{
	hb_msg *c = hb_msg_new();
	guint i;

	for (i = 0; i < m->fields->len; i++) {
		const hb_field *f = &g_array_index(m->fields, hb_field, i);
		hb_field n = { g_strdup(f->name), f->type,
			       g_memdup2(f->value, f->vlen + 1), f->vlen };

		g_array_append_val(c->fields, n);
	}
	return c;
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

static void
msg_put(hb_msg *m, const char *name, int type, const void *v, size_t len)
{
	hb_field *f = msg_find(m, name);
	char *val = g_malloc(len + 1);

	memcpy(val, v, len);
	val[len] = '\0';
	if (f != NULL) {
		g_free(f->value);
		f->value = val;
		f->vlen = len;
		f->type = type;
		return;
	}
	{
		hb_field n = { g_strdup(name), type, val, len };

		g_array_append_val(m->fields, n);
	}
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
			g_array_remove_index(m->fields, i);
			return;
		}
	}
}

const char *
hb_msg_get(const hb_msg *m, const char *name)
{
	const hb_field *f = msg_find(m, name);

	return f != NULL && f->type == HB_FIELD_STRING ? f->value : NULL;
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
	const char *p;
	uint64_t x = 0;

	if (v == NULL || *v == '\0' || strlen(v) > 16)
		return FALSE;
	for (p = v; *p; p++) {
		if (!g_ascii_isxdigit(*p))
			return FALSE;
		x = x * 16 + g_ascii_xdigit_value(*p);
	}
	*out = x;
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

		if (i > 0)
			g_string_append_c(s, ' ');
		if (f->type == HB_FIELD_BINARY)
			g_string_append_printf(s, "%s=<%zu bytes>", f->name,
					       f->vlen);
		else
			g_string_append_printf(s, "%s=%s", f->name, f->value);
	}
	return g_string_free(s, FALSE);
}
