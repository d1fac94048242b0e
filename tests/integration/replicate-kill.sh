#!/bin/bash
# replicate-kill: kill -9 of the replica and of the source in the middle of
# a stream; after restart both trees converge and no partial file is ever
# visible in new/ or cur/ on the replica.
NT_NAME=replicate-kill
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
for u in u1 u2 u3 u4; do rp_deliver a example.org $u 300; done
head -c 60000000 /dev/urandom >"$A/mail/example.org/u1/Maildir/new/big.M1"
rp_start b
rp_start a
# kill the replica while the initial copy runs: as soon as its first
# message has landed
landed() { [ -n "$(find "$NT_TMP/b/mail" -path '*/new/*' -type f -print -quit 2>/dev/null)" ]; }
nt_wait 10 landed || nt_fail "the initial copy did not start"
rp_kill b KILL
# (judged after the kill: comparing first raced with the copy itself)
rp_same >/dev/null 2>&1 && nt_fail "the initial copy had finished before the kill: not mid-stream"
nt_log "replica killed -9 mid-stream"
# every message visible in new/ or cur/ on the replica is complete (equal
# to the source's copy, which never changes once in new/ or cur/)
check_complete() {
	local f rel n=0
	while IFS= read -r f; do
		rel=${f#"$NT_TMP/b/"}
		[ -e "$A/$rel" ] || continue
		cmp -s "$f" "$A/$rel" || { echo "partial or wrong: $rel"; return 1; }
		n=$((n + 1))
	done < <(find "$NT_TMP/b/mail" -path '*/.replicate.tmp' -prune -o -type f \
		\( -path '*/new/*' -o -path '*/cur/*' \) -print)
	nt_log "$n messages on the replica checked complete"
}
check_complete || nt_fail "partial file visible after kill -9"
rp_start b
rp_sync a 60 || nt_fail "barrier after replica restart"
rp_assert_same "after replica kill -9"

# kill the source mid-stream (deliveries and a big file under way)
for u in u5 u6; do rp_deliver a example.org $u 200; done &
dpid=$!
head -c 20000000 /dev/urandom >"$A/mail/example.org/u2/Maildir/new/big.M2"
sleep 0.2
rp_kill a KILL
wait $dpid
nt_log "source killed -9 mid-stream"
check_complete || nt_fail "partial file visible after source kill -9"
rp_start a
rp_sync a 60 || nt_fail "barrier after source restart"
rp_assert_same "after source kill -9"
rp_pass
