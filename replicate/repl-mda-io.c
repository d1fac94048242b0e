/*
 * repl-mda-io.c - replicate-mda's logging and line I/O (repl-mda-io.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include "repl-mda-io.h"

void
mda_log(int prio, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", buf);
	fprintf(stderr, "replicate-mda[%d]: %s\n", (int)getpid(), buf);
}

/* Reads one CRLF/LF line (without it) into buf; -1 on EOF, timeout or a
 * line too long (then errno is E2BIG). */
int
mda_read_line(FILE *in, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	errno = 0;
	while ((c = getc(in)) != EOF) {
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 >= size) {
			errno = E2BIG;
			return -1;
		}
		buf[n++] = c;
	}
	if (errno == 0)
		errno = ECONNRESET;
	return -1;
}

void
mda_reply(FILE *out, const char *text)
{
	fprintf(out, "%s\r\n", text);
	fflush(out);
}

/* Timeouts, and no Nagle delay: every write here is a whole reply or
 * command that the peer waits for. */
void
mda_set_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
