/*
 * ctlsock.h - a local line-protocol control socket: server and client.
 *
 * Server contract: hb_ctl_server_new() binds a Unix stream socket at path
 * (its directory created, an older socket file replaced, then chmod
 * mode) and serves it from the GLib main loop.  A client sends one
 * request line; the line (without its newline) goes to the request
 * callback once it is complete.  Input is bounded: at most max_line
 * bytes (longer: the client gets too_long and is closed), within 2 s of
 * the connect (else dropped), at most max_clients connected at once
 * (more are closed at accept).  The callback answers with
 * hb_ctl_client_reply() - at once, or later from the loop (a client
 * that waits for an event); the reply is written without blocking
 * (small replies; a client that does not read loses the rest) and the
 * connection closed.  Nothing blocks.  hb_ctl_server_free() closes every
 * client not yet answered and removes the socket file.
 *
 * Client contract: hb_ctl_ask() connects, sends request and a newline,
 * and reads the reply until EOF, for at most timeout_ms (< 0: no limit)
 * and max_reply bytes.  Library code: logs at debug only.
 */
#ifndef HB_CTLSOCK_H
#define HB_CTLSOCK_H

#include <sys/types.h>
#include <glib.h>

typedef struct hb_ctl_server hb_ctl_server;
typedef struct hb_ctl_client hb_ctl_client;

/* line is borrowed for the call; cl is owned by the server until
 * hb_ctl_client_reply() (which frees it). */
typedef void (*hb_ctl_request_fn)(hb_ctl_client *cl, const char *line,
				  void *ud);

struct hb_ctl_limits {
	size_t max_line;	/* request bytes, without the newline */
	guint max_clients;
	const char *too_long;	/* reply to an over-long request */
};

/* 0 and *out, or -errno with *out_err (owned) naming the path. */
int hb_ctl_server_new(const char *path, mode_t mode,
		      const struct hb_ctl_limits *lim, hb_ctl_request_fn fn,
		      void *ud, hb_ctl_server **out, char **out_err);
void hb_ctl_server_free(hb_ctl_server *s);	/* accepts NULL */

/* Send text and close; frees cl. */
void hb_ctl_client_reply(hb_ctl_client *cl, const char *text);

/* 0 and *out (owned: the whole reply), -ETIMEDOUT, or -errno (connect,
 * write or read failed). */
int hb_ctl_ask(const char *path, const char *request, int timeout_ms,
	       size_t max_reply, char **out);

#endif
