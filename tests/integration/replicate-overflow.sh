#!/bin/bash
# replicate-overflow: more events than the inotify queue holds (the source
# is stopped while 12,000 files change); the overflow triggers a rescan
# and the trees converge.  Directories created after the queue filled
# (their events lost) get a watch after the overflow: files written into
# them later reach the replica.  The log names the sysctl and its value.
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
mkdir -p "$A/mail/late/Maildir/new" "$A/mail/late/Maildir/cur"
echo first >"$A/mail/late/Maildir/new/m0"
kill -CONT "${RP_PID[a]}"
nt_log "$n files created and half removed while the source was stopped (queue $q)"
rp_sync a 40 || nt_fail "barrier after overflow"
rp_assert_same "after overflow" 5
grep -q "overflow" "$NT_TMP"/a.log.* ||
	{ rp_logs; nt_fail "no overflow was seen: test did not exercise it"; }
grep -q "fs.inotify.max_queued_events = $q" "$NT_TMP"/a.log.* ||
	{ rp_logs; nt_fail "the overflow's log line does not name the sysctl and its value"; }
# the directories made while events were lost are watched now
for i in 1 2 3; do echo "after $i" >"$A/mail/late/Maildir/new/m$i"; done
mv "$A/mail/late/Maildir/new/m0" "$A/mail/late/Maildir/cur/m0:2,S"
rp_sync a || nt_fail "barrier after writes into a directory made during the overflow"
rp_assert_same "files written after the overflow into a directory made during it" 5
rp_pass
