#!/bin/bash
# 10 % random loss of UDP leaving node1 for 60 s, then leaving both
# nodes for 60 s, at keepalive 100 ms and deadtime 500 ms (5 x keepalive):
# zero false failovers, counted from both nodes' VIP state sampled every
# 50 ms and from their logs.
NT_NAME=faults-loss10
PCT=10
SECS=${HB_LOSS_SECS:-60}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/faults-lib.sh"
VIP=10.66.0.50
nt_init
nt_node node1 10.66.0.1/24
nt_node node2 10.66.0.2/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.66.0.$((3 - n))
node node1 node2
auto_failback on
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0"
done
export HBD_RESOURCEDIR=$HB_TOP/resources
hb_start node1
hb_start node2
nt_wait 15 hb_holds node1 $VIP || nt_fail "VIP not up"
sleep 1
hb_sample_vip $VIP "$NT_TMP/samples"
ft_loss node1 $PCT
sleep "$SECS"
ft_loss node2 $PCT
sleep "$SECS"
ft_loss node1 0; ft_loss node2 0
kill "$HB_SAMPLER"
total=$(wc -l <"$NT_TMP/samples")
lost=$(awk '$2 != 1' "$NT_TMP/samples" | wc -l)
stolen=$(awk '$3 != 0' "$NT_TMP/samples" | wc -l)
deaths=$(cat "$NT_TMP"/node*/ha-log | grep -c "is dead")
late=$(cat "$NT_TMP"/node*/ha-log | grep -c "Late heartbeat")
nt_log "$PCT % loss, 2 x $SECS s: $total samples, node1 without VIP $lost, node2 with VIP $stolen, deaths $deaths, late heartbeats logged $late"
[ "$deaths" -eq 0 ] || nt_fail "$deaths false death(s)"
[ "$lost" -eq 0 ] && [ "$stolen" -eq 0 ] || nt_fail "VIP moved under loss"
nt_pass "no false failover at $PCT % loss"
