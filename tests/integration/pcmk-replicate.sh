#!/bin/bash
# pcmk-replicate: the replicate agent as a promotable clone under a real
# 3-node Pacemaker cluster (token 1000 ms).  node1 and node2 hold the mail
# store, node3 only votes.  The configuration is hb2pcmk's conversion of
# the two-node haresources line (VIP, replicate, postfix, dovecot,
# MailTo), plus "ms_replicate_1 never on node3".  Checks: the promoted
# instance and the mail group are on node1, node2 unpromoted (exit codes
# 8 / 0 from the agent itself); under SMTP load (4 clients, 40 msgs/s in
# all, every 250 given only once the message is on both nodes) node1 is
# powered off; node2 is promoted, the group starts there, and every
# acknowledged message is readable once over IMAP on the VIP; node1 comes
# back as the unpromoted replica and catches up (same Maildir on both);
# a switchover (node2 to standby: demote, stop) promotes node1 again.
# PCMK_LOAD_SECS (default 30) sets the load's length; the kill is at 40%.
NT_NAME=pcmk-replicate
SECS=${PCMK_LOAD_SECS:-30}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/resources-mail.inc"
source "$(dirname "$0")/pcmk-lib.sh"
rm_have_mail
t0=$(nt_ms)
pm_mail_cluster "1 2 3" 1000
pm_ex 2 crm_resource --locate -r ms_replicate_1 | grep -q "running on: node2 *$" ||
	nt_fail "no unpromoted instance on node2: $(pm_ex 2 crm_resource --locate -r ms_replicate_1)"
nt_log "promoted replicate and mail group on node1, replica on node2, $(( $(nt_ms) - t0 )) ms after boot"
# the agent's own answers (monitor exit codes 8 and 0, no instance on node3)
agent() {	# N ACTION [NAME=VALUE...]
	local n=$1 a=$2; shift 2
	pm_ex $n env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=replicate_1 \
		OCF_RESKEY_CRM_meta_master_max=1 OCF_RESKEY_config=/run/hbdnode/replicate.conf \
		OCF_RESKEY_binary=$HB_BUILD/replicate/replicate "$@" /usr/lib/ocf/resource.d/hbd/replicate $a; }
agent 1 monitor; rc=$?; [ $rc = 8 ] || nt_fail "monitor on node1 (promoted): $rc, want 8"
agent 2 monitor; rc=$?; [ $rc = 0 ] || nt_fail "monitor on node2 (unpromoted): $rc, want 0"
agent 3 monitor; rc=$?; [ $rc = 7 ] || nt_fail "monitor on node3 (stopped): $rc, want 7"
score() { pm_ex 3 crm_attribute -N node$1 -n master-replicate_1 -l reboot -G -q 2>/dev/null; }
nt_wait 30 '[ "$(score 2)" = 100 ] && [ "$(score 1)" = 1000 ]' ||
	nt_fail "promotion scores: node1 '$(score 1)' (want 1000), node2 '$(score 2)' (want 100)"
nt_wait 20 "$HB_BUILD/replicate/replicate -S $NT_TMP/node2/repl/ctl status | grep -q 'session=$PM_NET.1'" ||
	nt_fail "node2 has no session with node1"
# a replica that knows another live one is ahead scores low and refuses
# promotion: node3 is made to look ahead (its position attribute)
pm_ex 3 crm_attribute -N node3 -n hbd_repl_pos_replicate_1 -l reboot -v 999999999 ||
	nt_fail "cannot set node3's position"
nt_wait 10 '[ "$(pm_ex 2 crm_attribute -N node3 -n hbd_repl_pos_replicate_1 -l reboot -G -q 2>/dev/null)" = 999999999 ]'
agent 2 monitor OCF_RESKEY_CRM_meta_interval=10000 >/dev/null 2>&1
[ "$(score 2)" = 10 ] || nt_fail "node2 behind node3: promotion score '$(score 2)', want 10"
out=$(agent 2 promote 2>&1); rc=$?
[ $rc = 1 ] || nt_fail "promote of a replica that is behind: exit $rc, want 1 (OCF_ERR_GENERIC)"
echo "$out" | grep -q "promote refused: this replica holds changes up to [0-9]*, another live replica up to 999999999" ||
	nt_fail "no reason given for the refusal: $out"
"$HB_BUILD/replicate/replicate" -S "$NT_TMP/node2/repl/ctl" status | grep -q '^role=replica' || nt_fail "node2 became source anyway"
nt_log "node2 behind: score 10, promote refused ($(echo "$out" | tail -1))"
pm_ex 3 crm_attribute -N node3 -n hbd_repl_pos_replicate_1 -l reboot -D
nt_wait 10 '! pm_ex 2 crm_attribute -N node3 -n hbd_repl_pos_replicate_1 -l reboot -G -q >/dev/null 2>&1'
agent 2 monitor OCF_RESKEY_CRM_meta_interval=10000 >/dev/null 2>&1
[ "$(score 2)" = 100 ] || nt_fail "node2 current again: score '$(score 2)', want 100"

# load: 4 clients x 10 msgs/s; node1 powered off at 40%
per=$((10 * SECS))
pm_load $SECS
sleep $((SECS * 4 / 10))
t1=$(nt_ms)
before=$(cat "$NT_TMP"/sent.* | grep -c '^ok')
pm_kill 1
nt_log "node1 powered off after $before acknowledged messages"
nt_wait 60 '[ "$(pm_smtp_from)" = node2 ]' || { pm_logs; nt_fail "no SMTP from node2 on the VIP 60 s after node1 died"; }
nt_log "SMTP on the VIP from node2 $(( $(nt_ms) - t1 )) ms after node1's death"
[ "$(pm_where ms_replicate_1 Promoted)" = node2 ] || nt_fail "replicate not promoted on node2"
pm_load_wait
acked=$PM_ACKED errs=$PM_ERRS
nt_log "sent $((4 * per)) at 40/s: acknowledged $acked, SMTP errors $errs ($(awk '$1 == "err" {print $3}' "$NT_TMP/sent" | sort | uniq -c | tr '\n' ' '))"
[ "$acked" -gt $((before + 40)) ] || nt_fail "too little mail acknowledged after the failover ($acked, $before before)"
pm_check_all "after failover"

# node1 boots again: its replicate instance rejoins unpromoted and catches up
pm_start 1
nt_wait 60 pm_online || { pm_logs; nt_fail "node1 did not rejoin"; }
pm_mda 1
nt_wait 60 'pm_ex 2 crm_resource --locate -r ms_replicate_1 | grep -q "running on: node1 *$"' ||
	{ pm_logs; nt_fail "node1's replicate instance not running unpromoted"; }
[ "$(pm_where ms_replicate_1 Promoted)" = node2 ] && [ "$(pm_where group_1)" = node2 ] ||
	nt_fail "the mail group moved after node1 rejoined (auto_failback off)"
nt_wait 30 "$HB_BUILD/replicate/replicate -S $NT_TMP/node2/repl/ctl -w 30 sync" || nt_fail "barrier on node2 after node1 rejoined"
same() { diff <(cd "$NT_TMP/node1/vmail/user" && find new cur -type f | sed 's/:2,.*//' | sort) \
	      <(cd "$NT_TMP/node2/vmail/user" && find new cur -type f | sed 's/:2,.*//' | sort) >/dev/null; }
nt_wait 30 same || nt_fail "node1's Maildir differs from node2's after catch-up"
nt_log "node1 rejoined as replica and holds node2's $(find "$NT_TMP/node2/vmail/user" -type f | wc -l) messages"
nt_wait 20 '[ "$(score 1)" = 100 ]' || nt_fail "node1's promotion score is '$(score 1)', want 100"
pm_check_all "after node1 rejoined"

# an administrative switchover: node2 goes to standby, so its instance is
# demoted (barrier first) and stopped (the daemon ends), node1 promoted
t2=$(nt_ms)
pm_ex 3 crm_attribute -N node2 -n standby -v on >/dev/null || nt_fail "crm_attribute standby node2"
nt_wait 60 '[ "$(pm_where ms_replicate_1 Promoted)" = node1 ] && [ "$(pm_where group_1)" = node1 ] && [ "$(pm_smtp_from)" = node1 ]' ||
	{ pm_logs; nt_fail "switchover: node1 not promoted with the group"; }
nt_log "switchover to node1 in $(( $(nt_ms) - t2 )) ms"
nt_wait 20 '! "$HB_BUILD/replicate/replicate" -S "$NT_TMP/node2/repl/ctl" -w 2 status >/dev/null 2>&1' ||
	nt_fail "node2's daemon still answers after its instance stopped"
agent 2 monitor; rc=$?; [ $rc = 7 ] || nt_fail "monitor on node2 after stop: $rc, want 7"
agent 1 monitor; rc=$?; [ $rc = 8 ] || nt_fail "monitor on node1 after promotion: $rc, want 8"
pm_check_all "after the switchover"
nt_pass "$acked acknowledged, 0 lost, $errs SMTP errors during the switch"
