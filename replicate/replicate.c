/*
 * replicate.c - replication daemon: main loop, TLS-PSK session, replica
 * role, control socket, and the command-line client.
 *
 * One GLib main loop, non-blocking sockets, no threads.  There is at most
 * one peer session (R.conn): the source connects out to "peer", the
 * replica accepts on "listen"; a replica drops an older session when a
 * new one authenticates.  Both ends prove knowledge of the pre-shared key
 * through TLS 1.2 PSK (PSK-AES256-GCM-SHA384); a peer without it fails
 * the handshake and is never read.  The control socket speaks lines:
 * "SYNC [path]", "STATUS", "ROLE source", "ROLE replica".
 * Logs at err: bad frames (naming the peer), apply failures, TLS setup.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "hb_err.h"
#include "log.h"
#include "notify.h"
#include "repl-daemon.h"
#include "repl-path.h"
#include "repl-sync.h"

#define PSK_IDENTITY "replicate/1"
#define HANDSHAKE_MS 3000

struct repl_state R;

static SSL_CTX *cctx, *sctx;
static guint8 psk[32];
static GMainLoop *loop;
static int listen_fd = -1;
static guint connect_timer, save_timer;
static bool connect_failed_logged;

/* ---- helpers ---------------------------------------------------------- */

int
repl_root_index(const char *wire, size_t len, const char **out_rel)
{
	for (int i = 0; i < R.conf->nroots; i++) {
		size_t n = strlen(R.conf->root_name[i]);

		if (len >= n && !memcmp(wire, R.conf->root_name[i], n) &&
		    (len == n || wire[n] == '/')) {
			*out_rel = wire + (len == n ? n : n + 1);
			return i;
		}
	}
	return HB_EMALFORMED;
}

void
repl_state_save(void)
{
	g_autofree char *path = g_build_filename(R.conf->statedir, "state", NULL);
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	g_autofree char *txt = g_strdup_printf("applied %" G_GUINT64_FORMAT
		"\ndirty %d\n", R.applied, R.dirty ? 1 : 0);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt) ||
	    fsync(fd) < 0 || rename(tmp, path) < 0)
		hb_log(LOG_ERR, "cannot save state '%s': %s", path,
		       g_strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void
state_load(void)
{
	g_autofree char *path = g_build_filename(R.conf->statedir, "state", NULL);
	g_autofree char *txt = NULL;
	char *p;

	if (!g_file_get_contents(path, &txt, NULL, NULL))
		return;
	if ((p = strstr(txt, "applied ")))
		R.applied = g_ascii_strtoull(p + 8, NULL, 10);
	if ((p = strstr(txt, "dirty ")))
		R.dirty = p[6] == '1';
}

static gboolean
save_cb(gpointer d)
{
	save_timer = 0;
	repl_state_save();
	return G_SOURCE_REMOVE;
}

/* ---- TLS -------------------------------------------------------------- */

static unsigned int
psk_client_cb(SSL *ssl, const char *hint, char *identity,
	      unsigned int max_identity_len, unsigned char *key,
	      unsigned int max_psk_len)
{
	if (max_identity_len < sizeof(PSK_IDENTITY) || max_psk_len < sizeof(psk))
		return 0;
	memcpy(identity, PSK_IDENTITY, sizeof(PSK_IDENTITY));
	memcpy(key, psk, sizeof(psk));
	return sizeof(psk);
}

static unsigned int
psk_server_cb(SSL *ssl, const char *identity, unsigned char *key,
	      unsigned int max_psk_len)
{
	if (!identity || strcmp(identity, PSK_IDENTITY) ||
	    max_psk_len < sizeof(psk))
		return 0;
	memcpy(key, psk, sizeof(psk));
	return sizeof(psk);
}

static int
tls_setup(void)
{
	g_autofree char *key = NULL;
	gsize len;
	GError *e = NULL;
	unsigned int n = sizeof(psk);

	if (!g_file_get_contents(R.conf->keyfile, &key, &len, &e)) {
		hb_log(LOG_ERR, "keyfile: %s", e->message);
		g_error_free(e);
		return HB_ENOKEY;
	}
	g_strstrip(key);
	len = strlen(key);
	if (len < 16) {
		hb_log(LOG_ERR, "keyfile '%s': key shorter than 16 bytes",
		       R.conf->keyfile);
		OPENSSL_cleanse(key, len);
		return HB_ENOKEY;
	}
	EVP_Digest(key, len, psk, &n, EVP_sha256(), NULL);
	OPENSSL_cleanse(key, len);
	cctx = SSL_CTX_new(TLS_client_method());
	sctx = SSL_CTX_new(TLS_server_method());
	for (int i = 0; i < 2; i++) {
		SSL_CTX *c = i ? sctx : cctx;

		SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
		if (!SSL_CTX_set_cipher_list(c, "PSK-AES256-GCM-SHA384:"
					     "PSK-CHACHA20-POLY1305")) {
			hb_log(LOG_ERR, "OpenSSL lacks PSK ciphers");
			return HB_ECONFIG;
		}
		SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE |
				 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		/* read many records per read(2), not header then body */
		SSL_CTX_set_read_ahead(c, 1);
		SSL_CTX_set_default_read_buffer_len(c, 64 * 1024);
	}
	SSL_CTX_set_psk_client_callback(cctx, psk_client_cb);
	SSL_CTX_set_psk_server_callback(sctx, psk_server_cb);
	return 0;
}

/* ---- connection ------------------------------------------------------- */

/* Input is taken in small steps so that what TLS decrypts is still in
 * the cache when it is parsed and written out: 64 KB reads, frames parsed
 * once 128 KB wait, the buffer reused once 256 KB were parsed (with 1 MB
 * steps OpenSSL's copy into it missed the cache: a sixth of the replica's
 * CPU in an initial sync; 0.15 s less CPU for 618 MB). */
#define READ_CHUNK (64 * 1024)
#define PARSE_AT (128 * 1024)
#define COMPACT_AT (256 * 1024)
static gboolean conn_io_cb(int fd, GIOCondition cond, gpointer data);
static void replica_frame(const struct repl_frame *f);
static void apply_flush(void);
static void replica_report(GPtrArray *failed);
static guint64 acked_seq;	/* replica: last position sent to the source */

static void
conn_watch(struct repl_conn *c)
{
	GIOCondition want = G_IO_IN;

	if (c->dead)
		return;
	/* writable also while the source has something it could send: a
	 * flush that empties the buffer after the pump stopped at its high
	 * mark must not leave the rest of a file unsent */
	if (c->out->len || c->handshaking ||
	    (c->outbound && c == R.conn && repl_source_ready()))
		want |= G_IO_OUT;
	if (c->src && want == c->cond)
		return;
	if (c->src) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
	}
	c->src = g_unix_fd_source_new(c->fd, want);
	g_source_set_callback(c->src, (GSourceFunc)(void (*)(void))conn_io_cb,
			      c, NULL);
	g_source_attach(c->src, NULL);
	c->cond = want;
}

static gboolean
conn_free_cb(gpointer data)
{
	struct repl_conn *c = data;

	g_byte_array_unref(c->in);
	g_byte_array_unref(c->out);
	g_free(c->peer);
	g_free(c);
	return G_SOURCE_REMOVE;
}

static void
conn_close(struct repl_conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	if (c->hs_timer)
		g_source_remove(c->hs_timer);
	c->hs_timer = 0;
	hb_log(c->handshaking ? LOG_INFO : LOG_WARNING,
	       "session with %s closed: %s", c->peer, why);
	if (c->src) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
		c->src = NULL;
	}
	SSL_free(c->ssl);
	close(c->fd);
	if (R.conn == c) {
		R.conn = NULL;
		if (c->outbound)
			repl_source_session_lost();
		else {
			apply_flush();	/* what was received stays */
			repl_apply_reset();
		}
	}
	g_idle_add(conn_free_cb, c);
}

void
repl_conn_close(const char *why)
{
	if (R.conn)
		conn_close(R.conn, why);
}

static void
ssl_fail(struct repl_conn *c, const char *what, int r)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	conn_close(c, *buf ? buf : (r == 0 ? "peer closed" : g_strerror(errno)));
	(void)what;
}

static void
conn_flush(struct repl_conn *c)
{
	guint off = 0;

	/* With partial writes SSL_write returns after each 16 KB record: the
	 * written bytes are dropped from the buffer once, at the end, not
	 * per record (that memmove was an eighth of the source's CPU). */
	while (!c->dead && !c->handshaking && off < c->out->len) {
		int r = SSL_write(c->ssl, c->out->data + off,
				  MIN(c->out->len - off, 1 << 20));

		if (r > 0) {
			off += r;
			c->bytes_out += r;
			R.bytes_out += r;
			continue;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_WRITE || r == SSL_ERROR_WANT_READ)
			break;
		ssl_fail(c, "write", r);
		return;		/* closed: the buffer went with it */
	}
	if (off > 0)
		g_byte_array_remove_range(c->out, 0, off);
	conn_watch(c);
}

void
repl_send(const struct repl_frame *f)
{
	if (!R.conn || R.conn->dead)
		return;
	if (repl_frame_encode(R.conn->out, f) < 0) {
		hb_log(LOG_ERR, "cannot encode %s frame", repl_type_name(f->type));
		return;
	}
	if (R.conn->out->len > 64 * 1024 || f->type != REPL_DATA)
		conn_flush(R.conn);
}

ssize_t
repl_send_pread(struct repl_frame *f, int fd, size_t n, guint64 off)
{
	GByteArray *out;
	guint start;
	ssize_t r;

	if (!R.conn || R.conn->dead)
		return -ENOTCONN;
	out = R.conn->out;
	start = out->len;
	f->data = NULL;
	f->data_len = n;
	if (repl_frame_encode(out, f) < 0)
		return -EMSGSIZE;
	r = pread(fd, out->data + out->len - n, n, off);
	if (r != (ssize_t)n) {
		int e = errno;
		g_autofree guint8 *got = r > 0 ?
			g_memdup2(out->data + out->len - n, r) : NULL;

		g_byte_array_set_size(out, start);
		if (r <= 0)
			return r < 0 ? -e : 0;
		f->data = got;	/* short read: the file shrank */
		f->data_len = r;
		repl_frame_encode(out, f);
		f->data = NULL;
	}
	if (out->len > 64 * 1024)
		conn_flush(R.conn);
	return r;
}

void
repl_sendf(int type, guint64 seq, const char *path, const char *path2)
{
	struct repl_frame f = { .type = type, .seq = seq };

	if (path) {
		f.path = path;
		f.path_len = strlen(path);
	}
	if (path2) {
		f.path2 = path2;
		f.path2_len = strlen(path2);
	}
	repl_send(&f);
}

/* Drop the parsed frames before in_off from the input buffer. */
static void
in_compact(struct repl_conn *c)
{
	g_byte_array_remove_range(c->in, 0, c->in_off);
	c->in_off = 0;
}

/*
 * Frames read so far.  On the replica the files they commit wait for the
 * group sync (repl-apply.c): after each batch a sync starts if none runs,
 * a completed one is taken while the socket keeps the loop busy, and the
 * loop waits only when too much waits.  A lone delivery starts its sync at
 * once.
 */
static void
conn_frames(struct repl_conn *c, bool drained)
{
	size_t off = c->in_off;

	while (!c->dead) {
		struct repl_frame f;
		size_t used;
		int r = repl_frame_decode(c->in->data + off, c->in->len - off,
					  &f, &used);

		if (r == -EAGAIN)
			break;
		if (r < 0) {
			hb_log(LOG_ERR, "peer %s: bad frame: %s", c->peer,
			       hb_strerror(r));
			conn_close(c, "bad frame");
			return;
		}
		off += used;
		hb_debug("%s: %s from %s seq %" G_GUINT64_FORMAT " '%.*s'",
			 __func__, repl_type_name(f.type), c->peer, f.seq,
			 (int)f.path_len, f.path ? f.path : "");
		if (c->outbound)
			repl_source_frame(&f);
		else
			replica_frame(&f);
	}
	if (c->dead)
		return;
	/* the unparsed tail (part of one frame) moves to the front only
	 * once COMPACT_AT bytes of parsed frames lie before it */
	c->in_off = off;
	if (c->in_off == c->in->len || c->in_off >= COMPACT_AT)
		in_compact(c);
	if (c->outbound) {
		apply_flush();	/* files fetched back during a reconcile */
		return;
	}
	repl_apply_throttle();
	if (!drained)
		repl_apply_poll();	/* a sync may have completed meanwhile */
	repl_apply_kick();
	replica_report(NULL);	/* renames and deletes are durable at once */
}

static gboolean
conn_io_cb(int fd, GIOCondition cond, gpointer data)
{
	struct repl_conn *c = data;

	GSource *me = g_source_ref(g_main_current_source());

	if (c->handshaking) {
		int r = SSL_do_handshake(c->ssl);

		if (r != 1) {
			r = SSL_get_error(c->ssl, r);
			if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE)
				ssl_fail(c, "handshake", r);
			goto out;
		}
		c->handshaking = false;
		connect_failed_logged = false;
		hb_log(LOG_INFO, "session with %s authenticated (%s)", c->peer,
		       SSL_get_cipher_name(c->ssl));
		if (!c->outbound && R.conn && R.conn != c)
			conn_close(R.conn, "replaced by a new session");
		R.conn = c;
		if (c->outbound)
			repl_source_session_up();
	}
	conn_flush(c);
	for (;;) {
		guint have = c->in->len;
		int r;

		if (c->dead)
			goto out;
		if (have + READ_CHUNK > 4 * REPL_MAX_PAYLOAD) {
			/* a whole frame is never bigger: parse first */
			conn_frames(c, false);
			if (c->dead)
				goto out;
			in_compact(c);
			have = c->in->len;
			if (have + READ_CHUNK > 4 * REPL_MAX_PAYLOAD) {
				conn_close(c, "input overrun");
				goto out;
			}
		}
		/* decrypt straight into the frame buffer */
		g_byte_array_set_size(c->in, have + READ_CHUNK);
		r = SSL_read(c->ssl, c->in->data + have, READ_CHUNK);
		g_byte_array_set_size(c->in, have + MAX(r, 0));
		if (r > 0) {
			c->bytes_in += r;
			if (c->in->len - c->in_off > PARSE_AT)
				conn_frames(c, false);
			continue;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE)
			break;
		conn_frames(c, true);
		if (!c->dead)
			ssl_fail(c, "read", r);
		goto out;
	}
	conn_frames(c, true);
	if (c->outbound && R.conn == c)
		repl_source_pump();
	if (!c->dead)
		conn_flush(c);
out:
	{
		bool keep = !c->dead && c->src == me;

		g_source_unref(me);
		return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
	}
}

static gboolean
handshake_timeout_cb(gpointer data)
{
	struct repl_conn *c = data;

	c->hs_timer = 0;
	if (!c->dead && c->handshaking)
		conn_close(c, "handshake timeout");
	return G_SOURCE_REMOVE;
}

static void
sock_opts(int fd)
{
	int one = 1, idle = 2, intvl = 1, cnt = 3;
	unsigned int uto = 5000;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof(uto));
}

static struct repl_conn *
conn_new(int fd, bool outbound, const char *peer)
{
	struct repl_conn *c = g_new0(struct repl_conn, 1);

	sock_opts(fd);
	c->fd = fd;
	c->outbound = outbound;
	c->peer = g_strdup(peer);
	c->in = g_byte_array_new();
	c->out = g_byte_array_new();
	c->ssl = SSL_new(outbound ? cctx : sctx);
	SSL_set_fd(c->ssl, fd);
	if (outbound)
		SSL_set_connect_state(c->ssl);
	else
		SSL_set_accept_state(c->ssl);
	c->handshaking = true;
	conn_watch(c);
	c->hs_timer = g_timeout_add(HANDSHAKE_MS, handshake_timeout_cb, c);
	return c;
}

static int
resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV }, *ai;
	char ps[16];

	g_snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static gboolean
connect_cb(gpointer d)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	g_autofree char *peer = NULL;

	if (!R.source || !R.conf->peer_addr)
		return G_SOURCE_CONTINUE;
	if (R.conn && !R.conn->dead)
		return G_SOURCE_CONTINUE;
	if (resolve(R.conf->peer_addr, R.conf->peer_port, &ss, &len) < 0) {
		hb_log(LOG_ERR, "cannot resolve peer '%s'", R.conf->peer_addr);
		return G_SOURCE_CONTINUE;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return G_SOURCE_CONTINUE;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		if (!connect_failed_logged)
			hb_log(LOG_WARNING, "connect to %s:%d: %s",
			       R.conf->peer_addr, R.conf->peer_port,
			       g_strerror(errno));
		connect_failed_logged = true;
		close(fd);
		return G_SOURCE_CONTINUE;
	}
	peer = g_strdup_printf("%s:%d", R.conf->peer_addr, R.conf->peer_port);
	R.conn = conn_new(fd, true, peer);
	return G_SOURCE_CONTINUE;
}

static gboolean
accept_cb(int fd, GIOCondition cond, gpointer data)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV], peer[NI_MAXHOST + NI_MAXSERV + 2];
	int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		g_strlcpy(host, "?", sizeof(host));
	g_snprintf(peer, sizeof(peer), "%s:%s", host, serv);
	conn_new(cfd, false, peer);	/* becomes R.conn once authenticated */
	return G_SOURCE_CONTINUE;
}

static int
listen_start(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (!R.conf->listen_addr)
		return 0;
	if (resolve(R.conf->listen_addr, R.conf->listen_port, &ss, &len) < 0)
		return -EINVAL;
	listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
			   SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		return -errno;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(listen_fd, 8) < 0)
		return -errno;
	g_unix_fd_add(listen_fd, G_IO_IN, accept_cb, NULL);
	return 0;
}

/* ---- replica role ----------------------------------------------------- */

/* After a group commit: report the files that could not be put in place
 * (the source retries them) and ACK the new durable position. */
static void
replica_report(GPtrArray *failed)
{
	for (guint i = 0; failed && i < failed->len; i++) {
		const char *p = failed->pdata[i];
		g_autofree char *msg = g_strdup_printf("cannot put '%s' in place", p);
		struct repl_frame e = { .type = REPL_ERROR, .kind = 1, .path = p,
			.path_len = strlen(p), .data = (const guint8 *)msg,
			.data_len = strlen(msg) };

		hb_log(LOG_ERR, "%s", msg);
		if (R.conn && !R.conn->outbound)
			repl_send(&e);
	}
	if (failed)
		g_ptr_array_unref(failed);
	R.applied = MAX(R.applied, repl_apply_durable());
	if (R.applied <= acked_seq || !R.conn || R.conn->outbound ||
	    R.conn->dead)
		return;
	acked_seq = R.applied;
	repl_sendf(REPL_ACK, R.applied, NULL, NULL);
	if (!save_timer)
		save_timer = g_timeout_add(100, save_cb, NULL);
}

/* Synchronous group commit of everything received. */
static void
apply_flush(void)
{
	replica_report(repl_apply_flush());
}

static void
replica_frame(const struct repl_frame *f)
{
	g_autofree char *err = NULL;
	int r;

	if (repl_apply_needs_flush(f))
		apply_flush();	/* keep the order of operations */
	switch (f->type) {
	case REPL_HELLO:
		if (R.source) {
			struct repl_frame e = { .type = REPL_ERROR,
				.data = (const guint8 *)"peer is a source too",
				.data_len = 20 };

			hb_log(LOG_ERR, "refusing session from %s: I am the "
			       "source", R.conn->peer);
			repl_send(&e);
			repl_conn_close("both nodes are sources");
			return;
		}
		repl_apply_reset();
		acked_seq = R.applied;
		{
			struct repl_frame a = { .type = REPL_HELLO_ACK,
				.seq = R.applied, .kind = R.dirty ? 1 : 0 };

			repl_send(&a);
		}
		/* fallthrough */
	case REPL_RESCAN:
		repl_manifest_send();
		return;
	case REPL_SIGREQ: {
		g_autofree char *p = g_strndup(f->path, f->path_len);

		if (!repl_path_valid(f->path, f->path_len))
			break;
		repl_sig_send(p);
		return;
	}
	case REPL_FETCH: {
		g_autofree char *p = g_strndup(f->path, f->path_len);

		if (f->path_len == 0) {
			R.dirty = false;	/* union reconcile complete */
			repl_state_save();
			hb_log(LOG_NOTICE, "reconcile with %s complete",
			       R.conn->peer);
			return;
		}
		if (!repl_path_valid(f->path, f->path_len))
			break;
		repl_fetch_send(p);
		return;
	}
	case REPL_DATA:
	case REPL_COMMIT:
	case REPL_RENAME:
	case REPL_DELETE:
	case REPL_MKDIR:
	case REPL_ATTR:
		if (f->kind == REPL_KIND_FETCHED)
			break;
		r = repl_apply_frame(f, &err);
		if (r == 0) {
			return;
		}
		if (r == HB_EMALFORMED && f->type != REPL_RENAME &&
		    !repl_path_valid(f->path, f->path_len)) {
			hb_log(LOG_ERR, "peer %s: %s", R.conn->peer, err);
			repl_conn_close("path outside the roots");
			return;
		}
		if (f->type == REPL_RENAME && r == -ENOENT) {
			/* usual for tmp/ -> new/: the file never got here */
			hb_debug("%s: %s: asking for it whole", __func__, err);
		} else if (r != HB_EMALFORMED || f->offset == 0) {
			hb_log(LOG_ERR, "peer %s: cannot apply %s", R.conn->peer,
			       err);
		}
		if (f->type == REPL_RENAME && r == -ENOENT) {
			g_autofree char *to = g_strndup(f->path2, f->path2_len);

			repl_sendf(REPL_RESYNC, 0, to, NULL);
		} else if (f->type == REPL_COMMIT || f->type == REPL_DATA) {
			g_autofree char *p = g_strndup(f->path, f->path_len);
			struct repl_frame e = { .type = REPL_ERROR, .kind = 1,
				.path = p, .path_len = strlen(p),
				.data = (const guint8 *)err, .data_len = strlen(err) };

			if (f->type == REPL_DATA)
				g_hash_table_remove(R.parts, p);
			/* chunks and the COMMIT after a failed first chunk
			 * find no part: report the failure once */
			if (r != HB_EMALFORMED ||
			    (f->type == REPL_DATA && f->offset == 0))
				repl_send(&e);
		} else {
			struct repl_frame e = { .type = REPL_ERROR,
				.data = (const guint8 *)err, .data_len = strlen(err) };

			repl_send(&e);
		}
		return;
	case REPL_ERROR:
		hb_log(LOG_ERR, "peer %s: %.*s", R.conn->peer,
		       (int)MIN(f->data_len, 300), (const char *)f->data);
		return;
	default:
		break;
	}
	hb_log(LOG_ERR, "peer %s: unexpected %s frame", R.conn->peer,
	       repl_type_name(f->type));
	repl_conn_close("protocol error");
}

/* ---- roles and control socket ----------------------------------------- */

static int
become_source(void)
{
	int r;

	if (R.source)
		return 0;
	if (R.conn)
		repl_conn_close("becoming source");
	R.source = true;
	R.dirty = true;
	repl_state_save();
	r = repl_source_start();
	if (r < 0)
		return r;
	connect_cb(NULL);
	return 0;
}

static void
become_replica(void)
{
	if (!R.source)
		return;
	repl_source_stop();
	if (R.conn)
		repl_conn_close("becoming replica");
	R.source = false;
	hb_log(LOG_NOTICE, "replica role");
}

static gboolean
ctl_client_cb(int fd, GIOCondition cond, gpointer data)
{
	char buf[REPL_MAX_PATH + 64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	char *nl;
	const char *reply = NULL;
	g_autofree char *dyn = NULL;

	if (n <= 0) {
		close(fd);
		return G_SOURCE_REMOVE;
	}
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (!strncmp(buf, "SYNC", 4) && (buf[4] == '\0' || buf[4] == ' ')) {
		const char *p = buf[4] ? buf + 5 : "";

		if (!R.source) {
			reply = "ERR not the source\n";
		} else if (*p && !repl_path_valid(p, strlen(p))) {
			reply = "ERR bad path\n";
		} else {
			repl_source_barrier(fd, p);
			return G_SOURCE_REMOVE;	/* fd owned by the barrier */
		}
	} else if (!strcmp(buf, "STATUS")) {
		dyn = R.source ? repl_source_status() :
		      g_strdup_printf("role=replica session=%s applied=%"
				      G_GUINT64_FORMAT " dirty=%d\n",
				      R.conn ? R.conn->peer : "none",
				      R.applied, R.dirty);
		reply = dyn;
	} else if (!strcmp(buf, "ROLE source")) {
		int r = become_source();

		reply = r ? "ERR cannot start watching\n" : "OK\n";
	} else if (!strcmp(buf, "ROLE replica")) {
		become_replica();
		reply = "OK\n";
	} else {
		reply = "ERR unknown command\n";
	}
	if (write(fd, reply, strlen(reply)) < 0)
		hb_debug("%s: client gone", __func__);
	close(fd);
	return G_SOURCE_REMOVE;
}

static gboolean
ctl_accept_cb(int fd, GIOCondition cond, gpointer data)
{
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c >= 0)
		g_unix_fd_add(c, G_IO_IN | G_IO_HUP, ctl_client_cb, NULL);
	return G_SOURCE_CONTINUE;
}

static int
ctl_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(R.conf->control) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	g_strlcpy(sa.sun_path, R.conf->control, sizeof(sa.sun_path));
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(fd, 64) < 0)
		return -errno;
	g_unix_fd_add(fd, G_IO_IN, ctl_accept_cb, NULL);
	return 0;
}

/* ---- client ----------------------------------------------------------- */

static int
client(const char *sock, const char *cmd, int timeout_s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[4096];
	size_t got = 0;
	gint64 end = g_get_monotonic_time() + (gint64)timeout_s * 1000000;
	g_autofree char *line = g_strconcat(cmd, "\n", NULL);

	g_strlcpy(sa.sun_path, sock, sizeof(sa.sun_path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "replicate: cannot reach '%s': %s\n", sock,
			g_strerror(errno));
		return 3;
	}
	if (write(fd, line, strlen(line)) < 0)
		return 3;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			fprintf(stderr, "replicate: '%s' timed out\n", cmd);
			return 2;
		}
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
		if (got == sizeof(buf) - 1)
			break;
	}
	buf[got] = '\0';
	fputs(buf, stdout);
	return !strncmp(buf, "OK", 2) || !strncmp(buf, "role=", 5) ? 0 : 1;
}

/* ---- main ------------------------------------------------------------- */

static gboolean
quit_cb(gpointer d)
{
	hb_notify("STOPPING=1");
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static gboolean
reopen_cb(gpointer d)
{
	hb_log_reopen();
	hb_log(LOG_INFO, "SIGHUP: log file reopened");
	return G_SOURCE_CONTINUE;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: replicate [-c CONF] [-d N] [-t]          run the daemon\n"
		"       replicate [-c CONF|-S SOCK] [-w SECS] sync [PATH]\n"
		"       replicate [-c CONF|-S SOCK] status|source|replica\n");
	exit(2);
}

/* What the daemon needs besides the parsed file: the key (readable, not
 * readable by others, >= 16 bytes) and every root (a directory).  Prints
 * each problem naming the file and what to do; returns the count.  Run by
 * -t and before the daemon starts, so a half-configured node stops here. */
static int
check_files(const struct repl_conf *c, const char *conf_path)
{
	g_autofree char *key = NULL;
	struct stat st;
	GError *e = NULL;
	gsize len;
	int bad = 0;

	if (stat(c->keyfile, &st) != 0 ||
	    !g_file_get_contents(c->keyfile, &key, &len, &e)) {
		fprintf(stderr, "replicate: %s: keyfile '%s': %s; create it on one "
			"node (head -c 48 /dev/urandom | base64 > %s; chmod 600 "
			"%s) and copy it to the other\n", conf_path, c->keyfile,
			e ? e->message : g_strerror(errno), c->keyfile,
			c->keyfile);
		g_clear_error(&e);
		bad++;
	} else {
		if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			fprintf(stderr, "replicate: keyfile '%s': mode %04o lets "
				"other users read the key: chmod 600 %s\n",
				c->keyfile, (unsigned)(st.st_mode & 07777),
				c->keyfile);
			bad++;
		}
		g_strstrip(key);
		if (strlen(key) < 16) {
			fprintf(stderr, "replicate: keyfile '%s': key shorter "
				"than 16 bytes: write a longer one on both "
				"nodes\n", c->keyfile);
			bad++;
		}
		OPENSSL_cleanse(key, len);
	}
	for (int i = 0; i < c->nroots; i++) {
		const char *why = NULL;

		if (stat(c->root_path[i], &st) != 0)
			why = g_strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			why = "not a directory";
		if (why != NULL) {
			fprintf(stderr, "replicate: %s: root %s '%s': %s; create "
				"it on both nodes\n", conf_path, c->root_name[i],
				c->root_path[i], why);
			bad++;
		}
	}
	return bad;
}

/* Pending files hold an fd each until they are linked: allow many. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* One fd per file system holding a root, for the sync helper. */
static void
sync_helper_start(void)
{
	int fds[REPL_MAX_ROOTS], n = 0;
	dev_t devs[REPL_MAX_ROOTS];

	for (int i = 0; i < R.conf->nroots; i++) {
		struct stat st;
		bool seen = false;

		if (fstat(R.tmpfd[i], &st) < 0)
			continue;
		for (int j = 0; j < n; j++)
			seen = seen || devs[j] == st.st_dev;
		if (!seen) {
			devs[n] = st.st_dev;
			fds[n++] = R.tmpfd[i];
		}
	}
	repl_sync_start(fds, n);
}

int
main(int argc, char **argv)
{
	const char *conf_path = HA_DIR "/replicate.conf", *sock = NULL;
	g_autofree char *sock_buf = NULL;
	g_autofree char *text = NULL;
	g_autofree char *err = NULL;
	gsize len;
	int opt, check = 0, debug = -1, wait_s = 60, r;
	GError *e = NULL;

	while ((opt = getopt(argc, argv, "c:d:tS:w:h")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'd': debug = atoi(optarg); break;
		case 't': check = 1; break;
		case 'S': sock = optarg; break;
		case 'w': wait_s = atoi(optarg); break;
		default: usage();
		}
	}
	hb_log_init("replicate");
	if (optind < argc && !sock) {
		struct repl_conf *c;

		if (g_file_get_contents(conf_path, &text, &len, NULL) &&
		    repl_conf_parse(text, len, conf_path, &c, &err) == 0) {
			sock = sock_buf = g_strdup(c->control);
			repl_conf_free(c);
		} else {
			sock = HB_RUNDIR "/replicate.sock";
		}
	}
	if (optind < argc) {
		const char *cmd = argv[optind];
		g_autofree char *line = NULL;

		if (!strcmp(cmd, "sync"))
			line = g_strdup_printf("SYNC%s%s", optind + 1 < argc ?
					       " " : "", optind + 1 < argc ?
					       argv[optind + 1] : "");
		else if (!strcmp(cmd, "status"))
			line = g_strdup("STATUS");
		else if (!strcmp(cmd, "source"))
			line = g_strdup("ROLE source");
		else if (!strcmp(cmd, "replica"))
			line = g_strdup("ROLE replica");
		else
			usage();
		return client(sock, line, wait_s);
	}
	if (!g_file_get_contents(conf_path, &text, &len, &e)) {
		fprintf(stderr, "replicate: %s\n", e->message);
		return 6;
	}
	if (repl_conf_parse(text, len, conf_path, &R.conf, &err) < 0) {
		fprintf(stderr, "replicate: %s\n", err);
		return 6;
	}
	if (check_files(R.conf, conf_path) > 0)
		return 6;
	if (check)
		return 0;
	hb_log_setup(R.conf->logfile, NULL, R.conf->logfacility,
		     debug >= 0 ? debug : R.conf->debug, TRUE);
	signal(SIGPIPE, SIG_IGN);
	/* first what can fail for outside reasons, before anything is
	 * created: a port in use leaves no statedir or temp dir behind */
	if ((r = listen_start()) < 0) {
		hb_log(LOG_ERR, "listen %s:%d: %s (%s 'listen'%s)",
		       R.conf->listen_addr, R.conf->listen_port, hb_strerror(r),
		       conf_path, r == -EADDRINUSE ? ": the port is in use - "
		       "another replicate running? (ss -ltnp)" : "");
		return 1;
	}
	if (g_mkdir_with_parents(R.conf->statedir, 0700) < 0) {
		hb_log(LOG_ERR, "statedir '%s': %s", R.conf->statedir,
		       g_strerror(errno));
		return 1;
	}
	for (int i = 0; i < R.conf->nroots; i++) {
		R.rootfd[i] = open(R.conf->root_path[i], O_RDONLY | O_DIRECTORY |
				   O_CLOEXEC);
		if (R.rootfd[i] < 0 || (mkdirat(R.rootfd[i], ".replicate.tmp",
		    0700) < 0 && errno != EEXIST) ||
		    (R.tmpfd[i] = openat(R.rootfd[i], ".replicate.tmp",
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			hb_log(LOG_ERR, "root '%s': %s", R.conf->root_path[i],
			       g_strerror(errno));
			return 1;
		}
		repl_apply_clean_tmp(i);
	}
	state_load();
	raise_fd_limit();
	repl_apply_reset();
	repl_apply_set_position(R.applied);
	repl_apply_set_notify(replica_report);
	sync_helper_start();
	if ((r = tls_setup()) < 0)
		return 1;
	loop = g_main_loop_new(NULL, FALSE);
	if ((r = ctl_start()) < 0) {
		hb_log(LOG_ERR, "control socket '%s': %s", R.conf->control,
		       hb_strerror(r));
		return 1;
	}
	if (R.conf->source && (r = become_source()) < 0) {
		hb_log(LOG_ERR, "cannot watch the roots: %s", hb_strerror(r));
		return 1;
	}
	if (!R.conf->source)
		hb_log(LOG_NOTICE, "replica role");
	connect_timer = g_timeout_add(500, connect_cb, NULL);
	g_unix_signal_add(SIGTERM, quit_cb, NULL);
	g_unix_signal_add(SIGINT, quit_cb, NULL);
	g_unix_signal_add(SIGHUP, reopen_cb, NULL);
	/* listening and the control socket up: ready (Type=notify) */
	hb_notify("READY=1");
	g_main_loop_run(loop);
	apply_flush();
	repl_sync_stop();
	repl_state_save();
	unlink(R.conf->control);
	hb_log(LOG_NOTICE, "exiting");
	OPENSSL_cleanse(psk, sizeof(psk));
	return 0;
}
