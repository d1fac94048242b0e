#!/bin/bash
# watchdog: hbd writes to the device on every heartbeat it sends, stops
# when hbd hangs (SIGSTOP), and writes the magic 'V' on a clean stop.
# There is no /dev/watchdog here (modules disabled): a regular file stands
# in for the device and the test counts the bytes.
NT_NAME=hbd-watchdog
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
nt_init
nt_node node1 10.62.0.1/24
wd=$NT_TMP/watchdog
: >"$wd"
hb_conf node1 "keepalive 100ms
deadtime 1
initdead 2
ucast eth0 10.62.0.2
watchdog $wd
node node1
logfile $NT_TMP/node1/ha-log"
hb_start node1
nt_wait 3 test -s "$wd" || nt_fail "watchdog never written"
s1=$(stat -c %s "$wd"); sleep 1; s2=$(stat -c %s "$wd")
[ $((s2 - s1)) -ge 7 ] || nt_fail "only $((s2 - s1)) pets in 1 s at keepalive 100ms"
kill -STOP "${HB_PID[node1]}"
s1=$(stat -c %s "$wd"); sleep 1; s2=$(stat -c %s "$wd")
kill -CONT "${HB_PID[node1]}"
[ $s2 -eq $s1 ] || nt_fail "watchdog written while hbd was stopped"
kill -TERM "${HB_PID[node1]}"
nt_wait 5 sh -c "! kill -0 ${HB_PID[node1]} 2>/dev/null" || nt_fail "hbd did not stop"
[ "$(tail -c1 "$wd")" = V ] || nt_fail "no magic close"
nt_pass
