/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-vvmp: differences between the kernels we build against (6.1, 6.12).
 */
#ifndef DM_VVMP_COMPAT_H
#define DM_VVMP_COMPAT_H

#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/file.h>
#include <net/genetlink.h>

/* A dump's parsed attributes: in a struct genl_info since 6.2. */
static inline struct nlattr **vvmp_dump_attrs(struct netlink_callback *cb)
{
#ifdef VVMP_HAVE_DUMPIT_GENL_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * blk_limits_io_min/opt() went away once queue limits became atomic (6.11);
 * Kbuild probes the headers for them.
 */
static inline void vvmp_set_io_geometry(struct queue_limits *limits,
					unsigned int io_min,
					unsigned int io_opt)
{
#ifdef VVMP_HAVE_BLK_LIMITS_IO_MIN
	blk_limits_io_min(limits, io_min);
	blk_limits_io_opt(limits, io_opt);
#else
	limits->io_min = max(io_min, limits->logical_block_size);
	limits->io_opt = io_opt;
#endif
}

/*
 * Opening a block device by number: blkdev_get_by_dev() on 6.1, a struct
 * file from bdev_file_open_by_dev() since 6.9 (Kbuild probes for it).
 */
static inline int vvmp_bdev_open(dev_t devt, void *holder, struct dm_dev *dd)
{
#ifdef VVMP_HAVE_BDEV_FILE_OPEN
	struct file *file = bdev_file_open_by_dev(devt,
						   BLK_OPEN_READ | BLK_OPEN_WRITE,
						   holder, NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	dd->bdev_file = file;
	dd->bdev = file_bdev(file);
	dd->mode = BLK_OPEN_READ | BLK_OPEN_WRITE;
#else
	struct block_device *bdev;

	dd->mode = FMODE_READ | FMODE_WRITE | FMODE_EXCL;
	bdev = blkdev_get_by_dev(devt, dd->mode, holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	dd->bdev = bdev;
#endif
	return 0;
}

static inline void vvmp_bdev_close(struct dm_dev *dd)
{
#ifdef VVMP_HAVE_BDEV_FILE_OPEN
	bdev_fput(dd->bdev_file);
#else
	blkdev_put(dd->bdev, dd->mode);
#endif
}

#endif /* DM_VVMP_COMPAT_H */
