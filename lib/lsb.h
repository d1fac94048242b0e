/*
 * lsb.h - exit codes that scripts and agents speak (never mixed with the
 * internal hb_err codes of hb_err.h).
 *
 * LSB init scripts give two sets: action codes (start, stop, restart,
 * ...: 0 success, 1..7 failures) and status codes (status: 0 running,
 * 1..4 not running or unknown).  OCF agents (Pacemaker's resource agent
 * API) share the action values and add monitor's 7 (not running) and the
 * promotable states.  The same numbers are in resources/agent-funcs.sh.
 */
#ifndef HB_LSB_H
#define HB_LSB_H

/* LSB init script actions (LSB 3.1, 20.2). */
enum hb_lsb_action {
	HB_LSB_OK = 0,
	HB_LSB_ERR_GENERIC = 1,
	HB_LSB_ERR_ARGS = 2,
	HB_LSB_ERR_UNIMPLEMENTED = 3,
	HB_LSB_ERR_PERM = 4,
	HB_LSB_ERR_INSTALLED = 5,
	HB_LSB_ERR_CONFIGURED = 6,
	HB_LSB_NOT_RUNNING = 7,
};

/* LSB init script "status" (LSB 3.1, 20.2). */
enum hb_lsb_status {
	HB_LSB_STATUS_RUNNING = 0,
	HB_LSB_STATUS_DEAD_PID = 1,
	HB_LSB_STATUS_DEAD_LOCK = 2,
	HB_LSB_STATUS_STOPPED = 3,
	HB_LSB_STATUS_UNKNOWN = 4,
};

/* OCF resource agents (every action, monitor included). */
enum hb_ocf_rc {
	HB_OCF_SUCCESS = 0,
	HB_OCF_ERR_GENERIC = 1,
	HB_OCF_ERR_ARGS = 2,
	HB_OCF_ERR_UNIMPLEMENTED = 3,
	HB_OCF_ERR_PERM = 4,
	HB_OCF_ERR_INSTALLED = 5,
	HB_OCF_ERR_CONFIGURED = 6,
	HB_OCF_NOT_RUNNING = 7,
	HB_OCF_RUNNING_PROMOTED = 8,
	HB_OCF_FAILED_PROMOTED = 9,
};

#endif
