#!/bin/bash
# mail-bench - the cost of zero loss: the protected mail path against the
# same Postfix + Dovecot without the barrier, on the same node pair, in
# one run.
#
# Run from the top of an in-tree build, as root:  bench/mail-bench.sh
# Env: BENCH_SECS (20, per load run), BENCH_RATE (160), BENCH_ROUNDS (2),
# BENCH_FS (loop: each node's data on a fresh ext4 on a loop device with
# direct I/O; dir: in /tmp, whose syncfs() also flushes everything else),
# BENCH_USERS (50: local mail goes to u0..u49, as on a server with many
# mailboxes; Dovecot rewrites a mailbox's dovecot-uidlist, replicated, on
# every delivery, so one mailbox taking all the mail grows that cost).
#
# Builds the two-node cluster of the mail tests (tests/integration/
# mail-lib.sh: hbd, replicate, real Postfix and Dovecot LMTP per node in
# network namespaces, a client and a remote MX namespace) and runs, on
# that one pair, alternating BENCH_ROUNDS times:
#   protected:   smtpd -> replicate-mda -> Dovecot LMTP / Postfix queue
#                -> replication barrier -> 250        (the product)
#   unprotected: smtpd -> Postfix queue -> 250, then LMTP delivery;
#                replication asynchronous             (plain Postfix)
# switching with postconf smtpd_proxy_filter + postfix reload.  Each run:
#   1. BENCH_RATE msgs/s offered for BENCH_SECS from 8 clients (6 to
#      local mailboxes, 2 to the remote MX), one SMTP session per message;
#      SMTP transaction time connect..QUIT of every acknowledged message;
#   2. as fast as 8 clients can go for BENCH_SECS: msgs/s acknowledged.
# Prints every run, the medians per mode, and the ratios; the targets
# are >= 80 % of the unprotected throughput and < 20 ms added at p99.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
export HB_TOP=$top HB_BUILD=$top NT_ID=mbench
. tests/integration/lib.sh
. tests/integration/hbd-lib.sh
. tests/integration/resources-mail.inc
. tests/integration/mail-lib.sh
nt_fail() { echo "bench failed: $*"; exit 1; }
rm_have_mail
ml_have_lmtp
SECS=${BENCH_SECS:-20} RATE=${BENCH_RATE:-160} ROUNDS=${BENCH_ROUNDS:-2} USERS=${BENCH_USERS:-50}
LOOPS=()
bench_cleanup() {
	local n
	ml_stop_all
	NT_KEEP=1 nt_cleanup
	for n in 1 2; do umount "$NT_TMP/node$n" 2>/dev/null; done
	for n in "${LOOPS[@]}"; do losetup -d "$n"; done
	rm -rf "$NT_TMP"
}
trap bench_cleanup EXIT
if [ "${BENCH_FS:-loop}" = loop ]; then
	# each node's data on a file system of its own, as a mail server's
	# store would be (a fresh ext4 on a loop device with direct I/O):
	# replicate's group commit calls syncfs(), which otherwise also
	# flushes whatever else this machine writes to /tmp
	for n in 1 2; do
		truncate -s 2G "$NT_TMP/fs$n.img"
		dev=$(losetup --direct-io=on -f --show "$NT_TMP/fs$n.img") || nt_fail "no loop device (BENCH_FS=dir runs without)"
		LOOPS+=("$dev")
		mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$dev" || nt_fail "mkfs"
		mkdir -p "$NT_TMP/node$n"
		mount "$dev" "$NT_TMP/node$n" || nt_fail "mount"
	done
fi

ML_BACKOFF=2s ML_BACKOFF_MAX=4s ml_setup on
for u in $(seq 0 $((USERS - 1))); do	# local mail is spread over USERS mailboxes
	ml_add_user u$u 1 >/dev/null
	ml_add_user u$u 2 >/dev/null
done
ml_mx_node
: >"$NT_TMP/mx-got"
ml_start 1
ml_start 2
ml_mx_start
nt_wait 30 '[ "$(ml_banner)" = node1 ]' || nt_fail "mail service not up on node1"
d1=$NT_TMP/node1

mode() {	# protected|unprotected
	if [ "$1" = protected ]; then
		postconf -c "$d1/postfix" -e "smtpd_proxy_filter = 127.0.0.1:10025"
	else
		postconf -c "$d1/postfix" -e "smtpd_proxy_filter ="
	fi
	nt_exec node1 postfix -c "$d1/postfix" reload >/dev/null 2>&1
	sleep 2
}

base=1
load() {	# NAME RATE -> prints "msgs/s p50 p99 acked offered errors"
	local name=$1 rate=$2 c per n pids=() t0 t1 ok err
	per=$(awk -v r="$rate" 'BEGIN {printf "%.2f", r / 8}')
	n=$(awk -v r="$per" -v s="$SECS" 'BEGIN {printf "%d", (r > 0) ? r * s : 100000}')
	t0=$(nt_ms)
	for c in 1 2 3 4 5 6 7 8; do
		local to="u%d@example.org --spread $USERS"
		[ $c -gt 6 ] && to=bob@remote.test
		if [ "$rate" = 0 ]; then
			timeout "$SECS" ip netns exec "$(nt_ns client)" $ML_CLIENT send $ML_VIP $((base + c * 1000000)) $n --to $to --prefix $name >"$NT_TMP/b-$name-$c" &
		else
			nt_exec client $ML_CLIENT send $ML_VIP $((base + c * 1000000)) $n $per --to $to --prefix $name >"$NT_TMP/b-$name-$c" &
		fi
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(nt_ms)
	base=$((base + 100000))
	awk '$1 == "ok" {print $4}' "$NT_TMP"/b-$name-* | sort -n >"$NT_TMP/ms"
	ok=$(wc -l <"$NT_TMP/ms")
	err=$(cat "$NT_TMP"/b-$name-* | grep -c '^err')
	pct() { local i; i=$(( ok * $1 / 100 )); [ $i -lt 1 ] && i=1; sed -n "${i}p" "$NT_TMP/ms"; }
	echo "$(awk -v ok="$ok" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", ok * 1000 / (b - a)}') $(pct 50) $(pct 99) $ok $((ok + err)) $err"
}

printf '%-12s %-6s %9s %9s %9s %7s %7s %6s\n' mode run "msgs/s" "p50 ms" "p99 ms" acked offered errors
for r in $(seq 1 "$ROUNDS"); do
	for m in unprotected protected; do
		mode $m
		read -r tp p50 p99 ok off err <<<"$(load ${m:0:1}r$r $RATE)"
		printf '%-12s %-6s %9s %9s %9s %7s %7s %6s\n' $m "$RATE/s" "$tp" "$p50" "$p99" "$ok" "$off" "$err"
		echo "$m rate $tp $p50 $p99" >>"$NT_TMP/results"
		read -r tp p50 p99 ok off err <<<"$(load ${m:0:1}m$r 0)"
		printf '%-12s %-6s %9s %9s %9s %7s %7s %6s\n' $m max "$tp" "$p50" "$p99" "$ok" "$off" "$err"
		echo "$m max $tp $p50 $p99" >>"$NT_TMP/results"
	done
done
med() {	# MODE KIND FIELD -> median
	local v n
	v=$(awk -v m="$1" -v k="$2" -v f="$3" '$1 == m && $2 == k {print $f}' "$NT_TMP/results" | sort -n)
	n=$(echo "$v" | wc -l)
	if [ $((n % 2)) = 1 ]; then echo "$v" | sed -n "$(( (n + 1) / 2 ))p"
	else echo "$v" | sed -n "$((n / 2)),$((n / 2 + 1))p" | awk '{s += $1} END {print s / 2}'; fi
}
up50=$(med unprotected rate 4) up99=$(med unprotected rate 5) utp=$(med unprotected rate 3) umax=$(med unprotected max 3)
pp50=$(med protected rate 4) pp99=$(med protected rate 5) ptp=$(med protected rate 3) pmax=$(med protected max 3)
echo
echo "medians of $ROUNDS runs (load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, BENCH_FS=${BENCH_FS:-loop})"
printf '  at %s/s offered: unprotected %s msgs/s p50 %s p99 %s ms; protected %s msgs/s p50 %s p99 %s ms\n' \
	"$RATE" "$utp" "$up50" "$up99" "$ptp" "$pp50" "$pp99"
printf '  as fast as 8 clients go: unprotected %s msgs/s, protected %s msgs/s\n' "$umax" "$pmax"
awk -v utp="$utp" -v ptp="$ptp" -v umax="$umax" -v pmax="$pmax" -v up99="$up99" -v pp99="$pp99" -v up50="$up50" -v pp50="$pp50" 'BEGIN {
	printf "ratios (protected / unprotected): throughput at %s/s %.2f, max throughput %.2f\n", "'"$RATE"'", ptp / utp, pmax / umax
	printf "added by the barrier path: p50 %+.1f ms, p99 %+.1f ms\n", pp50 - up50, pp99 - up99
	printf "targets: max throughput >= 0.80: %s; p99 added < 20 ms: %s\n", pmax / umax >= 0.8 ? "met" : "NOT met", pp99 - up99 < 20 ? "met" : "NOT met"
}'
