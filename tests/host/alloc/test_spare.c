// SPDX-License-Identifier: GPL-2.0
/*
 * The hot spare a failed member is rebuilt onto (vvmp/daemon/eh_spare.c):
 * eligibility (domain, unit up, size, not beside another member) and the
 * order among the eligible.
 */
#include "daemon/eh_spare.h"
#include "../proto/tap.h"

#define MIB	2048ULL		/* sectors */

static int test_only_eligible_spares_are_picked(void)
{
	const uint32_t members[] = { 10 };
	struct eh_spare_candidate c[] = {
		{ .volume_id = 1, .unit_id = 20, .domain_id = 2, .unit_up = true, .length_lba = 64 * MIB },
		{ .volume_id = 2, .unit_id = 21, .domain_id = 1, .unit_up = false, .length_lba = 64 * MIB },
		{ .volume_id = 3, .unit_id = 22, .domain_id = 1, .unit_up = true, .length_lba = 8 * MIB },
		{ .volume_id = 4, .unit_id = 10, .domain_id = 1, .unit_up = true, .length_lba = 64 * MIB },
	};
	struct eh_spare_need need = { .domain_id = 1, .length_lba = 16 * MIB, .failed_unit = 11,
				      .member_units = members, .nr_member_units = 1 };

	/* Other domain, unit down, too small, beside the surviving member. */
	CHECK_EQ(eh_spare_pick(c, 4, &need), -1);
	c[2].length_lba = 16 * MIB;			/* exactly the member's size fits */
	CHECK_EQ(eh_spare_pick(c, 4, &need), 2);
	CHECK_EQ(eh_spare_pick(c, 0, &need), -1);
	return 0;
}

static int test_away_from_failed_unit_then_best_fit_then_lowest_id(void)
{
	struct eh_spare_candidate c[] = {
		{ .volume_id = 7, .unit_id = 11, .domain_id = 1, .unit_up = true, .length_lba = 16 * MIB },
		{ .volume_id = 9, .unit_id = 30, .domain_id = 1, .unit_up = true, .length_lba = 64 * MIB },
		{ .volume_id = 8, .unit_id = 31, .domain_id = 1, .unit_up = true, .length_lba = 32 * MIB },
		{ .volume_id = 5, .unit_id = 32, .domain_id = 1, .unit_up = true, .length_lba = 32 * MIB },
	};
	struct eh_spare_need need = { .domain_id = 1, .length_lba = 16 * MIB, .failed_unit = 11 };

	/* The best fit is on the failed member's unit: a smaller unit elsewhere wins. */
	CHECK_EQ(eh_spare_pick(c, 4, &need), 3);	/* 32 MiB, lower id than 8 */
	CHECK_EQ(eh_spare_pick(c, 3, &need), 2);	/* 32 before 64 */
	CHECK_EQ(eh_spare_pick(c, 1, &need), 0);	/* the failed unit, as a last resort */
	need.failed_unit = 0;				/* unknown: best fit overall */
	CHECK_EQ(eh_spare_pick(c, 4, &need), 0);
	return 0;
}

int main(void)
{
	RUN(test_only_eligible_spares_are_picked);
	RUN(test_away_from_failed_unit_then_best_fit_then_lowest_id);
	return tap_summary();
}
