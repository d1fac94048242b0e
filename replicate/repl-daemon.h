/*
 * repl-daemon.h - state shared by the replicate daemon's modules
 * (replicate.c: main loop, TLS connection, control socket;
 *  repl-source.c: change capture and sending; repl-apply.c: applying).
 * Internal to replicate/; nothing else includes it.
 */
#ifndef REPL_DAEMON_H
#define REPL_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib.h>
#include <openssl/ssl.h>

#include "repl-conf.h"
#include "repl-proto.h"

struct repl_conn {
	int fd;
	SSL *ssl;
	bool handshaking;
	bool outbound;
	bool dead;
	guint hs_timer;
	GByteArray *in;		/* received, frames parsed up to in_off */
	guint in_off;
	GByteArray *out;
	GSource *src;
	GIOCondition cond;
	char *peer;		/* "addr:port", for log lines */
	guint64 bytes_out;
	guint64 bytes_in;
};

struct repl_state {
	struct repl_conf *conf;
	int rootfd[REPL_MAX_ROOTS];
	int tmpfd[REPL_MAX_ROOTS];
	bool source;
	struct repl_conn *conn;	/* the one peer session */
	/* applier */
	GHashTable *parts;	/* wire path -> struct repl_part */
	guint64 applied;	/* highest seq applied and fsynced */
	bool dirty;		/* was a source: reconcile on next session */
	guint state_timer;
	/* stats */
	guint64 bytes_out;	/* TLS payload bytes sent, all sessions */
	guint64 tmp_counter;
};

extern struct repl_state R;

/* replicate.c */
void repl_send(const struct repl_frame *f);
void repl_sendf(int type, guint64 seq, const char *path, const char *path2);
/* Queue a DATA frame f whose data is read from fd (up to n bytes at off)
 * straight into the send buffer.  Returns the bytes sent, 0 at end of
 * file, or -errno (nothing queued). */
ssize_t repl_send_pread(struct repl_frame *f, int fd, size_t n, guint64 off);
void repl_conn_close(const char *why);
void repl_state_save(void);
int repl_root_index(const char *wire, size_t len, const char **out_rel);

/* repl-apply.c: frames that change the tree (both roles use it). */
int repl_apply_frame(const struct repl_frame *f, char **out_err);
void repl_apply_reset(void);
/*
 * Group commit.  Committed files wait for a sync before they are linked
 * into place; syncs run in a helper (repl-sync.h), one at a time, each
 * started as soon as the previous one completed and something waits.
 * repl_apply_flush(): synchronous, everything applied is durable after it;
 * returns the wire paths that could not be put in place, or NULL.
 * repl_apply_kick(): start a sync if none runs and anything waits.
 * repl_apply_needs_flush(f): f must see the tree with everything before
 * it in place (a rename, delete, delta basis, ...): flush first.
 * repl_apply_throttle(): when too many files or bytes wait, blocks until
 * the disk catches up.
 * repl_apply_durable(): every operation up to this seq is on disk.  The
 * notify callback runs from the loop after an asynchronous sync completed
 * (failed paths or NULL; it owns the array).
 */
typedef void (*repl_apply_notify_fn)(GPtrArray *failed);
GPtrArray *repl_apply_flush(void);
void repl_apply_kick(void);
/* Take a completed sync now (link, report) while the socket keeps the
 * loop busy. */
void repl_apply_poll(void);
bool repl_apply_needs_flush(const struct repl_frame *f);
void repl_apply_throttle(void);
guint64 repl_apply_durable(void);
void repl_apply_set_position(guint64 seq);
void repl_apply_set_notify(repl_apply_notify_fn fn);
void repl_apply_clean_tmp(int root);
void repl_manifest_send(void);
void repl_sig_send(const char *path);
void repl_fetch_send(const char *path);
/* Walk every root: cb gets the wire path and lstat of each dir and regular
 * file (parents before children; ".replicate*" names skipped). */
typedef void (*repl_walk_cb)(const char *wire, const struct stat *st,
			     void *user);
void repl_walk(repl_walk_cb cb, void *user);
/* Open a wire path read-only without following symlinks; fd or -errno. */
int repl_open_wire(const char *wire, struct stat *out_st);

/* repl-source.c */
int repl_source_start(void);
void repl_source_stop(void);
void repl_source_session_up(void);	/* after TLS handshake */
void repl_source_session_down(void);
/* The session broke (not a role change): also answer every waiting
 * barrier "DOWN" (see repl_source_barrier). */
void repl_source_session_lost(void);
void repl_source_frame(const struct repl_frame *f);
void repl_source_pump(void);
/* Would repl_source_pump() send something, given room in the socket? */
bool repl_source_ready(void);
void repl_source_barrier(int fd, const char *path);
char *repl_source_status(void);

#endif
