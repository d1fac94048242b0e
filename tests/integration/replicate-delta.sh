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
bytes() { rp_ctl a status | sed 's/.*bytes_out=//'; }
before=$(bytes)
sed -i 's/^line 00350000 .*/line 00350000 CHANGED/' "$A/accounts/big.txt"
rp_sync a 60 || nt_fail "barrier after the change"
rp_assert_same "one-line change" 1
sent=$(( $(bytes) - before ))
nt_log "file $size bytes, one line changed: $sent bytes on the wire"
[ "$sent" -lt $((size / 20)) ] || nt_fail "sent $sent bytes for a one-line change: not a delta"

# replica down, change again, replica back: catch-up uses the signature
rp_kill b
sed -i 's/^line 00100000 .*/line 00100000 CHANGED AGAIN/' "$A/accounts/big.txt"
before=$(bytes)
rp_start b
rp_sync a 60 || nt_fail "barrier after catch-up"
rp_assert_same "catch-up delta" 1
sent=$(( $(bytes) - before ))
nt_log "catch-up of the changed 50 MB file: $sent bytes"
[ "$sent" -lt $((size / 20)) ] || nt_fail "catch-up sent $sent bytes: not a delta"
rp_pass
