# mail-lib.sh - a two-node mail cluster for end-to-end tests and the demo
# (source after lib.sh, hbd-lib.sh and resources-mail.inc).
#
# node1 and node2 (10.70.0.1/.2) each run hbd, the replicate daemon, and
# their own Postfix and Dovecot instances (config, queue, state under
# $NT_TMP/nodeN); a client namespace (10.70.0.100) talks to the VIP.
# Replicated roots: mail = nodeN/vmail (Maildirs, uid 5000) and accounts =
# nodeN/accounts (dovecot passwd-file, node-independent: homes come from
# mail_home in each node's dovecot.conf).  Postfix's smtpd passes every
# message to replicate-mda (before-queue proxy), which delivers it and
# answers 250 only after the replication barrier (ML_SYNC=0: plain Postfix
# delivery, asynchronous replication).  The haresources line:
#   node1 IPaddr::VIP/24/eth0 replicate::CONF postfix::DIR dovecot::CONF MailTo::admin@example.org
ML_VIP=10.70.0.50
ML_CLIENT="python3 $HB_TOP/tests/integration/mailclient.py"

ml_setup() {
	local fb=${1:-on} n d peer
	nt_init
	nt_node node1 10.70.0.1/24
	nt_node node2 10.70.0.2/24
	nt_node client 10.70.0.100/24
	chmod 755 "$NT_TMP"
	head -c 48 /dev/urandom | base64 >"$NT_TMP/replkey"
	chmod 600 "$NT_TMP/replkey"
	for n in 1 2; do
		d=$NT_TMP/node$n
		peer=10.70.0.$((3 - n))
		mkdir -p "$d/resource.d" "$d/accounts" "$d/repl" "$d/run"
		rm_postfix_conf "$d" node$n 10.70.0.$n
		postconf -c "$d/postfix" -e "inet_interfaces = all" \
			"mynetworks = 127.0.0.0/8, 10.70.0.0/24" \
			"virtual_mailbox_maps = inline:{ admin@example.org=admin/, user@example.org=user/, newuser@example.org=newuser/ }"
		# synchronous acknowledgement: smtpd hands each message to
		# replicate-mda, which answers 250 only once it is on both nodes
		[ "${ML_SYNC:-1}" = 1 ] && postconf -c "$d/postfix" -e \
			"smtpd_proxy_filter = 127.0.0.1:10025" "smtpd_proxy_timeout = 30s"
		rm_dovecot_conf "$d" 10.70.0.$n
		sed -i -e "s|^listen = .*|listen = *|" \
		       -e "s|args = $d/users|args = $d/accounts/users|" "$d/dovecot.conf"
		echo "mail_home = $d/vmail/%n" >>"$d/dovecot.conf"
		printf 'admin:{PLAIN}secret:5000:5000::\nuser:{PLAIN}secret:5000:5000::\n' >"$d/accounts/users"
		chown root:dovecot "$d/accounts" "$d/accounts/users"
		chmod 0640 "$d/accounts/users"
		rm -f "$d/users"
		mkdir -p "$d/vmail/user/new" "$d/vmail/user/cur" "$d/vmail/user/tmp"
		chown -R 5000:5000 "$d/vmail"
		cat >"$d/replicate.conf" <<EOC
root mail $d/vmail
root accounts $d/accounts
listen 0.0.0.0 7795
peer $peer 7795
keyfile $NT_TMP/replkey
role replica
statedir $d/repl
control $d/repl/ctl
EOC
		hb_conf node$n "keepalive 100ms
deadtime 500ms
warntime 300ms
initdead 3
ucast eth0 $peer
node node1 node2
auto_failback $fb
logfile $d/ha-log" "node1 IPaddr::$ML_VIP/24/eth0 replicate::$d/replicate.conf postfix::$d/postfix dovecot::$d/dovecot.conf MailTo::admin@example.org"
	done
	export HBD_RESOURCEDIR=$HB_TOP/resources REPLICATE_BIN=$HB_BUILD/replicate/replicate
}

# ml_start N: the node "boots": replicate daemon (replica), then hbd
ml_start() {
	local d=$NT_TMP/node$1
	nt_bg node$1 "$d/replicate.out" "$REPLICATE_BIN" -c "$d/replicate.conf"
	nt_wait 5 test -S "$d/repl/ctl" || nt_fail "replicate on node$1 did not start"
	nt_bg node$1 "$d/mda.out" "$HB_BUILD/replicate/replicate-mda" -f \
		-l 127.0.0.1:10025 -b "$d/vmail" -D example.org -S "$d/repl/ctl"
	HB_AGENT_RUNDIR=$d/run OCF_RESKEY_sendmail_args="-C $d/postfix" hb_start node$1
}

# ml_crash N: the whole node dies at once (every process, its addresses)
ml_crash() {
	local p
	local pids
	pids=$(ip netns pids "$(nt_ns node$1)")
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	# reap those that are our own jobs, without bash's "Killed" notice
	for p in $pids; do { wait "$p"; } 2>/dev/null; done
	nt_exec node$1 ip -4 addr flush dev eth0 label 'eth0:*' 2>/dev/null
	nt_exec node$1 ip addr del $ML_VIP/24 dev eth0 2>/dev/null
	rm -rf "$NT_TMP/node$1/repl/ctl" "$NT_TMP/node$1/run"/* "$NT_TMP/node$1/spool/pid/"*.pid
	sleep 0.2
}

# ml_banner: which node's postfix answers SMTP on the VIP
ml_banner() { rm_smtp_banner client $ML_VIP 2>/dev/null | awk '{print $2}'; }

ml_send() {	# FIRST COUNT [RATE] -> appends to $NT_TMP/sent
	nt_exec client $ML_CLIENT send $ML_VIP "$@" >>"$NT_TMP/sent"
}

ml_subjects() { nt_exec client $ML_CLIENT subjects $ML_VIP user 2>/dev/null; }

# ml_check_all WHAT: every acknowledged message readable once on the VIP
ml_check_all() {
	local what=$1 acked got dups missing
	acked=$(awk '$1 == "ok" {print "msg-" $2}' "$NT_TMP/sent" | sort)
	ml_subjects | sort >"$NT_TMP/got"
	dups=$(uniq -d "$NT_TMP/got" | wc -l)
	missing=$(comm -23 <(echo "$acked") "$NT_TMP/got" | grep -c .)
	nt_log "$what: acknowledged $(echo "$acked" | grep -c .), found $(wc -l <"$NT_TMP/got"), missing $missing, duplicates $dups"
	[ "$missing" -eq 0 ] || nt_fail "$what: $missing acknowledged message(s) missing"
	[ "$dups" -eq 0 ] || nt_fail "$what: $dups duplicate(s)"
}

ml_sync() { "$REPLICATE_BIN" -S "$NT_TMP/node$1/repl/ctl" -w 20 sync >/dev/null; }

# ml_up: both nodes boot; the group runs on node1, node2 holds nothing
ml_up() {
	ml_start 1
	ml_start 2
	nt_wait 30 '[ "$(ml_banner)" = node1 ]' || { tail -20 "$NT_TMP/node1/ha-log"; nt_fail "mail service not up on node1"; }
	nt_wait 10 '[ "$(hb_cl node2 rscstatus)" = none ] && [ "$(hb_cl node1 rscstatus)" = local ]' || nt_fail "cluster not settled"
}

# ml_owner: the nodes that hold the VIP and are the replication source
# ("half-nodeN" for a node with only one of the two)
ml_owner() {
	local n v s own=
	for n in 1 2; do
		hb_holds node$n $ML_VIP && v=1 || v=0
		"$REPLICATE_BIN" -S "$NT_TMP/node$n/repl/ctl" -w 2 status 2>/dev/null |
			grep -q '^role=source' && s=1 || s=0
		[ "$v$s" = 11 ] && own="$own node$n"
		[ "$v$s" = 01 ] || [ "$v$s" = 10 ] && own="$own half-node$n"
	done
	echo $own
}

ml_stop_all() {	# stop the services the agents started (cleanup)
	local n
	for n in 1 2; do
		nt_exec node$n postfix -c "$NT_TMP/node$n/postfix" stop >/dev/null 2>&1
		nt_exec node$n doveadm -c "$NT_TMP/node$n/dovecot.conf" stop >/dev/null 2>&1
	done
}
