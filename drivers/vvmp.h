/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-vvmp: internal definitions shared by the target's files.
 *
 * A virtual disk (VD) has 1..VVMP_MAX_LEGS legs; each leg holds a full copy
 * of the VD laid out over its own extents, either concatenated (linear) or
 * striped. Two or more legs make a mirror. The layout is a map (struct
 * vvmp_map), replaced live by generations; the legs' runtime state stays
 * with the VD. A VD is table-private (a classic table line) or named
 * (created over netlink, in the registry); every dm target is a port
 * (struct vvmp_port) that exposes one VD, to one client for named VDs.
 */
#ifndef DM_VVMP_H
#define DM_VVMP_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-ioctl.h>
#include <linux/dm-kcopyd.h>
#include <linux/percpu-refcount.h>
#include <linux/rwsem.h>
#include <net/genetlink.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/vvmp.h>

#define DM_MSG_PREFIX "vvmp"

/* A resync proceeds in windows of at most this many sectors (1 MiB). */
#define VVMP_COPY_WINDOW	2048

enum vvmp_layout {
	VVMP_LAYOUT_LINEAR,
	VVMP_LAYOUT_STRIPED,
};

/* The health character in `dmsetup status` follows dm-raid: A, a, D. */
enum vvmp_leg_health {
	VVMP_LEG_IN_SYNC,	/* 'A': serves reads and writes */
	VVMP_LEG_OUT_OF_SYNC,	/* 'a': receives writes, waits for a copy */
	VVMP_LEG_FAILED,	/* 'D': receives no I/O */
};

enum vvmp_read_policy {
	VVMP_READ_LEAST_PENDING,
	VVMP_READ_ROUND_ROBIN,
};

/* Feature arguments, remembered in the order given so TABLE echoes them. */
enum vvmp_feature {
	VVMP_FEATURE_NOSYNC,
	VVMP_FEATURE_READ_POLICY,	/* these take one value */
	VVMP_FEATURE_REGION_SIZE,
	VVMP_FEATURE_RESYNC_RATE,
	VVMP_FEATURE_LOG,		/* two values */
	VVMP_NR_FEATURES,
};

struct vvmp_extent {
	struct dm_dev *dev;
	sector_t offset;	/* first sector on dev */
	sector_t length;
	sector_t leg_start;	/* linear legs: first leg sector it maps */
};

/*
 * Counters of one leg, one VD or one client device on one CPU; summed for
 * status and stats. issued - completed summed over all CPUs is the number
 * of bios in flight (as part_in_flight() does), so the hot path needs no
 * atomic; resets keep these two.
 */
struct vvmp_counters {
	u64 reads;
	u64 writes;
	u64 flushes;
	u64 read_bytes;
	u64 write_bytes;
	u64 read_errors;
	u64 write_errors;
	u64 issued;
	u64 completed;
	u64 refused;
	u64 throttled;
	u64 exceptions;
	u64 latency[VVMP_LAT_BUCKETS];	/* log2 microseconds */
};

/* Where one leg's copy of the VD lies: part of a map. */
struct vvmp_leg_layout {
	unsigned int nr_extents;
	struct vvmp_extent *extents;
	sector_t stripe_length;		/* striped: length of every extent */
};

/* One device of one leg: where an empty flush duplicate goes. */
struct vvmp_flush_target {
	unsigned int leg;
	struct dm_dev *dev;
};

/*
 * A map: the geometry of a VD at one generation. Published with RCU in
 * vd->map; every bio holds a reference to the map it started on until it
 * completes, so a replaced map (and the devices only it uses) is freed
 * after the last of its bios.
 */
struct vvmp_map {
	struct percpu_ref ref;
	struct vvmp_vd *vd;
	u64 generation;
	sector_t size;
	enum vvmp_layout layout;
	sector_t chunk_sectors;		/* striped only */
	unsigned int chunk_shift;
	unsigned int nr_legs;
	struct vvmp_leg_layout legs[VVMP_MAX_LEGS];
	unsigned int nr_flush_targets;
	struct vvmp_flush_target *flush_targets;
	unsigned int nr_pds;		/* netlink maps: devices held */
	struct vvmp_pd **pds;
	struct completion *drained;	/* completed once freed, if set */
	struct work_struct release_work;
};

/* Runtime state of a leg, kept across maps. */
struct vvmp_leg {
	enum vvmp_leg_health health;	/* written under vd->lock */
	atomic_t pending;		/* mirrors: in flight, for least-pending */
	struct vvmp_counters __percpu *counters;
	u32 timeout_ms;			/* plan parameters (IOP group) */
	u32 masks;
	bool needs_full_copy;		/* the log does not cover what it lacks */
	u64 extents_generation;		/* first map with its current extents */
};

struct vvmp_region_disk;	/* vvmp-region-disk.c */

/* The dirty-region log of a VD (vvmp-region.c); under vd->lock. */
struct vvmp_region_log {
	unsigned int shift;		/* a region is 2^shift sectors */
	unsigned long nr_regions;
	unsigned long nr_dirty;
	unsigned long *dirty;
};

/*
 * State of the full copy onto out-of-sync legs. Writes that overlap the
 * window being copied are held; every admitted mirrored write is counted in
 * the current epoch so a window is copied only after all writes admitted
 * before it have completed (see vvmp-recovery.c).
 */
struct vvmp_recovery {
	bool active;		/* out-of-sync legs wait for a copy */
	bool restart;		/* start again from sector 0 */
	bool full;		/* this pass copies every region, dirty or not */
	bool paused;		/* device suspending: no new window */
	bool window_busy;	/* a window is being copied */
	sector_t cursor;	/* everything below is in sync */
	sector_t window_start;
	sector_t window_end;
	unsigned long target_legs;	/* legs this pass copies onto */
	unsigned long window_targets;	/* ... the current window's */
	unsigned int source_leg;
	unsigned int epoch;
	atomic_t epoch_writes[2];
	wait_queue_head_t wait;		/* epoch drains, window done */
	struct bio_list held_writes;
	atomic_t pieces_pending;
	int read_error;
	unsigned long write_error_legs;
	u32 rate_kib;		/* KiB/s, 0: unlimited */
	unsigned long window_jiffies;	/* when the current window started */
	u64 copied_sectors;	/* by every resync since the VD was made */
	struct dm_kcopyd_client *kcopyd;	/* the control path's copies */
	struct dm_io_client *io_client;
	void *buf;			/* one window, for the resync's dm-io */
	struct vvmp_map *map;		/* the current window's */
	struct delayed_work window_work;	/* start the next window */
	struct work_struct finish_work;		/* a window's copy is done */
};

/* What one client (or, without a client, anyone) may do with a VD. */
struct vvmp_policy {
	u8 acl;			/* enum vvmp_acl */
	u8 status;		/* enum vvmp_status */
	u8 priority;		/* IOPRIO_CLASS_*, 0: leave the bio's */
	u64 iops;		/* 0: unlimited */
	u64 bps;
};

/* A client: an identity (host, IQN, NBD peer) with per-VD policies. */
struct vvmp_client {
	struct list_head node;		/* in the registry */
	char name[VVMP_NAME_MAX];
	char info[256];
	u64 id;				/* creation order, for dumps */
	u64 seq;			/* event sequence of the last change */
	unsigned int nr_ports;		/* devices bound to it */
};

/* A client's own policy for one VD; fields not set come from the VD's. */
struct vvmp_client_policy {
	struct list_head node;		/* in vd->client_policies */
	struct vvmp_vd *vd;
	struct vvmp_client *client;
	bool has_acl, has_status, has_cos;
	struct vvmp_policy policy;
};

struct vvmp_range {
	sector_t start;
	sector_t length;
};

/*
 * A virtual disk. A table-private VD ("classic" table line) lives and dies
 * with its dm target; a named VD is created over netlink, lives in the
 * registry and is exposed by any number of "vvmp vd <name>" devices.
 */
struct vvmp_vd {
	char name[VVMP_NAME_MAX];	/* "" for a table-private VD */
	struct kref kref;
	struct list_head node;		/* in the registry */
	struct dm_target *ti;		/* table-private VD: its target */
	struct vvmp_map __rcu *map;
	sector_t size;			/* of the map in force */
	unsigned int logical_block_size; /* every PD's (named VDs) */
	u64 id;				/* creation order, for dumps */
	unsigned int nr_legs;		/* changed only by PLAN_SET */
	bool track_pending;		/* legs count bios in flight */
	bool deactivated;		/* a component failure stopped all I/O */
	unsigned int deactivated_leg;	/* ... of this leg */
	struct vvmp_leg legs[VVMP_MAX_LEGS];

	enum vvmp_read_policy read_policy;
	bool feature_count_given;	/* even "0": TABLE echoes it */
	unsigned int nr_features;
	enum vvmp_feature features[VVMP_NR_FEATURES];	/* in table order */
	atomic_t read_rotor;

	spinlock_t lock;		/* leg health, recovery, log, ports, seq */
	struct vvmp_region_log rlog;
	struct vvmp_region_disk *rdisk;	/* the log on disk, or NULL */

	/* Control state of a named VD, changed under ctl_lock. */
	struct mutex ctl_lock;
	struct list_head ports;		/* devices exposing it */
	struct vvmp_policy policy;	/* default for every client */
	struct list_head client_policies;
	unsigned int nr_ranges;		/* changed under vd->lock too */
	struct vvmp_range ranges[VVMP_MAX_DIVERT_RANGES];
	struct list_head exceptions;	/* held plans by id, vd->lock */
	u32 exc_timeout_ms;
	u8 exc_on_timeout;		/* enum vvmp_exc_on_timeout */
	struct delayed_work exc_work;	/* applies the timeout */
	bool collect_latency;
	u64 error_threshold;
	bool threshold_crossed;
	u64 seq;			/* event sequence of the last change */
	struct vvmp_counters __percpu *counters;
	struct work_struct threshold_work;

	/* Mirrors only (named VDs always): leg clones, exception work, copy. */
	struct bio_set clones;
	struct mutex clone_alloc_lock;	/* one fan-out at a time in the reserve */
	struct workqueue_struct *wq;
	spinlock_t retry_lock;
	struct bio_list retry_reads;
	struct work_struct retry_work;
	struct bio_list flushes;	/* named VDs: empty flushes to fan out */
	struct work_struct flush_work;
	struct bio_list later_writes;	/* first stage done: write the rest */
	struct work_struct later_work;
	struct work_struct event_work;
	struct vvmp_recovery rec;
};

/*
 * One dm target of the vvmp type: it exposes a VD (to one client, whose
 * policy it enforces on every bio). Bios that wait (quiesced status or
 * class-of-service tokens) are held in order in @held.
 */
struct vvmp_port {
	struct dm_target *ti;
	struct vvmp_vd *vd;
	struct vvmp_client *client;	/* NULL: the VD's default policy */
	char dm_name[DM_NAME_LEN];	/* the device's name when loaded */
	struct list_head node;		/* in vd->ports */
	struct vvmp_policy policy;	/* in force; fields read locklessly */
	bool gated;			/* admission goes through @held */
	bool suspending;		/* between presuspend and resume */
	spinlock_t hold_lock;
	struct bio_list held;
	s64 iops_tokens;		/* may go negative: debt */
	s64 byte_tokens;
	u64 refill_ns;
	struct delayed_work dispatch_work;
	struct vvmp_counters __percpu *counters;
	u64 error_threshold_seen;
};

/* What a held plan is, as EXC_GET and EVENT_EXCEPTION report it. */
struct vvmp_exc_info {
	u64 id;
	u64 generation;
	u8 reason;			/* enum vvmp_exc_reason */
	u8 op;				/* enum vvmp_io_op */
	u64 sector;
	u64 length;
	u32 leg;
	u32 owner;
	u32 age_ms;
	char client[VVMP_NAME_MAX];
};

/* One event, with the values of the change it announces. */
struct vvmp_event_rec {
	struct list_head node;
	u64 seq;
	u8 type;			/* enum vvmp_event */
	bool lost;			/* records before it were dropped */
	bool committer;			/* posted by a committing transaction */
	char vd[VVMP_NAME_MAX];
	char client[VVMP_NAME_MAX];
	char info[256];
	u64 generation;
	u64 size;
	u32 leg;
	u8 health;			/* enum vvmp_leg_health */
	struct vvmp_policy policy;
	char device_name[DM_NAME_LEN];
	u32 device_dev;
	u64 device_size;
	u32 timeout_ms;
	u32 masks;
	u64 threshold;
	bool deactivated;
	struct vvmp_exc_info exc;	/* EXCEPTION; the id for _DONE too */
	u8 exc_outcome;
	u32 exc_errno;
	u32 resync_rate;
	u8 exc_on_timeout;
	unsigned int nr_ranges;
	struct vvmp_range ranges[VVMP_MAX_DIVERT_RANGES];
};

enum vvmp_io_kind {
	VVMP_IO_REMAPPED,	/* dm clone sent straight to one leg */
	VVMP_IO_MIRROR_READ,	/* remapped; retried on another leg */
	VVMP_IO_FANNED_OUT,	/* completed by vvmp's own leg clones */
	VVMP_IO_NOTHING,	/* completed in ->map without I/O */
};

/* What a held exception plan adds to its bio (vvmp-exception.c). */
struct vvmp_exc {
	struct list_head node;		/* in vd->exceptions */
	u64 id;				/* 0: not held */
	u64 generation;			/* the map's, when it was held */
	unsigned long since;		/* jiffies */
	u32 owner;			/* netlink port id, 0: the AP */
	u32 timeout_ms;			/* the component's, 0: the VD's */
	u8 reason;			/* enum vvmp_exc_reason */
	u8 leg;				/* COMPONENT: the failed leg */
	bool pass;			/* resubmitted: past the divert check */
};

/* Per-bio data of a dm clone. */
struct vvmp_io {
	struct vvmp_vd *vd;
	struct vvmp_port *port;
	struct vvmp_map *map;		/* holds a reference until completion */
	u64 start_ns;			/* 0: latency not collected */
	bool requeue;			/* held: dm maps it again after resume */
	bool split;			/* fronts went back through the device */
	bool issued;			/* counted in the VD's and port's stats */
	sector_t vd_sector;
	enum vvmp_io_kind kind;
	unsigned int leg;		/* REMAPPED and mirrored reads */
	struct bvec_iter saved_iter;	/* mirrored reads: for a retry */
	unsigned short saved_flags;
	unsigned int epoch;
	bool counted;			/* holds an epoch_writes reference */
	unsigned int log_epoch;		/* the on-disk log's epoch + 1, or 0 */
	unsigned long tried_legs;	/* mirrored reads: legs that failed */
	unsigned long in_sync_legs;	/* writes: legs in sync at admission */
	unsigned long skipped_legs;	/* writes: failed legs not written */
	unsigned long later_legs;	/* writes: legs after the first stage */
	unsigned long ok_legs;		/* writes: legs that succeeded */
	unsigned long failed_legs;	/* writes: legs whose clone failed */
	atomic_t pending;		/* writes: leg clones + 1 while issuing */
	blk_status_t error;		/* writes: first in-sync leg error */
	struct vvmp_exc exc;
};

/* A vvmp-owned clone of a dm write, sent to one leg. */
struct vvmp_clone {
	struct vvmp_io *io;
	unsigned int leg;
	struct bio bio;		/* last: bioset front_pad */
};

extern struct workqueue_struct *vvmp_ctl_wq;
extern bool vvmp_commit_gate;
extern struct rw_semaphore vvmp_registry_lock;
extern struct list_head vvmp_vds;
extern struct list_head vvmp_clients;

/* vvmp-table.c */
int vvmp_parse_table(struct dm_target *ti, struct vvmp_vd *vd,
		     struct vvmp_map *map, unsigned int argc, char **argv);
void vvmp_put_devices(struct dm_target *ti, struct vvmp_map *map);
unsigned int vvmp_emit_table(struct vvmp_vd *vd, struct vvmp_map *map,
			     char *result, unsigned int maxlen, unsigned int sz);
const char *vvmp_read_policy_name(enum vvmp_read_policy policy);
int vvmp_read_policy_parse(const char *name, enum vvmp_read_policy *policy);
bool vvmp_has_feature(struct vvmp_vd *vd, enum vvmp_feature feature);
int vvmp_map_check_leg(struct vvmp_map *map, struct vvmp_leg_layout *leg,
		       char **error);
int vvmp_map_check_overlaps(struct vvmp_map *map, char **error);
int vvmp_map_build_flush_targets(struct vvmp_map *map);

/* vvmp-layout.c */
sector_t vvmp_leg_map(struct vvmp_map *map, unsigned int leg, sector_t sector,
		      struct dm_dev **dev, sector_t *dev_sector);
sector_t vvmp_boundary(struct vvmp_map *map, unsigned long legs,
		       sector_t sector);

/* vvmp-map.c */
struct vvmp_map *vvmp_map_alloc(struct vvmp_vd *vd);
void vvmp_map_free(struct vvmp_map *map);
struct vvmp_map *vvmp_map_swap(struct vvmp_vd *vd, struct vvmp_map *map);
void vvmp_map_retire(struct vvmp_map *map);
struct vvmp_map *vvmp_map_get(struct vvmp_vd *vd);
void vvmp_map_put(struct vvmp_map *map);
unsigned int vvmp_map_extents(struct vvmp_map *map);
size_t vvmp_map_bytes(struct vvmp_map *map);

/* vvmp-pd.c */
struct vvmp_pd;
int vvmp_pd_get(const char *spec, struct vvmp_pd **pd);
struct dm_dev *vvmp_pd_dev(struct vvmp_pd *pd);
void vvmp_pd_put(struct vvmp_pd *pd);
struct vvmp_pd *vvmp_pd_of(struct dm_dev *dev);
void vvmp_pd_hold(struct vvmp_pd *pd);

/* vvmp-health.c */
char vvmp_health_char(enum vvmp_leg_health health);
unsigned long vvmp_legs_in_state(struct vvmp_vd *vd,
				 enum vvmp_leg_health health);
void vvmp_set_leg_health(struct vvmp_vd *vd, unsigned int leg,
			 enum vvmp_leg_health health);
bool vvmp_leg_error(struct vvmp_vd *vd, unsigned int leg);
int vvmp_fail_leg(struct vvmp_vd *vd, unsigned int leg);
int vvmp_restore_leg(struct vvmp_vd *vd, unsigned int leg, bool full);
bool vvmp_error_fails_leg(struct bio *bio, blk_status_t status);
bool vvmp_component_failed(struct vvmp_vd *vd, unsigned int leg);
void vvmp_deactivate(struct vvmp_vd *vd, unsigned int leg);
int vvmp_activate(struct vvmp_vd *vd);

/* vvmp-io.c */
int vvmp_map(struct dm_target *ti, struct bio *bio);
int vvmp_map_bio(struct vvmp_port *port, struct bio *bio);
sector_t vvmp_piece_len(struct vvmp_map *map, sector_t sector,
			struct bio *bio);
void vvmp_plan_held(struct vvmp_port *port, struct bio *bio);
int vvmp_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);
void vvmp_submit_write(struct vvmp_io *io, struct bio *bio);
void vvmp_retry_reads(struct work_struct *work);
void vvmp_flush_work(struct work_struct *work);
void vvmp_later_work(struct work_struct *work);

/* vvmp-exception.c */
sector_t vvmp_divert_cut(struct vvmp_vd *vd, sector_t sector, sector_t len);
bool vvmp_exc_divert(struct vvmp_port *port, struct vvmp_io *io,
		     struct bio *bio);
void vvmp_exc_hold_component(struct vvmp_io *io, unsigned int leg);
struct vvmp_io *vvmp_exc_find(u64 id, struct vvmp_vd **vdp);
int vvmp_exc_resubmit(u64 id, u64 generation, u32 portid);
int vvmp_exc_abort(u64 id, int error, u32 portid);
int vvmp_exc_take(u64 id, u32 portid);
void vvmp_exc_release_diverted(struct vvmp_vd *vd);
void vvmp_exc_socket_closed(u32 portid);
void vvmp_exc_presuspend(struct vvmp_port *port, bool noflush);
void vvmp_exc_work(struct work_struct *work);
u8 vvmp_bio_io_op(struct bio *bio);
void vvmp_exc_info(struct vvmp_io *io, struct vvmp_exc_info *e);

/* vvmp-region.c */
bool vvmp_region_sectors_valid(u64 sectors);
int vvmp_region_log_init(struct vvmp_vd *vd, u32 sectors, sector_t size);
int vvmp_region_log_grow(struct vvmp_vd *vd, sector_t size);
void vvmp_region_log_exit(struct vvmp_vd *vd);
void vvmp_region_mark(struct vvmp_vd *vd, sector_t start, sector_t len);
void vvmp_region_clear(struct vvmp_vd *vd, sector_t start, sector_t end);
bool vvmp_region_next_dirty(struct vvmp_vd *vd, sector_t from,
			    sector_t max_len, sector_t *start, sector_t *end);

/* vvmp-region-disk.c */
int vvmp_region_disk_parse(struct vvmp_vd *vd, const char *path,
			   const char *offset);
int vvmp_region_disk_init(struct vvmp_vd *vd, char **error);
int vvmp_region_disk_create(struct vvmp_vd *vd, const struct nlattr *attr,
			    struct netlink_ext_ack *extack);
int vvmp_region_disk_preresume(struct vvmp_vd *vd);
bool vvmp_region_disk_defer_end(struct vvmp_vd *vd, struct bio *bio);
void vvmp_region_disk_resume(struct vvmp_vd *vd);
void vvmp_region_disk_postsuspend(struct vvmp_vd *vd);
void vvmp_region_disk_exit(struct vvmp_vd *vd);
bool vvmp_region_disk_hold(struct vvmp_vd *vd, struct vvmp_io *io,
			   struct bio *bio);
void vvmp_region_disk_write_done(struct vvmp_vd *vd, struct vvmp_io *io);
void vvmp_region_disk_note(struct vvmp_vd *vd, unsigned long region,
			   bool cleared);
void vvmp_region_disk_changed(struct vvmp_vd *vd);
bool vvmp_region_disk_fits(struct vvmp_vd *vd, sector_t size);
unsigned int vvmp_region_disk_status(struct vvmp_vd *vd, char *result,
				     unsigned int maxlen, unsigned int sz);
unsigned int vvmp_region_disk_table(struct vvmp_vd *vd, char *result,
				    unsigned int maxlen, unsigned int sz);

/* vvmp-recovery.c */
int vvmp_recovery_init(struct vvmp_vd *vd);
void vvmp_recovery_exit(struct vvmp_vd *vd);
void vvmp_recovery_kick(struct vvmp_vd *vd);
void vvmp_recovery_set_rate(struct vvmp_vd *vd, u32 rate_kib);
void vvmp_recovery_pause(struct vvmp_vd *vd);
void vvmp_recovery_resume(struct vvmp_vd *vd);
bool vvmp_recovery_hold_write(struct vvmp_vd *vd, struct vvmp_io *io,
			      struct bio *bio, unsigned long *legs);
void vvmp_recovery_write_done(struct vvmp_vd *vd, struct vvmp_io *io);
void vvmp_recovery_demote(struct vvmp_vd *vd, unsigned long legs,
			  sector_t sector, sector_t len);

/* vvmp-stats.c */
void vvmp_count_issue(struct vvmp_counters __percpu *counters,
		      struct bio *bio);
void vvmp_count_done(struct vvmp_counters __percpu *counters,
		     struct bio *bio, blk_status_t status, u64 start_ns);
void vvmp_io_done(struct vvmp_io *io, struct bio *bio, blk_status_t status);
void vvmp_counters_sum(struct vvmp_counters __percpu *counters,
		       struct vvmp_counters *sum);
u64 vvmp_counters_in_flight(const struct vvmp_counters *sum);
void vvmp_counters_reset(struct vvmp_counters __percpu *counters);
void vvmp_reset_stats(struct vvmp_vd *vd);

/* vvmp-port.c */
int vvmp_port_init(struct vvmp_port *port);
void vvmp_port_exit(struct vvmp_port *port);
bool vvmp_port_admit(struct vvmp_port *port, struct bio *bio);
void vvmp_port_update_policy(struct vvmp_port *port);
void vvmp_port_presuspend(struct vvmp_port *port);
void vvmp_port_resume(struct vvmp_port *port);
struct vvmp_policy vvmp_policy_in_force(struct vvmp_vd *vd,
					struct vvmp_client *client,
					u8 *source);
struct vvmp_client_policy *vvmp_client_policy_find(struct vvmp_vd *vd,
						   struct vvmp_client *client);

/* vvmp-registry.c */
const char *vvmp_vd_name(struct vvmp_vd *vd);
void vvmp_vd_changed(struct vvmp_vd *vd);
struct vvmp_vd *vvmp_vd_new(const char *name);
int vvmp_vd_init_runtime(struct vvmp_vd *vd, char **error);
void vvmp_vd_free(struct vvmp_vd *vd);
void vvmp_vd_put(struct vvmp_vd *vd);
struct vvmp_vd *vvmp_vd_find(const char *name);
void vvmp_vd_register(struct vvmp_vd *vd);
struct vvmp_client *vvmp_client_find(const char *name);
struct vvmp_client *vvmp_client_create(const char *name);
void vvmp_registry_exit(void);

/* vvmp-events.c */
u64 vvmp_event_seq_now(void);
void vvmp_event_fill_vd(struct vvmp_event_rec *rec, struct vvmp_vd *vd);
void vvmp_event_fill_device(struct vvmp_event_rec *rec,
			    struct vvmp_port *port);
void vvmp_event_vd(struct vvmp_vd *vd, u8 type);
void vvmp_event_leg(struct vvmp_vd *vd, unsigned int leg,
		    enum vvmp_leg_health health);
void vvmp_event_policy(struct vvmp_vd *vd, struct vvmp_client *client,
		       const struct vvmp_policy *policy);
void vvmp_event_device(struct vvmp_port *port, u8 type);
void vvmp_event_component(struct vvmp_vd *vd, unsigned int leg);
void vvmp_event_activity(struct vvmp_vd *vd, unsigned int leg);
void vvmp_event_vd_params(struct vvmp_vd *vd);
void vvmp_event_exception(struct vvmp_vd *vd, struct vvmp_io *io, u8 type,
			  u8 outcome, int error);
void vvmp_event_divert(struct vvmp_vd *vd);
void vvmp_event_threshold(struct vvmp_vd *vd, u64 threshold);
void vvmp_event_client(struct vvmp_client *client, u8 type);
void vvmp_events_exit(void);
void vvmp_events_hold(void);
void vvmp_events_release(bool send);

/* vvmp-nl.c, vvmp-nl-map.c */
int vvmp_nl_init(void);
void vvmp_nl_exit(void);
void vvmp_nl_multicast_event(const struct vvmp_event_rec *rec);
struct vvmp_map *vvmp_nl_parse_map(struct vvmp_vd *vd,
				   const struct nlattr *attr,
				   struct netlink_ext_ack *extack);
struct vvmp_map *vvmp_nl_splice_segment(struct vvmp_vd *vd,
					struct vvmp_map *old,
					const struct nlattr *attr,
					struct netlink_ext_ack *extack);
struct vvmp_map *vvmp_nl_change_legs(struct vvmp_vd *vd, struct vvmp_map *old,
				     enum vvmp_plan_op op, unsigned int index,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack);
struct vvmp_map *vvmp_nl_copy_map(struct vvmp_vd *vd, struct vvmp_map *old);
int vvmp_nl_put_map(struct sk_buff *skb, struct vvmp_vd *vd,
		    struct vvmp_map *map);

#endif /* DM_VVMP_H */
