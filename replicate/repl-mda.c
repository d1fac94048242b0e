/*
 * repl-mda.c - replicate-mda: synchronous final delivery for Postfix.
 *
 * Postfix's smtpd answers "250" once a message is in its queue, so a
 * crash between that answer and the replicated delivery loses mail that
 * was acknowledged.  replicate-mda closes that window: it is Postfix's
 * before-queue proxy (smtpd_proxy_filter = 127.0.0.1:10025), delivers the
 * message itself into each recipient's Maildir (tmp/, fsync, rename into
 * new/, fsync new/), then asks the local replicate daemon for a barrier
 * ("SYNC" on its control socket).  Only when the standby has fsynced
 * everything does it answer 250, which smtpd passes to the client.
 *
 *   replicate-mda -l ADDR:PORT -b MAILDIR_BASE -D DOMAIN[,DOMAIN...]
 *                 -S CONTROL_SOCKET [-w SECS] [-m MAXBYTES] [-f]
 *
 * Recipients are LOCAL@DOMAIN with an existing Maildir BASE/local/
 * (lowercased); others get 550.  Files take the owner of the Maildir.
 * When the replication session is down (standby dead), mail is accepted on
 * this node alone and that is logged; when the session is up but the
 * barrier does not complete within -w seconds the answer is 451 (the
 * client retries).  One process per connection (at most 64), like a
 * Postfix service; input is bounded (line 1000 bytes, message -m bytes).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "notify.h"

#define MDA_MAXLINE 1000
#define MDA_MAXRCPT 100
#define MDA_MAXCHILD 64

static const char *base_dir;
static char **domains;
static const char *ctl_path;
static int wait_secs = 10;
static size_t max_bytes = 50 * 1024 * 1024;
static volatile sig_atomic_t nchildren;

static void
mda_log(int prio, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", buf);
	fprintf(stderr, "replicate-mda[%d]: %s\n", (int)getpid(), buf);
}

/* Reads one CRLF/LF line (without it) into buf; -1 on EOF or too long. */
static int
read_line(FILE *in, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = getc(in)) != EOF) {
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 >= size)
			return -1;
		buf[n++] = c;
	}
	return -1;
}

static void
reply(FILE *out, const char *text)
{
	fprintf(out, "%s\r\n", text);
	fflush(out);
}

/* "<local@domain>" -> Maildir path (g_free) or NULL. */
static char *
mailbox_for(const char *arg)
{
	const char *lt = strchr(arg, '<'), *gt, *at;
	g_autofree char *local = NULL, *dom = NULL;
	struct stat st;
	char *path;
	int i;

	if (lt == NULL || (gt = strchr(lt, '>')) == NULL)
		return NULL;
	at = memchr(lt, '@', gt - lt);
	if (at == NULL || at == lt + 1 || at + 1 >= gt)
		return NULL;
	local = g_ascii_strdown(lt + 1, at - lt - 1);
	dom = g_ascii_strdown(at + 1, gt - at - 1);
	for (i = 0; local[i]; i++)
		if (!isalnum((unsigned char)local[i]) && !strchr("._-+", local[i]))
			return NULL;
	if (local[0] == '.')
		return NULL;
	for (i = 0; domains[i]; i++)
		if (g_ascii_strcasecmp(domains[i], dom) == 0)
			break;
	if (domains[i] == NULL)
		return NULL;
	path = g_build_filename(base_dir, local, NULL);
	{
		g_autofree char *nd = g_build_filename(path, "new", NULL);

		if (stat(nd, &st) != 0 || !S_ISDIR(st.st_mode)) {
			g_free(path);
			return NULL;
		}
	}
	return path;
}

static int
deliver_one(const char *maildir, const GString *msg, const char *uniq)
{
	g_autofree char *tmp = g_strdup_printf("%s/tmp/%s", maildir, uniq);
	g_autofree char *dst = g_strdup_printf("%s/new/%s", maildir, uniq);
	g_autofree char *newd = g_strdup_printf("%s/new", maildir);
	struct stat st;
	int fd, dfd, rc = 0;

	if (stat(maildir, &st) != 0)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, msg->str, msg->len) != (ssize_t)msg->len ||
	    fchown(fd, st.st_uid, st.st_gid) != 0 || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	dfd = open(newd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* One request on the replicate control socket; reply in buf. */
static int
ctl_ask(const char *req, char *buf, size_t size, int secs)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = secs };
	size_t n = 0;
	ssize_t r;
	int fd;

	g_strlcpy(sun.sun_path, ctl_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		r = -errno;
		close(fd);
		return (int)r;
	}
	while (n + 1 < size && (r = read(fd, buf + n, size - n - 1)) > 0)
		n += r;
	buf[n] = '\0';
	close(fd);
	return n > 0 ? 0 : -ETIMEDOUT;
}

/* 0: on both nodes; 1: accepted here only (no session); <0: not confirmed */
static int
barrier(void)
{
	char buf[512];

	if (ctl_ask("STATUS\n", buf, sizeof(buf), 5) != 0)
		return -EIO;
	if (strstr(buf, "role=source") == NULL)
		return -EPERM;
	if (strstr(buf, "phase=down") != NULL)
		return 1;
	if (ctl_ask("SYNC\n", buf, sizeof(buf), wait_secs) != 0)
		return -ETIMEDOUT;
	return strncmp(buf, "OK", 2) == 0 ? 0 : -EIO;
}

static void
serve(int fd)
{
	FILE *in = fdopen(fd, "r"), *out = fdopen(dup(fd), "w");
	char line[MDA_MAXLINE + 2], host[64];
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	gboolean mail = FALSE;
	static unsigned counter;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	reply(out, "220 replicate-mda ESMTP");
	while (read_line(in, line, sizeof(line)) >= 0) {
		if (!g_ascii_strncasecmp(line, "EHLO", 4) ||
		    !g_ascii_strncasecmp(line, "HELO", 4)) {
			reply(out, "250-replicate-mda");
			reply(out, "250 8BITMIME");
		} else if (!g_ascii_strncasecmp(line, "MAIL FROM:", 10)) {
			g_ptr_array_set_size(rcpts, 0);
			mail = TRUE;
			reply(out, "250 2.1.0 Ok");
		} else if (!g_ascii_strncasecmp(line, "RCPT TO:", 8)) {
			char *mb = mailbox_for(line + 8);

			if (!mail)
				reply(out, "503 5.5.1 MAIL first");
			else if (mb == NULL)
				reply(out, "550 5.1.1 no such mailbox here");
			else if (rcpts->len >= MDA_MAXRCPT) {
				g_free(mb);
				reply(out, "452 4.5.3 too many recipients");
			} else {
				g_ptr_array_add(rcpts, mb);
				reply(out, "250 2.1.5 Ok");
			}
		} else if (!g_ascii_strcasecmp(line, "DATA")) {
			GString *msg;
			gboolean big = FALSE, ok = TRUE;
			guint i;
			int rc;

			if (rcpts->len == 0) {
				reply(out, "554 5.5.1 no valid recipients");
				continue;
			}
			reply(out, "354 End data with <CR><LF>.<CR><LF>");
			msg = g_string_new(NULL);
			for (;;) {
				if (read_line(in, line, sizeof(line)) < 0) {
					g_string_free(msg, TRUE);
					goto done;
				}
				if (strcmp(line, ".") == 0)
					break;
				if (msg->len + strlen(line) + 2 > max_bytes) {
					big = TRUE;
					continue;
				}
				g_string_append(msg, line[0] == '.' ? line + 1 : line);
				g_string_append_c(msg, '\n');
			}
			if (big) {
				reply(out, "552 5.3.4 message too big");
				g_string_free(msg, TRUE);
				continue;
			}
			for (i = 0; i < rcpts->len && ok; i++) {
				struct timeval tv;
				g_autofree char *uniq = NULL;

				gettimeofday(&tv, NULL);
				uniq = g_strdup_printf("%ld.M%ldP%dQ%u.%s",
						       (long)tv.tv_sec, (long)tv.tv_usec,
						       (int)getpid(), ++counter, host);
				rc = deliver_one(rcpts->pdata[i], msg, uniq);
				if (rc != 0) {
					mda_log(LOG_ERR, "delivery to %s failed: %s",
						(char *)rcpts->pdata[i],
						g_strerror(-rc));
					ok = FALSE;
				}
			}
			g_string_free(msg, TRUE);
			if (!ok) {
				reply(out, "451 4.3.0 local delivery failed");
				continue;
			}
			rc = barrier();
			if (rc == 0)
				reply(out, "250 2.0.0 Ok: delivered on both nodes");
			else if (rc == 1) {
				mda_log(LOG_WARNING, "standby not connected: "
					"accepted on this node only");
				reply(out, "250 2.0.0 Ok: delivered (standby down)");
			} else {
				mda_log(LOG_ERR, "replication not confirmed: %s",
					g_strerror(-rc));
				reply(out, "451 4.3.0 replication not confirmed, "
				      "try again");
			}
			mail = FALSE;
		} else if (!g_ascii_strcasecmp(line, "RSET")) {
			g_ptr_array_set_size(rcpts, 0);
			mail = FALSE;
			reply(out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "NOOP")) {
			reply(out, "250 2.0.0 Ok");
		} else if (!g_ascii_strcasecmp(line, "QUIT")) {
			reply(out, "221 2.0.0 Bye");
			break;
		} else {
			reply(out, "502 5.5.2 command not recognized");
		}
	}
done:
	g_ptr_array_unref(rcpts);
	fclose(in);
	fclose(out);
}

static void
sigchld(int sig)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		nchildren--;
	errno = saved;
}

int
main(int argc, char **argv)
{
	const char *listen_at = "127.0.0.1:10025";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	gboolean foreground = FALSE;
	char *colon, *host;
	int ch, lfd, one = 1;

	while ((ch = getopt(argc, argv, "l:b:D:S:w:m:f")) != -1) {
		switch (ch) {
		case 'l': listen_at = optarg; break;
		case 'b': base_dir = optarg; break;
		case 'D': domains = g_strsplit(optarg, ",", 32); break;
		case 'S': ctl_path = optarg; break;
		case 'w': wait_secs = atoi(optarg); break;
		case 'm': max_bytes = strtoul(optarg, NULL, 10); break;
		case 'f': foreground = TRUE; break;
		default:
			fprintf(stderr, "usage: replicate-mda -l ADDR:PORT -b BASE "
				"-D DOMAINS -S CONTROL [-w SECS] [-m BYTES] [-f]\n");
			return 2;
		}
	}
	if (base_dir == NULL || domains == NULL || ctl_path == NULL ||
	    wait_secs <= 0) {
		fprintf(stderr, "replicate-mda: -b, -D and -S are required\n");
		return 2;
	}
	host = g_strdup(listen_at);
	colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	if (colon == NULL || inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    atoi(colon + 1) <= 0 || atoi(colon + 1) > 65535) {
		fprintf(stderr, "replicate-mda: bad listen address %s\n", listen_at);
		return 2;
	}
	sin.sin_port = htons(atoi(colon + 1));
	openlog("replicate-mda", LOG_PID, LOG_MAIL);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 64) != 0) {
		fprintf(stderr, "replicate-mda: cannot listen on %s: %s\n",
			listen_at, g_strerror(errno));
		return 1;
	}
	if (!foreground && daemon(0, 0) != 0)
		return 1;
	hb_notify("READY=1");	/* listening (Type=notify) */
	signal(SIGCHLD, sigchld);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (cfd < 0)
			continue;
		if (nchildren >= MDA_MAXCHILD) {
			static const char busy[] = "421 4.3.2 too busy\r\n";

			if (write(cfd, busy, sizeof(busy) - 1) < 0)
				mda_log(LOG_DEBUG, "client gone");
			close(cfd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			serve(cfd);
			_exit(0);
		}
		if (pid > 0)
			nchildren++;
		close(cfd);
	}
}
