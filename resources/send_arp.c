/*
 * send_arp - announce an IPv4 address with gratuitous ARP.
 *
 * Usage (compatible with Heartbeat's send_arp argument order):
 *   send_arp [-i interval_ms] [-r count] [-p pidfile] dev ip [hwaddr|auto]
 *            [broadcast] [netmask]
 * The last two are accepted and ignored, as the IPaddr agent passes them.
 *
 * Purpose: after an address moves to this node, neighbours must replace
 * their ARP cache entry at once.  Each round sends, on a packet socket to
 * the Ethernet broadcast address, one ARP request (sender = target = ip)
 * and one ARP reply (sender = ip, target hw = broadcast), repeated `count`
 * times `interval_ms` apart (defaults 5 and 200, as Heartbeat).
 *
 * Invariants: never allocates; all numbers are bounded (count 1..1000,
 * interval 1..60000 ms); the pidfile, when given, holds our pid for the
 * run and is removed at exit if it still names us.
 * Errors (to stderr, exit 1): bad arguments, unknown interface, socket
 * or send failures (ENETDOWN on a down link is reported per round).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "send_arp.h"

static const char *arp_pidfile;

static void
arp_usage(void)
{
	fprintf(stderr, "usage: send_arp [-i interval_ms] [-r count] "
		"[-p pidfile] dev ip [hwaddr|auto] [broadcast] [netmask]\n");
}

/* Parse a decimal in [lo, hi]; 0 or -EINVAL. */
static int
arp_parse_num(const char *s, long lo, long hi, long *out_v)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out_v = v;
	return 0;
}

static void
arp_cleanup(void)
{
	FILE *f;
	long pid = 0;

	if (arp_pidfile == NULL)
		return;
	f = fopen(arp_pidfile, "r");
	if (f == NULL)
		return;
	if (fscanf(f, "%ld", &pid) == 1 && pid == (long)getpid())
		unlink(arp_pidfile);
	fclose(f);
}

static void
arp_term_cb(int sig)
{
	arp_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
arp_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static void
arp_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	long interval = 200, count = 5, r;
	const char *dev, *ipstr;
	unsigned char mac[6], buf[ARP_PKT_LEN];
	struct in_addr ip;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int c, fd, ifindex, failures = 0;

	while ((c = getopt(argc, argv, "i:r:p:")) != -1) {
		switch (c) {
		case 'i':
			if (arp_parse_num(optarg, 1, 60000, &interval) != 0) {
				fprintf(stderr, "send_arp: bad interval '%s' "
					"(1..60000 ms)\n", optarg);
				return 1;
			}
			break;
		case 'r':
			if (arp_parse_num(optarg, 1, 1000, &count) != 0) {
				fprintf(stderr, "send_arp: bad repeat count "
					"'%s' (1..1000)\n", optarg);
				return 1;
			}
			break;
		case 'p':
			arp_pidfile = optarg;
			break;
		default:
			arp_usage();
			return 1;
		}
	}
	if (argc - optind < 2 || argc - optind > 5) {
		arp_usage();
		return 1;
	}
	dev = argv[optind];
	ipstr = argv[optind + 1];
	if (strlen(dev) == 0 || strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "send_arp: bad interface name '%s'\n", dev);
		return 1;
	}
	if (inet_pton(AF_INET, ipstr, &ip) != 1) {
		fprintf(stderr, "send_arp: bad IPv4 address '%s'\n", ipstr);
		return 1;
	}
	ifindex = (int)if_nametoindex(dev);
	if (ifindex == 0) {
		fprintf(stderr, "send_arp: no interface '%s': %s\n", dev,
			strerror(errno));
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
	if (fd < 0) {
		fprintf(stderr, "send_arp: packet socket: %s\n",
			strerror(errno));
		return 1;
	}
	if (argc - optind >= 3 && strcmp(argv[optind + 2], "auto") != 0) {
		if (arp_parse_hwaddr(argv[optind + 2], mac) != 0) {
			fprintf(stderr, "send_arp: bad hardware address "
				"'%s'\n", argv[optind + 2]);
			close(fd);
			return 1;
		}
	} else {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, dev, strlen(dev));
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
			fprintf(stderr, "send_arp: %s: cannot read hardware "
				"address: %s\n", dev, strerror(errno));
			close(fd);
			return 1;
		}
		if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
			fprintf(stderr, "send_arp: %s is not Ethernet\n", dev);
			close(fd);
			return 1;
		}
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (arp_pidfile != NULL) {
		int e = arp_write_pidfile(arp_pidfile);

		if (e != 0) {
			fprintf(stderr, "send_arp: pidfile '%s': %s\n",
				arp_pidfile, strerror(-e));
			close(fd);
			return 1;
		}
		signal(SIGTERM, arp_term_cb);
		signal(SIGINT, arp_term_cb);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);

	for (r = 0; r < count; r++) {
		int op;

		if (r > 0)
			arp_sleep_ms(interval);
		for (op = ARP_OP_REQUEST; op <= ARP_OP_REPLY; op++) {
			arp_build(op, mac, ip, buf);
			if (sendto(fd, buf, sizeof(buf), 0,
				   (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				fprintf(stderr, "send_arp: %s: send: %s\n",
					dev, strerror(errno));
				failures++;
			}
		}
	}
	close(fd);
	arp_cleanup();
	return failures == 2 * count ? 1 : 0;
}
