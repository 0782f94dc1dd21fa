// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the generic-netlink family "vvmp" (include/uapi/linux/vvmp.h,
 * Documentation/vvmp-netlink.rst): the family, its top-level policy, the
 * AP group (VDs and maps), clients, and the state dump and event stream.
 * The PEAP/PSAP/IOP/EH handlers are in vvmp-nl-policy.c.
 *
 * Every command is validated strictly against one policy; every command
 * that changes state needs CAP_NET_ADMIN. The family runs in parallel:
 * lookups take vvmp_registry_lock for reading and a VD's ctl_lock, so reads
 * of different VDs (and all dumps) run side by side.
 */
#include <linux/slab.h>

#include "vvmp-nl.h"

/* Limits keep the nano-token buckets of vvmp-port.c inside an s64. */
static struct netlink_range_validation vvmp_iops_range = {
	.max = 1ULL << 30,
};

static struct netlink_range_validation vvmp_bps_range = {
	.max = 1ULL << 36,
};

static const struct nla_policy vvmp_cos_policy[VVMP_COS_A_MAX + 1] = {
	[VVMP_COS_A_IOPS] = NLA_POLICY_FULL_RANGE(NLA_U64, &vvmp_iops_range),
	[VVMP_COS_A_BPS] = NLA_POLICY_FULL_RANGE(NLA_U64, &vvmp_bps_range),
	[VVMP_COS_A_PRIORITY] = NLA_POLICY_MAX(NLA_U8, IOPRIO_CLASS_IDLE),
};

static const struct nla_policy vvmp_directive_policy[VVMP_DIRECTIVE_A_MAX + 1] = {
	[VVMP_DIRECTIVE_A_LATENCY] = NLA_POLICY_MAX(NLA_U8, 1),
	[VVMP_DIRECTIVE_A_ERROR_THRESHOLD] = { .type = NLA_U64 },
};

const struct nla_policy vvmp_component_policy[VVMP_COMPONENT_A_MAX + 1] = {
	[VVMP_COMPONENT_A_LEG] = { .type = NLA_REJECT },
	[VVMP_COMPONENT_A_TIMEOUT_MS] = { .type = NLA_U32 },
	[VVMP_COMPONENT_A_MASKS] = NLA_POLICY_MASK(NLA_U32, VVMP_MASK_ALL),
};

static struct netlink_range_validation vvmp_exc_timeout_range = {
	.min = 1,
	.max = VVMP_EXC_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation vvmp_io_length_range = {
	.min = SECTOR_SIZE,
	.max = VVMP_IO_MAX_BYTES,
};

const struct nla_policy vvmp_io_policy[VVMP_IO_A_MAX + 1] = {
	[VVMP_IO_A_OP] = NLA_POLICY_MAX(NLA_U8, VVMP_IO_WRITE),
	[VVMP_IO_A_SECTOR] = { .type = NLA_U64 },
	[VVMP_IO_A_LENGTH] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &vvmp_io_length_range),
};

const struct nla_policy vvmp_copy_policy[VVMP_COPY_A_MAX + 1] = {
	[VVMP_COPY_A_SRC_LEG] = NLA_POLICY_MAX(NLA_U32, VVMP_MAX_LEGS - 1),
	[VVMP_COPY_A_SRC_SECTOR] = { .type = NLA_U64 },
	[VVMP_COPY_A_DST_LEG] = NLA_POLICY_MAX(NLA_U32, VVMP_MAX_LEGS - 1),
	[VVMP_COPY_A_DST_SECTOR] = { .type = NLA_U64 },
	[VVMP_COPY_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
};

const struct nla_policy vvmp_range_policy[VVMP_RANGE_A_MAX + 1] = {
	[VVMP_RANGE_A_START] = { .type = NLA_U64 },
	[VVMP_RANGE_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
};

/* Attributes only the kernel sends are refused in requests. */
static const struct nla_policy vvmp_attr_policy[VVMP_A_MAX + 1] = {
	[VVMP_A_VD_NAME] = { .type = NLA_NUL_STRING, .len = VVMP_NAME_MAX - 1 },
	[VVMP_A_CLIENT_NAME] = { .type = NLA_NUL_STRING,
				 .len = VVMP_NAME_MAX - 1 },
	[VVMP_A_CLIENT_INFO] = { .type = NLA_NUL_STRING, .len = 255 },
	[VVMP_A_TXN_ID] = { .type = NLA_U32 },
	[VVMP_A_MAP] = NLA_POLICY_NESTED(vvmp_map_policy),
	[VVMP_A_SEGMENT] = NLA_POLICY_NESTED(vvmp_segment_policy),
	[VVMP_A_VD_SIZE] = { .type = NLA_REJECT },
	[VVMP_A_GENERATION] = { .type = NLA_REJECT },
	[VVMP_A_ACL] = NLA_POLICY_MAX(NLA_U8, VVMP_ACL_RW),
	[VVMP_A_STATUS] = NLA_POLICY_MAX(NLA_U8, VVMP_STATUS_QUIESCED),
	[VVMP_A_COS] = NLA_POLICY_NESTED(vvmp_cos_policy),
	[VVMP_A_POLICY_SOURCE] = { .type = NLA_REJECT },
	[VVMP_A_NR_DEVICES] = { .type = NLA_REJECT },
	[VVMP_A_DEVICE] = { .type = NLA_REJECT },
	[VVMP_A_MAP_EXTENTS] = { .type = NLA_REJECT },
	[VVMP_A_MAP_BYTES] = { .type = NLA_REJECT },
	[VVMP_A_STATS_DIRECTIVE] = NLA_POLICY_NESTED(vvmp_directive_policy),
	[VVMP_A_STATS] = { .type = NLA_REJECT },
	[VVMP_A_LEG_STATS] = { .type = NLA_REJECT },
	[VVMP_A_CLIENT_STATS] = { .type = NLA_REJECT },
	[VVMP_A_PLAN_OP] = NLA_POLICY_MAX(NLA_U8, VVMP_PLAN_RESTORE),
	[VVMP_A_LEG_INDEX] = NLA_POLICY_MAX(NLA_U32, VVMP_MAX_LEGS - 1),
	[VVMP_A_LEG] = NLA_POLICY_NESTED(vvmp_leg_policy),
	[VVMP_A_COMPONENT] = NLA_POLICY_NESTED(vvmp_component_policy),
	[VVMP_A_RANGE] = NLA_POLICY_NESTED(vvmp_range_policy),
	[VVMP_A_EVENT] = { .type = NLA_REJECT },
	[VVMP_A_EVENT_SEQ] = { .type = NLA_REJECT },
	[VVMP_A_SNAPSHOT_SEQ] = { .type = NLA_REJECT },
	[VVMP_A_EVENTS_LOST] = { .type = NLA_REJECT },
	[VVMP_A_THRESHOLD] = { .type = NLA_REJECT },
	[VVMP_A_REGION_SECTORS] = { .type = NLA_U32 },	/* checked by VD_CREATE */
	[VVMP_A_RESYNC_RATE] = { .type = NLA_U32 },
	[VVMP_A_DEACTIVATED] = { .type = NLA_REJECT },
	[VVMP_A_EXCEPTION] = { .type = NLA_REJECT },
	[VVMP_A_EXC_ID] = { .type = NLA_U64 },
	[VVMP_A_EXC_ERRNO] = NLA_POLICY_RANGE(NLA_U32, 1, MAX_ERRNO),
	[VVMP_A_EXC_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&vvmp_exc_timeout_range),
	[VVMP_A_EXC_ON_TIMEOUT] = NLA_POLICY_MAX(NLA_U8, VVMP_EXC_TIMEOUT_HOLD),
	[VVMP_A_EXC_OUTCOME] = { .type = NLA_REJECT },
	[VVMP_A_IO] = NLA_POLICY_NESTED(vvmp_io_policy),
	[VVMP_A_DATA] = { .type = NLA_BINARY, .len = VVMP_IO_MAX_BYTES },
	[VVMP_A_COPY] = NLA_POLICY_NESTED(vvmp_copy_policy),
	[VVMP_A_EXC_GENERATION] = { .type = NLA_U64 },
	[VVMP_A_FULL_COPY] = { .type = NLA_FLAG },
	[VVMP_A_PAD] = { .type = NLA_REJECT },
	[VVMP_A_LOG] = NLA_POLICY_NESTED(vvmp_extent_policy),	/* VD_CREATE */
};

/* ---- helpers shared with vvmp-nl-policy.c ---- */

/**
 * vvmp_nl_name() - a required, non-empty name attribute
 * @info: the request
 * @type: VVMP_A_VD_NAME or VVMP_A_CLIENT_NAME
 *
 * Return: the name, or NULL with the extack set.
 */
const char *vvmp_nl_name(struct genl_info *info, int type)
{
	if (GENL_REQ_ATTR_CHECK(info, type))
		return NULL;
	if (!*(char *)nla_data(info->attrs[type])) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[type],
				    "Name is empty");
		return NULL;
	}
	return nla_data(info->attrs[type]);
}

/**
 * vvmp_nl_find_vd() - the named VD a request names
 * @info: the request
 *
 * Caller holds vvmp_registry_lock.
 *
 * Return: the VD or an ERR_PTR with the extack set.
 */
struct vvmp_vd *vvmp_nl_find_vd(struct genl_info *info)
{
	const char *name = vvmp_nl_name(info, VVMP_A_VD_NAME);
	struct vvmp_vd *vd;

	if (!name)
		return ERR_PTR(-EINVAL);
	vd = vvmp_vd_find(name);
	if (!vd) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_VD_NAME],
				    "No such VD");
		return ERR_PTR(-ENOENT);
	}
	return vd;
}

/**
 * vvmp_nl_find_client() - the client a request names, if it names one
 * @info: the request
 * @client: returns the client, NULL if the request names none
 *
 * Caller holds vvmp_registry_lock.
 *
 * Return: 0, or -ENOENT with the extack set.
 */
int vvmp_nl_find_client(struct genl_info *info, struct vvmp_client **client)
{
	struct nlattr *attr = info->attrs[VVMP_A_CLIENT_NAME];

	*client = NULL;
	if (!attr)
		return 0;
	*client = vvmp_client_find(nla_data(attr));
	if (!*client) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "No such client");
		return -ENOENT;
	}
	return 0;
}

/**
 * vvmp_nl_lock_vd() - look up a request's VD (and client) and lock the VD
 * @info: the request
 * @client: returns the client the request names (NULL: none); NULL if
 *	the request names no client of interest
 *
 * On success the caller holds vvmp_registry_lock (read, unless inside a
 * commit) and vd->ctl_lock and releases them with vvmp_nl_unlock().
 *
 * Return: the VD or an ERR_PTR with the extack set.
 */
struct vvmp_vd *vvmp_nl_lock_vd(struct genl_info *info,
				       struct vvmp_client **client)
{
	struct vvmp_vd *vd;
	int r;

	vvmp_nl_read_lock(info);
	vd = vvmp_nl_find_vd(info);
	if (IS_ERR(vd))
		goto bad;
	if (client) {
		r = vvmp_nl_find_client(info, client);
		if (r) {
			vd = ERR_PTR(r);
			goto bad;
		}
	}
	mutex_lock(&vd->ctl_lock);
	return vd;
bad:
	vvmp_nl_read_unlock(info);
	return vd;
}

/**
 * vvmp_nl_unlock() - undo vvmp_nl_lock_vd()
 * @info: the request
 * @vd: the VD
 */
void vvmp_nl_unlock(struct genl_info *info, struct vvmp_vd *vd)
{
	mutex_unlock(&vd->ctl_lock);
	vvmp_nl_read_unlock(info);
}

/**
 * vvmp_nl_vd_reply() - answer a read of one VD
 * @info: the request (VD_NAME, and CLIENT_NAME if @fill wants a client)
 * @fill: puts the reply's attributes, the VD locked; gets the client the
 *	request names, or NULL
 * @with_client: look up the request's client for @fill
 *
 * Return: 0 or a negative errno (extack set).
 */
int vvmp_nl_vd_reply(struct genl_info *info, vvmp_nl_fill_fn fill,
		     bool with_client)
{
	struct vvmp_client *client = NULL;
	struct sk_buff *reply;
	struct vvmp_vd *vd;
	void *hdr;
	int r;

	reply = vvmp_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	vd = vvmp_nl_lock_vd(info, with_client ? &client : NULL);
	if (IS_ERR(vd)) {
		nlmsg_free(reply);
		return PTR_ERR(vd);
	}
	r = fill(reply, vd, client);
	vvmp_nl_unlock(info, vd);
	return vvmp_nl_reply_send(reply, hdr, info, r);
}

/**
 * vvmp_nl_reply_new() - a reply message for @info with its header
 * @info: the request
 * @hdr: returns the header (for genlmsg_end)
 *
 * Return: the skb or NULL.
 */
struct sk_buff *vvmp_nl_reply_new(struct genl_info *info, void **hdr)
{
	return vvmp_nl_reply_new_size(info, NLMSG_GOODSIZE, hdr);
}

/**
 * vvmp_nl_reply_new_size() - as vvmp_nl_reply_new(), room for @size bytes
 * @info: the request
 * @size: payload bytes the reply needs
 * @hdr: returns the header
 *
 * Return: the message or NULL.
 */
struct sk_buff *vvmp_nl_reply_new_size(struct genl_info *info, size_t size,
				       void **hdr)
{
	struct sk_buff *skb = genlmsg_new(size, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &vvmp_genl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/**
 * vvmp_nl_reply_send() - finish and send a reply, or drop it on overflow
 * @skb: the reply
 * @hdr: its header
 * @info: the request
 * @r: 0, or the error filling the reply
 *
 * Return: the errno of the send, or -EMSGSIZE.
 */
int vvmp_nl_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info,
		       int r)
{
	if (r) {
		nlmsg_free(skb);
		return r;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/**
 * vvmp_nl_put_policy() - ACL, status and CoS attributes of a policy
 * @skb: the message
 * @p: the policy
 *
 * Return: 0 or -EMSGSIZE.
 */
int vvmp_nl_put_policy(struct sk_buff *skb, const struct vvmp_policy *p)
{
	struct nlattr *cos;

	if (nla_put_u8(skb, VVMP_A_ACL, p->acl) ||
	    nla_put_u8(skb, VVMP_A_STATUS, p->status))
		return -EMSGSIZE;
	cos = nla_nest_start(skb, VVMP_A_COS);
	if (!cos ||
	    nla_put_u64_64bit(skb, VVMP_COS_A_IOPS, p->iops, VVMP_COS_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, VVMP_COS_A_BPS, p->bps, VVMP_COS_A_UNSPEC) ||
	    nla_put_u8(skb, VVMP_COS_A_PRIORITY, p->priority))
		return -EMSGSIZE;
	nla_nest_end(skb, cos);
	return 0;
}

static int vvmp_nl_put_device(struct sk_buff *skb,
			      const struct vvmp_event_rec *rec)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_A_DEVICE);

	if (!nest ||
	    nla_put_string(skb, VVMP_DEVICE_A_NAME, rec->device_name) ||
	    nla_put_u32(skb, VVMP_DEVICE_A_DEV, rec->device_dev) ||
	    (rec->client[0] &&
	     nla_put_string(skb, VVMP_DEVICE_A_CLIENT, rec->client)) ||
	    nla_put_u64_64bit(skb, VVMP_DEVICE_A_SIZE, rec->device_size,
			      VVMP_DEVICE_A_UNSPEC))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The devices exposing @vd. Caller holds vd->ctl_lock. */
static int vvmp_nl_put_devices(struct sk_buff *skb, struct vvmp_vd *vd)
{
	struct vvmp_event_rec *rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	struct vvmp_port *port;
	unsigned int n = 0;
	int r = 0;

	if (!rec)
		return -ENOMEM;
	list_for_each_entry(port, &vd->ports, node) {
		memset(rec, 0, sizeof(*rec));
		vvmp_event_fill_device(rec, port);
		r = vvmp_nl_put_device(skb, rec);
		if (r)
			break;
		n++;
	}
	kfree(rec);
	return r ?: nla_put_u32(skb, VVMP_A_NR_DEVICES, n);
}

static int vvmp_nl_put_component(struct sk_buff *skb, unsigned int leg,
				 u32 timeout_ms, u32 masks)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_A_COMPONENT);

	if (!nest || nla_put_u32(skb, VVMP_COMPONENT_A_LEG, leg) ||
	    nla_put_u32(skb, VVMP_COMPONENT_A_TIMEOUT_MS, timeout_ms) ||
	    nla_put_u32(skb, VVMP_COMPONENT_A_MASKS, masks))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * vvmp_nl_put_components() - plan parameters of every leg
 * @skb: the message
 * @vd: the VD, ctl_lock held
 *
 * Return: 0 or -EMSGSIZE.
 */
int vvmp_nl_put_components(struct sk_buff *skb, struct vvmp_vd *vd)
{
	unsigned int l;

	for (l = 0; l < vd->nr_legs; l++)
		if (vvmp_nl_put_component(skb, l, vd->legs[l].timeout_ms,
					  vd->legs[l].masks))
			return -EMSGSIZE;
	return 0;
}

/**
 * vvmp_nl_put_ranges() - divert ranges as repeated VVMP_A_RANGE
 * @skb: the message
 * @ranges: the ranges
 * @nr: how many
 *
 * Return: 0 or -EMSGSIZE.
 */
int vvmp_nl_put_ranges(struct sk_buff *skb, const struct vvmp_range *ranges,
		       unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct nlattr *nest = nla_nest_start(skb, VVMP_A_RANGE);

		if (!nest ||
		    nla_put_u64_64bit(skb, VVMP_RANGE_A_START, ranges[i].start,
				      VVMP_RANGE_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, VVMP_RANGE_A_LENGTH,
				      ranges[i].length, VVMP_RANGE_A_UNSPEC))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int vvmp_nl_put_legs_health(struct sk_buff *skb, struct vvmp_vd *vd,
				   const u8 *health)
{
	unsigned int l;

	for (l = 0; l < vd->nr_legs; l++) {
		struct nlattr *leg = nla_nest_start(skb, VVMP_A_LEG);

		if (!leg || nla_put_u32(skb, VVMP_LEG_A_INDEX, l) ||
		    nla_put_u8(skb, VVMP_LEG_A_HEALTH, health[l]))
			return -EMSGSIZE;
		nla_nest_end(skb, leg);
	}
	return 0;
}

/*
 * A VD's whole state: the reply of VD_GET and the VD_EXISTS record of
 * STATE_GET. Caller holds vd->ctl_lock; health and sequence are read
 * together under vd->lock so they match.
 */
static int vvmp_nl_put_vd(struct sk_buff *skb, struct vvmp_vd *vd)
{
	struct vvmp_map *map = vvmp_map_get(vd);
	u8 health[VVMP_MAX_LEGS];
	unsigned int l;
	u64 seq;
	int r;

	spin_lock_irq(&vd->lock);
	for (l = 0; l < vd->nr_legs; l++)
		health[l] = vd->legs[l].health;
	seq = vd->seq;
	spin_unlock_irq(&vd->lock);

	r = -EMSGSIZE;
	if (nla_put_string(skb, VVMP_A_VD_NAME, vd->name) ||
	    nla_put_u64_64bit(skb, VVMP_A_VD_SIZE, map->size, VVMP_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_A_GENERATION, map->generation,
			      VVMP_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_A_EVENT_SEQ, seq, VVMP_A_PAD) ||
	    vvmp_nl_put_legs_health(skb, vd, health) ||
	    vvmp_nl_put_policy(skb, &vd->policy) ||
	    vvmp_nl_put_components(skb, vd) ||
	    vvmp_nl_put_ranges(skb, vd->ranges, vd->nr_ranges) ||
	    nla_put_u32(skb, VVMP_A_REGION_SECTORS, 1U << vd->rlog.shift) ||
	    nla_put_u32(skb, VVMP_A_RESYNC_RATE, READ_ONCE(vd->rec.rate_kib)) ||
	    nla_put_u32(skb, VVMP_A_EXC_TIMEOUT_MS,
			READ_ONCE(vd->exc_timeout_ms)) ||
	    nla_put_u8(skb, VVMP_A_EXC_ON_TIMEOUT,
		       READ_ONCE(vd->exc_on_timeout)) ||
	    (READ_ONCE(vd->deactivated) &&
	     nla_put_flag(skb, VVMP_A_DEACTIVATED)))
		goto out;
	r = vvmp_nl_put_devices(skb, vd);
out:
	vvmp_map_put(map);
	return r;
}

/* ---- AP: virtual disks and maps ---- */

/**
 * vvmp_undo_new() - an empty undo record for a change of @vd
 * @vd: the VD changed, or NULL
 *
 * Return: the record or NULL.
 */
struct vvmp_undo *vvmp_undo_new(struct vvmp_vd *vd)
{
	struct vvmp_undo *u = kzalloc(sizeof(*u), GFP_KERNEL);

	if (u) {
		u->vd = vd;
		INIT_LIST_HEAD(&u->cps);
	}
	return u;
}

/* Put a VD back in the registry where its id belongs. */
static void vvmp_vd_reinsert(struct vvmp_vd *vd)
{
	struct vvmp_vd *next;

	list_for_each_entry(next, &vvmp_vds, node)
		if (next->id > vd->id)
			break;
	list_add_tail(&vd->node, &next->node);
}

static void vvmp_undo_vd_create(struct vvmp_undo *u)
{
	list_del_init(&u->vd->node);
	vvmp_vd_put(u->vd);
}

/* REGION_SECTORS and RESYNC_RATE of VD_CREATE. */
static int vvmp_nl_vd_recovery_args(struct vvmp_vd *vd, struct genl_info *info,
				    char **error)
{
	struct nlattr *attr = info->attrs[VVMP_A_REGION_SECTORS];

	if (attr) {
		if (!vvmp_region_sectors_valid(nla_get_u32(attr))) {
			*error = "REGION_SECTORS must be a power of two from 8 to 2097152";
			return -EINVAL;
		}
		vd->rlog.shift = ilog2(nla_get_u32(attr));
	}
	attr = info->attrs[VVMP_A_RESYNC_RATE];
	if (attr)
		vd->rec.rate_kib = nla_get_u32(attr);
	return 0;
}

/* vaapi_ap_create_vd */
static int vvmp_nl_vd_create(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = vvmp_nl_name(info, VVMP_A_VD_NAME);
	struct vvmp_undo *u;
	struct vvmp_map *map;
	struct vvmp_vd *vd;
	char *error;
	int r;

	if (!name || GENL_REQ_ATTR_CHECK(info, VVMP_A_MAP))
		return -EINVAL;
	vvmp_nl_write_lock(info);
	if (vvmp_vd_find(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_VD_NAME],
				    "VD exists");
		r = -EEXIST;
		goto out;
	}
	r = -ENOMEM;
	vd = vvmp_vd_new(name);
	u = vvmp_undo_new(vd);
	if (!vd || !u) {
		kfree(vd);
		kfree(u);
		goto out;
	}
	map = vvmp_nl_parse_map(vd, info->attrs[VVMP_A_MAP], info->extack);
	if (IS_ERR(map)) {
		r = PTR_ERR(map);
		vvmp_vd_free(vd);
		kfree(u);
		goto out;
	}
	RCU_INIT_POINTER(vd->map, map);
	map->generation = 1;
	vd->size = map->size;
	vd->nr_legs = map->nr_legs;
	if (nla_get_flag(nla_find_nested(info->attrs[VVMP_A_MAP],
					 VVMP_MAP_A_NOSYNC)))
		vd->features[vd->nr_features++] = VVMP_FEATURE_NOSYNC;
	r = vvmp_nl_vd_recovery_args(vd, info, &error);
	if (!r)
		r = vvmp_vd_init_runtime(vd, &error);
	if (r) {
		vvmp_nl_error(info->extack, NULL, error);
		vvmp_vd_free(vd);
		kfree(u);
		goto out;
	}
	/* The log's state, if it has one, is the VD's from now on. */
	r = vvmp_region_disk_create(vd, info->attrs[VVMP_A_LOG], info->extack);
	if (r) {
		vvmp_vd_free(vd);
		kfree(u);
		goto out;
	}
	vvmp_event_vd(vd, VVMP_EVENT_VD_CREATED);
	vvmp_vd_register(vd);
	u->undo = vvmp_undo_vd_create;
	vvmp_txn_undo_add(info, u);
out:
	vvmp_nl_write_unlock(info);
	return r;
}

static void vvmp_undo_vd_delete(struct vvmp_undo *u)
{
	vvmp_vd_reinsert(u->vd);
}

static void vvmp_finish_vd_delete(struct vvmp_undo *u)
{
	vvmp_vd_put(u->vd);
}

/* vaapi_ap_delete_vd */
static int vvmp_nl_vd_delete(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_undo *u = NULL;
	struct vvmp_vd *vd;
	int r = 0;

	vvmp_nl_write_lock(info);
	vd = vvmp_nl_find_vd(info);
	if (IS_ERR(vd)) {
		r = PTR_ERR(vd);
		goto out;
	}
	u = vvmp_undo_new(vd);
	if (!u) {
		r = -ENOMEM;
		goto out;
	}
	mutex_lock(&vd->ctl_lock);
	if (!list_empty(&vd->ports)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_VD_NAME],
				    "VD is exposed by a device; remove it first");
		r = -EBUSY;
	} else {
		list_del_init(&vd->node);
		vvmp_event_vd(vd, VVMP_EVENT_VD_DELETED);
	}
	mutex_unlock(&vd->ctl_lock);
	if (!r) {
		u->undo = vvmp_undo_vd_delete;
		u->finish = vvmp_finish_vd_delete;
		vvmp_txn_undo_add(info, u);
	} else {
		kfree(u);
	}
out:
	vvmp_nl_write_unlock(info);
	return r;
}

/* vaapi_ap_get_vd */
static int vvmp_nl_fill_vd(struct sk_buff *skb, struct vvmp_vd *vd,
			   struct vvmp_client *client)
{
	return vvmp_nl_put_vd(skb, vd);
}

static int vvmp_nl_vd_get(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_vd, false);
}

/* The first VD (or client) created after @id: dumps resume by id. */
static struct vvmp_vd *vvmp_vd_after(u64 id)
{
	struct vvmp_vd *vd;

	list_for_each_entry(vd, &vvmp_vds, node)
		if (vd->id > id)
			return vd;
	return NULL;
}

static struct vvmp_client *vvmp_client_after(u64 id)
{
	struct vvmp_client *client;

	list_for_each_entry(client, &vvmp_clients, node)
		if (client->id > id)
			return client;
	return NULL;
}

/* vaapi_ap_list_vds: every VD, in creation order */
static int vvmp_nl_vd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vvmp_vd *vd;
	void *hdr;
	int r = 0;

	down_read(&vvmp_registry_lock);
	while ((vd = vvmp_vd_after(cb->args[0]))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vvmp_genl_family,
				  NLM_F_MULTI, VVMP_CMD_VD_GET);
		if (!hdr)
			break;
		mutex_lock(&vd->ctl_lock);
		r = vvmp_nl_put_vd(skb, vd);
		mutex_unlock(&vd->ctl_lock);
		if (r) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = vd->id;
	}
	up_read(&vvmp_registry_lock);
	/* A record too big for an empty message is an error, not the end. */
	return r && !skb->len ? r : skb->len;
}

/* vaapi_ap_get_map_vd */
static int vvmp_nl_fill_map(struct sk_buff *skb, struct vvmp_vd *vd,
			    struct vvmp_client *client)
{
	struct vvmp_map *map = vvmp_map_get(vd);
	int r = -EMSGSIZE;

	if (!nla_put_string(skb, VVMP_A_VD_NAME, vd->name) &&
	    !nla_put_u64_64bit(skb, VVMP_A_VD_SIZE, map->size, VVMP_A_PAD) &&
	    !nla_put_u64_64bit(skb, VVMP_A_GENERATION, map->generation,
			       VVMP_A_PAD))
		r = vvmp_nl_put_map(skb, vd, map);
	vvmp_map_put(map);
	return r;
}

static int vvmp_nl_vd_get_map(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_map, false);
}

/* Reply to a map change with the generation and size now in force. */
static int vvmp_nl_map_reply(struct genl_info *info, struct vvmp_vd *vd,
			     struct vvmp_map *map)
{
	struct sk_buff *reply;
	void *hdr;
	int r = -EMSGSIZE;

	if (vvmp_nl_txn(info))		/* a commit acks, no more */
		return 0;
	reply = vvmp_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	if (!nla_put_string(reply, VVMP_A_VD_NAME, vd->name) &&
	    !nla_put_u64_64bit(reply, VVMP_A_VD_SIZE, map->size, VVMP_A_PAD) &&
	    !nla_put_u64_64bit(reply, VVMP_A_GENERATION, map->generation,
			       VVMP_A_PAD))
		r = 0;
	return vvmp_nl_reply_send(reply, hdr, info, r);
}

/*
 * Publish a new map built from the request. A VD exposed by devices may
 * grow (libvaapi then reloads the devices at the new size) but not shrink
 * under them; its leg count changes only through PLAN_SET.
 */
/*
 * Undo records run newest first, so the map in force is the one this
 * change published, or the copy of it a later detach's undo put back.
 */
static void vvmp_undo_map(struct vvmp_undo *u)
{
	struct vvmp_map *map = rcu_dereference_protected(u->vd->map, true);

	rcu_assign_pointer(u->vd->map, u->old_map);
	WRITE_ONCE(u->vd->size, u->old_map->size);
	vvmp_map_retire(map);
}

static void vvmp_finish_map(struct vvmp_undo *u)
{
	vvmp_map_retire(u->old_map);
}

static int vvmp_nl_replace_map(struct genl_info *info, bool segment)
{
	struct vvmp_map *old, *map;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, segment ? VVMP_A_SEGMENT : VVMP_A_MAP))
		return -EINVAL;
	vvmp_nl_read_lock(info);
	vd = vvmp_nl_find_vd(info);
	if (IS_ERR(vd)) {
		vvmp_nl_read_unlock(info);
		return PTR_ERR(vd);
	}
	u = vvmp_undo_new(vd);
	if (!u) {
		vvmp_nl_read_unlock(info);
		return -ENOMEM;
	}
	mutex_lock(&vd->ctl_lock);
	old = rcu_dereference_protected(vd->map,
					lockdep_is_held(&vd->ctl_lock));
	if (segment)
		map = vvmp_nl_splice_segment(vd, old,
					     info->attrs[VVMP_A_SEGMENT],
					     info->extack);
	else
		map = vvmp_nl_parse_map(vd, info->attrs[VVMP_A_MAP],
					info->extack);
	if (IS_ERR(map)) {
		r = PTR_ERR(map);
		goto out;
	}
	r = -EINVAL;
	if (map->nr_legs != vd->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_MAP],
				    "Map has a different number of legs; change legs with PLAN_SET");
	} else if (!segment && nla_find_nested(info->attrs[VVMP_A_MAP],
					       VVMP_MAP_A_NOSYNC)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_MAP],
				    "NOSYNC applies only when a VD is created");
	} else if (map->size < old->size && !list_empty(&vd->ports)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_MAP],
				    "Map would shrink a VD that devices expose");
		r = -EBUSY;
	} else if (!vvmp_region_disk_fits(vd, map->size)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[segment ? VVMP_A_SEGMENT :
						VVMP_A_MAP],
				    "Map would grow the VD past its log's capacity");
		r = -ENOSPC;
	} else {
		/* Writes past the old end must be logged like any other. */
		r = vvmp_region_log_grow(vd, map->size);
	}
	if (r) {
		vvmp_map_free(map);
		goto out;
	}
	u->old_map = vvmp_map_swap(vd, map);
	u->undo = vvmp_undo_map;
	u->finish = vvmp_finish_map;
	vvmp_txn_undo_add(info, u);
	u = NULL;
	WRITE_ONCE(vd->size, map->size);
	vvmp_event_vd(vd, VVMP_EVENT_VD_MAP);
	r = vvmp_nl_map_reply(info, vd, map);
out:
	mutex_unlock(&vd->ctl_lock);
	vvmp_nl_read_unlock(info);
	kfree(u);
	return r;
}

/* vaapi_ap_set_map_vd */
static int vvmp_nl_vd_set_map(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_replace_map(info, false);
}

/* vaapi_ap_set_segment_vd */
static int vvmp_nl_vd_set_segment(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_replace_map(info, true);
}

/* vaapi_ap_get_map_size_vd */
static int vvmp_nl_fill_map_size(struct sk_buff *skb, struct vvmp_vd *vd,
				 struct vvmp_client *client)
{
	struct vvmp_map *map = vvmp_map_get(vd);
	int r = -EMSGSIZE;

	if (!nla_put_string(skb, VVMP_A_VD_NAME, vd->name) &&
	    !nla_put_u32(skb, VVMP_A_MAP_EXTENTS, vvmp_map_extents(map)) &&
	    !nla_put_u64_64bit(skb, VVMP_A_MAP_BYTES, vvmp_map_bytes(map),
			       VVMP_A_PAD))
		r = 0;
	vvmp_map_put(map);
	return r;
}

static int vvmp_nl_vd_get_map_size(struct sk_buff *skb,
				   struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_map_size, false);
}

/* ---- PEAP: clients ---- */

static void vvmp_undo_client_create(struct vvmp_undo *u)
{
	list_del(&u->client->node);
	kfree(u->client);
}

static void vvmp_undo_client_change(struct vvmp_undo *u)
{
	strscpy(u->client->info, u->info, sizeof(u->client->info));
}

/* vaapi_peap_set_client */
static int vvmp_nl_client_set(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = vvmp_nl_name(info, VVMP_A_CLIENT_NAME);
	struct nlattr *info_attr = info->attrs[VVMP_A_CLIENT_INFO];
	struct vvmp_client *client;
	u8 type = VVMP_EVENT_CLIENT_CHANGED;
	struct vvmp_undo *u;

	if (!name)
		return -EINVAL;
	u = vvmp_undo_new(NULL);
	if (!u)
		return -ENOMEM;
	vvmp_nl_write_lock(info);
	client = vvmp_client_find(name);
	if (client) {
		strscpy(u->info, client->info, sizeof(u->info));
		u->undo = vvmp_undo_client_change;
	} else {
		client = vvmp_client_create(name);
		type = VVMP_EVENT_CLIENT_CREATED;
		u->undo = vvmp_undo_client_create;
	}
	if (client) {
		if (info_attr)
			nla_strscpy(client->info, info_attr,
				    sizeof(client->info));
		vvmp_event_client(client, type);
		u->client = client;
		vvmp_txn_undo_add(info, u);
	} else {
		kfree(u);
	}
	vvmp_nl_write_unlock(info);
	return client ? 0 : -ENOMEM;
}

static void vvmp_undo_client_delete(struct vvmp_undo *u)
{
	struct vvmp_client_policy *cp, *next;
	struct vvmp_client *c;

	list_for_each_entry_safe(cp, next, &u->cps, node) {
		mutex_lock(&cp->vd->ctl_lock);
		list_move_tail(&cp->node, &cp->vd->client_policies);
		mutex_unlock(&cp->vd->ctl_lock);
	}
	list_for_each_entry(c, &vvmp_clients, node)
		if (c->id > u->client->id)
			break;
	list_add_tail(&u->client->node, &c->node);
}

static void vvmp_finish_client_delete(struct vvmp_undo *u)
{
	struct vvmp_client_policy *cp, *next;

	list_for_each_entry_safe(cp, next, &u->cps, node)
		kfree(cp);
	kfree(u->client);
}

/* vaapi_peap_delete_client: its policies on every VD go with it */
static int vvmp_nl_client_delete(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = vvmp_nl_name(info, VVMP_A_CLIENT_NAME);
	struct vvmp_client *client;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int r = 0;

	if (!name)
		return -EINVAL;
	u = vvmp_undo_new(NULL);
	if (!u)
		return -ENOMEM;
	vvmp_nl_write_lock(info);
	client = vvmp_client_find(name);
	if (!client) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_CLIENT_NAME],
				    "No such client");
		r = -ENOENT;
	} else if (client->nr_ports) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_CLIENT_NAME],
				    "Client is bound to a device; remove it first");
		r = -EBUSY;
	}
	if (r) {
		kfree(u);
		goto out;
	}
	/* Its policies leave every VD; they and it are freed on finish. */
	list_for_each_entry(vd, &vvmp_vds, node) {
		struct vvmp_client_policy *cp;

		mutex_lock(&vd->ctl_lock);
		cp = vvmp_client_policy_find(vd, client);
		if (cp)
			list_move(&cp->node, &u->cps);
		mutex_unlock(&vd->ctl_lock);
	}
	list_del(&client->node);
	vvmp_event_client(client, VVMP_EVENT_CLIENT_DELETED);
	u->client = client;
	u->undo = vvmp_undo_client_delete;
	u->finish = vvmp_finish_client_delete;
	vvmp_txn_undo_add(info, u);
out:
	vvmp_nl_write_unlock(info);
	return r;
}

static int vvmp_nl_put_client(struct sk_buff *skb, struct vvmp_client *client)
{
	if (nla_put_string(skb, VVMP_A_CLIENT_NAME, client->name) ||
	    nla_put_string(skb, VVMP_A_CLIENT_INFO, client->info) ||
	    nla_put_u32(skb, VVMP_A_NR_DEVICES, client->nr_ports) ||
	    nla_put_u64_64bit(skb, VVMP_A_EVENT_SEQ, client->seq, VVMP_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* vaapi_peap_get_client */
static int vvmp_nl_client_get(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = vvmp_nl_name(info, VVMP_A_CLIENT_NAME);
	struct vvmp_client *client;
	struct sk_buff *reply;
	void *hdr;
	int r;

	if (!name)
		return -EINVAL;
	reply = vvmp_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	down_read(&vvmp_registry_lock);
	client = vvmp_client_find(name);
	if (client) {
		r = vvmp_nl_put_client(reply, client);
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_CLIENT_NAME],
				    "No such client");
		r = -ENOENT;
	}
	up_read(&vvmp_registry_lock);
	return vvmp_nl_reply_send(reply, hdr, info, r);
}

/* vaapi_peap_list_clients */
static int vvmp_nl_client_dump(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct vvmp_client *client;
	void *hdr;
	int r = 0;

	down_read(&vvmp_registry_lock);
	while ((client = vvmp_client_after(cb->args[0]))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vvmp_genl_family,
				  NLM_F_MULTI, VVMP_CMD_CLIENT_GET);
		if (!hdr)
			break;
		r = vvmp_nl_put_client(skb, client);
		if (r) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = client->id;
	}
	up_read(&vvmp_registry_lock);
	return r && !skb->len ? r : skb->len;
}

/* ---- events: the state dump and the stream ---- */

/* Event attributes common to the stream and the dump. */
static int vvmp_nl_put_event(struct sk_buff *skb,
			     const struct vvmp_event_rec *rec)
{
	if (nla_put_u8(skb, VVMP_A_EVENT, rec->type) ||
	    nla_put_u64_64bit(skb, VVMP_A_EVENT_SEQ, rec->seq, VVMP_A_PAD) ||
	    (rec->lost && nla_put_flag(skb, VVMP_A_EVENTS_LOST)) ||
	    (rec->vd[0] && nla_put_string(skb, VVMP_A_VD_NAME, rec->vd)))
		return -EMSGSIZE;

	switch (rec->type) {
	case VVMP_EVENT_VD_CREATED:
	case VVMP_EVENT_VD_MAP:
		if (nla_put_u64_64bit(skb, VVMP_A_GENERATION, rec->generation,
				      VVMP_A_PAD) ||
		    nla_put_u64_64bit(skb, VVMP_A_VD_SIZE, rec->size,
				      VVMP_A_PAD))
			return -EMSGSIZE;
		break;
	case VVMP_EVENT_LEG_STATE: {
		struct nlattr *leg;

		if (nla_put_u32(skb, VVMP_A_LEG_INDEX, rec->leg))
			return -EMSGSIZE;
		leg = nla_nest_start(skb, VVMP_A_LEG);
		if (!leg || nla_put_u32(skb, VVMP_LEG_A_INDEX, rec->leg) ||
		    nla_put_u8(skb, VVMP_LEG_A_HEALTH, rec->health))
			return -EMSGSIZE;
		nla_nest_end(skb, leg);
		break;
	}
	case VVMP_EVENT_POLICY:
		if ((rec->client[0] &&
		     nla_put_string(skb, VVMP_A_CLIENT_NAME, rec->client)) ||
		    vvmp_nl_put_policy(skb, &rec->policy))
			return -EMSGSIZE;
		break;
	case VVMP_EVENT_DEVICE_BOUND:
	case VVMP_EVENT_DEVICE_UNBOUND:
		return vvmp_nl_put_device(skb, rec);
	case VVMP_EVENT_PLAN_PARAMS:
		return vvmp_nl_put_component(skb, rec->leg, rec->timeout_ms,
					     rec->masks);
	case VVMP_EVENT_DIVERT:
		return vvmp_nl_put_ranges(skb, rec->ranges, rec->nr_ranges);
	case VVMP_EVENT_STATS_THRESHOLD:
		return nla_put_u64_64bit(skb, VVMP_A_THRESHOLD, rec->threshold,
					 VVMP_A_PAD);
	case VVMP_EVENT_EXCEPTION:
		return vvmp_nl_put_exception(skb, &rec->exc);
	case VVMP_EVENT_EXCEPTION_DONE:
		if (nla_put_u64_64bit(skb, VVMP_A_EXC_ID, rec->exc.id,
				      VVMP_A_PAD) ||
		    nla_put_u8(skb, VVMP_A_EXC_OUTCOME, rec->exc_outcome) ||
		    (rec->exc_errno &&
		     nla_put_u32(skb, VVMP_A_EXC_ERRNO, rec->exc_errno)))
			return -EMSGSIZE;
		break;
	case VVMP_EVENT_VD_PARAMS:
		if (nla_put_u32(skb, VVMP_A_RESYNC_RATE, rec->resync_rate) ||
		    nla_put_u32(skb, VVMP_A_EXC_TIMEOUT_MS, rec->timeout_ms) ||
		    nla_put_u8(skb, VVMP_A_EXC_ON_TIMEOUT, rec->exc_on_timeout))
			return -EMSGSIZE;
		break;
	case VVMP_EVENT_VD_ACTIVITY:
		if (rec->deactivated &&
		    (nla_put_flag(skb, VVMP_A_DEACTIVATED) ||
		     nla_put_u32(skb, VVMP_A_LEG_INDEX, rec->leg)))
			return -EMSGSIZE;
		break;
	case VVMP_EVENT_CLIENT_CREATED:
	case VVMP_EVENT_CLIENT_CHANGED:
	case VVMP_EVENT_CLIENT_DELETED:
		if (nla_put_string(skb, VVMP_A_CLIENT_NAME, rec->client) ||
		    nla_put_string(skb, VVMP_A_CLIENT_INFO, rec->info))
			return -EMSGSIZE;
		break;
	}
	return 0;
}

/**
 * vvmp_nl_multicast_event() - send one event to the "events" group
 * @rec: the event
 *
 * Runs in the event worker, in sequence order.
 */
void vvmp_nl_multicast_event(const struct vvmp_event_rec *rec)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&vvmp_genl_family, &init_net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &vvmp_genl_family, 0, VVMP_CMD_EVENT);
	if (!hdr || vvmp_nl_put_event(skb, rec)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&vvmp_genl_family, skb, 0, 0, GFP_KERNEL);
}

/* Dump cursor: phase, last object id done, records done of that object. */
enum { VVMP_DUMP_HEAD, VVMP_DUMP_CLIENTS, VVMP_DUMP_VDS, VVMP_DUMP_END };

/**
 * vvmp_nl_dump_hdr() - the header of one record of a dump
 * @skb: the dump's message
 * @cb: the dump
 * @cmd: the command the records answer
 *
 * Return: the header, or NULL if @skb is full.
 */
void *vvmp_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb,
		       u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &vvmp_genl_family, NLM_F_MULTI, cmd);
}

static void *vvmp_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vvmp_nl_dump_hdr(skb, cb, VVMP_CMD_STATE_GET);
}

/*
 * One record of a VD: 0 is VD_EXISTS, then one POLICY per client policy.
 * Returns 1 when the VD has no record @index, 0 when put, or an error.
 */
static int vvmp_nl_dump_vd_record(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct vvmp_vd *vd, unsigned long index)
{
	struct vvmp_client_policy *cp;
	unsigned long i = 1;
	void *hdr;
	int r;

	hdr = vvmp_nl_dump_put(skb, cb);
	if (!hdr)
		return -EMSGSIZE;
	mutex_lock(&vd->ctl_lock);
	if (!index) {
		r = nla_put_u8(skb, VVMP_A_EVENT, VVMP_EVENT_VD_EXISTS) ?:
		    vvmp_nl_put_vd(skb, vd);
		goto out;
	}
	r = 1;
	list_for_each_entry(cp, &vd->client_policies, node) {
		struct vvmp_policy p;
		u64 seq;

		if (i++ != index)
			continue;
		p = vvmp_policy_in_force(vd, cp->client, NULL);
		spin_lock_irq(&vd->lock);
		seq = vd->seq;
		spin_unlock_irq(&vd->lock);
		r = -EMSGSIZE;
		if (!nla_put_u8(skb, VVMP_A_EVENT, VVMP_EVENT_POLICY) &&
		    !nla_put_u64_64bit(skb, VVMP_A_EVENT_SEQ, seq,
				       VVMP_A_PAD) &&
		    !nla_put_string(skb, VVMP_A_VD_NAME, vd->name) &&
		    !nla_put_string(skb, VVMP_A_CLIENT_NAME,
				    cp->client->name))
			r = vvmp_nl_put_policy(skb, &p);
		break;
	}
out:
	mutex_unlock(&vd->ctl_lock);
	if (r)
		genlmsg_cancel(skb, hdr);
	else
		genlmsg_end(skb, hdr);
	return r;
}

/*
 * STATE_GET: SNAPSHOT_SEQ, then every client and every VD as *_EXISTS
 * (and POLICY) records, each with its object's EVENT_SEQ. Objects are
 * visited in creation order by id, so objects created or deleted during
 * the dump never make it skip another.
 */
static int vvmp_nl_state_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vvmp_client *client;
	struct vvmp_vd *vd;
	void *hdr;
	int r = 0;

	if (cb->args[0] == VVMP_DUMP_HEAD) {
		hdr = vvmp_nl_dump_put(skb, cb);
		if (!hdr)
			return -EMSGSIZE;
		if (nla_put_u64_64bit(skb, VVMP_A_SNAPSHOT_SEQ,
				      vvmp_event_seq_now(), VVMP_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = VVMP_DUMP_CLIENTS;
		cb->args[1] = 0;
	}
	down_read(&vvmp_registry_lock);
	while (cb->args[0] == VVMP_DUMP_CLIENTS) {
		client = vvmp_client_after(cb->args[1]);
		if (!client) {
			cb->args[0] = VVMP_DUMP_VDS;
			cb->args[1] = 0;
			cb->args[2] = 0;
			break;
		}
		hdr = vvmp_nl_dump_put(skb, cb);
		if (!hdr)
			goto out;
		if (nla_put_u8(skb, VVMP_A_EVENT, VVMP_EVENT_CLIENT_EXISTS) ||
		    vvmp_nl_put_client(skb, client)) {
			genlmsg_cancel(skb, hdr);
			r = -EMSGSIZE;
			goto out;
		}
		genlmsg_end(skb, hdr);
		cb->args[1] = client->id;
	}
	while (cb->args[0] == VVMP_DUMP_VDS) {
		vd = vvmp_vd_after(cb->args[1]);
		if (!vd) {
			cb->args[0] = VVMP_DUMP_END;
			break;
		}
		r = vvmp_nl_dump_vd_record(skb, cb, vd, cb->args[2]);
		if (r < 0)
			goto out;
		if (r) {
			cb->args[1] = vd->id;
			cb->args[2] = 0;
			r = 0;
		} else {
			cb->args[2]++;
		}
	}
out:
	up_read(&vvmp_registry_lock);
	return r && !skb->len ? r : skb->len;
}

/* ---- the family ---- */

/* Every command that changes state, by command number. */
static int (* const vvmp_mutators[VVMP_CMD_MAX + 1])(struct sk_buff *,
						      struct genl_info *) = {
	[VVMP_CMD_VD_CREATE] = vvmp_nl_vd_create,
	[VVMP_CMD_VD_DELETE] = vvmp_nl_vd_delete,
	[VVMP_CMD_VD_SET_MAP] = vvmp_nl_vd_set_map,
	[VVMP_CMD_VD_SET_SEGMENT] = vvmp_nl_vd_set_segment,
	[VVMP_CMD_CLIENT_SET] = vvmp_nl_client_set,
	[VVMP_CMD_CLIENT_DELETE] = vvmp_nl_client_delete,
	[VVMP_CMD_ACL_SET] = vvmp_nl_acl_set,
	[VVMP_CMD_STATUS_SET] = vvmp_nl_status_set,
	[VVMP_CMD_COS_SET] = vvmp_nl_cos_set,
	[VVMP_CMD_STATS_SET] = vvmp_nl_stats_set,
	[VVMP_CMD_STATS_RESET] = vvmp_nl_stats_reset,
	[VVMP_CMD_PLAN_SET] = vvmp_nl_plan_set,
	[VVMP_CMD_PLAN_PARAMS_SET] = vvmp_nl_plan_params_set,
	[VVMP_CMD_DIVERT_ADD] = vvmp_nl_divert_add,
	[VVMP_CMD_DIVERT_DELETE] = vvmp_nl_divert_delete,
	[VVMP_CMD_VD_ACTIVATE] = vvmp_nl_vd_activate,
	[VVMP_CMD_RESYNC_SET] = vvmp_nl_resync_set,
};

/**
 * vvmp_nl_apply() - run a mutating command now (or within a commit)
 * @cmd: the command
 * @info: its request
 *
 * Return: the handler's result.
 */
int vvmp_nl_apply(u8 cmd, struct genl_info *info)
{
	return vvmp_mutators[cmd](NULL, info);
}

/* A mutating command: staged if it names a transaction, else applied. */
static int vvmp_nl_mutate(struct sk_buff *skb, struct genl_info *info)
{
	if (info->attrs[VVMP_A_TXN_ID])
		return vvmp_txn_stage(info);
	return vvmp_nl_apply(info->genlhdr->cmd, info);
}

/**
 * vvmp_nl_policy() - the family's top-level policy (for staged commands)
 */
const struct nla_policy *vvmp_nl_policy(void)
{
	return vvmp_attr_policy;
}

#define VVMP_DO(c) { .cmd = (c), .doit = vvmp_nl_mutate, \
		     .flags = GENL_ADMIN_PERM }
#define VVMP_TX(c, fn) { .cmd = (c), .doit = (fn), .flags = GENL_ADMIN_PERM }
#define VVMP_GET(c, fn) { .cmd = (c), .doit = (fn) }

static const struct genl_ops vvmp_genl_ops[] = {
	VVMP_DO(VVMP_CMD_VD_CREATE),
	VVMP_DO(VVMP_CMD_VD_DELETE),
	{ .cmd = VVMP_CMD_VD_GET, .doit = vvmp_nl_vd_get,
	  .dumpit = vvmp_nl_vd_dump },
	VVMP_GET(VVMP_CMD_VD_GET_MAP, vvmp_nl_vd_get_map),
	VVMP_DO(VVMP_CMD_VD_SET_MAP),
	VVMP_DO(VVMP_CMD_VD_SET_SEGMENT),
	VVMP_GET(VVMP_CMD_VD_GET_MAP_SIZE, vvmp_nl_vd_get_map_size),
	VVMP_DO(VVMP_CMD_CLIENT_SET),
	VVMP_DO(VVMP_CMD_CLIENT_DELETE),
	{ .cmd = VVMP_CMD_CLIENT_GET, .doit = vvmp_nl_client_get,
	  .dumpit = vvmp_nl_client_dump },
	VVMP_DO(VVMP_CMD_ACL_SET),
	VVMP_GET(VVMP_CMD_ACL_GET, vvmp_nl_policy_get),
	VVMP_DO(VVMP_CMD_STATUS_SET),
	VVMP_GET(VVMP_CMD_STATUS_GET, vvmp_nl_policy_get),
	VVMP_DO(VVMP_CMD_COS_SET),
	VVMP_GET(VVMP_CMD_COS_GET, vvmp_nl_policy_get),
	VVMP_DO(VVMP_CMD_STATS_SET),
	VVMP_GET(VVMP_CMD_STATS_GET, vvmp_nl_stats_get),
	VVMP_DO(VVMP_CMD_STATS_RESET),
	VVMP_DO(VVMP_CMD_PLAN_SET),
	VVMP_DO(VVMP_CMD_PLAN_PARAMS_SET),
	VVMP_GET(VVMP_CMD_PLAN_PARAMS_GET, vvmp_nl_plan_params_get),
	VVMP_DO(VVMP_CMD_DIVERT_ADD),
	VVMP_DO(VVMP_CMD_DIVERT_DELETE),
	VVMP_GET(VVMP_CMD_DIVERT_GET, vvmp_nl_divert_get),
	VVMP_TX(VVMP_CMD_TXN_BEGIN, vvmp_nl_txn_begin),
	VVMP_TX(VVMP_CMD_TXN_COMMIT, vvmp_nl_txn_commit),
	VVMP_TX(VVMP_CMD_TXN_ABORT, vvmp_nl_txn_abort),
	{ .cmd = VVMP_CMD_STATE_GET, .dumpit = vvmp_nl_state_dump },
	VVMP_DO(VVMP_CMD_VD_ACTIVATE),
	VVMP_DO(VVMP_CMD_RESYNC_SET),
	{ .cmd = VVMP_CMD_EXC_GET, .doit = vvmp_nl_exc_get,
	  .dumpit = vvmp_nl_exc_dump },
	VVMP_TX(VVMP_CMD_EXC_TAKE, vvmp_nl_exc_take),
	VVMP_TX(VVMP_CMD_EXC_RESUBMIT, vvmp_nl_exc_resubmit),
	VVMP_TX(VVMP_CMD_EXC_ABORT, vvmp_nl_exc_abort),
	VVMP_TX(VVMP_CMD_EXC_POLICY_SET, vvmp_nl_exc_policy_set),
	VVMP_TX(VVMP_CMD_PASSTHROUGH, vvmp_nl_passthrough),
	VVMP_TX(VVMP_CMD_COPY, vvmp_nl_copy),
};

static const struct genl_multicast_group vvmp_genl_mcgrps[] = {
	{ .name = VVMP_MCGRP_EVENTS },
};

struct genl_family vvmp_genl_family __ro_after_init = {
	.name = VVMP_GENL_NAME,
	.version = VVMP_GENL_VERSION,
	.maxattr = VVMP_A_MAX,
	.policy = vvmp_attr_policy,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vvmp_genl_ops,
	.n_ops = ARRAY_SIZE(vvmp_genl_ops),
	.mcgrps = vvmp_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vvmp_genl_mcgrps),
	.resv_start_op = 0,	/* every command validated strictly */
};

/**
 * vvmp_nl_init() - register the family
 *
 * Return: 0 or a negative errno.
 */
int vvmp_nl_init(void)
{
	int r = vvmp_txn_init();

	if (r)
		return r;
	r = genl_register_family(&vvmp_genl_family);
	if (r)
		vvmp_txn_exit();
	return r;
}

/**
 * vvmp_nl_exit() - unregister the family
 */
void vvmp_nl_exit(void)
{
	genl_unregister_family(&vvmp_genl_family);
	vvmp_txn_exit();
}
