/*
 * ttylock.h - UUCP-style lock files for serial lines, as Heartbeat 3.0.6
 * takes them (cluster-glue's st_ttylock), so that hbd and Heartbeat (or
 * minicom, getty, ...) never open the same port at once.
 *
 * The lock for device DEV is LOCKDIR/LCK..NAME, where NAME is DEV without
 * its first five characters (the "/dev/" of a device path), keeping only
 * letters and digits, at most 63 of them: /dev/ttyS0 -> LCK..ttyS0,
 * /dev/pts/3 -> LCK..pts3.  The file holds the holder's pid as "%10d\n".
 * It is made by writing LOCKDIR/tmp<pid>-NAME and hard-linking it to the
 * lock name, so two takers cannot both win.  A lock whose pid is not a
 * running process, is 0 or 1, or is not a number is stale and removed
 * (cluster-glue's rules; pid 1 counts as stale there).
 *
 * Heartbeat 3.0.6 removes its lock once its read and write children have
 * the line open (seen in strace), so a running Heartbeat is not detected
 * by its lock; hbd keeps its own for as long as it has the line open.
 * Functions log nothing; callers name the device in their messages.
 */
#ifndef HBD_TTYLOCK_H
#define HBD_TTYLOCK_H

#include <sys/types.h>

#define HBD_LOCKDIR "/var/lock"

/* The lock file path for dev (g_free). */
char *hbd_ttylock_path(const char *lockdir, const char *dev);

/* Takes the lock for this process.  Returns 0 (also when we hold it
 * already), -EBUSY with *out_holder set when a live process holds it, or
 * -errno when the lock directory cannot be written. */
int hbd_ttylock(const char *lockdir, const char *dev, pid_t *out_holder);

/* Checks without taking: 0 when free, stale or ours; -EBUSY with
 * *out_holder set when a live process holds it. */
int hbd_ttylock_check(const char *lockdir, const char *dev,
		      pid_t *out_holder);

/* Removes the lock if this process holds it. */
void hbd_ttyunlock(const char *lockdir, const char *dev);

#endif
