// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: VD objects and the registry of named VDs and clients.
 *
 * A table-private VD belongs to its one dm target. A named VD is created
 * over netlink and found by name; the devices that expose it ("vvmp vd
 * <name> [client <name>]") and the registry each hold a reference.
 *
 * Locking, outermost first: vvmp_registry_lock (the lists; read for
 * lookups, write to add or remove), vd->ctl_lock (a named VD's control
 * state and its ports), vd->lock (leg health, recovery; any context).
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "vvmp.h"

DECLARE_RWSEM(vvmp_registry_lock);
LIST_HEAD(vvmp_vds);		/* in creation order */
LIST_HEAD(vvmp_clients);	/* in creation order */
static u64 vvmp_next_id = 1;

/**
 * vvmp_vd_name() - the VD's name for logs: its own, or its dm device's
 * @vd: the VD
 */
const char *vvmp_vd_name(struct vvmp_vd *vd)
{
	return vd->ti ? dm_table_device_name(vd->ti->table) : vd->name;
}

/* dm's event counter of every device exposing the VD (dmsetup wait). */
static void vvmp_event_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd, event_work);
	struct vvmp_port *port;

	vvmp_region_disk_changed(vd);
	if (vd->ti) {
		dm_table_event(vd->ti->table);
		return;
	}
	mutex_lock(&vd->ctl_lock);
	list_for_each_entry(port, &vd->ports, node)
		dm_table_event(port->ti->table);
	mutex_unlock(&vd->ctl_lock);
}

/**
 * vvmp_vd_changed() - the VD's status changed: tell dm (any context)
 * @vd: the VD
 */
void vvmp_vd_changed(struct vvmp_vd *vd)
{
	queue_work(vd->wq, &vd->event_work);
}

/* Errors reached the directive's threshold: announce it once. */
static void vvmp_threshold_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd,
					  threshold_work);
	struct vvmp_counters sum;

	mutex_lock(&vd->ctl_lock);
	vvmp_counters_sum(vd->counters, &sum);
	if (vd->error_threshold && !vd->threshold_crossed &&
	    sum.read_errors + sum.write_errors >= vd->error_threshold) {
		WRITE_ONCE(vd->threshold_crossed, true);
		vvmp_event_threshold(vd, vd->error_threshold);
	}
	mutex_unlock(&vd->ctl_lock);
}

/**
 * vvmp_vd_new() - a VD without legs, map or runtime state yet
 * @name: the name of a named VD, NULL for a table-private one
 *
 * Set ->nr_legs (and the nosync feature), then call vvmp_vd_init_runtime().
 *
 * Return: the VD or NULL.
 */
struct vvmp_vd *vvmp_vd_new(const char *name)
{
	struct vvmp_vd *vd = kzalloc(sizeof(*vd), GFP_KERNEL);

	if (!vd)
		return NULL;
	if (name)
		strscpy(vd->name, name, sizeof(vd->name));
	kref_init(&vd->kref);
	INIT_LIST_HEAD(&vd->node);
	spin_lock_init(&vd->lock);
	spin_lock_init(&vd->retry_lock);
	mutex_init(&vd->clone_alloc_lock);
	mutex_init(&vd->ctl_lock);
	INIT_LIST_HEAD(&vd->ports);
	INIT_LIST_HEAD(&vd->client_policies);
	bio_list_init(&vd->retry_reads);
	bio_list_init(&vd->flushes);
	INIT_WORK(&vd->retry_work, vvmp_retry_reads);
	INIT_WORK(&vd->flush_work, vvmp_flush_work);
	INIT_WORK(&vd->later_work, vvmp_later_work);
	INIT_LIST_HEAD(&vd->exceptions);
	INIT_DELAYED_WORK(&vd->exc_work, vvmp_exc_work);
	vd->exc_timeout_ms = VVMP_EXC_TIMEOUT_MS_DEFAULT;
	vd->exc_on_timeout = VVMP_EXC_TIMEOUT_FAIL;
	INIT_WORK(&vd->event_work, vvmp_event_work);
	INIT_WORK(&vd->threshold_work, vvmp_threshold_work);
	vd->read_policy = VVMP_READ_LEAST_PENDING;
	vd->rlog.shift = ilog2(VVMP_REGION_SECTORS_DEFAULT);
	vd->policy.acl = VVMP_ACL_RW;
	vd->policy.status = VVMP_STATUS_ENABLED;
	vd->collect_latency = true;
	return vd;
}

/**
 * vvmp_vd_init_runtime() - counters, workqueue, clones and copy state
 * @vd: a new VD with ->nr_legs and its features set
 * @error: set to the problem on failure
 *
 * On failure the caller frees the VD with vvmp_vd_free().
 *
 * Return: 0 or a negative errno.
 */
int vvmp_vd_init_runtime(struct vvmp_vd *vd, char **error)
{
	/* A named VD's legs can be attached later: room for them all. */
	unsigned int l, legs = vd->ti ? vd->nr_legs : VVMP_MAX_LEGS;
	int r;

	vd->track_pending = !vd->ti || vd->nr_legs > 1;
	*error = "Cannot allocate counters";
	vd->counters = alloc_percpu(struct vvmp_counters);
	if (!vd->counters)
		return -ENOMEM;
	for (l = 0; l < legs; l++) {
		vd->legs[l].counters = alloc_percpu(struct vvmp_counters);
		if (!vd->legs[l].counters)
			return -ENOMEM;
		vd->legs[l].masks = VVMP_MASK_DEFAULT;
	}
	*error = "Cannot allocate workqueue";
	vd->wq = alloc_workqueue("kvvmpd", WQ_MEM_RECLAIM, 0);
	if (!vd->wq)
		return -ENOMEM;
	/* A named VD fans its flushes out itself, even with one leg. */
	if (vd->nr_legs == 1 && vd->ti)
		return 0;

	/* Enough reserve for two full fan-outs. */
	*error = "Cannot allocate bio set";
	r = bioset_init(&vd->clones, 2 * legs,
			offsetof(struct vvmp_clone, bio), 0);
	if (r)
		return r;
	if (legs == 1)
		return 0;
	*error = "Cannot allocate the dirty-region log";
	r = vvmp_region_log_init(vd, 1U << vd->rlog.shift, vd->size);
	if (r)
		return r;
	*error = "Cannot create kcopyd client";
	r = vvmp_recovery_init(vd);
	if (r)
		return r;
	return vvmp_region_disk_init(vd, error);
}

/**
 * vvmp_vd_free() - free a VD nobody uses; its map too if it has one
 * @vd: the VD (recovery paused, no I/O)
 */
void vvmp_vd_free(struct vvmp_vd *vd)
{
	struct vvmp_client_policy *cp, *next;
	struct vvmp_map *map = rcu_dereference_protected(vd->map, true);
	unsigned int l;

	/* Writes the log clean if it is not yet (its works run on vd->wq). */
	vvmp_region_disk_exit(vd);
	/* Delayed works may still have a timer armed: not drained below. */
	cancel_delayed_work_sync(&vd->exc_work);
	if (vd->rec.kcopyd)
		cancel_delayed_work_sync(&vd->rec.window_work);
	if (vd->wq)
		destroy_workqueue(vd->wq);
	vvmp_recovery_exit(vd);
	bioset_exit(&vd->clones);
	vvmp_region_log_exit(vd);
	for (l = 0; l < VVMP_MAX_LEGS; l++)
		free_percpu(vd->legs[l].counters);
	free_percpu(vd->counters);
	list_for_each_entry_safe(cp, next, &vd->client_policies, node)
		kfree(cp);
	if (map && !vd->ti)
		vvmp_map_free(map);
	kfree(vd);
}

static void vvmp_vd_release(struct kref *kref)
{
	struct vvmp_vd *vd = container_of(kref, struct vvmp_vd, kref);

	if (vd->rec.kcopyd)
		vvmp_recovery_pause(vd);
	vvmp_vd_free(vd);
	module_put(THIS_MODULE);
}

/**
 * vvmp_vd_put() - drop a reference to a named VD; the last frees it
 * @vd: the VD
 */
void vvmp_vd_put(struct vvmp_vd *vd)
{
	kref_put(&vd->kref, vvmp_vd_release);
}

/**
 * vvmp_vd_find() - a named VD by name, not referenced
 * @name: the name
 *
 * Caller holds vvmp_registry_lock.
 */
struct vvmp_vd *vvmp_vd_find(const char *name)
{
	struct vvmp_vd *vd;

	lockdep_assert_held(&vvmp_registry_lock);
	list_for_each_entry(vd, &vvmp_vds, node)
		if (!strcmp(vd->name, name))
			return vd;
	return NULL;
}

/**
 * vvmp_vd_register() - add a new named VD to the registry
 * @vd: the VD, its map in place
 *
 * Caller holds vvmp_registry_lock for writing and checked the name is free.
 */
void vvmp_vd_register(struct vvmp_vd *vd)
{
	lockdep_assert_held_write(&vvmp_registry_lock);
	/* rmmod is refused while a named VD exists, as while a table does. */
	__module_get(THIS_MODULE);
	vd->id = vvmp_next_id++;
	list_add_tail(&vd->node, &vvmp_vds);
	vvmp_recovery_resume(vd);
}

/**
 * vvmp_client_find() - a client by name
 * @name: the name
 *
 * Caller holds vvmp_registry_lock.
 */
struct vvmp_client *vvmp_client_find(const char *name)
{
	struct vvmp_client *client;

	lockdep_assert_held(&vvmp_registry_lock);
	list_for_each_entry(client, &vvmp_clients, node)
		if (!strcmp(client->name, name))
			return client;
	return NULL;
}

/**
 * vvmp_client_create() - a new client
 * @name: its name, checked free by the caller
 *
 * Caller holds vvmp_registry_lock for writing.
 *
 * Return: the client or NULL.
 */
struct vvmp_client *vvmp_client_create(const char *name)
{
	struct vvmp_client *client = kzalloc(sizeof(*client), GFP_KERNEL);

	lockdep_assert_held_write(&vvmp_registry_lock);
	if (!client)
		return NULL;
	strscpy(client->name, name, sizeof(client->name));
	client->id = vvmp_next_id++;
	list_add_tail(&client->node, &vvmp_clients);
	return client;
}

/**
 * vvmp_registry_exit() - free the clients at module unload
 *
 * Every named VD holds a module reference, so none is left.
 */
void vvmp_registry_exit(void)
{
	struct vvmp_client *client, *cnext;

	down_write(&vvmp_registry_lock);
	list_for_each_entry_safe(client, cnext, &vvmp_clients, node) {
		list_del(&client->node);
		kfree(client);
	}
	up_write(&vvmp_registry_lock);
}
