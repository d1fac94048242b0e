/*
 * hb_standby.c - hb_standby and hb_takeover (one program, two names).
 *
 *   hb_standby [all|foreign|local|failback]   give resources to the peer
 *   hb_takeover [all|foreign|local|failback]  take resources from the peer
 * As Heartbeat's scripts: a wrong word or more than one argument prints
 * the usage and exits 1; the request is carried out asynchronously by the
 * daemons (Heartbeat's standby protocol).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "ctlclient.h"

int
main(int argc, char **argv)
{
	g_autofree char *base = g_path_get_basename(argv[0]);
	gboolean takeover = strstr(base, "takeover") != NULL;
	const char *what = argc > 1 ? argv[1] : "all";
	g_autofree char *req = NULL;
	char *out = NULL;
	int rc;

	if (argc > 2 || (strcmp(what, "all") != 0 && strcmp(what, "foreign") != 0 &&
			 strcmp(what, "local") != 0 && strcmp(what, "failback") != 0)) {
		fprintf(stderr, "usage: %s [all|foreign|local|failback]\n", base);
		return 1;
	}
	req = g_strdup_printf("%s %s", takeover ? "takeover" : "standby", what);
	rc = hbd_ctl_ask(req, &out);
	if (rc < 0) {
		fprintf(stderr, "%s: Heartbeat is not running on this machine.\n",
			base);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "%s: %s", base, out);
		g_free(out);
		return 1;
	}
	printf(takeover ? "Taking over %s resources.\n" :
	       "Going standby [%s].\n", what);
	g_free(out);
	return 0;
}
