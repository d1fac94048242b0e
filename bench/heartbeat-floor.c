/*
 * heartbeat-floor.c - the least a heartbeat can cost, for bench/failover's
 * footprints: every INTERVAL ms (poll() timeout) read what the peer sent
 * (one recvmmsg(), non-blocking) and send SIZE bytes to it on a connected
 * UDP socket - the system calls hbd makes per tick in its quiet steady
 * state, with no work of its own.  Run as a pair, one per namespace.
 *
 *   heartbeat-floor PEER-IPv4 PORT [INTERVAL_MS [SIZE]]   (100, 320)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 4

int
main(int argc, char **argv)
{
	static char buf[BATCH][65536], pkt[65507];
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct pollfd none = { .fd = -1 };
	int s, r, ms, size;

	if (argc < 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: heartbeat-floor PEER-IPv4 PORT "
			"[INTERVAL_MS [SIZE]]\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	ms = argc > 3 ? atoi(argv[3]) : 100;
	size = argc > 4 ? atoi(argv[4]) : 320;
	if (ms <= 0 || size <= 0 || size > (int)sizeof(pkt)) {
		fprintf(stderr, "heartbeat-floor: bad interval or size\n");
		return 2;
	}
	memset(pkt, 'x', (size_t)size);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_in any = a;

		any.sin_addr.s_addr = htonl(INADDR_ANY);
		if (s < 0 || r < 0 ||
		    bind(r, (struct sockaddr *)&any, sizeof(any)) != 0 ||
		    connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("heartbeat-floor: socket");
			return 1;
		}
	}
	for (;;) {
		struct mmsghdr mm[BATCH];
		struct iovec iov[BATCH];
		int i;

		poll(&none, 1, ms);
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		(void)recvmmsg(r, mm, BATCH, MSG_DONTWAIT, NULL);
		(void)send(s, pkt, (size_t)size, MSG_DONTWAIT);
	}
}
