// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel hand-off: pushing repository state to dm-vvmp through
 * libvaapi. This is the one place vvmpd will talk to the kernel; every
 * change of a VD (create, grow, shrink, ACL, remove) and the start of the
 * daemon call in here. Until libvaapi exists (issue 3) it only logs what it
 * would push, so the rest of vvmpd is written against its final interface.
 *
 * Intended behaviour (issue 5): at start and after the module is
 * (re)loaded, push every VD, client, ACL and CoS in one netlink
 * transaction; VDs created from dm tables before that hold their I/O until
 * the push completes or the "config complete" hold-down policy
 * (policies.hold_down_ms) expires.
 */
#include "daemon/vvmpd_internal.h"

void vvmpd_ap_push_all(struct vvmpd *d)
{
	vvmpd_debug(d, "ap_push: full state push skipped (libvaapi not available yet)");
}

void vvmpd_ap_push_vd(struct vvmpd *d, uint32_t vd_id, const char *what)
{
	vvmpd_debug(d, "ap_push: vd %u %s (not pushed: libvaapi not available yet)", vd_id, what);
}
