/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vvmp: the contract between the dm-vvmp kernel module and userspace.
 *
 * This version holds the vocabulary of the device-mapper target `vvmp`
 * (table words, limits, status characters, messages) as specified in
 * Documentation/dm-vvmp.rst. The generic-netlink family `vvmp` will be
 * defined here too, once, for kernel and userspace alike.
 */
#ifndef _UAPI_LINUX_VVMP_H
#define _UAPI_LINUX_VVMP_H

#define VVMP_TARGET_NAME		"vvmp"
#define VVMP_TARGET_VERSION_MAJOR	1
#define VVMP_TARGET_VERSION_MINOR	0
#define VVMP_TARGET_VERSION_PATCH	0

/* Table limits. */
#define VVMP_MAX_LEGS			8	/* a VD of 2..8 legs is a mirror */
#define VVMP_MAX_EXTENTS		64	/* per leg */
#define VVMP_MIN_CHUNK_SECTORS		8	/* striped: power of two >= this */

/* Layout words. */
#define VVMP_LAYOUT_LINEAR_NAME		"linear"
#define VVMP_LAYOUT_STRIPED_NAME	"striped"

/* Feature arguments. */
#define VVMP_FEATURE_NOSYNC_NAME	"nosync"
#define VVMP_FEATURE_READ_POLICY_NAME	"read_policy"
#define VVMP_READ_POLICY_LEAST_PENDING	"least-pending"	/* the default */
#define VVMP_READ_POLICY_ROUND_ROBIN	"round-robin"

/* Leg health characters in `dmsetup status`. */
#define VVMP_HEALTH_IN_SYNC		'A'
#define VVMP_HEALTH_OUT_OF_SYNC		'a'
#define VVMP_HEALTH_FAILED		'D'

/* `dmsetup message <dev> 0 ...` verbs. */
#define VVMP_MSG_FAIL_LEG		"fail_leg"
#define VVMP_MSG_RESTORE_LEG		"restore_leg"
#define VVMP_MSG_READ_POLICY		"read_policy"
#define VVMP_MSG_RESET_COUNTERS		"reset_counters"

#endif /* _UAPI_LINUX_VVMP_H */
