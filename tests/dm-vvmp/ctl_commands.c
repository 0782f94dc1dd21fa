// SPDX-License-Identifier: GPL-2.0
/*
 * Every command of the vvmp generic-netlink family (Documentation/
 * vvmp-netlink.rst), driven through libvaapi, its effect checked through
 * the devices that expose the VD: byte-for-byte data through O_DIRECT I/O,
 * the backing slices themselves, and the dm table and status lines, not
 * only the netlink reply. Refusals are checked for their exact errno and
 * extack text.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/dm-ioctl.h>
#include <vvmp/vaapi.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"
#include "ctl_test_lib.h"

#define VD_LEN		8192ULL		/* 4 MiB */
#define NR_SLICES	4

/* ---- the suite --------------------------------------------------------- */

FIXTURE(cmd) {
	struct ctl c;
	struct vt_dev *d[NR_SLICES];
	struct vaapi_map map;
	struct vaapi_map got;
	struct vaapi_vd_info info;
	char path[128];
};

FIXTURE_SETUP(cmd)
{
	int i;

	ASSERT_EQ(0, ctl_setup(&self->c));
	for (i = 0; i < NR_SLICES; i++) {
		self->d[i] = vt_slice(VD_LEN + 2048);
		ASSERT_NE(NULL, self->d[i]);
	}
}

FIXTURE_TEARDOWN(cmd)
{
	ctl_teardown(&self->c);
}

struct count_vd {
	const char *vd;
	int found;
};

static int count_vd_cb(const struct vaapi_vd_info *i, void *arg)
{
	struct count_vd *cv = arg;

	if (!strcmp(i->name, cv->vd) && i->size == VD_LEN)
		cv->found++;
	return 0;
}

/* The first streamed event of type @want about VD @vd, within @ms. */
struct wait_event {
	const char *vd;
	enum vvmp_event want;
	struct vaapi_event got;
	bool found;
};

static int wait_event_cb(const struct vaapi_event *e, bool snapshot, void *arg)
{
	struct wait_event *w = arg;

	if (snapshot || e->type != w->want || strcmp(e->vd, w->vd))
		return 0;
	w->got = *e;
	w->found = true;
	return 1;
}

static bool wait_event(struct vaapi_events *ev, struct wait_event *w, unsigned int ms)
{
	struct pollfd p = { .fd = vaapi_events_fd(ev), .events = POLLIN };
	uint64_t t0 = vt_now_ms();

	while (!w->found && vt_now_ms() - t0 < ms) {
		if (poll(&p, 1, 200) < 0)
			break;
		if ((p.revents & POLLIN) && vaapi_events_read(ev, wait_event_cb, w) < 0)
			break;
	}
	return w->found;
}

/* VD_CREATE linear: VD_GET/GET_MAP report it; data lands on the extent. */
TEST_F(cmd, vd_create_linear_get_and_list)
{
	const char *vd = ctl_name(&self->c, "lin", true), *dev;
	struct vaapi_map *m = &self->map;
	char table[256];
	int found = 0;

	ctl_linear(m, self->d, 1, 1024, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, m));
	ASSERT_EQ(0, vaapi_ap_get_vd(self->c.h, vd, &self->info));
	EXPECT_STREQ(vd, self->info.name);
	EXPECT_EQ(VD_LEN, self->info.size);
	EXPECT_EQ(1, self->info.generation);
	EXPECT_EQ(0, self->info.nr_devices);
	EXPECT_EQ(VVMP_ACL_RW, self->info.acl);
	EXPECT_EQ(VVMP_STATUS_ENABLED, self->info.status);

	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(VVMP_MAP_LINEAR, self->got.layout);
	EXPECT_EQ(1, self->got.generation);
	ASSERT_EQ(1, self->got.nr_legs);
	EXPECT_EQ(VVMP_LEG_STATE_IN_SYNC, self->got.legs[0].health);
	ASSERT_EQ(1, self->got.legs[0].nr_extents);
	EXPECT_STREQ(self->d[0]->majmin, self->got.legs[0].extents[0].device);
	EXPECT_EQ(1024, self->got.legs[0].extents[0].offset);
	EXPECT_EQ(VD_LEN, self->got.legs[0].extents[0].length);

	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, vt_dm_table(dev, table, sizeof(table)));
	{
		char want[160];

		snprintf(want, sizeof(want), "0 %llu vvmp vd %s", VD_LEN, vd);
		EXPECT_STREQ(want, table);
	}
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 11));
	EXPECT_EQ(0, ctl_check(self->d[0]->path, 1024 * 512, VD_LEN * 512, 0, 11));

	/* The dump lists it with its device under the device's dm name. */
	ASSERT_EQ(0, vaapi_ap_get_vd(self->c.h, vd, &self->info));
	ASSERT_EQ(1, self->info.nr_devices);
	EXPECT_STREQ(dev, self->info.devices[0].name);
	EXPECT_EQ(VD_LEN, self->info.devices[0].size);
	{
		struct count_vd cv = { vd, 0 };

		ASSERT_EQ(0, vaapi_ap_list_vds(self->c.h, count_vd_cb, &cv));
		found = cv.found;
	}
	EXPECT_EQ(1, found);
}

/*
 * The kernel's DEVICE NAME is the dm name dmsetup knows (uapi: "the dm
 * device name"). libvaapi papers over a "major:minor" NAME through sysfs
 * while the device exists; the DEVICE_UNBOUND event of a removed device
 * shows what the kernel sent.
 */
TEST_F(cmd, device_events_name_the_dm_device)
{
	const char *vd = ctl_name(&self->c, "nm", true), *dev;
	struct wait_event bound = { .vd = vd, .want = VVMP_EVENT_DEVICE_BOUND };
	struct wait_event unbound = { .vd = vd, .want = VVMP_EVENT_DEVICE_UNBOUND };
	struct vaapi_events *ev;
	char majmin[24], name[64];

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ev = vaapi_events_open(self->c.h);
	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, vaapi_events_subscribe(ev));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, NULL, 0);
	ASSERT_NE(NULL, dev);
	snprintf(name, sizeof(name), "%s", dev);
	dev = name;
	ASSERT_EQ(0, vt_dm_majmin(dev, majmin, sizeof(majmin)));
	ASSERT_TRUE(wait_event(ev, &bound, 5000));
	EXPECT_STREQ(dev, bound.got.device.name);
	ASSERT_EQ(0, ctl_unexpose(&self->c, dev));
	ASSERT_TRUE(wait_event(ev, &unbound, 5000));
	vaapi_events_close(ev);
	EXPECT_STREQ(dev, unbound.got.device.name)
		TH_LOG("kernel sent NAME \"%s\" for dm device %s (%s)",
		       unbound.got.device.name, dev, majmin);
}

/* VD_CREATE striped: chunk c of the VD is on extent c mod 2. */
TEST_F(cmd, vd_create_striped_places_chunks)
{
	const char *vd = ctl_name(&self->c, "str", true);
	struct vaapi_map *m = &self->map;
	uint64_t c;

	memset(m, 0, sizeof(*m));
	m->layout = VVMP_MAP_STRIPED;
	m->chunk_sectors = 8;
	m->nr_legs = 1;
	m->legs[0].nr_extents = 2;
	ctl_extent(&m->legs[0].extents[0], self->d[0], 0, VD_LEN / 2);
	ctl_extent(&m->legs[0].extents[1], self->d[1], 8, VD_LEN / 2);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, m));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(VVMP_MAP_STRIPED, self->got.layout);
	EXPECT_EQ(8, self->got.chunk_sectors);
	ASSERT_NE(NULL, ctl_expose(&self->c, vd, NULL, VD_LEN, self->path,
				   sizeof(self->path)));
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 12));
	for (c = 0; c < 64; c++) {
		const struct vt_dev *d = self->d[c % 2];
		uint64_t dev_off = (c % 2 ? 8 : 0) + (c / 2) * 8;

		ASSERT_EQ(0, ctl_check(d->path, dev_off * 512, 4096, c * 4096, 12))
			TH_LOG("chunk %llu", (unsigned long long)c);
	}
	EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 12));
}

/* VD_CREATE mirror: both legs hold every write; status shows AA. */
TEST_F(cmd, vd_create_mirror_copies_and_writes_both_legs)
{
	const char *vd = ctl_name(&self->c, "mir", true), *dev;
	char health[16];
	uint64_t t0 = vt_now_ms();

	ASSERT_EQ(0, ctl_write(self->d[0]->path, 0, VD_LEN * 512, 13));
	ctl_linear(&self->map, self->d, 2, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	/* Without NOSYNC leg 1 is copied from leg 0. */
	do {
		ctl_health(dev, health, sizeof(health));
	} while (strcmp(health, "AA") && vt_now_ms() - t0 < 20000 && (vt_sleep_ms(50), 1));
	ASSERT_STREQ("AA", health);
	EXPECT_EQ(0, ctl_same(self->d[0]->path, 0, self->d[1]->path, 0, VD_LEN * 512));
	ASSERT_EQ(0, ctl_write(self->path, 4096, 65536, 14));
	EXPECT_EQ(0, ctl_check(self->d[0]->path, 4096, 65536, 4096, 14));
	EXPECT_EQ(0, ctl_check(self->d[1]->path, 4096, 65536, 4096, 14));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	ASSERT_EQ(2, self->got.nr_legs);
	EXPECT_EQ(VVMP_LEG_STATE_IN_SYNC, self->got.legs[1].health);
}

TEST_F(cmd, vd_create_refusals)
{
	const char *vd = ctl_name(&self->c, "ref", true);
	struct vaapi_map *m = &self->map;

	ctl_linear(m, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, m));
	EXPECT_EQ(-EEXIST, vaapi_ap_create_vd(self->c.h, vd, m));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "VD exists"));

	/* A mirror whose second leg is shorter than the first. */
	ctl_linear(m, &self->d[1], 2, 0, VD_LEN);
	m->legs[1].extents[0].length = VD_LEN - 8;
	EXPECT_EQ(-EINVAL, vaapi_ap_create_vd(self->c.h, "ctl_noleg", m));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Leg length does not match target length"));

	/* Two extents overlapping on one device. */
	ctl_linear(m, &self->d[1], 1, 0, 64);
	m->legs[0].nr_extents = 2;
	ctl_extent(&m->legs[0].extents[1], self->d[1], 32, 64);
	EXPECT_EQ(-EINVAL, vaapi_ap_create_vd(self->c.h, "ctl_overlap", m));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Extents overlap on a device"));

	/* An extent past the end of its device. */
	ctl_linear(m, &self->d[1], 1, self->d[1]->sectors - 8, 64);
	EXPECT_EQ(-EINVAL, vaapi_ap_create_vd(self->c.h, "ctl_beyond", m));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Extent beyond end of device"));

	/* A chunk size that is not a power of two. */
	memset(m, 0, sizeof(*m));
	m->layout = VVMP_MAP_STRIPED;
	m->chunk_sectors = 24;
	m->nr_legs = 1;
	m->legs[0].nr_extents = 2;
	ctl_extent(&m->legs[0].extents[0], self->d[1], 0, 48);
	ctl_extent(&m->legs[0].extents[1], self->d[2], 0, 48);
	EXPECT_EQ(-EINVAL, vaapi_ap_create_vd(self->c.h, "ctl_chunk", m));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Invalid chunk size"));

	/* None of the refused ones exists. */
	EXPECT_EQ(-ENOENT, vaapi_ap_get_vd(self->c.h, "ctl_noleg", &self->info));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such VD"));
	EXPECT_EQ(-ENOENT, vaapi_ap_get_vd(self->c.h, "ctl_beyond", &self->info));
	EXPECT_EQ(-ENOENT, vaapi_ap_get_vd(self->c.h, "ctl_overlap", &self->info));
	EXPECT_EQ(-ENOENT, vaapi_ap_get_vd(self->c.h, "ctl_chunk", &self->info));
}

TEST_F(cmd, vd_delete_refused_while_exposed)
{
	const char *vd = ctl_name(&self->c, "del", true), *dev;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	EXPECT_EQ(-EBUSY, vaapi_ap_delete_vd(self->c.h, vd));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "VD is exposed by a device; remove it first"));
	/* Still usable. */
	ASSERT_EQ(0, ctl_write(self->path, 0, 65536, 15));
	EXPECT_EQ(0, ctl_check(self->path, 0, 65536, 0, 15));
	ASSERT_EQ(0, ctl_unexpose(&self->c, dev));
	ASSERT_EQ(0, vaapi_ap_delete_vd(self->c.h, vd));
	EXPECT_EQ(-ENOENT, vaapi_ap_get_vd(self->c.h, vd, &self->info));
	/* The table naming it is refused now. */
	EXPECT_EQ(NULL, ctl_expose(&self->c, vd, NULL, VD_LEN, NULL, 0));
	/* The slice is free again: its table can be replaced. */
	EXPECT_EQ(0, vt_slice_set_linear(self->d[0]));
}

/* VD_SET_MAP to a copy on another slice, then back split in two extents. */
TEST_F(cmd, set_map_moves_to_a_copy_generation_up)
{
	const char *vd = ctl_name(&self->c, "map", true), *dev;
	struct vaapi_map *m = &self->map;

	ctl_linear(m, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, m));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 16));
	ASSERT_EQ(0, ctl_copy(self->d[0]->path, 0, self->d[1]->path, 512 * 512,
			      VD_LEN * 512));

	/* Layout 2: one extent at 512 on slice 1. */
	ctl_linear(m, &self->d[1], 1, 512, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_set_map_vd(self->c.h, vd, m));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(2, self->got.generation);
	EXPECT_STREQ(self->d[1]->majmin, self->got.legs[0].extents[0].device);
	EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 16));
	/* New writes land on slice 1 only. */
	ASSERT_EQ(0, ctl_write(self->path, 8192, 8192, 17));
	EXPECT_EQ(0, ctl_check(self->d[1]->path, (512 * 512) + 8192, 8192, 8192, 17));
	EXPECT_EQ(0, ctl_check(self->d[0]->path, 8192, 8192, 8192, 16));

	/* Layout 3: the same range of slice 1 given as two extents. */
	m->legs[0].nr_extents = 2;
	ctl_extent(&m->legs[0].extents[0], self->d[1], 512, 3000);
	ctl_extent(&m->legs[0].extents[1], self->d[1], 3512, VD_LEN - 3000);
	ASSERT_EQ(0, vaapi_ap_set_map_vd(self->c.h, vd, m));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(3, self->got.generation);
	EXPECT_EQ(2, self->got.legs[0].nr_extents);
	EXPECT_EQ(0, ctl_check(self->path, 8192, 8192, 8192, 17));
	EXPECT_EQ(0, ctl_check(self->path, 16384, VD_LEN * 512 - 16384, 16384, 16));
	{
		char gen[16];

		ASSERT_TRUE(ctl_status_word(dev, "generation", gen, sizeof(gen)));
		EXPECT_STREQ("3", gen);
	}
}

/* VD_SET_MAP with the mirror legs swapped: health kept, data unchanged. */
TEST_F(cmd, set_map_swaps_mirror_legs)
{
	const char *vd = ctl_name(&self->c, "swp", true), *dev;
	struct vt_dev *swapped[2] = { self->d[1], self->d[0] };
	char health[16];

	ctl_linear(&self->map, self->d, 2, 0, VD_LEN);
	self->map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 18));
	ctl_linear(&self->map, swapped, 2, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_set_map_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(2, self->got.generation);
	EXPECT_STREQ(self->d[1]->majmin, self->got.legs[0].extents[0].device);
	EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 18));
	ctl_health(dev, health, sizeof(health));
	/* Changed legs are copied: wait until both are in sync again. */
	{
		uint64_t t0 = vt_now_ms();

		while (strcmp(health, "AA") && vt_now_ms() - t0 < 20000) {
			vt_sleep_ms(50);
			ctl_health(dev, health, sizeof(health));
		}
	}
	EXPECT_STREQ("AA", health);
	EXPECT_EQ(0, ctl_same(self->d[0]->path, 0, self->d[1]->path, 0, VD_LEN * 512));
}

TEST_F(cmd, set_map_shrink_refused_while_exposed)
{
	const char *vd = ctl_name(&self->c, "shr", true);

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_NE(NULL, ctl_expose(&self->c, vd, NULL, VD_LEN, self->path,
				   sizeof(self->path)));
	ctl_linear(&self->map, self->d, 1, 0, VD_LEN / 2);
	EXPECT_EQ(-EBUSY, vaapi_ap_set_map_vd(self->c.h, vd, &self->map));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Map would shrink a VD that devices expose"));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(1, self->got.generation);
	EXPECT_EQ(VD_LEN, ctl_dev_sectors(self->path));
}

/* VD_SET_SEGMENT inside the VD: the range moves to its copy, data unchanged. */
TEST_F(cmd, set_segment_replaces_a_range_with_its_copy)
{
	const char *vd = ctl_name(&self->c, "seg", true);
	struct vaapi_segment seg = { .start = 2048, .length = 2048, .nr_extents = 1 };
	uint32_t extents = 0;
	uint64_t bytes = 0, bytes1 = 0;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_ap_get_map_size_vd(self->c.h, vd, &extents, &bytes1));
	EXPECT_EQ(1, extents);
	EXPECT_LT(0, bytes1);
	ASSERT_NE(NULL, ctl_expose(&self->c, vd, NULL, VD_LEN, self->path,
				   sizeof(self->path)));
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 19));
	ASSERT_EQ(0, ctl_copy(self->d[0]->path, 2048 * 512, self->d[2]->path, 100 * 512,
			      2048 * 512));
	ctl_extent(&seg.extents[0], self->d[2], 100, 2048);
	ASSERT_EQ(0, vaapi_ap_set_segment_vd(self->c.h, vd, &seg));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(2, self->got.generation);
	ASSERT_EQ(3, self->got.legs[0].nr_extents);
	EXPECT_STREQ(self->d[2]->majmin, self->got.legs[0].extents[1].device);
	EXPECT_EQ(100, self->got.legs[0].extents[1].offset);
	EXPECT_EQ(2048, self->got.legs[0].extents[1].length);
	EXPECT_EQ(4096, self->got.legs[0].extents[2].offset);
	ASSERT_EQ(0, vaapi_ap_get_map_size_vd(self->c.h, vd, &extents, &bytes));
	EXPECT_EQ(3, extents);
	EXPECT_LE(bytes1, bytes);
	EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 19));
	/* A write into the range goes to the copy, not the old place. */
	ASSERT_EQ(0, ctl_write(self->path, 2048 * 512, 4096, 20));
	EXPECT_EQ(0, ctl_check(self->d[2]->path, 100 * 512, 4096, 2048 * 512, 20));
	EXPECT_EQ(0, ctl_check(self->d[0]->path, 2048 * 512, 4096, 2048 * 512, 19));

	/* A range straddling the end. */
	seg.start = VD_LEN - 8;
	seg.length = 16;
	ctl_extent(&seg.extents[0], self->d[3], 0, 16);
	EXPECT_EQ(-ERANGE, vaapi_ap_set_segment_vd(self->c.h, vd, &seg));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Segment must lie inside the VD or start at its end"));
}

/* VD_SET_SEGMENT at the end: the VD and its device grow live. */
TEST_F(cmd, set_segment_extends_the_vd_and_its_device)
{
	const char *vd = ctl_name(&self->c, "ext", true), *dev;
	struct vaapi_segment seg = { .start = VD_LEN, .length = 2048, .nr_extents = 1 };
	char table[256], want[160];
	int rc;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 21));
	ctl_extent(&seg.extents[0], self->d[3], 0, 2048);
	rc = vaapi_ap_set_segment_vd(self->c.h, vd, &seg);
	if (rc)
		TH_LOG("set-segment: %s", vaapi_strerror(self->c.h));
	/* The VD grew whatever happened to its device. */
	ASSERT_EQ(0, vaapi_ap_get_vd(self->c.h, vd, &self->info));
	EXPECT_EQ(VD_LEN + 2048, self->info.size);
	EXPECT_EQ(2, self->info.generation);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(VD_LEN + 2048, ctl_dev_sectors(self->path));
	ASSERT_EQ(0, vt_dm_table(dev, table, sizeof(table)));
	snprintf(want, sizeof(want), "0 %llu vvmp vd %s", VD_LEN + 2048, vd);
	EXPECT_STREQ(want, table);
	if (ctl_dev_sectors(self->path) == VD_LEN + 2048) {
		ASSERT_EQ(0, ctl_write(self->path, VD_LEN * 512, 2048 * 512, 22));
		EXPECT_EQ(0, ctl_check(self->path, VD_LEN * 512, 2048 * 512, VD_LEN * 512, 22));
		EXPECT_EQ(0, ctl_check(self->d[3]->path, 0, 2048 * 512, VD_LEN * 512, 22));
		EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 21));
	}
}

struct leg_seen {
	const char *vd;
	int seen[3];
};

static int leg_seen_cb(const struct vaapi_event *e, bool snapshot, void *arg)
{
	struct leg_seen *ls = arg;

	if (snapshot || e->type != VVMP_EVENT_LEG_STATE || strcmp(e->vd, ls->vd) ||
	    e->leg_index != 1 || e->leg.health > 2)
		return 0;
	ls->seen[e->leg.health]++;
	return e->leg.health == VVMP_LEG_STATE_IN_SYNC;
}

/* PLAN_SET replace: the leg goes out of sync, is copied, comes back in sync. */
TEST_F(cmd, plan_replace_copies_the_new_leg)
{
	const char *vd = ctl_name(&self->c, "rep", true), *dev;
	struct vaapi_leg leg = { .nr_extents = 1 };
	struct vaapi_events *ev;
	int seen[3] = { 0, 0, 0 };
	uint64_t t0;

	ctl_linear(&self->map, self->d, 2, 0, VD_LEN);
	self->map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 23));
	ev = vaapi_events_open(self->c.h);
	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, vaapi_events_subscribe(ev));
	ctl_extent(&leg.extents[0], self->d[2], 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_REPLACE, 1, &leg));
	/* LEG_STATE events of leg 1: out of sync, then in sync. */
	{
		struct pollfd p = { .fd = vaapi_events_fd(ev), .events = POLLIN };
		struct leg_seen ls = { vd, { 0, 0, 0 } };

		t0 = vt_now_ms();
		while (!ls.seen[0] && vt_now_ms() - t0 < 20000 && poll(&p, 1, 200) >= 0)
			if ((p.revents & POLLIN) && vaapi_events_read(ev, leg_seen_cb, &ls) < 0)
				break;
		memcpy(seen, ls.seen, sizeof(ls.seen));
	}
	vaapi_events_close(ev);
	EXPECT_EQ(1, seen[VVMP_LEG_STATE_OUT_OF_SYNC]);
	EXPECT_EQ(1, seen[VVMP_LEG_STATE_IN_SYNC]);
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(2, self->got.generation);
	EXPECT_STREQ(self->d[2]->majmin, self->got.legs[1].extents[0].device);
	EXPECT_EQ(VVMP_LEG_STATE_IN_SYNC, self->got.legs[1].health);
	{
		char health[16];

		ctl_health(dev, health, sizeof(health));
		EXPECT_STREQ("AA", health);
	}
	EXPECT_EQ(0, ctl_same(self->d[0]->path, 0, self->d[2]->path, 0, VD_LEN * 512));
	EXPECT_EQ(0, ctl_check(self->path, 0, VD_LEN * 512, 0, 23));

	/* Refusals: no such leg; replacing the only in-sync leg's partner. */
	EXPECT_EQ(-EINVAL, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_REPLACE, 5, &leg));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such leg"));
}

/* Poll the device's health string until it is @want or 20 s pass. */
static bool ctl_wait_health(const char *dev, const char *want)
{
	char health[16] = "";
	uint64_t t0 = vt_now_ms();

	while (vt_now_ms() - t0 < 20000) {
		ctl_health(dev, health, sizeof(health));
		if (!strcmp(health, want))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/*
 * PLAN_SET attach: a new last leg is copied from the in-sync legs while
 * the data stays readable; detach: the leg goes, later legs move down.
 */
TEST_F(cmd, plan_attach_copies_a_new_leg_and_detach_removes_one)
{
	const char *vd = ctl_name(&self->c, "att", true), *dev;
	struct vaapi_leg leg = { .nr_extents = 1 };
	char health[16];

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	dev = ctl_expose(&self->c, vd, NULL, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, 31));

	ctl_extent(&leg.extents[0], self->d[1], 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_ATTACH, 0, &leg));
	ctl_extent(&leg.extents[0], self->d[2], 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_ATTACH, 0, &leg));
	EXPECT_TRUE(ctl_wait_health(dev, "AAA"));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(3, self->got.nr_legs);
	EXPECT_EQ(3, self->got.generation);
	EXPECT_EQ(0, ctl_same(self->d[0]->path, 0, self->d[1]->path, 0, VD_LEN * 512));
	EXPECT_EQ(0, ctl_same(self->d[0]->path, 0, self->d[2]->path, 0, VD_LEN * 512));

	/* Detach leg 1: leg 2 (d[2]) becomes leg 1. */
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_DETACH, 1, NULL));
	ASSERT_EQ(0, vaapi_ap_get_map_vd(self->c.h, vd, &self->got));
	EXPECT_EQ(2, self->got.nr_legs);
	EXPECT_EQ(4, self->got.generation);
	EXPECT_STREQ(self->d[0]->majmin, self->got.legs[0].extents[0].device);
	EXPECT_STREQ(self->d[2]->majmin, self->got.legs[1].extents[0].device);
	ctl_health(dev, health, sizeof(health));
	EXPECT_STREQ("AA", health);
	/* Writes now reach d[0] and d[2] only. */
	ASSERT_EQ(0, ctl_write(self->path, 0, 4096, 32));
	EXPECT_EQ(0, ctl_check(self->d[2]->path, 0, 4096, 0, 32));
	EXPECT_EQ(0, ctl_check(self->d[1]->path, 0, 4096, 0, 31));
	EXPECT_EQ(0, ctl_check(self->path, 4096, VD_LEN * 512 - 4096, 4096, 31));

	/* Refusals. */
	EXPECT_EQ(-EINVAL, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_DETACH, 5, NULL));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such leg"));
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_DETACH, 0, NULL));
	EXPECT_EQ(-EBUSY, vaapi_ssap_set_io_plan(self->c.h, vd, VVMP_PLAN_DETACH, 0, NULL));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No other in-sync leg would remain"));
	EXPECT_EQ(0, ctl_check(self->path, 4096, VD_LEN * 512 - 4096, 4096, 31));
}

TEST_F(cmd, plan_params_set_and_get)
{
	const char *vd = ctl_name(&self->c, "par", true);
	struct vaapi_component comp[VVMP_MAX_LEGS], set = {
		.present = VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS,
		.timeout_ms = 1500,
		.masks = VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE,
	};
	unsigned int nr = 0;

	ctl_linear(&self->map, self->d, 2, 0, VD_LEN);
	self->map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_iop_get_plan_params(self->c.h, vd, comp, VVMP_MAX_LEGS, &nr));
	ASSERT_EQ(2, nr);
	EXPECT_EQ(0, comp[1].timeout_ms);
	EXPECT_EQ(VVMP_MASK_DEFAULT, comp[1].masks);
	ASSERT_EQ(0, vaapi_iop_set_plan_params(self->c.h, vd, 1, &set));
	/* Only the timeout: the masks stay. */
	set.present = VAAPI_COMPONENT_TIMEOUT;
	set.timeout_ms = 2500;
	ASSERT_EQ(0, vaapi_iop_set_plan_params(self->c.h, vd, 1, &set));
	nr = 0;
	ASSERT_EQ(0, vaapi_iop_get_plan_params(self->c.h, vd, comp, VVMP_MAX_LEGS, &nr));
	ASSERT_EQ(2, nr);
	EXPECT_EQ(0, comp[0].leg);
	EXPECT_EQ(0, comp[0].timeout_ms);
	EXPECT_EQ(VVMP_MASK_DEFAULT, comp[0].masks);
	EXPECT_EQ(1, comp[1].leg);
	EXPECT_EQ(2500, comp[1].timeout_ms);
	EXPECT_EQ(VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE, comp[1].masks);
	set.present = VAAPI_COMPONENT_MASKS;
	set.masks = 0x20;
	EXPECT_EQ(-EINVAL, vaapi_iop_set_plan_params(self->c.h, vd, 1, &set));
	set.masks = VVMP_MASK_LOG;
	EXPECT_EQ(-EINVAL, vaapi_iop_set_plan_params(self->c.h, vd, 2, &set));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such leg"));
}

/* DIVERT_ADD, DIVERT_GET, DIVERT_DELETE and their refusals. */
TEST_F(cmd, divert_add_get_delete_and_refusals)
{
	const char *vd = ctl_name(&self->c, "div", true);
	struct vaapi_range r, got[VVMP_MAX_DIVERT_RANGES];
	unsigned int nr = 0, i;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	r = (struct vaapi_range){ 4096, 64 };
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	ASSERT_EQ(0, vaapi_eh_list_divert(self->c.h, vd, got, VVMP_MAX_DIVERT_RANGES, &nr));
	ASSERT_EQ(1, nr);
	EXPECT_EQ(4096, got[0].start);
	EXPECT_EQ(64, got[0].length);
	EXPECT_EQ(-EEXIST, vaapi_eh_add_divert(self->c.h, vd, &r));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Range exists"));

	r = (struct vaapi_range){ VD_LEN - 8, 16 };
	EXPECT_EQ(-ERANGE, vaapi_eh_add_divert(self->c.h, vd, &r));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Range beyond the end of the VD"));
	r = (struct vaapi_range){ 4096, 32 };	/* not as added */
	EXPECT_EQ(-ENOENT, vaapi_eh_delete_divert(self->c.h, vd, &r));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such range"));
	r = (struct vaapi_range){ 4096, 64 };
	ASSERT_EQ(0, vaapi_eh_delete_divert(self->c.h, vd, &r));
	nr = 0;
	ASSERT_EQ(0, vaapi_eh_list_divert(self->c.h, vd, got, VVMP_MAX_DIVERT_RANGES, &nr));
	EXPECT_EQ(0, nr);

	/* 64 per VD; the 65th is refused. */
	for (i = 0; i < VVMP_MAX_DIVERT_RANGES; i++) {
		r = (struct vaapi_range){ 16 * i, 8 };
		ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	}
	r = (struct vaapi_range){ VD_LEN - 8, 8 };
	EXPECT_EQ(-ENOSPC, vaapi_eh_add_divert(self->c.h, vd, &r));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "VD has the most divert ranges allowed"));
}

/* Overlapping ranges may coexist; only the same range twice is EEXIST. */
TEST_F(cmd, divert_overlapping_ranges_are_both_kept)
{
	const char *vd = ctl_name(&self->c, "dvo", true);
	struct vaapi_range r = { 4096, 64 }, got[VVMP_MAX_DIVERT_RANGES];
	unsigned int nr = 0;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	r = (struct vaapi_range){ 4096 + 32, 64 };
	EXPECT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	ASSERT_EQ(0, vaapi_eh_list_divert(self->c.h, vd, got, VVMP_MAX_DIVERT_RANGES, &nr));
	EXPECT_EQ(2, nr);
}

/* DIVERT_GET lists ranges by ascending start (vvmp-netlink.rst). */
TEST_F(cmd, divert_get_lists_by_ascending_start)
{
	const char *vd = ctl_name(&self->c, "dva", true);
	struct vaapi_range r, got[VVMP_MAX_DIVERT_RANGES];
	unsigned int nr = 0;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	r = (struct vaapi_range){ 4096, 64 };
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	r = (struct vaapi_range){ 0, 8 };
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, vd, &r));
	ASSERT_EQ(0, vaapi_eh_list_divert(self->c.h, vd, got, VVMP_MAX_DIVERT_RANGES, &nr));
	ASSERT_EQ(2, nr);
	EXPECT_EQ(0, got[0].start);
	EXPECT_EQ(4096, got[1].start);
}

/* STATS_*: exact counts after known O_DIRECT I/O; histogram sums to ops. */
TEST_F(cmd, stats_count_known_io_and_reset)
{
	const char *vd = ctl_name(&self->c, "sta", true);
	const char *cl = ctl_name(&self->c, "stc", false);
	struct vaapi_stats_directive dir = { .present = VAAPI_DIRECTIVE_LATENCY, .latency = true };
	struct vaapi_vd_stats *st = calloc(1, sizeof(*st));
	uint8_t *buf = vt_alloc(65536);
	uint64_t sum;
	int fd, i, j;

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, cl, NULL));
	ctl_linear(&self->map, self->d, 2, 0, VD_LEN);
	self->map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_psap_set_stats_directive(self->c.h, vd, &dir));
	ASSERT_NE(NULL, ctl_expose(&self->c, vd, cl, VD_LEN, self->path, sizeof(self->path)));
	ASSERT_EQ(0, vaapi_psap_reset_vd_stats(self->c.h, vd));
	fd = vt_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++)		/* 5 writes of 4 KiB */
		ASSERT_EQ(0, vt_pwrite_all(fd, buf, 4096, i * 65536));
	for (i = 0; i < 3; i++)		/* 3 reads of 64 KiB */
		ASSERT_EQ(0, vt_pread_all(fd, buf, 65536, i * 65536));
	vt_close(fd);
	ASSERT_EQ(0, vaapi_psap_copy_vd_stats(self->c.h, vd, st));
	EXPECT_EQ(5, st->vd.writes);
	EXPECT_EQ(5 * 4096, st->vd.write_bytes);
	EXPECT_EQ(3, st->vd.reads);
	EXPECT_EQ(3 * 65536, st->vd.read_bytes);
	EXPECT_EQ(0, st->vd.read_errors + st->vd.write_errors);
	EXPECT_EQ(0, st->vd.in_flight);
	ASSERT_TRUE(st->vd.has_latency);
	for (sum = 0, j = 0; j < VVMP_LAT_BUCKETS; j++)
		sum += st->vd.latency[j];
	EXPECT_EQ(8, sum);
	ASSERT_EQ(1, st->nr_clients);
	EXPECT_STREQ(cl, st->clients[0].client);
	EXPECT_EQ(5, st->clients[0].writes);
	EXPECT_EQ(3, st->clients[0].reads);
	EXPECT_EQ(3 * 65536, st->clients[0].read_bytes);
	ASSERT_EQ(2, st->nr_legs);
	/* Every write goes to both legs; each read to one of them. */
	EXPECT_EQ(5, st->legs[0].writes);
	EXPECT_EQ(5, st->legs[1].writes);
	EXPECT_EQ(5 * 4096, st->legs[1].write_bytes);
	EXPECT_EQ(3, st->legs[0].reads + st->legs[1].reads);
	EXPECT_EQ(3 * 65536, st->legs[0].read_bytes + st->legs[1].read_bytes);
	for (sum = 0, j = 0; j < VVMP_LAT_BUCKETS; j++)
		sum += st->clients[0].latency[j];
	EXPECT_EQ(8, sum);

	ASSERT_EQ(0, vaapi_psap_reset_vd_stats(self->c.h, vd));
	ASSERT_EQ(0, vaapi_psap_copy_vd_stats(self->c.h, vd, st));
	EXPECT_EQ(0, st->vd.reads + st->vd.writes + st->vd.read_bytes + st->vd.write_bytes);
	EXPECT_EQ(0, st->clients[0].reads + st->clients[0].writes);
	EXPECT_EQ(0, st->legs[0].writes + st->legs[1].writes);
	for (sum = 0, j = 0; j < VVMP_LAT_BUCKETS; j++)
		sum += st->vd.latency[j];
	EXPECT_EQ(0, sum);
	free(buf);
	free(st);
}

/* CLIENT_* and ACL/STATUS/COS get and set, with the policy's source. */
TEST_F(cmd, clients_and_policies)
{
	const char *vd = ctl_name(&self->c, "pol", true);
	const char *cl = ctl_name(&self->c, "pc", false);
	struct vaapi_client_info ci;
	struct vaapi_policy p;
	struct vaapi_cos cos = { .present = VAAPI_COS_IOPS | VAAPI_COS_BPS,
				 .iops = 300, .bps = 1 << 20 };
	const char *dev;
	char val[32];

	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, cl, "iqn.2024-01.test:a"));
	ASSERT_EQ(0, vaapi_peap_get_client(self->c.h, cl, &ci));
	EXPECT_STREQ("iqn.2024-01.test:a", ci.info);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, cl, NULL));	/* info unchanged */
	ASSERT_EQ(0, vaapi_peap_get_client(self->c.h, cl, &ci));
	EXPECT_STREQ("iqn.2024-01.test:a", ci.info);
	EXPECT_EQ(-ENOENT, vaapi_peap_get_client(self->c.h, "ctl_nobody", &ci));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such client"));

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, cl, &p));
	EXPECT_EQ(VVMP_ACL_RW, p.acl);
	EXPECT_EQ(VVMP_POLICY_VD_DEFAULT, p.source);
	dev = ctl_expose(&self->c, vd, cl, VD_LEN, self->path, sizeof(self->path));
	ASSERT_NE(NULL, dev);

	/* The VD default applies until the client has its own value. */
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, vd, NULL, VVMP_ACL_RO));
	ASSERT_TRUE(ctl_status_word(dev, "acl", val, sizeof(val)));
	EXPECT_STREQ("ro", val);
	EXPECT_EQ(-EILSEQ, ctl_write(self->path, 0, 4096, 1));
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, vd, cl, VVMP_ACL_RW));
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, cl, &p));
	EXPECT_EQ(VVMP_ACL_RW, p.acl);
	EXPECT_EQ(VVMP_POLICY_CLIENT, p.source);
	ASSERT_TRUE(ctl_status_word(dev, "acl", val, sizeof(val)));
	EXPECT_STREQ("rw", val);
	EXPECT_EQ(0, ctl_write(self->path, 0, 4096, 1));
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, NULL, &p));
	EXPECT_EQ(VVMP_ACL_RO, p.acl);

	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, vd, cl, VVMP_STATUS_DISABLED));
	ASSERT_EQ(0, vaapi_peap_get_status(self->c.h, vd, cl, &p));
	EXPECT_EQ(VVMP_STATUS_DISABLED, p.status);
	EXPECT_EQ(VVMP_POLICY_CLIENT, p.source);
	ASSERT_TRUE(ctl_status_word(dev, "status", val, sizeof(val)));
	EXPECT_STREQ("disabled", val);
	EXPECT_EQ(-EIO, ctl_check(self->path, 0, 4096, 0, 1));
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, vd, cl, VVMP_STATUS_ENABLED));
	EXPECT_EQ(0, ctl_check(self->path, 0, 4096, 0, 1));

	ASSERT_EQ(0, vaapi_peap_set_cos(self->c.h, vd, cl, &cos));
	ASSERT_EQ(0, vaapi_peap_get_cos(self->c.h, vd, cl, &p));
	EXPECT_EQ(300, p.cos.iops);
	EXPECT_EQ(1 << 20, p.cos.bps);
	EXPECT_EQ(0, p.cos.priority);
	EXPECT_EQ(VVMP_POLICY_CLIENT, p.source);
	ASSERT_TRUE(ctl_status_word(dev, "iops", val, sizeof(val)));
	EXPECT_STREQ("300", val);
	ASSERT_TRUE(ctl_status_word(dev, "bps", val, sizeof(val)));
	EXPECT_STREQ("1048576", val);
	EXPECT_EQ(-EINVAL, vaapi_peap_set_status(self->c.h, vd, cl, 3));

	/* CLIENT_DELETE: refused while bound, then its policies go with it. */
	EXPECT_EQ(-EBUSY, vaapi_peap_delete_client(self->c.h, cl));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Client is bound to a device; remove it first"));
	ASSERT_EQ(0, ctl_unexpose(&self->c, dev));
	ASSERT_EQ(0, vaapi_peap_delete_client(self->c.h, cl));
	EXPECT_EQ(-ENOENT, vaapi_peap_get_client(self->c.h, cl, &ci));
	EXPECT_EQ(-ENOENT, vaapi_peap_get_acl(self->c.h, vd, cl, &p));
}

/* TX: staged commands apply at commit, all of them; abort drops them. */
TEST_F(cmd, txn_commit_applies_staged_commands_and_abort_drops_them)
{
	const char *vd = ctl_name(&self->c, "txn", true);
	struct vaapi_policy p;
	uint32_t id = 0;

	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ASSERT_EQ(0, vaapi_tx_begin(self->c.h, &id));
	EXPECT_NE(0, id);
	vaapi_tx_use(self->c.h, id);
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, vd, NULL, VVMP_ACL_RO));
	/* Staged, not in force. */
	vaapi_tx_use(self->c.h, 0);
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, NULL, &p));
	EXPECT_EQ(VVMP_ACL_RW, p.acl);
	ASSERT_EQ(0, vaapi_tx_commit(self->c.h, id));
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, NULL, &p));
	EXPECT_EQ(VVMP_ACL_RO, p.acl);
	/* A transaction is gone once committed. */
	EXPECT_EQ(-ENOENT, vaapi_tx_commit(self->c.h, id));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such transaction on this socket"));

	ASSERT_EQ(0, vaapi_tx_begin(self->c.h, &id));
	vaapi_tx_use(self->c.h, id);
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, vd, NULL, VVMP_ACL_NONE));
	vaapi_tx_use(self->c.h, 0);
	ASSERT_EQ(0, vaapi_tx_abort(self->c.h, id));
	ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, vd, NULL, &p));
	EXPECT_EQ(VVMP_ACL_RO, p.acl);
}

struct snap_count {
	const char *vd, *cl;
	int vds, cls;
};

static int snap_count_cb(const struct vaapi_event *e, bool snapshot, void *arg)
{
	struct snap_count *x = arg;

	if (!snapshot)
		return 0;
	if (e->type == VVMP_EVENT_VD_EXISTS && !strcmp(e->vd, x->vd))
		x->vds++;
	if (e->type == VVMP_EVENT_CLIENT_EXISTS && !strcmp(e->client, x->cl))
		x->cls++;
	return 0;
}

/* STATE_GET: the snapshot opens with SNAPSHOT_SEQ and lists our objects. */
TEST_F(cmd, state_get_lists_the_objects)
{
	const char *vd = ctl_name(&self->c, "sg", true);
	const char *cl = ctl_name(&self->c, "sgc", false);
	struct vaapi_events *ev;
	struct snap_count s = { vd, cl, 0, 0 };

	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, cl, "x"));
	ctl_linear(&self->map, self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, vd, &self->map));
	ev = vaapi_events_open(self->c.h);
	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, vaapi_events_snapshot(ev, snap_count_cb, &s));
	vaapi_events_close(ev);
	EXPECT_EQ(1, s.vds);
	EXPECT_EQ(1, s.cls);
}

TEST_HARNESS_MAIN
