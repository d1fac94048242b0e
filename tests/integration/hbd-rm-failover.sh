#!/bin/bash
# Resource failover with a VIP and a TCP service (haresources group
# "node1 IPaddr::VIP/24/eth0 tcpsvc::7777"):
#  1. kill -9 node1's hbd: node2 takes the group, the client's ARP entry
#     moves to node2 by gratuitous ARP, the service answers from node2;
#  2. node1 returns (auto_failback off): the group stays on node2;
#  3. node2's link is cut: node1 takes over; when the link is restored both
#     hold the group and the preferred node (node1) keeps it.
NT_NAME=hbd-rm-failover
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.57.0.50
nt_init
nt_node node1 10.57.0.1/24
nt_node node2 10.57.0.2/24
nt_node client 10.57.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.57.0.$((3 - n))
node node1 node2
auto_failback off
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7777"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7777)" = node1 ]' || nt_fail "service not up on node1"
hb_holds node2 $VIP && nt_fail "node2 holds the VIP too"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node1)" ] || nt_fail "client MAC is not node1's"
[ "$(hb_cl node1 rscstatus)" = local ] || nt_fail "node1 rscstatus $(hb_cl node1 rscstatus)"
[ "$(hb_cl node2 rscstatus)" = none ] || nt_fail "node2 rscstatus $(hb_cl node2 rscstatus)"
sleep 1

# 1. kill -9
t0=$(nt_ms)
kill -9 "${HB_PID[node1]}"
nt_wait 10 '[ "$(hb_ask $VIP 7777)" = node2 ]' || nt_fail "service not moved to node2"
t1=$(nt_ms)
nt_log "service answered from node2 $((t1 - t0)) ms after kill -9"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node2)" ] || nt_fail "client ARP entry did not move"
[ "$(hb_cl node2 rscstatus)" = foreign ] || nt_fail "node2 rscstatus $(hb_cl node2 rscstatus)"
# node1 "reboots": its VIP and service are gone with it
nt_exec node1 ip addr del $VIP/24 dev eth0
TCPSVC_DIR=$NT_TMP HA_CURHOST=node1 "$NT_TMP/node1/resource.d/tcpsvc" 7777 stop

# 2. node1 comes back, auto_failback off: nothing moves
hb_start node1
hb_wait_status node2 node1 active 5 || nt_fail "node1 not back"
sleep 3
[ "$(hb_ask $VIP 7777)" = node2 ] || nt_fail "group moved back with auto_failback off"
hb_holds node1 $VIP && nt_fail "node1 took the VIP with auto_failback off"
[ "$(hb_cl node1 rscstatus)" = none ] || nt_fail "node1 rscstatus $(hb_cl node1 rscstatus)"

# 3. cut node2's link: node1 takes over; restore: node1 keeps it
t0=$(nt_ms)
nt_link node2 down
nt_wait 10 '[ "$(hb_ask $VIP 7777)" = node1 ]' || nt_fail "node1 did not take over after link cut"
nt_log "service answered from node1 $(( $(nt_ms) - t0 )) ms after the link cut"
hb_holds node2 $VIP || nt_fail "node2 dropped the VIP while cut off (unexpected)"
nt_link node2 up
t0=$(nt_ms)
nt_wait 5 sh -c "! ip netns exec $(nt_ns node2) ip -o addr show | grep -q ' $VIP/'" ||
	nt_fail "node2 still holds the VIP after the heal"
nt_log "partition healed: node2 released the VIP $(( $(nt_ms) - t0 )) ms after reconnect"
hb_holds node1 $VIP || nt_fail "node1 lost the VIP in the heal"
nt_wait 3 '[ "$(hb_ask $VIP 7777)" = node1 ]' || nt_fail "service not on node1 after heal"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node1)" ] || nt_fail "client ARP not on node1 after heal"
nt_pass
