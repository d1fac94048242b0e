#!/bin/bash
# stonith-ipmi: fencing through a BMC.  OpenIPMI's ipmi_sim plays the BMC
# in its own namespace; its chassis_control program (written here) kills
# the peer's "service" process on power off or reset and keeps the power
# state.  Driven by cluster-glue's unmodified external/ipmi script and by
# our ipmilan plugin, both through the stonith tool and the real ipmitool.
NT_NAME=stonith-ipmi
. "$(dirname "$0")/lib.sh"
S=$HB_BUILD/stonith/stonith
[ -x "$S" ] || { echo "SKIP: $S not built"; exit 77; }
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim missing (openipmi)"; exit 77; }
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool missing"; exit 77; }
nt_init
nt_node fencer 10.58.0.1/24
nt_node peer 10.58.0.2/24
nt_node bmc 10.58.0.3/24

echo 1 >"$NT_TMP/power"
cat >"$NT_TMP/chassis" <<EOS
#!/bin/sh
# ipmi_sim chassis_control: "ADDR get power" / "ADDR set power 0|1" /
# "ADDR set reset 1"
echo "\$*" >>"$NT_TMP/chassis.log"
victim() { [ -s "$NT_TMP/victim" ] && kill -9 \$(cat "$NT_TMP/victim") 2>/dev/null; :; }
case "\$2" in
get) echo "power:\$(cat "$NT_TMP/power")" ;;
set) case "\$3 \$4" in
	"power 0") victim; echo 0 >"$NT_TMP/power" ;;
	"power 1") echo 1 >"$NT_TMP/power" ;;
	"reset 1") victim ;;
     esac ;;
esac
EOS
chmod +x "$NT_TMP/chassis"
cat >"$NT_TMP/lan.conf" <<EOS
name "hbtest$NT_ID"
set_working_mc 0x20
  startlan 1
    addr 10.58.0.3 623
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$NT_TMP/chassis 0x20"
  user 2 true "admin" "secret" admin 10 none md2 md5 straight
EOS
cat >"$NT_TMP/sim.emu" <<EOS
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
EOS
mkdir -p "$NT_TMP/state"
nt_bg bmc "$NT_TMP/sim.log" ipmi_sim -n -c "$NT_TMP/lan.conf" \
	-f "$NT_TMP/sim.emu" -s "$NT_TMP/state"
nt_wait 5 nt_exec fencer ipmitool -I lan -A MD5 -H 10.58.0.3 -U admin \
	-P secret chassis power status || nt_fail "BMC not up: $(cat "$NT_TMP/sim.log")"

run() { local t=$(nt_ms); nt_exec fencer "$S" "$@" >"$NT_TMP/out" 2>"$NT_TMP/err"; local rc=$?; nt_log "stonith $* -> $rc ($(( $(nt_ms) - t )) ms)"; echo $rc; }
service() { nt_bg peer "$NT_TMP/svc.log" sleep 300; echo $NT_LASTPID >"$NT_TMP/victim"; }

# --- cluster-glue's external/ipmi, unmodified
if [ -x /usr/lib/stonith/plugins/external/ipmi ]; then
	P="peer 10.58.0.3 admin secret lan"
	rc=$(run -t external/ipmi -p "$P" -S)
	[ "$rc" = 0 ] || nt_fail "external/ipmi -S: $rc $(cat "$NT_TMP/err")"
	rc=$(run -t external/ipmi -p "$P" -l)
	[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/out")" = peer ] || nt_fail "external/ipmi -l"
	service; v=$(cat "$NT_TMP/victim")
	: >"$NT_TMP/chassis.log"
	rc=$(run -t external/ipmi -p "$P" -T reset peer)
	[ "$rc" = 0 ] || nt_fail "external/ipmi reset: $rc $(cat "$NT_TMP/err")"
	grep -q 'set reset 1' "$NT_TMP/chassis.log" || nt_fail "no reset at the BMC"
	nt_wait 2 sh -c "! kill -0 $v" || nt_fail "service survived the reset"
	rc=$(run -t external/ipmi -p "$P" -T off peer)
	[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/power")" = 0 ] || nt_fail "external/ipmi off: $rc"
	rc=$(run -t external/ipmi -p "$P" -T reset peer)	# off: powers on
	[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/power")" = 1 ] || nt_fail "reset of an off host: $rc"
	rc=$(run -t external/ipmi -p "peer 10.58.0.3 admin wrong lan" -T reset peer)
	[ "$rc" = 5 ] || nt_fail "external/ipmi bad password: exit $rc, wanted 5"
fi

# --- our ipmilan plugin
P="peer 10.58.0.3 623 md5 admin admin secret hard_reset"
rc=$(run -t ipmilan -p "$P" -S)
[ "$rc" = 0 ] || nt_fail "ipmilan -S: $rc $(cat "$NT_TMP/err")"
service; v=$(cat "$NT_TMP/victim")
: >"$NT_TMP/chassis.log"
rc=$(run -t ipmilan -p "$P" -T reset peer)
[ "$rc" = 0 ] || nt_fail "ipmilan reset: $rc $(cat "$NT_TMP/err")"
grep -q 'set reset 1' "$NT_TMP/chassis.log" || nt_fail "ipmilan: no reset at the BMC"
nt_wait 2 sh -c "! kill -0 $v" || nt_fail "service survived the ipmilan reset"
rc=$(run -t ipmilan -p "$P" -T off peer)
[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/power")" = 0 ] || nt_fail "ipmilan off: $rc"
rc=$(run -t ipmilan -p "$P" -T on peer)
[ "$rc" = 0 ] && [ "$(cat "$NT_TMP/power")" = 1 ] || nt_fail "ipmilan on: $rc"
rc=$(run -t ipmilan -p "$P" -T reset other)
[ "$rc" = 4 ] || nt_fail "ipmilan foreign host: exit $rc, wanted 4"
P="peer 10.58.0.3 623 md5 admin admin wrong"
# a BMC refusing the login: device not accessible
rc=$(run -t ipmilan -p "$P" -T reset peer)
[ "$rc" = 2 ] || nt_fail "ipmilan bad password reset: exit $rc, wanted 2"
# a BMC that does not answer: bounded by -w
t0=$(nt_ms)
rc=$(run -t ipmilan -w 2 -p "peer 10.58.0.9 623 md5 admin admin secret" -T reset peer)
[ "$rc" = 6 ] || [ "$rc" = 5 ] || nt_fail "dead BMC: exit $rc"
[ $(( $(nt_ms) - t0 )) -lt 6000 ] || nt_fail "dead BMC not bounded"
nt_pass
