#!/bin/bash
# Mail under faults: SMTP at 15 messages/s through the VIP for 60 s while
#  - at 10 s the nodes are partitioned from each other for 5 s (the client
#    still reaches both): both take the group, the heal leaves it on node1
#    and node2's mail is reconciled into node1;
#  - at 35 s node1's hbd is frozen (SIGSTOP) for 3 s: node2 takes over,
#    after SIGCONT node1 keeps the group and reconciles again.
# Zero acknowledged messages lost, no duplicates.
NT_NAME=mail-faults
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/faults-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin
ml_setup on
: >"$NT_TMP/sent"
ml_boot
sleep 1
ml_send 1 900 15 &
sender=$!
NT_PIDS+=($sender)
sleep 10
ft_partition on
nt_log "partition on after $(grep -c '^ok' "$NT_TMP/sent") acknowledged"
sleep 5
ft_partition off
nt_log "partition off"
sleep 20
kill -STOP "${HB_PID[node1]}"
nt_log "node1's hbd frozen after $(grep -c '^ok' "$NT_TMP/sent") acknowledged"
sleep 3
kill -CONT "${HB_PID[node1]}"
wait $sender
acked=$(grep -c '^ok' "$NT_TMP/sent")
errs=$(grep -c '^err' "$NT_TMP/sent")
nt_log "sent 900 at 15/s: acknowledged $acked, SMTP errors $errs"
nt_wait 30 '[ "$(ml_banner)" = node1 ] && ! hb_holds node2 $ML_VIP' || nt_fail "node1 does not hold the group at the end"
nt_wait 40 '[ "$(ml_subjects | sort -u | wc -l)" -ge '"$acked"' ]'
ml_check_all "after partition and freeze"
nt_pass "$acked acknowledged, 0 lost, $errs SMTP errors"
