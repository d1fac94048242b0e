/*
 * params.c - parse STONITH parameter strings (see params.h).
 *
 * Pure: no I/O, no logging, no globals.  Every loop is bounded by the
 * input length, which is capped at STONITH_PARAMS_MAX_LEN.
 */
#include "config.h"

#include <string.h>

#include "hb_err.h"
#include "params.h"

static gboolean
params_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
params_name_index(const char *tok, size_t namelen, const char *const *names,
		  size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (strlen(names[i]) == namelen &&
		    strncmp(names[i], tok, namelen) == 0)
			return (int)i;
	return -1;
}

/* Splits into tokens; in file mode drops comment lines. */
static int
params_tokens(const char *buf, size_t len, enum stonith_params_mode mode,
	      const char *const *names, size_t nnames, GPtrArray *toks,
	      char **out_err)
{
	size_t i = 0;
	gboolean line_start = TRUE;

	while (i < len) {
		size_t start;

		if (buf[i] == '\n') {
			line_start = TRUE;
			i++;
			continue;
		}
		if (params_blank(buf[i])) {
			i++;
			continue;
		}
		if (line_start && mode == STONITH_PARAMS_FILE &&
		    buf[i] == '#') {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		start = i;
		while (i < len && !params_blank(buf[i]))
			i++;
		if (line_start && mode == STONITH_PARAMS_FILE) {
			const char *eq = memchr(buf + start, '=', i - start);

			/* "NAME=VALUE" lines: VALUE runs to the line's end */
			if (eq != NULL &&
			    params_name_index(buf + start,
					      (size_t)(eq - (buf + start)),
					      names, nnames) >= 0) {
				while (i < len && buf[i] != '\n')
					i++;
				while (i > start && params_blank(buf[i - 1]))
					i--;
			}
		}
		line_start = FALSE;
		if (toks->len >= STONITH_PARAMS_MAX_TOKENS) {
			*out_err = g_strdup_printf("more than %d parameter "
						   "words",
						   STONITH_PARAMS_MAX_TOKENS);
			return HB_ETOOBIG;
		}
		g_ptr_array_add(toks, g_strndup(buf + start, i - start));
	}
	return 0;
}

int
stonith_params_parse(const char *buf, size_t len,
		     enum stonith_params_mode mode,
		     const char *const *names, size_t nnames,
		     GHashTable **out, char **out_err)
{
	g_autoptr(GPtrArray) toks = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) t = NULL;
	gboolean named[STONITH_PARAMS_MAX_NAMES] = { FALSE };
	size_t next = 0, i;
	int last = -1, rc;

	if (len > STONITH_PARAMS_MAX_LEN) {
		*out_err = g_strdup_printf("parameters longer than %d bytes",
					   STONITH_PARAMS_MAX_LEN);
		return HB_ETOOBIG;
	}
	if (nnames > STONITH_PARAMS_MAX_NAMES) {
		*out_err = g_strdup_printf("more than %d parameter names",
					   STONITH_PARAMS_MAX_NAMES);
		return HB_ETOOBIG;
	}
	if (len > 0 && memchr(buf, '\0', len) != NULL) {
		*out_err = g_strdup("NUL byte in parameters");
		return HB_EMALFORMED;
	}
	rc = params_tokens(buf, len, mode, names, nnames, toks, out_err);
	if (rc != 0)
		return rc;

	t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (i = 0; i < toks->len; i++) {
		const char *tok = toks->pdata[i];
		const char *eq = strchr(tok, '=');
		int k = eq ? params_name_index(tok, (size_t)(eq - tok), names,
					       nnames) : -1;

		if (k >= 0) {
			if (named[k]) {
				*out_err = g_strdup_printf("parameter \"%s\" "
							   "given twice",
							   names[k]);
				return HB_EMALFORMED;
			}
			named[k] = TRUE;
			g_hash_table_replace(t, g_strdup(names[k]),
					     g_strdup(eq + 1));
			continue;
		}
		if (mode == STONITH_PARAMS_NAMED_ONLY) {
			*out_err = g_strdup_printf("\"%s\" is not NAME=VALUE "
						   "with a parameter name of "
						   "this device", tok);
			return HB_EMALFORMED;
		}
		while (next < nnames && named[next])
			next++;
		if (next < nnames) {
			named[next] = TRUE;
			last = (int)next;
			g_hash_table_replace(t, g_strdup(names[next]),
					     g_strdup(tok));
			next++;
		} else if (last >= 0) {
			const char *old = g_hash_table_lookup(t, names[last]);

			g_hash_table_replace(t, g_strdup(names[last]),
					     g_strconcat(old, " ", tok, NULL));
		} else {
			*out_err = g_strdup_printf("unexpected parameter "
						   "\"%s\"", tok);
			return HB_EMALFORMED;
		}
	}
	*out = g_steal_pointer(&t);
	return 0;
}
