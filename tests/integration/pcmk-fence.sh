#!/bin/bash
# pcmk-fence: Pacemaker fences through hbd's stonith(8) and its plugins.
# A 3-node cluster (token 1000 ms, stonith-enabled) has one fencing
# resource, stonith:fence_legacy (Pacemaker's bridge to Linux-HA
# plugins), whose "stonith" parameter is hbd's stonith tool and whose
# plugin is an external/NAME script written here: a power switch that
# the test operates (reset NODE writes a request; the test powers the node
# off - PID 1 of its namespaces killed, its addresses gone - and answers).
# node1, holding the VIP, is cut off the network: node2 and node3 keep
# quorum, fence node1 through the chain Pacemaker -> fence_legacy ->
# stonith -E -> external/pcmkpower, and only then start the VIP
# elsewhere.  The fencing history records success; a device that
# fails (plugin exits 1) makes the fencing fail and the history says so.
# Then the same script as Pacemaker's Linux-HA class stonith:external/NAME
# (cluster-glue's external plugin; the test's script directory is glue's
# external/ directory inside the nodes) fences node3.
NT_NAME=pcmk-fence
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pcmk-lib.sh"
command -v fence_legacy >/dev/null || { echo "SKIP: fence_legacy not installed (pacemaker)"; exit 77; }
pm_setup "1 2 3" 1000
EXT=$NT_TMP/stonith-ext REQ=$NT_TMP/fence
mkdir -p "$EXT" "$REQ"; chmod 755 "$EXT"
cat >"$EXT/pcmkpower" <<'SCRIPT'
#!/bin/sh
# external/pcmkpower: a power switch operated by the test harness
case $1 in
getconfignames) echo hostlist; echo reqdir ;;
gethosts) for h in $hostlist; do echo $h; done ;;
status) [ -d "$reqdir" ] ;;
reset|off)
	[ -f "$reqdir/broken" ] && exit 1
	echo "$1" >"$reqdir/$2.req"
	i=0
	while [ $i -lt 200 ]; do
		[ -f "$reqdir/$2.done" ] && { rm -f "$reqdir/$2.done"; exit 0; }
		sleep 0.1; i=$((i + 1))
	done
	exit 1 ;;
on) exit 0 ;;
getinfo-devid|getinfo-devname) echo "test power switch" ;;
getinfo-devdescr|getinfo-devurl) echo "operated by pcmk-fence.sh" ;;
getinfo-xml) echo '<parameters><parameter name="hostlist"/><parameter name="reqdir"/></parameters>' ;;
*) exit 1 ;;
esac
SCRIPT
chmod 755 "$EXT/pcmkpower"
export HB_STONITH_EXTDIR=$EXT	# passed down: pacemakerd -> fenced -> fence_legacy -> stonith
export PM_GLUE_EXTDIR=$EXT	# and glue's external/ directory inside the nodes

for n in 1 2 3; do pm_start $n; done
nt_wait 60 pm_online || { pm_logs; nt_fail "cluster not online in 60 s"; }
pm_ex 1 stonith_admin -I >"$NT_TMP/agents" 2>&1
nt_log "Pacemaker's fence agents here: $(tr '\n' ' ' <"$NT_TMP/agents")"
grep -qx fence_legacy "$NT_TMP/agents" || grep -q "fence_legacy" "$NT_TMP/agents" || nt_fail "fence_legacy not listed"
# crmsh checks a primitive's parameters against the agent's metadata, and
# fence_legacy's lists none of a plugin's: the device goes in as XML
pm_ex 1 cibadmin -C -o resources -X "<primitive id='fence_1' class='stonith' type='fence_legacy'>
  <instance_attributes id='fence_1-ia'>
    <nvpair id='fence_1-plugin' name='plugin' value='external/pcmkpower'/>
    <nvpair id='fence_1-stonith' name='stonith' value='$HB_BUILD/stonith/stonith'/>
    <nvpair id='fence_1-hostlist' name='hostlist' value='node1 node2 node3'/>
    <nvpair id='fence_1-reqdir' name='reqdir' value='$REQ'/>
  </instance_attributes>
  <operations><op id='fence_1-mon' name='monitor' interval='60s' timeout='20s'/></operations>
</primitive>" || nt_fail "cibadmin: fence_1"
cat >"$NT_TMP/cluster.crm" <<EOF2
property cib-bootstrap-options: stonith-enabled=true stonith-timeout=30s
primitive vip ocf:hbd:IPaddr params ip=$PM_VIP cidr_netmask=24 nic=eth0 \\
	op monitor interval=5s timeout=20s
location vip_pref vip 100: node1
location fence_not_1 fence_1 -inf: node1
EOF2
pm_crm configure load update "$NT_TMP/cluster.crm" >"$NT_TMP/load.out" 2>&1 ||
	nt_fail "crm configure load update: $(cat "$NT_TMP/load.out")"
nt_wait 30 '[ "$(pm_where vip)" = node1 ] && [ -n "$(pm_where fence_1)" ]' || { pm_logs; nt_fail "vip/fence_1 not started"; }
nt_log "vip on node1, fence_1 on $(pm_where fence_1)"
# the device's own status and host list, through Pacemaker
pm_ex 2 stonith_admin -L 2>&1 | grep -q fence_1 || nt_fail "fence_1 not registered with the fencer"
pm_ex 2 stonith_admin -l node1 2>&1 | grep -q fence_1 || nt_fail "fence_1 does not claim node1: $(pm_ex 2 stonith_admin -l node1 2>&1)"

# the power switch: powers a node off when asked
switch() {
	local f n
	while :; do
		for f in "$REQ"/*.req; do
			[ -f "$f" ] || continue
			n=${f##*/node}; n=${n%.req}
			# where the VIP is while node1 is not yet fenced (node2's view)
			pm_ex 2 crm_resource --locate -r vip >>"$REQ/vip-at-request" 2>&1
			echo "$(nt_ms) $(cat "$f") node$n" >>"$REQ/log"
			rm -f "$f"
			[ -n "${PM_PID1[$n]:-}" ] && pm_kill $n
			touch "$REQ/node$n.done"
		done
		sleep 0.1
	done
}
switch & NT_PIDS+=($!)

t0=$(nt_ms)
nt_link node1 down
nt_log "node1 cut off the network"
nt_wait 40 '[ -s "$REQ/log" ]' || { pm_logs; nt_fail "no fencing request in 40 s"; }
grep -q "reboot\|reset\|off" "$REQ/log" || nt_fail "request: $(cat "$REQ/log")"
tf=$(awk '{print $1; exit}' "$REQ/log")
nt_log "fencing request for node1 ($(awk '{print $2; exit}' "$REQ/log")) after $((tf - t0)) ms"
nt_wait 40 'w=$(pm_where vip); [ "$w" = node2 ] || [ "$w" = node3 ]' || { pm_logs; nt_fail "vip not recovered after fencing"; }
nt_log "vip on $(pm_where vip) after $(( $(nt_ms) - t0 )) ms"
pm_ex 2 stonith_admin --history node1 >"$NT_TMP/hist" 2>&1
grep -q "reboot of node1 successful\|node1.*success\|successful.*node1" "$NT_TMP/hist" ||
	nt_fail "no successful fencing of node1 in the history: $(cat "$NT_TMP/hist")"
nt_log "history: $(head -1 "$NT_TMP/hist")"
# the VIP started elsewhere only after the fencing succeeded
grep -q "running on: node[23]" "$REQ/vip-at-request" && nt_fail "vip started before node1 was fenced: $(cat "$REQ/vip-at-request")"

# a failing device: fencing node3 fails, and the history says so
touch "$REQ/broken"
pm_ex 2 stonith_admin --reboot node3 --timeout 10 >"$NT_TMP/manual" 2>&1 && nt_fail "fencing with a broken device succeeded"
nt_wait 15 'pm_ex 2 stonith_admin --history "*" --verbose 2>&1 | grep -q "reboot of node3 failed"' ||
	nt_fail "failed fencing not in the history: $(pm_ex 2 stonith_admin --history "*" --verbose 2>&1); stonith_admin said: $(cat "$NT_TMP/manual")"
[ -n "${PM_PID1[3]}" ] && kill -0 "${PM_PID1[3]}" || nt_fail "node3 was powered off by a failed device"
nt_log "broken device: stonith_admin --reboot node3 failed ($(tail -1 "$NT_TMP/manual"))"

# Pacemaker's own Linux-HA class, stonith:external/NAME: cluster-glue's
# external plugin runs the same script (it is in glue's external/
# directory inside the nodes); fence_1 goes so that only this device can
# fence node3
rm -f "$REQ/broken"
pm_ex 2 cibadmin -D -o constraints -X "<rsc_location id='fence_not_1'/>" || nt_fail "cibadmin: delete fence_not_1"
pm_ex 2 crm_resource --resource fence_1 --delete --resource-type primitive >/dev/null || nt_fail "crm_resource: delete fence_1"
pm_ex 2 cibadmin -C -o resources -X "<primitive id='fence_glue' class='stonith' type='external/pcmkpower'>
  <instance_attributes id='fence_glue-ia'>
    <nvpair id='fence_glue-hostlist' name='hostlist' value='node1 node2 node3'/>
    <nvpair id='fence_glue-reqdir' name='reqdir' value='$REQ'/>
  </instance_attributes>
</primitive>" || nt_fail "cibadmin: fence_glue"
nt_wait 30 'pm_ex 2 stonith_admin -L 2>&1 | grep -q fence_glue && ! pm_ex 2 stonith_admin -L 2>&1 | grep -q fence_1' ||
	nt_fail "fence_glue not registered: $(pm_ex 2 stonith_admin -L 2>&1)"
: >"$REQ/log"
pm_ex 2 stonith_admin --reboot node3 --timeout 30 >"$NT_TMP/manual" 2>&1 ||
	nt_fail "stonith:external/pcmkpower could not fence node3: $(cat "$NT_TMP/manual")"
grep -q "node3" "$REQ/log" || nt_fail "glue's external plugin did not run the script"
nt_wait 10 '! kill -0 '"${PM_PID1[3]}"' 2>/dev/null' || nt_fail "node3 still running after fencing"
pm_ex 2 stonith_admin --history node3 --verbose 2>&1 | grep -q "reboot of node3 successful.*fence_glue\|fence_glue.*reboot of node3 successful\|reboot of node3 successful" ||
	nt_fail "no successful fencing of node3 in the history: $(pm_ex 2 stonith_admin --history node3 --verbose 2>&1)"
nt_log "stonith:external/pcmkpower (cluster-glue's plugin, this script) fenced node3: $(pm_ex 2 stonith_admin --history node3 --verbose 2>&1 | grep successful | head -1)"
nt_pass
