// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: requests of the vvmp family. Every nest carries NLA_F_NESTED
 * (the kernel validates strictly) and values are checked against the
 * limits of include/uapi/linux/vvmp.h before anything is sent.
 */
#include <errno.h>
#include <string.h>

#include "codec.h"

bool vaapi_cmd_mutates(uint8_t cmd)
{
	switch (cmd) {
	case VVMP_CMD_VD_CREATE:
	case VVMP_CMD_VD_DELETE:
	case VVMP_CMD_VD_SET_MAP:
	case VVMP_CMD_VD_SET_SEGMENT:
	case VVMP_CMD_CLIENT_SET:
	case VVMP_CMD_CLIENT_DELETE:
	case VVMP_CMD_ACL_SET:
	case VVMP_CMD_STATUS_SET:
	case VVMP_CMD_COS_SET:
	case VVMP_CMD_STATS_SET:
	case VVMP_CMD_STATS_RESET:
	case VVMP_CMD_PLAN_SET:
	case VVMP_CMD_PLAN_PARAMS_SET:
	case VVMP_CMD_DIVERT_ADD:
	case VVMP_CMD_DIVERT_DELETE:
	case VVMP_CMD_VD_ACTIVATE:
	case VVMP_CMD_RESYNC_SET:
		return true;
	default:
		return false;
	}
}

struct nl_msg *vaapi_msg_request(int family, uint8_t cmd, int nlflags, uint32_t txn_id)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	/* genlmsg_put() zeroes the reserved byte of struct genlmsghdr. */
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST | NLM_F_ACK | nlflags, cmd, VVMP_GENL_VERSION))
		goto fail;
	if (txn_id && vaapi_cmd_mutates(cmd) &&
	    nla_put_u32(msg, VVMP_A_TXN_ID, txn_id) < 0)
		goto fail;
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

static int put_string(struct nl_msg *msg, int type, const char *s, size_t max)
{
	size_t len;

	if (!s)
		return -EINVAL;
	len = strnlen(s, max);
	if (len == 0 || len >= max)
		return -EINVAL;
	return nla_put_string(msg, type, s) < 0 ? -EMSGSIZE : 0;
}

int vaapi_put_name(struct nl_msg *msg, int type, const char *name)
{
	return put_string(msg, type, name, VVMP_NAME_MAX);
}

int vaapi_put_target(struct nl_msg *msg, const char *vd, const char *client)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	if (!err && client)
		err = vaapi_put_name(msg, VVMP_A_CLIENT_NAME, client);
	return err;
}

/* libnl 3.7 sets NLA_F_NESTED itself; older ones do not, so ask for it. */
static struct nlattr *nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static int nest_end(struct nl_msg *msg, struct nlattr *nest, int err)
{
	if (err) {
		nla_nest_cancel(msg, nest);
		return err;
	}
	return nla_nest_end(msg, nest) < 0 ? -EMSGSIZE : 0;
}

static int put_u64(struct nl_msg *msg, int type, uint64_t v)
{
	return nla_put_u64(msg, type, v) < 0 ? -EMSGSIZE : 0;
}

static int put_u32(struct nl_msg *msg, int type, uint32_t v)
{
	return nla_put_u32(msg, type, v) < 0 ? -EMSGSIZE : 0;
}

static int put_u8(struct nl_msg *msg, int type, uint8_t v)
{
	return nla_put_u8(msg, type, v) < 0 ? -EMSGSIZE : 0;
}

int vaapi_put_extent(struct nl_msg *msg, int type, const struct vaapi_extent *e)
{
	struct nlattr *nest;
	int err;

	if (e->length == 0)
		return -EINVAL;
	nest = nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	err = put_string(msg, VVMP_EXTENT_A_DEVICE, e->device, VVMP_DEVICE_PATH_MAX);
	if (!err)
		err = put_u64(msg, VVMP_EXTENT_A_OFFSET, e->offset);
	if (!err)
		err = put_u64(msg, VVMP_EXTENT_A_LENGTH, e->length);
	return nest_end(msg, nest, err);
}

int vaapi_put_leg(struct nl_msg *msg, int type, const struct vaapi_leg *leg)
{
	struct nlattr *nest;
	unsigned int i;
	int err = 0;

	if (leg->nr_extents == 0 || leg->nr_extents > VVMP_MAX_EXTENTS)
		return -EINVAL;
	nest = nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < leg->nr_extents && !err; i++)
		err = vaapi_put_extent(msg, VVMP_LEG_A_EXTENT, &leg->extents[i]);
	return nest_end(msg, nest, err);
}

int vaapi_put_map(struct nl_msg *msg, const struct vaapi_map *map)
{
	struct nlattr *nest;
	unsigned int i;
	int err;

	if (map->nr_legs == 0 || map->nr_legs > VVMP_MAX_LEGS)
		return -EINVAL;
	if (map->layout != VVMP_MAP_LINEAR && map->layout != VVMP_MAP_STRIPED)
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_MAP);
	if (!nest)
		return -EMSGSIZE;
	err = put_u8(msg, VVMP_MAP_A_LAYOUT, map->layout);
	if (!err && map->layout == VVMP_MAP_STRIPED)
		err = put_u32(msg, VVMP_MAP_A_CHUNK_SECTORS, map->chunk_sectors);
	for (i = 0; i < map->nr_legs && !err; i++)
		err = vaapi_put_leg(msg, VVMP_MAP_A_LEG, &map->legs[i]);
	if (!err && map->nosync && nla_put_flag(msg, VVMP_MAP_A_NOSYNC) < 0)
		err = -EMSGSIZE;
	return nest_end(msg, nest, err);
}

int vaapi_put_segment(struct nl_msg *msg, const struct vaapi_segment *seg)
{
	struct nlattr *nest;
	unsigned int i;
	int err;

	if (seg->length == 0 || seg->nr_extents == 0 || seg->nr_extents > VVMP_MAX_LEGS)
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_SEGMENT);
	if (!nest)
		return -EMSGSIZE;
	err = put_u64(msg, VVMP_SEGMENT_A_START, seg->start);
	if (!err)
		err = put_u64(msg, VVMP_SEGMENT_A_LENGTH, seg->length);
	for (i = 0; i < seg->nr_extents && !err; i++)
		err = vaapi_put_extent(msg, VVMP_SEGMENT_A_EXTENT, &seg->extents[i]);
	return nest_end(msg, nest, err);
}

int vaapi_put_cos(struct nl_msg *msg, const struct vaapi_cos *cos)
{
	struct nlattr *nest;
	int err = 0;

	if (!(cos->present & (VAAPI_COS_IOPS | VAAPI_COS_BPS | VAAPI_COS_PRIORITY)))
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_COS);
	if (!nest)
		return -EMSGSIZE;
	if (cos->present & VAAPI_COS_IOPS)
		err = put_u64(msg, VVMP_COS_A_IOPS, cos->iops);
	if (!err && (cos->present & VAAPI_COS_BPS))
		err = put_u64(msg, VVMP_COS_A_BPS, cos->bps);
	if (!err && (cos->present & VAAPI_COS_PRIORITY))
		err = put_u8(msg, VVMP_COS_A_PRIORITY, cos->priority);
	return nest_end(msg, nest, err);
}

int vaapi_put_directive(struct nl_msg *msg, const struct vaapi_stats_directive *d)
{
	struct nlattr *nest;
	int err = 0;

	if (!(d->present & (VAAPI_DIRECTIVE_LATENCY | VAAPI_DIRECTIVE_ERROR_THRESHOLD)))
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_STATS_DIRECTIVE);
	if (!nest)
		return -EMSGSIZE;
	if (d->present & VAAPI_DIRECTIVE_LATENCY)
		err = put_u8(msg, VVMP_DIRECTIVE_A_LATENCY, d->latency ? 1 : 0);
	if (!err && (d->present & VAAPI_DIRECTIVE_ERROR_THRESHOLD))
		err = put_u64(msg, VVMP_DIRECTIVE_A_ERROR_THRESHOLD, d->error_threshold);
	return nest_end(msg, nest, err);
}

int vaapi_put_component(struct nl_msg *msg, const struct vaapi_component *c)
{
	struct nlattr *nest;
	int err = 0;

	if (!(c->present & (VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS)))
		return -EINVAL;
	if ((c->present & VAAPI_COMPONENT_MASKS) && (c->masks & ~VVMP_MASK_ALL))
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_COMPONENT);
	if (!nest)
		return -EMSGSIZE;
	if (c->present & VAAPI_COMPONENT_TIMEOUT)
		err = put_u32(msg, VVMP_COMPONENT_A_TIMEOUT_MS, c->timeout_ms);
	if (!err && (c->present & VAAPI_COMPONENT_MASKS))
		err = put_u32(msg, VVMP_COMPONENT_A_MASKS, c->masks);
	return nest_end(msg, nest, err);
}

int vaapi_put_range(struct nl_msg *msg, const struct vaapi_range *r)
{
	struct nlattr *nest;
	int err;

	if (r->length == 0)
		return -EINVAL;
	nest = nest_start(msg, VVMP_A_RANGE);
	if (!nest)
		return -EMSGSIZE;
	err = put_u64(msg, VVMP_RANGE_A_START, r->start);
	if (!err)
		err = put_u64(msg, VVMP_RANGE_A_LENGTH, r->length);
	return nest_end(msg, nest, err);
}

/* ---- per command ---------------------------------------------------- */

int vaapi_enc_vd_create(struct nl_msg *msg, const char *vd, const struct vaapi_map *map)
{
	return vaapi_enc_vd_create_opts(msg, vd, map, NULL);
}

/* The region sizes the kernel's dirty-region log takes. */
static bool region_sectors_valid(uint32_t sectors)
{
	return sectors >= VVMP_REGION_SECTORS_MIN && sectors <= VVMP_REGION_SECTORS_MAX &&
	       !(sectors & (sectors - 1));
}

int vaapi_enc_vd_create_opts(struct nl_msg *msg, const char *vd, const struct vaapi_map *map,
			     const struct vaapi_vd_opts *opts)
{
	unsigned int present = opts ? opts->present : 0;
	int err;

	if (present & ~(VAAPI_VD_OPT_REGION_SECTORS | VAAPI_VD_OPT_RESYNC_RATE))
		return -EINVAL;
	if ((present & VAAPI_VD_OPT_REGION_SECTORS) && !region_sectors_valid(opts->region_sectors))
		return -EINVAL;
	err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);
	if (!err)
		err = vaapi_put_map(msg, map);
	if (!err && (present & VAAPI_VD_OPT_REGION_SECTORS))
		err = put_u32(msg, VVMP_A_REGION_SECTORS, opts->region_sectors);
	if (!err && (present & VAAPI_VD_OPT_RESYNC_RATE))
		err = put_u32(msg, VVMP_A_RESYNC_RATE, opts->resync_rate);
	return err;
}

int vaapi_enc_vd_set_segment(struct nl_msg *msg, const char *vd, const struct vaapi_segment *seg)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	return err ? err : vaapi_put_segment(msg, seg);
}

int vaapi_enc_client_set(struct nl_msg *msg, const char *client, const char *info)
{
	int err = vaapi_put_name(msg, VVMP_A_CLIENT_NAME, client);

	if (!err && info)
		err = put_string(msg, VVMP_A_CLIENT_INFO, info, VAAPI_CLIENT_INFO_MAX);
	return err;
}

int vaapi_enc_acl_set(struct nl_msg *msg, const char *vd, const char *client, enum vvmp_acl acl)
{
	int err = vaapi_put_target(msg, vd, client);

	if (acl != VVMP_ACL_NONE && acl != VVMP_ACL_RO && acl != VVMP_ACL_RW)
		return -EINVAL;
	return err ? err : put_u8(msg, VVMP_A_ACL, acl);
}

int vaapi_enc_status_set(struct nl_msg *msg, const char *vd, const char *client,
			 enum vvmp_status status)
{
	int err = vaapi_put_target(msg, vd, client);

	if (status != VVMP_STATUS_ENABLED && status != VVMP_STATUS_DISABLED &&
	    status != VVMP_STATUS_QUIESCED)
		return -EINVAL;
	return err ? err : put_u8(msg, VVMP_A_STATUS, status);
}

int vaapi_enc_cos_set(struct nl_msg *msg, const char *vd, const char *client,
		      const struct vaapi_cos *cos)
{
	int err = vaapi_put_target(msg, vd, client);

	return err ? err : vaapi_put_cos(msg, cos);
}

int vaapi_enc_stats_set(struct nl_msg *msg, const char *vd, const struct vaapi_stats_directive *d)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	return err ? err : vaapi_put_directive(msg, d);
}

int vaapi_enc_plan_set(struct nl_msg *msg, const char *vd, enum vvmp_plan_op op,
		       uint32_t leg_index, const struct vaapi_leg *leg)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	if (err)
		return err;
	switch (op) {
	case VVMP_PLAN_ATTACH:
		if (!leg)
			return -EINVAL;
		err = put_u8(msg, VVMP_A_PLAN_OP, op);
		return err ? err : vaapi_put_leg(msg, VVMP_A_LEG, leg);
	case VVMP_PLAN_DETACH:
	case VVMP_PLAN_FAIL:
	case VVMP_PLAN_RESTORE:
		err = put_u8(msg, VVMP_A_PLAN_OP, op);
		return err ? err : put_u32(msg, VVMP_A_LEG_INDEX, leg_index);
	case VVMP_PLAN_REPLACE:
		if (!leg)
			return -EINVAL;
		err = put_u8(msg, VVMP_A_PLAN_OP, op);
		if (!err)
			err = put_u32(msg, VVMP_A_LEG_INDEX, leg_index);
		return err ? err : vaapi_put_leg(msg, VVMP_A_LEG, leg);
	}
	return -EINVAL;
}

int vaapi_enc_plan_params_set(struct nl_msg *msg, const char *vd, uint32_t leg_index,
			      const struct vaapi_component *c)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	if (!err)
		err = put_u32(msg, VVMP_A_LEG_INDEX, leg_index);
	return err ? err : vaapi_put_component(msg, c);
}

int vaapi_enc_divert(struct nl_msg *msg, const char *vd, const struct vaapi_range *r)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	return err ? err : vaapi_put_range(msg, r);
}

int vaapi_enc_resync_set(struct nl_msg *msg, const char *vd, uint32_t rate_kib)
{
	int err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);

	return err ? err : put_u32(msg, VVMP_A_RESYNC_RATE, rate_kib);
}

int vaapi_enc_txn_id(struct nl_msg *msg, uint32_t id)
{
	if (id == 0)
		return -EINVAL;
	return put_u32(msg, VVMP_A_TXN_ID, id);
}
