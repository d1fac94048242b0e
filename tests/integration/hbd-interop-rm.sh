#!/bin/bash
# Mixed cluster: node1 runs hbd, node2 the real Heartbeat 3.0.6 (crm off),
# the same haresources "node1 IPaddr::VIP/24/eth0 tcpsvc::7792" and
# auto_failback on.  The group fails over in both directions and
# hb_standby / hb_takeover work across.
NT_NAME=hbd-interop-rm
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
command -v ifconfig >/dev/null || { echo "SKIP: Heartbeat's IPaddr needs net-tools"; exit 77; }
VIP=10.65.0.50
RSC="node1 IPaddr::$VIP/24/eth0 tcpsvc::7792"
nt_init
nt_node node1 10.65.0.1/24
nt_node node2 10.65.0.2/24
nt_node client 10.65.0.100/24
export TCPSVC_DIR=/tmp HBD_RESOURCEDIR=$HB_TOP/resources
hb_conf node1 "keepalive 200ms
deadtime 1
initdead 6
ucast eth0 10.65.0.2
node node1 node2
auto_failback on
crm off
logfile $NT_TMP/node1/ha-log" "$RSC"
hb_rsc_node node1
mkdir -p "$NT_TMP/node2/etc/resource.d"
cp "$HB_TOP/tests/integration/fixtures/tcpsvc" "$NT_TMP/node2/etc/resource.d/"
HA_CF_REAL="keepalive 200ms
deadtime 1
initdead 6
ucast eth0 10.65.0.1
node node1 node2
auto_failback on
crm off
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log
debugfile /var/lib/heartbeat/ha-debug"
HBS=$HB_BUILD/hbd/hb_standby HBT=$HB_BUILD/hbd/hb_takeover
hb_start node1
hbr_start node2 "$HA_CF_REAL" "$RSC"
reboot1() {	# node1's "machine" restarts: VIP and service gone
	nt_exec node1 ip addr del $VIP/24 dev eth0 2>/dev/null
	HA_CURHOST=node1 "$NT_TMP/node1/resource.d/tcpsvc" 7792 stop
}
nt_wait 30 '[ "$(hb_ask $VIP 7792)" = node1 ]' || nt_fail "group not on node1 (hbd)"
# Heartbeat reports "local" for its (empty) local set once stable
nt_wait 20 '[ "$(hbr_exec node2 cl_status rscstatus 2>/dev/null)" = local ]' ||
	nt_fail "heartbeat rscstatus: $(hbr_exec node2 cl_status rscstatus 2>&1)"
sleep 6	# past heartbeat's start-up dt

# hbd node dies: Heartbeat takes over
t0=$(nt_ms)
kill -9 "${HB_PID[node1]}"; reboot1
nt_wait 15 '[ "$(hb_ask $VIP 7792)" = node2 ]' || nt_fail "heartbeat did not take over"
nt_log "heartbeat took over $(( $(nt_ms) - t0 )) ms after hbd died"

# hbd returns: auto_failback on, Heartbeat hands the group back
t0=$(nt_ms)
hb_start node1
nt_wait 40 '[ "$(hb_ask $VIP 7792)" = node1 ]' || nt_fail "no failback from heartbeat to hbd"
nt_log "failback to hbd $(( $(nt_ms) - t0 )) ms after hbd restarted"
nt_wait 10 '! hbr_exec node2 ip -o addr show | grep -q " $VIP/"' || nt_fail "heartbeat kept the VIP"
sleep 2

# hb_standby on the hbd node: the group goes to Heartbeat; hb_takeover: back
HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBS >/dev/null || nt_fail "hb_standby refused: $(HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBS 2>&1)"
nt_wait 20 '[ "$(hb_ask $VIP 7792)" = node2 ]' || nt_fail "hb_standby did not move the group to heartbeat"
hb_holds node1 $VIP && nt_fail "both hold after standby"
sleep 2
HBD_CONTROL=$NT_TMP/node1/hbd.sock $HBT >/dev/null || nt_fail "hb_takeover refused"
nt_wait 20 '[ "$(hb_ask $VIP 7792)" = node1 ]' || nt_fail "hb_takeover did not bring the group back"
sleep 2
# with a Heartbeat peer planned moves stay classic (doc/hbd.md "Planned moves")
grep -q "Giving up all HA resources (standby)\.$" "$NT_TMP/node1/ha-log" || nt_fail "hbd's standby log line"
grep -q "planned move offered\|Planned move" "$NT_TMP/node1/ha-log" && nt_fail "hbd offered or took a planned move with a Heartbeat peer"

# standby from the Heartbeat side, then Heartbeat dies: hbd takes over
hbr_exec node2 /usr/share/heartbeat/hb_takeover all >/dev/null 2>&1
nt_wait 20 '[ "$(hb_ask $VIP 7792)" = node2 ]' || nt_fail "heartbeat's hb_takeover did not move the group"
sleep 2
t0=$(nt_ms)
hbr_kill node2
hbr_exec node2 ip addr flush dev eth0 label 'eth0:*' 2>/dev/null
hbr_exec node2 ip addr del $VIP/24 dev eth0 2>/dev/null
nt_wait 15 '[ "$(hb_ask $VIP 7792)" = node1 ]' || nt_fail "hbd did not take over from heartbeat"
nt_log "hbd took over $(( $(nt_ms) - t0 )) ms after heartbeat died"
nt_pass
