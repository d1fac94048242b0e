#!/bin/bash
# Untrusted packets: garbage and forged packets are counted and dropped;
# a captured packet replayed in the same generation and one replayed from
# an older generation are rejected, counted and logged; the peer stays
# active throughout.
NT_NAME=hbd-replay
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
SPY="python3 $(dirname "$0")/udpspy.py"
nt_init
nt_node node1 10.55.0.1/24
nt_node node2 10.55.0.2/24
nt_node spy 10.55.0.3/24
hb_conf node1 "keepalive 100ms
deadtime 1
initdead 3
ucast eth0 10.55.0.2
node node1 node2
logfile $NT_TMP/node1/ha-log"
hb_conf node2 "keepalive 100ms
deadtime 1
initdead 3
ucast eth0 10.55.0.1
ucast eth0 10.55.0.3
node node1 node2
logfile $NT_TMP/node2/ha-log"
counter() { echo counters | socat - UNIX-CONNECT:$NT_TMP/node1/hbd.sock | awk -v k="$1" '$1 == k {print $2}'; }
nt_bg spy "$NT_TMP/spy.log" $SPY listen 694 "$NT_TMP/cap"
hb_start node1
hb_start node2
hb_wait_status node1 node2 active 4 || nt_fail "node2 not active"
nt_wait 3 test -e "$NT_TMP/cap/00020.pkt" || nt_fail "nothing captured"

# garbage
nt_exec spy $SPY garbage 10.55.0.1 694 200
nt_wait 2 '[ "$(counter bad_format)" -ge 150 ]' || nt_fail "garbage not counted: $(counter bad_format)"
# forged: a captured packet with one byte of its body changed
python3 - "$NT_TMP/cap/00010.pkt" "$NT_TMP/forged.pkt" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b"st=") + 3
d[i] ^= 0x01
open(sys.argv[2], "wb").write(bytes(d))
PY
nt_exec spy $SPY send 10.55.0.1 694 "$NT_TMP/forged.pkt"
nt_wait 2 '[ "$(counter bad_auth)" -ge 1 ]' || nt_fail "forgery not counted"
# same-generation replay of an old packet (well beyond the duplicate window)
sleep 4
old=$(grep -l "t=status" "$NT_TMP"/cap/0000*.pkt | head -1)	# a sequenced packet
nt_exec spy $SPY send 10.55.0.1 694 "$old"
nt_wait 2 '[ "$(counter replay)" -ge 1 ]' || nt_fail "same-generation replay not rejected"
nt_wait 2 grep -q "replayed packet from node node2" "$NT_TMP/node1/ha-log" || nt_fail "replay not logged"
# older generation: restart node2, then replay a packet of the first run
kill -TERM "${HB_PID[node2]}"
nt_wait 5 sh -c "! kill -0 ${HB_PID[node2]}"
hb_start node2
sleep 1.5
hb_is node1 node2 active || nt_fail "restarted node2 not active"
nt_exec spy $SPY send 10.55.0.1 694 "$old"
nt_wait 2 grep -q "attempted replay attack from node node2" "$NT_TMP/node1/ha-log" || nt_fail "old generation replay not logged"
grep -q "bad packet on link eth0" "$NT_TMP/node1/ha-log" || nt_fail "bad packets not logged"
hb_is node1 node2 active || nt_fail "node2 no longer active"
nt_pass "counters: $(echo counters | socat - UNIX-CONNECT:$NT_TMP/node1/hbd.sock | tail -n +2 | tr '\n' ' ')"
