/*
 * fuzz_pcmk_conv.c - libFuzzer harness for hb2pcmk's conversion.
 *
 * The input is an ha.cf and an haresources, split at the first NUL byte
 * (no NUL: all of it is haresources under a fixed two-node ha.cf).  Both
 * are parsed as hb2pcmk does; whatever parses must convert to both formats
 * without a crash, leak or hang, and the XML must keep every comment free
 * of "--" (both renderers share that rule) and end with "</cib>\n".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hacf.h"
#include "haresources.h"
#include "pcmk-conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_xml(const GString *x)
{
	const char *p = x->str;

	while ((p = strstr(p, "<!--")) != NULL) {
		const char *e = strstr(p + 4, "-->");

		if (e == NULL || g_strstr_len(p + 4, e - p - 4, "--") != NULL)
			abort();
		p = e + 3;
	}
	if (!g_str_has_suffix(x->str, "</cib>\n"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char two[] = "node mail1 mail2\nbcast eth0\n";
	const char *buf = (const char *)data, *nul = memchr(data, 0, size);
	const char *cf = two, *hr = buf;
	size_t cflen = sizeof(two) - 1, hrlen = size;
	hb_diag *d = hb_diag_new();
	hb_config *c = NULL;
	hb_haresources *h = NULL;

	if (nul != NULL) {
		cf = buf;
		cflen = nul - buf;
		hr = nul + 1;
		hrlen = size - cflen - 1;
	}
	if (hb_config_parse("ha.cf", cf, cflen, NULL, &c, d) == 0 &&
	    hb_haresources_parse("haresources", hr, hrlen, c, &h, d) == 0) {
		GString *crm = g_string_new(NULL), *xml = g_string_new(NULL);

		if (hb_pcmk_convert(c, h, NULL, HB_PCMK_CRM, crm) != 0 ||
		    hb_pcmk_convert(c, h, NULL, HB_PCMK_XML, xml) != 0)
			abort();
		check_xml(xml);
		g_string_free(crm, TRUE);
		g_string_free(xml, TRUE);
	}
	hb_config_free(c);
	hb_haresources_free(h);
	hb_diag_free(d);
	return 0;
}
