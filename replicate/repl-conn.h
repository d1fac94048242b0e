/*
 * repl-conn.h - the peer session: TCP, TLS-PSK, send buffer and frames.
 *
 * Contract: repl_conn_setup() derives the pre-shared key from the key
 * file and prepares TLS 1.2 PSK (PSK-AES256-GCM-SHA384 or
 * PSK-CHACHA20-POLY1305) for both directions; a peer without the key
 * fails the handshake (3 s at most) and is never read; a connection that
 * has not authenticated costs nothing while it is silent (its handshake
 * waits for what TLS asks, read or write) and, inbound, is served only
 * when the session has nothing to do (G_PRIORITY_LOW, accepting too).
 * There is at most one session (repl_conn_session()): an outbound
 * connection is the session from its connect on; an inbound one becomes
 * it once authenticated, and then closes the session it replaces.
 *
 * Everything above this module reaches the peer through the ops given
 * to repl_conn_connect()/repl_conn_listen(), called from the main loop:
 * up() once authenticated; frame() for each frame, in order (return
 * FALSE to leave the frame unconsumed: the input is held - nothing more
 * is read or delivered - until repl_conn_resume(), which delivers it
 * again); batch_end() after each batch of frames (drained: the socket
 * had nothing more to read); ready() says whether the owner would send
 * more given room (the connection then stays watched for writability);
 * pump() runs after each read and write, to fill the buffer; closed()
 * when the session (only the session) closes.  A closed connection is
 * freed from an idle callback, so it stays valid for the rest of the
 * callback that closed it.
 *
 * Sends never block: frames are encoded into the send buffer, written as
 * far as the socket takes them, and the rest goes when it is writable.
 * Logs at err: bad frames (naming the peer), TLS setup; warning: closed
 * sessions and failed connects (once until a handshake succeeds); info:
 * connections closed before they authenticated, one line per 5 s at most
 * with the number closed since without a line.
 */
#ifndef REPL_CONN_H
#define REPL_CONN_H

#include <sys/types.h>
#include <glib.h>

#include "repl-proto.h"

struct repl_conn;

struct repl_conn_ops {
	void (*up)(struct repl_conn *c, void *user);
	gboolean (*frame)(struct repl_conn *c, const struct repl_frame *f,
			  void *user);
	void (*batch_end)(struct repl_conn *c, gboolean drained, void *user);
	gboolean (*ready)(struct repl_conn *c, void *user);
	void (*pump)(struct repl_conn *c, void *user);
	void (*closed)(struct repl_conn *c, void *user);
};

/* Read the key file (bounded); 0, HB_ENOKEY or HB_ECONFIG (logged). */
int repl_conn_setup(const char *keyfile);
/* Wipe the key and free the TLS contexts. */
void repl_conn_cleanup(void);

/* Accept sessions on addr:port; 0 or -errno. */
int repl_conn_listen(const char *addr, int port,
		     const struct repl_conn_ops *ops, void *user);
/* Connect to addr:port, unless a session is up (NULL then, or when the
 * connect failed at once).  Borrowed: valid until its closed(). */
struct repl_conn *repl_conn_connect(const char *addr, int port,
				    const struct repl_conn_ops *ops,
				    void *user);

/* The one session, or NULL (borrowed). */
struct repl_conn *repl_conn_session(void);
/* Close c (no-op when closed); why goes to the log. */
void repl_conn_close(struct repl_conn *c, const char *why);
/* Release input held by a frame() that returned FALSE; delivery goes on
 * from an idle callback. */
void repl_conn_resume(struct repl_conn *c);

const char *repl_conn_peer(const struct repl_conn *c);
gboolean repl_conn_outbound(const struct repl_conn *c);
gboolean repl_conn_alive(const struct repl_conn *c);
/* Bytes waiting in c's send buffer. */
guint repl_conn_queued(const struct repl_conn *c);
/* Payload bytes sent by every session so far. */
guint64 repl_conn_bytes_out(void);

/* Queue a frame (written at once unless it is a DATA frame and less
 * than 64 KB wait); nothing when c is closed. */
void repl_conn_send(struct repl_conn *c, const struct repl_frame *f);
/* The same for a frame with no data from its type, seq and paths. */
void repl_conn_sendf(struct repl_conn *c, int type, guint64 seq,
		     const char *path, const char *path2);
/* Queue a DATA frame f whose data is read from fd (up to n bytes at off)
 * straight into the send buffer.  Returns the bytes sent, 0 at end of
 * file, or -errno (nothing queued). */
ssize_t repl_conn_send_pread(struct repl_conn *c, struct repl_frame *f,
			     int fd, size_t n, guint64 off);

#endif
