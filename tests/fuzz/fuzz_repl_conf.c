/* fuzz_repl_conf.c - libFuzzer harness: replicate.conf parser. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "repl-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repl_conf *c = NULL;
	hb_diag *d = hb_diag_new();

	if (repl_conf_parse((const char *)data, size, "fuzz", &c, d) == 0) {
		/* replicate -T: the dump parses back to the same dump
		 * (several peers, the barrier policy) */
		struct repl_conf *c2 = NULL;
		char *d1 = repl_conf_dump(c), *d2;

		if (repl_conf_parse(d1, strlen(d1), "dump", &c2, d) != 0)
			abort();
		d2 = repl_conf_dump(c2);
		if (strcmp(d1, d2) || c2->npeers != c->npeers ||
		    c2->barrier_need != c->barrier_need)
			abort();
		g_free(d1);
		g_free(d2);
		repl_conf_free(c2);
		repl_conf_free(c);
	}
	hb_diag_free(d);
	return 0;
}
