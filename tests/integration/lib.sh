# lib.sh - network-namespace harness for integration tests (source it).
#
# Builds "machines" out of network namespaces joined by a bridge that lives
# in its own switch namespace, so nothing touches the host's networking.
# Every namespace and background process is recorded and removed by
# nt_cleanup, which runs on EXIT.  Names are unique per test run.
#
#   nt_init                       create the switch namespace and bridge
#   nt_node NAME ADDR/PFX [IF [BR]] a node namespace with IF (eth0) on bridge BR
#   nt_exec NAME cmd...           run in a node
#   nt_bg NAME LOG cmd...         start in a node in the background (PID kept)
#   nt_link NAME up|down          cut or restore a node's link at the bridge
#   nt_wait SECS cmd [args...]    poll every 50 ms until it succeeds; a single
#                                 argument is eval'ed each time (for $(...))
#   nt_pass / nt_fail MSG         finish the test
#
# Exit codes: 0 pass, 1 fail, 77 skip.
set -u

: "${HB_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${HB_BUILD:=$HB_TOP}"
NT_ID="${NT_ID:-t$$}"
NT_ID="${NT_ID:0:7}"
NT_SW="${NT_ID}sw"
NT_TMP=$(mktemp -d "/tmp/hbtest.${NT_ID}.XXXXXX")
NT_NODES=()
NT_PIDS=()

nt_log() { printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >&2; }

nt_cleanup() {
	local p ns
	for p in "${NT_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 40); do	# up to 2 s for graceful exits
		local alive=0
		for p in "${NT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.05
	done
	for p in "${NT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in "${NT_NODES[@]}"; do
		# any process still inside a node namespace goes too
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${NT_SW_MADE:-}" ]; then
		ip netns del "$NT_SW" 2>/dev/null
	fi
	if [ -z "${NT_KEEP:-}" ]; then rm -rf "$NT_TMP"; fi
}
trap nt_cleanup EXIT
trap 'exit 1' INT TERM

nt_init() {
	command -v ip >/dev/null || { echo "SKIP: ip not found"; exit 77; }
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	ip netns add "$NT_SW" || { echo "SKIP: cannot create netns"; exit 77; }
	NT_SW_MADE=1
	ip -n "$NT_SW" link set lo up
	nt_bridge br0
}

# nt_bridge NAME: another bridge (segment) in the switch namespace.
nt_bridge() {
	ip -n "$NT_SW" link show "$1" >/dev/null 2>&1 && return 0
	ip -n "$NT_SW" link add "$1" type bridge mcast_snooping 0
	ip -n "$NT_SW" link set "$1" up
}

# nt_node NAME ADDR/PFX [IFNAME [BRIDGE]]: a namespace ${NT_ID}NAME with IFNAME
# (default eth0) on the bridge.  Several calls with the same NAME add links.
declare -A NT_PORT
NT_NPORT=0
nt_node() {
	local name=$1 addr=$2 ifn=${3:-eth0} br=${4:-br0} ns="${NT_ID}$1"
	nt_bridge "$br"
	if ! ip netns list | grep -qw "$ns"; then
		ip netns add "$ns"
		NT_NODES+=("$ns")
		ip -n "$ns" link set lo up
	fi
	NT_NPORT=$((NT_NPORT + 1))
	local sw="${NT_ID}p${NT_NPORT}" nd="${NT_ID}q${NT_NPORT}"
	ip link add "$sw" type veth peer name "$nd"
	ip link set "$sw" netns "$NT_SW"
	ip link set "$nd" netns "$ns"
	ip -n "$ns" link set "$nd" name "$ifn"
	ip -n "$NT_SW" link set "$sw" master "$br" up
	ip -n "$ns" addr add "$addr" brd + dev "$ifn"
	ip -n "$ns" link set "$ifn" up
	NT_PORT["$name/$ifn"]=$sw
}

nt_ns() { echo "${NT_ID}$1"; }
nt_exec() { local n=$1; shift; ip netns exec "${NT_ID}$n" "$@"; }

# nt_bg NAME LOGFILE cmd... ; sets NT_LASTPID
nt_bg() {
	local n=$1 log=$2; shift 2
	ip netns exec "${NT_ID}$n" "$@" >"$log" 2>&1 &
	NT_LASTPID=$!
	NT_PIDS+=("$NT_LASTPID")
}

# nt_link NAME up|down [IFNAME]: the switch side of a node's link.
nt_link() {
	ip -n "$NT_SW" link set "${NT_PORT["$1/${3:-eth0}"]}" "$2"
}

nt_wait() {
	local secs=$1; shift
	local end=$(( $(date +%s%N) + secs * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		if [ $# -eq 1 ]; then
			eval "$1" >/dev/null 2>&1 && return 0
		else
			"$@" >/dev/null 2>&1 && return 0
		fi
		sleep 0.05
	done
	return 1
}

nt_ms() { echo $(( $(date +%s%N) / 1000000 )); }
nt_pass() { echo "PASS: ${NT_NAME:-$0}${1:+: $1}"; exit 0; }
nt_fail() { echo "FAIL: ${NT_NAME:-$0}: $*"; exit 1; }
