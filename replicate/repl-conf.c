/*
 * repl-conf.c - replicate.conf parser.  Pure and bounded: lines over 4096
 * bytes, unknown keywords, bad numbers and duplicate roots are errors
 * naming file and line.  Logs nothing.
 */
#include "config.h"

#include <string.h>
#include <stdlib.h>
#include <syslog.h>

#include "diag.h"
#include "hb_err.h"
#include "log.h"
#include "repl-conf.h"
#include "repl-path.h"

static gboolean
parse_num(const char *s, guint64 max, guint64 *out)
{
	char *end;
	guint64 v;

	if (!g_ascii_isdigit(s[0]))
		return FALSE;
	v = g_ascii_strtoull(s, &end, 10);
	if (*end || v > max)
		return FALSE;
	*out = v;
	return TRUE;
}

/* Split on blanks, dropping empty words (line is non-empty, stripped). */
static char **
split_words(const char *line)
{
	char **parts = g_strsplit_set(line, " \t", -1);
	GPtrArray *w = g_ptr_array_new();

	for (int i = 0; parts[i]; i++) {
		if (*parts[i])
			g_ptr_array_add(w, parts[i]);
		else
			g_free(parts[i]);
	}
	g_free(parts);
	g_ptr_array_add(w, NULL);
	return (char **)g_ptr_array_free(w, FALSE);
}

void
repl_conf_free(struct repl_conf *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nroots; i++) {
		g_free(c->root_name[i]);
		g_free(c->root_path[i]);
	}
	g_free(c->listen_addr);
	for (int i = 0; i < c->npeers; i++)
		g_free(c->peer_addrs[i]);
	g_free(c->keyfile);
	g_free(c->statedir);
	g_free(c->control);
	g_free(c->logfile);
	g_free(c);
}

int
repl_conf_parse(const char *text, size_t len, const char *fname,
		struct repl_conf **out, hb_diag *d)
{
	struct repl_conf *c = g_new0(struct repl_conf, 1);
	size_t pos = 0;
	int lineno = 0;
	gboolean err = FALSE;
	int barrier_line = 0;

#define ERR(ln, ...) (hb_diag_error(d, fname, (ln), __VA_ARGS__), err = TRUE)

	c->delta_threshold = 65536;
	c->journal = 250000;
	c->logfacility = LOG_DAEMON;
	c->listen_port = 7790;
	c->peer_port = 7790;
	c->statedir = g_strdup(HB_STATEDIR "/replicate");
	c->control = g_strdup(HB_RUNDIR "/replicate.sock");
	while (pos < len && !err) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		g_autofree char *line = NULL;
		g_auto(GStrv) w = NULL;
		guint nw;
		guint64 v;
		char *hash;

		lineno++;
		if (n > 4096) {
			ERR(lineno, "line too long");
			break;
		}
		line = g_strndup(text + pos, n);
		pos += n + 1;
		if (strlen(line) != n) {
			ERR(lineno, "NUL byte");
			break;
		}
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		g_strstrip(line);
		if (!*line)
			continue;
		w = split_words(line);
		nw = g_strv_length(w);
#define ARGS(k) if (nw != (k) + 1) { \
	ERR(lineno, "'%s' takes %d argument(s)", w[0], k); break; }
		if (!strcmp(w[0], "root")) {
			ARGS(2);
			if (c->nroots == REPL_MAX_ROOTS || !repl_path_valid(w[1],
			    strlen(w[1])) || strchr(w[1], '/') || w[2][0] != '/') {
				ERR(lineno, "bad root '%s' '%s' (name without "
				    "'/', absolute path, at most %d)", w[1], w[2],
				    REPL_MAX_ROOTS);
				break;
			}
			for (int i = 0; i < c->nroots; i++)
				if (!strcmp(c->root_name[i], w[1]))
					ERR(lineno, "duplicate root '%s'", w[1]);
			c->root_name[c->nroots] = g_strdup(w[1]);
			c->root_path[c->nroots++] = g_strdup(w[2]);
		} else if (!strcmp(w[0], "listen") || !strcmp(w[0], "peer")) {
			ARGS(2);
			if (!parse_num(w[2], 65535, &v) || v == 0) {
				ERR(lineno, "bad port '%s'", w[2]);
				break;
			}
			if (w[0][0] == 'l') {
				g_free(c->listen_addr);
				c->listen_addr = g_strdup(w[1]);
				c->listen_port = v;
			} else {
				for (int i = 0; i < c->npeers; i++)
					if (!strcmp(c->peer_addrs[i], w[1]) &&
					    c->peer_ports[i] == (int)v)
						ERR(lineno, "duplicate peer '%s %s'",
						    w[1], w[2]);
				if (err)
					break;
				if (c->npeers == REPL_MAX_PEERS) {
					ERR(lineno, "too many peers (at most %d)",
					    REPL_MAX_PEERS);
					break;
				}
				c->peer_addrs[c->npeers] = g_strdup(w[1]);
				c->peer_ports[c->npeers++] = v;
				c->peer_addr = c->peer_addrs[0];
				c->peer_port = c->peer_ports[0];
			}
		} else if (!strcmp(w[0], "barrier")) {
			ARGS(1);
			if (!strcmp(w[1], "all")) {
				c->barrier_need = 0;
			} else if (!strcmp(w[1], "one")) {
				c->barrier_need = 1;
			} else if (parse_num(w[1], REPL_MAX_PEERS, &v) && v > 0) {
				c->barrier_need = v;
			} else {
				ERR(lineno, "barrier must be all, one or a number "
				    "from 1 to %d, not '%s'", REPL_MAX_PEERS, w[1]);
				break;
			}
			barrier_line = lineno;
		} else if (!strcmp(w[0], "keyfile")) {
			ARGS(1);
			g_free(c->keyfile);
			c->keyfile = g_strdup(w[1]);
		} else if (!strcmp(w[0], "statedir")) {
			ARGS(1);
			g_free(c->statedir);
			c->statedir = g_strdup(w[1]);
		} else if (!strcmp(w[0], "control")) {
			ARGS(1);
			g_free(c->control);
			c->control = g_strdup(w[1]);
		} else if (!strcmp(w[0], "role")) {
			ARGS(1);
			if (strcmp(w[1], "source") && strcmp(w[1], "replica")) {
				ERR(lineno, "role must be source "
					"or replica, not '%s'", w[1]);
				break;
			}
			c->source = w[1][0] == 's';
		} else if (!strcmp(w[0], "mode")) {
			ARGS(1);
			if (strcmp(w[1], "sync") && strcmp(w[1], "async")) {
				ERR(lineno, "mode must be sync "
					"or async, not '%s'", w[1]);
				break;
			}
			c->async = w[1][0] == 'a';
		} else if (!strcmp(w[0], "delta_threshold")) {
			ARGS(1);
			if (!parse_num(w[1], G_GUINT64_CONSTANT(1) << 40, &v)) {
				ERR(lineno, "bad delta_threshold "
					"'%s'", w[1]);
				break;
			}
			c->delta_threshold = v;
		} else if (!strcmp(w[0], "journal")) {
			ARGS(1);
			if (!parse_num(w[1], 100000000, &v)) {
				ERR(lineno, "bad journal '%s' (paths, "
					"0 to 100000000)", w[1]);
				break;
			}
			c->journal = v;
		} else if (!strcmp(w[0], "logfile")) {
			ARGS(1);
			g_free(c->logfile);
			c->logfile = g_strdup(w[1]);
		} else if (!strcmp(w[0], "logfacility")) {
			int f;

			ARGS(1);
			/* daemon, local0..7 or none: where a mail server's
			 * daemons log */
			if (hb_log_facility_code(w[1], &f) < 0 || (f >= 0 &&
			    f != LOG_DAEMON && (f < LOG_LOCAL0 || f > LOG_LOCAL7))) {
				ERR(lineno, "unknown logfacility '%s'", w[1]);
				break;
			}
			c->logfacility = f;
		} else if (!strcmp(w[0], "debug")) {
			ARGS(1);
			if (!parse_num(w[1], 255, &v)) {
				ERR(lineno, "bad debug '%s'", w[1]);
				break;
			}
			c->debug = v;
		} else {
			ERR(lineno, "unknown keyword '%s'", w[0]);
		}
#undef ARGS
	}
	if (!err && c->nroots == 0)
		ERR(0, "no 'root' configured");
	if (!err && !c->keyfile)
		ERR(0, "no 'keyfile' configured");
	if (!err && !c->peer_addr && !c->listen_addr)
		ERR(0, "need 'peer' and/or 'listen'");
	if (!err && c->barrier_need > 1 && c->barrier_need > c->npeers)
		ERR(barrier_line, "barrier %d needs at least %d peers, %d "
		    "configured", c->barrier_need, c->barrier_need, c->npeers);
#undef ERR
	if (err) {
		repl_conf_free(c);
		return HB_ECONFIG;
	}
	*out = c;
	return 0;
}

gboolean
repl_barrier_met(int need, guint nin, guint nok)
{
	if (nin == 0)
		return FALSE;
	return need <= 0 ? nok >= nin : nok >= (guint)need;
}

char *
repl_conf_dump(const struct repl_conf *c)
{
	GString *s = g_string_new(NULL);

	for (int i = 0; i < c->nroots; i++)
		g_string_append_printf(s, "root %s %s\n", c->root_name[i],
				       c->root_path[i]);
	if (c->listen_addr)
		g_string_append_printf(s, "listen %s %d\n", c->listen_addr,
				       c->listen_port);
	for (int i = 0; i < c->npeers; i++)
		g_string_append_printf(s, "peer %s %d\n", c->peer_addrs[i],
				       c->peer_ports[i]);
	if (c->barrier_need == 0)
		g_string_append(s, "barrier all\n");
	else if (c->barrier_need == 1)
		g_string_append(s, "barrier one\n");
	else
		g_string_append_printf(s, "barrier %d\n", c->barrier_need);
	g_string_append_printf(s, "keyfile %s\n", c->keyfile);
	g_string_append_printf(s, "role %s\n", c->source ? "source" : "replica");
	g_string_append_printf(s, "statedir %s\n", c->statedir);
	g_string_append_printf(s, "control %s\n", c->control);
	g_string_append_printf(s, "delta_threshold %" G_GUINT64_FORMAT "\n",
			       c->delta_threshold);
	g_string_append_printf(s, "journal %u\n", c->journal);
	g_string_append_printf(s, "mode %s\n", c->async ? "async" : "sync");
	g_string_append_printf(s, "debug %d\n", c->debug);
	if (c->logfile)
		g_string_append_printf(s, "logfile %s\n", c->logfile);
	g_string_append_printf(s, "logfacility %s\n",
			       hb_log_facility_name(c->logfacility));
	return g_string_free(s, FALSE);
}
