// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: netlink handlers that steer a VD without changing its map:
 * ACL, status and class of service (PEAP), statistics (PSAP), the plan's
 * legs (SSAP), plan parameters and masks (IOP) and divert ranges (EH).
 */
#include <linux/slab.h>

#include "vvmp-nl.h"

/* The entry to change: a client's own (created on first use) or the VD's. */
static struct vvmp_policy *vvmp_nl_policy_target(struct vvmp_vd *vd,
						 struct vvmp_client *client,
						 struct vvmp_client_policy **cpp)
{
	struct vvmp_client_policy *cp;

	*cpp = NULL;
	if (!client)
		return &vd->policy;
	cp = vvmp_client_policy_find(vd, client);
	if (!cp) {
		cp = kzalloc(sizeof(*cp), GFP_KERNEL);
		if (!cp)
			return NULL;
		cp->client = client;
		cp->vd = vd;
		list_add_tail(&cp->node, &vd->client_policies);
	}
	*cpp = cp;
	return &cp->policy;
}

/* Put the changed policy in force on the devices it applies to. */
static void vvmp_nl_policy_changed(struct vvmp_vd *vd,
				   struct vvmp_client *client)
{
	struct vvmp_policy p = vvmp_policy_in_force(vd, client, NULL);
	struct vvmp_port *port;

	list_for_each_entry(port, &vd->ports, node)
		if (!client || port->client == client)
			vvmp_port_update_policy(port);
	vvmp_event_policy(vd, client, &p);
}

static void vvmp_undo_policy(struct vvmp_undo *u)
{
	struct vvmp_vd *vd = u->vd;

	mutex_lock(&vd->ctl_lock);
	if (u->cp) {
		/* The entry did not exist before. */
		list_del(&u->cp->node);
		kfree(u->cp);
	} else if (u->client) {
		struct vvmp_client_policy *cp =
			vvmp_client_policy_find(vd, u->client);

		cp->policy = u->policy;
		cp->has_acl = u->has_acl;
		cp->has_status = u->has_status;
		cp->has_cos = u->has_cos;
	} else {
		vd->policy = u->policy;
	}
	vvmp_nl_policy_changed(vd, u->client);
	mutex_unlock(&vd->ctl_lock);
}

enum vvmp_policy_field { VVMP_FIELD_ACL, VVMP_FIELD_STATUS, VVMP_FIELD_COS };

static int vvmp_nl_policy_set(struct genl_info *info,
			      enum vvmp_policy_field field)
{
	static const int attr_of[] = {
		[VVMP_FIELD_ACL] = VVMP_A_ACL,
		[VVMP_FIELD_STATUS] = VVMP_A_STATUS,
		[VVMP_FIELD_COS] = VVMP_A_COS,
	};
	struct nlattr *tb[VVMP_COS_A_MAX + 1];
	struct vvmp_client_policy *cp;
	struct vvmp_client *client;
	struct vvmp_policy *p;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	bool existed;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, attr_of[field]))
		return -EINVAL;
	if (field == VVMP_FIELD_COS) {
		r = nla_parse_nested(tb, VVMP_COS_A_MAX, info->attrs[VVMP_A_COS],
				     NULL, info->extack);
		if (r)
			return r;
	}
	vd = vvmp_nl_lock_vd(info, &client);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	u = vvmp_undo_new(vd);
	existed = client && vvmp_client_policy_find(vd, client);
	p = u ? vvmp_nl_policy_target(vd, client, &cp) : NULL;
	if (!p) {
		vvmp_nl_unlock(info, vd);
		kfree(u);
		return -ENOMEM;
	}
	u->client = client;
	u->policy = *p;
	if (cp && existed) {
		u->has_acl = cp->has_acl;
		u->has_status = cp->has_status;
		u->has_cos = cp->has_cos;
	} else if (cp) {
		u->cp = cp;
	}
	u->undo = vvmp_undo_policy;
	switch (field) {
	case VVMP_FIELD_ACL:
		p->acl = nla_get_u8(info->attrs[VVMP_A_ACL]);
		if (cp)
			cp->has_acl = true;
		break;
	case VVMP_FIELD_STATUS:
		p->status = nla_get_u8(info->attrs[VVMP_A_STATUS]);
		if (cp)
			cp->has_status = true;
		break;
	case VVMP_FIELD_COS:
		/* Limits not given are unlimited, as in a new policy. */
		p->iops = tb[VVMP_COS_A_IOPS] ?
			  nla_get_u64(tb[VVMP_COS_A_IOPS]) : 0;
		p->bps = tb[VVMP_COS_A_BPS] ? nla_get_u64(tb[VVMP_COS_A_BPS]) : 0;
		p->priority = tb[VVMP_COS_A_PRIORITY] ?
			      nla_get_u8(tb[VVMP_COS_A_PRIORITY]) : 0;
		if (cp)
			cp->has_cos = true;
		break;
	}
	vvmp_nl_policy_changed(vd, client);
	vvmp_txn_undo_add(info, u);
	vvmp_nl_unlock(info, vd);
	return 0;
}

/* vaapi_peap_set_acl */
int vvmp_nl_acl_set(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_policy_set(info, VVMP_FIELD_ACL);
}

/* vaapi_peap_set_status */
int vvmp_nl_status_set(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_policy_set(info, VVMP_FIELD_STATUS);
}

/* vaapi_peap_set_cos */
int vvmp_nl_cos_set(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_policy_set(info, VVMP_FIELD_COS);
}

/*
 * vaapi_peap_get_acl, _get_status, _get_cos: the policy in force for the
 * client (or the VD's default) and where it comes from. All three replies
 * carry ACL, STATUS and COS.
 */
static int vvmp_nl_fill_policy(struct sk_buff *skb, struct vvmp_vd *vd,
			       struct vvmp_client *client)
{
	u8 source;
	struct vvmp_policy p = vvmp_policy_in_force(vd, client, &source);

	if (nla_put_string(skb, VVMP_A_VD_NAME, vd->name) ||
	    (client && nla_put_string(skb, VVMP_A_CLIENT_NAME, client->name)) ||
	    nla_put_u8(skb, VVMP_A_POLICY_SOURCE, source))
		return -EMSGSIZE;
	return vvmp_nl_put_policy(skb, &p);
}

int vvmp_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_policy, true);
}

/* ---- PSAP: statistics ---- */

static void vvmp_undo_directive(struct vvmp_undo *u)
{
	WRITE_ONCE(u->vd->collect_latency, u->collect_latency);
	WRITE_ONCE(u->vd->error_threshold, u->error_threshold);
}

/* A new threshold may be crossed already: check once the change is final. */
static void vvmp_finish_directive(struct vvmp_undo *u)
{
	queue_work(u->vd->wq, &u->vd->threshold_work);
}

/* vaapi_psap_set_stats_directive */
int vvmp_nl_stats_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VVMP_DIRECTIVE_A_MAX + 1];
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_STATS_DIRECTIVE))
		return -EINVAL;
	r = nla_parse_nested(tb, VVMP_DIRECTIVE_A_MAX,
			     info->attrs[VVMP_A_STATS_DIRECTIVE], NULL,
			     info->extack);
	if (r)
		return r;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	u = vvmp_undo_new(vd);
	if (!u) {
		vvmp_nl_unlock(info, vd);
		return -ENOMEM;
	}
	u->collect_latency = vd->collect_latency;
	u->error_threshold = vd->error_threshold;
	u->undo = vvmp_undo_directive;
	if (tb[VVMP_DIRECTIVE_A_LATENCY])
		WRITE_ONCE(vd->collect_latency,
			   nla_get_u8(tb[VVMP_DIRECTIVE_A_LATENCY]));
	if (tb[VVMP_DIRECTIVE_A_ERROR_THRESHOLD]) {
		WRITE_ONCE(vd->error_threshold,
			   nla_get_u64(tb[VVMP_DIRECTIVE_A_ERROR_THRESHOLD]));
		WRITE_ONCE(vd->threshold_crossed, false);
		u->finish = vvmp_finish_directive;
	}
	vvmp_txn_undo_add(info, u);
	vvmp_nl_unlock(info, vd);
	return 0;
}

/* The counters of one object, inside its nest. */
static int vvmp_nl_put_counter_attrs(struct sk_buff *skb,
				     struct vvmp_counters __percpu *counters,
				     int leg, struct vvmp_client *client,
				     struct vvmp_counters *sum)
{
	vvmp_counters_sum(counters, sum);
	if ((leg >= 0 && nla_put_u32(skb, VVMP_STATS_A_LEG, leg)) ||
	    (client && nla_put_string(skb, VVMP_STATS_A_CLIENT, client->name)) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_READS, sum->reads,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_WRITES, sum->writes,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_READ_BYTES, sum->read_bytes,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_WRITE_BYTES, sum->write_bytes,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_READ_ERRORS, sum->read_errors,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_WRITE_ERRORS,
			      sum->write_errors, VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_IN_FLIGHT,
			      vvmp_counters_in_flight(sum), VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_EXCEPTIONS, sum->exceptions,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_REFUSED, sum->refused,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_THROTTLED, sum->throttled,
			      VVMP_STATS_A_PAD) ||
	    nla_put(skb, VVMP_STATS_A_LATENCY, sizeof(sum->latency),
		    sum->latency))
		return -EMSGSIZE;
	return 0;
}

static int vvmp_nl_put_counters(struct sk_buff *skb, int type,
				struct vvmp_counters __percpu *counters,
				int leg, struct vvmp_client *client,
				struct vvmp_counters *sum)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    vvmp_nl_put_counter_attrs(skb, counters, leg, client, sum))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The VD's counters, with the state of its log and resyncs. */
static int vvmp_nl_put_vd_counters(struct sk_buff *skb, struct vvmp_vd *vd,
				   struct vvmp_counters *sum)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_A_STATS);
	u64 dirty, regions, copied;

	spin_lock_irq(&vd->lock);
	dirty = vd->rlog.nr_dirty;
	regions = vd->rlog.dirty ? vd->rlog.nr_regions : 0;
	copied = vd->rec.copied_sectors << SECTOR_SHIFT;
	spin_unlock_irq(&vd->lock);
	if (!nest || vvmp_nl_put_counter_attrs(skb, vd->counters, -1, NULL, sum) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_DIRTY_REGIONS, dirty,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_REGIONS, regions,
			      VVMP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_STATS_A_COPIED_BYTES, copied,
			      VVMP_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* vaapi_psap_copy_vd_stats: the VD, each leg, each device's client */
static int vvmp_nl_fill_stats(struct sk_buff *skb, struct vvmp_vd *vd,
			      struct vvmp_client *client)
{
	struct vvmp_counters *sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	struct vvmp_port *port;
	unsigned int l;
	int r = -EMSGSIZE;

	if (!sum)
		return -ENOMEM;
	if (nla_put_string(skb, VVMP_A_VD_NAME, vd->name) ||
	    vvmp_nl_put_vd_counters(skb, vd, sum))
		goto out;
	for (l = 0; l < vd->nr_legs; l++)
		if (vvmp_nl_put_counters(skb, VVMP_A_LEG_STATS,
					 vd->legs[l].counters, l, NULL, sum))
			goto out;
	list_for_each_entry(port, &vd->ports, node)
		if (vvmp_nl_put_counters(skb, VVMP_A_CLIENT_STATS,
					 port->counters, -1, port->client, sum))
			goto out;
	r = 0;
out:
	kfree(sum);
	return r;
}

int vvmp_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_stats, false);
}

/* Counters cannot be put back: a commit resets them once it succeeded. */
static void vvmp_finish_stats_reset(struct vvmp_undo *u)
{
	struct vvmp_port *port;

	vvmp_reset_stats(u->vd);
	list_for_each_entry(port, &u->vd->ports, node)
		vvmp_counters_reset(port->counters);
}

/* vaapi_psap_reset_vd_stats */
int vvmp_nl_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_undo *u;
	struct vvmp_vd *vd;

	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	u = vvmp_undo_new(vd);
	if (u) {
		u->finish = vvmp_finish_stats_reset;
		vvmp_txn_undo_add(info, u);
	}
	vvmp_nl_unlock(info, vd);
	return u ? 0 : -ENOMEM;
}

/* ---- SSAP: the plan's components (mirror legs) ---- */

/* As vvmp_undo_map(): the map in force is the one to retire. */
static void vvmp_undo_plan(struct vvmp_undo *u)
{
	struct vvmp_vd *vd = u->vd;
	struct vvmp_map *map = rcu_dereference_protected(vd->map, true);

	spin_lock_irq(&vd->lock);
	if (u->attached)
		WRITE_ONCE(vd->nr_legs, u->leg);
	else
		vvmp_set_leg_health(vd, u->leg, u->health);
	WRITE_ONCE(vd->legs[u->leg].extents_generation, u->extents_generation);
	spin_unlock_irq(&vd->lock);
	rcu_assign_pointer(vd->map, u->old_map);
	vvmp_map_retire(map);
}

static void vvmp_finish_plan(struct vvmp_undo *u)
{
	vvmp_map_retire(u->old_map);
	vvmp_recovery_kick(u->vd);
	vvmp_vd_changed(u->vd);
}

/* Checks of a REPLACE or ATTACH; sets the leg it changes. */
static int vvmp_nl_plan_check(struct genl_info *info, struct vvmp_vd *vd,
			      u8 op, unsigned int *leg)
{
	unsigned long in_sync = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);

	if (op == VVMP_PLAN_ATTACH) {
		if (vd->nr_legs == VVMP_MAX_LEGS) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[VVMP_A_PLAN_OP],
					    "VD has the most legs allowed");
			return -EINVAL;
		}
		*leg = vd->nr_legs;
		return 0;
	}
	*leg = nla_get_u32(info->attrs[VVMP_A_LEG_INDEX]);
	if (*leg >= vd->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX],
				    "No such leg");
		return -EINVAL;
	}
	if (!(in_sync & ~BIT(*leg))) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX],
				    "No other in-sync leg to copy the replaced leg from");
		return -EBUSY;
	}
	return 0;
}

/* Undo a detach inside a failed commit: the legs and the map as before. */
static void vvmp_undo_detach(struct vvmp_undo *u)
{
	struct vvmp_vd *vd = u->vd;
	struct vvmp_map *map;

	vvmp_recovery_pause(vd);
	map = rcu_dereference_protected(vd->map, true);
	spin_lock_irq(&vd->lock);
	memcpy(vd->legs, u->legs, sizeof(vd->legs));
	WRITE_ONCE(vd->nr_legs, u->nr_legs);
	if (vd->rec.active)
		vd->rec.restart = true;
	spin_unlock_irq(&vd->lock);
	/* The gate is up: no bio took the detached map, so no drain. */
	rcu_assign_pointer(vd->map, u->old_map);
	u->old_map = NULL;
	vvmp_map_retire(map);
	vvmp_recovery_resume(vd);
}

static void vvmp_finish_detach(struct vvmp_undo *u)
{
	if (u->old_map)
		vvmp_map_free(u->old_map);
}

/*
 * Detach a leg: later legs move down, so no bio may be in flight with the
 * old numbering. New bios wait at the gate while the old map drains; then
 * the legs' state moves down and the new map is published. In a commit
 * (the gate already up) a copy of the old map and of the legs' state is
 * kept to undo it.
 */
static int vvmp_nl_plan_detach(struct genl_info *info)
{
	DECLARE_COMPLETION_ONSTACK(drained);
	struct vvmp_map *old, *map;
	bool in_txn = vvmp_nl_txn(info);
	struct vvmp_undo *u = NULL;
	unsigned long in_sync;
	struct vvmp_vd *vd;
	unsigned int leg, l;
	int r = 0;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG_INDEX))
		return -EINVAL;
	leg = nla_get_u32(info->attrs[VVMP_A_LEG_INDEX]);
	vvmp_nl_write_lock(info);
	vd = vvmp_nl_find_vd(info);
	if (IS_ERR(vd)) {
		vvmp_nl_write_unlock(info);
		return PTR_ERR(vd);
	}
	mutex_lock(&vd->ctl_lock);
	in_sync = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);
	if (leg >= vd->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX], "No such leg");
		r = -EINVAL;
	} else if (!(in_sync & ~BIT(leg))) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX],
				    "No other in-sync leg would remain");
		r = -EBUSY;
	}
	if (r)
		goto out;
	old = rcu_dereference_protected(vd->map,
					lockdep_is_held(&vd->ctl_lock));
	r = -ENOMEM;
	u = vvmp_undo_new(vd);
	if (!u)
		goto out;
	if (in_txn) {
		u->old_map = vvmp_nl_copy_map(vd, old);
		if (IS_ERR(u->old_map)) {
			r = PTR_ERR(u->old_map);
			goto out;
		}
		u->old_map->generation = old->generation;
		memcpy(u->legs, vd->legs, sizeof(u->legs));
		u->nr_legs = vd->nr_legs;
	}
	map = vvmp_nl_change_legs(vd, old, VVMP_PLAN_DETACH, leg, NULL,
				  info->extack);
	if (IS_ERR(map)) {
		r = PTR_ERR(map);
		if (u->old_map)
			vvmp_map_free(u->old_map);
		goto out;
	}

	if (!in_txn)
		vvmp_gate_close();
	vvmp_recovery_pause(vd);
	old = vvmp_map_swap(vd, map);
	old->drained = &drained;
	vvmp_map_retire(old);
	/* As a dm suspend does: wait for the bios the devices sent. */
	wait_for_completion(&drained);

	spin_lock_irq(&vd->lock);
	{
		struct vvmp_counters __percpu *counters = vd->legs[leg].counters;

		for (l = leg; l + 1 < vd->nr_legs; l++) {
			vd->legs[l] = vd->legs[l + 1];
			vvmp_event_leg(vd, l, vd->legs[l].health);
		}
		memset(&vd->legs[l], 0, sizeof(vd->legs[l]));
		vd->legs[l].counters = counters;
		vd->legs[l].masks = VVMP_MASK_DEFAULT;
		/* Kept as they are while a commit could still undo this. */
		if (!in_txn)
			vvmp_counters_reset(counters);
	}
	WRITE_ONCE(vd->nr_legs, vd->nr_legs - 1);
	if (vd->rec.active)
		vd->rec.restart = true;
	spin_unlock_irq(&vd->lock);
	vvmp_recovery_resume(vd);
	vvmp_event_vd(vd, VVMP_EVENT_VD_MAP);
	mutex_unlock(&vd->ctl_lock);
	if (!in_txn)
		vvmp_gate_open();
	vvmp_vd_changed(vd);
	u->undo = vvmp_undo_detach;
	u->finish = vvmp_finish_detach;
	vvmp_txn_undo_add(info, u);
	vvmp_nl_write_unlock(info);
	return 0;
out:
	mutex_unlock(&vd->ctl_lock);
	vvmp_nl_write_unlock(info);
	kfree(u);
	return r;
}

static void vvmp_undo_leg_health(struct vvmp_undo *u)
{
	struct vvmp_vd *vd = u->vd;

	spin_lock_irq(&vd->lock);
	vd->legs[u->leg].needs_full_copy = u->attached;
	vvmp_set_leg_health(vd, u->leg, u->health);
	spin_unlock_irq(&vd->lock);
	vvmp_vd_changed(vd);
}

/* FAIL and RESTORE: the dm messages fail_leg and restore_leg, over netlink. */
static int vvmp_nl_plan_health(struct genl_info *info, u8 op)
{
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	unsigned int leg;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG_INDEX))
		return -EINVAL;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	leg = nla_get_u32(info->attrs[VVMP_A_LEG_INDEX]);
	r = -ENOMEM;
	u = vvmp_undo_new(vd);
	if (!u)
		goto out;
	r = -EINVAL;
	if (leg >= vd->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX], "No such leg");
		goto out;
	}
	u->leg = leg;
	spin_lock_irq(&vd->lock);
	u->health = vd->legs[leg].health;
	u->attached = vd->legs[leg].needs_full_copy;
	spin_unlock_irq(&vd->lock);
	if (op == VVMP_PLAN_FAIL) {
		r = vvmp_fail_leg(vd, leg);
		if (r)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[VVMP_A_LEG_INDEX],
					    "The last in-sync leg cannot fail");
	} else {
		r = vvmp_restore_leg(vd, leg,
				     nla_get_flag(info->attrs[VVMP_A_FULL_COPY]));
		if (r)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[VVMP_A_LEG_INDEX],
					    "The leg is not failed");
	}
	if (!r) {
		u->undo = vvmp_undo_leg_health;
		vvmp_txn_undo_add(info, u);
		u = NULL;
	}
out:
	vvmp_nl_unlock(info, vd);
	kfree(u);
	return r;
}

/*
 * vaapi_ssap_set_io_plan. REPLACE puts a leg on new extents and ATTACH
 * adds a last leg: the leg is out of sync before the new map is published
 * (reads stop using it) and is then copied from an in-sync leg. DETACH
 * removes a leg (see vvmp_nl_plan_detach()).
 */
int vvmp_nl_plan_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_map *old, *map;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	unsigned int leg;
	u8 op;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_PLAN_OP))
		return -EINVAL;
	op = nla_get_u8(info->attrs[VVMP_A_PLAN_OP]);
	if (op == VVMP_PLAN_DETACH)
		return vvmp_nl_plan_detach(info);
	if (op == VVMP_PLAN_FAIL || op == VVMP_PLAN_RESTORE)
		return vvmp_nl_plan_health(info, op);
	if ((op == VVMP_PLAN_REPLACE &&
	     GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG_INDEX)) ||
	    GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG))
		return -EINVAL;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	r = vvmp_nl_plan_check(info, vd, op, &leg);
	if (r)
		goto out;
	old = rcu_dereference_protected(vd->map,
					lockdep_is_held(&vd->ctl_lock));
	u = vvmp_undo_new(vd);
	if (!u) {
		r = -ENOMEM;
		goto out;
	}
	map = vvmp_nl_change_legs(vd, old, op, leg, info->attrs[VVMP_A_LEG],
				  info->extack);
	if (IS_ERR(map)) {
		kfree(u);
		r = PTR_ERR(map);
		goto out;
	}
	u->leg = leg;
	u->attached = op == VVMP_PLAN_ATTACH;
	spin_lock_irq(&vd->lock);
	u->health = vd->legs[leg].health;
	if (u->attached) {
		atomic_set(&vd->legs[leg].pending, 0);
		vd->legs[leg].timeout_ms = 0;
		vd->legs[leg].masks = VVMP_MASK_DEFAULT;
		vvmp_counters_reset(vd->legs[leg].counters);
		WRITE_ONCE(vd->nr_legs, leg + 1);
	}
	/* New extents: what they hold is unknown, the log does not tell. */
	vd->legs[leg].needs_full_copy = true;
	/*
	 * Bios of older maps still write the old extents under this leg's
	 * index: their failures are not the new extents' (vvmp_leg_stale()).
	 */
	u->extents_generation = vd->legs[leg].extents_generation;
	WRITE_ONCE(vd->legs[leg].extents_generation, old->generation + 1);
	vvmp_set_leg_health(vd, leg, VVMP_LEG_OUT_OF_SYNC);
	vd->rec.active = true;
	vd->rec.restart = true;
	spin_unlock_irq(&vd->lock);
	u->old_map = vvmp_map_swap(vd, map);
	u->undo = vvmp_undo_plan;
	u->finish = vvmp_finish_plan;
	vvmp_event_vd(vd, VVMP_EVENT_VD_MAP);
	vvmp_txn_undo_add(info, u);
out:
	vvmp_nl_unlock(info, vd);
	return r;
}

/* ---- IOP: plan parameters and masks ---- */

/* vaapi_iop_set_plan_params */
static void vvmp_undo_component(struct vvmp_undo *u)
{
	u->vd->legs[u->leg].timeout_ms = u->timeout_ms;
	u->vd->legs[u->leg].masks = u->masks;
}

int vvmp_nl_plan_params_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VVMP_COMPONENT_A_MAX + 1];
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	unsigned int leg;
	int r;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, VVMP_A_COMPONENT))
		return -EINVAL;
	r = nla_parse_nested(tb, VVMP_COMPONENT_A_MAX,
			     info->attrs[VVMP_A_COMPONENT], NULL,
			     info->extack);
	if (r)
		return r;
	leg = nla_get_u32(info->attrs[VVMP_A_LEG_INDEX]);
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	if (leg >= vd->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_LEG_INDEX],
				    "No such leg");
		vvmp_nl_unlock(info, vd);
		return -EINVAL;
	}
	u = vvmp_undo_new(vd);
	if (!u) {
		vvmp_nl_unlock(info, vd);
		return -ENOMEM;
	}
	u->leg = leg;
	u->timeout_ms = vd->legs[leg].timeout_ms;
	u->masks = vd->legs[leg].masks;
	u->undo = vvmp_undo_component;
	vvmp_txn_undo_add(info, u);
	if (tb[VVMP_COMPONENT_A_TIMEOUT_MS])
		vd->legs[leg].timeout_ms =
			nla_get_u32(tb[VVMP_COMPONENT_A_TIMEOUT_MS]);
	if (tb[VVMP_COMPONENT_A_MASKS])
		vd->legs[leg].masks = nla_get_u32(tb[VVMP_COMPONENT_A_MASKS]);
	vvmp_event_component(vd, leg);
	vvmp_nl_unlock(info, vd);
	return 0;
}

/* vaapi_iop_get_plan_params */
static int vvmp_nl_fill_components(struct sk_buff *skb, struct vvmp_vd *vd,
				   struct vvmp_client *client)
{
	if (nla_put_string(skb, VVMP_A_VD_NAME, vd->name))
		return -EMSGSIZE;
	return vvmp_nl_put_components(skb, vd);
}

int vvmp_nl_plan_params_get(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_components, false);
}

/* ---- EH: divert ranges (I/O on them is held for the CP) ---- */

static int vvmp_nl_get_range(struct genl_info *info, struct vvmp_range *range)
{
	struct nlattr *tb[VVMP_RANGE_A_MAX + 1];
	struct nlattr *attr = info->attrs[VVMP_A_RANGE];
	int r;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_RANGE))
		return -EINVAL;
	r = nla_parse_nested(tb, VVMP_RANGE_A_MAX, attr, NULL, info->extack);
	if (r)
		return r;
	if (NL_REQ_ATTR_CHECK(info->extack, attr, tb, VVMP_RANGE_A_START) ||
	    NL_REQ_ATTR_CHECK(info->extack, attr, tb, VVMP_RANGE_A_LENGTH))
		return -EINVAL;
	range->start = nla_get_u64(tb[VVMP_RANGE_A_START]);
	range->length = nla_get_u64(tb[VVMP_RANGE_A_LENGTH]);
	return 0;
}

/* ->map reads the ranges under vd->lock; they change under both locks. */
static void vvmp_undo_ranges(struct vvmp_undo *u)
{
	mutex_lock(&u->vd->ctl_lock);
	spin_lock_irq(&u->vd->lock);
	u->vd->nr_ranges = u->nr_ranges;
	memcpy(u->vd->ranges, u->ranges, sizeof(u->ranges));
	spin_unlock_irq(&u->vd->lock);
	mutex_unlock(&u->vd->ctl_lock);
}

/* Once the removal is final: the plans it held run again. */
static void vvmp_finish_divert_delete(struct vvmp_undo *u)
{
	vvmp_exc_release_diverted(u->vd);
}

/*
 * A VD's divert ranges before a change, to undo it; with @release, the
 * plans no range holds any more are released once the change is final.
 * The caller adds the record after the change.
 */
static struct vvmp_undo *vvmp_nl_save_ranges(struct vvmp_vd *vd, bool release)
{
	struct vvmp_undo *u = vvmp_undo_new(vd);

	if (!u)
		return NULL;
	u->nr_ranges = vd->nr_ranges;
	memcpy(u->ranges, vd->ranges, sizeof(u->ranges));
	u->undo = vvmp_undo_ranges;
	if (release)
		u->finish = vvmp_finish_divert_delete;
	return u;
}

static int vvmp_find_range(struct vvmp_vd *vd, const struct vvmp_range *range)
{
	unsigned int i;

	for (i = 0; i < vd->nr_ranges; i++)
		if (vd->ranges[i].start == range->start &&
		    vd->ranges[i].length == range->length)
			return i;
	return -1;
}

/* vaapi_eh_add_divert */
int vvmp_nl_divert_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VVMP_A_RANGE];
	struct vvmp_range range;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int r;

	r = vvmp_nl_get_range(info, &range);
	if (r)
		return r;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	if (range.start + range.length < range.start ||
	    range.start + range.length > vd->size) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "Range beyond the end of the VD");
		r = -ERANGE;
	} else if (vvmp_find_range(vd, &range) >= 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "Range exists");
		r = -EEXIST;
	} else if (vd->nr_ranges == VVMP_MAX_DIVERT_RANGES) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "VD has the most divert ranges allowed");
		r = -ENOSPC;
	} else {
		unsigned int i;

		u = vvmp_nl_save_ranges(vd, false);
		if (!u) {
			r = -ENOMEM;
			goto out;
		}

		spin_lock_irq(&vd->lock);
		i = vd->nr_ranges++;
		/* Kept in ascending order of start, as DIVERT_GET lists them. */
		for (; i && vd->ranges[i - 1].start > range.start; i--)
			vd->ranges[i] = vd->ranges[i - 1];
		vd->ranges[i] = range;
		spin_unlock_irq(&vd->lock);
		vvmp_event_divert(vd);
		vvmp_txn_undo_add(info, u);
	}
out:
	vvmp_nl_unlock(info, vd);
	return r;
}

/* vaapi_eh_delete_divert */
int vvmp_nl_divert_delete(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_range range;
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int i, r;

	r = vvmp_nl_get_range(info, &range);
	if (r)
		return r;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	i = vvmp_find_range(vd, &range);
	if (i < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_RANGE],
				    "No such range");
		r = -ENOENT;
	} else {
		u = vvmp_nl_save_ranges(vd, true);
		if (!u) {
			r = -ENOMEM;
			goto out;
		}
		spin_lock_irq(&vd->lock);
		vd->nr_ranges--;
		memmove(&vd->ranges[i], &vd->ranges[i + 1],
			(vd->nr_ranges - i) * sizeof(vd->ranges[0]));
		spin_unlock_irq(&vd->lock);
		vvmp_event_divert(vd);
		/* Outside a commit its finish releases the plans now. */
		vvmp_txn_undo_add(info, u);
	}
out:
	vvmp_nl_unlock(info, vd);
	return r;
}

/* vaapi_eh_list_divert */
static int vvmp_nl_fill_ranges(struct sk_buff *skb, struct vvmp_vd *vd,
			       struct vvmp_client *client)
{
	if (nla_put_string(skb, VVMP_A_VD_NAME, vd->name))
		return -EMSGSIZE;
	return vvmp_nl_put_ranges(skb, vd->ranges, vd->nr_ranges);
}

int vvmp_nl_divert_get(struct sk_buff *skb, struct genl_info *info)
{
	return vvmp_nl_vd_reply(info, vvmp_nl_fill_ranges, false);
}
