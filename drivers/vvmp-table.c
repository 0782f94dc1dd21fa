// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the table grammar (Documentation/dm-vvmp.rst, "Table").
 *
 *   <layout> <#legs> <leg>... [<#feature_args> <feature_arg>...]
 *   layout := linear | striped <chunk_sectors>
 *   leg    := <#extents> (<device> <offset> <extent_length>)...
 *
 * Parsing fills the VD's first map and takes the devices; on error ti->error
 * names the problem and every device taken so far is put back. The checks
 * of a map's geometry are shared with maps built over netlink.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vvmp.h"

static const char * const vvmp_policy_names[] = {
	[VVMP_READ_LEAST_PENDING] = VVMP_READ_POLICY_LEAST_PENDING,
	[VVMP_READ_ROUND_ROBIN] = VVMP_READ_POLICY_ROUND_ROBIN,
};

/**
 * vvmp_read_policy_name() - table and status name of a read policy
 * @policy: the policy
 */
const char *vvmp_read_policy_name(enum vvmp_read_policy policy)
{
	return vvmp_policy_names[policy];
}

/**
 * vvmp_read_policy_parse() - read policy from its table name
 * @name: "least-pending" or "round-robin"
 * @policy: result
 *
 * Return: 0, or -EINVAL for an unknown name.
 */
int vvmp_read_policy_parse(const char *name, enum vvmp_read_policy *policy)
{
	int i = match_string(vvmp_policy_names, ARRAY_SIZE(vvmp_policy_names),
			     name);

	if (i < 0)
		return -EINVAL;
	*policy = i;
	return 0;
}

static int vvmp_parse_uint(struct dm_arg_set *as, unsigned int min,
			   unsigned int max, unsigned int *value,
			   char **error, const char *message)
{
	const char *word = dm_shift_arg(as);

	if (!word) {
		*error = "Not enough arguments";
		return -EINVAL;
	}
	if (kstrtouint(word, 10, value) || *value < min || *value > max) {
		*error = (char *)message;
		return -EINVAL;
	}
	return 0;
}

static int vvmp_parse_sector(struct dm_arg_set *as, sector_t *value,
			     char **error, const char *message)
{
	const char *word = dm_shift_arg(as);
	unsigned long long v;

	if (!word) {
		*error = "Not enough arguments";
		return -EINVAL;
	}
	if (kstrtoull(word, 10, &v) || v != (sector_t)v) {
		*error = (char *)message;
		return -EINVAL;
	}
	*value = v;
	return 0;
}

static int vvmp_parse_extent(struct dm_target *ti, struct dm_arg_set *as,
			     struct vvmp_extent *ext)
{
	const char *path;
	int r;

	path = dm_shift_arg(as);
	if (!path) {
		ti->error = "Not enough arguments";
		return -EINVAL;
	}
	r = vvmp_parse_sector(as, &ext->offset, &ti->error,
			      "Invalid extent offset");
	if (r)
		return r;
	r = vvmp_parse_sector(as, &ext->length, &ti->error,
			      "Invalid extent length");
	if (r)
		return r;
	if (!ext->length) {
		ti->error = "Invalid extent length";
		return -EINVAL;
	}
	r = dm_get_device(ti, path, dm_table_get_mode(ti->table), &ext->dev);
	if (r) {
		ti->error = "Device lookup failed";
		return r;
	}
	if (ext->offset + ext->length < ext->offset ||
	    ext->offset + ext->length > bdev_nr_sectors(ext->dev->bdev)) {
		ti->error = "Extent beyond end of device";
		return -EINVAL;
	}
	return 0;
}

/**
 * vvmp_map_check_leg() - check a leg's extents against the map's size
 * @map: the map, with layout, chunk and size set
 * @leg: one of its legs, extents filled in
 * @error: set to the problem on failure
 *
 * Also computes the linear extents' leg_start and the stripe length.
 *
 * Return: 0 or -EINVAL.
 */
int vvmp_map_check_leg(struct vvmp_map *map, struct vvmp_leg_layout *leg,
		       char **error)
{
	sector_t total = 0;
	unsigned int i;

	if (map->layout == VVMP_LAYOUT_LINEAR) {
		for (i = 0; i < leg->nr_extents; i++) {
			leg->extents[i].leg_start = total;
			total += leg->extents[i].length;
		}
		if (total != map->size) {
			*error = "Leg length does not match target length";
			return -EINVAL;
		}
		return 0;
	}

	leg->stripe_length = leg->extents[0].length;
	for (i = 1; i < leg->nr_extents; i++) {
		if (leg->extents[i].length != leg->stripe_length) {
			*error = "Stripe extents must have equal length";
			return -EINVAL;
		}
	}
	if (leg->stripe_length & (map->chunk_sectors - 1)) {
		*error = "Stripe length is not a multiple of the chunk size";
		return -EINVAL;
	}
	if (leg->stripe_length * leg->nr_extents != map->size) {
		*error = "Leg length does not match target length";
		return -EINVAL;
	}
	return 0;
}

static int vvmp_parse_leg(struct dm_target *ti, struct vvmp_map *map,
			  struct dm_arg_set *as, struct vvmp_leg_layout *leg)
{
	unsigned int i;
	int r;

	r = vvmp_parse_uint(as, 1, VVMP_MAX_EXTENTS, &leg->nr_extents,
			    &ti->error, "Invalid number of extents");
	if (r) {
		leg->nr_extents = 0;
		return r;
	}
	leg->extents = kcalloc(leg->nr_extents, sizeof(*leg->extents),
			       GFP_KERNEL);
	if (!leg->extents) {
		leg->nr_extents = 0;
		ti->error = "Cannot allocate extents";
		return -ENOMEM;
	}
	for (i = 0; i < leg->nr_extents; i++) {
		r = vvmp_parse_extent(ti, as, &leg->extents[i]);
		if (r)
			return r;
	}
	return vvmp_map_check_leg(map, leg, &ti->error);
}

static bool vvmp_extents_overlap(const struct vvmp_extent *a,
				 const struct vvmp_extent *b)
{
	return a->dev->bdev == b->dev->bdev &&
	       a->offset < b->offset + b->length &&
	       b->offset < a->offset + a->length;
}

/**
 * vvmp_map_check_overlaps() - refuse a map with two extents sharing sectors
 * @map: the map
 * @error: set to the problem on failure
 *
 * Quadratic, but bounded by 8 legs x 64 extents and run once per map.
 *
 * Return: 0 or -EINVAL.
 */
int vvmp_map_check_overlaps(struct vvmp_map *map, char **error)
{
	unsigned int l1, e1, l2, e2;

	for (l1 = 0; l1 < map->nr_legs; l1++)
		for (e1 = 0; e1 < map->legs[l1].nr_extents; e1++)
			for (l2 = l1; l2 < map->nr_legs; l2++)
				for (e2 = l2 == l1 ? e1 + 1 : 0;
				     e2 < map->legs[l2].nr_extents; e2++)
					if (vvmp_extents_overlap(&map->legs[l1].extents[e1],
								 &map->legs[l2].extents[e2])) {
						*error = "Extents overlap on a device";
						return -EINVAL;
					}
	return 0;
}

static int vvmp_parse_layout(struct dm_target *ti, struct vvmp_map *map,
			     struct dm_arg_set *as)
{
	const char *word = dm_shift_arg(as);
	unsigned int chunk;
	int r;

	if (!word) {
		ti->error = "Not enough arguments";
		return -EINVAL;
	}
	if (!strcmp(word, VVMP_LAYOUT_LINEAR_NAME)) {
		map->layout = VVMP_LAYOUT_LINEAR;
		return 0;
	}
	if (strcmp(word, VVMP_LAYOUT_STRIPED_NAME)) {
		ti->error = "Unknown layout";
		return -EINVAL;
	}
	map->layout = VVMP_LAYOUT_STRIPED;
	r = vvmp_parse_uint(as, VVMP_MIN_CHUNK_SECTORS, UINT_MAX, &chunk, &ti->error,
			    "Invalid chunk size");
	if (r)
		return r;
	if (!is_power_of_2(chunk)) {
		ti->error = "Invalid chunk size";
		return -EINVAL;
	}
	map->chunk_sectors = chunk;
	map->chunk_shift = __ffs(chunk);
	return 0;
}

/**
 * vvmp_has_feature() - was @feature given (or set by a message)?
 * @vd: the VD
 * @feature: the feature
 */
bool vvmp_has_feature(struct vvmp_vd *vd, enum vvmp_feature feature)
{
	unsigned int i;

	for (i = 0; i < vd->nr_features; i++)
		if (vd->features[i] == feature)
			return true;
	return false;
}

static int vvmp_add_feature(struct vvmp_vd *vd, enum vvmp_feature feature)
{
	if (vvmp_has_feature(vd, feature)) {
		vd->ti->error = "Duplicate feature argument";
		return -EINVAL;
	}
	vd->features[vd->nr_features++] = feature;
	return 0;
}

/* "read_policy <policy>", "region_size <sectors>", "resync_rate <KiB/s>" */
static int vvmp_parse_valued_feature(struct vvmp_vd *vd, const char *name,
				     const char *value)
{
	struct dm_target *ti = vd->ti;
	u32 n;
	int r;

	if (!strcmp(name, VVMP_FEATURE_READ_POLICY_NAME)) {
		r = vvmp_add_feature(vd, VVMP_FEATURE_READ_POLICY);
		if (!r && vvmp_read_policy_parse(value, &vd->read_policy)) {
			ti->error = "Unknown read policy";
			r = -EINVAL;
		}
		return r;
	}
	if (!strcmp(name, VVMP_FEATURE_REGION_SIZE_NAME)) {
		r = vvmp_add_feature(vd, VVMP_FEATURE_REGION_SIZE);
		if (!r && (kstrtou32(value, 10, &n) ||
			   !vvmp_region_sectors_valid(n))) {
			ti->error = "Invalid region size: a power of two of 8 to 2097152 sectors";
			r = -EINVAL;
		}
		if (!r)
			vd->rlog.shift = ilog2(n);
		return r;
	}
	r = vvmp_add_feature(vd, VVMP_FEATURE_RESYNC_RATE);
	if (!r && kstrtou32(value, 10, &n)) {
		ti->error = "Invalid resync rate: KiB/s, 0 for no limit";
		r = -EINVAL;
	}
	if (!r)
		vd->rec.rate_kib = n;
	return r;
}

static int vvmp_parse_features(struct vvmp_vd *vd, struct dm_arg_set *as)
{
	struct dm_target *ti = vd->ti;
	const char *word;
	unsigned int count;
	int r;

	if (!as->argc)
		return 0;
	word = dm_shift_arg(as);
	if (kstrtouint(word, 10, &count) || count > as->argc) {
		ti->error = "Invalid number of feature arguments";
		return -EINVAL;
	}
	vd->feature_count_given = true;
	while (count) {
		word = dm_shift_arg(as);
		count--;
		if (!strcmp(word, VVMP_FEATURE_NOSYNC_NAME)) {
			r = vvmp_add_feature(vd, VVMP_FEATURE_NOSYNC);
		} else if (!strcmp(word, VVMP_FEATURE_READ_POLICY_NAME) ||
			   !strcmp(word, VVMP_FEATURE_REGION_SIZE_NAME) ||
			   !strcmp(word, VVMP_FEATURE_RESYNC_RATE_NAME)) {
			if (!count) {
				ti->error = "Not enough arguments";
				return -EINVAL;
			}
			count--;
			r = vvmp_parse_valued_feature(vd, word,
						      dm_shift_arg(as));
		} else if (!strcmp(word, VVMP_FEATURE_LOG_NAME)) {
			/* log <device> <offset> (vvmp-region-disk.c) */
			if (count < 2) {
				ti->error = "Not enough arguments";
				return -EINVAL;
			}
			count -= 2;
			r = vvmp_add_feature(vd, VVMP_FEATURE_LOG);
			if (!r)
				r = vvmp_region_disk_parse(vd, as->argv[0],
							   as->argv[1]);
			dm_consume_args(as, 2);
		} else {
			ti->error = "Unknown feature argument";
			r = -EINVAL;
		}
		if (r)
			return r;
	}
	if (as->argc) {
		ti->error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

/**
 * vvmp_map_build_flush_targets() - one empty flush per device of every leg
 * @map: the map, extents filled in
 *
 * Return: 0 or -ENOMEM.
 */
int vvmp_map_build_flush_targets(struct vvmp_map *map)
{
	unsigned int l, e, i, n = 0, max = 0;

	for (l = 0; l < map->nr_legs; l++)
		max += map->legs[l].nr_extents;
	map->flush_targets = kcalloc(max, sizeof(*map->flush_targets),
				     GFP_KERNEL);
	if (!map->flush_targets)
		return -ENOMEM;
	for (l = 0; l < map->nr_legs; l++) {
		unsigned int first_of_leg = n;

		for (e = 0; e < map->legs[l].nr_extents; e++) {
			struct dm_dev *dev = map->legs[l].extents[e].dev;

			for (i = first_of_leg; i < n; i++)
				if (map->flush_targets[i].dev->bdev == dev->bdev)
					break;
			if (i < n)
				continue;
			map->flush_targets[n].leg = l;
			map->flush_targets[n].dev = dev;
			n++;
		}
	}
	map->nr_flush_targets = n;
	return 0;
}

/**
 * vvmp_parse_table() - parse a classic table line into @vd and @map
 * @ti: the target (error, length, devices)
 * @vd: zeroed table-private VD
 * @map: zeroed map, its size set to the target length
 * @argc: words after the target name
 * @argv: the words
 *
 * On failure, sets ti->error; the caller undoes with vvmp_put_devices().
 *
 * Return: 0 or a negative errno.
 */
int vvmp_parse_table(struct dm_target *ti, struct vvmp_vd *vd,
		     struct vvmp_map *map, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned int l;
	int r;

	r = vvmp_parse_layout(ti, map, &as);
	if (r)
		return r;
	r = vvmp_parse_uint(&as, 1, VVMP_MAX_LEGS, &map->nr_legs,
			    &ti->error, "Invalid number of legs");
	if (r) {
		map->nr_legs = 0;
		return r;
	}
	for (l = 0; l < map->nr_legs; l++) {
		r = vvmp_parse_leg(ti, map, &as, &map->legs[l]);
		if (r) {
			map->nr_legs = l + 1;
			return r;
		}
	}
	vd->nr_legs = map->nr_legs;
	r = vvmp_map_check_overlaps(map, &ti->error);
	if (r)
		return r;
	r = vvmp_parse_features(vd, &as);
	if (r)
		return r;
	r = vvmp_map_build_flush_targets(map);
	if (r)
		ti->error = "Cannot allocate flush targets";
	return r;
}

/**
 * vvmp_put_devices() - release the devices and extents a parse took
 * @ti: the target that took them
 * @map: the map, possibly only partly parsed
 */
void vvmp_put_devices(struct dm_target *ti, struct vvmp_map *map)
{
	unsigned int l, e;

	for (l = 0; l < map->nr_legs; l++) {
		struct vvmp_leg_layout *leg = &map->legs[l];

		for (e = 0; leg->extents && e < leg->nr_extents; e++)
			if (leg->extents[e].dev)
				dm_put_device(ti, leg->extents[e].dev);
		kfree(leg->extents);
		leg->extents = NULL;
	}
	kfree(map->flush_targets);
	map->flush_targets = NULL;
}

/**
 * vvmp_emit_table() - the constructor arguments, as STATUSTYPE_TABLE
 * @vd: the table-private VD
 * @map: its map
 * @result: status buffer
 * @maxlen: its size
 * @sz: bytes of @result used so far
 *
 * Return: bytes of @result used now.
 */
unsigned int vvmp_emit_table(struct vvmp_vd *vd, struct vvmp_map *map,
			     char *result, unsigned int maxlen, unsigned int sz)
{
	unsigned int l, e, i, words = 0;

	if (map->layout == VVMP_LAYOUT_STRIPED)
		DMEMIT("striped %llu", (unsigned long long)map->chunk_sectors);
	else
		DMEMIT("linear");
	DMEMIT(" %u", map->nr_legs);
	for (l = 0; l < map->nr_legs; l++) {
		struct vvmp_leg_layout *leg = &map->legs[l];

		DMEMIT(" %u", leg->nr_extents);
		for (e = 0; e < leg->nr_extents; e++)
			DMEMIT(" %s %llu %llu", leg->extents[e].dev->name,
			       (unsigned long long)leg->extents[e].offset,
			       (unsigned long long)leg->extents[e].length);
	}
	for (i = 0; i < vd->nr_features; i++)
		words += vd->features[i] == VVMP_FEATURE_NOSYNC ? 1 :
			 vd->features[i] == VVMP_FEATURE_LOG ? 3 : 2;
	if (words || vd->feature_count_given)
		DMEMIT(" %u", words);
	for (i = 0; i < vd->nr_features; i++) {
		switch (vd->features[i]) {
		case VVMP_FEATURE_NOSYNC:
			DMEMIT(" nosync");
			break;
		case VVMP_FEATURE_READ_POLICY:
			DMEMIT(" read_policy %s",
			       vvmp_read_policy_name(vd->read_policy));
			break;
		case VVMP_FEATURE_REGION_SIZE:
			DMEMIT(" region_size %u", 1U << vd->rlog.shift);
			break;
		case VVMP_FEATURE_LOG:
			sz = vvmp_region_disk_table(vd, result, maxlen, sz);
			break;
		default:
			DMEMIT(" resync_rate %u", READ_ONCE(vd->rec.rate_kib));
			break;
		}
	}
	return sz;
}
