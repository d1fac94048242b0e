#!/bin/bash
# Fencing before takeover.  node1 holds the VIP; its hbd is frozen
# (SIGSTOP) longer than deadtime.  node2 fences it through an external
# plugin that really cuts node1 off, and only then takes the VIP.  After
# SIGCONT node1 holds nothing: sampled every 50 ms, never two holders.
NT_NAME=hbd-stonith
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.63.0.50
nt_init
nt_node node1 10.63.0.1/24
nt_node node2 10.63.0.2/24
nt_node client 10.63.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.63.0.$((3 - n))
node node1 node2
auto_failback off
stonith_host * external/fencens hostlist=node1 swns=$NT_SW port=${NT_PORT[node1/eth0]} nodens=$(nt_ns node1)
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7791"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources
export HBD_STONITH=$HB_BUILD/stonith/stonith HB_STONITH_EXTDIR=$HB_TOP/tests/integration/stonith-plugins
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7791)" = node1 ]' || nt_fail "service not up on node1"
sleep 1
hb_sample_vip $VIP "$NT_TMP/samples"
kill -STOP "${HB_PID[node1]}"
t0=$(nt_ms)
nt_wait 10 '[ "$(hb_ask $VIP 7791)" = node2 ]' || nt_fail "node2 did not take over"
nt_log "service answered from node2 $(( $(nt_ms) - t0 )) ms after the freeze"
grep -q "Resetting node node1 with STONITH device external/fencens" "$NT_TMP/node2/ha-log" || nt_fail "no fencing logged"
grep -q "node node1 now reset by STONITH" "$NT_TMP/node2/ha-log" || nt_fail "fencing success not logged"
HBD_CONTROL=$NT_TMP/node2/hbd.sock "$HBD" status -r none >"$NT_TMP/st"
grep -q "node2: node node1 reset by STONITH" "$NT_TMP/st" || { cat "$NT_TMP/st"; nt_fail "fencing not in hbd status"; }
# the takeover came after the fence
fence_line=$(grep -n "now reset by STONITH" "$NT_TMP/node2/ha-log" | head -1 | cut -d: -f1)
take_line=$(grep -n "Acquiring resource group" "$NT_TMP/node2/ha-log" | tail -1 | cut -d: -f1)
[ "$take_line" -gt "$fence_line" ] || nt_fail "resources taken before fencing completed"
kill -CONT "${HB_PID[node1]}" 2>/dev/null
sleep 2
kill "$HB_SAMPLER"
both=$(awk '$2 == 1 && $3 == 1' "$NT_TMP/samples" | wc -l)
nt_log "$(wc -l <"$NT_TMP/samples") samples, both holding in $both"
[ "$both" -eq 0 ] || nt_fail "both nodes held the VIP"
hb_holds node1 $VIP && nt_fail "node1 holds the VIP after SIGCONT"
hb_holds node2 $VIP || nt_fail "node2 lost the VIP"
nt_pass
