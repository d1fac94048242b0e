#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node joined only by a serial line (a
# socat pty pair, 19200 baud): both see each other active with no bad
# packets either way, each detects the other's death, and a restarted hbd
# is welcomed back (taking over the lock its killed self left).  hbd -t
# names a serial device it cannot open or lock, and a Heartbeat node told
# to use the line hbd holds refuses it ("cannot lock line").
NT_NAME=hbd-interop-serial
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
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
printf '%10d\n' "$(pgrep -o -x socat)" >"$lock"
hbd_t locked
rc=$?
[ $rc = 6 ] && grep -q "serial $NT_TMP/tty1: in use: locked by process .* ($lock)" "$NT_TMP/t.out" ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t: locked device not named (exit $rc)"; }
rm -f "$lock"

hbr_pair_start "baud 19200
serial $NT_TMP/tty1" "baud 19200
serial $NT_TMP/tty2"
[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ] || nt_fail "hbd: serial link not up"
hbr_pair_clean
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
