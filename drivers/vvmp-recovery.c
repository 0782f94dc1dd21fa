// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: full copy from an in-sync leg onto the out-of-sync legs.
 *
 * The copy runs in windows of VVMP_COPY_WINDOW sectors from sector 0 with
 * dm-kcopyd (one job per piece that is contiguous on the source and every
 * target leg). Two rules keep a copy from overwriting newer data:
 *
 * - a write overlapping the window being copied is held and resubmitted
 *   when the window is done;
 * - every mirrored write is counted in the current epoch; before a window
 *   is copied the epoch flips and the copy waits until every write of the
 *   previous epoch has completed. So a write admitted before the window (it
 *   may have skipped a leg that was failed then, or still be in flight to
 *   the source) lands before the copy reads the source.
 *
 * Written sectors below the cursor are in sync on every leg that is not
 * failed; the legs become in sync when the cursor reaches the end.
 */
#include <linux/dm-io.h>

#include "vvmp.h"

/**
 * vvmp_recovery_hold_write() - admit a mirrored write or hold it
 * @vd: the VD
 * @io: per-bio data of @bio
 * @bio: the write piece
 * @legs: returns the legs to write (those not failed)
 *
 * Samples ->in_sync_legs for the success rule under the same lock.
 *
 * Return: true if @bio was held for the copy window it overlaps.
 */
bool vvmp_recovery_hold_write(struct vvmp_vd *vd, struct vvmp_io *io,
			      struct bio *bio, unsigned long *legs)
{
	struct vvmp_recovery *rec = &vd->rec;
	sector_t end = io->vd_sector + bio_sectors(bio);
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	if (rec->window_busy && io->vd_sector < rec->window_end &&
	    rec->window_start < end) {
		bio_list_add(&rec->held_writes, bio);
		spin_unlock_irqrestore(&vd->lock, flags);
		return true;
	}
	io->epoch = rec->epoch;
	io->counted = true;
	atomic_inc(&rec->epoch_writes[io->epoch]);
	io->in_sync_legs = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);
	*legs = io->in_sync_legs | vvmp_legs_in_state(vd, VVMP_LEG_OUT_OF_SYNC);
	spin_unlock_irqrestore(&vd->lock, flags);
	return false;
}

/**
 * vvmp_recovery_write_done() - drop a completed write's epoch reference
 * @vd: the VD
 * @io: per-bio data of the write
 */
void vvmp_recovery_write_done(struct vvmp_vd *vd, struct vvmp_io *io)
{
	if (io->counted &&
	    atomic_dec_and_test(&vd->rec.epoch_writes[io->epoch]))
		wake_up(&vd->rec.wait);
	io->counted = false;
}

static void vvmp_copy_piece_done(int read_err, unsigned long write_err,
				 void *context)
{
	struct vvmp_vd *vd = context;
	struct vvmp_recovery *rec = &vd->rec;
	unsigned long flags;

	if (read_err || write_err) {
		spin_lock_irqsave(&vd->lock, flags);
		if (read_err)
			rec->read_error = 1;
		rec->write_error_legs |= write_err;
		spin_unlock_irqrestore(&vd->lock, flags);
	}
	if (atomic_dec_and_test(&rec->pieces_pending))
		queue_work(vd->wq, &rec->finish_work);
}

/* Issue the kcopyd jobs of one window; targets index write_err bits. */
static void vvmp_copy_window(struct vvmp_vd *vd, unsigned int source,
			     unsigned long targets, sector_t start, sector_t end)
{
	struct vvmp_recovery *rec = &vd->rec;
	struct vvmp_map *map = rec->map;
	struct dm_io_region from, to[VVMP_MAX_LEGS];
	unsigned long legs = targets | BIT(source);
	sector_t pos, len, dev_sector;
	struct dm_dev *dev;
	unsigned int leg, n;

	atomic_set(&rec->pieces_pending, 1);
	for (pos = start; pos < end; pos += len) {
		len = min(vvmp_boundary(map, legs, pos), end - pos);
		vvmp_leg_map(map, source, pos, &dev, &dev_sector);
		from.bdev = dev->bdev;
		from.sector = dev_sector;
		from.count = len;
		n = 0;
		for_each_set_bit(leg, &targets, VVMP_MAX_LEGS) {
			vvmp_leg_map(map, leg, pos, &dev, &dev_sector);
			to[n].bdev = dev->bdev;
			to[n].sector = dev_sector;
			to[n].count = len;
			n++;
		}
		atomic_inc(&rec->pieces_pending);
		dm_kcopyd_copy(rec->kcopyd, &from, n, to, 0,
			       vvmp_copy_piece_done, vd);
	}
	vvmp_copy_piece_done(0, 0, vd);
}

/* Caller holds vd->lock. Returns true if there is nothing left to copy. */
static bool vvmp_recovery_finished(struct vvmp_vd *vd)
{
	struct vvmp_recovery *rec = &vd->rec;
	unsigned int leg;

	if (rec->restart) {
		rec->restart = false;
		rec->cursor = 0;
		rec->target_legs = vvmp_legs_in_state(vd, VVMP_LEG_OUT_OF_SYNC);
	}
	rec->target_legs &= vvmp_legs_in_state(vd, VVMP_LEG_OUT_OF_SYNC);
	if (!rec->target_legs) {
		rec->active = false;
		return true;
	}
	if (rec->cursor < READ_ONCE(vd->size))
		return false;
	for_each_set_bit(leg, &rec->target_legs, vd->nr_legs)
		vvmp_set_leg_health(vd, leg, VVMP_LEG_IN_SYNC);
	rec->target_legs = 0;
	rec->active = false;
	return true;
}

static void vvmp_window_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd,
					  rec.window_work);
	struct vvmp_recovery *rec = &vd->rec;
	unsigned long in_sync, targets;
	unsigned int old_epoch;
	sector_t start, end;
	bool done;

	spin_lock_irq(&vd->lock);
	if (!rec->active || rec->paused || rec->window_busy) {
		spin_unlock_irq(&vd->lock);
		return;
	}
	done = vvmp_recovery_finished(vd);
	in_sync = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);
	if (done || !in_sync) {
		if (!done)
			rec->active = false;
		spin_unlock_irq(&vd->lock);
		if (!done)
			DMERR("%s: no in-sync leg to copy from",
			      vvmp_vd_name(vd));
		vvmp_vd_changed(vd);
		return;
	}
	rec->source_leg = __ffs(in_sync);
	targets = rec->target_legs;
	start = rec->cursor;
	end = min_t(sector_t, start + VVMP_COPY_WINDOW, READ_ONCE(vd->size));
	rec->window_start = start;
	rec->window_end = end;
	rec->window_busy = true;
	rec->read_error = 0;
	rec->write_error_legs = 0;
	old_epoch = rec->epoch;
	rec->epoch ^= 1;
	spin_unlock_irq(&vd->lock);

	/* Bounded: these writes are in flight to the legs already. */
	wait_event(rec->wait, !atomic_read(&rec->epoch_writes[old_epoch]));
	/* The window is copied on one map; a newer one must hold the same data. */
	rec->map = vvmp_map_get(vd);
	/* A leg attached after that map is copied by the next pass. */
	targets &= BIT(rec->map->nr_legs) - 1;
	vvmp_copy_window(vd, rec->source_leg, targets, start, end);
}

static void vvmp_finish_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd,
					  rec.finish_work);
	struct vvmp_recovery *rec = &vd->rec;
	unsigned long failed_targets = 0, targets;
	struct bio_list held;
	struct bio *bio;
	bool read_error;
	unsigned int i = 0, leg;

	spin_lock_irq(&vd->lock);
	read_error = rec->read_error;
	targets = rec->target_legs;
	for_each_set_bit(leg, &targets, vd->nr_legs) {
		if (rec->write_error_legs & BIT(i))
			failed_targets |= BIT(leg);
		i++;
	}
	if (!read_error && !failed_targets)
		rec->cursor = rec->window_end;
	rec->window_busy = false;
	held = rec->held_writes;
	bio_list_init(&rec->held_writes);
	spin_unlock_irq(&vd->lock);
	vvmp_map_put(rec->map);
	rec->map = NULL;

	/* A failed window is copied again, from another source if need be. */
	if (read_error)
		vvmp_leg_error(vd, rec->source_leg);
	for_each_set_bit(leg, &failed_targets, vd->nr_legs)
		vvmp_leg_error(vd, leg);

	while ((bio = bio_list_pop(&held))) {
		struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));

		vvmp_submit_write(io, bio);
	}
	wake_up(&rec->wait);
	if (read_error && READ_ONCE(vd->legs[rec->source_leg].health) !=
			  VVMP_LEG_FAILED) {
		/* The last in-sync leg cannot be read: stop, say so. */
		spin_lock_irq(&vd->lock);
		rec->active = false;
		spin_unlock_irq(&vd->lock);
		DMERR("%s: copy stopped: read error on the last in-sync leg %u",
		      vvmp_vd_name(vd), rec->source_leg);
		vvmp_vd_changed(vd);
		return;
	}
	queue_work(vd->wq, &rec->window_work);
}

/**
 * vvmp_recovery_kick() - start or continue the copy unless paused
 * @vd: the VD
 */
void vvmp_recovery_kick(struct vvmp_vd *vd)
{
	queue_work(vd->wq, &vd->rec.window_work);
}

/**
 * vvmp_recovery_pause() - stop starting windows; wait for the current one
 * @vd: the VD
 *
 * Called from presuspend: the held writes of the current window are
 * released before dm waits for in-flight I/O.
 */
void vvmp_recovery_pause(struct vvmp_vd *vd)
{
	struct vvmp_recovery *rec = &vd->rec;

	spin_lock_irq(&vd->lock);
	rec->paused = true;
	spin_unlock_irq(&vd->lock);
	cancel_work_sync(&rec->window_work);
	wait_event(rec->wait, !READ_ONCE(rec->window_busy));
	flush_work(&rec->finish_work);
}

/**
 * vvmp_recovery_resume() - let the copy continue after a resume
 * @vd: the VD
 */
void vvmp_recovery_resume(struct vvmp_vd *vd)
{
	spin_lock_irq(&vd->lock);
	vd->rec.paused = false;
	spin_unlock_irq(&vd->lock);
	vvmp_recovery_kick(vd);
}

/**
 * vvmp_recovery_init() - set up copy state; legs 1..N-1 start out of sync
 *                        unless the table says nosync
 * @vd: the parsed VD with more than one leg
 *
 * Return: 0 or a negative errno.
 */
int vvmp_recovery_init(struct vvmp_vd *vd)
{
	struct vvmp_recovery *rec = &vd->rec;
	unsigned int i;

	init_waitqueue_head(&rec->wait);
	bio_list_init(&rec->held_writes);
	INIT_WORK(&rec->window_work, vvmp_window_work);
	INIT_WORK(&rec->finish_work, vvmp_finish_work);
	rec->paused = true;	/* until the first resume */
	rec->kcopyd = dm_kcopyd_client_create(NULL);
	if (IS_ERR(rec->kcopyd)) {
		int r = PTR_ERR(rec->kcopyd);

		rec->kcopyd = NULL;
		return r;
	}
	if (!vvmp_has_feature(vd, VVMP_FEATURE_NOSYNC)) {
		for (i = 1; i < vd->nr_legs; i++)
			vd->legs[i].health = VVMP_LEG_OUT_OF_SYNC;
		rec->active = true;
		rec->restart = true;
	}
	return 0;
}

/**
 * vvmp_recovery_exit() - tear down copy state (device already suspended)
 * @vd: the VD
 */
void vvmp_recovery_exit(struct vvmp_vd *vd)
{
	if (vd->rec.kcopyd)
		dm_kcopyd_client_destroy(vd->rec.kcopyd);
}
