# heartbeat-lib.sh - run a real Heartbeat 3.0.6 node in a test (source
# after lib.sh and hbd-lib.sh).
#
#   hbr_start NAME HACF_BODY [HARESOURCES]
#       NAME's network namespace must exist (nt_node).  The node gets its
#       own mount, UTS and PID namespaces with private /etc/ha.d,
#       /var/lib/heartbeat and /run, hostname NAME, and an init that
#       reaps.  Heartbeat logs to $NT_TMP/NAME/ha-log.
#       HBR_HOSTS=FILE: bind-mounted on /etc/hosts before Heartbeat starts.
#   hbr_exec NAME cmd...   run inside the node (cl_status, hb_standby, ...)
#   hbr_kill NAME          kill -9 every heartbeat process of the node
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
mount -t tmpfs tmpfs /run
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
	ip netns exec "${NT_ID}$name" unshare -m -u -p --fork --mount-proc \
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
