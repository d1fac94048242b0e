#!/bin/bash
# Heartbeats over a serial line: a pty pair (ptyrelay.py), no network
# media at all, in Heartbeat 3.0.6's serial format (the scanner's handling
# of noise: tests/unit/test_serial; against a real Heartbeat:
# hbd-interop-serial.sh).
NT_NAME=hbd-serial
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
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
# noise on the line, written into node2's end: 20 writes of junk, 8-bit
# bytes, a stray end tag, a half packet, a block that fails
# authentication, a block over the 262144-byte cap.  node1 logs the noise
# once per 5 s burst (with totals), rejects the forged block like a UDP
# packet, and keeps node2.
for i in $(seq 20); do printf 'junk %d\n\377\376\n' "$i" >"$NT_TMP/tty2"; done
printf '<<<\n>>>\nhalf=1\n' >"$NT_TMP/tty2"
printf '>>>\nt=status\nst=active\nsrc=node2\nseq=999\nhg=1\nts=1\nauth=1 0000\n<<<\n' >"$NT_TMP/tty2"
# (one write, so node2's own packets cannot land inside it)
python3 -c 'import os, sys; os.write(1, b">>>\n" + b"x" * 300000 + b"\n<<<\n")' >"$NT_TMP/tty2"
nt_wait 8 grep -q "line noise: .* 1 over 262144 bytes dropped" "$NT_TMP/node1/ha-log" || {
	grep "line noise" "$NT_TMP/node1/ha-log"; nt_fail "noise not logged with totals"; }
grep "line noise" "$NT_TMP/node1/ha-log" | while read -r l; do nt_log "${l#*WARN: }"; done
[ "$(grep -c "line noise" "$NT_TMP/node1/ha-log")" = 2 ] || nt_fail "noise not logged once per burst"
grep "line noise" "$NT_TMP/node1/ha-log" | tail -1 |
	grep -q ": line noise: [4-9][0-9] lines outside packets, [1-9][0-9]* packets cut short, 1 over" ||
	nt_fail "noise not counted"
grep -q "bad packet on link $NT_TMP/tty1: authentication failed" "$NT_TMP/node1/ha-log" ||
	nt_fail "forged serial packet not rejected as bad authentication"
hb_is node1 node2 active && hb_is node2 node1 active || nt_fail "noise split the pair"
kill -9 "${HB_PID[node2]}"
hb_wait_status node1 node2 dead 3 || nt_fail "death over serial not detected"
# the cable goes (the pty's far side closes: reads fail with EIO and the
# fd stays readable): node1 logs it once and waits, it does not spin
cpu() { awk '{print $14 + $15}' "/proc/${HB_PID[node1]}/stat"; }
kill "$HB_RELAY"
nt_wait 3 grep -q "tty1: read: .*; retrying every 1000 ms" "$NT_TMP/node1/ha-log" ||
	nt_fail "lost cable not logged"
c0=$(cpu)
sleep 2
[ $(( $(cpu) - c0 )) -lt 20 ] || nt_fail "node1 spins on a dead line ($(( $(cpu) - c0 )) ticks in 2 s)"
[ "$(grep -c "tty1: read: " "$NT_TMP/node1/ha-log")" = 1 ] || nt_fail "read errors not logged once per burst"
nt_pass
