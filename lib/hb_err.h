/*
 * hb_err.h - the one internal error contract.
 *
 * A function that can fail returns int: 0 on success, a negative errno, or
 * one of the negative HB_E* codes below.  Output parameters are written only
 * on success.  Codes visible to scripts (LSB, OCF, STONITH) live elsewhere
 * and are never mixed with these.
 */
#ifndef HB_ERR_H
#define HB_ERR_H

enum hb_err {
	HB_EMALFORMED = -1000,	/* bytes do not follow the format */
	HB_ETOOBIG = -1001,	/* a size or count limit was exceeded */
	HB_EAUTH = -1002,	/* authentication failed or missing */
	HB_ENOKEY = -1003,	/* the named auth index is not configured */
	HB_ECONFIG = -1004,	/* configuration is invalid (see hb_diag) */
};

/* Short static text for an error code (negative errno or HB_E*). */
const char *hb_strerror(int err);

#endif
