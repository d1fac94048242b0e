#!/bin/bash
# pcmk-mail: a 3-node Pacemaker + Corosync cluster (token 1000 ms) runs the
# configuration hb2pcmk converted from a Heartbeat ha.cf + haresources,
# loaded as XML with cibadmin --replace:
# the mail group (VIP, ocf:hbd:postfix, ocf:hbd:dovecot, ocf:hbd:MailTo)
# on node1 and a second group on node2, each node with its own real
# Postfix and Dovecot; the ping node became a cl_ping clone.  node1 is
# powered off (PID 1 of its namespaces killed, its VIP gone): the mail
# group comes up on another node and answers SMTP and IMAP on the VIP.
# node1 rejoins and, as auto_failback off became resource-stickiness, the
# group stays where it is.
NT_NAME=pcmk-mail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/resources-mail.inc"
source "$(dirname "$0")/pcmk-lib.sh"
rm_have_mail
pm_setup "1 2 3" 1000
VIP2=$PM_NET.51
for n in 1 2 3; do
	d=$NT_TMP/node$n
	rm_postfix_conf "$d" node$n $PM_NET.$n all
	rm_dovecot_conf "$d" "*"
done
mkdir -p "$NT_TMP/ha.d"
cat >"$NT_TMP/ha.d/ha.cf" <<EOF2
keepalive 200ms
deadtime 1
ucast eth0 $PM_NET.1
ucast eth0 $PM_NET.2
ucast eth0 $PM_NET.3
node node1 node2 node3
auto_failback off
ping $PM_NET.100
EOF2
cat >"$NT_TMP/ha.d/haresources" <<EOF2
node1 IPaddr::$PM_VIP/24/eth0 postfix::/run/hbdnode/postfix dovecot::/run/hbdnode/dovecot.conf MailTo::admin@example.org::pcmk-mail
node2 IPaddr::$VIP2/24/eth0
EOF2
# the XML form this time (pcmk-replicate loads the crm script)
"$HB_BUILD/tools/hb2pcmk" -x -c "$NT_TMP/ha.d" >"$NT_TMP/cluster.xml" || nt_fail "hb2pcmk failed"
# per-node mail submission for MailTo (the node's own Postfix instance)
sed -i 's|^\( *\)<nvpair id="MailTo_1-instance_attributes-email" .*|&\n\1<nvpair id="MailTo_1-sendmail_args" name="sendmail_args" value="-C /run/hbdnode/postfix"/>|' "$NT_TMP/cluster.xml"
grep -q 'name="sendmail_args"' "$NT_TMP/cluster.xml" || nt_fail "MailTo primitive not as expected"
crm_verify -x "$NT_TMP/cluster.xml" || nt_fail "crm_verify rejects the edited XML"

t0=$(nt_ms)
for n in 1 2 3; do pm_start $n; done
nt_wait 60 pm_online || { pm_logs; nt_fail "cluster not online in 60 s"; }
nt_log "3 nodes online after $(( $(nt_ms) - t0 )) ms"
# Pacemaker's own validation of the agents (crm_resource --validate runs
# validate-all): bad parameters give "not configured" with the reason
validate() {	# AGENT WANT-TEXT NAME=VALUE...
	local a=$1 want=$2 out rc opts=()
	shift 2
	for o in "$@"; do opts+=(--option "$o"); done
	out=$(pm_ex 1 crm_resource --validate --class ocf --provider hbd --agent "$a" "${opts[@]}" 2>&1); rc=$?
	[ $rc = 0 ] && nt_fail "crm_resource --validate accepted $a $*"
	echo "$out" | grep -qi "not configured\|invalid parameter\|not installed" || nt_fail "$a: no OCF error class in: $out"
	echo "$out" | grep -qF "$want" || nt_fail "$a: reason '$want' not in: $out"
	nt_log "validate $a $*: $(echo "$out" | grep -F "$want" | head -1)"
}
validate postfix "config directory 'postfix' is not an absolute path" config_dir=postfix
validate dovecot "no config file '/nonexistent.conf'" config_file=/nonexistent.conf
validate IPaddr "'10.1.2.300' is not an IPv4 address" ip=10.1.2.300
validate MailTo "bad email address 'a<b@example.org'" "email=a<b@example.org"
validate replicate "/nonexistent/replicate.conf: cannot open: No such file or directory" config=/nonexistent/replicate.conf binary=$HB_BUILD/replicate/replicate
pm_ex 1 crm_resource --validate --class ocf --provider hbd --agent postfix --option config_dir=/run/hbdnode/postfix >/dev/null 2>&1 ||
	nt_fail "crm_resource --validate refused node1's valid postfix"

pm_ex 1 cibadmin --replace --xml-file "$NT_TMP/cluster.xml" >"$NT_TMP/load.out" 2>&1 ||
	nt_fail "cibadmin --replace: $(cat "$NT_TMP/load.out")"
nt_wait 60 '[ "$(pm_where group_1)" = node1 ] && [ "$(pm_where group_2)" = node2 ] && [ "$(pm_where MailTo_1)" = node1 ]' ||
	{ pm_logs; nt_fail "groups not on node1/node2 (group_1 on '$(pm_where group_1)', group_2 on '$(pm_where group_2)')"; }
nt_log "converted config: group_1 (mail) on node1, group_2 on node2, after $(( $(nt_ms) - t0 )) ms"
for n in 1 2 3; do
	nt_wait 30 "pm_ex $(pm_live) crm_attribute -N node$n -n pingd -G -q -l reboot 2>/dev/null | grep -qx 1000" ||
		nt_fail "cl_ping: node$n has no pingd=1000"
done
[ "$(rm_smtp_banner client $PM_VIP | awk '{print $2}')" = node1 ] || nt_fail "SMTP on the VIP is not node1's Postfix"
rm_smtp_send client $PM_VIP user@example.org before-failover || nt_fail "SMTP to the VIP"
nt_wait 10 "rm_imap_subjects client $PM_VIP user | grep -q before-failover" || nt_fail "IMAP on the VIP"
nt_wait 10 "grep -rqs 'Subject: .*pcmk-mail' $NT_TMP/node1/vmail/admin/new" || nt_fail "MailTo sent nothing"

# power-off of node1
t1=$(nt_ms)
pm_kill 1
nt_log "node1 powered off"
nt_wait 60 'b=$(rm_smtp_banner client $PM_VIP 2>/dev/null | awk "{print \$2}"); [ "$b" = node2 ] || [ "$b" = node3 ]' ||
	{ pm_logs; nt_fail "no SMTP on the VIP 60 s after node1 died"; }
new=$(rm_smtp_banner client $PM_VIP | awk '{print $2}')
nt_log "SMTP on the VIP from $new $(( $(nt_ms) - t1 )) ms after node1's death"
[ "$(pm_where group_1)" = "$new" ] || nt_fail "group_1 is on '$(pm_where group_1)', SMTP answers from $new"
[ "$(pm_where group_2)" = node2 ] || nt_fail "group_2 moved from node2"
rm_smtp_send client $PM_VIP user@example.org after-failover || nt_fail "SMTP after failover"
nt_wait 10 "rm_imap_subjects client $PM_VIP user | grep -q after-failover" || nt_fail "IMAP after failover"

# node1 comes back: stickiness keeps the group where it is
pm_start 1
nt_wait 60 pm_online || { pm_logs; nt_fail "node1 did not rejoin"; }
sleep 3
[ "$(pm_where group_1)" = "$new" ] || nt_fail "group_1 moved back to '$(pm_where group_1)' (auto_failback off)"
nt_log "node1 rejoined; group_1 stays on $new"
nt_pass
