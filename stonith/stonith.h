/*
 * stonith.h - STONITH devices: the plugin interface and the device object.
 *
 * A plugin is one static stonith_ops table compiled into the program and
 * found by type name ("null", "ssh", "external/NAME", ...).  A device is a
 * plugin plus its parameters.  Every operation is bounded by the device's
 * timeout: plugins run their work in child processes through stonith_run(),
 * which kills the child's process group when the time is up.
 *
 * Operations return the script-visible S_* codes below (the values of
 * cluster-glue's stonith.h, which are also the exit codes of the stonith
 * tool); they are never mixed with the internal negative hb_err codes.
 * A failing operation may leave a one-line reason in stonith_dev.err.
 */
#ifndef STONITH_STONITH_H
#define STONITH_STONITH_H

#include <glib.h>

enum stonith_rc {
	S_OK = 0,		/* success */
	S_BADCONFIG = 1,	/* bad parameters or usage */
	S_ACCESS = 2,		/* cannot reach or log in to the device */
	S_INVAL = 3,		/* operation not supported by the device */
	S_BADHOST = 4,		/* host not controlled by this device */
	S_RESETFAIL = 5,	/* the device was reached but the op failed */
	S_TIMEOUT = 6,		/* the operation did not finish in time */
	S_ISOFF = 7,		/* the host is already off */
	S_OOPS = 8,		/* unknown type or internal error */
};

enum stonith_op {
	STONITH_RESET,
	STONITH_ON,
	STONITH_OFF,
};

typedef struct stonith_dev stonith_dev;

typedef struct stonith_param_spec {
	const char *name;
	gboolean required;
	const char *help;
} stonith_param_spec;

typedef struct stonith_ops {
	const char *name;		/* type name; "external" is a prefix */
	const char *descr;		/* one line */
	unsigned default_timeout_ms;	/* per operation */
	/* Static parameter table (NULL-terminated by name == NULL), or NULL
	 * when param_names computes them. */
	const stonith_param_spec *params;
	/* Fills out (char *, owned by the array) in positional order. */
	int (*param_names)(stonith_dev *d, GPtrArray *out);
	/* Checks the parameters once they are set (optional). */
	int (*check)(stonith_dev *d);
	/* Hosts this device can fence; fills out with owned char *. */
	int (*hosts)(stonith_dev *d, GPtrArray *out);
	int (*status)(stonith_dev *d);
	int (*op)(stonith_dev *d, enum stonith_op op, const char *host);
} stonith_ops;

struct stonith_dev {
	const stonith_ops *ops;
	char *type;		/* as given, e.g. "external/ipmi" */
	char *subtype;		/* external: the script name, else NULL */
	char *script;		/* external: the script's full path */
	GHashTable *params;	/* name -> value, both owned */
	unsigned timeout_ms;
	char *err;		/* last failure reason, owned, may be NULL */
};

/* Type names, sorted, owned by the array (external/NAME included). */
GPtrArray *stonith_types(void);

/* A device of TYPE, or NULL with *out_err set (owned) when the type is
 * unknown.  Free with stonith_dev_free(). */
stonith_dev *stonith_dev_new(const char *type, char **out_err);
void stonith_dev_free(stonith_dev *d);	/* accepts NULL */

/* Parameter names in positional order (owned array of owned strings). */
int stonith_dev_param_names(stonith_dev *d, GPtrArray **out_names);

/* Sets d->params from the table (ownership taken) and runs ops->check. */
int stonith_dev_configure(stonith_dev *d, GHashTable *params);

const char *stonith_dev_get(stonith_dev *d, const char *name);
void stonith_dev_set_err(stonith_dev *d, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/* hosts list; checks the host is one of them (case-insensitive); runs the
 * op.  Returns S_BADHOST for a host the device does not control. */
int stonith_dev_hosts(stonith_dev *d, GPtrArray **out_hosts);
int stonith_dev_status(stonith_dev *d);
int stonith_dev_op(stonith_dev *d, enum stonith_op op, const char *host);

const char *stonith_op_name(enum stonith_op op);
const char *stonith_rc_text(int rc);

/*
 * Runs argv (argv[0] a path or found in PATH) with envp (NULL: ours) and
 * waits at most timeout_ms.  The child gets its own process group, which
 * gets SIGTERM then SIGKILL on timeout.  Its stdout (at most 64 KiB kept)
 * goes to *out_stdout (owned, may be NULL to discard); stderr is ours.
 * Returns 0 with *out_status = exit code (128 + signal when killed),
 * -ETIMEDOUT on timeout, or a negative errno when it cannot start.
 */
int stonith_run(char **argv, char **envp, unsigned timeout_ms,
		char **out_stdout, int *out_status);

/* Splits a host list on blanks and commas (owned strings). */
GPtrArray *stonith_split_hosts(const char *list);

#endif
