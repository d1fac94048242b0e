#!/bin/bash
# guide-snippets: every configuration block of doc/mail-cluster.md marked
# <!-- file: NAME [node: N] --> is extracted and checked with the tool that
# reads it: hbd -t (ha.cf, authkeys, haresources, as mail1 and mail2),
# replicate -t (both replicate.conf), postconf -n with no warning (main.cf;
# every value read back), postconf -M (master.cf), doveconf -n
# (dovecot.conf), nft -c (firewall), and replicate-mda's options against
# main.cf and replicate.conf.  Paths of /etc/ha.d, /var/vmail,
# /etc/dovecot/accounts and the certificate are mapped into a temp dir.
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
	    -e "s|/etc/dovecot/private/|$NT_TMP/private/|g" "$@"
}
mkdir -p "$NT_TMP/ha.d" "$NT_TMP/vmail" "$NT_TMP/accounts" "$NT_TMP/private"

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

# Postfix: main.cf parses without warnings, each value reads back
P=$NT_TMP/postfix
mkdir -p "$P"
cp "$S/main.cf.mail1" "$P/main.cf"
cp /etc/postfix/master.cf "$P/master.cf"
postconf -c "$P" -n >"$NT_TMP/pc.out" 2>"$NT_TMP/pc.err" || { cat "$NT_TMP/pc.err"; nt_fail "postconf -n failed"; }
[ -s "$NT_TMP/pc.err" ] && { cat "$NT_TMP/pc.err"; nt_fail "postconf warns about the guide's main.cf"; }
grep -v '^#' "$S/main.cf.mail1" | grep . | while IFS= read -r line; do
	k=${line%% =*}
	grep -qxF "$line" "$NT_TMP/pc.out" || { echo "$line"; exit 1; }
done || nt_fail "a main.cf line of the guide does not read back from postconf -n"
# master.cf: the guide's line is the service Debian's master.cf defines
want=$(grep -v '^#' "$S/master.cf" | tr -s ' \t' ' ')
got=$(postconf -c "$P" -M smtp/inet | tr -s ' \t' ' ')
[ "$want" = "$got" ] || nt_fail "master.cf: guide '$want', Debian's '$got'"

# replicate-mda's options agree with main.cf and replicate.conf (mail1)
MDA_OPTIONS=
. "$S/replicate-mda"
read -r -a o <<<"$MDA_OPTIONS"
declare -A opt
for ((i = 0; i < ${#o[@]}; i += 2)); do opt[${o[i]}]=${o[i+1]}; done
[ "${opt[-l]}" = "$(postconf -c "$P" -h smtpd_proxy_filter)" ] || nt_fail "replicate-mda -l ${opt[-l]} is not main.cf's smtpd_proxy_filter"
[ "${opt[-b]}" = "$(postconf -c "$P" -h virtual_mailbox_base)" ] || nt_fail "replicate-mda -b is not virtual_mailbox_base"
grep -qx "root mail ${opt[-b]}" "$S/replicate.conf.mail1" || nt_fail "replicate-mda -b is not replicate.conf's mail root"
grep -qx "control ${opt[-S]}" "$S/replicate.conf.mail1" || nt_fail "replicate-mda -S is not replicate.conf's control socket"
[ "${opt[-D]}" = "$(postconf -c "$P" -h virtual_mailbox_domains)" ] || nt_fail "replicate-mda -D is not virtual_mailbox_domains"

# Dovecot: doveconf -n parses it (a throwaway certificate at the mapped path)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mail.example.org \
	-keyout "$NT_TMP/private/dovecot.key" -out "$NT_TMP/private/dovecot.pem" >/dev/null 2>&1 ||
	nt_fail "openssl could not make a test certificate"
map "$S/dovecot.conf" >"$NT_TMP/dovecot.conf"
doveconf -n -c "$NT_TMP/dovecot.conf" >"$NT_TMP/dc.out" 2>&1 || { cat "$NT_TMP/dc.out"; nt_fail "doveconf -n rejects the guide's dovecot.conf"; }
grep -q "mail_home = $NT_TMP/vmail/%n" "$NT_TMP/dc.out" || nt_fail "doveconf does not show the guide's mail_home"
grep -q "^root accounts /etc/dovecot/accounts$" "$S/replicate.conf.mail1" &&
	grep -q "args = /etc/dovecot/accounts/users" "$S/dovecot.conf" || nt_fail "the accounts file is not in a replicated root"

# the firewall fragment (checked in a throwaway network namespace)
unshare -n nft -c -f "$S/firewall.nft" >"$NT_TMP/nft.out" 2>&1 || { cat "$NT_TMP/nft.out"; nt_fail "nft -c rejects the firewall snippet"; }
grep -q "udpport.*694" "$S/ha.cf" && grep -q "udp dport 694" "$S/firewall.nft" || nt_fail "firewall does not match ha.cf's port"
grep -q "listen .* 7795" "$S/replicate.conf.mail1" && grep -q "tcp dport 7795" "$S/firewall.nft" || nt_fail "firewall does not match replicate's port"
# the samples installed to the doc dir (ha.d/) check as well
mkdir -p "$NT_TMP/samples"
for f in ha.cf authkeys haresources replicate.conf; do map "$HB_TOP/ha.d/$f" >"$NT_TMP/samples/$f"; done
chmod 600 "$NT_TMP/samples/authkeys"
HBD_RESOURCEDIR=$HB_TOP/resources "$HB_BUILD/hbd/hbd" -c "$NT_TMP/samples" -n mail1 -t >"$NT_TMP/out" 2>&1 ||
	{ cat "$NT_TMP/out"; nt_fail "hbd -t rejects the sample ha.d"; }
sed -i -e "s|^root mail .*|root mail $NT_TMP/vmail|" -e "s|^root accounts .*|root accounts $NT_TMP/accounts|" \
	"$NT_TMP/samples/replicate.conf"
"$HB_BUILD/replicate/replicate" -t -c "$NT_TMP/samples/replicate.conf" >"$NT_TMP/out" 2>&1 ||
	{ cat "$NT_TMP/out"; nt_fail "replicate -t rejects the sample replicate.conf"; }
nt_pass "$(cat "$NT_TMP/count") snippets and the ha.d samples checked"
