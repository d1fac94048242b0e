#!/bin/bash
# replicate-overflow: more events than the inotify queue holds (the source
# is stopped while 12,000 files change); the overflow triggers a rescan
# and the trees converge.
NT_NAME=replicate-overflow
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
rp_start b
rp_start a
mkdir -p "$A/mail/flood/new"
rp_sync a || nt_fail "initial barrier"
q=$(cat /proc/sys/fs/inotify/max_queued_events)
kill -STOP "${RP_PID[a]}"
n=$(( q / 2 + 4000 ))
( cd "$A/mail/flood/new" && seq 1 $n | sed 's/^/m/' | xargs touch )
( cd "$A/mail/flood/new" && seq 1 2 $n | sed 's/^/m/' | xargs rm -f )
kill -CONT "${RP_PID[a]}"
nt_log "$n files created and half removed while the source was stopped (queue $q)"
rp_sync a 40 || nt_fail "barrier after overflow"
rp_assert_same "after overflow" 5
grep -q "overflow" "$NT_TMP"/a.log.* ||
	{ rp_logs; nt_fail "no overflow was seen: test did not exercise it"; }
rp_pass
