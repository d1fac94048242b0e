/*
 * fileread.h - read a whole configuration or key file, bounded.
 *
 * Contract: hb_file_read() reads the file at path into one buffer of at
 * most max bytes (a file larger than max, or one that grows past it
 * while read, is an error: "file is larger than MAX bytes"), with a NUL
 * after the last byte.  Errors go to d as "PATH: cannot open: ...",
 * "cannot stat", "not a regular file" (with HB_READ_REGULAR), "cannot
 * read"; the return is 0, -errno, or HB_ECONFIG (size, type).  With
 * HB_READ_SECRET the buffer is allocated once (max + 1 bytes, never
 * moved, so no copy of a key is left behind) and wiped on error; the
 * caller wipes it (explicit_bzero over *out_len) before g_free.  out_st,
 * when not NULL, gets the fstat of the file read.  Library code: logs
 * nothing.
 */
#ifndef HB_FILEREAD_H
#define HB_FILEREAD_H

#include <stddef.h>
#include <sys/stat.h>

#include "diag.h"

#define HB_READ_REGULAR 1	/* refuse anything but a regular file */
#define HB_READ_SECRET 2	/* key material: one buffer, wiped on error */

int hb_file_read(const char *path, size_t max, int flags, char **out_buf,
		 size_t *out_len, struct stat *out_st, hb_diag *d);

#endif
