#!/bin/bash
# Found while looking for replicate's memory growth under the soak's role
# switches: a source whose last session ended with operations the replica
# never acknowledged (sent into the socket of a replica that then died,
# or a role switch while they were in flight) keeps numbering after them;
# when the next session's catch-up has nothing to send, a barrier waits
# for the acknowledgement of a number the replica never saw - forever (the
# replica acknowledges only what it applied).  Now the replica takes the
# source's number from HELLO as its position once what it holds is on
# disk: everything before it is either applied or covered by the catch-up.
# Here: the replica is stopped, the source sends a file and its delete
# into its socket, the replica is killed (the frames are lost) and
# restarted; the trees are equal, so the barrier must return at once.
NT_NAME=replicate-stale-seq
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
mkdir -p "$NT_TMP/a/mail/example.com/u/Maildir/"{tmp,new,cur}
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
seq_of() { rp_ctl a status | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
kill -STOP "${RP_PID[b]}"
f=$NT_TMP/a/mail/example.com/u/Maildir/new/1800000000.M1.stale
echo lost >"$f"
sleep 0.3
rm -f "$f"
nt_wait 5 test "$(seq_of seq)" -gt "$(seq_of acked)" ||
	nt_fail "the source sent nothing to the stopped replica: $(rp_ctl a status)"
nt_log "replica stopped; source: $(rp_ctl a status)"
kill -KILL "${RP_PID[b]}"
kill -CONT "${RP_PID[b]}" 2>/dev/null
rp_kill b
rp_start b
t0=$(nt_ms)
rp_sync a 10 || nt_fail "barrier after the replica's restart did not return in 10 s (trees equal, nothing to send)"
nt_log "barrier after the restart: $(( $(nt_ms) - t0 )) ms; source: $(rp_ctl a status)"
rp_assert_same "after the restart"
# and the stream goes on: a delivery after it is acknowledged
rp_deliver a example.com u 5
rp_sync a 10 || nt_fail "barrier after a delivery"
rp_assert_same "after a delivery"
rp_pass "barrier returned with the last session's numbers unacknowledged"
