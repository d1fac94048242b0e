/*
 * hacf-private.h - the ha.cf directive table, shared by hacf.c, the unit
 * tests (man page coverage, defaults) and haresources.c (file reading).
 *
 * hacf_dirs[] ends with an entry whose name is NULL.  Borrowed pointers
 * only; nothing here allocates.
 */
#ifndef HB_HACF_PRIVATE_H
#define HB_HACF_PRIVATE_H

#include <stddef.h>
#include <glib.h>
#include "diag.h"

typedef enum hacf_kind {
	HACF_WORD,	/* value tokens split on ", \t", each applied */
	HACF_TIME,	/* like WORD, each token parsed by hb_parse_msec */
	HACF_INT,	/* like WORD, each token a decimal integer */
	HACF_BOOL,	/* like WORD, each token a boolean */
	HACF_LINE,	/* the raw rest of the line */
} hacf_kind;

typedef enum hacf_disp {
	HACF_IMPL,	/* hbd implements it */
	HACF_ACCEPT,	/* validated and recorded; no effect on hbd */
	HACF_IGNORE,	/* accepted with a warning naming it */
	HACF_REJECT,	/* an error naming it */
} hacf_disp;

struct hacf_ctx;
typedef struct hacf_dir hacf_dir;

/* Called once per value token (HACF_LINE: once with the line rest) after
 * the generic kind/bounds check; num is the parsed number (ms for TIME). */
typedef void (*hacf_handler)(struct hacf_ctx *x, const hacf_dir *dp,
			     const char *val, gint64 num);

struct hacf_dir {
	const char *name;
	hacf_kind kind;
	hacf_disp disp;
	gint64 min, max;	/* TIME (ms) and INT bounds */
	const char *def;	/* default as `heartbeat -D` prints, or NULL */
	const char *help;	/* one line */
	hacf_handler handler;
	unsigned flags;
	const char *why;	/* IGNORE/REJECT: the reason, for messages */
};

extern const hacf_dir hacf_dirs[];

/* Borrowed entry, or NULL when name is not a directive. */
const hacf_dir *hacf_dir_lookup(const char *name);

#endif
