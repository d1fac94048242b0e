/*
 * status.h - "hbd status": the one-screen cluster status (hbstatus.h)
 * printed from hbd's and replicate's control sockets.
 */
#ifndef HBD_STATUS_H
#define HBD_STATUS_H

/* argv[0] is "status".  Prints the status; returns the Nagios code
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
int hbd_status_main(int argc, char **argv, const char *confdir_default);

#endif
