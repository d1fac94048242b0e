/* fuzz_repl_conf.c - libFuzzer harness: replicate.conf parser. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#include "repl-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repl_conf *c = NULL;
	hb_diag *d = hb_diag_new();

	if (repl_conf_parse((const char *)data, size, "fuzz", &c, d) == 0)
		repl_conf_free(c);
	hb_diag_free(d);
	return 0;
}
