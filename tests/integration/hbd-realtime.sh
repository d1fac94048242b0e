#!/bin/bash
# hbd-realtime: ha.cf's "realtime" (default on) and "rtprio", and -l.
#  1. node1, default ha.cf: hbd runs SCHED_FIFO at priority 50 (the
#     middle of the range) with its memory locked (VmLck > 0); a resource
#     script it starts runs at the normal policy (SCHED_RESET_ON_FORK).
#  2. node2, "realtime off": normal policy, nothing locked; the two form a
#     cluster as usual.
#  3. node2 again with "rtprio 20": SCHED_FIFO 20; then with -l: normal.
NT_NAME=hbd-realtime
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
nt_init
nt_node node1 10.71.0.1/24
nt_node node2 10.71.0.2/24
# sched_of PID: "POLICY RTPRIO" from /proc/PID/stat (fields 41 and 40)
sched_of() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $39, $38}'; }
locked_kb() { awk '/^VmLck:/ {print $2}' "/proc/$1/status"; }
conf() {	# NODE EXTRA
	local n=${1#node}
	hb_conf "$1" "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.71.0.$((3 - n))
node node1 node2
auto_failback off
$2
logfile $NT_TMP/$1/ha-log" "node1 rtprobe"
	# rtprobe: records the policy it runs under when started
	cat >"$NT_TMP/$1/resource.d/rtprobe" <<PROBE
#!/bin/bash
f=$NT_TMP/$1/rtprobe
case \$1 in
start) sed 's/.*) //' /proc/\$\$/stat | awk '{print \$39, \$38}' >"\$f" ;;
stop) rm -f "\$f" ;;
status) [ -f "\$f" ] && echo running || echo stopped ;;
esac
exit 0
PROBE
	chmod +x "$NT_TMP/$1/resource.d/rtprobe"
}

conf node1 ""
conf node2 "realtime off"
hb_start node1
hb_start node2
hb_wait_status node1 node2 active 15 || nt_fail "node2 not seen by node1"
nt_wait 15 '[ -s "$NT_TMP/node1/rtprobe" ]' || nt_fail "node1 did not start rtprobe"

# 1.
# where the system refuses realtime (a container without CAP_SYS_NICE),
# hbd must say so and run on: that is checked, the rest cannot be
if grep -q "cannot run at realtime priority" "$NT_TMP/node1/ha-log"; then
	nt_log "$(grep "cannot run at realtime priority" "$NT_TMP/node1/ha-log")"
	hb_is node1 node2 active || nt_fail "node1 refused realtime and did not run on"
	echo "SKIP: this system refuses SCHED_FIFO to hbd (warning logged, hbd ran on without it)"
	exit 77
fi
s=$(sched_of "${HB_PID[node1]}")
nt_log "node1 hbd: policy/rtprio $s, VmLck $(locked_kb "${HB_PID[node1]}") kB, $(grep VmRSS "/proc/${HB_PID[node1]}/status")"
[ "$s" = "1 50" ] || nt_fail "node1 hbd runs at policy/rtprio '$s', expected SCHED_FIFO (1) at 50"
[ "$(locked_kb "${HB_PID[node1]}")" -gt 0 ] || nt_fail "node1 hbd has no memory locked"
grep -q "realtime: SCHED_FIFO priority 50" "$NT_TMP/node1/ha-log" || nt_fail "node1 did not log its realtime priority"
p=$(cat "$NT_TMP/node1/rtprobe")
nt_log "resource script started by node1: policy/rtprio $p"
[ "$p" = "0 0" ] || nt_fail "a resource script ran at policy/rtprio '$p', expected SCHED_OTHER (0 0)"
# 2.
s=$(sched_of "${HB_PID[node2]}")
[ "$s" = "0 0" ] || nt_fail "node2 (realtime off) runs at policy/rtprio '$s'"
[ "$(locked_kb "${HB_PID[node2]}")" -eq 0 ] || nt_fail "node2 (realtime off) has memory locked"

# 3.
restart2() {
	kill "${HB_PID[node2]}"
	nt_wait 10 '! kill -0 "${HB_PID[node2]}" 2>/dev/null' || nt_fail "node2 did not stop"
	hb_start node2 "$@"
	hb_wait_status node2 node1 active 15 || nt_fail "node2 did not rejoin"
}
conf node2 "rtprio 20"
restart2
s=$(sched_of "${HB_PID[node2]}")
[ "$s" = "1 20" ] || nt_fail "node2 with rtprio 20 runs at policy/rtprio '$s'"
restart2 -l
s=$(sched_of "${HB_PID[node2]}")
[ "$s" = "0 0" ] || nt_fail "node2 with -l runs at policy/rtprio '$s'"
nt_pass "SCHED_FIFO 50 by default with memory locked, scripts at SCHED_OTHER; realtime off, rtprio 20 and -l honoured"
