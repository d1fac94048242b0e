#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node with two heartbeat paths, a serial
# line (socat pty pair) and ucast.  With the UDP path cut, the serial line
# alone keeps the pair together: nobody is declared dead, each side sees
# its ucast link dead and the serial link up; when the network returns
# the ucast link comes back.
NT_NAME=hbd-interop-serial-ucast
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
nt_init
nt_node node1 10.59.0.1/24
nt_node node2 10.59.0.2/24
hb_serial_pair tty1 tty2
HA_CF="keepalive 200ms
deadtime 2
initdead 8
baud 19200
node node1 node2
crm off"
hb_conf node1 "$HA_CF
serial $NT_TMP/tty1
ucast eth0 10.59.0.2
logfile $NT_TMP/node1/ha-log"
hb_start node1
hbr_start node2 "$HA_CF
serial $NT_TMP/tty2
ucast eth0 10.59.0.1
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log
debugfile /var/lib/heartbeat/ha-debug"
real() { hbr_exec node2 cl_status "$@" 2>/dev/null; }
hb_wait_status node1 node2 active 15 || nt_fail "hbd does not see heartbeat active"
nt_wait 15 '[ "$(real nodestatus node1)" = active ]' || nt_fail "heartbeat does not see hbd active"
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = up ]' || nt_fail "hbd: ucast link not up"
nt_wait 5 '[ "$(real hblinkstatus node1 eth0)" = up ]' || nt_fail "heartbeat: ucast link not up"
[ "$(hb_cl node1 hblinkstatus node2 "$NT_TMP/tty1")" = up ] || nt_fail "hbd: serial link not up"
[ "$(real hblinkstatus node1 "$NT_TMP/tty2")" = up ] || nt_fail "heartbeat: serial link not up"
nt_log "both active on both paths"
sleep 6	# past heartbeat's start-up dt (deadtime + 2 s)

# cut the UDP path for 4 deadtimes
nt_link node1 down
t0=$(nt_ms)
nt_wait 5 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = dead ]' || nt_fail "hbd: cut ucast link still up"
nt_wait 5 '[ "$(real hblinkstatus node1 eth0)" = dead ]' || nt_fail "heartbeat: cut ucast link still up"
nt_log "ucast links dead after $(( $(nt_ms) - t0 )) ms"
while [ $(( $(nt_ms) - t0 )) -lt 8000 ]; do
	hb_is node1 node2 active || nt_fail "hbd lost heartbeat with the serial line up"
	[ "$(real nodestatus node1)" = active ] || nt_fail "heartbeat lost hbd with the serial line up"
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
