/*
 * media.c - UDP and serial heartbeat media (see media.h).
 *
 * ucast: send to peer:udpport from a socket bound to the device; receive
 *   on INADDR_ANY:udpport bound to the device.  Authentication, not the
 *   source address, decides what is accepted.
 * bcast: send to the device's broadcast address; receive as ucast.
 * mcast: join group on the device; send with the configured ttl/loop.
 * serial: raw tty at the configured baud, frames per frame.h.
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
#include <unistd.h>

#include <glib-unix.h>

#include "frame.h"
#include "log.h"
#include "media.h"

#define MEDIA_RXBUF_MAX (2 * HB_FRAME_MAXPACKET)
#define MEDIA_TXBUF_MAX (4 * 65536)

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

static gboolean
media_udp_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_medium *m = data;
	static guint8 buf[HB_FRAME_MAXPACKET + 1];
	int i;

	/* Drain a bounded number per wakeup so one flooded medium cannot
	 * starve the others or the timers. */
	for (i = 0; i < 64; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);

		if (n < 0)
			break;
		if ((size_t)n > sizeof(buf) - 1) {
			hb_log(LOG_WARNING, "%s: dropped oversized packet (%zd bytes)",
			       m->desc, n);
			continue;
		}
		m->rx_packets++;
		m->rx(m, buf, n, m->ud);
	}
	return G_SOURCE_CONTINUE;
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
media_serial_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_medium *m = data;
	guint8 buf[4096];
	ssize_t n;
	size_t used = 0;

	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return G_SOURCE_CONTINUE;
	g_byte_array_append(m->rxbuf, buf, n);
	for (;;) {
		const guint8 *pkt;
		size_t plen, step;
		int got = hb_frame_next(m->rxbuf->data + used,
					m->rxbuf->len - used, &step, &pkt,
					&plen);

		used += step;
		if (!got)
			break;
		m->rx_packets++;
		m->rx(m, pkt, plen, m->ud);
	}
	g_byte_array_remove_range(m->rxbuf, 0, used);
	if (m->rxbuf->len > MEDIA_RXBUF_MAX)	/* cannot happen: bounded frames */
		g_byte_array_set_size(m->rxbuf, 0);
	return G_SOURCE_CONTINUE;
}

static gboolean
media_serial_writable_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_medium *m = data;
	ssize_t n = write(fd, m->txbuf->data, m->txbuf->len);

	if (n > 0)
		g_byte_array_remove_range(m->txbuf, 0, n);
	if (m->txbuf->len == 0) {
		m->txwatch = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static int
media_open_serial(hbd_medium *m, char **out_err)
{
	struct termios t;
	int fd;

	fd = open(m->cfg->dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*out_err = g_strdup_printf("cannot open %s: %s", m->cfg->dev,
					   g_strerror(errno));
		return -1;
	}
	m->send_fd = m->recv_fd = fd;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		cfsetispeed(&t, media_speed(m->cfg->baud));
		cfsetospeed(&t, media_speed(m->cfg->baud));
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &t) != 0) {
			*out_err = g_strdup_printf("cannot set %s to %d baud: %s",
						   m->cfg->dev, m->cfg->baud,
						   g_strerror(errno));
			return -1;
		}
		tcflush(fd, TCIOFLUSH);
	}
	m->rxbuf = g_byte_array_new();
	m->txbuf = g_byte_array_new();
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

void
hbd_medium_send(hbd_medium *m, const void *pkt, size_t len)
{
	if (m->cfg->type == HB_MEDIA_SERIAL) {
		if (m->txbuf->len + len + 16 > MEDIA_TXBUF_MAX) {
			m->tx_dropped++;
			return;
		}
		hb_frame_put(m->txbuf, pkt, len);
		if (m->txwatch == 0)
			m->txwatch = hbd_fd_add(HBD_PRIO_MEDIA, m->send_fd,
						G_IO_OUT,
						media_serial_writable_cb, m);
		m->tx_packets++;
		return;
	}
	if (sendto(m->send_fd, pkt, len, MSG_DONTWAIT,
		   (struct sockaddr *)m->dst, m->dstlen) < 0)
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
	if (m->recv_fd >= 0 && m->recv_fd != m->send_fd)
		close(m->recv_fd);
	if (m->send_fd >= 0)
		close(m->send_fd);
	if (m->rxbuf)
		g_byte_array_unref(m->rxbuf);
	if (m->txbuf)
		g_byte_array_unref(m->txbuf);
	g_free(m->dst);
	g_free(m->name);
	g_free(m->desc);
	g_free(m);
}
