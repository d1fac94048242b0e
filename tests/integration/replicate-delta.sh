#!/bin/bash
# replicate-delta: a 50 MB file with one changed line goes as a librsync
# delta (bytes on the wire far below the file size), both while running
# and in the catch-up of a replica that was down.
NT_NAME=replicate-delta
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
python3 -c "
import random
r = random.Random(7)
with open('$A/accounts/big.txt', 'w') as f:
    for i in range(700000):
        f.write('line %08d %s\n' % (i, '%064x' % r.getrandbits(256)))
"
size=$(stat -c %s "$A/accounts/big.txt")
rp_start b
rp_start a
rp_sync a 60 || nt_fail "initial barrier"
rp_assert_same "initial 50 MB copy" 1
before=$(rp_bytes)
sed -i 's/^line 00350000 .*/line 00350000 CHANGED/' "$A/accounts/big.txt"
rp_sync a 60 || nt_fail "barrier after the change"
rp_assert_same "one-line change" 1
sent=$(( $(rp_bytes) - before ))
nt_log "file $size bytes, one line changed: $sent bytes on the wire"
[ "$sent" -lt $((size / 20)) ] || nt_fail "sent $sent bytes for a one-line change: not a delta"

# a temp file renamed over the big file while it is still being sent
# whole (on a 200 Mbit/s link, so the send takes about 2 s): the source
# gives the send up and the rename goes as a delta
ip netns exec "${NT_ID}a" tc qdisc add dev eth0 root tbf rate 200mbit \
	burst 64kb latency 100ms || nt_fail "tc tbf on a's link"
before=$(rp_bytes)
sed 's/^line 00200000 .*/line 00200000 CHANGED BY AN EDITOR/' \
	"$A/accounts/big.txt" >"$A/accounts/big.txt.new"
sending() { [ $(( $(rp_bytes) - before )) -gt 1000000 ]; }
nt_wait 10 sending || nt_fail "the new file was never sent"
mv "$A/accounts/big.txt.new" "$A/accounts/big.txt"
rp_sync a 60 || nt_fail "barrier after the rename"
rp_assert_same "temp file renamed over the big file mid-send" 1
sent=$(( $(rp_bytes) - before ))
nt_log "temp file renamed over the 50 MB file while sent whole: $sent bytes"
[ "$sent" -lt $((size / 2)) ] || nt_fail "sent $sent bytes: the whole-file send went on"
# the replica's unfinished copy (an O_TMPFILE) is closed, not kept open
left=$(ls -l "/proc/${RP_PID[b]}/fd" | grep -c '(deleted)')
[ "$left" = 0 ] || nt_fail "replica still holds $left unfinished copies open"
ip netns exec "${NT_ID}a" tc qdisc del dev eth0 root

# replica down, change again, replica back: catch-up uses the signature
rp_kill b
sed -i 's/^line 00100000 .*/line 00100000 CHANGED AGAIN/' "$A/accounts/big.txt"
before=$(rp_bytes)
rp_start b
rp_sync a 60 || nt_fail "barrier after catch-up"
rp_assert_same "catch-up delta" 1
sent=$(( $(rp_bytes) - before ))
nt_log "catch-up of the changed 50 MB file: $sent bytes"
[ "$sent" -lt $((size / 20)) ] || nt_fail "catch-up sent $sent bytes: not a delta"
rp_pass
