/*
 * repl-delta.c - thin wrappers around librsync's whole-file API.
 *
 * Strong sums are 8 bytes of BLAKE2 (RS_RK_BLAKE2_SIG_MAGIC); the block
 * length is at least 2048 and at least size/80000 so a signature stays
 * below REPL_MAX_SIG.  Logs nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <librsync.h>

#include "hb_err.h"
#include "repl-delta.h"

static FILE *
dup_file(int fd, const char *mode)
{
	int d = dup(fd);
	FILE *f;

	if (d < 0)
		return NULL;
	if (lseek(d, 0, SEEK_SET) < 0) {
		close(d);
		return NULL;
	}
	f = fdopen(d, mode);
	if (!f)
		close(d);
	return f;
}

int
repl_delta_sig(int basis_fd, GByteArray *out)
{
	struct stat st;
	size_t block = 2048;
	FILE *in, *sig;
	char *buf = NULL;
	size_t blen = 0;
	rs_result r;

	if (fstat(basis_fd, &st) < 0)
		return -errno;
	while ((uint64_t)st.st_size / block > 80000)
		block *= 2;
	in = dup_file(basis_fd, "rb");
	if (!in)
		return -errno;
	sig = open_memstream(&buf, &blen);
	if (!sig) {
		fclose(in);
		return -ENOMEM;
	}
	r = rs_sig_file(in, sig, block, 8, RS_RK_BLAKE2_SIG_MAGIC, NULL);
	fclose(in);
	fclose(sig);
	if (r != RS_DONE || blen > REPL_MAX_SIG) {
		free(buf);
		return r != RS_DONE ? -EIO : HB_ETOOBIG;
	}
	g_byte_array_append(out, (guint8 *)buf, blen);
	free(buf);
	return 0;
}

int
repl_delta_make(const guint8 *sig, size_t sig_len, int new_fd, FILE *delta_out)
{
	rs_signature_t *sums = NULL;
	FILE *sf, *in;
	rs_result r;

	if (sig_len == 0 || sig_len > REPL_MAX_SIG)
		return HB_EMALFORMED;
	sf = fmemopen((void *)sig, sig_len, "rb");
	if (!sf)
		return -ENOMEM;
	r = rs_loadsig_file(sf, &sums, NULL);
	fclose(sf);
	if (r != RS_DONE) {
		if (sums)
			rs_free_sumset(sums);
		return HB_EMALFORMED;
	}
	if (rs_build_hash_table(sums) != RS_DONE) {
		rs_free_sumset(sums);
		return HB_EMALFORMED;
	}
	in = dup_file(new_fd, "rb");
	if (!in) {
		rs_free_sumset(sums);
		return -errno;
	}
	r = rs_delta_file(sums, in, delta_out, NULL);
	fclose(in);
	rs_free_sumset(sums);
	if (r != RS_DONE)
		return -EIO;
	return fflush(delta_out) == 0 ? 0 : -errno;
}

int
repl_delta_patch(int basis_fd, FILE *delta_in, int out_fd)
{
	FILE *basis, *out;
	rs_result r;
	int err = 0;

	basis = dup_file(basis_fd, "rb");
	if (!basis)
		return -errno;
	out = dup_file(out_fd, "wb");
	if (!out) {
		err = -errno;
		fclose(basis);
		return err;
	}
	rewind(delta_in);
	r = rs_patch_file(basis, delta_in, out, NULL);
	if (fflush(out) != 0)
		err = -errno;
	fclose(out);
	fclose(basis);
	if (r != RS_DONE)
		return r == RS_IO_ERROR ? -EIO : HB_EMALFORMED;
	return err;
}
