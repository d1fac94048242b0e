/*
 * repl-delta.h - librsync signature / delta / patch on file descriptors.
 *
 * All functions read from the current file offset 0 of the given fds
 * (they pread through a dup'd FILE*), return 0 or a negative code
 * (HB_EMALFORMED for a bad signature or delta), and log nothing.
 * Signatures are bounded: the block length grows with the file so that a
 * signature never exceeds REPL_MAX_SIG bytes.
 */
#ifndef REPL_DELTA_H
#define REPL_DELTA_H

#include <stdio.h>
#include <glib.h>

#define REPL_MAX_SIG (1024 * 1024)

/* Signature of the file open at basis_fd, appended to out (caller owns). */
int repl_delta_sig(int basis_fd, GByteArray *out);
/* Delta from signature sig to the file at new_fd, written to delta_out. */
int repl_delta_make(const guint8 *sig, size_t sig_len, int new_fd,
		    FILE *delta_out);
/* Apply the delta in delta_in to basis_fd, writing the result to out_fd. */
int repl_delta_patch(int basis_fd, FILE *delta_in, int out_fd);

#endif
