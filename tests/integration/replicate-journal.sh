#!/bin/bash
# replicate-journal: a replica stopped while the source keeps running
# catches up from the source's journal of changed paths (no manifest, no
# walk of the trees): creates, flag renames, deletes, a file deleted then
# created again, a directory renamed (twice, with changes below it: a
# rename on the replica, not its content sent again) and one deleted;
# then a replica
# killed -9 in the middle of a stream (operations sent and never
# acknowledged); then the fallbacks, each of which must still converge:
# more paths changed than the configured `journal` bound, and a source
# restart (a new run: its tables are empty).  The journal's fields in
# `replicate -S ... status` (journal=, journal_paths=, journal_bytes=,
# journal_overflows=) follow each step.
NT_NAME=replicate-journal
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
echo "journal 500" >>"$NT_TMP/a.conf"
for u in u1 u2 u3 u4; do rp_deliver a example.net $u 150; done
mkdir -p "$A/accounts/d1/d2" && echo acct >"$A/accounts/d1/d2/f"
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial" 1
# journal catch-ups in a's logs so far
njournal() { cat "$NT_TMP"/a.log.* | grep -c "notice: catch-up from the journal"; }
nfull() { cat "$NT_TMP"/a.log.* | grep -c "notice: catch-up: "; }
[ "$(njournal)" = 0 ] || nt_fail "a first session cannot take the journal"
# jst: the journal's status fields of a
jst() { rp_ctl a status | head -1 | tr ' ' '\n' | grep '^journal' | tr '\n' ' '; }
jcheck() {	# jcheck STATE PATHS-TEST OVERFLOWS WHAT
	local s st n b o
	s=$(jst)
	st=$(rp_field a journal) n=$(rp_field a journal_paths)
	b=$(rp_field a journal_bytes) o=$(rp_field a journal_overflows)
	echo "status after $4: $s" >&2
	[ "$st" = "$1" ] && [ "$n" "${2% *}" "${2#* }" ] && [ "$o" = "$3" ] ||
		nt_fail "journal status after $4: $s (want journal=$1, paths $2, overflows $3)"
	# each path is at least "mail/x/" long: bytes follow the paths
	[ "$n" = 0 ] || [ "$b" -ge $((n * 8)) ] ||
		nt_fail "journal_bytes=$b for $n paths after $4"
	[ "$n" != 0 ] || [ "$(rp_field a journal_unacked)" != 0 ] || [ "$b" = 0 ] ||
		nt_fail "journal_bytes=$b with no path and nothing unacknowledged after $4"
}
jcheck valid "-eq 0" 0 "the initial sync"

# 1. replica stopped; every kind of change on the source
rp_kill b
md=$A/mail/example.net/u1/Maildir
rp_deliver a example.net u1 30
rp_deliver a example.net u9 10				# a new folder
for f in $(ls "$md/new" | head -40); do mv "$md/new/$f" "$md/cur/$f:2,S"; done
ls "$md/new" | head -5 | while read -r f; do rm "$md/new/$f"; done	# ones it has
f=$(ls "$md/new" | head -1)
rm "$md/new/$f"; echo "recreated" >"$md/new/$f"	# delete, then create again
mv "$A/mail/example.net/u2" "$A/mail/example.net/u2-renamed"	# a directory
rp_deliver a example.net u2-renamed 3		# then changes below it
rm "$A/mail/example.net/u2-renamed/Maildir/new/$(ls "$A/mail/example.net/u2-renamed/Maildir/new" | head -1)"
mv "$A/mail/example.net/u2-renamed" "$A/mail/example.net/u2-again"	# twice
rm -rf "$A/mail/example.net/u3"					# a directory
mv "$A/accounts/d1" "$A/accounts/d1-moved"			# nested dirs
echo changed >>"$A/mail/example.net/u4/Maildir/new/$(ls "$A/mail/example.net/u4/Maildir/new" | head -1)"
chmod 600 "$A/mail/example.net/u4/Maildir/new/$(ls "$A/mail/example.net/u4/Maildir/new" | tail -1)"
sleep 0.5
# 40 new in u1, 10 in u9 (and its folder), 40 renames (80 paths), ...
jcheck valid "-gt 50" 0 "changes while the replica was away"
rp_start b
rp_sync a || nt_fail "barrier after the replica restarted"
jcheck valid "-eq 0" 0 "the catch-up from the journal"
rp_assert_same "replica stopped, changes, restarted" 1
[ "$(njournal)" = 1 ] || { rp_logs; nt_fail "the catch-up did not come from the journal"; }
grep -h "notice: catch-up from the journal" "$NT_TMP"/a.log.* | tail -1 >&2
grep -h "notice: catch-up from the journal" "$NT_TMP"/a.log.* | grep -q " 40 renamed" ||
	nt_fail "flag renames made while the replica was away were not sent as renames"
[ "$(nfull)" = 1 ] || nt_fail "a full comparison ran besides the journal ($(nfull))"
# u2 (150 messages) renamed twice, accounts/d1 once: three renames on the
# replica, not 150 messages sent again (30 + 10 + 3 new, 1 recreated,
# 1 changed, 1 chmod: 46 at most)
last=$(grep -h "notice: catch-up from the journal" "$NT_TMP"/a.log.* | tail -1)
echo "$last" | grep -q ", 3 directories renamed" ||
	nt_fail "directories renamed while the replica was away were not sent as renames: $last"
nwhole=$(echo "$last" | sed -n 's/.* \([0-9]*\) to send whole.*/\1/p')
[ -n "$nwhole" ] && [ "$nwhole" -le 46 ] ||
	nt_fail "the renamed directories' files were sent whole ($nwhole): $last"

# 2. replica killed -9 while a stream runs: what was sent and not
# acknowledged is journaled too
rp_deliver a example.net u5 150 &
dpid=$!
sleep 0.3
rp_kill b KILL
wait $dpid
rp_deliver a example.net u5 10
rm -f "$A"/mail/example.net/u4/Maildir/new/*
sleep 0.5
rp_start b
rp_sync a || nt_fail "barrier after replica kill -9"
rp_assert_same "replica killed -9 mid-stream, restarted" 1
[ "$(njournal)" = 2 ] || { rp_logs; nt_fail "the catch-up after kill -9 did not come from the journal"; }

# 3. more than `journal 500` paths changed: the trees are compared
rp_kill b
for u in u6 u7 u8; do rp_deliver a example.net $u 250; done	# 750 paths
sleep 0.5
grep -q "catch-up journal of .*more than 500 paths" "$NT_TMP"/a.log.* ||
	{ rp_logs; nt_fail "no journal overflow logged"; }
jcheck overflowed "-eq 0" 1 "more than 500 paths changed"
rp_start b
rp_sync a || nt_fail "barrier after the journal overflowed"
rp_assert_same "journal overflow, full comparison" 1
[ "$(njournal)" = 2 ] || nt_fail "an overflowed journal was replayed"
[ "$(nfull)" = 2 ] || nt_fail "no full comparison after the overflow ($(nfull))"
jcheck valid "-eq 0" 1 "the full comparison after the overflow"

# ... and the journal is good again after that full comparison
rp_kill b
rp_deliver a example.net u6 5
sleep 0.3
rp_start b
rp_sync a || nt_fail "barrier after the overflow's next stop"
rp_assert_same "journal again after a full comparison" 1
[ "$(njournal)" = 3 ] || nt_fail "the journal was not used again after a full comparison"

# 4. source restarted while the replica is away: a new run, full comparison
rp_kill b
rp_kill a
rp_deliver a example.net u7 10
rm -rf "$A/mail/example.net/u8"
rp_start a
jcheck invalid "-eq 0" 0 "a source restart while the replica is away"
rp_start b
rp_sync a || nt_fail "barrier after the source restarted"
rp_assert_same "source restarted, full comparison" 1
[ "$(njournal)" = 3 ] || nt_fail "a restarted source replayed a journal"
[ "$(nfull)" = 3 ] || nt_fail "no full comparison after the source restart ($(nfull))"
rp_pass
