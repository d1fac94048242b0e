/*
 * repl-ctl.h - the daemon's control plane: the role (source or replica),
 * the outbound session of the source, and the control socket.
 *
 * Contract: repl_ctl_start() takes the initial role from conf and serves
 * the control socket (lib/ctlsock.h: one line per connection, mode 0600):
 *   "SYNC [PATH]"   (source) answered by repl_source_barrier(): "OK N"
 *   "STATUS"        one line "role=... k=v ..."
 *   "ROLE source"   start watching and connecting: "OK" or "ERR ..."
 *   "ROLE replica"  stop; the peer's session is accepted again: "OK"
 * anything else "ERR unknown command".  While the role is source, a
 * session to "peer" is attempted every 500 ms when none is up.
 * Becoming source marks the replica state dirty (the next session is a
 * union reconcile).  Logs at notice: role changes.
 */
#ifndef REPL_CTL_H
#define REPL_CTL_H

#include "repl-conf.h"

/* 0, or -errno (logged: socket or inotify). */
int repl_ctl_start(const struct repl_conf *conf);
void repl_ctl_stop(void);

/* Exit code of the command-line client: sends the request for argv
 * (sync [PATH] | status | source | replica) to sock, prints the reply;
 * 0 OK, 1 refused, 2 timed out, 3 unreachable; -1: argv is no command. */
int repl_ctl_client(const char *sock, int argc, char **argv, int timeout_s);

#endif
