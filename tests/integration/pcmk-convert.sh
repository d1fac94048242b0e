#!/bin/bash
# pcmk-convert: hb2pcmk's CIB XML passes Pacemaker's own crm_verify for the
# shipped sample (ha.d/) and for a classic two-node mail pair
# (tests/golden/pcmk/mailpair.*); bad input is refused naming file:line,
# with the same text as hbd -t, and nothing is printed on stdout.
NT_NAME=pcmk-convert
source "$(dirname "$0")/lib.sh"
command -v crm_verify >/dev/null || { echo "SKIP: crm_verify not installed (pacemaker-cli-utils)"; exit 77; }
H2P=$HB_BUILD/tools/hb2pcmk
G=$HB_TOP/tests/golden/pcmk
[ -x "$H2P" ] || nt_fail "$H2P not built"

verify() {	# NAME ARGS...: convert and crm_verify
	local name=$1 out
	shift
	"$H2P" "$@" -x >"$NT_TMP/$name.xml" || nt_fail "$name: hb2pcmk -x failed"
	out=$(crm_verify -V -x "$NT_TMP/$name.xml" 2>&1) ||
		nt_fail "$name: crm_verify rejects the XML: $out"
	[ -z "$out" ] || nt_fail "$name: crm_verify warns: $out"
	"$H2P" "$@" >"$NT_TMP/$name.crm" || nt_fail "$name: hb2pcmk (crm) failed"
	nt_log "$name: crm_verify accepts $(grep -c '<primitive' "$NT_TMP/$name.xml") primitives"
}
verify sample -c "$HB_TOP/ha.d"
verify mailpair -f "$G/mailpair.cf" -r "$G/mailpair.haresources"
verify misc -f "$G/misc.cf" -r "$G/misc.haresources"
grep -q 'with-rsc="ms_replicate_1" with-rsc-role="Promoted"' "$NT_TMP/mailpair.xml" ||
	nt_fail "mailpair: the group is not colocated with the promoted replicate"
grep -q 'class="stonith" type="fence_legacy"' "$NT_TMP/mailpair.xml" ||
	nt_fail "mailpair: no fencing resource"

# the crm shell script parses (crmsh offline, on a file CIB; relaxed
# checks since neither the ocf:hbd agents nor fence_legacy's plugin
# parameters are known to crmsh here) and gives the same objects as the XML
objs() { grep -oE '<(primitive|group|clone|rsc_location|rsc_colocation|rsc_order) id="[^"]*"' "$1" | sort; }
mkdir -p "$NT_TMP/home/.config/crm"
printf '[core]\ncheck_mode = relaxed\n' >"$NT_TMP/home/.config/crm/crm.conf"
for name in sample mailpair misc; do
	echo '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>' >"$NT_TMP/$name.cib"
	HOME=$NT_TMP/home CIB_file=$NT_TMP/$name.cib crm configure load update "$NT_TMP/$name.crm" >"$NT_TMP/crm.out" 2>&1 ||
		nt_fail "$name: crm configure load update: $(grep -v 'got no meta-data\|no such resource agent\|is not known' "$NT_TMP/crm.out")"
	diff <(objs "$NT_TMP/$name.cib") <(objs "$NT_TMP/$name.xml") >"$NT_TMP/diff" ||
		nt_fail "$name: the crm script and the XML differ: $(cat "$NT_TMP/diff")"
	crm_verify -x "$NT_TMP/$name.cib" >/dev/null 2>&1 || nt_fail "$name: crm_verify rejects the CIB made by crm"
	nt_log "$name: crm script loads, $(objs "$NT_TMP/$name.cib" | wc -l) objects, the same as the XML"
done

# the same XML fails crm_verify once a reference is broken (the check is real)
sed 's/with-rsc="ms_replicate_1"/with-rsc="nosuch"/' "$NT_TMP/mailpair.xml" >"$NT_TMP/broken.xml"
crm_verify -x "$NT_TMP/broken.xml" >/dev/null 2>&1 && nt_fail "crm_verify accepted a broken reference"

# bad input: file:line, exit 6, nothing on stdout, same text as hbd -t
bad() {	# NAME WANT
	local rc
	"$H2P" -f "$G/$1.cf" -r "$G/$1.haresources" >"$NT_TMP/bad.out" 2>"$NT_TMP/bad.err"
	rc=$?
	[ $rc = 6 ] || nt_fail "$1: exit $rc, want 6"
	[ -s "$NT_TMP/bad.out" ] && nt_fail "$1: printed a configuration"
	grep -qF "hb2pcmk: ERROR: $2" "$NT_TMP/bad.err" || nt_fail "$1: no '$2' in: $(cat "$NT_TMP/bad.err")"
	nt_log "$1: $(head -1 "$NT_TMP/bad.err")"
}
bad bad-node "$G/bad-node.haresources:4: Bad nodename in $G/bad-node.haresources [mail3]"
bad bad-hacf "$G/bad-hacf.cf:3: Invalid time [10s] for deadtime"
bad bad-hacf "$G/bad-hacf.cf:4: Illegal directive [nosuchdirective]"
# hbd -t reports the very same line
mkdir -p "$NT_TMP/etc"
cp "$G/bad-node.cf" "$NT_TMP/etc/ha.cf"; cp "$G/bad-node.haresources" "$NT_TMP/etc/haresources"
printf 'auth 1\n1 sha1 secret\n' >"$NT_TMP/etc/authkeys"; chmod 600 "$NT_TMP/etc/authkeys"
"$HB_BUILD/hbd/hbd" -n mail1 -c "$NT_TMP/etc" -t 2>&1 | grep -qF "ERROR: $NT_TMP/etc/haresources:4: Bad nodename in $NT_TMP/etc/haresources [mail3]" ||
	nt_fail "hbd -t does not report the same error"
"$H2P" -c "$NT_TMP/etc" 2>&1 >/dev/null | grep -qF "ERROR: $NT_TMP/etc/haresources:4: Bad nodename in $NT_TMP/etc/haresources [mail3]" ||
	nt_fail "hb2pcmk -c does not report hbd -t's error"
nt_pass
