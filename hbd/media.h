/*
 * media.h - heartbeat media: UDP ucast, bcast, mcast and serial lines.
 *
 * Each configured medium opens its own non-blocking sockets (or tty) on
 * open and registers GLib sources at HBD_PRIO_MEDIA.  The link name of a
 * medium is its device (interface name, or tty path), as in Heartbeat.
 * UDP media carry one packet per datagram and hand it to the rx callback
 * untouched.  A serial line is a byte stream in Heartbeat 3.0.6's serial
 * format (lib/serial.h): the tty is set up as Heartbeat sets it, locked
 * UUCP-style (ttylock.h), sent a break at open; received bytes go through
 * the line scanner and each ">>>".."<<<" block goes to the rx callback;
 * line noise is counted and logged once per burst.  The caller gives a
 * serial medium the classic rendering (hbd_medium_is_serial).  A UDP
 * medium can be made quiet: its socket leaves the poll set and what
 * arrives is read only on hbd_medium_read_now, each packet with its
 * kernel arrival time (rx_time_ms, set during the rx callback).  Sends never
 * block: a full socket buffer or a stalled tty drops the packet, counts it
 * and logs once per burst.
 */
#ifndef HBD_MEDIA_H
#define HBD_MEDIA_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <glib.h>
#include <glib-unix.h>
#include "hacf.h"
#include "serial.h"

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
	/* serial lines */
	hb_serial_scanner scan;		/* receive: Heartbeat's line scanner */
	GQueue *txq;			/* GBytes: packets not yet written */
	size_t txoff;			/* bytes of the head already written */
	size_t txbytes, txmax;		/* queued; at most ~1 s of line time */
	guint txwatch;
	guint break_timer;		/* break at open: output waits */
	guint retry_timer;		/* read error: reading paused */
	gboolean locked;		/* we hold the UUCP lock */
	guint64 lost_logged;		/* scanner losses already logged */
	gint64 noise_log_ms, drop_log_ms, err_log_ms;
	guint64 rx_packets, tx_packets, tx_dropped;
	hbd_media_rx_fn rx;
	void *ud;
	gboolean quiet;			/* not polled: read on demand */
	gint64 rx_time_ms;		/* in rx: monotonic arrival, 0 unknown */
	/* destination of UDP sends */
	struct sockaddr_storage *dst;
	unsigned dstlen;
	gboolean connected;		/* send_fd connected to dst */
	gint64 connect_ms;		/* last (re)connect, monotonic */
};

/* Opens one medium.  Returns 0, or -errno with a message in *out_err
 * (g_free) naming the medium and the failing step. */
int hbd_medium_open(const hb_media_cfg *cfg, hbd_media_rx_fn rx, void *ud,
		    hbd_medium **out, char **out_err);
/* Sends one packet: the netstring form on UDP media, the classic form
 * (hb_serial_render) on a serial line, written in one write when the tty
 * takes it. */
void hbd_medium_send(hbd_medium *m, const void *pkt, size_t len);
gboolean hbd_medium_is_serial(const hbd_medium *m);
/* Quiet: stop polling a UDP medium's socket (no wakeup per packet);
 * no-op on serial lines. */
void hbd_medium_set_quiet(hbd_medium *m, gboolean quiet);
/* Reads what a quiet medium has queued (rx callback per packet). */
void hbd_medium_read_now(hbd_medium *m);
/* Counts a packet that could not be sent on this medium. */
void hbd_medium_drop(hbd_medium *m);
void hbd_medium_free(hbd_medium *m);	/* accepts NULL; unlocks a tty */

/* For hbd -t: can cfg's serial device be opened and locked?  A lock held
 * by running_pid (the running hbd, 0 if none) is fine.  Returns 0, or
 * -errno with *out_err (g_free) naming the device and why. */
int hbd_media_check_serial(const hb_media_cfg *cfg, pid_t running_pid,
			   char **out_err);

#endif
