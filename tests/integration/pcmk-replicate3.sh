#!/bin/bash
# pcmk-replicate3: pcmk-replicate with three data nodes (issue 17): the
# replicate promotable clone on node1, node2 and node3 of a 3-node
# Pacemaker cluster (token 1000 ms), every replicate.conf listing the two
# other nodes as peers (`barrier all`).  Checks: node1 promoted with the
# mail group, node2 and node3 unpromoted with score 100 each, node1's
# daemon streaming to both; under SMTP load (4 clients, 40 msgs/s in all,
# every 250 given once the message is on all three nodes) node1 is
# powered off; node2 or node3 is promoted, the group starts there, every
# acknowledged message is readable once over IMAP on the VIP, and the
# other replica follows the new source (same Maildir); node1 comes back
# as a replica of the new source and catches up.
# PCMK_LOAD_SECS (default 15) sets the load's length; the kill is at 40%.
NT_NAME=pcmk-replicate3
SECS=${PCMK_LOAD_SECS:-15}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/resources-mail.inc"
source "$(dirname "$0")/pcmk-lib.sh"
rm_have_mail
RB=$HB_BUILD/replicate/replicate
t0=$(nt_ms)
PM_DATA_NODES="1 2 3"
pm_mail_cluster "1 2 3" 1000
for n in 2 3; do
	nt_wait 30 "pm_ex 2 crm_resource --locate -r ms_replicate_1 | grep -q 'running on: node$n *$'" ||
		nt_fail "no unpromoted instance on node$n: $(pm_ex 2 crm_resource --locate -r ms_replicate_1)"
done
nt_log "promoted replicate and mail group on node1, replicas on node2 and node3, $(( $(nt_ms) - t0 )) ms after boot"
score() { pm_ex 1 crm_attribute -N node$1 -n master-replicate_1 -l reboot -G -q 2>/dev/null; }
nt_wait 30 '[ "$(score 2)" = 100 ] && [ "$(score 3)" = 100 ] && [ "$(score 1)" = 1000 ]' ||
	nt_fail "promotion scores: node1 '$(score 1)' (want 1000), node2 '$(score 2)', node3 '$(score 3)' (want 100)"
streams() { [ "$("$RB" -S "$NT_TMP/node$1/repl/ctl" status | grep -c '^replica .* session=stream')" -eq "$2" ]; }
nt_wait 20 streams 1 2 || nt_fail "node1 does not stream to both replicas: $("$RB" -S "$NT_TMP/node1/repl/ctl" status)"
nt_log "node1: $("$RB" -S "$NT_TMP/node1/repl/ctl" status | tr '\n' '|')"
# each replica publishes its "complete" position (what the agent ranks)
pos() { pm_ex 1 crm_attribute -N node$1 -n hbd_repl_pos_replicate_1 -l reboot -G -q 2>/dev/null; }
complete() { "$RB" -S "$NT_TMP/node$1/repl/ctl" status | sed -n 's/.* complete=\([0-9]*\).*/\1/p'; }
for n in 2 3; do
	nt_wait 30 '[ -n "$(complete '$n')" ] && [ "$(pos '$n')" = "$(complete '$n')" ]' ||
		nt_fail "node$n publishes position '$(pos $n)', its daemon's complete is '$(complete $n)'"
done
nt_log "positions published: node2 $(pos 2), node3 $(pos 3)"

# load: 4 clients x 10 msgs/s; node1 powered off at 40%
per=$((10 * SECS))
pm_load $SECS
sleep $((SECS * 4 / 10))
t1=$(nt_ms)
before=$(cat "$NT_TMP"/sent.* | grep -c '^ok')
pm_kill 1
nt_log "node1 powered off after $before acknowledged messages"
# (Pacemaker may first try the replica that is behind: both scored 100
# until their monitors ran; its promote is refused, naming the other, and
# the other is promoted)
nt_wait 60 '[ "$(pm_smtp_from)" = node2 ] || [ "$(pm_smtp_from)" = node3 ]' ||
	{ pm_logs; nt_fail "no SMTP from node2 or node3 on the VIP 60 s after node1 died"; }
tf=$(( $(nt_ms) - t1 ))
P=$(pm_smtp_from); P=${P#node}
O=$((5 - P))	# the other replica
nt_wait 10 '[ "$(pm_where ms_replicate_1 Promoted)" = node$P ]' ||
	nt_fail "SMTP from node$P, but replicate promoted on '$(pm_where ms_replicate_1 Promoted)'"
refused=$(grep -h "promote refused" "$NT_TMP"/node$O/log/pacemaker/pacemaker.log 2>/dev/null | tail -1 | sed 's/.*error output \[ //')
nt_log "node$P promoted, SMTP on the VIP from it $tf ms after node1's death${refused:+; node$O refused first: $refused}"
pm_load_wait
acked=$PM_ACKED errs=$PM_ERRS
nt_log "sent $((4 * per)) at 40/s: acknowledged $acked, SMTP errors $errs"
[ "$acked" -gt $((before + 40)) ] || nt_fail "too little mail acknowledged after the failover ($acked, $before before)"
pm_check_all "after failover"
# the other replica follows the new source
same() { diff <(cd "$NT_TMP/node$1/vmail/user" && find new cur -type f | sed 's/:2,.*//' | sort) \
	      <(cd "$NT_TMP/node$2/vmail/user" && find new cur -type f | sed 's/:2,.*//' | sort) >/dev/null; }
nt_wait 30 "$RB -S $NT_TMP/node$P/repl/ctl -w 30 sync" || nt_fail "barrier on node$P"
nt_wait 30 same $P $O || nt_fail "node$O's Maildir differs from the new source node$P's"
nt_log "node$O follows node$P ($(find "$NT_TMP/node$P/vmail/user" -type f | wc -l) messages)"

# node1 boots again and rejoins as a replica of the new source
pm_start 1
nt_wait 60 pm_online || { pm_logs; nt_fail "node1 did not rejoin"; }
pm_mda 1
nt_wait 60 'pm_ex $P crm_resource --locate -r ms_replicate_1 | grep -q "running on: node1 *$"' ||
	{ pm_logs; nt_fail "node1's replicate instance not running unpromoted"; }
nt_wait 30 streams $P 2 || nt_fail "node$P does not stream to node1 and node$O: $("$RB" -S "$NT_TMP/node$P/repl/ctl" status)"
nt_wait 30 "$RB -S $NT_TMP/node$P/repl/ctl -w 30 sync" || nt_fail "barrier on node$P after node1 rejoined"
nt_wait 30 same $P 1 || nt_fail "node1's Maildir differs from node$P's after catch-up"
nt_log "node1 rejoined as replica of node$P: $("$RB" -S "$NT_TMP/node$P/repl/ctl" status | tr '\n' '|')"
pm_check_all "after node1 rejoined"
nt_pass "$acked acknowledged, 0 lost, $errs SMTP errors; node$P promoted, node$O and node1 follow it"
