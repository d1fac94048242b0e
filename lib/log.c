/*
 * log.c - logging to syslog, logfile and debugfile.
 *
 * Files are opened in append mode and kept open; a failed write is ignored
 * (logging must never stop the heartbeat).  They are reopened on
 * hb_log_reopen() (SIGHUP) and when the path no longer names the open
 * file (rotated by rename), checked before each write.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
static char *log_file_path;
static char *debug_file_path;
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
	g_free(log_file_path);
	g_free(debug_file_path);
	log_file_path = g_strdup(logfile);
	debug_file_path = g_strdup(debugfile);
	hb_log_reopen();
	log_facility = facility;
	if (facility >= 0)
		openlog(log_ident ? log_ident : "hbd", LOG_PID, facility);
	log_debug = debug;
	/* under systemd, stderr is the journal, which also gets syslog:
	 * one copy of each line is enough */
	log_stderr = to_stderr && !(facility >= 0 && getenv("JOURNAL_STREAM"));
}

/* Closes and (re)opens the files (at setup, after logrotate moved them);
 * syslog and the levels stay as they are.  A file that cannot be opened
 * is reported on stderr and dropped.  A debugfile equal to the logfile
 * is not opened twice. */
void
hb_log_reopen(void)
{
	if (log_file != NULL && log_file != debug_file)
		fclose(log_file);
	if (debug_file != NULL)
		fclose(debug_file);
	log_file = log_open(log_file_path);
	if (debug_file_path != NULL && log_file_path != NULL &&
	    strcmp(debug_file_path, log_file_path) == 0)
		debug_file = NULL;
	else
		debug_file = log_open(debug_file_path);
}

/* A file renamed or removed under us (logrotate without a signal, as
 * Heartbeat's own logrotate rule does) is reopened: checked before each
 * write (two stat calls, about a microsecond; hbd logs a few lines a
 * second, a debug flood a few thousand). */
static void
log_check_rotated(void)
{
	struct stat a, b;
	gboolean moved = FALSE;

	if (log_file != NULL && (fstat(fileno(log_file), &a) != 0 ||
	    stat(log_file_path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev))
		moved = TRUE;
	if (debug_file != NULL && (fstat(fileno(debug_file), &a) != 0 ||
	    stat(debug_file_path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev))
		moved = TRUE;
	if (moved)
		hb_log_reopen();
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

	log_check_rotated();
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

static const struct {
	const char *name;
	int code;
} log_facilities[] = {
	{ "none", -1 },
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON },
	{ "ftp", LOG_FTP }, { "kern", LOG_KERN }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL }, { "news", LOG_NEWS },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER },
	{ "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

int
hb_log_facility_code(const char *name, int *out_code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(log_facilities); i++) {
		if (strcmp(name, log_facilities[i].name) == 0) {
			*out_code = log_facilities[i].code;
			return 0;
		}
	}
	return -ENOENT;
}

const char *
hb_log_facility_name(int code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(log_facilities); i++)
		if (log_facilities[i].code == code)
			return log_facilities[i].name;
	return "none";
}
