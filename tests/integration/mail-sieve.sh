#!/bin/bash
# Dovecot LMTP with Sieve through a crash, and accounts added on the
# active node (passwd-file, postmap'd maps) working on the standby.
#  1. user@example.org has a Sieve script (written on node1) that files
#     messages whose Subject contains "tagged" into the folder Tagged; an
#     account (newuser: passwd-file and vmailbox map, no Maildir: Dovecot
#     makes it at the first delivery, as doc/mail-cluster.md says) and an alias
#     (sales@ -> newuser@, valias map) are added on node1 and postmap'd.
#  2. two clients send "tagged-N" and "msg-N" at 10/s each; node1 crashes
#     (every process) half-way; node2 takes over; sending goes on.
#  3. on node2: every acknowledged tagged-N is in Tagged and not in INBOX,
#     every acknowledged msg-N in INBOX; mail to newuser@ and to the
#     alias sales@ is accepted by node2's Postfix (replicated maps) and
#     read by newuser over IMAP (replicated passwd-file), with no manual
#     step on node2.
NT_NAME=mail-sieve
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin lmtp
ml_setup on
: >"$NT_TMP/sent"
ml_boot

# 1.
d1=$NT_TMP/node1
cat >"$d1/vmail/user/.dovecot.sieve" <<'EOF'
require ["fileinto", "mailbox"];
if header :contains "subject" "tagged" {
  fileinto :create "Tagged";
}
EOF
chown 5000:5000 "$d1/vmail/user/.dovecot.sieve"
ml_add_user newuser 1 nomaildir	# the guide's way: Dovecot makes the Maildir
echo "sales@example.org newuser@example.org" >>"$d1/accounts/valias"
postmap -c "$d1/postfix" "$d1/accounts/valias"
ml_sync 1 || nt_fail "replication barrier failed"

# 2.
nt_exec client $ML_CLIENT send $ML_VIP 1 200 10 --prefix tagged >"$NT_TMP/sent-tagged" &
s1=$!
nt_exec client $ML_CLIENT send $ML_VIP 1 200 10 --prefix msg >"$NT_TMP/sent-msg" &
s2=$!
NT_PIDS+=($s1 $s2)
nt_wait 20 '[ "$(grep -c "^ok" "$NT_TMP/sent-tagged")" -ge 60 ]' || nt_fail "tagged mail not acknowledged: $(tail -3 "$NT_TMP/sent-tagged")"
t0=$(nt_ms)
ml_crash 1
nt_log "node1 crashed after $(grep -c '^ok' "$NT_TMP/sent-tagged") tagged and $(grep -c '^ok' "$NT_TMP/sent-msg") other messages acknowledged"
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over"
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after the crash"
wait $s1 $s2

# 3.
ml_folder_check() {	# PREFIX FOLDER: every acknowledged PREFIX-N in FOLDER once
	local p=$1 f=$2 acked missing dups got
	acked=$(awk -v p="$p" '$1 == "ok" {print p "-" $2}' "$NT_TMP/sent-$p" | sort)
	got=$(nt_exec client $ML_CLIENT subjects $ML_VIP user "$f" | grep "^$p-" | sort)
	missing=$(comm -23 <(echo "$acked") <(echo "$got") | grep -c .)
	dups=$(echo "$got" | uniq -d | grep -c .)
	nt_log "$p: acknowledged $(echo "$acked" | grep -c .), in $f $(echo "$got" | grep -c .), missing $missing, duplicates $dups"
	[ "$missing" = 0 ] || nt_fail "$missing acknowledged $p message(s) not in $f"
	[ "$dups" = 0 ] || nt_fail "$dups $p message(s) twice in $f"
}
ml_folder_check tagged Tagged
ml_folder_check msg INBOX
nt_exec client $ML_CLIENT subjects $ML_VIP user INBOX | grep -q '^tagged-' &&
	nt_fail "a tagged message is in INBOX: Sieve did not run"
nt_exec client $ML_CLIENT send $ML_VIP 1 1 --to newuser@example.org --prefix new >"$NT_TMP/sent-new"
nt_exec client $ML_CLIENT send $ML_VIP 1 1 --to sales@example.org --prefix sales >>"$NT_TMP/sent-new"
[ "$(grep -c '^ok' "$NT_TMP/sent-new")" = 2 ] || nt_fail "node2 refused mail for the account/alias added on node1: $(cat "$NT_TMP/sent-new")"
nt_wait 10 '[ "$(nt_exec client $ML_CLIENT subjects $ML_VIP newuser | wc -l)" = 2 ]' ||
	nt_fail "newuser (added on node1) does not see its 2 messages on node2: $(nt_exec client $ML_CLIENT subjects $ML_VIP newuser 2>&1 | tail -2)"
[ "$(stat -c %u:%g "$NT_TMP/node2/vmail/newuser/new")" = 5000:5000 ] ||
	nt_fail "node2's Dovecot did not create newuser's Maildir (owned by 5000)"
nt_log "account and alias added on node1: mail accepted and read on node2"
grep -q "sieve" "$NT_TMP/node2/dovecot.log" && nt_log "node2's Dovecot log: $(grep -m1 'fileinto\|stored mail into mailbox .Tagged' "$NT_TMP/node2/dovecot.log" | cut -c1-160)"
nt_pass
