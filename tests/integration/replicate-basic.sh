#!/bin/bash
# replicate-basic: deliveries, new users, flag renames, expunges, account
# file edits, mode/mtime, sync barrier; unauthenticated peer refused;
# replicate -T prints the effective configuration, which parses back to
# the same text, and -t rejects a bad one naming file and line.
NT_NAME=replicate-basic
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
"$RP_BIN" -c "$NT_TMP/a.conf" -T >"$NT_TMP/dump1" || nt_fail "-T failed"
grep -q "^delta_threshold 65536$" "$NT_TMP/dump1" || nt_fail "-T lacks the defaults"
"$RP_BIN" -c "$NT_TMP/dump1" -T >"$NT_TMP/dump2" || nt_fail "-T output does not parse"
cmp -s "$NT_TMP/dump1" "$NT_TMP/dump2" || nt_fail "-T not stable"
printf 'bogus 1\n' >>"$NT_TMP/dump2"
"$RP_BIN" -c "$NT_TMP/dump2" -t 2>"$NT_TMP/err" && nt_fail "-t accepted a bad keyword"
grep -q "dump2:$(wc -l <"$NT_TMP/dump2"): unknown keyword 'bogus'" "$NT_TMP/err" ||
	nt_fail "-t error does not name file:line: $(cat "$NT_TMP/err")"
A=$NT_TMP/a
mkdir -p "$A/mail/example.com"
printf 'alice:{PLAIN}x:1000:1000::/var/mail/alice\n' >"$A/accounts/passwd"
rp_deliver a example.com alice 5
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial sync" 1

# The barrier returns only when the replica has it: no waiting after it.
rp_deliver a example.com bob 10
rp_sync a || nt_fail "barrier after deliveries"
rp_same >/dev/null || nt_fail "barrier returned before the replica had the mail"
nt_log "barrier: 10 deliveries to a new user present on b when sync returned"

# flag changes are renames new/ -> cur/:2,S and must not resend content
md=$A/mail/example.com/alice/Maildir
before=$(rp_bytes)
for f in "$md"/new/*; do mv "$f" "$md/cur/$(basename "$f"):2,S"; done
rm -f "$(ls "$md"/cur/* | head -1)"		# expunge
rp_sync a || nt_fail "barrier after renames"
rp_same >/dev/null || nt_fail "renames/expunge not applied at barrier"
after=$(rp_bytes)
[ $((after - before)) -lt 2000 ] ||
	nt_fail "renames sent $((after - before)) bytes: content resent?"
nt_log "5 flag renames + 1 expunge: $((after - before)) bytes on the wire"

# account edits: in place, via temp+rename, and a binary .db
printf 'bob:{PLAIN}y:1001:1001::/var/mail/bob\n' >>"$A/accounts/passwd"
sed -i 's/alice:{PLAIN}x/alice:{PLAIN}z/' "$A/accounts/passwd"
head -c 12288 /dev/urandom >"$A/accounts/virtual.db"
chmod 640 "$A/accounts/virtual.db"
touch -d '2020-01-02 03:04:05' "$A/accounts/virtual.db"
rp_sync a || nt_fail "barrier after account edits"
rp_assert_same "account edits" 1
[ "$(stat -c %a.%Y "$A/accounts/virtual.db")" = \
  "$(stat -c %a.%Y "$NT_TMP/b/accounts/virtual.db")" ] ||
	nt_fail "mode/mtime not replicated"

# chmod alone goes as an ATTR operation, not as content
before=$(rp_bytes)
chmod 600 "$A/accounts/passwd"
rp_sync a || nt_fail "barrier after chmod"
[ "$(stat -c %a "$NT_TMP/b/accounts/passwd")" = 600 ] || nt_fail "chmod not replicated"
after=$(rp_bytes)
[ $((after - before)) -lt 500 ] || nt_fail "chmod sent $((after - before)) bytes"
nt_log "chmod replicated with $((after - before)) bytes"

# deleting a whole user
rm -rf "$A/mail/example.com/bob"
rp_sync a || nt_fail "barrier after user delete"
rp_assert_same "user removed" 1

# nothing partial ever appeared in the replica's temp area under a real name
[ -z "$(find "$NT_TMP/b/mail" -path '*/.replicate.tmp/*' -prune -o \
	-name 't[0-9]*.[0-9]*' -print)" ] ||
	nt_fail "temp files leaked into the tree"

# a peer with another key is refused and changes nothing
head -c 48 /dev/urandom | base64 >"$NT_TMP/badkey"
chmod 600 "$NT_TMP/badkey"
mkdir -p "$NT_TMP/evil/mail/x" "$NT_TMP/evil/accounts" "$NT_TMP/evil/state"
echo intruder >"$NT_TMP/evil/mail/x/file"
sed -e "s|$NT_TMP/a/|$NT_TMP/evil/|g" -e "s|keyfile .*|keyfile $NT_TMP/badkey|" \
	-e "s|^listen .*|listen 127.0.0.1 7791|" "$NT_TMP/a.conf" >"$NT_TMP/evil.conf"
rp_kill a
nt_bg a "$NT_TMP/evil.log.1" "$RP_BIN" -c "$NT_TMP/evil.conf"
sleep 2
[ -e "$NT_TMP/b/mail/x/file" ] && nt_fail "unauthenticated peer wrote to the replica"
grep -q "closed" "$NT_TMP"/b.log.* || nt_fail "replica did not log the refused session"
nt_log "peer with a wrong key refused: $(grep -h closed "$NT_TMP"/b.log.* | tail -1)"
rp_pass
