#!/bin/bash
# replicate-diskfull: the replica's file system fills up; the replica
# reports ENOSPC, the source retries, nothing partial appears, and once
# space is freed the trees converge.
NT_NAME=replicate-diskfull
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
B=$NT_TMP/b
mkdir -p "$NT_TMP/bsave" && mv "$B"/* "$NT_TMP/bsave/"
mount -t tmpfs -o size=6m tmpfs "$B" || { echo "SKIP: cannot mount tmpfs"; exit 77; }
trap 'umount -l "$B" 2>/dev/null; nt_cleanup' EXIT
mv "$NT_TMP/bsave"/* "$B/"
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
head -c 5000000 /dev/zero >"$B/filler" 2>/dev/null; sync
md=$NT_TMP/a/mail/example.com/frank/Maildir
mkdir -p "$md/tmp" "$md/new"
for i in $(seq 1 20); do
	head -c 100000 /dev/urandom >"$md/tmp/m$i"; mv "$md/tmp/m$i" "$md/new/m$i"
done
nt_wait 10 grep -q "No space left" "$NT_TMP"/b.log.* ||
	{ rp_logs; nt_fail "replica did not report ENOSPC"; }
nt_log "replica full: $(grep -h -m1 'No space left' "$NT_TMP"/b.log.*)"
# whatever is visible on the replica is complete
for f in "$B"/mail/example.com/frank/Maildir/new/*; do
	[ -e "$f" ] || continue
	cmp -s "$f" "$md/new/$(basename "$f")" ||
		nt_fail "partial file $(basename "$f") on the full replica"
done
# a barrier must not return while the replica lacks some of the mail
rp_ctl a -w 30 sync >"$NT_TMP/sync.out" 2>&1 &
spid=$!
sleep 1.5
kill -0 $spid 2>/dev/null ||
	nt_fail "barrier returned while the replica was full: $(cat "$NT_TMP/sync.out")"
nt_log "barrier waits while the replica is full"
rm -f "$B/filler"
nt_log "space freed"
wait $spid || nt_fail "barrier failed after space was freed: $(cat "$NT_TMP/sync.out")"
nt_log "barrier returned after the retries: $(cat "$NT_TMP/sync.out")"
rp_assert_same "after disk full" 20
rp_sync a || nt_fail "barrier after disk full"
rp_pass
