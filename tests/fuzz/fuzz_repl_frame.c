/* fuzz_repl_frame.c - libFuzzer harness: replicate frame and manifest
 * decoders and the wire path check on arbitrary bytes. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "repl-path.h"
#include "repl-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct repl_frame f;
		size_t used;
		int r = repl_frame_decode(data + off, size - off, &f, &used);

		if (r < 0)
			break;
		(void)repl_path_valid(f.path, f.path_len);
		(void)repl_path_valid(f.path2, f.path2_len);
		if (f.type == REPL_MANIFEST) {
			struct repl_mentry e;
			size_t mo = 0;

			while (repl_mentry_next(f.data, f.data_len, &mo, &e) == 0)
				(void)repl_path_valid(e.path, e.path_len);
		}
		off += used;
	}
	/* the raw bytes as a manifest, too */
	{
		struct repl_mentry e;
		size_t mo = 0;

		while (repl_mentry_next(data, size, &mo, &e) == 0)
			;
	}
	return 0;
}
