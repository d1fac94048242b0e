/*
 * pcmk-conv.h - Heartbeat v1 configuration (ha.cf + haresources) to a
 * Pacemaker configuration, as a crm shell script or as CIB XML.
 *
 * Pure: takes the parsed, validated hb_config and hb_haresources (from
 * lib/hacf.c and lib/haresources.c, so bad input is rejected there with
 * "file:line: message", exactly as hbd -t reports it) and appends text to
 * a GString.  Nothing is read from the host (no agent is looked up), so
 * the same input always gives the same output (tests/golden/pcmk).
 *
 * Mapping (doc/pacemaker.md, hb2pcmk(8)):
 *   - each haresources group -> a Pacemaker group of primitives, with a
 *     location preference (score 100) for its node;
 *   - IPaddr, postfix, dovecot, MailTo, route-switch -> ocf:hbd:*, the
 *     "::" arguments becoming the agents' OCF parameters; IPaddr2 and
 *     Filesystem -> ocf:heartbeat:*; any other script -> lsb:NAME;
 *   - replicate::CONF -> a promotable clone of ocf:hbd:replicate, the
 *     group colocated with and ordered after its promoted instance;
 *   - ping / ping_group -> a clone of ocf:pacemaker:ping and a location
 *     rule per group scoring nodes by the "pingd" attribute (ipfail);
 *   - auto_failback -> rsc_defaults resource-stickiness (off: 200, above
 *     the node preference; on/legacy: 0);
 *   - stonith_host -> a stonith:fence_legacy resource driving hbd's
 *     stonith(8) plugin (stonith-enabled=true), its parameters read with
 *     stonith -p's rule (stonith/params.h) against the plugin's names
 *     (hbd's static tables; a small table for glue's external scripts);
 *     none -> false.
 * Whatever has no Pacemaker equivalent (timing, media, logging, ...) is
 * written as a comment saying where it goes instead (corosync.conf, ...).
 */
#ifndef HB_PCMK_CONV_H
#define HB_PCMK_CONV_H

#include <glib.h>
#include "hacf.h"
#include "haresources.h"

typedef enum hb_pcmk_format {
	HB_PCMK_CRM,		/* for "crm configure load update FILE" */
	HB_PCMK_XML,		/* a whole <cib> for cibadmin / crm_verify -x */
} hb_pcmk_format;

/* Paths of the stonith tool and of the sources, as written in the
 * output; NULL for the defaults. */
typedef struct hb_pcmk_opts {
	const char *stonith_bin;	/* default SBINDIR "/stonith" */
} hb_pcmk_opts;

/* Appends the configuration in fmt to out.  cfg and rsc are borrowed.
 * Returns 0; -EINVAL when cfg or rsc is NULL. */
int hb_pcmk_convert(const hb_config *cfg, const hb_haresources *rsc,
		    const hb_pcmk_opts *opts, hb_pcmk_format fmt,
		    GString *out);

#endif
