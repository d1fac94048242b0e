#!/bin/bash
# classic-accept.sh - does the real Heartbeat 3.0.6 accept OUR classic packets?
#
# ours-classic-<method>.txt are status packets from node "peer" written by
# hb_wire_sign() + hb_wire_encode(HB_WIRE_CLASSIC) (test_wire checks that
# re-encoding them gives the same bytes).  For each method this starts
# heartbeat (node capnode, see hbns.sh) with <method>.authkeys, sends the
# packet to it over loopback, and passes when heartbeat reports node peer
# active; a copy with one digest digit changed must be refused with
# "node [peer] failed authentication".  KEEP_TMP=1 keeps the logs.
# Run as root; exits 0 pass, 1 fail, 77 when heartbeat is not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/hbns.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: must run as root"; exit 77; }
[ -x "$HB_REAL" ] || { echo "SKIP: $HB_REAL not installed"; exit 77; }
tmp=$(mktemp -d /tmp/hbclassic.XXXXXX)
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
rc=0

send='import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", 694))'

for m in sha1 md5 crc; do
	for variant in good tampered; do
		d=$tmp/$m-$variant
		pkt=$tmp/$m-$variant.pkt
		cp "$here/ours-classic-$m.txt" "$pkt"
		# Tampered: change the last digest digit (the line before <<<).
		[ $variant = tampered ] && python3 -c '
import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.rindex(b"\n<<<") - 1; b[i] = ord("0") if b[i] != ord("0") else ord("1")
open(p, "wb").write(b)' "$pkt"
		keyline=$(sed -n 2p "$here/$m.authkeys")
		hbns_run "$d" "$keyline" "
$HB_REAL
sleep 2
python3 -c '$send' $pkt
sleep 2"
		if grep -q "Status update for node peer: status active" \
			"$d/ha-log" 2>/dev/null; then
			got=accepted
		elif grep -q "node \[peer\] failed authentication" \
			"$d/ha-log" 2>/dev/null; then
			got=rejected
		else
			got=unseen
		fi
		want=accepted; [ $variant = tampered ] && want=rejected
		echo "$m $variant packet: $got (want $want)"
		if [ $got != $want ]; then
			rc=1
			tail -20 "$d/ha-log" "$d/init.out"
		fi
	done
done
exit $rc
