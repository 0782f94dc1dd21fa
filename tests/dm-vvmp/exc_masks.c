// SPDX-License-Identifier: GPL-2.0
/*
 * Exception masks, the dirty-region log and resync of a named mirror VD
 * (Documentation/dm-vvmp.rst, "Exception masks" and "Recovery"): legs are
 * dm slices that fail on demand (dm-error, dm-flakey, dm-delay); every
 * outcome is checked through the client's result, `dmsetup status` (leg
 * health, dirty regions, copied sectors, io state) and the legs' bytes.
 *
 * Runs as root in the test guest (run_tests.sh), after `make userspace`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ctl_test_lib.h"

#define VD_LEN		16384ULL	/* 8 MiB */
#define REGION		1024ULL		/* the default region: 512 KiB */
#define BLK		4096
#define SEED_OLD	11
#define SEED_NEW	22

/* A named VD of @nr legs on slices, nosync, exposed to one client. */
FIXTURE(mirror) {
	struct ctl c;
	struct vt_dev *s[3];
	unsigned int nr;
	const char *vd;
	const char *dev;
	char path[128];
};

static int mirror_make(struct _test_data_mirror *self, unsigned int nr)
{
	struct vaapi_map map;
	unsigned int i;

	self->nr = nr;
	for (i = 0; i < nr; i++) {
		if (!self->s[i])
			self->s[i] = vt_slice(VD_LEN);
		if (!self->s[i] || vt_slice_set_linear(self->s[i]))
			return -1;
	}
	self->vd = ctl_name(&self->c, "m", true);
	ctl_linear(&map, self->s, nr, 0, VD_LEN);
	map.nosync = true;
	if (vaapi_ap_create_vd(self->c.h, self->vd, &map))
		return -1;
	/* No control path runs here: a plan handed over fails soon. */
	if (vaapi_eh_set_plan_policy(self->c.h, self->vd, 300,
				     VVMP_EXC_TIMEOUT_FAIL))
		return -1;
	self->dev = ctl_expose(&self->c, self->vd, NULL, VD_LEN, self->path,
			       sizeof(self->path));
	if (!self->dev)
		return -1;
	/* Every leg holds the old pattern. */
	return ctl_write(self->path, 0, VD_LEN * 512, SEED_OLD);
}

/* Remove the VD of the previous round (devices first). */
static void mirror_unmake(struct _test_data_mirror *self)
{
	vt_dm_remove(self->dev);
	self->c.devs[--self->c.nr_devs][0] = '\0';
	vaapi_ap_delete_vd(self->c.h, self->vd);
	self->c.vds[--self->c.nr_vds][0] = '\0';
}

static int set_masks(struct _test_data_mirror *self, unsigned int leg,
		     uint32_t masks)
{
	struct vaapi_component comp = {
		.present = VAAPI_COMPONENT_MASKS, .masks = masks,
	};

	return vaapi_iop_set_plan_params(self->c.h, self->vd, leg, &comp);
}

/* -errno of one O_DIRECT write (or read) of pattern @seed at @off. */
static int one_io(const char *path, bool write, uint64_t off, size_t len,
		  uint64_t seed)
{
	uint8_t *buf = vt_alloc(len);
	int fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_DIRECT), rc = 0;
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	vt_pattern(buf, len, off, seed);
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -ENOSPC;
	close(fd);
	free(buf);
	return rc;
}

static int msg(struct _test_data_mirror *self, const char *m)
{
	char out[256];

	return vt_dm_message(self->dev, m, out, sizeof(out));
}

/* Wait until every leg is in sync; the final status in @st. */
static int wait_in_sync(struct _test_data_mirror *self, struct vt_status *st)
{
	char want[4] = "AAA";

	want[self->nr] = '\0';
	return vt_wait_health(self->dev, want, 60, st);
}

FIXTURE_SETUP(mirror)
{
	ASSERT_EQ(0, ctl_setup(&self->c));
}

FIXTURE_TEARDOWN(mirror)
{
	ctl_teardown(&self->c);
}

/*
 * Every combination of the five mask bits on a leg whose write fails
 * (dm-error, or dm-flakey while "down", under it), the other leg keeping
 * the defaults. Expected:
 * - continuation clear: that leg is written first and alone; its failure
 *   stops the plan, the other leg keeps the old data, the client gets EIO;
 * - otherwise both legs are written; success or deactivate fail the client
 *   write; log-data hands it to the control path (none runs: it fails at
 *   the VD's 300 ms plan timeout); else it succeeds;
 * - the failing leg is 'D' and the write's region is dirty either way;
 * - deactivate: io "deactivated", every I/O fails until `activate`;
 * - after the leg returns: a resync copies the dirty region only, or the
 *   whole VD when the log mask was clear; the legs are then identical.
 */
/* How leg 1 fails its writes in a run of every_mask_combination(). */
enum fail_how { FAIL_ERROR, FAIL_FLAKEY };

static void every_mask_combination(struct __test_metadata *_metadata,
				   FIXTURE_DATA(mirror) *self, enum fail_how how)
{
	const uint64_t off = 3 * REGION * 512 + 8192;	/* in region 3 */
	uint32_t m;

	for (m = 0; m <= VVMP_MASK_ALL; m++) {
		bool cont = m & VVMP_MASK_CONTINUATION;
		bool fatal = !cont || (m & (VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE |
						VVMP_MASK_LOG_DATA));
		uint64_t copied, want_copy;
		struct vt_status st;
		int rc;

		TH_LOG("%s, masks 0x%02x", how == FAIL_ERROR ? "error" : "flakey", m);
		ASSERT_EQ(0, mirror_make(self, 2));
		ASSERT_EQ(0, set_masks(self, 1, m));
		ASSERT_EQ(0, vt_status(self->dev, &st));
		copied = st.copied_sectors;
		/* dm-error, or dm-flakey "down" for the whole run. */
		ASSERT_EQ(0, how == FAIL_ERROR ? vt_slice_set_error(self->s[1]) :
			     vt_slice_set_flakey(self->s[1], 0, 600));

		rc = one_io(self->path, true, off, BLK, SEED_NEW);
		EXPECT_EQ(fatal ? -EIO : 0, rc);
		ASSERT_EQ(0, vt_status(self->dev, &st));
		EXPECT_STREQ("AD", st.health);
		EXPECT_EQ(1ULL, st.dirty_regions) {
			TH_LOG("masks 0x%02x: %s", m, st.raw);
		}
		EXPECT_EQ(!!(m & VVMP_MASK_DEACTIVATE), st.deactivated);
		/* Leg 0 was written unless the plan stopped first. */
		EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off,
				       cont ? SEED_NEW : SEED_OLD));

		if (m & VVMP_MASK_DEACTIVATE) {
			EXPECT_EQ(-EIO, one_io(self->path, false, 0, BLK, 0));
			EXPECT_EQ(-EIO, one_io(self->path, true, 0, BLK, SEED_OLD));
			EXPECT_EQ(0, msg(self, "activate"));
			ASSERT_EQ(0, vt_status(self->dev, &st));
			EXPECT_FALSE(st.deactivated);
		}
		/* The client reads what leg 0 holds. */
		EXPECT_EQ(0, ctl_check(self->path, off, BLK, off,
				       cont ? SEED_NEW : SEED_OLD));

		ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
		ASSERT_EQ(0, msg(self, "restore_leg 1"));
		ASSERT_EQ(0, wait_in_sync(self, &st)) {
			TH_LOG("masks 0x%02x: %s", m, st.raw);
		}
		want_copy = (m & VVMP_MASK_LOG) ? REGION : VD_LEN;
		EXPECT_EQ(want_copy, st.copied_sectors - copied) {
			TH_LOG("masks 0x%02x: %s", m, st.raw);
		}
		EXPECT_EQ(0ULL, st.dirty_regions);
		EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
				      VD_LEN * 512));
		mirror_unmake(self);
	}
}

TEST_F_TIMEOUT(mirror, every_mask_combination_on_a_failing_write_leg, 600)
{
	every_mask_combination(_metadata, self, FAIL_ERROR);
}

TEST_F_TIMEOUT(mirror, every_mask_combination_on_a_flakey_write_leg, 600)
{
	every_mask_combination(_metadata, self, FAIL_FLAKEY);
}

/*
 * A slow leg (dm-delay, 100 ms per write) is not a failed one, whatever
 * its masks: every write succeeds on both legs and nothing is logged.
 */
TEST_F_TIMEOUT(mirror, every_mask_combination_on_a_slow_write_leg, 600)
{
	struct vt_status st;
	uint32_t m;

	ASSERT_EQ(0, mirror_make(self, 2));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, 100));
	for (m = 0; m <= VVMP_MASK_ALL; m++) {
		const uint64_t off = (uint64_t)m * BLK;

		ASSERT_EQ(0, set_masks(self, 1, m));
		EXPECT_EQ(0, one_io(self->path, true, off, BLK, SEED_NEW)) {
			TH_LOG("masks 0x%02x", m);
		}
		EXPECT_EQ(0, ctl_check(self->s[1]->path, off, BLK, off, SEED_NEW));
	}
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_STREQ("AA", st.health);
	EXPECT_EQ(0ULL, st.dirty_regions);
	EXPECT_FALSE(st.deactivated);
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
}

/*
 * A read failing on a leg: with the default masks it is retried on the
 * other leg; without continuation, or with success or deactivate, the
 * client gets EIO. Reads alternate legs (round-robin), so the first two
 * reads reach the failing leg once.
 */
TEST_F_TIMEOUT(mirror, read_failure_retried_only_with_continuation, 300)
{
	static const uint32_t cases[] = {
		VVMP_MASK_DEFAULT,
		VVMP_MASK_LOG,
		VVMP_MASK_DEFAULT | VVMP_MASK_SUCCESS,
		VVMP_MASK_DEFAULT | VVMP_MASK_DEACTIVATE,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t m = cases[i];
		bool retried = m == VVMP_MASK_DEFAULT;
		struct vt_status st;
		int errors = 0, r, k;

		ASSERT_EQ(0, mirror_make(self, 2));
		ASSERT_EQ(0, msg(self, "read_policy round-robin"));
		ASSERT_EQ(0, set_masks(self, 0, m));
		ASSERT_EQ(0, vt_slice_set_error(self->s[0]));
		for (k = 0; k < 2; k++) {
			r = one_io(self->path, false, (uint64_t)k * BLK, BLK, 0);
			if (r == -EIO)
				errors++;
			else
				EXPECT_EQ(0, r);
		}
		EXPECT_EQ(retried ? 0 : 1, errors) {
			TH_LOG("masks 0x%02x", m);
		}
		ASSERT_EQ(0, vt_status(self->dev, &st));
		EXPECT_STREQ("DA", st.health);
		EXPECT_EQ(!!(m & VVMP_MASK_DEACTIVATE), st.deactivated);
		/* A read changes nothing: no region is dirty. */
		EXPECT_EQ(0ULL, st.dirty_regions);
		if (!st.deactivated)
			EXPECT_EQ(0, ctl_check(self->path, 0, 8 * BLK, 0,
					       SEED_OLD));
		mirror_unmake(self);
	}
}

/*
 * While a leg is failed, writes mark their regions; the resync after
 * restore_leg copies exactly those regions (bytes copied = dirty regions x
 * region size) and clears them; the legs are then identical.
 */
TEST_F_TIMEOUT(mirror, resync_copies_only_dirty_regions, 300)
{
	static const unsigned int regions[] = { 0, 2, 5, 6, 15 };
	struct vt_status st;
	uint64_t copied;
	unsigned int i;

	ASSERT_EQ(0, mirror_make(self, 2));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_EQ(VD_LEN / REGION, st.regions);
	EXPECT_EQ(REGION, st.region_sectors);
	copied = st.copied_sectors;
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, ctl_write(self->path, regions[i] * REGION * 512 + 4096,
				       BLK, SEED_NEW));
	/* Two writes in one region mark it once. */
	ASSERT_EQ(0, ctl_write(self->path, 6 * REGION * 512, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_EQ(5ULL, st.dirty_regions);
	EXPECT_EQ(1, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));

	ASSERT_EQ(0, msg(self, "restore_leg 1"));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(5 * REGION, st.copied_sectors - copied);
	EXPECT_EQ(0ULL, st.dirty_regions);
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
}

/* `restore_leg N full` copies the whole VD (a new disk holds nothing). */
TEST_F_TIMEOUT(mirror, restore_full_copies_everything, 300)
{
	struct vt_status st;
	uint64_t copied;

	ASSERT_EQ(0, mirror_make(self, 2));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, ctl_write(self->path, 0, BLK, SEED_NEW));
	/* The "new disk": zeroes. */
	ASSERT_EQ(0, vt_run(NULL, 0, "dd if=/dev/zero of=%s bs=1M count=8 oflag=direct status=none",
			    self->s[1]->path));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	copied = st.copied_sectors;
	EXPECT_EQ(EINVAL, msg(self, "restore_leg 1 fully"));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(VD_LEN, st.copied_sectors - copied);
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
}

/*
 * resync_rate paces the copy: at 512 KiB/s a full copy of 8 MiB is far
 * from done after one second; lifting the limit lets it finish.
 */
TEST_F_TIMEOUT(mirror, resync_rate_paces_the_copy, 300)
{
	struct vt_status st;
	uint64_t copied;

	ASSERT_EQ(0, mirror_make(self, 2));
	ASSERT_EQ(0, msg(self, "resync_rate 512"));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_EQ(512ULL, st.resync_rate);
	copied = st.copied_sectors;
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	vt_sleep_ms(1000);
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_STREQ("Aa", st.health);
	/* 512 KiB/s for ~1 s: a few windows of 1 MiB at most, not 8. */
	EXPECT_GE(4 * 2048ULL, st.copied_sectors - copied) TH_LOG("%s", st.raw);
	EXPECT_EQ(EINVAL, msg(self, "resync_rate fast"));
	ASSERT_EQ(0, msg(self, "resync_rate 0"));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(VD_LEN, st.copied_sectors - copied);
}

/* A deactivated VD fails every bio fast; activate when active is EINVAL. */
TEST_F(mirror, deactivate_stops_io_until_activate)
{
	struct vt_status st;

	ASSERT_EQ(0, mirror_make(self, 2));
	EXPECT_EQ(EINVAL, msg(self, "activate"));
	ASSERT_EQ(0, set_masks(self, 1, VVMP_MASK_DEFAULT | VVMP_MASK_DEACTIVATE));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	EXPECT_EQ(-EIO, one_io(self->path, true, 0, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_TRUE(st.deactivated);
	EXPECT_EQ(-EIO, one_io(self->path, false, BLK, BLK, 0));
	EXPECT_EQ(-EIO, one_io(self->path, true, BLK, BLK, SEED_NEW));
	ASSERT_EQ(0, msg(self, "activate"));
	EXPECT_EQ(0, one_io(self->path, true, BLK, BLK, SEED_NEW));
	EXPECT_EQ(0, ctl_check(self->path, BLK, BLK, BLK, SEED_NEW));
	EXPECT_EQ(EINVAL, msg(self, "activate"));
}

/*
 * Two legs without continuation go first; one fails, the other wrote: the
 * plan stops (EIO) and the third leg, never written, goes out of sync and
 * is resynced from the leg that has the write, so no two in-sync legs
 * differ.
 */
TEST_F_TIMEOUT(mirror, stopped_plan_resyncs_unwritten_legs, 300)
{
	uint32_t first = VVMP_MASK_LOG;
	struct vt_status st;

	ASSERT_EQ(0, mirror_make(self, 3));
	ASSERT_EQ(0, set_masks(self, 0, first));
	ASSERT_EQ(0, set_masks(self, 1, first));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	EXPECT_EQ(-EIO, one_io(self->path, true, 0, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_wait_health(self->dev, "ADA", 60, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(0, ctl_check(self->s[0]->path, 0, BLK, 0, SEED_NEW));
	EXPECT_EQ(0, ctl_check(self->s[2]->path, 0, BLK, 0, SEED_NEW));
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[2]->path, 0,
			      VD_LEN * 512));
}

/*
 * Legs that fail in other ways: dm-flakey dropping writes' errors (it
 * fails them while "down") and dm-delay slowing one leg. A slow leg is not
 * a failed one: the write waits for it and every leg has it.
 */
TEST_F_TIMEOUT(mirror, flakey_and_delayed_legs, 300)
{
	struct vt_status st;

	ASSERT_EQ(0, mirror_make(self, 2));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, 200));
	EXPECT_EQ(0, one_io(self->path, true, 0, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_STREQ("AA", st.health);
	EXPECT_EQ(0ULL, st.dirty_regions);
	EXPECT_EQ(0, ctl_check(self->s[1]->path, 0, BLK, 0, SEED_NEW));

	ASSERT_EQ(0, vt_slice_set_flakey(self->s[1], 0, 60));
	EXPECT_EQ(0, one_io(self->path, true, REGION * 512, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(1ULL, st.dirty_regions);
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, msg(self, "restore_leg 1"));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
}

/*
 * A write admitted before a REPLACE of leg 1 fails later on leg 1's old
 * extents (held 1 s by dm-delay over dm-error): that failure is not the new
 * extents', so leg 1 is copied in full and comes back in sync, not 'D'.
 */
TEST_F_TIMEOUT(mirror, old_extents_failure_does_not_fail_the_replacing_leg, 300)
{
	char errname[64], table[256], out[256];
	struct vt_dev *spare = vt_slice(VD_LEN);
	struct vaapi_leg leg = { .nr_extents = 1 };
	struct vt_status st;
	pid_t pid;
	int status;

	ASSERT_NE(NULL, spare);
	ASSERT_EQ(0, mirror_make(self, 2));
	snprintf(errname, sizeof(errname), "%s", vt_new_name("err"));
	snprintf(table, sizeof(table), "0 %llu error", VD_LEN);
	ASSERT_EQ(0, vt_dm_create(errname, table, out, sizeof(out)));
	snprintf(table, sizeof(table),
		 "0 %llu delay /dev/mapper/%s 0 0 /dev/mapper/%s 0 1000",
		 VD_LEN, errname, errname);
	ASSERT_EQ(0, vt_dm_reload(self->s[1]->name, table));

	pid = fork();
	if (!pid)
		_exit(ctl_write(self->path, 0, BLK, SEED_NEW) ? 1 : 0);
	vt_sleep_ms(200);	/* the write waits in dm-delay on leg 1 */
	ctl_extent(&leg.extents[0], spare, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ssap_set_io_plan(self->c.h, self->vd,
					    VVMP_PLAN_REPLACE, 1, &leg));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, spare->path, 0,
			      VD_LEN * 512));
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	vt_dm_remove(errname);
}

/* PLAN_SET fail and restore: the messages' twins over netlink. */
TEST_F_TIMEOUT(mirror, fail_and_restore_over_netlink, 300)
{
	struct vt_status st;
	uint64_t copied;

	ASSERT_EQ(0, mirror_make(self, 2));
	EXPECT_EQ(-EINVAL, vaapi_ssap_restore_leg(self->c.h, self->vd, 1, false));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "The leg is not failed"));
	ASSERT_EQ(0, vaapi_ssap_fail_leg(self->c.h, self->vd, 1));
	EXPECT_EQ(-EBUSY, vaapi_ssap_fail_leg(self->c.h, self->vd, 0));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "The last in-sync leg cannot fail"));
	EXPECT_EQ(-EINVAL, vaapi_ssap_fail_leg(self->c.h, self->vd, 2));
	ASSERT_EQ(0, ctl_write(self->path, 7 * REGION * 512, BLK, SEED_NEW));
	ASSERT_EQ(0, vt_status(self->dev, &st));
	EXPECT_STREQ("AD", st.health);
	copied = st.copied_sectors;
	ASSERT_EQ(0, vaapi_ssap_restore_leg(self->c.h, self->vd, 1, false));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(REGION, st.copied_sectors - copied);
	ASSERT_EQ(0, vaapi_ssap_fail_leg(self->c.h, self->vd, 1));
	ASSERT_EQ(0, vaapi_ssap_restore_leg(self->c.h, self->vd, 1, true));
	ASSERT_EQ(0, wait_in_sync(self, &st)) TH_LOG("%s", st.raw);
	EXPECT_EQ(REGION + VD_LEN, st.copied_sectors - copied);
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
}

TEST_HARNESS_MAIN
