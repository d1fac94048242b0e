/*
 * fuzz_hacf.c - libFuzzer harness for the ha.cf parser.
 *
 * Any input must parse without a crash, leak or hang; an accepted input
 * must dump to text that parses back to the identical dump (the hbd -T
 * round trip).  The first byte picks the local node: odd = "alpha" (the
 * corpus uses it), even = none.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hacf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *local = (size > 0 && (data[0] & 1)) ? "alpha" : NULL;
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;

	if (hb_config_parse("fuzz.cf", (const char *)data, size, local, &c,
			    d) == 0) {
		GString *a = g_string_new(NULL), *b = g_string_new(NULL);
		hb_diag *d2 = hb_diag_new();
		hb_config *c2 = NULL;

		hb_config_dump(c, a);
		if (hb_config_parse("dump", a->str, a->len, local, &c2,
				    d2) != 0)
			abort();	/* the dump must parse */
		hb_config_dump(c2, b);
		if (strcmp(a->str, b->str) != 0)
			abort();	/* and give the same dump */
		hb_config_free(c2);
		hb_diag_free(d2);
		g_string_free(a, TRUE);
		g_string_free(b, TRUE);
		hb_config_free(c);
	}
	hb_diag_free(d);
	return 0;
}
