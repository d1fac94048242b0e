/*
 * fuzz_move_caps.c - libFuzzer harness for the "# hbd-move:" line parser:
 * any input, no crash or out-of-bounds read, only known bits set.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "move-caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned c = hbd_move_caps_parse((const char *)data, size);

	if (c & ~(HBD_MOVE_PREPARE | HBD_MOVE_DRAIN | HBD_MOVE_ADDRESS |
		  HBD_MOVE_EARLY))
		abort();
	return 0;
}
