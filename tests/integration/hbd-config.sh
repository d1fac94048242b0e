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
