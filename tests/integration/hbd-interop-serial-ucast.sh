#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node with two heartbeat paths, a serial
# line (a pty pair, ptyrelay.py) and ucast.  With the UDP path cut, the
# serial line alone keeps the pair together: nobody is declared dead, each
# side sees its ucast link dead and the serial link up; when the network
# returns the ucast link comes back.
NT_NAME=hbd-interop-serial-ucast
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
nt_init
nt_node node1 10.59.0.1/24
nt_node node2 10.59.0.2/24
hb_serial_pair tty1 tty2
hbr_pair_start "baud 19200
serial $NT_TMP/tty1
ucast eth0 10.59.0.2" "baud 19200
serial $NT_TMP/tty2
ucast eth0 10.59.0.1"
real() { hbr_exec node2 cl_status "$@" 2>/dev/null; }
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = up ]' || nt_fail "hbd: ucast link not up"
nt_wait 5 '[ "$(real hblinkstatus node1 eth0)" = up ]' || nt_fail "heartbeat: ucast link not up"
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ]' || nt_fail "hbd: serial link not up"
nt_wait 5 '[ "$(real hblinkstatus node1 "$NT_TMP/tty2")" = up ]' || nt_fail "heartbeat: serial link not up"
nt_log "both links up both ways"
hbr_pair_clean

# cut the UDP path for 4 deadtimes
nt_link node1 down
t0=$(nt_ms)
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = dead ]' || nt_fail "hbd: cut ucast link still up"
nt_wait 5 '[ "$(real hblinkstatus node1 eth0)" = dead ]' || nt_fail "heartbeat: cut ucast link still up"
nt_log "ucast links dead after $(( $(nt_ms) - t0 )) ms"
while [ $(( $(nt_ms) - t0 )) -lt 8000 ]; do
	hb_is node1 node2 active || nt_fail "hbd lost heartbeat with the serial line up"
	[ "$(real_status node1)" = active ] || nt_fail "heartbeat lost hbd with the serial line up"
	sleep 0.2
done
[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ] || nt_fail "hbd: serial link down"
[ "$(real hblinkstatus node1 "$NT_TMP/tty2")" = up ] || nt_fail "heartbeat: serial link down"
! grep -q "is dead\|Node node2: status dead" "$NT_TMP/node1/ha-log" || nt_fail "hbd declared a death"
! grep -q "node node1: is dead" "$NT_TMP/node2/var/ha-log" || nt_fail "heartbeat declared a death"
! grep -q "bad packet\|line noise" "$NT_TMP/node1/ha-log" || nt_fail "hbd rejected packets"
nt_link node1 up
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = up ]' || nt_fail "hbd: ucast link not back"
nt_wait 5 '[ "$(real hblinkstatus node1 eth0)" = up ]' || nt_fail "heartbeat: ucast link not back"
nt_pass
