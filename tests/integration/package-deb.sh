#!/bin/bash
# package-deb: the Debian packages build from a copy of the source
# (dpkg-buildpackage -us -uc -b), lintian reports no error, "hbd" installs
# next to Debian's heartbeat package (which stays), starts nothing on an
# unconfigured host and says so, its units pass systemd-analyze verify,
# and the two-node mail cluster runs from the installed files only, on the
# mail path of doc/mail.md (Dovecot LMTP, the reinjection smtpd, the queue
# replicated): /usr/sbin/{hbd,replicate,replicate-mda}, node1's agents from
# /usr/share/hbd/resource.d (hbd's default), node2's from
# /usr/lib/ocf/resource.d/hbd; replicate-mda is started as the installed
# replicate-mda.service does (ExecStart with MDA_OPTIONS from a file in the
# form of /etc/default/replicate-mda, whose shipped example is the guide's
# line; the unit refuses to start with MDA_OPTIONS empty).  node1 crashes,
# node2 takes over and takes mail on 25, on 587 with SASL and for an alias
# (through the reinjection smtpd and the queue), node1 comes back (hbd's
# unclean-stop release, then failback): every acknowledged message is
# there once.  Finally the package is purged:
# heartbeat still installed, /etc/ha.d unchanged, nothing of hbd left.
# Also: the package's /etc files are conffiles (an edit survives a
# reinstall); hbd-heartbeat-compat conflicts with heartbeat and links into hbd.
NT_NAME=package-deb
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in dpkg-buildpackage dh lintian apt-get systemd-analyze; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
rm_have_mail
ml_have_lmtp
APT="apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300"
INSTALLED=
purge() {
	[ -n "$INSTALLED" ] || return 0
	ml_stop_all
	DEBIAN_FRONTEND=noninteractive $APT purge hbd >"$NT_TMP/purge.log" 2>&1
	INSTALLED=
}
trap 'purge; nt_cleanup' EXIT
dpkg-query -W -f='${Status}' hbd 2>/dev/null | grep -q 'ok installed' &&
	{ echo "SKIP: an hbd package is already installed on this machine"; exit 77; }
heartbeat_before=$(dpkg-query -W -f='${Status} ${Version}' heartbeat 2>/dev/null)
etc_before=$(find /etc/ha.d -type f -exec md5sum {} + 2>/dev/null | sort)

# 1. build from a copy of the sources (the tree itself is built in place)
S=$NT_TMP/src/hbd
mkdir -p "$S"
if git -C "$HB_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$HB_TOP" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$S"
else
	(cd "$HB_TOP" && tar -cf - --exclude=./tests/integration-logs .) | tar -xf - -C "$S"
	(cd "$S" && { [ ! -f Makefile ] || make -s distclean; } >/dev/null 2>&1)
fi
t0=$(nt_ms)
(cd "$S" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" dpkg-buildpackage -us -uc -b) \
	>"$NT_TMP/build.log" 2>&1 || { tail -30 "$NT_TMP/build.log"; nt_fail "dpkg-buildpackage failed"; }
nt_log "dpkg-buildpackage -us -uc -b: $(( ($(nt_ms) - t0) / 1000 )) s (nocheck noautodbgsym)"
DEB=$(ls "$NT_TMP"/src/hbd_*_amd64.deb "$NT_TMP"/src/hbd_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)
COMPAT=$(ls "$NT_TMP"/src/hbd-heartbeat-compat_*_all.deb)
[ -f "$DEB" ] && [ -f "$COMPAT" ] || nt_fail "packages not built"
lintian --tag-display-limit 0 "$NT_TMP"/src/hbd_*.changes >"$NT_TMP/lintian.out" 2>&1
grep -v '^running with root' "$NT_TMP/lintian.out" >&2
grep -q '^E:' "$NT_TMP/lintian.out" && nt_fail "lintian reports errors"
nt_log "lintian: $(grep -c '^E:' "$NT_TMP/lintian.out") errors, $(grep -c '^W:' "$NT_TMP/lintian.out") warnings"
# the compat package takes Heartbeat's names and says so
dpkg-deb -f "$COMPAT" Conflicts | grep -qw heartbeat || nt_fail "hbd-heartbeat-compat does not conflict with heartbeat"
dpkg-deb -c "$COMPAT" | grep -q './usr/bin/cl_status -> ' || nt_fail "hbd-heartbeat-compat has no /usr/bin/cl_status"
# its links point at programs of "hbd"
for t in $(dpkg-deb -c "$COMPAT" | awk '$7 == "->" && $6 ~ /^\.\/usr\/bin\// {print $8}'); do
	case $t in /*) ;; *) t=/usr/bin/$t ;; esac
	t=$(realpath -m "$t")
	dpkg-deb -c "$DEB" | awk '{print substr($6, 2)}' | grep -qx "$t" ||
		nt_fail "hbd-heartbeat-compat links to $t, which hbd does not ship"
done
# and "hbd" touches none of heartbeat's or cluster-glue's files
files=$(dpkg-deb -c "$DEB" | awk '{print substr($6, 2)}' | grep -v '/$')
# shellcheck disable=SC2086
if dpkg -S $files 2>/dev/null | grep .; then
	nt_fail "hbd ships files owned by installed packages (above)"
fi

# 2. install next to heartbeat: nothing starts, a clear message
INSTALLED=1
DEBIAN_FRONTEND=noninteractive $APT install "$DEB" >"$NT_TMP/install.log" 2>&1 ||
	{ cat "$NT_TMP/install.log"; nt_fail "installing $DEB failed"; }
grep '^hbd: ' "$NT_TMP/install.log" >&2
grep -q '^hbd: .*nothing started' "$NT_TMP/install.log" || nt_fail "no 'nothing started' message from postinst"
[ "$(dpkg-query -W -f='${Status} ${Version}' heartbeat 2>/dev/null)" = "$heartbeat_before" ] ||
	nt_fail "the heartbeat package changed: '$heartbeat_before' -> '$(dpkg-query -W -f='${Status} ${Version}' heartbeat 2>/dev/null)'"
for p in /proc/[0-9]*; do
	case $(readlink "$p/exe" 2>/dev/null) in
	/usr/sbin/hbd|/usr/sbin/replicate|/usr/sbin/replicate-mda) nt_fail "installation started $(readlink "$p/exe")" ;;
	esac
done
[ -d /var/lib/replicate ] && [ -d /var/lib/heartbeat ] || nt_fail "state directories not created"
# the package's /etc files are conffiles: an administrator's edit survives
# a reinstall
cf=$(dpkg-query -W -f='${Conffiles}' hbd)
for f in /etc/default/replicate-mda /etc/logrotate.d/hbd; do
	grep -q " $f " <<<"$cf" || nt_fail "$f is not a conffile"
done
# the shipped example is the guide's line (doc/mail-cluster.md, section 4)
ex=$(sed -n 's/^#\(MDA_OPTIONS=.*\)/\1/p' /etc/default/replicate-mda)
want=$(awk '/^<!-- file: replicate-mda -->/ {f = 1} f && /^MDA_OPTIONS=/ {print; exit}' "$HB_TOP/doc/mail-cluster.md")
[ -n "$ex" ] && [ "$ex" = "$want" ] || nt_fail "/etc/default/replicate-mda's example '$ex' is not the guide's '$want'"
grep -qx 'MDA_OPTIONS=""' /etc/default/replicate-mda || nt_fail "/etc/default/replicate-mda does not ship MDA_OPTIONS empty"
echo 'MDA_OPTIONS="-l 127.0.0.1:10025 -L /var/spool/postfix/private/dovecot-lmtp -R 127.0.0.1:10026 -D example.net -S /run/replicate.sock"' >>/etc/default/replicate-mda
DEBIAN_FRONTEND=noninteractive $APT install --reinstall "$DEB" >"$NT_TMP/reinstall.log" 2>&1 ||
	{ cat "$NT_TMP/reinstall.log"; nt_fail "reinstall failed"; }
grep -q 'example.net' /etc/default/replicate-mda || nt_fail "reinstall overwrote the edited /etc/default/replicate-mda"
nt_log "installed size: $(dpkg-query -W -f='${Installed-Size}' hbd) KiB; .deb $(( $(stat -c %s "$DEB") / 1024 )) KiB"
out=$(systemd-analyze verify /lib/systemd/system/hbd.service \
	/lib/systemd/system/replicate.service /lib/systemd/system/replicate-mda.service 2>&1) &&
	[ -z "$out" ] || { echo "$out"; nt_fail "systemd-analyze verify on the installed units"; }
/usr/sbin/hbd -c "$NT_TMP/nonexistent" -t >"$NT_TMP/t.out" 2>&1 && nt_fail "hbd -t passed without a configuration"
grep -q "$NT_TMP/nonexistent/ha.cf" "$NT_TMP/t.out" || { cat "$NT_TMP/t.out"; nt_fail "hbd -t does not name the missing ha.cf"; }

# the installed unit: replicate-mda's command line is ExecStart with
# MDA_OPTIONS from the EnvironmentFile; without options ExecStartPre stops
# it with exit 6 and says where to set them
UNIT=/lib/systemd/system/replicate-mda.service
grep -qx 'EnvironmentFile=-/etc/default/replicate-mda' $UNIT || nt_fail "$UNIT does not read /etc/default/replicate-mda"
EXECSTART=$(sed -n 's/^ExecStart=//p' $UNIT)
[[ $EXECSTART == "/usr/sbin/replicate-mda "*'$MDA_OPTIONS' ]] || nt_fail "$UNIT: ExecStart '$EXECSTART'"
pre=$(sed -n 's/^ExecStartPre=//p' $UNIT)
pre=${pre#/bin/sh -c \'}
MDA_OPTIONS= /bin/sh -c "${pre%\'}" >"$NT_TMP/pre.out" 2>&1
rc=$?
[ $rc = 6 ] && grep -q "not configured: set MDA_OPTIONS in /etc/default/replicate-mda" "$NT_TMP/pre.out" ||
	{ cat "$NT_TMP/pre.out"; nt_fail "the unit's ExecStartPre with MDA_OPTIONS empty: exit $rc"; }
MDA_OPTIONS=x /bin/sh -c "${pre%\'}" || nt_fail "the unit's ExecStartPre refuses a set MDA_OPTIONS"
# pkg_mda_start N OPTIONS: node N's /etc/default/replicate-mda (in
# $NT_TMP/nodeN) holds OPTIONS; the command is the unit's ExecStart, with
# $MDA_OPTIONS split into words as systemd does
pkg_mda_start() {
	local f=$NT_TMP/node$1/default-replicate-mda MDA_OPTIONS cmd
	printf '# /etc/default/replicate-mda\nMDA_OPTIONS="%s"\n' "$2" >"$f"
	. "$f"
	# shellcheck disable=SC2206
	cmd=(${EXECSTART%'$MDA_OPTIONS'} $MDA_OPTIONS)
	nt_bg node$1 "$NT_TMP/node$1/mda.out" "${cmd[@]}"
}

# 3. the mail cluster from the installed files only
HB_BUILD=$NT_TMP/no-build-tree	# nothing may come from the build tree
HBD=/usr/sbin/hbd CL_STATUS=/usr/libexec/hbd/cl_status ML_MDA_START=pkg_mda_start
ml_setup on
unset HBD_RESOURCEDIR HB_LIBEXECDIR
export REPLICATE_BIN=/usr/sbin/replicate
for a in IPaddr replicate postfix dovecot MailTo; do	# node2: the OCF copies
	ln -s /usr/lib/ocf/resource.d/hbd/$a "$NT_TMP/node2/resource.d/$a"
done
: >"$NT_TMP/sent"
ml_start 1
ml_start 2
nt_wait 30 '[ "$(ml_banner)" = node1 ]' || { tail -20 "$NT_TMP/node1/ha-log"; nt_fail "mail service not up on node1"; }
ml_send 1 40
ml_sync 1 || nt_fail "replication barrier failed"
t0=$(nt_ms)
ml_crash 1
nt_wait 15 '[ "$(ml_banner)" = node2 ]' || { tail -30 "$NT_TMP/node2/ha-log"; nt_fail "node2 did not take over after the crash"; }
nt_log "SMTP answered by node2 $(( $(nt_ms) - t0 )) ms after node1 crashed"
ml_send 41 20
# submission with SASL through Dovecot, and an alias (replicate-mda -R:
# the reinjection smtpd, the queue, then Postfix's LMTP delivery)
nt_exec client $ML_CLIENT send $ML_VIP 61 5 --port 587 --auth user:secret >>"$NT_TMP/sent"
nt_exec client $ML_CLIENT send $ML_VIP 66 5 --to alias@example.org >>"$NT_TMP/sent"
[ "$(grep -c '^ok' "$NT_TMP/sent")" = 70 ] || { cat "$NT_TMP/sent"; nt_fail "node2 did not acknowledge all 70 messages"; }
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge 70 ]'
ml_check_all "after the crash (node2, OCF agents; 25, 587 with SASL, an alias)"
ml_start 1
nt_wait 40 '[ "$(ml_banner)" = node1 ]' || { tail -30 "$NT_TMP/node1/ha-log"; nt_fail "no failback to node1"; }
grep -q "did not stop cleanly" "$NT_TMP/node1/ha-log" || nt_fail "node1's hbd did not notice its unclean stop"
nt_wait 20 '[ "$(ml_subjects | wc -l)" -ge 70 ]'
ml_check_all "after failback to node1"
# the installed hbd status reads the installed daemons' sockets
/usr/sbin/hbd status -s "$NT_TMP/node1/hbd.sock" -r "$NT_TMP/node1/repl/ctl" >"$NT_TMP/status" 2>&1
rc=$?
sed 's/^/    /' "$NT_TMP/status" >&2
[ $rc -le 1 ] && grep -q "^HBD \(OK\|WARNING\)" "$NT_TMP/status" || nt_fail "hbd status after the failback: exit $rc"
grep -l "$HB_TOP" "$NT_TMP"/node*/ha-log "$NT_TMP"/node*/hbd.out && nt_fail "a path of the source tree in the logs above"
# node1's replicate-mda is the installed binary, run with the options of
# its /etc/default/replicate-mda (the LMTP path)
mda=
for p in $(ip netns pids "$(nt_ns node1)"); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/replicate-mda ] && mda=$(tr '\0' ' ' <"/proc/$p/cmdline")
done
. "$NT_TMP/node1/default-replicate-mda"
[ "$mda" = "/usr/sbin/replicate-mda -f $MDA_OPTIONS " ] || nt_fail "node1's replicate-mda: '$mda', not the unit's command with '$MDA_OPTIONS'"
ml_stop_all

# 4. purge: heartbeat untouched, /etc/ha.d unchanged, nothing left
purge
grep -q "Purging configuration files for hbd" "$NT_TMP/purge.log" || { cat "$NT_TMP/purge.log"; nt_fail "purge failed"; }
[ ! -e /usr/sbin/hbd ] && [ ! -e /lib/systemd/system/hbd.service ] && [ ! -e /usr/lib/ocf/resource.d/hbd ] &&
	[ ! -e /etc/logrotate.d/hbd ] && [ ! -e /var/lib/replicate ] || nt_fail "files left after purge"
[ "$(find /etc/ha.d -type f -exec md5sum {} + 2>/dev/null | sort)" = "$etc_before" ] || nt_fail "/etc/ha.d changed"
[ "$(dpkg-query -W -f='${Status} ${Version}' heartbeat 2>/dev/null)" = "$heartbeat_before" ] || nt_fail "heartbeat changed"
nt_pass "built, lintian clean of errors, installed beside heartbeat, mail failover (LMTP, queue, submission) from /usr, purged"
