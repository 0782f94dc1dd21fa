// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: resync, the copy from an in-sync leg onto the out-of-sync legs.
 *
 * A pass walks the VD from sector 0 in windows of at most VVMP_COPY_WINDOW
 * sectors and copies them with dm-io through a one-window buffer (one read,
 * then one write to every target leg, per piece that is contiguous on the
 * source and every target). It copies only the
 * dirty regions (vvmp-region.c) unless a target leg needs a full copy (new
 * extents, an initial sync, or a failure the log did not record). Windows
 * start no faster than the resync rate allows. Two rules keep a copy from
 * overwriting newer data:
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
 * failed; the legs become in sync when the cursor reaches the end. Writes
 * reach out-of-sync legs too, so a copied region stays in sync on them and
 * a pass never has to go back (the log's "copy list" is the cursor). A
 * copied region is cleared from the log once no failed leg lacks it.
 */
#include <linux/dm-io.h>
#include <linux/ioprio.h>
#include <linux/vmalloc.h>

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
 * Return: true if @bio was held for the copy window it overlaps, or until
 * the on-disk log covers it (vvmp-region-disk.c).
 */
bool vvmp_recovery_hold_write(struct vvmp_vd *vd, struct vvmp_io *io,
			      struct bio *bio, unsigned long *legs)
{
	struct vvmp_recovery *rec = &vd->rec;
	sector_t end = io->vd_sector + bio_sectors(bio);
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	io->log_epoch = 0;
	if (rec->window_busy && io->vd_sector < rec->window_end &&
	    rec->window_start < end) {
		bio_list_add(&rec->held_writes, bio);
		spin_unlock_irqrestore(&vd->lock, flags);
		return true;
	}
	if (vvmp_region_disk_hold(vd, io, bio)) {
		spin_unlock_irqrestore(&vd->lock, flags);
		return true;
	}
	io->epoch = rec->epoch;
	io->counted = true;
	atomic_inc(&rec->epoch_writes[io->epoch]);
	io->in_sync_legs = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);
	*legs = io->in_sync_legs | vvmp_legs_in_state(vd, VVMP_LEG_OUT_OF_SYNC);
	io->skipped_legs = (BIT(io->map->nr_legs) - 1) & ~*legs;
	/* Before any leg is written: a failed leg will lack this write. */
	if (io->skipped_legs)
		vvmp_region_mark(vd, io->vd_sector, bio_sectors(bio));
	spin_unlock_irqrestore(&vd->lock, flags);
	return false;
}

/**
 * vvmp_recovery_demote() - @legs lack a write the other in-sync legs have
 * @vd: the VD
 * @legs: legs a stopped plan did not write
 * @sector: first VD sector of the write
 * @len: its length
 *
 * Safe in any context. The in-sync legs among @legs go out of sync with
 * the write's regions dirty, and a resync copies the write onto them from
 * a leg that has it, so that no two in-sync legs differ.
 */
void vvmp_recovery_demote(struct vvmp_vd *vd, unsigned long legs,
			  sector_t sector, sector_t len)
{
	unsigned long flags;
	unsigned int leg;

	spin_lock_irqsave(&vd->lock, flags);
	vvmp_region_mark(vd, sector, len);
	/* Out-of-sync legs too: a running pass may be past this region. */
	legs &= ~vvmp_legs_in_state(vd, VVMP_LEG_FAILED);
	for_each_set_bit(leg, &legs, VVMP_MAX_LEGS)
		if (vd->legs[leg].health == VVMP_LEG_IN_SYNC)
			vvmp_set_leg_health(vd, leg, VVMP_LEG_OUT_OF_SYNC);
	if (legs) {
		vd->rec.active = true;
		vd->rec.restart = true;
	}
	spin_unlock_irqrestore(&vd->lock, flags);
	if (legs) {
		vvmp_recovery_kick(vd);
		vvmp_vd_changed(vd);
	}
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
	if (io->counted)
		vvmp_region_disk_write_done(vd, io);
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

/*
 * Copy one piece through the window's buffer: one read, then one write to
 * every target, with dm-io from the window worker. (dm-kcopyd cut each
 * window into sub-jobs with a work hop and page allocations each, which
 * ran at 0.6x a plain dd between the same disks.)
 */
static void vvmp_copy_piece(struct vvmp_vd *vd, struct dm_io_region *from,
			    unsigned int n, struct dm_io_region *to,
			    size_t offset)
{
	struct vvmp_recovery *rec = &vd->rec;
	struct dm_io_request req = {
		.bi_opf = REQ_OP_READ,
		.mem.type = DM_IO_VMA,
		.mem.ptr.vma = rec->buf + offset,
		.client = rec->io_client,
	};
	unsigned long error_bits = 0;

	if (dm_io(&req, 1, from, &error_bits, IOPRIO_DEFAULT) || error_bits) {
		vvmp_copy_piece_done(1, 0, vd);
		return;
	}
	req.bi_opf = REQ_OP_WRITE;
	error_bits = 0;
	if (dm_io(&req, n, to, &error_bits, IOPRIO_DEFAULT) && !error_bits)
		error_bits = BIT(n) - 1;
	vvmp_copy_piece_done(0, error_bits, vd);
}

/* Copy one window; targets index write_err bits. */
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
		vvmp_copy_piece(vd, &from, n, to, (pos - start) << SECTOR_SHIFT);
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
		rec->full = false;
		for_each_set_bit(leg, &rec->target_legs, vd->nr_legs)
			rec->full |= vd->legs[leg].needs_full_copy;
	}
	rec->target_legs &= vvmp_legs_in_state(vd, VVMP_LEG_OUT_OF_SYNC);
	if (!rec->target_legs) {
		rec->active = false;
		return true;
	}
	if (rec->cursor < vd->size)
		return false;
	for_each_set_bit(leg, &rec->target_legs, vd->nr_legs) {
		vd->legs[leg].needs_full_copy = false;
		vvmp_set_leg_health(vd, leg, VVMP_LEG_IN_SYNC);
	}
	rec->target_legs = 0;
	rec->active = false;
	return true;
}

/*
 * The next window of the pass from the cursor, vd->lock held: false if
 * the pass has nothing left to copy (the cursor then is at the end).
 */
static bool vvmp_next_window(struct vvmp_vd *vd, sector_t *start,
			     sector_t *end)
{
	struct vvmp_recovery *rec = &vd->rec;

	if (rec->full) {
		*start = rec->cursor;
		*end = min_t(sector_t, *start + VVMP_COPY_WINDOW, vd->size);
		return true;
	}
	if (vvmp_region_next_dirty(vd, rec->cursor, VVMP_COPY_WINDOW,
				   start, end))
		return true;
	rec->cursor = vd->size;
	return false;
}

/* How long the resync rate asks to wait after a window of @sectors. */
static unsigned long vvmp_rate_delay(struct vvmp_recovery *rec,
				     sector_t sectors)
{
	unsigned long due;
	u32 rate = READ_ONCE(rec->rate_kib);

	if (!rate)
		return 0;
	/* sectors / 2 KiB at rate KiB/s: that many jiffies from the start. */
	due = rec->window_jiffies +
	      (unsigned long)div_u64((u64)sectors * HZ, 2ULL * rate);
	return time_before(jiffies, due) ? due - jiffies : 0;
}

static void vvmp_window_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(to_delayed_work(work),
					  struct vvmp_vd, rec.window_work);
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
	if (!done && !vvmp_next_window(vd, &start, &end))
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
	rec->window_start = start;
	rec->window_end = end;
	rec->window_busy = true;
	rec->read_error = 0;
	rec->write_error_legs = 0;
	rec->window_jiffies = jiffies;
	old_epoch = rec->epoch;
	rec->epoch ^= 1;
	spin_unlock_irq(&vd->lock);

	/* Bounded: these writes are in flight to the legs already. */
	wait_event(rec->wait, !atomic_read(&rec->epoch_writes[old_epoch]));
	/* The window is copied on one map; a newer one must hold the same data. */
	rec->map = vvmp_map_get(vd);
	/* A leg attached after that map is copied by the next pass. */
	targets &= BIT(rec->map->nr_legs) - 1;
	rec->window_targets = targets;
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
	targets = rec->window_targets;
	for_each_set_bit(leg, &targets, VVMP_MAX_LEGS) {
		if (rec->write_error_legs & BIT(i))
			failed_targets |= BIT(leg);
		i++;
	}
	if (!read_error && !failed_targets) {
		/* Legs that still lack the window: failed, or restored since. */
		unsigned long lacking = (BIT(vd->nr_legs) - 1) & ~targets &
			~vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC);

		rec->cursor = rec->window_end;
		rec->copied_sectors += rec->window_end - rec->window_start;
		if (!lacking)
			vvmp_region_clear(vd, rec->window_start,
					  rec->window_end);
	}
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
	queue_delayed_work(vd->wq, &rec->window_work,
			   vvmp_rate_delay(rec, rec->window_end - rec->window_start));
}

/**
 * vvmp_recovery_kick() - start or continue the copy unless paused
 * @vd: the VD
 */
void vvmp_recovery_kick(struct vvmp_vd *vd)
{
	mod_delayed_work(vd->wq, &vd->rec.window_work, 0);
}

/**
 * vvmp_recovery_set_rate() - limit the resync to @rate_kib KiB/s
 * @vd: the VD
 * @rate_kib: 0 for no limit
 *
 * Takes effect from the next window; a window already waiting for its turn
 * is started again under the new rate.
 */
void vvmp_recovery_set_rate(struct vvmp_vd *vd, u32 rate_kib)
{
	WRITE_ONCE(vd->rec.rate_kib, rate_kib);
	vvmp_recovery_kick(vd);
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
	cancel_delayed_work_sync(&rec->window_work);
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
	INIT_DELAYED_WORK(&rec->window_work, vvmp_window_work);
	INIT_WORK(&rec->finish_work, vvmp_finish_work);
	rec->paused = true;	/* until the first resume */
	rec->buf = vmalloc(VVMP_COPY_WINDOW << SECTOR_SHIFT);
	if (!rec->buf)
		return -ENOMEM;
	rec->io_client = dm_io_client_create();
	if (IS_ERR(rec->io_client)) {
		int r = PTR_ERR(rec->io_client);

		rec->io_client = NULL;
		return r;
	}
	rec->kcopyd = dm_kcopyd_client_create(NULL);
	if (IS_ERR(rec->kcopyd)) {
		int r = PTR_ERR(rec->kcopyd);

		rec->kcopyd = NULL;
		return r;
	}
	if (!vvmp_has_feature(vd, VVMP_FEATURE_NOSYNC)) {
		for (i = 1; i < vd->nr_legs; i++) {
			vd->legs[i].health = VVMP_LEG_OUT_OF_SYNC;
			vd->legs[i].needs_full_copy = true;
		}
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
	if (vd->rec.io_client)
		dm_io_client_destroy(vd->rec.io_client);
	vfree(vd->rec.buf);
}
