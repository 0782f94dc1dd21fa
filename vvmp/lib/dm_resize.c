// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: grow a dm device that exposes a VD after the VD was extended.
 *
 * A dm device's capacity is the length of its table, and the only way to
 * change it is a new table: load "0 <size> vvmp vd <vd> [client <client>]"
 * and resume. The resume swaps tables under a noflush suspend
 * (DM_NOFLUSH_FLAG), so bios are held for the swap, never failed; it sets
 * the new capacity and emits the resize uevent. Plain ioctls on
 * /dev/mapper/control (linux/dm-ioctl.h), no libdevmapper.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/dm-ioctl.h>

#include "codec.h"

#define DM_CONTROL	"/dev/mapper/control"
#define DM_BUFFER_SIZE	(sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) + 512)

/*
 * The device is named by @dev (new_encode_dev(), which is also the kernel's
 * huge_encode_dev() of dm_ioctl.dev) when non-zero, else by @dm_name: the
 * dm ioctls refuse a request that carries both.
 */
static void dm_header(struct dm_ioctl *io, size_t size, const char *dm_name, uint32_t dev)
{
	memset(io, 0, sizeof(*io));
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = size;
	io->data_start = sizeof(*io);
	if (dev)
		io->dev = dev;
	else
		snprintf(io->name, sizeof(io->name), "%s", dm_name);
}

static int dm_load_buffer(void *buf, size_t len, const char *dm_name, uint32_t dev,
			  uint64_t size, const char *vd, const char *client)
{
	struct dm_ioctl *io = buf;
	struct dm_target_spec *spec;
	char *params;
	size_t room, total;
	int n;

	if (len < sizeof(*io) + sizeof(*spec) + 1 || !dm_name || !vd || size == 0)
		return -EINVAL;
	if (strlen(dm_name) >= DM_NAME_LEN)
		return -ENAMETOOLONG;
	memset(buf, 0, len);
	spec = (struct dm_target_spec *)((char *)buf + sizeof(*io));
	params = (char *)(spec + 1);
	room = len - sizeof(*io) - sizeof(*spec);
	if (client)
		n = snprintf(params, room, "%s %s %s %s", VVMP_TABLE_VD_WORD, vd,
			     VVMP_TABLE_CLIENT_WORD, client);
	else
		n = snprintf(params, room, "%s %s", VVMP_TABLE_VD_WORD, vd);
	if (n < 0 || (size_t)n >= room)
		return -ENAMETOOLONG;
	/* Params end with NUL, padded to 8 bytes for the (absent) next spec. */
	total = sizeof(*io) + sizeof(*spec) + (((size_t)n + 1 + 7) & ~(size_t)7);
	if (total > len)
		return -ENAMETOOLONG;
	dm_header(io, total, dm_name, dev);
	io->target_count = 1;
	spec->sector_start = 0;
	spec->length = size;
	spec->next = 0;
	snprintf(spec->target_type, sizeof(spec->target_type), "%s", VVMP_TARGET_NAME);
	return (int)total;
}

int vaapi_dm_load_buffer(void *buf, size_t len, const char *dm_name, uint64_t size,
			 const char *vd, const char *client)
{
	return dm_load_buffer(buf, len, dm_name, 0, size, vd, client);
}

int vaapi_dm_load_buffer_dev(void *buf, size_t len, uint32_t dev, uint64_t size,
			     const char *vd, const char *client)
{
	if (!dev)
		return -EINVAL;
	return dm_load_buffer(buf, len, "", dev, size, vd, client);
}

int vaapi_dm_resize(const char *dm_name, uint32_t dev, uint64_t size, const char *vd,
		    const char *client, char *errbuf, size_t errlen)
{
	union {
		struct dm_ioctl io;
		char bytes[DM_BUFFER_SIZE];
	} buf;
	struct dm_ioctl resume, clear;
	int fd, len, err = 0;

	len = dm_load_buffer(&buf, sizeof(buf), dm_name, dev, size, vd, client);
	if (len < 0) {
		snprintf(errbuf, errlen, "table for %s does not fit", dm_name);
		return len;
	}
	fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "open %s: %s", DM_CONTROL, strerror(errno));
		return err;
	}
	if (ioctl(fd, DM_TABLE_LOAD, &buf) < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "DM_TABLE_LOAD: %s", strerror(errno));
		goto out;
	}
	/* Resume without DM_SUSPEND_FLAG swaps in the loaded table. */
	dm_header(&resume, sizeof(resume), dm_name, dev);
	resume.flags = DM_NOFLUSH_FLAG;
	if (ioctl(fd, DM_DEV_SUSPEND, &resume) < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "DM_DEV_SUSPEND (resume): %s", strerror(errno));
		/* Leave the device as it was: drop the table we loaded. */
		dm_header(&clear, sizeof(clear), dm_name, dev);
		ioctl(fd, DM_TABLE_CLEAR, &clear);
	}
out:
	close(fd);
	return err;
}

void vaapi_device_resolve_name(struct vaapi_device *d)
{
	unsigned int major, minor;
	char numbers[32], path[96], name[VAAPI_DM_NAME_MAX];
	FILE *f;
	size_t n;

	if (!d->has_dev)
		return;
	major = (d->dev & 0xfff00) >> 8;
	minor = (d->dev & 0xff) | ((d->dev >> 12) & 0xfff00);
	snprintf(numbers, sizeof(numbers), "%u:%u", major, minor);
	if (strcmp(d->name, numbers))
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%s/dm/name", numbers);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(name, 1, sizeof(name) - 1, f);
	fclose(f);
	while (n && (name[n - 1] == '\n' || name[n - 1] == '\0'))
		n--;
	if (!n)
		return;
	name[n] = '\0';
	memcpy(d->name, name, n + 1);
}
