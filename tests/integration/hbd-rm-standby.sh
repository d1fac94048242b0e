#!/bin/bash
# hb_standby / hb_takeover move the group and back, sampled every 50 ms:
# never both nodes holding the VIP.  auto_failback on: after node1 dies and
# returns, the group goes back to node1, again without overlap.
NT_NAME=hbd-rm-standby
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
auto_failback on
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7778"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources
HBS=$HB_BUILD/hbd/hb_standby HBT=$HB_BUILD/hbd/hb_takeover
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7778)" = node1 ]' || nt_fail "service not up on node1"
nt_wait 5 '[ "$(hb_cl node2 rscstatus)" = none ]' || nt_fail "node2 not settled"
hb_sample_vip $VIP "$NT_TMP/samples"

HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBS all | grep -q "Going standby \[all\]" || nt_fail "hb_standby output"
nt_wait 10 '[ "$(hb_ask $VIP 7778)" = node2 ]' || nt_fail "standby did not move the group"
nt_wait 5 '[ "$(hb_cl node1 rscstatus)" = none ]' || nt_fail "node1 rscstatus after standby"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node2)" ] || nt_fail "client ARP not moved by standby"

HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBT all >/dev/null || nt_fail "hb_takeover failed"
nt_wait 10 '[ "$(hb_ask $VIP 7778)" = node1 ]' || nt_fail "takeover did not bring the group back"
nt_wait 5 '[ "$(hb_cl node2 rscstatus)" = none ]' || nt_fail "node2 rscstatus after takeover"

# usage errors as Heartbeat: exit 1
HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBS bogus 2>/dev/null; [ $? -eq 1 ] || nt_fail "hb_standby bogus rc"

kill "$HB_SAMPLER"
both=$(awk '$2 == 1 && $3 == 1' "$NT_TMP/samples" | wc -l)
nt_log "standby/takeover: $(wc -l <"$NT_TMP/samples") samples, both holding in $both"
[ "$both" -eq 0 ] || nt_fail "both nodes held the VIP during standby/takeover"

# auto_failback on: node1 dies, node2 takes over, node1 returns, failback
kill -9 "${HB_PID[node1]}"
nt_wait 10 '[ "$(hb_ask $VIP 7778)" = node2 ]' || nt_fail "no takeover after kill"
nt_exec node1 ip addr del $VIP/24 dev eth0
TCPSVC_DIR=$NT_TMP HA_CURHOST=node1 "$NT_TMP/node1/resource.d/tcpsvc" 7778 stop
sleep 0.5
hb_sample_vip $VIP "$NT_TMP/samples2"
t0=$(nt_ms)
hb_start node1
nt_wait 15 '[ "$(hb_ask $VIP 7778)" = node1 ]' || nt_fail "no failback to node1"
nt_log "failback done $(( $(nt_ms) - t0 )) ms after node1 restarted"
nt_wait 5 '[ "$(hb_cl node2 rscstatus)" = none ]' || nt_fail "node2 still holds after failback"
kill "$HB_SAMPLER"
both=$(awk '$2 == 1 && $3 == 1' "$NT_TMP/samples2" | wc -l)
nt_log "failback: $(wc -l <"$NT_TMP/samples2") samples, both holding in $both"
[ "$both" -eq 0 ] || nt_fail "both nodes held the VIP during failback"
nt_pass
