/*
 * fuzz_haresources.c - libFuzzer harness for the haresources parser.
 *
 * Any input must parse without a crash, leak or hang, both against a
 * two-node configuration (mail1, mail2) and with no node check.  Accepted
 * groups must satisfy the parser's invariants: a key equal to the first
 * resource's spec, at least one resource, a script without '/'.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hacf.h"
#include "haresources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hb_config *fuzz_cfg;

static void
check(const hb_haresources *h)
{
	guint i, j;

	for (i = 0; i < h->groups->len; i++) {
		const hb_rgroup *g = h->groups->pdata[i];
		const hb_resource *r0;

		if (g->resources->len == 0)
			abort();
		r0 = g->resources->pdata[0];
		if (strcmp(g->key, r0->spec) != 0)
			abort();
		for (j = 0; j < g->resources->len; j++) {
			const hb_resource *r = g->resources->pdata[j];

			if (r->script[0] == '\0' ||
			    strchr(r->script, '/') != NULL)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char cf[] = "node mail1 mail2\nbcast eth0\n";
	int pass;

	if (fuzz_cfg == NULL) {
		hb_diag *d = hb_diag_new();

		if (hb_config_parse("ha.cf", cf, sizeof(cf) - 1, NULL,
				    &fuzz_cfg, d) != 0)
			abort();
		hb_diag_free(d);
	}
	for (pass = 0; pass < 2; pass++) {
		hb_diag *d = hb_diag_new();
		hb_haresources *h = NULL;

		if (hb_haresources_parse("fuzz", (const char *)data, size,
					 pass ? NULL : fuzz_cfg, &h, d) == 0) {
			check(h);
			hb_haresources_free(h);
		}
		hb_diag_free(d);
	}
	return 0;
}
