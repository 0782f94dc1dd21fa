// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: what one client may do through one device (the PEAP group):
 * access control, status and class of service, applied to every bio in
 * ->map before it is planned.
 *
 * - ACL none: every bio fails; ro: writes, discards and write-zeroes fail
 *   (BLK_STS_PROTECTION, which the block layer reports as -EILSEQ).
 * - Status disabled: every bio fails (BLK_STS_IOERR). Quiesced: bios are
 *   held in arrival order and released, in that order, on enable.
 * - Class of service: token buckets for bios/s and bytes/s, refilled by the
 *   time elapsed. A bio is admitted while the buckets are not in debt and
 *   then charged in full, so one large bio never waits forever and the
 *   long-run rate is the limit. Bios that must wait are held in order and
 *   released by a delayed work. Priority sets the bio's I/O class.
 *
 * A device with no limits and status enabled is not "gated": its bios pass
 * with two lockless reads.
 */
#include <linux/ioprio.h>
#include <linux/slab.h>

#include "vvmp.h"

static void vvmp_fail_bio(struct bio *bio, blk_status_t status)
{
	bio->bi_status = status;
	bio_endio(bio);
}

/* Refused by ACL or status: counted, failed, never planned. */
static bool vvmp_port_refuse(struct vvmp_port *port, struct bio *bio,
			     const struct vvmp_policy *policy)
{
	blk_status_t status = BLK_STS_OK;

	if (policy->status == VVMP_STATUS_DISABLED)
		status = BLK_STS_IOERR;
	else if (policy->acl == VVMP_ACL_NONE)
		status = BLK_STS_PROTECTION;
	else if (policy->acl == VVMP_ACL_RO && op_is_write(bio_op(bio)) &&
		 bio_sectors(bio))
		status = BLK_STS_PROTECTION;
	if (!status)
		return false;
	this_cpu_inc(port->counters->refused);
	this_cpu_inc(port->vd->counters->refused);
	vvmp_fail_bio(bio, status);
	return true;
}

/*
 * Buckets count nano-tokens (a bio or a byte times NSEC_PER_SEC), so the
 * refill of a few microseconds is not rounded away. They never hold more
 * than this much time's worth (the burst).
 */
#define VVMP_COS_BURST_NS	(100 * NSEC_PER_MSEC)

static s64 vvmp_cos_cap(u64 rate)
{
	return max_t(u64, rate * VVMP_COS_BURST_NS, NSEC_PER_SEC);
}

/* Add the tokens earned since the last refill. Caller holds hold_lock. */
static void vvmp_cos_refill(struct vvmp_port *port, u64 now)
{
	struct vvmp_policy *p = &port->policy;
	u64 elapsed = min_t(u64, now - port->refill_ns, VVMP_COS_BURST_NS);

	port->refill_ns = now;
	if (p->iops)
		port->iops_tokens = min(port->iops_tokens +
					(s64)(p->iops * elapsed),
					vvmp_cos_cap(p->iops));
	if (p->bps)
		port->byte_tokens = min(port->byte_tokens +
					(s64)(p->bps * elapsed),
					vvmp_cos_cap(p->bps));
}

/*
 * Nanoseconds until the buckets are out of debt, 0 if a bio may pass now.
 * Caller holds hold_lock.
 */
static u64 vvmp_cos_wait_ns(struct vvmp_port *port)
{
	struct vvmp_policy *p = &port->policy;
	u64 wait = 0;

	if (p->iops && port->iops_tokens < 0)
		wait = div64_u64(-port->iops_tokens, p->iops) + 1;
	if (p->bps && port->byte_tokens < 0)
		wait = max(wait, div64_u64(-port->byte_tokens, p->bps) + 1);
	return wait;
}

static void vvmp_cos_charge(struct vvmp_port *port, struct bio *bio)
{
	if (port->policy.iops)
		port->iops_tokens -= NSEC_PER_SEC;
	if (port->policy.bps)
		port->byte_tokens -= (s64)bio->bi_iter.bi_size * NSEC_PER_SEC;
}

/*
 * A held bio leaves the queue: refuse it, or plan and submit it on the map
 * in force. Returns false, touching nothing, while a transaction commits.
 */
static bool vvmp_port_release(struct vvmp_port *port, struct bio *bio)
{
	struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct vvmp_policy policy = port->policy;

	rcu_read_lock();
	if (READ_ONCE(vvmp_commit_gate)) {
		rcu_read_unlock();
		return false;
	}
	if (vvmp_port_refuse(port, bio, &policy)) {
		rcu_read_unlock();
		return true;
	}
	io->map = vvmp_map_get(port->vd);
	rcu_read_unlock();
	vvmp_plan_held(port, bio);
	return true;
}

/* Release bios in order; those a commit stops go back first in line. */
static void vvmp_port_release_list(struct vvmp_port *port,
				   struct bio_list *ready)
{
	struct bio *bio;

	while ((bio = bio_list_pop(ready))) {
		if (vvmp_port_release(port, bio))
			continue;
		bio_list_add_head(ready, bio);
		spin_lock_irq(&port->hold_lock);
		bio_list_merge_head(&port->held, ready);
		WRITE_ONCE(port->gated, true);
		spin_unlock_irq(&port->hold_lock);
		return;
	}
}

static void vvmp_port_dispatch(struct work_struct *work)
{
	struct vvmp_port *port = container_of(to_delayed_work(work),
					      struct vvmp_port, dispatch_work);
	struct bio_list ready;
	struct bio *bio;
	u64 wait = 0;

	bio_list_init(&ready);
	spin_lock_irq(&port->hold_lock);
	vvmp_cos_refill(port, ktime_get_ns());
	while ((port->policy.status != VVMP_STATUS_QUIESCED ||
		port->suspending) && !READ_ONCE(vvmp_commit_gate) &&
	       (bio = bio_list_peek(&port->held))) {
		if (port->policy.status == VVMP_STATUS_ENABLED) {
			wait = vvmp_cos_wait_ns(port);
			if (wait)
				break;
			vvmp_cos_charge(port, bio);
		}
		bio_list_add(&ready, bio_list_pop(&port->held));
	}
	if (wait)
		queue_delayed_work(port->vd->wq, &port->dispatch_work,
				   max_t(unsigned long, 1,
					 nsecs_to_jiffies(wait)));
	else if (bio_list_empty(&port->held) && !port->suspending &&
		 port->policy.status == VVMP_STATUS_ENABLED &&
		 !port->policy.iops && !port->policy.bps)
		WRITE_ONCE(port->gated, false);
	spin_unlock_irq(&port->hold_lock);

	vvmp_port_release_list(port, &ready);
}

/**
 * vvmp_port_admit() - apply the client's policy to a bio entering ->map
 * @port: the device
 * @bio: dm's clone
 *
 * Caller holds rcu_read_lock() and, if the bio passes, takes the map in
 * force before unlocking: a transaction's commit raises vvmp_commit_gate
 * and waits for such sections, so a bio sees all of a commit or none.
 *
 * Return: true if the bio may be planned now; false if it was refused
 * (completed with an error) or held (released later by the port).
 */
bool vvmp_port_admit(struct vvmp_port *port, struct bio *bio)
{
	struct vvmp_policy policy;
	unsigned long flags;
	bool pass = false;
	u64 wait = 0;

	/* Called under rcu_read_lock(), which a commit waits for. */
	if (unlikely(READ_ONCE(vvmp_commit_gate))) {
		spin_lock_irqsave(&port->hold_lock, flags);
		bio_list_add(&port->held, bio);
		WRITE_ONCE(port->gated, true);
		spin_unlock_irqrestore(&port->hold_lock, flags);
		return false;
	}
	if (!READ_ONCE(port->gated)) {
		policy.acl = READ_ONCE(port->policy.acl);
		policy.status = VVMP_STATUS_ENABLED;
		if (vvmp_port_refuse(port, bio, &policy))
			return false;
		goto prio;
	}

	spin_lock_irqsave(&port->hold_lock, flags);
	policy = port->policy;
	if (vvmp_port_refuse(port, bio, &policy)) {
		spin_unlock_irqrestore(&port->hold_lock, flags);
		return false;
	}
	if (port->suspending) {
		pass = true;	/* dm is waiting for our bios: no holding */
	} else if (policy.status == VVMP_STATUS_ENABLED &&
		   bio_list_empty(&port->held)) {
		vvmp_cos_refill(port, ktime_get_ns());
		wait = vvmp_cos_wait_ns(port);
		if (!wait) {
			vvmp_cos_charge(port, bio);
			pass = true;
		}
	}
	if (!pass) {
		bio_list_add(&port->held, bio);
		this_cpu_inc(port->counters->throttled);
		if (policy.status == VVMP_STATUS_ENABLED)
			queue_delayed_work(port->vd->wq, &port->dispatch_work,
					   max_t(unsigned long, 1,
						 nsecs_to_jiffies(wait)));
	}
	spin_unlock_irqrestore(&port->hold_lock, flags);
	if (!pass)
		return false;
prio:
	if (policy.priority)
		bio->bi_ioprio = IOPRIO_PRIO_VALUE(policy.priority, 0);
	return true;
}

/**
 * vvmp_policy_in_force() - the policy of a VD for a client
 * @vd: the VD, ctl_lock held
 * @client: the client, NULL for the VD's default
 * @source: returns where the ACL came from (enum vvmp_policy_source)
 */
struct vvmp_policy vvmp_policy_in_force(struct vvmp_vd *vd,
					struct vvmp_client *client,
					u8 *source)
{
	struct vvmp_client_policy *cp = vvmp_client_policy_find(vd, client);
	struct vvmp_policy p = vd->policy;

	if (source)
		*source = cp ? VVMP_POLICY_CLIENT : VVMP_POLICY_VD_DEFAULT;
	if (!cp)
		return p;
	if (cp->has_acl)
		p.acl = cp->policy.acl;
	if (cp->has_status)
		p.status = cp->policy.status;
	if (cp->has_cos) {
		p.iops = cp->policy.iops;
		p.bps = cp->policy.bps;
		p.priority = cp->policy.priority;
	}
	return p;
}

/**
 * vvmp_client_policy_find() - a client's own policy entry for a VD
 * @vd: the VD, ctl_lock held
 * @client: the client (NULL finds nothing)
 */
struct vvmp_client_policy *vvmp_client_policy_find(struct vvmp_vd *vd,
						   struct vvmp_client *client)
{
	struct vvmp_client_policy *cp;

	if (!client)
		return NULL;
	list_for_each_entry(cp, &vd->client_policies, node)
		if (cp->client == client)
			return cp;
	return NULL;
}

/**
 * vvmp_port_update_policy() - put the policy in force on a device
 * @port: the device, vd->ctl_lock held
 *
 * Held bios are released (or failed) by the dispatch work in order.
 */
void vvmp_port_update_policy(struct vvmp_port *port)
{
	struct vvmp_policy p = vvmp_policy_in_force(port->vd, port->client,
						     NULL);

	spin_lock_irq(&port->hold_lock);
	if (p.iops != port->policy.iops || p.bps != port->policy.bps) {
		/* New limits start with a full burst, as a new device would. */
		port->iops_tokens = vvmp_cos_cap(p.iops);
		port->byte_tokens = vvmp_cos_cap(p.bps);
		port->refill_ns = ktime_get_ns();
	}
	WRITE_ONCE(port->policy.acl, p.acl);
	WRITE_ONCE(port->policy.status, p.status);
	WRITE_ONCE(port->policy.priority, p.priority);
	port->policy.iops = p.iops;
	port->policy.bps = p.bps;
	if (p.status != VVMP_STATUS_ENABLED || p.iops || p.bps ||
	    !bio_list_empty(&port->held) || port->suspending)
		WRITE_ONCE(port->gated, true);
	spin_unlock_irq(&port->hold_lock);
	mod_delayed_work(port->vd->wq, &port->dispatch_work, 0);
}

/**
 * vvmp_port_init() - runtime state of a new device
 * @port: zeroed, ->vd and ->client set
 *
 * Return: 0 or -ENOMEM.
 */
int vvmp_port_init(struct vvmp_port *port)
{
	spin_lock_init(&port->hold_lock);
	bio_list_init(&port->held);
	INIT_DELAYED_WORK(&port->dispatch_work, vvmp_port_dispatch);
	port->policy.acl = VVMP_ACL_RW;
	port->counters = alloc_percpu(struct vvmp_counters);
	return port->counters ? 0 : -ENOMEM;
}

/**
 * vvmp_port_exit() - release a device's runtime state
 * @port: the device; dm holds no bio of it any more
 */
void vvmp_port_exit(struct vvmp_port *port)
{
	cancel_delayed_work_sync(&port->dispatch_work);
	free_percpu(port->counters);
}

/**
 * vvmp_port_presuspend() - hand every held bio back to dm, or release it
 * @port: the device being suspended
 *
 * dm waits for every bio it handed to ->map before the suspend completes;
 * held bios would make it wait for ever. A noflush suspend (as libvaapi's
 * reload that grows a device) keeps them: dm requeues them and maps them
 * again after the resume, with the policy then in force (a quiesced
 * device holds them again). Any other suspend is the administrator's
 * decision: held bios are released, throttled ones without waiting.
 */
void vvmp_port_presuspend(struct vvmp_port *port)
{
	struct bio_list held;
	struct bio *bio;

	spin_lock_irq(&port->hold_lock);
	port->suspending = true;
	WRITE_ONCE(port->gated, true);
	spin_unlock_irq(&port->hold_lock);
	cancel_delayed_work_sync(&port->dispatch_work);
	spin_lock_irq(&port->hold_lock);
	held = port->held;
	bio_list_init(&port->held);
	spin_unlock_irq(&port->hold_lock);
	vvmp_exc_presuspend(port, dm_noflush_suspending(port->ti));
	if (!dm_noflush_suspending(port->ti)) {
		vvmp_port_release_list(port, &held);
		return;
	}
	while ((bio = bio_list_pop(&held))) {
		struct vvmp_io *io = dm_per_bio_data(bio, sizeof(*io));

		io->requeue = true;
		bio->bi_status = BLK_STS_OK;
		bio_endio(bio);
	}
}

/**
 * vvmp_port_resume() - hold bios by the policy again after a suspend
 * @port: the device (resumed, or its suspend failed)
 */
void vvmp_port_resume(struct vvmp_port *port)
{
	spin_lock_irq(&port->hold_lock);
	port->suspending = false;
	spin_unlock_irq(&port->hold_lock);
	mutex_lock(&port->vd->ctl_lock);
	vvmp_port_update_policy(port);
	mutex_unlock(&port->vd->ctl_lock);
}
