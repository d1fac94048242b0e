#!/bin/bash
# Found by the nemesis soak (issue 16, bench/soak): the replicate agent's
# stop first asked the daemon for its status with a 5 s limit and took no
# answer for "not running", so a source daemon that was busy for 5 s
# (a loaded node handing the group back after a failback) stayed the
# source; the peer became the source too and replication stopped.
# Here: the agent makes a the source, a's daemon is frozen (SIGSTOP) for
# 8 s while the agent stops it: stop must not return success before the
# daemon answered, and the daemon must be a replica afterwards.
NT_NAME=replicate-agent-busy-stop
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
AG=$HB_TOP/resources/replicate
export REPLICATE_BIN=$RP_BIN
sed -i 's/^role .*/role replica/' "$NT_TMP/a.conf"
rp_start b
rp_start a
nt_exec a "$AG" "$NT_TMP/a.conf" start || nt_fail "agent start"
rp_ctl a status | grep -q '^role=source' || nt_fail "a is not the source after start"
kill -STOP "${RP_PID[a]}"
t0=$(nt_ms)
nt_exec a "$AG" "$NT_TMP/a.conf" stop >"$NT_TMP/stop.out" 2>&1 &
stopper=$!
sleep 8
kill -0 $stopper 2>/dev/null || { wait $stopper; nt_fail "stop returned ($?) after $(( $(nt_ms) - t0 )) ms while the daemon was frozen"; }
kill -CONT "${RP_PID[a]}"
wait $stopper || nt_fail "stop failed after the daemon came back: $(cat "$NT_TMP/stop.out")"
nt_log "stop returned $(( $(nt_ms) - t0 )) ms after it began (daemon frozen for 8 s)"
rp_ctl a status | grep -q '^role=replica' || nt_fail "a is still $(rp_ctl a status)"
# a daemon that is gone: stop succeeds at once
rp_kill a
nt_exec a "$AG" "$NT_TMP/a.conf" stop || nt_fail "stop without a daemon"
rp_pass
