#!/bin/bash
# Hostile UDP at the heartbeat port: from a client namespace, 20,000
# packets/s (half random garbage, half forged heartbeat packets naming a
# real node with a made-up signature; tests/integration/flood.py) to
# port 694 of the standby for HB_FLOOD_SECS (default 10; bench/flood: 60),
# then of the active node.  keepalive 100 ms, deadtime 500 ms.
#  - no false takeover: the VIP stays on node1 (sampled ~15/s), no death
#    logged;
#  - hbd's CPU during the flood is reported;
#  - the log is rate-limited: at most one rejected-packet line per 5 s
#    (plus 2 per window for its edges) in each node's log.
NT_NAME=hbd-flood
SECS=${HB_FLOOD_SECS:-10}
RATE=${HB_FLOOD_RATE:-20000}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.68.0.50
nt_init
nt_node node1 10.68.0.1/24
nt_node node2 10.68.0.2/24
nt_node client 10.68.0.100/24
for n in 1 2; do
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
udpport 694
ucast eth0 10.68.0.$((3 - n))
node node1 node2
auto_failback on
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0"
done
export HBD_RESOURCEDIR=$HB_TOP/resources
hb_start node1
hb_start node2
nt_wait 15 hb_holds node1 $VIP || nt_fail "VIP not up"
nt_wait 10 hb_is node2 node1 active || nt_fail "node2 does not see node1 active"
sleep 1
hb_sample_vip $VIP "$NT_TMP/samples"
cpu() { awk '{print $14 + $15}' "/proc/${HB_PID[$1]}/stat"; }
flood() {	# NODE: flood it, then check its CPU and log
	local n=$1 c0 c1 l0 l1 t0 ms out bad
	c0=$(cpu $n); l0=$(wc -l <"$NT_TMP/$n/ha-log"); t0=$(nt_ms)
	out=$(nt_exec client python3 "$HB_TOP/tests/integration/flood.py" udp \
		"${NODE_ADDR[$n]}" 694 "$RATE" "$SECS")
	ms=$(( $(nt_ms) - t0 ))
	c1=$(cpu $n); l1=$(wc -l <"$NT_TMP/$n/ha-log")
	bad=$(tail -n +$((l0 + 1)) "$NT_TMP/$n/ha-log" | grep -c "bad packet\|bad node\|replay")
	nt_log "flood of $n: $out; hbd CPU $(awk -v c=$((c1 - c0)) -v ms=$ms 'BEGIN {printf "%.1f", c * 1000 / ms}') % of a core; log lines $((l1 - l0)) ($bad about rejected packets) in $ms ms"
	tail -n +$((l0 + 1)) "$NT_TMP/$n/ha-log" | head -5 >&2
	[ $((l1 - l0)) -le $(( ms / 5000 + 3 )) ] ||
		nt_fail "$n logged $((l1 - l0)) lines in $ms ms of flood (limit $(( ms / 5000 + 3 )))"
	[ "$bad" -ge 1 ] || nt_fail "$n did not log the rejected packets at all"
	SENT=${out#sent }; SENT=${SENT%% *}
	[ "$SENT" -ge $(( RATE * SECS * 8 / 10 )) ] || nt_log "note: the generator reached only $SENT of $((RATE * SECS)) packets (loaded machine)"
}
declare -A NODE_ADDR=([node1]=10.68.0.1 [node2]=10.68.0.2)
flood node2
flood node1
sleep 1
kill "$HB_SAMPLER"
total=$(wc -l <"$NT_TMP/samples")
moved=$(awk '$2 != 1 || $3 != 0' "$NT_TMP/samples" | wc -l)
deaths=$(cat "$NT_TMP"/node*/ha-log | grep -c "is dead")
nt_log "$total samples, VIP not (only) on node1 in $moved, deaths logged $deaths"
[ "$deaths" -eq 0 ] || nt_fail "$deaths false death(s) under the flood"
[ "$moved" -eq 0 ] || nt_fail "VIP moved under the flood"
nt_pass "no false takeover under $RATE packets/s for 2 x $SECS s"
