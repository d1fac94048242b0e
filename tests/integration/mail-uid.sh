#!/bin/bash
# IMAP UIDs after failovers, with Dovecot's index kept on each node
# (mail_location INDEX= outside the replicated root, as doc/mail-cluster.md
# sets it): the replicated dovecot-uidlist is what numbers the messages; a
# node's own index from its previous time as the active node is stale and
# must not be used when it is active again (the dovecot agent invalidates
# it before Dovecot starts or is prepared on the node).
#  1. node1 active: msg-1..20 delivered through LMTP and read over IMAP
#     (node1's index caches their Subject).
#  2. a message in flight at the crash: node1's replicate daemon is
#     stopped (SIGSTOP), "inflight-1" is delivered by node1's LMTP (UID 21
#     in node1's index and uidlist, not replicated, never acknowledged) and
#     read over IMAP; node1 crashes.
#  3. node2 takes over: msg-21..40 (msg-21 gets UID 21 in the replicated
#     uidlist), read over IMAP.
#  4. node1 boots, auto_failback gives it the group back: msg-41..60.
#  5. over IMAP on the VIP (node1): every acknowledged message listed
#     exactly once, no Subject twice, every UID unique and rising with the
#     message number.  With node1's stale index, UID 21 showed the cached
#     Subject of inflight-1 (msg-21 "lost", inflight-1 listed twice).
NT_NAME=mail-uid
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin lmtp
ml_setup on
: >"$NT_TMP/sent"
ml_boot

# ml_uid_check WHAT N: N acknowledged, each listed once, no Subject twice,
# unique UIDs rising with the message number (each batch is delivered after
# the previous one)
ml_uid_check() {
	local what=$1 want=$2 acked n dups udups order missing
	acked=$(grep -c '^ok ' "$NT_TMP/sent")
	[ "$acked" = "$want" ] || nt_fail "$what: $acked of $want messages acknowledged"
	nt_exec client $ML_CLIENT uids $ML_VIP user >"$NT_TMP/uids" || nt_fail "$what: IMAP failed"
	n=$(wc -l <"$NT_TMP/uids")
	dups=$(awk '{print $2}' "$NT_TMP/uids" | sort | uniq -d | wc -l)
	udups=$(awk '{print $1}' "$NT_TMP/uids" | sort | uniq -d | wc -l)
	missing=$(comm -23 <(awk '$1 == "ok" {print "msg-" $2}' "$NT_TMP/sent" | sort) \
		<(awk '{print $2}' "$NT_TMP/uids" | sort) | grep -c .)
	order=$(awk '$2 ~ /^msg-/ {sub(/^msg-/, "", $2); print}' "$NT_TMP/uids" | sort -k2,2n |
		awk 'NR > 1 && $1 <= last {bad++} {last = $1} END {print bad + 0}')
	nt_log "$what: acknowledged $acked, listed $n, missing $missing, Subjects listed twice $dups, duplicate UIDs $udups, UIDs out of order $order; UIDs $(awk 'NR == 1 {f = $1} {l = $1} END {print f "-" l}' "$NT_TMP/uids"); $(grep -c inflight "$NT_TMP/uids") inflight"
	if [ "$missing" != 0 ] || [ "$dups" != 0 ] || [ "$udups" != 0 ] || [ "$order" != 0 ]; then
		sed 's/^/  /' "$NT_TMP/uids" | sed -n '15,50p'
		nt_fail "$what: IMAP does not list every message once with its own UID"
	fi
}

# 1.
ml_send 1 20
nt_wait 10 '[ "$(ml_subjects | wc -l)" -ge 20 ]' || nt_fail "first 20 not delivered"
ml_uid_check "node1" 20
ml_sync 1 || nt_fail "replication barrier failed"

# 2.
for p in $(ip netns pids "$(nt_ns node1)"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = replicate ] && kill -STOP "$p"
done
nt_exec client $ML_CLIENT send $ML_VIP 1 1 0 user --prefix inflight >"$NT_TMP/inflight" 2>&1 &
nt_wait 10 '[ "$(nt_exec client $ML_CLIENT uids $ML_VIP user | grep -c inflight)" = 1 ]' ||
	nt_fail "inflight-1 not delivered by node1's LMTP"
ml_crash 1
wait $! 2>/dev/null
nt_log "inflight-1 (not replicated): $(cat "$NT_TMP/inflight")"

# 3.
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over after the crash"
ml_send 21 20
ml_uid_check "node2 after the crash" 40

# 4.
ml_start 1
nt_wait 40 '[ "$(ml_banner)" = node1 ]' || nt_fail "no failback to node1"
ml_send 41 20
ml_uid_check "node1 after the failback" 60
grep -E "Planned move|indexes in .* set aside" "$NT_TMP/node1/ha-log" | sed "s|$NT_TMP/||g" | tail -4
grep -q "indexes in $NT_TMP/node1/dovecot-index set aside" "$NT_TMP/node1/ha-log" ||
	nt_fail "node1's dovecot agent did not set the stale index aside"
nt_pass
