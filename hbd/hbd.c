/*
 * hbd.c - the heartbeat daemon: options, configuration, main loop.
 *
 * hbd reads ha.cf, authkeys and haresources from the config directory,
 * opens the media and the control socket, and runs membership (cluster.c)
 * and the resource manager (rm.c) on one GLib main loop.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage, 6 configuration invalid
 * (LSB "not configured", as Heartbeat).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <glib-unix.h>

#include "authkeys.h"
#include "cluster.h"
#include "control.h"
#include "hacf.h"
#include "haresources.h"
#include "hb_err.h"
#include "log.h"
#include "notify.h"
#include "ping.h"
#include "realtime.h"
#include "script.h"
#include "rm.h"
#include "status.h"

#define EXIT_NOTCONFIGURED 6
#define HBD_EVENTS_KEPT 200

typedef struct hbd_opts {
	char *confdir;
	char *statedir;
	char *socket;
	char *pidfile;
	char *nodename;
	gboolean foreground;
	gboolean check;
	gboolean dump;
	gboolean kill;
	gboolean no_realtime;	/* -l */
	gboolean no_resources;
	int debug;
} hbd_opts;

static GMainLoop *loop;
static guint config_warnings;	/* from the last load_config() */
static hbd_cluster *cluster;
static hbd_rm *rm;
static hbd_opts opts;
static gboolean forced_exit;	/* quit before the release ended */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hbd [-c confdir] [-S statedir] [-s socket] [-n node] "
		"[-fdlMv]\n"
		"       hbd [-c confdir] -t        check the configuration\n"
		"       hbd [-c confdir] -T        print the effective ha.cf\n"
		"       hbd -k                     stop the running daemon\n"
		"       hbd status [-j] [-c confdir] [-s socket] [-r repl]\n"
		"                                  one-screen cluster status\n"
		"       hbd -V                     version\n");
}

static char *
local_nodename(const char *confdir)
{
	g_autofree char *path = g_build_filename(confdir, "nodeinfo", NULL);
	g_autofree char *text = NULL;
	struct utsname u;

	if (opts.nodename != NULL)
		return g_ascii_strdown(opts.nodename, -1);
	if (g_file_get_contents(path, &text, NULL, NULL)) {
		char *nl = strchr(text, '\n');

		if (nl)
			*nl = '\0';
		g_strstrip(text);
		if (*text)
			return g_ascii_strdown(text, -1);
	}
	uname(&u);
	return g_ascii_strdown(u.nodename, -1);
}

static void
print_diag(const hb_diag *d)
{
	guint i;

	for (i = 0; i < d->warnings->len; i++)
		hb_log(LOG_WARNING, "%s", (char *)g_ptr_array_index(d->warnings, i));
	for (i = 0; i < d->errors->len; i++)
		hb_log(LOG_ERR, "%s", (char *)g_ptr_array_index(d->errors, i));
}

/* A missing file: say where the samples are. */
static void
hint_missing(const char *path, const char *name)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		hb_log(LOG_ERR, "%s is missing: start from the sample %s/examples/"
		       "%s (see %s(5)), then check with \"hbd -t\"", path,
		       DOCDIR, name, name);
}

/* A resource whose script is in no resource directory would fail only at
 * takeover time: say so now, naming haresources' line. */
static void
check_scripts(const hb_haresources *rsc, hb_diag *d)
{
	guint i, j;

	for (i = 0; rsc != NULL && i < rsc->groups->len; i++) {
		hb_rgroup *g = g_ptr_array_index(rsc->groups, i);

		for (j = 0; j < g->resources->len; j++) {
			hb_resource *r = g_ptr_array_index(g->resources, j);
			g_autofree char *dirs = NULL;
			g_autofree char *path = hbd_script_find(opts.confdir,
								r->script,
								&dirs);

			if (path != NULL)
				continue;
			if (strchr(r->script, '/') != NULL)
				hb_diag_warn(d, rsc->path, g->line, "resource %s: "
					     "'%s' is a path; a resource names a "
					     "script in %s", r->spec, r->script,
					     dirs);
			else
				hb_diag_warn(d, rsc->path, g->line, "resource %s: "
					     "script '%s' not found (or not "
					     "executable) in %s; group %s would "
					     "fail at takeover", r->spec,
					     r->script, dirs, g->key);
		}
	}
}

/* Is a UDP socket of this network namespace bound to port (any address)?
 * Read from /proc/net/udp and udp6 ("sl local_address:PORT ..." in hex).
 * hbd binds with SO_REUSEADDR, as Heartbeat does, so a second daemon on
 * the port would not get EADDRINUSE: both would run and split the
 * packets between them. */
static gboolean
udp_port_taken(int port)
{
	static const char *const tables[] = { "/proc/net/udp", "/proc/net/udp6" };
	guint t;

	for (t = 0; t < G_N_ELEMENTS(tables); t++) {
		g_autofree char *text = NULL;
		g_auto(GStrv) lines = NULL;
		guint i;

		if (!g_file_get_contents(tables[t], &text, NULL, NULL))
			continue;
		lines = g_strsplit(text, "\n", -1);
		for (i = 1; lines[i] != NULL; i++) {
			unsigned int p;
			const char *colon;
			char local[80];

			if (sscanf(lines[i], "%*s %79s", local) != 1)
				continue;
			colon = strrchr(local, ':');
			if (colon != NULL && sscanf(colon + 1, "%x", &p) == 1 &&
			    (int)p == port)
				return TRUE;
		}
	}
	return FALSE;
}

/* Every UDP port of ha.cf's media is free, or an error naming it. */
static int
check_ports(const hb_config *cfg)
{
	guint i;

	for (i = 0; i < cfg->media->len; i++) {
		const hb_media_cfg *m = g_ptr_array_index(cfg->media, i);

		if (m->type != HB_MEDIA_SERIAL && udp_port_taken(m->port)) {
			hb_log(LOG_ERR, "UDP port %d (ha.cf udpport) is already "
			       "in use on this host: is heartbeat or another hbd "
			       "running? Stop it first (systemctl stop heartbeat; "
			       "ss -lunp shows the program)", m->port);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/* Loads all three files; every error of every file is reported. */
static int
load_config(const char *node, hb_config **out_cfg, hb_authkeys **out_keys,
	    hb_haresources **out_rsc)
{
	g_autofree char *cf = g_build_filename(opts.confdir, "ha.cf", NULL);
	g_autofree char *ak = g_build_filename(opts.confdir, "authkeys", NULL);
	g_autofree char *hr = g_build_filename(opts.confdir, "haresources", NULL);
	hb_diag *d = hb_diag_new();
	hb_config *cfg = NULL;
	hb_authkeys *keys = NULL;
	hb_haresources *rsc = NULL;
	int rc = 0;

	if (hb_config_load(cf, node, &cfg, d) != 0)
		rc = HB_ECONFIG;
	if (hb_authkeys_load(ak, &keys, d) != 0)
		rc = HB_ECONFIG;
	if (!opts.no_resources) {
		if (!g_file_test(hr, G_FILE_TEST_EXISTS))
			hb_diag_error(d, hr, 0, "Cannot open resources file: %s",
				      g_strerror(ENOENT));
		else if (hb_haresources_load(hr, cfg, &rsc, d) != 0)
			rc = HB_ECONFIG;
		else
			check_scripts(rsc, d);
	}
	if (d->errors->len > 0)
		rc = HB_ECONFIG;
	print_diag(d);
	config_warnings = d->warnings->len;
	hint_missing(cf, "ha.cf");
	hint_missing(ak, "authkeys");
	if (!opts.no_resources)
		hint_missing(hr, "haresources");
	hb_diag_free(d);
	if (rc != 0) {
		hb_config_free(cfg);
		hb_authkeys_free(keys);
		hb_haresources_free(rsc);
		return rc;
	}
	*out_cfg = cfg;
	*out_keys = keys;
	*out_rsc = rsc;
	return 0;
}

static gboolean
sigterm_cb(gpointer data)
{
	if (cluster->shutting_down) {
		hb_log(LOG_WARNING, "second termination signal: exiting now");
		forced_exit = TRUE;
		g_main_loop_quit(loop);
		return G_SOURCE_CONTINUE;
	}
	hb_log(LOG_INFO, "Heartbeat shutdown in progress. (%d)", (int)getpid());
	hb_notify("STOPPING=1");
	cluster->shutting_down = TRUE;
	hbd_rm_shutdown(rm, loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
sighup_cb(gpointer data)
{
	g_autofree char *ak = g_build_filename(opts.confdir, "authkeys", NULL);
	hb_diag *d = hb_diag_new();
	hb_authkeys *keys;

	hb_log_reopen();
	hb_log(LOG_INFO, "Signal SIGHUP received: log files reopened, "
	       "re-reading authkeys");
	if (hb_authkeys_load(ak, &keys, d) == 0) {
		hbd_cluster_set_keys(cluster, keys);
		hb_log(LOG_INFO, "authkeys reloaded (auth %d)", keys->active);
	} else {
		hb_log(LOG_ERR, "authkeys not reloaded; keeping the old keys");
	}
	print_diag(d);
	hb_diag_free(d);
	return G_SOURCE_CONTINUE;
}

static gboolean
sigusr_cb(gpointer data)
{
	int delta = GPOINTER_TO_INT(data);
	int level = MAX(0, hb_log_debug_level() + delta);

	hb_log_set_debug(level);
	hb_log(LOG_INFO, "debug level now %d", level);
	return G_SOURCE_CONTINUE;
}

static int
read_pid(const char *path)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	return atoi(text);
}

static int
kill_daemon(void)
{
	int pid = read_pid(opts.pidfile), i;

	if (pid <= 0 || kill(pid, 0) != 0) {
		fprintf(stderr, "INFO: hbd already stopped.\n");
		return 0;
	}
	kill(pid, SIGTERM);
	for (i = 0; i < 600 && kill(pid, 0) == 0; i++)
		g_usleep(100000);
	return kill(pid, 0) == 0 ? 1 : 0;
}

static int
write_pidfile(void)
{
	g_autofree char *dir = g_path_get_dirname(opts.pidfile);
	g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
	int pid = read_pid(opts.pidfile);

	if (pid > 0 && pid != getpid() && kill(pid, 0) == 0) {
		hb_log(LOG_ERR, "hbd is already running (pid %d)", pid);
		return -EEXIST;
	}
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(opts.pidfile, text, -1, NULL))
		return -EIO;
	return 0;
}

/* hbd -t: every serial line must open and be free to lock (a lock held by
 * the running hbd is fine).  Reports each failure with its ha.cf line. */
static int
check_serial(const hb_config *cfg)
{
	g_autofree char *cf = g_build_filename(opts.confdir, "ha.cf", NULL);
	int running = read_pid(opts.pidfile), rc = 0;
	guint i;

	if (running > 0 && kill(running, 0) != 0)
		running = 0;
	for (i = 0; i < cfg->media->len; i++) {
		const hb_media_cfg *m = g_ptr_array_index(cfg->media, i);
		g_autofree char *err = NULL;

		if (hbd_media_check_serial(m, MAX(running, 0), &err) != 0) {
			hb_log(LOG_ERR, "%s:%d: %s", cf, m->line, err);
			rc = -EINVAL;
		}
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "confdir", required_argument, NULL, 'c' },
		{ "statedir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 't' },
		{ "dump", no_argument, NULL, 'T' },
		{ "kill", no_argument, NULL, 'k' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	g_autofree char *node = NULL;
	g_autofree char *marker = NULL;
	gboolean unclean;
	hb_config *cfg = NULL;
	hb_authkeys *keys = NULL;
	hb_haresources *rsc = NULL;
	hbd_control *ctl = NULL;
	hbd_ping *ping = NULL;
	char *err = NULL;
	int ch, rc;

	hb_log_init("hbd");
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return hbd_status_main(argc - 1, argv + 1, HA_DIR);
	while ((ch = getopt_long(argc, argv, "c:S:s:P:n:ftTkdlMVvh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': opts.confdir = g_strdup(optarg); break;
		case 'S': opts.statedir = g_strdup(optarg); break;
		case 's': opts.socket = g_strdup(optarg); break;
		case 'P': opts.pidfile = g_strdup(optarg); break;
		case 'n': opts.nodename = g_strdup(optarg); break;
		case 'f': opts.foreground = TRUE; break;
		case 't': opts.check = TRUE; break;
		case 'T': opts.dump = TRUE; break;
		case 'k': opts.kill = TRUE; break;
		case 'd': opts.debug++; break;
		case 'M': opts.no_resources = TRUE; break;
		case 'l': opts.no_realtime = TRUE; break;
		case 'v': break;	/* Heartbeat compatibility */
		case 'V': printf("hbd %s (Heartbeat 3.0.6 compatible)\n",
				 PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (opts.confdir == NULL)
		opts.confdir = g_strdup(HA_DIR);
	if (opts.statedir == NULL)
		opts.statedir = g_strdup(HB_STATEDIR);
	if (opts.socket == NULL)
		opts.socket = g_strdup(g_getenv("HBD_CONTROL") ?
				       g_getenv("HBD_CONTROL") :
				       HB_RUNDIR "/hbd.sock");
	if (opts.pidfile == NULL)
		opts.pidfile = g_strdup_printf("%s.pid", opts.socket);
	if (opts.kill)
		return kill_daemon();

	hb_log_setup(NULL, NULL, -1, opts.debug, TRUE);
	node = local_nodename(opts.confdir);
	if (load_config(node, &cfg, &keys, &rsc) != 0) {
		hb_log(LOG_ERR, "Configuration error, heartbeat not started.");
		return EXIT_NOTCONFIGURED;
	}
	if (opts.check && check_serial(cfg) != 0) {
		hb_log(LOG_ERR, "Configuration error, heartbeat not started.");
		rc = EXIT_NOTCONFIGURED;
		goto free_keys;
	}
	if (opts.check || opts.dump) {
		if (opts.check && config_warnings > 0)
			printf("%s: configuration OK (node %s), with %u "
			       "warning(s) above\n", opts.confdir, node,
			       config_warnings);
		else if (opts.check)
			printf("%s: configuration OK (node %s)\n", opts.confdir,
			       node);
		else {
			g_autoptr(GString) out = g_string_new(NULL);

			hb_config_dump(cfg, out);
			fputs(out->str, stdout);
		}
		rc = 0;
		goto free_keys;
	}
	rc = 1;
	if (check_ports(cfg) != 0)
		goto free_keys;
	if (!opts.foreground && daemon(0, 0) != 0) {
		perror("daemon");
		goto free_keys;
	}
	hb_log_setup(cfg->logfile, cfg->debugfile, cfg->logfacility,
		     MAX(opts.debug, cfg->debug), opts.foreground);
	hb_log_keep(HBD_EVENTS_KEPT);	/* "events" on the control socket */
	if (write_pidfile() != 0)
		goto free_keys;
	hb_log(LOG_INFO, "Configuration validated. Starting hbd %s (node %s).",
	       PACKAGE_VERSION, node);
	if (cfg->realtime && !opts.no_realtime)
		hbd_realtime_enter(cfg->rtprio);
	if (cfg->auto_failback == HB_FAILBACK_LEGACY && rsc != NULL &&
	    rsc->groups->len > 0)
		hb_log(LOG_WARNING, "Deprecated 'legacy' auto_failback option "
		       "selected.");

	/* the cluster owns keys from here on, also when it fails */
	if (hbd_cluster_new(cfg, keys, opts.statedir, node, &cluster, &err) != 0) {
		hb_log(LOG_ERR, "%s", err);
		unlink(opts.pidfile);
		goto free_config;
	}
	if (hbd_control_new(opts.socket, cluster, &ctl, &err) != 0) {
		hb_log(LOG_ERR, "%s", err);
		unlink(opts.pidfile);
		hbd_cluster_free(cluster);
		goto free_config;
	}
	loop = g_main_loop_new(NULL, FALSE);
	rm = hbd_rm_new(cluster, rsc, opts.confdir);
	/* present at start: the last run ended without its clean exit */
	marker = g_build_filename(opts.statedir, "hbd.running", NULL);
	unclean = g_file_test(marker, G_FILE_TEST_EXISTS);
	if (!g_file_set_contents(marker, "", 0, NULL))
		hb_log(LOG_WARNING, "cannot write '%s'", marker);
	if (unclean)
		hbd_rm_release_stale(rm);
	hbd_control_set_hook(ctl, hbd_rm_control, rm);
	g_unix_signal_add(SIGTERM, sigterm_cb, NULL);
	g_unix_signal_add(SIGINT, sigterm_cb, NULL);
	g_unix_signal_add(SIGHUP, sighup_cb, NULL);
	g_unix_signal_add(SIGUSR1, sigusr_cb, GINT_TO_POINTER(1));
	g_unix_signal_add(SIGUSR2, sigusr_cb, GINT_TO_POINTER(-1));
	signal(SIGPIPE, SIG_IGN);

	hbd_cluster_start(cluster);
	ping = hbd_ping_new(cluster);
	/* media open, control socket listening: ready (Type=notify) */
	hb_notify("READY=1");
	g_main_loop_run(loop);
	hbd_ping_free(ping);

	hb_log(LOG_INFO, "hbd stopped.");
	hbd_rm_free(rm);
	hbd_control_free(ctl);
	hbd_cluster_free(cluster);
	hb_config_free(cfg);
	hb_haresources_free(rsc);
	g_main_loop_unref(loop);
	unlink(opts.pidfile);
	if (!forced_exit)	/* else the next start releases what is left */
		unlink(marker);
	hb_log_close();
	return 0;

free_keys:
	hb_authkeys_free(keys);
free_config:
	hb_config_free(cfg);
	hb_haresources_free(rsc);
	g_free(err);
	return rc;
}
