# replicate-lib.sh - helpers for the replicate-*.sh integration tests
# (source it after lib.sh).  Two nodes "a" (10.99.0.1) and "b" (10.99.0.2)
# in their own namespaces, each with roots "mail" and "accounts" under
# $NT_TMP/NODE/, a shared pre-shared key, and a control socket.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then echo "SKIP: helper library"; exit 77; fi

RP_BIN=$HB_BUILD/replicate/replicate
declare -A RP_PID

rp_setup() {
	[ -x "$RP_BIN" ] || { echo "SKIP: $RP_BIN not built"; exit 77; }
	nt_init
	nt_node a 10.99.0.1/24
	nt_node b 10.99.0.2/24
	head -c 48 /dev/urandom | base64 >"$NT_TMP/key"
	chmod 600 "$NT_TMP/key"
	local n peer
	for n in a b; do
		[ $n = a ] && peer=10.99.0.2 || peer=10.99.0.1
		mkdir -p "$NT_TMP/$n/mail" "$NT_TMP/$n/accounts" "$NT_TMP/$n/state"
		cat >"$NT_TMP/$n.conf" <<EOC
root mail $NT_TMP/$n/mail
root accounts $NT_TMP/$n/accounts
listen 0.0.0.0 7790
peer $peer 7790
keyfile $NT_TMP/key
role ${1:-source}
statedir $NT_TMP/$n/state
control $NT_TMP/$n/state/ctl
delta_threshold 65536
debug ${RP_DEBUG:-0}
logfacility none
EOC
		shift 2>/dev/null || true
	done
	# node b starts as the replica unless told otherwise
	sed -i 's/^role .*/role replica/' "$NT_TMP/b.conf"
}

# rp_start NODE [role]
rp_start() {
	local n=$1
	[ -n "${2:-}" ] && sed -i "s/^role .*/role $2/" "$NT_TMP/$n.conf"
	nt_bg "$n" "$NT_TMP/$n.log.$(date +%s%N)" "$RP_BIN" -c "$NT_TMP/$n.conf"
	RP_PID[$n]=$NT_LASTPID
	nt_wait 5 test -S "$NT_TMP/$n/state/ctl" || nt_fail "$n did not start"
}

rp_kill() {
	kill -"${2:-TERM}" "${RP_PID[$1]}" 2>/dev/null
	wait "${RP_PID[$1]}" 2>/dev/null
	rm -f "$NT_TMP/$1/state/ctl"
}
rp_ctl() { local n=$1; shift; "$RP_BIN" -S "$NT_TMP/$n/state/ctl" "$@"; }
# rp_bytes [NODE]: bytes the node has sent to its peer so far.
rp_bytes() { rp_field "${1:-a}" bytes_out; }
# rp_field NODE KEY: KEY's value on the first line of NODE's status
rp_field() { rp_ctl "$1" status | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# rp_sync [NODE [SECS]]: a barrier; when it fails, both nodes' status and
# the end of their logs go to the test log, to tell where it stuck.
rp_sync() {
	rp_ctl "${1:-a}" -w "${2:-30}" sync >/dev/null && return 0
	local n
	for n in a b; do
		echo "status of $n: $(rp_ctl $n status 2>&1)" >&2
	done
	rp_logs
	return 1
}

# Byte-for-byte and name-for-name comparison of both nodes' roots.
rp_same() {
	diff -r -x .replicate.tmp "$NT_TMP/a/mail" "$NT_TMP/b/mail" &&
	diff -r -x .replicate.tmp "$NT_TMP/a/accounts" "$NT_TMP/b/accounts"
}
rp_assert_same() {
	local what=$1
	nt_wait "${2:-20}" rp_same ||
		{ rp_same | head -20; rp_logs; nt_fail "$what: trees differ"; }
	nt_log "$what: trees identical ($(find "$NT_TMP/a/mail" -type f | wc -l) files)"
}
rp_logs() { tail -n 15 "$NT_TMP"/*.log.* >&2; }

# rp_deliver NODE DOMAIN USER N: Maildir deliveries the way MDAs do them
# (write in tmp/, rename into new/).
rp_deliver() {
	local md="$NT_TMP/$1/mail/$2/$3/Maildir" i u
	mkdir -p "$md/tmp" "$md/new" "$md/cur"
	for ((i = 0; i < $4; i++)); do
		u="$(date +%s).M$RANDOM$RANDOM.$1-$i"
		printf 'From: x@%s\nSubject: %s\n\nbody %s\n' "$2" "$u" "$RANDOM" >"$md/tmp/$u"
		mv "$md/tmp/$u" "$md/new/$u"
	done
}

# rp_pass: stop the daemons cleanly (so a sanitizer build reports leaks at
# exit), fail on any sanitizer report in their logs, then pass.
rp_pass() {
	local n
	for n in "${!RP_PID[@]}"; do rp_kill "$n"; done
	local san="AddressSanitizer|LeakSanitizer|runtime error:"
	if grep -l -E "$san" "$NT_TMP"/*.log.* 2>/dev/null; then
		grep -h -A5 -E "$san" "$NT_TMP"/*.log.* | head -30
		nt_fail "sanitizer report in a daemon log"
	fi
	nt_pass "$@"
}
