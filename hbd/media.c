/*
 * media.c - UDP and serial heartbeat media (see media.h).
 *
 * ucast: send to peer:udpport from a socket bound to the device; receive
 *   on INADDR_ANY:udpport bound to the device.  Authentication, not the
 *   source address, decides what is accepted.
 * bcast: send to the device's broadcast address; receive as ucast.
 * mcast: join group on the device; send with the configured ttl/loop.
 * serial: Heartbeat 3.0.6's serial format (lib/serial.h) on a tty set up
 *   and locked as Heartbeat does it (media_serial_termios, ttylock.h).
 * Every fd is non-blocking; errors on send are counted, never fatal.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "log.h"
#include "media.h"
#include "ttylock.h"

#define MEDIA_BURST_MS 5000	/* one log line per burst of trouble */
#define MEDIA_RETRY_MS 1000	/* serial read error: pause, then retry */
#define MEDIA_BREAK_MS 250	/* break at open (tcsendbreak's 0.25 s) */
#define MEDIA_TXMIN 4096	/* serial output queue, at least */

static int
media_udp_socket(const char *dev, char **out_err)
{
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*out_err = g_strdup_printf("socket: %s", g_strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (dev != NULL && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev,
				      strlen(dev) + 1) != 0) {
		*out_err = g_strdup_printf("cannot bind to device %s: %s", dev,
					   g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
media_bind(int fd, in_addr_t addr, int port, char **out_err)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = addr;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		int e = errno;

		*out_err = g_strdup_printf("cannot bind to port %d: %s%s", port,
					   g_strerror(e), e == EADDRINUSE ?
					   " (ha.cf udpport: is heartbeat or "
					   "another hbd running? ss -lunp)" : "");
		return -1;
	}
	return 0;
}

static int
media_resolve(const char *host, struct in_addr *out)
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res;

	if (inet_pton(AF_INET, host, out) == 1)
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static void
media_set_dst(hbd_medium *m, struct in_addr a, int port)
{
	struct sockaddr_in *sin = g_new0(struct sockaddr_in, 1);

	sin->sin_family = AF_INET;
	sin->sin_addr = a;
	sin->sin_port = htons(port);
	m->dst = (struct sockaddr_storage *)sin;
	m->dstlen = sizeof(*sin);
}

/* Arrival time of a datagram on the monotonic clock, from its kernel
 * timestamp (SO_TIMESTAMPNS, wall clock); now when there is none or it
 * is not in (now - 10 s, now]. */
static gint64
media_arrival_ms(struct msghdr *mh)
{
	gint64 now = g_get_monotonic_time() / 1000;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		struct timespec ts, real;
		gint64 age;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		clock_gettime(CLOCK_REALTIME, &real);
		age = ((gint64)real.tv_sec - ts.tv_sec) * 1000 +
			(real.tv_nsec - ts.tv_nsec) / 1000000;
		if (age >= 0 && age < 10000)
			return now - age;
	}
	return now;
}

/* Reads what is queued, at most 64 packets (so one flooded medium cannot
 * starve the others or the timers), MEDIA_RX_BATCH per recvmmsg(): the
 * usual quiet tick finds one packet and learns from the short count that
 * the queue is empty, in one system call instead of two.  The buffers are
 * static (untouched pages cost no memory) and the callbacks do not read
 * media themselves. */
#define MEDIA_RX_BATCH 4

static void
media_udp_read(hbd_medium *m)
{
	static guint8 buf[MEDIA_RX_BATCH][HB_WIRE_MAXPACKET + 1];
	static union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[MEDIA_RX_BATCH];
	struct iovec iov[MEDIA_RX_BATCH];
	struct mmsghdr mm[MEDIA_RX_BATCH];
	int total = 0;

	while (total < 64) {
		int i, n;

		for (i = 0; i < MEDIA_RX_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctl[i].b;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].b);
		}
		n = recvmmsg(m->recv_fd, mm, MEDIA_RX_BATCH,
			     MSG_TRUNC | MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			size_t len = mm[i].msg_len;

			if (len > sizeof(buf[i]) - 1) {
				hb_log(LOG_WARNING, "%s: dropped oversized packet "
				       "(%zu bytes)", m->desc, len);
				continue;
			}
			m->rx_packets++;
			m->rx_time_ms = media_arrival_ms(&mm[i].msg_hdr);
			m->rx(m, buf[i], len, m->ud);
		}
		total += n;
		if (n < MEDIA_RX_BATCH)
			break;	/* the queue is empty */
	}
	m->rx_time_ms = 0;
}

static gboolean
media_udp_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)cond;
	media_udp_read(data);
	return G_SOURCE_CONTINUE;
}

void
hbd_medium_set_quiet(hbd_medium *m, gboolean quiet)
{
	if (m->cfg->type == HB_MEDIA_SERIAL || m->quiet == quiet)
		return;
	m->quiet = quiet;
	if (quiet) {
		g_source_remove(m->watch);
		m->watch = 0;
	} else
		m->watch = hbd_fd_add(HBD_PRIO_MEDIA_RX, m->recv_fd, G_IO_IN,
				      media_udp_readable_cb, m);
}

void
hbd_medium_read_now(hbd_medium *m)
{
	if (m->quiet)
		media_udp_read(m);
}

static int
media_open_udp(hbd_medium *m, char **out_err)
{
	const hb_media_cfg *c = m->cfg;
	struct in_addr a;
	int one = 1;

	m->send_fd = media_udp_socket(c->dev, out_err);
	if (m->send_fd < 0)
		return -1;
	m->recv_fd = media_udp_socket(c->dev, out_err);
	if (m->recv_fd < 0)
		return -1;
	/* arrival times survive a deferred read (hbd_medium_set_quiet) */
	if (setsockopt(m->recv_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
		       sizeof(one)) != 0) {
		*out_err = g_strdup_printf("SO_TIMESTAMPNS: %s", g_strerror(errno));
		return -1;
	}

	switch (c->type) {
	case HB_MEDIA_UCAST:
		if (media_resolve(c->addr, &a) != 0) {
			*out_err = g_strdup_printf("cannot resolve [%s]", c->addr);
			return -1;
		}
		media_set_dst(m, a, c->port);
		return media_bind(m->recv_fd, INADDR_ANY, c->port, out_err);
	case HB_MEDIA_BCAST: {
		struct ifreq ifr = { 0 };

		g_strlcpy(ifr.ifr_name, c->dev, sizeof(ifr.ifr_name));
		if (ioctl(m->send_fd, SIOCGIFBRDADDR, &ifr) != 0) {
			*out_err = g_strdup_printf("no broadcast address on %s: %s",
						   c->dev, g_strerror(errno));
			return -1;
		}
		a = ((struct sockaddr_in *)&ifr.ifr_broadaddr)->sin_addr;
		if (a.s_addr == INADDR_ANY) {
			*out_err = g_strdup_printf("broadcast address of %s is 0.0.0.0 "
						   "(add the address with 'brd +')", c->dev);
			return -1;
		}
		setsockopt(m->send_fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
		media_set_dst(m, a, c->port);
		return media_bind(m->recv_fd, INADDR_ANY, c->port, out_err);
	}
	case HB_MEDIA_MCAST: {
		struct ip_mreqn mr = { 0 };
		unsigned char ttl = c->ttl, loop = c->loop;

		if (inet_pton(AF_INET, c->addr, &a) != 1 ||
		    !IN_MULTICAST(ntohl(a.s_addr))) {
			*out_err = g_strdup_printf("[%s] is not an IPv4 multicast group",
						   c->addr);
			return -1;
		}
		mr.imr_multiaddr = a;
		mr.imr_ifindex = if_nametoindex(c->dev);
		if (mr.imr_ifindex == 0) {
			*out_err = g_strdup_printf("no interface %s", c->dev);
			return -1;
		}
		if (setsockopt(m->send_fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)) != 0 ||
		    setsockopt(m->send_fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
			       sizeof(ttl)) != 0 ||
		    setsockopt(m->send_fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
			       sizeof(loop)) != 0) {
			*out_err = g_strdup_printf("multicast setup on %s: %s",
						   c->dev, g_strerror(errno));
			return -1;
		}
		media_set_dst(m, a, c->port);
		if (media_bind(m->recv_fd, a.s_addr, c->port, out_err) != 0)
			return -1;
		if (setsockopt(m->recv_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) != 0) {
			*out_err = g_strdup_printf("cannot join %s on %s: %s",
						   c->addr, c->dev, g_strerror(errno));
			return -1;
		}
		return 0;
	}
	default:
		return -1;
	}
}

static speed_t
media_speed(int baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	default: return B19200;
	}
}

static gboolean
media_burst_ok(gint64 *last)
{
	gint64 now = g_get_monotonic_time() / 1000;

	if (*last != 0 && now - *last < MEDIA_BURST_MS)
		return FALSE;
	*last = now;
	return TRUE;
}

static void
media_serial_noise_log(hbd_medium *m)
{
	const hb_serial_scanner *s = &m->scan;

	if (hb_serial_lost(s) == m->lost_logged ||
	    !media_burst_ok(&m->noise_log_ms))
		return;
	m->lost_logged = hb_serial_lost(s);
	hb_log(LOG_WARNING, "%s: line noise: %" G_GUINT64_FORMAT " lines "
	       "outside packets, %" G_GUINT64_FORMAT " packets cut short, %"
	       G_GUINT64_FORMAT " over %d bytes dropped (totals; %"
	       G_GUINT64_FORMAT " packets read)", m->desc, s->noise_lines,
	       s->cut_blocks, s->oversized, HB_SERIAL_MAXBLOCK, s->blocks);
}

static gboolean media_serial_readable_cb(int fd, GIOCondition cond,
					 gpointer data);

static gboolean
media_serial_retry_cb(gpointer data)
{
	hbd_medium *m = data;

	m->retry_timer = 0;
	m->watch = hbd_fd_add(HBD_PRIO_MEDIA_RX, m->recv_fd, G_IO_IN,
			      media_serial_readable_cb, m);
	return G_SOURCE_REMOVE;
}

static gboolean
media_serial_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_medium *m = data;
	guint8 buf[4096];
	ssize_t n;
	size_t off = 0;

	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		/* EOF or EIO (a pty whose other side is gone): the fd stays
		 * readable, so pause instead of spinning, and look again. */
		if (media_burst_ok(&m->err_log_ms))
			hb_log(LOG_WARNING, "%s: read: %s; retrying every %d ms",
			       m->desc, n == 0 ? "end of file" :
			       g_strerror(errno), MEDIA_RETRY_MS);
		m->watch = 0;
		m->retry_timer = g_timeout_add(MEDIA_RETRY_MS,
					       media_serial_retry_cb, m);
		return G_SOURCE_REMOVE;
	}
	while (off < (size_t)n) {
		size_t used;

		if (hb_serial_scan(&m->scan, buf + off, n - off, &used)) {
			m->rx_packets++;
			m->rx(m, (const guint8 *)m->scan.block->str,
			      m->scan.block->len, m->ud);
		}
		off += used;
	}
	media_serial_noise_log(m);
	return G_SOURCE_CONTINUE;
}

/* Writes what the tty takes, one packet per write() as Heartbeat does (a
 * packet the tty took only in part is finished by the next writes);
 * returns TRUE when output waits for the tty.  A write error other than
 * a full tty (EIO: the far side of a pty is gone) drops what is queued,
 * so a dead line cannot keep the write watch spinning; the next packet
 * tries again. */
static gboolean
media_serial_flush(hbd_medium *m)
{
	GBytes *head;

	while ((head = g_queue_peek_head(m->txq)) != NULL) {
		gsize len;
		const guint8 *data = g_bytes_get_data(head, &len);
		ssize_t n = write(m->send_fd, data + m->txoff, len - m->txoff);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return TRUE;
		if (n <= 0) {
			if (media_burst_ok(&m->err_log_ms))
				hb_log(LOG_WARNING, "%s: write: %s", m->desc,
				       n == 0 ? "nothing written" :
				       g_strerror(errno));
			while ((head = g_queue_pop_head(m->txq)) != NULL) {
				g_bytes_unref(head);
				m->tx_dropped++;
			}
			m->txbytes = 0;
			m->txoff = 0;
			return FALSE;
		}
		m->txbytes -= n;
		m->txoff += n;
		if (m->txoff < len)
			return TRUE;	/* the tty is full for now */
		m->txoff = 0;
		g_bytes_unref(g_queue_pop_head(m->txq));
	}
	return FALSE;
}

static gboolean
media_serial_writable_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_medium *m = data;

	if (media_serial_flush(m))
		return G_SOURCE_CONTINUE;
	m->txwatch = 0;
	return G_SOURCE_REMOVE;
}

static void
media_serial_kick(hbd_medium *m)
{
	if (m->break_timer != 0 || m->txwatch != 0)
		return;
	if (media_serial_flush(m))
		m->txwatch = hbd_fd_add(HBD_PRIO_MEDIA, m->send_fd, G_IO_OUT,
					media_serial_writable_cb, m);
}

static gboolean
media_serial_break_end_cb(gpointer data)
{
	hbd_medium *m = data;

	m->break_timer = 0;
	ioctl(m->send_fd, TIOCCBRK);
	media_serial_kick(m);
	return G_SOURCE_REMOVE;
}

/* The tty as Heartbeat 3.0.6 sets it (strace of its serial plugin):
 * iflag BRKINT|INPCK|ISTRIP|IGNCR, no OPOST, CS8 CREAD CLOCAL CRTSCTS at
 * the configured speed, no ICANON/ECHO/ISIG, VMIN 1 VTIME 1, applied with
 * TCSAFLUSH, then both queues flushed. */
static int
media_serial_termios(int fd, int baud, char **out_err)
{
	struct termios t;

	if (tcgetattr(fd, &t) != 0) {
		*out_err = g_strdup_printf("not a tty: %s", g_strerror(errno));
		return -1;
	}
	t.c_iflag = BRKINT | INPCK | ISTRIP | IGNCR;
	t.c_oflag &= ~OPOST;
	t.c_cflag &= ~(CSIZE | PARENB | CSTOPB | HUPCL);
	t.c_cflag |= CS8 | CREAD | CLOCAL | CRTSCTS;
	t.c_lflag &= ~(ICANON | ECHO | ECHONL | ISIG);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 1;
	cfsetispeed(&t, media_speed(baud));
	cfsetospeed(&t, media_speed(baud));
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0) {
		*out_err = g_strdup_printf("cannot set %d baud 8N1: %s", baud,
					   g_strerror(errno));
		return -1;
	}
	tcflush(fd, TCIOFLUSH);
	return 0;
}

static int
media_open_serial(hbd_medium *m, char **out_err)
{
	const char *dev = m->cfg->dev;
	g_autofree char *lock = hbd_ttylock_path(HBD_LOCKDIR, dev);
	pid_t holder = 0;
	int fd, rc;

	rc = hbd_ttylock(HBD_LOCKDIR, dev, &holder);
	if (rc == -EBUSY) {
		*out_err = g_strdup_printf("in use: locked by process %d (%s)",
					   (int)holder, lock);
		return -1;
	}
	if (rc != 0) {
		*out_err = g_strdup_printf("cannot lock (%s): %s", lock,
					   g_strerror(-rc));
		return -1;
	}
	m->locked = TRUE;
	fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*out_err = g_strdup_printf("cannot open: %s", g_strerror(errno));
		return -1;
	}
	m->send_fd = m->recv_fd = fd;
	if (media_serial_termios(fd, m->cfg->baud, out_err) != 0)
		return -1;
	hb_serial_scanner_init(&m->scan);
	m->txq = g_queue_new();
	m->txmax = MAX((size_t)m->cfg->baud / 10, MEDIA_TXMIN);
	/* a break at open, as Heartbeat sends one; output waits for its end */
	if (ioctl(fd, TIOCSBRK) == 0)
		m->break_timer = g_timeout_add(MEDIA_BREAK_MS,
					       media_serial_break_end_cb, m);
	return 0;
}

int
hbd_media_check_serial(const hb_media_cfg *cfg, pid_t running_pid,
		       char **out_err)
{
	g_autofree char *lock = hbd_ttylock_path(HBD_LOCKDIR, cfg->dev);
	pid_t holder = 0;
	int fd, rc;

	if (cfg->type != HB_MEDIA_SERIAL)
		return 0;
	rc = hbd_ttylock_check(HBD_LOCKDIR, cfg->dev, &holder);
	if (rc == -EBUSY && holder != running_pid) {
		*out_err = g_strdup_printf("serial %s: in use: locked by process "
					   "%d (%s)", cfg->dev, (int)holder, lock);
		return rc;
	}
	if (rc == -EBUSY)	/* our running daemon has it open */
		return 0;
	fd = open(cfg->dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		*out_err = g_strdup_printf("serial %s: cannot open: %s",
					   cfg->dev, g_strerror(errno));
		return rc;
	}
	if (!isatty(fd)) {
		close(fd);
		*out_err = g_strdup_printf("serial %s: not a tty", cfg->dev);
		return -ENOTTY;
	}
	close(fd);
	if (access(HBD_LOCKDIR, W_OK) != 0) {
		rc = -errno;
		*out_err = g_strdup_printf("serial %s: cannot lock: %s: %s",
					   cfg->dev, HBD_LOCKDIR,
					   g_strerror(errno));
		return rc;
	}
	return 0;
}

int
hbd_medium_open(const hb_media_cfg *cfg, hbd_media_rx_fn rx, void *ud,
		hbd_medium **out, char **out_err)
{
	hbd_medium *m = g_new0(hbd_medium, 1);
	static const char *types[] = { "bcast", "mcast", "ucast", "serial" };
	char *err = NULL;
	int rc;

	m->cfg = cfg;
	m->rx = rx;
	m->ud = ud;
	m->send_fd = m->recv_fd = -1;
	m->name = g_strdup(cfg->dev);
	if (cfg->type == HB_MEDIA_SERIAL)
		m->desc = g_strdup_printf("serial %s", cfg->dev);
	else
		m->desc = g_strdup_printf("%s %s %s:%d", types[cfg->type],
					  cfg->dev, cfg->addr ? cfg->addr : "brd",
					  cfg->port);
	if (cfg->type == HB_MEDIA_SERIAL)
		rc = media_open_serial(m, &err);
	else
		rc = media_open_udp(m, &err);
	if (rc != 0) {
		*out_err = g_strdup_printf("%s: %s", m->desc,
					   err ? err : "setup failed");
		g_free(err);
		hbd_medium_free(m);
		return -EINVAL;
	}
	m->watch = hbd_fd_add(HBD_PRIO_MEDIA_RX, m->recv_fd, G_IO_IN,
			      cfg->type == HB_MEDIA_SERIAL ?
			      media_serial_readable_cb :
			      media_udp_readable_cb, m);
	*out = m;
	return 0;
}

guint
hbd_fd_add(int prio, int fd, GIOCondition cond, GUnixFDSourceFunc cb,
	   gpointer ud)
{
	GSource *src = g_unix_fd_source_new(fd, cond);
	guint id;

	g_source_set_priority(src, prio);
	g_source_set_can_recurse(src, TRUE);
	g_source_set_callback(src, (GSourceFunc)(void (*)(void))cb, ud, NULL);
	id = g_source_attach(src, NULL);
	g_source_unref(src);
	return id;
}

gboolean
hbd_medium_is_serial(const hbd_medium *m)
{
	return m->cfg->type == HB_MEDIA_SERIAL;
}

void
hbd_medium_drop(hbd_medium *m)
{
	m->tx_dropped++;
	if (media_burst_ok(&m->drop_log_ms))
		hb_log(LOG_WARNING, "%s: packet not sent (%" G_GUINT64_FORMAT
		       " dropped so far)", m->desc, m->tx_dropped);
}

/* UDP sends go on a connected socket: no route lookup per packet.  It is
 * connected again every MEDIA_RECONNECT_MS (after a disconnect, so that
 * the source address follows the device's); while it cannot be (no route
 * yet), packets go with sendto() as before.  An ICMP error caused by an
 * earlier packet (the peer's port closed: hbd not running there) is
 * reported by the next send, which then did not go out: it is sent once
 * more. */
#define MEDIA_RECONNECT_MS 5000

static ssize_t
media_udp_send(hbd_medium *m, const void *pkt, size_t len)
{
	gint64 now = g_get_monotonic_time() / 1000;
	ssize_t n;

	if (m->connect_ms == 0 || now - m->connect_ms >= MEDIA_RECONNECT_MS) {
		struct sockaddr unspec = { .sa_family = AF_UNSPEC };

		m->connect_ms = now;
		if (m->connected && connect(m->send_fd, &unspec,
					    sizeof(unspec)) != 0)
			hb_debug("%s: disconnect: %s", m->desc, g_strerror(errno));
		m->connected = connect(m->send_fd, (struct sockaddr *)m->dst,
				       m->dstlen) == 0;
	}
	if (!m->connected)
		return sendto(m->send_fd, pkt, len, MSG_DONTWAIT,
			      (struct sockaddr *)m->dst, m->dstlen);
	n = send(m->send_fd, pkt, len, MSG_DONTWAIT);
	if (n < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		      errno == ENETUNREACH || errno == EHOSTDOWN))
		n = send(m->send_fd, pkt, len, MSG_DONTWAIT);
	return n;
}

void
hbd_medium_send(hbd_medium *m, const void *pkt, size_t len)
{
	if (m->cfg->type == HB_MEDIA_SERIAL) {
		/* a stalled line (no CTS, no cable) must not queue stale
		 * heartbeats: at most about a second of line time waits */
		if (m->txbytes + len > m->txmax) {
			hbd_medium_drop(m);
			return;
		}
		g_queue_push_tail(m->txq, g_bytes_new(pkt, len));
		m->txbytes += len;
		media_serial_kick(m);
		m->tx_packets++;
		return;
	}
	if (media_udp_send(m, pkt, len) < 0)
		m->tx_dropped++;
	else
		m->tx_packets++;
}

void
hbd_medium_free(hbd_medium *m)
{
	if (m == NULL)
		return;
	if (m->watch)
		g_source_remove(m->watch);
	if (m->txwatch)
		g_source_remove(m->txwatch);
	if (m->break_timer) {
		g_source_remove(m->break_timer);
		ioctl(m->send_fd, TIOCCBRK);
	}
	if (m->retry_timer)
		g_source_remove(m->retry_timer);
	if (m->recv_fd >= 0 && m->recv_fd != m->send_fd)
		close(m->recv_fd);
	if (m->send_fd >= 0)
		close(m->send_fd);
	hb_serial_scanner_clear(&m->scan);
	if (m->txq)
		g_queue_free_full(m->txq, (GDestroyNotify)g_bytes_unref);
	if (m->locked)
		hbd_ttyunlock(HBD_LOCKDIR, m->cfg->dev);
	g_free(m->dst);
	g_free(m->name);
	g_free(m->desc);
	g_free(m);
}
