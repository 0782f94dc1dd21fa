// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: maps over netlink (the AP group): a MAP attribute becomes a
 * struct vvmp_map with its devices opened; a SEGMENT replaces a range of a
 * linear map or appends to it; a map is written back in replies.
 *
 * A map from netlink is checked like a table line (vvmp-table.c), and
 * errors name the offending attribute in the extended ACK.
 */
#include <linux/blkdev.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "vvmp-nl.h"

const struct nla_policy vvmp_extent_policy[VVMP_EXTENT_A_MAX + 1] = {
	[VVMP_EXTENT_A_DEVICE] = { .type = NLA_NUL_STRING,
				   .len = VVMP_DEVICE_PATH_MAX - 1 },
	[VVMP_EXTENT_A_OFFSET] = { .type = NLA_U64 },
	[VVMP_EXTENT_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
};

const struct nla_policy vvmp_leg_policy[VVMP_LEG_A_MAX + 1] = {
	[VVMP_LEG_A_EXTENT] = NLA_POLICY_NESTED(vvmp_extent_policy),
	[VVMP_LEG_A_INDEX] = { .type = NLA_U32 },
	[VVMP_LEG_A_HEALTH] = NLA_POLICY_MAX(NLA_U8, VVMP_LEG_STATE_FAILED),
};

const struct nla_policy vvmp_map_policy[VVMP_MAP_A_MAX + 1] = {
	[VVMP_MAP_A_LAYOUT] = NLA_POLICY_MAX(NLA_U8, VVMP_MAP_STRIPED),
	[VVMP_MAP_A_CHUNK_SECTORS] = NLA_POLICY_MIN(NLA_U32,
						    VVMP_MIN_CHUNK_SECTORS),
	[VVMP_MAP_A_LEG] = NLA_POLICY_NESTED(vvmp_leg_policy),
	[VVMP_MAP_A_NOSYNC] = { .type = NLA_FLAG },
};

const struct nla_policy vvmp_segment_policy[VVMP_SEGMENT_A_MAX + 1] = {
	[VVMP_SEGMENT_A_START] = { .type = NLA_U64 },
	[VVMP_SEGMENT_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[VVMP_SEGMENT_A_EXTENT] = NLA_POLICY_NESTED(vvmp_extent_policy),
};

/* Extents of all legs, one PD reference each: the map's pds array. */
static int vvmp_nl_alloc_pds(struct vvmp_map *map, unsigned int nr)
{
	map->pds = kcalloc(nr, sizeof(*map->pds), GFP_KERNEL);
	return map->pds ? 0 : -ENOMEM;
}

/* Open the extent's device, check it fits the device and the VD. */
static int vvmp_nl_open_extent(struct vvmp_vd *vd, struct vvmp_map *map,
			       struct vvmp_extent *ext, struct nlattr *dev_attr,
			       struct netlink_ext_ack *extack)
{
	struct block_device *bdev;
	struct vvmp_pd *pd;
	unsigned int lbs;
	int r;

	r = vvmp_pd_get(nla_data(dev_attr), &pd);
	if (r) {
		vvmp_nl_error(extack, dev_attr, r == -EBUSY ?
			      "Device is held by someone else" :
			      "Device lookup failed");
		return r;
	}
	map->pds[map->nr_pds++] = pd;
	ext->dev = vvmp_pd_dev(pd);
	bdev = ext->dev->bdev;
	if (ext->offset + ext->length < ext->offset ||
	    ext->offset + ext->length > bdev_nr_sectors(bdev)) {
		NL_SET_ERR_MSG_ATTR(extack, dev_attr,
				    "Extent beyond end of device");
		return -EINVAL;
	}
	lbs = bdev_logical_block_size(bdev);
	if (!vd->logical_block_size)
		vd->logical_block_size = lbs;
	if (lbs != vd->logical_block_size) {
		NL_SET_ERR_MSG_ATTR(extack, dev_attr,
				    "Device logical block size differs from the VD's");
		return -EINVAL;
	}
	if ((ext->offset | ext->length) & ((lbs >> SECTOR_SHIFT) - 1)) {
		NL_SET_ERR_MSG_ATTR(extack, dev_attr,
				    "Extent not aligned to the device's logical block size");
		return -EINVAL;
	}
	return 0;
}

/**
 * vvmp_nl_extent_attrs() - parse an extent nest that must be whole
 * @attr: the nest
 * @tb: returns its attributes (VVMP_EXTENT_A_MAX + 1)
 * @extack: names what is wrong
 *
 * Return: 0, or -EINVAL when DEVICE, OFFSET or LENGTH is missing.
 */
int vvmp_nl_extent_attrs(const struct nlattr *attr, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	int r = nla_parse_nested(tb, VVMP_EXTENT_A_MAX, attr,
				 vvmp_extent_policy, extack);

	if (r)
		return r;
	if (NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_EXTENT_A_DEVICE) ||
	    NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_EXTENT_A_OFFSET) ||
	    NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_EXTENT_A_LENGTH))
		return -EINVAL;
	return 0;
}

static int vvmp_nl_parse_extent(struct vvmp_vd *vd, struct vvmp_map *map,
				struct vvmp_extent *ext,
				const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VVMP_EXTENT_A_MAX + 1];
	int r = vvmp_nl_extent_attrs(attr, tb, extack);

	if (r)
		return r;
	ext->offset = nla_get_u64(tb[VVMP_EXTENT_A_OFFSET]);
	ext->length = nla_get_u64(tb[VVMP_EXTENT_A_LENGTH]);
	return vvmp_nl_open_extent(vd, map, ext, tb[VVMP_EXTENT_A_DEVICE],
				   extack);
}

static int vvmp_nl_parse_leg(struct vvmp_vd *vd, struct vvmp_map *map,
			     struct vvmp_leg_layout *leg,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	const struct nlattr *ext_attr;
	unsigned int n = 0;
	int rem, r;

	nla_for_each_nested(ext_attr, attr, rem)
		if (nla_type(ext_attr) == VVMP_LEG_A_EXTENT)
			n++;
	if (!n || n > VVMP_MAX_EXTENTS) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "Invalid number of extents");
		return -EINVAL;
	}
	leg->extents = kcalloc(n, sizeof(*leg->extents), GFP_KERNEL);
	if (!leg->extents)
		return -ENOMEM;
	nla_for_each_nested(ext_attr, attr, rem) {
		if (nla_type(ext_attr) != VVMP_LEG_A_EXTENT)
			continue;
		r = vvmp_nl_parse_extent(vd, map, &leg->extents[leg->nr_extents],
					 ext_attr, extack);
		leg->nr_extents++;
		if (r)
			return r;
	}
	return 0;
}

/* The VD length a leg describes (the first leg sets the map's size). */
static sector_t vvmp_nl_leg_length(struct vvmp_map *map,
				   struct vvmp_leg_layout *leg)
{
	sector_t total = 0;
	unsigned int i;

	if (map->layout == VVMP_LAYOUT_STRIPED)
		return leg->extents[0].length * leg->nr_extents;
	for (i = 0; i < leg->nr_extents; i++)
		total += leg->extents[i].length;
	return total;
}

static int vvmp_nl_parse_legs(struct vvmp_vd *vd, struct vvmp_map *map,
			      const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	const struct nlattr *leg_attr;
	unsigned int nr_extents = 0;
	char *error;
	int rem, r;

	nla_for_each_nested(leg_attr, attr, rem) {
		const struct nlattr *a;
		int rem2;

		if (nla_type(leg_attr) != VVMP_MAP_A_LEG)
			continue;
		if (map->nr_legs == VVMP_MAX_LEGS) {
			NL_SET_ERR_MSG_ATTR(extack, leg_attr,
					    "Invalid number of legs");
			return -EINVAL;
		}
		map->nr_legs++;
		nla_for_each_nested(a, leg_attr, rem2)
			nr_extents += nla_type(a) == VVMP_LEG_A_EXTENT;
	}
	if (!map->nr_legs) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "Invalid number of legs");
		return -EINVAL;
	}
	r = vvmp_nl_alloc_pds(map, nr_extents);
	if (r)
		return r;

	map->nr_legs = 0;
	nla_for_each_nested(leg_attr, attr, rem) {
		struct vvmp_leg_layout *leg = &map->legs[map->nr_legs];

		if (nla_type(leg_attr) != VVMP_MAP_A_LEG)
			continue;
		map->nr_legs++;
		r = vvmp_nl_parse_leg(vd, map, leg, leg_attr, extack);
		if (r)
			return r;
		if (map->nr_legs == 1)
			map->size = vvmp_nl_leg_length(map, leg);
		r = vvmp_map_check_leg(map, leg, &error);
		if (r) {
			vvmp_nl_error(extack, leg_attr, error);
			return r;
		}
	}
	return 0;
}

/**
 * vvmp_nl_parse_map() - build a map from a VVMP_A_MAP attribute
 * @vd: the VD it is for (its logical block size is checked and set)
 * @attr: the attribute, validated against vvmp_map_policy
 * @extack: names what is wrong
 *
 * Opens every device of the map. The caller checks the leg count against
 * the VD and publishes or frees the map.
 *
 * Return: the map or an ERR_PTR.
 */
struct vvmp_map *vvmp_nl_parse_map(struct vvmp_vd *vd,
				   const struct nlattr *attr,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VVMP_MAP_A_MAX + 1];
	struct vvmp_map *map;
	char *error;
	int r;

	r = nla_parse_nested(tb, VVMP_MAP_A_MAX, attr, vvmp_map_policy,
			     extack);
	if (r)
		return ERR_PTR(r);
	if (NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_MAP_A_LAYOUT))
		return ERR_PTR(-EINVAL);
	map = vvmp_map_alloc(vd);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->layout = nla_get_u8(tb[VVMP_MAP_A_LAYOUT]) == VVMP_MAP_STRIPED ?
		      VVMP_LAYOUT_STRIPED : VVMP_LAYOUT_LINEAR;
	if (map->layout == VVMP_LAYOUT_STRIPED) {
		u32 chunk;

		if (NL_REQ_ATTR_CHECK(extack, attr, tb,
				      VVMP_MAP_A_CHUNK_SECTORS)) {
			r = -EINVAL;
			goto bad;
		}
		chunk = nla_get_u32(tb[VVMP_MAP_A_CHUNK_SECTORS]);
		if (!is_power_of_2(chunk)) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[VVMP_MAP_A_CHUNK_SECTORS],
					    "Invalid chunk size");
			r = -EINVAL;
			goto bad;
		}
		map->chunk_sectors = chunk;
		map->chunk_shift = __ffs(chunk);
	} else if (tb[VVMP_MAP_A_CHUNK_SECTORS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VVMP_MAP_A_CHUNK_SECTORS],
				    "A linear map has no chunk size");
		r = -EINVAL;
		goto bad;
	}
	r = vvmp_nl_parse_legs(vd, map, attr, extack);
	if (r)
		goto bad;
	r = vvmp_map_check_overlaps(map, &error);
	if (r) {
		vvmp_nl_error(extack, attr, error);
		goto bad;
	}
	r = vvmp_map_build_flush_targets(map);
	if (r)
		goto bad;
	return map;
bad:
	vvmp_map_free(map);
	return ERR_PTR(r);
}

/* Copy @old's extents of one leg that lie in [from, to), clipped. */
static int vvmp_copy_range(struct vvmp_map *map, struct vvmp_leg_layout *dst,
			   struct vvmp_leg_layout *src, sector_t from,
			   sector_t to, struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < src->nr_extents; i++) {
		struct vvmp_extent *e = &src->extents[i];
		sector_t start = max(from, e->leg_start);
		sector_t end = min(to, e->leg_start + e->length);
		struct vvmp_extent *d;

		if (start >= end)
			continue;
		if (dst->nr_extents == VVMP_MAX_EXTENTS) {
			NL_SET_ERR_MSG(extack,
				       "Invalid number of extents: the segment would split a leg into more than 64");
			return -E2BIG;
		}
		d = &dst->extents[dst->nr_extents++];
		d->dev = e->dev;
		d->offset = e->offset + (start - e->leg_start);
		d->length = end - start;
		vvmp_pd_hold(vvmp_pd_of(e->dev));
		map->pds[map->nr_pds++] = vvmp_pd_of(e->dev);
	}
	return 0;
}

/**
 * vvmp_nl_splice_segment() - @old with one range placed on new extents
 * @vd: the VD
 * @old: its map in force (linear)
 * @attr: VVMP_A_SEGMENT, validated against vvmp_segment_policy
 * @extack: names what is wrong
 *
 * The segment [START, START + LENGTH) gets one extent per leg, in leg
 * order. START equal to the VD size appends it (the VD grows).
 *
 * Return: the new map or an ERR_PTR.
 */
struct vvmp_map *vvmp_nl_splice_segment(struct vvmp_vd *vd,
					struct vvmp_map *old,
					const struct nlattr *attr,
					struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VVMP_SEGMENT_A_MAX + 1];
	const struct nlattr *ext_attr;
	sector_t start, length;
	struct vvmp_map *map;
	unsigned int l = 0, nr = 0;
	char *error;
	int rem, r;

	r = nla_parse_nested(tb, VVMP_SEGMENT_A_MAX, attr, vvmp_segment_policy,
			     extack);
	if (r)
		return ERR_PTR(r);
	if (NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_SEGMENT_A_START) ||
	    NL_REQ_ATTR_CHECK(extack, attr, tb, VVMP_SEGMENT_A_LENGTH))
		return ERR_PTR(-EINVAL);
	start = nla_get_u64(tb[VVMP_SEGMENT_A_START]);
	length = nla_get_u64(tb[VVMP_SEGMENT_A_LENGTH]);
	if (old->layout != VVMP_LAYOUT_LINEAR) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Segments apply to linear maps; replace a striped map whole");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (start > old->size ||
	    (start < old->size && start + length > old->size) ||
	    start + length < start) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VVMP_SEGMENT_A_START],
				    "Segment must lie inside the VD or start at its end");
		return ERR_PTR(-ERANGE);
	}
	nla_for_each_nested(ext_attr, attr, rem)
		nr += nla_type(ext_attr) == VVMP_SEGMENT_A_EXTENT;
	if (nr != old->nr_legs) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "A segment needs one extent per leg");
		return ERR_PTR(-EINVAL);
	}

	map = vvmp_map_alloc(vd);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->layout = VVMP_LAYOUT_LINEAR;
	map->nr_legs = old->nr_legs;
	map->size = max(old->size, start + length);
	r = vvmp_nl_alloc_pds(map, vvmp_map_extents(old) +
				   old->nr_legs * 3);
	if (r)
		goto bad;
	nla_for_each_nested(ext_attr, attr, rem) {
		struct vvmp_leg_layout *leg = &map->legs[l];
		struct vvmp_leg_layout *src = &old->legs[l];

		if (nla_type(ext_attr) != VVMP_SEGMENT_A_EXTENT)
			continue;
		l++;
		r = -ENOMEM;
		leg->extents = kcalloc(VVMP_MAX_EXTENTS, sizeof(*leg->extents),
				       GFP_KERNEL);
		if (!leg->extents)
			goto bad;
		r = vvmp_copy_range(map, leg, src, 0, start, extack);
		if (r)
			goto bad;
		r = -E2BIG;
		if (leg->nr_extents == VVMP_MAX_EXTENTS) {
			NL_SET_ERR_MSG_ATTR(extack, ext_attr,
					    "Invalid number of extents: a leg has 64 already");
			goto bad;
		}
		r = vvmp_nl_parse_extent(vd, map,
					 &leg->extents[leg->nr_extents++],
					 ext_attr, extack);
		if (r)
			goto bad;
		if (leg->extents[leg->nr_extents - 1].length != length) {
			NL_SET_ERR_MSG_ATTR(extack, ext_attr,
					    "Extent length differs from the segment length");
			r = -EINVAL;
			goto bad;
		}
		r = vvmp_copy_range(map, leg, src, start + length, old->size,
				    extack);
		if (r)
			goto bad;
		r = vvmp_map_check_leg(map, leg, &error);
		if (r) {
			vvmp_nl_error(extack, ext_attr, error);
			goto bad;
		}
	}
	r = vvmp_map_check_overlaps(map, &error);
	if (r) {
		vvmp_nl_error(extack, attr, error);
		goto bad;
	}
	r = vvmp_map_build_flush_targets(map);
	if (r)
		goto bad;
	return map;
bad:
	vvmp_map_free(map);
	return ERR_PTR(r);
}

static int vvmp_nl_put_extent(struct sk_buff *skb, struct vvmp_extent *ext)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_LEG_A_EXTENT);

	if (!nest ||
	    nla_put_string(skb, VVMP_EXTENT_A_DEVICE, ext->dev->name) ||
	    nla_put_u64_64bit(skb, VVMP_EXTENT_A_OFFSET, ext->offset,
			      VVMP_EXTENT_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, VVMP_EXTENT_A_LENGTH, ext->length,
			      VVMP_EXTENT_A_UNSPEC))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * vvmp_nl_put_map() - a map, with leg health, as VVMP_A_MAP
 * @skb: the reply
 * @vd: the VD
 * @map: its map (referenced by the caller)
 *
 * Return: 0 or -EMSGSIZE.
 */
int vvmp_nl_put_map(struct sk_buff *skb, struct vvmp_vd *vd,
		    struct vvmp_map *map)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_A_MAP);
	unsigned int l, e;

	if (!nest ||
	    nla_put_u8(skb, VVMP_MAP_A_LAYOUT,
		       map->layout == VVMP_LAYOUT_STRIPED ?
		       VVMP_MAP_STRIPED : VVMP_MAP_LINEAR) ||
	    (map->layout == VVMP_LAYOUT_STRIPED &&
	     nla_put_u32(skb, VVMP_MAP_A_CHUNK_SECTORS, map->chunk_sectors)) ||
	    (vvmp_has_feature(vd, VVMP_FEATURE_NOSYNC) &&
	     nla_put_flag(skb, VVMP_MAP_A_NOSYNC)))
		return -EMSGSIZE;
	for (l = 0; l < map->nr_legs; l++) {
		struct nlattr *leg = nla_nest_start(skb, VVMP_MAP_A_LEG);

		if (!leg || nla_put_u32(skb, VVMP_LEG_A_INDEX, l) ||
		    nla_put_u8(skb, VVMP_LEG_A_HEALTH,
			       READ_ONCE(vd->legs[l].health)))
			return -EMSGSIZE;
		for (e = 0; e < map->legs[l].nr_extents; e++)
			if (vvmp_nl_put_extent(skb, &map->legs[l].extents[e]))
				return -EMSGSIZE;
		nla_nest_end(skb, leg);
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Every extent of a leg, verbatim; the new map holds the PDs too. */
static int vvmp_copy_leg(struct vvmp_map *map, struct vvmp_leg_layout *dst,
			 struct vvmp_leg_layout *src)
{
	unsigned int i;

	dst->extents = kmemdup(src->extents,
			       src->nr_extents * sizeof(*src->extents),
			       GFP_KERNEL);
	if (!dst->extents)
		return -ENOMEM;
	dst->nr_extents = src->nr_extents;
	dst->stripe_length = src->stripe_length;
	for (i = 0; i < src->nr_extents; i++) {
		struct vvmp_pd *pd = vvmp_pd_of(src->extents[i].dev);

		vvmp_pd_hold(pd);
		map->pds[map->nr_pds++] = pd;
	}
	return 0;
}

/* A new map with @old's geometry (layout, chunk, size) and no legs yet. */
static struct vvmp_map *vvmp_map_alloc_like(struct vvmp_vd *vd,
					    struct vvmp_map *old)
{
	struct vvmp_map *map = vvmp_map_alloc(vd);

	if (map) {
		map->layout = old->layout;
		map->chunk_sectors = old->chunk_sectors;
		map->chunk_shift = old->chunk_shift;
		map->size = old->size;
	}
	return map;
}

/**
 * vvmp_nl_change_legs() - @old with one leg replaced, appended or removed
 * @vd: the VD
 * @old: its map in force
 * @op: VVMP_PLAN_REPLACE, _ATTACH (a new last leg) or _DETACH
 * @index: the leg replaced or detached
 * @attr: VVMP_A_LEG of the new leg (not for DETACH), validated against
 *	vvmp_leg_policy
 * @extack: names what is wrong
 *
 * Return: the new map or an ERR_PTR.
 */
struct vvmp_map *vvmp_nl_change_legs(struct vvmp_vd *vd, struct vvmp_map *old,
				     enum vvmp_plan_op op, unsigned int index,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	struct vvmp_map *map = vvmp_map_alloc_like(vd, old);
	unsigned int l, from;
	char *error;
	int r;

	if (!map)
		return ERR_PTR(-ENOMEM);
	map->nr_legs = old->nr_legs + (op == VVMP_PLAN_ATTACH) -
		       (op == VVMP_PLAN_DETACH);
	if (op == VVMP_PLAN_ATTACH)
		index = old->nr_legs;
	r = vvmp_nl_alloc_pds(map, vvmp_map_extents(old) + VVMP_MAX_EXTENTS);
	if (r)
		goto bad;
	for (l = 0; l < map->nr_legs; l++) {
		from = op == VVMP_PLAN_DETACH && l >= index ? l + 1 : l;
		if (l == index && op != VVMP_PLAN_DETACH)
			r = vvmp_nl_parse_leg(vd, map, &map->legs[l], attr,
					      extack);
		else
			r = vvmp_copy_leg(map, &map->legs[l], &old->legs[from]);
		if (r)
			goto bad;
	}
	r = op == VVMP_PLAN_DETACH ? 0 :
	    vvmp_map_check_leg(map, &map->legs[index], &error);
	r = r ?: vvmp_map_check_overlaps(map, &error);
	if (r) {
		vvmp_nl_error(extack, attr, error);
		goto bad;
	}
	r = vvmp_map_build_flush_targets(map);
	if (r)
		goto bad;
	return map;
bad:
	vvmp_map_free(map);
	return ERR_PTR(r);
}

/**
 * vvmp_nl_copy_map() - a copy of @old holding its own references to the PDs
 * @vd: the VD
 * @old: the map
 *
 * Return: the copy (not published) or an ERR_PTR.
 */
struct vvmp_map *vvmp_nl_copy_map(struct vvmp_vd *vd, struct vvmp_map *old)
{
	struct vvmp_map *map = vvmp_map_alloc_like(vd, old);
	unsigned int l;
	int r;

	if (!map)
		return ERR_PTR(-ENOMEM);
	map->nr_legs = old->nr_legs;
	r = vvmp_nl_alloc_pds(map, vvmp_map_extents(old));
	for (l = 0; !r && l < old->nr_legs; l++)
		r = vvmp_copy_leg(map, &map->legs[l], &old->legs[l]);
	r = r ?: vvmp_map_build_flush_targets(map);
	if (r) {
		vvmp_map_free(map);
		return ERR_PTR(r);
	}
	return map;
}
