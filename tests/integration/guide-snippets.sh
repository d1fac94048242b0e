#!/bin/bash
# guide-snippets: every configuration block of doc/mail-cluster.md marked
# <!-- file: NAME [node: N] --> is extracted and checked with the tool that
# reads it: hbd -t (ha.cf, authkeys, haresources, as mail1 and mail2),
# replicate -t (both replicate.conf), postconf -n with no warning (main.cf;
# every value read back), postconf -M/-P with no warning (Debian's
# master.cf plus the guide's reinjection and submission services), doveconf
# -n (dovecot.conf: LMTP, quota, Sieve, the sockets in Postfix's private/),
# nft -c (firewall), and replicate-mda's options against main.cf, master.cf,
# dovecot.conf and replicate.conf (the LMTP path as doc/mail.md has it).
# Paths of /etc/ha.d, /var/vmail, /etc/dovecot/accounts, /var/spool/postfix
# and the certificate are mapped into a temp dir.
NT_NAME=guide-snippets
. "$(dirname "$0")/lib.sh"
GUIDE=$HB_TOP/doc/mail-cluster.md
[ -x "$HB_BUILD/hbd/hbd" ] && [ -x "$HB_BUILD/replicate/replicate" ] || { echo "SKIP: not built"; exit 77; }
S=$NT_TMP/snip
mkdir -p "$S"
awk -v dir="$S" '
	/^<!-- file: / { name = $3; if ($4 == "node:") name = name "." $5; want = 1; next }
	want && /^```/ { want = 0; out = dir "/" name; inblock = 1; printf "" >out; next }
	inblock && /^```/ { inblock = 0; close(out); n++; next }
	inblock { print >>out }
	END { print n }' "$GUIDE" >"$NT_TMP/count"
nt_log "$(cat "$NT_TMP/count") snippets: $(ls "$S" | tr '\n' ' ')"
for f in ha.cf authkeys haresources replicate.conf.mail1 replicate.conf.mail2 \
	main.cf.mail1 master.cf replicate-mda dovecot.conf firewall.nft; do
	[ -s "$S/$f" ] || nt_fail "snippet $f not found in doc/mail-cluster.md"
done
map() {	# the guide's absolute paths, moved into $NT_TMP
	sed -e "s|/etc/ha.d/|$NT_TMP/ha.d/|g" -e "s|/var/vmail|$NT_TMP/vmail|g" \
	    -e "s|/etc/dovecot/accounts|$NT_TMP/accounts|g" \
	    -e "s|/var/spool/postfix|$NT_TMP/spool|g" \
	    -e "s|/etc/dovecot/private/|$NT_TMP/private/|g" "$@"
}
mkdir -p "$NT_TMP/ha.d" "$NT_TMP/vmail" "$NT_TMP/accounts" "$NT_TMP/private" "$NT_TMP/spool"

# hbd: the three files, as each node
for f in ha.cf authkeys haresources; do map "$S/$f" >"$NT_TMP/ha.d/$f"; done
chmod 600 "$NT_TMP/ha.d/authkeys"
for n in mail1 mail2; do
	HBD_RESOURCEDIR=$HB_TOP/resources "$HB_BUILD/hbd/hbd" -c "$NT_TMP/ha.d" -n $n -t \
		>"$NT_TMP/hbd-t.$n" 2>&1 || { cat "$NT_TMP/hbd-t.$n"; nt_fail "hbd -t rejects the guide's /etc/ha.d as $n"; }
	grep -E "WARN|ERROR" "$NT_TMP/hbd-t.$n" && nt_fail "hbd -t warns about the guide's /etc/ha.d as $n"
done
nt_log "hbd -t: $(cat "$NT_TMP/hbd-t.mail1")"

# replicate: both nodes' files, with the key made as the guide says
head -c 48 /dev/urandom | base64 >"$NT_TMP/ha.d/replicate.key"
chmod 600 "$NT_TMP/ha.d/replicate.key"
for n in mail1 mail2; do
	map "$S/replicate.conf.$n" >"$NT_TMP/ha.d/replicate.conf"
	"$HB_BUILD/replicate/replicate" -t -c "$NT_TMP/ha.d/replicate.conf" >"$NT_TMP/rt" 2>&1 ||
		{ cat "$NT_TMP/rt"; nt_fail "replicate -t rejects the guide's replicate.conf for $n"; }
done
grep -q "replicate::/etc/ha.d/replicate.conf" "$S/haresources" || nt_fail "haresources does not name /etc/ha.d/replicate.conf"
# the order doc/mail.md asks for: the address, the replication role, then
# Dovecot before Postfix (LMTP answers when SMTP opens)
order=$(grep -v '^#' "$S/haresources" | tr -s ' \t' '\n' | sed 's/::.*//' | grep -xE 'IPaddr|replicate|dovecot|postfix' | tr '\n' ' ')
[ "$order" = "IPaddr replicate dovecot postfix " ] || nt_fail "haresources order '$order', not 'IPaddr replicate dovecot postfix'"
for n in mail1 mail2; do
	for r in "mail /var/vmail" "accounts /etc/dovecot/accounts" "queue /var/spool/postfix"; do
		grep -qx "root $r" "$S/replicate.conf.$n" || nt_fail "replicate.conf for $n has no 'root $r'"
	done
done

# Dovecot's indexes: on each node (INDEX= outside the replicated roots),
# in a directory of their own made by the install step (the dovecot agent
# sets it aside at every start and refuses one holding anything else)
idx=$(sed -n 's/^mail_location = .*:INDEX=\([^:]*\).*/\1/p' "$S/dovecot.conf")
iroot=${idx%%/%*}
[ -n "$idx" ] && [ "$iroot" != "$idx" ] && [ "${iroot#/}" != "$iroot" ] ||
	nt_fail "dovecot.conf: mail_location has no INDEX=/DIR/%n (the indexes' own directory): '$idx'"
grep -q "^install -d -o vmail -g vmail $iroot\$" "$GUIDE" || nt_fail "the guide does not make the index directory $iroot"
while read -r _ _ rp; do
	case $iroot/ in "$rp"/*) nt_fail "index directory $iroot is inside the replicated root $rp" ;; esac
done < <(grep '^root ' "$S/replicate.conf.mail1")

# Postfix: main.cf parses without warnings, each value reads back
P=$NT_TMP/postfix
mkdir -p "$P"
cp "$S/main.cf.mail1" "$P/main.cf"
cp /etc/postfix/master.cf "$P/master.cf"
postconf -c "$P" -n >"$NT_TMP/pc.out" 2>"$NT_TMP/pc.err" || { cat "$NT_TMP/pc.err"; nt_fail "postconf -n failed"; }
[ -s "$NT_TMP/pc.err" ] && { cat "$NT_TMP/pc.err"; nt_fail "postconf warns about the guide's main.cf"; }
grep -v '^#' "$S/main.cf.mail1" | grep . | while IFS= read -r line; do
	grep -qxF "$line" "$NT_TMP/pc.out" || { echo "$line"; exit 1; }
done || nt_fail "a main.cf line of the guide does not read back from postconf -n"
pc() { postconf -c "$P" -h "$1"; }
# master.cf: the guide's services appended to Debian's file, which keeps
# its smtp service; postconf reads every service and -o without a warning
cat "$S/master.cf" >>"$P/master.cf"
postconf -c "$P" -M >"$NT_TMP/pm.out" 2>"$NT_TMP/pm.err" && postconf -c "$P" -P >>"$NT_TMP/pm.out" 2>>"$NT_TMP/pm.err" ||
	{ cat "$NT_TMP/pm.err"; nt_fail "postconf -M/-P rejects the guide's master.cf"; }
[ -s "$NT_TMP/pm.err" ] && { cat "$NT_TMP/pm.err"; nt_fail "postconf warns about the guide's master.cf"; }
postconf -c "$P" -M smtp/inet | head -1 | grep -qE '^[^ ]+ +inet .* smtpd( |$)' || nt_fail "master.cf: Debian's smtp service is gone"
mp() { postconf -c "$P" -Ph "$1" 2>/dev/null; }
postconf -c "$P" -M submission/inet | head -1 | grep -qE '^[^ ]+ +inet .* smtpd( |$)' || nt_fail "master.cf: no submission service"
[ "$(mp submission/inet/smtpd_sasl_auth_enable)" = yes ] && [ "$(mp submission/inet/smtpd_sasl_type)" = dovecot ] ||
	nt_fail "master.cf: submission does not authenticate through Dovecot"

# replicate-mda's options agree with main.cf, master.cf, dovecot.conf and
# replicate.conf (mail1); -s and -f take no argument
MDA_OPTIONS=
. "$S/replicate-mda"
read -r -a o <<<"$MDA_OPTIONS"
declare -A opt
for ((i = 0; i < ${#o[@]}; i++)); do
	case ${o[i]} in
	-s|-f) opt[${o[i]}]=1 ;;	# replicate-mda(8), OPTIONS
	-[lLbRDSwtm]) [ $((i + 1)) -lt ${#o[@]} ] || nt_fail "replicate-mda ${o[i]} without its argument"
		opt[${o[i]}]=${o[i+1]}; i=$((i + 1)) ;;
	*) nt_fail "replicate-mda: '${o[i]}' is not an option of replicate-mda(8)" ;;
	esac
done
[ -z "${opt[-b]-}" ] || nt_fail "replicate-mda -b: the guide's path is LMTP (-L)"
# smtpd waits for replicate-mda longer than replicate-mda waits for the
# barrier (-w, default 10 s): the client gets the 451, not a timeout
pt=$(pc smtpd_proxy_timeout)
[[ $pt =~ ^([0-9]+)s?$ ]] && [ "${BASH_REMATCH[1]}" -gt "${opt[-w]-10}" ] ||
	nt_fail "main.cf smtpd_proxy_timeout '$pt' is not seconds above replicate-mda's -w ${opt[-w]-10}"
[ "${opt[-l]}" = "$(pc smtpd_proxy_filter)" ] || nt_fail "replicate-mda -l ${opt[-l]} is not main.cf's smtpd_proxy_filter"
grep -qx "control ${opt[-S]}" "$S/replicate.conf.mail1" || nt_fail "replicate-mda -S is not replicate.conf's control socket"
[ "${opt[-D]}" = "$(pc virtual_mailbox_domains)" ] || nt_fail "replicate-mda -D is not virtual_mailbox_domains"
# -L: Dovecot's LMTP listener, the socket virtual_transport names (relative
# to the queue directory), inside the replicated queue root
qd=$(pc queue_directory)
vt=$(pc virtual_transport)
[ "${vt#lmtp:unix:}" != "$vt" ] && [ "${opt[-L]}" = "$qd/${vt#lmtp:unix:}" ] ||
	nt_fail "replicate-mda -L ${opt[-L]} is not main.cf's virtual_transport $vt (queue_directory $qd)"
grep -qx "root queue $qd" "$S/replicate.conf.mail1" || nt_fail "replicate.conf does not replicate queue_directory $qd"
# queue file names must not depend on the inode (doc/mail.md, the queue on
# both nodes)
[ "$(pc enable_long_queue_ids)" = yes ] || nt_fail "main.cf: a replicated queue needs enable_long_queue_ids = yes"
# -R: the reinjection smtpd of master.cf, without the proxy filter, local only
postconf -c "$P" -M "${opt[-R]}/inet" | head -1 | grep -qE '^[^ ]+ +inet .* smtpd( |$)' || nt_fail "replicate-mda -R ${opt[-R]}: no such smtpd in master.cf"
case ${opt[-R]} in 127.*) ;; *) nt_fail "replicate-mda -R ${opt[-R]} is not on the loopback" ;; esac
[ -z "$(mp "${opt[-R]}/inet/smtpd_proxy_filter")" ] && postconf -c "$P" -Px "${opt[-R]}/inet/smtpd_proxy_filter" 2>/dev/null | grep -q . ||
	nt_fail "the reinjection smtpd ${opt[-R]} does not clear smtpd_proxy_filter (a loop)"
[ "$(mp "${opt[-R]}/inet/mynetworks")" = 127.0.0.0/8 ] && [ "$(mp "${opt[-R]}/inet/smtpd_relay_restrictions")" = permit_mynetworks,reject ] ||
	nt_fail "the reinjection smtpd ${opt[-R]} is not restricted to this host"

# Dovecot: doveconf -n parses it (a throwaway certificate at the mapped path)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mail.example.org \
	-keyout "$NT_TMP/private/dovecot.key" -out "$NT_TMP/private/dovecot.pem" >/dev/null 2>&1 ||
	nt_fail "openssl could not make a test certificate"
map "$S/dovecot.conf" >"$NT_TMP/dovecot.conf"
doveconf -n -c "$NT_TMP/dovecot.conf" >"$NT_TMP/dc.out" 2>&1 || { cat "$NT_TMP/dc.out"; nt_fail "doveconf -n rejects the guide's dovecot.conf"; }
grep -qx "mail_home = $NT_TMP/vmail/%n" "$NT_TMP/dc.out" || nt_fail "doveconf does not show the guide's mail_home"
dc() { doveconf -c "$NT_TMP/dovecot.conf" -h "$1" 2>/dev/null; }
[ "$(dc protocols)" = "imap pop3 lmtp" ] || nt_fail "dovecot protocols '$(dc protocols)', not 'imap pop3 lmtp'"
[ "$(dc mail_location)" = "maildir:~:INDEX=/var/lib/dovecot/index/%n" ] || nt_fail "dovecot mail_location '$(dc mail_location)'"
[ "$(dc mail_plugins)" = quota ] && [ "$(dc lmtp_rcpt_check_quota)" = yes ] || nt_fail "dovecot: no quota plugin or no lmtp_rcpt_check_quota"
# the lmtp protocol block: Sieve on top of quota, user names without domain
doveconf -c "$NT_TMP/dovecot.conf" -f protocol=lmtp -h mail_plugins 2>/dev/null | grep -qx 'quota sieve' ||
	nt_fail "dovecot: protocol lmtp does not add sieve to mail_plugins"
[ "$(doveconf -c "$NT_TMP/dovecot.conf" -f protocol=lmtp -h auth_username_format 2>/dev/null)" = %Ln ] ||
	nt_fail "dovecot: protocol lmtp has no auth_username_format = %Ln"
grep -qx "  quota = maildir:User quota" "$NT_TMP/dc.out" && grep -qx "  sieve = file:~/sieve;active=~/.dovecot.sieve" "$NT_TMP/dc.out" ||
	nt_fail "dovecot: plugin quota/sieve settings missing"
# the sockets Postfix and replicate-mda use: LMTP (-L) and auth (submission's
# smtpd_sasl_path, relative to the queue directory), owned by postfix
awk '/^service lmtp/,/^}/' "$NT_TMP/dc.out" >"$NT_TMP/dc.lmtp"
grep -q "unix_listener $NT_TMP/spool/${vt#lmtp:unix:} {" "$NT_TMP/dc.lmtp" && grep -q "user = postfix" "$NT_TMP/dc.lmtp" ||
	nt_fail "dovecot: no LMTP unix_listener at ${opt[-L]} for postfix"
sp=$(mp submission/inet/smtpd_sasl_path)
awk '/^service auth /,/^}/' "$NT_TMP/dc.out" >"$NT_TMP/dc.auth"
grep -q "unix_listener $NT_TMP/spool/$sp {" "$NT_TMP/dc.auth" && grep -q "user = postfix" "$NT_TMP/dc.auth" ||
	nt_fail "dovecot: no auth unix_listener at $qd/$sp (submission's smtpd_sasl_path) for postfix"
grep -q "^root accounts /etc/dovecot/accounts$" "$S/replicate.conf.mail1" &&
	grep -q "args = /etc/dovecot/accounts/users" "$S/dovecot.conf" || nt_fail "the accounts file is not in a replicated root"
for m in virtual_mailbox_maps virtual_alias_maps; do
	case $(pc $m) in hash:/etc/dovecot/accounts/*) ;; *) nt_fail "main.cf $m is not in the replicated accounts root" ;; esac
done
mroot=$(awk '$1 == "root" && $2 == "mail" {print $3}' "$S/replicate.conf.mail1")
[ -n "$mroot" ] && grep -qx "mail_home = $mroot/%n" "$S/dovecot.conf" ||
	nt_fail "dovecot's mail_home is not the replicated mail root"

# the firewall fragment (checked in a throwaway network namespace)
unshare -n nft -c -f "$S/firewall.nft" >"$NT_TMP/nft.out" 2>&1 || { cat "$NT_TMP/nft.out"; nt_fail "nft -c rejects the firewall snippet"; }
grep -q "udpport.*694" "$S/ha.cf" && grep -q "udp dport 694" "$S/firewall.nft" || nt_fail "firewall does not match ha.cf's port"
grep -q "listen .* 7795" "$S/replicate.conf.mail1" && grep -q "tcp dport 7795" "$S/firewall.nft" || nt_fail "firewall does not match replicate's port"
grep -q 'tcp dport {[^}]* 587[ ,]' "$S/firewall.nft" || nt_fail "firewall does not open submission (587)"
local_only=$(grep 'iifname != "lo" tcp dport' "$S/firewall.nft")
for p in "${opt[-l]##*:}" "${opt[-R]##*:}"; do
	grep -qw "$p" <<<"$local_only" || nt_fail "firewall does not keep port $p (replicate-mda -l/-R) to this host"
done
# the samples installed to the doc dir (ha.d/) check as well
mkdir -p "$NT_TMP/samples"
for f in ha.cf authkeys haresources replicate.conf; do map "$HB_TOP/ha.d/$f" >"$NT_TMP/samples/$f"; done
chmod 600 "$NT_TMP/samples/authkeys"
HBD_RESOURCEDIR=$HB_TOP/resources "$HB_BUILD/hbd/hbd" -c "$NT_TMP/samples" -n mail1 -t >"$NT_TMP/out" 2>&1 ||
	{ cat "$NT_TMP/out"; nt_fail "hbd -t rejects the sample ha.d"; }
for r in "mail /var/vmail" "accounts /etc/dovecot/accounts" "queue /var/spool/postfix"; do
	grep -qx "root $r" "$HB_TOP/ha.d/replicate.conf" || nt_fail "the sample replicate.conf has no 'root $r'"
done
order=$(grep -v '^#' "$HB_TOP/ha.d/haresources" | tr -s ' \t\\' '\n' | sed 's/::.*//' | grep -xE 'IPaddr|replicate|dovecot|postfix' | tr '\n' ' ')
[ "$order" = "IPaddr replicate dovecot postfix " ] || nt_fail "sample haresources order '$order', not 'IPaddr replicate dovecot postfix'"
sed -i -e "s|^root mail .*|root mail $NT_TMP/vmail|" -e "s|^root accounts .*|root accounts $NT_TMP/accounts|" \
	-e "s|^root queue .*|root queue $NT_TMP/spool|" \
	"$NT_TMP/samples/replicate.conf"
"$HB_BUILD/replicate/replicate" -t -c "$NT_TMP/samples/replicate.conf" >"$NT_TMP/out" 2>&1 ||
	{ cat "$NT_TMP/out"; nt_fail "replicate -t rejects the sample replicate.conf"; }
nt_pass "$(cat "$NT_TMP/count") snippets and the ha.d samples checked"
