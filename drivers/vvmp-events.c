// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the event stream of the netlink group "events".
 *
 * Every change of a named VD or a client takes the next sequence number
 * under the lock that makes the change, is recorded with the values it set
 * (records can be made in any context) and queued; one worker multicasts
 * the records in sequence order. The object remembers the sequence number
 * of its last change, which STATE_GET reports with it: a listener that
 * dumps after subscribing drops the streamed events its dump already
 * reflects (Documentation/vvmp-netlink.rst, "Events").
 */
#include <linux/slab.h>

#include "vvmp.h"

static DEFINE_SPINLOCK(vvmp_event_lock);
static LIST_HEAD(vvmp_event_queue);
static u64 vvmp_event_seq;
static bool vvmp_events_lost;

/*
 * While a transaction commits, every event waits here in sequence order,
 * so a failed commit can drop its own (those of the committing task).
 */
static struct task_struct *vvmp_event_holder;
static LIST_HEAD(vvmp_event_held);

static void vvmp_event_work_fn(struct work_struct *work)
{
	struct vvmp_event_rec *rec, *next;
	LIST_HEAD(records);

	spin_lock_irq(&vvmp_event_lock);
	list_splice_init(&vvmp_event_queue, &records);
	spin_unlock_irq(&vvmp_event_lock);

	list_for_each_entry_safe(rec, next, &records, node) {
		vvmp_nl_multicast_event(rec);
		kfree(rec);
	}
}
static DECLARE_WORK(vvmp_event_work, vvmp_event_work_fn);

/**
 * vvmp_event_seq_now() - the sequence number of the latest change
 */
u64 vvmp_event_seq_now(void)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&vvmp_event_lock, flags);
	seq = vvmp_event_seq;
	spin_unlock_irqrestore(&vvmp_event_lock, flags);
	return seq;
}

static struct vvmp_event_rec *vvmp_event_alloc(u8 type, gfp_t gfp)
{
	struct vvmp_event_rec *rec = kzalloc(sizeof(*rec), gfp);

	if (rec)
		rec->type = type;
	return rec;
}

/*
 * Queue @rec (NULL if it could not be allocated) with the next sequence
 * number and record that number in *@obj_seq. A lost record still takes
 * a number, and the next record tells listeners to dump again.
 */
static void vvmp_event_post(struct vvmp_event_rec *rec, u64 *obj_seq)
{
	unsigned long flags;

	spin_lock_irqsave(&vvmp_event_lock, flags);
	*obj_seq = ++vvmp_event_seq;
	if (rec) {
		rec->seq = *obj_seq;
		rec->lost = vvmp_events_lost;
		rec->committer = current == vvmp_event_holder;
		vvmp_events_lost = false;
		list_add_tail(&rec->node, vvmp_event_holder ?
			      &vvmp_event_held : &vvmp_event_queue);
	} else {
		vvmp_events_lost = true;
	}
	spin_unlock_irqrestore(&vvmp_event_lock, flags);
	if (rec)
		queue_work(vvmp_ctl_wq, &vvmp_event_work);
}

/**
 * vvmp_events_hold() - keep events back while the caller commits
 */
void vvmp_events_hold(void)
{
	spin_lock_irq(&vvmp_event_lock);
	vvmp_event_holder = current;
	spin_unlock_irq(&vvmp_event_lock);
}

/**
 * vvmp_events_release() - send the events kept back, the commit's too if
 *                         it succeeded
 * @send: the commit succeeded
 */
void vvmp_events_release(bool send)
{
	struct vvmp_event_rec *rec, *next;

	spin_lock_irq(&vvmp_event_lock);
	list_for_each_entry_safe(rec, next, &vvmp_event_held, node) {
		if (rec->committer && !send) {
			list_del(&rec->node);
			kfree(rec);
		}
	}
	list_splice_tail_init(&vvmp_event_held, &vvmp_event_queue);
	vvmp_event_holder = NULL;
	spin_unlock_irq(&vvmp_event_lock);
	queue_work(vvmp_ctl_wq, &vvmp_event_work);
}

/**
 * vvmp_event_fill_vd() - a VD's identity and map in an event record
 * @rec: the record
 * @vd: a named VD
 */
void vvmp_event_fill_vd(struct vvmp_event_rec *rec, struct vvmp_vd *vd)
{
	struct vvmp_map *map;

	strscpy(rec->vd, vd->name, sizeof(rec->vd));
	rcu_read_lock();
	map = rcu_dereference(vd->map);
	if (map) {
		rec->generation = map->generation;
		rec->size = map->size;
	}
	rcu_read_unlock();
}

/**
 * vvmp_event_vd() - a named VD was created, deleted or got a new map
 * @vd: the VD, ctl_lock held (or not yet published)
 * @type: VVMP_EVENT_VD_CREATED, _DELETED or _MAP
 */
void vvmp_event_vd(struct vvmp_vd *vd, u8 type)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(type, GFP_KERNEL);
	unsigned long flags;

	if (rec)
		vvmp_event_fill_vd(rec, vd);
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_leg() - a leg's health changed (vd->lock held; any context)
 * @vd: the VD
 * @leg: leg index
 * @health: its new health
 */
void vvmp_event_leg(struct vvmp_vd *vd, unsigned int leg,
		    enum vvmp_leg_health health)
{
	struct vvmp_event_rec *rec;

	if (!vd->name[0])
		return;
	rec = vvmp_event_alloc(VVMP_EVENT_LEG_STATE, GFP_ATOMIC);
	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->leg = leg;
		rec->health = health;
	}
	vvmp_event_post(rec, &vd->seq);
}

/**
 * vvmp_event_policy() - the policy of a VD (for one client) changed
 * @vd: the VD, ctl_lock held
 * @client: the client, NULL for the VD's default
 * @policy: the policy now set
 */
void vvmp_event_policy(struct vvmp_vd *vd, struct vvmp_client *client,
		       const struct vvmp_policy *policy)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(VVMP_EVENT_POLICY,
						      GFP_KERNEL);
	unsigned long flags;

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		if (client)
			strscpy(rec->client, client->name, sizeof(rec->client));
		rec->policy = *policy;
	}
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_fill_device() - a device exposing a VD, in an event record
 * @rec: the record
 * @port: the device's target
 */
void vvmp_event_fill_device(struct vvmp_event_rec *rec,
			    struct vvmp_port *port)
{
	struct mapped_device *md = dm_table_get_md(port->ti->table);

	strscpy(rec->device_name, port->dm_name, sizeof(rec->device_name));
	rec->device_dev = new_encode_dev(disk_devt(dm_disk(md)));
	rec->device_size = port->ti->len;
	if (port->client)
		strscpy(rec->client, port->client->name, sizeof(rec->client));
}

/**
 * vvmp_event_device() - a device began or stopped exposing a VD
 * @port: the device's target, vd->ctl_lock held
 * @type: VVMP_EVENT_DEVICE_BOUND or _UNBOUND
 */
void vvmp_event_device(struct vvmp_port *port, u8 type)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_event_rec *rec = vvmp_event_alloc(type, GFP_KERNEL);
	unsigned long flags;

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		vvmp_event_fill_device(rec, port);
	}
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_component() - a leg's plan parameters changed
 * @vd: the VD, ctl_lock held
 * @leg: leg index
 */
void vvmp_event_component(struct vvmp_vd *vd, unsigned int leg)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(VVMP_EVENT_PLAN_PARAMS,
						      GFP_KERNEL);
	unsigned long flags;

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->leg = leg;
		rec->timeout_ms = vd->legs[leg].timeout_ms;
		rec->masks = vd->legs[leg].masks;
	}
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_activity() - a VD was deactivated or activated again
 * @vd: the VD, vd->lock held (any context)
 * @leg: the leg whose failure deactivated it
 */
void vvmp_event_activity(struct vvmp_vd *vd, unsigned int leg)
{
	struct vvmp_event_rec *rec;

	if (!vd->name[0])
		return;
	rec = vvmp_event_alloc(VVMP_EVENT_VD_ACTIVITY, GFP_ATOMIC);
	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->deactivated = vd->deactivated;
		rec->leg = leg;
	}
	vvmp_event_post(rec, &vd->seq);
}

/**
 * vvmp_bio_io_op() - the enum vvmp_io_op of a bio
 * @bio: the bio
 */
u8 vvmp_bio_io_op(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return VVMP_IO_READ;
	case REQ_OP_DISCARD:
		return VVMP_IO_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return VVMP_IO_WRITE_ZEROES;
	default:
		return bio_sectors(bio) ? VVMP_IO_WRITE : VVMP_IO_FLUSH;
	}
}

/**
 * vvmp_event_exception() - a plan was held for the CP, or left the AP's hold
 * @vd: the VD, vd->lock held (any context)
 * @io: the plan's per-bio data
 * @type: VVMP_EVENT_EXCEPTION or _EXCEPTION_DONE
 * @outcome: enum vvmp_exc_outcome (EXCEPTION_DONE)
 * @error: the positive errno the client gets, 0 for none
 */
void vvmp_event_exception(struct vvmp_vd *vd, struct vvmp_io *io, u8 type,
			  u8 outcome, int error)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(type, GFP_ATOMIC);

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		vvmp_exc_info(io, &rec->exc);
		rec->exc_outcome = outcome;
		rec->exc_errno = error;
	}
	vvmp_event_post(rec, &vd->seq);
}

/**
 * vvmp_event_vd_params() - a VD's resync rate or plan policy changed
 * @vd: the VD, ctl_lock held
 */
void vvmp_event_vd_params(struct vvmp_vd *vd)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(VVMP_EVENT_VD_PARAMS,
						      GFP_KERNEL);
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->resync_rate = vd->rec.rate_kib;
		rec->timeout_ms = vd->exc_timeout_ms;
		rec->exc_on_timeout = vd->exc_on_timeout;
	}
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_divert() - a VD's divert ranges changed
 * @vd: the VD, ctl_lock held
 */
void vvmp_event_divert(struct vvmp_vd *vd)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(VVMP_EVENT_DIVERT,
						      GFP_KERNEL);
	unsigned long flags;

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->nr_ranges = vd->nr_ranges;
		memcpy(rec->ranges, vd->ranges,
		       vd->nr_ranges * sizeof(vd->ranges[0]));
	}
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_threshold() - a VD's errors reached the directive's threshold
 * @vd: the VD, ctl_lock held
 * @threshold: the threshold
 */
void vvmp_event_threshold(struct vvmp_vd *vd, u64 threshold)
{
	struct vvmp_event_rec *rec =
		vvmp_event_alloc(VVMP_EVENT_STATS_THRESHOLD, GFP_KERNEL);
	unsigned long flags;

	if (rec) {
		strscpy(rec->vd, vd->name, sizeof(rec->vd));
		rec->threshold = threshold;
	}
	spin_lock_irqsave(&vd->lock, flags);
	vvmp_event_post(rec, &vd->seq);
	spin_unlock_irqrestore(&vd->lock, flags);
}

/**
 * vvmp_event_client() - a client was created, changed or deleted
 * @client: the client, vvmp_registry_lock held for writing
 * @type: VVMP_EVENT_CLIENT_CREATED, _CHANGED or _DELETED
 */
void vvmp_event_client(struct vvmp_client *client, u8 type)
{
	struct vvmp_event_rec *rec = vvmp_event_alloc(type, GFP_KERNEL);

	if (rec) {
		strscpy(rec->client, client->name, sizeof(rec->client));
		strscpy(rec->info, client->info, sizeof(rec->info));
	}
	vvmp_event_post(rec, &client->seq);
}

/**
 * vvmp_events_exit() - send what is queued (module unload)
 */
void vvmp_events_exit(void)
{
	flush_work(&vvmp_event_work);
}
