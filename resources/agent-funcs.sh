# agent-funcs.sh - shared shell functions for hbd's resource agents.
#
# Sourced by every agent in resources/.  An agent works two ways:
#   Heartbeat style:  agent [arg1 arg2 ...] start|stop|status
#                     (args are the haresources "::" fields; status prints
#                     "running" or "stopped"; exit 0 = ok/running,
#                     3 = stopped for status, 1 = failure)
#   OCF style:        OCF_RESKEY_* env, agent start|stop|monitor|
#                     validate-all|meta-data, OCF exit codes.
# OCF mode is chosen when OCF_ROOT or OCF_RESOURCE_INSTANCE is set, or the
# action is one only OCF knows (monitor, meta-data, validate-all), unless
# arguments precede the action (always a Heartbeat call).
#
# Contract for the agent: define ag_meta_data, ag_start, ag_stop,
# AG_ACTION holds the action being run.
# Planned moves (hbd): an agent that defines ag_prepare and/or ag_drain
# declares them in a "# hbd-move: prepare drain" line near its top (hbd reads
# that line; it never runs an unknown script to ask) and mentions them in
# its meta-data's longdesc (ra-api-1.dtd has a fixed list of action names);
# both modes then accept the actions "prepare" and "drain".
# ag_monitor (returns $OCF_SUCCESS / $OCF_NOT_RUNNING / error), ag_validate,
# and ag_params_from_args "$@" (maps Heartbeat args to OCF_RESKEY_*), then
# call ag_main "$@".

# hbd runs scripts with a minimal environment (no PATH).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH

OCF_SUCCESS=0
OCF_ERR_GENERIC=1
OCF_ERR_ARGS=2
OCF_ERR_UNIMPLEMENTED=3
OCF_ERR_PERM=4
OCF_ERR_INSTALLED=5
OCF_ERR_CONFIGURED=6
OCF_NOT_RUNNING=7

AG_NAME=${AG_NAME:-$(basename "$0")}
AG_OCF=0

# ag_log LEVEL MSG...: to stderr (hbd logs script output on failure) and,
# when HA_LOGFILE or HA_DEBUGLOG is set, appended there too.
ag_log() {
	local lvl=$1 line
	shift
	line="$AG_NAME: $lvl: $*"
	echo "$line" >&2
	if [ -n "${HA_LOGFILE:-}" ]; then
		printf '%(%Y/%m/%d_%H:%M:%S)T %s\n' -1 "$line" \
			>>"$HA_LOGFILE" 2>/dev/null
	fi
	if command -v logger >/dev/null 2>&1 && [ -z "${HA_LOGFILE:-}" ] &&
	   [ -S /dev/log ]; then
		logger -t "$AG_NAME" -p "daemon.$lvl" -- "$*" 2>/dev/null
	fi
	return 0
}
ag_err() { ag_log err "$@"; }
ag_info() { ag_log info "$@"; }

# ag_rundir: per network namespace state directory (nodes in test
# namespaces share the file system but not the network stack).
# (computed once per run: agents sit on the failover path, so they fork
# as little as they can)
ag_rundir() {
	if [ -z "${AG_RUNDIR:-}" ]; then
		local ns
		ns=$(stat -L -c %i /proc/self/ns/net 2>/dev/null || echo 0)
		AG_RUNDIR="${HB_AGENT_RUNDIR:-${HB_RUNDIR:-/run/hbd}/agents}/net$ns"
		[ -d "$AG_RUNDIR" ] || mkdir -p "$AG_RUNDIR" 2>/dev/null ||
			{ AG_RUNDIR=/tmp/hbd-agents.net$ns; mkdir -p "$AG_RUNDIR"; }
	fi
	echo "$AG_RUNDIR"
}

# ag_libexec_file NAME: a helper in $HB_LIBEXECDIR, next to the agent
# (in-tree build) or in
# the installed libexec directory.
ag_libexec_file() {
	local here=. d
	case "$0" in */*) here=${0%/*} ;; esac
	for d in "${HB_LIBEXECDIR:-}" "$here" "@pkglibexecdir@"; do
		if [ -n "$d" ] && [ -x "$d/$1" ] && [ -f "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

# ag_main "$@": dispatch.
ag_main() {
	local action n
	n=$#
	if [ "$n" -ge 1 ]; then
		eval "action=\${$n}"
	else
		action=""
	fi
	case "$action" in
	monitor|meta-data|validate-all|promote|demote|notify|migrate_to|migrate_from|reload)
		AG_OCF=1 ;;
	esac
	if [ -n "${OCF_ROOT:-}" ] || [ -n "${OCF_RESOURCE_INSTANCE:-}" ]; then
		AG_OCF=1
	fi
	# arguments before the action: a Heartbeat call, whatever the
	# environment says (OCF calls carry exactly one word)
	if [ "$n" -ge 2 ]; then
		AG_OCF=0
	fi
	if [ "$AG_OCF" = 1 ]; then
		action=${1:-}
		AG_ACTION=$action
		ag_ocf "$action"
		exit $?
	fi
	if [ -z "$action" ]; then
		echo "usage: $AG_NAME [args...] {start|stop|status}" >&2
		exit 1
	fi
	# Heartbeat style: everything before the action is an argument.
	local args=() i=1
	while [ "$i" -lt "$n" ]; do
		eval "args+=(\"\${$i}\")"
		i=$((i + 1))
	done
	ag_params_from_args "${args[@]}" || exit 1
	AG_ACTION=$action
	ag_hb "$action"
	exit $?
}

# ag_is_probe: a monitor Pacemaker runs to find out where a resource is
# (it passes CRM_meta_timeout to every operation, and no interval or 0 for
# a probe); a monitor run by hand is never a probe.
ag_is_probe() {
	[ "${AG_ACTION:-}" = monitor ] && [ -n "${OCF_RESKEY_CRM_meta_timeout:-}" ] &&
		[ "${OCF_RESKEY_CRM_meta_interval:-0}" = 0 ]
}

ag_ocf() {
	local rc
	case "$1" in
	meta-data)	ag_meta_data; return $OCF_SUCCESS ;;
	usage|help)	echo "usage: $AG_NAME {start|stop|monitor|status|validate-all|meta-data}"
			return $OCF_SUCCESS ;;
	validate-all)	ag_validate; return $? ;;
	start|stop|monitor|status) ;;
	prepare|drain)	ag_has "ag_$1" || return $OCF_ERR_UNIMPLEMENTED ;;
	*)		echo "usage: $AG_NAME {start|stop|monitor|status|validate-all|meta-data}" >&2
			return $OCF_ERR_UNIMPLEMENTED ;;
	esac
	ag_validate
	rc=$?
	if [ $rc != 0 ]; then
		# A stop or probe of something that cannot be configured here
		# is "not running" rather than a failure (OCF rule).
		case "$1" in
		stop) [ $rc = $OCF_ERR_INSTALLED ] || [ $rc = $OCF_ERR_CONFIGURED ] && return $OCF_SUCCESS ;;
		monitor|status) [ $rc = $OCF_ERR_INSTALLED ] && return $OCF_NOT_RUNNING
			# a probe (monitor, interval 0) on a node without this
			# resource's files: "not running here", since Pacemaker
			# bans a resource from every node when a probe answers
			# "not configured" (issue 17; validate-all and start
			# still refuse with the error)
			[ $rc = $OCF_ERR_CONFIGURED ] && ag_is_probe && return $OCF_NOT_RUNNING ;;
		esac
		return $rc
	fi
	case "$1" in
	start)		ag_start ;;
	stop)		ag_stop ;;
	monitor|status)	ag_monitor ;;
	prepare)	ag_prepare ;;
	drain)		ag_drain ;;
	esac
}

# ag_has FUNC: the agent defines FUNC
ag_has() { [ "$(type -t "$1")" = function ]; }

# Heartbeat/LSB mapping of the same operations.
ag_hb() {
	local rc
	case "$1" in
	start|stop|status) ;;
	prepare|drain)
		ag_has "ag_$1" || { echo "$AG_NAME: no $1 action" >&2; return 1; } ;;
	*)	echo "usage: $AG_NAME [args...] {start|stop|status}" >&2
		return 1 ;;
	esac
	ag_validate
	rc=$?
	if [ $rc != 0 ]; then
		case "$1" in
		stop|drain)	return 0 ;;
		status)	echo "stopped"; return 3 ;;
		esac
		return 1
	fi
	case "$1" in
	start)	ag_start; rc=$?; [ $rc = 0 ] || return 1 ;;
	stop)	ag_stop; rc=$?; [ $rc = 0 ] || return 1 ;;
	status)	ag_monitor; rc=$?
		if [ $rc = 0 ]; then echo "running"; return 0; fi
		echo "stopped"
		return 3 ;;
	prepare) ag_prepare || return 1 ;;
	drain)	ag_drain || return 1 ;;
	esac
	return 0
}
