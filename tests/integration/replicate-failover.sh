#!/bin/bash
# replicate-failover: the active node a dies with changes the peer never
# got; b takes over and receives mail; a comes back as replica and its
# orphan messages are merged into b (Maildir union: nothing lost, no
# duplicate) instead of being overwritten.
NT_NAME=replicate-failover
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a B=$NT_TMP/b
rp_deliver a example.com carol 10
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial" 1

# a loses its link, keeps taking mail (async), then dies
nt_link a down
md=$A/mail/example.com/carol/Maildir
echo "orphan one" >"$md/tmp/1700000000.Morphan1.a"; mv "$md/tmp/1700000000.Morphan1.a" "$md/new/"
echo "orphan two" >"$md/tmp/1700000000.Morphan2.a"
mv "$md/tmp/1700000000.Morphan2.a" "$md/cur/1700000000.Morphan2.a:2,S"
mkdir -p "$A/mail/example.com/dave/Maildir/new"
echo "orphan three" >"$A/mail/example.com/dave/Maildir/new/1700000000.Morphan3.a"
# a flag change a made to a message b already has
first=$(ls "$md/new" | grep -v orphan | head -1)
mv "$md/new/$first" "$md/cur/$first:2,T"
sleep 0.3
rp_kill a KILL
nt_log "a died with 3 unreplicated messages"

# b takes over (the resource agent's start) and receives mail
rp_ctl b source >/dev/null || nt_fail "b would not become source"
rp_deliver b example.com carol 3
nt_link a up
rp_start a replica
rp_sync b 40 || nt_fail "barrier on b after a returned"
rp_assert_same "after failback reconcile" 5
for m in Morphan1 Morphan2 Morphan3; do
	[ "$(find "$B/mail" -name "*$m*" | wc -l)" = 1 ] || nt_fail "$m lost or duplicated on b"
done
total=$(find "$B/mail/example.com/carol/Maildir" -type f | wc -l)
[ "$total" = 15 ] || nt_fail "carol has $total messages, want 15 (10 + 2 orphans + 3 new)"
grep -q "reconcile with .* complete" "$NT_TMP"/a.log.* || nt_fail "a did not finish reconcile"
nt_log "union: 3 orphans merged, 3 new delivered, 10 shared kept once"
rp_pass
