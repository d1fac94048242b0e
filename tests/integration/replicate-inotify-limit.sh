#!/bin/bash
# replicate-inotify-limit: the source runs out of inotify watches.  It
# runs in its own user namespace whose limit (user.max_inotify_watches,
# per user namespace; the global fs.inotify.max_user_watches is not
# touched) is 12 watches for a tree of 40 directories: it must say so in
# its log naming the sysctl and its value, poll the directories it could
# not watch, and lose nothing - new, changed, renamed and deleted files
# and directories in polled parts all reach the replica.  Then the limit
# is raised: every directory gets its watch back and changes still flow.
NT_NAME=replicate-inotify-limit
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	{ echo "SKIP: unshare/nsenter missing"; exit 77; }
unshare --user --map-root-user sh -c 'echo 5 >/proc/sys/user/max_inotify_watches' 2>/dev/null ||
	{ echo "SKIP: no per-user-namespace inotify limit"; exit 77; }
rp_setup
A=$NT_TMP/a B=$NT_TMP/b
for u in u1 u2 u3 u4 u5 u6; do
	for f in "" .Sent .Trash; do
		mkdir -p "$A/mail/$u/Maildir/$f/cur" "$A/mail/$u/Maildir/$f/new"
		echo "old $u $f" >"$A/mail/$u/Maildir/$f/cur/1.old:2,S"
	done
done
ndirs=$(find "$A/mail" "$A/accounts" -type d | wc -l)
rp_start b
log=$NT_TMP/a.log.$(date +%s%N)
nt_bg a "$log" unshare --user --map-root-user sh -c \
	'echo 12 >/proc/sys/user/max_inotify_watches && exec "$0" -c "$1"' "$RP_BIN" "$NT_TMP/a.conf"
RP_PID[a]=$NT_LASTPID
nt_wait 5 test -S "$A/state/ctl" || { cat "$log"; nt_fail "a did not start"; }
st=$(rp_ctl a status)
nt_log "source: $st ($ndirs directories)"
grep -q "inotify watch limit reached .*fs.inotify.max_user_watches = [0-9]*, user.max_inotify_watches = 12 " "$log" ||
	{ cat "$log"; nt_fail "the log does not name the watch limit and its value"; }
polled=$(echo "$st" | sed -n 's/.* polled=\([0-9]*\).*/\1/p')
[ "${polled:-0}" -gt 0 ] || nt_fail "no directory polled: the limit was not hit ($st)"
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial sync at the limit" 10

# changes everywhere, most of them where nothing is watched
for u in u1 u4 u6; do
	md=$A/mail/$u/Maildir
	for i in $(seq 1 20); do echo "msg $u $i" >"$md/new/$i.new"; done
	mv "$md/.Sent/cur/1.old:2,S" "$md/.Sent/cur/1.old:2,RS"
	rm "$md/.Trash/cur/1.old:2,S"
	echo "changed, longer than before" >"$md/cur/1.old:2,S"
	mkdir -p "$md/.Lists/cur" "$md/.Lists/new"
	echo "in a new folder" >"$md/.Lists/new/x.1"
done
chmod 0640 "$A/mail/u5/Maildir/cur/1.old:2,S"
mv "$A/mail/u2/Maildir/.Trash" "$A/mail/u3/Maildir/.Trash2"
rm -r "$A/mail/u6/Maildir/.Sent"
rp_assert_same "changes in polled directories" 20
[ "$(stat -c %a "$B/mail/u5/Maildir/cur/1.old:2,S")" = 640 ] || nt_fail "mode change lost"

# the limit is raised: the next poll watches everything again
nsenter --user --target "${RP_PID[a]}" sh -c 'echo 100000 >/proc/sys/user/max_inotify_watches' ||
	nt_fail "cannot raise the namespace's limit"
nt_wait 10 sh -c "grep -q 'every directory is watched again' '$log'" ||
	{ tail -5 "$log"; nt_fail "directories not watched again after the limit was raised"; }
st=$(rp_ctl a status)
nt_log "after the raise: $st"
echo "$st" | grep -q " polled=0 " || nt_fail "still polling after the raise ($st)"
w=$(echo "$st" | sed -n 's/.* watches=\([0-9]*\).*/\1/p')
nd=$(find "$A/mail" "$A/accounts" -type d -not -name .replicate.tmp | wc -l)
[ "$w" -eq "$nd" ] || nt_fail "watches $w for $nd directories"
for i in $(seq 1 10); do echo "late $i" >"$A/mail/u1/Maildir/.Lists/new/late.$i"; done
rp_sync a || nt_fail "barrier after the raise"
rp_assert_same "after the limit was raised" 5
rp_pass "at the watch limit the source polled $polled directories, named the sysctl, and lost nothing"
