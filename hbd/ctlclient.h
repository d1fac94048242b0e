/*
 * ctlclient.h - client side of hbd's control socket (see control.h).
 */
#ifndef HBD_CTLCLIENT_H
#define HBD_CTLCLIENT_H

/* Sends one request line to $HBD_CONTROL (else the default socket).
 * Returns the daemon's rc with its reply lines in *out (g_free), or -1
 * when the daemon cannot be reached. */
int hbd_ctl_ask(const char *request, char **out);

#endif
