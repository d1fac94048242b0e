/*
 * ping.c - ICMP echo to ping nodes (see ping.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "log.h"
#include "ping.h"

struct hbd_ping {
	hbd_cluster *c;
	int fd;
	guint watch, timer;
	guint16 id, seq;
};

static guint16
ping_cksum(const void *data, size_t len)
{
	const guint8 *p = data;
	guint32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static gboolean
ping_send_cb(gpointer data)
{
	hbd_ping *p = data;
	guint i, j;

	p->seq++;
	for (i = 0; i < p->c->cfg->pings->len; i++) {
		hb_ping_cfg *pc = g_ptr_array_index(p->c->cfg->pings, i);

		for (j = 0; j < pc->addrs->len; j++) {
			struct sockaddr_in sin = { .sin_family = AF_INET };
			struct icmphdr h = { .type = ICMP_ECHO };

			if (inet_pton(AF_INET, g_ptr_array_index(pc->addrs, j),
				      &sin.sin_addr) != 1)
				continue;
			h.un.echo.id = htons(p->id);
			h.un.echo.sequence = htons(p->seq);
			h.checksum = ping_cksum(&h, sizeof(h));
			sendto(p->fd, &h, sizeof(h), MSG_DONTWAIT,
			       (struct sockaddr *)&sin, sizeof(sin));
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
ping_recv_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_ping *p = data;
	guint8 buf[1500];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	int k;

	for (k = 0; k < 64; k++) {
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);
		const struct iphdr *ip = (const void *)buf;
		const struct icmphdr *h;
		char addr[INET_ADDRSTRLEN];
		guint i, j;

		if (n < 0)
			break;
		if ((size_t)n < sizeof(*ip) || (size_t)n < ip->ihl * 4u + sizeof(*h))
			continue;
		h = (const void *)(buf + ip->ihl * 4);
		if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != p->id)
			continue;
		inet_ntop(AF_INET, &from.sin_addr, addr, sizeof(addr));
		for (i = 0; i < p->c->cfg->pings->len; i++) {
			hb_ping_cfg *pc = g_ptr_array_index(p->c->cfg->pings, i);

			for (j = 0; j < pc->addrs->len; j++)
				if (strcmp(addr, g_ptr_array_index(pc->addrs, j)) == 0)
					hbd_cluster_ping_reply(p->c, pc->name);
		}
	}
	return G_SOURCE_CONTINUE;
}

hbd_ping *
hbd_ping_new(hbd_cluster *c)
{
	hbd_ping *p;
	int fd;

	if (c->cfg->pings->len == 0)
		return NULL;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	if (fd < 0) {
		hb_log(LOG_ERR, "ping nodes: cannot open ICMP socket: %s",
		       g_strerror(errno));
		return NULL;
	}
	p = g_new0(hbd_ping, 1);
	p->c = c;
	p->fd = fd;
	p->id = (guint16)(getpid() ^ g_random_int());
	p->watch = hbd_fd_add(HBD_PRIO_MEDIA_RX, fd, G_IO_IN, ping_recv_cb, p);
	p->timer = g_timeout_add_full(HBD_PRIO_MEDIA, c->cfg->keepalive_ms,
				      ping_send_cb, p, NULL);
	c->pinging = TRUE;
	ping_send_cb(p);
	return p;
}

void
hbd_ping_free(hbd_ping *p)
{
	if (p == NULL)
		return;
	g_source_remove(p->watch);
	g_source_remove(p->timer);
	close(p->fd);
	g_free(p);
}
