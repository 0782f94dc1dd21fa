// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: physical devices (PDs) of named VDs.
 *
 * A named VD outlives any one dm table, so its devices cannot be taken with
 * dm_get_device(). They are opened here, once per device however many maps
 * use them, with one module-wide holder so that several VDs may share a
 * disk while anyone else's exclusive claim (a mounted filesystem, another
 * dm table) is refused. Each PD carries a struct dm_dev so extents, I/O and
 * ->iterate_devices treat table devices and PDs alike.
 */
#include <linux/blkdev.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "vvmp.h"
#include "vvmp-compat.h"

struct vvmp_pd {
	struct list_head node;
	unsigned int users;		/* maps holding it, under vvmp_pd_lock */
	dev_t devt;
	struct dm_dev dm_dev;
};

static DEFINE_MUTEX(vvmp_pd_lock);
static LIST_HEAD(vvmp_pds);
static int vvmp_pd_holder;	/* its address is the exclusive holder */

static int vvmp_pd_devt(const char *spec, dev_t *devt)
{
	unsigned int major, minor;
	char dummy;

	if (sscanf(spec, "%u:%u%c", &major, &minor, &dummy) == 2) {
		*devt = MKDEV(major, minor);
		if (MAJOR(*devt) != major || MINOR(*devt) != minor)
			return -EOVERFLOW;
		return 0;
	}
	return lookup_bdev(spec, devt);
}

/**
 * vvmp_pd_get() - open a device for a named VD's map, or share it
 * @spec: "/dev/..." or "major:minor"
 * @pd: returns the PD, to be released with vvmp_pd_put()
 *
 * Return: 0, or the errno of the lookup or open (-EBUSY: someone else
 * holds the device exclusively).
 */
int vvmp_pd_get(const char *spec, struct vvmp_pd **pd)
{
	struct vvmp_pd *p;
	dev_t devt;
	int r;

	r = vvmp_pd_devt(spec, &devt);
	if (r)
		return r;

	mutex_lock(&vvmp_pd_lock);
	list_for_each_entry(p, &vvmp_pds, node) {
		if (p->devt == devt) {
			p->users++;
			goto out;
		}
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	r = vvmp_bdev_open(devt, &vvmp_pd_holder, &p->dm_dev);
	if (r) {
		kfree(p);
		goto out;
	}
	p->devt = devt;
	p->users = 1;
	snprintf(p->dm_dev.name, sizeof(p->dm_dev.name), "%u:%u",
		 MAJOR(devt), MINOR(devt));
	list_add(&p->node, &vvmp_pds);
out:
	mutex_unlock(&vvmp_pd_lock);
	if (!r)
		*pd = p;
	return r;
}

/**
 * vvmp_pd_dev() - the dm_dev extents of a map point at
 * @pd: the PD
 */
struct dm_dev *vvmp_pd_dev(struct vvmp_pd *pd)
{
	return &pd->dm_dev;
}

/**
 * vvmp_pd_put() - a map no longer uses @pd; close it after the last one
 * @pd: the PD
 *
 * May sleep.
 */
void vvmp_pd_put(struct vvmp_pd *pd)
{
	mutex_lock(&vvmp_pd_lock);
	if (--pd->users) {
		mutex_unlock(&vvmp_pd_lock);
		return;
	}
	list_del(&pd->node);
	mutex_unlock(&vvmp_pd_lock);
	vvmp_bdev_close(&pd->dm_dev);
	kfree(pd);
}

/**
 * vvmp_pd_of() - the PD behind an extent's dm_dev (named VDs only)
 * @dev: an extent's device
 */
struct vvmp_pd *vvmp_pd_of(struct dm_dev *dev)
{
	return container_of(dev, struct vvmp_pd, dm_dev);
}

/**
 * vvmp_pd_hold() - one more map uses @pd
 * @pd: the PD, already held by another map
 */
void vvmp_pd_hold(struct vvmp_pd *pd)
{
	mutex_lock(&vvmp_pd_lock);
	pd->users++;
	mutex_unlock(&vvmp_pd_lock);
}
