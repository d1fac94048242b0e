#!/bin/bash
# resources-ocf-tester: Debian's ocf-tester (resource-agents) passes on
# every agent in resources/, each with real targets inside a namespace.
# install-tree.sh runs it on the installed copies: OCF_AGENT_DIR (agents),
# HB_LIBEXECDIR (send_arp), REPLICATE_BIN.
NT_NAME=resources-ocf-tester
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/resources-mail.inc"
command -v ocf-tester >/dev/null || { echo "SKIP: ocf-tester (package resource-agents) not installed"; exit 77; }
rm_have_mail
R=${OCF_AGENT_DIR:-$HB_TOP/resources}
export HB_LIBEXECDIR=${HB_LIBEXECDIR:-$HB_BUILD/resources} HB_AGENT_RUNDIR=$NT_TMP/run
export REPLICATE_BIN=${REPLICATE_BIN:-$HB_BUILD/replicate/replicate}
[ -x "$HB_LIBEXECDIR/send_arp" ] || { echo "SKIP: send_arp not built"; exit 77; }
[ -x "$REPLICATE_BIN" ] || { echo "SKIP: replicate not built"; exit 77; }
nt_init
nt_node node1 10.9.6.1/24 eth0
nt_node node1 10.9.7.1/24 eth1
nt_exec node1 ip route add default via 10.9.6.254 dev eth0 onlink
D=$NT_TMP/node1
rm_postfix_conf "$D" node1 10.9.6.1
rm_dovecot_conf "$D" 10.9.6.1
mkdir -p "$D/repl" "$D/mail"
head -c 32 /dev/urandom | base64 >"$D/replkey"; chmod 600 "$D/replkey"
printf 'root mail %s/mail\nlisten 127.0.0.1 7811\npeer 127.0.0.1 7812\nkeyfile %s/replkey\nstatedir %s/repl\ncontrol %s/repl/ctl\n' \
	"$D" "$D" "$D" "$D" >"$D/replicate.conf"
trap 'nt_exec node1 "$R/postfix" "$D/postfix" stop; nt_exec node1 "$R/dovecot" "$D/dovecot.conf" stop; nt_cleanup' EXIT

fails=()
ot() {	# ot AGENT -o k=v ...
	local a=$1 out
	shift
	if out=$(nt_exec node1 ocf-tester -n "t$a" "$@" "$R/$a" 2>&1) &&
	   grep -q "passed all tests" <<<"$out"; then
		nt_log "$a: $(grep 'passed all tests' <<<"$out")"
	else
		echo "$out"
		fails+=("$a")
	fi
}
ot IPaddr -o ip=10.9.6.100
ot route-switch -o gateway=10.9.7.254 -o device=eth1
ot postfix -o config_dir="$D/postfix"
ot dovecot -o config_file="$D/dovecot.conf"
ot MailTo -o email=admin@example.org -o group=ocftest -o sendmail_args="-C $D/postfix"
ot replicate -o config="$D/replicate.conf"
[ ${#fails[@]} = 0 ] || nt_fail "ocf-tester failed for: ${fails[*]}"
nt_pass "IPaddr route-switch postfix dovecot MailTo replicate in $R"
