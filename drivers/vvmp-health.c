// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: leg health transitions.
 *
 *   A (in sync) --error/fail_leg--> D (failed) --restore_leg--> a (out of
 *   sync) --resync done--> A
 *
 * As md raid1 does, the last in-sync leg is never failed: with no in-sync
 * leg left nothing could serve a read or be the source of a copy, so its
 * errors go to the client instead.
 */
#include "vvmp.h"

/**
 * vvmp_health_char() - status character of a leg health
 * @health: the health
 */
char vvmp_health_char(enum vvmp_leg_health health)
{
	switch (health) {
	case VVMP_LEG_IN_SYNC:
		return VVMP_HEALTH_IN_SYNC;
	case VVMP_LEG_OUT_OF_SYNC:
		return VVMP_HEALTH_OUT_OF_SYNC;
	default:
		return VVMP_HEALTH_FAILED;
	}
}

/**
 * vvmp_legs_in_state() - bitmask of the legs in one health state
 * @vd: the VD
 * @health: the state
 *
 * A racy snapshot unless the caller holds vd->lock.
 */
unsigned long vvmp_legs_in_state(struct vvmp_vd *vd,
				 enum vvmp_leg_health health)
{
	unsigned long legs = 0;
	unsigned int l;

	for (l = 0; l < vd->nr_legs; l++)
		if (READ_ONCE(vd->legs[l].health) == health)
			legs |= BIT(l);
	return legs;
}

/**
 * vvmp_set_leg_health() - change a leg's health and announce it
 * @vd: the VD, vd->lock held
 * @leg: leg index
 * @health: the new health
 *
 * The event takes its sequence number under the same lock as the change,
 * so a dump of the VD and the event stream agree.
 */
void vvmp_set_leg_health(struct vvmp_vd *vd, unsigned int leg,
			 enum vvmp_leg_health health)
{
	lockdep_assert_held(&vd->lock);
	WRITE_ONCE(vd->legs[leg].health, health);
	vvmp_event_leg(vd, leg, health);
}

/* Fail @leg unless it is the last in-sync leg; announce the change. */
static int vvmp_mark_failed(struct vvmp_vd *vd, unsigned int leg)
{
	struct vvmp_leg *l = &vd->legs[leg];
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&vd->lock, flags);
	if (l->health == VVMP_LEG_FAILED)
		r = -EALREADY;
	else if (l->health == VVMP_LEG_IN_SYNC &&
		 hweight_long(vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC)) == 1)
		r = -EBUSY;
	else
		vvmp_set_leg_health(vd, leg, VVMP_LEG_FAILED);
	spin_unlock_irqrestore(&vd->lock, flags);
	if (!r)
		vvmp_vd_changed(vd);
	return r;
}

/**
 * vvmp_error_fails_leg() - does this completion status indict the leg?
 * @bio: the failed bio
 * @status: its status
 *
 * Readahead, NOWAIT retries and unsupported operations say nothing about
 * the health of the device (dm-raid1 treats them alike).
 */
bool vvmp_error_fails_leg(struct bio *bio, blk_status_t status)
{
	if (status == BLK_STS_NOTSUPP || status == BLK_STS_AGAIN)
		return false;
	return !(bio->bi_opf & REQ_RAHEAD);
}

/**
 * vvmp_leg_error() - an I/O on @leg failed: fail the leg if allowed
 * @vd: the VD
 * @leg: leg index
 *
 * Safe in any context.
 *
 * Return: true if the leg is failed now (by this call or before), false if
 * it is the last in-sync leg and stays in service.
 */
bool vvmp_leg_error(struct vvmp_vd *vd, unsigned int leg)
{
	int r = vvmp_mark_failed(vd, leg);

	if (!r)
		DMERR_LIMIT("%s: leg %u failed", vvmp_vd_name(vd), leg);
	return r != -EBUSY;
}

/**
 * vvmp_deactivate() - stop all I/O of @vd: @leg's failure asks for it
 * @vd: the VD
 * @leg: the leg whose component failed with the deactivate mask
 *
 * Safe in any context. Every bio mapped from now on fails with EIO until
 * vvmp_activate(): a VD whose data may be incomplete is not served.
 */
void vvmp_deactivate(struct vvmp_vd *vd, unsigned int leg)
{
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&vd->lock, flags);
	changed = !vd->deactivated;
	if (changed) {
		WRITE_ONCE(vd->deactivated, true);
		vd->deactivated_leg = leg;
		vvmp_event_activity(vd, leg);
	}
	spin_unlock_irqrestore(&vd->lock, flags);
	if (changed) {
		DMERR_LIMIT("%s: leg %u failed: VD deactivated",
			    vvmp_vd_name(vd), leg);
		vvmp_vd_changed(vd);
	}
}

/**
 * vvmp_activate() - serve I/O again after a deactivation
 * @vd: the VD
 *
 * Return: 0, or -EALREADY if the VD was not deactivated.
 */
int vvmp_activate(struct vvmp_vd *vd)
{
	int r = -EALREADY;

	spin_lock_irq(&vd->lock);
	if (vd->deactivated) {
		WRITE_ONCE(vd->deactivated, false);
		vvmp_event_activity(vd, 0);
		r = 0;
	}
	spin_unlock_irq(&vd->lock);
	if (!r)
		vvmp_vd_changed(vd);
	return r;
}

/**
 * vvmp_component_failed() - a client I/O on @leg failed: apply its masks
 * @vd: the VD
 * @leg: leg index
 *
 * Safe in any context. Without the log mask the log is not trusted for
 * the leg: its next resync copies everything. With the deactivate mask
 * the VD stops serving I/O. Then the leg fails as for any error.
 *
 * Return: as vvmp_leg_error().
 */
bool vvmp_component_failed(struct vvmp_vd *vd, unsigned int leg)
{
	u32 masks = READ_ONCE(vd->legs[leg].masks);

	if (!(masks & VVMP_MASK_LOG))
		WRITE_ONCE(vd->legs[leg].needs_full_copy, true);
	if (masks & VVMP_MASK_DEACTIVATE)
		vvmp_deactivate(vd, leg);
	return vd->nr_legs > 1 && vvmp_leg_error(vd, leg);
}

/**
 * vvmp_fail_leg() - the fail_leg message
 * @vd: the VD
 * @leg: leg index (checked by the caller)
 *
 * Return: 0, -EBUSY for the last in-sync leg; failing a failed leg is 0.
 */
int vvmp_fail_leg(struct vvmp_vd *vd, unsigned int leg)
{
	int r = vvmp_mark_failed(vd, leg);

	return r == -EALREADY ? 0 : r;
}

/**
 * vvmp_restore_leg() - the restore_leg message: D -> a, then a resync
 * @vd: the VD
 * @leg: leg index (checked by the caller)
 * @full: the leg's contents are unknown (a new disk): copy everything
 *
 * Otherwise the leg is taken to hold what it held when it failed, and the
 * resync copies only the dirty regions onto it (unless its failure was not
 * logged).
 *
 * Return: 0, or -EINVAL if the leg is not failed.
 */
int vvmp_restore_leg(struct vvmp_vd *vd, unsigned int leg, bool full)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	if (vd->legs[leg].health != VVMP_LEG_FAILED) {
		spin_unlock_irqrestore(&vd->lock, flags);
		return -EINVAL;
	}
	if (full)
		vd->legs[leg].needs_full_copy = true;
	vvmp_set_leg_health(vd, leg, VVMP_LEG_OUT_OF_SYNC);
	vd->rec.active = true;
	vd->rec.restart = true;
	spin_unlock_irqrestore(&vd->lock, flags);
	vvmp_recovery_kick(vd);
	vvmp_vd_changed(vd);
	return 0;
}
