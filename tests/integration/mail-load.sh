#!/bin/bash
# Load through a failover: SMTP at 15 messages/s (900/min) through the VIP
# plus parallel IMAP and POP3 readers, for ${HB_LOAD_SECS:-120} s; node1
# crashes (every process killed at once) in the middle.  Zero acknowledged
# messages may be lost; refused or failed SMTP sessions during the switch
# are counted and printed.
NT_NAME=mail-load
SECS=${HB_LOAD_SECS:-120}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin
ml_setup on
: >"$NT_TMP/sent"
ml_boot
sleep 1
reader() {	# $1 = imap|pop3
	local ok=0 err=0 end=$(( $(nt_ms) + SECS * 1000 ))
	while [ "$(nt_ms)" -lt $end ]; do
		if [ "$1" = imap ]; then
			ml_subjects >/dev/null && ok=$((ok + 1)) || err=$((err + 1))
		else
			nt_exec client $ML_CLIENT pop3count $ML_VIP user >/dev/null 2>&1 &&
				ok=$((ok + 1)) || err=$((err + 1))
		fi
		sleep 0.3
	done
	echo "$1 $ok $err" >"$NT_TMP/reader-$1"
}
reader imap & NT_PIDS+=($!); r1=$!
reader pop3 & NT_PIDS+=($!); r2=$!
total=$((15 * SECS))
ml_send 1 $total 15 &
sender=$!
NT_PIDS+=($sender)
sleep $((SECS / 2))
t0=$(nt_ms)
ml_crash 1
nt_log "node1 crashed after $(grep -c '^ok' "$NT_TMP/sent") acknowledged messages"
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over"
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after the crash"
wait $sender
wait $r1 $r2
acked=$(grep -c '^ok' "$NT_TMP/sent")
errs=$(grep -c '^err' "$NT_TMP/sent")
nt_log "sent $total at 15/s: acknowledged $acked, SMTP errors $errs ($(awk '$1 == "err" {print $3}' "$NT_TMP/sent" | sort | uniq -c | tr '\n' ' '))"
nt_log "readers: $(cat "$NT_TMP"/reader-* | awk '{printf "%s ok %s err %s; ", $1, $2, $3}')"
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge '"$acked"' ]'
ml_check_all "after the load run"
nt_pass "$acked acknowledged, 0 lost, $errs SMTP errors during the switch"
