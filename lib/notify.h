/*
 * notify.h - systemd readiness notification (sd_notify(3) protocol).
 *
 * One datagram "READY=1", "STOPPING=1", "STATUS=..." on the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a leading '@' is the abstract namespace).  Not
 * running under a Type=notify unit ($NOTIFY_SOCKET unset) is not an error:
 * nothing is sent and 0 is returned.  Written by hand (a dozen lines) so
 * the daemons do not link libsystemd.  Never blocks (MSG_DONTWAIT).
 */
#ifndef HB_NOTIFY_H
#define HB_NOTIFY_H

/* Returns 0 (sent, or no $NOTIFY_SOCKET) or -errno. */
int hb_notify(const char *state);

#endif
