/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation planning: which ranges of which volumes an allocation gets.
 * Pure (no repository, no locks) so it is tested on its own; alloc.c feeds
 * it a snapshot of the pool and writes the plan back as segments.
 * Documentation/vvmpd.rst ("Allocation scoring") describes the rules.
 */
#ifndef VVMPD_ALLOC_PLAN_H
#define VVMPD_ALLOC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAX_GROUPS		16
#define PLAN_MAX_EXTENTS	64

struct plan_range {
	uint64_t start;
	uint64_t len;
};

struct plan_volume {
	uint32_t id;			/* repository volume id */
	size_t unit_idx;
	struct plan_range *free;	/* free ranges, ascending, not touching */
	size_t nfree;
};

struct plan_unit {
	uint32_t id;
	uint32_t storage_type;
	uint32_t bandwidth_kb;		/* 0: not stated (only bandwidth-free requests) */
	uint32_t bw_reserved_kb;
	uint32_t load_pct;
	bool usable;			/* up, in the requester's domain */
	uint64_t free_lba;
	bool taken;			/* by another group of the plan being made */
};

struct plan_pool {
	struct plan_unit *units;
	size_t nunits;
	struct plan_volume *vols;
	size_t nvols;
};

struct plan_request {
	uint32_t storage_type;
	uint32_t groups;		/* stripe members / copies, incl. auto-mirror */
	uint64_t group_lba;		/* sectors each group needs */
	uint32_t group_bw_kb;
	bool span;			/* one group, may spread over several units */
	uint32_t fixed_unit[PLAN_MAX_GROUPS];	/* growth: the group's unit; 0: choose */
	uint32_t avoid_unit[PLAN_MAX_GROUPS];	/* units other groups already use */
	size_t navoid;
};

struct plan_extent {
	uint32_t group;
	uint32_t unit_id;
	uint32_t volume_id;
	uint64_t start;
	uint64_t len;
};

/** plan_score() - how well unit @u suits a group needing @need_lba (higher wins). */
long plan_score(const struct plan_unit *u, const struct plan_request *req, uint64_t need_lba);

/**
 * plan_allocate() - choose extents for every group of @req, consuming them
 * from @pool (so a caller may plan again on the same snapshot).
 * Return: 0 with *@n extents in @out (grouped by group, in concat order),
 * -ENOSPC when the pool cannot satisfy the request, -E2BIG when it would
 * take more than @max extents (too fragmented). @pool is unchanged on error.
 */
int plan_allocate(struct plan_pool *pool, const struct plan_request *req,
		  struct plan_extent *out, size_t max, size_t *n);

/** plan_pool_free() - release the ranges of a pool built by the caller. */
void plan_pool_free(struct plan_pool *pool);

/**
 * plan_volume_free_ranges() - free ranges of a volume [start, start+len)
 * given its used ranges (any order). Return: malloc'ed array (NULL when
 * empty or out of memory), count in *@n.
 */
struct plan_range *plan_volume_free_ranges(uint64_t start, uint64_t len,
					   struct plan_range *used, size_t nused, size_t *n);

#endif
