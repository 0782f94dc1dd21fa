/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-vvmp: differences between the kernels we build against (6.1, 6.12).
 */
#ifndef DM_VVMP_COMPAT_H
#define DM_VVMP_COMPAT_H

#include <linux/blkdev.h>

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

#endif /* DM_VVMP_COMPAT_H */
