/*
 * hbstatus.h - the one-screen cluster status of "hbd status": a model
 * filled from the replies of hbd's control socket (control.h, rm.h) and
 * of replicate's "STATUS" line, the health verdict, and its text and JSON
 * renderings.
 *
 * Contract:
 * - Pure: no I/O.  hbd/status.c asks
 *   the daemons and feeds the replies in.  Every parser takes a reply
 *   text of bounded length (HBS_MAXREPLY), skips lines it does not
 *   understand, and never fails on bad input; what is missing shows as
 *   unknown.
 * - The verdict follows Nagios plugin codes: 0 OK, 1 WARNING (degraded),
 *   2 CRITICAL, 3 UNKNOWN (hbd not reachable).  Each problem found is one
 *   short sentence; the summary line is "HBD <LEVEL> - <problems>" (or
 *   "... - N nodes active, G groups held, replication streaming").
 *
 * Rules (hbs_evaluate):
 *   CRITICAL: a normal node dead; the resource manager fencing; a group
 *             that nobody holds (stopped); replication configured but its
 *             daemon not answering.
 *   WARNING:  a normal node up but not active; a link of a live node dead;
 *             a ping node unreachable; resources in transition (starting,
 *             standby); a group whose start failed here; replication
 *             without a session ("accepting alone": the source has no
 *             replica, or the replica hears no source), still catching up
 *             (hello/manifest), or not acknowledging for longer than the
 *             warning age while operations wait.
 */
#ifndef HBD_HBSTATUS_H
#define HBD_HBSTATUS_H

#include <glib.h>

#define HBS_MAXREPLY (1 << 20)	/* longer replies are cut here */
#define HBS_MAXITEMS 256	/* nodes, links per node, groups, fencing,
				 * events: more are ignored */

typedef enum hbs_level {
	HBS_OK = 0,
	HBS_WARNING = 1,
	HBS_CRITICAL = 2,
	HBS_UNKNOWN = 3,
} hbs_level;

typedef struct hbs_link {
	char *name;
	gboolean up;
} hbs_link;

typedef struct hbs_node {
	char *name;
	char *type;		/* normal | ping */
	char *status;		/* init | up | active | dead | ping */
	gboolean self;
	GPtrArray *links;	/* hbs_link * */
} hbs_node;

typedef struct hbs_group {
	char *key;
	char *node;		/* preferred node */
	char *here;		/* running|starting|stopping|partial|stopped */
	gboolean peer_holds;
	gboolean failed;
	char *holder;		/* computed: a node name, "transition" or
				 * "stopped" */
} hbs_group;

typedef struct hbs_fence {
	gint64 time_ms;
	char *from, *node, *result;
} hbs_fence;

typedef struct hbs_event {
	gint64 time_ms;
	char *level, *text;
} hbs_event;

typedef struct hbs_repl {
	gboolean configured;	/* a control socket to ask */
	char *where;		/* the socket, for messages */
	gboolean reachable;
	char *error;		/* why not reachable / what it answered */
	char *role;		/* source | replica */
	char *session;		/* source: down|hello|manifest|stream;
				 * replica: the peer address or "none" */
	gboolean session_up;	/* source: stream; replica: a peer */
	gint64 queued, seq, acked, applied;	/* -1 unknown */
	gint64 ack_age_ms;	/* -1 unknown or never */
	gint64 replicas;	/* source with several peers: how many (seq
				 * and acked are then positions, not counts);
				 * -1: one */
} hbs_repl;

typedef struct hbs_report {
	gboolean hbd_reachable;
	char *hbd_where;	/* the control socket */
	char *self;
	char *rm_state;		/* NULL: unknown (no resource manager) */
	GPtrArray *nodes;	/* hbs_node * */
	GPtrArray *groups;	/* hbs_group * */
	GPtrArray *fencing;	/* hbs_fence *, oldest first */
	GPtrArray *events;	/* hbs_event *, oldest first */
	hbs_repl repl;
	/* verdict (hbs_evaluate) */
	hbs_level level;
	GPtrArray *problems;	/* char *: "node2 dead", ... */
	char *summary;
} hbs_report;

hbs_report *hbs_report_new(void);
void hbs_report_free(hbs_report *r);		/* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hbs_report, hbs_report_free)

/* Parsers of the control replies (the data lines after the rc line). */
void hbs_parse_nodes(hbs_report *r, const char *text);	/* "nodes" */
void hbs_parse_links(hbs_report *r, const char *node, const char *text);
void hbs_parse_rmstatus(hbs_report *r, const char *text);
void hbs_parse_fencing(hbs_report *r, const char *text);
void hbs_parse_events(hbs_report *r, const char *text);
/* replicate's "STATUS" answer: "role=... key=value ..." */
void hbs_parse_repl(hbs_report *r, const char *text);

/* Sets holders, level, problems and summary.  ack_warn_ms: a source whose
 * replica has not acknowledged for this long while operations wait is
 * degraded. */
void hbs_evaluate(hbs_report *r, gint64 ack_warn_ms);

const char *hbs_level_name(hbs_level l);	/* "OK", "WARNING", ... */
/* The screen: summary first, then nodes and links, groups, fencing,
 * replication, last events. */
void hbs_format_text(const hbs_report *r, GString *out);
/* One JSON object (RFC 8259, strings escaped). */
void hbs_format_json(const hbs_report *r, GString *out);

#endif
