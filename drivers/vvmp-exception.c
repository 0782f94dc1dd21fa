// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: exception plans, the I/O the accelerated path hands to the
 * control path (the seeds' EH group).
 *
 * A plan becomes an exception when its piece overlaps a divert range (held
 * before any I/O) or when a write component with the log-data mask failed
 * (held after every clone completed, so no lower bio still touches its
 * pages). The dm clone is kept in vd->exceptions in arrival order, with
 * the generation of the map it was planned on, and announced on the events
 * group. It leaves the list exactly once:
 *
 * - resubmitted by the CP: planned again on the map in force, which must
 *   still be the plan's generation, so a stale write never lands after a
 *   map change the CP did not see;
 * - aborted by the CP: the client gets the error;
 * - released when its divert range goes, in arrival order;
 * - at its timeout (the failed component's timeout parameter, else the
 *   VD's): failed with EIO, or held on and announced again
 *   (vd->exc_on_timeout); when the socket that took it closes, at once;
 * - given back to dm by a noflush suspend (requeued, planned after resume).
 *
 * A held bio holds no map reference: map changes and leg detaches never
 * wait for the control path.
 */
#include "vvmp.h"

static atomic64_t vvmp_exc_last_id = ATOMIC64_INIT(0);

/**
 * vvmp_exc_info() - what a held plan is
 * @io: the plan's per-bio data, its VD's lock held
 * @e: filled in
 */
void vvmp_exc_info(struct vvmp_io *io, struct vvmp_exc_info *e)
{
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));

	memset(e, 0, sizeof(*e));
	e->id = io->exc.id;
	e->generation = io->exc.generation;
	e->reason = io->exc.reason;
	e->op = vvmp_bio_io_op(bio);
	e->sector = io->vd_sector;
	e->length = bio_sectors(bio);
	e->leg = io->exc.leg;
	e->owner = io->exc.owner;
	e->age_ms = jiffies_to_msecs(jiffies - io->exc.since);
	if (io->port->client)
		strscpy(e->client, io->port->client->name, sizeof(e->client));
}

static bool vvmp_overlaps(const struct vvmp_range *r, sector_t start,
			  sector_t end)
{
	return r->start < end && start < r->start + r->length;
}

/**
 * vvmp_divert_cut() - cut a piece at the edges of the divert ranges
 * @vd: the VD
 * @sector: the piece's first VD sector
 * @len: its length
 *
 * Return: the length of the first part that lies wholly inside or wholly
 * outside every range.
 */
sector_t vvmp_divert_cut(struct vvmp_vd *vd, sector_t sector, sector_t len)
{
	sector_t end = sector + len;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vd->lock, flags);
	for (i = 0; i < vd->nr_ranges; i++) {
		const struct vvmp_range *r = &vd->ranges[i];

		if (!vvmp_overlaps(r, sector, end))
			continue;
		if (sector < r->start)
			end = r->start;
		else
			end = min_t(sector_t, end, r->start + r->length);
	}
	spin_unlock_irqrestore(&vd->lock, flags);
	return end - sector;
}

/* When plan @io may be held until (jiffies); vd->lock held. */
static unsigned long vvmp_exc_due(struct vvmp_vd *vd, struct vvmp_io *io)
{
	return io->exc.since + msecs_to_jiffies(io->exc.timeout_ms ?:
						vd->exc_timeout_ms);
}

/* Run the timeout worker by @io's due time (earlier if already armed so). */
static void vvmp_exc_arm(struct vvmp_vd *vd, struct vvmp_io *io)
{
	unsigned long due = vvmp_exc_due(vd, io);

	if (delayed_work_pending(&vd->exc_work) &&
	    !time_before(due, READ_ONCE(vd->exc_work.timer.expires)))
		return;
	mod_delayed_work(vd->wq, &vd->exc_work,
			 time_after(due, jiffies) ? due - jiffies : 0);
}

/* Hold @io's bio as plan @reason; vd->lock held, io->map already put. */
static void vvmp_exc_queue(struct vvmp_vd *vd, struct vvmp_io *io,
			   u64 generation, u8 reason, unsigned int leg)
{
	lockdep_assert_held(&vd->lock);
	io->exc.id = atomic64_inc_return(&vvmp_exc_last_id);
	io->exc.generation = generation;
	io->exc.since = jiffies;
	io->exc.owner = 0;
	io->exc.reason = reason;
	io->exc.leg = leg;
	io->exc.timeout_ms = reason == VVMP_EXC_COMPONENT ?
			     READ_ONCE(vd->legs[leg].timeout_ms) : 0;
	list_add_tail(&io->exc.node, &vd->exceptions);
	this_cpu_inc(vd->counters->exceptions);
	this_cpu_inc(io->port->counters->exceptions);
	vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION, 0, 0);
}

/**
 * vvmp_exc_divert() - hold a piece that overlaps a divert range
 * @port: the device it came through
 * @io: its per-bio data, io->map referenced
 * @bio: the piece
 *
 * Return: true if the bio is now an exception plan (the map put).
 */
bool vvmp_exc_divert(struct vvmp_port *port, struct vvmp_io *io,
		     struct bio *bio)
{
	struct vvmp_vd *vd = port->vd;
	sector_t end = io->vd_sector + bio_sectors(bio);
	struct vvmp_map *map = io->map;
	bool held = false;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vd->lock, flags);
	for (i = 0; i < vd->nr_ranges && !held; i++)
		held = vvmp_overlaps(&vd->ranges[i], io->vd_sector, end);
	if (held) {
		/* Visible to a resubmitter once queued: no map left behind. */
		io->map = NULL;
		vvmp_exc_queue(vd, io, map->generation, VVMP_EXC_DIVERT, 0);
	}
	if (held)
		vvmp_exc_arm(vd, io);
	spin_unlock_irqrestore(&vd->lock, flags);
	if (!held)
		return false;
	vvmp_map_put(map);
	return true;
}

/**
 * vvmp_exc_hold_component() - hold a write whose log-data component failed
 * @io: the write's per-bio data; every clone has completed
 * @leg: the failed leg
 *
 * Safe in any context.
 */
void vvmp_exc_hold_component(struct vvmp_io *io, unsigned int leg)
{
	struct vvmp_vd *vd = io->vd;
	struct vvmp_map *map = io->map;
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	io->map = NULL;
	vvmp_exc_queue(vd, io, map->generation, VVMP_EXC_COMPONENT, leg);
	vvmp_exc_arm(vd, io);
	spin_unlock_irqrestore(&vd->lock, flags);
	vvmp_map_put(map);
}

/* End a plan no longer on any list with @status (issued: count it done). */
static void vvmp_exc_end(struct vvmp_io *io, blk_status_t status)
{
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));

	io->exc.id = 0;
	if (io->issued)
		vvmp_io_done(io, bio, status);
	bio->bi_status = status;
	bio_endio(bio);
}

/* Plan a plan no longer on any list again, on the map in force. */
static void vvmp_exc_run(struct vvmp_io *io)
{
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));

	io->exc.id = 0;
	io->exc.pass = true;
	rcu_read_lock();
	io->map = vvmp_map_get(io->vd);
	rcu_read_unlock();
	vvmp_plan_held(io->port, bio);
}

/**
 * vvmp_exc_find() - a held plan by id
 * @id: the plan
 * @vdp: returns its VD
 *
 * Caller holds vvmp_registry_lock.
 *
 * Return: the plan's per-bio data with (*@vdp)->lock held, irqs off; NULL
 * if no plan @id is held.
 */
struct vvmp_io *vvmp_exc_find(u64 id, struct vvmp_vd **vdp)
{
	struct vvmp_vd *vd;
	struct vvmp_io *io;

	lockdep_assert_held(&vvmp_registry_lock);
	list_for_each_entry(vd, &vvmp_vds, node) {
		spin_lock_irq(&vd->lock);
		list_for_each_entry(io, &vd->exceptions, exc.node) {
			if (io->exc.id == id) {
				*vdp = vd;
				return io;
			}
		}
		spin_unlock_irq(&vd->lock);
	}
	return NULL;
}

/**
 * vvmp_exc_take() - the socket @portid owns plan @id from now on
 * @id: the plan
 * @portid: the caller's netlink port id
 *
 * Caller holds vvmp_registry_lock. When that socket closes, the plan's
 * timeout policy applies at once.
 *
 * Return: 0, -ENOENT, or -EBUSY if another socket owns it.
 */
int vvmp_exc_take(u64 id, u32 portid)
{
	struct vvmp_vd *vd;
	struct vvmp_io *io = vvmp_exc_find(id, &vd);
	int r = 0;

	if (!io)
		return -ENOENT;
	if (io->exc.owner && io->exc.owner != portid)
		r = -EBUSY;
	else
		io->exc.owner = portid;
	spin_unlock_irq(&vd->lock);
	return r;
}

/* The held plan @id if socket @portid may end it; vd->lock held then. */
static struct vvmp_io *vvmp_exc_find_for(u64 id, u32 portid,
					 struct vvmp_vd **vdp, int *r)
{
	struct vvmp_io *io = vvmp_exc_find(id, vdp);

	*r = io ? 0 : -ENOENT;
	if (io && io->exc.owner && io->exc.owner != portid) {
		spin_unlock_irq(&(*vdp)->lock);
		*r = -EBUSY;
		io = NULL;
	}
	return io;
}

/**
 * vvmp_exc_resubmit() - run plan @id again
 * @id: the plan
 * @generation: the plan's generation as the CP knows it
 * @portid: the caller's netlink port id
 *
 * Caller holds vvmp_registry_lock.
 *
 * Return: 0, -ENOENT if no such plan is held (done, aborted, timed out),
 * -EBUSY if another socket took it, or -ESTALE if the VD's map is no longer
 * the plan's (the plan stays held: abort it).
 */
int vvmp_exc_resubmit(u64 id, u64 generation, u32 portid)
{
	struct vvmp_vd *vd;
	struct vvmp_io *io;
	u64 now;
	int r;

	io = vvmp_exc_find_for(id, portid, &vd, &r);
	if (!io)
		return r;
	rcu_read_lock();
	now = rcu_dereference(vd->map)->generation;
	rcu_read_unlock();
	if (io->exc.generation != generation || now != generation) {
		spin_unlock_irq(&vd->lock);
		return -ESTALE;
	}
	list_del_init(&io->exc.node);
	vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION_DONE,
			     VVMP_EXC_RESUBMITTED, 0);
	spin_unlock_irq(&vd->lock);
	vvmp_exc_run(io);
	return 0;
}

/**
 * vvmp_exc_abort() - fail plan @id: the client gets @error
 * @id: the plan
 * @error: a positive errno a block device can return
 * @portid: the caller's netlink port id
 *
 * Caller holds vvmp_registry_lock.
 *
 * Return: 0, -ENOENT, or -EBUSY if another socket took it.
 */
int vvmp_exc_abort(u64 id, int error, u32 portid)
{
	struct vvmp_vd *vd;
	struct vvmp_io *io;
	int r;

	io = vvmp_exc_find_for(id, portid, &vd, &r);
	if (!io)
		return r;
	list_del_init(&io->exc.node);
	vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION_DONE,
			     VVMP_EXC_ABORTED, error);
	spin_unlock_irq(&vd->lock);
	vvmp_exc_end(io, errno_to_blk_status(-error));
	return 0;
}

/**
 * vvmp_exc_release_diverted() - run the diverted plans no range covers now
 * @vd: the VD whose divert ranges shrank
 *
 * In arrival order, on the map in force.
 */
void vvmp_exc_release_diverted(struct vvmp_vd *vd)
{
	struct vvmp_io *io, *next;
	LIST_HEAD(released);
	unsigned int i;

	spin_lock_irq(&vd->lock);
	list_for_each_entry_safe(io, next, &vd->exceptions, exc.node) {
		struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));
		sector_t end = io->vd_sector + bio_sectors(bio);
		bool covered = false;

		if (io->exc.reason != VVMP_EXC_DIVERT)
			continue;
		for (i = 0; i < vd->nr_ranges && !covered; i++)
			covered = vvmp_overlaps(&vd->ranges[i], io->vd_sector,
						end);
		if (covered)
			continue;
		list_move_tail(&io->exc.node, &released);
		vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION_DONE,
				     VVMP_EXC_RELEASED, 0);
	}
	spin_unlock_irq(&vd->lock);
	list_for_each_entry_safe(io, next, &released, exc.node) {
		list_del_init(&io->exc.node);
		vvmp_exc_run(io);
	}
}

/*
 * The timeout policy for the plans of @vd that @expired selects, under
 * vd->lock: failed plans move to @failed, held ones are announced again.
 */
static void vvmp_exc_expire(struct vvmp_vd *vd,
			    bool (*expired)(struct vvmp_io *io, void *arg),
			    void *arg, struct list_head *failed)
{
	struct vvmp_io *io, *next;

	lockdep_assert_held(&vd->lock);
	list_for_each_entry_safe(io, next, &vd->exceptions, exc.node) {
		if (!expired(io, arg))
			continue;
		/* A suspending device must get its bios back in bounded time. */
		if (vd->exc_on_timeout == VVMP_EXC_TIMEOUT_HOLD &&
		    !READ_ONCE(io->port->suspending)) {
			io->exc.since = jiffies;
			io->exc.owner = 0;
			vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION, 0, 0);
			continue;
		}
		list_move_tail(&io->exc.node, failed);
		vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION_DONE,
				     VVMP_EXC_TIMED_OUT, EIO);
	}
}

static void vvmp_exc_fail_list(struct list_head *failed)
{
	struct vvmp_io *io, *next;

	list_for_each_entry_safe(io, next, failed, exc.node) {
		list_del_init(&io->exc.node);
		vvmp_exc_end(io, BLK_STS_IOERR);
	}
}

static bool vvmp_exc_timed_out(struct vvmp_io *io, void *arg)
{
	return !time_before(jiffies, vvmp_exc_due(arg, io));
}

/**
 * vvmp_exc_work() - apply the timeout policy to a VD's held plans
 * @work: vd->exc_work
 */
void vvmp_exc_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(to_delayed_work(work),
					  struct vvmp_vd, exc_work);
	unsigned long next = 0;
	struct vvmp_io *io;
	LIST_HEAD(failed);

	spin_lock_irq(&vd->lock);
	vvmp_exc_expire(vd, vvmp_exc_timed_out, vd, &failed);
	list_for_each_entry(io, &vd->exceptions, exc.node) {
		unsigned long due = vvmp_exc_due(vd, io);

		if (!next || time_before(due, next))
			next = due;
	}
	spin_unlock_irq(&vd->lock);
	vvmp_exc_fail_list(&failed);
	if (next)
		queue_delayed_work(vd->wq, &vd->exc_work,
				   time_after(next, jiffies) ?
				   next - jiffies : 0);
}

static bool vvmp_exc_owned_by(struct vvmp_io *io, void *arg)
{
	return io->exc.owner == *(u32 *)arg;
}

/**
 * vvmp_exc_socket_closed() - the plans a closed socket owned time out now
 * @portid: its netlink port id
 */
void vvmp_exc_socket_closed(u32 portid)
{
	struct vvmp_vd *vd;
	LIST_HEAD(failed);

	if (!portid)
		return;
	down_read(&vvmp_registry_lock);
	list_for_each_entry(vd, &vvmp_vds, node) {
		spin_lock_irq(&vd->lock);
		vvmp_exc_expire(vd, vvmp_exc_owned_by, &portid, &failed);
		spin_unlock_irq(&vd->lock);
		vvmp_exc_fail_list(&failed);
	}
	up_read(&vvmp_registry_lock);
}

/**
 * vvmp_exc_presuspend() - a device exposing the VD suspends
 * @port: the device
 * @noflush: a noflush suspend: its held plans go back to dm (requeued)
 *
 * Otherwise dm waits for them: they end by the CP or at their timeout,
 * which then fails them even under the hold policy.
 */
void vvmp_exc_presuspend(struct vvmp_port *port, bool noflush)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_io *io, *next;
	LIST_HEAD(requeued);

	if (!noflush) {
		mod_delayed_work(vd->wq, &vd->exc_work, 0);
		return;
	}
	spin_lock_irq(&vd->lock);
	list_for_each_entry_safe(io, next, &vd->exceptions, exc.node) {
		if (io->port != port)
			continue;
		list_move_tail(&io->exc.node, &requeued);
		vvmp_event_exception(vd, io, VVMP_EVENT_EXCEPTION_DONE,
				     VVMP_EXC_REQUEUED, 0);
	}
	spin_unlock_irq(&vd->lock);
	list_for_each_entry_safe(io, next, &requeued, exc.node) {
		list_del_init(&io->exc.node);
		io->requeue = true;
		vvmp_exc_end(io, BLK_STS_OK);
	}
}
