// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the I/O plan of one bio, executed from ->map in the submitter's
 * context.
 *
 * - A piece is cut at the nearest extent/chunk boundary of the legs it goes
 *   to (dm_accept_partial_bio; dm core sends the rest as a new bio).
 * - One leg: the dm clone is remapped, as dm-linear/dm-stripe do.
 * - Mirror read: the dm clone is remapped to one in-sync leg chosen by
 *   the read policy; a failure fails the leg and a worker resubmits the
 *   same bio to another leg.
 * - Mirror write/discard/write-zeroes: one vvmp clone per leg that is not
 *   failed, all submitted before ->map returns; the dm clone completes when
 *   the last one does. Legs whose continuation mask is clear go first, and
 *   the others only if all of those succeeded (from a worker).
 * - The masks of a failed component (leg) decide the client's result, the
 *   retry of a read, the log and the VD's deactivation; see
 *   Documentation/dm-vvmp.rst, "Exception masks".
 * - Empty flush: dm core sends one duplicate per device of every leg
 *   (ti->num_flush_bios); each is remapped to its device.
 */
#include "vvmp.h"

static void vvmp_account_issue(struct vvmp_vd *vd, unsigned int leg,
			       struct bio *bio)
{
	if (vd->track_pending)
		atomic_inc(&vd->legs[leg].pending);
	vvmp_count_issue(vd->legs[leg].counters, bio);
}

static void vvmp_account_done(struct vvmp_io *io, unsigned int leg,
			      struct bio *bio, blk_status_t status)
{
	struct vvmp_vd *vd = io->vd;

	if (vd->track_pending)
		atomic_dec(&vd->legs[leg].pending);
	vvmp_count_done(vd->legs[leg].counters, bio, status, io->start_ns);
}

/*
 * Pick an in-sync leg of @map not in @exclude. Least-pending scans from a
 * rotating start so that ties spread round-robin.
 */
static int vvmp_choose_read_leg(struct vvmp_vd *vd, struct vvmp_map *map,
				unsigned long exclude)
{
	unsigned long usable = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC) &
			       ~exclude & (BIT(map->nr_legs) - 1);
	unsigned int start, i, leg, best = 0, best_pending = UINT_MAX;

	if (!usable)
		return -1;
	if (hweight_long(usable) == 1)
		return __ffs(usable);
	start = (unsigned int)atomic_inc_return(&vd->read_rotor);
	for (i = 0; i < map->nr_legs; i++) {
		unsigned int pending;

		leg = (start + i) % map->nr_legs;
		if (!(usable & BIT(leg)))
			continue;
		if (vd->read_policy == VVMP_READ_ROUND_ROBIN)
			return leg;
		pending = atomic_read(&vd->legs[leg].pending);
		if (pending < best_pending) {
			best = leg;
			best_pending = pending;
		}
	}
	return best;
}

/*
 * Cut the bio to the piece this plan covers; count it for a named VD and
 * its client (nothing reads those counters of a table-private VD). A bio
 * planned after ->map returned (it was held) already fits: only ->map may
 * cut (dm_accept_partial_bio).
 */
static void vvmp_accept(struct vvmp_io *io, struct bio *bio, sector_t len)
{
	if (bio_sectors(bio) > len)
		dm_accept_partial_bio(bio, len);
	if (io->vd->ti || io->issued)
		return;
	io->issued = true;
	vvmp_count_issue(io->vd->counters, bio);
	vvmp_count_issue(io->port->counters, bio);
}

/* One leg: cut the piece at its boundary and remap it, mapping once. */
static int vvmp_map_single_leg(struct vvmp_vd *vd, struct vvmp_io *io,
			       struct bio *bio)
{
	struct dm_dev *dev;
	sector_t dev_sector, len;

	len = vvmp_leg_map(io->map, 0, io->vd_sector, &dev, &dev_sector);
	vvmp_accept(io, bio, len);
	io->kind = VVMP_IO_REMAPPED;
	io->leg = 0;
	bio_set_dev(bio, dev->bdev);
	bio->bi_iter.bi_sector = dev_sector;
	vvmp_account_issue(vd, 0, bio);
	return DM_MAPIO_REMAPPED;
}

static void vvmp_remap(struct vvmp_map *map, struct bio *bio,
		       unsigned int leg, sector_t vd_sector)
{
	struct dm_dev *dev;
	sector_t dev_sector;

	vvmp_leg_map(map, leg, vd_sector, &dev, &dev_sector);
	bio_set_dev(bio, dev->bdev);
	bio->bi_iter.bi_sector = dev_sector;
}

static struct bio *vvmp_alloc_clone(struct vvmp_vd *vd, struct vvmp_io *io,
				    struct bio *bio, unsigned int leg,
				    gfp_t gfp, bio_end_io_t *end_io)
{
	struct dm_dev *dev;
	sector_t dev_sector;
	struct vvmp_clone *c;
	struct bio *clone;

	vvmp_leg_map(io->map, leg, io->vd_sector, &dev, &dev_sector);
	clone = bio_alloc_clone(dev->bdev, bio, gfp, &vd->clones);
	if (!clone)
		return NULL;
	c = container_of(clone, struct vvmp_clone, bio);
	c->io = io;
	c->leg = leg;
	/* dm polls only its own clones: ours complete by interrupt. */
	bio_clear_polled(clone);
	clone->bi_iter.bi_sector = dev_sector;
	clone->bi_end_io = end_io;
	return clone;
}

/* ---- mirrored reads ---- */

/*
 * A mirrored read remaps dm's clone like a single-leg read (no allocation
 * on the hot path). If it fails, ->end_io keeps it (DM_ENDIO_INCOMPLETE)
 * and a worker restores what the lower device consumed and resubmits it to
 * another leg, as dm-raid1 does with dm_bio_record()/dm_bio_restore().
 */
static void vvmp_read_record(struct vvmp_io *io, struct bio *bio)
{
	io->saved_iter = bio->bi_iter;
	io->saved_flags = bio->bi_flags;
}

static void vvmp_read_restore(struct vvmp_io *io, struct bio *bio)
{
	bio->bi_iter = io->saved_iter;
	bio->bi_flags = io->saved_flags;
	/* A split below chained to this bio and left the count at zero. */
	atomic_set(&bio->__bi_remaining, 1);
	bio->bi_status = BLK_STS_OK;
}

static void vvmp_read_issue(struct vvmp_vd *vd, struct vvmp_io *io,
			    struct bio *bio, unsigned int leg)
{
	io->leg = leg;
	vvmp_remap(io->map, bio, leg, io->vd_sector);
	vvmp_account_issue(vd, leg, bio);
}

/*
 * Did @io reach @leg on extents a REPLACE has since taken away? Its
 * failure there then says nothing of the leg's new extents, which are
 * copied in full after every older bio has completed (the copy's epoch).
 */
static bool vvmp_leg_stale(struct vvmp_io *io, unsigned int leg)
{
	return io->map->generation <
	       READ_ONCE(io->vd->legs[leg].extents_generation);
}

/* Legs of @vd whose masks have none of @bits set. */
static unsigned long vvmp_legs_without(struct vvmp_vd *vd, u32 bits)
{
	unsigned long legs = 0;
	unsigned int l;

	for (l = 0; l < vd->nr_legs; l++)
		if (!(READ_ONCE(vd->legs[l].masks) & bits))
			legs |= BIT(l);
	return legs;
}

/* Called from ->end_io: true if the read was queued for another leg. */
static bool vvmp_read_failed(struct vvmp_vd *vd, struct vvmp_io *io,
			     struct bio *bio, blk_status_t status)
{
	u32 masks = READ_ONCE(vd->legs[io->leg].masks);
	unsigned long flags;

	/* A front split off this bio may have failed, not this leg. */
	if (!vvmp_error_fails_leg(bio, status) || io->split)
		return false;
	io->error = status;
	io->tried_legs |= BIT(io->leg);
	/* On extents a REPLACE took away it is not the leg's failure. */
	if (!vvmp_leg_stale(io, io->leg)) {
		vvmp_component_failed(vd, io->leg);
		/* The plan ends with this component: no other leg is tried. */
		if (!(masks & VVMP_MASK_CONTINUATION) ||
		    (masks & (VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE)))
			return false;
	}
	if (!(vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC) & ~io->tried_legs))
		return false;
	/* Completion context may be atomic: resubmit from a worker. */
	spin_lock_irqsave(&vd->retry_lock, flags);
	bio_list_add(&vd->retry_reads, bio);
	spin_unlock_irqrestore(&vd->retry_lock, flags);
	queue_work(vd->wq, &vd->retry_work);
	return true;
}

/* vvmp_map_read() cut the piece at every leg's boundaries: any leg will do. */
static void vvmp_retry_read(struct vvmp_vd *vd, struct bio *bio)
{
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	int leg = vvmp_choose_read_leg(vd, io->map, io->tried_legs);

	vvmp_read_restore(io, bio);
	if (leg < 0) {
		/* The legs left became unusable meanwhile. */
		io->kind = VVMP_IO_NOTHING;
		bio->bi_status = io->error;
		bio_endio(bio);
		return;
	}
	vvmp_read_issue(vd, io, bio, leg);
	submit_bio_noacct(bio);
}

/**
 * vvmp_retry_reads() - resubmit failed mirrored reads on another leg
 * @work: vd->retry_work
 */
void vvmp_retry_reads(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd, retry_work);
	struct bio_list bios;
	struct bio *bio;

	spin_lock_irq(&vd->retry_lock);
	bios = vd->retry_reads;
	bio_list_init(&vd->retry_reads);
	spin_unlock_irq(&vd->retry_lock);

	while ((bio = bio_list_pop(&bios)))
		vvmp_retry_read(vd, bio);
}

/* ---- mirrored writes ---- */

/*
 * The client's result of a mirrored write whose clones all completed. A
 * failed component (a clone that failed, or a failed leg not written)
 * fails the plan if its success mask is set, if its continuation mask is
 * clear, or if it deactivated the VD; otherwise the write succeeds if one
 * leg that was in sync wrote it.
 */
static blk_status_t vvmp_write_status(struct vvmp_vd *vd, struct vvmp_io *io)
{
	unsigned long failed = io->failed_legs | io->skipped_legs;
	blk_status_t error = io->error ? io->error : BLK_STS_IOERR;
	unsigned long fatal;

	/* The common case reads no mask: nothing failed. */
	if (!failed)
		return (io->ok_legs & io->in_sync_legs) ? BLK_STS_OK : error;
	fatal = ~vvmp_legs_without(vd, VVMP_MASK_SUCCESS) |
		vvmp_legs_without(vd, VVMP_MASK_CONTINUATION);
	if (failed & fatal)
		return error;
	if ((io->failed_legs & ~vvmp_legs_without(vd, VVMP_MASK_DEACTIVATE)) &&
	    READ_ONCE(vd->deactivated))
		return error;
	if (!(io->ok_legs & io->in_sync_legs))
		return error;
	return BLK_STS_OK;
}

static void vvmp_write_put(struct vvmp_io *io)
{
	struct vvmp_vd *vd = io->vd;
	unsigned long flags, log_data;
	struct bio *bio;

	if (!atomic_dec_and_test(&io->pending))
		return;
	bio = dm_bio_from_per_bio_data(io, sizeof(*io));
	if (io->later_legs && !io->failed_legs) {
		/* The first stage is written: the rest from process context. */
		spin_lock_irqsave(&vd->retry_lock, flags);
		bio_list_add(&vd->later_writes, bio);
		spin_unlock_irqrestore(&vd->retry_lock, flags);
		queue_work(vd->wq, &vd->later_work);
		return;
	}
	/* A failed log-data component hands the plan to the CP. */
	log_data = io->failed_legs ? io->failed_legs &
		   ~vvmp_legs_without(vd, VVMP_MASK_LOG_DATA) : 0;
	if (log_data && !io->later_legs && !vd->ti) {
		vvmp_recovery_write_done(vd, io);
		vvmp_exc_hold_component(io, __ffs(log_data));
		return;
	}
	/* Stopped: legs written in the first stage must be copied over. */
	if (io->later_legs && io->ok_legs)
		vvmp_recovery_demote(vd, io->later_legs, io->vd_sector,
				     bio_sectors(bio));
	io->later_legs = 0;
	bio->bi_status = vvmp_write_status(vd, io);
	vvmp_recovery_write_done(vd, io);
	if (io->failed_legs && vvmp_region_disk_defer_end(vd, bio))
		return;
	bio_endio(bio);
}

static void vvmp_write_endio(struct bio *clone)
{
	struct vvmp_clone *c = container_of(clone, struct vvmp_clone, bio);
	struct vvmp_io *io = c->io;
	struct vvmp_vd *vd = io->vd;
	blk_status_t status = clone->bi_status;
	unsigned long flags;

	vvmp_account_done(io, c->leg, clone, status);
	/*
	 * A failure on extents a REPLACE took away is not the leg's: its new
	 * extents get this write from their full copy.
	 */
	if (!status) {
		set_bit(c->leg, &io->ok_legs);
	} else if (!vvmp_leg_stale(io, c->leg)) {
		/* Racy but harmless: any one leg's error will do. */
		if (!io->error)
			io->error = status;
		set_bit(c->leg, &io->failed_legs);
		if (vvmp_error_fails_leg(clone, status)) {
			/* Before the client hears of it: the leg lacks it. */
			spin_lock_irqsave(&vd->lock, flags);
			vvmp_region_mark(vd, io->vd_sector,
					 bio_sectors(dm_bio_from_per_bio_data(io,
							sizeof(*io))));
			spin_unlock_irqrestore(&vd->lock, flags);
			vvmp_component_failed(vd, c->leg);
		}
	}
	bio_put(clone);
	vvmp_write_put(io);
}

/*
 * Allocate every leg's clone before submitting any: clones submitted from
 * ->map sit on current->bio_list until ->map returns, so a fan-out that
 * waited on the mempool while holding some of its elements could deadlock
 * against another. Try without blocking first; if that fails, let one
 * fan-out at a time dip into the reserve (as dm core's alloc_multiple_bios).
 */
static bool vvmp_alloc_write_clones(struct vvmp_vd *vd, struct vvmp_io *io,
				    struct bio *bio, unsigned long legs,
				    struct bio **clones, gfp_t gfp)
{
	unsigned int leg;

	for_each_set_bit(leg, &legs, VVMP_MAX_LEGS) {
		clones[leg] = vvmp_alloc_clone(vd, io, bio, leg, gfp,
					       vvmp_write_endio);
		if (!clones[leg]) {
			while (leg--)
				if (clones[leg])
					bio_put(clones[leg]);
			return false;
		}
	}
	return true;
}

/* Write @bio to @legs; the last completion goes through vvmp_write_put(). */
static void vvmp_issue_write(struct vvmp_vd *vd, struct vvmp_io *io,
			     struct bio *bio, unsigned long legs)
{
	struct bio *clones[VVMP_MAX_LEGS] = { NULL };
	unsigned int leg;

	if (!vvmp_alloc_write_clones(vd, io, bio, legs, clones,
				     GFP_NOWAIT | __GFP_NOWARN)) {
		mutex_lock(&vd->clone_alloc_lock);
		vvmp_alloc_write_clones(vd, io, bio, legs, clones, GFP_NOIO);
		mutex_unlock(&vd->clone_alloc_lock);
	}

	atomic_set(&io->pending, hweight_long(legs) + 1);
	for_each_set_bit(leg, &legs, VVMP_MAX_LEGS) {
		vvmp_account_issue(vd, leg, clones[leg]);
		submit_bio_noacct(clones[leg]);
	}
	vvmp_write_put(io);
}

/**
 * vvmp_submit_write() - fan a write piece out to every leg not failed
 * @io: per-bio data, ->vd_sector set
 * @bio: the dm clone, already cut to one piece
 *
 * Also the resubmission path for writes held by a copy window.
 */
void vvmp_submit_write(struct vvmp_io *io, struct bio *bio)
{
	struct vvmp_vd *vd = io->vd;
	unsigned long legs, first;

	if (vvmp_recovery_hold_write(vd, io, bio, &legs))
		return;
	/* A leg attached after this bio's map has no place on it. */
	legs &= BIT(io->map->nr_legs) - 1;
	io->in_sync_legs &= legs;
	io->ok_legs = 0;
	io->failed_legs = 0;
	io->error = BLK_STS_OK;
	first = vvmp_legs_without(vd, VVMP_MASK_CONTINUATION);
	if (io->skipped_legs & first) {
		/* A component the plan cannot go on without is failed. */
		legs = 0;
		first = 0;
	}
	first &= legs;
	io->later_legs = first ? legs & ~first : 0;
	vvmp_issue_write(vd, io, bio, first ? first : legs);
}

/**
 * vvmp_later_work() - write the legs after a plan's first stage
 * @work: vd->later_work
 */
void vvmp_later_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd, later_work);
	struct bio_list bios;
	struct bio *bio;

	spin_lock_irq(&vd->retry_lock);
	bios = vd->later_writes;
	bio_list_init(&vd->later_writes);
	spin_unlock_irq(&vd->retry_lock);

	while ((bio = bio_list_pop(&bios))) {
		struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
		unsigned long legs = io->later_legs;

		io->later_legs = 0;
		vvmp_issue_write(vd, io, bio, legs);
	}
}

/* ---- empty flushes ---- */

/* A table-private VD: dm core sent one duplicate per flush target. */
static int vvmp_map_flush(struct vvmp_vd *vd, struct vvmp_io *io,
			  struct bio *bio)
{
	struct vvmp_flush_target *ft =
		&io->map->flush_targets[dm_bio_get_target_bio_nr(bio)];

	if (READ_ONCE(vd->legs[ft->leg].health) == VVMP_LEG_FAILED) {
		io->kind = VVMP_IO_NOTHING;
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	io->kind = VVMP_IO_REMAPPED;
	io->leg = ft->leg;
	bio_set_dev(bio, ft->dev->bdev);
	vvmp_account_issue(vd, ft->leg, bio);
	return DM_MAPIO_REMAPPED;
}

static void vvmp_flush_endio(struct bio *clone)
{
	struct vvmp_clone *c = container_of(clone, struct vvmp_clone, bio);
	struct vvmp_io *io = c->io;
	struct vvmp_vd *vd = io->vd;
	blk_status_t status = clone->bi_status;

	vvmp_account_done(io, c->leg, clone, status);
	/* A mirror absorbs the flush failure of a leg it can fail. */
	if (status && !(vvmp_error_fails_leg(clone, status) &&
			vvmp_component_failed(vd, c->leg) &&
			!(READ_ONCE(vd->legs[c->leg].masks) &
			  (VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE))))
		io->error = status;
	else
		set_bit(c->leg, &io->ok_legs);
	bio_put(clone);
	if (atomic_dec_and_test(&io->pending)) {
		struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));

		bio->bi_status = io->error;
		bio_endio(bio);
	}
}

/*
 * A named VD's map can change the set of devices at any time, so dm core
 * cannot duplicate its flushes (num_flush_bios is fixed per table): a
 * worker sends one clone per flush target of the bio's map. From a worker
 * each clone is really submitted before the next is allocated, so waiting
 * on the bio set's reserve is safe.
 */
static void vvmp_flush_fan_out(struct vvmp_vd *vd, struct bio *bio)
{
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct vvmp_map *map = io->map;
	unsigned int i;

	io->error = BLK_STS_OK;
	io->ok_legs = 0;
	atomic_set(&io->pending, 1);
	for (i = 0; i < map->nr_flush_targets; i++) {
		struct vvmp_flush_target *ft = &map->flush_targets[i];
		struct vvmp_clone *c;
		struct bio *clone;

		if (READ_ONCE(vd->legs[ft->leg].health) == VVMP_LEG_FAILED)
			continue;
		clone = bio_alloc_clone(ft->dev->bdev, bio, GFP_NOIO,
					&vd->clones);
		c = container_of(clone, struct vvmp_clone, bio);
		c->io = io;
		c->leg = ft->leg;
		bio_clear_polled(clone);
		clone->bi_end_io = vvmp_flush_endio;
		atomic_inc(&io->pending);
		vvmp_account_issue(vd, ft->leg, clone);
		submit_bio_noacct(clone);
	}
	if (atomic_dec_and_test(&io->pending)) {
		bio->bi_status = io->error;
		bio_endio(bio);
	}
}

/**
 * vvmp_flush_work() - fan out the queued empty flushes of a named VD
 * @work: vd->flush_work
 */
void vvmp_flush_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd, flush_work);
	struct bio_list bios;
	struct bio *bio;

	spin_lock_irq(&vd->retry_lock);
	bios = vd->flushes;
	bio_list_init(&vd->flushes);
	spin_unlock_irq(&vd->retry_lock);

	while ((bio = bio_list_pop(&bios)))
		vvmp_flush_fan_out(vd, bio);
}

static int vvmp_queue_flush(struct vvmp_vd *vd, struct vvmp_io *io,
			    struct bio *bio)
{
	io->kind = VVMP_IO_FANNED_OUT;
	spin_lock_irq(&vd->retry_lock);
	bio_list_add(&vd->flushes, bio);
	spin_unlock_irq(&vd->retry_lock);
	queue_work(vd->wq, &vd->flush_work);
	return DM_MAPIO_SUBMITTED;
}

/* ---- ->map and ->end_io ---- */

static int vvmp_map_read(struct vvmp_vd *vd, struct vvmp_io *io,
			 struct bio *bio)
{
	int leg = vvmp_choose_read_leg(vd, io->map, 0);
	sector_t len;

	if (leg < 0) {
		vvmp_accept(io, bio, bio_sectors(bio));
		return DM_MAPIO_KILL;
	}
	/* Contiguous on every leg, so a retry can go to any of them. */
	len = vvmp_boundary(io->map, BIT(io->map->nr_legs) - 1, io->vd_sector);
	vvmp_accept(io, bio, len);

	io->kind = VVMP_IO_MIRROR_READ;
	io->tried_legs = 0;
	io->error = BLK_STS_OK;
	vvmp_read_record(io, bio);
	vvmp_read_issue(vd, io, bio, leg);
	return DM_MAPIO_REMAPPED;
}

static int vvmp_map_write(struct vvmp_vd *vd, struct vvmp_io *io,
			  struct bio *bio)
{
	unsigned long all_legs = BIT(io->map->nr_legs) - 1;
	sector_t len = vvmp_boundary(io->map, all_legs, io->vd_sector);

	vvmp_accept(io, bio, len);

	io->kind = VVMP_IO_FANNED_OUT;
	io->counted = false;
	vvmp_submit_write(io, bio);
	return DM_MAPIO_SUBMITTED;
}

/**
 * vvmp_map_bio() - the I/O plan of a bio admitted by its client's policy
 * @port: the device it came through
 * @bio: dm's clone, per-bio data initialised by vvmp_map(), ->map taken
 *
 * Also called from the port's dispatch worker for bios that were held.
 *
 * Return: a DM_MAPIO_* code; DM_MAPIO_KILL holds no map reference.
 */
int vvmp_map_bio(struct vvmp_port *port, struct bio *bio)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	int r;

	if (unlikely(READ_ONCE(vd->deactivated))) {
		vvmp_accept(io, bio, bio_sectors(bio));
		vvmp_io_done(io, bio, BLK_STS_IOERR);
		vvmp_map_put(io->map);
		io->map = NULL;
		return DM_MAPIO_KILL;
	}
	if (unlikely(READ_ONCE(vd->nr_ranges)) && !io->exc.pass &&
	    bio_sectors(bio) && vvmp_exc_divert(port, io, bio))
		return DM_MAPIO_SUBMITTED;
	if (bio->bi_opf & REQ_PREFLUSH) {
		vvmp_accept(io, bio, bio_sectors(bio));
		if (!vd->ti)
			return vvmp_queue_flush(vd, io, bio);
		return vvmp_map_flush(vd, io, bio);
	}
	if (unlikely(io->vd_sector + bio_sectors(bio) > io->map->size)) {
		/* The device outgrew a map that shrank: nothing is there. */
		vvmp_accept(io, bio, bio_sectors(bio));
		r = DM_MAPIO_KILL;
	} else if (io->map->nr_legs == 1) {
		return vvmp_map_single_leg(vd, io, bio);
	} else if (bio_data_dir(bio) == READ) {
		r = vvmp_map_read(vd, io, bio);
	} else {
		return vvmp_map_write(vd, io, bio);
	}
	if (r == DM_MAPIO_KILL) {
		vvmp_io_done(io, bio, BLK_STS_IOERR);
		vvmp_map_put(io->map);
		io->map = NULL;		/* a held bio is ended by its releaser */
	}
	return r;
}

/**
 * vvmp_piece_len() - how much of @bio one plan on @map can take
 * @map: the map
 * @sector: the bio's first VD sector
 * @bio: the bio
 *
 * Return: sectors up to the nearest boundary of an extent or chunk on any
 * leg; the whole bio if it has no data or runs past the map's end.
 */
sector_t vvmp_piece_len(struct vvmp_map *map, sector_t sector,
			struct bio *bio)
{
	struct dm_dev *dev;
	sector_t dev_sector;

	if ((bio->bi_opf & REQ_PREFLUSH) || !bio_sectors(bio) ||
	    sector + bio_sectors(bio) > map->size)
		return bio_sectors(bio);
	if (map->nr_legs == 1)
		return vvmp_leg_map(map, 0, sector, &dev, &dev_sector);
	return vvmp_boundary(map, BIT(map->nr_legs) - 1, sector);
}

/*
 * The map changed while @bio was held and now has a boundary inside it:
 * its first @len sectors go back through the device as a bio of their own
 * (chained to @bio) and @bio keeps the rest. Not while the device
 * suspends: dm would keep the new bio until a resume that waits for @bio.
 */
static int vvmp_split_to_dm(struct vvmp_port *port, struct vvmp_io *io,
			    struct bio *bio, sector_t len)
{
	struct mapped_device *md = dm_table_get_md(port->ti->table);
	struct bio *front;

	if (READ_ONCE(port->suspending))
		return -EBUSY;
	front = bio_split(bio, len, GFP_NOIO, &fs_bio_set);
	bio_set_dev(front, dm_disk(md)->part0);
	bio_chain(front, bio);
	io->vd_sector += len;
	io->split = true;
	submit_bio_noacct(front);
	return 0;
}

/**
 * vvmp_plan_held() - plan and submit a bio that was held after ->map
 * @port: its device
 * @bio: the dm clone, cut by ->map, io->map referenced
 *
 * Called from process context: a port's dispatch, a commit, a plan's
 * resubmission or release.
 */
void vvmp_plan_held(struct vvmp_port *port, struct bio *bio)
{
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	sector_t len;

	for (;;) {
		len = vvmp_piece_len(io->map, io->vd_sector, bio);
		if (len >= bio_sectors(bio))
			break;
		if (vvmp_split_to_dm(port, io, bio, len)) {
			DMERR_LIMIT("%s: a held bio no longer fits the map while the device suspends",
				    vvmp_vd_name(port->vd));
			vvmp_map_put(io->map);
			io->map = NULL;
			bio->bi_status = BLK_STS_IOERR;
			bio_endio(bio);
			return;
		}
	}
	switch (vvmp_map_bio(port, bio)) {
	case DM_MAPIO_REMAPPED:
		dm_submit_bio_remap(bio, NULL);
		break;
	case DM_MAPIO_KILL:
		bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
		break;
	default:
		break;
	}
}

/**
 * vvmp_map() - dm ->map: admit a bio by its client's policy, then plan it
 * @ti: the target
 * @bio: dm's clone of the client bio
 *
 * Return: a DM_MAPIO_* code.
 */
int vvmp_map(struct dm_target *ti, struct bio *bio)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct vvmp_map *map;
	sector_t len;

	io->port = port;
	io->vd = port->vd;
	io->map = NULL;
	io->requeue = false;
	io->split = false;
	io->issued = false;
	io->exc.id = 0;
	io->exc.pass = false;
	io->kind = VVMP_IO_NOTHING;
	io->vd_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	io->start_ns = READ_ONCE(port->vd->collect_latency) ?
		       ktime_get_ns() : 0;
	if (port->vd->ti) {
		io->map = vvmp_map_get(port->vd);
		return vvmp_map_bio(port, bio);
	}
	/*
	 * The policy and the map, both before or both after a commit. The
	 * piece is cut now, on this map: a bio held by the policy or for the
	 * control path is planned later, when dm no longer lets it be cut.
	 */
	rcu_read_lock();
	map = vvmp_map_get(port->vd);
	len = vvmp_piece_len(map, io->vd_sector, bio);
	if (unlikely(READ_ONCE(port->vd->nr_ranges)))
		len = vvmp_divert_cut(port->vd, io->vd_sector, len);
	if (bio_sectors(bio) > len)
		dm_accept_partial_bio(bio, len);
	if (!vvmp_port_admit(port, bio)) {
		rcu_read_unlock();
		vvmp_map_put(map);
		return DM_MAPIO_SUBMITTED;
	}
	io->map = map;
	rcu_read_unlock();
	return vvmp_map_bio(port, bio);
}

/**
 * vvmp_end_io() - dm ->end_io: account, absorb leg failures, drop the map
 * @ti: the target
 * @bio: the dm clone
 * @error: its status; cleared when a mirror absorbs a flush failure
 *
 * Return: DM_ENDIO_INCOMPLETE for a mirrored read queued for another leg,
 * DM_ENDIO_REQUEUE for a bio a device held over a noflush suspend, else
 * DM_ENDIO_DONE.
 */
int vvmp_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct vvmp_vd *vd = io->vd;

	if (!io->map)		/* refused, or held over a noflush suspend */
		return io->requeue ? DM_ENDIO_REQUEUE : DM_ENDIO_DONE;

	if (io->kind == VVMP_IO_REMAPPED || io->kind == VVMP_IO_MIRROR_READ)
		vvmp_account_done(io, io->leg, bio, *error);
	if (io->kind == VVMP_IO_MIRROR_READ && *error &&
	    vvmp_read_failed(vd, io, bio, *error))
		return DM_ENDIO_INCOMPLETE;

	/* One leg: errors go to the client. A mirror absorbs a flush
	 * failure of a leg it can fail.
	 */
	if (io->kind == VVMP_IO_REMAPPED && *error &&
	    vvmp_error_fails_leg(bio, *error) &&
	    vvmp_component_failed(vd, io->leg) &&
	    READ_ONCE(vd->legs[io->leg].health) == VVMP_LEG_FAILED &&
	    !(READ_ONCE(vd->legs[io->leg].masks) &
	      (VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE)))
		*error = BLK_STS_OK;

	vvmp_io_done(io, bio, *error);
	vvmp_map_put(io->map);
	return DM_ENDIO_DONE;
}
