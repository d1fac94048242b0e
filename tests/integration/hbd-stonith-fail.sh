#!/bin/bash
# Fencing that fails: node2 never takes the resources, logs the failure
# clearly and retries every 5 s; hbd status says so (critical).
NT_NAME=hbd-stonith-fail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.64.0.50
nt_init
nt_node node1 10.64.0.1/24
nt_node node2 10.64.0.2/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.64.0.$((3 - n))
node node1 node2
auto_failback off
stonith_host * external/failfence node1
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0"
done
export HBD_RESOURCEDIR=$HB_TOP/resources
export HBD_STONITH=$HB_BUILD/stonith/stonith HB_STONITH_EXTDIR=$HB_TOP/tests/integration/stonith-plugins
hb_start node1
hb_start node2
nt_wait 15 hb_holds node1 $VIP || nt_fail "VIP not up on node1"
sleep 1
kill -9 "${HB_PID[node1]}"
nt_wait 5 hb_is node2 node1 dead || nt_fail "node1 not declared dead"
sleep 11
n=$(grep -c "STONITH of node node1 failed" "$NT_TMP/node2/ha-log")
nt_log "fencing attempts failed: $n"
[ "$n" -ge 2 ] || nt_fail "fencing not retried ($n failures logged)"
grep -q "not taking over its resources" "$NT_TMP/node2/ha-log" || nt_fail "no clear log"
hb_holds node2 $VIP && nt_fail "node2 took the VIP without successful fencing"
[ "$(hb_cl node2 rscstatus)" = transition ] || nt_fail "rscstatus $(hb_cl node2 rscstatus)"
# hbd status: critical, fencing under way, the failures in the history
HBD_CONTROL=$NT_TMP/node2/hbd.sock "$HBD" status -r none >"$NT_TMP/st"; rc=$?
cat "$NT_TMP/st"
[ $rc = 2 ] || nt_fail "hbd status exit $rc while fencing fails, want 2"
head -1 "$NT_TMP/st" | grep -q "^HBD CRITICAL - node node1 dead; fencing node1: " || nt_fail "status summary: $(head -1 "$NT_TMP/st")"
grep -q "node2: node node1 STONITH FAILED" "$NT_TMP/st" || nt_fail "failed fencing not in the status history"
nt_pass
