/*
 * ctlclient.c - one request, one reply over a control socket.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctlclient.h"
#include "ctlsock.h"

int
hbd_ctl_raw(const char *path, const char *request, int timeout_ms, char **out)
{
	return hb_ctl_ask(path, request, timeout_ms, HBD_CTL_MAXREPLY, out);
}

int
hbd_ctl_ask(const char *request, char **out)
{
	const char *path = g_getenv("HBD_CONTROL");
	g_autofree char *reply = NULL;
	char *nl;

	if (path == NULL)
		path = HB_RUNDIR "/hbd.sock";
	if (hbd_ctl_raw(path, request, HBD_CTL_TIMEOUT_MS, &reply) != 0)
		return -1;
	nl = strchr(reply, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	*out = g_strdup(nl + 1);
	return atoi(reply);
}
