/*
 * msg.h - a Heartbeat message: an ordered list of name=value fields.
 *
 * Field order is significant (the classic auth digest covers it).  String
 * values are NUL-terminated and may not be empty; binary values (type 1,
 * e.g. srcuuid) carry a length.  Names are unique within a message:
 * hb_msg_set*() replaces a field in place when the name exists and appends
 * it otherwise (Heartbeat's "modify" semantics).  Getters return borrowed
 * pointers valid until the field is changed or the message freed.
 */
#ifndef HB_MSG_H
#define HB_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define HB_MSG_MAXFIELDS 256
#define HB_FIELD_STRING 0
#define HB_FIELD_BINARY 1

typedef struct hb_field {
	char *name;
	int type;		/* HB_FIELD_STRING or HB_FIELD_BINARY */
	char *value;		/* NUL-terminated even when binary */
	size_t vlen;		/* length without the terminating NUL */
} hb_field;

typedef struct hb_msg {
	GArray *fields;		/* hb_field, in order */
	struct hb_msg_chunk *chunks;	/* names and values (msg.c) */
} hb_msg;

hb_msg *hb_msg_new(void);
void hb_msg_free(hb_msg *m);		/* accepts NULL */
hb_msg *hb_msg_copy(const hb_msg *m);

/* Set a string field; printf form for convenience. */
void hb_msg_set(hb_msg *m, const char *name, const char *value);
void hb_msg_setf(hb_msg *m, const char *name, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);
void hb_msg_set_bin(hb_msg *m, const char *name, const void *v, size_t len);
/* v as lowercase hex ("%" PRIx64) or decimal: a heartbeat's numbers. */
void hb_msg_set_hex(hb_msg *m, const char *name, uint64_t v);
void hb_msg_set_dec(hb_msg *m, const char *name, uint64_t v);
/* Appends a field from counted bytes (name[0..nlen), v[0..vlen)), copied
 * once, without looking for the name: for decoders that have already
 * checked that every name is new (a duplicate would break the uniqueness
 * above). */
void hb_msg_append_len(hb_msg *m, const char *name, size_t nlen, int type,
		       const void *v, size_t vlen);
void hb_msg_remove(hb_msg *m, const char *name);

/* String field value, or NULL when absent or binary. */
const char *hb_msg_get(const hb_msg *m, const char *name);
/* Binary (or string) field value and length, or NULL when absent. */
const void *hb_msg_get_bin(const hb_msg *m, const char *name, size_t *out_len);
/* Parses a hex (%lx) field; returns FALSE when absent or not hex. */
gboolean hb_msg_get_hex(const hb_msg *m, const char *name, uint64_t *out);
guint hb_msg_nfields(const hb_msg *m);

/* A one-line human rendering for logs (binary fields as <N bytes>). */
char *hb_msg_describe(const hb_msg *m);	/* g_free */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(hb_msg, hb_msg_free)

#endif
