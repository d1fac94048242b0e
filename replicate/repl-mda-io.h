/*
 * repl-mda-io.h - replicate-mda's logging and line I/O, shared by its
 * modules (repl-mda.c: sessions; repl-mda-up.c: upstreams; repl-mda-store.c:
 * own Maildir delivery; repl-mda-barrier.c: the replication barrier).
 *
 * Contract: mda_log() writes one line to syslog (mail facility, opened by
 * main) and to stderr with the process id; mda_read_line() reads one
 * CRLF or LF terminated line of at most size - 1 bytes, never more, and
 * fails on EOF, a socket timeout or a longer line (errno E2BIG);
 * mda_reply() writes one line with CRLF and flushes; mda_set_timeouts()
 * sets a socket's send and receive timeouts and TCP_NODELAY.  Nothing
 * here allocates.
 */
#ifndef REPL_MDA_IO_H
#define REPL_MDA_IO_H

#include <stddef.h>
#include <stdio.h>

#include <glib.h>

void mda_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The line without its terminator in buf; its length, or -1 (errno). */
int mda_read_line(FILE *in, char *buf, size_t size);
void mda_reply(FILE *out, const char *text);
void mda_set_timeouts(int fd, int secs);

#endif
