#!/bin/bash
# Mixed load through a crash: ${ML_RATE:-160} messages/s for ${ML_SECS:-20} s
# from 8 SMTP clients (6 inbound to user@example.org, 2 outbound to the
# remote MX at remote.test, which is up), IMAP and POP3 readers in
# parallel; node1 crashes (every process) half-way.
# Zero acknowledged messages may be lost.  Duplicates are counted and
# printed: inbound none (a client never resends here and a delivered
# message is never delivered again); outbound at most the deliveries to
# the MX in flight at the crash (the MX's 250 came, node1's removal of the
# queue file did not reach node2), bounded by Postfix's
# default_destination_concurrency_limit (20).
NT_NAME=mail-mixed
RATE=${ML_RATE:-160}
SECS=${ML_SECS:-20}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin lmtp
ML_BACKOFF=2s ML_BACKOFF_MAX=4s ml_setup on
ml_mx_node
ml_boot
ml_mx_start
sleep 1
per=$(awk -v r="$RATE" 'BEGIN {printf "%.2f", r / 8}')
n=$(awk -v r="$per" -v s="$SECS" 'BEGIN {printf "%d", r * s}')
pids=()
for c in 1 2 3 4 5 6; do
	nt_exec client $ML_CLIENT send $ML_VIP $((c * 100000 + 1)) $n $per --prefix in >"$NT_TMP/sent-in$c" &
	pids+=($!)
done
for c in 1 2; do
	nt_exec client $ML_CLIENT send $ML_VIP $((c * 100000 + 1)) $n $per --to bob@remote.test --prefix out >"$NT_TMP/sent-out$c" &
	pids+=($!)
done
NT_PIDS+=("${pids[@]}")
reader() {	# $1 = imap|pop3
	local ok=0 err=0 end=$(( $(nt_ms) + SECS * 1000 ))
	while [ "$(nt_ms)" -lt $end ]; do
		if [ "$1" = imap ]; then
			nt_exec client $ML_CLIENT count $ML_VIP user >/dev/null 2>&1
		else
			nt_exec client $ML_CLIENT pop3count $ML_VIP user >/dev/null 2>&1
		fi && ok=$((ok + 1)) || err=$((err + 1))
		sleep 0.2
	done
	echo "$1 $ok $err" >"$NT_TMP/reader-$1"
}
reader imap & r1=$!
reader pop3 & r2=$!
NT_PIDS+=($r1 $r2)
sleep $((SECS / 2))
acked_at_crash=$(cat "$NT_TMP"/sent-* | grep -c '^ok')
t0=$(nt_ms)
ml_crash 1
nt_log "node1 crashed after $acked_at_crash acknowledged ($(awk '$1 == "ok"' "$NT_TMP"/sent-* | awk -v t=$((t0 - 5000)) '$3 > t' | wc -l) in the last 5 s: $(( $(awk '$1 == "ok"' "$NT_TMP"/sent-* | awk -v t=$((t0 - 5000)) '$3 > t' | wc -l) / 5 ))/s)"
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over"
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after the crash"
wait "${pids[@]}"
wait $r1 $r2
acked_in=$(cat "$NT_TMP"/sent-in* | grep -c '^ok')
acked_out=$(cat "$NT_TMP"/sent-out* | grep -c '^ok')
errs=$(cat "$NT_TMP"/sent-* | grep -c '^err')
total=$((8 * n))
nt_log "offered $total at $RATE/s: acknowledged $acked_in inbound + $acked_out outbound, refused/failed $errs ($(cat "$NT_TMP"/sent-* | awk '$1 == "err" {print $3 ($5 ? "/" $5 : "")}' | sort | uniq -c | tr '\n' ' '))"
nt_log "SMTP transaction ms (acknowledged, before the crash): $(awk -v t=$t0 '$1 == "ok" && $3 < t {print $4}' "$NT_TMP"/sent-* | sort -n | awk '{a[NR]=$1} END {printf "p50 %s p99 %s max %s", a[int(NR*0.5)], a[int(NR*0.99)], a[NR]}')"
nt_log "readers: $(cat "$NT_TMP"/reader-* | awk '{printf "%s ok %s err %s; ", $1, $2, $3}')"

# inbound: every acknowledged message in user's INBOX on node2
awk '$1 == "ok" {print "in-" $2}' "$NT_TMP"/sent-in* | sort >"$NT_TMP/acked-in"
nt_wait 30 '[ "$(nt_exec client $ML_CLIENT count $ML_VIP user)" -ge '"$acked_in"' ]'
nt_exec client $ML_CLIENT subjects $ML_VIP user | sort >"$NT_TMP/got-in"
miss_in=$(comm -23 "$NT_TMP/acked-in" <(sort -u "$NT_TMP/got-in") | grep -c .)
dup_in=$(uniq -d "$NT_TMP/got-in" | grep -c .)
# outbound: every acknowledged message at the MX
awk '$1 == "ok" {print "out-" $2}' "$NT_TMP"/sent-out* | sort >"$NT_TMP/acked-out"
nt_wait 40 '[ "$(comm -23 "$NT_TMP/acked-out" <(sort -u "$NT_TMP/mx-got") | grep -c .)" = 0 ]'
miss_out=$(comm -23 "$NT_TMP/acked-out" <(sort -u "$NT_TMP/mx-got") | grep -c .)
dup_out=$(sort "$NT_TMP/mx-got" | uniq -d | grep -c .)
nt_log "inbound: acknowledged $acked_in, in INBOX $(wc -l <"$NT_TMP/got-in"), missing $miss_in, duplicates $dup_in"
nt_log "outbound: acknowledged $acked_out, at the MX $(wc -l <"$NT_TMP/mx-got"), missing $miss_out, duplicates $dup_out $(sort "$NT_TMP/mx-got" | uniq -d | head -20 | tr '\n' ' ')"
[ "$miss_in" = 0 ] || nt_fail "$miss_in acknowledged inbound message(s) lost: $(comm -23 "$NT_TMP/acked-in" <(sort -u "$NT_TMP/got-in") | head -5 | tr '\n' ' ')"
[ "$miss_out" = 0 ] || nt_fail "$miss_out acknowledged outbound message(s) lost: $(comm -23 "$NT_TMP/acked-out" <(sort -u "$NT_TMP/mx-got") | head -5 | tr '\n' ' ')"
[ "$dup_in" = 0 ] || nt_fail "$dup_in inbound duplicate(s)"
[ "$dup_out" -le 20 ] || nt_fail "$dup_out outbound duplicates: more than the deliveries that can be in flight (20)"
nt_pass "$((acked_in + acked_out)) acknowledged at $RATE/s offered, 0 lost; duplicates: inbound 0, outbound $dup_out"
