/*
 * params.h - the pure parser of STONITH parameter strings.
 *
 * Input is untrusted (ha.cf lines, -p strings, -F files), so it is parsed
 * from a buffer with hard limits and returns a table or an error text,
 * never printing anything.  Syntax (cluster-glue's -p convention):
 *   - tokens are separated by blanks (space, tab, CR, LF);
 *   - a token NAME=VALUE whose NAME is one of the device's parameter names
 *     sets that parameter (an extension: lets optional parameters be given
 *     in ha.cf's stonith_host line);
 *   - other tokens fill the parameter names in order; tokens beyond the
 *     last name are appended to the last one, separated by one space, so
 *     "hostlist" takes "node1 node2";
 *   - in file mode (-F) a line whose first non-blank is '#' is a comment,
 *     and a line starting with NAME=, NAME a parameter name, sets NAME to
 *     the rest of the line (trailing blanks removed), blanks included.
 * A parameter set twice, an empty name list with positional tokens, a NUL
 * byte or an over-long input is an error.
 */
#ifndef STONITH_PARAMS_H
#define STONITH_PARAMS_H

#include <stddef.h>
#include <glib.h>

#define STONITH_PARAMS_MAX_LEN 8192	/* bytes of input */
#define STONITH_PARAMS_MAX_TOKENS 128
#define STONITH_PARAMS_MAX_NAMES 64

enum stonith_params_mode {
	STONITH_PARAMS_STRING,		/* -p or ha.cf */
	STONITH_PARAMS_FILE,		/* -F: # comments */
	STONITH_PARAMS_NAMED_ONLY,	/* name=value arguments only */
};

/*
 * Parses buf[0..len) against names[0..nnames).  On success returns 0 and
 * sets *out (name -> value, owned; free with g_hash_table_unref).  On
 * failure returns HB_EMALFORMED or HB_ETOOBIG and sets *out_err (owned).
 */
int stonith_params_parse(const char *buf, size_t len,
			 enum stonith_params_mode mode,
			 const char *const *names, size_t nnames,
			 GHashTable **out, char **out_err);

#endif
