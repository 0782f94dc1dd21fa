/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ap_raid.c: the dm-raid set under a RAID5 VD (Documentation/vvmpd.rst
 * "RAID5"). dm-vvmp has no parity layout; the kernel's raid456 does, behind
 * the device-mapper "raid" target. vvmpd builds, per RAID5 VD, a metadata
 * and a data dm-linear device per member and a "raid raid5_ls" device over
 * them; the dm-vvmp VD is then one linear leg on that raid device. Callers
 * hold d->lock.
 */
#ifndef VVMPD_AP_RAID_H
#define VVMPD_AP_RAID_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/vvmpd_internal.h"

/**
 * vvmpd_raid_create() - build the raid set of a VD being allocated: its
 * metadata is zeroed first, so dm-raid starts a new array (full initial
 * resync) instead of trusting whatever the extents held. Called inside the
 * ALLOCATE's repository transaction (the segments are readable); on error
 * nothing of it is left in the kernel.
 * Return: 0; -EINPROGRESS if a member is a remote volume still attaching
 * (nothing built: the caller marks the set fresh, vvmpd_ap_raid_fresh(), and
 * its first push builds it); or -errno with the reason in @why.
 */
int vvmpd_raid_create(struct vvmpd *d, const struct vvmp_repo_vd *vd, char *why, size_t why_len);

/**
 * vvmpd_raid_device() - the raid device of a stored RAID5 VD: the one in
 * the kernel if it is there with the expected table (a vvmpd restart),
 * else assembled again from the members' existing metadata (a reboot), or,
 * with @fresh, built over zeroed metadata (a set never built yet).
 * @dev: its "major:minor"; @sectors: its size
 * Return: 0, or -errno with the reason in @why.
 */
int vvmpd_raid_device(struct vvmpd *d, const struct vvmp_repo_vd *vd, bool fresh, char *dev,
		      size_t dev_len, uint64_t *sectors, char *why, size_t why_len);

/* ap_push.c: the raid set of VD @vd_id is new: its first push builds it fresh. */
void vvmpd_ap_raid_fresh(struct vvmpd *d, uint32_t vd_id);

/**
 * vvmpd_raid_remove() - remove the dm devices of VD @vd_id (after its
 * kernel VD). A raid device still open (its dm-vvmp VD is still exposed)
 * gets an "error" table, which stops the array at once, and goes when it is
 * closed (deferred removal); the members' devices go at once.
 */
void vvmpd_raid_remove(struct vvmpd *d, uint32_t vd_id);

/** vvmpd_raid_prune() - remove the raid devices of this SAN's VDs that are not stored RAID5 VDs. */
void vvmpd_raid_prune(struct vvmpd *d);

#endif
