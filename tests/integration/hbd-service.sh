#!/bin/bash
# hbd-service: what the systemd units rely on, without systemd.
#  - readiness (Type=notify): hbd, replicate and replicate-mda each send
#    READY=1 to $NOTIFY_SOCKET, and when it arrives hbd's control socket
#    answers, replicate's control socket and listen port are up, and
#    replicate-mda accepts connections; SIGTERM gives STOPPING=1 (hbd,
#    replicate);
#  - log rotation: logrotate -f with the shipped rules (paths moved into
#    the test dir; their postrotate's systemctl does nothing here) - hbd
#    and replicate notice the rename and write to the new file; SIGHUP
#    (ExecReload) reopens too;
#  - with $JOURNAL_STREAM (stderr is the journal) and syslog on, no second
#    copy of each log line goes to stderr.
NT_NAME=hbd-service
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
command -v logrotate >/dev/null || { echo "SKIP: logrotate not installed"; exit 77; }
RB=$HB_BUILD/replicate/replicate
nt_init
nt_node n1 10.72.0.1/24
# a notify socket listener: prints "<ms> <datagram> <check>" per datagram;
# the check runs the command given for READY=1 at that moment
listener() {	# listener SOCK OUT CHECK-CMD
	python3 - "$1" "$3" >"$2" 2>&1 <<'PY' &
import socket, subprocess, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    d = s.recv(4096).decode()
    ok = ""
    if d == "READY=1":
        ok = "ok" if subprocess.call(sys.argv[2], shell=True) == 0 else "notyet"
    print(int(time.time() * 1000), d, ok, flush=True)
PY
	NT_PIDS+=($!)
	nt_wait 5 test -S "$1"
}

# hbd (one node, no resources)
hb_conf n1 "keepalive 100ms
deadtime 1
initdead 2
ucast eth0 10.72.0.2
node n1 n2
logfile $NT_TMP/n1/ha-log
debugfile $NT_TMP/n1/ha-debug"
D=$NT_TMP/n1
listener "$NT_TMP/hbd.notify" "$NT_TMP/hbd.dg" "HBD_CONTROL=$D/hbd.sock $CL_STATUS hbstatus"
NOTIFY_SOCKET=$NT_TMP/hbd.notify hb_start n1 -M
nt_wait 10 'grep -q READY=1 "$NT_TMP/hbd.dg"' || nt_fail "hbd sent no READY=1"
grep -q "READY=1 ok" "$NT_TMP/hbd.dg" || { cat "$NT_TMP/hbd.dg"; nt_fail "hbd was not answering when it said READY=1"; }
nt_log "hbd: READY=1 with the control socket answering"

# replicate
R=$NT_TMP/r
mkdir -p "$R/mail"
head -c 48 /dev/urandom | base64 >"$R/key"; chmod 600 "$R/key"
printf 'root mail %s/mail\nlisten 127.0.0.1 7831\npeer 127.0.0.1 7832\nkeyfile %s/key\nstatedir %s/state\ncontrol %s/ctl\nlogfile %s/replicate.log\n' \
	"$R" "$R" "$R" "$R" "$R" >"$R/replicate.conf"
IN="ip netns exec $(nt_ns n1)"	# the daemons' loopback is n1's
listener "$NT_TMP/r.notify" "$NT_TMP/r.dg" "$RB -S $R/ctl -w 2 status >/dev/null && $IN socat -u /dev/null TCP:127.0.0.1:7831"
# as under systemd: stderr is the journal, which also gets syslog (the
# default facility): no second copy on stderr
JOURNAL_STREAM=8:4242 NOTIFY_SOCKET=$NT_TMP/r.notify nt_bg n1 "$R/out" "$RB" -c "$R/replicate.conf"
rpid=$NT_LASTPID
nt_wait 10 'grep -q READY=1 "$NT_TMP/r.dg"' || nt_fail "replicate sent no READY=1"
grep -q "READY=1 ok" "$NT_TMP/r.dg" || { cat "$NT_TMP/r.dg"; nt_fail "replicate was not listening when it said READY=1"; }
nt_log "replicate: READY=1 with control socket and port up"
grep -q "replica role" "$R/replicate.log" || nt_fail "replicate.log lacks 'replica role'"
grep -q "replica role" "$R/out" && nt_fail "replicate copied its log to stderr under JOURNAL_STREAM"

# replicate-mda
mkdir -p "$R/vmail"
listener "$NT_TMP/m.notify" "$NT_TMP/m.dg" "$IN socat -u /dev/null TCP:127.0.0.1:7833"
NOTIFY_SOCKET=$NT_TMP/m.notify nt_bg n1 "$R/mda.out" "$HB_BUILD/replicate/replicate-mda" -f \
	-l 127.0.0.1:7833 -b "$R/vmail" -D example.org -S "$R/ctl"
nt_wait 10 'grep -q READY=1 "$NT_TMP/m.dg"' || nt_fail "replicate-mda sent no READY=1"
grep -q "READY=1 ok" "$NT_TMP/m.dg" || { cat "$NT_TMP/m.dg"; nt_fail "replicate-mda was not accepting when it said READY=1"; }
nt_log "replicate-mda: READY=1 with the port accepting"

# log rotation with the shipped rules, paths moved here
sed -e "s|/var/log/ha-log|$D/ha-log|" -e "s|/var/log/ha-debug|$D/ha-debug|" \
	"$HB_TOP/packaging/hbd-ha-log.logrotate" >"$NT_TMP/lr.conf"
sed -e "s|/var/log/replicate.log|$R/replicate.log|" "$HB_TOP/packaging/hbd.logrotate" >>"$NT_TMP/lr.conf"
logrotate -d "$NT_TMP/lr.conf" >"$NT_TMP/lr.debug" 2>&1 || { cat "$NT_TMP/lr.debug"; nt_fail "logrotate rejects the shipped rules"; }
[ -s "$D/ha-log" ] && [ -s "$R/replicate.log" ] || nt_fail "no logs to rotate"
logrotate -f -s "$NT_TMP/lr.state" "$NT_TMP/lr.conf" || nt_fail "logrotate -f failed"
[ -s "$D/ha-log.1" ] && [ -s "$R/replicate.log.1" ] || nt_fail "logrotate did not rotate"
[ -e "$D/ha-log" ] && nt_fail "ha-log exists before hbd wrote again"
kill -USR1 "${HB_PID[n1]}"	# hbd logs "debug level now 1"
nt_wait 5 'grep -q "debug level now 1" "$D/ha-log"' || nt_fail "hbd did not reopen ha-log after the rename"
grep -q "debug level now 1" "$D/ha-log.1" && nt_fail "hbd still wrote into the rotated ha-log.1"
nt_log "hbd: rotated by rename, new ha-log written"
mv "$D/ha-log" "$D/ha-log.hup"
kill -HUP "${HB_PID[n1]}"
nt_wait 5 'grep -q "log files reopened" "$D/ha-log"' || nt_fail "SIGHUP did not reopen ha-log"
kill -HUP "$rpid"
nt_wait 5 'grep -q "log file reopened" "$R/replicate.log"' || nt_fail "replicate did not reopen its log on SIGHUP"
nt_log "SIGHUP: hbd and replicate reopened their logs"

# SIGTERM: STOPPING=1
kill -TERM "${HB_PID[n1]}" "$rpid"
nt_wait 10 'grep -q STOPPING=1 "$NT_TMP/hbd.dg" && grep -q STOPPING=1 "$NT_TMP/r.dg"' ||
	{ cat "$NT_TMP/hbd.dg" "$NT_TMP/r.dg"; nt_fail "no STOPPING=1"; }
nt_pass "READY=1 (3 daemons), rotation by rename and SIGHUP, STOPPING=1"
