# pcmk-lib.sh - a real Pacemaker + Corosync cluster of 2 or 3 nodes in
# network namespaces (source after lib.sh).  Built on
# /work/shared/pacemaker/pcm-netns.sh, with lib.sh's conventions: names
# unique per run (nt_node), every process found and killed by namespace
# on exit, corosync's knet traffic only on the test's bridge.
#
#   pm_setup "1 2 3" [TOKEN_MS]  nodes node1.. (10.72.0.N) + client (.100)
#   pm_start N                   boot node N (PID 1 in its own pid, mount
#                                and uts namespaces: pcmk-node.inc)
#   pm_ex N cmd...               run inside node N (all its namespaces)
#   pm_online                    true when crm_mon on a live node shows
#                                every live node online
#   pm_where RSC                 node a resource runs on (or promoted on)
#   pm_kill N                    power-off: kill -9 of PID 1 (the kernel
#                                kills the rest of its pid namespace), and
#                                the node's addresses are flushed
# Each node's directory $NT_TMP/nodeN is /run/hbdnode inside that node.
PM_NET=10.72.0
PM_VIP=$PM_NET.50
PM_NODES=""
declare -A PM_PID1
PM_AGENTS=${PM_AGENTS:-$HB_TOP/resources}

pm_have() {
	local c
	for c in corosync pacemakerd crm crm_mon cibadmin crm_attribute unshare nsenter; do
		command -v $c >/dev/null || { echo "SKIP: $c not installed (pacemaker, corosync, crmsh)"; exit 77; }
	done
	[ -f "$PM_AGENTS/agent-funcs.sh" ] || nt_fail "no agents in $PM_AGENTS"
	[ -x "$PM_AGENTS/send_arp" ] || nt_fail "resources/send_arp not built"
}

pm_setup() {
	local n d token=${2:-1000}
	PM_NODES=$1
	pm_have
	nt_init
	for n in $PM_NODES; do nt_node node$n $PM_NET.$n/24; done
	nt_node client $PM_NET.100/24
	chmod 755 "$NT_TMP"
	dd if=/dev/urandom of="$NT_TMP/authkey" bs=256 count=1 2>/dev/null	# corosync-keygen
	for n in $PM_NODES; do
		d=$NT_TMP/node$n
		mkdir -p "$d/etc" "$d/libcs" "$d/libpcmk" "$d/log/pacemaker" \
			"$d/log/corosync" "$d/log/crmsh"
		cp -a /var/lib/pacemaker/. "$d/libpcmk/"	# hacluster:haclient 0750 kept
		chown hacluster:haclient "$d/log/pacemaker"
		install -m 400 "$NT_TMP/authkey" "$d/etc/authkey"
		# seed: dc-deadtime 2s (cold start ~5 s instead of ~23 s);
		# crm_feature_set must be <= 3.16.1 for 2.1.5
		echo '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="dc-deadtime" value="2s"/></cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration><status/></cib>' >"$d/libpcmk/cib/cib.xml"
		chown hacluster:haclient "$d/libpcmk/cib/cib.xml"
		# nothing may follow '{' on a corosync.conf line
		{
			printf 'totem {\n version: 2\n cluster_name: %s\n transport: knet\n token: %s\n' "$NT_ID" "$token"
			printf ' crypto_cipher: aes256\n crypto_hash: sha256\n}\nnodelist {\n'
			for i in $PM_NODES; do
				printf ' node {\n  ring0_addr: %s.%s\n  name: node%s\n  nodeid: %s\n }\n' $PM_NET $i $i $i
			done
			printf '}\nquorum {\n provider: corosync_votequorum\n'
			[ "$(echo $PM_NODES | wc -w)" = 2 ] && printf ' two_node: 1\n'
			printf '}\nlogging {\n to_logfile: yes\n logfile: /var/log/corosync/corosync.log\n to_stderr: no\n timestamp: on\n}\n'
		} >"$d/etc/corosync.conf"
	done
}

pm_start() {
	local n=$1 d=$NT_TMP/node$1 i
	nt_exec node$n ip link set lo up
	nt_bg node$n "$d/console.log" unshare --mount --uts --pid --fork --mount-proc \
		bash "$HB_TOP/tests/integration/pcmk-node.inc" node$n "$d" "$PM_AGENTS"
	PM_PID1[$n]=""
	for i in $(seq 100); do
		PM_PID1[$n]=$(pgrep -P "$NT_LASTPID" | head -1)
		[ -n "${PM_PID1[$n]}" ] && break
		sleep 0.05
	done
	[ -n "${PM_PID1[$n]}" ] || nt_fail "node$n: no PID 1"
}

pm_ex() { local n=$1; shift; nsenter -t "${PM_PID1[$n]}" -a "$@"; }

# the first node whose PID 1 is alive
pm_live() {
	local n
	for n in $PM_NODES; do
		[ -n "${PM_PID1[$n]:-}" ] && kill -0 "${PM_PID1[$n]}" 2>/dev/null && { echo $n; return 0; }
	done
	return 1
}

# pm_online [N...]: the given nodes (default: every live one) all online
pm_online() {
	local want="" n l
	l=$(pm_live) || return 1
	for n in ${*:-$PM_NODES}; do
		[ -n "${PM_PID1[$n]:-}" ] && kill -0 "${PM_PID1[$n]}" 2>/dev/null && want="$want node$n"
	done
	pm_ex "$l" crm_mon -1 2>/dev/null | grep -q "Online: \[${want} \]"
}

pm_crm() { pm_ex "$(pm_live)" crm "$@"; }

# pm_where RSC [Promoted]: node name running RSC (the promoted one)
pm_where() {
	local l
	l=$(pm_live) || return 1
	if [ "${2:-}" = Promoted ]; then
		pm_ex "$l" crm_resource --locate -r "$1" 2>/dev/null |
			sed -n 's/.*is running on: \(node[0-9]*\) Promoted.*/\1/p' | head -1
	else
		pm_ex "$l" crm_resource --locate -r "$1" 2>/dev/null |
			sed -n 's/.*is running on: \(node[0-9]*\).*/\1/p' | head -1
	fi
}

pm_kill() {
	local n=$1
	kill -9 "${PM_PID1[$n]}"
	nt_exec node$n ip -4 addr flush dev eth0 scope global
	nt_exec node$n ip addr add $PM_NET.$n/24 dev eth0 2>/dev/null	# only the VIPs go
	PM_PID1[$n]=""
}

# pm_logs: the tail of every node's Pacemaker log (on failure)
pm_logs() {
	local n
	for n in $PM_NODES; do
		echo "== node$n pacemaker.log" >&2
		grep -E "error|warning|notice: (Result|Requesting|Initiating)" \
			"$NT_TMP/node$n/log/pacemaker/pacemaker.log" 2>/dev/null | tail -n 25 >&2
	done
	pm_ex "$(pm_live)" crm_mon -1 -A >&2 2>/dev/null
}

# pm_mail_node N PEER...: node N's mail store as in mail-lib.sh's ml_setup
# (Postfix whose smtpd hands every message to replicate-mda, Dovecot on
# the replicated Maildirs and accounts, replicate.conf streaming to every
# node PEER, with `barrier $PM_BARRIER` when set), all under
# $NT_TMP/nodeN = /run/hbdnode inside the node.
pm_mail_node() {
	local n=$1 d=$NT_TMP/node$1 p; shift
	[ -f "$NT_TMP/replkey" ] || { head -c 48 /dev/urandom | base64 >"$NT_TMP/replkey"; chmod 600 "$NT_TMP/replkey"; }
	mkdir -p "$d/accounts" "$d/repl"
	rm_postfix_conf "$d" node$n $PM_NET.$n all
	postconf -c "$d/postfix" -e "mynetworks = 127.0.0.0/8, $PM_NET.0/24" \
		"smtpd_proxy_filter = 127.0.0.1:10025" "smtpd_proxy_timeout = 30s"
	rm_dovecot_conf "$d" "*"
	sed -i "s|args = $d/users|args = $d/accounts/users|" "$d/dovecot.conf"
	echo "mail_home = $d/vmail/%n" >>"$d/dovecot.conf"
	printf 'admin:{PLAIN}secret:5000:5000::\nuser:{PLAIN}secret:5000:5000::\n' >"$d/accounts/users"
	chown root:dovecot "$d/accounts" "$d/accounts/users"
	chmod 0640 "$d/accounts/users"
	rm -f "$d/users"
	mkdir -p "$d/vmail/user/new" "$d/vmail/user/cur" "$d/vmail/user/tmp" \
		"$d/vmail/admin/new" "$d/vmail/admin/cur" "$d/vmail/admin/tmp"
	chown -R 5000:5000 "$d/vmail"
	cat >"$d/replicate.conf" <<EOC
root mail $d/vmail
root accounts $d/accounts
listen 0.0.0.0 7795
$(for p in "$@"; do echo "peer $PM_NET.$p 7795"; done)
${PM_BARRIER:+barrier $PM_BARRIER}
keyfile $NT_TMP/replkey
role replica
statedir $d/repl
control $d/repl/ctl
logfile $d/replicate.log
EOC
}

# pm_mda N: replicate-mda inside node N, as a service started at boot (it
# dies with the node)
pm_mda() {
	local d=$NT_TMP/node$1
	pm_ex "$1" setsid -f "$HB_BUILD/replicate/replicate-mda" -f -l 127.0.0.1:10025 \
		-b "$d/vmail" -D example.org -S "$d/repl/ctl" >>"$d/mda.out" 2>&1 </dev/null
}

pm_smtp_from() { rm_smtp_banner client $PM_VIP 2>/dev/null | awk '{print $2}'; }

# pm_mail_cluster NODES [TOKEN]: the mail cluster of pcmk-replicate and
# bench/pcmk-failover.  The nodes of PM_DATA_NODES (default "1 2") hold
# the mail store, each listing the others as replicate peers (node3, when
# there and not a data node, only votes).  The CIB is hb2pcmk's conversion of the two-node
# haresources line (VIP, replicate, postfix, dovecot, MailTo: the group
# colocated with and ordered after the promoted replicate clone), plus
# the daemon's path, MailTo's own Postfix instance, and "the clone never
# on node3".  Returns once the group answers SMTP on the VIP from node1.
pm_mail_cluster() {
	local nodes=$1 n
	pm_setup "$nodes" "${2:-1000}"
	for n in ${PM_DATA_NODES:-1 2}; do
		pm_mail_node $n $(for p in ${PM_DATA_NODES:-1 2}; do [ $p = $n ] || echo $p; done)
	done
	mkdir -p "$NT_TMP/ha.d"
	printf 'node %s\nbcast eth0\nauto_failback off\n' "$(for n in $nodes; do printf 'node%s ' $n; done)" >"$NT_TMP/ha.d/ha.cf"
	echo "node1 IPaddr::$PM_VIP/24/eth0 replicate::/run/hbdnode/replicate.conf postfix::/run/hbdnode/postfix dovecot::/run/hbdnode/dovecot.conf MailTo::admin@example.org::pcmk-mail" >"$NT_TMP/ha.d/haresources"
	"$HB_BUILD/tools/hb2pcmk" -c "$NT_TMP/ha.d" >"$NT_TMP/cluster.crm" || nt_fail "hb2pcmk failed"
	sed -i -e "s|params config=/run/hbdnode/replicate.conf|& binary=$HB_BUILD/replicate/replicate|" \
		-e 's|params email=admin@example.org|& sendmail_args="-C /run/hbdnode/postfix"|' "$NT_TMP/cluster.crm"
	grep -q "binary=" "$NT_TMP/cluster.crm" || nt_fail "no replicate primitive in the conversion"
	case " $nodes " in *" 3 "*)
		case " ${PM_DATA_NODES:-1 2} " in *" 3 "*) ;; *)
			echo "location loc_repl_data_nodes ms_replicate_1 -inf: node3" >>"$NT_TMP/cluster.crm" ;;
		esac ;;
	esac
	for n in $nodes; do pm_start $n; done
	nt_wait 60 pm_online || { pm_logs; nt_fail "cluster not online in 60 s"; }
	for n in ${PM_DATA_NODES:-1 2}; do pm_mda $n; done
	pm_crm configure load update "$NT_TMP/cluster.crm" >"$NT_TMP/load.out" 2>&1 ||
		nt_fail "crm configure load update: $(cat "$NT_TMP/load.out")"
	nt_wait 60 '[ "$(pm_where ms_replicate_1 Promoted)" = node1 ] && [ "$(pm_where group_1)" = node1 ] && [ "$(pm_where MailTo_1)" = node1 ]' ||
		{ pm_logs; nt_fail "promoted replicate + mail group not on node1"; }
	nt_wait 20 '[ "$(pm_smtp_from)" = node1 ]' || nt_fail "SMTP on the VIP is not node1's"
}

# pm_load SECS: SMTP load on the VIP from the client node, 4 clients x
# 10 msgs/s for SECS seconds, each line of $NT_TMP/sent.N "ok N" or "err
# N ..."; the clients' pids in PM_LOAD_PIDS.  pm_load_wait waits for them,
# gathers $NT_TMP/sent and sets PM_ACKED and PM_ERRS.
pm_load() {
	local c per=$((10 * $1))
	PM_LOAD_PIDS=()
	: >"$NT_TMP/sent"
	for c in 0 1 2 3; do
		nt_exec client python3 "$HB_TOP/tests/integration/mailclient.py" send $PM_VIP \
			$((c * 100000 + 1)) $per 10 >"$NT_TMP/sent.$c" &
		PM_LOAD_PIDS+=($!); NT_PIDS+=($!)
	done
}
pm_load_wait() {
	wait "${PM_LOAD_PIDS[@]}"
	cat "$NT_TMP"/sent.* >"$NT_TMP/sent"
	PM_ACKED=$(grep -c '^ok' "$NT_TMP/sent"); PM_ERRS=$(grep -c '^err' "$NT_TMP/sent")
}

# pm_check_all WHAT: every message acknowledged in $NT_TMP/sent is read
# exactly once over IMAP on the VIP
pm_check_all() {
	local what=$1 ack missing dups
	ack=$(awk '$1 == "ok" {print "msg-" $2}' "$NT_TMP/sent" | sort)
	nt_exec client python3 "$HB_TOP/tests/integration/mailclient.py" subjects $PM_VIP user 2>/dev/null |
		sort >"$NT_TMP/got"
	dups=$(uniq -d "$NT_TMP/got" | wc -l)
	missing=$(comm -23 <(echo "$ack") "$NT_TMP/got" | grep -c .)
	nt_log "$what: acknowledged $(echo "$ack" | grep -c .), found $(wc -l <"$NT_TMP/got"), missing $missing, duplicates $dups"
	[ "$missing" -eq 0 ] || nt_fail "$what: $missing acknowledged message(s) missing"
	[ "$dups" -eq 0 ] || nt_fail "$what: $dups duplicate(s)"
}
