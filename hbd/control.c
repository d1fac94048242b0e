/*
 * control.c - local control socket (see control.h).
 *
 * Clients are trusted local processes but their input is still bounded:
 * one line of at most 1024 bytes, 2 s to send it, at most 16 clients.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "control.h"
#include "log.h"

#define CTL_MAXLINE 1024
#define CTL_MAXCLIENTS 16
#define CTL_TIMEOUT_MS 2000

struct hbd_control {
	char *path;
	int fd;
	guint watch;
	hbd_cluster *c;
	hbd_control_fn hook;
	void *hook_ud;
	int nclients;
};

typedef struct ctl_client {
	hbd_control *ctl;
	int fd;
	guint watch, timer;
	GString *line;
} ctl_client;

static void
client_free(ctl_client *cl)
{
	if (cl->watch)
		g_source_remove(cl->watch);
	if (cl->timer)
		g_source_remove(cl->timer);
	close(cl->fd);
	g_string_free(cl->line, TRUE);
	cl->ctl->nclients--;
	g_free(cl);
}

static int
ctl_nodes(hbd_control *ctl, GString *out)
{
	guint i;

	for (i = 0; i < ctl->c->nodes->len; i++) {
		hbd_node *n = g_ptr_array_index(ctl->c->nodes, i);

		g_string_append_printf(out, "%s\t%s\t%s\n", n->name,
				       n->is_ping ? "ping" : "normal",
				       hbd_nstatus_name(n->status));
	}
	return 0;
}

static int
ctl_links(hbd_control *ctl, const char *node, GString *out)
{
	hbd_node *n = node ? hbd_cluster_find(ctl->c, node) : NULL;
	guint i;

	if (n == NULL)
		return 11;
	for (i = 0; i < n->links->len; i++) {
		hbd_link *l = g_ptr_array_index(n->links, i);
		gboolean up = n->is_self ? TRUE : l->up;

		g_string_append_printf(out, "%s\t%s\n", l->name,
				       up ? "up" : "dead");
	}
	return 0;
}

static int
ctl_fencing(hbd_control *ctl, GString *out)
{
	GList *l;

	for (l = ctl->c->fencing->head; l != NULL; l = l->next) {
		hbd_fence_rec *f = l->data;

		g_string_append_printf(out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s\n",
				       f->time_ms, f->from, f->node, f->result);
	}
	return 0;
}

static int
ctl_events(const char *count, GString *out)
{
	guint64 n = 20;
	g_autoptr(GPtrArray) a = NULL;
	guint i;

	if (count != NULL && (!g_ascii_string_to_unsigned(count, 10, 1,
		HB_LOG_KEEP_MAX, &n, NULL))) {
		g_string_append_printf(out, "events: count 1..%d\n",
				       HB_LOG_KEEP_MAX);
		return 11;
	}
	a = hb_log_recent((guint)n);
	for (i = 0; i < a->len; i++) {
		const hb_log_entry *e = g_ptr_array_index(a, i);

		g_string_append_printf(out, "%" G_GINT64_FORMAT "\t%s\t%s\n",
				       e->time_ms, hb_log_level_word(e->level),
				       e->text);
	}
	return 0;
}

static int
ctl_dispatch(hbd_control *ctl, char **argv, GString *out)
{
	hbd_counters *k = &ctl->c->cnt;
	int rc;

	if (argv[0] == NULL)
		return 11;
	if (strcmp(argv[0], "status") == 0) {
		g_string_append(out, "running\n");
		return 0;
	}
	if (strcmp(argv[0], "nodes") == 0)
		return ctl_nodes(ctl, out);
	if (strcmp(argv[0], "links") == 0)
		return ctl_links(ctl, argv[1], out);
	if (strcmp(argv[0], "localnode") == 0) {
		g_string_append_printf(out, "%s\n", ctl->c->self->name);
		return 0;
	}
	if (strcmp(argv[0], "fencing") == 0)
		return ctl_fencing(ctl, out);
	if (strcmp(argv[0], "events") == 0)
		return ctl_events(argv[1], out);
	if (strcmp(argv[0], "param") == 0) {
		const char *v = argv[1] ? g_hash_table_lookup(
			ctl->c->cfg->recorded, argv[1]) : NULL;

		if (v == NULL)
			return 1;
		g_string_append_printf(out, "%s\n", v);
		return 0;
	}
	if (strcmp(argv[0], "counters") == 0) {
		g_string_append_printf(out,
			"rx %" G_GUINT64_FORMAT "\naccepted %" G_GUINT64_FORMAT
			"\ndup %" G_GUINT64_FORMAT "\nbad_format %" G_GUINT64_FORMAT
			"\nbad_auth %" G_GUINT64_FORMAT "\nbad_node %" G_GUINT64_FORMAT
			"\nreplay %" G_GUINT64_FORMAT "\ntx %" G_GUINT64_FORMAT
			"\nrexmit_sent %" G_GUINT64_FORMAT "\nsend_ms %u"
			"\nloss_pct %.1f\n",
			k->rx, k->accepted, k->dup, k->bad_format, k->bad_auth,
			k->bad_node, k->replay, k->tx, k->rexmit_sent,
			ctl->c->send_ms, 100 * ctl->c->loss);
		return 0;
	}
	if (ctl->hook != NULL) {
		rc = ctl->hook(argv, out, ctl->hook_ud);
		if (rc >= 0)
			return rc;
	}
	g_string_append_printf(out, "unknown request [%s]\n", argv[0]);
	return 11;
}

static void
client_answer(ctl_client *cl)
{
	g_auto(GStrv) argv = NULL;
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(GString) reply = g_string_new(NULL);
	const char *p;
	size_t left;
	int rc;

	g_strstrip(cl->line->str);
	argv = g_strsplit_set(cl->line->str, " \t", 16);
	rc = ctl_dispatch(cl->ctl, argv, body);
	g_string_printf(reply, "%d\n%s", rc, body->str);
	/* Replies are small; a client that does not read is dropped. */
	p = reply->str;
	left = reply->len;
	while (left > 0) {
		ssize_t n = send(cl->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n <= 0)
			break;
		p += n;
		left -= n;
	}
}

static gboolean
client_readable_cb(int fd, GIOCondition cond, gpointer data)
{
	ctl_client *cl = data;
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	char *nl;

	if (n <= 0) {
		cl->watch = 0;
		client_free(cl);
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(cl->line, buf, n);
	nl = memchr(cl->line->str, '\n', cl->line->len);
	if (nl == NULL && cl->line->len < CTL_MAXLINE)
		return G_SOURCE_CONTINUE;
	if (nl != NULL)
		g_string_truncate(cl->line, nl - cl->line->str);
	if (cl->line->len >= CTL_MAXLINE)
		send(fd, "11\nrequest too long\n", 20, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		client_answer(cl);
	cl->watch = 0;
	client_free(cl);
	return G_SOURCE_REMOVE;
}

static gboolean
client_timeout_cb(gpointer data)
{
	ctl_client *cl = data;

	cl->timer = 0;
	client_free(cl);
	return G_SOURCE_REMOVE;
}

static gboolean
ctl_accept_cb(int fd, GIOCondition cond, gpointer data)
{
	hbd_control *ctl = data;
	ctl_client *cl;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	if (ctl->nclients >= CTL_MAXCLIENTS) {
		close(cfd);
		return G_SOURCE_CONTINUE;
	}
	cl = g_new0(ctl_client, 1);
	cl->ctl = ctl;
	cl->fd = cfd;
	cl->line = g_string_new(NULL);
	ctl->nclients++;
	cl->watch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP, client_readable_cb,
				  cl);
	cl->timer = g_timeout_add(CTL_TIMEOUT_MS, client_timeout_cb, cl);
	return G_SOURCE_CONTINUE;
}

int
hbd_control_new(const char *path, hbd_cluster *c, hbd_control **out,
		char **out_err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	hbd_control *ctl;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		*out_err = g_strdup_printf("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	g_mkdir_with_parents(dir, 0755);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 16) != 0) {
		int e = errno;

		*out_err = g_strdup_printf("control socket %s: %s", path,
					   g_strerror(e));
		close(fd);
		return -e;
	}
	chmod(path, 0660);
	ctl = g_new0(hbd_control, 1);
	ctl->path = g_strdup(path);
	ctl->fd = fd;
	ctl->c = c;
	ctl->watch = g_unix_fd_add(fd, G_IO_IN, ctl_accept_cb, ctl);
	*out = ctl;
	return 0;
}

void
hbd_control_set_hook(hbd_control *ctl, hbd_control_fn fn, void *ud)
{
	ctl->hook = fn;
	ctl->hook_ud = ud;
}

void
hbd_control_free(hbd_control *ctl)
{
	if (ctl == NULL)
		return;
	g_source_remove(ctl->watch);
	close(ctl->fd);
	unlink(ctl->path);
	g_free(ctl->path);
	g_free(ctl);
}
