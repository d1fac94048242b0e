#!/bin/bash
# install-badinput: an unconfigured or half-configured node.  Each case
# gets a message naming the file and what to do, the exit code 6 that the
# systemd units treat as "not configured" (ExecStartPre=... -t,
# RestartPreventExitStatus=6), and leaves nothing behind: no control
# socket, pidfile, state marker, statedir, or started resource.
#   hbd: no files at all; authkeys missing; authkeys mode 0644; the UDP
#        port taken by another program, even one that binds it with
#        SO_REUSEADDR as Heartbeat does (a real start, in a namespace,
#        with a resource that would leave a trace)
#   replicate: keyfile missing, readable by others, too short; a root
#        missing; the TCP port taken
#   replicate-mda: the unit's check with MDA_OPTIONS unset; options missing
NT_NAME=install-badinput
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
RB=$HB_BUILD/replicate/replicate
[ -x "$HBD" ] && [ -x "$RB" ] || { echo "SKIP: not built"; exit 77; }
expect6() {	# expect6 WHAT GREP cmd...: exit 6 and GREP in the output
	local what=$1 re=$2 rc
	shift 2
	"$@" >"$NT_TMP/out" 2>&1
	rc=$?
	[ $rc = 6 ] || { cat "$NT_TMP/out"; nt_fail "$what: exit $rc, expected 6"; }
	grep -qE -- "$re" "$NT_TMP/out" || { cat "$NT_TMP/out"; nt_fail "$what: no message matching '$re'"; }
	nt_log "$what: $(grep -E -m1 -- "$re" "$NT_TMP/out" | sed 's/^.*\(ERROR\|replicate\): //')"
}
nothing_left() {	# nothing_left DIR WHAT
	local left
	left=$(find "$1" -name '*.sock' -o -name '*.pid' -o -name hbd.running -o -name hb_generation | head -5)
	[ -z "$left" ] || { echo "$left"; nt_fail "$2: left behind"; }
}

# --- hbd ---
C=$NT_TMP/etc
mkdir -p "$C"
expect6 "hbd, no configuration" "$C/ha.cf is missing: start from the sample .*examples/ha.cf" \
	"$HBD" -t -c "$C"
grep -q "$C/authkeys is missing" "$NT_TMP/out" && grep -q "$C/haresources is missing" "$NT_TMP/out" ||
	nt_fail "hbd names only some of the missing files"
# the daemon itself (what systemd would start without the check) refuses too
expect6 "hbd -f, no configuration" "heartbeat not started" "$HBD" -f -c "$C" -S "$C/state" -s "$C/hbd.sock"
[ -e "$C/state" ] && nt_fail "hbd created its statedir without a configuration"
nothing_left "$C" "hbd without configuration"

hb_conf n1 "keepalive 100ms
deadtime 1
initdead 2
udpport 6940
ucast eth0 10.71.0.2
node n1 n2" "n1 tcpsvc::7000"
D=$NT_TMP/n1
mv "$D/authkeys" "$D/authkeys.off"
expect6 "hbd, authkeys missing" "$D/authkeys is missing" "$HBD" -t -c "$D"
grep -q "ha.cf is missing" "$NT_TMP/out" && nt_fail "hbd blames ha.cf for a missing authkeys"
mv "$D/authkeys.off" "$D/authkeys"
chmod 644 "$D/authkeys"
expect6 "hbd, authkeys mode 0644" "Bad permissions on keyfile \[$D/authkeys\], 600 recommended" "$HBD" -t -c "$D"
chmod 600 "$D/authkeys"
"$HBD" -t -c "$D" >"$NT_TMP/out" 2>&1 || { cat "$NT_TMP/out"; nt_fail "the fixed configuration does not check"; }

# the port taken: hbd gives up before it runs a resource
nt_init
nt_node n1 10.71.0.1/24
hb_rsc_node n1
export TCPSVC_DIR=$NT_TMP/svc
mkdir -p "$TCPSVC_DIR"
# (SO_REUSEADDR, as Heartbeat and hbd bind: the bind itself would succeed)
nt_bg n1 "$NT_TMP/holder.out" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 6940))
time.sleep(60)'
holder=$NT_LASTPID
nt_wait 5 'nt_exec n1 ss -Hlun "sport = :6940" | grep -q 6940' || nt_fail "could not take the port"
rm -rf "$D/state"; mkdir -p "$D/state"
nt_exec n1 timeout 20 "$HBD" -f -c "$D" -S "$D/state" -s "$D/hbd.sock" >"$NT_TMP/out" 2>&1
rc=$?
[ $rc != 0 ] && [ $rc != 124 ] || { cat "$NT_TMP/out"; nt_fail "hbd ran with its port taken (rc $rc)"; }
grep -q "UDP port 6940 (ha.cf udpport) is already in use on this host: is heartbeat or another hbd running" "$NT_TMP/out" ||
	{ cat "$NT_TMP/out"; nt_fail "no clear message for the port in use"; }
nt_log "hbd, UDP port taken: exit $rc, $(grep -m1 'UDP port' "$NT_TMP/out" | sed 's/^.*ERROR: //')"
[ -z "$(ls "$TCPSVC_DIR")" ] || nt_fail "a resource was started although hbd could not start"
nothing_left "$D" "hbd with its port taken"
kill "$holder"

# --- replicate ---
R=$NT_TMP/r
mkdir -p "$R/mail" "$R/accounts"
cat >"$R/replicate.conf" <<EOC
root mail $R/mail
root accounts $R/accounts
listen 127.0.0.1 7821
peer 127.0.0.1 7822
keyfile $R/key
statedir $R/state
control $R/ctl
EOC
expect6 "replicate, no keyfile" "keyfile '$R/key': .*No such file.*create it on one node .*chmod 600 $R/key" \
	"$RB" -t -c "$R/replicate.conf"
expect6 "replicate daemon, no keyfile" "keyfile '$R/key'" "$RB" -c "$R/replicate.conf"
head -c 48 /dev/urandom | base64 >"$R/key"
chmod 644 "$R/key"
expect6 "replicate, key mode 0644" "keyfile '$R/key': mode 0644 lets other users read the key: chmod 600 $R/key" \
	"$RB" -t -c "$R/replicate.conf"
echo short >"$R/key"; chmod 600 "$R/key"
expect6 "replicate, short key" "key shorter than 16 bytes" "$RB" -t -c "$R/replicate.conf"
head -c 48 /dev/urandom | base64 >"$R/key"
rmdir "$R/accounts"
expect6 "replicate, root missing" "root accounts '$R/accounts': No such file or directory; create it on both nodes" \
	"$RB" -t -c "$R/replicate.conf"
mkdir "$R/accounts"
"$RB" -t -c "$R/replicate.conf" >"$NT_TMP/out" 2>&1 || { cat "$NT_TMP/out"; nt_fail "the fixed replicate.conf does not check"; }
[ -e "$R/state" ] && nt_fail "replicate created its statedir while refusing to start"
# the TCP port taken
python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7821)); s.listen(1); time.sleep(60)' &
holder=$!
NT_PIDS+=($holder)
nt_wait 5 'ss -Hltn "sport = :7821" | grep -q 7821' || nt_fail "could not take the TCP port"
timeout 20 "$RB" -c "$R/replicate.conf" >"$NT_TMP/out" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$NT_TMP/out"; nt_fail "replicate with its port taken: exit $rc"; }
grep -q "listen 127.0.0.1:7821: .*in use.*$R/replicate.conf 'listen': the port is in use" "$NT_TMP/out" ||
	{ cat "$NT_TMP/out"; nt_fail "no clear message for the TCP port in use"; }
nt_log "replicate, TCP port taken: $(grep -m1 'listen 127' "$NT_TMP/out" | sed 's/^.*ERROR: //')"
[ -e "$R/state" ] || [ -e "$R/ctl" ] || [ -e "$R/mail/.replicate.tmp" ] &&
	nt_fail "replicate left state, control socket or temp dir behind"
kill "$holder"

# --- replicate-mda and the units ---
pre=$(sed -n "s|^ExecStartPre=/bin/sh -c '\(.*\)'$|\1|p" "$HB_TOP/packaging/replicate-mda.service.in" |
	sed 's|@sysconfdir@|/etc|g')
[ -n "$pre" ] || nt_fail "replicate-mda.service has no configuration check"
expect6 "replicate-mda.service, MDA_OPTIONS unset" "set MDA_OPTIONS in /etc/default/replicate-mda" \
	env -u MDA_OPTIONS sh -c "$pre"
"$HB_BUILD/replicate/replicate-mda" -l 127.0.0.1:7823 >"$NT_TMP/out" 2>&1
[ $? = 2 ] && grep -q -- "-D, -S and one of -L (Dovecot LMTP) or -b (own Maildir delivery) are required" "$NT_TMP/out" || { cat "$NT_TMP/out"; nt_fail "replicate-mda without options"; }
# both delivery modes at once: refused at start (exit 2), naming them
"$HB_BUILD/replicate/replicate-mda" -l 127.0.0.1:7823 -L /nonexistent/lmtp -b "$NT_TMP" -D example.org -S "$NT_TMP/ctl" >"$NT_TMP/out" 2>&1
[ $? = 2 ] && grep -q -- "one of -L (Dovecot LMTP) or -b" "$NT_TMP/out" || { cat "$NT_TMP/out"; nt_fail "replicate-mda with both -L and -b"; }
for u in hbd replicate replicate-mda; do
	f=$HB_TOP/packaging/$u.service.in
	grep -q '^ExecStartPre=' "$f" && grep -q '^RestartPreventExitStatus=6$' "$f" ||
		nt_fail "$u.service: no check before start, or restarts when not configured"
done
nt_pass
