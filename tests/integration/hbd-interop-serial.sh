#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node joined only by a serial line (a pty
# pair, ptyrelay.py, 19200 baud): both see each other active with no bad
# packets either way, a packet lost on the line either way is asked for
# and retransmitted, each detects the other's death, and a restarted hbd
# is welcomed back (taking over the lock its killed self left).  hbd -t
# names a serial device it cannot open or lock, and a Heartbeat node told
# to use the line hbd holds refuses it ("cannot lock line").
NT_NAME=hbd-interop-serial
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v python3 >/dev/null && command -v socat >/dev/null || { echo "SKIP: python3 or socat missing"; exit 77; }
nt_init
nt_node node1 10.58.0.1/24
nt_node node2 10.58.0.2/24
hb_serial_pair tty1 tty2

# hbd -t: a missing device and a locked one are named, with the ha.cf line
hbd_t() { "$HBD" -c "$NT_TMP/$1" -n node1 -s "$NT_TMP/$1/hbd.sock" -t >"$NT_TMP/t.out" 2>&1; }
hb_conf bad "$HBR_PAIR_CF
serial $NT_TMP/nosuchtty"
hbd_t bad
rc=$?
[ $rc = 6 ] && grep -q "bad/ha.cf:6: serial $NT_TMP/nosuchtty: cannot open: No such file" "$NT_TMP/t.out" ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t: missing device not named (exit $rc)"; }
hb_conf locked "$HBR_PAIR_CF
serial $NT_TMP/tty1"
hbd_t locked || { cat "$NT_TMP/t.out"; nt_fail "hbd -t refused a good line"; }
lock=$(hb_lockfile "$NT_TMP/tty1")
printf '%10d\n' "$$" >"$lock"	# a live process that is not hbd
hbd_t locked
rc=$?
[ $rc = 6 ] && grep -q "serial $NT_TMP/tty1: in use: locked by process .* ($lock)" "$NT_TMP/t.out" ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t: locked device not named (exit $rc)"; }
rm -f "$lock"

hbr_pair_start "baud 19200
serial $NT_TMP/tty1" "baud 19200
serial $NT_TMP/tty2"
[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ] || nt_fail "hbd: serial link not up"
# the two ends of the cable are set up alike: hbd's tty as Heartbeat's
t1=$(stty -g -F "$NT_TMP/tty1") t2=$(stty -g -F "$NT_TMP/tty2")
[ "$t1" = "$t2" ] || { stty -a -F "$NT_TMP/tty1"; stty -a -F "$NT_TMP/tty2"
	nt_fail "hbd's tty settings differ from heartbeat's ($t1 / $t2)"; }
nt_log "tty (both ends): $(stty -F "$NT_TMP/tty1" | tr '\n' ' ')"
hbr_pair_clean

# a packet lost on the line each way: the receiver asks for it again with
# NS_rexmit on the line and gets it, retransmitted in the serial format
counter() { echo counters | socat - "UNIX-CONNECT:$NT_TMP/node1/hbd.sock" |
	awk -v k="$1" '$1 == k {print $2}'; }
lost_and_found() {	# FROM(A|B) SRC
	local d seq
	hb_serial_drop "$1"
	nt_wait 5 grep -q "^$1>.* src=$2 .* dropped" "$NT_TMP/cable.log" || nt_fail "nothing dropped"
	d=$(grep "^$1>.* src=$2 .* dropped" "$NT_TMP/cable.log" | tail -1)
	seq=${d##*seq=}; seq=${seq%% *}
	nt_wait 5 '[ "$(grep -c "^'"$1"'>.* src='"$2"' seq='"$seq"' sent" "$NT_TMP/cable.log")" -ge 1 ]' || {
		grep -n "NS_rexmit\|seq=$seq " "$NT_TMP/cable.log" | tail; nt_fail "seq $seq from $2 not sent again"; }
	nt_log "lost on the line: ${d% dropped}; sent again"
}
sent0=$(counter rexmit_sent)
lost_and_found A node1
[ "$(counter rexmit_sent)" -gt "$sent0" ] || nt_fail "hbd did not count a retransmission"
grep -q "^B>A t=NS_rexmit src=node2" "$NT_TMP/cable.log" || nt_fail "no NS_rexmit from heartbeat"
lost_and_found B node2
grep -q "^A>B t=NS_rexmit src=node1" "$NT_TMP/cable.log" || nt_fail "no NS_rexmit from hbd"
sleep 1
! grep -qi "Irretrievably\|bad\|replay" "$NT_TMP/node2/var/ha-log" || {
	grep -i "Irretrievably\|bad\|replay" "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat did not recover the lost packet"; }
! grep -q "bad packet\|line noise\|replay" "$NT_TMP/node1/ha-log" || nt_fail "hbd rejected packets"
hb_is node1 node2 active && [ "$(real_status node1)" = active ] || nt_fail "a lost packet split the pair"
hbr_pair_deaths
# hbd restarts (its killed self left a stale lock): welcomed back
hb_start node1
nt_wait 5 '[ "$(cat "$lock" 2>/dev/null)" = "$(printf "%10d" "${HB_PID[node1]}")" ]' ||
	nt_fail "restarted hbd did not take over its stale lock"
hb_wait_status node1 node2 active 15 || nt_fail "restarted hbd does not see heartbeat"
nt_wait 15 '[ "$(real_status node1)" = active ]' || {
	tail -20 "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat did not welcome hbd back"; }
grep -q "Heartbeat restart on node node1" "$NT_TMP/node2/var/ha-log" ||
	nt_fail "heartbeat did not see hbd's restart"
! grep -q "returning after partition" "$NT_TMP/node2/var/ha-log" ||
	nt_fail "heartbeat took the restart for a partition"
# Heartbeat honours hbd's lock: a Heartbeat node (sharing the host's lock
# directory and PID namespace) told to use the line hbd holds refuses it
nt_node node3 10.58.0.3/24
HBR_HOSTLOCK=1 hbr_start node3 "$HBR_PAIR_CF
node node3
serial $NT_TMP/tty1
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log"
nt_wait 10 grep -q "cannot lock line $NT_TMP/tty1" "$NT_TMP/node3/var/ha-log" || {
	tail "$NT_TMP/node3/var/ha-log"; nt_fail "heartbeat opened the line hbd holds"; }
nt_log "heartbeat: $(grep -o "cannot lock line.*" "$NT_TMP/node3/var/ha-log" | head -1)"
[ "$(cat "$lock")" = "$(printf '%10d' "${HB_PID[node1]}")" ] || nt_fail "hbd's lock was taken"
hb_is node1 node2 active || nt_fail "hbd lost heartbeat"
nt_pass
