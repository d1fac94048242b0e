/*
 * test_haresources.c - unit tests of the haresources parser: syntax
 * (continuations, comments, "::" arguments, bare IPv4 addresses), exact
 * error texts, golden files (tests/golden/haresources/) and the sample.
 *
 * HB_GOLDEN_UPDATE=1 rewrites the golden .out files instead of comparing.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hacf.h"
#include "haresources.h"
#include "hb_err.h"

static hb_config *
two_nodes(void)
{
	static const char cf[] = "node mail1 mail2\nbcast eth0\n";
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;

	g_assert_cmpint(hb_config_parse("ha.cf", cf, sizeof(cf) - 1, NULL, &c,
					d), ==, 0);
	hb_diag_free(d);
	return c;
}

static char *
diag_text(const hb_diag *d)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < d->errors->len; i++)
		g_string_append_printf(s, "E %s\n", (char *)d->errors->pdata[i]);
	for (i = 0; i < d->warnings->len; i++)
		g_string_append_printf(s, "W %s\n",
				       (char *)d->warnings->pdata[i]);
	return g_string_free(s, FALSE);
}

/* One line per group: "line node | script(arg,arg) ..." */
static void
describe(const hb_haresources *h, GString *s)
{
	guint i, j, k;

	for (i = 0; i < h->groups->len; i++) {
		const hb_rgroup *g = h->groups->pdata[i];

		g_string_append_printf(s, "%d %s key=%s |", g->line, g->node,
				       g->key);
		for (j = 0; j < g->resources->len; j++) {
			const hb_resource *r = g->resources->pdata[j];

			g_string_append_printf(s, " %s(", r->script);
			for (k = 0; k < r->args->len; k++)
				g_string_append_printf(s, "%s%s", k ? "," : "",
						       (char *)r->args->pdata[k]);
			g_string_append_c(s, ')');
		}
		g_string_append_c(s, '\n');
	}
}

static const struct {
	const char *in;
	const char *want;	/* describe() on success, else diag text */
} cases[] = {
	{ "mail1 10.0.0.5\n", "1 mail1 key=10.0.0.5 | IPaddr(10.0.0.5)\n" },
	{ "MAIL1  10.0.0.5/24/eth0/10.0.0.255   postfix\n",
	  "1 mail1 key=10.0.0.5/24/eth0/10.0.0.255 | "
	  "IPaddr(10.0.0.5/24/eth0/10.0.0.255) postfix()\n" },
	{ "mail1 IPaddr2::10.0.0.5/24 Filesystem::/dev/drbd0::/srv::ext4\n",
	  "1 mail1 key=IPaddr2::10.0.0.5/24 | IPaddr2(10.0.0.5/24) "
	  "Filesystem(/dev/drbd0,/srv,ext4)\n" },
	{ "# comment\n\nmail1 a \\\n  b \\\n\tc # tail\nmail2 d\n",
	  "3 mail1 key=a | a() b() c()\n6 mail2 key=d | d()\n" },
	{ "mail1 a\\\nb\n", "1 mail1 key=a | a() b()\n" },
	{ "mail1 x::::y:: \r\n", "1 mail1 key=x::::y:: | x(y)\n" },
	{ "mail2 1a.2b.3c.4d\n", "1 mail2 key=1a.2b.3c.4d | "
	  "IPaddr(1a.2b.3c.4d)\n" },
	{ "mail2 1.2.3\n", "1 mail2 key=1.2.3 | 1.2.3()\n" },
	{ "mail3 a\n", "E haresources:1: Bad nodename in haresources "
	  "[mail3]\n" },
	{ "mail1 a\nmail2 a\n", "E haresources:2: duplicate group key [a] "
	  "(first used at line 1)\n" },
	{ "mail1\n", "E haresources:1: node [mail1] has an empty resource "
	  "group\n" },
	{ "mail1 \\\n\n", "E haresources:1: node [mail1] has an empty "
	  "resource group\n" },
	{ "mail1 ::x\n", "E haresources:1: resource [::x] has no script "
	  "name\n" },
	{ "mail1 ../../bin/sh\n", "E haresources:1: resource [../../bin/sh]: "
	  "script name [../../bin/sh] must be a plain file name in "
	  "resource.d or /etc/init.d\n" },
	{ "bad a\nmail1 b\nmail1 b\nmail2\n",
	  "E haresources:1: Bad nodename in haresources [bad]\n"
	  "E haresources:3: duplicate group key [b] (first used at line 2)\n"
	  "E haresources:4: node [mail2] has an empty resource group\n" },
	{ "", "" },
};

static void
test_cases(void)
{
	hb_config *c = two_nodes();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		hb_diag *d = hb_diag_new();
		hb_haresources *h = NULL;
		int rc = hb_haresources_parse("haresources", cases[i].in,
					      strlen(cases[i].in), c, &h, d);
		GString *got = g_string_new(NULL);

		g_test_message("case %zu", i);
		if (rc == 0) {
			g_assert_cmpuint(d->errors->len, ==, 0);
			describe(h, got);
		} else {
			g_autofree char *t = diag_text(d);

			g_assert_cmpint(rc, ==, HB_ECONFIG);
			g_assert_null(h);
			g_string_append(got, t);
		}
		g_assert_cmpstr(got->str, ==, cases[i].want);
		g_string_free(got, TRUE);
		hb_haresources_free(h);
		hb_diag_free(d);
	}
	hb_config_free(c);
}

static void
test_no_config(void)
{
	static const char in[] = "anynode a\n";
	hb_diag *d = hb_diag_new();
	hb_haresources *h = NULL;

	g_assert_cmpint(hb_haresources_parse("hr", in, sizeof(in) - 1, NULL,
					     &h, d), ==, 0);
	g_assert_cmpuint(h->groups->len, ==, 1);
	hb_haresources_free(h);
	hb_diag_free(d);
}

static void
test_limits(void)
{
	GString *s = g_string_new(NULL);
	hb_diag *d = hb_diag_new();
	hb_haresources *h = NULL;
	char *big;
	int i;

	for (i = 0; i < 300; i++)
		g_string_append_printf(s, "mail1 r%d\n", i);
	g_assert_cmpint(hb_haresources_parse("hr", s->str, s->len, NULL, &h,
					     d), ==, HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"hr:257: more than 256 resource groups");
	hb_diag_free(d);
	g_string_free(s, TRUE);

	d = hb_diag_new();
	big = g_malloc(HB_HARESOURCES_MAXFILE + 1);
	memset(big, '#', HB_HARESOURCES_MAXFILE + 1);
	g_assert_cmpint(hb_haresources_parse("hr", big,
		HB_HARESOURCES_MAXFILE + 1, NULL, &h, d), ==, HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==,
			"hr: file is larger than 1048576 bytes");
	g_free(big);
	hb_diag_free(d);

	d = hb_diag_new();
	g_assert_cmpint(hb_haresources_parse("hr", "mail1 a\0b\n", 10, NULL,
					     &h, d), ==, HB_ECONFIG);
	g_assert_cmpstr(d->errors->pdata[0], ==, "hr:1: NUL byte in line");
	hb_diag_free(d);
}

static void
test_golden(void)
{
	const char *top = g_getenv("G_TEST_SRCDIR");
	g_autofree char *dir = g_build_filename(top ? top : ".", "tests",
						"golden", "haresources", NULL);
	GDir *gd = g_dir_open(dir, 0, NULL);
	hb_config *c = two_nodes();
	const char *name;
	int n = 0;

	g_assert_nonnull(gd);
	while ((name = g_dir_read_name(gd)) != NULL) {
		g_autofree char *in = NULL, *want = NULL, *inpath = NULL;
		g_autofree char *outpath = NULL, *t = NULL;
		hb_diag *d;
		hb_haresources *h = NULL;
		GString *got;
		size_t len;
		int rc;

		if (!g_str_has_suffix(name, ".in"))
			continue;
		d = hb_diag_new();
		got = g_string_new(NULL);
		inpath = g_build_filename(dir, name, NULL);
		outpath = g_strdup_printf("%.*s.out", (int)strlen(inpath) - 3,
					  inpath);
		g_assert_true(g_file_get_contents(inpath, &in, &len, NULL));
		rc = hb_haresources_parse(name, in, len, c, &h, d);
		t = diag_text(d);
		g_string_append_printf(got, "rc %d\n%s", rc, t);
		if (rc == 0)
			describe(h, got);
		if (g_getenv("HB_GOLDEN_UPDATE") != NULL) {
			g_assert_true(g_file_set_contents(outpath, got->str,
							  -1, NULL));
		} else {
			g_test_message("golden %s", name);
			g_assert_true(g_file_get_contents(outpath, &want, NULL,
							  NULL));
			g_assert_cmpstr(got->str, ==, want);
		}
		g_string_free(got, TRUE);
		hb_haresources_free(h);
		hb_diag_free(d);
		n++;
	}
	g_dir_close(gd);
	hb_config_free(c);
	g_assert_cmpint(n, >=, 4);
}

static void
test_sample(void)
{
	const char *top = g_getenv("G_TEST_SRCDIR");
	g_autofree char *path = g_build_filename(top ? top : ".", "ha.d",
						 "haresources", NULL);
	hb_config *c = two_nodes();
	hb_diag *d = hb_diag_new();
	hb_haresources *h = NULL;
	const hb_rgroup *g;

	g_assert_cmpint(hb_haresources_load(path, c, &h, d), ==, 0);
	g_assert_cmpuint(h->groups->len, ==, 1);
	g = h->groups->pdata[0];
	g_assert_cmpstr(g->node, ==, "mail1");
	g_assert_cmpstr(g->key, ==, "IPaddr::192.168.1.25/24/eth0");
	g_assert_cmpuint(g->resources->len, ==, 4);
	hb_haresources_free(h);
	hb_diag_free(d);

	d = hb_diag_new();
	g_assert_cmpint(hb_haresources_load("/nonexistent/hr", c, &h, d), ==,
			-ENOENT);
	hb_diag_free(d);
	hb_config_free(c);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/haresources/cases", test_cases);
	g_test_add_func("/haresources/no-config", test_no_config);
	g_test_add_func("/haresources/limits", test_limits);
	g_test_add_func("/haresources/golden", test_golden);
	g_test_add_func("/haresources/sample", test_sample);
	return g_test_run();
}
