// SPDX-License-Identifier: GPL-2.0
/*
 * Which host block device holds a pool volume: the one piece of the kernel
 * hand-off that depends on how a volume is reached (its transport).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vvmpd_internal.h"

/* "major:minor" of the block device at @path; -errno if it is none. */
static int devnum(const char *path, char *out, size_t len)
{
	unsigned int maj, min;
	struct stat st;
	int end = 0;

	if (sscanf(path, "%u:%u%n", &maj, &min, &end) == 2 && !path[end]) {
		snprintf(out, len, "%u:%u", maj, min);
		return 0;
	}
	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(out, len, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

int vvmpd_volume_device(struct vvmpd *d, const struct vvmp_repo_volume *v,
			char *out, size_t len, char *why, size_t why_len)
{
	int err;

	(void)d;
	if (v->transport != VVMP_TR_LOCAL || !v->address[0]) {
		snprintf(why, why_len, "volume %u is not a local block device", v->id);
		return -EOPNOTSUPP;
	}
	err = devnum(v->address, out, len);
	if (err)
		snprintf(why, why_len, "volume %u: %s: %s", v->id, v->address, strerror(-err));
	return err;
}
