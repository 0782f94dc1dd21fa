// SPDX-License-Identifier: GPL-2.0
/*
 * Mirror failure handling, messages and recovery of the vvmp target
 * (Documentation/dm-vvmp.rst, "I/O semantics", "Messages", "Recovery").
 *
 * Leg g of every mirror here is one linear extent on backing slice g, a
 * dm-linear device over brd that a test can reload to the "error" target
 * (a dead disk) or to "delay" (a slow disk, so a copy takes long enough to
 * be watched) and back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"

#define LEN		16384	/* 8 MiB VD: 8 copy windows of 1 MiB */
#define NR_SLICES	3
#define IO		128	/* 64 KiB client I/O */
#define COPY_DELAY_MS	100

FIXTURE(mirror) {
	struct vt_dev *s[NR_SLICES];
	struct vt_layout l;
	uint8_t *image;		/* what the VD must read back */
	uint8_t *base;		/* what setup put on every leg */
	const char *name;
	int fd;
};

FIXTURE_SETUP(mirror)
{
	int i;

	self->fd = -1;
	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_SLICES; i++) {
		self->s[i] = vt_slice(LEN);
		ASSERT_NE(NULL, self->s[i]);
	}
	self->base = vt_image(LEN, 1);
	self->image = vt_image(LEN, 1);
	ASSERT_NE(NULL, self->base);
	ASSERT_NE(NULL, self->image);
}

FIXTURE_TEARDOWN(mirror)
{
	free(self->image);
	free(self->base);
	vt_end();
}

static void layout_init(FIXTURE_DATA(mirror) *self, unsigned int nr_legs,
			const char *features)
{
	unsigned int g;

	memset(&self->l, 0, sizeof(self->l));
	self->l.length = LEN;
	self->l.nr_legs = nr_legs;
	self->l.features = features;
	for (g = 0; g < nr_legs; g++) {
		self->l.leg[g].nr = 1;
		self->l.leg[g].ext[0].dev = self->s[g];
		self->l.leg[g].ext[0].off = 0;
		self->l.leg[g].ext[0].len = LEN;
	}
}

/* Put the base pattern on each leg directly, then create the VD. */
static int make_mirror(FIXTURE_DATA(mirror) *self, unsigned int nr_legs,
		       const char *features)
{
	unsigned int g;
	int rc;

	layout_init(self, nr_legs, features);
	for (g = 0; g < nr_legs; g++) {
		rc = vt_leg_write(&self->l, g, self->base, 0, LEN);
		if (rc)
			return rc;
	}
	self->fd = vt_layout_create(&self->l, &self->name);
	return self->fd < 0 ? self->fd : 0;
}

/* Write a fresh pattern over [sector, +nr) through the VD. */
static int vd_write(FIXTURE_DATA(mirror) *self, uint64_t sector, uint64_t nr,
		    uint64_t seed)
{
	uint8_t *p = self->image + sector * VT_SECTOR;

	vt_pattern(p, nr * VT_SECTOR, sector * VT_SECTOR, seed);
	return vt_pwrite_all(self->fd, p, nr * VT_SECTOR, sector * VT_SECTOR);
}

/* Read the whole VD in IO pieces; 0 if all reads succeed and match. */
static int vd_check(struct __test_metadata *_metadata,
		    FIXTURE_DATA(mirror) *self)
{
	uint64_t s, bad = 0;

	for (s = 0; s < LEN; s += IO) {
		int rc = vt_compare_dev(self->fd, self->image + s * VT_SECTOR,
					s * VT_SECTOR, IO * VT_SECTOR, &bad);

		EXPECT_EQ(0, rc) {
			TH_LOG("VD read at sector %llu: %s (byte %llu)",
			       (unsigned long long)s,
			       rc > 0 ? "wrong data" : strerror(-rc),
			       (unsigned long long)bad);
			return -1;
		}
	}
	return 0;
}

static int leg_equals(FIXTURE_DATA(mirror) *self, unsigned int leg,
		      const uint8_t *want, uint64_t *bad)
{
	return vt_leg_compare(&self->l, leg, want, 0, LEN, bad);
}

static int msg(FIXTURE_DATA(mirror) *self, const char *text)
{
	return vt_dm_message(self->name, text, NULL, 0);
}

#define ASSERT_STATUS(st) ASSERT_EQ(0, vt_status(self->name, &(st))) { \
		TH_LOG("status: %s", (st).raw); }

/* ---- failure of a leg ---------------------------------------------------- */

TEST_F(mirror, read_error_fails_leg_and_read_is_retried_on_other_leg)
{
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	/* Round-robin sends every other read to leg 1; none may fail. */
	ASSERT_EQ(0, vd_check(_metadata, self));
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(1ULL, st.leg[1].read_errors) {
		TH_LOG("one read reached the dead leg before it was failed: %s",
		       st.raw);
	}
	EXPECT_EQ(0ULL, st.leg[0].read_errors);
	EXPECT_EQ(0ULL, st.leg[1].write_errors);
	EXPECT_EQ(0ULL, st.leg[1].in_flight);
	EXPECT_EQ(LEN / IO, st.leg[0].reads) {
		TH_LOG("leg 0 served every read but the failed one: %s", st.raw);
	}
}

TEST_F(mirror, failed_leg_receives_no_io)
{
	struct vt_status st;
	uint64_t bad = 0;

	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, msg(self, "reset_counters"));
	ASSERT_EQ(0, vd_write(self, 1000, 300, 7));
	ASSERT_EQ(0, vd_write(self, 8191, 2048, 8));
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, vd_check(_metadata, self));
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(0ULL, st.leg[1].reads);
	EXPECT_EQ(0ULL, st.leg[1].writes);
	EXPECT_EQ(0ULL, st.leg[1].flushes);
	EXPECT_LE(2ULL, st.leg[0].writes);
	EXPECT_EQ(LEN / IO, st.leg[0].reads);
	EXPECT_EQ(0, leg_equals(self, 0, self->image, &bad)) {
		TH_LOG("leg 0 differs at VD sector %llu", (unsigned long long)bad);
	}
	EXPECT_EQ(0, leg_equals(self, 1, self->base, &bad)) {
		TH_LOG("failed leg 1 was written at VD sector %llu",
		       (unsigned long long)bad);
	}
}

TEST_F(mirror, write_error_fails_leg_and_client_write_succeeds)
{
	struct vt_status st;
	uint64_t bad = 0;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	ASSERT_EQ(0, vd_write(self, 4000, 8, 11));
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(1ULL, st.leg[1].write_errors);
	EXPECT_EQ(0ULL, st.leg[0].write_errors);
	/* Later writes go to the healthy leg only, without error. */
	ASSERT_EQ(0, vd_write(self, 0, 2048, 12));
	ASSERT_EQ(0, vd_write(self, LEN - 37, 37, 13));
	ASSERT_STATUS(st);
	EXPECT_EQ(1ULL, st.leg[1].write_errors);
	EXPECT_EQ(1ULL, st.leg[1].writes) {
		TH_LOG("dead leg kept receiving writes: %s", st.raw);
	}
	EXPECT_EQ(0, leg_equals(self, 0, self->image, &bad)) {
		TH_LOG("leg 0 differs at VD sector %llu", (unsigned long long)bad);
	}
	ASSERT_EQ(0, vd_check(_metadata, self));
}

TEST_F(mirror, last_in_sync_leg_is_never_failed_its_errors_reach_the_client)
{
	uint8_t *buf = vt_alloc(4096);
	struct vt_status st;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vt_slice_set_error(self->s[0]));
	EXPECT_EQ(-EIO, vt_pread_all(self->fd, buf, 4096, 0));
	EXPECT_EQ(-EIO, vt_pwrite_all(self->fd, buf, 4096, 8192));
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_LE(1ULL, st.leg[0].read_errors);
	EXPECT_LE(1ULL, st.leg[0].write_errors);
	/* The disk comes back: so does the VD, without any message. */
	ASSERT_EQ(0, vt_slice_set_linear(self->s[0]));
	EXPECT_EQ(0, vt_pread_all(self->fd, buf, 4096, 0));
	EXPECT_EQ(0, memcmp(buf, self->base, 4096));
	free(buf);
}

/* ---- messages ------------------------------------------------------------ */

TEST_F(mirror, fail_leg_marks_leg_dead)
{
	char table[VT_OUT_MAX], table2[VT_OUT_MAX];
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 3, "1 nosync"));
	ASSERT_EQ(0, vt_dm_table(self->name, table, sizeof(table)));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("ADA", st.health);
	EXPECT_EQ(LEN, st.synced);
	ASSERT_EQ(0, msg(self, "fail_leg 0"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("DDA", st.health);
	ASSERT_EQ(0, vd_write(self, 77, 77, 5));
	ASSERT_EQ(0, vd_check(_metadata, self));
	/* Health is status, not table. */
	ASSERT_EQ(0, vt_dm_table(self->name, table2, sizeof(table2)));
	EXPECT_STREQ(table, table2);
}

TEST_F(mirror, fail_leg_of_last_in_sync_leg_is_refused_with_ebusy)
{
	static char log[65536];
	struct vt_status st;
	int kmsg;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	kmsg = vt_kmsg_mark();
	EXPECT_EQ(EBUSY, msg(self, "fail_leg 0"));
	ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
	EXPECT_LE(1, vt_log_count_matching(log, "fail_leg")) {
		TH_LOG("no reason logged:\n%s", log);
	}
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
	ASSERT_EQ(0, vd_check(_metadata, self));
}

TEST_F(mirror, fail_leg_of_single_leg_vd_is_refused_with_ebusy)
{
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 1, NULL));
	EXPECT_EQ(EBUSY, msg(self, "fail_leg 0"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("A", st.health);
}

TEST_F(mirror, fail_leg_refused_for_only_in_sync_leg_while_other_copies)
{
	struct vt_status st;

	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, make_mirror(self, 2, NULL));
	ASSERT_STATUS(st);
	ASSERT_STREQ("Aa", st.health) {
		TH_LOG("copy not observable: %s", st.raw);
	}
	EXPECT_EQ(EBUSY, msg(self, "fail_leg 0"));
	ASSERT_STATUS(st);
	EXPECT_EQ('A', st.health[0]);
	EXPECT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
}

TEST_F(mirror, restore_leg_of_healthy_leg_is_refused_with_einval)
{
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	EXPECT_EQ(EINVAL, msg(self, "restore_leg 0"));
	EXPECT_EQ(EINVAL, msg(self, "restore_leg 1"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("AA", st.health);
	EXPECT_EQ(LEN, st.synced);
}

TEST_F(mirror, restore_leg_of_out_of_sync_leg_is_refused_with_einval)
{
	struct vt_status st;

	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, make_mirror(self, 2, NULL));
	ASSERT_STATUS(st);
	ASSERT_STREQ("Aa", st.health);
	EXPECT_EQ(EINVAL, msg(self, "restore_leg 1"));
	EXPECT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
}

TEST_F(mirror, bad_messages_are_refused_and_change_nothing)
{
	static const char *const bad[] = {
		"fail_leg 2", "fail_leg 8", "fail_leg -1", "fail_leg x",
		"fail_leg", "fail_leg 1 1", "restore_leg 2", "restore_leg x",
		"restore_leg", "read_policy fastest", "read_policy",
		"read_policy round-robin least-pending", "frobnicate",
	};
	static char log[65536];
	struct vt_status st;
	char table[VT_OUT_MAX], table2[VT_OUT_MAX];
	unsigned int i;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_dm_table(self->name, table, sizeof(table)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int kmsg = vt_kmsg_mark();
		int rc = msg(self, bad[i]);

		ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
		EXPECT_NE(0, rc) {
			TH_LOG("message '%s' was accepted", bad[i]);
		}
		EXPECT_LE(1, vt_log_count_matching(log, "device-mapper: vvmp: ")) {
			TH_LOG("message '%s': no reason logged", bad[i]);
		}
		ASSERT_STATUS(st);
		EXPECT_STREQ("AA", st.health) {
			TH_LOG("after '%s'", bad[i]);
		}
		EXPECT_STREQ("least-pending", st.policy);
	}
	ASSERT_EQ(0, vt_dm_table(self->name, table2, sizeof(table2)));
	EXPECT_STREQ(table, table2);
}

/*
 * "A refused message ... logs the reason as
 * device-mapper: vvmp: <dev>: <verb>: <reason>".
 */
TEST_F(mirror, refused_message_logs_reason_in_documented_form)
{
	static char log[65536];
	char majmin[32], want[160];
	int kmsg;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_dm_majmin(self->name, majmin, sizeof(majmin)));
	kmsg = vt_kmsg_mark();
	EXPECT_EQ(EINVAL, msg(self, "restore_leg 1"));
	EXPECT_EQ(0, msg(self, "fail_leg 1"));
	EXPECT_EQ(EBUSY, msg(self, "fail_leg 0"));
	ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
	snprintf(want, sizeof(want),
		 "device-mapper: vvmp: %s: restore_leg: leg 1 is not failed",
		 majmin);
	EXPECT_TRUE(vt_log_has_line(log, want)) {
		TH_LOG("want '%s'; kernel log:\n%s", want, log);
	}
	snprintf(want, sizeof(want),
		 "device-mapper: vvmp: %s: fail_leg: leg 0 is the last in-sync leg",
		 majmin);
	EXPECT_TRUE(vt_log_has_line(log, want)) {
		TH_LOG("want '%s'; kernel log:\n%s", want, log);
	}
}

TEST_F(mirror, read_policy_message_switches_policy_and_table_keeps_it)
{
	static const struct {
		const char *features, *message, *table_features, *policy;
	} cases[] = {
		{ "1 nosync", "read_policy round-robin",
		  "3 nosync read_policy round-robin", "round-robin" },
		{ "3 nosync read_policy round-robin", "read_policy least-pending",
		  "3 nosync read_policy least-pending", "least-pending" },
		{ "3 read_policy round-robin nosync", "read_policy least-pending",
		  "3 read_policy least-pending nosync", "least-pending" },
		{ NULL, "read_policy round-robin",
		  "2 read_policy round-robin", "round-robin" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char table[VT_OUT_MAX], want[VT_OUT_MAX];
		struct vt_status st;

		if (self->name) {
			vt_close(self->fd);
			ASSERT_EQ(0, vt_dm_remove(self->name));
		}
		ASSERT_EQ(0, make_mirror(self, 2, cases[i].features));
		ASSERT_EQ(0, msg(self, cases[i].message));
		ASSERT_STATUS(st);
		EXPECT_STREQ(cases[i].policy, st.policy);
		ASSERT_EQ(0, vt_dm_table(self->name, table, sizeof(table)));
		self->l.features = cases[i].table_features;
		ASSERT_EQ(0, vt_layout_table(&self->l, want, sizeof(want)));
		EXPECT_STREQ(want, table);
		/* Reloading the printed table keeps the policy. */
		ASSERT_EQ(0, vt_dm_reload(self->name, table));
		ASSERT_STATUS(st);
		EXPECT_STREQ(cases[i].policy, st.policy);
	}
}

TEST_F(mirror, reset_counters_zeroes_every_counter)
{
	struct vt_status st;
	unsigned int g;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vd_write(self, 0, 64, 3));
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, vd_check(_metadata, self));
	ASSERT_STATUS(st);
	EXPECT_LT(0ULL, st.leg[0].writes + st.leg[0].reads);
	ASSERT_EQ(0, msg(self, "reset_counters"));
	ASSERT_STATUS(st);
	for (g = 0; g < 2; g++) {
		EXPECT_EQ(0ULL, st.leg[g].reads);
		EXPECT_EQ(0ULL, st.leg[g].writes);
		EXPECT_EQ(0ULL, st.leg[g].flushes);
		EXPECT_EQ(0ULL, st.leg[g].read_errors);
		EXPECT_EQ(0ULL, st.leg[g].write_errors);
		EXPECT_EQ(0ULL, st.leg[g].in_flight);
	}
	EXPECT_STREQ("AA", st.health);
}

TEST_F(mirror, reset_counters_zeroes_error_counters)
{
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	ASSERT_EQ(0, vd_write(self, 0, 8, 3));
	ASSERT_STATUS(st);
	ASSERT_EQ(1ULL, st.leg[1].write_errors);
	ASSERT_EQ(0, msg(self, "reset_counters"));
	ASSERT_STATUS(st);
	EXPECT_EQ(0ULL, st.leg[1].write_errors);
	EXPECT_STREQ("AD", st.health);
}

/* ---- recovery ------------------------------------------------------------ */

TEST_F_TIMEOUT(mirror, restore_leg_copies_in_full_then_leg_serves_reads, 120)
{
	uint8_t *buf = vt_alloc(IO * VT_SECTOR);
	struct vt_status st;
	uint64_t bad = 0;
	int i;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vd_write(self, 0, 2048, 21));
	ASSERT_EQ(0, vd_write(self, 5000, 333, 22));
	ASSERT_EQ(0, vd_write(self, LEN - 2048, 2048, 23));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));

	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("Aa", st.health);
	EXPECT_GT(LEN, st.synced);
	EXPECT_EQ(LEN, st.total);
	/* An out-of-sync leg serves no read. */
	ASSERT_EQ(0, msg(self, "reset_counters"));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, vt_pread_all(self->fd, buf, IO * VT_SECTOR,
					  (uint64_t)i * IO * VT_SECTOR));
		EXPECT_EQ(0, memcmp(buf, self->image + (uint64_t)i * IO * VT_SECTOR,
				    IO * VT_SECTOR));
	}
	ASSERT_STATUS(st);
	if (st.health[1] == 'a') {
		EXPECT_EQ(0ULL, st.leg[1].reads) {
			TH_LOG("out-of-sync leg served reads: %s", st.raw);
		}
	}

	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("copy did not finish: %s", st.raw);
	}
	EXPECT_EQ(LEN, st.synced);
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	EXPECT_EQ(0, leg_equals(self, 0, self->image, &bad)) {
		TH_LOG("leg 0 differs at VD sector %llu", (unsigned long long)bad);
	}
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad)) {
		TH_LOG("restored leg 1 differs at VD sector %llu",
		       (unsigned long long)bad);
	}

	/* Both legs serve reads again. */
	ASSERT_EQ(0, msg(self, "reset_counters"));
	ASSERT_EQ(0, vd_check(_metadata, self));
	ASSERT_STATUS(st);
	EXPECT_LT(0ULL, st.leg[0].reads);
	EXPECT_LT(0ULL, st.leg[1].reads) {
		TH_LOG("restored leg serves no reads: %s", st.raw);
	}
	EXPECT_EQ(LEN / IO, st.leg[0].reads + st.leg[1].reads);
	free(buf);
}

TEST_F_TIMEOUT(mirror, initial_copy_without_nosync_makes_legs_identical, 120)
{
	uint8_t *other = vt_image(LEN, 2);
	struct vt_status st;
	uint64_t bad = 0;

	ASSERT_NE(NULL, other);
	layout_init(self, 2, NULL);
	/* Leg 1 starts with different content. */
	ASSERT_EQ(0, vt_leg_write(&self->l, 1, other, 0, LEN));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, vt_leg_write(&self->l, 0, self->base, 0, LEN));
	self->fd = vt_layout_create(&self->l, &self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_STATUS(st);
	EXPECT_STREQ("Aa", st.health);
	EXPECT_GT(LEN, st.synced);
	/* Reads come from leg 0 while leg 1 is copied. */
	ASSERT_EQ(0, vd_check(_metadata, self));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("copy did not finish: %s", st.raw);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	EXPECT_EQ(0, leg_equals(self, 1, self->base, &bad)) {
		TH_LOG("leg 1 differs from leg 0 at VD sector %llu",
		       (unsigned long long)bad);
	}
	EXPECT_EQ(0, leg_equals(self, 0, self->base, &bad));
	free(other);
}

struct writer {
	FIXTURE_DATA(mirror) *self;
	volatile int copying;
	volatile int stop;
	int error;
	unsigned int writes;
	unsigned int writes_during_copy;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Random writes until told to stop (and at least a few after that). */
static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t seed = 0xfeedbeef;
	unsigned int after_stop = 0;

	uint64_t deadline = vt_now_ms() + 100000;

	while (after_stop < 4 && vt_now_ms() < deadline) {
		uint64_t n = 1 + rnd(&seed) % 256;
		uint64_t off = rnd(&seed) % (LEN - n + 1);
		int rc = vd_write(w->self, off, n, 5000 + w->writes);

		if (rc) {
			w->error = rc;
			break;
		}
		w->writes++;
		if (w->stop)
			after_stop++;
		else if (w->copying)
			w->writes_during_copy++;
	}
	return NULL;
}

TEST_F_TIMEOUT(mirror, writes_during_copy_are_kept_on_every_leg, 150)
{
	struct writer w = { .self = self };
	struct vt_status st;
	uint64_t bad = 0;
	pthread_t th;
	int wait_rc;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS / 2));
	ASSERT_EQ(0, pthread_create(&th, NULL, writer_fn, &w));
	vt_sleep_ms(100);
	EXPECT_EQ(0, msg(self, "restore_leg 1 full"));
	w.copying = 1;
	wait_rc = vt_wait_health(self->name, "AA", 90, &st);
	w.stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, wait_rc) {
		TH_LOG("copy did not finish: %s", st.raw);
	}
	ASSERT_EQ(0, w.error) {
		TH_LOG("client write failed during copy: %s", strerror(-w.error));
	}
	TH_LOG("%u writes, %u of them during the copy", w.writes,
	       w.writes_during_copy);
	EXPECT_LE(5U, w.writes_during_copy);
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	EXPECT_EQ(0, leg_equals(self, 0, self->image, &bad)) {
		TH_LOG("leg 0 differs at VD sector %llu", (unsigned long long)bad);
	}
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad)) {
		TH_LOG("leg 1 differs at VD sector %llu: copy overwrote newer data?",
		       (unsigned long long)bad);
	}
	ASSERT_EQ(0, vd_check(_metadata, self));
}

TEST_F_TIMEOUT(mirror, restore_during_copy_restarts_copy_for_both_legs, 150)
{
	struct vt_status st;
	uint64_t bad = 0, progress;
	int i;

	ASSERT_EQ(0, make_mirror(self, 3, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, msg(self, "fail_leg 2"));
	ASSERT_EQ(0, vd_write(self, 0, LEN, 31));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[2], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	/* Let the copy onto leg 1 make progress first. */
	for (i = 0; i < 200; i++) {
		ASSERT_STATUS(st);
		if (st.synced > 0 || strcmp(st.health, "AaD"))
			break;
		vt_sleep_ms(25);
	}
	ASSERT_STREQ("AaD", st.health) {
		TH_LOG("copy not observable: %s", st.raw);
	}
	ASSERT_LT(0ULL, st.synced);
	progress = st.synced;
	ASSERT_EQ(0, msg(self, "restore_leg 2 full"));
	ASSERT_STATUS(st);
	EXPECT_STREQ("Aaa", st.health);
	EXPECT_GT(progress, st.synced) {
		TH_LOG("copy did not restart from the beginning: %s", st.raw);
	}
	ASSERT_EQ(0, vt_wait_health(self->name, "AAA", 90, &st)) {
		TH_LOG("copy did not finish: %s", st.raw);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, vt_slice_set_linear(self->s[2]));
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad)) {
		TH_LOG("leg 1 differs at VD sector %llu", (unsigned long long)bad);
	}
	EXPECT_EQ(0, leg_equals(self, 2, self->image, &bad)) {
		TH_LOG("leg 2 differs at VD sector %llu: copy not restarted?",
		       (unsigned long long)bad);
	}
}

TEST_F_TIMEOUT(mirror, suspend_pauses_copy_and_resume_continues_it, 120)
{
	struct vt_status st, st2;
	uint64_t bad = 0;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vd_write(self, 0, LEN, 41));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_EQ(0, vt_dm_suspend(self->name, true));
	ASSERT_STATUS(st);
	vt_sleep_ms(1000);
	ASSERT_STATUS(st2);
	EXPECT_STREQ("Aa", st2.health);
	EXPECT_EQ(st.synced, st2.synced) {
		TH_LOG("copy went on while suspended: %s -> %s", st.raw, st2.raw);
	}
	EXPECT_GT(LEN, st2.synced);
	ASSERT_EQ(0, vt_dm_suspend(self->name, false));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("copy did not finish after resume: %s", st.raw);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad)) {
		TH_LOG("leg 1 differs at VD sector %llu", (unsigned long long)bad);
	}
}


TEST_F_TIMEOUT(mirror, writes_reach_out_of_sync_leg_before_the_copy_does, 120)
{
	struct vt_status st;
	uint64_t bad = 0;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	/* The last window is copied last. */
	ASSERT_EQ(0, vd_write(self, LEN - 64, 64, 51));
	ASSERT_STATUS(st);
	EXPECT_STREQ("Aa", st.health);
	EXPECT_GT(LEN - 2048, st.synced) {
		TH_LOG("copy already reached the last window: %s", st.raw);
	}
	EXPECT_EQ(0, vt_leg_compare(&self->l, 1, self->image, LEN - 64, 64, &bad)) {
		TH_LOG("out-of-sync leg missed a write at VD sector %llu",
		       (unsigned long long)bad);
	}
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("%s", st.raw);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad));
}

TEST_F_TIMEOUT(mirror, copy_write_error_fails_the_leg_being_copied, 120)
{
	struct vt_status st;
	uint64_t bad = 0;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vd_write(self, 3000, 1000, 52));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_STATUS(st);
	ASSERT_STREQ("Aa", st.health);
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	EXPECT_EQ(0, vt_wait_health(self->name, "AD", 30, &st)) {
		TH_LOG("copy write error did not fail leg 1: %s", st.raw);
	}
	/* No copy pending any more. */
	EXPECT_EQ(LEN, st.synced);
	ASSERT_EQ(0, vd_check(_metadata, self));
	/* The disk is back: a new restore copies it in full. */
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_EQ(0, leg_equals(self, 1, self->image, &bad)) {
		TH_LOG("leg 1 differs at VD sector %llu", (unsigned long long)bad);
	}
}

TEST_F_TIMEOUT(mirror, copy_read_error_never_fails_the_last_in_sync_leg, 120)
{
	struct vt_status st;
	int i;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, msg(self, "restore_leg 1 full"));
	ASSERT_STATUS(st);
	ASSERT_STREQ("Aa", st.health);
	ASSERT_EQ(0, vt_slice_set_error(self->s[0]));
	for (i = 0; i < 20; i++) {
		ASSERT_STATUS(st);
		ASSERT_EQ('A', st.health[0]) {
			TH_LOG("last in-sync leg failed by a copy read: %s", st.raw);
		}
		vt_sleep_ms(100);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[0]));
	ASSERT_EQ(0, vd_check(_metadata, self));
}

struct bg_write {
	FIXTURE_DATA(mirror) *self;
	int rc;
};

static void *bg_write_fn(void *arg)
{
	struct bg_write *b = arg;

	b->rc = vd_write(b->self, 0, 8, 53);
	return NULL;
}

TEST_F_TIMEOUT(mirror, reset_counters_keeps_in_flight, 60)
{
	struct bg_write b = { .self = self };
	struct vt_status st;
	pthread_t th;
	int i;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, 2000));
	ASSERT_EQ(0, pthread_create(&th, NULL, bg_write_fn, &b));
	for (i = 0; i < 100; i++) {
		ASSERT_STATUS(st);
		if (st.leg[1].in_flight)
			break;
		vt_sleep_ms(10);
	}
	EXPECT_EQ(1ULL, st.leg[1].in_flight) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_EQ(0, msg(self, "reset_counters"));
	ASSERT_STATUS(st);
	EXPECT_EQ(1ULL, st.leg[1].in_flight) {
		TH_LOG("in_flight was reset: %s", st.raw);
	}
	EXPECT_EQ(0ULL, st.leg[1].writes);
	pthread_join(th, NULL);
	EXPECT_EQ(0, b.rc);
	ASSERT_STATUS(st);
	EXPECT_EQ(0ULL, st.leg[0].in_flight);
	EXPECT_EQ(0ULL, st.leg[1].in_flight);
}

struct reader {
	FIXTURE_DATA(mirror) *self;
	uint64_t seed;
	uint64_t until_ms;
	int rc;
	unsigned int reads;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	uint8_t *buf = vt_alloc(4096);

	if (!buf) {
		r->rc = -ENOMEM;
		return NULL;
	}
	while (vt_now_ms() < r->until_ms) {
		uint64_t off = (rnd(&r->seed) % (LEN / 8)) * 4096;

		r->rc = vt_pread_all(r->self->fd, buf, 4096, off);
		if (r->rc)
			break;
		if (memcmp(buf, r->self->image + off, 4096)) {
			r->rc = -EILSEQ;
			break;
		}
		r->reads++;
	}
	free(buf);
	return NULL;
}

/* 4 readers for 2 s while leg 1 answers every read 150 ms late. */
static void run_readers(struct __test_metadata *_metadata,
			FIXTURE_DATA(mirror) *self, struct vt_status *st)
{
	struct reader r[4];
	pthread_t th[4];
	uint64_t until = vt_now_ms() + 2000;
	int i;

	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 150, 0));
	ASSERT_EQ(0, msg(self, "reset_counters"));
	for (i = 0; i < 4; i++) {
		r[i] = (struct reader){ .self = self, .seed = 77 + i,
					.until_ms = until };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader_fn, &r[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, r[i].rc);
	}
	ASSERT_EQ(0, vt_status(self->name, st)) {
		TH_LOG("%s", st->raw);
	}
	TH_LOG("%s: leg 0 %llu reads, leg 1 %llu reads", st->policy,
	       (unsigned long long)st->leg[0].reads,
	       (unsigned long long)st->leg[1].reads);
}

TEST_F_TIMEOUT(mirror, least_pending_sends_reads_to_the_less_busy_leg, 60)
{
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	run_readers(_metadata, self, &st);
	EXPECT_STREQ("least-pending", st.policy);
	EXPECT_LE(3 * st.leg[1].reads + 3, st.leg[0].reads) {
		TH_LOG("slow leg got a fair share: %s", st.raw);
	}
}

TEST_F_TIMEOUT(mirror, round_robin_alternates_reads_whatever_the_load, 60)
{
	struct vt_status st;
	uint64_t a, b;

	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	run_readers(_metadata, self, &st);
	a = st.leg[0].reads;
	b = st.leg[1].reads;
	EXPECT_LE(4ULL, b);
	EXPECT_GE(6ULL, a > b ? a - b : b - a) {
		TH_LOG("round-robin is not alternating: %s", st.raw);
	}
}


TEST_F(mirror, readahead_failure_does_not_fail_a_leg)
{
	struct vt_status st;
	char path[160];
	int fd;

	ASSERT_EQ(0, make_mirror(self, 2, "3 nosync read_policy round-robin"));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	ASSERT_EQ(0, msg(self, "reset_counters"));
	/* WILLNEED on a buffered fd issues REQ_RAHEAD bios only. */
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, posix_fadvise(fd, 0, LEN * VT_SECTOR, POSIX_FADV_WILLNEED));
	vt_sleep_ms(1000);
	close(fd);
	ASSERT_STATUS(st);
	ASSERT_LT(0ULL, st.leg[1].reads) {
		TH_LOG("no readahead reached leg 1, nothing tested: %s", st.raw);
	}
	EXPECT_STREQ("AA", st.health) {
		TH_LOG("a readahead error failed a leg: %s", st.raw);
	}
}


TEST_F_TIMEOUT(mirror, write_only_an_out_of_sync_leg_took_fails, 120)
{
	uint8_t *buf = vt_alloc(4096);
	struct vt_status st;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, COPY_DELAY_MS));
	ASSERT_EQ(0, make_mirror(self, 2, NULL));
	ASSERT_STATUS(st);
	ASSERT_STREQ("Aa", st.health);
	ASSERT_EQ(0, vt_slice_set_error(self->s[0]));
	/* Leg 1 may write it, but leg 1 is not in sync. */
	EXPECT_EQ(-EIO, vt_pwrite_all(self->fd, buf, 4096, (LEN - 8) * VT_SECTOR));
	ASSERT_STATUS(st);
	EXPECT_EQ('A', st.health[0]) {
		TH_LOG("last in-sync leg failed: %s", st.raw);
	}
	ASSERT_EQ(0, vt_slice_set_linear(self->s[0]));
	free(buf);
}


TEST_F(mirror, dmsetup_message_reports_refusal)
{
	char out[VT_OUT_MAX];
	struct vt_status st;

	ASSERT_EQ(0, make_mirror(self, 2, "1 nosync"));
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup message %s 0 fail_leg 1",
			    self->name)) {
		TH_LOG("%s", out);
	}
	EXPECT_NE(0, vt_run(out, sizeof(out), "dmsetup message %s 0 fail_leg 0",
			    self->name));
	EXPECT_NE(NULL, strstr(out, "Device or resource busy")) {
		TH_LOG("dmsetup said: %s", out);
	}
	EXPECT_NE(0, vt_run(out, sizeof(out), "dmsetup message %s 0 restore_leg 0",
			    self->name));
	EXPECT_NE(NULL, strstr(out, "Invalid argument")) {
		TH_LOG("dmsetup said: %s", out);
	}
	ASSERT_STATUS(st);
	EXPECT_STREQ("AD", st.health);
}

TEST_HARNESS_MAIN
