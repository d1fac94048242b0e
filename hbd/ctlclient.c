/*
 * ctlclient.c - one request, one reply over hbd's control socket.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctlclient.h"
#include "ctlsock.h"

#define CTL_MAX_REPLY (1024 * 1024)

int
hbd_ctl_ask(const char *request, char **out)
{
	const char *path = g_getenv("HBD_CONTROL");
	g_autofree char *reply = NULL;
	char *nl;

	if (path == NULL)
		path = HB_RUNDIR "/hbd.sock";
	if (hb_ctl_ask(path, request, -1, CTL_MAX_REPLY, &reply) < 0)
		return -1;
	nl = strchr(reply, '\n');
	if (nl == NULL)
		return -1;
	*nl = '\0';
	*out = g_strdup(nl + 1);
	return atoi(reply);
}
