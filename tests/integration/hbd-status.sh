#!/bin/bash
# hbd status through a failover.  Two nodes, two media (ucast on eth0 and
# eth1), one group "node1 IPaddr::VIP replicate::CONF" with a replicate
# daemon on each node (replica until the group makes it the source):
#  1. healthy: exit 0 on both nodes, "HBD OK" first, both links up, the
#     group held by node1, node1's replication streaming, node2's receiving;
#     --json carries the same;
#  2. one link of node2 cut: exit 1 (degraded) naming the link;
#  3. node1 crashes (hbd and replicate killed -9): node2's status gives
#     exit 2 with node1 dead, the group held by node2, the takeover in the
#     fencing history, and the mail path "accepting alone" (node2's source
#     has no replica session);
#  4. node2's replicate killed: "replication down" (critical);
#  5. node1's hbd is gone: exit 3 (unknown) on node1.
NT_NAME=hbd-status
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
VIP=10.58.0.50
RP_BIN=$HB_BUILD/replicate/replicate
nt_init
for n in 1 2; do
	nt_node node$n 10.58.0.$n/24 eth0 br0
	nt_node node$n 10.59.0.$n/24 eth1 br1
done
head -c 48 /dev/urandom | base64 >"$NT_TMP/key"
chmod 600 "$NT_TMP/key"	# replicate refuses a key others can read
for n in 1 2; do
	o=$((3 - n))
	mkdir -p "$NT_TMP/node$n/mail" "$NT_TMP/node$n/rstate"
	cat >"$NT_TMP/node$n.conf" <<EOC
root mail $NT_TMP/node$n/mail
listen 0.0.0.0 7790
peer 10.58.0.$o 7790
keyfile $NT_TMP/key
role replica
statedir $NT_TMP/node$n/rstate
control $NT_TMP/node$n/rstate/ctl
logfacility none
EOC
	hb_conf node$n "keepalive 100ms
deadtime 1
initdead 3
ucast eth0 10.58.0.$o
ucast eth1 10.59.0.$o
node node1 node2
auto_failback off
logfile $NT_TMP/node$n/ha-log" "node1 IPaddr::$VIP/24/eth0 replicate::$NT_TMP/node$n.conf"
done
export HBD_RESOURCEDIR=$HB_TOP/resources REPLICATE_BIN=$RP_BIN
declare -A RP
for n in 1 2; do
	nt_bg node$n "$NT_TMP/rp$n.log" "$RP_BIN" -c "$NT_TMP/node$n.conf"
	RP[node$n]=$NT_LASTPID
	nt_wait 5 test -S "$NT_TMP/node$n/rstate/ctl" || nt_fail "replicate on node$n did not start"
done
# -t is clean: every script of the group is found
"$HBD" -t -c "$NT_TMP/node1" >"$NT_TMP/t.out" 2>&1 || nt_fail "hbd -t failed: $(cat "$NT_TMP/t.out")"
grep -q "haresources" "$NT_TMP/t.out" && nt_fail "hbd -t warns: $(cat "$NT_TMP/t.out")"
hb_start node1
hb_start node2

# st NAME [args]: hbd status as seen on NAME; output in $NT_TMP/st.NAME,
# returns its exit code
st() {
	local n=$1; shift
	HBD_CONTROL=$NT_TMP/$n/hbd.sock "$HBD" status -c "$NT_TMP/$n" \
		-r "$NT_TMP/$n.conf" "$@" >"$NT_TMP/st.$n" 2>&1
}
# st_is NAME RC: the status of NAME exits with RC
st_is() { st "$1"; [ $? = "$2" ]; }
show() { echo "--- status on $1:"; cat "$NT_TMP/st.$1"; }
# js NAME PYTHON-EXPR: evaluate an expression on the JSON status (as s)
js() {
	st "$1" -j
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
		"$NT_TMP/st.$1" || { show "$1"; nt_fail "json on $1: $2"; }
}

# 1. healthy
nt_wait 20 st_is node1 0 || { show node1; nt_fail "node1 never healthy"; }
nt_wait 10 st_is node2 0 || { show node2; nt_fail "node2 never healthy"; }
show node1
show node2
st node1
head -1 "$NT_TMP/st.node1" | grep -q "^HBD OK - 2 nodes active, 1 of 1 groups held, replication streaming$" ||
	nt_fail "node1 summary: $(head -1 "$NT_TMP/st.node1")"
grep -q "IPaddr::$VIP/24/eth0 (prefers node1): held by node1" "$NT_TMP/st.node1" || nt_fail "group not shown on node1"
[ "$(grep -c '    link eth[01]: up' "$NT_TMP/st.node1")" = 4 ] || nt_fail "links not all shown up"
st node2
head -1 "$NT_TMP/st.node2" | grep -q "replica receiving$" || nt_fail "node2 summary: $(head -1 "$NT_TMP/st.node2")"
grep -q "held by node1" "$NT_TMP/st.node2" || nt_fail "node2 does not see node1 holding the group"
js node1 's["code"] == 0 and s["self"] == "node1" and s["groups"][0]["holder"] == "node1"'
js node1 '[l["name"] for l in s["nodes"][1]["links"]] == ["eth0", "eth1"] and all(l["up"] for l in s["nodes"][1]["links"])'
js node1 's["replication"]["role"] == "source" and s["replication"]["session_up"] and s["replication"]["ack_age_ms"] is not None'
js node2 's["replication"]["role"] == "replica" and s["replication"]["session_up"] and s["groups"][0]["holder"] == "node1"'
js node1 'any("IPaddr" in e["text"] for e in s["events"])'

# 2. one medium lost: degraded
nt_link node2 down eth1
nt_wait 5 st_is node1 1 || { show node1; nt_fail "link cut not reported as degraded"; }
show node1
head -1 "$NT_TMP/st.node1" | grep -q "^HBD WARNING - link node2:eth1 dead$" || nt_fail "degraded summary: $(head -1 "$NT_TMP/st.node1")"
nt_link node2 up eth1
nt_wait 5 st_is node1 0 || { show node1; nt_fail "not healthy after the link came back"; }

# 3. node1 crashes
t0=$(nt_ms)
kill -9 "${HB_PID[node1]}" "${RP[node1]}"
nt_wait 15 'st node2; grep -q "held by node2" "$NT_TMP/st.node2"' ||
	{ show node2; nt_fail "status never showed the group on node2"; }
nt_log "status showed the group on node2 $(( $(nt_ms) - t0 )) ms after kill -9"
nt_wait 5 'st node2; grep -q "accepting alone" "$NT_TMP/st.node2"' ||
	{ show node2; nt_fail "no 'accepting alone' on node2"; }
st node2; rc=$?
show node2
[ $rc = 2 ] || nt_fail "peer dead: exit $rc, want 2"
head -1 "$NT_TMP/st.node2" | grep -q "^HBD CRITICAL - node node1 dead; accepting alone: the replication source has no replica session$" ||
	nt_fail "critical summary: $(head -1 "$NT_TMP/st.node2")"
grep -q "node2: node node1 taken over without STONITH" "$NT_TMP/st.node2" || nt_fail "no fencing history"
js node2 's["code"] == 2 and s["groups"][0]["holder"] == "node2" and s["replication"]["role"] == "source" and not s["replication"]["session_up"]'
js node2 's["fencing"][-1]["node"] == "node1" and s["fencing"][-1]["result"] == "n_stnth"'
js node2 '[n["status"] for n in s["nodes"]] == ["dead", "active"]'

# 4. replication down
kill -9 "${RP[node2]}"
wait "${RP[node2]}" 2>/dev/null
st node2; rc=$?
show node2
[ $rc = 2 ] || nt_fail "replication down: exit $rc"
grep -q "^HBD CRITICAL - node node1 dead; replication down: $NT_TMP/node2/rstate/ctl: " "$NT_TMP/st.node2" ||
	nt_fail "replication down not reported"
grep -q "^Replication: DOWN" "$NT_TMP/st.node2" || nt_fail "no replication DOWN line"

# 5. hbd not reachable
st node1; rc=$?
show node1
[ $rc = 3 ] || nt_fail "dead hbd: exit $rc, want 3"
head -1 "$NT_TMP/st.node1" | grep -q "^HBD UNKNOWN - hbd not reachable at $NT_TMP/node1/hbd.sock" ||
	nt_fail "unknown summary: $(head -1 "$NT_TMP/st.node1")"
nt_pass
