// SPDX-License-Identifier: GPL-2.0
/*
 * The dm tables of a RAID5 VD as text: names, geometry, the dm-linear
 * slices of a member and the dm-raid line. Pure; see raid_table.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/raid_table.h"

#define RAID_NAME_PREFIX	"vvmpd-r5-"

int raid_dm_name(char *out, size_t len, const char *vd_name, enum raid_dev_kind kind,
		 unsigned int member)
{
	int n;

	switch (kind) {
	case RAID_DEV_SET:
		n = snprintf(out, len, RAID_NAME_PREFIX "%s", vd_name);
		break;
	case RAID_DEV_DATA:
		n = snprintf(out, len, RAID_NAME_PREFIX "%s-m%u", vd_name, member);
		break;
	default:
		n = snprintf(out, len, RAID_NAME_PREFIX "%s-meta%u", vd_name, member);
		break;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int raid_dm_name_vd(const char *dm_name, uint32_t san_id, uint32_t *vd_id,
		    enum raid_dev_kind *kind)
{
	unsigned int san, vd, member;
	int end = 0, rest = 0;

	if (sscanf(dm_name, RAID_NAME_PREFIX "san%u-vd%u%n", &san, &vd, &end) != 2 ||
	    san != san_id || !vd)
		return 0;
	dm_name += end;
	if (!*dm_name)
		*kind = RAID_DEV_SET;
	else if (sscanf(dm_name, "-m%u%n", &member, &rest) == 1 && !dm_name[rest])
		*kind = RAID_DEV_DATA;
	else if (sscanf(dm_name, "-meta%u%n", &member, &rest) == 1 && !dm_name[rest])
		*kind = RAID_DEV_META;
	else
		return 0;
	*vd_id = vd;
	return 1;
}

static int chunk_ok(uint32_t chunk_sectors)
{
	/* dm-raid: a power of two, at least 8 sectors (4 KiB). */
	return chunk_sectors >= 8 && !(chunk_sectors & (chunk_sectors - 1));
}

int raid5_geometry(uint32_t members, uint64_t member_sectors, uint32_t chunk_sectors,
		   uint64_t *data_sectors, uint64_t *array_sectors)
{
	uint64_t data;

	if (members < RAID_MIN_MEMBERS || members > RAID_MAX_MEMBERS || !chunk_ok(chunk_sectors) ||
	    member_sectors <= RAID_META_SECTORS)
		return -EINVAL;
	data = (member_sectors - RAID_META_SECTORS) / chunk_sectors * chunk_sectors;
	if (!data)
		return -EINVAL;
	*data_sectors = data;
	*array_sectors = data * (members - 1);
	return 0;
}

int raid_slice(const struct raid_extent *ext, size_t n, uint64_t from, uint64_t len,
	       struct raid_linear_target *out, size_t max)
{
	uint64_t base = 0, done = 0;
	int nout = 0;

	if (!len)
		return -ERANGE;
	for (size_t i = 0; i < n && done < len; i++) {
		const struct raid_extent *e = &ext[i];
		uint64_t pos = from + done, skip, take;

		if (pos >= base + e->length) {
			base += e->length;
			continue;
		}
		if ((size_t)nout == max)
			return -E2BIG;
		skip = pos - base;
		take = e->length - skip;
		if (take > len - done)
			take = len - done;
		out[nout] = (struct raid_linear_target){ .start = done, .length = take,
							 .offset = e->offset + skip };
		memcpy(out[nout].device, e->device, RAID_DEV_LEN);
		out[nout].device[RAID_DEV_LEN - 1] = '\0';
		nout++;
		done += take;
		base += e->length;
	}
	return done == len ? nout : -ERANGE;
}

int raid_linear_params(char *out, size_t len, const struct raid_linear_target *t)
{
	int n = snprintf(out, len, "%s %" PRIu64, t->device, t->offset);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

int raid5_table_params(char *out, size_t len, uint32_t chunk_sectors, unsigned int n,
		       const char (*meta)[RAID_DEV_LEN], const char (*data)[RAID_DEV_LEN])
{
	size_t used;
	int w;

	if (n < RAID_MIN_MEMBERS || n > RAID_MAX_MEMBERS || !chunk_ok(chunk_sectors))
		return -EINVAL;
	/* One raid parameter (the chunk): no sync/nosync, dm-raid's region size. */
	w = snprintf(out, len, "raid5_ls 1 %u %u", chunk_sectors, n);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	used = (size_t)w;
	for (unsigned int i = 0; i < n; i++) {
		w = snprintf(out + used, len - used, " %s %s", meta[i], data[i]);
		if (w < 0 || (size_t)w >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return (int)used;
}
