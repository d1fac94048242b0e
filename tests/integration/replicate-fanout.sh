#!/bin/bash
# replicate-fanout: one source streaming to two replicas (issue 17).
# Three nodes a (source), b and c (replicas), each listing the two others
# as `peer`.  Shows: every file reaches both replicas; with `barrier all`
# a barrier returns only once both hold the change, and with one replica
# frozen (SIGSTOP: its session stays up) it times out, while a replica
# still in its catch-up does not hold it; with `barrier one`
# it returns with one replica frozen; a replica killed -9 catches up on
# restart; `barrier 2` waits while one replica is dead and takes it when
# it comes back; a replica promoted to source (a killed) streams to the other
# one, which follows it; the old source rejoins as a replica and
# reconciles.
NT_NAME=replicate-fanout
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
[ -x "$RP_BIN" ] || { echo "SKIP: $RP_BIN not built"; exit 77; }
nt_init
declare -A IP=([a]=10.99.0.1 [b]=10.99.0.2 [c]=10.99.0.3)
head -c 48 /dev/urandom | base64 >"$NT_TMP/key"
chmod 600 "$NT_TMP/key"
for n in a b c; do
	nt_node $n "${IP[$n]}/24"
	mkdir -p "$NT_TMP/$n/mail" "$NT_TMP/$n/accounts" "$NT_TMP/$n/state"
	{
		echo "root mail $NT_TMP/$n/mail"
		echo "root accounts $NT_TMP/$n/accounts"
		echo "listen 0.0.0.0 7790"
		for p in a b c; do [ $p = $n ] || echo "peer ${IP[$p]} 7790"; done
		echo "barrier all"
		echo "keyfile $NT_TMP/key"
		echo "role replica"
		echo "statedir $NT_TMP/$n/state"
		echo "control $NT_TMP/$n/state/ctl"
		echo "logfacility none"
		echo "debug ${RP_DEBUG:-0}"
	} >"$NT_TMP/$n.conf"
done
"$RP_BIN" -c "$NT_TMP/a.conf" -T | grep -c '^peer ' | grep -qx 2 ||
	nt_fail "replicate -T does not list both peers"

# same X Y: node X's trees equal node Y's
same() {
	diff -r -x .replicate.tmp "$NT_TMP/$1/mail" "$NT_TMP/$2/mail" >/dev/null &&
	diff -r -x .replicate.tmp "$NT_TMP/$1/accounts" "$NT_TMP/$2/accounts" >/dev/null
}
all_same() {	# all_same SRC SECS WHAT: both other nodes equal SRC within SECS
	local n
	for n in a b c; do
		[ $n = "$1" ] && continue
		nt_wait "$2" same "$1" $n || {
			diff -r -x .replicate.tmp "$NT_TMP/$1/mail" "$NT_TMP/$n/mail" | head
			rp_logs; nt_fail "$3: $n differs from $1"; }
	done
	nt_log "$3: b, c and a identical ($(find "$NT_TMP/$1/mail" -type f | wc -l) files)"
}
nmsg() { find "$NT_TMP/$1/mail" -path '*/new/*' -type f | wc -l; }
streams() {	# streams NODE N: N replica sessions stream
	[ "$(rp_ctl "$1" status | grep -c '^replica .* session=stream')" -eq "$2" ]
}

rp_deliver a example.org u1 20
echo "user1:{PLAIN}x" >"$NT_TMP/a/accounts/users"
rp_start b
rp_start c
rp_start a source
nt_wait 10 streams a 2 || { rp_ctl a status; nt_fail "a does not stream to both"; }
all_same a 20 "initial sync to two replicas"
nt_log "status: $(rp_ctl a status | tr '\n' '|')"

# barrier all: when sync returns, both replicas hold the deliveries
rp_deliver a example.org u2 10
rp_ctl a -w 10 sync >/dev/null || nt_fail "barrier all with both replicas up"
same a b && same a c || nt_fail "barrier all returned before both replicas had the change"
nt_log "barrier all: 10 deliveries on b and c when sync returned"

# barrier all, c frozen: its session stays up, the barrier waits for it
kill -STOP "${RP_PID[c]}"
rp_deliver a example.org u3 1
t0=$(date +%s%N)
out=$(rp_ctl a -w 3 sync 2>&1) && nt_fail "barrier all returned with c frozen: $out"
echo "$out" | grep -q 'timed out' || nt_fail "barrier all, c frozen: '$out', not a time-out"
ms=$((($(date +%s%N) - t0) / 1000000))
nt_wait 5 same a b || nt_fail "b did not get the delivery while c is frozen"
[ "$(nmsg c)" -lt "$(nmsg a)" ] || nt_fail "c got the delivery while stopped?"
nt_log "barrier all, c frozen: timed out after $ms ms ($out); b has the delivery, c not"
kill -CONT "${RP_PID[c]}"
rp_ctl a -w 10 sync >/dev/null || nt_fail "barrier all after c resumed"
same a c || nt_fail "c not current after its barrier"

# barrier all, c in its catch-up: it does not count while b is current
# (a long catch-up would hold every delivery).  c missed a 20 MB file,
# and its input from a is held to 1 MB/s (nftables; no netem here) so
# that the catch-up lasts.
rp_kill c KILL
head -c 20000000 /dev/urandom >"$NT_TMP/a/mail/example.org/u1/Maildir/new/big.M1"
rp_ctl a -w 30 sync >/dev/null || nt_fail "barrier all with c dead"
nt_exec c nft -f - <<NFT || nt_fail "nft"
table inet slow {
	chain in {
		type filter hook input priority 0;
		ip saddr ${IP[a]} limit rate over 1 mbytes/second drop
	}
}
NFT
rp_start c
catching() { rp_ctl a status | grep -q "^replica ${IP[c]}:7790 session=catchup"; }
nt_wait 20 catching || nt_fail "c's catch-up not seen: $(rp_ctl a status)"
rp_deliver a example.org u3 1
t0=$(date +%s%N)
out=$(rp_ctl a -w 5 sync 2>&1) || nt_fail "barrier all waited for c's catch-up: $out"
ms=$((($(date +%s%N) - t0) / 1000000))
same a b || nt_fail "barrier all returned before b had the change"
nt_log "barrier all, c in its catch-up: '$out' with b after $ms ms; $(rp_ctl a status | grep "${IP[c]}")"
nt_exec c nft delete table inet slow
nt_wait 30 '! catching' || nt_fail "c's catch-up did not end"
rp_ctl a -w 10 sync >/dev/null || nt_fail "barrier all after c's catch-up"
same a c || nt_fail "c not current after its catch-up and a barrier all"
rm "$NT_TMP/a/mail/example.org/u1/Maildir/new/big.M1"

# barrier one: restart a with it; c frozen, the barrier returns with b
rp_kill a
sed -i 's/^barrier .*/barrier one/' "$NT_TMP/a.conf"
rp_start a source
nt_wait 10 streams a 2 || nt_fail "a does not stream to both after restart"
kill -STOP "${RP_PID[c]}"
rp_deliver a example.org u4 5
t0=$(date +%s%N)
out=$(rp_ctl a -w 5 sync 2>&1) || { kill -CONT "${RP_PID[c]}"; nt_fail "barrier one with c frozen: $out"; }
ms=$((($(date +%s%N) - t0) / 1000000))
same a b || { kill -CONT "${RP_PID[c]}"; nt_fail "barrier one returned before b had the change"; }
[ "$(nmsg c)" -lt "$(nmsg a)" ] || nt_fail "c got the deliveries while stopped?"
nt_log "barrier one, c frozen: '$out' after $ms ms; b has the deliveries"
kill -CONT "${RP_PID[c]}"
all_same a 20 "c resumed"

# a replica killed -9 catches up on restart (deliveries meanwhile)
rp_kill c KILL
rp_deliver a example.org u5 30
rm "$NT_TMP"/a/mail/example.org/u1/Maildir/new/*.a-1
rp_ctl a -w 10 sync >/dev/null || nt_fail "barrier one with c dead"
nt_wait 5 '! streams a 2' || nt_fail "a still streams to c after its death"
rp_start c
nt_wait 10 streams a 2 || nt_fail "c did not reconnect"
all_same a 20 "c killed -9 and restarted: caught up"
# positions (what the promotable clone ranks): one series over the
# replicas, none ahead of the source; once caught up, "complete" follows
# "applied"
rp_ctl a -w 10 sync >/dev/null || nt_fail "barrier one after c's catch-up"
pos() { rp_ctl "$1" status | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }
nt_wait 5 '[ "$(pos c complete)" = "$(pos c applied)" ] && [ "$(pos b complete)" = "$(pos b applied)" ]' ||
	nt_fail "complete does not follow applied after the catch-up: b $(rp_ctl b status), c $(rp_ctl c status)"
seq_a=$(rp_ctl a status | head -1 | sed -n 's/.* seq=\([0-9]*\).*/\1/p')
nt_log "positions: a seq $seq_a, b complete $(pos b complete), c complete $(pos c complete)"
[ "$(pos b applied)" -le "$seq_a" ] && [ "$(pos c applied)" -le "$seq_a" ] || nt_fail "a replica ahead of its source"
grep -q '^complete ' "$NT_TMP/c/state/state" || nt_fail "c's state file has no complete position"

# barrier 2: with c dead only b counts, so a barrier waits (where `all`
# would return with b); c restarting joins the waiting barrier at the end
# of its catch-up, and it returns
rp_kill a
sed -i 's/^barrier .*/barrier 2/' "$NT_TMP/a.conf"
rp_start a source
nt_wait 10 streams a 2 || nt_fail "a does not stream to both with barrier 2"
rp_kill c KILL
rp_deliver a example.org u7 5
out=$(rp_ctl a -w 2 sync 2>&1) && nt_fail "barrier 2 returned with one replica: $out"
rp_ctl a -w 20 sync >"$NT_TMP/sync2.out" 2>&1 &
spid=$!
sleep 0.3
rp_start c
wait $spid || nt_fail "barrier 2 did not return once c was back: $(cat "$NT_TMP/sync2.out")"
same a c && same a b || nt_fail "barrier 2 returned before both replicas had the change"
nt_log "barrier 2: waits with one replica ($out), returns once c rejoined: $(cat "$NT_TMP/sync2.out")"

# the source dies; b is promoted and c follows it
rp_kill a KILL
rp_ctl b source >/dev/null || nt_fail "b cannot become source"
nt_wait 10 streams b 1 || { rp_ctl b status; nt_fail "b does not stream to c"; }
rp_deliver b example.org u6 10
rp_ctl b -w 10 sync >/dev/null || nt_fail "barrier on the new source"
same b c || nt_fail "c does not follow the new source b"
nt_log "b promoted: c follows ($(nmsg c) messages)"
# the old source rejoins as a replica: union, then it follows b
sed -i 's/^role .*/role replica/' "$NT_TMP/a.conf"
rp_start a
nt_wait 10 streams b 2 || { rp_ctl b status; nt_fail "a did not rejoin b"; }
rp_ctl b -w 20 sync >/dev/null || nt_fail "barrier all on b with a and c"
all_same b 20 "a rejoined as replica of b"
grep -h 'session with' "$NT_TMP"/b.log.* | tail -3 >&2
rp_pass
