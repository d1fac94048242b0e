#!/bin/bash
# Several media at once: ucast on eth0, bcast on eth1, mcast on eth2.
# Cutting two of the three links keeps the peer alive (any medium
# delivers) and shows exactly those links dead; restoring brings them up.
NT_NAME=hbd-media
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
nt_init
for n in 1 2; do
	nt_node node$n 10.51.0.$n/24 eth0 br0
	nt_node node$n 10.52.0.$n/24 eth1 br1
	nt_node node$n 10.53.0.$n/24 eth2 br2
	nt_exec node$n ip route add 239.0.0.0/8 dev eth2
done
for n in 1 2; do
	other=$((3 - n))
	hb_conf node$n "keepalive 100ms
deadtime 800ms
initdead 3
udpport 6694
ucast eth0 10.51.0.$other
bcast eth1
mcast eth2 239.1.2.3 6695 1 0
node node1 node2
logfile $NT_TMP/node$n/ha-log"
done
hb_start node1
hb_start node2
hb_wait_status node1 node2 active 4 || nt_fail "node2 not active"
links=$(hb_cl node1 listhblinks node2 | tr -d '\t' | tr '\n' ' ')
[ "$links" = "eth0 eth1 eth2 " ] || nt_fail "links: $links"
for l in eth0 eth1 eth2; do
	nt_wait 2 '[ "$(hb_cl node1 hblinkstatus node2 $l)" = up ]' || nt_fail "$l not up"
done
nt_link node2 down eth0
nt_link node2 down eth2
nt_wait 3 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = dead ]' || nt_fail "eth0 not dead"
nt_wait 3 '[ "$(hb_cl node1 hblinkstatus node2 eth2)" = dead ]' || nt_fail "eth2 not dead"
sleep 1.5
hb_is node1 node2 active || nt_fail "node2 lost with one medium left"
hb_is node2 node1 active || nt_fail "node1 lost with one medium left"
[ "$(hb_cl node1 hblinkstatus node2 eth1)" = up ] || nt_fail "eth1 not up"
grep -q "Link node2:eth0 dead" "$NT_TMP/node1/ha-log" || nt_fail "no link dead log"
! grep -q "node node2: is dead" "$NT_TMP/node1/ha-log" || nt_fail "false death"
nt_link node2 up eth0
nt_link node2 up eth2
nt_wait 3 '[ "$(hb_cl node1 hblinkstatus node2 eth2)" = up ]' || nt_fail "eth2 not back"
nt_wait 3 '[ "$(hb_cl node1 hblinkstatus node2 eth0)" = up ]' || nt_fail "eth0 not back"
grep -q "Link node2:eth0 up" "$NT_TMP/node1/ha-log" || nt_fail "no link up log"
# the last medium gone: dead
nt_link node2 down eth0; nt_link node2 down eth1; nt_link node2 down eth2
hb_wait_status node1 node2 dead 3 || nt_fail "node2 not dead with all links cut"
nt_pass
