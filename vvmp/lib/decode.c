// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: replies of the vvmp family. libnl validates every attribute
 * against the policies below (type, length, NUL-terminated strings);
 * this file only maps the validated attributes onto the plain structs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>

#include "codec.h"

#define STR(max)	{ .type = NLA_STRING, .maxlen = (max) }

static struct nla_policy attr_policy[VVMP_A_MAX + 1] = {
	[VVMP_A_VD_NAME]	= STR(VVMP_NAME_MAX),
	[VVMP_A_CLIENT_NAME]	= STR(VVMP_NAME_MAX),
	[VVMP_A_CLIENT_INFO]	= STR(VAAPI_CLIENT_INFO_MAX),
	[VVMP_A_TXN_ID]		= { .type = NLA_U32 },
	[VVMP_A_MAP]		= { .type = NLA_NESTED },
	[VVMP_A_SEGMENT]	= { .type = NLA_NESTED },
	[VVMP_A_VD_SIZE]	= { .type = NLA_U64 },
	[VVMP_A_GENERATION]	= { .type = NLA_U64 },
	[VVMP_A_ACL]		= { .type = NLA_U8 },
	[VVMP_A_STATUS]		= { .type = NLA_U8 },
	[VVMP_A_COS]		= { .type = NLA_NESTED },
	[VVMP_A_POLICY_SOURCE]	= { .type = NLA_U8 },
	[VVMP_A_NR_DEVICES]	= { .type = NLA_U32 },
	[VVMP_A_DEVICE]		= { .type = NLA_NESTED },
	[VVMP_A_MAP_EXTENTS]	= { .type = NLA_U32 },
	[VVMP_A_MAP_BYTES]	= { .type = NLA_U64 },
	[VVMP_A_STATS_DIRECTIVE] = { .type = NLA_NESTED },
	[VVMP_A_STATS]		= { .type = NLA_NESTED },
	[VVMP_A_LEG_STATS]	= { .type = NLA_NESTED },
	[VVMP_A_CLIENT_STATS]	= { .type = NLA_NESTED },
	[VVMP_A_PLAN_OP]	= { .type = NLA_U8 },
	[VVMP_A_LEG_INDEX]	= { .type = NLA_U32 },
	[VVMP_A_LEG]		= { .type = NLA_NESTED },
	[VVMP_A_COMPONENT]	= { .type = NLA_NESTED },
	[VVMP_A_RANGE]		= { .type = NLA_NESTED },
	[VVMP_A_EVENT]		= { .type = NLA_U8 },
	[VVMP_A_EVENT_SEQ]	= { .type = NLA_U64 },
	[VVMP_A_SNAPSHOT_SEQ]	= { .type = NLA_U64 },
	[VVMP_A_EVENTS_LOST]	= { .type = NLA_FLAG },
	[VVMP_A_THRESHOLD]	= { .type = NLA_U64 },
	[VVMP_A_REGION_SECTORS]	= { .type = NLA_U32 },
	[VVMP_A_RESYNC_RATE]	= { .type = NLA_U32 },
	[VVMP_A_DEACTIVATED]	= { .type = NLA_FLAG },
	[VVMP_A_EXCEPTION]	= { .type = NLA_NESTED },
	[VVMP_A_EXC_ID]		= { .type = NLA_U64 },
	[VVMP_A_EXC_ERRNO]	= { .type = NLA_U32 },
	[VVMP_A_EXC_TIMEOUT_MS]	= { .type = NLA_U32 },
	[VVMP_A_EXC_ON_TIMEOUT]	= { .type = NLA_U8 },
	[VVMP_A_EXC_OUTCOME]	= { .type = NLA_U8 },
	[VVMP_A_DATA]		= { .type = NLA_UNSPEC },
};

static struct nla_policy map_policy[VVMP_MAP_A_MAX + 1] = {
	[VVMP_MAP_A_LAYOUT]		= { .type = NLA_U8 },
	[VVMP_MAP_A_CHUNK_SECTORS]	= { .type = NLA_U32 },
	[VVMP_MAP_A_LEG]		= { .type = NLA_NESTED },
	[VVMP_MAP_A_NOSYNC]		= { .type = NLA_FLAG },
};

static struct nla_policy leg_policy[VVMP_LEG_A_MAX + 1] = {
	[VVMP_LEG_A_EXTENT]	= { .type = NLA_NESTED },
	[VVMP_LEG_A_INDEX]	= { .type = NLA_U32 },
	[VVMP_LEG_A_HEALTH]	= { .type = NLA_U8 },
};

static struct nla_policy extent_policy[VVMP_EXTENT_A_MAX + 1] = {
	[VVMP_EXTENT_A_DEVICE]	= STR(VVMP_DEVICE_PATH_MAX),
	[VVMP_EXTENT_A_OFFSET]	= { .type = NLA_U64 },
	[VVMP_EXTENT_A_LENGTH]	= { .type = NLA_U64 },
};

static struct nla_policy device_policy[VVMP_DEVICE_A_MAX + 1] = {
	[VVMP_DEVICE_A_NAME]	= STR(VAAPI_DM_NAME_MAX),
	[VVMP_DEVICE_A_DEV]	= { .type = NLA_U32 },
	[VVMP_DEVICE_A_CLIENT]	= STR(VVMP_NAME_MAX),
	[VVMP_DEVICE_A_SIZE]	= { .type = NLA_U64 },
};

static struct nla_policy cos_policy[VVMP_COS_A_MAX + 1] = {
	[VVMP_COS_A_IOPS]	= { .type = NLA_U64 },
	[VVMP_COS_A_BPS]	= { .type = NLA_U64 },
	[VVMP_COS_A_PRIORITY]	= { .type = NLA_U8 },
};

static struct nla_policy stats_policy[VVMP_STATS_A_MAX + 1] = {
	[VVMP_STATS_A_LEG]		= { .type = NLA_U32 },
	[VVMP_STATS_A_CLIENT]		= STR(VVMP_NAME_MAX),
	[VVMP_STATS_A_READS]		= { .type = NLA_U64 },
	[VVMP_STATS_A_WRITES]		= { .type = NLA_U64 },
	[VVMP_STATS_A_READ_BYTES]	= { .type = NLA_U64 },
	[VVMP_STATS_A_WRITE_BYTES]	= { .type = NLA_U64 },
	[VVMP_STATS_A_READ_ERRORS]	= { .type = NLA_U64 },
	[VVMP_STATS_A_WRITE_ERRORS]	= { .type = NLA_U64 },
	[VVMP_STATS_A_IN_FLIGHT]	= { .type = NLA_U64 },
	[VVMP_STATS_A_EXCEPTIONS]	= { .type = NLA_U64 },
	[VVMP_STATS_A_REFUSED]		= { .type = NLA_U64 },
	[VVMP_STATS_A_THROTTLED]	= { .type = NLA_U64 },
	[VVMP_STATS_A_LATENCY]		= { .type = NLA_UNSPEC,
					    .minlen = 8 * VVMP_LAT_BUCKETS,
					    .maxlen = 8 * VVMP_LAT_BUCKETS },
	[VVMP_STATS_A_DIRTY_REGIONS]	= { .type = NLA_U64 },
	[VVMP_STATS_A_REGIONS]		= { .type = NLA_U64 },
	[VVMP_STATS_A_COPIED_BYTES]	= { .type = NLA_U64 },
};

static struct nla_policy component_policy[VVMP_COMPONENT_A_MAX + 1] = {
	[VVMP_COMPONENT_A_LEG]		= { .type = NLA_U32 },
	[VVMP_COMPONENT_A_TIMEOUT_MS]	= { .type = NLA_U32 },
	[VVMP_COMPONENT_A_MASKS]	= { .type = NLA_U32 },
};

static struct nla_policy range_policy[VVMP_RANGE_A_MAX + 1] = {
	[VVMP_RANGE_A_START]	= { .type = NLA_U64 },
	[VVMP_RANGE_A_LENGTH]	= { .type = NLA_U64 },
};

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	nla_strlcpy(dst, a, len);
}

/* The validated top-level attributes of a reply, and the present mask. */
static int parse_top(const struct nlmsghdr *nlh, struct nlattr **tb, uint64_t *present)
{
	int i;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, VVMP_A_MAX, attr_policy) < 0)
		return -EPROTO;
	if (present) {
		*present = 0;
		for (i = 1; i <= VVMP_A_MAX; i++)
			if (tb[i])
				*present |= 1ULL << i;
	}
	return 0;
}

#define for_each_top_attr(a, nlh, rem) \
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0), \
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)

static int dec_extent(const struct nlattr *nest, struct vaapi_extent *e)
{
	struct nlattr *tb[VVMP_EXTENT_A_MAX + 1];

	if (nla_parse_nested(tb, VVMP_EXTENT_A_MAX, (struct nlattr *)nest, extent_policy) < 0)
		return -EPROTO;
	if (!tb[VVMP_EXTENT_A_DEVICE] || !tb[VVMP_EXTENT_A_OFFSET] || !tb[VVMP_EXTENT_A_LENGTH])
		return -EPROTO;
	copy_str(e->device, sizeof(e->device), tb[VVMP_EXTENT_A_DEVICE]);
	e->offset = nla_get_u64(tb[VVMP_EXTENT_A_OFFSET]);
	e->length = nla_get_u64(tb[VVMP_EXTENT_A_LENGTH]);
	return 0;
}

static int dec_leg(const struct nlattr *nest, struct vaapi_leg *leg)
{
	struct nlattr *tb[VVMP_LEG_A_MAX + 1], *a;
	int rem, err;

	memset(leg, 0, sizeof(*leg));
	if (nla_parse_nested(tb, VVMP_LEG_A_MAX, (struct nlattr *)nest, leg_policy) < 0)
		return -EPROTO;
	if (tb[VVMP_LEG_A_INDEX]) {
		leg->has_index = true;
		leg->index = nla_get_u32(tb[VVMP_LEG_A_INDEX]);
	}
	if (tb[VVMP_LEG_A_HEALTH]) {
		leg->has_health = true;
		leg->health = nla_get_u8(tb[VVMP_LEG_A_HEALTH]);
	}
	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		if (nla_type(a) != VVMP_LEG_A_EXTENT)
			continue;
		if (leg->nr_extents == VVMP_MAX_EXTENTS)
			return -EPROTO;
		err = dec_extent(a, &leg->extents[leg->nr_extents++]);
		if (err)
			return err;
	}
	return 0;
}

int vaapi_dec_map(const struct nlattr *nest, struct vaapi_map *map)
{
	struct nlattr *tb[VVMP_MAP_A_MAX + 1], *a;
	int rem, err;

	memset(map, 0, sizeof(*map));
	if (nla_parse_nested(tb, VVMP_MAP_A_MAX, (struct nlattr *)nest, map_policy) < 0)
		return -EPROTO;
	if (!tb[VVMP_MAP_A_LAYOUT])
		return -EPROTO;
	map->layout = nla_get_u8(tb[VVMP_MAP_A_LAYOUT]);
	if (tb[VVMP_MAP_A_CHUNK_SECTORS])
		map->chunk_sectors = nla_get_u32(tb[VVMP_MAP_A_CHUNK_SECTORS]);
	map->nosync = tb[VVMP_MAP_A_NOSYNC] != NULL;
	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		if (nla_type(a) != VVMP_MAP_A_LEG)
			continue;
		if (map->nr_legs == VVMP_MAX_LEGS)
			return -EPROTO;
		err = dec_leg(a, &map->legs[map->nr_legs++]);
		if (err)
			return err;
	}
	return 0;
}

int vaapi_dec_map_reply(const struct nlmsghdr *nlh, struct vaapi_map *map)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	int err = parse_top(nlh, tb, NULL);

	if (err)
		return err;
	if (!tb[VVMP_A_MAP])
		return -EPROTO;
	err = vaapi_dec_map(tb[VVMP_A_MAP], map);
	if (err)
		return err;
	if (tb[VVMP_A_GENERATION]) {
		map->has_generation = true;
		map->generation = nla_get_u64(tb[VVMP_A_GENERATION]);
	}
	return 0;
}

static int dec_cos(const struct nlattr *nest, struct vaapi_cos *cos)
{
	struct nlattr *tb[VVMP_COS_A_MAX + 1];

	memset(cos, 0, sizeof(*cos));
	if (nla_parse_nested(tb, VVMP_COS_A_MAX, (struct nlattr *)nest, cos_policy) < 0)
		return -EPROTO;
	if (tb[VVMP_COS_A_IOPS]) {
		cos->present |= VAAPI_COS_IOPS;
		cos->iops = nla_get_u64(tb[VVMP_COS_A_IOPS]);
	}
	if (tb[VVMP_COS_A_BPS]) {
		cos->present |= VAAPI_COS_BPS;
		cos->bps = nla_get_u64(tb[VVMP_COS_A_BPS]);
	}
	if (tb[VVMP_COS_A_PRIORITY]) {
		cos->present |= VAAPI_COS_PRIORITY;
		cos->priority = nla_get_u8(tb[VVMP_COS_A_PRIORITY]);
	}
	return 0;
}

static int dec_device(const struct nlattr *nest, struct vaapi_device *d)
{
	struct nlattr *tb[VVMP_DEVICE_A_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (nla_parse_nested(tb, VVMP_DEVICE_A_MAX, (struct nlattr *)nest, device_policy) < 0)
		return -EPROTO;
	if (!tb[VVMP_DEVICE_A_NAME])
		return -EPROTO;
	copy_str(d->name, sizeof(d->name), tb[VVMP_DEVICE_A_NAME]);
	if (tb[VVMP_DEVICE_A_DEV]) {
		d->has_dev = true;
		d->dev = nla_get_u32(tb[VVMP_DEVICE_A_DEV]);
	}
	if (tb[VVMP_DEVICE_A_CLIENT])
		copy_str(d->client, sizeof(d->client), tb[VVMP_DEVICE_A_CLIENT]);
	if (tb[VVMP_DEVICE_A_SIZE]) {
		d->has_size = true;
		d->size = nla_get_u64(tb[VVMP_DEVICE_A_SIZE]);
	}
	return 0;
}

int vaapi_dec_vd_info(const struct nlmsghdr *nlh, struct vaapi_vd_info *info)
{
	struct nlattr *tb[VVMP_A_MAX + 1], *a;
	int rem, err;

	memset(info, 0, sizeof(*info));
	err = parse_top(nlh, tb, &info->present);
	if (err)
		return err;
	if (!tb[VVMP_A_VD_NAME])
		return -EPROTO;
	copy_str(info->name, sizeof(info->name), tb[VVMP_A_VD_NAME]);
	if (tb[VVMP_A_VD_SIZE])
		info->size = nla_get_u64(tb[VVMP_A_VD_SIZE]);
	if (tb[VVMP_A_GENERATION])
		info->generation = nla_get_u64(tb[VVMP_A_GENERATION]);
	if (tb[VVMP_A_ACL])
		info->acl = nla_get_u8(tb[VVMP_A_ACL]);
	if (tb[VVMP_A_STATUS])
		info->status = nla_get_u8(tb[VVMP_A_STATUS]);
	if (tb[VVMP_A_COS] && (err = dec_cos(tb[VVMP_A_COS], &info->cos)))
		return err;
	if (tb[VVMP_A_NR_DEVICES])
		info->nr_devices = nla_get_u32(tb[VVMP_A_NR_DEVICES]);
	if (tb[VVMP_A_REGION_SECTORS])
		info->region_sectors = nla_get_u32(tb[VVMP_A_REGION_SECTORS]);
	if (tb[VVMP_A_RESYNC_RATE])
		info->resync_rate = nla_get_u32(tb[VVMP_A_RESYNC_RATE]);
	info->deactivated = tb[VVMP_A_DEACTIVATED] != NULL;
	if (tb[VVMP_A_EXC_TIMEOUT_MS])
		info->exc_timeout_ms = nla_get_u32(tb[VVMP_A_EXC_TIMEOUT_MS]);
	if (tb[VVMP_A_EXC_ON_TIMEOUT])
		info->exc_on_timeout = nla_get_u8(tb[VVMP_A_EXC_ON_TIMEOUT]);
	for_each_top_attr(a, nlh, rem) {
		if (nla_type(a) != VVMP_A_DEVICE)
			continue;
		if (info->nr_device_records == VAAPI_MAX_DEVICES) {
			info->devices_truncated = true;
			continue;
		}
		err = dec_device(a, &info->devices[info->nr_device_records++]);
		if (err)
			return err;
	}
	return 0;
}

int vaapi_dec_map_size(const struct nlmsghdr *nlh, uint32_t *extents, uint64_t *bytes)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	int err = parse_top(nlh, tb, NULL);

	if (err)
		return err;
	if (!tb[VVMP_A_MAP_EXTENTS] || !tb[VVMP_A_MAP_BYTES])
		return -EPROTO;
	*extents = nla_get_u32(tb[VVMP_A_MAP_EXTENTS]);
	*bytes = nla_get_u64(tb[VVMP_A_MAP_BYTES]);
	return 0;
}

int vaapi_dec_client(const struct nlmsghdr *nlh, struct vaapi_client_info *c)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	int err = parse_top(nlh, tb, NULL);

	memset(c, 0, sizeof(*c));
	if (err)
		return err;
	if (!tb[VVMP_A_CLIENT_NAME])
		return -EPROTO;
	copy_str(c->name, sizeof(c->name), tb[VVMP_A_CLIENT_NAME]);
	if (tb[VVMP_A_CLIENT_INFO]) {
		c->has_info = true;
		copy_str(c->info, sizeof(c->info), tb[VVMP_A_CLIENT_INFO]);
	}
	return 0;
}

int vaapi_dec_policy(const struct nlmsghdr *nlh, struct vaapi_policy *p)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	int err = parse_top(nlh, tb, NULL);

	if (err)
		return err;
	/* One reply answers one of ACL_GET, STATUS_GET, COS_GET: keep what it has. */
	if (!tb[VVMP_A_ACL] && !tb[VVMP_A_STATUS] && !tb[VVMP_A_COS])
		return -EPROTO;
	if (tb[VVMP_A_ACL])
		p->acl = nla_get_u8(tb[VVMP_A_ACL]);
	if (tb[VVMP_A_STATUS])
		p->status = nla_get_u8(tb[VVMP_A_STATUS]);
	if (tb[VVMP_A_COS] && (err = dec_cos(tb[VVMP_A_COS], &p->cos)))
		return err;
	if (tb[VVMP_A_POLICY_SOURCE]) {
		p->has_source = true;
		p->source = nla_get_u8(tb[VVMP_A_POLICY_SOURCE]);
	}
	return 0;
}

int vaapi_dec_stats(const struct nlattr *nest, struct vaapi_stats *s)
{
	struct nlattr *tb[VVMP_STATS_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (nla_parse_nested(tb, VVMP_STATS_A_MAX, (struct nlattr *)nest, stats_policy) < 0)
		return -EPROTO;
	if (tb[VVMP_STATS_A_LEG]) {
		s->has_leg = true;
		s->leg = nla_get_u32(tb[VVMP_STATS_A_LEG]);
	}
	if (tb[VVMP_STATS_A_CLIENT])
		copy_str(s->client, sizeof(s->client), tb[VVMP_STATS_A_CLIENT]);
#define GET(field, attr) if (tb[attr]) s->field = nla_get_u64(tb[attr])
	GET(reads, VVMP_STATS_A_READS);
	GET(writes, VVMP_STATS_A_WRITES);
	GET(read_bytes, VVMP_STATS_A_READ_BYTES);
	GET(write_bytes, VVMP_STATS_A_WRITE_BYTES);
	GET(read_errors, VVMP_STATS_A_READ_ERRORS);
	GET(write_errors, VVMP_STATS_A_WRITE_ERRORS);
	GET(in_flight, VVMP_STATS_A_IN_FLIGHT);
	GET(exceptions, VVMP_STATS_A_EXCEPTIONS);
	GET(refused, VVMP_STATS_A_REFUSED);
	GET(throttled, VVMP_STATS_A_THROTTLED);
	GET(dirty_regions, VVMP_STATS_A_DIRTY_REGIONS);
	GET(regions, VVMP_STATS_A_REGIONS);
	GET(copied_bytes, VVMP_STATS_A_COPIED_BYTES);
#undef GET
	s->has_log = tb[VVMP_STATS_A_DIRTY_REGIONS] || tb[VVMP_STATS_A_REGIONS] ||
		     tb[VVMP_STATS_A_COPIED_BYTES];
	if (tb[VVMP_STATS_A_LATENCY]) {
		s->has_latency = true;
		nla_memcpy(s->latency, tb[VVMP_STATS_A_LATENCY], sizeof(s->latency));
	}
	return 0;
}

int vaapi_dec_stats_reply(const struct nlmsghdr *nlh, struct vaapi_vd_stats *out)
{
	struct nlattr *tb[VVMP_A_MAX + 1], *a;
	int rem, err;

	memset(out, 0, sizeof(*out));
	err = parse_top(nlh, tb, NULL);
	if (err)
		return err;
	if (!tb[VVMP_A_STATS])
		return -EPROTO;
	err = vaapi_dec_stats(tb[VVMP_A_STATS], &out->vd);
	if (err)
		return err;
	for_each_top_attr(a, nlh, rem) {
		struct vaapi_stats *s;

		if (nla_type(a) == VVMP_A_LEG_STATS) {
			if (out->nr_legs == VVMP_MAX_LEGS)
				return -EPROTO;
			s = &out->legs[out->nr_legs++];
			err = vaapi_dec_stats(a, s);
			if (!err && !s->has_leg)
				err = -EPROTO;
		} else if (nla_type(a) == VVMP_A_CLIENT_STATS) {
			if (out->nr_clients == VAAPI_MAX_CLIENT_STATS) {
				out->clients_truncated = true;
				continue;
			}
			/* No CLIENT: the device without a client. */
			s = &out->clients[out->nr_clients++];
			err = vaapi_dec_stats(a, s);
		}
		if (err)
			return err;
	}
	return 0;
}

static int dec_component(const struct nlattr *nest, struct vaapi_component *c)
{
	struct nlattr *tb[VVMP_COMPONENT_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (nla_parse_nested(tb, VVMP_COMPONENT_A_MAX, (struct nlattr *)nest, component_policy) < 0)
		return -EPROTO;
	if (tb[VVMP_COMPONENT_A_LEG])
		c->leg = nla_get_u32(tb[VVMP_COMPONENT_A_LEG]);
	if (tb[VVMP_COMPONENT_A_TIMEOUT_MS]) {
		c->present |= VAAPI_COMPONENT_TIMEOUT;
		c->timeout_ms = nla_get_u32(tb[VVMP_COMPONENT_A_TIMEOUT_MS]);
	}
	if (tb[VVMP_COMPONENT_A_MASKS]) {
		c->present |= VAAPI_COMPONENT_MASKS;
		c->masks = nla_get_u32(tb[VVMP_COMPONENT_A_MASKS]);
	}
	return 0;
}

/*
 * Every top-level attribute @type of a reply, decoded by @dec into the
 * array @out of @max elements of @size bytes; *@nr counts them.
 */
static int dec_each(const struct nlmsghdr *nlh, int type, void *out,
		    size_t size, unsigned int max, unsigned int *nr,
		    int (*dec)(const struct nlattr *, void *))
{
	struct nlattr *tb[VVMP_A_MAX + 1], *a;
	int rem, err = parse_top(nlh, tb, NULL);

	if (err)
		return err;
	for_each_top_attr(a, nlh, rem) {
		if (nla_type(a) != type)
			continue;
		if (*nr >= max)
			return -ENOSPC;
		err = dec(a, (char *)out + *nr * size);
		if (err)
			return err;
		(*nr)++;
	}
	return 0;
}

static int dec_component_any(const struct nlattr *nest, void *c)
{
	return dec_component(nest, c);
}

int vaapi_dec_components(const struct nlmsghdr *nlh, struct vaapi_component *out,
			 unsigned int max, unsigned int *nr)
{
	return dec_each(nlh, VVMP_A_COMPONENT, out, sizeof(*out), max, nr,
			dec_component_any);
}

static int dec_range(const struct nlattr *nest, struct vaapi_range *r)
{
	struct nlattr *tb[VVMP_RANGE_A_MAX + 1];

	if (nla_parse_nested(tb, VVMP_RANGE_A_MAX, (struct nlattr *)nest, range_policy) < 0)
		return -EPROTO;
	if (!tb[VVMP_RANGE_A_START] || !tb[VVMP_RANGE_A_LENGTH])
		return -EPROTO;
	r->start = nla_get_u64(tb[VVMP_RANGE_A_START]);
	r->length = nla_get_u64(tb[VVMP_RANGE_A_LENGTH]);
	return 0;
}

static int dec_range_any(const struct nlattr *nest, void *r)
{
	return dec_range(nest, r);
}

int vaapi_dec_ranges(const struct nlmsghdr *nlh, struct vaapi_range *out,
		     unsigned int max, unsigned int *nr)
{
	return dec_each(nlh, VVMP_A_RANGE, out, sizeof(*out), max, nr,
			dec_range_any);
}

int vaapi_dec_txn_id(const struct nlmsghdr *nlh, uint32_t *id)
{
	struct nlattr *tb[VVMP_A_MAX + 1];
	int err = parse_top(nlh, tb, NULL);

	if (err)
		return err;
	if (!tb[VVMP_A_TXN_ID])
		return -EPROTO;
	*id = nla_get_u32(tb[VVMP_A_TXN_ID]);
	return 0;
}

int vaapi_dec_event(const struct nlmsghdr *nlh, struct vaapi_event *ev)
{
	struct nlattr *tb[VVMP_A_MAX + 1], *a;
	int rem, err;

	memset(ev, 0, sizeof(*ev));
	err = parse_top(nlh, tb, &ev->present);
	if (err)
		return err;
	/* A dump may open with a record that carries only SNAPSHOT_SEQ. */
	if (!tb[VVMP_A_EVENT] && !tb[VVMP_A_SNAPSHOT_SEQ])
		return -EPROTO;
	if (tb[VVMP_A_EVENT])
		ev->type = nla_get_u8(tb[VVMP_A_EVENT]);
	if (tb[VVMP_A_EVENT_SEQ])
		ev->seq = nla_get_u64(tb[VVMP_A_EVENT_SEQ]);
	if (tb[VVMP_A_SNAPSHOT_SEQ])
		ev->snapshot_seq = nla_get_u64(tb[VVMP_A_SNAPSHOT_SEQ]);
	ev->lost = tb[VVMP_A_EVENTS_LOST] != NULL;
	if (tb[VVMP_A_VD_NAME])
		copy_str(ev->vd, sizeof(ev->vd), tb[VVMP_A_VD_NAME]);
	if (tb[VVMP_A_CLIENT_NAME])
		copy_str(ev->client, sizeof(ev->client), tb[VVMP_A_CLIENT_NAME]);
	if (tb[VVMP_A_CLIENT_INFO])
		copy_str(ev->client_info, sizeof(ev->client_info), tb[VVMP_A_CLIENT_INFO]);
	if (tb[VVMP_A_VD_SIZE])
		ev->vd_size = nla_get_u64(tb[VVMP_A_VD_SIZE]);
	if (tb[VVMP_A_GENERATION])
		ev->generation = nla_get_u64(tb[VVMP_A_GENERATION]);
	if (tb[VVMP_A_NR_DEVICES])
		ev->nr_devices = nla_get_u32(tb[VVMP_A_NR_DEVICES]);
	if (tb[VVMP_A_LEG_INDEX])
		ev->leg_index = nla_get_u32(tb[VVMP_A_LEG_INDEX]);
	if (tb[VVMP_A_LEG] && (err = dec_leg(tb[VVMP_A_LEG], &ev->leg)))
		return err;
	if (tb[VVMP_A_ACL])
		ev->acl = nla_get_u8(tb[VVMP_A_ACL]);
	if (tb[VVMP_A_STATUS])
		ev->status = nla_get_u8(tb[VVMP_A_STATUS]);
	if (tb[VVMP_A_COS] && (err = dec_cos(tb[VVMP_A_COS], &ev->cos)))
		return err;
	if (tb[VVMP_A_DEVICE] && (err = dec_device(tb[VVMP_A_DEVICE], &ev->device)))
		return err;
	if (tb[VVMP_A_COMPONENT] && (err = dec_component(tb[VVMP_A_COMPONENT], &ev->component)))
		return err;
	if (tb[VVMP_A_THRESHOLD])
		ev->threshold = nla_get_u64(tb[VVMP_A_THRESHOLD]);
	if (tb[VVMP_A_REGION_SECTORS])
		ev->region_sectors = nla_get_u32(tb[VVMP_A_REGION_SECTORS]);
	if (tb[VVMP_A_RESYNC_RATE])
		ev->resync_rate = nla_get_u32(tb[VVMP_A_RESYNC_RATE]);
	ev->deactivated = tb[VVMP_A_DEACTIVATED] != NULL;
	if (tb[VVMP_A_EXCEPTION]) {
		err = vaapi_dec_exception(tb[VVMP_A_EXCEPTION], &ev->exception);
		if (err)
			return err;
		memcpy(ev->exception.vd, ev->vd, sizeof(ev->vd));
	}
	if (tb[VVMP_A_EXC_ID])
		ev->exc_id = nla_get_u64(tb[VVMP_A_EXC_ID]);
	if (tb[VVMP_A_EXC_OUTCOME])
		ev->exc_outcome = nla_get_u8(tb[VVMP_A_EXC_OUTCOME]);
	if (tb[VVMP_A_EXC_ERRNO])
		ev->exc_errno = nla_get_u32(tb[VVMP_A_EXC_ERRNO]);
	if (tb[VVMP_A_EXC_TIMEOUT_MS])
		ev->exc_timeout_ms = nla_get_u32(tb[VVMP_A_EXC_TIMEOUT_MS]);
	if (tb[VVMP_A_EXC_ON_TIMEOUT])
		ev->exc_on_timeout = nla_get_u8(tb[VVMP_A_EXC_ON_TIMEOUT]);
	for_each_top_attr(a, nlh, rem) {
		if (nla_type(a) != VVMP_A_RANGE)
			continue;
		if (ev->nr_ranges == VVMP_MAX_DIVERT_RANGES)
			return -EPROTO;
		err = dec_range(a, &ev->ranges[ev->nr_ranges++]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- errors ----------------------------------------------------------- */

int vaapi_extack_parse(const struct nlmsghdr *nlh, struct vaapi_extack *ack)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG]	  = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS]	  = { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t hdrlen;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end: an int error, then (NLM_F_ACK_TLVS) the TLVs. */
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		ack->error = *(const int *)nlmsg_data(nlh);
		hdrlen = sizeof(int);
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EPROTO;
		e = nlmsg_data(nlh);
		ack->error = e->error;
		hdrlen = sizeof(*e);
		/* Without NETLINK_CAP_ACK the request follows, whole. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hdrlen += e->msg.nlmsg_len - sizeof(e->msg);
	} else {
		return -EPROTO;
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (NLMSG_LENGTH(hdrlen) > nlh->nlmsg_len)
		return -EPROTO;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((const char *)nlmsg_data(nlh) + NLMSG_ALIGN(hdrlen)),
		      nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(hdrlen)), policy) < 0)
		return -EPROTO;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(ack->msg, tb[NLMSGERR_ATTR_MSG], sizeof(ack->msg));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		ack->has_offset = true;
		ack->offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		ack->has_miss_type = true;
		ack->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
	return 0;
}

static const char *const top_attr_names[VVMP_A_MAX + 1] = {
	[VVMP_A_VD_NAME] = "VD_NAME", [VVMP_A_CLIENT_NAME] = "CLIENT_NAME",
	[VVMP_A_CLIENT_INFO] = "CLIENT_INFO", [VVMP_A_TXN_ID] = "TXN_ID",
	[VVMP_A_MAP] = "MAP", [VVMP_A_SEGMENT] = "SEGMENT",
	[VVMP_A_VD_SIZE] = "VD_SIZE", [VVMP_A_GENERATION] = "GENERATION",
	[VVMP_A_ACL] = "ACL", [VVMP_A_STATUS] = "STATUS", [VVMP_A_COS] = "COS",
	[VVMP_A_POLICY_SOURCE] = "POLICY_SOURCE", [VVMP_A_NR_DEVICES] = "NR_DEVICES",
	[VVMP_A_DEVICE] = "DEVICE", [VVMP_A_MAP_EXTENTS] = "MAP_EXTENTS",
	[VVMP_A_MAP_BYTES] = "MAP_BYTES", [VVMP_A_STATS_DIRECTIVE] = "STATS_DIRECTIVE",
	[VVMP_A_STATS] = "STATS", [VVMP_A_LEG_STATS] = "LEG_STATS",
	[VVMP_A_CLIENT_STATS] = "CLIENT_STATS", [VVMP_A_PLAN_OP] = "PLAN_OP",
	[VVMP_A_LEG_INDEX] = "LEG_INDEX", [VVMP_A_LEG] = "LEG",
	[VVMP_A_COMPONENT] = "COMPONENT", [VVMP_A_RANGE] = "RANGE",
	[VVMP_A_EVENT] = "EVENT", [VVMP_A_EVENT_SEQ] = "EVENT_SEQ",
	[VVMP_A_SNAPSHOT_SEQ] = "SNAPSHOT_SEQ", [VVMP_A_EVENTS_LOST] = "EVENTS_LOST",
	[VVMP_A_THRESHOLD] = "THRESHOLD", [VVMP_A_REGION_SECTORS] = "REGION_SECTORS",
	[VVMP_A_RESYNC_RATE] = "RESYNC_RATE", [VVMP_A_DEACTIVATED] = "DEACTIVATED",
	[VVMP_A_EXCEPTION] = "EXCEPTION", [VVMP_A_EXC_ID] = "EXC_ID",
	[VVMP_A_EXC_ERRNO] = "EXC_ERRNO", [VVMP_A_EXC_TIMEOUT_MS] = "EXC_TIMEOUT_MS",
	[VVMP_A_EXC_ON_TIMEOUT] = "EXC_ON_TIMEOUT", [VVMP_A_EXC_OUTCOME] = "EXC_OUTCOME",
	[VVMP_A_IO] = "IO", [VVMP_A_DATA] = "DATA", [VVMP_A_COPY] = "COPY",
	[VVMP_A_EXC_GENERATION] = "EXC_GENERATION", [VVMP_A_FULL_COPY] = "FULL_COPY",
	[VVMP_A_PAD] = "PAD", [VVMP_A_LOG] = "LOG",
};

/* Walk the attributes in [start, start+len) looking for @offset. */
static bool find_attr(const char *base, const struct nlattr *start, int len,
		      uint32_t offset, int depth, char *buf, size_t size)
{
	const struct nlattr *a;
	int rem;
	size_t used = strlen(buf);

	nla_for_each_attr(a, (struct nlattr *)start, len, rem) {
		uint32_t at = (uint32_t)((const char *)a - base);
		int type = nla_type(a);

		if (offset < at || offset >= at + nla_total_size(nla_len(a)))
			continue;
		if (depth == 0 && type <= VVMP_A_MAX && top_attr_names[type])
			snprintf(buf + used, size - used, "VVMP_A_%s", top_attr_names[type]);
		else
			snprintf(buf + used, size - used, "%s%d", depth ? "/" : "", type);
		if (offset == at)
			return true;
		if (nla_is_nested(a) &&
		    find_attr(base, nla_data(a), nla_len(a), offset, depth + 1, buf, size))
			return true;
		/* Inside the header or payload of a non-nested attribute. */
		return true;
	}
	return false;
}

void vaapi_attr_path(const struct nlmsghdr *req, uint32_t offset, char *buf, size_t len)
{
	const char *base = (const char *)req;
	const struct nlattr *attrs;

	if (!len)
		return;
	buf[0] = '\0';
	if (!req || offset >= req->nlmsg_len || offset < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	attrs = (const struct nlattr *)(base + NLMSG_HDRLEN + GENL_HDRLEN);
	if (!find_attr(base, attrs, req->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
		       offset, 0, buf, len))
		buf[0] = '\0';
}

void vaapi_extack_format(const struct vaapi_extack *ack, const struct nlmsghdr *req,
			 char *buf, size_t len)
{
	char path[128] = "";
	int n;

	if (!len)
		return;
	n = snprintf(buf, len, "%s", ack->msg);
	if (n < 0 || (size_t)n >= len)
		return;
	if (ack->has_offset) {
		vaapi_attr_path(req, ack->offset, path, sizeof(path));
		snprintf(buf + n, len - n, "%s(attribute %s%sat offset %u)",
			 n ? " " : "", path, path[0] ? " " : "", ack->offset);
	} else if (ack->has_miss_type) {
		snprintf(buf + n, len - n, "%s(missing attribute type %u)", n ? " " : "",
			 ack->miss_type);
	}
}

int vaapi_nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:			return 0;
	case NLE_INTR:		return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NOATTR:	return -ENOENT;
	case NLE_MISSING_ATTR:	return -EINVAL;
	case NLE_SEQ_MISMATCH:	return -EPROTO;
	case NLE_MSG_OVERFLOW:	return -EOVERFLOW;
	case NLE_MSG_TRUNC:	return -EMSGSIZE;
	case NLE_NOADDR:	return -EADDRNOTAVAIL;
	case NLE_SRCRT_NOSUPPORT: return -EOPNOTSUPP;
	case NLE_MSG_TOOSHORT:	return -EPROTO;
	case NLE_MSGTYPE_NOSUPPORT: return -EOPNOTSUPP;
	case NLE_OBJ_MISMATCH:	return -EINVAL;
	case NLE_NOCACHE:	return -ENOENT;
	case NLE_BUSY:		return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_PKTLOC_FILE:	return -ENOENT;
	case NLE_PARSE_ERR:	return -EPROTO;
	case NLE_NODEV:		return -ENODEV;
	case NLE_IMMUTABLE:	return -EPERM;
	case NLE_DUMP_INTR:	return -EINTR;
	case NLE_ATTRSIZE:	return -ERANGE;
	default:		return -EIO;
	}
}
