#!/bin/bash
# Outbound and relayed mail through a crash, with a real remote MX.
#  1. Submission (587): without SASL, relaying to remote.test is refused;
#     with SASL (Dovecot's auth) it is accepted.  Relay for mynetworks on
#     port 25 is accepted.
#  2. The remote MX (a third namespace, remote.test) is down: 40 messages
#     relayed from the LAN and 10 submitted with SASL are acknowledged and
#     deferred on node1; each is in node2's copy of the queue, complete
#     (mode 0700: Postfix marks a finished queue file by its mode).
#  3. node1 crashes; node2 takes over; the MX comes up: every acknowledged
#     message arrives there (node2's Postfix delivers node1's deferred
#     queue); duplicates are counted and printed (none are expected: no
#     delivery was in flight at the crash).
#  4. the MX goes down again; 10 messages are deferred on node2; node1
#     boots and takes the group back (auto_failback); the MX comes up:
#     node1 delivers all 10 (node2's queue reached it before the switch).
NT_NAME=mail-outbound
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin lmtp
ML_BACKOFF=2s ML_BACKOFF_MAX=4s ml_setup on
ml_mx_node
ml_boot
d1=$NT_TMP/node1 d2=$NT_TMP/node2

# 1.
nt_exec client $ML_CLIENT send $ML_VIP 1 1 --port 587 --to bob@remote.test --prefix noauth >"$NT_TMP/sent-noauth"
grep -q '^err 1 SMTPRecipientsRefused [0-9]* 554' "$NT_TMP/sent-noauth" ||
	nt_fail "unauthenticated relay on 587 not refused: $(cat "$NT_TMP/sent-noauth")"
nt_exec client $ML_CLIENT send $ML_VIP 1 1 --port 587 --auth user:wrong --to bob@remote.test --prefix badauth >"$NT_TMP/sent-badauth"
grep -q '^err 1 SMTPAuthenticationError [0-9]* 535' "$NT_TMP/sent-badauth" ||
	nt_fail "bad password accepted on 587: $(cat "$NT_TMP/sent-badauth")"
nt_log "587: relay without SASL refused (554), bad password refused (535)"

# 2.
nt_exec client $ML_CLIENT send $ML_VIP 1 40 20 --to bob@remote.test --prefix out >"$NT_TMP/sent-out" &
s1=$!
nt_exec client $ML_CLIENT send $ML_VIP 1 10 10 --port 587 --auth user:secret --to carol@remote.test --prefix sub >"$NT_TMP/sent-sub" &
s2=$!
NT_PIDS+=($s1 $s2)
wait $s1 $s2
acked=$(cat "$NT_TMP/sent-out" "$NT_TMP/sent-sub" | grep -c '^ok')
[ "$acked" = 50 ] || nt_fail "only $acked of 50 acknowledged: $(grep -m3 '^err' "$NT_TMP/sent-out" "$NT_TMP/sent-sub")"
queued() { find "$1/spool/deferred" "$1/spool/active" "$1/spool/incoming" -type f | wc -l; }
nt_wait 20 '[ "$(queued $d1)" = 50 ] && [ "$(find $d1/spool/deferred -type f | wc -l)" = 50 ]' ||
	nt_fail "node1's deferred queue has $(find $d1/spool/deferred -type f | wc -l) of 50"
reason=$(nt_exec node1 postqueue -c "$d1/postfix" -p | grep -m1 -o 'connect to [^)]*')
nt_log "50 acknowledged, deferred on node1 ($reason)"
ml_sync 1 || nt_fail "barrier"
n2=$(find "$d2/spool/deferred" "$d2/spool/active" "$d2/spool/incoming" -type f -perm 0700 | wc -l)
nt_log "node2's copy of the queue: $n2 complete queue files (mode 0700), $(find "$d2/spool" -path '*/pid' -prune -o -type f ! -perm 0700 -print | grep -c /deferred/) incomplete"
[ "$n2" -ge 50 ] || nt_fail "node2's queue copy has $n2 complete files, want 50"

# 3.
t0=$(nt_ms)
ml_crash 1
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over"
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after node1 crashed"
ml_mx_start
nt_log "remote MX up"
nt_wait 40 '[ "$(sort -u "$NT_TMP/mx-got" | grep -c "^out-\|^sub-")" -ge 50 ]'
got=$(grep -c '^out-\|^sub-' "$NT_TMP/mx-got")
missing=$(comm -23 <({ awk '$1 == "ok" {print "out-" $2}' "$NT_TMP/sent-out"; awk '$1 == "ok" {print "sub-" $2}' "$NT_TMP/sent-sub"; } | sort) <(sort -u "$NT_TMP/mx-got") | grep -c .)
dups=$(sort "$NT_TMP/mx-got" | uniq -d | grep -c .)
nt_log "remote MX received $got message(s): $((got - dups)) distinct, missing $missing, duplicates $dups $(sort "$NT_TMP/mx-got" | uniq -d | tr '\n' ' ')"
[ "$missing" = 0 ] || nt_fail "$missing acknowledged outbound message(s) never arrived: $(nt_exec node2 postqueue -c "$d2/postfix" -p | tail -5)"
grep -q "status=sent" "$d2/postfix.log" || nt_fail "node2's Postfix log shows no delivery"

# 4.
kill "$ML_MX_PID"
wait "$ML_MX_PID" 2>/dev/null
nt_exec client $ML_CLIENT send $ML_VIP 1 10 10 --to bob@remote.test --prefix back >"$NT_TMP/sent-back"
[ "$(grep -c '^ok' "$NT_TMP/sent-back")" = 10 ] || nt_fail "node2 did not acknowledge 10: $(grep -m2 '^err' "$NT_TMP/sent-back")"
nt_wait 20 '[ "$(find $d2/spool/deferred -type f | wc -l)" = 10 ]' || nt_fail "not deferred on node2"
ml_start 1
nt_wait 40 '[ "$(ml_banner)" = node1 ] && ! hb_holds node2 $ML_VIP' || nt_fail "no failback to node1"
ml_mx_start
nt_wait 40 '[ "$(sort -u "$NT_TMP/mx-got" | grep -c "^back-")" -ge 10 ]' ||
	nt_fail "after failback node1 delivered $(sort -u "$NT_TMP/mx-got" | grep -c "^back-") of the 10 node2 had deferred"
grep -q "to=<bob@remote.test>.*status=sent" "$d1/postfix.log" || nt_fail "not delivered by node1"
nt_log "10 messages deferred on node2, failback: node1 delivered all 10 ($(sort "$NT_TMP/mx-got" | grep '^back-' | uniq -d | grep -c .) duplicates)"
nt_pass "50 acknowledged outbound messages delivered by node2 after node1's crash ($dups duplicate(s)); 10 deferred on node2 delivered by node1 after failback"
