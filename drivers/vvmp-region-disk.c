// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the persistent log, so that the dirty-region log of a mirror
 * (vvmp-region.c) survives a clean shutdown and a crash.
 *
 * Where it lives. The log is an extent of a block device the administrator
 * names ("log <device> <offset>" in a classic table, VVMP_A_LOG in
 * VD_CREATE), as dm-raid1's "disk" log. Not vvmpd: a write must find its
 * region's intent on disk before any leg gets it, so the log is on the
 * I/O path; a round trip to a daemon per new region would cost more than
 * a 4 KiB write, a dmsetup-only table has no daemon, and a dead daemon
 * would stop the writes. Not a metadata area on the legs: a leg is an
 * administrator's extents with no room reserved outside the VD, and a log
 * on every leg would multiply the log writes while the leg whose copy is
 * current would have to be found first. The extent may well be on the
 * disk of a leg (outside every extent of the VD: that is checked); for a
 * log that survives the loss of one disk, put it on a small mirror.
 *
 * Layout (Documentation/dm-vvmp.rst, "Persistent log"): 4 KiB blocks from
 * <offset>. Block 0 is the header (struct vvmp_log_header, little-endian,
 * in its first sector, so a header write is one atomic sector write), then
 * B blocks of the write-intent bitmap and B blocks of the dirty bitmap,
 * bit r of a bitmap being bit r % 8 of byte r / 8. A bitmap block holds
 * 32768 regions; the capacity (regions per bitmap) is B * 32768. A classic
 * table takes the fewest blocks its VD needs (the extent is
 * (1 + 2B) * 8 sectors); a named VD takes as many as its extent holds
 * (its map may grow up to the capacity), at most 512 blocks per bitmap.
 *
 * Write intent (md's write-intent bitmap is the model): a region's intent
 * bit is on disk before any mirrored write to it reaches a leg. The fast
 * path is a test of the bits under vd->lock, which
 * vvmp_recovery_hold_write() holds anyway. Otherwise the write is queued
 * and a worker writes the bitmap blocks (REQ_PREFLUSH | REQ_FUA; one write
 * serves every bio queued before it, from preallocated pages and bios),
 * then resubmits them. The first write after a load also marks the
 * header unclean. The same test sends a write to the worker while the
 * header says a leg is in sync that no longer is: the failure of a leg is
 * on disk before a write that skips it is let through.
 *
 * Clearing is lazy: every VVMP_LOG_PERIOD (5 s) a worker clears the
 * intent of the regions no write was admitted to since its last pass and
 * that are not dirty, flushes the legs (the data written there is then
 * durable) and writes the bitmap; with no intent left, the header is
 * clean again. A region with a write in flight is never
 * cleared: admitted writes are counted in one of two epochs, and the
 * worker clears (and flips the epoch) only once every write of the
 * previous epoch has completed. Two counters and a "touched" bitmap cost
 * less on the fast path and in memory than a counter per region.
 *
 * Dirty bits and leg health are written when they change "rarely": a
 * leg's failure or restore and the end of a resync (vvmp_vd_changed()),
 * the periodic worker, and always at a clean shutdown (postsuspend of a
 * classic table, the table's destructor, deletion of a named VD). A dirty
 * region always has its intent on disk (its write put it there, and dirty
 * regions are never cleared), so after a crash intent | dirty covers every
 * region a leg may lack. Whatever relaxes the log (an intent or a dirty
 * bit cleared, a leg back in sync) is written only after a flush of the
 * legs.
 *
 * Load (a classic table at its first resume, after the old table of a
 * reload wrote the log clean; a named VD at creation): a clean header
 * gives the legs' health and the dirty regions as stored; an unclean one
 * (a crash) adds the intent regions to the dirty ones and puts every
 * in-sync leg but the first out of sync, so the resync copies exactly the
 * regions that may differ, from that leg. No valid header: a new log,
 * written at once, with the state the table asked for (nosync or not).
 *
 * A failed log write fails the log ("log_health D" in the status):
 * the writes it was to cover fail, and so does every later write that
 * needs a new intent bit or a changed header, as dm-raid1 does with a
 * failed log; the VD reads and rewrites covered regions as before.
 */
#include <linux/blkdev.h>
#include <linux/crc32.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "vvmp.h"
#include "vvmp-nl.h"

#define VVMP_LOG_MAGIC		0x4c4d5656	/* "VVML" on disk */
#define VVMP_LOG_VERSION	1
#define VVMP_LOG_BLOCK_SIZE	4096
#define VVMP_LOG_BLOCK_SECTORS	(VVMP_LOG_BLOCK_SIZE >> SECTOR_SHIFT)
#define VVMP_LOG_BLOCK_BITS	(VVMP_LOG_BLOCK_SIZE * 8UL)
#define VVMP_LOG_MAX_BLOCKS	512		/* per bitmap: 16M regions */
#define VVMP_LOG_PERIOD		(5 * HZ)
#define VVMP_LOG_CLEAN		BIT(0)		/* header flags */
#define VVMP_LOG_FULL_COPY	BIT(0)		/* per-leg flags */

/* Block 0 of the log, little-endian; the CRC-32 (as zlib's) covers the rest. */
struct vvmp_log_header {
	__le32 magic;
	__le32 version;
	__le32 flags;			/* VVMP_LOG_CLEAN */
	__le32 region_sectors;
	__le64 events;			/* +1 per header write */
	__le64 capacity;		/* regions per bitmap */
	__le64 vd_sectors;		/* the VD's size when written */
	__le32 nr_legs;
	u8 leg_health[VVMP_MAX_LEGS];	/* enum vvmp_leg_state */
	u8 leg_flags[VVMP_MAX_LEGS];	/* VVMP_LOG_FULL_COPY */
	__le32 crc;
} __packed;

/* What a header says, or is about to. */
struct vvmp_log_state {
	bool clean;
	unsigned int nr_legs;
	sector_t vd_sectors;
	u8 health[VVMP_MAX_LEGS];
	u8 flags[VVMP_MAX_LEGS];
};

struct vvmp_log_block {
	struct bio bio;
	struct bio_vec bvec;
	struct page *page;
};

struct vvmp_region_disk {
	struct vvmp_vd *vd;
	struct dm_dev *dev;		/* a table's device, or @pd's */
	struct vvmp_pd *pd;		/* named VDs */
	sector_t offset;
	sector_t extent_sectors;	/* named VDs: the extent given */
	unsigned long capacity;		/* regions per bitmap */
	unsigned int bitmap_blocks;
	unsigned int nr_blocks;		/* 1 + 2 * bitmap_blocks */
	struct vvmp_log_block *blocks;

	/* Under vd->lock. */
	bool loaded;			/* the state was read (or made new) */
	bool failed;			/* a log write failed */
	bool suspended;			/* no periodic pass */
	bool relaxed;			/* a stale block clears a bit */
	unsigned long *intent;		/* regions whose intent is wanted */
	unsigned long *intent_disk;	/* ... of those, the ones on disk */
	unsigned long nr_intent;
	unsigned long *touched;		/* admitted to since the last flip */
	unsigned long *stale;		/* blocks to write (header: never) */
	struct bio_list waiting;	/* writes waiting for their intent */
	struct bio_list ending;		/* writes whose leg failure must be */
					/* on disk before they complete */
	unsigned int epoch;
	struct vvmp_log_state disk;	/* the header on disk */
	unsigned long disk_in_sync;	/* legs the header says are in sync */
	atomic_t epoch_writes[2];

	/* The writer: under io_lock. */
	struct mutex io_lock;
	unsigned long *snap;		/* intent as written by this write */
	unsigned long *sel;		/* blocks of this write */
	u64 events;
	atomic_t io_pending;
	bool io_error;
	struct completion io_done;

	struct work_struct flush_work;
	struct delayed_work period_work;
};

static unsigned long vvmp_log_regions(struct vvmp_vd *vd, sector_t size)
{
	return (unsigned long)((size + (1ULL << vd->rlog.shift) - 1) >>
			       vd->rlog.shift);
}

static sector_t vvmp_log_sectors(unsigned int bitmap_blocks)
{
	return (sector_t)(1 + 2 * bitmap_blocks) * VVMP_LOG_BLOCK_SECTORS;
}

static unsigned int vvmp_log_intent_block(struct vvmp_region_disk *rd,
					  unsigned long region)
{
	return 1 + region / VVMP_LOG_BLOCK_BITS;
}

static unsigned int vvmp_log_dirty_block(struct vvmp_region_disk *rd,
					 unsigned long region)
{
	return 1 + rd->bitmap_blocks + region / VVMP_LOG_BLOCK_BITS;
}

/* ---- bitmaps on disk: bit r is bit r % 32 of little-endian word r / 32 ---- */

/* One block from @bits, starting at bit @first; bits from @nbits on are 0. */
static void vvmp_log_encode(void *block, const unsigned long *bits,
			    unsigned long first, unsigned long nbits)
{
	__le32 *w = block;
	unsigned int i;

	for (i = 0; i < VVMP_LOG_BLOCK_SIZE / 4; i++) {
		unsigned long pos = first + i * 32UL;
		u32 v = 0;

		if (bits && pos < nbits) {
			v = (u32)(bits[BIT_WORD(pos)] >> (pos % BITS_PER_LONG));
			if (nbits - pos < 32)
				v &= (1U << (nbits - pos)) - 1;
		}
		w[i] = cpu_to_le32(v);
	}
}

/* Bits [@first, min(@first + block bits, @nbits)) of @bits from one block. */
static void vvmp_log_decode(const void *block, unsigned long *bits,
			    unsigned long first, unsigned long nbits)
{
	const __le32 *w = block;
	unsigned int i;

	for (i = 0; i < VVMP_LOG_BLOCK_SIZE / 4; i++) {
		unsigned long pos = first + i * 32UL;
		unsigned long *word = &bits[BIT_WORD(pos)];
		unsigned int shift = pos % BITS_PER_LONG;
		u32 v;

		if (pos >= nbits)
			break;
		v = le32_to_cpu(w[i]);
		if (nbits - pos < 32)
			v &= (1U << (nbits - pos)) - 1;
		*word = (*word & ~((unsigned long)U32_MAX << shift)) |
			((unsigned long)v << shift);
	}
}

/* ---- the header ---- */

static u8 vvmp_log_health_code(enum vvmp_leg_health health)
{
	switch (health) {
	case VVMP_LEG_IN_SYNC:
		return VVMP_LEG_STATE_IN_SYNC;
	case VVMP_LEG_OUT_OF_SYNC:
		return VVMP_LEG_STATE_OUT_OF_SYNC;
	default:
		return VVMP_LEG_STATE_FAILED;
	}
}

static enum vvmp_leg_health vvmp_log_health_of(u8 code)
{
	switch (code) {
	case VVMP_LEG_STATE_IN_SYNC:
		return VVMP_LEG_IN_SYNC;
	case VVMP_LEG_STATE_OUT_OF_SYNC:
		return VVMP_LEG_OUT_OF_SYNC;
	default:
		return VVMP_LEG_FAILED;
	}
}

/* The state to write now; vd->lock held. */
static void vvmp_log_state_now(struct vvmp_vd *vd, struct vvmp_log_state *st,
			       bool clean)
{
	unsigned int l;

	memset(st, 0, sizeof(*st));
	st->clean = clean;
	st->nr_legs = vd->nr_legs;
	st->vd_sectors = vd->size;
	for (l = 0; l < vd->nr_legs; l++) {
		st->health[l] = vvmp_log_health_code(vd->legs[l].health);
		st->flags[l] = vd->legs[l].needs_full_copy ?
			       VVMP_LOG_FULL_COPY : 0;
	}
}

static bool vvmp_log_state_equal(const struct vvmp_log_state *a,
				 const struct vvmp_log_state *b)
{
	return a->clean == b->clean && a->nr_legs == b->nr_legs &&
	       a->vd_sectors == b->vd_sectors &&
	       !memcmp(a->health, b->health, sizeof(a->health)) &&
	       !memcmp(a->flags, b->flags, sizeof(a->flags));
}

static unsigned long vvmp_log_in_sync(const struct vvmp_log_state *st)
{
	unsigned long legs = 0;
	unsigned int l;

	for (l = 0; l < st->nr_legs; l++)
		if (st->health[l] == VVMP_LEG_STATE_IN_SYNC)
			legs |= BIT(l);
	return legs;
}

static u32 vvmp_log_crc(const struct vvmp_log_header *h)
{
	return ~crc32_le(~0U, (const u8 *)h,
			 offsetof(struct vvmp_log_header, crc));
}

static void vvmp_log_put_header(struct vvmp_region_disk *rd,
				const struct vvmp_log_state *st)
{
	struct vvmp_log_header *h = page_address(rd->blocks[0].page);
	unsigned int l;

	memset(h, 0, VVMP_LOG_BLOCK_SIZE);
	h->magic = cpu_to_le32(VVMP_LOG_MAGIC);
	h->version = cpu_to_le32(VVMP_LOG_VERSION);
	h->flags = cpu_to_le32(st->clean ? VVMP_LOG_CLEAN : 0);
	h->region_sectors = cpu_to_le32(1U << rd->vd->rlog.shift);
	h->events = cpu_to_le64(rd->events);
	h->capacity = cpu_to_le64(rd->capacity);
	h->vd_sectors = cpu_to_le64(st->vd_sectors);
	h->nr_legs = cpu_to_le32(st->nr_legs);
	for (l = 0; l < VVMP_MAX_LEGS; l++) {
		h->leg_health[l] = st->health[l];
		h->leg_flags[l] = st->flags[l];
	}
	h->crc = cpu_to_le32(vvmp_log_crc(h));
}

static bool vvmp_log_header_valid(const struct vvmp_log_header *h)
{
	return le32_to_cpu(h->magic) == VVMP_LOG_MAGIC &&
	       le32_to_cpu(h->version) == VVMP_LOG_VERSION &&
	       le32_to_cpu(h->crc) == vvmp_log_crc(h);
}

/* ---- block I/O ---- */

static void vvmp_log_endio(struct bio *bio)
{
	struct vvmp_region_disk *rd = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(rd->io_error, true);
	if (atomic_dec_and_test(&rd->io_pending))
		complete(&rd->io_done);
}

/*
 * Read or write the blocks in @sel (@nbits of it) and wait for them: the
 * bios are the preallocated ones, so nothing here can fail to allocate.
 * A write's first bio also flushes the log device's cache.
 */
static int vvmp_log_io(struct vvmp_region_disk *rd, const unsigned long *sel,
		       unsigned int nbits, blk_opf_t opf)
{
	bool first = true;
	unsigned int b;

	reinit_completion(&rd->io_done);
	WRITE_ONCE(rd->io_error, false);
	atomic_set(&rd->io_pending, 1);
	for_each_set_bit(b, sel, nbits) {
		struct vvmp_log_block *blk = &rd->blocks[b];
		blk_opf_t op = opf;

		if (first && op_is_write(opf))
			op |= REQ_PREFLUSH;
		first = false;
		bio_init(&blk->bio, rd->dev->bdev, &blk->bvec, 1, op);
		blk->bio.bi_iter.bi_sector = rd->offset +
			(sector_t)b * VVMP_LOG_BLOCK_SECTORS;
		__bio_add_page(&blk->bio, blk->page, VVMP_LOG_BLOCK_SIZE, 0);
		blk->bio.bi_end_io = vvmp_log_endio;
		blk->bio.bi_private = rd;
		atomic_inc(&rd->io_pending);
		submit_bio(&blk->bio);
	}
	if (!atomic_dec_and_test(&rd->io_pending))
		wait_for_completion_io(&rd->io_done);
	for_each_set_bit(b, sel, nbits)
		bio_uninit(&rd->blocks[b].bio);
	return READ_ONCE(rd->io_error) ? -EIO : 0;
}

#define VVMP_LOG_WRITE	(REQ_OP_WRITE | REQ_SYNC | REQ_FUA)
#define VVMP_LOG_READ	(REQ_OP_READ | REQ_SYNC)

/*
 * Make what a log write is about to relax durable on the legs: the data a
 * cleared region or a leg back in sync depends on. A leg that cannot flush
 * fails (it may have lost what the log would stop covering).
 */
static void vvmp_log_flush_legs(struct vvmp_region_disk *rd)
{
	struct vvmp_vd *vd = rd->vd;
	struct vvmp_map *map = vvmp_map_get(vd);
	unsigned int i;

	for (i = 0; i < map->nr_flush_targets; i++) {
		struct vvmp_flush_target *ft = &map->flush_targets[i];

		if (READ_ONCE(vd->legs[ft->leg].health) == VVMP_LEG_FAILED)
			continue;
		if (blkdev_issue_flush(ft->dev->bdev)) {
			DMERR_LIMIT("%s: log: flush of leg %u failed",
				    vvmp_vd_name(vd), ft->leg);
			vvmp_leg_error(vd, ft->leg);
		}
	}
	vvmp_map_put(map);
}

/* Fill block @b of the log from the bitmaps, under vd->lock on its own. */
static void vvmp_log_copy_block(struct vvmp_region_disk *rd, unsigned int b)
{
	struct vvmp_vd *vd = rd->vd;
	void *page = page_address(rd->blocks[b].page);
	unsigned long first;

	spin_lock_irq(&vd->lock);
	if (b <= rd->bitmap_blocks) {
		first = (b - 1) * VVMP_LOG_BLOCK_BITS;
		vvmp_log_encode(page, rd->intent, first, rd->capacity);
		memcpy(&rd->snap[BIT_WORD(first)], &rd->intent[BIT_WORD(first)],
		       VVMP_LOG_BLOCK_SIZE);
	} else {
		first = (b - 1 - rd->bitmap_blocks) * VVMP_LOG_BLOCK_BITS;
		vvmp_log_encode(page, vd->rlog.dirty, first,
				min(vd->rlog.nr_regions, rd->capacity));
	}
	spin_unlock_irq(&vd->lock);
}

/*
 * Write what changed, then let the writes that waited for it go (or fail
 * them if the log failed). With @shutdown nothing is in flight: the intent
 * is dropped and the header marked clean. io_lock held.
 *
 * Each block is copied under vd->lock on its own: a bit set after its copy
 * makes the block stale again for the next write, and the writes taken
 * here had their bits set before any copy.
 */
static int vvmp_log_flush(struct vvmp_region_disk *rd, bool shutdown)
{
	struct vvmp_vd *vd = rd->vd;
	unsigned long one = 1, newly_in_sync;
	struct vvmp_log_state st;
	struct bio_list batch, ending;
	bool header, relax;
	struct bio *bio;
	unsigned int b;
	int r = 0;

	spin_lock_irq(&vd->lock);
	batch = rd->waiting;
	bio_list_init(&rd->waiting);
	/* Their failures are in the state this pass writes. */
	ending = rd->ending;
	bio_list_init(&rd->ending);
	if (shutdown && rd->nr_intent) {
		for (b = 0; b < rd->bitmap_blocks; b++)
			if (find_next_bit(rd->intent,
					  (b + 1) * VVMP_LOG_BLOCK_BITS,
					  b * VVMP_LOG_BLOCK_BITS) <
			    (b + 1) * VVMP_LOG_BLOCK_BITS)
				__set_bit(1 + b, rd->stale);
		bitmap_zero(rd->intent, rd->capacity);
		bitmap_zero(rd->intent_disk, rd->capacity);
		rd->nr_intent = 0;
		rd->relaxed = true;
	}
	/* No intent left: no write is in flight (see vvmp_log_period_work()). */
	vvmp_log_state_now(vd, &st, shutdown || !rd->nr_intent);
	header = !vvmp_log_state_equal(&st, &rd->disk);
	newly_in_sync = vvmp_log_in_sync(&st) & ~rd->disk_in_sync;
	relax = rd->relaxed || newly_in_sync || (st.clean && !rd->disk.clean);
	rd->relaxed = false;
	bitmap_copy(rd->sel, rd->stale, rd->nr_blocks);
	bitmap_zero(rd->stale, rd->nr_blocks);
	if (rd->failed)
		r = -EIO;
	spin_unlock_irq(&vd->lock);
	if (r)
		goto out;

	for_each_set_bit(b, rd->sel, rd->nr_blocks)
		vvmp_log_copy_block(rd, b);
	if (!header && bitmap_empty(rd->sel, rd->nr_blocks))
		goto out;
	if (relax)
		vvmp_log_flush_legs(rd);
	if (header) {
		rd->events++;
		vvmp_log_put_header(rd, &st);
	}
	if (header && st.clean) {
		/* A clean header never describes bitmaps not yet on disk. */
		r = vvmp_log_io(rd, rd->sel, rd->nr_blocks, VVMP_LOG_WRITE);
		if (!r)
			r = vvmp_log_io(rd, &one, 1, VVMP_LOG_WRITE);
	} else {
		if (header)
			__set_bit(0, rd->sel);
		r = vvmp_log_io(rd, rd->sel, rd->nr_blocks, VVMP_LOG_WRITE);
	}

	spin_lock_irq(&vd->lock);
	if (r) {
		rd->failed = true;
	} else {
		for_each_set_bit(b, rd->sel, rd->bitmap_blocks + 1) {
			unsigned long first = (b - 1) * VVMP_LOG_BLOCK_BITS;

			if (!b)
				continue;
			memcpy(&rd->intent_disk[BIT_WORD(first)],
			       &rd->snap[BIT_WORD(first)], VVMP_LOG_BLOCK_SIZE);
		}
		if (header) {
			rd->disk = st;
			rd->disk_in_sync = vvmp_log_in_sync(&st);
		}
	}
	spin_unlock_irq(&vd->lock);
	if (r) {
		DMERR("%s: log: write to %s failed: the log is failed",
		      vvmp_vd_name(vd), rd->dev->name);
		vvmp_vd_changed(vd);
	}
out:
	while ((bio = bio_list_pop(&ending)))
		bio_endio(bio);
	while ((bio = bio_list_pop(&batch))) {
		if (r)
			bio_io_error(bio);
		else
			vvmp_submit_write(dm_per_bio_data(bio,
					  sizeof(struct vvmp_io)), bio);
	}
	return r;
}

static void vvmp_log_flush_work(struct work_struct *work)
{
	struct vvmp_region_disk *rd = container_of(work,
						   struct vvmp_region_disk,
						   flush_work);

	mutex_lock(&rd->io_lock);
	vvmp_log_flush(rd, false);
	mutex_unlock(&rd->io_lock);
}

/*
 * Clear the intent of regions nothing was admitted to since the last pass
 * and that are not dirty, once every write admitted before that pass has
 * completed; then write whatever changed. A region with a write in flight
 * keeps its intent, so once none is left the header is clean again (md's
 * "safe mode"): a crash of an idle mirror then needs no resync.
 */
static void vvmp_log_period_work(struct work_struct *work)
{
	struct vvmp_region_disk *rd = container_of(to_delayed_work(work),
						   struct vvmp_region_disk,
						   period_work);
	struct vvmp_vd *vd = rd->vd;
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned int older;
	unsigned long r;

	mutex_lock(&rd->io_lock);
	spin_lock_irq(&vd->lock);
	older = rd->epoch ^ 1;
	if (!rd->failed && !atomic_read(&rd->epoch_writes[older])) {
		for_each_set_bit(r, rd->intent_disk, rd->capacity) {
			if (test_bit(r, rd->touched) ||
			    (r < rlog->nr_regions && test_bit(r, rlog->dirty)))
				continue;
			__clear_bit(r, rd->intent_disk);
			__clear_bit(r, rd->intent);
			rd->nr_intent--;
			__set_bit(vvmp_log_intent_block(rd, r), rd->stale);
			rd->relaxed = true;
		}
		bitmap_zero(rd->touched, rd->capacity);
		rd->epoch = older;
	}
	spin_unlock_irq(&vd->lock);
	vvmp_log_flush(rd, false);
	mutex_unlock(&rd->io_lock);
	if (!READ_ONCE(rd->suspended))
		queue_delayed_work(vd->wq, &rd->period_work, VVMP_LOG_PERIOD);
}

/* ---- the I/O path ---- */

/**
 * vvmp_region_disk_hold() - admit a mirrored write once its intent is on disk
 * @vd: the VD, vd->lock held
 * @io: per-bio data of @bio
 * @bio: the write piece
 *
 * Counts an admitted write in the log's epoch (io->log_epoch). A write
 * whose regions lack their intent on disk, or that comes while the header
 * calls a leg in sync that no longer is, waits for the log writer.
 *
 * Return: true if @bio was queued (the writer resubmits or fails it).
 */
bool vvmp_region_disk_hold(struct vvmp_vd *vd, struct vvmp_io *io,
			   struct bio *bio)
{
	struct vvmp_region_disk *rd = vd->rdisk;
	unsigned long r, first, end;

	lockdep_assert_held(&vd->lock);
	if (!rd || !rd->loaded)
		return false;
	first = io->vd_sector >> vd->rlog.shift;
	end = min(vvmp_log_regions(vd, io->vd_sector + bio_sectors(bio)),
		  rd->capacity);
	if (likely(vd->nr_legs == rd->disk.nr_legs &&
		   !(rd->disk_in_sync &
		     ~vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC)))) {
		for (r = first; r < end; r++)
			if (!test_bit(r, rd->intent_disk))
				break;
		if (r >= end) {
			for (r = first; r < end; r++)
				__set_bit(r, rd->touched);
			io->log_epoch = rd->epoch + 1;
			atomic_inc(&rd->epoch_writes[rd->epoch]);
			return false;
		}
	}
	for (r = first; r < end; r++) {
		if (!__test_and_set_bit(r, rd->intent)) {
			rd->nr_intent++;
			__set_bit(vvmp_log_intent_block(rd, r), rd->stale);
		}
	}
	bio_list_add(&rd->waiting, bio);
	queue_work(vd->wq, &rd->flush_work);
	return true;
}

/**
 * vvmp_region_disk_defer_end() - end a write only once the leg failure it
 *                                caused is on disk
 * @vd: the VD
 * @bio: the write, its status set, every clone completed
 *
 * Safe in any context. As md holds such a completion until its superblock
 * is written: after a crash the failed leg must not be taken for in sync.
 *
 * Return: true if the log writer ends @bio.
 */
bool vvmp_region_disk_defer_end(struct vvmp_vd *vd, struct bio *bio)
{
	struct vvmp_region_disk *rd = vd->rdisk;
	unsigned long flags;
	bool defer;

	if (!rd)
		return false;
	spin_lock_irqsave(&vd->lock, flags);
	defer = rd->loaded && !rd->failed &&
		(rd->disk_in_sync & ~vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC));
	if (defer) {
		bio_list_add(&rd->ending, bio);
		queue_work(vd->wq, &rd->flush_work);
	}
	spin_unlock_irqrestore(&vd->lock, flags);
	return defer;
}

/**
 * vvmp_region_disk_write_done() - an admitted write completed
 * @vd: the VD
 * @io: its per-bio data
 */
void vvmp_region_disk_write_done(struct vvmp_vd *vd, struct vvmp_io *io)
{
	if (io->log_epoch)
		atomic_dec(&vd->rdisk->epoch_writes[io->log_epoch - 1]);
	io->log_epoch = 0;
}

/**
 * vvmp_region_disk_note() - a region's dirty bit changed
 * @vd: the VD, vd->lock held
 * @region: the region
 * @cleared: the bit was cleared (the log must not say so before the legs
 *	hold what the resync copied)
 */
void vvmp_region_disk_note(struct vvmp_vd *vd, unsigned long region,
			   bool cleared)
{
	struct vvmp_region_disk *rd = vd->rdisk;

	if (!rd || !rd->loaded || region >= rd->capacity)
		return;
	__set_bit(vvmp_log_dirty_block(rd, region), rd->stale);
	if (cleared)
		rd->relaxed = true;
}

/**
 * vvmp_region_disk_changed() - the VD's status changed: write the header
 *                              if the legs' health changed
 * @vd: the VD (process context)
 */
void vvmp_region_disk_changed(struct vvmp_vd *vd)
{
	struct vvmp_log_state st;
	struct vvmp_region_disk *rd;
	bool differ = false;

	spin_lock_irq(&vd->lock);
	rd = vd->rdisk;
	if (rd && rd->loaded && !rd->failed) {
		vvmp_log_state_now(vd, &st, rd->disk.clean);
		differ = !vvmp_log_state_equal(&st, &rd->disk);
	}
	if (differ)
		queue_work(vd->wq, &rd->flush_work);
	spin_unlock_irq(&vd->lock);
}

/**
 * vvmp_region_disk_fits() - would the log hold a VD of @size sectors?
 * @vd: the VD
 * @size: the size of a map about to be published
 */
bool vvmp_region_disk_fits(struct vvmp_vd *vd, sector_t size)
{
	return !vd->rdisk || vvmp_log_regions(vd, size) <= vd->rdisk->capacity;
}

/* ---- set-up ---- */

static struct vvmp_region_disk *vvmp_log_new(struct vvmp_vd *vd)
{
	struct vvmp_region_disk *rd = kzalloc(sizeof(*rd), GFP_KERNEL);

	if (!rd)
		return NULL;
	rd->vd = vd;
	rd->suspended = true;
	mutex_init(&rd->io_lock);
	init_completion(&rd->io_done);
	bio_list_init(&rd->waiting);
	bio_list_init(&rd->ending);
	INIT_WORK(&rd->flush_work, vvmp_log_flush_work);
	INIT_DELAYED_WORK(&rd->period_work, vvmp_log_period_work);
	return rd;
}

static unsigned long *vvmp_log_bitmap(unsigned long nbits)
{
	return kvcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			GFP_KERNEL);
}

static int vvmp_log_alloc(struct vvmp_region_disk *rd)
{
	unsigned int b;

	rd->nr_blocks = 1 + 2 * rd->bitmap_blocks;
	rd->capacity = rd->bitmap_blocks * VVMP_LOG_BLOCK_BITS;
	rd->blocks = kcalloc(rd->nr_blocks, sizeof(*rd->blocks), GFP_KERNEL);
	if (!rd->blocks)
		return -ENOMEM;
	for (b = 0; b < rd->nr_blocks; b++) {
		rd->blocks[b].page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!rd->blocks[b].page)
			return -ENOMEM;
	}
	rd->intent = vvmp_log_bitmap(rd->capacity);
	rd->intent_disk = vvmp_log_bitmap(rd->capacity);
	rd->touched = vvmp_log_bitmap(rd->capacity);
	rd->snap = vvmp_log_bitmap(rd->capacity);
	rd->stale = vvmp_log_bitmap(rd->nr_blocks);
	rd->sel = vvmp_log_bitmap(rd->nr_blocks);
	if (!rd->intent || !rd->intent_disk || !rd->touched || !rd->snap ||
	    !rd->stale || !rd->sel)
		return -ENOMEM;
	return 0;
}

static void vvmp_log_free(struct vvmp_region_disk *rd)
{
	unsigned int b;

	if (rd->blocks)
		for (b = 0; b < rd->nr_blocks; b++)
			if (rd->blocks[b].page)
				__free_page(rd->blocks[b].page);
	kfree(rd->blocks);
	kvfree(rd->intent);
	kvfree(rd->intent_disk);
	kvfree(rd->touched);
	kvfree(rd->snap);
	kvfree(rd->stale);
	kvfree(rd->sel);
	kfree(rd);
}

/* Read the header sector at @rd->offset into @h (the first 512 bytes). */
static int vvmp_log_read_header(struct vvmp_region_disk *rd,
				struct vvmp_log_header *h)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct bio_vec bvec;
	struct bio bio;
	int r;

	if (!page)
		return -ENOMEM;
	bio_init(&bio, rd->dev->bdev, &bvec, 1, VVMP_LOG_READ);
	bio.bi_iter.bi_sector = rd->offset;
	__bio_add_page(&bio, page, VVMP_LOG_BLOCK_SIZE, 0);
	r = submit_bio_wait(&bio);
	bio_uninit(&bio);
	if (!r)
		memcpy(h, page_address(page), sizeof(*h));
	__free_page(page);
	return r;
}

static bool vvmp_log_overlaps(struct vvmp_region_disk *rd, sector_t len)
{
	struct vvmp_map *map = rcu_dereference_protected(rd->vd->map, true);
	unsigned int l, e;

	for (l = 0; l < map->nr_legs; l++) {
		for (e = 0; e < map->legs[l].nr_extents; e++) {
			struct vvmp_extent *ext = &map->legs[l].extents[e];

			if (ext->dev->bdev == rd->dev->bdev &&
			    ext->offset < rd->offset + len &&
			    rd->offset < ext->offset + ext->length)
				return true;
		}
	}
	return false;
}

/*
 * The log's geometry: the header's if it has a valid one (which must fit
 * the VD), else what the VD needs (a classic table) or what the extent
 * holds (a named VD). Then the memory for it.
 */
static int vvmp_log_init(struct vvmp_region_disk *rd, char **error)
{
	struct vvmp_vd *vd = rd->vd;
	struct block_device *bdev = rd->dev->bdev;
	unsigned long regions = vvmp_log_regions(vd, vd->size);
	sector_t room = vd->ti ? bdev_nr_sectors(bdev) - rd->offset :
				rd->extent_sectors;
	struct vvmp_log_header h;
	u64 blocks;
	int r;

	if (bdev_logical_block_size(bdev) > VVMP_LOG_BLOCK_SIZE) {
		*error = "Log device logical block size is above 4096";
		return -EINVAL;
	}
	if (rd->offset >= bdev_nr_sectors(bdev) ||
	    room < vvmp_log_sectors(1)) {
		*error = vd->ti ? "Log device too small for the VD" :
				  "Log extent too small for the VD";
		return -EINVAL;
	}
	r = vvmp_log_read_header(rd, &h);
	if (r) {
		*error = "Cannot read the log header";
		return r;
	}
	if (vvmp_log_header_valid(&h)) {
		blocks = div_u64(le64_to_cpu(h.capacity), VVMP_LOG_BLOCK_BITS);
		*error = NULL;
		if (le32_to_cpu(h.region_sectors) != 1U << vd->rlog.shift)
			*error = "Log was written with another region size";
		else if (le32_to_cpu(h.nr_legs) != vd->nr_legs)
			*error = "Log was written for another number of legs";
		else if (!blocks || blocks > VVMP_LOG_MAX_BLOCKS ||
			 blocks * VVMP_LOG_BLOCK_BITS !=
			 le64_to_cpu(h.capacity))
			*error = "Log header has an invalid capacity";
		else if (blocks * VVMP_LOG_BLOCK_BITS < regions)
			*error = "Log was written for a smaller VD";
		if (*error)
			return -EINVAL;
	} else if (vd->ti) {
		blocks = max_t(u64, 1, DIV_ROUND_UP_ULL((u64)regions,
							VVMP_LOG_BLOCK_BITS));
		if (blocks > VVMP_LOG_MAX_BLOCKS) {
			*error = "VD has too many regions for a log: use a larger region_size";
			return -EINVAL;
		}
	} else {
		blocks = min_t(u64, VVMP_LOG_MAX_BLOCKS,
			       div_u64(room / VVMP_LOG_BLOCK_SECTORS - 1, 2));
		if (blocks * VVMP_LOG_BLOCK_BITS < regions) {
			*error = "Log extent too small for the VD";
			return -EINVAL;
		}
	}
	if (vvmp_log_sectors(blocks) > room) {
		if (vd->ti)
			DMERR("%s: the log needs %llu sectors at offset %llu of %s",
			      dm_table_device_name(vd->ti->table),
			      (unsigned long long)vvmp_log_sectors(blocks),
			      (unsigned long long)rd->offset, rd->dev->name);
		*error = vd->ti ? "Log device too small for the VD" :
				  "Log extent too small for the VD";
		return -EINVAL;
	}
	if (vvmp_log_overlaps(rd, vvmp_log_sectors(blocks))) {
		*error = "Log overlaps an extent of a leg";
		return -EINVAL;
	}
	rd->bitmap_blocks = blocks;
	r = vvmp_log_alloc(rd);
	if (r)
		*error = "Cannot allocate the log";
	return r;
}

/* The VD's state from a valid header and bitmaps; vd->lock held. */
static void vvmp_log_apply(struct vvmp_region_disk *rd,
			   const struct vvmp_log_header *h)
{
	struct vvmp_vd *vd = rd->vd;
	struct vvmp_region_log *rlog = &vd->rlog;
	unsigned long dirty_bits = min(rlog->nr_regions, rd->capacity);
	bool clean = le32_to_cpu(h->flags) & VVMP_LOG_CLEAN;
	bool source_found = false, out_of_sync = false;
	unsigned int l, b;

	memset(&rd->disk, 0, sizeof(rd->disk));
	rd->disk.clean = clean;
	rd->disk.nr_legs = le32_to_cpu(h->nr_legs);
	rd->disk.vd_sectors = le64_to_cpu(h->vd_sectors);
	for (l = 0; l < rd->disk.nr_legs; l++) {
		rd->disk.health[l] = h->leg_health[l];
		rd->disk.flags[l] = h->leg_flags[l];
	}
	rd->disk_in_sync = vvmp_log_in_sync(&rd->disk);
	rd->events = le64_to_cpu(h->events);

	for (b = 0; b < rd->bitmap_blocks; b++)
		vvmp_log_decode(page_address(rd->blocks[1 + rd->bitmap_blocks +
							b].page),
				rlog->dirty, b * VVMP_LOG_BLOCK_BITS,
				dirty_bits);
	if (!clean) {
		/* A crash: a write may have reached some legs only. */
		for (b = 0; b < rd->bitmap_blocks; b++)
			vvmp_log_decode(page_address(rd->blocks[1 + b].page),
					rd->intent_disk,
					b * VVMP_LOG_BLOCK_BITS, rd->capacity);
		bitmap_copy(rd->intent, rd->intent_disk, rd->capacity);
		rd->nr_intent = bitmap_weight(rd->intent, rd->capacity);
		bitmap_or(rlog->dirty, rlog->dirty, rd->intent, dirty_bits);
	}
	rlog->nr_dirty = bitmap_weight(rlog->dirty, rlog->nr_regions);

	for (l = 0; l < vd->nr_legs; l++) {
		enum vvmp_leg_health health =
			vvmp_log_health_of(h->leg_health[l]);

		/* In-sync legs may differ in the intent regions only. */
		if (!clean && health == VVMP_LEG_IN_SYNC) {
			if (source_found)
				health = VVMP_LEG_OUT_OF_SYNC;
			source_found = true;
		}
		WRITE_ONCE(vd->legs[l].health, health);
		vd->legs[l].needs_full_copy =
			h->leg_flags[l] & VVMP_LOG_FULL_COPY;
		out_of_sync |= health == VVMP_LEG_OUT_OF_SYNC;
	}
	vd->rec.active = out_of_sync;
	vd->rec.restart = out_of_sync;
}

/*
 * Read the log and take the VD's state from it, or make a new log of the
 * state the VD has now. No I/O to the VD is possible yet.
 */
static int vvmp_log_load(struct vvmp_region_disk *rd, char **error)
{
	struct vvmp_vd *vd = rd->vd;
	struct vvmp_log_header h;
	unsigned long one = 1;
	bool valid;
	int r;

	r = vvmp_log_io(rd, &one, 1, VVMP_LOG_READ);
	if (r) {
		*error = "Cannot read the log header";
		return r;
	}
	memcpy(&h, page_address(rd->blocks[0].page), sizeof(h));
	valid = vvmp_log_header_valid(&h);
	if (valid && (le32_to_cpu(h.region_sectors) != 1U << vd->rlog.shift ||
		      le32_to_cpu(h.nr_legs) != vd->nr_legs ||
		      le64_to_cpu(h.capacity) != rd->capacity)) {
		*error = "Log changed since the table was loaded";
		return -EINVAL;
	}
	if (valid) {
		bitmap_fill(rd->sel, rd->nr_blocks);
		__clear_bit(0, rd->sel);
		r = vvmp_log_io(rd, rd->sel, rd->nr_blocks, VVMP_LOG_READ);
		if (r) {
			*error = "Cannot read the log";
			return r;
		}
	}

	spin_lock_irq(&vd->lock);
	if (valid) {
		vvmp_log_apply(rd, &h);
	} else {
		/* Every block is written; the header differs from nothing. */
		bitmap_fill(rd->stale, rd->nr_blocks);
		__clear_bit(0, rd->stale);
		memset(&rd->disk, 0, sizeof(rd->disk));
		rd->disk_in_sync = 0;
	}
	rd->loaded = true;
	spin_unlock_irq(&vd->lock);

	if (!valid) {
		mutex_lock(&rd->io_lock);
		r = vvmp_log_flush(rd, true);
		mutex_unlock(&rd->io_lock);
		if (r) {
			*error = "Cannot write the log";
			return r;
		}
		DMINFO("%s: new log on %s at %llu", vvmp_vd_name(vd),
		       rd->dev->name, (unsigned long long)rd->offset);
	} else {
		DMINFO("%s: log on %s: %s, %lu dirty regions, %lu with write intent",
		       vvmp_vd_name(vd), rd->dev->name,
		       rd->disk.clean ? "clean" : "unclean",
		       vd->rlog.nr_dirty, rd->nr_intent);
	}
	return 0;
}

/* Start the periodic pass (after a load or a resume). */
static void vvmp_log_start(struct vvmp_region_disk *rd)
{
	WRITE_ONCE(rd->suspended, false);
	queue_delayed_work(rd->vd->wq, &rd->period_work, VVMP_LOG_PERIOD);
}

/**
 * vvmp_region_disk_parse() - the "log <device> <offset>" feature
 * @vd: a table-private VD, its legs parsed
 * @path: the device
 * @offset: its first sector, as given
 *
 * Takes the device; vvmp_region_disk_init() checks the rest once the
 * region size is known. On failure sets ti->error; vvmp_region_disk_exit()
 * undoes.
 *
 * Return: 0 or a negative errno.
 */
int vvmp_region_disk_parse(struct vvmp_vd *vd, const char *path,
			   const char *offset)
{
	struct dm_target *ti = vd->ti;
	struct vvmp_region_disk *rd;
	unsigned long long off;
	int r;

	if (vd->nr_legs < 2) {
		ti->error = "The log feature needs two or more legs";
		return -EINVAL;
	}
	if (kstrtoull(offset, 10, &off) || off != (sector_t)off) {
		ti->error = "Invalid log offset";
		return -EINVAL;
	}
	if (off % VVMP_LOG_BLOCK_SECTORS) {
		ti->error = "Log offset is not a multiple of 8 sectors";
		return -EINVAL;
	}
	rd = vvmp_log_new(vd);
	if (!rd) {
		ti->error = "Cannot allocate the log";
		return -ENOMEM;
	}
	vd->rdisk = rd;
	rd->offset = off;
	r = dm_get_device(ti, path, dm_table_get_mode(ti->table), &rd->dev);
	if (r) {
		rd->dev = NULL;
		ti->error = "Log device lookup failed";
	}
	return r;
}

/**
 * vvmp_region_disk_init() - check a table's log against the VD, allocate it
 * @vd: the VD, runtime state set up
 * @error: set to the problem on failure
 *
 * Reads the log's header to learn its geometry; the state is read at the
 * first resume (vvmp_region_disk_preresume()).
 *
 * Return: 0 or a negative errno.
 */
int vvmp_region_disk_init(struct vvmp_vd *vd, char **error)
{
	return vd->rdisk ? vvmp_log_init(vd->rdisk, error) : 0;
}

/**
 * vvmp_region_disk_create() - a named VD's log (VD_CREATE's LOG)
 * @vd: the new VD, runtime state set up, not yet registered
 * @attr: the LOG nest (VVMP_EXTENT_A_*), or NULL for no log
 * @extack: where to say what is wrong
 *
 * Opens the device, reads the log and takes the VD's state from it (or
 * writes a new log). On failure vvmp_vd_free() undoes.
 *
 * Return: 0 or a negative errno.
 */
int vvmp_region_disk_create(struct vvmp_vd *vd, const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VVMP_EXTENT_A_MAX + 1];
	struct vvmp_region_disk *rd;
	char *error;
	u64 off, len;
	int r;

	if (!attr)
		return 0;
	r = vvmp_nl_extent_attrs(attr, tb, extack);
	if (r)
		return r;
	off = nla_get_u64(tb[VVMP_EXTENT_A_OFFSET]);
	len = nla_get_u64(tb[VVMP_EXTENT_A_LENGTH]);
	if (off % VVMP_LOG_BLOCK_SECTORS) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VVMP_EXTENT_A_OFFSET],
				    "Log offset is not a multiple of 8 sectors");
		return -EINVAL;
	}
	rd = vvmp_log_new(vd);
	if (!rd)
		return -ENOMEM;
	vd->rdisk = rd;
	r = vvmp_pd_get(nla_data(tb[VVMP_EXTENT_A_DEVICE]), &rd->pd);
	if (r) {
		rd->pd = NULL;
		vvmp_nl_error(extack, tb[VVMP_EXTENT_A_DEVICE], r == -EBUSY ?
			      "Device is held by someone else" :
			      "Log device lookup failed");
		return r;
	}
	rd->dev = vvmp_pd_dev(rd->pd);
	if (off + len < off || off + len > bdev_nr_sectors(rd->dev->bdev)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VVMP_EXTENT_A_LENGTH],
				    "Log extent beyond end of device");
		return -EINVAL;
	}
	rd->offset = off;
	rd->extent_sectors = len;
	r = vvmp_log_init(rd, &error);
	if (!r)
		r = vvmp_log_load(rd, &error);
	if (r) {
		vvmp_nl_error(extack, attr, error);
		return r;
	}
	vvmp_log_start(rd);
	return 0;
}

/**
 * vvmp_region_disk_preresume() - load a table's log at its first resume
 * @vd: a table-private VD
 *
 * At a reload the old table wrote the log in its postsuspend, so the new
 * table reads it only now.
 *
 * Return: 0 or a negative errno (the resume fails).
 */
int vvmp_region_disk_preresume(struct vvmp_vd *vd)
{
	struct vvmp_region_disk *rd = vd->rdisk;
	char *error;
	int r;

	if (!rd || rd->loaded)
		return 0;
	r = vvmp_log_load(rd, &error);
	if (r)
		DMERR("%s: log on %s: %s", vvmp_vd_name(vd), rd->dev->name,
		      error);
	return r;
}

/**
 * vvmp_region_disk_resume() - restart the periodic pass
 * @vd: a table-private VD
 */
void vvmp_region_disk_resume(struct vvmp_vd *vd)
{
	if (vd->rdisk && vd->rdisk->loaded)
		vvmp_log_start(vd->rdisk);
}

/* Stop the workers and write the log clean; no I/O to the VD is left. */
static void vvmp_log_stop(struct vvmp_region_disk *rd)
{
	if (!rd->loaded)
		return;
	WRITE_ONCE(rd->suspended, true);
	cancel_delayed_work_sync(&rd->period_work);
	flush_work(&rd->flush_work);
	mutex_lock(&rd->io_lock);
	vvmp_log_flush(rd, true);
	mutex_unlock(&rd->io_lock);
}

/**
 * vvmp_region_disk_postsuspend() - a clean shutdown of a table's log
 * @vd: a table-private VD, suspended (no I/O in flight)
 *
 * A reload's new table reads what this writes.
 */
void vvmp_region_disk_postsuspend(struct vvmp_vd *vd)
{
	if (vd->rdisk)
		vvmp_log_stop(vd->rdisk);
}

/**
 * vvmp_region_disk_status() - " log <dev> log_health A|D" for the status
 * @vd: the VD
 * @result: status buffer
 * @maxlen: its size
 * @sz: bytes used so far
 *
 * Return: bytes used now.
 */
unsigned int vvmp_region_disk_status(struct vvmp_vd *vd, char *result,
				     unsigned int maxlen, unsigned int sz)
{
	struct vvmp_region_disk *rd = vd->rdisk;

	if (rd)
		DMEMIT(" log %s log_health %c", rd->dev->name,
		       READ_ONCE(rd->failed) ? 'D' : 'A');
	return sz;
}

/**
 * vvmp_region_disk_table() - " log <dev> <offset>" for the table
 * @vd: a table-private VD with a log
 * @result: status buffer
 * @maxlen: its size
 * @sz: bytes used so far
 *
 * Return: bytes used now.
 */
unsigned int vvmp_region_disk_table(struct vvmp_vd *vd, char *result,
				    unsigned int maxlen, unsigned int sz)
{
	DMEMIT(" %s %s %llu", VVMP_FEATURE_LOG_NAME, vd->rdisk->dev->name,
	       (unsigned long long)vd->rdisk->offset);
	return sz;
}

/**
 * vvmp_region_disk_exit() - a clean shutdown if not done yet, then free
 * @vd: the VD, no I/O left; its map and workqueue still there
 */
void vvmp_region_disk_exit(struct vvmp_vd *vd)
{
	struct vvmp_region_disk *rd = vd->rdisk;

	if (!rd)
		return;
	if (!rd->failed)
		vvmp_log_stop(rd);
	/* vvmp_region_disk_changed() looks under vd->lock, then queues. */
	spin_lock_irq(&vd->lock);
	vd->rdisk = NULL;
	spin_unlock_irq(&vd->lock);
	cancel_delayed_work_sync(&rd->period_work);
	cancel_work_sync(&rd->flush_work);
	if (rd->pd)
		vvmp_pd_put(rd->pd);
	else if (rd->dev)
		dm_put_device(vd->ti, rd->dev);
	vvmp_log_free(rd);
}
