/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vvmp: the contract between the dm-vvmp kernel module and userspace.
 *
 * Part 1 is the vocabulary of the device-mapper target `vvmp` (table words,
 * limits, status characters, messages), specified in
 * Documentation/dm-vvmp.rst. Part 2 is the generic-netlink family `vvmp`,
 * specified in Documentation/vvmp-netlink.rst: every command, attribute,
 * enum and mask bit is defined here once, for the kernel and for libvaapi.
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

/*
 * Dirty-region log: a region is a power of two of sectors. A write marks
 * its regions dirty while a leg that is not in sync may lack it; a resync
 * copies only dirty regions.
 */
#define VVMP_REGION_SECTORS_DEFAULT	1024	/* 512 KiB */
#define VVMP_REGION_SECTORS_MIN		8
#define VVMP_REGION_SECTORS_MAX		(1U << 21)

/* Layout words. */
#define VVMP_LAYOUT_LINEAR_NAME		"linear"
#define VVMP_LAYOUT_STRIPED_NAME	"striped"

/* Feature arguments. */
#define VVMP_FEATURE_NOSYNC_NAME	"nosync"
#define VVMP_FEATURE_READ_POLICY_NAME	"read_policy"
#define VVMP_FEATURE_REGION_SIZE_NAME	"region_size"	/* <sectors> */
#define VVMP_FEATURE_RESYNC_RATE_NAME	"resync_rate"	/* <KiB/s> */
#define VVMP_FEATURE_LOG_NAME		"log"	/* <device> <offset>: on disk */
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
#define VVMP_MSG_RESYNC_RATE		"resync_rate"	/* <KiB/s>, 0: unlimited */
#define VVMP_MSG_ACTIVATE		"activate"	/* after a deactivation */

/*
 * Table of a device exposing a named VD: "vd <name> [client <name>]"; its
 * length is the VD's size. One device per VD and client (a reload of that
 * device, e.g. to grow it, is allowed).
 */
#define VVMP_TABLE_VD_WORD		"vd"
#define VVMP_TABLE_CLIENT_WORD		"client"

/*
 * ---- Part 2: the generic-netlink family "vvmp" --------------------------
 *
 * Objects: a VD (named, VVMP_NAME_MAX) has a map (layout, legs, extents on
 * physical devices), per-leg health and plan parameters, divert ranges, a
 * default policy (ACL, status, class of service) and per-client policies.
 * A client is a named identity. A dm device with the table
 * "vvmp vd <vd> [client <client>]" exposes a VD to one client and enforces
 * that client's policy on every bio.
 *
 * Every command that changes state needs CAP_NET_ADMIN (GENL_ADMIN_PERM).
 * All attributes are validated strictly; nested attributes must carry
 * NLA_F_NESTED. Errors come back as a negative errno with an extack
 * message naming the offending attribute.
 *
 * Commands are listed by VAAPI group; libvaapi has one function per command,
 * named vaapi_<group>_<verb> (see include/vvmp/vaapi.h).
 */
#define VVMP_GENL_NAME			"vvmp"
#define VVMP_GENL_VERSION		1
#define VVMP_MCGRP_EVENTS		"events"

#define VVMP_NAME_MAX			64	/* VD and client names, with NUL */
#define VVMP_DEVICE_PATH_MAX		256	/* "/dev/..." or "major:minor" */
#define VVMP_MAX_DIVERT_RANGES		64	/* per VD */
#define VVMP_MAX_TXN_OPS		256	/* commands staged in one txn */
#define VVMP_LAT_BUCKETS		32	/* log2 latency histogram */

enum vvmp_cmd {
	VVMP_CMD_UNSPEC,

	/* AP: virtual disks and their maps. */
	VVMP_CMD_VD_CREATE,	/* VD_NAME, MAP [REGION_SECTORS] [RESYNC_RATE] */
				/* [LOG] */
	VVMP_CMD_VD_DELETE,	/* VD_NAME; -EBUSY while a device exposes it */
	VVMP_CMD_VD_GET,	/* VD_NAME -> VD info (below); dump: every VD */
	VVMP_CMD_VD_GET_MAP,	/* VD_NAME -> MAP with leg health, GENERATION */
	VVMP_CMD_VD_SET_MAP,	/* VD_NAME, MAP -> VD_SIZE, GENERATION: live */
	VVMP_CMD_VD_SET_SEGMENT,/* as SET_MAP, SEGMENT: a range / extend */
	VVMP_CMD_VD_GET_MAP_SIZE, /* VD_NAME -> MAP_EXTENTS, MAP_BYTES */

	/* PEAP: clients and what each may do with each VD. */
	VVMP_CMD_CLIENT_SET,	/* CLIENT_NAME [CLIENT_INFO]: create/update */
	VVMP_CMD_CLIENT_DELETE,	/* CLIENT_NAME; -EBUSY while a device binds it */
	VVMP_CMD_CLIENT_GET,	/* CLIENT_NAME -> client; dump: every client */
	VVMP_CMD_ACL_SET,	/* VD_NAME [CLIENT_NAME] ACL */
	VVMP_CMD_ACL_GET,	/* VD_NAME [CLIENT_NAME] -> ACL in force */
	VVMP_CMD_STATUS_SET,	/* VD_NAME [CLIENT_NAME] STATUS */
	VVMP_CMD_STATUS_GET,	/* VD_NAME [CLIENT_NAME] -> STATUS in force */
	VVMP_CMD_COS_SET,	/* VD_NAME [CLIENT_NAME] COS: whole class, */
				/* an absent limit is 0 (unlimited) */
	VVMP_CMD_COS_GET,	/* VD_NAME [CLIENT_NAME] -> COS in force */

	/* PSAP: statistics. */
	VVMP_CMD_STATS_SET,	/* VD_NAME STATS_DIRECTIVE (admin) */
	VVMP_CMD_STATS_GET,	/* VD_NAME -> STATS, LEG_STATS..., CLIENT_STATS... */
	VVMP_CMD_STATS_RESET,	/* VD_NAME (admin) */

	/* SSAP: the I/O plan's components, i.e. the mirror legs. */
	VVMP_CMD_PLAN_SET,	/* VD_NAME PLAN_OP [LEG_INDEX] [LEG] */

	/* IOP: per-component plan parameters and exception masks. */
	VVMP_CMD_PLAN_PARAMS_SET, /* VD_NAME LEG_INDEX COMPONENT */
	VVMP_CMD_PLAN_PARAMS_GET, /* VD_NAME -> COMPONENT per leg */

	/* EH: divert ranges (I/O on them goes to the control path). */
	VVMP_CMD_DIVERT_ADD,	/* VD_NAME RANGE */
	VVMP_CMD_DIVERT_DELETE,	/* VD_NAME RANGE (exactly as added) */
	VVMP_CMD_DIVERT_GET,	/* VD_NAME -> RANGE... */

	/* TX: transactions. */
	VVMP_CMD_TXN_BEGIN,	/* -> TXN_ID */
	VVMP_CMD_TXN_COMMIT,	/* TXN_ID: apply every staged command or none */
	VVMP_CMD_TXN_ABORT,	/* TXN_ID: drop the staged commands */

	/* Events: the current state as event records, then the stream. */
	VVMP_CMD_STATE_GET,	/* dump: SNAPSHOT_SEQ, then one EVENT per object */
	VVMP_CMD_EVENT,		/* multicast on VVMP_MCGRP_EVENTS */

	/* EH: exceptions and recovery. */
	VVMP_CMD_VD_ACTIVATE,	/* VD_NAME: I/O again after a deactivation */
	VVMP_CMD_RESYNC_SET,	/* VD_NAME RESYNC_RATE (KiB/s, 0: unlimited) */

	/*
	 * EH: exception plans. A plan the AP does not finish (I/O on a
	 * divert range; a failed component with the log-data mask) is held
	 * and announced (EVENT_EXCEPTION) until the CP resubmits or aborts it,
	 * or its VD's timeout applies. The client bio is held meanwhile.
	 */
	VVMP_CMD_EXC_GET,	/* EXC_ID -> VD_NAME EXCEPTION; dump [VD_NAME]: */
				/* every held plan (OWNER 0: still the AP's) */
	VVMP_CMD_EXC_TAKE,	/* EXC_ID: the caller's socket owns the plan; */
				/* when it closes, the plan's timeout applies */
	VVMP_CMD_EXC_RESUBMIT,	/* EXC_ID EXC_GENERATION: run it again; */
				/* -ESTALE if the VD's map changed since */
	VVMP_CMD_EXC_ABORT,	/* EXC_ID [EXC_ERRNO]: fail the client I/O; */
				/* EIO ENOSPC ENOLINK ETIMEDOUT EOPNOTSUPP... */
	VVMP_CMD_EXC_POLICY_SET, /* VD_NAME [EXC_TIMEOUT_MS] [EXC_ON_TIMEOUT] */
	VVMP_CMD_PASSTHROUGH,	/* VD_NAME LEG_INDEX IO -> [DATA]: raw I/O */
				/* on one component (leg), VD sectors */
	VVMP_CMD_COPY,		/* VD_NAME COPY: kcopyd within the VD; the */
				/* destination must lie in a divert range */

	__VVMP_CMD_MAX,
};
#define VVMP_CMD_MAX (__VVMP_CMD_MAX - 1)

/*
 * Top-level attributes. "VD info" (VD_GET, VD_EXISTS) is VD_NAME, VD_SIZE,
 * GENERATION, EVENT_SEQ, one LEG (INDEX, HEALTH) per leg, the VD's default
 * ACL, STATUS and COS, one COMPONENT per leg, its RANGEs, one DEVICE per dm
 * device exposing it and NR_DEVICES, REGION_SECTORS, RESYNC_RATE,
 * EXC_TIMEOUT_MS, EXC_ON_TIMEOUT and, while I/O is stopped, DEACTIVATED.
 */
enum vvmp_attr {
	VVMP_A_UNSPEC,
	VVMP_A_VD_NAME,		/* string, 1..VVMP_NAME_MAX-1 bytes */
	VVMP_A_CLIENT_NAME,	/* string, 1..VVMP_NAME_MAX-1 bytes */
	VVMP_A_CLIENT_INFO,	/* string: free text (IQN, host), < 256 */
	VVMP_A_TXN_ID,		/* u32: stage this command in a transaction */
	VVMP_A_MAP,		/* nest: enum vvmp_map_attr */
	VVMP_A_SEGMENT,		/* nest: enum vvmp_segment_attr */
	VVMP_A_VD_SIZE,		/* u64: sectors */
	VVMP_A_GENERATION,	/* u64: map generation, +1 per map change */
	VVMP_A_ACL,		/* u8: enum vvmp_acl */
	VVMP_A_STATUS,		/* u8: enum vvmp_status */
	VVMP_A_COS,		/* nest: enum vvmp_cos_attr */
	VVMP_A_POLICY_SOURCE,	/* u8: enum vvmp_policy_source (replies) */
	VVMP_A_NR_DEVICES,	/* u32: dm devices exposing the VD */
	VVMP_A_DEVICE,		/* nest: enum vvmp_device_attr, repeated */
	VVMP_A_MAP_EXTENTS,	/* u32: extents in the map, all legs */
	VVMP_A_MAP_BYTES,	/* u64: kernel memory the map takes */
	VVMP_A_STATS_DIRECTIVE,	/* nest: enum vvmp_directive_attr */
	VVMP_A_STATS,		/* nest: enum vvmp_stats_attr (the VD) */
	VVMP_A_LEG_STATS,	/* nest: stats + VVMP_STATS_A_LEG, repeated */
	VVMP_A_CLIENT_STATS,	/* nest: stats + VVMP_STATS_A_CLIENT, repeated */
	VVMP_A_PLAN_OP,		/* u8: enum vvmp_plan_op */
	VVMP_A_LEG_INDEX,	/* u32 */
	VVMP_A_LEG,		/* nest: enum vvmp_leg_attr */
	VVMP_A_COMPONENT,	/* nest: enum vvmp_component_attr, repeated */
	VVMP_A_RANGE,		/* nest: enum vvmp_range_attr, repeated */
	VVMP_A_EVENT,		/* u8: enum vvmp_event */
	VVMP_A_EVENT_SEQ,	/* u64: sequence number of the last change */
	VVMP_A_SNAPSHOT_SEQ,	/* u64: event sequence when a dump started */
	VVMP_A_EVENTS_LOST,	/* flag, on the first event after a drop: */
				/* events were lost; dump again */
	VVMP_A_THRESHOLD,	/* u64: the stats threshold that was crossed */
	VVMP_A_REGION_SECTORS,	/* u32: VD_CREATE: log region, power of 2 */
	VVMP_A_RESYNC_RATE,	/* u32: KiB/s a resync copies at, 0: no limit */
	VVMP_A_DEACTIVATED,	/* flag: a component failure stopped all I/O */
	VVMP_A_EXCEPTION,	/* nest: enum vvmp_exc_attr */
	VVMP_A_EXC_ID,		/* u64 */
	VVMP_A_EXC_ERRNO,	/* u32: positive errno the client gets (EIO) */
	VVMP_A_EXC_TIMEOUT_MS,	/* u32: how long a plan may be held, > 0 */
				/* (VVMP_EXC_TIMEOUT_MS_DEFAULT) */
	VVMP_A_EXC_ON_TIMEOUT,	/* u8: enum vvmp_exc_on_timeout */
	VVMP_A_EXC_OUTCOME,	/* u8: enum vvmp_exc_outcome (events) */
	VVMP_A_IO,		/* nest: enum vvmp_io_attr */
	VVMP_A_DATA,		/* binary: PASSTHROUGH data, <= 32768 bytes */
	VVMP_A_COPY,		/* nest: enum vvmp_copy_attr */
	VVMP_A_EXC_GENERATION,	/* u64: the plan's generation, as fetched */
	VVMP_A_FULL_COPY,	/* flag: PLAN_RESTORE copies the whole leg */
	VVMP_A_PAD,
	VVMP_A_LOG,		/* nest: enum vvmp_extent_attr: VD_CREATE: */
				/* the persistent dirty-region log */
	__VVMP_A_MAX,
};
#define VVMP_A_MAX (__VVMP_A_MAX - 1)

/* A map: the whole geometry of a VD (as in a classic table line). */
enum vvmp_map_attr {
	VVMP_MAP_A_UNSPEC,
	VVMP_MAP_A_LAYOUT,		/* u8: enum vvmp_map_layout */
	VVMP_MAP_A_CHUNK_SECTORS,	/* u32: striped only */
	VVMP_MAP_A_LEG,			/* nest: enum vvmp_leg_attr, 1..8 */
	VVMP_MAP_A_NOSYNC,		/* flag: legs declared identical */
	__VVMP_MAP_A_MAX,
};
#define VVMP_MAP_A_MAX (__VVMP_MAP_A_MAX - 1)

enum vvmp_map_layout {
	VVMP_MAP_LINEAR,
	VVMP_MAP_STRIPED,
};

enum vvmp_leg_attr {
	VVMP_LEG_A_UNSPEC,
	VVMP_LEG_A_EXTENT,	/* nest: enum vvmp_extent_attr, 1..64 */
	VVMP_LEG_A_INDEX,	/* u32 (replies) */
	VVMP_LEG_A_HEALTH,	/* u8: enum vvmp_leg_state (replies) */
	__VVMP_LEG_A_MAX,
};
#define VVMP_LEG_A_MAX (__VVMP_LEG_A_MAX - 1)

enum vvmp_extent_attr {
	VVMP_EXTENT_A_UNSPEC,
	VVMP_EXTENT_A_DEVICE,	/* string: "/dev/..." or "major:minor" */
	VVMP_EXTENT_A_OFFSET,	/* u64: first sector on the device */
	VVMP_EXTENT_A_LENGTH,	/* u64: sectors, > 0 */
	__VVMP_EXTENT_A_MAX,
};
#define VVMP_EXTENT_A_MAX (__VVMP_EXTENT_A_MAX - 1)

/* Leg health, as the A/a/D characters of `dmsetup status`. */
enum vvmp_leg_state {
	VVMP_LEG_STATE_IN_SYNC,
	VVMP_LEG_STATE_OUT_OF_SYNC,
	VVMP_LEG_STATE_FAILED,
};

/*
 * A segment: VD sectors [START, START + LENGTH) of a linear VD placed on one
 * extent per leg (EXTENT attributes in leg order, one per leg). START equal
 * to the VD size appends the segment and grows the VD.
 */
enum vvmp_segment_attr {
	VVMP_SEGMENT_A_UNSPEC,
	VVMP_SEGMENT_A_START,	/* u64: VD sector */
	VVMP_SEGMENT_A_LENGTH,	/* u64: sectors, > 0 */
	VVMP_SEGMENT_A_EXTENT,	/* nest: enum vvmp_extent_attr, one per leg */
	__VVMP_SEGMENT_A_MAX,
};
#define VVMP_SEGMENT_A_MAX (__VVMP_SEGMENT_A_MAX - 1)

/* What a dm device bound to the VD is (VD_GET replies). */
enum vvmp_device_attr {
	VVMP_DEVICE_A_UNSPEC,
	VVMP_DEVICE_A_NAME,	/* string: the dm device name (< 128 bytes) */
	VVMP_DEVICE_A_DEV,	/* u32: new_encode_dev() of the dm device */
	VVMP_DEVICE_A_CLIENT,	/* string: the client, absent for none */
	VVMP_DEVICE_A_SIZE,	/* u64: the dm table's length in sectors */
	__VVMP_DEVICE_A_MAX,
};
#define VVMP_DEVICE_A_MAX (__VVMP_DEVICE_A_MAX - 1)

enum vvmp_acl {
	VVMP_ACL_NONE,		/* every bio fails (BLK_STS_PROTECTION) */
	VVMP_ACL_RO,		/* writes, discards, zeroes fail */
	VVMP_ACL_RW,		/* the default */
};

enum vvmp_status {
	VVMP_STATUS_ENABLED,	/* the default */
	VVMP_STATUS_DISABLED,	/* every bio fails (BLK_STS_IOERR) */
	VVMP_STATUS_QUIESCED,	/* bios are held, released in order on enable */
};

/* Whether a policy in force is the client's own or the VD's default. */
enum vvmp_policy_source {
	VVMP_POLICY_VD_DEFAULT,
	VVMP_POLICY_CLIENT,
};

/* Class of service; 0 means unlimited. */
enum vvmp_cos_attr {
	VVMP_COS_A_UNSPEC,
	VVMP_COS_A_IOPS,	/* u64: bios per second */
	VVMP_COS_A_BPS,		/* u64: bytes per second */
	VVMP_COS_A_PRIORITY,	/* u8: I/O priority class (IOPRIO_CLASS_*) */
	__VVMP_COS_A_MAX,
};
#define VVMP_COS_A_MAX (__VVMP_COS_A_MAX - 1)

/* Stats-collection directive of a VD. */
enum vvmp_directive_attr {
	VVMP_DIRECTIVE_A_UNSPEC,
	VVMP_DIRECTIVE_A_LATENCY,	/* u8: 1 = keep latency histograms */
	VVMP_DIRECTIVE_A_ERROR_THRESHOLD, /* u64: event at this many errors */
	__VVMP_DIRECTIVE_A_MAX,
};
#define VVMP_DIRECTIVE_A_MAX (__VVMP_DIRECTIVE_A_MAX - 1)

/*
 * Counters of a VD, of one of its legs or of one client's device. Latency
 * bucket i counts bios that took [2^i, 2^(i+1)) microseconds (bucket 0:
 * below 2 us); bucket VVMP_LAT_BUCKETS-1 takes everything longer.
 */
enum vvmp_stats_attr {
	VVMP_STATS_A_UNSPEC,
	VVMP_STATS_A_LEG,		/* u32: leg index (LEG_STATS) */
	VVMP_STATS_A_CLIENT,		/* string (CLIENT_STATS) */
	VVMP_STATS_A_READS,		/* u64 */
	VVMP_STATS_A_WRITES,		/* u64 */
	VVMP_STATS_A_READ_BYTES,	/* u64 */
	VVMP_STATS_A_WRITE_BYTES,	/* u64 */
	VVMP_STATS_A_READ_ERRORS,	/* u64 */
	VVMP_STATS_A_WRITE_ERRORS,	/* u64 */
	VVMP_STATS_A_IN_FLIGHT,		/* u64 */
	VVMP_STATS_A_EXCEPTIONS,	/* u64 */
	VVMP_STATS_A_REFUSED,		/* u64: bios refused by ACL/status */
	VVMP_STATS_A_THROTTLED,		/* u64: bios delayed by CoS */
	VVMP_STATS_A_LATENCY,		/* binary: u64[VVMP_LAT_BUCKETS] */
	VVMP_STATS_A_PAD,
	VVMP_STATS_A_DIRTY_REGIONS,	/* u64: VD: regions to resync */
	VVMP_STATS_A_REGIONS,		/* u64: VD: regions in the log */
	VVMP_STATS_A_COPIED_BYTES,	/* u64: VD: copied by resyncs */
	__VVMP_STATS_A_MAX,
};
#define VVMP_STATS_A_MAX (__VVMP_STATS_A_MAX - 1)

enum vvmp_plan_op {
	VVMP_PLAN_ATTACH,	/* LEG: a new last leg, copied from in-sync legs */
	VVMP_PLAN_DETACH,	/* LEG_INDEX: remove it; later legs move down */
	VVMP_PLAN_REPLACE,	/* LEG_INDEX, LEG: new extents, copied */
	VVMP_PLAN_FAIL,		/* LEG_INDEX: the leg takes no more I/O */
				/* (-EBUSY for the last in-sync leg) */
	VVMP_PLAN_RESTORE,	/* LEG_INDEX [FULL_COPY]: a failed leg is */
				/* resynced (dirty regions, or everything) */
};

/* Plan parameters and masks of one component (leg). */
enum vvmp_component_attr {
	VVMP_COMPONENT_A_UNSPEC,
	VVMP_COMPONENT_A_LEG,		/* u32: leg index (replies) */
	VVMP_COMPONENT_A_TIMEOUT_MS,	/* u32: how long a plan of this failed */
					/* leg is held, 0: the VD's EXC_TIMEOUT_MS */
	VVMP_COMPONENT_A_MASKS,		/* u32: VVMP_MASK_* bits */
	__VVMP_COMPONENT_A_MAX,
};
#define VVMP_COMPONENT_A_MAX (__VVMP_COMPONENT_A_MAX - 1)

/* The four masks of a plan component (semantics: exception handling). */
#define VVMP_MASK_CONTINUATION	(1U << 0) /* others run after it fails */
#define VVMP_MASK_SUCCESS	(1U << 1) /* must succeed for the client */
#define VVMP_MASK_LOG		(1U << 2) /* failure logs the region */
#define VVMP_MASK_LOG_DATA	(1U << 3) /* ... and hands data to the CP */
#define VVMP_MASK_DEACTIVATE	(1U << 4) /* failure makes the VD unavailable */
#define VVMP_MASK_ALL		0x1fU
#define VVMP_MASK_DEFAULT	(VVMP_MASK_CONTINUATION | VVMP_MASK_LOG)

enum vvmp_range_attr {
	VVMP_RANGE_A_UNSPEC,
	VVMP_RANGE_A_START,	/* u64: VD sector */
	VVMP_RANGE_A_LENGTH,	/* u64: sectors, > 0 */
	__VVMP_RANGE_A_MAX,
};
#define VVMP_RANGE_A_MAX (__VVMP_RANGE_A_MAX - 1)

/* One exception plan (EXC_GET, EVENT_EXCEPTION). */
enum vvmp_exc_attr {
	VVMP_EXC_A_UNSPEC,
	VVMP_EXC_A_ID,		/* u64: unique while the module is loaded */
	VVMP_EXC_A_GENERATION,	/* u64: the VD's map generation of the plan */
	VVMP_EXC_A_REASON,	/* u8: enum vvmp_exc_reason */
	VVMP_EXC_A_OP,		/* u8: enum vvmp_io_op */
	VVMP_EXC_A_SECTOR,	/* u64: first VD sector */
	VVMP_EXC_A_LENGTH,	/* u64: sectors */
	VVMP_EXC_A_LEG,		/* u32: the failed component (COMPONENT) */
	VVMP_EXC_A_OWNER,	/* u32: netlink port id of the owner, 0: AP */
	VVMP_EXC_A_AGE_MS,	/* u32: since the plan was held */
	VVMP_EXC_A_CLIENT,	/* string: the client of the device, if any */
	VVMP_EXC_A_PAD,
	__VVMP_EXC_A_MAX,
};
#define VVMP_EXC_A_MAX (__VVMP_EXC_A_MAX - 1)

enum vvmp_exc_reason {
	VVMP_EXC_DIVERT,	/* the I/O overlaps a divert range */
	VVMP_EXC_COMPONENT,	/* a component with the log-data mask failed */
};

#define VVMP_EXC_TIMEOUT_MS_DEFAULT	30000
#define VVMP_EXC_TIMEOUT_MS_MAX		3600000

enum vvmp_exc_on_timeout {
	VVMP_EXC_TIMEOUT_FAIL,	/* the client I/O fails with EIO (default) */
	VVMP_EXC_TIMEOUT_HOLD,	/* keep holding; EVENT_EXCEPTION again */
};

enum vvmp_exc_outcome {
	VVMP_EXC_RESUBMITTED,
	VVMP_EXC_ABORTED,
	VVMP_EXC_TIMED_OUT,	/* failed by the timeout policy */
	VVMP_EXC_RELEASED,	/* its divert range was removed */
	VVMP_EXC_REQUEUED,	/* a noflush suspend gave it back to dm */
};

enum vvmp_io_op {
	VVMP_IO_READ,
	VVMP_IO_WRITE,
	VVMP_IO_DISCARD,
	VVMP_IO_WRITE_ZEROES,
	VVMP_IO_FLUSH,
};

/* A raw I/O on one component (PASSTHROUGH). */
#define VVMP_IO_MAX_BYTES	32768
enum vvmp_io_attr {
	VVMP_IO_A_UNSPEC,
	VVMP_IO_A_OP,		/* u8: enum vvmp_io_op (read, write) */
	VVMP_IO_A_SECTOR,	/* u64: VD sector, on the leg's layout */
	VVMP_IO_A_LENGTH,	/* u32: bytes, a multiple of 512, <= 32768 */
	__VVMP_IO_A_MAX,
};
#define VVMP_IO_A_MAX (__VVMP_IO_A_MAX - 1)

/* A copy within a VD (COPY): from a leg (or any in-sync leg) to a leg */
/* (or every leg not failed). */
enum vvmp_copy_attr {
	VVMP_COPY_A_UNSPEC,
	VVMP_COPY_A_SRC_LEG,	/* u32; absent: an in-sync leg */
	VVMP_COPY_A_SRC_SECTOR,	/* u64: VD sector */
	VVMP_COPY_A_DST_LEG,	/* u32; absent: every leg not failed */
	VVMP_COPY_A_DST_SECTOR,	/* u64: VD sector */
	VVMP_COPY_A_LENGTH,	/* u64: sectors, > 0 */
	__VVMP_COPY_A_MAX,
};
#define VVMP_COPY_A_MAX (__VVMP_COPY_A_MAX - 1)

/*
 * Events. Every change of state takes the next EVENT_SEQ and is announced
 * in that order on the "events" group. There are two kinds of object: a
 * VD (its map, legs, policies for every client, devices, plan parameters,
 * divert ranges and stats thresholds are all changes of the VD) and a
 * client. STATE_GET dumps the current state: first a record holding only
 * SNAPSHOT_SEQ (the sequence when the dump began), then CLIENT_EXISTS per
 * client, then per VD a VD_EXISTS record (VD info) followed by one POLICY
 * record per client with its own policy on that VD; every record carries
 * its object's EVENT_SEQ. A listener subscribes first, then dumps, then
 * applies a streamed event only if its EVENT_SEQ is greater than the dumped
 * object's EVENT_SEQ (or than SNAPSHOT_SEQ for an object the dump did not
 * contain).
 */
enum vvmp_event {
	VVMP_EVENT_VD_EXISTS,		/* snapshot record: VD info */
	VVMP_EVENT_VD_CREATED,
	VVMP_EVENT_VD_DELETED,
	VVMP_EVENT_VD_MAP,		/* new map: GENERATION, VD_SIZE */
	VVMP_EVENT_LEG_STATE,		/* LEG_INDEX, LEG (HEALTH) */
	VVMP_EVENT_POLICY,		/* [CLIENT_NAME] ACL STATUS COS */
	VVMP_EVENT_DEVICE_BOUND,	/* DEVICE */
	VVMP_EVENT_DEVICE_UNBOUND,	/* DEVICE */
	VVMP_EVENT_PLAN_PARAMS,		/* COMPONENT */
	VVMP_EVENT_DIVERT,		/* RANGE...: the VD's ranges now */
	VVMP_EVENT_STATS_THRESHOLD,	/* THRESHOLD, [CLIENT_NAME] */
	VVMP_EVENT_CLIENT_EXISTS,	/* snapshot record: client */
	VVMP_EVENT_CLIENT_CREATED,
	VVMP_EVENT_CLIENT_DELETED,
	VVMP_EVENT_CLIENT_CHANGED,	/* CLIENT_INFO */
	VVMP_EVENT_VD_ACTIVITY,		/* [DEACTIVATED [LEG_INDEX]]: the VD */
					/* stopped (a leg's failure) or resumed */
	VVMP_EVENT_EXCEPTION,		/* EXCEPTION: a plan is held for the CP */
	VVMP_EVENT_EXCEPTION_DONE,	/* EXC_ID EXC_OUTCOME [EXC_ERRNO] */
	VVMP_EVENT_VD_PARAMS,		/* RESYNC_RATE EXC_TIMEOUT_MS */
					/* EXC_ON_TIMEOUT: the VD's now */
};

#endif /* _UAPI_LINUX_VVMP_H */
