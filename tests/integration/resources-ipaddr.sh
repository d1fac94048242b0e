#!/bin/bash
# resources-ipaddr: IPaddr adds/removes a VIP in every Heartbeat form and
# its gratuitous ARP moves a silent client's ARP cache entry.
#   node1, node2, client on one bridge (10.9.0.0/24), VIP 10.9.0.100.
#   1. IPaddr 10.9.0.100 start on node1 (nic and cidr from the routes):
#      client pings the VIP, its neighbour entry holds node1's MAC.
#   2. stop on node1 (address gone); control: start on node2 with ARP off,
#      the silent client keeps node1's MAC; then start on node2 with
#      ip/cidr/nic: without the client sending anything, its entry becomes
#      node2's MAC; the client sees 5 ARP requests + 5 replies ~800 ms apart.
#   3. forms: ip/cidr/nic/broadcast, ip/cidr/broadcast, nic:label, dotted
#      mask via OCF; status words; start twice; stop when stopped; bad input.
NT_NAME=resources-ipaddr
. "$(dirname "$0")/lib.sh"
AG=$HB_TOP/resources/IPaddr
export HB_LIBEXECDIR=$HB_BUILD/resources HB_AGENT_RUNDIR=$NT_TMP/run
[ -x "$HB_BUILD/resources/send_arp" ] || { echo "SKIP: send_arp not built"; exit 77; }
nt_init
nt_node node1 10.9.0.1/24
nt_node node2 10.9.0.2/24
nt_node client 10.9.0.50/24
VIP=10.9.0.100
mac() { nt_exec "$1" cat /sys/class/net/eth0/address; }
M1=$(mac node1); M2=$(mac node2)
cmac() { nt_exec client ip neigh show "$VIP" dev eth0 | awk '{print $3}'; }

# 1. bare ip: nic and prefix from the routing table
out=$(nt_exec node1 "$AG" $VIP start 2>&1) || nt_fail "start on node1: $out"
nt_exec node1 ip -o -4 addr show dev eth0 | grep -q "inet $VIP/24 .* eth0:0" ||
	nt_fail "node1 lacks $VIP/24 labelled eth0:0: $(nt_exec node1 ip -o -4 addr)"
st=$(nt_exec node1 "$AG" $VIP status); rc=$?
[ "$st" = running ] && [ $rc = 0 ] || nt_fail "status on node1: '$st' rc=$rc"
st=$(nt_exec node2 "$AG" $VIP status); rc=$?
[ "$st" = stopped ] && [ $rc = 3 ] || nt_fail "status on node2: '$st' rc=$rc"
# a Heartbeat call stays one when OCF_ROOT happens to be exported
st=$(OCF_ROOT=/usr/lib/ocf nt_exec node1 "$AG" $VIP status); rc=$?
[ "$st" = running ] && [ $rc = 0 ] || nt_fail "Heartbeat status with OCF_ROOT set: '$st' rc=$rc"
nt_exec client ping -c1 -W1 $VIP >/dev/null || nt_fail "client cannot ping VIP"
[ "$(cmac)" = "$M1" ] || nt_fail "client MAC for VIP '$(cmac)' != node1 $M1"
nt_log "client sees $VIP at node1 $M1"

# 2. move: the client stays silent, its entry must change by ARP alone.
# A client connected to the VIP at the stop gets a reset at once: once the
# address is gone the server's own close would never reach it (it would
# wait for its timeout, here 10 s)
nt_bg node1 "$NT_TMP/srv.out" python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$VIP', 2525)); s.listen(1); print('listening', flush=True)
c, _ = s.accept(); time.sleep(15)"
nt_wait 5 "grep -q listening $NT_TMP/srv.out" || nt_fail "test server did not start"
nt_exec client python3 -c "
import socket, time
c = socket.create_connection(('$VIP', 2525), timeout=5); c.settimeout(10)
print('connected', flush=True); t = time.time()
try:
    c.recv(10); r = 'closed'
except OSError as e:
    r = type(e).__name__
print('%s %.1f' % (r, time.time() - t), flush=True)" >"$NT_TMP/cli.out" &
cli=$!
nt_wait 5 "grep -q connected $NT_TMP/cli.out" || nt_fail "test client did not connect"
nt_exec node1 "$AG" $VIP stop || nt_fail "stop on node1"
wait $cli
read -r res secs < <(sed -n 2p "$NT_TMP/cli.out")
[ "$res" = ConnectionResetError ] && [ "${secs%.*}" -lt 2 ] ||
	nt_fail "a client connected to the VIP at the stop: '$res' after ${secs:-?} s (want a reset at once)"
nt_log "client connected at the stop: reset after $secs s"
nt_exec node1 ip -o -4 addr | grep -q "$VIP" && nt_fail "VIP still on node1"
# control: with no ARP announcement (arp_count=0) the silent client's
# entry must stay on node1, so the move below is send_arp's doing
OCF_RESKEY_arp_count=0 nt_exec node2 "$AG" $VIP/24/eth0 start || nt_fail "start without ARP"
sleep 1.2
[ "$(cmac)" = "$M1" ] || nt_fail "control: client entry moved without ARP: $(cmac)"
nt_exec node2 "$AG" $VIP/24/eth0 stop || nt_fail "stop control"
sleep 1.1   # the kernel ignores ARP updates within locktime (1 s)
# count the announcements on the wire from the client's side
nt_bg client "$NT_TMP/arpcount" python3 "$HB_TOP/tests/integration/resources-arpcount.py" 2.5 $VIP
nt_wait 3 grep -q ready "$NT_TMP/arpcount" || nt_fail "ARP capture did not start"
t0=$(nt_ms)
out=$(nt_exec node2 "$AG" $VIP/24/eth0 start 2>&1) || nt_fail "start on node2: $out"
t1=$(nt_ms)
[ $((t1 - t0)) -lt 900 ] || nt_fail "start took $((t1 - t0)) ms: ARP not asynchronous"
nt_wait 3 bash -c "[ \"\$(ip netns exec $(nt_ns client) ip neigh show $VIP dev eth0 | awk '{print \$3}')\" = $M2 ]" ||
	nt_fail "client MAC for VIP '$(cmac)' did not move to node2 $M2"
nt_log "client entry moved to node2 $M2 without traffic ($(( $(nt_ms) - t0 )) ms)"
# ARP rounds: default 5, 200 ms apart, then send_arp exits
sleep 1.2
pgrep -f "send_arp.* $VIP " >/dev/null && nt_fail "send_arp still running after 5 rounds"
nt_wait 3 bash -c "[ \$(wc -l <$NT_TMP/arpcount) -ge 2 ]" || nt_fail "ARP capture did not finish"
read -r nreq nrep span < <(tail -1 "$NT_TMP/arpcount")
nt_log "client saw $nreq ARP requests and $nrep replies for $VIP over $span ms"
[ "$nreq" = 5 ] && [ "$nrep" = 5 ] || nt_fail "want 5 requests + 5 replies, saw $nreq + $nrep"
[ "$span" -ge 700 ] && [ "$span" -le 1200 ] || nt_fail "5 rounds 200 ms apart should span ~800 ms, saw $span"
nt_exec client ping -c1 -W1 $VIP >/dev/null || nt_fail "client cannot ping VIP on node2"

# start again while up (re-announce) and stop twice
nt_exec node2 "$AG" $VIP/24/eth0 start || nt_fail "second start"
[ "$(nt_exec node2 ip -o -4 addr | grep -c "$VIP/")" = 1 ] || nt_fail "address added twice"
nt_exec node2 "$AG" $VIP/24/eth0 stop || nt_fail "stop node2"
nt_exec node2 "$AG" $VIP/24/eth0 stop || nt_fail "stop when stopped"
nt_exec node2 "$AG" $VIP/24/eth0 status >/dev/null; [ $? = 3 ] || nt_fail "status after stop"

# 3. forms
nt_exec node1 "$AG" 10.9.0.101/25/eth0/10.9.0.127 start || nt_fail "ip/cidr/nic/brd"
nt_exec node1 ip -o -4 addr | grep -q "inet 10.9.0.101/25 brd 10.9.0.127 " || nt_fail "brd form"
nt_exec node1 "$AG" 10.9.0.102/24/10.9.0.255 start || nt_fail "ip/cidr/brd"
nt_exec node1 ip -o -4 addr | grep -q "inet 10.9.0.102/24 brd 10.9.0.255 .*eth0:1" ||
	nt_fail "ip/cidr/brd form or second label: $(nt_exec node1 ip -o -4 addr)"
nt_exec node1 "$AG" 10.9.0.103/24/eth0:7 start || nt_fail "nic:label form"
nt_exec node1 ip -o -4 addr | grep -q "inet 10.9.0.103/24 .*eth0:7" || nt_fail "label eth0:7"
nt_exec node1 env OCF_ROOT=/usr/lib/ocf OCF_RESKEY_ip=10.9.0.104 \
	OCF_RESKEY_cidr_netmask=255.255.255.0 OCF_RESKEY_iflabel=vip "$AG" start || nt_fail "OCF start"
nt_exec node1 ip -o -4 addr | grep -q "inet 10.9.0.104/24 .*eth0:vip" || nt_fail "OCF dotted mask/iflabel"
nt_exec node1 env OCF_ROOT=/usr/lib/ocf OCF_RESKEY_ip=10.9.0.104 "$AG" monitor || nt_fail "OCF monitor"
for a in 10.9.0.101 10.9.0.102 10.9.0.103 10.9.0.104; do
	nt_exec node1 "$AG" $a stop || nt_fail "stop $a"
done
nt_exec node1 ip -o -4 addr | grep -q '10.9.0.10[1-4]' && nt_fail "addresses left behind"
nt_exec node1 env OCF_ROOT=/usr/lib/ocf OCF_RESKEY_ip=10.9.0.104 "$AG" monitor; [ $? = 7 ] || nt_fail "OCF monitor stopped != 7"

# bad input: clear errors, no change
out=$(nt_exec node1 "$AG" 10.9.0.300 start 2>&1) && nt_fail "accepted 10.9.0.300"
grep -q "not an IPv4 address" <<<"$out" || nt_fail "unclear error: $out"
out=$(nt_exec node1 "$AG" 172.31.0.9 start 2>&1) && nt_fail "started an IP with no route"
grep -q "cannot find an interface" <<<"$out" || nt_fail "unclear error: $out"
out=$(nt_exec node1 "$AG" 10.9.0.105/24/nosuch0 start 2>&1) && nt_fail "accepted missing nic"
grep -q "no interface 'nosuch0'" <<<"$out" || nt_fail "unclear error: $out"
nt_pass "VIP moved node1 -> node2, client ARP entry $M1 -> $M2 by gratuitous ARP"
