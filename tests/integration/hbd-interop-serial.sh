#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node joined only by a serial line (a
# socat pty pair, 19200 baud): both see each other active with no bad
# packets either way, each detects the other's death, and a restarted hbd
# is welcomed back.  hbd -t names a serial device it cannot open or lock.
NT_NAME=hbd-interop-serial
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
nt_init
nt_node node1 10.58.0.1/24
nt_node node2 10.58.0.2/24
hb_serial_pair tty1 tty2
HA_CF="keepalive 200ms
deadtime 2
initdead 8
baud 19200
node node1 node2
crm off"
hb_conf node1 "$HA_CF
serial $NT_TMP/tty1
logfile $NT_TMP/node1/ha-log"

# hbd -t: the line opens and is free; a missing device and a locked one
# are named, with the ha.cf line
"$HBD" -c "$NT_TMP/node1" -S "$NT_TMP/node1/state" -s "$NT_TMP/node1/hbd.sock" -t \
	>"$NT_TMP/t.out" 2>&1 || { cat "$NT_TMP/t.out"; nt_fail "hbd -t refused a good line"; }
mkdir -p "$NT_TMP/bad"
cp "$NT_TMP/node1/"{authkeys,haresources,nodeinfo} "$NT_TMP/bad/"
printf '%s\nserial %s\n' "$HA_CF" "$NT_TMP/nosuchtty" >"$NT_TMP/bad/ha.cf"
"$HBD" -c "$NT_TMP/bad" -s "$NT_TMP/bad/hbd.sock" -t >"$NT_TMP/t.out" 2>&1
rc=$?
[ $rc = 6 ] && grep -q "ha.cf:7: serial $NT_TMP/nosuchtty: cannot open: No such file" "$NT_TMP/t.out" ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t: missing device not named (exit $rc)"; }
lock=$(hb_lockfile "$NT_TMP/tty1")
printf '%10d\n' "$(pgrep -o -x socat)" >"$lock"
"$HBD" -c "$NT_TMP/node1" -s "$NT_TMP/node1/hbd.sock" -t >"$NT_TMP/t.out" 2>&1
rc=$?
[ $rc = 6 ] && grep -q "serial $NT_TMP/tty1: in use: locked by process .* ($lock)" "$NT_TMP/t.out" ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t: locked device not named (exit $rc)"; }
rm -f "$lock"

hb_start node1
hbr_start node2 "$HA_CF
serial $NT_TMP/tty2
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log
debugfile /var/lib/heartbeat/ha-debug"
real_status() { hbr_exec node2 cl_status nodestatus "$1" 2>/dev/null; }
hb_wait_status node1 node2 active 15 || nt_fail "hbd does not see heartbeat active"
nt_wait 15 '[ "$(real_status node1)" = active ]' || {
	tail -30 "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat does not see hbd active"; }
nt_log "both active over serial"
[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ] || nt_fail "hbd: serial link not up"
sleep 6	# past heartbeat's start-up dt (deadtime + 2 s)
! grep -q "bad packet\|line noise\|replay" "$NT_TMP/node1/ha-log" || {
	grep "bad packet\|line noise\|replay" "$NT_TMP/node1/ha-log" | head
	nt_fail "hbd rejected heartbeat's serial packets"; }
bad="bad\|failed auth\|replay\|Message hist queue\|TTY write\|msg2\|wirefmt\|Irretrievably"
grep -qi "$bad" "$NT_TMP/node2/var/ha-log" && {
	grep -i "$bad" "$NT_TMP/node2/var/ha-log" | head
	nt_fail "heartbeat complained"; }
[ "$(real_status node1)" = active ] || nt_fail "heartbeat lost hbd"

# heartbeat dies: hbd notices
hbr_kill node2
t0=$(nt_ms)
hb_wait_status node1 node2 dead 5 || nt_fail "hbd did not detect heartbeat's death"
nt_log "hbd declared heartbeat dead after $(( $(nt_ms) - t0 )) ms"
# heartbeat back; then hbd dies: heartbeat notices
hbr_exec node2 $HB_REAL
hb_wait_status node1 node2 active 15 || nt_fail "restarted heartbeat not active"
nt_wait 15 '[ "$(real_status node1)" = active ]' || nt_fail "restarted heartbeat does not see hbd"
sleep 6
kill -9 "${HB_PID[node1]}"
t0=$(nt_ms)
nt_wait 6 '[ "$(real_status node1)" = dead ]' || nt_fail "heartbeat did not detect hbd's death"
nt_log "heartbeat declared hbd dead after $(( $(nt_ms) - t0 )) ms"
grep -q "node node1: is dead" "$NT_TMP/node2/var/ha-log" || nt_fail "no death in heartbeat's log"
# hbd restarts (its killed self left a stale lock): welcomed back
hb_start node1
hb_wait_status node1 node2 active 15 || nt_fail "restarted hbd does not see heartbeat"
nt_wait 15 '[ "$(real_status node1)" = active ]' || {
	tail -20 "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat did not welcome hbd back"; }
grep -q "Heartbeat restart on node node1" "$NT_TMP/node2/var/ha-log" ||
	nt_fail "heartbeat did not see hbd's restart"
! grep -q "returning after partition" "$NT_TMP/node2/var/ha-log" ||
	nt_fail "heartbeat took the restart for a partition"
nt_pass
