#!/bin/bash
# replicate-burst: operations that reach the replica while the file they
# name still waits for its group sync: a delivery flagged or expunged at
# once, a new folder renamed while its messages stream in, a file written
# and removed at once.  The replica applies them to the waiting files
# (linked under the new name, or never linked); both trees must end equal
# and the barrier must only return once everything is on the replica.
# Then the replica's sync helper is killed: nothing may be lost.
NT_NAME=replicate-burst
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
md=$A/mail/example.com/carol/Maildir
mkdir -p "$md"/{tmp,new,cur} "$A/accounts"
RP_DEBUG=1
sed -i 's/^debug .*/debug 1/' "$NT_TMP/a.conf" "$NT_TMP/b.conf"
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"

# 400 deliveries as fast as the shell goes; every 2nd flagged and every
# 3rd expunged right after it lands in new/
for ((i = 0; i < 400; i++)); do
	u="1800000000.M$i.burst"
	printf 'Subject: %d\n\n%s\n' "$i" \
		"$(head -c $((500 + i * 37 % 7000)) /dev/zero | tr '\0' x)" >"$md/tmp/$u"
	mv "$md/tmp/$u" "$md/new/$u"
	if ((i % 3 == 2)); then rm -f "$md/new/$u"
	elif ((i % 2 == 1)); then mv "$md/new/$u" "$md/cur/$u:2,S"; fi
done
# a new folder filled and renamed at once (IMAP RENAME of a fresh folder)
mkdir -p "$md/.Drafts"/{tmp,new,cur}
for ((i = 0; i < 60; i++)); do
	printf 'Subject: draft %d\n\nx\n' "$i" >"$md/.Drafts/cur/1800000500.M$i.d:2,D"
done
mv "$md/.Drafts" "$md/.Archive"
# written and gone at once
echo gone >"$A/accounts/scratch" && rm -f "$A/accounts/scratch"
rp_sync a || nt_fail "barrier after the burst"
rp_same >/dev/null ||
	{ rp_same | head; nt_fail "barrier returned before the replica had everything"; }
rp_assert_same "burst" 1
[ -e "$NT_TMP/b/accounts/scratch" ] && nt_fail "a removed file survived on the replica"
[ "$(ls "$NT_TMP/b/mail/example.com/carol/Maildir/.Archive/cur" | wc -l)" = 60 ] ||
	nt_fail "renamed folder incomplete on the replica"
moved=$(grep -c "before it was linked" "$NT_TMP"/b.log.* | awk -F: '{s += $NF} END {print s + 0}')
nt_log "burst: 400 deliveries (133 expunged, 133 flagged at once), 60-message folder" \
	"renamed; $moved operations applied to files still waiting to be linked"

# the sync helper dies (OOM killer, say): the replica logs it, syncs in
# the daemon itself, and loses nothing
helper=$(pgrep -P "${RP_PID[b]}" -x replicate | head -1)
[ -n "$helper" ] || nt_fail "no sync helper under the replica (pid ${RP_PID[b]})"
kill -9 "$helper"
rp_deliver a example.com carol 50
rp_sync a || nt_fail "barrier after the sync helper died"
rp_assert_same "after the sync helper died" 1
grep -q "sync helper gone" "$NT_TMP"/b.log.* || nt_fail "the helper's death was not logged"
nt_log "sync helper killed: logged, 50 more deliveries replicated"
rp_pass
