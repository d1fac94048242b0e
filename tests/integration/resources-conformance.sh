#!/bin/bash
# resources-conformance: every agent in resources/ and a user's plain LSB
# init script dropped into a resource.d directory pass ra-conformance:
# status/start/start/status/status/stop/stop/status/status with LSB codes
# and Heartbeat's running/OK words, and (agents) the same in OCF mode with
# monitor.  Runs inside a node namespace with real postfix and dovecot.
NT_NAME=resources-conformance
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/resources-mail.inc"
rm_have_mail
R=$HB_TOP/resources
export HB_LIBEXECDIR=$HB_BUILD/resources HB_AGENT_RUNDIR=$NT_TMP/run
[ -x "$HB_BUILD/resources/send_arp" ] || { echo "SKIP: send_arp not built"; exit 77; }
nt_init
nt_node node1 10.9.4.1/24 eth0
nt_node node1 10.9.5.1/24 eth1
nt_node gw2 10.9.5.254/24
nt_exec node1 ip route add default via 10.9.4.254 dev eth0 onlink
D=$NT_TMP/node1
rm_postfix_conf "$D" node1 10.9.4.1
rm_dovecot_conf "$D" 10.9.4.1
trap 'nt_exec node1 "$R/postfix" "$D/postfix" stop; nt_exec node1 "$R/dovecot" "$D/dovecot.conf" stop; nt_cleanup' EXIT

# a user's own LSB init script, unchanged Heartbeat v1 style
RD=$NT_TMP/resource.d
mkdir -p "$RD"
cat >"$RD/lsbsvc" <<EOF2
#!/bin/sh
# plain LSB init script: a sleeping daemon with a pid file
PIDF=$NT_TMP/lsbsvc.pid
case "\$1" in
start)	if [ -f \$PIDF ] && kill -0 \$(cat \$PIDF) 2>/dev/null; then exit 0; fi
	setsid sleep 1000 </dev/null >/dev/null 2>&1 &
	echo \$! >\$PIDF
	echo "Starting lsbsvc." ; exit 0 ;;
stop)	if [ -f \$PIDF ]; then kill \$(cat \$PIDF) 2>/dev/null; rm -f \$PIDF; fi
	echo "Stopping lsbsvc." ; exit 0 ;;
status)	if [ -f \$PIDF ] && kill -0 \$(cat \$PIDF) 2>/dev/null; then
		echo "lsbsvc is running."; exit 0
	fi
	echo "lsbsvc is not running."; exit 3 ;;
*)	echo "Usage: \$0 {start|stop|status}"; exit 2 ;;
esac
EOF2
chmod +x "$RD/lsbsvc"

fails=()
run() {	# run NAME ra-conformance-args...
	local name=$1
	shift
	if nt_exec node1 "$R/ra-conformance" "$@" >"$NT_TMP/conf-$name.log" 2>&1; then
		nt_log "$name: $(tail -1 "$NT_TMP/conf-$name.log")"
	else
		cat "$NT_TMP/conf-$name.log"
		fails+=("$name")
	fi
}
run lsbsvc "$RD/lsbsvc"
# the runner itself must catch a broken script: one that fails stop
# when stopped and says "running" in a "not running" way
printf '#!/bin/sh\ncase "$1" in stop) exit 1;; status) echo "is not running"; exit 0;; esac\nexit 0\n' >"$RD/badsvc"
chmod +x "$RD/badsvc"
nt_exec node1 "$R/ra-conformance" "$RD/badsvc" >"$NT_TMP/conf-bad.log" 2>&1 &&
	nt_fail "ra-conformance passed a broken script"
grep -q "FAIL stop when stopped" "$NT_TMP/conf-bad.log" || nt_fail "bad script: stop not flagged"

OCF_RESKEY_ip=10.9.4.100 run IPaddr -o "$R/IPaddr" 10.9.4.100/24/eth0
OCF_RESKEY_gateway=10.9.5.254 OCF_RESKEY_device=eth1 run route-switch -o "$R/route-switch" 10.9.5.254 eth1
OCF_RESKEY_config_dir=$D/postfix run postfix -o "$R/postfix" "$D/postfix"
OCF_RESKEY_config_file=$D/dovecot.conf run dovecot -o "$R/dovecot" "$D/dovecot.conf"
OCF_RESKEY_email=admin@example.org OCF_RESKEY_group=conf OCF_RESKEY_sendmail_args="-C $D/postfix" \
	run MailTo -o "$R/MailTo" admin@example.org hbd conf
[ ${#fails[@]} = 0 ] || nt_fail "non-conforming: ${fails[*]}"
nt_exec node1 ip -4 route show default | grep -q "via 10.9.4.254 dev eth0" || nt_fail "default route not restored"
nt_pass "lsbsvc IPaddr route-switch postfix dovecot MailTo"
