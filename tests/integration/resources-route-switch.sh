#!/bin/bash
# resources-route-switch: the route-switch agent moves node1's default
# route from gw1 (uplink eth0) to the backup gw2 (eth1) and back.
# 192.0.2.1 exists on both gateways; with gw1's link cut node1 reaches it
# only after route-switch start.
NT_NAME=resources-route-switch
. "$(dirname "$0")/lib.sh"
AG=$HB_TOP/resources/route-switch
export HB_AGENT_RUNDIR=$NT_TMP/run
nt_init
nt_node node1 10.9.1.1/24 eth0
nt_node node1 10.9.2.1/24 eth1
nt_node gw1 10.9.1.254/24
nt_node gw2 10.9.2.254/24
for g in gw1 gw2; do nt_exec $g ip addr add 192.0.2.1/32 dev lo; done
nt_exec node1 ip route add default via 10.9.1.254 dev eth0 metric 10
via() { nt_exec node1 ip -4 route get 192.0.2.1 | grep -o 'via [0-9.]*'; }
nt_exec node1 ping -c1 -W1 192.0.2.1 >/dev/null || nt_fail "no path via gw1"
[ "$(via)" = "via 10.9.1.254" ] || nt_fail "start state: $(via)"
st=$(nt_exec node1 "$AG" 10.9.2.254 eth1 status); rc=$?
[ "$st" = stopped ] && [ $rc = 3 ] || nt_fail "status before: '$st' $rc"
nt_link gw1 down
nt_exec node1 ping -c1 -W1 192.0.2.1 >/dev/null && nt_fail "reached 192.0.2.1 with gw1 cut"
out=$(nt_exec node1 "$AG" 10.9.2.254 eth1 start 2>&1) || nt_fail "start: $out"
nt_exec node1 "$AG" 10.9.2.254 eth1 start || nt_fail "second start"
[ "$(via)" = "via 10.9.2.254" ] || nt_fail "after start: $(via)"
[ "$(nt_exec node1 ip -4 route show default | wc -l)" = 1 ] || nt_fail "two default routes"
nt_exec node1 ping -c1 -W1 192.0.2.1 >/dev/null || nt_fail "no path via gw2"
st=$(nt_exec node1 "$AG" 10.9.2.254 eth1 status); rc=$?
[ "$st" = running ] && [ $rc = 0 ] || nt_fail "status running: '$st' $rc"
nt_exec node1 "$AG" 10.9.2.254 eth1 stop || nt_fail "stop"
nt_exec node1 "$AG" 10.9.2.254 eth1 stop || nt_fail "stop when stopped"
nt_exec node1 ip -4 route show default | grep -q "^default via 10.9.1.254 dev eth0 .*metric 10" ||
	nt_fail "previous route not restored: $(nt_exec node1 ip -4 route show default)"
nt_link gw1 up
nt_exec node1 ping -c1 -W2 192.0.2.1 >/dev/null || nt_fail "no path via gw1 after restore"
out=$(nt_exec node1 "$AG" 10.9.2 start 2>&1) && nt_fail "accepted bad gateway"
grep -q "not an IPv4 address" <<<"$out" || nt_fail "unclear error: $out"
out=$(nt_exec node1 "$AG" 10.9.2.254 nosuch0 start 2>&1) && nt_fail "accepted bad device"
grep -q "no interface 'nosuch0'" <<<"$out" || nt_fail "unclear error: $out"
nt_pass "default route gw1 -> gw2 -> gw1"
