#!/bin/bash
# resources-mail: postfix, dovecot and MailTo agents against real Postfix
# and Dovecot instances inside a node namespace.
#   postfix: status words, start/start, SMTP banner from a client, a
#     broken main.cf refused with postfix's reason, stop/stop.
#   MailTo: start = one "takeover" mail, stop = one "release" mail, a
#     second stop sends nothing; read back over IMAP through dovecot.
#   dovecot: start/start, IMAP login from the client, broken config
#     refused with doveconf's reason, stop/stop; with INDEX= outside the
#     Maildirs, start sets the index directory aside (a stray file in it
#     refuses the start, naming it) and Dovecot rebuilds the index.
NT_NAME=resources-mail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/resources-mail.inc"
rm_have_mail
R=$HB_TOP/resources
export HB_AGENT_RUNDIR=$NT_TMP/run
nt_init
nt_node node1 10.9.3.1/24
nt_node client 10.9.3.50/24
D=$NT_TMP/node1
rm_postfix_conf "$D" node1 10.9.3.1
rm_dovecot_conf "$D" 10.9.3.1
PC=$D/postfix DC=$D/dovecot.conf
trap 'nt_exec node1 "$R/postfix" "$PC" stop; nt_exec node1 "$R/dovecot" "$DC" stop; nt_exec node1 "$R/dovecot" "$D/dovecot-idx.conf" stop 2>/dev/null; nt_cleanup' EXIT

st=$(nt_exec node1 "$R/postfix" "$PC" status); rc=$?
[ "$st" = stopped ] && [ $rc = 3 ] || nt_fail "postfix status before start: '$st' rc=$rc"
out=$(nt_exec node1 "$R/postfix" "$PC" start 2>&1) || nt_fail "postfix start: $out"
nt_exec node1 "$R/postfix" "$PC" start || nt_fail "postfix second start"
st=$(nt_exec node1 "$R/postfix" "$PC" status); rc=$?
[ "$st" = running ] && [ $rc = 0 ] || nt_fail "postfix status: '$st' rc=$rc"
b=$(rm_smtp_banner client 10.9.3.1) || nt_fail "no SMTP from client: $b"
grep -q "^220 node1 ESMTP" <<<"$b" || nt_fail "banner '$b'"

# a broken copy of the config is refused, with the reason
cp -a "$PC" "$D/postfix-bad"
echo "default_process_limit = lots" >>"$D/postfix-bad/main.cf"
out=$(nt_exec node1 "$R/postfix" "$D/postfix-bad" start 2>&1) && nt_fail "started a broken config"
grep -q "refusing to start.*default_process_limit = lots" <<<"$out" || nt_fail "no reason: $out"

# dovecot
st=$(nt_exec node1 "$R/dovecot" "$DC" status); rc=$?
[ "$st" = stopped ] && [ $rc = 3 ] || nt_fail "dovecot status before start: '$st' rc=$rc"
out=$(nt_exec node1 "$R/dovecot" "$DC" start 2>&1) || nt_fail "dovecot start: $out"
nt_exec node1 "$R/dovecot" "$DC" start || nt_fail "dovecot second start"
st=$(nt_exec node1 "$R/dovecot" "$DC" status); rc=$?
[ "$st" = running ] && [ $rc = 0 ] || nt_fail "dovecot status: '$st' rc=$rc"

# MailTo through postfix's sendmail (-C selects this instance)
export OCF_RESKEY_sendmail_args="-C $PC"
MT="$R/MailTo admin@example.org hbd mailgrp"
st=$(HA_CURHOST=node1 nt_exec node1 $MT status); [ "$st" = stopped ] || nt_fail "MailTo status before: $st"
out=$(HA_CURHOST=node1 nt_exec node1 $MT start 2>&1) || nt_fail "MailTo start: $out"
HA_CURHOST=node1 nt_exec node1 $MT start || nt_fail "MailTo second start"
st=$(HA_CURHOST=node1 nt_exec node1 $MT status); [ "$st" = running ] || nt_fail "MailTo status: $st"
HA_CURHOST=node1 nt_exec node1 $MT stop || nt_fail "MailTo stop"
HA_CURHOST=node1 nt_exec node1 $MT stop || nt_fail "MailTo second stop"
st=$(HA_CURHOST=node1 nt_exec node1 $MT status); [ "$st" = stopped ] || nt_fail "MailTo status after: $st"
# Heartbeat style without a group argument: the group key comes from the
# haresources line next to $HA_RESOURCEDIR, as hbd sets it
mkdir -p "$NT_TMP/ha.d/resource.d"
printf 'node1 IPaddr::10.9.3.100/24 postfix \\\n\tMailTo::admin@example.org::hbd\n' >"$NT_TMP/ha.d/haresources"
for a in start stop; do
	HA_CURHOST=node1 HA_RESOURCEDIR=$NT_TMP/ha.d/resource.d \
		nt_exec node1 "$R/MailTo" admin@example.org hbd $a || nt_fail "MailTo (haresources group) $a"
done
nt_wait 20 bash -c "[ \$(ls $D/vmail/admin/new 2>/dev/null | wc -l) -ge 4 ]" ||
	nt_fail "alert mails not delivered: $(tail -5 $D/postfix.log)"
sleep 0.5
subs=$(rm_imap_subjects client 10.9.3.1 admin) || nt_fail "IMAP read failed: $subs $(tail -3 $D/dovecot.log)"
want="Subject: hbd: release of group IPaddr::10.9.3.100/24 on node1
Subject: hbd: release of group mailgrp on node1
Subject: hbd: takeover of group IPaddr::10.9.3.100/24 on node1
Subject: hbd: takeover of group mailgrp on node1"
[ "$(sort <<<"$subs")" = "$want" ] || nt_fail "IMAP subjects: '$subs'"
nt_log "alerts read over IMAP: $(tr '\n' '|' <<<"$subs")"

# OCF mode with a missing sendmail: not installed (5)
nt_exec node1 env OCF_ROOT=/usr/lib/ocf OCF_RESKEY_email=a@example.org \
	OCF_RESKEY_sendmail=/nonexistent/sendmail "$R/MailTo" start 2>/dev/null
[ $? = 5 ] || nt_fail "MailTo with no sendmail did not return OCF_ERR_INSTALLED"

# broken dovecot config copy
sed -e "s|^base_dir = .*|base_dir = $D/bad-run|" -e 's/^ssl = no/ssl = maybe-not/' "$DC" >"$D/dovecot-bad.conf"
out=$(nt_exec node1 "$R/dovecot" "$D/dovecot-bad.conf" start 2>&1) && nt_fail "dovecot started a broken config"
grep -q "refusing to start.*line 5: Invalid value: maybe-not" <<<"$out" || nt_fail "dovecot: no reason: $out"

for a in "postfix $PC" "dovecot $DC"; do
	set -- $a
	nt_exec node1 "$R/$1" "$2" stop || nt_fail "$1 stop"
	nt_exec node1 "$R/$1" "$2" stop || nt_fail "$1 stop when stopped"
	st=$(nt_exec node1 "$R/$1" "$2" status); rc=$?
	[ "$st" = stopped ] && [ $rc = 3 ] || nt_fail "$1 status after stop: '$st' rc=$rc"
done
pgrep -f "$DC" >/dev/null && nt_fail "dovecot processes left"

# indexes kept outside the Maildirs (INDEX=): start sets the directory
# aside (an empty one with the same owner and mode, the old one removed);
# a directory that holds a file as well refuses the start, naming it
sed -e "s|^mail_location = .*|mail_location = maildir:~:INDEX=$D/idx/%n|" "$DC" >"$D/dovecot-idx.conf"
mkdir -p "$D/idx/admin" && echo x >"$D/idx/admin/dovecot.index" && echo x >"$D/idx/stray"
chown -R 5000:5000 "$D/idx" && chmod 0750 "$D/idx"
out=$(nt_exec node1 "$R/dovecot" "$D/dovecot-idx.conf" start 2>&1) && nt_fail "dovecot started with a file in its index directory"
grep -q "refusing to start: index directory $D/idx must hold only per-user index directories.*found $D/idx/stray" <<<"$out" ||
	nt_fail "dovecot: no reason for the index directory: $out"
[ -f "$D/idx/admin/dovecot.index" ] || nt_fail "refused start touched the index directory"
rm "$D/idx/stray"
out=$(nt_exec node1 "$R/dovecot" "$D/dovecot-idx.conf" start 2>&1) || nt_fail "dovecot start with INDEX=: $out"
[ -d "$D/idx" ] && [ -z "$(ls -A "$D/idx")" ] || nt_fail "index directory not set aside: $(ls -A "$D/idx")"
[ "$(stat -c '%u:%g %a' "$D/idx")" = "5000:5000 750" ] || nt_fail "index directory owner/mode: $(stat -c '%u:%g %a' "$D/idx")"
nt_wait 5 '! ls -d "$D"/idx.stale-* >/dev/null 2>&1' || nt_fail "the stale index directory was not removed"
subs=$(rm_imap_subjects client 10.9.3.1 admin) && [ -n "$subs" ] || nt_fail "IMAP read with a rebuilt index failed: $subs"
[ -n "$(find "$D/idx" -name "dovecot.index*")" ] || nt_fail "Dovecot did not rebuild the index in $D/idx: $(find "$D/idx" "$D/vmail/admin" -maxdepth 2 | tr "\n" " ")"
nt_log "rebuilt index: $(cd "$D/idx" && find . -type f | tr "\n" " ")"
nt_exec node1 "$R/dovecot" "$D/dovecot-idx.conf" stop || nt_fail "dovecot stop (INDEX=)"
pgrep -f "$D/dovecot-idx.conf" >/dev/null && nt_fail "dovecot processes left (INDEX=)"
nt_pass "postfix, dovecot, MailTo (alerts read back over IMAP)"
