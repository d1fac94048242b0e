# mail-lib.sh - a two-node mail cluster for end-to-end tests and the demo
# (source after lib.sh, hbd-lib.sh and resources-mail.inc).
#
# node1 and node2 (10.70.0.1/.2) each run hbd, the replicate daemon,
# replicate-mda, and their own Postfix and Dovecot (LMTP with Sieve and
# quota; config, queue, state under $NT_TMP/nodeN); a client namespace
# (10.70.0.100) talks to the VIP, and ml_mx_node adds a remote MX
# (10.70.0.200, domain remote.test).  Replicated roots: mail = nodeN/vmail
# (Maildirs, uid 5000), accounts = nodeN/accounts (dovecot passwd-file,
# Postfix hash maps vmailbox and valias; homes come from mail_home in each
# node's dovecot.conf) and queue = nodeN/spool (Postfix's queue, long queue
# IDs).  The mail path (doc/mail.md):
#   client -> smtpd (25, or 587 with SASL) -> replicate-mda (before-queue
#   proxy) -> Dovecot LMTP (local) | reinjection smtpd :10026 -> queue
#   (other domains, aliases) -> replication barrier -> 250
# ML_SYNC=0: plain Postfix (queue, then LMTP), asynchronous replication;
# ML_DELIVERY=maildir: replicate-mda's own Maildir delivery instead of
# LMTP; ML_MDA: the replicate-mda binary (default: the build's);
# ML_MDA_START: a function "F N OPTIONS" that starts node N's replicate-mda
# with OPTIONS (package-deb: as the installed unit does).
# The haresources line:
#   node1 IPaddr::VIP/24/eth0 replicate::CONF dovecot::CONF postfix::DIR MailTo::admin@example.org
# (Dovecot before Postfix: LMTP is there when SMTP opens)
ML_VIP=10.70.0.50
ML_MX=10.70.0.200
ML_CLIENT="python3 $HB_TOP/tests/integration/mailclient.py"

# ml_accounts NODEDIR: the accounts every node starts with (passwd-file +
# maps; "full" has a quota of ${ML_FULL_QUOTA:-3} messages, "small" 20 KB)
ml_accounts() {
	local a=$1/accounts
	printf 'admin:{PLAIN}secret:5000:5000::\nuser:{PLAIN}secret:5000:5000::\n' >"$a/users"
	printf 'full:{PLAIN}secret:5000:5000::::userdb_quota_rule=*:messages=%s\n' \
		"${ML_FULL_QUOTA:-3}" >>"$a/users"
	printf 'small:{PLAIN}secret:5000:5000::::userdb_quota_rule=*:storage=20K\n' >>"$a/users"
	chown root:dovecot "$a" "$a/users"
	chmod 0640 "$a/users"
	printf '%s@example.org %s/\n' admin admin user user full full small small >"$a/vmailbox"
	printf 'postmaster@example.org admin@example.org\nalias@example.org user@example.org\n' >"$a/valias"
	postmap -c "$1/postfix" "$a/vmailbox" "$a/valias"
}

# ml_add_user NAME [N [nomaildir]]: on node N (1) a passwd-file line, a
# Maildir and a vmailbox map entry (postmap), as an administrator adds an
# account; "nomaildir": no Maildir, as doc/mail-cluster.md does it
# (Dovecot creates it at the first delivery)
ml_add_user() {
	local d=$NT_TMP/node${2:-1} u=$1
	printf '%s:{PLAIN}secret:5000:5000::\n' "$u" >>"$d/accounts/users"
	if [ "${3:-}" != nomaildir ]; then
		mkdir -p "$d/vmail/$u/new" "$d/vmail/$u/cur" "$d/vmail/$u/tmp"
		chown -R 5000:5000 "$d/vmail/$u"
	fi
	printf '%s@example.org %s/\n' "$u" "$u" >>"$d/accounts/vmailbox"
	postmap -c "$d/postfix" "$d/accounts/vmailbox"
}

ml_setup() {
	local fb=${1:-on} n d peer u
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
		rm_dovecot_conf "$d" 10.70.0.$n
		ml_postfix_conf "$d"
		ml_dovecot_conf "$d"
		ml_accounts "$d"
		# the queue skeleton (owners, modes) exists on both nodes, as
		# the package creates it: replicated queue files take the owner
		# of the directory they land in
		postfix -c "$d/postfix" check || nt_fail "postfix check on node$n"
		rm -f "$d/users"
		for u in user full; do
			mkdir -p "$d/vmail/$u/new" "$d/vmail/$u/cur" "$d/vmail/$u/tmp"
		done
		chown -R 5000:5000 "$d/vmail"
		cat >"$d/replicate.conf" <<EOC
root mail $d/vmail
root accounts $d/accounts
root queue $d/spool
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
logfile $d/ha-log" "node1 IPaddr::$ML_VIP/24/eth0 replicate::$d/replicate.conf dovecot::$d/dovecot.conf postfix::$d/postfix MailTo::admin@example.org"
	done
	export HBD_RESOURCEDIR=$HB_TOP/resources REPLICATE_BIN=$HB_BUILD/replicate/replicate
}

# ml_postfix_conf DIR: the cluster's Postfix on top of rm_postfix_conf
ml_postfix_conf() {
	local d=$1
	postconf -c "$d/postfix" -e "inet_interfaces = all" \
		"mynetworks = 127.0.0.0/8, 10.70.0.0/24" \
		"enable_long_queue_ids = yes" \
		"virtual_mailbox_maps = hash:$d/accounts/vmailbox" \
		"virtual_alias_maps = hash:$d/accounts/valias" \
		"virtual_transport = lmtp:unix:$d/dovecot-run/lmtp" \
		"transport_maps = inline:{ remote.test=smtp:[$ML_MX]:25 }" \
		"smtp_connect_timeout = 2s" \
		"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
		"smtpd_timeout = ${ML_SMTPD_TIMEOUT:-300s}" \
		"message_size_limit = ${ML_SIZE_LIMIT:-10240000}" \
		"minimal_backoff_time = ${ML_BACKOFF:-300s}" \
		"maximal_backoff_time = ${ML_BACKOFF_MAX:-4000s}" \
		"queue_run_delay = ${ML_BACKOFF:-300s}" \
		"recipient_delimiter = +" \
		"default_process_limit = 200"
	# synchronous acknowledgement: smtpd hands each message to
	# replicate-mda, which answers 250 only once it is on both nodes
	[ "${ML_SYNC:-1}" = 1 ] && postconf -c "$d/postfix" -e \
		"smtpd_proxy_filter = 127.0.0.1:10025" "smtpd_proxy_timeout = 60s"
	cat >>"$d/postfix/master.cf" <<EOMC
# replicate-mda hands mail for other domains (and aliases) to this smtpd:
# its 250 means the queue file is complete
127.0.0.1:10026 inet n - n - - smtpd
  -o syslog_name=postfix/reinject
  -o smtpd_proxy_filter=
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_data_restrictions=
  -o mynetworks=127.0.0.0/8
  -o smtpd_sasl_auth_enable=no
# submission: SASL through Dovecot; the same protected path
submission inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$d/dovecot-run/auth-postfix
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
EOMC
}

# ml_dovecot_conf DIR: LMTP with Sieve and quota, accounts in the
# replicated accounts root, SASL for Postfix's submission service
ml_dovecot_conf() {
	local d=$1
	sed -i -e "s|^listen = .*|listen = *|" \
	       -e "s|^protocols = .*|protocols = imap pop3 lmtp|" \
	       -e "s|args = $d/users|args = $d/accounts/users|" \
	       -e "s|^mail_location = .*|mail_location = maildir:~:INDEX=$d/dovecot-index/%n|" \
	       "$d/dovecot.conf"
	# Dovecot's index and cache stay on each node (the dovecot agent sets
	# dovecot-index aside at each start; Dovecot rebuilds it from the
	# Maildir and dovecot-uidlist, which are replicated, at the first
	# access after a takeover): replicating them would send a few
	# hundred KB per delivery
	mkdir -p "$d/dovecot-index"
	chown 5000:5000 "$d/dovecot-index"
	cat >>"$d/dovecot.conf" <<EODC
mail_home = $d/vmail/%n
mail_plugins = quota
lmtp_rcpt_check_quota = yes
postmaster_address = postmaster@example.org
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
  auth_username_format = %Ln
}
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1G
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EODC
}

# ml_start N: the node "boots": replicate daemon (replica), replicate-mda,
# then hbd (ml_start_repl, ml_start_mda, ml_start_hbd).  The first start
# logs to nodeN/replicate.out and mda.out, each restart to a new file
# (replicate.out.MS, ...), so a restarted daemon's log does not replace its
# predecessor's.
ml_outfile() { if [ -e "$1" ]; then echo "$1.$(nt_ms)"; else echo "$1"; fi; }
ml_start() {
	ml_start_repl "$1"
	ml_start_mda "$1"
	ml_start_hbd "$1"
}
ml_start_repl() {
	local d=$NT_TMP/node$1
	nt_bg node$1 "$(ml_outfile "$d/replicate.out")" "$REPLICATE_BIN" -c "$d/replicate.conf"
	nt_wait 5 test -S "$d/repl/ctl" || nt_fail "replicate on node$1 did not start"
}
ml_start_mda() {
	local d=$NT_TMP/node$1 deliver opts
	deliver="-L $d/dovecot-run/lmtp"
	[ "${ML_DELIVERY:-lmtp}" = maildir ] && deliver="-b $d/vmail"
	opts="-l 127.0.0.1:10025 $deliver -R 127.0.0.1:10026 -D example.org -S $d/repl/ctl -w ${ML_MDA_WAIT:-10}"
	if [ -n "${ML_MDA_START:-}" ]; then
		"$ML_MDA_START" "$1" "$opts"
	else
		# shellcheck disable=SC2086
		nt_bg node$1 "$(ml_outfile "$d/mda.out")" "${ML_MDA:-$HB_BUILD/replicate/replicate-mda}" -f $opts
	fi
}
ml_start_hbd() {
	local d=$NT_TMP/node$1
	HB_AGENT_RUNDIR=$d/run OCF_RESKEY_sendmail_args="-C $d/postfix" hb_start node$1
}

# ml_mx_node: a third machine, the remote MX for remote.test (not started;
# $NT_TMP/mx-got empty)
ml_mx_node() { nt_node mx $ML_MX/24; : >"$NT_TMP/mx-got"; }

# ml_mx_start: the MX accepts mail; each message's Subject is appended to
# $NT_TMP/mx-got (fsynced before its 250)
ml_mx_start() {
	nt_bg mx "$NT_TMP/mx.out" $ML_CLIENT sink 0.0.0.0 25 "$NT_TMP/mx-got"
	ML_MX_PID=$NT_LASTPID
	nt_wait 5 "grep -q listening $NT_TMP/mx.out" || nt_fail "MX sink did not start"
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

ml_subjects() { nt_exec client $ML_CLIENT subjects $ML_VIP "${1:-user}" 2>/dev/null; }

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

# ml_boot: both nodes boot; node1 answers SMTP on the VIP
ml_boot() {
	ml_start 1
	ml_start 2
	nt_wait 30 '[ "$(ml_banner)" = node1 ]' || { tail -20 "$NT_TMP/node1/ha-log"; nt_fail "mail service not up on node1"; }
}

# ml_up: ml_boot, and the group runs on node1, node2 holds nothing
ml_up() {
	ml_boot
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

# ml_begin [lmtp]: how a mail test starts: skip without the mail packages
# (rm_have_mail; with "lmtp" also without Dovecot's LMTP and Sieve), and
# stop the mail services and clean up on exit
ml_begin() {
	rm_have_mail
	[ "${1:-}" != lmtp ] || ml_have_lmtp
	trap 'ml_stop_all; nt_cleanup' EXIT
}

# ml_have_lmtp: skip unless Dovecot's LMTP server and Sieve plugin exist
ml_have_lmtp() {
	[ -x /usr/lib/dovecot/lmtp ] &&
		[ -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so ] ||
		{ echo "SKIP: needs dovecot-lmtpd and dovecot-sieve"; exit 77; }
}
