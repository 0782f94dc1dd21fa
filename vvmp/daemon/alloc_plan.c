// SPDX-License-Identifier: GPL-2.0
/* Allocation planning: scoring units and carving ranges from their volumes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/alloc_plan.h"

long plan_score(const struct plan_unit *u, const struct plan_request *req, uint64_t need_lba)
{
	uint64_t fit = u->free_lba < need_lba ? u->free_lba : need_lba;
	long score = 0;

	/* A unit whose volumes natively are the requested type wins outright. */
	if (u->storage_type == req->storage_type)
		score += 1000;
	/* Prefer units that hold the group whole: fewer extents, fewer failure points. */
	score += (long)(fit * 300 / (need_lba ? need_lba : 1));
	/* Bandwidth headroom left after this group, relative to the unit's total. */
	if (u->bandwidth_kb) {
		uint64_t used = (uint64_t)u->bw_reserved_kb + req->group_bw_kb;
		uint64_t left = used < u->bandwidth_kb ? u->bandwidth_kb - used : 0;

		score += (long)(left * 200 / u->bandwidth_kb);
	}
	/* Lightly loaded units first. */
	score += 100 - (long)(u->load_pct > 100 ? 100 : u->load_pct);
	return score;
}

static bool avoided(const struct plan_request *req, uint32_t unit_id)
{
	for (size_t i = 0; i < req->navoid; i++)
		if (req->avoid_unit[i] == unit_id)
			return true;
	return false;
}

static bool eligible(const struct plan_unit *u, const struct plan_request *req,
		     uint64_t need_lba)
{
	uint64_t bw_left;

	if (!u->usable || u->taken || !u->free_lba || avoided(req, u->id))
		return false;
	if (!req->span && u->free_lba < need_lba)
		return false;
	if (req->group_bw_kb) {
		bw_left = u->bandwidth_kb > u->bw_reserved_kb ?
			  u->bandwidth_kb - u->bw_reserved_kb : 0;
		if (bw_left < req->group_bw_kb)
			return false;
	}
	return true;
}

/* The best eligible unit (ties: lowest id), or -1. */
static long best_unit(struct plan_pool *pool, const struct plan_request *req,
		      uint64_t need_lba)
{
	long best = -1, best_score = 0;

	for (size_t i = 0; i < pool->nunits; i++) {
		long s;

		if (!eligible(&pool->units[i], req, need_lba))
			continue;
		s = plan_score(&pool->units[i], req, need_lba);
		if (best < 0 || s > best_score ||
		    (s == best_score && pool->units[i].id < pool->units[best].id)) {
			best = (long)i;
			best_score = s;
		}
	}
	return best;
}

static long unit_by_id(struct plan_pool *pool, uint32_t id)
{
	for (size_t i = 0; i < pool->nunits; i++)
		if (pool->units[i].id == id)
			return (long)i;
	return -1;
}

/* Take @len sectors from the start of free range @r of volume @v. */
static void take(struct plan_pool *pool, struct plan_volume *v, size_t r, uint64_t len)
{
	v->free[r].start += len;
	v->free[r].len -= len;
	pool->units[v->unit_idx].free_lba -= len;
	if (!v->free[r].len) {
		memmove(&v->free[r], &v->free[r + 1], (v->nfree - r - 1) * sizeof(v->free[0]));
		v->nfree--;
	}
}

/*
 * Carve up to @need sectors from unit @ui: the smallest free range that
 * holds all of it (best fit), else the largest ranges first.
 */
static int carve(struct plan_pool *pool, size_t ui, uint32_t group, uint64_t *need,
		 struct plan_extent *out, size_t max, size_t *n)
{
	while (*need) {
		struct plan_volume *bv = NULL;
		size_t br = 0;
		bool bfit = false;
		uint64_t len;

		for (size_t vi = 0; vi < pool->nvols; vi++) {
			struct plan_volume *v = &pool->vols[vi];

			if (v->unit_idx != ui)
				continue;
			for (size_t r = 0; r < v->nfree; r++) {
				bool fit = v->free[r].len >= *need;

				if (!bv || (fit && !bfit) ||
				    (fit && bfit && v->free[r].len < bv->free[br].len) ||
				    (!fit && !bfit && v->free[r].len > bv->free[br].len)) {
					bv = v;
					br = r;
					bfit = fit;
				}
			}
		}
		if (!bv)
			return 0;		/* unit exhausted; caller decides */
		if (*n >= max)
			return -E2BIG;
		len = bfit ? *need : bv->free[br].len;
		out[*n] = (struct plan_extent){ group, pool->units[ui].id, bv->id,
						bv->free[br].start, len };
		(*n)++;
		take(pool, bv, br, len);
		*need -= len;
	}
	return 0;
}

static int snapshot(const struct plan_pool *pool, struct plan_pool *copy)
{
	copy->nunits = pool->nunits;
	copy->nvols = pool->nvols;
	copy->units = malloc((pool->nunits + 1) * sizeof(*copy->units));
	copy->vols = calloc(pool->nvols + 1, sizeof(*copy->vols));
	if (!copy->units || !copy->vols)
		goto fail;
	memcpy(copy->units, pool->units, pool->nunits * sizeof(*copy->units));
	for (size_t i = 0; i < pool->nvols; i++) {
		copy->vols[i] = pool->vols[i];
		copy->vols[i].free = malloc((pool->vols[i].nfree + 1) * sizeof(struct plan_range));
		if (!copy->vols[i].free)
			goto fail;
		memcpy(copy->vols[i].free, pool->vols[i].free,
		       pool->vols[i].nfree * sizeof(struct plan_range));
	}
	return 0;
fail:
	plan_pool_free(copy);
	return -ENOMEM;
}

int plan_allocate(struct plan_pool *pool, const struct plan_request *req,
		  struct plan_extent *out, size_t max, size_t *n)
{
	struct plan_pool work;
	int err = 0;

	*n = 0;
	if (!req->groups || req->groups > PLAN_MAX_GROUPS || !req->group_lba ||
	    (req->span && req->groups != 1))
		return -EINVAL;
	/* Work on a copy: a failed plan leaves the caller's pool as it was. */
	if (snapshot(pool, &work))
		return -ENOMEM;
	for (size_t i = 0; i < work.nunits; i++)
		work.units[i].taken = false;

	for (uint32_t g = 0; g < req->groups && !err; g++) {
		uint64_t need = req->group_lba;

		while (need && !err) {
			long ui = req->fixed_unit[g] ? unit_by_id(&work, req->fixed_unit[g]) :
				  best_unit(&work, req, need);

			if (ui < 0 || (req->fixed_unit[g] && !work.units[ui].usable)) {
				err = -ENOSPC;
				break;
			}
			err = carve(&work, (size_t)ui, g, &need, out, max, n);
			work.units[ui].bw_reserved_kb += req->group_bw_kb;
			/* Groups never share a unit: a unit failure costs one member. */
			work.units[ui].taken = true;
			if (need && (!req->span || req->fixed_unit[g]))
				err = -ENOSPC;
		}
	}
	if (err) {
		*n = 0;
		plan_pool_free(&work);
		return err;
	}
	/* Commit the copy: swap it in. */
	plan_pool_free(pool);
	*pool = work;
	return 0;
}

void plan_pool_free(struct plan_pool *pool)
{
	if (pool->vols)
		for (size_t i = 0; i < pool->nvols; i++)
			free(pool->vols[i].free);
	free(pool->vols);
	free(pool->units);
	pool->vols = NULL;
	pool->units = NULL;
	pool->nvols = pool->nunits = 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct plan_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct plan_range *plan_volume_free_ranges(uint64_t start, uint64_t len,
					   struct plan_range *used, size_t nused, size_t *n)
{
	struct plan_range *out = malloc((nused + 1) * sizeof(*out));
	uint64_t pos = start, end = start + len;

	*n = 0;
	if (!out)
		return NULL;
	qsort(used, nused, sizeof(*used), cmp_range);
	for (size_t i = 0; i < nused; i++) {
		if (used[i].start > pos)
			out[(*n)++] = (struct plan_range){ pos, used[i].start - pos };
		if (used[i].start + used[i].len > pos)
			pos = used[i].start + used[i].len;
	}
	if (pos < end)
		out[(*n)++] = (struct plan_range){ pos, end - pos };
	if (!*n) {
		free(out);
		return NULL;
	}
	return out;
}
