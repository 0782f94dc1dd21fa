// SPDX-License-Identifier: GPL-2.0
/*
 * Table grammar of the vvmp target (Documentation/dm-vvmp.rst, "Table" and
 * "Constructor errors"): every good form is accepted and printed back by
 * "dmsetup table" exactly; every bad form is refused with "Invalid argument",
 * leaves no device and no held backing device behind, and logs
 * "device-mapper: table: <dev>: vvmp: <message> (-EINVAL)"; a device lookup
 * failure keeps the lookup's errno (ENODEV, ENXIO).
 *
 * Tables are templates: "$N" is backing slice N as major:minor, "@N" its
 * path. Each slice is SLICE sectors (4 MiB) of a brd disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"

#define SLICE		8192
#define NR_SLICES	4


/* ---- good forms ------------------------------------------------------- */

FIXTURE(good) {
	struct vt_dev *d[NR_SLICES];
};

FIXTURE_VARIANT(good) {
	const char *table;
};

FIXTURE_SETUP(good)
{
	int i;

	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_SLICES; i++) {
		self->d[i] = vt_slice(SLICE);
		ASSERT_NE(NULL, self->d[i]);
	}
}

FIXTURE_TEARDOWN(good)
{
	vt_end();
}

#define MIRROR2 "0 4096 vvmp linear 2 1 $0 0 4096 1 $1 0 4096"
#define MIRROR2_STRIPED \
	"0 4096 vvmp striped 8 2 2 $0 0 2048 $1 0 2048 " \
	"4 $2 0 1024 $3 0 1024 $2 2048 1024 $3 2048 1024"

FIXTURE_VARIANT_ADD(good, linear_one_extent) {
	.table = "0 8192 vvmp linear 1 1 $0 0 8192",
};
FIXTURE_VARIANT_ADD(good, linear_extent_ending_at_device_end) {
	.table = "0 4096 vvmp linear 1 1 $0 4096 4096",
};
FIXTURE_VARIANT_ADD(good, concat_three_extents) {
	.table = "0 6000 vvmp linear 1 3 $0 8 1000 $1 0 3000 $0 4000 2000",
};
FIXTURE_VARIANT_ADD(good, concat_adjacent_extents_on_one_device) {
	.table = "0 2048 vvmp linear 1 2 $0 0 1024 $0 1024 1024",
};
FIXTURE_VARIANT_ADD(good, striped_chunk8_two_extents) {
	.table = "0 4096 vvmp striped 8 1 2 $0 0 2048 $1 8 2048",
};
FIXTURE_VARIANT_ADD(good, striped_chunk8_four_extents) {
	.table = "0 8192 vvmp striped 8 1 4 $0 0 2048 $1 0 2048 $2 0 2048 $3 0 2048",
};
FIXTURE_VARIANT_ADD(good, striped_chunk128_two_extents) {
	.table = "0 8192 vvmp striped 128 1 2 $0 0 4096 $1 4096 4096",
};
FIXTURE_VARIANT_ADD(good, striped_chunk128_four_extents) {
	.table = "0 16384 vvmp striped 128 1 4 $0 0 4096 $1 1024 4096 $2 2048 4096 $3 0 4096",
};
FIXTURE_VARIANT_ADD(good, striped_one_extent) {
	.table = "0 1024 vvmp striped 8 1 1 $0 0 1024",
};
FIXTURE_VARIANT_ADD(good, mirror2_linear) {
	.table = MIRROR2,
};
FIXTURE_VARIANT_ADD(good, mirror2_linear_different_extent_counts) {
	.table = "0 4096 vvmp linear 2 1 $0 0 4096 3 $1 0 1000 $2 0 96 $1 2000 3000",
};
FIXTURE_VARIANT_ADD(good, mirror2_striped_different_extent_counts) {
	.table = MIRROR2_STRIPED,
};
FIXTURE_VARIANT_ADD(good, mirror8_linear) {
	.table = "0 4096 vvmp linear 8 1 $0 0 4096 1 $1 0 4096 1 $2 0 4096 "
		 "1 $3 0 4096 1 $0 4096 4096 1 $1 4096 4096 1 $2 4096 4096 "
		 "1 $3 4096 4096",
};
FIXTURE_VARIANT_ADD(good, mirror8_striped_different_extent_counts) {
	.table = "0 2048 vvmp striped 128 8 "
		 "1 $0 0 2048 "
		 "2 $1 0 1024 $2 0 1024 "
		 "4 $3 0 512 $0 2048 512 $1 1024 512 $2 1024 512 "
		 "8 $3 512 256 $3 768 256 $0 2560 256 $0 2816 256 "
		 "$1 1536 256 $1 1792 256 $2 1536 256 $2 1792 256 "
		 "2 $0 3072 1024 $1 2048 1024 "
		 "1 $2 2048 2048 "
		 "4 $3 3072 512 $3 3584 512 $0 4096 512 $1 3072 512 "
		 "1 $2 4096 2048",
};
FIXTURE_VARIANT_ADD(good, mirror2_nosync) {
	.table = MIRROR2 " 1 nosync",
};
FIXTURE_VARIANT_ADD(good, mirror2_read_policy_round_robin) {
	.table = MIRROR2 " 2 read_policy round-robin",
};
FIXTURE_VARIANT_ADD(good, mirror2_read_policy_least_pending) {
	.table = MIRROR2 " 2 read_policy least-pending",
};
FIXTURE_VARIANT_ADD(good, mirror2_nosync_then_read_policy) {
	.table = MIRROR2 " 3 nosync read_policy round-robin",
};
FIXTURE_VARIANT_ADD(good, mirror2_read_policy_then_nosync) {
	.table = MIRROR2 " 3 read_policy round-robin nosync",
};
FIXTURE_VARIANT_ADD(good, mirror2_least_pending_then_nosync) {
	.table = MIRROR2 " 3 read_policy least-pending nosync",
};
FIXTURE_VARIANT_ADD(good, mirror2_striped_nosync_then_read_policy) {
	.table = MIRROR2_STRIPED " 3 nosync read_policy round-robin",
};
FIXTURE_VARIANT_ADD(good, mirror2_striped_read_policy_then_nosync) {
	.table = MIRROR2_STRIPED " 3 read_policy round-robin nosync",
};

static uint64_t nth_number(const char *table, int n)
{
	return strtoull(table + (n ? strcspn(table, " ") + 1 : 0), NULL, 10);
}

/* Create @table, check "dmsetup table" and the status shape, remove it. */
static void check_round_trip(struct __test_metadata *_metadata,
			     const char *input, const char *expect)
{
	const char *name = vt_new_name("vd");
	char out[VT_OUT_MAX], table[VT_OUT_MAX];
	struct vt_status st;
	const char *layout_arg = strstr(input, " vvmp ") + 6;
	const char *legs_arg = layout_arg;
	unsigned int i;
	bool mirror_nosync = strstr(input, "nosync") != NULL;

	ASSERT_EQ(0, vt_dm_create(name, input, out, sizeof(out))) {
		TH_LOG("table '%s' refused: %s", input, out);
	}
	ASSERT_EQ(0, vt_dm_table(name, table, sizeof(table)));
	EXPECT_STREQ(expect, table);

	ASSERT_EQ(0, vt_status(name, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(0ULL, st.start);
	EXPECT_EQ(nth_number(input, 1), st.len);
	EXPECT_EQ(0, strncmp(layout_arg, st.layout, strlen(st.layout)));
	if (!strncmp(legs_arg, "striped ", 8))
		legs_arg = strchr(legs_arg + 8, ' ') + 1;
	else
		legs_arg += 7;
	EXPECT_EQ(strtoul(legs_arg, NULL, 10), st.nr_legs);
	EXPECT_EQ(st.len, st.total);
	EXPECT_STREQ(strstr(input, "read_policy round-robin") ?
		     "round-robin" : "least-pending", st.policy);
	/* Leg 0 is the copy source and always in sync. */
	EXPECT_EQ('A', st.health[0]);
	for (i = 1; i < st.nr_legs; i++) {
		if (mirror_nosync) {
			EXPECT_EQ('A', st.health[i]);
		} else {
			EXPECT_NE(NULL, strchr("Aa", st.health[i]));
		}
	}
	EXPECT_EQ(0, vt_dm_remove(name));
	EXPECT_FALSE(vt_dm_exists(name));
}

TEST_F(good, round_trips)
{
	char input[VT_OUT_MAX];

	ASSERT_EQ(0, vt_expand(variant->table, input, sizeof(input),
			       self->d, NR_SLICES));
	check_round_trip(_metadata, input, input);
}

/* ---- forms built at run time ------------------------------------------ */

FIXTURE(table) {
	struct vt_dev *d[NR_SLICES];
};

FIXTURE_SETUP(table)
{
	int i;

	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_SLICES; i++) {
		self->d[i] = vt_slice(SLICE);
		ASSERT_NE(NULL, self->d[i]);
	}
}

FIXTURE_TEARDOWN(table)
{
	vt_end();
}

TEST_F(table, device_given_by_path_prints_as_major_minor)
{
	char input[512], expect[512];

	ASSERT_EQ(0, vt_expand("0 4096 vvmp linear 2 1 @0 0 4096 1 @1 8 4096 1 nosync",
			       input, sizeof(input), self->d, NR_SLICES));
	ASSERT_EQ(0, vt_expand("0 4096 vvmp linear 2 1 $0 0 4096 1 $1 8 4096 1 nosync",
			       expect, sizeof(expect), self->d, NR_SLICES));
	check_round_trip(_metadata, input, expect);
}

TEST_F(table, sixty_four_extents_round_trip)
{
	char input[VT_OUT_MAX];
	size_t used;
	int i;

	used = snprintf(input, sizeof(input), "0 512 vvmp linear 1 64");
	for (i = 0; i < 64; i++)
		used += snprintf(input + used, sizeof(input) - used,
				 " %s %d 8", self->d[i % 2]->majmin,
				 (i / 2) * 16 + 8);
	check_round_trip(_metadata, input, input);
}

TEST_F(table, sixty_four_striped_extents_round_trip)
{
	char input[VT_OUT_MAX];
	size_t used;
	int i;

	used = snprintf(input, sizeof(input), "0 4096 vvmp striped 8 1 64");
	for (i = 0; i < 64; i++)
		used += snprintf(input + used, sizeof(input) - used,
				 " %s %d 64", self->d[i % 4]->majmin,
				 (i / 4) * 64);
	check_round_trip(_metadata, input, input);
}

TEST_F(table, zero_feature_args_round_trip)
{
	char input[512];

	ASSERT_EQ(0, vt_expand(MIRROR2 " 0", input, sizeof(input), self->d,
			       NR_SLICES));
	check_round_trip(_metadata, input, input);
}

/* ---- bad forms -------------------------------------------------------- */

/*
 * Create must fail with @err, leave no device, release every backing
 * device, and log exactly the documented message with @err's name.
 */
static void check_refused_errno(struct __test_metadata *_metadata,
				struct vt_dev *const *d, const char *table,
				const char *message, int err,
				const char *errname)
{
	const char *name = vt_new_name("bad");
	char before[VT_OUT_MAX], after[VT_OUT_MAX], out[VT_OUT_MAX];
	static char log[65536];
	int kmsg, i;

	ASSERT_EQ(0, vt_dm_list(before, sizeof(before)));
	kmsg = vt_kmsg_mark();
	ASSERT_GE(kmsg, 0);
	EXPECT_EQ(err, vt_dm_create(name, table, out, sizeof(out))) {
		TH_LOG("table '%s': %s", table, out[0] ? out : "accepted");
	}
	ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
	EXPECT_TRUE(vt_log_has_table_error(log, message, errname)) {
		TH_LOG("want 'device-mapper: table: <dev>: vvmp: %s (-%s)' for '%s'; kernel log:\n%s",
		       message, errname, table, log);
	}
	EXPECT_FALSE(vt_dm_exists(name));
	ASSERT_EQ(0, vt_dm_list(after, sizeof(after)));
	EXPECT_STREQ(before, after);
	for (i = 0; i < NR_SLICES; i++) {
		if (!d[i])
			continue;
		EXPECT_EQ(0, vt_dm_open_count(d[i]->name)) {
			TH_LOG("%s still held after refused table", d[i]->name);
		}
	}
}

static void check_refused(struct __test_metadata *_metadata,
			  struct vt_dev *const *d, const char *table,
			  const char *message)
{
	check_refused_errno(_metadata, d, table, message, EINVAL, "EINVAL");
}

/* Whichever errno the kernel's lookup gave, the message must be exact. */
static void check_refused_lookup(struct __test_metadata *_metadata,
				 struct vt_dev *const *d, const char *table)
{
	static const struct { int err; const char *name; } lookup_errnos[] = {
		{ ENODEV, "ENODEV" }, { ENOENT, "ENOENT" },
		{ ENXIO, "ENXIO" }, { ENOTBLK, "ENOTBLK" },
	};
	const char *name = vt_new_name("bad");
	char out[VT_OUT_MAX];
	int err, i;

	/* Probe which errno this kernel gives, then check it all exactly. */
	err = vt_dm_create(name, table, out, sizeof(out));
	ASSERT_FALSE(vt_dm_exists(name));
	for (i = 0; i < (int)ARRAY_SIZE(lookup_errnos); i++)
		if (lookup_errnos[i].err == err)
			break;
	ASSERT_LT(i, (int)ARRAY_SIZE(lookup_errnos)) {
		TH_LOG("table '%s': errno %d is not a lookup error", table, err);
	}
	check_refused_errno(_metadata, d, table, "Device lookup failed",
			    lookup_errnos[i].err, lookup_errnos[i].name);
}

FIXTURE(bad) {
	struct vt_dev *d[NR_SLICES];
};

FIXTURE_VARIANT(bad) {
	const char *table;
	const char *message;
	bool lookup;		/* refused by the device lookup */
};

FIXTURE_SETUP(bad)
{
	int i;

	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_SLICES; i++) {
		self->d[i] = vt_slice(SLICE);
		ASSERT_NE(NULL, self->d[i]);
	}
}

FIXTURE_TEARDOWN(bad)
{
	vt_end();
}

#define BAD(id, tbl, msg) \
	FIXTURE_VARIANT_ADD(bad, id) { .table = tbl, .message = msg, }
/*
 * Device lookups fail with the lookup's own errno, as in dm-linear; which
 * one depends on the kernel (a missing path: ENODEV on 6.1, ENOENT on 6.12).
 */
#define BAD_LOOKUP(id, tbl) \
	FIXTURE_VARIANT_ADD(bad, id) { \
		.table = tbl, .message = "Device lookup failed", .lookup = true, }

#define NEA	"Not enough arguments"
BAD(no_arguments, "0 8192 vvmp", NEA);
BAD(layout_only, "0 8192 vvmp linear", NEA);
BAD(striped_without_chunk, "0 8192 vvmp striped", NEA);
BAD(legs_without_extent_count, "0 8192 vvmp linear 1", NEA);
BAD(extent_cut_short, "0 8192 vvmp linear 1 1 $0 0", NEA);
BAD(extent_missing, "0 8192 vvmp linear 1 2 $0 0 4096", NEA);
BAD(leg_missing, "0 8192 vvmp linear 2 1 $0 0 8192", NEA);
BAD(striped_leg_missing, "0 4096 vvmp striped 8 2 2 $0 0 2048 $1 0 2048", NEA);

BAD(unknown_layout_mirror, "0 8192 vvmp mirror 1 1 $0 0 8192", "Unknown layout");
BAD(unknown_layout_number, "0 8192 vvmp 1 1 $0 0 8192", "Unknown layout");

#define STRIPE2(chunk) "0 4096 vvmp striped " chunk " 1 2 $0 0 2048 $1 0 2048"
BAD(chunk_not_power_of_two, STRIPE2("24"), "Invalid chunk size");
BAD(chunk_seven, STRIPE2("7"), "Invalid chunk size");
BAD(chunk_power_of_two_below_8, STRIPE2("4"), "Invalid chunk size");
BAD(chunk_zero, STRIPE2("0"), "Invalid chunk size");
BAD(chunk_not_a_number, STRIPE2("x8"), "Invalid chunk size");

BAD(zero_legs, "0 8192 vvmp linear 0 1 $0 0 8192", "Invalid number of legs");
BAD(nine_legs,
    "0 1024 vvmp linear 9 1 $0 0 1024 1 $1 0 1024 1 $2 0 1024 1 $3 0 1024 "
    "1 $0 1024 1024 1 $1 1024 1024 1 $2 1024 1024 1 $3 1024 1024 "
    "1 $0 2048 1024", "Invalid number of legs");
BAD(legs_not_a_number, "0 8192 vvmp linear x 1 $0 0 8192", "Invalid number of legs");

BAD(zero_extents, "0 8192 vvmp linear 1 0 $0 0 8192", "Invalid number of extents");
BAD(extents_not_a_number, "0 8192 vvmp linear 1 x $0 0 8192", "Invalid number of extents");
BAD(zero_extents_second_leg, "0 4096 vvmp linear 2 1 $0 0 4096 0 $1 0 4096",
    "Invalid number of extents");

BAD(offset_not_a_number, "0 4096 vvmp linear 1 1 $0 x 4096", "Invalid extent offset");
BAD(offset_trailing_garbage, "0 4096 vvmp linear 1 1 $0 10x 4096", "Invalid extent offset");

BAD(length_not_a_number, "0 4096 vvmp linear 1 1 $0 0 x", "Invalid extent length");
BAD(length_zero, "0 4096 vvmp linear 1 1 $0 0 0", "Invalid extent length");
BAD(length_trailing_garbage, "0 4096 vvmp linear 1 1 $0 0 4096x", "Invalid extent length");

BAD_LOOKUP(device_path_missing,
	   "0 4096 vvmp linear 1 1 /dev/vvt-no-such-disk 0 4096");
BAD_LOOKUP(device_not_a_block_device, "0 4096 vvmp linear 1 1 /dev/null 0 4096");
BAD_LOOKUP(device_missing_in_second_leg,
	   "0 4096 vvmp linear 2 1 $0 0 4096 1 /dev/vvt-no-such-disk 0 4096");

#define BEYOND "Extent beyond end of device"
BAD(extent_past_device_end, "0 1024 vvmp linear 1 1 $0 8000 1024", BEYOND);
BAD(extent_longer_than_device, "0 8193 vvmp linear 1 1 $0 0 8193", BEYOND);
BAD(offset_past_device_end, "0 16 vvmp linear 1 1 $0 9000 16", BEYOND);
BAD(striped_extent_past_device_end,
    "0 4096 vvmp striped 8 1 2 $0 0 2048 $1 7000 2048", BEYOND);
BAD(mirror_leg_past_device_end, "0 8192 vvmp linear 2 1 $0 0 8192 1 $1 8 8192",
    BEYOND);

#define OVERLAP "Extents overlap on a device"
BAD(overlap_within_leg, "0 2048 vvmp linear 1 2 $0 0 1024 $0 1023 1024", OVERLAP);
BAD(overlap_across_legs, "0 2048 vvmp linear 2 1 $0 0 2048 1 $0 2040 2048", OVERLAP);
BAD(same_extent_in_two_legs, "0 2048 vvmp linear 2 1 $0 0 2048 1 $0 0 2048", OVERLAP);
BAD(extent_inside_other, "0 4096 vvmp linear 2 1 $0 0 4096 1 $0 1000 4096", OVERLAP);
BAD(overlap_within_stripe, "0 4096 vvmp striped 8 1 2 $0 0 2048 $0 2040 2048",
    OVERLAP);

#define LEGLEN "Leg length does not match target length"
BAD(linear_leg_short, "0 8192 vvmp linear 1 1 $0 0 4096", LEGLEN);
BAD(linear_leg_long, "0 4096 vvmp linear 1 1 $0 0 8192", LEGLEN);
BAD(concat_leg_long_by_one, "0 4096 vvmp linear 1 2 $0 0 2048 $1 0 2049", LEGLEN);
BAD(second_leg_short, "0 4096 vvmp linear 2 1 $0 0 4096 1 $1 0 2048", LEGLEN);
BAD(striped_leg_not_covering_target,
    "0 8192 vvmp striped 8 1 2 $0 0 2048 $1 0 2048", LEGLEN);

#define UNEQUAL "Stripe extents must have equal length"
BAD(stripe_unequal, "0 3072 vvmp striped 8 1 2 $0 0 1024 $1 0 2048", UNEQUAL);
BAD(stripe_unequal_second_leg,
    "0 2048 vvmp striped 8 2 2 $0 0 1024 $1 0 1024 2 $2 0 512 $3 0 1536", UNEQUAL);

#define NOTMULT "Stripe length is not a multiple of the chunk size"
BAD(stripe_not_chunk_multiple_8, "0 24 vvmp striped 8 1 2 $0 0 12 $1 0 12", NOTMULT);
BAD(stripe_not_chunk_multiple_128, "0 2000 vvmp striped 128 1 2 $0 0 1000 $1 0 1000",
    NOTMULT);

#define NFEAT "Invalid number of feature arguments"
BAD(feature_count_not_a_number, MIRROR2 " x", NFEAT);
BAD(feature_count_exceeds_rest, MIRROR2 " 2 nosync", NFEAT);
BAD(feature_count_exceeds_rest_policy, MIRROR2 " 4 read_policy round-robin nosync",
    NFEAT);

#define UFEAT "Unknown feature argument"
BAD(unknown_feature_sync, MIRROR2 " 1 sync", UFEAT);
BAD(feature_words_are_case_sensitive, MIRROR2 " 1 NOSYNC", UFEAT);
BAD(unknown_feature_after_nosync, MIRROR2 " 2 nosync handle_errors", UFEAT);

#define DUP "Duplicate feature argument"
BAD(duplicate_nosync, MIRROR2 " 2 nosync nosync", DUP);
BAD(duplicate_read_policy, MIRROR2 " 4 read_policy round-robin read_policy least-pending",
    DUP);
BAD(duplicate_read_policy_apart,
    MIRROR2 " 5 read_policy round-robin nosync read_policy round-robin", DUP);

#define UPOL "Unknown read policy"
BAD(unknown_read_policy, MIRROR2 " 2 read_policy fastest", UPOL);
BAD(read_policy_underscore, MIRROR2 " 3 nosync read_policy round_robin", UPOL);
BAD(read_policy_named_nosync, MIRROR2 " 2 read_policy nosync", UPOL);

#define TOOMANY "Too many arguments"
BAD(word_after_features, MIRROR2 " 1 nosync extra", TOOMANY);
BAD(word_after_zero_features, MIRROR2 " 0 extra", TOOMANY);
BAD(word_after_read_policy, MIRROR2 " 2 read_policy round-robin nosync", TOOMANY);

TEST_F(bad, is_refused_with_exact_message)
{
	char table[VT_OUT_MAX];

	ASSERT_EQ(0, vt_expand(variant->table, table, sizeof(table), self->d,
			       NR_SLICES));
	if (variant->lookup)
		check_refused_lookup(_metadata, self->d, table);
	else
		check_refused(_metadata, self->d, table, variant->message);
}

TEST_F(table, sixty_five_extents_refused)
{
	char input[VT_OUT_MAX];
	size_t used;
	int i;

	used = snprintf(input, sizeof(input), "0 520 vvmp linear 1 65");
	for (i = 0; i < 65; i++)
		used += snprintf(input + used, sizeof(input) - used,
				 " %s %d 8", self->d[i % 2]->majmin,
				 (i / 2) * 16 + 8);
	check_refused(_metadata, self->d, input, "Invalid number of extents");
}

TEST_F(table, missing_major_minor_refused)
{
	char input[256];
	unsigned int major;

	ASSERT_EQ(1, sscanf(self->d[0]->majmin, "%u:", &major));
	/* No device-mapper device has the largest minor. */
	snprintf(input, sizeof(input), "0 4096 vvmp linear 1 1 %u:1048575 0 4096",
		 major);
	check_refused_lookup(_metadata, self->d, input);
}

/* ---- through dmsetup itself ------------------------------------------ */

TEST_F(table, dmsetup_create_and_table_round_trip)
{
	const char *name = vt_new_name("cli");
	char input[512], out[VT_OUT_MAX], expect[600];

	ASSERT_EQ(0, vt_expand(MIRROR2_STRIPED " 3 nosync read_policy round-robin",
			       input, sizeof(input), self->d, NR_SLICES));
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup create %s --table '%s'",
			    name, input)) {
		TH_LOG("%s", out);
	}
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup table %s", name));
	snprintf(expect, sizeof(expect), "%s\n", input);
	EXPECT_STREQ(expect, out);
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup status %s", name));
	EXPECT_EQ(0, strncmp(out, "0 4096 vvmp striped 2 AA 4096/4096 round-robin ", 47)) {
		TH_LOG("status: %s", out);
	}
	EXPECT_EQ(0, vt_run(out, sizeof(out), "dmsetup remove %s", name)) {
		TH_LOG("%s", out);
	}
	EXPECT_NE(0, vt_run(NULL, 0, "dmsetup info %s", name));
}

TEST_F(table, dmsetup_create_refused_leaves_nothing)
{
	const char *name = vt_new_name("cli");
	char input[512], out[VT_OUT_MAX];
	static char log[65536];
	int kmsg;

	ASSERT_EQ(0, vt_expand(MIRROR2 " 2 read_policy fastest", input,
			       sizeof(input), self->d, NR_SLICES));
	kmsg = vt_kmsg_mark();
	ASSERT_GE(kmsg, 0);
	EXPECT_NE(0, vt_run(out, sizeof(out), "dmsetup create %s --table '%s'",
			    name, input));
	ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(out, "Invalid argument")) {
		TH_LOG("dmsetup said: %s", out);
	}
	EXPECT_TRUE(vt_log_has_table_error(log, "Unknown read policy", "EINVAL")) {
		TH_LOG("kernel log:\n%s", log);
	}
	EXPECT_NE(0, vt_run(out, sizeof(out), "dmsetup info %s", name)) {
		TH_LOG("device left behind: %s", out);
	}
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup ls"));
	EXPECT_EQ(NULL, strstr(out, name));
}

/* ---- IMA measurement ---------------------------------------------------- */

#define IMA_DIR "/sys/kernel/security/ima"

/* Measure device-mapper critical data; possible once per boot. */
static int ima_policy_ready(void)
{
	static const char rule[] =
		"measure func=CRITICAL_DATA label=device-mapper template=ima-buf\n";
	int fd;

	if (access(IMA_DIR, F_OK))
		vt_run(NULL, 0, "mount -t securityfs securityfs /sys/kernel/security");
	if (access(IMA_DIR "/ascii_runtime_measurements", R_OK))
		return -ENOENT;
	fd = open(IMA_DIR "/policy", O_WRONLY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* already loaded */
	if (write(fd, rule, sizeof(rule) - 1) != (ssize_t)sizeof(rule) - 1) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The vvmp target's part of the last dm_table_load measurement of a device
 * whose table names @needle, "target_name=vvmp,...;" without the ';'.
 */
static int ima_target_record(const char *needle, char *out, size_t sz)
{
	FILE *f = fopen(IMA_DIR "/ascii_runtime_measurements", "r");
	static char line[65536], buf[32768];
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *hex = strstr(line, " dm_table_load ");
		size_t n = 0;
		char *rec, *end;

		if (!hex)
			continue;
		for (hex += 15; hexval(hex[0]) >= 0 && hexval(hex[1]) >= 0 &&
		     n + 1 < sizeof(buf); hex += 2)
			buf[n++] = hexval(hex[0]) << 4 | hexval(hex[1]);
		buf[n] = '\0';
		rec = strstr(buf, "target_name=vvmp,");
		if (!rec || !strstr(rec, needle))
			continue;
		end = strchr(rec, ';');
		if (end)
			*end = '\0';
		snprintf(out, sz, "%s", rec);
		found = 0;
	}
	fclose(f);
	return found;
}

static bool has_pair(const char *rec, const char *key, const char *val)
{
	char want[256];
	size_t len;
	const char *p = rec;

	len = snprintf(want, sizeof(want), "%s=%s", key, val);
	while ((p = strstr(p, want))) {
		if ((p == rec || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p++;
	}
	return false;
}

TEST_F(table, ima_measurement_names_layout_legs_and_extents)
{
	const char *name = vt_new_name("ima");
	char input[512], out[VT_OUT_MAX], rec[8192], needle[64];
	int rc = ima_policy_ready();

	if (rc)
		SKIP(return, "no IMA policy for device-mapper critical data (%s)",
		     strerror(-rc));
	ASSERT_EQ(0, vt_expand("0 4096 vvmp striped 128 2 1 $0 0 4096 "
			       "2 $1 0 2048 $2 1024 2048 3 nosync read_policy round-robin",
			       input, sizeof(input), self->d, NR_SLICES));
	ASSERT_EQ(0, vt_dm_create(name, input, out, sizeof(out))) {
		TH_LOG("%s", out);
	}
	snprintf(needle, sizeof(needle), "leg1_ext1_device=%s,", self->d[2]->majmin);
	rc = ima_target_record(needle, rec, sizeof(rec));
	if (rc == -ENOENT && !vt_run(NULL, 0, "grep -q dm_table_load "
				     IMA_DIR "/ascii_runtime_measurements"))
		SKIP(return, "IMA does not measure device-mapper tables here");
	ASSERT_EQ(0, rc) {
		TH_LOG("no vvmp record in the dm_table_load measurements");
	}
	EXPECT_EQ(0, strncmp(rec, "target_name=vvmp,target_version=",
			     strlen("target_name=vvmp,target_version="))) {
		TH_LOG("%s", rec);
	}
	TH_LOG("%s", rec);
	EXPECT_TRUE(has_pair(rec, "layout", "striped"));
	EXPECT_TRUE(has_pair(rec, "chunk_sectors", "128"));
	EXPECT_TRUE(has_pair(rec, "legs", "2"));
	EXPECT_TRUE(has_pair(rec, "read_policy", "round-robin"));
	EXPECT_TRUE(has_pair(rec, "nosync", "y"));
	EXPECT_TRUE(has_pair(rec, "leg0_health", "A"));
	EXPECT_TRUE(has_pair(rec, "leg0_extents", "1"));
	EXPECT_TRUE(has_pair(rec, "leg0_ext0_device", self->d[0]->majmin));
	EXPECT_TRUE(has_pair(rec, "leg0_ext0_offset", "0"));
	EXPECT_TRUE(has_pair(rec, "leg0_ext0_length", "4096"));
	EXPECT_TRUE(has_pair(rec, "leg1_health", "A"));
	EXPECT_TRUE(has_pair(rec, "leg1_extents", "2"));
	EXPECT_TRUE(has_pair(rec, "leg1_ext0_device", self->d[1]->majmin));
	EXPECT_TRUE(has_pair(rec, "leg1_ext0_offset", "0"));
	EXPECT_TRUE(has_pair(rec, "leg1_ext0_length", "2048"));
	EXPECT_TRUE(has_pair(rec, "leg1_ext1_device", self->d[2]->majmin));
	EXPECT_TRUE(has_pair(rec, "leg1_ext1_offset", "1024"));
	EXPECT_TRUE(has_pair(rec, "leg1_ext1_length", "2048"));
}

TEST_HARNESS_MAIN
