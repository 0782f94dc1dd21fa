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

/* vvmp-nl.c */
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
