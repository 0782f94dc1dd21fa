// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: netlink commands of the EH group that act on a VD's recovery:
 * activating a VD a component failure deactivated, and the resync rate.
 */
#include "vvmp.h"
#include "vvmp-nl.h"

static void vvmp_undo_activate(struct vvmp_undo *u)
{
	vvmp_deactivate(u->vd, u->leg);
}

/* vaapi_eh_activate_vd: serve I/O again after a deactivation */
int vvmp_nl_vd_activate(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_undo *u;
	struct vvmp_vd *vd;
	int r;

	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	u = vvmp_undo_new(vd);
	r = -ENOMEM;
	if (!u)
		goto out;
	u->leg = READ_ONCE(vd->deactivated_leg);
	r = vvmp_activate(vd);
	if (r) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_VD_NAME],
				    "VD is not deactivated");
		kfree(u);
		goto out;
	}
	u->undo = vvmp_undo_activate;
	vvmp_txn_undo_add(info, u);
out:
	vvmp_nl_unlock(info, vd);
	return r;
}

static void vvmp_undo_resync_rate(struct vvmp_undo *u)
{
	vvmp_recovery_set_rate(u->vd, u->rate_kib);
	vvmp_event_vd_params(u->vd);
}

/* vaapi_eh_set_resync_rate: KiB/s a resync copies at, 0 for no limit */
int vvmp_nl_resync_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_undo *u;
	struct vvmp_vd *vd;

	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_RESYNC_RATE))
		return -EINVAL;
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	u = vvmp_undo_new(vd);
	if (u) {
		u->rate_kib = READ_ONCE(vd->rec.rate_kib);
		u->undo = vvmp_undo_resync_rate;
		vvmp_recovery_set_rate(vd,
				       nla_get_u32(info->attrs[VVMP_A_RESYNC_RATE]));
		vvmp_event_vd_params(vd);
		vvmp_vd_changed(vd);
		vvmp_txn_undo_add(info, u);
	}
	vvmp_nl_unlock(info, vd);
	return u ? 0 : -ENOMEM;
}
