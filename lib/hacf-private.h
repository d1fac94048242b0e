/*
 * hacf-private.h - the ha.cf directive table and the parse context,
 * shared by the parser's three files - hacf-dirs.c (the table, value
 * syntax, the generic setter and the handlers), hacf.c (reading a file
 * through the table, checks, defaults; calls hacf-dirs.c) and hacf-dump.c
 * (hbd -T; reads the table) - and by the unit tests (man page coverage,
 * defaults) and haresources.c (file reading).
 *
 * hacf_dirs[] ends with an entry whose name is NULL.  Borrowed pointers
 * only; nothing here allocates but the setter (into the hb_config).
 */
#ifndef HB_HACF_PRIVATE_H
#define HB_HACF_PRIVATE_H

#include <stddef.h>
#include <glib.h>
#include "diag.h"
#include "hacf.h"

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

/*
 * Where a value goes (hacf_dir.at): HACF_AT(store, field, rank) names the
 * hb_config field, how a value is stored there, and the place of the
 * directive in the `hbd -T` dump (rank 1.., 0: not dumped by rank).  The
 * field starts at the directive's default (def) when it has one.  at 0:
 * the handler does all (lists, media, checks only).
 */
typedef enum hacf_store {
	HACF_ST_NONE,
	HACF_ST_MS,		/* guint, ms (TIME) or a plain number (INT) */
	HACF_ST_INT,		/* int */
	HACF_ST_PATH,		/* char *, an absolute path */
	HACF_ST_FACILITY,	/* int, syslog facility or -1 */
	HACF_ST_CHOICE,		/* int, index of the word in why ("a|b") */
	HACF_ST_OFF,		/* no field: always off, dumped as "off" */
} hacf_store;

#define HACF_ONCE 0x8u		/* at: the directive may appear only once */
#define HACF_AT(st, field, rank) ((unsigned)(st) | (unsigned)(rank) << 4 | \
	(unsigned)offsetof(hb_config, field) << 10)
#define HACF_AT_STORE(at) ((hacf_store)((at) & 0x7u))
#define HACF_AT_RANK(at) (((at) >> 4) & 0x3fu)
#define HACF_AT_OFF(at) ((size_t)((at) >> 10))

struct hacf_dir {
	const char *name;
	hacf_kind kind;
	hacf_disp disp;
	gint64 min, max;	/* TIME (ms) and INT bounds */
	const char *def;	/* default as `heartbeat -D` prints, or NULL */
	const char *help;	/* one line */
	hacf_handler handler;
	unsigned at;		/* where the value goes: HACF_AT(), or 0 */
	const char *why;	/* IGNORE/REJECT: the reason, for messages;
				 * HACF_ST_CHOICE: the words, "a|b|c" */
};

extern const hacf_dir hacf_dirs[];

/* Borrowed entry, or NULL when name is not a directive. */
const hacf_dir *hacf_dir_lookup(const char *name);

/* One set of blanks everywhere (g_strchomp's, which trims the line, is
 * the same): a token never keeps a character that a reparse would trim
 * (the fuzzer found a form feed ending a bcast device). */
#define HACF_WS " \t\n\v\f\r"

/* One parse of one file (hacf.c); handlers report and store through it. */
typedef struct hacf_ctx {
	const char *path;
	hb_diag *d;
	hb_config *c;
	const char *local;
	int line;
	int set_line[96];	/* per table index: last line set, 0 = unset */
	gboolean crm_set;
	gboolean too_many_nodes;
} hacf_ctx;

/* "path:line: message" into x->d as an error or a warning. */
void hacf_err(hacf_ctx *x, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void hacf_warn(hacf_ctx *x, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* cl_str_to_boolean: case-insensitive true/on/yes/y/1 or
 * false/off/no/n/0.  Returns FALSE if s is neither. */
gboolean hacf_parse_bool(const char *s, gboolean *out);
/* A decimal integer (a leading - allowed); FALSE if s is not one. */
gboolean hacf_parse_int(const char *s, gint64 *out);
/* The generic setter: n (or v) goes into c where dp->at says; FALSE (an
 * error given to x) when v is not a value of that store. */
gboolean hacf_store_value(hacf_ctx *x, hb_config *c, const hacf_dir *dp,
			  const char *v, gint64 n);
/* The handler of "node" (its values are not recorded one by one). */
void hacf_handle_node(hacf_ctx *x, const hacf_dir *dp, const char *v,
		      gint64 n);

#endif
