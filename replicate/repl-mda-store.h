/*
 * repl-mda-store.h - replicate-mda's own Maildir delivery (-b BASE): no
 * Sieve, no quota, no Dovecot index.
 *
 * Contract: mda_maildir_for() maps a local part to BASE/LOCAL (owned),
 * lowercased, only for names of letters, digits and "._-+" not starting
 * with a dot, and only when BASE/LOCAL/new is a directory; NULL
 * otherwise.  mda_maildir_deliver() writes the message into tmp/ of every
 * local recipient's Maildir (owned by the Maildir's owner), fsyncs it,
 * renames it into new/ and fsyncs new/, then sets the recipient's code
 * and text (250, or 451 with the failure logged).  Unique names carry the
 * time, the pid, a counter and host.
 */
#ifndef REPL_MDA_STORE_H
#define REPL_MDA_STORE_H

#include <glib.h>

#include "repl-mda-up.h"

char *mda_maildir_for(const char *base_dir, const char *local);
/* rcpts: struct rcpt * (repl-mda-up.h); the non-local ones are skipped. */
void mda_maildir_deliver(GPtrArray *rcpts, const GString *msg,
			 const char *host);

#endif
