#!/bin/bash
# hbd -t: a valid directory passes; errors in ha.cf, authkeys and
# haresources are all reported as file:line: message with exit code 6;
# an authkeys readable by others is refused; -T output parses back.
NT_NAME=hbd-config
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
hb_conf node1 "keepalive 1
deadtime 10
ucast eth0 10.0.0.2
node node1 node2" "node1 10.9.9.9/24 Dummy"
d=$NT_TMP/node1
"$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1 || { cat "$NT_TMP/out"; nt_fail "good config rejected"; }
# resource scripts: found in the resource directories, no warning; one
# found nowhere is a warning naming file, line and script ("configuration
# OK" still, exit 0: the script may be installed before the takeover)
cp "$HB_TOP/tests/integration/fixtures/tcpsvc" "$d/resource.d/"
printf 'node2 10.9.9.8 tcpsvc::7777\nnode1 10.9.9.9/24 \\\n  tcpsvc::7778 NoSuchScript::x\n' >"$d/haresources"
HBD_RESOURCEDIR=$HB_TOP/resources "$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1; rc=$?
cat "$NT_TMP/out"
[ $rc -eq 0 ] || nt_fail "missing script: exit code $rc, want 0"
grep -q "haresources:2: resource NoSuchScript::x: script 'NoSuchScript' not found (or not executable) in $d/resource.d, $HB_TOP/resources, /etc/init.d; group 10.9.9.9/24 would fail at takeover" "$NT_TMP/out" ||
	nt_fail "no warning for the missing script"
[ "$(grep -c "not found" "$NT_TMP/out")" = 1 ] || nt_fail "IPaddr or tcpsvc reported missing"
grep -q "configuration OK (node node1), with 1 warning(s) above" "$NT_TMP/out" || nt_fail "no warning count"
chmod -x "$d/resource.d/tcpsvc"
HBD_RESOURCEDIR=$HB_TOP/resources "$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1
grep -q "haresources:1: resource tcpsvc::7777: script 'tcpsvc' not found (or not executable)" "$NT_TMP/out" ||
	{ cat "$NT_TMP/out"; nt_fail "a script that is not executable passed"; }
printf 'node1 10.9.9.9/24 Dummy\n' >"$d/haresources"
"$HBD" -T -c "$d" >"$NT_TMP/dump1" || nt_fail "-T failed"
mkdir -p "$NT_TMP/re" && cp "$d"/authkeys "$d"/haresources "$d"/nodeinfo "$NT_TMP/re/" &&
	cp "$NT_TMP/dump1" "$NT_TMP/re/ha.cf"
"$HBD" -T -c "$NT_TMP/re" >"$NT_TMP/dump2" || nt_fail "-T output does not parse"
cmp -s "$NT_TMP/dump1" "$NT_TMP/dump2" || nt_fail "-T not stable"

# errors in every file, all reported
printf 'keepalive 2\ndeadtime 3\nbogus_directive 1\nucast eth0 10.0.0.2\nnode node1 node2\n' >"$d/ha.cf"
printf 'auth 1\n1 sha1\n' >"$d/authkeys"
printf 'nodex 10.9.9.9\n' >"$d/haresources"
"$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1
rc=$?
cat "$NT_TMP/out"
[ $rc -eq 6 ] || nt_fail "exit code $rc, want 6"
grep -q "ha.cf:3: .*Illegal directive \[bogus_directive\]" "$NT_TMP/out" || nt_fail "no line for bogus directive"
grep -q "ha.cf:.*Dead time \[3000\] is too small" "$NT_TMP/out" || nt_fail "no deadtime error"
grep -q "authkeys:2: " "$NT_TMP/out" || nt_fail "no authkeys line error"
# a haresources group for a node not in ha.cf
printf 'keepalive 2\ndeadtime 10\nucast eth0 10.0.0.2\nnode node1 node2\n' >"$d/ha.cf"
printf 'auth 1\n1 sha1 key\n' >"$d/authkeys"
"$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1; rc=$?
cat "$NT_TMP/out"
[ $rc -eq 6 ] || nt_fail "bad haresources: exit code $rc"
grep -q "haresources:1: .*nodex" "$NT_TMP/out" || nt_fail "no haresources node error"
# mode 0644 authkeys is refused
hb_conf node1 "ucast eth0 10.0.0.2
node node1 node2"
chmod 644 "$d/authkeys"
"$HBD" -t -c "$d" >"$NT_TMP/out" 2>&1; rc=$?
[ $rc -eq 6 ] && grep -q "Bad permissions on keyfile" "$NT_TMP/out" || { cat "$NT_TMP/out"; nt_fail "0644 authkeys accepted"; }
nt_pass
