// SPDX-License-Identifier: GPL-2.0
/* Allocation planner: scoring order, distinct units, spanning, best fit, failure atomicity. */
#include <errno.h>
#include <stdlib.h>

#include "daemon/alloc_plan.h"
#include "../proto/tap.h"

/* Pool of units each with one volume [0, size) fully free. */
static void make_pool(struct plan_pool *p, size_t n, const uint32_t *type,
		      const uint64_t *size, const uint32_t *bw, const uint32_t *load)
{
	p->nunits = p->nvols = n;
	p->units = calloc(n, sizeof(*p->units));
	p->vols = calloc(n, sizeof(*p->vols));
	for (size_t i = 0; i < n; i++) {
		p->units[i] = (struct plan_unit){ .id = (uint32_t)(i + 1), .storage_type = type[i],
						  .bandwidth_kb = bw ? bw[i] : 0,
						  .load_pct = load ? load[i] : 0, .usable = true,
						  .free_lba = size[i] };
		p->vols[i].id = (uint32_t)(100 + i);
		p->vols[i].unit_idx = i;
		p->vols[i].nfree = 1;
		p->vols[i].free = malloc(sizeof(struct plan_range));
		p->vols[i].free[0] = (struct plan_range){ 0, size[i] };
	}
}

static struct plan_extent ext[PLAN_MAX_EXTENTS];
static size_t n;

static int test_type_match_wins(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 3, .groups = 1, .group_lba = 100 };

	make_pool(&p, 3, (uint32_t[]){ 1, 3, 1 }, (uint64_t[]){ 1000, 1000, 1000 }, NULL, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(ext[0].unit_id, 2);
	CHECK_EQ(ext[0].volume_id, 101);
	CHECK_EQ(ext[0].start, 0);
	CHECK_EQ(ext[0].len, 100);
	CHECK_EQ(p.units[1].free_lba, 900);
	plan_pool_free(&p);
	return 0;
}

static int test_lower_load_then_lower_id(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 1, .group_lba = 10 };

	make_pool(&p, 3, (uint32_t[]){ 1, 1, 1 }, (uint64_t[]){ 100, 100, 100 }, NULL,
		  (uint32_t[]){ 50, 10, 10 });
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(ext[0].unit_id, 2);		/* load 10 beats 50; id 2 beats id 3 */
	plan_pool_free(&p);
	return 0;
}

static int test_bandwidth_is_a_hard_limit(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 1, .group_lba = 10,
				  .group_bw_kb = 600 };

	make_pool(&p, 2, (uint32_t[]){ 1, 1 }, (uint64_t[]){ 100, 100 },
		  (uint32_t[]){ 500, 1000 }, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(ext[0].unit_id, 2);
	CHECK_EQ(p.units[1].bw_reserved_kb, 600);
	/* 400 KB/s left on unit 2, 500 on unit 1: a second 600 fits nowhere. */
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), -ENOSPC);
	plan_pool_free(&p);
	return 0;
}

static int test_groups_on_distinct_units(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 3, .groups = 3, .group_lba = 50 };

	make_pool(&p, 3, (uint32_t[]){ 1, 1, 1 }, (uint64_t[]){ 1000, 1000, 1000 }, NULL, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(n, 3);
	CHECK(ext[0].unit_id != ext[1].unit_id && ext[1].unit_id != ext[2].unit_id &&
	      ext[0].unit_id != ext[2].unit_id);
	CHECK_EQ(ext[2].group, 2);
	/* Four copies need four units. */
	r.groups = 4;
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), -ENOSPC);
	plan_pool_free(&p);
	return 0;
}

static int test_failed_plan_leaves_pool_unchanged(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 2, .group_lba = 600 };

	make_pool(&p, 2, (uint32_t[]){ 1, 1 }, (uint64_t[]){ 1000, 500 }, NULL, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), -ENOSPC);
	CHECK_EQ(n, 0);
	CHECK_EQ(p.units[0].free_lba, 1000);
	CHECK_EQ(p.vols[0].free[0].len, 1000);
	plan_pool_free(&p);
	return 0;
}

static int test_jbod_spans_units(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 1, .group_lba = 1200, .span = true };

	make_pool(&p, 2, (uint32_t[]){ 1, 1 }, (uint64_t[]){ 1000, 500 }, NULL, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(ext[0].unit_id, 1);		/* the fuller fit first */
	CHECK_EQ(ext[0].len, 1000);
	CHECK_EQ(ext[1].len, 200);
	r.group_lba = 301;			/* 300 left */
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), -ENOSPC);
	plan_pool_free(&p);
	return 0;
}

static int test_best_fit_range(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 1, .group_lba = 30 };

	make_pool(&p, 1, (uint32_t[]){ 1 }, (uint64_t[]){ 1000 }, NULL, NULL);
	free(p.vols[0].free);
	p.vols[0].free = calloc(3, sizeof(struct plan_range));
	p.vols[0].nfree = 3;
	p.vols[0].free[0] = (struct plan_range){ 0, 100 };
	p.vols[0].free[1] = (struct plan_range){ 200, 40 };
	p.vols[0].free[2] = (struct plan_range){ 300, 20 };
	p.units[0].free_lba = 160;
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(ext[0].start, 200);		/* smallest range that holds 30 */
	CHECK_EQ(p.vols[0].free[1].start, 230);
	CHECK_EQ(p.vols[0].free[1].len, 10);
	plan_pool_free(&p);
	return 0;
}

static int test_too_fragmented_is_e2big(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 1, .group_lba = 5, .span = true };

	make_pool(&p, 1, (uint32_t[]){ 1 }, (uint64_t[]){ 10 }, NULL, NULL);
	free(p.vols[0].free);
	p.vols[0].free = calloc(5, sizeof(struct plan_range));
	p.vols[0].nfree = 5;
	for (int i = 0; i < 5; i++)
		p.vols[0].free[i] = (struct plan_range){ (uint64_t)i * 2, 1 };
	p.units[0].free_lba = 5;
	CHECK_EQ(plan_allocate(&p, &r, ext, 4, &n), -E2BIG);
	CHECK_EQ(plan_allocate(&p, &r, ext, 5, &n), 0);
	CHECK_EQ(n, 5);
	plan_pool_free(&p);
	return 0;
}

static int test_fixed_unit_for_growth(void)
{
	struct plan_pool p;
	struct plan_request r = { .storage_type = 1, .groups = 2, .group_lba = 10,
				  .fixed_unit = { 3, 1 } };

	make_pool(&p, 3, (uint32_t[]){ 1, 1, 1 }, (uint64_t[]){ 100, 100, 5 }, NULL, NULL);
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), -ENOSPC);	/* unit 3 too small */
	r.fixed_unit[0] = 2;
	CHECK_EQ(plan_allocate(&p, &r, ext, PLAN_MAX_EXTENTS, &n), 0);
	CHECK_EQ(ext[0].unit_id, 2);
	CHECK_EQ(ext[1].unit_id, 1);
	plan_pool_free(&p);
	return 0;
}

static int test_free_ranges_of_volume(void)
{
	struct plan_range used[] = { { 150, 10 }, { 100, 20 }, { 190, 10 } };
	struct plan_range *f;
	size_t nf;

	f = plan_volume_free_ranges(100, 100, used, 3, &nf);
	CHECK_EQ(nf, 2);
	CHECK_EQ(f[0].start, 120);
	CHECK_EQ(f[0].len, 30);
	CHECK_EQ(f[1].start, 160);
	CHECK_EQ(f[1].len, 30);
	free(f);
	return 0;
}

int main(void)
{
	RUN(test_type_match_wins);
	RUN(test_lower_load_then_lower_id);
	RUN(test_bandwidth_is_a_hard_limit);
	RUN(test_groups_on_distinct_units);
	RUN(test_failed_plan_leaves_pool_unchanged);
	RUN(test_jbod_spans_units);
	RUN(test_best_fit_range);
	RUN(test_too_fragmented_is_e2big);
	RUN(test_fixed_unit_for_growth);
	RUN(test_free_ranges_of_volume);
	return tap_summary();
}
