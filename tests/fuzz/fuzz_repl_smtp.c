/* fuzz_repl_smtp.c - libFuzzer harness: replicate-mda's SMTP/LMTP parsers. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

#include "repl-smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *l = NULL, *d = NULL;
	int code;
	gboolean more;

	(void)repl_smtp_reply_line((const char *)data, size, &code, &more);
	if (repl_smtp_path((const char *)data, size, &l, &d) == 0) {
		g_free(l);
		g_free(d);
	}
	return 0;
}
