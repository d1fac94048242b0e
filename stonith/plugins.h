/*
 * plugins.h - the compiled-in STONITH plugins (private to stonith/).
 */
#ifndef STONITH_PLUGINS_H
#define STONITH_PLUGINS_H

#include "stonith.h"

extern const stonith_ops stonith_null_ops;
extern const stonith_ops stonith_external_ops;
extern const stonith_ops stonith_ssh_ops;
extern const stonith_ops stonith_meatware_ops;
extern const stonith_ops stonith_ipmilan_ops;

/* external: directories searched for scripts, in order (owned). */
GPtrArray *stonith_external_dirs(void);
/* external: full path of script NAME, or NULL (owned). */
char *stonith_external_find(const char *name);

#endif
