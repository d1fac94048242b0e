/* test-vectors.h - reading tests/vectors from a unit test (header-only,
 * for the test programs that use the captured packets). */
#ifndef HB_TEST_VECTORS_H
#define HB_TEST_VECTORS_H

#include <glib.h>
#include "authkeys.h"

/* The bytes of tests/vectors/NAME; aborts the test when unreadable. */
static inline GBytes *
tv_vector(const char *name)
{
	g_autofree char *p = g_test_build_filename(G_TEST_DIST, "tests",
						   "vectors", name, NULL);
	g_autoptr(GError) err = NULL;
	char *data;
	gsize len;

	if (!g_file_get_contents(p, &data, &len, &err))
		g_error("cannot read vector %s: %s", p, err->message);
	return g_bytes_new_take(data, len);
}

/* Keys parsed from authkeys text, which must be valid. */
static inline hb_authkeys *
tv_keys_text(const char *name, const char *text, size_t len)
{
	hb_authkeys *k = NULL;
	hb_diag *d = hb_diag_new();

	g_assert_cmpint(hb_authkeys_parse(name, text, len, &k, d), ==, 0);
	hb_diag_free(d);
	return k;
}

#endif
