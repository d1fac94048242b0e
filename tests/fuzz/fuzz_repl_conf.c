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
	char *err = NULL;

	if (repl_conf_parse((const char *)data, size, "fuzz", &c, &err) == 0)
		repl_conf_free(c);
	g_free(err);
	return 0;
}
