#!/bin/bash
# replicate-handover: a planned move's role switch (doc/replicate.md
# "Planned handover").  The source ends with "replicate replica planned"
# (final barrier, then replica: "OK in sync at N"); the new source starts
# with "replicate source planned" and its first session skips the
# manifest and the catch-up plan (both logs say "no catch-up"), yet a flag
# change (rename) of a message the old source had, a new message and a
# deletion made on the new source all arrive, with nothing doubled.
# Fallbacks: a plain "source" after a planned end catches up as before; a
# planned start the old source cannot vouch for (it ended with a plain
# "replica") catches up; "replica planned" with the session down is
# refused and the node stays the source.
NT_NAME=replicate-handover
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a B=$NT_TMP/b
rp_deliver a example.com carol 10
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial" 1

# a -> b, planned
out=$(rp_ctl a -w 15 replica planned) || nt_fail "replica planned on a: $out"
case $out in "OK in sync at "*) ;; *) nt_fail "a did not end in sync: '$out'" ;; esac
pos=${out#OK in sync at }
st=$(rp_ctl b source planned) || nt_fail "source planned on b: $st"
nt_wait 5 'rp_ctl b status | grep -q "phase=stream"' || nt_fail "b never streamed"
grep -q "in sync at seq $pos after a planned handover (no catch-up)" "$NT_TMP"/b.log.* ||
	{ rp_logs; nt_fail "b ran a catch-up after a planned handover at $pos"; }
grep -q "in sync at $pos after a planned handover (no catch-up)" "$NT_TMP"/a.log.* ||
	nt_fail "a sent a manifest after a planned handover"
! grep -q "catch-up:" "$NT_TMP"/b.log.* || nt_fail "b planned a catch-up"
nt_log "a -> b planned: in sync at $pos, no catch-up"

# changes on the new source: known files renamed (a flag change) and
# deleted, a new message; the trees must end equal, nothing doubled
md=$B/mail/example.com/carol/Maildir
first=$(ls "$md/new" | head -1) second=$(ls "$md/new" | sed -n 2p)
mv "$md/new/$first" "$md/cur/$first:2,S"
rm "$md/new/$second"
rp_deliver b example.com carol 1
rp_sync b || nt_fail "barrier on b after the handover"
rp_assert_same "after changes on the new source" 1
n=$(find "$A/mail/example.com/carol/Maildir" -type f | wc -l)
[ "$n" = 10 ] || nt_fail "a holds $n of carol's messages, want 10 (10 - 1 + 1)"
[ -f "$A/mail/example.com/carol/Maildir/cur/$first:2,S" ] || nt_fail "the flag change did not arrive as a rename"

# b -> a planned end, then a plain "source" on a: the usual catch-up
out=$(rp_ctl b -w 15 replica planned) || nt_fail "replica planned on b: $out"
rp_ctl a source >/dev/null || nt_fail "a would not become source"
nt_wait 5 'rp_ctl a status | grep -q "phase=stream"' || nt_fail "a never streamed"
nt_wait 5 'grep -q "catch-up:" "$NT_TMP"/a.log.*' || nt_fail "a plain source skipped the catch-up"

# a -> b with a plain "replica" end, then "source planned": a cannot vouch
rp_sync a || nt_fail "barrier on a"
rp_ctl a replica >/dev/null || nt_fail "a would not become replica"
rp_ctl b source planned >/dev/null || nt_fail "source planned on b"
nt_wait 5 'rp_ctl b status | grep -q "phase=stream"' || nt_fail "b never streamed (fallback)"
nt_wait 5 'grep -q "catch-up:" "$NT_TMP"/b.log.*' || nt_fail "b skipped the catch-up though a ended without a planned handover"
rp_deliver b example.com carol 1
rp_sync b || nt_fail "barrier on b (fallback)"
rp_assert_same "after the fallback catch-up" 1

# "replica planned" with the session down: refused, b stays the source
rp_kill a
nt_wait 5 'rp_ctl b status | grep -q "phase=down"' || nt_fail "b still sees a session"
out=$(rp_ctl b -w 15 replica planned) && nt_fail "replica planned accepted with the session down: '$out'"
echo "$out" | grep -q "session down" || nt_fail "replica planned, session down: '$out'"
rp_ctl b status | grep -q "^role=source" || nt_fail "b is no longer the source after a refused planned end"
nt_log "refused with the session down: $out"
rp_pass "planned handover without catch-up at $pos; fallbacks catch up; refused while down"
