// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the dirty-region log of a VD.
 *
 * The VD is cut into regions of 2^shift sectors (default 512 KiB). A region
 * is dirty while some leg that is not in sync may lack a write to it:
 *
 * - a mirrored write marks its regions dirty at admission, before any leg
 *   is written, when it skips a failed leg;
 * - a write that fails on a leg marks its regions before the client write
 *   completes (the leg fails with it);
 * - a resync copies only dirty regions onto the legs it brings back, and
 *   clears a region once no failed leg is left that lacks it.
 *
 * Writes go to out-of-sync legs too, so a region copied by a resync stays
 * in sync on them whatever is written later; only a leg's failure dirties
 * regions again. dm-region-hash and dm-log do this for dm-raid1 but take a
 * dm target (a named VD has none, or several) and a fixed region count (a
 * VD grows live), hence this small bitmap. Every field is under vd->lock.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "vvmp.h"

static unsigned long vvmp_regions_for(struct vvmp_region_log *rlog,
				      sector_t size)
{
	return (unsigned long)((size + (1ULL << rlog->shift) - 1) >> rlog->shift);
}

/**
 * vvmp_region_sectors_valid() - is @sectors a region size the log takes?
 * @sectors: the size asked for
 *
 * A power of two from 8 sectors (4 KiB) to 2^21 sectors (1 GiB).
 */
bool vvmp_region_sectors_valid(u64 sectors)
{
	return sectors >= VVMP_REGION_SECTORS_MIN &&
	       sectors <= VVMP_REGION_SECTORS_MAX && is_power_of_2(sectors);
}

/**
 * vvmp_region_log_init() - an all-clean log for a VD of @size sectors
 * @vd: the VD, not yet in use
 * @sectors: region size, vvmp_region_sectors_valid()
 * @size: the VD's size
 *
 * Return: 0 or -ENOMEM.
 */
int vvmp_region_log_init(struct vvmp_vd *vd, u32 sectors, sector_t size)
{
	struct vvmp_region_log *rlog = &vd->rlog;

	rlog->shift = ilog2(sectors);
	rlog->nr_regions = vvmp_regions_for(rlog, size);
	rlog->nr_dirty = 0;
	rlog->dirty = bitmap_zalloc(max(rlog->nr_regions, 1UL), GFP_KERNEL);
	return rlog->dirty ? 0 : -ENOMEM;
}

/**
 * vvmp_region_log_grow() - make room for a VD that grows to @size sectors
 * @vd: the VD
 * @size: the size of the map about to be published
 *
 * The new regions are clean: nothing has been written there. The log never
 * shrinks; regions past the VD's end are never marked.
 *
 * Return: 0 or -ENOMEM (the log is unchanged).
 */
int vvmp_region_log_grow(struct vvmp_vd *vd, sector_t size)
{
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned long n = vvmp_regions_for(rlog, size), *bits, *old;

	if (n <= READ_ONCE(rlog->nr_regions))
		return 0;
	bits = bitmap_zalloc(n, GFP_KERNEL);
	if (!bits)
		return -ENOMEM;
	spin_lock_irq(&vd->lock);
	old = rlog->dirty;
	bitmap_copy(bits, old, rlog->nr_regions);
	rlog->dirty = bits;
	WRITE_ONCE(rlog->nr_regions, n);
	spin_unlock_irq(&vd->lock);
	bitmap_free(old);
	return 0;
}

/**
 * vvmp_region_log_exit() - free the log
 * @vd: the VD
 */
void vvmp_region_log_exit(struct vvmp_vd *vd)
{
	bitmap_free(vd->rlog.dirty);
	vd->rlog.dirty = NULL;
}

/**
 * vvmp_region_mark() - mark the regions of [@start, @start + @len) dirty
 * @vd: the VD, vd->lock held
 * @start: first VD sector
 * @len: sectors
 */
void vvmp_region_mark(struct vvmp_vd *vd, sector_t start, sector_t len)
{
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned long r = start >> rlog->shift;
	unsigned long end = vvmp_regions_for(rlog, start + len);

	lockdep_assert_held(&vd->lock);
	for (end = min(end, rlog->nr_regions); r < end; r++) {
		if (!__test_and_set_bit(r, rlog->dirty)) {
			rlog->nr_dirty++;
			vvmp_region_disk_note(vd, r, false);
		}
	}
}

/**
 * vvmp_region_clear() - a resync made [@start, @end) whole on every leg
 * @vd: the VD, vd->lock held
 * @start: first VD sector, region aligned
 * @end: end sector, region aligned or the VD's end
 */
void vvmp_region_clear(struct vvmp_vd *vd, sector_t start, sector_t end)
{
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned long r = start >> rlog->shift;
	unsigned long last = vvmp_regions_for(rlog, end);

	lockdep_assert_held(&vd->lock);
	for (last = min(last, rlog->nr_regions); r < last; r++) {
		if (__test_and_clear_bit(r, rlog->dirty)) {
			rlog->nr_dirty--;
			vvmp_region_disk_note(vd, r, true);
		}
	}
}

/**
 * vvmp_region_next_dirty() - the next run of dirty regions from @from
 * @vd: the VD, vd->lock held
 * @from: VD sector to search from
 * @max_len: longest run to return, in sectors (a multiple of a region)
 * @start: returns the first sector of the run
 * @end: returns its end, at most the VD's end
 *
 * Return: false if no region at or after @from is dirty.
 */
bool vvmp_region_next_dirty(struct vvmp_vd *vd, sector_t from,
			    sector_t max_len, sector_t *start, sector_t *end)
{
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned long limit = min(rlog->nr_regions,
				  vvmp_regions_for(rlog, vd->size));
	unsigned long r, last, most;

	lockdep_assert_held(&vd->lock);
	r = find_next_bit(rlog->dirty, limit, from >> rlog->shift);
	if (r >= limit)
		return false;
	most = max_t(unsigned long, max_len >> rlog->shift, 1);
	last = find_next_zero_bit(rlog->dirty, min(limit, r + most), r);
	*start = max_t(sector_t, (sector_t)r << rlog->shift, from);
	*end = min_t(sector_t, (sector_t)last << rlog->shift, vd->size);
	return true;
}
