// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime (Documentation/dm-vvmp.rst, "Loading"): dm-vvmp cannot be
 * unloaded while a table uses the vvmp target ("Module dm_vvmp is in use"),
 * unloads once the last one is gone, and loads again. Runs last: it leaves
 * the module loaded ($VVMP_MODULE) as it found it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"

#define LEN	4096

static bool module_loaded(void)
{
	return access("/sys/module/dm_vvmp", F_OK) == 0;
}

static int insmod(void)
{
	const char *ko = getenv("VVMP_MODULE");
	char out[VT_OUT_MAX];
	int rc;

	if (!ko || !*ko)
		return -ENOENT;
	rc = vt_run(out, sizeof(out), "insmod %s", ko);
	if (rc)
		fprintf(stderr, "# insmod %s: %s\n", ko, out);
	return rc;
}

FIXTURE(module) {
	struct vt_dev *s;
	uint8_t *image;
	const char *name;
	int fd;
};

FIXTURE_SETUP(module)
{
	self->fd = -1;
	ASSERT_EQ(0, vt_begin());
	self->s = vt_slice(LEN);
	ASSERT_NE(NULL, self->s);
	self->image = vt_image(LEN, 81);
	ASSERT_NE(NULL, self->image);
	if (!module_loaded())
		ASSERT_EQ(0, insmod());
}

FIXTURE_TEARDOWN(module)
{
	vt_end();
	free(self->image);
	/* Whatever happened, later users find the module loaded. */
	if (!module_loaded())
		insmod();
}

static int create_vd(FIXTURE_DATA(module) *self, char *out, size_t sz)
{
	char table[256], path[160];
	int rc;

	snprintf(table, sizeof(table), "0 %d vvmp linear 1 1 %s 0 %d", LEN,
		 self->s->majmin, LEN);
	self->name = vt_new_name("vd");
	rc = vt_dm_create(self->name, table, out, sz);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	self->fd = vt_open(path, O_RDWR);
	return self->fd < 0 ? self->fd : 0;
}

static int round_trip(FIXTURE_DATA(module) *self, uint64_t seed)
{
	uint64_t bad;
	int rc;

	vt_pattern(self->image, LEN * VT_SECTOR, 0, seed);
	rc = vt_pwrite_all(self->fd, self->image, LEN * VT_SECTOR, 0);
	if (rc)
		return rc;
	return vt_compare_dev(self->fd, self->image, 0, LEN * VT_SECTOR, &bad);
}

TEST_F(module, rmmod_is_refused_while_a_vd_exists)
{
	char out[VT_OUT_MAX];
	struct vt_status st;

	ASSERT_EQ(0, create_vd(self, out, sizeof(out))) {
		TH_LOG("%s", out);
	}
	ASSERT_EQ(0, round_trip(self, 1));
	EXPECT_NE(0, vt_run(out, sizeof(out), "rmmod dm_vvmp"));
	EXPECT_NE(NULL, strstr(out, "Module dm_vvmp is in use")) {
		TH_LOG("rmmod said: %s", out);
	}
	EXPECT_TRUE(module_loaded());
	/* The VD still works. */
	EXPECT_EQ(0, round_trip(self, 2));
	ASSERT_EQ(0, vt_status(self->name, &st)) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_STREQ("A", st.health);
}

TEST_F(module, rmmod_is_refused_while_a_table_is_only_loaded)
{
	char out[VT_OUT_MAX], table[256];
	const char *name = vt_new_name("vd");

	/* An inactive table holds the target as much as a live one. */
	ASSERT_EQ(0, vt_dm_create(name, "0 8 error", out, sizeof(out))) {
		TH_LOG("%s", out);
	}
	snprintf(table, sizeof(table), "0 %d vvmp linear 1 1 %s 0 %d", LEN,
		 self->s->majmin, LEN);
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup load %s --table '%s'",
			    name, table)) {
		TH_LOG("%s", out);
	}
	EXPECT_NE(0, vt_run(out, sizeof(out), "rmmod dm_vvmp"));
	EXPECT_TRUE(module_loaded());
	EXPECT_EQ(0, vt_run(out, sizeof(out), "dmsetup clear %s", name));
}

TEST_F(module, rmmod_succeeds_after_last_vd_is_removed_and_module_loads_again)
{
	char out[VT_OUT_MAX];
	struct vt_status st;

	ASSERT_EQ(0, create_vd(self, out, sizeof(out))) {
		TH_LOG("%s", out);
	}
	ASSERT_EQ(0, round_trip(self, 3));
	vt_close(self->fd);
	ASSERT_EQ(0, vt_dm_remove(self->name));

	ASSERT_EQ(0, vt_run(out, sizeof(out), "rmmod dm_vvmp")) {
		TH_LOG("rmmod said: %s", out);
	}
	EXPECT_FALSE(module_loaded());
	/* Without the module there is no vvmp target. */
	EXPECT_NE(0, create_vd(self, out, sizeof(out)));

	ASSERT_EQ(0, insmod());
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(0, create_vd(self, out, sizeof(out))) {
		TH_LOG("%s", out);
	}
	/* What was written before the unload is still there. */
	{
		uint8_t *old = vt_image(LEN, 3);
		uint64_t bad = 0;

		ASSERT_NE(NULL, old);
		EXPECT_EQ(0, vt_compare_dev(self->fd, old, 0, LEN * VT_SECTOR, &bad));
		free(old);
	}
	EXPECT_EQ(0, round_trip(self, 4));
	ASSERT_EQ(0, vt_status(self->name, &st)) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_STREQ("A", st.health);
}

TEST_HARNESS_MAIN
