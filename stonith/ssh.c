/*
 * ssh.c - the "ssh" STONITH plugin: reboots a host by running a command
 * on it over ssh (key-based, never a password prompt), then checks that
 * the host really went away.
 *
 * Parameters: hostlist (required), and optionally user (root), port (22),
 * ssh_options (extra ssh arguments, shell-quoted), reboot_command (run on
 * the host; default an immediate "reboot -nf" in the background) and
 * down_wait (seconds to wait for the host's sshd to stop answering,
 * default 15).  Success needs both: the command was delivered (ssh exit 0,
 * or 255 when the connection died under it) and then "ssh HOST true"
 * fails (exit 255: refused, unreachable, no TCP answer in 2 s, or no
 * answer to ssh keepalives for 2 s) within down_wait.  A probe that gets
 * no result at all in 10 s does not count as down.  "on" and "off" are not possible
 * over ssh (S_INVAL).  status: "ssh HOST true" works on every host.
 * Host names go to ssh as they are, so ssh_config aliases apply.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugins.h"

#define SSH_DEFAULT_REBOOT \
	"(sleep 1; /sbin/reboot -nf) </dev/null >/dev/null 2>&1 &"
#define SSH_PROBE_MS 10000
#define SSH_PROBE_CONNECT_S 2
#define SSH_POLL_MS 250

static const stonith_param_spec ssh_params[] = {
	{ "hostlist", TRUE, "hosts to reboot (blank or comma separated)" },
	{ "user", FALSE, "remote user (default root)" },
	{ "port", FALSE, "sshd port (default 22)" },
	{ "ssh_options", FALSE, "extra ssh arguments, e.g. \"-i KEY\"" },
	{ "reboot_command", FALSE, "command run on the host" },
	{ "down_wait", FALSE, "seconds for the host to go away (15)" },
	{ NULL, FALSE, NULL },
};

static int
ssh_port(stonith_dev *d)
{
	const char *p = stonith_dev_get(d, "port");

	return p ? atoi(p) : 22;
}

static int
ssh_check(stonith_dev *d)
{
	const char *p = stonith_dev_get(d, "port");
	const char *w = stonith_dev_get(d, "down_wait");
	const char *o = stonith_dev_get(d, "ssh_options");
	g_auto(GStrv) argv = NULL;
	char *end;
	long v;

	if (p != NULL) {
		v = strtol(p, &end, 10);
		if (*end != '\0' || v < 1 || v > 65535) {
			stonith_dev_set_err(d, "ssh: bad port \"%s\"", p);
			return S_BADCONFIG;
		}
	}
	if (w != NULL) {
		v = strtol(w, &end, 10);
		if (*end != '\0' || v < 1 || v > 3600) {
			stonith_dev_set_err(d, "ssh: bad down_wait \"%s\" "
					    "(1..3600 s)", w);
			return S_BADCONFIG;
		}
	}
	if (o != NULL && !g_shell_parse_argv(o, NULL, &argv, NULL)) {
		stonith_dev_set_err(d, "ssh: cannot parse ssh_options \"%s\"",
				    o);
		return S_BADCONFIG;
	}
	return S_OK;
}

static int
ssh_hosts(stonith_dev *d, GPtrArray *out)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++)
		g_ptr_array_add(out, g_strdup(h->pdata[i]));
	return S_OK;
}

/* "ssh [options] -- HOST COMMAND" (owned, NULL-terminated). */
static GPtrArray *
ssh_argv(stonith_dev *d, const char *host, const char *command,
	 int connect_s)
{
	const char *user = stonith_dev_get(d, "user");
	const char *opts = stonith_dev_get(d, "ssh_options");
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) extra = NULL;
	int i;

	g_ptr_array_add(argv, g_strdup("ssh"));
	g_ptr_array_add(argv, g_strdup("-q"));
	g_ptr_array_add(argv, g_strdup("-x"));
	g_ptr_array_add(argv, g_strdup("-n"));
	g_ptr_array_add(argv, g_strdup("-oBatchMode=yes"));
	g_ptr_array_add(argv, g_strdup("-oPasswordAuthentication=no"));
	g_ptr_array_add(argv, g_strdup("-oStrictHostKeyChecking=no"));
	g_ptr_array_add(argv, g_strdup_printf("-oConnectTimeout=%d",
					      connect_s));
	/* a session whose host vanished ends with 255 too */
	g_ptr_array_add(argv, g_strdup("-oServerAliveInterval=1"));
	g_ptr_array_add(argv, g_strdup("-oServerAliveCountMax=2"));
	g_ptr_array_add(argv, g_strdup_printf("-p%d", ssh_port(d)));
	g_ptr_array_add(argv, g_strdup_printf("-l%s", user ? user : "root"));
	if (opts != NULL && g_shell_parse_argv(opts, NULL, &extra, NULL))
		for (i = 0; extra[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, g_strdup("--"));
	g_ptr_array_add(argv, g_strdup(host));
	g_ptr_array_add(argv, g_strdup(command));
	g_ptr_array_add(argv, NULL);
	return argv;
}

/*
 * Runs "ssh HOST true": 1 when it works, 0 when ssh itself fails (255:
 * connection refused, unreachable, reset, ConnectTimeout, or keepalives
 * unanswered), -1 when the answer is unknown (no result in timeout_ms, or
 * another exit code).  Only 0 counts as "host down".
 */
static int
ssh_probe(stonith_dev *d, const char *host, unsigned timeout_ms)
{
	g_autoptr(GPtrArray) argv = NULL;
	int status, rc;
	gint64 t0 = g_get_monotonic_time();

	argv = ssh_argv(d, host, "true", SSH_PROBE_CONNECT_S);
	rc = stonith_run((char **)argv->pdata, NULL, timeout_ms, NULL,
			 &status);
	hb_debug("%s: ssh %s true: rc %d, exit %d, %u/%u ms", __func__, host,
		 rc, rc == 0 ? status : -1,
		 (unsigned)((g_get_monotonic_time() - t0) / 1000), timeout_ms);
	if (rc != 0)
		return -1;
	return status == 0 ? 1 : status == 255 ? 0 : -1;
}

static int
ssh_status(stonith_dev *d)
{
	g_autoptr(GPtrArray) h = stonith_split_hosts(stonith_dev_get(d,
								     "hostlist"));
	size_t i;

	for (i = 0; i < h->len; i++)
		if (ssh_probe(d, h->pdata[i], MIN(d->timeout_ms,
						  SSH_PROBE_MS)) != 1) {
			stonith_dev_set_err(d, "ssh: cannot run a command "
					    "on %s", (char *)h->pdata[i]);
			return S_ACCESS;
		}
	return S_OK;
}

static int
ssh_op(stonith_dev *d, enum stonith_op op, const char *host)
{
	const char *cmd = stonith_dev_get(d, "reboot_command");
	const char *w = stonith_dev_get(d, "down_wait");
	g_autoptr(GPtrArray) argv = NULL;
	gint64 end, now;
	int rc, status;

	if (op != STONITH_RESET) {
		stonith_dev_set_err(d, "ssh: cannot power %s over ssh",
				    stonith_op_name(op));
		return S_INVAL;
	}
	end = g_get_monotonic_time() + (gint64)d->timeout_ms * 1000;
	argv = ssh_argv(d, host, cmd ? cmd : SSH_DEFAULT_REBOOT, 5);
	rc = stonith_run((char **)argv->pdata, NULL, d->timeout_ms, NULL,
			 &status);
	if (rc == -ETIMEDOUT) {
		stonith_dev_set_err(d, "ssh %s: no answer in %u ms", host,
				    d->timeout_ms);
		return S_TIMEOUT;
	}
	if (rc != 0) {
		stonith_dev_set_err(d, "cannot run ssh: %s", g_strerror(-rc));
		return S_OOPS;
	}
	if (status != 0 && status != 255) {
		stonith_dev_set_err(d, "ssh %s: the reboot command exited "
				    "with %d", host, status);
		return S_RESETFAIL;
	}
	/* 255 is also "could not log in": the down check decides */
	now = g_get_monotonic_time();
	end = MIN(end, now + (gint64)(w ? atoi(w) : 15) * G_USEC_PER_SEC);
	for (;;) {
		gint64 left = (end - g_get_monotonic_time()) / 1000;

		if (left <= 0)
			break;
		if (ssh_probe(d, host, (unsigned)MIN(left, SSH_PROBE_MS)) == 0)
			return S_OK;
		g_usleep(SSH_POLL_MS * 1000);
	}
	stonith_dev_set_err(d, "ssh %s: %s, but the host still runs "
			    "commands", host, status == 255 ?
			    "ssh failed (exit 255)" : "the reboot command ran");
	return S_RESETFAIL;
}

const stonith_ops stonith_ssh_ops = {
	.name = "ssh",
	.descr = "reboots hosts over ssh and checks they went down",
	.default_timeout_ms = 60000,
	.params = ssh_params,
	.check = ssh_check,
	.hosts = ssh_hosts,
	.status = ssh_status,
	.op = ssh_op,
};
