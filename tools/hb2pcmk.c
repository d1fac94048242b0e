/*
 * hb2pcmk - print a Pacemaker configuration (crm shell script or CIB XML)
 * for the resource groups of a Heartbeat v1 cluster (ha.cf, haresources).
 *
 *   hb2pcmk [-c confdir] [-f ha.cf] [-r haresources] [-s stonith] [-x]
 *
 * The files go through the same parsers as hbd -t, so every error is
 * printed as "file:line: message" and nothing is converted (exit 6).
 * Exit 0 converted, 1 usage, 6 configuration error.  See hb2pcmk(8).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hacf.h"
#include "haresources.h"
#include "pcmk-conv.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: hb2pcmk [-c confdir] [-f ha.cf] [-r haresources] "
		"[-s stonith-path] [-x]\n"
		"  default: a crm shell script (crm configure load update FILE)\n"
		"  -x: CIB XML (cibadmin --replace --xml-file FILE)\n");
}

static void
print_diag(const hb_diag *d)
{
	guint i;

	for (i = 0; i < d->warnings->len; i++)
		fprintf(stderr, "hb2pcmk: WARN: %s\n",
			(char *)d->warnings->pdata[i]);
	for (i = 0; i < d->errors->len; i++)
		fprintf(stderr, "hb2pcmk: ERROR: %s\n",
			(char *)d->errors->pdata[i]);
}

int
main(int argc, char **argv)
{
	const char *confdir = SYSCONFDIR "/ha.d";
	g_autofree char *cf = NULL, *hr = NULL;
	hb_pcmk_opts opts = { NULL };
	hb_pcmk_format fmt = HB_PCMK_CRM;
	hb_config *cfg = NULL;
	hb_haresources *rsc = NULL;
	hb_diag *d;
	GString *out;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "c:f:r:s:xh")) != -1) {
		switch (c) {
		case 'c': confdir = optarg; break;
		case 'f': g_free(cf); cf = g_strdup(optarg); break;
		case 'r': g_free(hr); hr = g_strdup(optarg); break;
		case 's': opts.stonith_bin = optarg; break;
		case 'x': fmt = HB_PCMK_XML; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (cf == NULL)
		cf = g_build_filename(confdir, "ha.cf", NULL);
	if (hr == NULL)
		hr = g_build_filename(confdir, "haresources", NULL);
	d = hb_diag_new();
	if (hb_config_load(cf, NULL, &cfg, d) != 0)
		rc = 6;
	/* haresources is checked even when ha.cf failed (node names then
	 * go unchecked), so one run shows every error, as hbd -t does */
	if (hb_haresources_load(hr, cfg, &rsc, d) != 0)
		rc = 6;
	if (d->errors->len > 0)
		rc = 6;
	print_diag(d);
	hb_diag_free(d);
	if (rc == 0) {
		out = g_string_new(NULL);
		hb_pcmk_convert(cfg, rsc, &opts, fmt, out);
		if (fwrite(out->str, 1, out->len, stdout) != out->len ||
		    fflush(stdout) != 0) {
			perror("hb2pcmk: stdout");
			rc = 1;
		}
		g_string_free(out, TRUE);
	} else {
		fprintf(stderr, "hb2pcmk: ERROR: Configuration error, nothing "
			"converted.\n");
	}
	hb_config_free(cfg);
	hb_haresources_free(rsc);
	return rc;
}
