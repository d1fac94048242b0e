# heartbeat-lib.sh - run a real Heartbeat 3.0.6 node in a test (source
# after lib.sh and hbd-lib.sh).
#
#   hbr_start NAME HACF_BODY [HARESOURCES]
#       NAME's network namespace must exist (nt_node).  The node gets its
#       own mount, UTS and PID namespaces with private /etc/ha.d,
#       /var/lib/heartbeat and /run, hostname NAME, and an init that
#       reaps.  Heartbeat logs to $NT_TMP/NAME/ha-log.
#       HBR_HOSTS=FILE: bind-mounted on /etc/hosts before Heartbeat starts.
#       HBR_HOSTLOCK=1: the node keeps the host's /run/lock (= /var/lock)
#       and PID namespace, so its UUCP serial line locks (a path and a
#       pid) mean the same as hbd's.
#   hbr_exec NAME cmd...   run inside the node (cl_status, hb_standby, ...)
#   hbr_kill NAME          kill -9 every heartbeat process of the node
#
# A mixed pair: hbd as node1, a real Heartbeat as node2 (namespaces made by
# the caller), keepalive 200ms, deadtime 2, initdead 8, crm off:
#   hbr_pair_start HBD_MEDIA REAL_MEDIA
#       writes both ha.cf files with those media lines, starts both, and
#       returns once each sees the other active (else the test fails).
#   real_status NODE       NODE's status as node2's Heartbeat sees it
#   hbr_pair_clean         wait past Heartbeat's start-up dt, then fail if
#                          either side rejected or complained of packets
#   hbr_pair_deaths        Heartbeat dies: hbd notices; it restarts and is
#                          seen again; hbd dies: Heartbeat notices
HB_REAL=/usr/libexec/heartbeat/heartbeat
declare -A HBR_INIT

hbr_start() {
	local name=$1 body=$2 rsc=${3:-}
	local d=$NT_TMP/$name
	[ -x "$HB_REAL" ] || { echo "SKIP: heartbeat not installed"; exit 77; }
	mkdir -p "$d/etc/rc.d" "$d/etc/resource.d" "$d/var"
	cp -a /etc/ha.d/. "$d/etc/"
	printf '%s\n' "$body" >"$d/etc/ha.cf"
	printf 'auth 1\n1 %s\n' "$HB_KEY" >"$d/etc/authkeys"
	chmod 600 "$d/etc/authkeys"
	printf '%s\n' "$rsc" >"$d/etc/haresources"
	for sub in api casual ccm ckpt cores crm lrm pengine; do
		mkdir -p "$d/var/$sub"
	done
	chown -R hacluster:haclient "$d/var"
	echo core >"$d/core_pattern"
	echo 0 >"$d/core_uses_pid"
	cat >"$d/init.sh" <<INIT
set -e
hostname $name
${HBR_HOSTLOCK:+mkdir -p $d/hostlock; mount --bind /run/lock $d/hostlock}
mount -t tmpfs tmpfs /run
${HBR_HOSTLOCK:+mkdir -p /run/lock; mount --bind $d/hostlock /run/lock}
mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm /run/lock /run/resource-agents
chown -R hacluster:haclient /run/heartbeat /run/crm
chmod 750 /run/heartbeat /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm
mount --bind $d/etc /etc/ha.d
mount --bind $d/var /var/lib/heartbeat
mount --bind $d/core_pattern /proc/sys/kernel/core_pattern
mount --bind $d/core_uses_pid /proc/sys/kernel/core_uses_pid
${HBR_HOSTS:+mount --bind $HBR_HOSTS /etc/hosts}
$HB_REAL
set +e
while :; do sleep 1 & wait \$!; done
INIT
	local pidns="-p --mount-proc"
	[ -n "${HBR_HOSTLOCK:-}" ] && pidns=""
	ip netns exec "${NT_ID}$name" unshare -m -u $pidns --fork \
		bash "$d/init.sh" >"$d/init.out" 2>&1 &
	NT_PIDS+=($!)
	local u=$!
	nt_wait 5 pgrep -P "$u" || nt_fail "heartbeat node $name did not start"
	HBR_INIT[$name]=$(pgrep -P "$u" | head -1)
}

hbr_exec() {
	local name=$1; shift
	nsenter -t "${HBR_INIT[$name]}" -m -u -p -n "$@"
}

hbr_kill() {
	local p
	for p in $(pgrep -f "heartbeat: master|heartbeat: (read|write)|$HB_REAL" ); do
		# only those inside this node's PID namespace
		[ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/${HBR_INIT[$1]}/ns/pid)" ] &&
			kill -9 "$p"
	done
	for p in $(pgrep -f "heartbeat:"); do
		[ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/${HBR_INIT[$1]}/ns/pid)" ] &&
			kill -9 "$p"
	done
	return 0
}

HBR_PAIR_CF="keepalive 200ms
deadtime 2
initdead 8
node node1 node2
crm off"

hbr_pair_start() {
	hb_conf node1 "$HBR_PAIR_CF
$1
logfile $NT_TMP/node1/ha-log"
	hb_start node1
	hbr_start node2 "$HBR_PAIR_CF
$2
realtime off
use_logd no
logfacility none
logfile /var/lib/heartbeat/ha-log
debugfile /var/lib/heartbeat/ha-debug"
	hb_wait_status node1 node2 active 15 || nt_fail "hbd does not see heartbeat active"
	nt_wait 15 '[ "$(real_status node1)" = active ]' || {
		tail -30 "$NT_TMP/node2/var/ha-log"; nt_fail "heartbeat does not see hbd active"; }
	[ "$(real_status node2)" = active ] || nt_fail "heartbeat itself not active"
	nt_log "both active; heartbeat says node1 is $(real_status node1)"
}

real_status() { hbr_exec node2 cl_status nodestatus "$1" 2>/dev/null; }

hbr_pair_clean() {
	local bad="bad\|failed auth\|replay\|Message hist queue\|TTY write\|Irretrievably"
	sleep 6	# past heartbeat's start-up dt (deadtime + 2 s)
	! grep -q "bad packet\|line noise\|replay" "$NT_TMP/node1/ha-log" || {
		grep "bad packet\|line noise\|replay" "$NT_TMP/node1/ha-log" | head
		nt_fail "hbd rejected heartbeat packets"; }
	! grep -qi "$bad" "$NT_TMP/node2/var/ha-log" || {
		grep -i "$bad" "$NT_TMP/node2/var/ha-log" | head; nt_fail "heartbeat complained"; }
	[ "$(real_status node1)" = active ] || nt_fail "heartbeat lost hbd"
}

hbr_pair_deaths() {
	local t0
	hbr_kill node2
	t0=$(nt_ms)
	hb_wait_status node1 node2 dead 5 || nt_fail "hbd did not detect heartbeat's death"
	nt_log "hbd declared heartbeat dead after $(( $(nt_ms) - t0 )) ms"
	hbr_exec node2 $HB_REAL
	hb_wait_status node1 node2 active 15 || nt_fail "restarted heartbeat not active"
	nt_wait 15 '[ "$(real_status node1)" = active ]' || nt_fail "restarted heartbeat does not see hbd"
	sleep 6
	kill -9 "${HB_PID[node1]}"
	t0=$(nt_ms)
	nt_wait 6 '[ "$(real_status node1)" = dead ]' || nt_fail "heartbeat did not detect hbd's death"
	nt_log "heartbeat declared hbd dead after $(( $(nt_ms) - t0 )) ms"
	grep -q "node node1: is dead" "$NT_TMP/node2/var/ha-log" || nt_fail "no death in heartbeat's log"
}
