/*
 * fuzz_authkeys.c - libFuzzer harness for hb_authkeys_parse().
 *
 * A parse either fails with HB_ECONFIG and at least one diagnostic, or
 * yields keys whose active index is defined; accepted keys are then used
 * to sign and verify the input itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "authkeys.h"
#include "hb_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hb_diag *d = hb_diag_new();
	hb_authkeys *k = NULL;
	char auth[HB_AUTH_MAXSTR];
	int rc = hb_authkeys_parse("fuzz", (const char *)data, size, &k, d);

	if (rc != 0) {
		if (rc != HB_ECONFIG || k != NULL || d->errors->len == 0)
			abort();
	} else {
		if (d->errors->len != 0 || k->active < 0 ||
		    k->active >= HB_AUTH_MAXKEYS ||
		    k->keys[k->active].method == HB_AUTH_NONE)
			abort();
		if (hb_auth_compute(k, k->active, data, size, auth) != 0 ||
		    hb_auth_verify(k, auth, data, size) != 0)
			abort();
		hb_authkeys_free(k);
	}
	hb_diag_free(d);
	return 0;
}
