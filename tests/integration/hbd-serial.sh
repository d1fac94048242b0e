#!/bin/bash
# Heartbeats over a serial line: a pty pair made by socat, no network
# media at all, in Heartbeat 3.0.6's serial format (the scanner's handling
# of noise: tests/unit/test_serial; against a real Heartbeat:
# hbd-interop-serial.sh).
NT_NAME=hbd-serial
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
nt_init
nt_node node1 10.54.0.1/24
nt_node node2 10.54.0.2/24
hb_serial_pair tty1 tty2
for n in 1 2; do
	hb_conf node$n "keepalive 200ms
deadtime 1
initdead 3
baud 115200
serial $NT_TMP/tty$n
node node1 node2
logfile $NT_TMP/node$n/ha-log"
done
hb_start node1
hb_start node2
hb_wait_status node1 node2 active 4 || nt_fail "node2 not active over serial"
hb_wait_status node2 node1 active 4 || nt_fail "node1 not active over serial"
[ "$(hb_cl node1 hblinkstatus node2 $NT_TMP/tty1)" = up ] || nt_fail "serial link not up"
# each holds the UUCP lock of its line, as Heartbeat's format: "%10d\n"
[ "$(cat "$(hb_lockfile "$NT_TMP/tty1")")" = "$(printf '%10d' "${HB_PID[node1]}")" ] ||
	nt_fail "no lock $(hb_lockfile "$NT_TMP/tty1") with node1's pid"
! grep -q "bad packet\|line noise" "$NT_TMP/node1/ha-log" "$NT_TMP/node2/ha-log" ||
	nt_fail "packets lost on a clean line"
kill -9 "${HB_PID[node2]}"
hb_wait_status node1 node2 dead 3 || nt_fail "death over serial not detected"
nt_pass
