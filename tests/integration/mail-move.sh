#!/bin/bash
# Planned moves under load with real Postfix and Dovecot (doc/hbd.md
# "Planned moves"): ${HB_MOVE_CLIENTS:-4} SMTP clients at
# ${HB_MOVE_RATE:-40} msgs/s each send through the VIP (one connection per
# message, every 250 only after the replication barrier); hb_standby on
# node1 moves the group to node2, then hb_takeover on node1 brings it back.
# Measured: the longest time between two acknowledgements (of any client)
# around each move, refused transactions, lost and duplicated messages.
# Asserted: 0
# lost, 0 duplicates, each node ends with the group or nothing (one owner),
# outbound mail (a fifth client, 10 msgs/s to a remote MX) reaches the MX
# exactly once, the taker's prepared and the giver's drained Postfix run no
# queue manager (only one node delivers from the replicated queue),
# and a session in the middle of a transaction on the old node while it
# drains (new sessions already get 421) is completed, not cut.
# Bad input: a second hb_standby / hb_takeover while a move runs is refused
# (exit 1, "in flux"); hb_standby while replication is down (node2's
# replicate daemon killed) is cancelled at the final barrier: node1 keeps
# the group and keeps acknowledging.
# The half-second target for the gap is a speed target: it is measured and
# printed here, and checked by bench/mail-move (and here only when
# HB_MOVE_MAX_GAP_MS is set), since a loaded machine stretches every forked
# script on the path.
NT_NAME=${NT_NAME:-mail-move}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
rm_have_mail
CLIENTS=${HB_MOVE_CLIENTS:-4} RATE=${HB_MOVE_RATE:-40} MAXGAP=${HB_MOVE_MAX_GAP_MS:-}
GAPS="python3 $HB_TOP/tests/integration/mail-gaps.py"
trap 'ml_stop_all; nt_cleanup' EXIT
ml_setup on
: >"$NT_TMP/sent" >"$NT_TMP/mx-got"
ml_mx_node
ml_mx_start
ml_up
HBS=$HB_BUILD/hbd/hb_standby HBT=$HB_BUILD/hbd/hb_takeover

# a transaction in progress on the old node when it starts to drain: DATA
# sent before the move; the final "." only once the giver logged its
# postfix drain (FLAG appears) and a new session got 421: drained, it must
# still get its 250
slow_session() {	# $1 = message number, $2 = flag file
	nt_exec client python3 - "$ML_VIP" "$1" "$2" <<'PY'
import os, smtplib, sys, time
s = smtplib.SMTP(sys.argv[1], 25, timeout=40)
s.ehlo("slow")
s.mail("sender@client.test")
s.rcpt("user@example.org")
code, _ = s.docmd("DATA")
assert code == 354, code
s.send(("Subject: msg-%s\r\n\r\nslow body\r\n" % sys.argv[2]).encode())
t = time.time()
while not os.path.exists(sys.argv[3]) and time.time() - t < 25:
    time.sleep(0.01)
while time.time() - t < 30:     # until a new session is refused: drained
    try:
        smtplib.SMTP(sys.argv[1], 25, timeout=2).quit()
    except smtplib.SMTPConnectError as e:
        if e.smtp_code == 421:
            break
    except OSError:
        pass
    time.sleep(0.02)
code, msg = s.docmd(".")
print("%s %s %d %s" % ("ok" if code == 250 else "err", sys.argv[2], time.time() * 1000,
      msg.decode(errors="replace").replace(" ", "_")), flush=True)
PY
}

# flag_at FILE PATTERN FLAG: create FLAG as soon as PATTERN is logged again
flag_at() {
	local n0 i
	n0=$(grep -c "$2" "$1")
	for i in $(seq 1 1500); do
		[ "$(grep -c "$2" "$1")" -gt "$n0" ] && { touch "$3"; return 0; }
		sleep 0.02
	done
	return 1
}

# qmgr_of N: node N's postfix queue manager processes (of its master)
qmgr_of() {
	local m
	read -r m 2>/dev/null <"$NT_TMP/node$1/data/master.lock" || return 0
	pgrep -P "$m" -x qmgr
}

# qmgr_watch FROM TO OUT: during a move, TO's prepared postfix and FROM's
# drained one must run no queue manager (only one node's may deliver from
# the replicated queue); each state seen is checked once, written to OUT
qmgr_watch() {
	local from=${1#node} to=${2#node} out=$3 i p0 d0 seen_p= seen_d=
	p0=$(grep -c "Planned move: group .* prepared" "$NT_TMP/node$to/ha-log")
	d0=$(grep -c "postfix.* drained: new sessions refused" "$NT_TMP/node$from/ha-log")
	for i in $(seq 1 600); do
		if [ -z "$seen_p" ] && [ "$(grep -c "Planned move: group .* prepared" "$NT_TMP/node$to/ha-log")" -gt "$p0" ]; then
			seen_p=1
			echo "prepared node$to qmgr:$(qmgr_of $to | tr '\n' ' ')" >>"$out"
		fi
		if [ -z "$seen_d" ] && [ "$(grep -c "postfix.* drained: new sessions refused" "$NT_TMP/node$from/ha-log")" -gt "$d0" ]; then
			seen_d=1
			echo "drained node$from qmgr:$(qmgr_of $from | tr '\n' ' ')" >>"$out"
		fi
		[ -n "$seen_p" ] && [ -n "$seen_d" ] && return 0
		sleep 0.05	# (light: it runs during the measured gap)
	done
}

# outbound mail during the moves (to the remote MX, 10 msgs/s): each
# acknowledged message must reach the MX exactly once
out_start() {
	nt_exec client $ML_CLIENT send $ML_VIP $((1 + ${#outs[@]} * 10000)) $(($1 * 10)) 10 --to bob@remote.test --prefix out >>"$NT_TMP/out.sent" &
	outs+=($!)
	NT_PIDS+=($!)
}
outs=()

senders=() loads=0
load_start() {	# $1 = seconds (message numbers: distinct per client and call)
	local k
	senders=()
	loads=$((loads + 1))
	for k in $(seq 1 "$CLIENTS"); do
		nt_exec client $ML_CLIENT send $ML_VIP $((k * 100000 + loads * 10000)) $(($1 * RATE)) "$RATE" >>"$NT_TMP/load.$k" &
		senders+=($!)
		NT_PIDS+=($!)
	done
}

# move CMD FROM TO: run hb_standby/hb_takeover on node1 under load, wait
# until the group runs on TO and FROM holds nothing, report the gap
move() {
	local cmd=$1 from=$2 to=$3 t0 t1 res gap flag=$NT_TMP/drain.${#moves[@]}
	slow_session $((900000 + ${#moves[@]})) "$flag" >"$NT_TMP/slow.${#moves[@]}" &
	local slow=$!
	flag_at "$NT_TMP/$from/ha-log" "postfix.* drain$" "$flag" &
	local flagger=$!
	qmgr_watch $from $to "$NT_TMP/qmgr" &
	local qwatch=$!
	sleep 0.3	# the slow session is inside DATA on $from
	t0=$(nt_ms)
	HBD_CONTROL=$NT_TMP/node1/hbd.sock $cmd all >/dev/null || nt_fail "$(basename $cmd) refused"
	# hb_takeover only sends the peer a message, and the peer starts the
	# move: a second request on node1 before the peer's ask reached it is
	# accepted (and ignored by the peer, in flux); check once node1 is in it
	nt_wait 5 '[ "$(hb_cl node1 rscstatus)" = transition ]' ||
		nt_fail "$(basename $cmd): node1 never took part in a move"
	local n out
	for n in 1 2; do
		# each node refuses once it has heard of the move (an idle hbd reads
		# the peer's first message at its next heartbeat tick, doc/hbd.md)
		nt_wait 5 '[ "$(hb_cl node'$n' rscstatus)" = transition ]' ||
			nt_fail "$(basename $cmd): node$n never took part in the move"
		out=$(HBD_CONTROL=$NT_TMP/node$n/hbd.sock $cmd all 2>&1) &&
			nt_fail "$(basename $cmd) on node$n accepted while a move runs"
		echo "$out" | grep -q "in flux" || nt_fail "$(basename $cmd) on node$n during a move: '$out'"
	done
	nt_wait 20 '[ "$(ml_banner)" = '$to' ] && [ "$(hb_cl '$from' rscstatus)" = none ] && [ "$(hb_cl '$to' rscstatus)" != transition ]' ||
		{ tail -n 30 "$NT_TMP/node1/ha-log" "$NT_TMP/node2/ha-log"; nt_fail "$(basename $cmd): group not on $to"; }
	t1=$(nt_ms)
	wait $flagger || nt_fail "$(basename $cmd): $from never drained postfix"
	wait $slow
	wait $qwatch
	grep -q "^prepared $to qmgr:$" "$NT_TMP/qmgr" && grep -q "^drained $from qmgr:$" "$NT_TMP/qmgr" ||
		nt_fail "$(basename $cmd): a prepared or drained postfix ran a queue manager (or was not seen): $(cat "$NT_TMP/qmgr")"
	[ -n "$(qmgr_of ${to#node})" ] || nt_fail "$(basename $cmd): no queue manager on $to after the move"
	: >"$NT_TMP/qmgr"
	[ "$(ml_owner)" = "$to" ] || nt_fail "$(basename $cmd): owners after the move: '$(ml_owner)'"
	sleep 1
	cat "$NT_TMP"/load.* >"$NT_TMP/snap"
	res=$($GAPS "$NT_TMP/snap" $((t0 - 1000)) $((t1 + 1000)))
	gap=$(echo "$res" | awk '{print $6}')
	nt_log "$(basename $cmd) $from -> $to: done in $((t1 - t0)) ms; $res (gap starts $(( $(echo "$res" | awk '{print $8}') - t0 )) ms after the command)"
	grep -q '^ok' "$NT_TMP/slow.${#moves[@]}" || nt_fail "$(basename $cmd): the session inside a transaction on $from was cut: $(cat "$NT_TMP/slow.${#moves[@]}")"
	cat "$NT_TMP/slow.${#moves[@]}" >>"$NT_TMP/sent"
	moves+=("$(basename $cmd):$gap")
}

moves=()
load_start 26
out_start 26
sleep 3
move "$HBS" node1 node2
sleep 2
move "$HBT" node2 node1

# replication down: the move is cancelled at the final barrier
wait "${senders[@]}"
load_start 60	# stopped once the cancel is checked
sleep 1
for p in $(ip netns pids "$(nt_ns node2)"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = replicate ] && kill -9 "$p"
done
nt_wait 5 '"$REPLICATE_BIN" -S "$NT_TMP/node1/repl/ctl" -w 2 status | grep -q phase=down' || nt_fail "node1 still sees a replication session"
HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBS all >/dev/null || nt_fail "hb_standby refused with replication down"
nt_wait 20 'grep -q "Planned move cancelled" "$NT_TMP/node1/ha-log" && [ "$(hb_cl node1 rscstatus)" = local ] && [ "$(hb_cl node2 rscstatus)" = none ]' ||
	{ tail -30 "$NT_TMP/node1/ha-log"; nt_fail "hb_standby with replication down: not cancelled"; }
t0=$(nt_ms)
sleep 2
[ "$(ml_owner)" = node1 ] || nt_fail "owners after the cancelled move: '$(ml_owner)'"
[ "$(ml_banner)" = node1 ] || nt_fail "node1 does not answer SMTP after the cancelled move"
cat "$NT_TMP"/load.* >"$NT_TMP/snap"
acks=$($GAPS "$NT_TMP/snap" "$t0" $((t0 + 2000)) | awk '{print $2}')
nt_log "hb_standby with replication down: $(grep -m1 "Planned move cancelled" "$NT_TMP/node1/ha-log" | sed "s/.*Planned/Planned/"); node1 acknowledged $acks in the next 2 s"
[ "$acks" -gt 0 ] || nt_fail "no acknowledgement on node1 after the cancelled move"
kill "${senders[@]}" 2>/dev/null
wait "${senders[@]}" 2>/dev/null
cat "$NT_TMP"/load.* >>"$NT_TMP/sent"
nt_log "whole run: $($GAPS "$NT_TMP/sent")"
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge "$(grep -c "^ok" "$NT_TMP/sent")" ]'
ml_check_all "after hb_standby and hb_takeover under load"
wait "${outs[@]}" 2>/dev/null
oacked=$(grep -c '^ok' "$NT_TMP/out.sent")
nt_wait 30 '[ "$(sort -u "$NT_TMP/mx-got" | grep -c "^out-")" -ge '$oacked' ]'
omissing=$(comm -23 <(awk '$1 == "ok" {print "out-" $2}' "$NT_TMP/out.sent" | sort) <(sort -u "$NT_TMP/mx-got") | grep -c .)
odups=$(sort "$NT_TMP/mx-got" | uniq -d | grep -c .)
nt_log "outbound during the moves: acknowledged $oacked, at the MX $(grep -c . "$NT_TMP/mx-got"), missing $omissing, duplicates $odups $(sort "$NT_TMP/mx-got" | uniq -d | head -5 | tr '\n' ' ')"
[ "$omissing" = 0 ] || nt_fail "$omissing acknowledged outbound message(s) never reached the MX"
[ "$odups" = 0 ] || nt_fail "$odups outbound message(s) delivered twice"
for m in "${moves[@]}"; do
	[ -z "$MAXGAP" ] || [ "${m#*:}" -le "$MAXGAP" ] || nt_fail "${m%%:*}: longest gap between acknowledgements ${m#*:} ms > $MAXGAP ms"
done
nt_pass "gaps ${moves[*]} ms (target 500${MAXGAP:+, asserted <= $MAXGAP}), 0 lost, 0 duplicates"
