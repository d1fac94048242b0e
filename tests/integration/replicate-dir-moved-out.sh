#!/bin/bash
# Found while looking for tables that are never pruned (issue 16, memory):
# a directory moved out of the replicated trees kept its inotify watch
# (a watch follows its inode) and its entry in the watch tables, so
#  - a new directory created under the same name counted as watched:
#    it was neither sent to the replica nor watched, and nothing put into
#    it reached the replica until the next full comparison (a session
#    start or an overflow) - an account's Maildir moved away (archived)
#    and created again lost its new mail at a failover;
#  - each such move kept a watch and its table entries.
# Here: 20 directories moved out of the tree and created again, with a
# file in each new one: the trees must be equal at the barrier and the
# number of watches the same as before.
NT_NAME=replicate-dir-moved-out
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a/mail/example.com
mkdir -p "$NT_TMP/outside"
for i in $(seq 1 20); do mkdir -p "$A/u$i/Maildir/"{tmp,new,cur}; done
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
watches() { rp_ctl a status | sed 's/.* watches=\([0-9]*\).*/\1/'; }
w0=$(watches)
for i in $(seq 1 20); do
	mv "$A/u$i" "$NT_TMP/outside/u$i"
	rp_sync a || nt_fail "barrier after moving u$i out"
	mkdir -p "$A/u$i/Maildir/"{tmp,new,cur}
	echo "new mail $i" >"$A/u$i/Maildir/tmp/m$i"
	mv "$A/u$i/Maildir/tmp/m$i" "$A/u$i/Maildir/new/m$i"
	# what moved out is no longer replicated
	echo "archived $i" >"$NT_TMP/outside/u$i/Maildir/new/old$i"
done
rp_sync a || nt_fail "barrier after the moves"
w1=$(watches)
nt_log "watches: $w0 before, $w1 after 20 directories moved out and created again"
rp_same >/dev/null || { rp_same | head -5; nt_fail "the directories created again were not replicated"; }
[ "$w1" = "$w0" ] || nt_fail "$w0 watches before, $w1 after (the moved-out directories kept theirs)"
rp_assert_same "after the moves"
rp_pass "20 directories moved out and created again: replicated; watches $w0 -> $w1"
