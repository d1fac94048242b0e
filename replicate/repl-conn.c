/*
 * repl-conn.c - the peer session (repl-conn.h): one GLib fd source per
 * connection, non-blocking TLS, a send buffer and an input buffer parsed
 * into frames.
 *
 * Invariants: the input buffer never holds more than four maximal
 * frames (parsed before reading on; "input overrun" closes otherwise);
 * while the owner holds the input nothing is read from the socket and
 * no frame is delivered; a connection is watched for writability only
 * while it has something to send (or its owner has, ops->ready), and
 * during its TLS handshake only when TLS waits to write; accepting and
 * unauthenticated inbound connections run at G_PRIORITY_LOW, below the
 * session (a connection flood at the port is served when it is idle).
 * Logs at err: bad frames, TLS setup; warning: closed sessions; info:
 * closed unauthenticated connections, one line per 5 s with a count.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "fileread.h"
#include "hb_err.h"
#include "log.h"
#include "repl-conf.h"
#include "repl-conn.h"

#define PSK_IDENTITY "replicate/1"
#define HANDSHAKE_MS 3000

/* Input is taken in small steps so that what TLS decrypts is still in
 * the cache when it is parsed and written out: 64 KB reads, frames parsed
 * once 128 KB wait, the buffer reused once 256 KB were parsed (with 1 MB
 * steps OpenSSL's copy into it missed the cache: a sixth of the replica's
 * CPU in an initial sync; 0.15 s less CPU for 618 MB). */
#define READ_CHUNK (64 * 1024)
#define PARSE_AT (128 * 1024)
#define COMPACT_AT (256 * 1024)

struct repl_conn {
	int fd;
	SSL *ssl;
	gboolean handshaking;
	gboolean hs_write;	/* the handshake waits to write (else to read) */
	gboolean outbound;
	gboolean dead;
	gboolean held;		/* a frame was left unconsumed */
	gboolean session;	/* a session: outbound from its connect, inbound
				 * once authenticated (its owner gets closed) */
	guint hs_timer;
	guint resume_idle;
	GByteArray *in;		/* received, frames parsed up to in_off */
	guint in_off;
	GByteArray *out;
	GSource *src;
	GIOCondition cond;
	char *peer;		/* "addr:port", for log lines */
	const struct repl_conn_ops *ops;
	void *user;
};

static struct {
	SSL_CTX *cctx, *sctx;
	guint8 psk[32];
	struct repl_conn *session;
	const struct repl_conn_ops *listen_ops;
	void *listen_user;
	int listen_fd;
	gboolean connect_failed_logged;
	gint64 hs_logged_us;	/* last unauthenticated close logged */
	guint64 hs_unlogged;	/* closed since without a line */
	guint64 bytes_out;	/* TLS payload bytes sent, all sessions */
} K = { .listen_fd = -1 };

/* ---- TLS -------------------------------------------------------------- */

static unsigned int
psk_client_cb(SSL *ssl, const char *hint, char *identity,
	      unsigned int max_identity_len, unsigned char *key,
	      unsigned int max_psk_len)
{
	(void)ssl; (void)hint;
	if (max_identity_len < sizeof(PSK_IDENTITY) || max_psk_len < sizeof(K.psk))
		return 0;
	memcpy(identity, PSK_IDENTITY, sizeof(PSK_IDENTITY));
	memcpy(key, K.psk, sizeof(K.psk));
	return sizeof(K.psk);
}

static unsigned int
psk_server_cb(SSL *ssl, const char *identity, unsigned char *key,
	      unsigned int max_psk_len)
{
	(void)ssl;
	if (!identity || strcmp(identity, PSK_IDENTITY) ||
	    max_psk_len < sizeof(K.psk))
		return 0;
	memcpy(key, K.psk, sizeof(K.psk));
	return sizeof(K.psk);
}

int
repl_conn_setup(const char *keyfile)
{
	g_autofree char *key = NULL;
	size_t len;
	unsigned int n = sizeof(K.psk);
	hb_diag *d = hb_diag_new();
	int r = hb_file_read(keyfile, REPL_KEYFILE_MAX, HB_READ_SECRET, &key, &len,
			     NULL, d);

	for (guint i = 0; i < d->errors->len; i++)
		hb_log(LOG_ERR, "keyfile: %s", (char *)d->errors->pdata[i]);
	hb_diag_free(d);
	if (r < 0)
		return HB_ENOKEY;
	g_strstrip(key);
	if (strlen(key) < 16) {
		hb_log(LOG_ERR, "keyfile '%s': key shorter than 16 bytes",
		       keyfile);
		OPENSSL_cleanse(key, len);
		return HB_ENOKEY;
	}
	EVP_Digest(key, strlen(key), K.psk, &n, EVP_sha256(), NULL);
	OPENSSL_cleanse(key, len);
	K.cctx = SSL_CTX_new(TLS_client_method());
	K.sctx = SSL_CTX_new(TLS_server_method());
	for (int i = 0; i < 2; i++) {
		SSL_CTX *c = i ? K.sctx : K.cctx;

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
	SSL_CTX_set_psk_client_callback(K.cctx, psk_client_cb);
	SSL_CTX_set_psk_server_callback(K.sctx, psk_server_cb);
	return 0;
}

void
repl_conn_cleanup(void)
{
	OPENSSL_cleanse(K.psk, sizeof(K.psk));
	g_clear_pointer(&K.cctx, SSL_CTX_free);
	g_clear_pointer(&K.sctx, SSL_CTX_free);
}

/* ---- connection ------------------------------------------------------- */

static gboolean conn_io_cb(int fd, GIOCondition cond, gpointer data);

static void
conn_watch(struct repl_conn *c)
{
	GIOCondition want = c->held ? 0 : G_IO_IN;

	if (c->dead)
		return;
	/* writable also while the owner has something it could send: a
	 * flush that empties the buffer after the pump stopped at its high
	 * mark must not leave the rest of a file unsent */
	if (c->out->len || (c->handshaking && c->hs_write) ||
	    (c->session && c->ops->ready && c->ops->ready(c, c->user)))
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
	/* a stranger's connection waits while the session has work */
	if (c->handshaking && !c->outbound)
		g_source_set_priority(c->src, G_PRIORITY_LOW);
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

/* Connections closed before they authenticated: one line per 5 s at
 * most (a connection flood at the port must not flood the log), with
 * how many were closed since without a line. */
static void
hs_close_log(const struct repl_conn *c, const char *why)
{
	gint64 now = g_get_monotonic_time();

	if (K.hs_logged_us && now - K.hs_logged_us < 5 * G_USEC_PER_SEC) {
		K.hs_unlogged++;
		return;
	}
	hb_log(LOG_INFO, "session with %s closed: %s (%" G_GUINT64_FORMAT
	       " more unauthenticated connections closed without a line)",
	       c->peer, why, K.hs_unlogged);
	K.hs_logged_us = now;
	K.hs_unlogged = 0;
}

void
repl_conn_close(struct repl_conn *c, const char *why)
{
	if (!c || c->dead)
		return;
	c->dead = TRUE;
	if (c->hs_timer)
		g_source_remove(c->hs_timer);
	c->hs_timer = 0;
	if (c->resume_idle)
		g_source_remove(c->resume_idle);
	c->resume_idle = 0;
	if (c->handshaking)
		hs_close_log(c, why);
	else
		hb_log(LOG_WARNING, "session with %s closed: %s", c->peer, why);
	if (c->src) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
		c->src = NULL;
	}
	SSL_free(c->ssl);
	close(c->fd);
	if (K.session == c)
		K.session = NULL;
	if (c->session) {
		if (c->ops->closed)
			c->ops->closed(c, c->user);
	}
	g_idle_add(conn_free_cb, c);
}

static void
ssl_fail(struct repl_conn *c, int r)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	repl_conn_close(c, *buf ? buf : (r == 0 ? "peer closed" :
					 g_strerror(errno)));
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
			K.bytes_out += r;
			continue;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_WRITE || r == SSL_ERROR_WANT_READ)
			break;
		ssl_fail(c, r);
		return;		/* closed: the buffer went with it */
	}
	if (off > 0)
		g_byte_array_remove_range(c->out, 0, off);
	conn_watch(c);
}

void
repl_conn_send(struct repl_conn *c, const struct repl_frame *f)
{
	if (!c || c->dead)
		return;
	if (repl_frame_encode(c->out, f) < 0) {
		hb_log(LOG_ERR, "cannot encode %s frame", repl_type_name(f->type));
		return;
	}
	if (c->out->len > 64 * 1024 || f->type != REPL_DATA)
		conn_flush(c);
}

ssize_t
repl_conn_send_pread(struct repl_conn *c, struct repl_frame *f, int fd,
		     size_t n, guint64 off)
{
	GByteArray *out;
	guint start;
	ssize_t r;

	if (!c || c->dead)
		return -ENOTCONN;
	out = c->out;
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
		conn_flush(c);
	return r;
}

void
repl_conn_sendf(struct repl_conn *c, int type, guint64 seq, const char *path,
		const char *path2)
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
	repl_conn_send(c, &f);
}

/* Drop the parsed frames before in_off from the input buffer. */
static void
in_compact(struct repl_conn *c)
{
	g_byte_array_remove_range(c->in, 0, c->in_off);
	c->in_off = 0;
}

/* Deliver the frames read so far, up to one the owner leaves unconsumed. */
static void
conn_frames(struct repl_conn *c, gboolean drained)
{
	size_t off = c->in_off;

	while (!c->dead && !c->held) {
		struct repl_frame f;
		size_t used;
		int r = repl_frame_decode(c->in->data + off, c->in->len - off,
					  &f, &used);

		if (r == -EAGAIN)
			break;
		if (r < 0) {
			hb_log(LOG_ERR, "peer %s: bad frame: %s", c->peer,
			       hb_strerror(r));
			repl_conn_close(c, "bad frame");
			return;
		}
		hb_debug("%s: %s from %s seq %" G_GUINT64_FORMAT " '%.*s'",
			 __func__, repl_type_name(f.type), c->peer, f.seq,
			 (int)f.path_len, f.path ? f.path : "");
		if (!c->ops->frame(c, &f, c->user)) {
			c->held = TRUE;	/* delivered again on resume */
			break;
		}
		off += used;
	}
	if (c->dead)
		return;
	/* the unparsed tail (part of one frame) moves to the front only
	 * once COMPACT_AT bytes of parsed frames lie before it */
	c->in_off = off;
	if (c->in_off == c->in->len || c->in_off >= COMPACT_AT)
		in_compact(c);
	if (c->ops->batch_end)
		c->ops->batch_end(c, drained, c->user);
}

/* Read what the socket (and TLS) has, delivering frames as they come,
 * until it would block or the owner holds the input. */
static void
conn_read(struct repl_conn *c)
{
	for (;;) {
		guint have = c->in->len;
		int r;

		if (c->dead || c->held)
			return;
		if (have + READ_CHUNK > 4 * REPL_MAX_PAYLOAD) {
			/* a whole frame is never bigger: parse first */
			conn_frames(c, FALSE);
			if (c->dead || c->held)
				return;
			in_compact(c);
			have = c->in->len;
			if (have + READ_CHUNK > 4 * REPL_MAX_PAYLOAD) {
				repl_conn_close(c, "input overrun");
				return;
			}
		}
		/* decrypt straight into the frame buffer */
		g_byte_array_set_size(c->in, have + READ_CHUNK);
		r = SSL_read(c->ssl, c->in->data + have, READ_CHUNK);
		g_byte_array_set_size(c->in, have + MAX(r, 0));
		if (r > 0) {
			if (c->in->len - c->in_off > PARSE_AT)
				conn_frames(c, FALSE);
			continue;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE)
			break;
		conn_frames(c, TRUE);
		if (!c->dead)
			ssl_fail(c, r);
		return;
	}
	conn_frames(c, TRUE);
}

/* After reading: let the owner fill the buffer, then write it. */
static void
conn_pump(struct repl_conn *c)
{
	if (c->session && c->ops->pump)
		c->ops->pump(c, c->user);
	if (!c->dead)
		conn_flush(c);
}

static gboolean
conn_io_cb(int fd, GIOCondition cond, gpointer data)
{
	struct repl_conn *c = data;
	GSource *me = g_source_ref(g_main_current_source());
	gboolean keep;

	(void)fd; (void)cond;
	if (c->handshaking) {
		int r = SSL_do_handshake(c->ssl);

		if (r != 1) {
			r = SSL_get_error(c->ssl, r);
			if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE)
				ssl_fail(c, r);
			else {
				/* wait for what TLS asks: watching a silent
				 * peer's socket for writability spins */
				c->hs_write = r == SSL_ERROR_WANT_WRITE;
				conn_watch(c);
			}
			goto out;
		}
		c->handshaking = FALSE;
		g_source_set_priority(c->src, G_PRIORITY_DEFAULT);
		K.connect_failed_logged = FALSE;
		hb_log(LOG_INFO, "session with %s authenticated (%s)", c->peer,
		       SSL_get_cipher_name(c->ssl));
		if (!c->outbound) {
			if (K.session && K.session != c)
				repl_conn_close(K.session,
						"replaced by a new session");
			K.session = c;
		}
		c->session = TRUE;
		if (c->ops->up)
			c->ops->up(c, c->user);
	}
	conn_flush(c);
	conn_read(c);
	if (!c->dead)
		conn_pump(c);
out:
	keep = !c->dead && c->src == me;
	g_source_unref(me);
	return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
resume_cb(gpointer data)
{
	struct repl_conn *c = data;

	c->resume_idle = 0;
	if (c->dead || c->held)
		return G_SOURCE_REMOVE;
	/* frames already buffered (here or inside TLS) come first: the
	 * socket may never become readable for them */
	conn_frames(c, FALSE);
	conn_read(c);
	if (!c->dead)
		conn_pump(c);
	return G_SOURCE_REMOVE;
}

void
repl_conn_resume(struct repl_conn *c)
{
	if (!c || c->dead || !c->held)
		return;
	c->held = FALSE;
	if (!c->resume_idle)
		c->resume_idle = g_idle_add(resume_cb, c);
}

static gboolean
handshake_timeout_cb(gpointer data)
{
	struct repl_conn *c = data;

	c->hs_timer = 0;
	if (!c->dead && c->handshaking)
		repl_conn_close(c, "handshake timeout");
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
conn_new(int fd, gboolean outbound, const char *peer,
	 const struct repl_conn_ops *ops, void *user)
{
	struct repl_conn *c = g_new0(struct repl_conn, 1);

	sock_opts(fd);
	c->fd = fd;
	c->outbound = outbound;
	c->peer = g_strdup(peer);
	c->ops = ops;
	c->user = user;
	c->in = g_byte_array_new();
	c->out = g_byte_array_new();
	c->ssl = SSL_new(outbound ? K.cctx : K.sctx);
	SSL_set_fd(c->ssl, fd);
	if (outbound)
		SSL_set_connect_state(c->ssl);
	else
		SSL_set_accept_state(c->ssl);
	c->handshaking = TRUE;
	c->hs_write = outbound;	/* a client connects, then writes first */
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

struct repl_conn *
repl_conn_connect(const char *addr, int port, const struct repl_conn_ops *ops,
		  void *user)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	g_autofree char *peer = NULL;
	struct repl_conn *c;

	if (resolve(addr, port, &ss, &len) < 0) {
		hb_log(LOG_ERR, "cannot resolve peer '%s'", addr);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		if (!K.connect_failed_logged)
			hb_log(LOG_WARNING, "connect to %s:%d: %s", addr, port,
			       g_strerror(errno));
		K.connect_failed_logged = TRUE;
		close(fd);
		return NULL;
	}
	peer = g_strdup_printf("%s:%d", addr, port);
	c = conn_new(fd, TRUE, peer, ops, user);
	c->session = TRUE;
	return c;
}

static gboolean
accept_cb(int fd, GIOCondition cond, gpointer data)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV], peer[NI_MAXHOST + NI_MAXSERV + 2];
	int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	(void)cond; (void)data;
	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		g_strlcpy(host, "?", sizeof(host));
	g_snprintf(peer, sizeof(peer), "%s:%s", host, serv);
	/* becomes the session once authenticated */
	conn_new(cfd, FALSE, peer, K.listen_ops, K.listen_user);
	return G_SOURCE_CONTINUE;
}

int
repl_conn_listen(const char *addr, int port, const struct repl_conn_ops *ops,
		 void *user)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (resolve(addr, port, &ss, &len) < 0)
		return -EINVAL;
	K.listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
			     SOCK_NONBLOCK, 0);
	if (K.listen_fd < 0)
		return -errno;
	setsockopt(K.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(K.listen_fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(K.listen_fd, 8) < 0)
		return -errno;
	K.listen_ops = ops;
	K.listen_user = user;
	/* accepting runs below the session's priority: a connection flood
	 * at the port is served when the session has nothing to do */
	g_unix_fd_add_full(G_PRIORITY_LOW, K.listen_fd, G_IO_IN, accept_cb,
			   NULL, NULL);
	return 0;
}

struct repl_conn *
repl_conn_session(void)
{
	return K.session;
}

const char *
repl_conn_peer(const struct repl_conn *c)
{
	return c->peer;
}

gboolean
repl_conn_outbound(const struct repl_conn *c)
{
	return c->outbound;
}

gboolean
repl_conn_alive(const struct repl_conn *c)
{
	return c && !c->dead;
}

guint
repl_conn_queued(const struct repl_conn *c)
{
	return c ? c->out->len : 0;
}

void
repl_conn_trim(struct repl_conn *c)
{
	if (c && !c->dead && c->out->len == 0) {
		g_byte_array_unref(c->out);
		c->out = g_byte_array_new();
	}
}

guint64
repl_conn_bytes_out(void)
{
	return K.bytes_out;
}
