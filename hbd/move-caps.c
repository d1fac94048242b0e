/*
 * move-caps.c - the "# hbd-move:" line of a resource script (move-caps.h).
 */
#include "config.h"

#include <string.h>

#include "move-caps.h"

unsigned
hbd_move_caps_parse(const char *buf, size_t len)
{
	static const char tag[] = "# hbd-move:";
	const size_t tl = sizeof(tag) - 1;
	size_t i = 0;

	while (i < len) {
		size_t e = i;
		unsigned caps = 0;

		while (e < len && buf[e] != '\n')
			e++;
		if (e - i > tl && memcmp(buf + i, tag, tl) == 0) {
			size_t p = i + tl;

			while (p < e) {
				size_t w;

				while (p < e && (buf[p] == ' ' || buf[p] == '\t'))
					p++;
				w = p;
				while (w < e && buf[w] != ' ' && buf[w] != '\t' &&
				       buf[w] != '\r')
					w++;
				if (w - p == 7 && memcmp(buf + p, "prepare", 7) == 0)
					caps |= HBD_MOVE_PREPARE;
				else if (w - p == 5 && memcmp(buf + p, "drain", 5) == 0)
					caps |= HBD_MOVE_DRAIN;
				else if (w - p == 7 &&
					 memcmp(buf + p, "address", 7) == 0)
					caps |= HBD_MOVE_ADDRESS;
				else if (w - p == 5 && memcmp(buf + p, "early", 5) == 0)
					caps |= HBD_MOVE_EARLY;
				p = w + 1;
			}
			return caps;
		}
		i = e + 1;
	}
	return 0;
}
