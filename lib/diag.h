/*
 * diag.h - collected diagnostics of a config parse.
 *
 * Parsers never print: they append "file:line: message" strings to an
 * hb_diag.  Errors make the parse fail; warnings do not.  The caller prints
 * or logs them.  Strings are owned by the hb_diag.
 */
#ifndef HB_DIAG_H
#define HB_DIAG_H

#include <glib.h>

typedef struct hb_diag {
	GPtrArray *errors;	/* char *, "file:line: message" */
	GPtrArray *warnings;	/* char *, "file:line: message" */
} hb_diag;

hb_diag *hb_diag_new(void);
void hb_diag_free(hb_diag *d);	/* accepts NULL */

/* line <= 0 omits the line number: "file: message". */
void hb_diag_error(hb_diag *d, const char *file, int line, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
void hb_diag_warn(hb_diag *d, const char *file, int line, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

#endif
