#!/bin/bash
# stonith-cli: the stonith tool's listing options and exit codes against
# the null plugin, an external script written here (the shell plugin path
# hbd tests use), cluster-glue's unmodified external scripts (listing and
# parameter names) and meatware confirmed by cluster-glue's meatclient.
NT_NAME=stonith-cli
. "$(dirname "$0")/lib.sh"
S=$HB_BUILD/stonith/stonith
[ -x "$S" ] || { echo "SKIP: $S not built"; exit 77; }

# expect RC cmd...: run, compare the exit code
expect() {
	local want=$1; shift
	"$@" >"$NT_TMP/out" 2>"$NT_TMP/err"
	local rc=$?
	[ "$rc" = "$want" ] || { cat "$NT_TMP/out" "$NT_TMP/err"; \
		nt_fail "exit $rc, wanted $want: $*"; }
}

# --- types and parameter names
expect 0 "$S" -L
for t in null ssh meatware ipmilan; do
	grep -qx "$t" "$NT_TMP/out" || nt_fail "-L lacks $t"
done
if [ -x /usr/lib/stonith/plugins/external/ipmi ]; then
	grep -qx external/ipmi "$NT_TMP/out" || nt_fail "-L lacks external/ipmi"
	expect 0 "$S" -t external/ipmi -n
	grep -q '^hostname  ipaddr  userid  passwd  interface' "$NT_TMP/out" ||
		nt_fail "external/ipmi -n: $(cat "$NT_TMP/out")"
	expect 0 "$S" -t external/ssh -p "ha1 ha2" -l
	[ "$(cat "$NT_TMP/out")" = "$(printf 'ha1\nha2')" ] ||
		nt_fail "external/ssh -l: $(cat "$NT_TMP/out")"
fi
expect 0 "$S" -t null -n
grep -q '^hostlist' "$NT_TMP/out" || nt_fail "null -n"
expect 0 "$S" -t ssh -n
grep -q '^hostlist  user  port' "$NT_TMP/out" || nt_fail "ssh -n"
expect 8 "$S" -t nosuch -S
grep -q 'unknown STONITH type "nosuch"' "$NT_TMP/err" || nt_fail "no error text"

# --- null: status, hosts, reset; usage errors
expect 0 "$S" -t null -p "node1 node2" -S
expect 0 "$S" -t null -p "node1,node2" -l
[ "$(cat "$NT_TMP/out")" = "$(printf 'node1\nnode2')" ] || nt_fail "null -l"
expect 0 "$S" -t null -p "node1 node2" -T reset node2
grep -q 'reset node2 with null: success' "$NT_TMP/err" || nt_fail "no success log"
expect 0 "$S" -t null hostlist="node1 node2" -T off NODE1
expect 4 "$S" -t null -p "node1 node2" -T reset node3
grep -q 'node3' "$NT_TMP/err" || nt_fail "bad host not named"
expect 1 "$S" -t null -T reset node1
expect 1 "$S" -t null -p "" -S
expect 1 "$S" -t null -p node1 -T bogus node1
printf '# fencing for the test\n  node7\n node8\n' >"$NT_TMP/null.cfg"
expect 0 "$S" -t null -F "$NT_TMP/null.cfg" -l
[ "$(cat "$NT_TMP/out")" = "$(printf 'node7\nnode8')" ] || nt_fail "-F"
expect 1 "$S" -t null -F "$NT_TMP/missing.cfg" -l

# --- external: a script from $HB_STONITH_EXTDIR
mkdir -p "$NT_TMP/ext"
cat >"$NT_TMP/ext/fence" <<'SCRIPT'
#!/bin/sh
echo "$*" >>"$FENCE_LOG"
case $1 in
getconfignames) echo hostlist; echo mode ;;
gethosts) for h in $hostlist; do echo $h; done ;;
status) [ "$mode" != broken ] ;;
reset|off|on) case $mode in ok) exit 0 ;; hang) sleep 60 ;; *) exit 1 ;; esac ;;
getinfo-xml) echo '<parameters><parameter name="hostlist"/></parameters>' ;;
*) exit 1 ;;
esac
SCRIPT
chmod +x "$NT_TMP/ext/fence"
export HB_STONITH_EXTDIR=$NT_TMP/ext FENCE_LOG=$NT_TMP/fence.log
expect 0 "$S" -L
grep -qx external/fence "$NT_TMP/out" || nt_fail "-L lacks external/fence"
expect 0 "$S" -t external/fence -n
grep -q '^hostlist  mode' "$NT_TMP/out" || nt_fail "external -n"
expect 0 "$S" -t external/fence -m
grep -q '<parameter name="hostlist"/>' "$NT_TMP/out" || nt_fail "-m"
expect 0 "$S" -t external/fence -p "n1 ok" -S
expect 2 "$S" -t external/fence -p "n1 broken" -S
expect 0 "$S" -t external/fence -p "mode=ok n1 n2" -l
[ "$(cat "$NT_TMP/out")" = "$(printf 'n1\nn2')" ] || nt_fail "external -l"
: >"$FENCE_LOG"
expect 0 "$S" -t external/fence -p "mode=ok n1 n2" -T reset n2
grep -qx "reset n2" "$FENCE_LOG" || nt_fail "script not called: $(cat "$FENCE_LOG")"
expect 4 "$S" -t external/fence -p "mode=ok n1 n2" -T reset n3
grep -q "reset n3" "$FENCE_LOG" && nt_fail "script called for a foreign host"
expect 5 "$S" -t external/fence -p "mode=fail n1" -T reset n1
grep -q 'exited with 1' "$NT_TMP/err" || nt_fail "no failure reason"
expect 5 "$S" -t external/fence -p "mode=fail n1" -c 3 -T reset n1
[ "$(grep -c '^reset n1' "$FENCE_LOG")" = 4 ] || nt_fail "-c 3 did not retry"
t0=$(nt_ms)
expect 6 "$S" -t external/fence -p "mode=hang n1" -w 1 -T off n1
[ $(( $(nt_ms) - t0 )) -lt 4000 ] || nt_fail "timeout not bounded"

# --- meatware, confirmed by cluster-glue's meatclient when installed
if command -v meatclient >/dev/null; then
	h=meat$NT_ID
	"$S" -t meatware -w 20 -p "$h" -T reset "$h" >"$NT_TMP/meat.out" 2>&1 &
	pid=$!
	NT_PIDS+=("$pid")
	nt_wait 5 test -p "/run/meatware.$h" || nt_fail "no meatware FIFO"
	kill -0 $pid || nt_fail "meatware did not wait"
	echo y | timeout 10 meatclient -c "$h" >/dev/null 2>&1 ||
		nt_fail "meatclient failed"
	wait $pid; rc=$?
	[ $rc = 0 ] || nt_fail "meatware exit $rc: $(cat "$NT_TMP/meat.out")"
	grep -q "OPERATOR INTERVENTION REQUIRED" "$NT_TMP/meat.out" ||
		nt_fail "no operator request"
	[ -e "/run/meatware.$h" ] && nt_fail "FIFO left behind"
fi
expect 6 env HB_MEATWARE_DIR="$NT_TMP" "$S" -t meatware -w 1 -p m1 -T reset m1
nt_pass
