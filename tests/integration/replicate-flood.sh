#!/bin/bash
# Unauthenticated connections at the replication port: from a client
# namespace, 500 new TCP connections/s to the replica's port for
# HB_FLOOD_SECS (default 10; bench/flood: 60), every other one sending a
# TLS ClientHello without the PSK, each held open up to 5 s
# (tests/integration/flood.py).  Meanwhile the source delivers 100
# messages/s; the real session must keep the delivery lag (rename on the
# source until the name appears on the replica) p99 under 50 ms, lose
# nothing, never be replaced or closed, and the trees must be identical.
NT_NAME=replicate-flood
SECS=${HB_FLOOD_SECS:-10}
RATE=${HB_FLOOD_CONN_RATE:-500}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
FLOOD="python3 $HB_TOP/tests/integration/flood.py"
MOUNTS=()
trap 'for m in "${MOUNTS[@]}"; do umount -l "$m"; done; nt_cleanup' EXIT
rp_setup
nt_node c 10.99.0.100/24
# both trees on tmpfs: the lag measured is the session's, not the shared
# disk's fsync latency
for n in a b; do
	mkdir -p "$NT_TMP/$n.save" && mv "$NT_TMP/$n"/* "$NT_TMP/$n.save/"
	mount -t tmpfs -o size=256m tmpfs "$NT_TMP/$n" || { echo "SKIP: cannot mount tmpfs"; exit 77; }
	MOUNTS+=("$NT_TMP/$n")
	mv "$NT_TMP/$n.save"/* "$NT_TMP/$n/"
done
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
md=example.com/lag/Maildir
# lag without the flood first, as the reference on this machine now
mkdir -p "$NT_TMP/a/mail/$md"
ref=$($FLOOD lag "$NT_TMP/a/mail/$md" "$NT_TMP/b/mail/$md" 100 5)
nt_log "lag without flood (100/s, 5 s): $ref"
blog=$(ls "$NT_TMP"/b.log.* | head -1)
l0=$(wc -l <"$blog")
fds0=$(ls /proc/${RP_PID[b]}/fd | wc -l)
cpu() { awk '{print $14 + $15}' "/proc/${RP_PID[$1]}/stat"; }
ca0=$(cpu a) cb0=$(cpu b) t0=$(nt_ms)
nt_exec c $FLOOD tcp 10.99.0.2 7790 "$RATE" "$SECS" 5 >"$NT_TMP/flood.out" 2>&1 &
fl=$!
NT_PIDS+=($fl)
sleep 1
out=$($FLOOD lag "$NT_TMP/a/mail/$md" "$NT_TMP/b/mail/$md" 100 $((SECS - 2)))
fdsmax=$(ls /proc/${RP_PID[b]}/fd | wc -l)
wait $fl
ms=$(( $(nt_ms) - t0 ))
pct() { awk -v c="$1" -v ms=$ms 'BEGIN {printf "%.1f", c * 1000 / ms}'; }
l1=$(wc -l <"$blog")
nt_log "CPU during the flood: replica $(pct $(( $(cpu b) - cb0 ))) %, source $(pct $(( $(cpu a) - ca0 ))) % of a core; load average $(cut -d' ' -f1-3 /proc/loadavg)"
nt_log "flood: $(cat "$NT_TMP/flood.out")"
nt_log "lag under the flood (100/s, $((SECS - 2)) s): $out"
nt_log "replica: fds $fds0 before, $fdsmax during; $((l1 - l0)) log lines during the flood"
tail -n +$((l0 + 1)) "$blog" | head -3 >&2
read -r _ n _ got _ p50 _ p99 _ max <<<"$out"
[ "$got" = "$n" ] || nt_fail "$((n - got)) of $n deliveries never reached the replica"
real='session with 10\.99\.0\.[12]:[0-9]* closed\|replaced by a new session'
grep -q "$real" "$blog" "$NT_TMP"/a.log.* &&
	nt_fail "the real session was closed or replaced: $(grep -h "$real" "$blog" "$NT_TMP"/a.log.* | head -3)"
# the log is rate-limited: one line per 5 s about unauthenticated closes
[ $((l1 - l0)) -le $(( SECS / 5 + 4 )) ] || nt_fail "$((l1 - l0)) log lines during $SECS s of flood"
awk -v p="$p99" 'BEGIN {exit !(p < 50)}' || nt_fail "lag p99 $p99 ms under the flood (limit 50)"
rp_sync a || nt_fail "barrier after the flood"
rp_assert_same "after the flood"
rp_pass "lag p99 $p99 ms under $RATE unauthenticated connections/s"
