/*
 * main.c - the stonith(8) tool: list STONITH types and parameters, check a
 * device, and reset/power a host, with cluster-glue's options.
 *
 * Exit codes are the S_* codes of stonith.h: 0 success, 1 usage or bad
 * parameters, 2 device unreachable, 3 operation unsupported, 4 host not
 * controlled by the device, 5 operation failed, 6 timed out, 8 unknown
 * type or internal error.  hbd runs "stonith -t TYPE {-p P|-F F} -T reset
 * NODE" as a child and takes over only on 0.
 *
 * Logs (stderr, and syslog facility daemon unless -s): err for every
 * failure with the plugin's reason; notice for each successful power
 * operation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "stonith.h"

#define MAIN_MAX_TIMEOUT_S 86400

static const char main_usage[] =
	"usage:\n"
	"  stonith [-svh] -L\n"
	"  stonith [-svh] -t TYPE -n\n"
	"  stonith [-svh] -t TYPE -m\n"
	"  stonith [-svh] -t TYPE {-p PARAMS | -F FILE | -E | name=value...}"
	" [-c count] [-w secs] -lS\n"
	"  stonith [-svh] -t TYPE {-p PARAMS | -F FILE | -E | name=value...}"
	" [-c count] [-w secs] -T {reset|on|off} NODE\n"
	"  -L list device types        -n list parameter names\n"
	"  -m parameter metadata (XML) -l list hosts of the device\n"
	"  -S device status            -T operation on NODE\n"
	"  -c try the operation up to count times\n"
	"  -w timeout of each plugin operation in seconds\n"
	"  -s silent  -v verbose  -h this help with the types\n";

static gboolean main_silent;

static void G_GNUC_PRINTF(1, 2)
main_err(const char *fmt, ...)
{
	va_list ap;
	g_autofree char *t = NULL;

	va_start(ap, fmt);
	t = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!main_silent)
		hb_log(LOG_ERR, "%s", t);
}

static int
main_usage_exit(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "stonith: %s\n", why);
	fputs(main_usage, stderr);
	return S_BADCONFIG;
}

/* Reads at most the parser's limit (+1 to detect more) from path. */
static int
main_read_file(const char *path, char **out, size_t *out_len)
{
	char *buf = g_malloc(STONITH_PARAMS_MAX_LEN + 1);
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		g_free(buf);
		return -errno;
	}
	while (len < STONITH_PARAMS_MAX_LEN + 1 &&
	       (n = read(fd, buf + len, STONITH_PARAMS_MAX_LEN + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			g_free(buf);
			return (int)n;
		}
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	*out_len = len;
	return 0;
}

static void
main_merge(GHashTable *into, GHashTable *from)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, from);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_replace(into, g_strdup(k), g_strdup(v));
}

static void
main_print_meta(stonith_dev *d, GPtrArray *names)
{
	const stonith_param_spec *p;
	size_t i;

	if (d->script != NULL) {
		g_autofree char *xml = NULL;
		char *argv[] = { d->script, "getinfo-xml", NULL };
		int status;

		if (stonith_run(argv, NULL, d->timeout_ms, &xml,
				&status) == 0 && status == 0 && xml != NULL) {
			fputs(xml, stdout);
			return;
		}
	}
	printf("<parameters>\n");
	for (i = 0; i < names->len; i++) {
		const char *help = "";
		gboolean req = FALSE;

		for (p = d->ops->params; p != NULL && p->name != NULL; p++)
			if (strcmp(p->name, names->pdata[i]) == 0) {
				help = p->help;
				req = p->required;
			}
		printf("<parameter name=\"%s\" required=\"%d\">\n"
		       "<content type=\"string\" />\n"
		       "<shortdesc lang=\"en\">%s</shortdesc>\n"
		       "</parameter>\n", (char *)names->pdata[i], req, help);
	}
	printf("</parameters>\n");
}

static void
main_help(void)
{
	g_autoptr(GPtrArray) types = stonith_types();
	size_t i;

	fputs(main_usage, stdout);
	printf("\ntypes:\n");
	for (i = 0; i < types->len; i++) {
		g_autofree char *err = NULL;
		stonith_dev *d = stonith_dev_new(types->pdata[i], &err);

		printf("  %-24s %s\n", (char *)types->pdata[i],
		       d ? d->ops->descr : "");
		stonith_dev_free(d);
	}
}

int
main(int argc, char **argv)
{
	const char *type = NULL, *pstr = NULL, *pfile = NULL, *op_name = NULL;
	gboolean list_types = FALSE, list_names = FALSE, meta = FALSE;
	gboolean list_hosts = FALSE, status = FALSE, from_env = FALSE;
	gboolean verbose = FALSE;
	long count = 1, wait_s = 0;
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GHashTable) params = NULL;
	g_autofree char *err = NULL;
	stonith_dev *d;
	enum stonith_op op = STONITH_RESET;
	const char *node = NULL;
	int c, rc, i, sources = 0;
	char *end;

	hb_log_init("stonith");
	while ((c = getopt(argc, argv, "LnmlSEsvht:p:F:T:c:w:")) != -1) {
		switch (c) {
		case 'L': list_types = TRUE; break;
		case 'n': list_names = TRUE; break;
		case 'm': meta = TRUE; break;
		case 'l': list_hosts = TRUE; break;
		case 'S': status = TRUE; break;
		case 'E': from_env = TRUE; sources++; break;
		case 's': main_silent = TRUE; break;
		case 'v': verbose = TRUE; break;
		case 'h': main_help(); return S_OK;
		case 't': type = optarg; break;
		case 'p': pstr = optarg; sources++; break;
		case 'F': pfile = optarg; sources++; break;
		case 'T': op_name = optarg; break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end != '\0' || count < 1 || count > 100)
				return main_usage_exit("-c wants 1..100");
			break;
		case 'w':
			wait_s = strtol(optarg, &end, 10);
			if (*end != '\0' || wait_s < 1 ||
			    wait_s > MAIN_MAX_TIMEOUT_S)
				return main_usage_exit("-w wants 1..86400 "
						       "seconds");
			break;
		default:
			return main_usage_exit(NULL);
		}
	}
	hb_log_setup(NULL, NULL, main_silent ? -1 : LOG_DAEMON,
		     verbose ? 1 : 0, !main_silent);

	if (list_types) {
		g_autoptr(GPtrArray) types = stonith_types();
		size_t k;

		for (k = 0; k < types->len; k++)
			printf("%s\n", (char *)types->pdata[k]);
		return S_OK;
	}
	if (type == NULL)
		return main_usage_exit("no device type (-t)");
	if (op_name != NULL) {
		if (strcmp(op_name, "reset") == 0)
			op = STONITH_RESET;
		else if (strcmp(op_name, "on") == 0)
			op = STONITH_ON;
		else if (strcmp(op_name, "off") == 0)
			op = STONITH_OFF;
		else {
			fprintf(stderr, "stonith: bad reset type [%s]\n",
				op_name);
			return main_usage_exit(NULL);
		}
		if (optind >= argc)
			return main_usage_exit("-T needs a node name");
		node = argv[argc - 1];
		argc--;
	}
	d = stonith_dev_new(type, &err);
	if (d == NULL) {
		main_err("%s", err);
		return S_OOPS;
	}
	if (wait_s > 0)
		d->timeout_ms = (unsigned)wait_s * 1000;
	rc = stonith_dev_param_names(d, &names);
	if (rc != S_OK) {
		main_err("%s: cannot get parameter names: %s", type,
			 d->err ? d->err : stonith_rc_text(rc));
		goto out;
	}
	if (list_names) {
		size_t k;

		for (k = 0; k < names->len; k++)
			printf("%s  ", (char *)names->pdata[k]);
		printf("\n");
		rc = S_OK;
		goto out;
	}
	if (meta) {
		main_print_meta(d, names);
		rc = S_OK;
		goto out;
	}
	if (!list_hosts && !status && node == NULL) {
		rc = main_usage_exit("nothing to do: give -l, -S or -T");
		goto out;
	}
	if (optind < argc)
		sources++;
	if (sources != 1) {
		rc = main_usage_exit(sources ? "give only one of -p, -F, -E "
				     "or name=value arguments" :
				     "must specify either -p option, -F "
				     "option, -E option, or name=value style "
				     "arguments");
		goto out;
	}
	params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				       g_free);
	{
		const char *const *nv = (const char *const *)names->pdata;
		g_autoptr(GHashTable) t = NULL;
		g_autofree char *perr = NULL;

		if (pstr != NULL) {
			if (stonith_params_parse(pstr, strlen(pstr),
						 STONITH_PARAMS_STRING, nv,
						 names->len, &t, &perr) != 0) {
				main_err("invalid STONITH -p parameter "
					 "\"%s\": %s", pstr, perr);
				rc = S_BADCONFIG;
				goto out;
			}
			main_merge(params, t);
		} else if (pfile != NULL) {
			g_autofree char *buf = NULL;
			size_t len = 0;
			int r = main_read_file(pfile, &buf, &len);

			if (r != 0) {
				main_err("cannot read %s: %s", pfile,
					 g_strerror(-r));
				rc = S_BADCONFIG;
				goto out;
			}
			if (stonith_params_parse(buf, len,
						 STONITH_PARAMS_FILE, nv,
						 names->len, &t, &perr) != 0) {
				main_err("%s: %s", pfile, perr);
				rc = S_BADCONFIG;
				goto out;
			}
			main_merge(params, t);
		} else if (from_env) {
			size_t k;

			for (k = 0; k < names->len; k++) {
				const char *v = g_getenv(names->pdata[k]);

				if (v != NULL)
					g_hash_table_replace(params,
						g_strdup(names->pdata[k]),
						g_strdup(v));
			}
		} else {
			/* name=value arguments: the value is the whole rest */
			for (i = optind; i < argc; i++) {
				const char *eq = strchr(argv[i], '=');
				size_t k;

				for (k = 0; eq != NULL && k < names->len; k++)
					if (strlen(names->pdata[k]) ==
					    (size_t)(eq - argv[i]) &&
					    strncmp(names->pdata[k], argv[i],
						    eq - argv[i]) == 0)
						break;
				if (eq == NULL || k == names->len) {
					main_err("\"%s\" is not NAME=VALUE "
						 "with a parameter name of "
						 "%s", argv[i], type);
					rc = S_BADCONFIG;
					goto out;
				}
				g_hash_table_replace(params,
						     g_strdup(names->pdata[k]),
						     g_strdup(eq + 1));
			}
		}
	}
	rc = stonith_dev_configure(d, g_steal_pointer(&params));
	if (rc != S_OK) {
		main_err("invalid config for %s device: %s", type,
			 d->err ? d->err : stonith_rc_text(rc));
		goto out;
	}
	if (status) {
		rc = stonith_dev_status(d);
		if (rc != S_OK) {
			main_err("%s device status: %s: %s", type,
				 stonith_rc_text(rc), d->err ? d->err : "");
			goto out;
		}
		hb_debug("%s device is OK", type);
	}
	if (list_hosts) {
		g_autoptr(GPtrArray) hosts = NULL;
		size_t k;

		rc = stonith_dev_hosts(d, &hosts);
		if (rc != S_OK) {
			main_err("%s: cannot list hosts: %s: %s", type,
				 stonith_rc_text(rc), d->err ? d->err : "");
			goto out;
		}
		for (k = 0; k < hosts->len; k++)
			printf("%s\n", (char *)hosts->pdata[k]);
		fflush(stdout);
	}
	if (node != NULL) {
		long attempt;

		for (attempt = 1; attempt <= count; attempt++) {
			rc = stonith_dev_op(d, op, node);
			if (rc == S_OK || rc == S_BADHOST || rc == S_INVAL ||
			    rc == S_BADCONFIG)
				break;
			main_err("%s of %s with %s failed (attempt %ld of "
				 "%ld): %s: %s", stonith_op_name(op), node,
				 type, attempt, count, stonith_rc_text(rc),
				 d->err ? d->err : "");
		}
		if (rc == S_OK) {
			if (!main_silent)
				hb_log(LOG_NOTICE, "%s %s with %s: success",
				       stonith_op_name(op), node, type);
		} else if (attempt <= count) {
			main_err("%s of %s with %s failed: %s: %s",
				 stonith_op_name(op), node, type,
				 stonith_rc_text(rc), d->err ? d->err : "");
		}
	}
out:
	stonith_dev_free(d);
	return rc;
}
