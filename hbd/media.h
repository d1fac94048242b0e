/*
 * media.h - heartbeat media: UDP ucast, bcast, mcast and serial lines.
 *
 * Each configured medium opens its own non-blocking sockets (or tty) on
 * open and registers GLib sources at HBD_PRIO_MEDIA.  The link name of a
 * medium is its device (interface name, or tty path), as in Heartbeat.
 * Received packets are handed to the rx callback untouched; the medium
 * knows nothing of the packet format.  Sends never block: a full socket
 * buffer or a stalled tty drops the packet and counts it.
 */
#ifndef HBD_MEDIA_H
#define HBD_MEDIA_H

#include <stddef.h>
#include <sys/socket.h>
#include <glib.h>
#include <glib-unix.h>
#include "hacf.h"

/* Heartbeat timers run above everything else; reading the media runs
 * above the timers, so a node resuming from a freeze reads what its peer
 * sent before it checks for dead nodes. */
#define HBD_PRIO_MEDIA (G_PRIORITY_HIGH - 10)
#define HBD_PRIO_MEDIA_RX (HBD_PRIO_MEDIA - 5)

/* g_unix_fd_add_full() for the hot paths: the source is marked
 * recursable, so GLib does not take its fd out of the poll set and put it
 * back (two eventfd writes and an extra poll) around every dispatch.  The
 * callback must not run the main loop itself. */
guint hbd_fd_add(int prio, int fd, GIOCondition cond, GUnixFDSourceFunc cb,
		 gpointer ud);

typedef struct hbd_medium hbd_medium;
typedef void (*hbd_media_rx_fn)(hbd_medium *m, const guint8 *pkt, size_t len,
				void *ud);

struct hbd_medium {
	const hb_media_cfg *cfg;	/* borrowed from the hb_config */
	char *name;			/* link name */
	char *desc;			/* "ucast eth0 10.0.0.2:694" for logs */
	int send_fd;
	int recv_fd;			/* == send_fd for serial */
	guint watch;
	GByteArray *rxbuf;		/* serial stream reassembly */
	GByteArray *txbuf;		/* serial pending output */
	guint txwatch;
	guint64 rx_packets, tx_packets, tx_dropped;
	hbd_media_rx_fn rx;
	void *ud;
	/* destination of UDP sends */
	struct sockaddr_storage *dst;
	unsigned dstlen;
};

/* Opens one medium.  Returns 0, or -errno with a message in *out_err
 * (g_free) naming the medium and the failing step. */
int hbd_medium_open(const hb_media_cfg *cfg, hbd_media_rx_fn rx, void *ud,
		    hbd_medium **out, char **out_err);
void hbd_medium_send(hbd_medium *m, const void *pkt, size_t len);
void hbd_medium_free(hbd_medium *m);	/* accepts NULL */

#endif
