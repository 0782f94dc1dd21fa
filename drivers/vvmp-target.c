// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: the device-mapper target "vvmp", the accelerated path of vvmp.
 *
 * Maps a virtual disk onto linear or striped extents of one to eight legs
 * (an N-way mirror): a classic table line builds a table-private VD, and
 * "vd <name> [client <name>]" exposes a named VD to one client. Table
 * syntax, status and messages are specified in Documentation/dm-vvmp.rst;
 * the I/O plan is in vvmp-io.c, the client's policy in vvmp-port.c, the
 * netlink family in vvmp-nl*.c.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "vvmp.h"
#include "vvmp-compat.h"

/*
 * A table-private VD: its one map comes from the table line, its devices
 * are the table's. Freed by the dtr (no I/O is left then).
 */
static void vvmp_free_private(struct vvmp_port *port)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_map *map = rcu_dereference_protected(vd->map, true);

	/* Before the legs go: the log's clean shutdown may flush them. */
	vvmp_region_disk_exit(vd);
	if (map) {
		vvmp_put_devices(port->ti, map);
		vvmp_map_free(map);
		RCU_INIT_POINTER(vd->map, NULL);
	}
	vvmp_vd_free(vd);
	vvmp_port_exit(port);
	kfree(port);
}

/*
 *   <layout> <#legs> <leg>... [<#feature_args> <feature_arg>...]
 * See vvmp-table.c and Documentation/dm-vvmp.rst.
 */
static int vvmp_ctr_private(struct dm_target *ti, struct vvmp_port *port,
			    unsigned int argc, char **argv)
{
	struct vvmp_vd *vd;
	struct vvmp_map *map;
	int r;

	vd = vvmp_vd_new(NULL);
	if (!vd) {
		ti->error = "Cannot allocate VD";
		return -ENOMEM;
	}
	port->vd = vd;
	vd->ti = ti;
	/* Its status shows no latency: no clock read per bio. */
	vd->collect_latency = false;
	map = vvmp_map_alloc(vd);
	if (!map) {
		ti->error = "Cannot allocate map";
		return -ENOMEM;
	}
	map->size = ti->len;
	RCU_INIT_POINTER(vd->map, map);
	vd->size = ti->len;
	r = vvmp_parse_table(ti, vd, map, argc, argv);
	if (r)
		return r;
	r = vvmp_vd_init_runtime(vd, &ti->error);
	if (r)
		return r;
	ti->num_flush_bios = map->nr_flush_targets;
	return 0;
}

/*
 *   vd <name> [client <name>]
 * Exposes a named VD (created over netlink) to one client, or with the
 * VD's default policy if no client is named.
 */
static int vvmp_ctr_named(struct dm_target *ti, struct vvmp_port *port,
			  unsigned int argc, char **argv)
{
	struct vvmp_client *client = NULL;
	struct vvmp_port *other;
	struct vvmp_vd *vd;
	int r = -EINVAL;

	if (argc != 2 && argc != 4) {
		ti->error = argc < 2 ? "Not enough arguments" :
				       "Invalid arguments after the VD name";
		return -EINVAL;
	}
	if (argc == 4 && strcmp(argv[2], VVMP_TABLE_CLIENT_WORD)) {
		ti->error = "Invalid arguments after the VD name";
		return -EINVAL;
	}
	/*
	 * The name dmsetup knows, taken now: dm's name lock is not held in
	 * a constructor, but is in some paths that destroy tables.
	 */
	if (dm_copy_name_and_uuid(dm_table_get_md(ti->table), port->dm_name,
				  NULL))
		strscpy(port->dm_name, dm_table_device_name(ti->table),
			sizeof(port->dm_name));

	down_write(&vvmp_registry_lock);
	vd = vvmp_vd_find(argv[1]);
	if (!vd) {
		ti->error = "Unknown VD";
		r = -ENOENT;
		goto out;
	}
	if (argc == 4) {
		client = vvmp_client_find(argv[3]);
		if (!client) {
			ti->error = "Unknown client";
			r = -ENOENT;
			goto out;
		}
	}
	if (ti->len != READ_ONCE(vd->size)) {
		ti->error = "Target length does not match VD size";
		goto out;
	}
	mutex_lock(&vd->ctl_lock);
	list_for_each_entry(other, &vd->ports, node) {
		/* A reload of the same device (to resize it) is no second one. */
		if (other->client == client &&
		    dm_table_get_md(other->ti->table) !=
		    dm_table_get_md(ti->table)) {
			mutex_unlock(&vd->ctl_lock);
			ti->error = "VD already exposed to this client";
			r = -EBUSY;
			goto out;
		}
	}
	kref_get(&vd->kref);
	port->vd = vd;
	port->client = client;
	if (client)
		client->nr_ports++;
	list_add_tail(&port->node, &vd->ports);
	vvmp_port_update_policy(port);
	vvmp_event_device(port, VVMP_EVENT_DEVICE_BOUND);
	mutex_unlock(&vd->ctl_lock);
	r = 0;
out:
	up_write(&vvmp_registry_lock);
	if (!r)
		ti->num_flush_bios = 1;
	return r;
}

static void vvmp_unbind(struct vvmp_port *port)
{
	struct vvmp_vd *vd = port->vd;

	down_write(&vvmp_registry_lock);
	mutex_lock(&vd->ctl_lock);
	list_del(&port->node);
	vvmp_event_device(port, VVMP_EVENT_DEVICE_UNBOUND);
	mutex_unlock(&vd->ctl_lock);
	if (port->client)
		port->client->nr_ports--;
	up_write(&vvmp_registry_lock);
	vvmp_port_exit(port);
	flush_work(&vd->event_work);
	vvmp_vd_put(vd);
	kfree(port);
}

static int vvmp_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct vvmp_port *port;
	int r;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port || vvmp_port_init(port)) {
		kfree(port);
		ti->error = "Cannot allocate device state";
		return -ENOMEM;
	}
	port->ti = ti;
	if (argc && !strcmp(argv[0], VVMP_TABLE_VD_WORD)) {
		r = vvmp_ctr_named(ti, port, argc, argv);
		if (r) {
			vvmp_port_exit(port);
			kfree(port);
			return r;
		}
	} else {
		r = vvmp_ctr_private(ti, port, argc, argv);
		if (r) {
			vvmp_free_private(port);
			return r;
		}
	}
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct vvmp_io);
	ti->private = port;
	return 0;
}

static void vvmp_dtr(struct dm_target *ti)
{
	struct vvmp_port *port = ti->private;

	if (port->vd->ti)
		vvmp_free_private(port);
	else
		vvmp_unbind(port);
}

static void vvmp_presuspend(struct dm_target *ti)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_vd *vd = port->vd;

	if (!vd->ti)
		vvmp_port_presuspend(port);
	else if (vd->nr_legs > 1)
		vvmp_recovery_pause(vd);
}

/* Also presuspend_undo: a suspend that failed lets the copy go on. */
static void vvmp_resume(struct dm_target *ti)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_vd *vd = port->vd;

	if (!vd->ti) {
		vvmp_port_resume(port);
	} else if (vd->nr_legs > 1) {
		vvmp_region_disk_resume(vd);
		vvmp_recovery_resume(vd);
	}
}

/* A table's log is read at its first resume, written at every suspend. */
static int vvmp_preresume(struct dm_target *ti)
{
	struct vvmp_port *port = ti->private;

	return port->vd->ti ? vvmp_region_disk_preresume(port->vd) : 0;
}

static void vvmp_postsuspend(struct dm_target *ti)
{
	struct vvmp_port *port = ti->private;

	if (port->vd->ti)
		vvmp_region_disk_postsuspend(port->vd);
}

static const char * const vvmp_acl_names[] = {
	[VVMP_ACL_NONE] = "none", [VVMP_ACL_RO] = "ro", [VVMP_ACL_RW] = "rw",
};

static const char * const vvmp_status_names[] = {
	[VVMP_STATUS_ENABLED] = "enabled",
	[VVMP_STATUS_DISABLED] = "disabled",
	[VVMP_STATUS_QUIESCED] = "quiesced",
};

/* Classic fields; a named VD's device adds its VD, client and policy. */
static unsigned int vvmp_emit_info(struct vvmp_port *port, char *result,
				   unsigned int maxlen, unsigned int sz)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_map *map = vvmp_map_get(vd);
	char health[VVMP_MAX_LEGS + 1];
	unsigned long dirty, regions;
	struct vvmp_counters sum;
	sector_t synced;
	u64 copied;
	unsigned int l;

	spin_lock_irq(&vd->lock);
	for (l = 0; l < vd->nr_legs; l++)
		health[l] = vvmp_health_char(vd->legs[l].health);
	synced = vd->rec.active ? vd->rec.cursor : map->size;
	if (vd->rec.active && vd->rec.restart)
		synced = 0;
	dirty = vd->rlog.nr_dirty;
	regions = vd->rlog.dirty ? vd->rlog.nr_regions : 0;
	copied = vd->rec.copied_sectors;
	spin_unlock_irq(&vd->lock);
	health[vd->nr_legs] = '\0';

	DMEMIT("%s %u %s %llu/%llu %s",
	       map->layout == VVMP_LAYOUT_STRIPED ? "striped" : "linear",
	       vd->nr_legs, health, (unsigned long long)synced,
	       (unsigned long long)map->size,
	       vvmp_read_policy_name(vd->read_policy));
	for (l = 0; l < vd->nr_legs; l++) {
		vvmp_counters_sum(vd->legs[l].counters, &sum);
		DMEMIT(" %llu:%llu:%llu:%llu:%llu:%llu", sum.reads, sum.writes,
		       sum.flushes, sum.read_errors, sum.write_errors,
		       vvmp_counters_in_flight(&sum));
	}
	DMEMIT(" dirty_regions %lu/%lu region_sectors %u copied_sectors %llu resync_rate %u io %s",
	       dirty, regions, 1U << vd->rlog.shift, copied,
	       READ_ONCE(vd->rec.rate_kib),
	       READ_ONCE(vd->deactivated) ? "deactivated" : "active");
	sz = vvmp_region_disk_status(vd, result, maxlen, sz);
	if (!vd->ti)
		DMEMIT(" vd %s generation %llu client %s acl %s status %s iops %llu bps %llu",
		       vd->name, map->generation,
		       port->client ? port->client->name : "-",
		       vvmp_acl_names[READ_ONCE(port->policy.acl)],
		       vvmp_status_names[READ_ONCE(port->policy.status)],
		       READ_ONCE(port->policy.iops),
		       READ_ONCE(port->policy.bps));
	vvmp_map_put(map);
	return sz;
}

static unsigned int vvmp_emit_ima(struct vvmp_port *port, char *result,
				  unsigned int maxlen, unsigned int sz)
{
	struct vvmp_vd *vd = port->vd;
	struct vvmp_map *map = vvmp_map_get(vd);
	bool nosync = vvmp_has_feature(vd, VVMP_FEATURE_NOSYNC);
	unsigned int l, e;

	DMEMIT_TARGET_NAME_VERSION(port->ti->type);
	if (!vd->ti)
		DMEMIT(",vd=%s,client=%s,generation=%llu", vd->name,
		       port->client ? port->client->name : "-",
		       map->generation);
	DMEMIT(",layout=%s,chunk_sectors=%llu,legs=%u,read_policy=%s,nosync=%c",
	       map->layout == VVMP_LAYOUT_STRIPED ? "striped" : "linear",
	       (unsigned long long)map->chunk_sectors, vd->nr_legs,
	       vvmp_read_policy_name(vd->read_policy), nosync ? 'y' : 'n');
	for (l = 0; l < vd->nr_legs; l++) {
		struct vvmp_leg_layout *leg = &map->legs[l];

		DMEMIT(",leg%u_health=%c,leg%u_extents=%u", l,
		       vvmp_health_char(READ_ONCE(vd->legs[l].health)), l,
		       leg->nr_extents);
		for (e = 0; e < leg->nr_extents; e++)
			DMEMIT(",leg%u_ext%u_device=%s,leg%u_ext%u_offset=%llu,leg%u_ext%u_length=%llu",
			       l, e, leg->extents[e].dev->name,
			       l, e, (unsigned long long)leg->extents[e].offset,
			       l, e, (unsigned long long)leg->extents[e].length);
	}
	DMEMIT(";");
	vvmp_map_put(map);
	return sz;
}

static void vvmp_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result,
			unsigned int maxlen)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_vd *vd = port->vd;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		vvmp_emit_info(port, result, maxlen, 0);
		break;
	case STATUSTYPE_TABLE:
		if (vd->ti) {
			vvmp_emit_table(vd, rcu_dereference_protected(vd->map,
								      true),
					result, maxlen, 0);
			break;
		}
		DMEMIT("%s %s", VVMP_TABLE_VD_WORD, vd->name);
		if (port->client)
			DMEMIT(" %s %s", VVMP_TABLE_CLIENT_WORD,
			       port->client->name);
		break;
	case STATUSTYPE_IMA:
		vvmp_emit_ima(port, result, maxlen, 0);
		break;
	}
}

static int vvmp_message_leg(struct vvmp_vd *vd, unsigned int argc,
			    char **argv, unsigned int *leg)
{
	const char *name = vvmp_vd_name(vd);

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


static int vvmp_set_read_policy(struct vvmp_vd *vd, unsigned int argc,
				char **argv)
{
	enum vvmp_read_policy policy;

	if (argc != 2 || vvmp_read_policy_parse(argv[1], &policy)) {
		DMERR("%s: read_policy: expected round-robin or least-pending",
		      vvmp_vd_name(vd));
		return -EINVAL;
	}
	spin_lock_irq(&vd->lock);
	WRITE_ONCE(vd->read_policy, policy);
	if (vd->ti && !vvmp_has_feature(vd, VVMP_FEATURE_READ_POLICY))
		vd->features[vd->nr_features++] = VVMP_FEATURE_READ_POLICY;
	spin_unlock_irq(&vd->lock);
	return 0;
}

static int vvmp_set_resync_rate(struct vvmp_vd *vd, unsigned int argc,
				char **argv)
{
	u32 rate;

	if (argc != 2 || kstrtou32(argv[1], 10, &rate)) {
		DMERR("%s: resync_rate: expected KiB/s (0: no limit)",
		      vvmp_vd_name(vd));
		return -EINVAL;
	}
	if (vd->nr_legs < 2 && vd->ti) {
		DMERR("%s: resync_rate: the VD has one leg", vvmp_vd_name(vd));
		return -EINVAL;
	}
	spin_lock_irq(&vd->lock);
	if (vd->ti && !vvmp_has_feature(vd, VVMP_FEATURE_RESYNC_RATE))
		vd->features[vd->nr_features++] = VVMP_FEATURE_RESYNC_RATE;
	spin_unlock_irq(&vd->lock);
	vvmp_recovery_set_rate(vd, rate);
	return 0;
}

/*
 * fail_leg <n> | restore_leg <n> [full] | read_policy <policy> |
 * resync_rate <KiB/s> | activate | reset_counters
 */
static int vvmp_message(struct dm_target *ti, unsigned int argc, char **argv,
			char *result, unsigned int maxlen)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_vd *vd = port->vd;
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
		bool full = argc == 3 && !strcmp(argv[2], "full");

		r = vvmp_message_leg(vd, full ? 2 : argc, argv, &leg);
		if (r)
			return r;
		r = vvmp_restore_leg(vd, leg, full);
		if (r)
			DMERR("%s: restore_leg: leg %u is not failed",
			      name, leg);
		return r;
	}
	if (!strcmp(argv[0], VVMP_MSG_READ_POLICY))
		return vvmp_set_read_policy(vd, argc, argv);
	if (!strcmp(argv[0], VVMP_MSG_RESYNC_RATE))
		return vvmp_set_resync_rate(vd, argc, argv);
	if (!strcmp(argv[0], VVMP_MSG_ACTIVATE) && argc == 1) {
		if (!vvmp_activate(vd))
			return 0;
		DMERR("%s: activate: the VD is not deactivated", name);
		return -EINVAL;
	}
	if (!strcmp(argv[0], VVMP_MSG_RESET_COUNTERS) && argc == 1) {
		vvmp_reset_stats(vd);
		return 0;
	}
	DMERR("%s: %s: unknown message", name, argv[0]);
	return -EINVAL;
}

/*
 * The devices of the map in force. A named VD's later maps may add
 * devices whose limits this table did not stack; the control path only
 * accepts maps whose devices the VD's devices are compatible with
 * (logical block size), see vvmp-nl-map.c.
 */
static int vvmp_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_map *map = vvmp_map_get(port->vd);
	unsigned int l, e;
	int r = 0;

	for (l = 0; l < map->nr_legs && !r; l++) {
		for (e = 0; e < map->legs[l].nr_extents && !r; e++) {
			struct vvmp_extent *ext = &map->legs[l].extents[e];

			r = fn(ti, ext->dev, ext->offset, ext->length, data);
		}
	}
	vvmp_map_put(map);
	return r;
}

static void vvmp_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct vvmp_port *port = ti->private;
	struct vvmp_map *map = vvmp_map_get(port->vd);
	unsigned int chunk_bytes = map->chunk_sectors << SECTOR_SHIFT;

	if (map->layout == VVMP_LAYOUT_STRIPED)
		vvmp_set_io_geometry(limits, chunk_bytes,
				     chunk_bytes * map->legs[0].nr_extents);
	vvmp_map_put(map);
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
	.postsuspend = vvmp_postsuspend,
	.preresume = vvmp_preresume,
	.resume = vvmp_resume,
	.status = vvmp_status,
	.message = vvmp_message,
	.iterate_devices = vvmp_iterate_devices,
	.io_hints = vvmp_io_hints,
};

struct workqueue_struct *vvmp_ctl_wq;

static int __init dm_vvmp_init(void)
{
	int r;

	vvmp_ctl_wq = alloc_workqueue("kvvmpd_ctl", WQ_MEM_RECLAIM, 0);
	if (!vvmp_ctl_wq)
		return -ENOMEM;
	r = vvmp_nl_init();
	if (r)
		goto bad_nl;
	r = dm_register_target(&vvmp_target);
	if (r)
		goto bad_target;
	return 0;
bad_target:
	vvmp_nl_exit();
bad_nl:
	destroy_workqueue(vvmp_ctl_wq);
	return r;
}

static void __exit dm_vvmp_exit(void)
{
	dm_unregister_target(&vvmp_target);
	vvmp_nl_exit();
	vvmp_events_exit();
	vvmp_registry_exit();
	/* Retired maps' percpu_ref release may still wait in an RCU callback. */
	rcu_barrier();
	destroy_workqueue(vvmp_ctl_wq);
}

module_init(dm_vvmp_init);
module_exit(dm_vvmp_exit);

MODULE_DESCRIPTION(DM_NAME " vvmp target: virtual disks over linear, striped and mirrored extents");
MODULE_AUTHOR("vvmp developers");
MODULE_LICENSE("GPL");
