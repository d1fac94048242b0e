#!/bin/bash
# Two hbd nodes over ucast see each other active within initdead; kill -9
# of one is detected within deadtime + one keepalive; the survivor logs it.
NT_NAME=hbd-membership
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
nt_init
nt_node node1 10.50.0.1/24
nt_node node2 10.50.0.2/24
for n in 1 2; do
	other=$((3 - n))
	hb_conf node$n "keepalive 100ms
deadtime 600ms
warntime 300ms
initdead 3
udpport 694
ucast eth0 10.50.0.$other
node node1 node2
auto_failback off
logfile $NT_TMP/node$n/ha-log
crm off"
done
hb_start node1
hb_start node2
hb_wait_status node1 node2 active 3 || nt_fail "node1 does not see node2 active"
hb_wait_status node2 node1 active 3 || nt_fail "node2 does not see node1 active"
[ "$(hb_status node1 node1)" = active ] || nt_fail "node1 not active itself"
hb_cl node1 hbstatus | grep -q "Heartbeat is running" || nt_fail hbstatus
[ "$(hb_cl node1 listnodes | sort | tr '\n' ' ')" = "node1 node2 " ] || nt_fail listnodes
[ "$(hb_cl node1 nodetype node2)" = normal ] || nt_fail nodetype
[ "$(hb_cl node1 listhblinks node2 | tr -d '\t')" = eth0 ] || nt_fail listhblinks
[ "$(hb_cl node1 hblinkstatus node2 eth0)" = up ] || nt_fail hblinkstatus
[ "$(hb_cl node1 hbparameter -p deadtime)" = 600ms ] || nt_fail "hbparameter deadtime: $(hb_cl node1 hbparameter -p deadtime)"
hb_cl node1 nodestatus nosuchnode 2>/dev/null; [ $? -eq 11 ] || nt_fail "unknown node rc"
sleep 1
# hbd ignores acks and says so in its status (hbd=1): none between two hbd
acks=$(echo counters | socat - "UNIX-CONNECT:$NT_TMP/node1/hbd.sock" | awk '$1 == "ack_sent" {print $2}')
[ "$acks" = 0 ] || nt_fail "node1 sent $acks acks to an hbd peer"
# kill -9 node2 and time the detection
t0=$(nt_ms)
kill -9 "${HB_PID[node2]}"
nt_wait 3 hb_is node1 node2 dead || nt_fail "node2 not declared dead"
dt=$(( $(nt_ms) - t0 ))
nt_log "detected node2 dead after ${dt} ms (deadtime 600 + keepalive 100)"
# polling adds up to 50 ms; the bound is deadtime + keepalive + poll
[ $dt -le 750 ] || nt_fail "detection took ${dt} ms"
hb_cl node1 nodestatus node2; [ $? -eq 1 ] || nt_fail "nodestatus rc for dead node"
grep -q "WARN: node node2: is dead" "$NT_TMP/node1/ha-log" || nt_fail "no 'is dead' log line"
grep -q "Link node2:eth0 dead" "$NT_TMP/node1/ha-log" || nt_fail "no link dead log line"
# a restarted node2 (new generation) is recognised and active again
gen1=$(cat "$NT_TMP/node2/state/hb_generation")
hb_start node2
hb_wait_status node1 node2 active 4 || nt_fail "restarted node2 not active"
gen2=$(cat "$NT_TMP/node2/state/hb_generation")
[ "$gen2" -gt "$gen1" ] || nt_fail "generation not incremented ($gen1 -> $gen2)"
grep -q "Heartbeat restart on node node2" "$NT_TMP/node1/ha-log" || nt_fail "restart not logged"
nt_pass "dead after ${dt} ms"
