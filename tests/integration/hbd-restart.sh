#!/bin/bash
# hbd-restart: what a systemd restart after a crash does (hbd.service:
# Restart=on-failure).  Group "node1 IPaddr::VIP/24/eth0 tcpsvc::7778",
# auto_failback off.
#  1. node1's hbd alone is killed (kill -9): its VIP and service stay up,
#     node2 takes the group over (the address is on both for a moment).
#  2. hbd is started again on node1 (as systemd would): it notices the
#     unclean stop, stops every resource of its group (the stale VIP and
#     service go), then joins and asks: node2 keeps the group, node1 takes
#     nothing, the client keeps reaching node2.
#  3. a clean stop (SIGTERM) and start: no release-at-start.
NT_NAME=hbd-restart
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.58.0.50
nt_init
nt_node node1 10.58.0.1/24
nt_node node2 10.58.0.2/24
nt_node client 10.58.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.58.0.$((3 - n))
node node1 node2
auto_failback off
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7778"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources
svc1() { [ -f "$NT_TMP/tcpsvc-node1-7778.pid" ] && kill -0 "$(cat "$NT_TMP/tcpsvc-node1-7778.pid")" 2>/dev/null; }
trap 'TCPSVC_DIR=$NT_TMP HA_CURHOST=node1 "$NT_TMP/node1/resource.d/tcpsvc" 7778 stop; TCPSVC_DIR=$NT_TMP HA_CURHOST=node2 "$NT_TMP/node2/resource.d/tcpsvc" 7778 stop; nt_cleanup' EXIT
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7778)" = node1 ]' || nt_fail "service not up on node1"
sleep 1

# 1.
kill -9 "${HB_PID[node1]}"
nt_wait 10 'hb_holds node2 $VIP && [ "$(hb_cl node2 rscstatus)" = foreign ]' || nt_fail "node2 did not take over"
hb_holds node1 $VIP && svc1 || nt_fail "setup: node1's VIP and service should outlive its hbd"
nt_log "node2 took over; node1 still has the VIP and its service (stale)"

# 2.
t0=$(nt_ms)
hb_start node1
nt_wait 10 '! hb_holds node1 $VIP && ! svc1' || nt_fail "restarted hbd did not release the stale VIP/service"
nt_log "stale VIP and service released $(( $(nt_ms) - t0 )) ms after the restart"
grep -q "did not stop cleanly last time: releasing every resource group" "$NT_TMP/node1/ha-log" ||
	nt_fail "no log line about the unclean stop"
hb_wait_status node2 node1 active 10 || nt_fail "node1 did not rejoin"
hb_wait_status node1 node2 active 10 || nt_fail "node1 does not see node2"
sleep 3
hb_holds node1 $VIP && nt_fail "restarted node1 took the VIP back"
hb_holds node2 $VIP || nt_fail "node2 lost the VIP"
[ "$(hb_cl node1 rscstatus)" = none ] || nt_fail "node1 rscstatus $(hb_cl node1 rscstatus)"
[ "$(hb_cl node2 rscstatus)" = foreign ] || nt_fail "node2 rscstatus $(hb_cl node2 rscstatus)"
[ "$(hb_ask $VIP 7778)" = node2 ] || nt_fail "client does not reach node2"

# 3.
kill -TERM "${HB_PID[node1]}"
nt_wait 10 '! kill -0 ${HB_PID[node1]} 2>/dev/null' || nt_fail "node1's hbd did not stop on SIGTERM"
[ -e "$NT_TMP/node1/state/hbd.running" ] && nt_fail "marker left after a clean stop"
n=$(grep -c "did not stop cleanly" "$NT_TMP/node1/ha-log")
hb_start node1
hb_wait_status node1 node2 active 10 || nt_fail "node1 did not come back"
[ "$(grep -c "did not stop cleanly" "$NT_TMP/node1/ha-log")" = "$n" ] || nt_fail "released at start after a clean stop"
[ "$(hb_ask $VIP 7778)" = node2 ] || nt_fail "client does not reach node2 after node1's clean restart"
nt_pass
