/*
 * haresources.h - Heartbeat v1 resource groups.
 *
 * One logical line per group ("\" joins lines, '#' comments):
 *   nodename res1 res2 ...   where res is "script" or "script::arg::arg..."
 * A resource matching d+.d+.d+.d+ (anything after it included) means
 * IPaddr::<it>.  The first resource is the group key and must be unique.
 * The node must be one of the configured nodes.
 */
#ifndef HB_HARESOURCES_H
#define HB_HARESOURCES_H

#include <stddef.h>
#include <glib.h>
#include "diag.h"
#include "hacf.h"

#define HB_HARESOURCES_MAXFILE (1 << 20)

typedef struct hb_resource {
	char *spec;		/* as written, e.g. "IPaddr::10.0.0.5/24" or "10.0.0.5" */
	char *script;		/* "IPaddr" */
	GPtrArray *args;	/* char *, the :: arguments */
} hb_resource;

typedef struct hb_rgroup {
	char *node;		/* preferred node, lowercased */
	char *key;		/* first resource's spec: the group's name */
	GPtrArray *resources;	/* hb_resource *, left to right */
	int line;
} hb_rgroup;

typedef struct hb_haresources {
	char *path;
	GPtrArray *groups;	/* hb_rgroup * */
} hb_haresources;

/* Pure parser; cfg may be NULL to skip node-name checks. */
int hb_haresources_parse(const char *path, const char *buf, size_t len,
			 const hb_config *cfg, hb_haresources **out,
			 hb_diag *d);
int hb_haresources_load(const char *path, const hb_config *cfg,
			hb_haresources **out, hb_diag *d);
void hb_haresources_free(hb_haresources *h);	/* accepts NULL */

#endif
