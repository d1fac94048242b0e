/*
 * log.h - the one logging module: syslog facility, logfile, debugfile.
 *
 * Levels are syslog's.  Lines in files read
 *   "Nov 24 09:38:17.123 node1 hbd: [pid]: WARN: text"
 * Heartbeat admins grep for "WARN:", "ERROR:", "CRIT:", "info:", "debug:".
 * Debug lines go to the debugfile only, and only when the debug level > 0.
 * Before hb_log_setup() everything goes to stderr.
 */
#ifndef HB_LOG_H
#define HB_LOG_H

#include <syslog.h>
#include <glib.h>

void hb_log_init(const char *ident);
/* facility < 0: no syslog.  Paths may be NULL.  Replaces earlier setup.
 * to_stderr is ignored when syslog is on and $JOURNAL_STREAM says stderr
 * is systemd's journal (it would hold every line twice). */
void hb_log_setup(const char *logfile, const char *debugfile, int facility,
		  int debug, gboolean to_stderr);
/* Reopen the logfile and debugfile given to hb_log_setup (log rotation). */
void hb_log_reopen(void);
void hb_log_set_debug(int level);
int hb_log_debug_level(void);
void hb_log(int level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void hb_log_close(void);

/* The syslog facilities by name ("daemon", "local0", ...; "none" is -1).
 * 0 and *out_code, or -ENOENT for a name that is none of them. */
int hb_log_facility_code(const char *name, int *out_code);
/* The name of a facility code; "none" for -1 or an unknown code. */
const char *hb_log_facility_name(int code);

/* Recent events: after hb_log_keep(n), the last n non-debug lines are kept
 * in memory (a ring; 0 turns it off and frees it).  hb_log_recent() returns
 * up to max of them, oldest first, as borrowed hb_log_entry pointers valid
 * until the next hb_log() call (free the array only).  Tabs and newlines
 * in the text are replaced by spaces.  hbd serves them to "hbd status". */
#define HB_LOG_KEEP_MAX 1000
typedef struct hb_log_entry {
	gint64 time_ms;		/* wall clock, ms since the epoch */
	int level;		/* syslog level */
	char *text;
} hb_log_entry;
void hb_log_keep(guint n);
GPtrArray *hb_log_recent(guint max);
const char *hb_log_level_word(int level);	/* "WARN", "info", ... */

#define hb_debug(...) do { if (hb_log_debug_level() > 0) \
	hb_log(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
