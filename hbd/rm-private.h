/*
 * rm-private.h - what move.c (planned moves) uses of the resource
 * manager: its state (rm-types.h) and the modules move.c calls.  The rm
 * modules themselves include rm-types.h and the headers of the modules
 * below them (doc/hbd.md "Resource manager modules"), not this one.
 * Nothing but hbd/move.c and tests/unit/test_rm.c includes it.
 */
#ifndef HBD_RM_PRIVATE_H
#define HBD_RM_PRIVATE_H

#include "rm-types.h"
#include "rm-script.h"
#include "rm-group.h"
#include "rm-proto.h"
#include "rm-heal.h"
#include "rm-standby.h"

#endif
