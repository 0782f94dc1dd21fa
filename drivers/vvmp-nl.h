/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-vvmp: what the netlink files share: attribute policies of the nested
 * types (include/uapi/linux/vvmp.h) and reply helpers.
 */
#ifndef DM_VVMP_NL_H
#define DM_VVMP_NL_H

#include <net/genetlink.h>

#include "vvmp.h"

extern const struct nla_policy vvmp_map_policy[VVMP_MAP_A_MAX + 1];
extern const struct nla_policy vvmp_leg_policy[VVMP_LEG_A_MAX + 1];
extern const struct nla_policy vvmp_extent_policy[VVMP_EXTENT_A_MAX + 1];
extern const struct nla_policy vvmp_segment_policy[VVMP_SEGMENT_A_MAX + 1];
extern const struct nla_policy vvmp_component_policy[VVMP_COMPONENT_A_MAX + 1];
extern const struct nla_policy vvmp_range_policy[VVMP_RANGE_A_MAX + 1];
extern struct genl_family vvmp_genl_family;

/*
 * NL_SET_ERR_MSG_ATTR() for a message chosen at run time (the static
 * strings the map checks share with the table parser).
 */
static inline void vvmp_nl_error(struct netlink_ext_ack *extack,
				 const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

/*
 * How to undo one change a command made during a transaction's commit, and
 * what to finish once the whole commit succeeded. Outside a commit the
 * finish runs at once (vvmp_txn_undo_add()).
 */
struct vvmp_undo {
	struct list_head node;
	void (*undo)(struct vvmp_undo *u);
	void (*finish)(struct vvmp_undo *u);
	struct vvmp_vd *vd;
	struct vvmp_client *client;
	struct vvmp_map *old_map;		/* the map in force before */
	struct vvmp_client_policy *cp;	/* a policy entry it created */
	struct list_head cps;		/* policies a client delete removed */
	struct vvmp_policy policy;	/* the changed policy before */
	bool has_acl, has_status, has_cos;
	unsigned int leg;
	bool attached;			/* PLAN_SET attached the leg */
	unsigned int nr_legs;		/* a detach: the legs before */
	struct vvmp_leg legs[VVMP_MAX_LEGS];
	enum vvmp_leg_health health;
	u32 timeout_ms;
	u32 masks;
	u32 rate_kib;
	u64 extents_generation;
	bool collect_latency;
	u64 error_threshold;
	unsigned int nr_ranges;
	struct vvmp_range ranges[VVMP_MAX_DIVERT_RANGES];
	char info[256];
};

/* The transaction a command is applied for, NULL outside a commit. */
static inline struct vvmp_txn *vvmp_nl_txn(struct genl_info *info)
{
	return info->user_ptr[0];
}

/* A commit holds the registry lock for writing for all its commands. */
static inline void vvmp_nl_read_lock(struct genl_info *info)
{
	if (!vvmp_nl_txn(info))
		down_read(&vvmp_registry_lock);
}

static inline void vvmp_nl_read_unlock(struct genl_info *info)
{
	if (!vvmp_nl_txn(info))
		up_read(&vvmp_registry_lock);
}

static inline void vvmp_nl_write_lock(struct genl_info *info)
{
	if (!vvmp_nl_txn(info))
		down_write(&vvmp_registry_lock);
}

static inline void vvmp_nl_write_unlock(struct genl_info *info)
{
	if (!vvmp_nl_txn(info))
		up_write(&vvmp_registry_lock);
}

/* vvmp-txn.c */
struct vvmp_txn;
int vvmp_txn_stage(struct genl_info *info);
int vvmp_nl_txn_begin(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_txn_commit(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_txn_abort(struct sk_buff *skb, struct genl_info *info);
void vvmp_txn_undo_add(struct genl_info *info, struct vvmp_undo *undo);

/* vvmp-nl-exception.c */
extern const struct nla_policy vvmp_io_policy[VVMP_IO_A_MAX + 1];
extern const struct nla_policy vvmp_copy_policy[VVMP_COPY_A_MAX + 1];
int vvmp_nl_put_exception(struct sk_buff *skb, const struct vvmp_exc_info *e);
int vvmp_nl_exc_get(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_exc_dump(struct sk_buff *skb, struct netlink_callback *cb);
int vvmp_nl_exc_take(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_exc_resubmit(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_exc_abort(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_exc_policy_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_passthrough(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_copy(struct sk_buff *skb, struct genl_info *info);
void *vvmp_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb,
		       u8 cmd);
int vvmp_nl_extent_attrs(const struct nlattr *attr, struct nlattr **tb,
			 struct netlink_ext_ack *extack);
struct sk_buff *vvmp_nl_reply_new_size(struct genl_info *info, size_t size,
				       void **hdr);

/* Commands that act at once refuse a TXN_ID rather than ignore it. */
static inline int vvmp_nl_no_txn(struct genl_info *info)
{
	if (!info->attrs[VVMP_A_TXN_ID])
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_TXN_ID],
			    "This command cannot be staged in a transaction");
	return -EINVAL;
}

/* vvmp-nl-recovery.c */
int vvmp_nl_vd_activate(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_resync_set(struct sk_buff *skb, struct genl_info *info);
void vvmp_gate_close(void);
void vvmp_gate_open(void);
int vvmp_txn_init(void);
void vvmp_txn_exit(void);

/* Puts the reply to a read of @vd (locked) for vvmp_nl_vd_reply(). */
typedef int (*vvmp_nl_fill_fn)(struct sk_buff *skb, struct vvmp_vd *vd,
			       struct vvmp_client *client);

/* vvmp-nl.c */
struct vvmp_vd *vvmp_nl_lock_vd(struct genl_info *info,
				struct vvmp_client **client);
void vvmp_nl_unlock(struct genl_info *info, struct vvmp_vd *vd);
int vvmp_nl_vd_reply(struct genl_info *info, vvmp_nl_fill_fn fill,
		     bool with_client);
const struct nla_policy *vvmp_nl_policy(void);
int vvmp_nl_apply(u8 cmd, struct genl_info *info);
struct vvmp_undo *vvmp_undo_new(struct vvmp_vd *vd);
const char *vvmp_nl_name(struct genl_info *info, int type);
struct vvmp_vd *vvmp_nl_find_vd(struct genl_info *info);
int vvmp_nl_find_client(struct genl_info *info, struct vvmp_client **client);
struct sk_buff *vvmp_nl_reply_new(struct genl_info *info, void **hdr);
int vvmp_nl_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info,
		       int r);
int vvmp_nl_put_policy(struct sk_buff *skb, const struct vvmp_policy *p);
int vvmp_nl_put_components(struct sk_buff *skb, struct vvmp_vd *vd);
int vvmp_nl_put_ranges(struct sk_buff *skb, const struct vvmp_range *ranges,
		       unsigned int nr);

/* vvmp-nl-policy.c */
int vvmp_nl_acl_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_status_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_cos_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_policy_get(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_stats_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_stats_reset(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_plan_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_plan_params_set(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_plan_params_get(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_divert_add(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_divert_delete(struct sk_buff *skb, struct genl_info *info);
int vvmp_nl_divert_get(struct sk_buff *skb, struct genl_info *info);

#endif /* DM_VVMP_NL_H */
