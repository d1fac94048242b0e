#!/bin/bash
# stonith-ssh: the ssh plugin against a real sshd in the peer's network
# namespace.  The "reboot" is a command configured for the test: it kills
# the peer's service process and takes the peer's link down, as a reboot
# would.  Also: a reboot command that changes nothing must fail (exit 5),
# on/off are unsupported (3), status fails for an unreachable peer (2), and
# cluster-glue's unmodified external/ssh lists and checks the peer.
NT_NAME=stonith-ssh
. "$(dirname "$0")/lib.sh"
S=$HB_BUILD/stonith/stonith
[ -x "$S" ] || { echo "SKIP: $S not built"; exit 77; }
[ -x /usr/sbin/sshd ] || { echo "SKIP: sshd missing (openssh-server)"; exit 77; }
command -v ssh-keygen >/dev/null || { echo "SKIP: ssh-keygen missing"; exit 77; }
nt_init
nt_node fencer 10.57.0.1/24
nt_node peer 10.57.0.2/24

ssh-keygen -q -t ed25519 -N '' -f "$NT_TMP/hostkey" || nt_fail "keygen"
ssh-keygen -q -t ed25519 -N '' -f "$NT_TMP/id" || nt_fail "keygen"
cp "$NT_TMP/id.pub" "$NT_TMP/authorized_keys"
chmod 700 "$NT_TMP"
cat >"$NT_TMP/sshd_config" <<CFG
ListenAddress 10.57.0.2
Port 22
HostKey $NT_TMP/hostkey
AuthorizedKeysFile $NT_TMP/authorized_keys
PidFile $NT_TMP/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CFG
cat >"$NT_TMP/ssh_config" <<CFG
Host peer
  HostName 10.57.0.2
  IdentityFile $NT_TMP/id
  UserKnownHostsFile /dev/null
  LogLevel ERROR
CFG
mkdir -p /run/sshd
nt_bg peer "$NT_TMP/sshd.log" /usr/sbin/sshd -D -e -f "$NT_TMP/sshd_config"
nt_wait 5 nt_exec fencer ssh -F "$NT_TMP/ssh_config" -oBatchMode=yes \
	-oStrictHostKeyChecking=no peer true ||
	nt_fail "sshd not reachable: $(cat "$NT_TMP/sshd.log")"

# the peer's "mail service"
nt_bg peer "$NT_TMP/svc.log" sleep 300
svc=$NT_LASTPID

# -F file: named lines keep their blanks
cat >"$NT_TMP/fence.cfg" <<CFG
# stonith -t ssh -F this-file
hostlist=peer
ssh_options=-F $NT_TMP/ssh_config
down_wait=5
CFG
run() { nt_exec fencer "$S" "$@" >"$NT_TMP/out" 2>"$NT_TMP/err"; echo $?; }

rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -S)
[ "$rc" = 0 ] || nt_fail "status exit $rc: $(cat "$NT_TMP/err")"
rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -l)
[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/out")" = peer ] || nt_fail "-l"
rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -T off peer)
[ "$rc" = 3 ] || nt_fail "off: exit $rc, wanted 3"
rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -T reset node9)
[ "$rc" = 4 ] || nt_fail "foreign host: exit $rc, wanted 4"

# a "reboot" that leaves the host up must not count as success
t0=$(nt_ms)
printf 'reboot_command=true\n' >>"$NT_TMP/fence.cfg"
rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -T reset peer)
[ "$rc" = 5 ] || nt_fail "no-op reboot: exit $rc, wanted 5: $(cat "$NT_TMP/err")"
grep -q 'still runs commands' "$NT_TMP/err" || nt_fail "no reason: $(cat "$NT_TMP/err")"
[ $(( $(nt_ms) - t0 )) -lt 15000 ] || nt_fail "down_wait not bounded"
kill -0 $svc || nt_fail "service died on a no-op reboot"

# the real one: kill the service, cut the link (in the background, so
# the ssh session ends normally first)
sed -i '/^reboot_command/d' "$NT_TMP/fence.cfg"
printf 'reboot_command=(sleep 0.3; kill -9 %s; ip link set eth0 down) </dev/null >/dev/null 2>&1 &\n' \
	"$svc" >>"$NT_TMP/fence.cfg"
rc=$(run -v -t ssh -F "$NT_TMP/fence.cfg" -T reset peer)
[ "$rc" = 0 ] || nt_fail "reset exit $rc: $(cat "$NT_TMP/err")"
grep -q 'reset peer with ssh: success' "$NT_TMP/err" || nt_fail "no success log"
nt_wait 2 sh -c "! kill -0 $svc" || nt_fail "service still running"
nt_exec fencer ping -c1 -W1 10.57.0.2 >/dev/null 2>&1 && nt_fail "peer still on the net"
rc=$(run -t ssh -F "$NT_TMP/fence.cfg" -w 3 -S)
[ "$rc" = 2 ] || nt_fail "status of a dead peer: exit $rc, wanted 2"

# cluster-glue's external/ssh (unmodified): hosts and status (it pings)
if [ -x /usr/lib/stonith/plugins/external/ssh ]; then
	nt_exec peer ip link set eth0 up
	rc=$(run -t external/ssh -p "10.57.0.2" -l)
	[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/out")" = 10.57.0.2 ] ||
		nt_fail "external/ssh -l: $rc $(cat "$NT_TMP/err")"
	rc=$(run -t external/ssh -p "10.57.0.2" -S)
	[ "$rc" = 0 ] || nt_fail "external/ssh -S: $rc $(cat "$NT_TMP/err")"
fi
nt_pass
