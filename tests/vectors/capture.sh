#!/bin/bash
# capture.sh - capture real Heartbeat 3.0.6 packets as test vectors.
#
# For each auth method (sha1, md5, crc) this starts the Debian heartbeat
# binary in private network, mount, UTS and PID namespaces (node "capnode",
# ucast on lo to 127.0.0.2; see hbns.sh), lets fakepeer.py play node "peer"
# (netstring status packets with protocol=1, so heartbeat acks and sends
# reqnodes), records lo with tcpdump, and extracts heartbeat's own UDP
# payloads into <method>-<type>.bin files (in $VECTOR_OUT, default: this
# directory).  The namespaces die with their init, so nothing is left
# behind.  Run as root: tests/vectors/capture.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${VECTOR_OUT:-$here}
. "$here/hbns.sh"
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
	hbns_run "$d" "${KEYLINE[$m]}" "
tcpdump -i lo -U -s 0 -w $d/cap.pcap udp port 694 >$d/tcpdump.out 2>&1 &
sleep 1
$HB_REAL
sleep 2
python3 $here/fakepeer.py $m '${KEYLINE[$m]}' 20 >$d/peer.out 2>&1
sleep 2
kill %1
wait %1 || true" ||
		{ echo "capture.sh: $m run failed:"; cat "$d/init.out"; tail -20 "$d/ha-log"; exit 1; }
	cp "$d/etc/authkeys" "$out/$m.authkeys"
	python3 "$here/pcap2bin.py" "$d/cap.pcap" "$out" "$m"
done
