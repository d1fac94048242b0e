#!/bin/bash
# replicate-catchup: replica down during changes then catch-up (unchanged
# files not resent); link cut and restore during changes.
NT_NAME=replicate-catchup
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/replicate-lib.sh"
rp_setup
A=$NT_TMP/a
for u in u1 u2 u3; do rp_deliver a example.net $u 200; done
rp_start b
rp_start a
rp_sync a || nt_fail "initial barrier"
rp_assert_same "initial" 1

rp_kill b
md=$A/mail/example.net/u1/Maildir
rp_deliver a example.net u1 20
for f in $(ls "$md/new" | head -50); do mv "$md/new/$f" "$md/cur/$f:2,RS"; done
rm -f "$A"/mail/example.net/u2/Maildir/new/*
before=$(rp_bytes)
rp_start b
rp_sync a || nt_fail "barrier after replica restart"
rp_assert_same "replica down then catch-up" 1
sent=$(( $(rp_bytes) - before ))
nt_log "catch-up after 20 deliveries, 50 renames, 200 expunges: $sent bytes"
# 580 unchanged messages must not be resent (each is ~70 bytes + framing;
# 20 new + 50 renamed ones may be)
[ "$sent" -lt 60000 ] || nt_fail "catch-up resent unchanged files ($sent bytes)"
grep -q " 50 renamed" "$NT_TMP"/a.log.* || { rp_logs;
	nt_fail "flag renames made while the replica was down were not sent as renames"; }

nt_link a down
nt_log "link cut"
rp_deliver a example.net u3 50
rp_deliver a example.net u9 30
rm -rf "$A/mail/example.net/u2"
sleep 1
nt_link a up
nt_log "link restored"
rp_sync a 40 || nt_fail "barrier after link restore"
rp_assert_same "link cut and restore" 1
rp_pass
