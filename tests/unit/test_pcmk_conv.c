/*
 * test_pcmk_conv.c - unit tests of the ha.cf + haresources -> Pacemaker
 * conversion (tools/pcmk-conv.c): golden files (tests/golden/pcmk/NAME.cf
 * and NAME.haresources -> NAME.crm and NAME.xml, or NAME.err with the
 * parsers' "file:line: message" errors), the shipped sample, and the
 * mappings the guide promises.
 *
 * HB_GOLDEN_UPDATE=1 rewrites the golden outputs instead of comparing.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hacf.h"
#include "haresources.h"
#include "hb_err.h"
#include "pcmk-conv.h"

static const hb_pcmk_opts test_opts = { "/usr/sbin/stonith" };

static char *
golden_dir(void)
{
	const char *top = g_getenv("G_TEST_SRCDIR");

	return g_build_filename(top ? top : ".", "tests", "golden", "pcmk",
				NULL);
}

/* Parses both buffers under the given names; on success fills crm and
 * xml, else err with "E file:line: message" lines.  Returns the rc. */
static int
convert(const char *cfname, const char *cf, const char *hrname,
	const char *hr, GString *crm, GString *xml, GString *err)
{
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;
	hb_haresources *h = NULL;
	int rc = 0;
	guint i;

	if (hb_config_parse(cfname, cf, strlen(cf), NULL, &c, d) != 0)
		rc = HB_ECONFIG;
	if (hb_haresources_parse(hrname, hr, strlen(hr), c, &h, d) != 0)
		rc = HB_ECONFIG;
	for (i = 0; i < d->errors->len; i++)
		g_string_append_printf(err, "E %s\n", (char *)d->errors->pdata[i]);
	for (i = 0; i < d->warnings->len; i++)
		g_string_append_printf(err, "W %s\n",
				       (char *)d->warnings->pdata[i]);
	if (rc == 0) {
		g_assert_cmpint(hb_pcmk_convert(c, h, &test_opts, HB_PCMK_CRM,
						crm), ==, 0);
		g_assert_cmpint(hb_pcmk_convert(c, h, &test_opts, HB_PCMK_XML,
						xml), ==, 0);
	}
	hb_config_free(c);
	hb_haresources_free(h);
	hb_diag_free(d);
	return rc;
}

static void
golden_check(const char *path, const char *got)
{
	g_autofree char *want = NULL;

	if (g_getenv("HB_GOLDEN_UPDATE") != NULL) {
		g_assert_true(g_file_set_contents(path, got, -1, NULL));
		return;
	}
	g_test_message("golden %s", path);
	g_assert_true(g_file_get_contents(path, &want, NULL, NULL));
	g_assert_cmpstr(got, ==, want);
}

static void
test_golden(void)
{
	g_autofree char *dir = golden_dir();
	GDir *gd = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0, bad = 0;

	g_assert_nonnull(gd);
	while ((name = g_dir_read_name(gd)) != NULL) {
		g_autofree char *base = NULL, *cfp = NULL, *hrp = NULL;
		g_autofree char *cf = NULL, *hr = NULL, *hrname = NULL;
		g_autofree char *p = NULL;
		GString *crm, *xml, *err;
		int rc;

		if (!g_str_has_suffix(name, ".cf"))
			continue;
		base = g_strndup(name, strlen(name) - 3);
		cfp = g_build_filename(dir, name, NULL);
		hrname = g_strconcat(base, ".haresources", NULL);
		hrp = g_build_filename(dir, hrname, NULL);
		g_assert_true(g_file_get_contents(cfp, &cf, NULL, NULL));
		g_assert_true(g_file_get_contents(hrp, &hr, NULL, NULL));
		crm = g_string_new(NULL);
		xml = g_string_new(NULL);
		err = g_string_new(NULL);
		rc = convert(name, cf, hrname, hr, crm, xml, err);
		if (rc != 0) {
			g_assert_cmpint(rc, ==, HB_ECONFIG);
			g_assert_cmpuint(crm->len, ==, 0);
			p = g_strconcat(dir, "/", base, ".err", NULL);
			golden_check(p, err->str);
			bad++;
		} else {
			p = g_strconcat(dir, "/", base, ".crm", NULL);
			golden_check(p, crm->str);
			g_free(p);
			p = g_strconcat(dir, "/", base, ".xml", NULL);
			golden_check(p, xml->str);
		}
		g_string_free(crm, TRUE);
		g_string_free(xml, TRUE);
		g_string_free(err, TRUE);
		n++;
	}
	g_dir_close(gd);
	g_assert_cmpint(n, >=, 4);
	g_assert_cmpint(bad, >=, 2);
}

static char *
sample(const char *file)
{
	const char *top = g_getenv("G_TEST_SRCDIR");
	g_autofree char *p = g_build_filename(top ? top : ".", "ha.d", file,
					      NULL);
	char *s = NULL;

	g_assert_true(g_file_get_contents(p, &s, NULL, NULL));
	return s;
}

/* The shipped sample: one group on mail1, replicate as a promotable
 * clone, the gateway as a ping node, auto_failback off, no fencing. */
static void
test_sample(void)
{
	g_autofree char *cf = sample("ha.cf"), *hr = sample("haresources");
	GString *crm = g_string_new(NULL), *xml = g_string_new(NULL);
	GString *err = g_string_new(NULL);

	g_assert_cmpint(convert("ha.cf", cf, "haresources", hr, crm, xml, err),
			==, 0);
	g_assert_nonnull(strstr(crm->str, "primitive IPaddr_1 ocf:hbd:IPaddr \\\n"
				"\tparams ip=192.168.1.25 cidr_netmask=24 nic=eth0"));
	g_assert_nonnull(strstr(crm->str, "clone ms_replicate_1 replicate_1"));
	g_assert_nonnull(strstr(crm->str, "group group_1 IPaddr_1 dovecot_1 "
				"postfix_1\n"));
	g_assert_nonnull(strstr(crm->str, "colocation col_group_1_on_"
				"ms_replicate_1 inf: group_1 "
				"ms_replicate_1:Promoted\n"));
	g_assert_nonnull(strstr(crm->str, "order ord_group_1_after_"
				"ms_replicate_1 Mandatory: ms_replicate_1:promote "
				"group_1:start\n"));
	g_assert_nonnull(strstr(crm->str, "location loc_group_1_pref "
				"group_1 100: mail1\n"));
	g_assert_nonnull(strstr(crm->str, "resource-stickiness=200\n"));
	g_assert_nonnull(strstr(crm->str, "stonith-enabled=false\n"));
	g_assert_nonnull(strstr(crm->str, "host_list=192.168.1.1 "
				"multiplier=1000 dampen=20s"));
	
	g_assert_nonnull(strstr(xml->str, "<rsc_colocation id=\"col_group_1_"
				"on_ms_replicate_1\" score=\"INFINITY\" "
				"rsc=\"group_1\" with-rsc=\"ms_replicate_1\" "
				"with-rsc-role=\"Promoted\"/>"));
	/* no "--" inside an XML comment */
	{
		const char *p = xml->str;

		while ((p = strstr(p, "<!--")) != NULL) {
			const char *e = strstr(p + 4, "-->");

			g_assert_nonnull(e);
			g_assert_null(g_strstr_len(p + 4, e - p - 4, "--"));
			p = e + 3;
		}
	}
	g_string_free(crm, TRUE);
	g_string_free(xml, TRUE);
	g_string_free(err, TRUE);
}

/* Values that need quoting or escaping come out intact. */
static void
test_quoting(void)
{
	static const char cf[] = "node a b\nbcast eth0\n"
		"stonith_host * external/ipmi b 10.0.0.2 root p\"w&x lan\n";
	static const char hr[] = "a MailTo::x@y::a<b>&\"c\n";
	GString *crm = g_string_new(NULL), *xml = g_string_new(NULL);
	GString *err = g_string_new(NULL);

	g_assert_cmpint(convert("ha.cf", cf, "haresources", hr, crm, xml, err),
			==, 0);
	g_assert_nonnull(strstr(crm->str, "subject=\"a<b>&\\\"c\""));
	g_assert_nonnull(strstr(crm->str, "passwd=\"p\\\"w&x\""));
	g_assert_nonnull(strstr(xml->str, "value=\"a&lt;b&gt;&amp;&quot;c\""));
	g_assert_nonnull(strstr(xml->str, "value=\"p&quot;w&amp;x\""));
	g_string_free(crm, TRUE);
	g_string_free(xml, TRUE);
	g_string_free(err, TRUE);
}

/* stonith_host parameters follow stonith -p's rule with the plugin's own
 * names: hbd's compiled-in plugins from their tables, NAME=VALUE tokens,
 * extra tokens joined onto the last name; unknown scripts get a note. */
static void
test_stonith(void)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "stonith_host * ipmilan b 10.0.0.2 623 md5 admin root secret\n",
		  "params plugin=ipmilan stonith=/usr/sbin/stonith hostname=b "
		  "ipaddr=10.0.0.2 port=623 auth=md5 priv=admin login=root "
		  "password=secret \\\n" },
		{ "stonith_host * null a b\n",
		  "params plugin=null stonith=/usr/sbin/stonith "
		  "hostlist=\"a b\" \\\n" },
		{ "stonith_host * ssh a,b user=admin\n",
		  "params plugin=ssh stonith=/usr/sbin/stonith hostlist=a,b "
		  "user=admin \\\n" },
		{ "stonith_host * ssh a b user=admin\n",
		  "# stonith_host ssh: parameter \"user\" given twice; fence_1 "
		  "has no plugin parameters\n" },
		{ "stonith_host * external/mine x y\n",
		  "# stonith_host external/mine x y: the parameter names of this "
		  "plugin are not known here" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *cf = g_strconcat("node a b\nbcast eth0\n",
						  cases[i].line, NULL);
		GString *crm = g_string_new(NULL), *xml = g_string_new(NULL);
		GString *err = g_string_new(NULL);

		g_test_message("case %zu", i);
		g_assert_cmpint(convert("ha.cf", cf, "haresources", "a x\n",
					crm, xml, err), ==, 0);
		if (strstr(crm->str, cases[i].want) == NULL)
			g_error("no [%s] in:\n%s", cases[i].want, crm->str);
		g_assert_nonnull(strstr(crm->str, "stonith-enabled=true"));
		g_string_free(crm, TRUE);
		g_string_free(xml, TRUE);
		g_string_free(err, TRUE);
	}
}

/* ids never collide: a script named like a group, the same script twice */
static void
test_ids(void)
{
	static const char cf[] = "node a b\nbcast eth0\n";
	static const char hr[] = "a group x x\nb ping\n";
	GString *crm = g_string_new(NULL), *xml = g_string_new(NULL);
	GString *err = g_string_new(NULL);

	g_assert_cmpint(convert("ha.cf", cf, "haresources", hr, crm, xml, err),
			==, 0);
	g_assert_nonnull(strstr(crm->str, "group group_1 group_1_1 x_1 x_1_3\n"));
	g_assert_nonnull(strstr(crm->str, "group group_2 ping_2\n"));
	g_string_free(crm, TRUE);
	g_string_free(xml, TRUE);
	g_string_free(err, TRUE);
}

static void
test_null(void)
{
	GString *o = g_string_new(NULL);

	g_assert_cmpint(hb_pcmk_convert(NULL, NULL, NULL, HB_PCMK_CRM, o), ==,
			-EINVAL);
	g_assert_cmpuint(o->len, ==, 0);
	g_string_free(o, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pcmk_conv/golden", test_golden);
	g_test_add_func("/pcmk_conv/sample", test_sample);
	g_test_add_func("/pcmk_conv/quoting", test_quoting);
	g_test_add_func("/pcmk_conv/stonith", test_stonith);
	g_test_add_func("/pcmk_conv/ids", test_ids);
	g_test_add_func("/pcmk_conv/null", test_null);
	return g_test_run();
}
