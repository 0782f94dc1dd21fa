// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the device-mapper target "vvmp", the accelerated path of vvmp.
 *
 * Maps a virtual disk onto linear or striped extents of one to eight legs
 * (an N-way mirror). Table syntax, status and messages are specified in
 * Documentation/dm-vvmp.rst; the I/O plan is in vvmp-io.c.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "vvmp.h"
#include "vvmp-compat.h"

static void vvmp_event_work(struct work_struct *work)
{
	struct vvmp_vd *vd = container_of(work, struct vvmp_vd, event_work);

	dm_table_event(vd->ti->table);
}

static void vvmp_free_vd(struct vvmp_vd *vd)
{
	unsigned int l;

	if (vd->wq)
		destroy_workqueue(vd->wq);
	vvmp_recovery_exit(vd);
	bioset_exit(&vd->clones);
	for (l = 0; l < vd->nr_legs; l++)
		free_percpu(vd->legs[l].counters);
	vvmp_put_devices(vd);
	kfree(vd);
}

static int vvmp_alloc_runtime(struct vvmp_vd *vd)
{
	struct dm_target *ti = vd->ti;
	unsigned int l;
	int r;

	for (l = 0; l < vd->nr_legs; l++) {
		vd->legs[l].counters = alloc_percpu(struct vvmp_leg_counters);
		if (!vd->legs[l].counters) {
			ti->error = "Cannot allocate counters";
			return -ENOMEM;
		}
	}
	vd->wq = alloc_workqueue("kvvmpd", WQ_MEM_RECLAIM, 0);
	if (!vd->wq) {
		ti->error = "Cannot allocate workqueue";
		return -ENOMEM;
	}
	if (vd->nr_legs == 1)
		return 0;

	/* Enough reserve for two full fan-outs. */
	r = bioset_init(&vd->clones, 2 * vd->nr_legs,
			offsetof(struct vvmp_clone, bio), 0);
	if (r) {
		ti->error = "Cannot allocate bio set";
		return r;
	}
	r = vvmp_recovery_init(vd);
	if (r)
		ti->error = "Cannot create kcopyd client";
	return r;
}

/*
 * Construct a VD:
 *   <layout> <#legs> <leg>... [<#feature_args> <feature_arg>...]
 * See vvmp-table.c and Documentation/dm-vvmp.rst.
 */
static int vvmp_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct vvmp_vd *vd;
	int r;

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd) {
		ti->error = "Cannot allocate VD";
		return -ENOMEM;
	}
	vd->ti = ti;
	spin_lock_init(&vd->lock);
	spin_lock_init(&vd->retry_lock);
	mutex_init(&vd->clone_alloc_lock);
	bio_list_init(&vd->retry_reads);
	INIT_WORK(&vd->retry_work, vvmp_retry_reads);
	INIT_WORK(&vd->event_work, vvmp_event_work);
	vd->read_policy = VVMP_READ_LEAST_PENDING;

	r = vvmp_parse_table(vd, argc, argv);
	if (!r)
		r = vvmp_alloc_runtime(vd);
	if (r) {
		vvmp_free_vd(vd);
		return r;
	}

	ti->num_flush_bios = vd->nr_flush_targets;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct vvmp_io);
	ti->private = vd;
	return 0;
}

static void vvmp_dtr(struct dm_target *ti)
{
	vvmp_free_vd(ti->private);
}

static void vvmp_presuspend(struct dm_target *ti)
{
	struct vvmp_vd *vd = ti->private;

	if (vd->nr_legs > 1)
		vvmp_recovery_pause(vd);
}

/* Also presuspend_undo: a suspend that failed lets the copy go on. */
static void vvmp_resume(struct dm_target *ti)
{
	struct vvmp_vd *vd = ti->private;

	if (vd->nr_legs > 1)
		vvmp_recovery_resume(vd);
}

static void vvmp_sum_counters(struct vvmp_vd *vd, unsigned int leg,
			      struct vvmp_leg_counters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct vvmp_leg_counters *c =
			per_cpu_ptr(vd->legs[leg].counters, cpu);

		sum->reads += READ_ONCE(c->reads);
		sum->writes += READ_ONCE(c->writes);
		sum->flushes += READ_ONCE(c->flushes);
		sum->read_errors += READ_ONCE(c->read_errors);
		sum->write_errors += READ_ONCE(c->write_errors);
		sum->issued += READ_ONCE(c->issued);
		sum->completed += READ_ONCE(c->completed);
	}
}

static unsigned int vvmp_emit_info(struct vvmp_vd *vd, char *result,
				   unsigned int maxlen, unsigned int sz)
{
	char health[VVMP_MAX_LEGS + 1];
	struct vvmp_leg_counters sum;
	sector_t synced;
	unsigned int l;

	spin_lock_irq(&vd->lock);
	for (l = 0; l < vd->nr_legs; l++)
		health[l] = vvmp_health_char(vd->legs[l].health);
	synced = vd->rec.active ? vd->rec.cursor : vd->ti->len;
	if (vd->rec.active && vd->rec.restart)
		synced = 0;
	spin_unlock_irq(&vd->lock);
	health[vd->nr_legs] = '\0';

	DMEMIT("%s %u %s %llu/%llu %s",
	       vd->layout == VVMP_LAYOUT_STRIPED ? "striped" : "linear",
	       vd->nr_legs, health, (unsigned long long)synced,
	       (unsigned long long)vd->ti->len,
	       vvmp_read_policy_name(vd->read_policy));
	for (l = 0; l < vd->nr_legs; l++) {
		vvmp_sum_counters(vd, l, &sum);
		/* Summed unlocked: clamp a completion seen before its issue. */
		DMEMIT(" %llu:%llu:%llu:%llu:%llu:%llu", sum.reads, sum.writes,
		       sum.flushes, sum.read_errors, sum.write_errors,
		       sum.issued > sum.completed ?
		       sum.issued - sum.completed : 0ULL);
	}
	return sz;
}

static unsigned int vvmp_emit_ima(struct vvmp_vd *vd, char *result,
				  unsigned int maxlen, unsigned int sz)
{
	bool nosync = vvmp_has_feature(vd, VVMP_FEATURE_NOSYNC);
	unsigned int l, e;

	DMEMIT_TARGET_NAME_VERSION(vd->ti->type);
	DMEMIT(",layout=%s,chunk_sectors=%llu,legs=%u,read_policy=%s,nosync=%c",
	       vd->layout == VVMP_LAYOUT_STRIPED ? "striped" : "linear",
	       (unsigned long long)vd->chunk_sectors, vd->nr_legs,
	       vvmp_read_policy_name(vd->read_policy), nosync ? 'y' : 'n');
	for (l = 0; l < vd->nr_legs; l++) {
		struct vvmp_leg *leg = &vd->legs[l];

		DMEMIT(",leg%u_health=%c,leg%u_extents=%u", l,
		       vvmp_health_char(READ_ONCE(leg->health)), l,
		       leg->nr_extents);
		for (e = 0; e < leg->nr_extents; e++)
			DMEMIT(",leg%u_ext%u_device=%s,leg%u_ext%u_offset=%llu,leg%u_ext%u_length=%llu",
			       l, e, leg->extents[e].dev->name,
			       l, e, (unsigned long long)leg->extents[e].offset,
			       l, e, (unsigned long long)leg->extents[e].length);
	}
	DMEMIT(";");
	return sz;
}

static void vvmp_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result,
			unsigned int maxlen)
{
	struct vvmp_vd *vd = ti->private;

	switch (type) {
	case STATUSTYPE_INFO:
		vvmp_emit_info(vd, result, maxlen, 0);
		break;
	case STATUSTYPE_TABLE:
		vvmp_emit_table(vd, result, maxlen, 0);
		break;
	case STATUSTYPE_IMA:
		vvmp_emit_ima(vd, result, maxlen, 0);
		break;
	}
}

static int vvmp_message_leg(struct vvmp_vd *vd, unsigned int argc,
			    char **argv, unsigned int *leg)
{
	const char *name = dm_table_device_name(vd->ti->table);

	if (argc != 2) {
		DMERR("%s: %s: expected one leg number", name, argv[0]);
		return -EINVAL;
	}
	if (kstrtouint(argv[1], 10, leg) || *leg >= vd->nr_legs) {
		DMERR("%s: %s: leg %s does not exist", name, argv[0], argv[1]);
		return -EINVAL;
	}
	return 0;
}

static void vvmp_reset_counters(struct vvmp_vd *vd)
{
	unsigned int l;
	int cpu;

	/* issued/completed stay: they count what is in flight. */
	for (l = 0; l < vd->nr_legs; l++) {
		for_each_possible_cpu(cpu) {
			struct vvmp_leg_counters *c =
				per_cpu_ptr(vd->legs[l].counters, cpu);

			WRITE_ONCE(c->reads, 0);
			WRITE_ONCE(c->writes, 0);
			WRITE_ONCE(c->flushes, 0);
			WRITE_ONCE(c->read_errors, 0);
			WRITE_ONCE(c->write_errors, 0);
		}
	}
}

static int vvmp_set_read_policy(struct vvmp_vd *vd, unsigned int argc,
				char **argv)
{
	enum vvmp_read_policy policy;

	if (argc != 2 || vvmp_read_policy_parse(argv[1], &policy)) {
		DMERR("%s: read_policy: expected round-robin or least-pending",
		      dm_table_device_name(vd->ti->table));
		return -EINVAL;
	}
	spin_lock_irq(&vd->lock);
	WRITE_ONCE(vd->read_policy, policy);
	if (!vvmp_has_feature(vd, VVMP_FEATURE_READ_POLICY))
		vd->features[vd->nr_features++] = VVMP_FEATURE_READ_POLICY;
	spin_unlock_irq(&vd->lock);
	return 0;
}

/*
 * fail_leg <n> | restore_leg <n> | read_policy <policy> | reset_counters
 */
static int vvmp_message(struct dm_target *ti, unsigned int argc, char **argv,
			char *result, unsigned int maxlen)
{
	struct vvmp_vd *vd = ti->private;
	const char *name = dm_table_device_name(ti->table);
	unsigned int leg;
	int r;

	if (!strcmp(argv[0], VVMP_MSG_FAIL_LEG)) {
		r = vvmp_message_leg(vd, argc, argv, &leg);
		if (r)
			return r;
		r = vvmp_fail_leg(vd, leg);
		if (r == -EBUSY)
			DMERR("%s: fail_leg: leg %u is the last in-sync leg",
			      name, leg);
		return r;
	}
	if (!strcmp(argv[0], VVMP_MSG_RESTORE_LEG)) {
		r = vvmp_message_leg(vd, argc, argv, &leg);
		if (r)
			return r;
		r = vvmp_restore_leg(vd, leg);
		if (r)
			DMERR("%s: restore_leg: leg %u is not failed",
			      name, leg);
		return r;
	}
	if (!strcmp(argv[0], VVMP_MSG_READ_POLICY))
		return vvmp_set_read_policy(vd, argc, argv);
	if (!strcmp(argv[0], VVMP_MSG_RESET_COUNTERS) && argc == 1) {
		vvmp_reset_counters(vd);
		return 0;
	}
	DMERR("%s: %s: unknown message", name, argv[0]);
	return -EINVAL;
}

static int vvmp_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	struct vvmp_vd *vd = ti->private;
	unsigned int l, e;
	int r;

	for (l = 0; l < vd->nr_legs; l++) {
		for (e = 0; e < vd->legs[l].nr_extents; e++) {
			struct vvmp_extent *ext = &vd->legs[l].extents[e];

			r = fn(ti, ext->dev, ext->offset, ext->length, data);
			if (r)
				return r;
		}
	}
	return 0;
}

static void vvmp_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct vvmp_vd *vd = ti->private;
	unsigned int chunk_bytes = vd->chunk_sectors << SECTOR_SHIFT;

	if (vd->layout == VVMP_LAYOUT_STRIPED)
		vvmp_set_io_geometry(limits, chunk_bytes,
				     chunk_bytes * vd->legs[0].nr_extents);
}

static struct target_type vvmp_target = {
	.name = VVMP_TARGET_NAME,
	.version = {VVMP_TARGET_VERSION_MAJOR, VVMP_TARGET_VERSION_MINOR,
		    VVMP_TARGET_VERSION_PATCH},
	.module = THIS_MODULE,
	.ctr = vvmp_ctr,
	.dtr = vvmp_dtr,
	.map = vvmp_map,
	.end_io = vvmp_end_io,
	.presuspend = vvmp_presuspend,
	.presuspend_undo = vvmp_resume,
	.resume = vvmp_resume,
	.status = vvmp_status,
	.message = vvmp_message,
	.iterate_devices = vvmp_iterate_devices,
	.io_hints = vvmp_io_hints,
};

static int __init dm_vvmp_init(void)
{
	return dm_register_target(&vvmp_target);
}

static void __exit dm_vvmp_exit(void)
{
	dm_unregister_target(&vvmp_target);
}

module_init(dm_vvmp_init);
module_exit(dm_vvmp_exit);

MODULE_DESCRIPTION(DM_NAME " vvmp target: virtual disks over linear, striped and mirrored extents");
MODULE_AUTHOR("vvmp developers");
MODULE_LICENSE("GPL");
