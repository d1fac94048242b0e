# hbns.sh - start the real Heartbeat 3.0.6 in private namespaces (sourced by
# capture.sh and classic-accept.sh; not a test on its own).
#
#   hbns_run DIR AUTHKEYS_LINE SCRIPT
#       Prepares DIR (ha.cf with node capnode + peer, ucast lo 127.0.0.2,
#       udpport 694, the authkeys "auth 1" + AUTHKEYS_LINE, private
#       /var/lib/heartbeat), then runs, inside `unshare -n -m -u -p --fork`,
#       heartbeat followed by the bash text SCRIPT.  When SCRIPT ends the
#       PID namespace and every process in it die.  Heartbeat logs to
#       DIR/ha-log and DIR/ha-debug.
HB_REAL=/usr/libexec/heartbeat/heartbeat

hbns_run() {
	local d=$1 keyline=$2 script=$3 sub
	mkdir -p "$d/etc" "$d/var"
	cp -a /etc/ha.d/. "$d/etc/"
	cat >"$d/etc/ha.cf" <<CF
use_logd no
logfacility none
logfile $d/ha-log
debugfile $d/ha-debug
realtime off
crm no
autojoin none
keepalive 1
deadtime 10
warntime 5
initdead 20
udpport 694
ucast lo 127.0.0.2
node capnode
node peer
CF
	printf 'auth 1\n%s\n' "$keyline" >"$d/etc/authkeys"
	chmod 600 "$d/etc/authkeys"
	: >"$d/etc/haresources"
	for sub in api casual ccm ckpt cores crm lrm pengine; do
		mkdir -p "$d/var/$sub"
	done
	chown -R hacluster:haclient "$d/var"
	echo core >"$d/core_pattern"
	echo 0 >"$d/core_uses_pid"
	cat >"$d/init.sh" <<INIT
set -e
ip link set lo up
hostname capnode
mount -t tmpfs tmpfs /run
mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm /run/lock
chown -R hacluster:haclient /run/heartbeat /run/crm
chmod 750 /run/heartbeat /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/crm
mount --bind $d/etc /etc/ha.d
mount --bind $d/var /var/lib/heartbeat
mount --bind $d/core_pattern /proc/sys/kernel/core_pattern
mount --bind $d/core_uses_pid /proc/sys/kernel/core_uses_pid
$script
INIT
	unshare -n -m -u -p --fork --mount-proc bash "$d/init.sh" \
		>"$d/init.out" 2>&1
}
