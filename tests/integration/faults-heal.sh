#!/bin/bash
# Healing without STONITH.  node1 (preferred) holds the VIP; a client
# namespace polls a TCP service on it.
#  1. node1's hbd is frozen (SIGSTOP) for 3 s: node2 takes over; after
#     SIGCONT exactly one node (node1) owns the group within 1 s and the
#     client is answered again within 1 s (gratuitous ARP re-announce);
#  2. a 5 s partition between the nodes (the client reaches both): the
#     same after the heal.
# At no sample is the VIP without an owner.
NT_NAME=faults-heal
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/faults-lib.sh"
VIP=10.67.0.50
nt_init
nt_node node1 10.67.0.1/24
nt_node node2 10.67.0.2/24
nt_node client 10.67.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.67.0.$((3 - n))
node node1 node2
auto_failback on
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7793"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7793)" = node1 ]' || nt_fail "service not up"
sleep 1
hb_sample_vip $VIP "$NT_TMP/samples"

# 1. freeze
kill -STOP "${HB_PID[node1]}"
nt_wait 5 hb_holds node2 $VIP || nt_fail "node2 did not take over during the freeze"
nt_wait 5 '[ "$(hb_ask $VIP 7793)" = node2 ]' || nt_fail "client not moved to node2"
sleep 2
kill -CONT "${HB_PID[node1]}"
ft_heal_check freeze "$(nt_ms)"
sleep 2

# 2. partition
ft_partition on
nt_wait 5 hb_holds node2 $VIP || nt_fail "node2 did not take over in the partition"
sleep 4
ft_partition off
ft_heal_check partition "$(nt_ms)"
kill "$HB_SAMPLER"
none=$(awk '$2 == 0 && $3 == 0' "$NT_TMP/samples" | wc -l)
nt_log "$(wc -l <"$NT_TMP/samples") samples; without an owner: $none"
[ "$none" -eq 0 ] || nt_fail "VIP without an owner in $none samples"
nt_pass
