# hbd-lib.sh - helpers for tests that run hbd nodes (source after lib.sh).
#
#   hb_conf NAME HACF_BODY [HARESOURCES]   write $NT_TMP/NAME/{ha.cf,authkeys,...}
#   hb_start NAME [extra hbd args]         start hbd for NAME in its namespace
#   hb_cl NAME cl_status-args...           cl_status against NAME's daemon
#   hb_status NAME NODE                    print NODE's status as NAME sees it
#   hb_wait_status NAME NODE STATUS SECS
HBD=$HB_BUILD/hbd/hbd
CL_STATUS=$HB_BUILD/hbd/cl_status
HB_KEY="${HB_KEY:-sha1 hbdtestkey$$}"
declare -A HB_PID

hb_conf() {
	local name=$1 body=$2 rsc=${3:-}
	local d=$NT_TMP/$name
	mkdir -p "$d/state" "$d/resource.d"
	printf '%s\n' "$body" >"$d/ha.cf"
	printf 'auth 1\n1 %s\n' "$HB_KEY" >"$d/authkeys"
	chmod 600 "$d/authkeys"
	printf '%s\n' "$rsc" >"$d/haresources"
	echo "$name" >"$d/nodeinfo"
}

hb_start() {
	local name=$1; shift
	local d=$NT_TMP/$name
	nt_bg "$name" "$d/hbd.out" "$HBD" -f -c "$d" -S "$d/state" \
		-s "$d/hbd.sock" "$@"
	HB_PID[$name]=$NT_LASTPID
}

hb_cl() {
	local name=$1; shift
	HBD_CONTROL=$NT_TMP/$name/hbd.sock "$CL_STATUS" "$@"
}

hb_status() { hb_cl "$1" nodestatus "$2" 2>/dev/null; }

hb_is() { [ "$(hb_status "$1" "$2")" = "$3" ]; }

hb_wait_status() {
	nt_wait "$4" hb_is "$1" "$2" "$3"
}

# --- resource tests ---
# hb_rsc_node NAME: install the test fixtures in NAME's resource.d.
hb_rsc_node() {
	cp "$HB_TOP"/tests/integration/fixtures/* "$NT_TMP/$1/resource.d/"
}
# hb_holds NAME ADDR: does NAME have ADDR configured?
hb_holds() { nt_exec "$1" ip -o -4 addr show | grep -q " $2/"; }
# hb_ask ADDR PORT: which node answers the test service at ADDR:PORT
hb_ask() { nt_exec client socat -T1 - TCP:$1:$2,connect-timeout=0.3 2>/dev/null </dev/null; }
# hb_mac NAME: MAC of NAME's eth0
hb_mac() { nt_exec "$1" cat /sys/class/net/eth0/address; }
# hb_client_mac ADDR: the client's ARP entry for ADDR
hb_client_mac() { nt_exec client ip neigh show "$1" | awk '{print $5}'; }
# hb_sample_vip ADDR OUT: every 50 ms append "ms n1 n2" (1 = holds ADDR)
# to OUT until killed; sets HB_SAMPLER.  HB_SAMPLE_MS=N: every N ms
# through vipsample.py (one process, no fork per sample: keeps its rate on
# a loaded machine)
hb_sample_vip() {
	if [ -n "${HB_SAMPLE_MS:-}" ]; then
		python3 "$HB_TOP/tests/integration/vipsample.py" "$(nt_ns node1)" \
			"$(nt_ns node2)" "$1" "$HB_SAMPLE_MS" >"$2" 2>/dev/null &
		HB_SAMPLER=$!
		NT_PIDS+=($HB_SAMPLER)
		return
	fi
	( while :; do
		a=0; b=0
		hb_holds node1 "$1" && a=1
		hb_holds node2 "$1" && b=1
		echo "$(nt_ms) $a $b"
		sleep 0.05
	done ) >"$2" 2>/dev/null &
	HB_SAMPLER=$!
	NT_PIDS+=($HB_SAMPLER)
}

# --- serial lines ---
# hb_serial_pair A B: a null-modem cable between $NT_TMP/A and $NT_TMP/B
# (tests/integration/ptyrelay.py: two ptys whose masters are joined, held
# open by the relay so the cable outlives the nodes on it).  Each packet
# crossing it is logged in $NT_TMP/cable.log ("A>B t=.. src=.. seq=..
# sent|dropped"); hb_serial_drop A|B loses the next packet sent from that
# end.  UUCP locks that killed nodes leave in /var/lock go at exit.
HB_LOCKS=""
hb_serial_pair() {
	local t
	python3 "$HB_TOP/tests/integration/ptyrelay.py" "$NT_TMP/$1" "$NT_TMP/$2" \
		"$NT_TMP/cable.log" 2>"$NT_TMP/cable.err" &
	HB_RELAY=$!
	NT_PIDS+=($!)
	nt_wait 3 test -e "$NT_TMP/$1" -a -e "$NT_TMP/$2" || nt_fail "no pty pair"
	for t in "$1" "$2"; do HB_LOCKS+=" $(hb_lockfile "$NT_TMP/$t")"; done
	trap 'rm -f $HB_LOCKS; nt_cleanup' EXIT
}
hb_serial_drop() {
	if [ "$1" = A ]; then kill -USR1 "$HB_RELAY"; else kill -USR2 "$HB_RELAY"; fi
}
# hb_lockfile DEV: the UUCP lock hbd and Heartbeat take for DEV (the path
# after its first five characters, letters and digits only, at most 63).
hb_lockfile() {
	local p=${1:5}
	p=${p//[^A-Za-z0-9]/}
	echo "/var/lock/LCK..${p:0:63}"
}
