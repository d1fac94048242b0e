/*
 * state.c - generation number and UUID persistence (see state.h).
 *
 * Writes go to a temporary file that is fsynced and renamed, so a crash
 * never leaves a truncated hb_generation behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "state.h"

static int
state_write_atomic(const char *dir, const char *name, const void *buf,
		   size_t len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
hbd_state_next_generation(const char *statedir, gboolean by_time,
			  uint64_t *out_gen)
{
	g_autofree char *path = g_build_filename(statedir, "hb_generation",
						 NULL);
	g_autofree char *text = NULL;
	char buf[32];
	uint64_t gen = 0;
	int rc;

	if (g_mkdir_with_parents(statedir, 0755) != 0)
		return -errno;
	if (g_file_get_contents(path, &text, NULL, NULL)) {
		char *end;

		g_strstrip(text);
		gen = g_ascii_strtoull(text, &end, 10);
		if (*end != '\0')
			gen = 0;
	}
	if (by_time)
		gen = MAX((uint64_t)time(NULL), gen + 1);
	else if (gen == 0)
		gen = (uint64_t)time(NULL) + 1;
	else
		gen++;
	snprintf(buf, sizeof(buf), "%15llu\n", (unsigned long long)gen);
	rc = state_write_atomic(statedir, "hb_generation", buf, strlen(buf));
	if (rc != 0)
		return rc;
	*out_gen = gen;
	return 0;
}

int
hbd_state_uuid(const char *statedir, const char *nodename, gboolean from_name,
	       guint8 out_uuid[HBD_UUID_LEN])
{
	g_autofree char *path = g_build_filename(statedir, "hb_uuid", NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	guint8 uuid[HBD_UUID_LEN];
	int rc;

	if (from_name) {
		guint8 md[32];
		gsize mdlen = sizeof(md);
		GChecksum *h = g_checksum_new(G_CHECKSUM_SHA256);

		g_checksum_update(h, (const guchar *)nodename,
				  strlen(nodename));
		g_checksum_get_digest(h, md, &mdlen);
		g_checksum_free(h);
		memcpy(out_uuid, md, HBD_UUID_LEN);
		return 0;
	}
	if (g_file_get_contents(path, &data, &len, NULL) &&
	    len == HBD_UUID_LEN) {
		memcpy(out_uuid, data, HBD_UUID_LEN);
		return 0;
	}
	if (g_mkdir_with_parents(statedir, 0755) != 0)
		return -errno;
	if (getrandom(uuid, sizeof(uuid), 0) != (ssize_t)sizeof(uuid))
		return -EIO;
	rc = state_write_atomic(statedir, "hb_uuid", uuid, sizeof(uuid));
	if (rc != 0)
		return rc;
	memcpy(out_uuid, uuid, HBD_UUID_LEN);
	return 0;
}
