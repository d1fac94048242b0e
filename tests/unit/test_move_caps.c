/*
 * test_move_caps.c - the "# hbd-move:" line parser (hbd/move-caps.h).
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "move-caps.h"

static unsigned
caps(const char *s)
{
	return hbd_move_caps_parse(s, strlen(s));
}

static void
test_words(void)
{
	g_assert_cmpuint(caps("#!/bin/bash\n# hbd-move: prepare drain\n"), ==,
			 HBD_MOVE_PREPARE | HBD_MOVE_DRAIN);
	g_assert_cmpuint(caps("# hbd-move: address"), ==, HBD_MOVE_ADDRESS);
	g_assert_cmpuint(caps("# hbd-move: early"), ==, HBD_MOVE_EARLY);
	g_assert_cmpuint(caps("# hbd-move:\tprepare\r\n"), ==, HBD_MOVE_PREPARE);
	g_assert_cmpuint(caps("# hbd-move: drain  bogus prepared\n"), ==,
			 HBD_MOVE_DRAIN);
	/* the first line wins; later ones are not read */
	g_assert_cmpuint(caps("# hbd-move: drain\n# hbd-move: prepare\n"), ==,
			 HBD_MOVE_DRAIN);
}

static void
test_none(void)
{
	g_assert_cmpuint(caps(""), ==, 0);
	g_assert_cmpuint(caps("#!/bin/sh\n# an LSB init script\nstart) ;;\n"), ==, 0);
	g_assert_cmpuint(caps("  # hbd-move: prepare\n"), ==, 0);	/* not at line start */
	g_assert_cmpuint(caps("# hbd-move:"), ==, 0);
	g_assert_cmpuint(caps("echo '# hbd-move: drain'\n"), ==, 0);
}

static void
test_bounds(void)
{
	const char *s = "# hbd-move: prepare drain\n";

	/* only len bytes are read: a cut word is not a word */
	g_assert_cmpuint(hbd_move_caps_parse(s, 19), ==, HBD_MOVE_PREPARE);
	g_assert_cmpuint(hbd_move_caps_parse(s, 18), ==, 0);
	g_assert_cmpuint(hbd_move_caps_parse(s, 0), ==, 0);
	g_assert_cmpuint(hbd_move_caps_parse(NULL, 0), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/move/caps/words", test_words);
	g_test_add_func("/move/caps/none", test_none);
	g_test_add_func("/move/caps/bounds", test_bounds);
	return g_test_run();
}
