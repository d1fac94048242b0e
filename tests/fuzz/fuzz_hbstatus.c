/*
 * fuzz_hbstatus.c - libFuzzer harness for hbd status's reply parsers
 * (hbstatus.h).  The input is split at NUL bytes into the replies to
 * nodes, links (for the first node), rmstatus, fencing, events and
 * replicate's STATUS; the report is then evaluated and rendered both ways,
 * and the JSON must be valid UTF-8.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hbstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *buf = g_malloc(size + 1);
	const char *part[6] = { "", "", "", "", "", "" };
	hbs_report *r = hbs_report_new();
	GString *out = g_string_new(NULL);
	size_t off = 0;
	int i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i < 6 && off <= size; i++) {
		part[i] = buf + off;
		off += strlen(buf + off) + 1;
	}
	r->hbd_reachable = TRUE;
	r->self = g_strdup("node1");
	r->repl.configured = TRUE;
	hbs_parse_nodes(r, part[0]);
	if (r->nodes->len > 0)
		hbs_parse_links(r, ((hbs_node *)g_ptr_array_index(r->nodes,
								 0))->name,
				part[1]);
	hbs_parse_rmstatus(r, part[2]);
	hbs_parse_fencing(r, part[3]);
	hbs_parse_events(r, part[4]);
	hbs_parse_repl(r, part[5]);
	hbs_evaluate(r, 30000);
	g_assert(r->level <= HBS_UNKNOWN && r->summary != NULL);
	hbs_format_text(r, out);
	g_string_truncate(out, 0);
	hbs_format_json(r, out);
	g_assert(g_utf8_validate(out->str, out->len, NULL));
	g_string_free(out, TRUE);
	hbs_report_free(r);
	return 0;
}
