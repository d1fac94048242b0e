/*
 * registry.c - the compiled-in STONITH plugins by name, the external
 * scripts found in the plugin directories, and stonith_dev_new(), which
 * makes a device of a type.  The only file that knows every plugin
 * (plugins.h); it depends on the plugins, which depend on device.c.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "plugins.h"
#include "stonith.h"

static const stonith_ops *const stonith_registry[] = {
	&stonith_null_ops,
	&stonith_ssh_ops,
	&stonith_meatware_ops,
	&stonith_ipmilan_ops,
};

static gint
stonith_cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *
stonith_types(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dirs = stonith_external_dirs();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(stonith_registry); i++)
		g_ptr_array_add(out, g_strdup(stonith_registry[i]->name));
	for (i = 0; i < dirs->len; i++) {
		g_autoptr(GDir) dir = g_dir_open(dirs->pdata[i], 0, NULL);
		const char *n;
		int count = 0;

		while (dir != NULL && (n = g_dir_read_name(dir)) != NULL &&
		       count++ < 1000) {
			g_autofree char *p = g_build_filename(dirs->pdata[i],
							      n, NULL);

			if (n[0] == '.' || g_hash_table_contains(seen, n) ||
			    !g_file_test(p, G_FILE_TEST_IS_REGULAR) ||
			    access(p, X_OK) != 0)
				continue;
			g_hash_table_add(seen, (char *)g_intern_string(n));
			g_ptr_array_add(out, g_strconcat("external/", n, NULL));
		}
	}
	g_ptr_array_sort(out, stonith_cmp_str);
	return out;
}

stonith_dev *
stonith_dev_new(const char *type, char **out_err)
{
	const stonith_ops *ops = NULL;
	stonith_dev *d;
	char *script = NULL;
	size_t i;

	if (g_str_has_prefix(type, "external/")) {
		const char *name = type + strlen("external/");

		script = stonith_external_find(name);
		if (script == NULL) {
			*out_err = g_strdup_printf("unknown STONITH type "
						   "\"%s\": no executable "
						   "script \"%s\" in the "
						   "external plugin "
						   "directories", type, name);
			return NULL;
		}
		ops = &stonith_external_ops;
	} else {
		for (i = 0; i < G_N_ELEMENTS(stonith_registry); i++)
			if (strcmp(stonith_registry[i]->name, type) == 0)
				ops = stonith_registry[i];
	}
	if (ops == NULL) {
		*out_err = g_strdup_printf("unknown STONITH type \"%s\" "
					   "(stonith -L lists them)", type);
		return NULL;
	}
	d = g_new0(stonith_dev, 1);
	d->ops = ops;
	d->type = g_strdup(type);
	if (script != NULL) {
		d->script = script;
		d->subtype = g_strdup(type + strlen("external/"));
	}
	d->params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  g_free);
	d->timeout_ms = ops->default_timeout_ms;
	return d;
}

