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

static const char *
level_word(int level)
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

	if (log_facility >= 0 && level != LOG_DEBUG)
		syslog(level, "%s: %s", level_word(level), text);
	if (log_file != NULL && level != LOG_DEBUG)
		fprintf(log_file, "%s.%03ld %s %s: [%d]: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000, log_host,
			log_ident ? log_ident : "hbd", (int)getpid(),
			level_word(level), text);
	if (debug_file != NULL)
		fprintf(debug_file, "%s.%03ld %s %s: [%d]: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000, log_host,
			log_ident ? log_ident : "hbd", (int)getpid(),
			level_word(level), text);
	if (log_stderr && (level != LOG_DEBUG || log_debug > 0))
		fprintf(stderr, "%s.%03ld %s: %s: %s\n", stamp,
			(long)tv.tv_usec / 1000,
			log_ident ? log_ident : "hbd", level_word(level), text);
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
