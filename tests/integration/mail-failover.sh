#!/bin/bash
# End to end with real Postfix and Dovecot, the replicate daemon and hbd
# (haresources: VIP, replicate, dovecot, postfix, MailTo; auto_failback on).
#  1. 100 messages to user@example.org through the VIP; a flag set over
#     IMAP; an account added on node1.
#  2. node1's uplink is cut: node2 takes over; 100 more messages; all 200
#     acknowledged messages readable once over IMAP on the VIP, the flag
#     still set, the new account logs in on node2.
#  3. the link returns: node1 (preferred) keeps the group, node2's mail is
#     reconciled into it: 200, no duplicates, nothing lost.
#  4. node1 crashes outright (every process): node2 takes over, 50 more;
#     node1 boots again and auto_failback returns everything to node1.
NT_NAME=mail-failover
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin
ml_setup on
: >"$NT_TMP/sent"
ml_boot

# 1.
ml_send 1 100
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge 100 ]' || nt_fail "first 100 not delivered"
nt_exec client $ML_CLIENT flag $ML_VIP user msg-7 || nt_fail "IMAP flag failed"
d1=$NT_TMP/node1
printf 'newuser:{PLAIN}secret:5000:5000::\n' >>"$d1/accounts/users"
mkdir -p "$d1/vmail/newuser/new" "$d1/vmail/newuser/cur" "$d1/vmail/newuser/tmp"
chown -R 5000:5000 "$d1/vmail/newuser"
ml_sync 1 || nt_fail "replication barrier failed"

# 2.
t0=$(nt_ms)
nt_link node1 down
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || { tail -30 "$NT_TMP/node2/ha-log"; nt_fail "node2 did not take the mail service"; }
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after the uplink cut"
ml_send 101 100
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge 200 ]'
ml_check_all "after uplink cut"
[ "$(nt_exec client $ML_CLIENT flagged $ML_VIP user)" = msg-7 ] || nt_fail "flag lost in failover"
nt_exec client $ML_CLIENT login $ML_VIP newuser secret || nt_fail "new account cannot log in on node2"
[ "$(nt_exec client $ML_CLIENT pop3count $ML_VIP user)" -ge 200 ] || nt_fail "POP3 count"

# 3.
nt_link node1 up
nt_wait 20 '[ "$(ml_banner)" = node1 ] && ! hb_holds node2 $ML_VIP' || nt_fail "node1 did not keep the group after the heal"
nt_wait 30 '[ "$(ml_subjects | sort -u | wc -l)" -ge 200 ]'
ml_check_all "after the heal (reconciled into node1)"

# 4.
ml_sync 1
t0=$(nt_ms)
ml_crash 1
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || nt_fail "node2 did not take over after the crash"
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after node1 crashed"
ml_send 201 50
ml_check_all "after the crash"
ml_start 1
nt_wait 40 '[ "$(ml_banner)" = node1 ]' || nt_fail "no failback to node1"
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge 250 ]'
ml_check_all "after failback to node1"
alerts=$(find "$NT_TMP"/node1/vmail/admin/new -type f 2>/dev/null | wc -l)
nt_log "MailTo alerts delivered: $alerts"
nt_pass
