#!/bin/bash
# Found by the nemesis soak (issue 16, bench/soak): after a partition heal
# the node that yields the contested group stopped its resources in
# reverse order and took the VIP down last, so both nodes held the VIP for
# the whole stop - 4.9 s with Postfix and Dovecot.  Now it drops the
# group's addresses at once, then stops the rest.
# A service whose stop takes 4 s (tcpsvc, TCPSVC_STOP_DELAY); a 4 s
# partition: node2 takes over; after the heal node2 lets go of the VIP and
# the client is answered by node1 within 1 s (ft_heal_check); no sample
# without an owner.
NT_NAME=faults-heal-slowstop
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/faults-lib.sh"
VIP=10.69.0.50
nt_init
nt_node node1 10.69.0.1/24
nt_node node2 10.69.0.2/24
nt_node client 10.69.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.69.0.$((3 - n))
node node1 node2
auto_failback on
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 tcpsvc::7793"
	hb_rsc_node node$n
done
export TCPSVC_DIR=$NT_TMP HBD_RESOURCEDIR=$HB_TOP/resources TCPSVC_STOP_DELAY=4
hb_start node1
hb_start node2
nt_wait 15 '[ "$(hb_ask $VIP 7793)" = node1 ]' || nt_fail "service not up"
sleep 1
hb_sample_vip $VIP "$NT_TMP/samples"
ft_partition on
nt_wait 8 'grep -q "Resource group IPaddr::$VIP/24/eth0 started" "$NT_TMP/node2/ha-log"' || nt_fail "node2 did not take over in the partition"
sleep 2
ft_partition off
ft_heal_check "partition with a 4 s stop" "$(nt_ms)"
nt_wait 10 'grep -q "Resource group IPaddr::$VIP/24/eth0 stopped" "$NT_TMP/node2/ha-log"' ||
	nt_fail "node2 did not finish stopping the group"
kill "$HB_SAMPLER"
none=$(awk '$2 == 0 && $3 == 0' "$NT_TMP/samples" | wc -l)
nt_log "$(wc -l <"$NT_TMP/samples") samples; without an owner: $none"
[ "$none" -eq 0 ] || nt_fail "VIP without an owner in $none samples"
nt_pass
