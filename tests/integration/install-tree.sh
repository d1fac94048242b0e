#!/bin/bash
# install-tree: "make install" into a DESTDIR gives exactly the tree in
# packaging/install-manifest.txt (paths and modes), every program in
# bin/sbin has a man page, no @placeholder@ is left in an installed
# script, the units pass systemd-analyze verify, the installed OCF agents
# pass ocf-tester (with real targets in a namespace, run from the DESTDIR
# copies), hbd -t finds every agent of a mail haresources line in the
# installed resource directory, and "make uninstall" removes every file.
# Regenerate the manifest after an intended change with
#   HB_MANIFEST_UPDATE=1 tests/run-integration tests/integration/install-tree.sh
NT_NAME=install-tree
. "$(dirname "$0")/lib.sh"
[ -f "$HB_BUILD/Makefile" ] || { echo "SKIP: not configured"; exit 77; }
DEST=$NT_TMP/dest
MAN=$HB_TOP/packaging/install-manifest.txt
make -s -C "$HB_BUILD" install DESTDIR="$DEST" prefix=/usr sysconfdir=/etc \
	localstatedir=/var >"$NT_TMP/install.log" 2>&1 ||
	{ tail -20 "$NT_TMP/install.log"; nt_fail "make install failed"; }
tree() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
		elif [ -d "$f" ]; then echo "$f/"
		else echo "$f $(stat -c %a "$f")"; fi
	done)
}
tree "$DEST" >"$NT_TMP/tree"
if [ -n "${HB_MANIFEST_UPDATE:-}" ]; then cp "$NT_TMP/tree" "$MAN"; fi
diff -u "$MAN" "$NT_TMP/tree" || nt_fail "installed tree differs from packaging/install-manifest.txt (-manifest +installed)"
nt_log "tree matches the manifest ($(grep -vc '/$' "$MAN") files)"

# every program has a man page
for p in "$DEST"/usr/bin/* "$DEST"/usr/sbin/*; do
	n=$(basename "$p")
	ls "$DEST"/usr/share/man/man[18]/"$n".[18] >/dev/null 2>&1 || nt_fail "no man page for $n"
done
for m in "$DEST"/usr/share/man/man*/*; do
	man -l "$m" >/dev/null 2>"$NT_TMP/man.err" </dev/null
	[ -s "$NT_TMP/man.err" ] && { cat "$NT_TMP/man.err"; nt_fail "man page $(basename "$m") does not format cleanly"; }
done
# no template placeholder survived
if grep -rlE '@(pkglibexecdir|pkgdatadir|sbindir|sysconfdir|HA_DIR|docdir)@' "$DEST" | grep -v '/man/'; then
	nt_fail "unsubstituted @...@ in the files above"
fi

# the units (paths pointed into the DESTDIR; their man pages are not installed)
mkdir "$NT_TMP/units"
for u in "$DEST"/lib/systemd/system/*.service; do
	sed "s|/usr/sbin/|$DEST/usr/sbin/|g" "$u" >"$NT_TMP/units/$(basename "$u")"
done
out=$(cd "$NT_TMP/units" && systemd-analyze verify --man=no ./*.service 2>&1) ||
	{ echo "$out"; nt_fail "systemd-analyze verify failed"; }
[ -z "$out" ] || { echo "$out"; nt_fail "systemd-analyze verify printed warnings"; }
nt_log "systemd-analyze verify: clean ($(ls "$NT_TMP/units" | tr '\n' ' '))"

# hbd finds every agent of the mail group in the installed resource dir
mkdir -p "$NT_TMP/ha.d"
printf 'keepalive 1\ndeadtime 10\nucast eth0 10.0.0.2\nnode mail1 mail2\nauto_failback off\n' >"$NT_TMP/ha.d/ha.cf"
printf 'auth 1\n1 sha1 installtreetestkey\n' >"$NT_TMP/ha.d/authkeys"
chmod 600 "$NT_TMP/ha.d/authkeys"
echo "mail1 IPaddr::10.0.0.50/24/eth0 replicate::/etc/ha.d/replicate.conf dovecot postfix MailTo::root" >"$NT_TMP/ha.d/haresources"
RD=$DEST/usr/share/hbd/resource.d
for a in IPaddr replicate postfix dovecot MailTo route-switch; do
	[ -x "$RD/$a" ] || nt_fail "agent $a not installed executable in share/hbd/resource.d"
	"$RD/$a" meta-data 2>/dev/null | grep -q "<resource-agent" ||
		OCF_ROOT=/usr/lib/ocf "$RD/$a" meta-data | grep -q "<resource-agent" ||
		nt_fail "installed agent $a gives no meta-data"
done
HBD_RESOURCEDIR=$RD "$DEST/usr/sbin/hbd" -c "$NT_TMP/ha.d" -n mail1 -t >"$NT_TMP/t.out" 2>&1 ||
	{ cat "$NT_TMP/t.out"; nt_fail "hbd -t with the installed agents"; }

# ocf-tester on the installed OCF agents, run from the DESTDIR copies
# (its checks run the agents as an unprivileged user too: path readable)
chmod 755 "$NT_TMP"
OCF_AGENT_DIR=$DEST/usr/lib/ocf/resource.d/hbd HB_LIBEXECDIR=$DEST/usr/libexec/hbd \
	REPLICATE_BIN=$DEST/usr/sbin/replicate NT_ID=${NT_ID:0:5}o \
	bash "$HB_TOP/tests/integration/resources-ocf-tester.sh" >"$NT_TMP/ocf.log" 2>&1
rc=$?
sed 's/^/    /' "$NT_TMP/ocf.log" >&2
[ $rc = 77 ] && { echo "SKIP: $(grep -m1 SKIP "$NT_TMP/ocf.log")"; exit 77; }
[ $rc = 0 ] && grep -q "PASS: .*in $DEST/usr/lib/ocf/resource.d/hbd" "$NT_TMP/ocf.log" ||
	nt_fail "ocf-tester on the installed OCF agents"

make -s -C "$HB_BUILD" uninstall DESTDIR="$DEST" prefix=/usr sysconfdir=/etc \
	localstatedir=/var >"$NT_TMP/uninstall.log" 2>&1 || nt_fail "make uninstall failed"
left=$(find "$DEST" ! -type d)
[ -z "$left" ] || { echo "$left"; nt_fail "make uninstall left files behind"; }
nt_pass "manifest, man pages, units, hbd -t, ocf-tester on the 6 installed OCF agents, uninstall"
