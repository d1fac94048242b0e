/*
 * fuzz_stonith_params.c - libFuzzer harness for the STONITH parameter
 * parser.  The first byte picks the mode, the rest is the input.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "hostlist", "user", "port",
					     "ssh_options", "x" };
	GHashTable *t = NULL;
	char *err = NULL;
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	if (stonith_params_parse((const char *)data + 1, size - 1, mode, names,
				 G_N_ELEMENTS(names) - (data[0] >> 6), &t,
				 &err) == 0) {
		g_assert(err == NULL);
		g_hash_table_unref(t);
	} else {
		g_assert(t == NULL && err != NULL);
		g_free(err);
	}
	return 0;
}
