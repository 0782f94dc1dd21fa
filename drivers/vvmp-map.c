// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: map generations. A VD's map is replaced by publishing a new one
 * with RCU; bios hold a reference to the map they started on, and the old
 * map (with the PDs only it used) is freed after its last bio completes.
 * No suspend, no bio fails, none is torn: a bio is planned entirely on one
 * map.
 */
#include <linux/percpu-refcount.h>
#include <linux/slab.h>

#include "vvmp.h"

static void vvmp_map_release_work(struct work_struct *work)
{
	struct vvmp_map *map = container_of(work, struct vvmp_map,
					    release_work);
	struct completion *drained = map->drained;

	vvmp_map_free(map);
	if (drained)
		complete(drained);
}

/* The last bio of a replaced map completed; any context. */
static void vvmp_map_release(struct percpu_ref *ref)
{
	struct vvmp_map *map = container_of(ref, struct vvmp_map, ref);

	queue_work(vvmp_ctl_wq, &map->release_work);
}

/**
 * vvmp_map_alloc() - an empty map for @vd
 * @vd: the VD it will belong to
 *
 * Return: the map or NULL.
 */
struct vvmp_map *vvmp_map_alloc(struct vvmp_vd *vd)
{
	struct vvmp_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return NULL;
	if (percpu_ref_init(&map->ref, vvmp_map_release, 0, GFP_KERNEL)) {
		kfree(map);
		return NULL;
	}
	map->vd = vd;
	INIT_WORK(&map->release_work, vvmp_map_release_work);
	return map;
}

/**
 * vvmp_map_free() - free a map no bio uses, and put the PDs it held
 * @map: the map (its table devices, if any, are put by the target)
 *
 * May sleep.
 */
void vvmp_map_free(struct vvmp_map *map)
{
	unsigned int l, i;

	percpu_ref_exit(&map->ref);
	for (i = 0; i < map->nr_pds; i++)
		vvmp_pd_put(map->pds[i]);
	kfree(map->pds);
	for (l = 0; l < map->nr_legs; l++)
		kfree(map->legs[l].extents);
	kfree(map->flush_targets);
	kfree(map);
}

/**
 * vvmp_map_swap() - make @map the one new bios use
 * @vd: a named VD, ctl_lock held
 * @map: a complete map with as many legs as @vd
 *
 * Return: the map replaced; retire it with vvmp_map_retire() once the
 * change is final (a transaction may still put it back).
 */
struct vvmp_map *vvmp_map_swap(struct vvmp_vd *vd, struct vvmp_map *map)
{
	struct vvmp_map *old;

	old = rcu_dereference_protected(vd->map,
					lockdep_is_held(&vd->ctl_lock));
	map->generation = old->generation + 1;
	rcu_assign_pointer(vd->map, map);
	return old;
}

/**
 * vvmp_map_retire() - a map no longer in force is freed after its last bio
 * @map: the map
 *
 * Bios in flight finish on the map they started with.
 */
void vvmp_map_retire(struct vvmp_map *map)
{
	percpu_ref_kill(&map->ref);
}

/**
 * vvmp_map_get() - the map in force, referenced
 * @vd: the VD
 *
 * Return: the map; release with vvmp_map_put().
 */
struct vvmp_map *vvmp_map_get(struct vvmp_vd *vd)
{
	struct vvmp_map *map;

	rcu_read_lock();
	do {
		map = rcu_dereference(vd->map);
	} while (!percpu_ref_tryget_live(&map->ref));
	rcu_read_unlock();
	return map;
}

/**
 * vvmp_map_put() - drop a reference taken by vvmp_map_get()
 * @map: the map
 */
void vvmp_map_put(struct vvmp_map *map)
{
	percpu_ref_put(&map->ref);
}

/**
 * vvmp_map_extents() - extents of every leg of @map
 * @map: the map
 */
unsigned int vvmp_map_extents(struct vvmp_map *map)
{
	unsigned int l, n = 0;

	for (l = 0; l < map->nr_legs; l++)
		n += map->legs[l].nr_extents;
	return n;
}

/**
 * vvmp_map_bytes() - kernel memory @map takes, per-CPU counter included
 * @map: the map
 */
size_t vvmp_map_bytes(struct vvmp_map *map)
{
	return sizeof(*map) + sizeof(unsigned long) * num_possible_cpus() +
	       vvmp_map_extents(map) * (sizeof(struct vvmp_extent) +
					sizeof(struct vvmp_flush_target)) +
	       map->nr_pds * sizeof(*map->pds);
}
