/*
 * log.c - logging to syslog, logfile and debugfile.
 *
 * Files are opened in append mode per write batch and kept open; a failed
 * write is ignored (logging must never stop the heartbeat).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char *log_ident;
static FILE *log_file;
static FILE *debug_file;
static int log_facility = -1;
static int log_debug;
static gboolean log_stderr = TRUE;
static char log_host[64];
static hb_log_entry *log_ring;	/* log_keep entries, log_next is the oldest */
static guint log_keep, log_next, log_count;

void
hb_log_init(const char *ident)
{
	g_free(log_ident);
	log_ident = g_strdup(ident);
	if (gethostname(log_host, sizeof(log_host) - 1) != 0)
		strcpy(log_host, "localhost");
}

void
hb_log_close(void)
{
	if (log_file != NULL && log_file != debug_file)
		fclose(log_file);
	if (debug_file != NULL)
		fclose(debug_file);
	log_file = debug_file = NULL;
	if (log_facility >= 0)
		closelog();
	log_facility = -1;
}

static FILE *
log_open(const char *path)
{
	FILE *f;

	if (path == NULL || strcmp(path, "/dev/null") == 0)
		return NULL;
	f = fopen(path, "a");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot open log file %s: %s\n",
			log_ident ? log_ident : "hbd", path, g_strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

void
hb_log_setup(const char *logfile, const char *debugfile, int facility,
	     int debug, gboolean to_stderr)
{
	hb_log_close();
	log_file = log_open(logfile);
	if (debugfile != NULL && logfile != NULL &&
	    strcmp(debugfile, logfile) == 0)
		debug_file = NULL;
	else
		debug_file = log_open(debugfile);
	log_facility = facility;
	if (facility >= 0)
		openlog(log_ident ? log_ident : "hbd", LOG_PID, facility);
	log_debug = debug;
	log_stderr = to_stderr;
}

void
hb_log_set_debug(int level)
{
	log_debug = level;
}

int
hb_log_debug_level(void)
{
	return log_debug;
}

void
hb_log_keep(guint n)
{
	guint i;

	for (i = 0; i < log_count; i++)
		g_free(log_ring[(log_next + i) % log_keep].text);
	g_clear_pointer(&log_ring, g_free);
	log_keep = MIN(n, HB_LOG_KEEP_MAX);
	log_next = log_count = 0;
	if (log_keep > 0)
		log_ring = g_new0(hb_log_entry, log_keep);
}

static void
log_remember(int level, const struct timeval *tv, const char *text)
{
	hb_log_entry *e;
	guint slot;
	char *p;

	if (log_keep == 0 || level == LOG_DEBUG)
		return;
	if (log_count < log_keep) {
		slot = (log_next + log_count) % log_keep;
		log_count++;
	} else {
		slot = log_next;
		log_next = (log_next + 1) % log_keep;
	}
	e = &log_ring[slot];
	g_free(e->text);
	e->text = g_strdup(text);
	for (p = e->text; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	e->level = level;
	e->time_ms = (gint64)tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

GPtrArray *
hb_log_recent(guint max)
{
	GPtrArray *a = g_ptr_array_new();
	guint n = MIN(max, log_count), i;

	for (i = log_count - n; i < log_count; i++)
		g_ptr_array_add(a, &log_ring[(log_next + i) % log_keep]);
	return a;
}

const char *
hb_log_level_word(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "CRIT";
	case LOG_ERR:
		return "ERROR";
	case LOG_WARNING:
		return "WARN";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void
hb_log(int level, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *text = NULL;
	char stamp[64];
	struct timeval tv;
	struct tm tm;

	if (level == LOG_DEBUG && log_debug <= 0)
		return;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);

	log_remember(level, &tv, text);
	if (log_facility >= 0 && level != LOG_DEBUG)
		syslog(level, "%s: %s", hb_log_level_word(level), text);
	if (log_file != NULL && level != LOG_DEBUG)
		fprintf(log_file, "%s.%03ld %s %s: [%d]: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000, log_host,
			log_ident ? log_ident : "hbd", (int)getpid(),
			hb_log_level_word(level), text);
	if (debug_file != NULL)
		fprintf(debug_file, "%s.%03ld %s %s: [%d]: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000, log_host,
			log_ident ? log_ident : "hbd", (int)getpid(),
			hb_log_level_word(level), text);
	if (log_stderr && (level != LOG_DEBUG || log_debug > 0))
		fprintf(stderr, "%s.%03ld %s: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000,
			log_ident ? log_ident : "hbd", hb_log_level_word(level), text);
}
