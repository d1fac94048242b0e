/*
 * replicate.c - the replication daemon's main program and command-line
 * client.
 *
 * One GLib main loop, non-blocking sockets, no threads; nothing in a
 * callback waits for the disk or the network.  The modules, bottom up:
 * repl-tree (the roots), repl-sync (syncfs in a helper), repl-conn (the
 * TLS-PSK session and its frames), repl-apply (the group commit),
 * repl-replica and repl-source with repl-watch (the two roles), repl-ctl
 * (role switch and control socket); this file wires them together.
 * Logs at err: configuration, roots, listen and control socket setup.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "fileread.h"
#include "hb_err.h"
#include "log.h"
#include "notify.h"
#include "repl-conn.h"
#include "repl-ctl.h"
#include "repl-replica.h"
#include "repl-sync.h"
#include "repl-tree.h"

static gboolean
quit_cb(gpointer d)
{
	hb_notify("STOPPING=1");
	g_main_loop_quit(d);
	return G_SOURCE_REMOVE;
}

static gboolean
reopen_cb(gpointer d)
{
	hb_log_reopen();
	hb_log(LOG_INFO, "SIGHUP: log file reopened");
	return G_SOURCE_CONTINUE;
}

static G_NORETURN void
usage(void)
{
	fprintf(stderr,
		"usage: replicate [-c CONF] [-d N] [-t|-T]       run the daemon\n"
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
	hb_diag *d = hb_diag_new();
	size_t len = 0;
	int bad = 0, r;

	r = hb_file_read(c->keyfile, REPL_KEYFILE_MAX, HB_READ_SECRET, &key,
			 &len, &st, d);
	if (r < 0) {
		fprintf(stderr, "replicate: %s: keyfile '%s': %s; create it on one "
			"node (head -c 48 /dev/urandom | base64 > %s; chmod 600 "
			"%s) and copy it to the other\n", conf_path, c->keyfile,
			r != HB_ECONFIG ? g_strerror(-r) :
			(const char *)d->errors->pdata[0], c->keyfile,
			c->keyfile);
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
		explicit_bzero(key, len);
	}
	hb_diag_free(d);
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

static int
load_conf(const char *path, struct repl_conf **out, gboolean quiet)
{
	g_autofree char *text = NULL;
	hb_diag *d = hb_diag_new();
	size_t len;
	int r = hb_file_read(path, REPL_CONF_MAXFILE, 0, &text, &len, NULL, d);

	if (r == 0)
		r = repl_conf_parse(text, len, path, out, d);
	for (guint i = 0; !quiet && i < d->errors->len; i++)
		fprintf(stderr, "replicate: %s\n", (char *)d->errors->pdata[i]);
	hb_diag_free(d);
	return r;
}

static int
run(struct repl_conf *conf, const char *conf_path, int debug)
{
	GMainLoop *loop;
	int fds[REPL_MAX_ROOTS];
	int r;

	hb_log_setup(conf->logfile, NULL, conf->logfacility,
		     debug >= 0 ? debug : conf->debug, TRUE);
	signal(SIGPIPE, SIG_IGN);
	/* first what can fail for outside reasons, before anything is
	 * created: a port in use leaves no statedir or temp dir behind */
	if (conf->listen_addr &&
	    (r = repl_conn_listen(conf->listen_addr, conf->listen_port,
				  repl_replica_conn_ops(), NULL)) < 0) {
		hb_log(LOG_ERR, "listen %s:%d: %s (%s 'listen'%s)",
		       conf->listen_addr, conf->listen_port, hb_strerror(r),
		       conf_path, r == -EADDRINUSE ? ": the port is in use - "
		       "another replicate running? (ss -ltnp)" : "");
		return 1;
	}
	if (g_mkdir_with_parents(conf->statedir, 0700) < 0) {
		hb_log(LOG_ERR, "statedir '%s': %s", conf->statedir,
		       g_strerror(errno));
		return 1;
	}
	if (repl_tree_open(conf) < 0)
		return 1;
	raise_fd_limit();
	repl_replica_init(conf);
	repl_sync_start(fds, repl_tree_sync_fds(fds, REPL_MAX_ROOTS));
	if (repl_conn_setup(conf->keyfile) < 0)
		return 1;
	loop = g_main_loop_new(NULL, FALSE);
	if (repl_ctl_start(conf) < 0)
		return 1;
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_unix_signal_add(SIGHUP, reopen_cb, NULL);
	/* listening and the control socket up: ready (Type=notify) */
	hb_notify("READY=1");
	g_main_loop_run(loop);
	repl_replica_shutdown();
	repl_sync_stop();
	repl_ctl_stop();
	hb_log(LOG_NOTICE, "exiting");
	repl_conn_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf_path = HA_DIR "/replicate.conf", *sock = NULL;
	g_autofree char *sock_buf = NULL;
	struct repl_conf *conf = NULL;
	int opt, check = 0, dump = 0, debug = -1, wait_s = 60, r;

#if !GLIB_CHECK_VERSION(2, 76, 0)
	/* GLib before 2.76 keeps GSlice's pages (the GQueue links of a
	 * 200,000-file catch-up) after they are freed; plain malloc gives
	 * them back (source RSS after a 20,000-file initial sync 10.9-11.5
	 * MB -> 9.1-9.2 MB).  GLib reads G_SLICE before main() runs, hence
	 * the exec of ourselves (same pid; by its real path, so that the
	 * process name stays "replicate"); a G_SLICE of the caller wins,
	 * and if the exec fails we go on as we are. */
	if (!getenv("G_SLICE")) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n > 0 && setenv("G_SLICE", "always-malloc", 1) == 0) {
			self[n] = '\0';
			execv(self, argv);
		}
	}
#endif

	while ((opt = getopt(argc, argv, "c:d:tTS:w:h")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'd': debug = atoi(optarg); break;
		case 't': check = 1; break;
		case 'T': dump = 1; break;
		case 'S': sock = optarg; break;
		case 'w': wait_s = atoi(optarg); break;
		default: usage();
		}
	}
	hb_log_init("replicate");
	if (optind < argc) {
		if (!sock) {
			if (load_conf(conf_path, &conf, TRUE) == 0) {
				sock = sock_buf = g_strdup(conf->control);
				repl_conf_free(conf);
			} else {
				sock = HB_RUNDIR "/replicate.sock";
			}
		}
		r = repl_ctl_client(sock, argc - optind, argv + optind, wait_s);
		if (r < 0)
			usage();
		return r;
	}
	if (load_conf(conf_path, &conf, FALSE) < 0)
		return 6;
	if (dump) {
		g_autofree char *text = repl_conf_dump(conf);

		fputs(text, stdout);
	} else if (check_files(conf, conf_path) > 0) {
		repl_conf_free(conf);
		return 6;
	}
	if (check || dump) {
		repl_conf_free(conf);
		return 0;
	}
	r = run(conf, conf_path, debug);
	repl_conf_free(conf);
	return r;
}
