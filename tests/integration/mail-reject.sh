#!/bin/bash
# What the protected path refuses, and that a refusal is never a 250 and
# never leaves a message behind:
#  1. quota: full@example.org holds 3 messages; the next ones get 552
#     (Dovecot's answer, passed through), are not acknowledged and never
#     appear (node1, and node2's copy after a barrier);
#  1b. a recipient that goes over quota with this very message beside
#     one with room: 250, one copy stored, the other recipient handed to
#     the Postfix queue, which bounces it;
#  2. unknown user: 550; oversized message: 552; 101 recipients: the
#     101st gets 452, the message goes to the first 100;
#  3. a client that stalls mid-DATA: smtpd times it out, replicate-mda
#     logs it, nothing is delivered;
#  4. Dovecot's LMTP unreachable: 451 (retry), logged with the reason;
#  5. standby frozen (replicate stopped with SIGSTOP): 451 after the
#     barrier wait, logged; after SIGCONT: 250 again;
#  6. standby dead (its replicate killed): the documented "accepting
#     alone" mode: 250, logged at warning, replicate's status phase=down;
#     with replicate-mda -s (strict) 451 instead.
NT_NAME=mail-reject
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
ml_begin lmtp
ML_SIZE_LIMIT=200000 ML_SMTPD_TIMEOUT=4s ML_MDA_WAIT=3 ml_setup on
ml_boot
d1=$NT_TMP/node1 d2=$NT_TMP/node2
send() { nt_exec client $ML_CLIENT send $ML_VIP "$@"; }
files() { find "$1" -type f | wc -l; }

# 1.
send 1 3 --to full@example.org --prefix fill >"$NT_TMP/s1"
[ "$(grep -c '^ok' "$NT_TMP/s1")" = 3 ] || nt_fail "first 3 for full@ not accepted: $(cat "$NT_TMP/s1")"
send 4 5 --to full@example.org --prefix over >"$NT_TMP/s2"
grep '^ok' "$NT_TMP/s2" && nt_fail "a message over quota was acknowledged"
[ "$(grep -c '^err [0-9]* [A-Za-z]* [0-9]* 552 ' "$NT_TMP/s2")" = 5 ] || nt_fail "over quota: want 552 five times: $(cat "$NT_TMP/s2")"
nt_log "over quota: $(head -1 "$NT_TMP/s2" | cut -d' ' -f5-)"
ml_sync 1 || nt_fail barrier
n1=$(files "$d1/vmail/full/new") n2=$(files "$d2/vmail/full/new")
[ "$n1" = 3 ] && [ "$n2" = 3 ] || nt_fail "full@'s Maildir: node1 $n1, node2 $n2 messages, want 3"
grep -rl 'Subject: over-' "$d1/vmail/full" "$d2/vmail/full" "$d1/spool" 2>/dev/null && nt_fail "a refused message was stored"
nt_log "quota: 3 stored, 5 refused with 552, none stored on either node"

# 1b. over quota only with this message, beside a recipient with room:
# Dovecot says 250 for user and 552 for small after DATA; small goes to
# the Postfix queue (which bounces it), the client gets 250
send 1 1 --size 30000 --to user@example.org,small@example.org --prefix split >"$NT_TMP/s2b"
grep -q '^ok 1 [0-9]* [0-9.]*$' "$NT_TMP/s2b" || nt_fail "split delivery: $(cat "$NT_TMP/s2b")"
nt_wait 10 'grep -q "to=<small@example.org>.*status=bounced.*Quota exceeded" "$d1/postfix.log"' ||
	nt_fail "small@ was not handed to the queue and bounced: $(grep 'small@' "$d1/postfix.log" | tail -2)"
grep -q "refused after DATA put into the Postfix queue" "$d1/mda.out" || nt_fail "requeue not logged"
[ "$(grep -l '^Subject: split-1' "$d1"/vmail/user/new/* | wc -l)" = 1 ] || nt_fail "split-1 not in user's INBOX"
grep -rl '^Subject: split-1' "$d1/vmail/small" 2>/dev/null && nt_fail "split-1 stored for small@ over its quota"
nt_log "one recipient over quota after DATA: the other stored, it queued and bounced by Postfix ($(grep -m1 'to=<small@example.org>.*status=bounced' "$d1/postfix.log" | grep -o 'status=bounced.*' | cut -c1-80))"

# 2.
send 1 1 --to nobody@example.org --prefix unknown >"$NT_TMP/s3"
grep -q '^err 1 [A-Za-z]* [0-9]* 550 ' "$NT_TMP/s3" || nt_fail "unknown user: $(cat "$NT_TMP/s3")"
send 1 1 --size 300000 --prefix big >"$NT_TMP/s4"
grep -q '^err 1 [A-Za-z]* [0-9]* 552 ' "$NT_TMP/s4" || nt_fail "oversized: $(cat "$NT_TMP/s4")"
rcpts=$(seq -f 'user+%g@example.org' 1 101 | paste -sd,)
send 1 1 --to "$rcpts" --prefix many >"$NT_TMP/s5"
grep -q '^ok 1 .* refused=452:user+101@example.org$' "$NT_TMP/s5" || nt_fail "101 recipients: $(cut -c1-300 "$NT_TMP/s5")"
nt_wait 10 '[ "$(grep -l "^Subject: many-1" "$d1"/vmail/user/new/* | wc -l)" = 100 ]' ||
	nt_fail "101 recipients: $(grep -l "^Subject: many-1" "$d1"/vmail/user/new/* | wc -l) copies stored, want 100"
nt_log "unknown user 550 ($(cut -d' ' -f5- "$NT_TMP/s3" | cut -c1-60)), oversized 552, 101st recipient 452 (100 copies stored)"

# 3.
out=$(nt_exec client $ML_CLIENT stall $ML_VIP 7)
case $out in 421*|closed) ;; *) nt_fail "stalled client got: $out" ;; esac
nt_wait 5 'grep -q "client went away in DATA" "$d1/mda.out"' || nt_fail "replicate-mda did not log the stalled client: $(tail -3 "$d1/mda.out")"
grep -rl 'Subject: stalled' "$d1/vmail" "$d1/spool" 2>/dev/null && nt_fail "the stalled message was stored"
nt_log "stalled client: smtpd said '$out'; replicate-mda: $(grep -m1 'client went away in DATA' "$d1/mda.out" | cut -d: -f2- | cut -c1-90)"

# 4.
nt_exec node1 doveadm -c "$d1/dovecot.conf" stop
nt_wait 5 '! test -S "$d1/dovecot-run/lmtp"'
send 1 1 --prefix nolmtp >"$NT_TMP/s6"
grep -q '^err 1 [A-Za-z]* [0-9]* 451 ' "$NT_TMP/s6" || nt_fail "LMTP down: $(cat "$NT_TMP/s6")"
grep -q "LMTP at .* unavailable" "$d1/mda.out" || nt_fail "LMTP down not logged"
nt_log "LMTP down: $(cut -d' ' -f5- "$NT_TMP/s6"); log: $(grep -m1 'LMTP at .* unavailable' "$d1/mda.out" | cut -d: -f2- | cut -c1-100)"
nt_exec node1 dovecot -c "$d1/dovecot.conf"
nt_wait 5 'test -S "$d1/dovecot-run/lmtp"'
send 2 1 --prefix lmtpback >"$NT_TMP/s7"
grep -q '^ok' "$NT_TMP/s7" || nt_fail "not accepted after LMTP returned: $(cat "$NT_TMP/s7")"

# 5.
rpid=$(pgrep -f "replicate -c $d2/replicate.conf" | head -1)
[ -n "$rpid" ] || nt_fail "node2's replicate not found"
kill -STOP "$rpid"
send 1 2 --prefix frozen >"$NT_TMP/s8"
kill -CONT "$rpid"
grep '^ok' "$NT_TMP/s8" && nt_fail "acknowledged while the standby was frozen"
[ "$(grep -c '^err [0-9]* [A-Za-z]* [0-9]* 451 ' "$NT_TMP/s8")" = 2 ] || nt_fail "standby frozen: $(cat "$NT_TMP/s8")"
grep -q "not confirmed on the standby" "$d1/mda.out" || nt_fail "barrier timeout not logged"
nt_log "standby frozen: $(head -1 "$NT_TMP/s8" | cut -d' ' -f5-)"
send 3 1 --prefix thawed >"$NT_TMP/s9"
grep -q '^ok' "$NT_TMP/s9" || nt_fail "not accepted after SIGCONT: $(cat "$NT_TMP/s9")"

# 6.
kill -KILL "$rpid"
nt_wait 10 '"$REPLICATE_BIN" -S "$d1/repl/ctl" status | grep -q phase=down' || nt_fail "session not down"
send 1 1 --prefix alone >"$NT_TMP/s10"
grep -q '^ok' "$NT_TMP/s10" || nt_fail "standby dead: not accepted: $(cat "$NT_TMP/s10")"
grep -q "standby not connected: .* accepted on this node only" "$d1/mda.out" || nt_fail "accepting alone not logged"
nt_log "standby dead: accepted alone, logged; status: $("$REPLICATE_BIN" -S "$d1/repl/ctl" status | grep -o 'role=[a-z]* phase=[a-z]*')"
# 6b. the same with replicate-mda -s (strict): 451 while the standby is dead
mpid=$(pgrep -f "replicate-mda -f -l 127.0.0.1:10025 -L $d1/" | head -1)
[ -n "$mpid" ] || nt_fail "node1's replicate-mda not found"
kill "$mpid"
# it drains its sessions before it closes the listener: wait for it to go
nt_wait 10 '! kill -0 "$mpid" 2>/dev/null' || nt_fail "node1's replicate-mda ($mpid) did not exit on SIGTERM"
nt_bg node1 "$d1/mda-strict.out" "$HB_BUILD/replicate/replicate-mda" -f -s \
	-l 127.0.0.1:10025 -L "$d1/dovecot-run/lmtp" -R 127.0.0.1:10026 \
	-D example.org -S "$d1/repl/ctl"
nt_wait 5 'grep -q listening "$d1/mda-strict.out"' || nt_fail "replicate-mda -s did not start: $(cat "$d1/mda-strict.out")"
send 2 1 --prefix strict >"$NT_TMP/s11"
grep -q '^err 2 [A-Za-z]* [0-9]* 451 4.3.0 standby down' "$NT_TMP/s11" || nt_fail "-s with the standby dead: $(cat "$NT_TMP/s11")"
nt_log "standby dead, replicate-mda -s: $(cut -d' ' -f5- "$NT_TMP/s11")"
nt_pass
