#!/bin/bash
# resources-hbd-mail: the agents driven by hbd's resource manager.
# haresources: node1 IPaddr::VIP/24/eth0 route-switch::GW2::eth1
#              postfix::<dir> dovecot::<conf> lsbsvc
# (lsbsvc: a user's plain LSB init script in resource.d).  node1 serves
# SMTP and IMAP on the VIP; node1 dies (hbd killed -9, link cut); node2
# brings the whole group up: the client's ARP entry moves, SMTP on the
# VIP greets as node2, a message sent there is read back over IMAP on the
# VIP, node2's default route goes via the backup gateway, lsbsvc runs.
NT_NAME=resources-hbd-mail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
rm_have_mail
[ -x "$HBD" ] || { echo "SKIP: hbd not built"; exit 77; }
R=$HB_TOP/resources
VIP=10.9.8.100
nt_init
nt_node client 10.9.8.50/24
for n in 1 2; do
	nt_node node$n 10.9.8.$n/24 eth0
	nt_node node$n 10.9.9.$n/24 eth1
	nt_exec node$n ip route add default via 10.9.8.254 dev eth0 onlink
	# eth0 and eth1 share the test bridge: answer ARP only on the
	# interface that holds the address
	nt_exec node$n sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	D=$NT_TMP/node$n
	hb_conf node$n "keepalive 100ms
deadtime 500ms
initdead 3
ucast eth0 10.9.8.$((3 - n))
node node1 node2
auto_failback off
logfile $D/ha-log" "node1 IPaddr::$VIP/24/eth0 route-switch::10.9.9.254::eth1 postfix::$D/postfix dovecot::$D/dovecot.conf lsbsvc"
	rm_postfix_conf "$D" node$n 10.9.8.$n all
	rm_dovecot_conf "$D" "*"
	# a user's own LSB init script
	cat >"$D/resource.d/lsbsvc" <<EOF2
#!/bin/sh
PIDF=$D/lsbsvc.pid
case "\$1" in
start)	[ -f \$PIDF ] && kill -0 \$(cat \$PIDF) 2>/dev/null && exit 0
	setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo \$! >\$PIDF; exit 0 ;;
stop)	[ -f \$PIDF ] && kill \$(cat \$PIDF) 2>/dev/null; rm -f \$PIDF; exit 0 ;;
status)	if [ -f \$PIDF ] && kill -0 \$(cat \$PIDF) 2>/dev/null; then echo "lsbsvc is running"; exit 0; fi
	echo "lsbsvc is not running"; exit 3 ;;
esac
exit 2
EOF2
	chmod +x "$D/resource.d/lsbsvc"
done
export HBD_RESOURCEDIR=$R
trap 'for n in 1 2; do nt_exec node$n "$R/postfix" "$NT_TMP/node$n/postfix" stop; nt_exec node$n "$R/dovecot" "$NT_TMP/node$n/dovecot.conf" stop; done >/dev/null 2>&1; nt_cleanup' EXIT
hb_start node1
hb_start node2
banner() { rm_smtp_banner client $VIP 2>/dev/null | grep -q "^220 $1 ESMTP"; }
nt_wait 20 banner node1 || nt_fail "no SMTP from node1 on the VIP: $(tail -5 $NT_TMP/node1/ha-log)"
hb_holds node2 $VIP && nt_fail "node2 holds the VIP too"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node1)" ] || nt_fail "client MAC is not node1's"
nt_wait 5 test -f "$NT_TMP/node1/lsbsvc.pid" || nt_fail "lsbsvc not started on node1"
nt_exec node1 ip -4 route show default | grep -q "via 10.9.9.254 dev eth1" || nt_fail "route-switch not active on node1"
[ "$(hb_cl node1 rscstatus)" = local ] || nt_fail "node1 rscstatus $(hb_cl node1 rscstatus)"
rm_smtp_send client $VIP user@example.org before-failover || nt_fail "SMTP send to node1"
nt_wait 10 bash -c "ls $NT_TMP/node1/vmail/user/new/* >/dev/null 2>&1" || nt_fail "not delivered on node1"
[ "$(rm_imap_subjects client $VIP user)" = "Subject: before-failover" ] || nt_fail "IMAP on node1"

t0=$(nt_ms)
kill -9 "${HB_PID[node1]}"
nt_link node1 down
nt_wait 20 banner node2 || nt_fail "node2 did not serve SMTP on the VIP: $(tail -20 $NT_TMP/node2/ha-log)"
nt_log "SMTP on the VIP from node2 $(( $(nt_ms) - t0 )) ms after node1 died"
[ "$(hb_client_mac $VIP)" = "$(hb_mac node2)" ] || nt_fail "client ARP entry did not move"
rm_smtp_send client $VIP user@example.org after-failover || nt_fail "SMTP send to node2"
nt_wait 10 bash -c "ls $NT_TMP/node2/vmail/user/new/* >/dev/null 2>&1" || nt_fail "not delivered on node2"
[ "$(rm_imap_subjects client $VIP user)" = "Subject: after-failover" ] || nt_fail "IMAP on node2"
nt_wait 5 test -f "$NT_TMP/node2/lsbsvc.pid" || nt_fail "lsbsvc not started on node2"
nt_exec node2 ip -4 route show default | grep -q "via 10.9.9.254 dev eth1" || nt_fail "route-switch not active on node2"
[ "$(hb_cl node2 rscstatus)" = foreign ] || nt_fail "node2 rscstatus $(hb_cl node2 rscstatus)"

# graceful stop of node2's hbd releases the group right to left
kill -TERM "${HB_PID[node2]}"
nt_wait 20 bash -c "! kill -0 ${HB_PID[node2]} 2>/dev/null" || nt_fail "hbd on node2 did not stop"
st=$(nt_exec node2 "$R/postfix" "$NT_TMP/node2/postfix" status)
[ "$st" = stopped ] || nt_fail "postfix still $st on node2 after release"
st=$(nt_exec node2 "$R/dovecot" "$NT_TMP/node2/dovecot.conf" status)
[ "$st" = stopped ] || nt_fail "dovecot still $st on node2 after release"
hb_holds node2 $VIP && nt_fail "VIP still on node2 after release"
[ -f "$NT_TMP/node2/lsbsvc.pid" ] && nt_fail "lsbsvc still running on node2 after release"
nt_exec node2 ip -4 route show default | grep -q "via 10.9.8.254 dev eth0" || nt_fail "default route not restored on node2"
nt_pass "group IPaddr route-switch postfix dovecot lsbsvc moved node1 -> node2 under hbd and released"
