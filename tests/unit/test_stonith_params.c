/*
 * test_stonith_params.c - the STONITH parameter string parser.
 */
#include "config.h"

#include <string.h>

#include "hb_err.h"
#include "params.h"

static const char *const names3[] = { "hostname", "ipaddr", "passwd" };

static GHashTable *
parse_ok(const char *s, enum stonith_params_mode m, const char *const *names,
	 size_t n)
{
	GHashTable *t = NULL;
	char *err = NULL;
	int rc = stonith_params_parse(s, strlen(s), m, names, n, &t, &err);

	if (rc != 0)
		g_test_message("unexpected error: %s", err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_null(err);
	return t;
}

static char *
parse_err(const char *s, size_t len, enum stonith_params_mode m, int want)
{
	GHashTable *t = NULL;
	char *err = NULL;
	int rc = stonith_params_parse(s, len, m, names3, 3, &t, &err);

	g_assert_cmpint(rc, ==, want);
	g_assert_null(t);
	g_assert_nonnull(err);
	return err;
}

static void
test_positional(void)
{
	g_autoptr(GHashTable) t = parse_ok("  h1\t10.0.0.1 \n secret ",
					   STONITH_PARAMS_STRING, names3, 3);

	g_assert_cmpuint(g_hash_table_size(t), ==, 3);
	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "h1");
	g_assert_cmpstr(g_hash_table_lookup(t, "ipaddr"), ==, "10.0.0.1");
	g_assert_cmpstr(g_hash_table_lookup(t, "passwd"), ==, "secret");
}

static void
test_rest_to_last(void)
{
	static const char *const one[] = { "hostlist" };
	g_autoptr(GHashTable) t = parse_ok("node1 node2,node3  node4",
					   STONITH_PARAMS_STRING, one, 1);

	g_assert_cmpstr(g_hash_table_lookup(t, "hostlist"), ==,
			"node1 node2,node3 node4");
}

static void
test_fewer(void)
{
	g_autoptr(GHashTable) t = parse_ok("h1", STONITH_PARAMS_STRING,
					   names3, 3);

	g_assert_cmpuint(g_hash_table_size(t), ==, 1);
	g_assert_null(g_hash_table_lookup(t, "ipaddr"));
}

static void
test_named(void)
{
	g_autoptr(GHashTable) t = parse_ok("passwd=a=b h1 10.0.0.2",
					   STONITH_PARAMS_STRING, names3, 3);

	/* named first; positional fill the names still free, in order */
	g_assert_cmpstr(g_hash_table_lookup(t, "passwd"), ==, "a=b");
	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "h1");
	g_assert_cmpstr(g_hash_table_lookup(t, "ipaddr"), ==, "10.0.0.2");
}

static void
test_unknown_name_is_positional(void)
{
	g_autoptr(GHashTable) t = parse_ok("user=x", STONITH_PARAMS_STRING,
					   names3, 3);

	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "user=x");
}

static void
test_file_comments(void)
{
	g_autoptr(GHashTable) t = parse_ok("# a comment h9\n  # more\nh1\n"
					   "10.0.0.3 # not a comment\n",
					   STONITH_PARAMS_FILE, names3, 3);

	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "h1");
	g_assert_cmpstr(g_hash_table_lookup(t, "passwd"), ==,
			"# not a comment");
}

static void
test_file_named_lines(void)
{
	g_autoptr(GHashTable) t = parse_ok("h1\n  passwd=two words = x  \n"
					   "ipaddr=1.2.3.4 extra\n",
					   STONITH_PARAMS_FILE, names3, 3);

	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "h1");
	g_assert_cmpstr(g_hash_table_lookup(t, "passwd"), ==,
			"two words = x");
	g_assert_cmpstr(g_hash_table_lookup(t, "ipaddr"), ==,
			"1.2.3.4 extra");
}

static void
test_string_hash_is_data(void)
{
	g_autoptr(GHashTable) t = parse_ok("#h1", STONITH_PARAMS_STRING,
					   names3, 3);

	g_assert_cmpstr(g_hash_table_lookup(t, "hostname"), ==, "#h1");
}

static void
test_errors(void)
{
	g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
	g_autofree char *big = g_malloc(STONITH_PARAMS_MAX_LEN + 2);
	GString *many = g_string_new(NULL);
	g_autofree char *e5 = NULL, *e6 = NULL;
	GHashTable *t = NULL;
	int i;

	e1 = parse_err("hostname=a hostname=b", 21, STONITH_PARAMS_STRING,
		       HB_EMALFORMED);
	g_assert_nonnull(strstr(e1, "hostname"));
	e2 = parse_err("a\0b", 3, STONITH_PARAMS_STRING, HB_EMALFORMED);
	memset(big, 'x', STONITH_PARAMS_MAX_LEN + 1);
	big[STONITH_PARAMS_MAX_LEN + 1] = '\0';
	e3 = parse_err(big, STONITH_PARAMS_MAX_LEN + 1, STONITH_PARAMS_STRING,
		       HB_ETOOBIG);
	e4 = parse_err("h1", 2, STONITH_PARAMS_NAMED_ONLY, HB_EMALFORMED);
	g_assert_nonnull(strstr(e4, "h1"));
	for (i = 0; i <= STONITH_PARAMS_MAX_TOKENS; i++)
		g_string_append(many, "a ");
	e5 = parse_err(many->str, many->len, STONITH_PARAMS_STRING,
		       HB_ETOOBIG);
	g_string_free(many, TRUE);
	/* positional words with no names at all */
	g_assert_cmpint(stonith_params_parse("x", 1, STONITH_PARAMS_STRING,
					     names3, 0, &t, &e6), ==,
			HB_EMALFORMED);
	g_assert_null(t);
	g_assert_nonnull(e6);
}

static void
test_empty(void)
{
	g_autoptr(GHashTable) t = parse_ok("", STONITH_PARAMS_STRING, names3,
					   3);

	g_assert_cmpuint(g_hash_table_size(t), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stonith/params/positional", test_positional);
	g_test_add_func("/stonith/params/rest-to-last", test_rest_to_last);
	g_test_add_func("/stonith/params/fewer", test_fewer);
	g_test_add_func("/stonith/params/named", test_named);
	g_test_add_func("/stonith/params/unknown-name",
			test_unknown_name_is_positional);
	g_test_add_func("/stonith/params/file-comments", test_file_comments);
	g_test_add_func("/stonith/params/file-named-lines",
			test_file_named_lines);
	g_test_add_func("/stonith/params/string-hash", test_string_hash_is_data);
	g_test_add_func("/stonith/params/errors", test_errors);
	g_test_add_func("/stonith/params/empty", test_empty);
	return g_test_run();
}
