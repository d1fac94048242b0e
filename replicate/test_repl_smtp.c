/* test_repl_smtp.c - SMTP/LMTP reply lines and addresses (repl-smtp.c) */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "hb_err.h"
#include "repl-smtp.h"

static void
test_reply(void)
{
	int code = 0;
	gboolean more = TRUE;
	char *longl = g_strnfill(REPL_SMTP_MAXLINE + 1, '5');

	g_assert_cmpint(repl_smtp_reply_line("250 2.0.0 Ok", 12, &code, &more), ==, 0);
	g_assert_cmpint(code, ==, 250);
	g_assert_false(more);
	g_assert_cmpint(repl_smtp_reply_line("250-PIPELINING", 14, &code, &more), ==, 0);
	g_assert_true(more);
	g_assert_cmpint(repl_smtp_reply_line("552", 3, &code, &more), ==, 0);
	g_assert_cmpint(code, ==, 552);
	g_assert_false(more);
	code = 7;
	g_assert_cmpint(repl_smtp_reply_line("25", 2, &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(repl_smtp_reply_line("150 x", 5, &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(repl_smtp_reply_line("2a0 x", 5, &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(repl_smtp_reply_line("250x", 4, &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(repl_smtp_reply_line("250 \0x", 6, &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(repl_smtp_reply_line(longl, strlen(longl), &code, &more), ==, HB_EMALFORMED);
	g_assert_cmpint(code, ==, 7);	/* untouched on failure */
	g_free(longl);
}

static void
check_path(const char *arg, int want, const char *local, const char *domain)
{
	char *l = NULL, *d = NULL;

	g_assert_cmpint(repl_smtp_path(arg, strlen(arg), &l, &d), ==, want);
	if (want == 0) {
		g_assert_cmpstr(l, ==, local);
		g_assert_cmpstr(d, ==, domain);
	} else {
		g_assert_null(l);
		g_assert_null(d);
	}
	g_free(l);
	g_free(d);
}

static void
test_path(void)
{
	g_autofree char *local = g_strnfill(65, 'a');
	char *big = g_strdup_printf("<%s@x.org>", local);

	check_path("<User@Example.ORG>", 0, "User", "example.org");
	check_path(" <a@b> SIZE=100 BODY=8BITMIME", 0, "a", "b");
	check_path("<>", 0, "", "");
	check_path("<@relay.test:x@y.test>", 0, "x", "y.test");
	check_path("<\"a@b\"@c.test>", 0, "\"a@b\"", "c.test");
	check_path("a@b", HB_EMALFORMED, NULL, NULL);
	check_path("<ab>", HB_EMALFORMED, NULL, NULL);
	check_path("<a@>", HB_EMALFORMED, NULL, NULL);
	check_path("<@b>", HB_EMALFORMED, NULL, NULL);
	check_path("<a b@c>", HB_EMALFORMED, NULL, NULL);
	check_path("<a@b", HB_EMALFORMED, NULL, NULL);
	check_path("<@x>", HB_EMALFORMED, NULL, NULL);
	check_path(big, HB_ETOOBIG, NULL, NULL);
	g_free(big);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/repl/smtp/reply", test_reply);
	g_test_add_func("/repl/smtp/path", test_path);
	return g_test_run();
}
