/*
 * cl_status.c - Heartbeat's cl_status, answered by hbd's control socket.
 *
 * Same sub-commands, words and exit codes as Heartbeat 3.0.6's cl_status:
 * 0 ok, 1 failure (node down, daemon stopped), 11 parameter error.
 * The socket is $HBD_CONTROL, else the compiled-in default.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ctlclient.h"

#define RC_OK 0
#define RC_FAIL 1
#define RC_PARAM 11
#define RC_UNKNOWN 13

static gboolean human;

static int
stopped(void)
{
	fprintf(stderr, "Heartbeat is stopped on this machine.\n");
	return RC_FAIL;
}

typedef struct node_row {
	char *name, *type, *status;
} node_row;

/* Fills rows from "nodes"; returns count or -1. */
static int
get_nodes(node_row **out_rows, char **out_buf)
{
	char *data = NULL;
	int rc = hbd_ctl_ask("nodes", &data), count = 0;
	char **lines, **l;
	node_row *rows;

	if (rc < 0)
		return -1;
	lines = g_strsplit(data, "\n", -1);
	rows = g_new0(node_row, g_strv_length(lines) + 1);
	for (l = lines; *l; l++) {
		char **f = g_strsplit(*l, "\t", 3);

		if (g_strv_length(f) == 3) {
			rows[count].name = g_strdup(f[0]);
			rows[count].type = g_strdup(f[1]);
			rows[count].status = g_strdup(f[2]);
			count++;
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	*out_rows = rows;
	*out_buf = data;
	return count;
}

static node_row *
find_node(node_row *rows, int count, const char *name)
{
	int i;

	for (i = 0; i < count; i++)
		if (g_ascii_strcasecmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
		"Usage: cl_status <sub-command> [<options>] [<parameters>]\n"
		"Sub-commands:\n"
		"  hbstatus [-v]                 is heartbeat running here\n"
		"  listnodes [-n|-p]             list the cluster nodes\n"
		"  nodestatus <node>             status of a node\n"
		"  nodetype <node>               type of a node (normal|ping)\n"
		"  nodeweight <node>             weight of a node\n"
		"  nodesite <node>               site of a node\n"
		"  listhblinks [-v] <node>       heartbeat links of a node\n"
		"  hblinkstatus <node> <link>    status of a link\n"
		"  clientstatus <node> <client>  status of a client\n"
		"  rscstatus                     resources held by this node\n"
		"  hbparameter -p <name>         a parameter's value\n"
		"Options: -m human readable output\n");
}

/* What a command allocated; freed by main after it. */
static node_row *rows;
static char *buf, *data;
static char **args;

static int
cl_status(int argc, char **argv)
{
	const char *cmd;
	gboolean verbose = FALSE, only_normal = FALSE, only_ping = FALSE;
	char *param = NULL;
	int nargs = 0, i, count, rc;
	node_row *n;

	if (argc < 2) {
		usage();
		return RC_PARAM;
	}
	cmd = argv[1];
	args = g_new0(char *, argc);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-m") == 0)
			human = TRUE;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = TRUE;
		else if (strcmp(argv[i], "-n") == 0)
			only_normal = TRUE;
		else if (strcmp(argv[i], "-p") == 0 &&
			 strcmp(cmd, "hbparameter") == 0 && i + 1 < argc)
			param = argv[++i];
		else if (strcmp(argv[i], "-p") == 0)
			only_ping = TRUE;
		else if (argv[i][0] == '-') {
			usage();
			return RC_PARAM;
		} else
			args[nargs++] = argv[i];
	}

	if (strcmp(cmd, "hbstatus") == 0) {
		if (hbd_ctl_ask("status", &data) < 0)
			return stopped();
		printf("Heartbeat is running on this machine.\n");
		if (verbose && (count = get_nodes(&rows, &buf)) >= 0) {
			printf("version:\thbd %s (Heartbeat 3.0.6 compatible)\n",
			       PACKAGE_VERSION);
			printf("managed by:\t\"haresources\"\n");
			for (i = 0; i < count; i++) {
				char *links = NULL;
				g_autofree char *q = g_strdup_printf("links %s",
								     rows[i].name);

				printf("\n%s\t%s\t(nodetype: %s)\n", rows[i].name,
				       rows[i].status, rows[i].type);
				if (hbd_ctl_ask(q, &links) == 0) {
					char **ls = g_strsplit(links, "\n", -1), **l;

					for (l = ls; *l; l++)
						if (**l)
							printf("\t%s\n", *l);
					g_strfreev(ls);
				}
				g_free(links);
			}
		}
		return RC_OK;
	}
	if (strcmp(cmd, "listnodes") == 0) {
		if ((count = get_nodes(&rows, &buf)) < 0)
			return stopped();
		if (human)
			printf("The nodes in the cluster are:\n");
		for (i = 0; i < count; i++) {
			gboolean ping = strcmp(rows[i].type, "ping") == 0;

			if ((only_normal && ping) || (only_ping && !ping))
				continue;
			printf("%s\n", rows[i].name);
		}
		return RC_OK;
	}
	if (strcmp(cmd, "nodestatus") == 0 || strcmp(cmd, "nodetype") == 0 ||
	    strcmp(cmd, "nodeweight") == 0 || strcmp(cmd, "nodesite") == 0) {
		if (nargs != 1) {
			usage();
			return RC_PARAM;
		}
		if ((count = get_nodes(&rows, &buf)) < 0)
			return stopped();
		n = find_node(rows, count, args[0]);
		if (n == NULL) {
			fprintf(stderr, "Error. May be due to incorrect node name\n");
			return RC_PARAM;
		}
		if (strcmp(cmd, "nodetype") == 0) {
			if (human)
				printf("The type of cluster node %s is %s\n",
				       n->name, n->type);
			else
				printf("%s\n", n->type);
			return RC_OK;
		}
		if (strcmp(cmd, "nodeweight") == 0) {
			printf("100\n");
			return RC_OK;
		}
		if (strcmp(cmd, "nodesite") == 0) {
			printf("\n");
			return RC_OK;
		}
		if (human)
			printf("The cluster node %s is %s\n", n->name, n->status);
		else
			printf("%s\n", n->status);
		return strcmp(n->status, "active") == 0 ||
			strcmp(n->status, "up") == 0 ||
			strcmp(n->status, "ping") == 0 ? RC_OK : RC_FAIL;
	}
	if (strcmp(cmd, "listhblinks") == 0 || strcmp(cmd, "hblinkstatus") == 0) {
		gboolean one = strcmp(cmd, "hblinkstatus") == 0;
		char **ls, **l;
		g_autofree char *q = NULL;

		if (nargs != (one ? 2 : 1)) {
			usage();
			return RC_PARAM;
		}
		q = g_strdup_printf("links %s", args[0]);
		rc = hbd_ctl_ask(q, &data);
		if (rc < 0)
			return stopped();
		if (rc != 0) {
			fprintf(stderr, "Error. May be due to incorrect node name\n");
			return RC_PARAM;
		}
		ls = g_strsplit(data, "\n", -1);
		rc = one ? RC_PARAM : RC_OK;
		if (!one && human)
			printf("Heartbeat links of node %s:\n", args[0]);
		for (l = ls; *l; l++) {
			char **f = g_strsplit(*l, "\t", 2);

			if (g_strv_length(f) == 2) {
				if (!one) {
					printf("\t%s%s%s\n", f[0],
					       verbose ? "\t" : "",
					       verbose ? f[1] : "");
				} else if (strcmp(f[0], args[1]) == 0) {
					if (human)
						printf("The link %s of node %s is %s\n",
						       f[0], args[0], f[1]);
					else
						printf("%s\n", f[1]);
					rc = strcmp(f[1], "up") == 0 ? RC_OK : RC_FAIL;
				}
			}
			g_strfreev(f);
		}
		g_strfreev(ls);
		if (rc == RC_PARAM)
			fprintf(stderr, "Error. May be due to incorrect link name\n");
		return rc;
	}
	if (strcmp(cmd, "clientstatus") == 0) {
		if (nargs < 2) {
			usage();
			return RC_PARAM;
		}
		if (hbd_ctl_ask("status", &data) < 0)
			return stopped();
		/* hbd has no API clients; report them offline. */
		printf("offline\n");
		return RC_FAIL;
	}
	if (strcmp(cmd, "rscstatus") == 0) {
		rc = hbd_ctl_ask("rscstatus", &data);
		if (rc < 0)
			return stopped();
		g_strchomp(data);
		if (human) {
			if (strcmp(data, "transition") == 0)
				printf("This node is in transition.\n");
			else
				printf("This node is holding %s resources.\n", data);
		} else {
			printf("%s\n", data);
		}
		return rc == 0 ? RC_OK : RC_FAIL;
	}
	if (strcmp(cmd, "hbparameter") == 0) {
		g_autofree char *q = NULL;

		if (param == NULL) {
			usage();
			return RC_PARAM;
		}
		q = g_strdup_printf("param %s", param);
		rc = hbd_ctl_ask(q, &data);
		if (rc < 0)
			return stopped();
		if (rc != 0)
			return RC_FAIL;
		printf("%s", data);
		return RC_OK;
	}
	usage();
	return RC_PARAM;
}

int
main(int argc, char **argv)
{
	int rc = cl_status(argc, argv);
	node_row *r;

	for (r = rows; r != NULL && r->name != NULL; r++) {
		g_free(r->name);
		g_free(r->type);
		g_free(r->status);
	}
	g_free(rows);
	g_free(buf);
	g_free(data);
	g_free(args);
	return rc;
}
