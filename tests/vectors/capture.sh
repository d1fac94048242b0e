#!/bin/bash
# capture.sh - capture real Heartbeat 3.0.6 packets as test vectors.
#
# For each auth method (sha1, md5, crc) this starts the Debian heartbeat
# binary in private network, mount, UTS and PID namespaces (node "capnode",
# ucast on lo to 127.0.0.2), lets fakepeer.py play node "peer" (netstring
# status packets with protocol=1, so heartbeat acks and sends reqnodes),
# records lo with tcpdump, and extracts heartbeat's own UDP payloads into
# <method>-<type>.bin files here.  The namespaces die with their init, so
# nothing is left behind.  Run as root: tests/vectors/capture.sh
set -eu
HB_REAL=/usr/libexec/heartbeat/heartbeat
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }
[ -x "$HB_REAL" ] || { echo "capture.sh: $HB_REAL not installed" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "capture.sh: needs tcpdump" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hbcap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

declare -A KEYLINE=(
	[sha1]="1 sha1 vectorkey-sha1"
	[md5]="1 md5 vectorkey-md5"
	[crc]="1 crc"
)

for m in sha1 md5 crc; do
	d=$tmp/$m
	mkdir -p "$d/etc" "$d/var"
	cp -a /etc/ha.d/. "$d/etc/"
	cat >"$d/etc/ha.cf" <<CF
use_logd no
logfacility none
logfile $d/ha-log
debugfile $d/ha-debug
realtime off
crm no
autojoin none
keepalive 1
deadtime 10
warntime 5
initdead 20
udpport 694
ucast lo 127.0.0.2
node capnode
node peer
CF
	printf 'auth 1\n%s\n' "${KEYLINE[$m]}" >"$d/etc/authkeys"
	chmod 600 "$d/etc/authkeys"
	cp "$d/etc/authkeys" "$here/$m.authkeys"
	: >"$d/etc/haresources"
	for sub in api casual ccm ckpt cores crm lrm pengine; do
		mkdir -p "$d/var/$sub"
	done
	chown -R hacluster:haclient "$d/var"
	echo core >"$d/core_pattern"
	echo 0 >"$d/core_uses_pid"
	cat >"$d/init.sh" <<INIT
set -e
ip link set lo up
hostname capnode
mount -t tmpfs tmpfs /run
mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm /run/lock
chown -R hacluster:haclient /run/heartbeat /run/crm
chmod 750 /run/heartbeat /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm
mount --bind $d/etc /etc/ha.d
mount --bind $d/var /var/lib/heartbeat
mount --bind $d/core_pattern /proc/sys/kernel/core_pattern
mount --bind $d/core_uses_pid /proc/sys/kernel/core_uses_pid
tcpdump -i lo -U -s 0 -w $d/cap.pcap udp port 694 >$d/tcpdump.out 2>&1 &
sleep 1
$HB_REAL
sleep 2
python3 $here/fakepeer.py $m "${KEYLINE[$m]}" 20 >$d/peer.out 2>&1
sleep 2
kill \$(cat /run/heartbeat.pid 2>/dev/null) 2>/dev/null || true
sleep 1
kill %1
wait %1 || true
INIT
	unshare -n -m -u -p --fork --mount-proc bash "$d/init.sh" >"$d/init.out" 2>&1 ||
		{ echo "capture.sh: $m run failed:"; cat "$d/init.out"; tail -20 "$d/ha-log"; exit 1; }
	python3 "$here/pcap2bin.py" "$d/cap.pcap" "$here" "$m"
done
