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
/* facility < 0: no syslog.  Paths may be NULL.  Replaces earlier setup. */
void hb_log_setup(const char *logfile, const char *debugfile, int facility,
		  int debug, gboolean to_stderr);
void hb_log_set_debug(int level);
int hb_log_debug_level(void);
void hb_log(int level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void hb_log_close(void);

/* The syslog facilities by name ("daemon", "local0", ...; "none" is -1).
 * 0 and *out_code, or -ENOENT for a name that is none of them. */
int hb_log_facility_code(const char *name, int *out_code);
/* The name of a facility code; "none" for -1 or an unknown code. */
const char *hb_log_facility_name(int code);

#define hb_debug(...) do { if (hb_log_debug_level() > 0) \
	hb_log(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
