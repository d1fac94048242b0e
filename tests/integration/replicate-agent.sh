#!/bin/bash
# replicate-agent: the resource agent's contract in Heartbeat and OCF mode
# (start, status, stop twice each; stop when stopped succeeds; status codes
# 3 (LSB) / 7 (OCF) when not the source) and that start makes the daemon
# the source which then streams to the peer.
NT_NAME=replicate-agent
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
AG=$HB_TOP/resources/replicate
export REPLICATE_BIN=$RP_BIN
sed -i 's/^role .*/role replica/' "$NT_TMP/a.conf"
rp_start b
rp_deliver a example.com erin 5
expect() { local want=$1; shift; "$@" >/dev/null 2>&1; local rc=$?
	[ "$rc" = "$want" ] || nt_fail "'$*' gave $rc, want $want"; }
# Heartbeat style; the agent starts the daemon (in node a's namespace)
expect 3 nt_exec a "$AG" "$NT_TMP/a.conf" status
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" stop
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" start
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" start
[ "$(nt_exec a "$AG" "$NT_TMP/a.conf" status)" = running ] ||
	nt_fail "status does not print running"
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" status
rp_sync a || nt_fail "barrier after agent start"
rp_assert_same "agent start made a the source" 1
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" stop
expect 0 nt_exec a "$AG" "$NT_TMP/a.conf" stop
expect 3 nt_exec a "$AG" "$NT_TMP/a.conf" status
# OCF style
export OCF_ROOT=/usr/lib/ocf OCF_RESKEY_config=$NT_TMP/a.conf
expect 7 nt_exec a "$AG" monitor
expect 0 nt_exec a "$AG" start
expect 0 nt_exec a "$AG" monitor
expect 0 nt_exec a "$AG" stop
expect 0 nt_exec a "$AG" stop
expect 7 nt_exec a "$AG" monitor
expect 0 nt_exec a "$AG" validate-all
nt_exec a "$AG" meta-data | grep -q '<resource-agent name="replicate"' || nt_fail "meta-data"
OCF_RESKEY_config=/nonexistent expect 6 nt_exec a "$AG" validate-all
# the daemon the agent started is ours to stop
pid=$(pgrep -f "replicate -c $NT_TMP/a.conf" | head -1)
[ -n "$pid" ] && kill "$pid"
rp_pass
