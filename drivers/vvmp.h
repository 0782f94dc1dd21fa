/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-vvmp: internal definitions shared by the target's files.
 *
 * A virtual disk (VD) is one dm target. It has 1..VVMP_MAX_LEGS legs; each
 * leg holds a full copy of the VD laid out over its own extents, either
 * concatenated (linear) or striped. Two or more legs make a mirror.
 */
#ifndef DM_VVMP_H
#define DM_VVMP_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-kcopyd.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/vvmp.h>

#define DM_MSG_PREFIX "vvmp"

/* A full copy proceeds in windows of this many sectors (1 MiB). */
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
	VVMP_FEATURE_READ_POLICY,
	VVMP_NR_FEATURES,
};

struct vvmp_extent {
	struct dm_dev *dev;
	sector_t offset;	/* first sector on dev */
	sector_t length;
	sector_t leg_start;	/* linear legs: first leg sector it maps */
};

/*
 * Counters of one leg on one CPU; summed for status. issued - completed
 * summed over all CPUs is the number of bios in flight (as part_in_flight()
 * does), so single-leg I/O needs no atomic; reset_counters keeps these two.
 */
struct vvmp_leg_counters {
	u64 reads;
	u64 writes;
	u64 flushes;
	u64 read_errors;
	u64 write_errors;
	u64 issued;
	u64 completed;
};

struct vvmp_leg {
	unsigned int nr_extents;
	struct vvmp_extent *extents;
	sector_t stripe_length;		/* striped: length of every extent */
	enum vvmp_leg_health health;	/* written under vd->lock */
	atomic_t pending;		/* mirrors: in flight, for least-pending */
	struct vvmp_leg_counters __percpu *counters;
};

/* One device of one leg: where an empty flush duplicate goes. */
struct vvmp_flush_target {
	unsigned int leg;
	struct dm_dev *dev;
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
	bool paused;		/* device suspending: no new window */
	bool window_busy;	/* a window is being copied */
	sector_t cursor;	/* everything below is in sync */
	sector_t window_start;
	sector_t window_end;
	unsigned long target_legs;	/* legs this pass copies onto */
	unsigned int source_leg;
	unsigned int epoch;
	atomic_t epoch_writes[2];
	wait_queue_head_t wait;		/* epoch drains, window done */
	struct bio_list held_writes;
	atomic_t pieces_pending;
	int read_error;
	unsigned long write_error_legs;
	struct dm_kcopyd_client *kcopyd;
	struct work_struct window_work;		/* start the next window */
	struct work_struct finish_work;		/* a window's copy is done */
};

struct vvmp_vd {
	struct dm_target *ti;
	enum vvmp_layout layout;
	sector_t chunk_sectors;		/* striped only */
	unsigned int chunk_shift;
	unsigned int nr_legs;
	struct vvmp_leg legs[VVMP_MAX_LEGS];

	enum vvmp_read_policy read_policy;
	bool feature_count_given;	/* even "0": TABLE echoes it */
	unsigned int nr_features;
	enum vvmp_feature features[VVMP_NR_FEATURES];	/* in table order */
	atomic_t read_rotor;

	spinlock_t lock;		/* leg health, recovery window, epochs */

	unsigned int nr_flush_targets;
	struct vvmp_flush_target *flush_targets;

	/* Mirrors only: leg clones, exception work, copy. */
	struct bio_set clones;
	struct mutex clone_alloc_lock;	/* one fan-out at a time in the reserve */
	struct workqueue_struct *wq;
	spinlock_t retry_lock;
	struct bio_list retry_reads;
	struct work_struct retry_work;
	struct work_struct event_work;
	struct vvmp_recovery rec;
};

enum vvmp_io_kind {
	VVMP_IO_REMAPPED,	/* dm clone sent straight to one leg */
	VVMP_IO_MIRROR_READ,	/* remapped; retried on another leg */
	VVMP_IO_FANNED_OUT,	/* completed by vvmp's own leg clones */
	VVMP_IO_NOTHING,	/* completed in ->map without I/O */
};

/* Per-bio data of a dm clone. */
struct vvmp_io {
	struct vvmp_vd *vd;
	sector_t vd_sector;
	enum vvmp_io_kind kind;
	unsigned int leg;		/* REMAPPED and mirrored reads */
	struct bvec_iter saved_iter;	/* mirrored reads: for a retry */
	unsigned short saved_flags;
	unsigned int epoch;
	bool counted;			/* holds an epoch_writes reference */
	unsigned long tried_legs;	/* mirrored reads: legs that failed */
	unsigned long in_sync_legs;	/* writes: legs in sync at admission */
	unsigned long ok_legs;		/* writes: legs that succeeded */
	atomic_t pending;		/* writes: leg clones + 1 while issuing */
	blk_status_t error;		/* writes: first in-sync leg error */
};

/* A vvmp-owned clone of a dm write, sent to one leg. */
struct vvmp_clone {
	struct vvmp_io *io;
	unsigned int leg;
	struct bio bio;		/* last: bioset front_pad */
};

/* vvmp-table.c */
int vvmp_parse_table(struct vvmp_vd *vd, unsigned int argc, char **argv);
void vvmp_put_devices(struct vvmp_vd *vd);
unsigned int vvmp_emit_table(struct vvmp_vd *vd, char *result,
			     unsigned int maxlen, unsigned int sz);
const char *vvmp_read_policy_name(enum vvmp_read_policy policy);
int vvmp_read_policy_parse(const char *name, enum vvmp_read_policy *policy);
bool vvmp_has_feature(struct vvmp_vd *vd, enum vvmp_feature feature);

/* vvmp-layout.c */
sector_t vvmp_leg_map(struct vvmp_vd *vd, unsigned int leg, sector_t sector,
		      struct dm_dev **dev, sector_t *dev_sector);
sector_t vvmp_boundary(struct vvmp_vd *vd, unsigned long legs, sector_t sector);

/* vvmp-health.c */
char vvmp_health_char(enum vvmp_leg_health health);
unsigned long vvmp_legs_in_state(struct vvmp_vd *vd,
				 enum vvmp_leg_health health);
bool vvmp_leg_error(struct vvmp_vd *vd, unsigned int leg);
int vvmp_fail_leg(struct vvmp_vd *vd, unsigned int leg);
int vvmp_restore_leg(struct vvmp_vd *vd, unsigned int leg);
bool vvmp_error_fails_leg(struct bio *bio, blk_status_t status);

/* vvmp-io.c */
int vvmp_map(struct dm_target *ti, struct bio *bio);
int vvmp_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);
void vvmp_submit_write(struct vvmp_io *io, struct bio *bio);
void vvmp_retry_reads(struct work_struct *work);

/* vvmp-recovery.c */
int vvmp_recovery_init(struct vvmp_vd *vd);
void vvmp_recovery_exit(struct vvmp_vd *vd);
void vvmp_recovery_kick(struct vvmp_vd *vd);
void vvmp_recovery_pause(struct vvmp_vd *vd);
void vvmp_recovery_resume(struct vvmp_vd *vd);
bool vvmp_recovery_hold_write(struct vvmp_vd *vd, struct vvmp_io *io,
			      struct bio *bio, unsigned long *legs);
void vvmp_recovery_write_done(struct vvmp_vd *vd, struct vvmp_io *io);

/* Preempt- and irq-safe: completions run in any context. */
#define vvmp_count(vd, leg, field) \
	this_cpu_inc((vd)->legs[leg].counters->field)

#endif /* DM_VVMP_H */
