// SPDX-License-Identifier: GPL-2.0
/*
 * The block devices of remote attachments as sysfs and /dev show them:
 * numbers and size, the /dev node (made if devtmpfs has none: there is no
 * udev in the test guest, and maybe not on a storage server either) and
 * whether anything holds the device exclusively, which is how a dm table,
 * dm-vvmp's PD and a mount hold it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon/remote.h"

int remote_sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		err = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return err;
}

int remote_dev_read(const char *name, struct remote_dev *dev)
{
	char path[128], buf[64];
	unsigned long long sectors;
	unsigned int maj, min;
	int err;

	if (strlen(name) >= sizeof(dev->name))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "/sys/block/%s/dev", name);
	err = remote_sysfs_read(path, buf, sizeof(buf));
	if (err)
		return err;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EIO;
	snprintf(path, sizeof(path), "/sys/block/%s/size", name);
	err = remote_sysfs_read(path, buf, sizeof(buf));
	if (err)
		return err;
	if (sscanf(buf, "%llu", &sectors) != 1)
		return -EIO;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->major = maj;
	dev->minor = min;
	dev->sectors = sectors;
	return 0;
}

int remote_dev_node(const struct remote_dev *dev, char *path, size_t len)
{
	dev_t devt = makedev(dev->major, dev->minor);
	struct stat st;

	snprintf(path, len, "/dev/%s", dev->name);
	if (!stat(path, &st))
		return S_ISBLK(st.st_mode) && st.st_rdev == devt ? 0 : -EEXIST;
	if (errno != ENOENT)
		return -errno;
	if (mknod(path, S_IFBLK | 0600, devt) && errno != EEXIST)
		return -errno;
	return 0;
}

int remote_dev_busy(const struct remote_dev *dev)
{
	char path[64];
	int fd, err = remote_dev_node(dev, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}
