// SPDX-License-Identifier: GPL-2.0
/*
 * The dm tables of a RAID5 VD (vvmp/daemon/raid_table.c): device names,
 * raid5 geometry, a member's metadata and data slices, the dm-raid line.
 */
#include <errno.h>
#include <string.h>

#include "daemon/raid_table.h"
#include "../proto/tap.h"

static int test_names_follow_the_vd_and_are_recognised(void)
{
	char name[RAID_NAME_LEN];
	enum raid_dev_kind kind;
	uint32_t vd = 0;

	CHECK_EQ(raid_dm_name(name, sizeof(name), "san1-vd7", RAID_DEV_SET, 0), 0);
	CHECK(!strcmp(name, "vvmpd-r5-san1-vd7"));
	CHECK_EQ(raid_dm_name(name, sizeof(name), "san1-vd7", RAID_DEV_DATA, 2), 0);
	CHECK(!strcmp(name, "vvmpd-r5-san1-vd7-m2"));
	CHECK_EQ(raid_dm_name(name, sizeof(name), "san1-vd7", RAID_DEV_META, 15), 0);
	CHECK(!strcmp(name, "vvmpd-r5-san1-vd7-meta15"));
	CHECK_EQ(raid_dm_name(name, 10, "san1-vd7", RAID_DEV_SET, 0), -ENAMETOOLONG);

	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd7", 1, &vd, &kind), 1);
	CHECK_EQ(vd, 7);
	CHECK_EQ(kind, RAID_DEV_SET);
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd12-m0", 1, &vd, &kind), 1);
	CHECK_EQ(vd, 12);
	CHECK_EQ(kind, RAID_DEV_DATA);
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd12-meta3", 1, &vd, &kind), 1);
	CHECK_EQ(kind, RAID_DEV_META);
	/* Another SAN's, someone else's, or not one of the three kinds: not ours. */
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san2-vd7", 1, &vd, &kind), 0);
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd0", 1, &vd, &kind), 0);
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd7-x0", 1, &vd, &kind), 0);
	CHECK_EQ(raid_dm_name_vd("vvmpd-r5-san1-vd7-m0junk", 1, &vd, &kind), 0);
	CHECK_EQ(raid_dm_name_vd("vg0-lv_rimage_0", 1, &vd, &kind), 0);
	return 0;
}

static int test_geometry_whole_chunks_after_the_metadata(void)
{
	uint64_t data = 0, array = 0;

	/* 16 MiB over 3 members as vvmpd lays it out: 2048 + 16384 sectors each. */
	CHECK_EQ(raid5_geometry(3, 18432, 128, &data, &array), 0);
	CHECK_EQ(data, 16384);
	CHECK_EQ(array, 32768);
	/* A member holding a partial chunk more: rounded down. */
	CHECK_EQ(raid5_geometry(4, 18432 + 100, 128, &data, &array), 0);
	CHECK_EQ(data, 16384);
	CHECK_EQ(array, 3 * 16384);
	CHECK_EQ(raid5_geometry(2, 18432, 128, &data, &array), -EINVAL);	/* no parity */
	CHECK_EQ(raid5_geometry(17, 18432, 128, &data, &array), -EINVAL);
	CHECK_EQ(raid5_geometry(3, 18432, 96, &data, &array), -EINVAL);	/* not 2^n */
	CHECK_EQ(raid5_geometry(3, 18432, 4, &data, &array), -EINVAL);	/* < 4 KiB */
	CHECK_EQ(raid5_geometry(3, RAID_META_SECTORS, 8, &data, &array), -EINVAL);
	CHECK_EQ(raid5_geometry(3, RAID_META_SECTORS + 64, 128, &data, &array), -EINVAL);
	return 0;
}

static int test_slices_of_one_extent(void)
{
	struct raid_extent ext[1] = { { "1:3", 4096, 18432 } };
	struct raid_linear_target t[4];
	char params[64];

	/* Metadata: the member's first 2048 sectors. */
	CHECK_EQ(raid_slice(ext, 1, 0, RAID_META_SECTORS, t, 4), 1);
	CHECK_EQ(t[0].start, 0);
	CHECK_EQ(t[0].length, 2048);
	CHECK_EQ(t[0].offset, 4096);
	CHECK(!strcmp(t[0].device, "1:3"));
	/* Data: the rest, from the device's sector 0. */
	CHECK_EQ(raid_slice(ext, 1, RAID_META_SECTORS, 16384, t, 4), 1);
	CHECK_EQ(t[0].start, 0);
	CHECK_EQ(t[0].length, 16384);
	CHECK_EQ(t[0].offset, 4096 + 2048);
	CHECK_EQ(raid_linear_params(params, sizeof(params), &t[0]), 8);
	CHECK(!strcmp(params, "1:3 6144"));
	CHECK_EQ(raid_linear_params(params, 4, &t[0]), -ENAMETOOLONG);
	/* Past the member's end, or empty. */
	CHECK_EQ(raid_slice(ext, 1, RAID_META_SECTORS, 16385, t, 4), -ERANGE);
	CHECK_EQ(raid_slice(ext, 1, 0, 0, t, 4), -ERANGE);
	return 0;
}

static int test_slices_across_extents(void)
{
	/* A member carved from three free ranges of its unit. */
	struct raid_extent ext[3] = {
		{ "8:16", 100, 1000 }, { "8:16", 50000, 9000 }, { "8:32", 0, 8480 },
	};
	struct raid_linear_target t[4];

	/* The metadata spans the first two extents. */
	CHECK_EQ(raid_slice(ext, 3, 0, RAID_META_SECTORS, t, 4), 2);
	CHECK_EQ(t[0].start, 0);
	CHECK_EQ(t[0].length, 1000);
	CHECK_EQ(t[0].offset, 100);
	CHECK_EQ(t[1].start, 1000);
	CHECK_EQ(t[1].length, 1048);
	CHECK_EQ(t[1].offset, 50000);
	/* The data continues where it stopped and ends on the third device. */
	CHECK_EQ(raid_slice(ext, 3, RAID_META_SECTORS, 16384, t, 4), 2);
	CHECK_EQ(t[0].start, 0);
	CHECK_EQ(t[0].length, 9000 - 1048);
	CHECK_EQ(t[0].offset, 50000 + 1048);
	CHECK(!strcmp(t[1].device, "8:32"));
	CHECK_EQ(t[1].start, 9000 - 1048);
	CHECK_EQ(t[1].length, 16384 - (9000 - 1048));
	CHECK_EQ(t[1].offset, 0);
	/* Room for one target only. */
	CHECK_EQ(raid_slice(ext, 3, RAID_META_SECTORS, 16384, t, 1), -E2BIG);
	return 0;
}

static int test_raid_line_as_the_kernel_prints_it(void)
{
	const char meta[3][RAID_DEV_LEN] = { "254:0", "254:2", "254:4" };
	const char data[3][RAID_DEV_LEN] = { "254:1", "254:3", "254:5" };
	char line[128];

	CHECK_EQ(raid5_table_params(line, sizeof(line), 128, 3, meta, data), 52);
	CHECK(!strcmp(line, "raid5_ls 1 128 3 254:0 254:1 254:2 254:3 254:4 254:5"));
	CHECK_EQ(raid5_table_params(line, sizeof(line), 100, 3, meta, data), -EINVAL);
	CHECK_EQ(raid5_table_params(line, sizeof(line), 128, 2, meta, data), -EINVAL);
	CHECK_EQ(raid5_table_params(line, 30, 128, 3, meta, data), -ENAMETOOLONG);
	return 0;
}

int main(void)
{
	RUN(test_names_follow_the_vd_and_are_recognised);
	RUN(test_geometry_whole_chunks_after_the_metadata);
	RUN(test_slices_of_one_extent);
	RUN(test_slices_across_extents);
	RUN(test_raid_line_as_the_kernel_prints_it);
	return tap_summary();
}
