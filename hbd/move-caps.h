/*
 * move-caps.h - what a resource script declares for planned moves.
 *
 * A line "# hbd-move: WORD..." (WORD one of prepare, drain, address, early,
 * separated by blanks) in the first bytes of the script; hbd reads it
 * instead of running an unknown script to ask.  Pure: no I/O, reads at
 * most len bytes of any input.
 */
#ifndef HBD_MOVE_CAPS_H
#define HBD_MOVE_CAPS_H

#include <stddef.h>

#define HBD_MOVE_PREPARE 1u
#define HBD_MOVE_DRAIN 2u
#define HBD_MOVE_ADDRESS 4u
#define HBD_MOVE_EARLY 8u	/* may start before the group's address is up */

/* OR of HBD_MOVE_* from the first "# hbd-move:" line, 0 without one;
 * unknown words are ignored. */
unsigned hbd_move_caps_parse(const char *buf, size_t len);

#endif
