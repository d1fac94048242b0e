#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node (crm off, sha1 authkeys) see each
# other active in their own cl_status, and each detects the other's death.
NT_NAME=hbd-interop
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
nt_init
nt_node node1 10.56.0.1/24
nt_node node2 10.56.0.2/24
hb_conf node1 "keepalive 200ms
deadtime 2
initdead 8
ucast eth0 10.56.0.2
node node1 node2
crm off
logfile $NT_TMP/node1/ha-log"
HA_CF_REAL="keepalive 200ms
deadtime 2
initdead 8
ucast eth0 10.56.0.1
node node1 node2
crm off
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log
debugfile /var/lib/heartbeat/ha-debug"
hb_start node1
hbr_start node2 "$HA_CF_REAL"
real_status() { hbr_exec node2 cl_status nodestatus "$1" 2>/dev/null; }
hb_wait_status node1 node2 active 15 || nt_fail "hbd does not see heartbeat active"
nt_wait 15 '[ "$(real_status node1)" = active ]' || {
	tail -30 "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat does not see hbd active"; }
[ "$(real_status node2)" = active ] || nt_fail "heartbeat itself not active"
nt_log "both active; heartbeat says node1 is $(real_status node1)"
sleep 6	# past heartbeat's start-up dt (deadtime + 2 s)
# no bad packets either way
! grep -q "bad packet\|replay" "$NT_TMP/node1/ha-log" || nt_fail "hbd rejected heartbeat packets"
grep -qi "bad\|replay\|Message hist queue" "$NT_TMP/node2/var/ha-log" && {
	grep -i "bad\|replay\|hist queue" "$NT_TMP/node2/var/ha-log" | head; nt_fail "heartbeat complained"; }
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
nt_wait 6 '[ "$(real_status node1)" = dead ]' || nt_fail "heartbeat did not detect hbd's death"
grep -q "node node1: is dead" "$NT_TMP/node2/var/ha-log" || nt_fail "no death in heartbeat's log"
nt_pass
