/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libvaapi: the C API of the vvmp generic-netlink family.
 *
 * One function per command of enum vvmp_cmd (include/uapi/linux/vvmp.h),
 * named vaapi_<VAAPI group>_<verb>. Every function returns 0 or a negative
 * errno; after a failure vaapi_strerror() gives the kernel's extack text.
 * A handle is not thread-safe: use one per thread.
 */
#ifndef _VVMP_VAAPI_H
#define _VVMP_VAAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vvmp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaapi;

/* Longest dm device name (DM_NAME_LEN) and client info text, with NUL. */
#define VAAPI_DM_NAME_MAX	128
#define VAAPI_CLIENT_INFO_MAX	256
/* Records kept per reply; a reply with more sets the *_truncated flag. */
#define VAAPI_MAX_DEVICES	64
#define VAAPI_MAX_CLIENT_STATS	64

/* ---- plain data ------------------------------------------------------- */

/* One extent: sectors [offset, offset + length) of a physical device. */
struct vaapi_extent {
	char device[VVMP_DEVICE_PATH_MAX];	/* "/dev/..." or "major:minor" */
	uint64_t offset;
	uint64_t length;
};

/* One leg (plan component) of a map. */
struct vaapi_leg {
	uint32_t index;			/* replies */
	bool has_index;
	enum vvmp_leg_state health;	/* replies */
	bool has_health;
	unsigned int nr_extents;
	struct vaapi_extent extents[VVMP_MAX_EXTENTS];
};

/* The geometry of a VD, as a table line gives it. */
struct vaapi_map {
	enum vvmp_map_layout layout;
	uint32_t chunk_sectors;		/* striped only */
	bool nosync;
	uint64_t generation;		/* VD_GET_MAP replies */
	bool has_generation;
	unsigned int nr_legs;
	struct vaapi_leg legs[VVMP_MAX_LEGS];
};

/* VD sectors [start, start + length) on one extent per leg. */
struct vaapi_segment {
	uint64_t start;
	uint64_t length;
	unsigned int nr_extents;	/* one per leg, in leg order */
	struct vaapi_extent extents[VVMP_MAX_LEGS];
};

/* A dm device that exposes a VD. */
struct vaapi_device {
	char name[VAAPI_DM_NAME_MAX];
	uint32_t dev;			/* new_encode_dev() */
	bool has_dev;
	char client[VVMP_NAME_MAX];	/* "" for none */
	uint64_t size;			/* sectors of its table */
	bool has_size;
};

/* Class of service; 0 means unlimited. */
#define VAAPI_COS_IOPS		(1U << 0)
#define VAAPI_COS_BPS		(1U << 1)
#define VAAPI_COS_PRIORITY	(1U << 2)
struct vaapi_cos {
	unsigned int present;		/* VAAPI_COS_* of the fields set */
	uint64_t iops;
	uint64_t bps;
	uint8_t priority;
};

/* Which attributes a reply carried: VAAPI_HAS(x, VVMP_A_...). */
#define VAAPI_HAS(obj, attr)	(((obj)->present >> (attr)) & 1)

/*
 * What VD_CREATE takes besides the name and the map; a field is sent only
 * with its bit in present, else the kernel's default applies.
 */
#define VAAPI_VD_OPT_REGION_SECTORS	(1U << 0)
#define VAAPI_VD_OPT_RESYNC_RATE	(1U << 1)
struct vaapi_vd_opts {
	unsigned int present;		/* VAAPI_VD_OPT_* of the fields set */
	uint32_t region_sectors;	/* dirty-region log: a power of two, */
					/* VVMP_REGION_SECTORS_MIN..MAX; */
					/* default VVMP_REGION_SECTORS_DEFAULT */
	uint32_t resync_rate;		/* KiB/s a resync copies at; */
					/* 0 (the default): no limit */
};

/* What VD_GET says about a VD. */
struct vaapi_vd_info {
	uint64_t present;		/* 1 << VVMP_A_* of the attributes */
	char name[VVMP_NAME_MAX];
	uint64_t size;			/* sectors */
	uint64_t generation;
	enum vvmp_acl acl;		/* the VD's default policy, if sent */
	enum vvmp_status status;
	struct vaapi_cos cos;
	uint32_t nr_devices;		/* VVMP_A_NR_DEVICES */
	unsigned int nr_device_records;	/* entries of devices[] filled */
	bool devices_truncated;
	struct vaapi_device devices[VAAPI_MAX_DEVICES];
	uint32_t region_sectors;	/* VVMP_A_REGION_SECTORS: log region */
	uint32_t resync_rate;		/* VVMP_A_RESYNC_RATE: KiB/s, 0: no limit */
	bool deactivated;		/* VVMP_A_DEACTIVATED: all I/O fails */
					/* until vaapi_eh_activate_vd() */
	uint32_t exc_timeout_ms;	/* VVMP_A_EXC_TIMEOUT_MS: how long a */
					/* plan is held for the control path */
	enum vvmp_exc_on_timeout exc_on_timeout; /* VVMP_A_EXC_ON_TIMEOUT */
};

/* A client. */
struct vaapi_client_info {
	char name[VVMP_NAME_MAX];
	char info[VAAPI_CLIENT_INFO_MAX];
	bool has_info;
};

/* The policy in force for a VD or a VD+client, and where it comes from. */
struct vaapi_policy {
	enum vvmp_acl acl;
	enum vvmp_status status;
	struct vaapi_cos cos;
	enum vvmp_policy_source source;
	bool has_source;
};

/* Stats-collection directive. */
#define VAAPI_DIRECTIVE_LATENCY		(1U << 0)
#define VAAPI_DIRECTIVE_ERROR_THRESHOLD	(1U << 1)
struct vaapi_stats_directive {
	unsigned int present;		/* VAAPI_DIRECTIVE_* of the fields set */
	bool latency;
	uint64_t error_threshold;
};

/* Counters of a VD, a leg or a client's device. */
struct vaapi_stats {
	bool has_leg;
	uint32_t leg;
	char client[VVMP_NAME_MAX];	/* "" unless a client's device's */
	uint64_t reads, writes;
	uint64_t read_bytes, write_bytes;
	uint64_t read_errors, write_errors;
	uint64_t in_flight;
	uint64_t exceptions;
	uint64_t refused;
	uint64_t throttled;
	bool has_latency;
	uint64_t latency[VVMP_LAT_BUCKETS];	/* [2^i, 2^(i+1)) us */
	/* The VD's dirty-region log and resyncs (the VD's STATS only). */
	bool has_log;			/* any of the three was sent */
	uint64_t dirty_regions;		/* regions a resync has to copy */
	uint64_t regions;		/* regions in the log (0: no log) */
	uint64_t copied_bytes;		/* copied by resyncs since creation */
};

/*
 * STATS_GET: the VD, each leg and each device exposing it (clients[], one
 * per device; client "" for the device without a client).
 */
struct vaapi_vd_stats {
	struct vaapi_stats vd;
	unsigned int nr_legs;
	struct vaapi_stats legs[VVMP_MAX_LEGS];
	unsigned int nr_clients;
	bool clients_truncated;
	struct vaapi_stats clients[VAAPI_MAX_CLIENT_STATS];
};

/* Plan parameters and masks of one component (leg). */
#define VAAPI_COMPONENT_TIMEOUT	(1U << 0)
#define VAAPI_COMPONENT_MASKS	(1U << 1)
struct vaapi_component {
	unsigned int present;		/* VAAPI_COMPONENT_* of the fields set */
	uint32_t leg;			/* replies */
	uint32_t timeout_ms;		/* 0 = none */
	uint32_t masks;			/* VVMP_MASK_* */
};

/* A divert range: VD sectors [start, start + length). */
struct vaapi_range {
	uint64_t start;
	uint64_t length;
};

/* A plan held for the control path (EXC_GET, EVENT_EXCEPTION). */
struct vaapi_exception {
	char vd[VVMP_NAME_MAX];
	uint64_t id;
	uint64_t generation;		/* the VD's map generation of the plan */
	enum vvmp_exc_reason reason;
	enum vvmp_io_op op;
	uint64_t sector;		/* VD sectors */
	uint64_t length;
	uint32_t leg;			/* VVMP_EXC_COMPONENT: the failed leg */
	uint32_t owner;			/* netlink port id, 0: still the AP's */
	uint32_t age_ms;
	char client[VVMP_NAME_MAX];	/* "" for a device without a client */
};

/* A copy within a VD (vaapi_eh_copy). */
struct vaapi_copy {
	bool has_src_leg;		/* else: an in-sync leg */
	uint32_t src_leg;
	uint64_t src_sector;
	bool has_dst_leg;		/* else: every leg not failed */
	uint32_t dst_leg;
	uint64_t dst_sector;
	uint64_t length;		/* sectors */
};

/* One event record (snapshot or stream); fields as listed in present. */
struct vaapi_event {
	uint64_t present;		/* 1 << VVMP_A_* of the attributes */
	enum vvmp_event type;
	uint64_t seq;			/* VVMP_A_EVENT_SEQ */
	uint64_t snapshot_seq;		/* VVMP_A_SNAPSHOT_SEQ */
	bool lost;			/* VVMP_A_EVENTS_LOST */
	char vd[VVMP_NAME_MAX];
	char client[VVMP_NAME_MAX];
	char client_info[VAAPI_CLIENT_INFO_MAX];
	uint64_t vd_size;
	uint64_t generation;
	uint32_t nr_devices;
	uint32_t leg_index;
	struct vaapi_leg leg;		/* health (and extents if sent) */
	enum vvmp_acl acl;
	enum vvmp_status status;
	struct vaapi_cos cos;
	struct vaapi_device device;
	struct vaapi_component component;
	uint64_t threshold;
	unsigned int nr_ranges;
	struct vaapi_range ranges[VVMP_MAX_DIVERT_RANGES];
	uint32_t region_sectors;	/* VD_EXISTS */
	uint32_t resync_rate;		/* VD_EXISTS, VD_PARAMS: KiB/s, 0: no limit */
	bool deactivated;		/* VD_EXISTS, VD_ACTIVITY (with */
					/* LEG_INDEX: the leg that failed) */
	struct vaapi_exception exception;	/* EVENT_EXCEPTION */
	uint64_t exc_id;			/* EVENT_EXCEPTION_DONE */
	enum vvmp_exc_outcome exc_outcome;
	uint32_t exc_errno;
	uint32_t exc_timeout_ms;		/* VD_EXISTS, VD_PARAMS */
	enum vvmp_exc_on_timeout exc_on_timeout; /* VD_EXISTS, VD_PARAMS */
};

/* ---- handle --------------------------------------------------------- */

/* Connect to the vvmp family; NULL with errno set (ENOENT: not loaded). */
struct vaapi *vaapi_open(void);
/* Close the handle (an open transaction is left to the kernel). */
void vaapi_close(struct vaapi *h);
/* Extack text of the last failed call ("" if none); h == NULL: of vaapi_open. */
const char *vaapi_strerror(struct vaapi *h);

/* ---- AP: virtual disks and their maps --------------------------------- */

/* Create VD @vd with @map. VVMP_CMD_VD_CREATE */
int vaapi_ap_create_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map);
/*
 * Create VD @vd with @map and the fields of @opts->present (@opts NULL: as
 * vaapi_ap_create_vd). -EINVAL before sending for a region size that is
 * not a power of two in VVMP_REGION_SECTORS_MIN..MAX or an unknown bit.
 * VVMP_CMD_VD_CREATE
 */
int vaapi_ap_create_vd_opts(struct vaapi *h, const char *vd, const struct vaapi_map *map,
			    const struct vaapi_vd_opts *opts);
/* Delete VD @vd (-EBUSY while a device exposes it). VVMP_CMD_VD_DELETE */
int vaapi_ap_delete_vd(struct vaapi *h, const char *vd);
/* Get VD @vd's info. VVMP_CMD_VD_GET */
int vaapi_ap_get_vd(struct vaapi *h, const char *vd, struct vaapi_vd_info *info);
/* Call @cb for every VD (stops early on a non-zero return). VVMP_CMD_VD_GET dump */
int vaapi_ap_list_vds(struct vaapi *h,
		      int (*cb)(const struct vaapi_vd_info *info, void *arg), void *arg);
/* Get VD @vd's map with leg health and generation. VVMP_CMD_VD_GET_MAP */
int vaapi_ap_get_map_vd(struct vaapi *h, const char *vd, struct vaapi_map *map);
/* Replace VD @vd's map live. VVMP_CMD_VD_SET_MAP */
int vaapi_ap_set_map_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map);
/* Replace a range of VD @vd, or extend it; then resize its dm devices. VVMP_CMD_VD_SET_SEGMENT */
int vaapi_ap_set_segment_vd(struct vaapi *h, const char *vd, const struct vaapi_segment *seg);
/* Get the extents and kernel memory of VD @vd's map. VVMP_CMD_VD_GET_MAP_SIZE */
int vaapi_ap_get_map_size_vd(struct vaapi *h, const char *vd,
			     uint32_t *map_extents, uint64_t *map_bytes);
/* Reload every dm device of @vd whose size differs from the VD's (VD_GET + dm ioctls). */
int vaapi_ap_resize_devices(struct vaapi *h, const char *vd);

/* ---- PEAP: clients, ACL, status, class of service ----------------------- */

/* Create or update client @client (@info may be NULL). VVMP_CMD_CLIENT_SET */
int vaapi_peap_set_client(struct vaapi *h, const char *client, const char *info);
/* Delete client @client (-EBUSY while a device binds it). VVMP_CMD_CLIENT_DELETE */
int vaapi_peap_delete_client(struct vaapi *h, const char *client);
/* Get client @client. VVMP_CMD_CLIENT_GET */
int vaapi_peap_get_client(struct vaapi *h, const char *client, struct vaapi_client_info *out);
/* Call @cb for every client. VVMP_CMD_CLIENT_GET dump */
int vaapi_peap_list_clients(struct vaapi *h,
			    int (*cb)(const struct vaapi_client_info *c, void *arg), void *arg);
/* Set the ACL of @vd (@client NULL: the VD default). VVMP_CMD_ACL_SET */
int vaapi_peap_set_acl(struct vaapi *h, const char *vd, const char *client, enum vvmp_acl acl);
/* Get the ACL in force (POLICY_SOURCE in @out->source). VVMP_CMD_ACL_GET */
int vaapi_peap_get_acl(struct vaapi *h, const char *vd, const char *client, struct vaapi_policy *out);
/* Set the status of @vd (@client NULL: the VD default). VVMP_CMD_STATUS_SET */
int vaapi_peap_set_status(struct vaapi *h, const char *vd, const char *client,
			  enum vvmp_status status);
/* Get the status in force. VVMP_CMD_STATUS_GET */
int vaapi_peap_get_status(struct vaapi *h, const char *vd, const char *client,
			  struct vaapi_policy *out);
/* Set the fields of @cos->present (@client NULL: the VD default). VVMP_CMD_COS_SET */
int vaapi_peap_set_cos(struct vaapi *h, const char *vd, const char *client,
		       const struct vaapi_cos *cos);
/* Get the class of service in force. VVMP_CMD_COS_GET */
int vaapi_peap_get_cos(struct vaapi *h, const char *vd, const char *client,
		       struct vaapi_policy *out);

/* ---- PSAP: statistics --------------------------------------------------- */

/* Set @vd's stats-collection directive. VVMP_CMD_STATS_SET */
int vaapi_psap_set_stats_directive(struct vaapi *h, const char *vd,
				   const struct vaapi_stats_directive *d);
/* Copy @vd's counters (VD, legs, clients). VVMP_CMD_STATS_GET */
int vaapi_psap_copy_vd_stats(struct vaapi *h, const char *vd, struct vaapi_vd_stats *out);
/* Reset @vd's counters. VVMP_CMD_STATS_RESET */
int vaapi_psap_reset_vd_stats(struct vaapi *h, const char *vd);

/* ---- SSAP: the I/O plan's components (mirror legs) ---------------------- */

/*
 * Attach @leg as the new last leg (VVMP_PLAN_ATTACH, @leg_index ignored),
 * detach leg @leg_index (VVMP_PLAN_DETACH, @leg NULL) or replace its
 * extents (VVMP_PLAN_REPLACE). VVMP_CMD_PLAN_SET
 */
int vaapi_ssap_set_io_plan(struct vaapi *h, const char *vd, enum vvmp_plan_op op,
			   uint32_t leg_index, const struct vaapi_leg *leg);
/* Fail leg @leg_index: it takes no more I/O (-EBUSY: the last in-sync leg). VVMP_PLAN_FAIL */
int vaapi_ssap_fail_leg(struct vaapi *h, const char *vd, uint32_t leg_index);
/*
 * Bring failed leg @leg_index back: a resync copies the dirty regions onto it,
 * or everything with @full (its contents are unknown). VVMP_PLAN_RESTORE
 */
int vaapi_ssap_restore_leg(struct vaapi *h, const char *vd, uint32_t leg_index, bool full);

/* ---- IOP: plan parameters and masks ----------------------------------- */

/* Set leg @leg_index's fields of @c->present. VVMP_CMD_PLAN_PARAMS_SET */
int vaapi_iop_set_plan_params(struct vaapi *h, const char *vd, uint32_t leg_index,
			      const struct vaapi_component *c);
/* Get up to @max components (one per leg) into @out, count in @nr. VVMP_CMD_PLAN_PARAMS_GET */
int vaapi_iop_get_plan_params(struct vaapi *h, const char *vd,
			      struct vaapi_component *out, unsigned int max, unsigned int *nr);

/* ---- EH: divert ranges -------------------------------------------------- */

/* Add divert range @r to @vd. VVMP_CMD_DIVERT_ADD */
int vaapi_eh_add_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r);
/* Delete divert range @r (exactly as added). VVMP_CMD_DIVERT_DELETE */
int vaapi_eh_delete_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r);
/* Get up to @max divert ranges of @vd, count in @nr. VVMP_CMD_DIVERT_GET */
int vaapi_eh_list_divert(struct vaapi *h, const char *vd,
			 struct vaapi_range *out, unsigned int max, unsigned int *nr);

/* ---- EH: recovery ------------------------------------------------------- */

/*
 * Serve I/O again on @vd after a component failure with the deactivate
 * mask stopped it; -EALREADY if it is not deactivated. VVMP_CMD_VD_ACTIVATE
 */
int vaapi_eh_activate_vd(struct vaapi *h, const char *vd);
/* Let @vd's resyncs copy at most @rate_kib KiB/s (0: no limit). VVMP_CMD_RESYNC_SET */
int vaapi_eh_set_resync_rate(struct vaapi *h, const char *vd, uint32_t rate_kib);

/* ---- EH: exception plans ------------------------------------------------ */

/* Plan @id (-ENOENT if none is held). VVMP_CMD_EXC_GET */
int vaapi_eh_get_plan(struct vaapi *h, uint64_t id, struct vaapi_exception *out);
/*
 * Call @cb for every held plan of @vd (NULL: of every VD), oldest first per
 * VD; a non-zero return stops the walk and is returned. The seeds'
 * get-plan-for-VD and get-all-in-AP. VVMP_CMD_EXC_GET (dump)
 */
int vaapi_eh_list_plans(struct vaapi *h, const char *vd,
			int (*cb)(const struct vaapi_exception *e, void *arg), void *arg);
/* This handle's socket owns plan @id: when it closes, the plan's timeout applies. VVMP_CMD_EXC_TAKE */
int vaapi_eh_take_plan(struct vaapi *h, uint64_t id);
/* Run plan @id again; -ESTALE if its VD's map is no longer @generation. VVMP_CMD_EXC_RESUBMIT */
int vaapi_eh_resubmit_plan(struct vaapi *h, uint64_t id, uint64_t generation);
/* Fail plan @id: the client gets @error (a positive errno; 0: EIO). VVMP_CMD_EXC_ABORT */
int vaapi_eh_abort_plan(struct vaapi *h, uint64_t id, int error);
/*
 * How long @vd's plans may be held (@timeout_ms, 0: unchanged) and what then
 * (@on_timeout, an enum vvmp_exc_on_timeout, or -1: unchanged). VVMP_CMD_EXC_POLICY_SET
 */
int vaapi_eh_set_plan_policy(struct vaapi *h, const char *vd, uint32_t timeout_ms,
			     int on_timeout);
/*
 * Read (or with @write, write) @len bytes (a multiple of 512, at most
 * VVMP_IO_MAX_BYTES) at VD sector @sector of leg @leg only, through @buf.
 * VVMP_CMD_PASSTHROUGH
 */
int vaapi_eh_passthrough(struct vaapi *h, const char *vd, uint32_t leg, bool write,
			 uint64_t sector, void *buf, uint32_t len);
/* Copy within @vd with dm-kcopyd; the destination must be diverted. VVMP_CMD_COPY */
int vaapi_eh_copy(struct vaapi *h, const char *vd, const struct vaapi_copy *c);

/* ---- TX: transactions --------------------------------------------------- */

/* Begin a transaction; its id in @id. VVMP_CMD_TXN_BEGIN */
int vaapi_tx_begin(struct vaapi *h, uint32_t *id);
/* Stage every later mutating call of @h in transaction @id (0: none). No command. */
void vaapi_tx_use(struct vaapi *h, uint32_t id);
/* The transaction set by vaapi_tx_use() (0: none). No command. */
uint32_t vaapi_tx_current(const struct vaapi *h);
/* Apply transaction @id; then resize devices of VDs it extended. VVMP_CMD_TXN_COMMIT */
int vaapi_tx_commit(struct vaapi *h, uint32_t id);
/* Drop transaction @id. VVMP_CMD_TXN_ABORT */
int vaapi_tx_abort(struct vaapi *h, uint32_t id);

/* ---- events: snapshot, then stream -------------------------------------- */

struct vaapi_events;

/*
 * Called per event; a non-zero return stops the reader and is returned.
 * @snapshot is true for the records of a STATE_GET dump.
 */
typedef int (*vaapi_event_cb)(const struct vaapi_event *ev, bool snapshot, void *arg);

/* A listener on the "events" group, using @h for dumps; NULL with errno set. */
struct vaapi_events *vaapi_events_open(struct vaapi *h);
/* Join the "events" multicast group (before vaapi_events_snapshot). */
int vaapi_events_subscribe(struct vaapi_events *ev);
/* Dump the current state (VVMP_CMD_STATE_GET) to @cb and arm the dedup filter. */
int vaapi_events_snapshot(struct vaapi_events *ev, vaapi_event_cb cb, void *arg);
/*
 * Wait for and pass on streamed events not already in the snapshot
 * (VVMP_CMD_EVENT); -ESTALE when events were lost: snapshot again.
 */
int vaapi_events_read(struct vaapi_events *ev, vaapi_event_cb cb, void *arg);
/* Subscribe, snapshot, then stream until @cb returns non-zero; re-dumps after a loss. */
int vaapi_events_run(struct vaapi_events *ev, vaapi_event_cb cb, void *arg);
/* The socket to poll() for streamed events. */
int vaapi_events_fd(const struct vaapi_events *ev);
/* Leave the group and free the listener. */
void vaapi_events_close(struct vaapi_events *ev);

/*
 * The dedup rule of enum vvmp_event, apart from any socket: record each
 * snapshot record, then ask for every streamed event whether to apply it.
 */
struct vaapi_event_filter;
/* A filter with no snapshot (accepts everything until one is recorded). */
struct vaapi_event_filter *vaapi_event_filter_new(void);
/* Forget the snapshot (before a new dump). */
void vaapi_event_filter_reset(struct vaapi_event_filter *f);
/* Record one snapshot record (the first carries SNAPSHOT_SEQ); 0 or -errno. */
int vaapi_event_filter_snapshot(struct vaapi_event_filter *f, const struct vaapi_event *ev);
/* Whether streamed @ev is newer than the snapshot's view of its object. */
bool vaapi_event_filter_accept(struct vaapi_event_filter *f, const struct vaapi_event *ev);
/* Free the filter. */
void vaapi_event_filter_free(struct vaapi_event_filter *f);

/* ---- names ------------------------------------------------------------ */

/* Names used by vvmpctl, the docs and the JSON output; NULL if out of range. */
const char *vaapi_acl_name(enum vvmp_acl acl);			/* none ro rw */
const char *vaapi_status_name(enum vvmp_status status);	/* enabled ... */
const char *vaapi_layout_name(enum vvmp_map_layout layout);	/* linear striped */
const char *vaapi_leg_state_name(enum vvmp_leg_state state);	/* in-sync ... */
const char *vaapi_event_name(enum vvmp_event event);		/* vd-exists ... */
const char *vaapi_policy_source_name(enum vvmp_policy_source s); /* vd-default client */
const char *vaapi_plan_op_name(enum vvmp_plan_op op);		/* attach ... */
const char *vaapi_exc_reason_name(enum vvmp_exc_reason reason);	/* divert component */
const char *vaapi_io_op_name(enum vvmp_io_op op);		/* read write ... */
const char *vaapi_exc_outcome_name(enum vvmp_exc_outcome outcome); /* resubmitted ... */
const char *vaapi_exc_on_timeout_name(enum vvmp_exc_on_timeout action); /* fail hold */
/* The name of mask bit @bit (VVMP_MASK_*), NULL if unknown. */
const char *vaapi_mask_name(uint32_t bit);

#ifdef __cplusplus
}
#endif

#endif /* _VVMP_VAAPI_H */
