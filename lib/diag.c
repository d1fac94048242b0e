/*
 * diag.c - collected parse diagnostics, and hb_strerror().
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "diag.h"
#include "hb_err.h"

hb_diag *
hb_diag_new(void)
{
	hb_diag *d = g_new0(hb_diag, 1);

	d->errors = g_ptr_array_new_with_free_func(g_free);
	d->warnings = g_ptr_array_new_with_free_func(g_free);
	return d;
}

void
hb_diag_free(hb_diag *d)
{
	if (d == NULL)
		return;
	g_ptr_array_unref(d->errors);
	g_ptr_array_unref(d->warnings);
	g_free(d);
}

static void
diag_add(GPtrArray *to, const char *file, int line, const char *fmt,
	 va_list ap)
{
	g_autofree char *text = g_strdup_vprintf(fmt, ap);

	if (line > 0)
		g_ptr_array_add(to, g_strdup_printf("%s:%d: %s", file, line,
						    text));
	else
		g_ptr_array_add(to, g_strdup_printf("%s: %s", file, text));
}

void
hb_diag_error(hb_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	diag_add(d->errors, file, line, fmt, ap);
	va_end(ap);
}

void
hb_diag_warn(hb_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	diag_add(d->warnings, file, line, fmt, ap);
	va_end(ap);
}

const char *
hb_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case HB_EMALFORMED:
		return "malformed";
	case HB_ETOOBIG:
		return "too big";
	case HB_EAUTH:
		return "authentication failed";
	case HB_ENOKEY:
		return "unknown auth key index";
	case HB_ECONFIG:
		return "invalid configuration";
	default:
		return err < 0 ? g_strerror(-err) : "unknown error";
	}
}
