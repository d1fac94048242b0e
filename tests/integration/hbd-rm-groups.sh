#!/bin/bash
# Active/active: two groups with different preferred nodes run one on
# each node.  A group whose start fails on its preferred node ends up on
# the peer.  A node that loses its ping node while the peer still reaches
# it hands its groups over (ipfail).
NT_NAME=hbd-rm-groups
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP1=10.59.0.51 VIP2=10.59.0.52
nt_init
nt_node node1 10.59.0.1/24
nt_node node2 10.59.0.2/24
nt_node client 10.59.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.59.0.$((3 - n))
node node1 node2
ping 10.59.0.100
auto_failback off
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP1/24/eth0 tcpsvc::7781
node2 IPaddr::$VIP2/24/eth0 tcpsvc::7782
node1 failsvc"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources FAILSVC_ON=node1
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP1 7781)" = node1 ]' || nt_fail "group 1 not on node1"
nt_wait 15 '[ "$(hb_ask $VIP2 7782)" = node2 ]' || nt_fail "group 2 not on node2"
[ "$(hb_cl node1 nodestatus 10.59.0.100)" = ping ] || nt_fail "ping node status $(hb_cl node1 nodestatus 10.59.0.100)"
[ "$(hb_cl node1 nodetype 10.59.0.100)" = ping ] || nt_fail "ping node type"
# the failing group: start failed on node1, now on node2
nt_wait 10 test -f "$NT_TMP/failsvc-node2" || nt_fail "failed group not taken by node2"
[ -f "$NT_TMP/failsvc-node1" ] && nt_fail "failsvc left running on node1"
grep -q "Giving up resources due to failure of failsvc" "$NT_TMP/node1/ha-log" || nt_fail "failure not logged"
grep -q "cannot start here" "$NT_TMP/node1/ha-log" || nt_fail "script output not logged"
[ "$(hb_ask $VIP1 7781)" = node1 ] || nt_fail "group 1 moved with the failing group"

# ipfail: node1 can no longer reach the ping node
nt_exec client nft -f - <<NFT
table inet hbtest { chain in { type filter hook input priority 0; ip saddr 10.59.0.1 icmp type echo-request drop; }; }
NFT
t0=$(nt_ms)
nt_wait 10 '[ "$(hb_ask $VIP1 7781)" = node2 ]' || nt_fail "ping loss did not move group 1"
nt_log "group 1 moved $(( $(nt_ms) - t0 )) ms after node1 lost its ping node"
[ "$(hb_cl node1 nodestatus 10.59.0.100)" = dead ] || nt_fail "ping node not dead on node1"
grep -q "ipfail" "$NT_TMP/node1/ha-log" || nt_fail "ipfail not logged"
hb_holds node1 $VIP1 && nt_fail "node1 still holds VIP1"
[ "$(hb_ask $VIP2 7782)" = node2 ] || nt_fail "group 2 lost"
nt_pass
