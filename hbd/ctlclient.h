/*
 * ctlclient.h - client side of hbd's control socket (see control.h), and
 * of other line-protocol sockets (replicate's control socket).
 */
#ifndef HBD_CTLCLIENT_H
#define HBD_CTLCLIENT_H

#define HBD_CTL_TIMEOUT_MS 10000	/* a daemon that does not answer */
#define HBD_CTL_MAXREPLY (1 << 20)	/* longer replies are cut */

/* Sends one request line to $HBD_CONTROL (else the default socket).
 * Returns the daemon's rc with its reply lines in *out (g_free), or -1
 * when the daemon cannot be reached or does not answer in time. */
int hbd_ctl_ask(const char *request, char **out);

/* Sends request plus "\n" to the Unix socket at path and reads the reply
 * until the peer closes (at most HBD_CTL_MAXREPLY bytes) within
 * timeout_ms in all.  Returns 0 with *out (g_free), or -errno (-ETIMEDOUT
 * when the answer did not come in time). */
int hbd_ctl_raw(const char *path, const char *request, int timeout_ms,
		char **out);

#endif
