// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: where a VD sector lies on a leg, and how far the extent or
 * chunk holding it reaches. Bios are cut at these boundaries so each piece
 * maps to one contiguous range of one device on every leg.
 */
#include <linux/math64.h>

#include "vvmp.h"

static unsigned int vvmp_linear_extent(struct vvmp_leg_layout *leg,
				       sector_t sector)
{
	unsigned int lo = 0, hi = leg->nr_extents - 1;

	while (lo < hi) {
		unsigned int mid = (lo + hi + 1) / 2;

		if (leg->extents[mid].leg_start <= sector)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/**
 * vvmp_leg_map() - map a VD sector onto a leg
 * @map: the VD's map
 * @leg: leg index
 * @sector: sector relative to the start of the VD
 * @dev: returns the device holding @sector on @leg
 * @dev_sector: returns the sector on @dev
 *
 * Return: sectors from @sector to the end of the extent (linear) or chunk
 * (striped) that holds it; a piece no longer than this is contiguous on @dev.
 */
sector_t vvmp_leg_map(struct vvmp_map *map, unsigned int leg, sector_t sector,
		      struct dm_dev **dev, sector_t *dev_sector)
{
	struct vvmp_leg_layout *l = &map->legs[leg];
	struct vvmp_extent *ext;
	sector_t chunk, in_chunk;
	u32 stripe;

	if (map->layout == VVMP_LAYOUT_LINEAR) {
		ext = &l->extents[l->nr_extents == 1 ? 0 :
				  vvmp_linear_extent(l, sector)];
		*dev = ext->dev;
		*dev_sector = ext->offset + (sector - ext->leg_start);
		return ext->leg_start + ext->length - sector;
	}

	chunk = div_u64_rem(sector >> map->chunk_shift, l->nr_extents, &stripe);
	in_chunk = sector & (map->chunk_sectors - 1);
	ext = &l->extents[stripe];
	*dev = ext->dev;
	*dev_sector = ext->offset + (chunk << map->chunk_shift) + in_chunk;
	return map->chunk_sectors - in_chunk;
}

/**
 * vvmp_boundary() - sectors from @sector to the nearest boundary on @legs
 * @map: the VD's map
 * @legs: bitmask of leg indexes
 * @sector: sector relative to the start of the VD
 *
 * Return: the largest piece starting at @sector that is contiguous on every
 * leg in @legs (at most to the end of the VD).
 */
sector_t vvmp_boundary(struct vvmp_map *map, unsigned long legs,
		       sector_t sector)
{
	sector_t len = map->size - sector;
	struct dm_dev *dev;
	sector_t dev_sector;
	unsigned int leg;

	for_each_set_bit(leg, &legs, map->nr_legs)
		len = min(len, vvmp_leg_map(map, leg, sector, &dev,
					    &dev_sector));
	return len;
}
