// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: netlink commands of the EH group on exception plans (get, take,
 * resubmit, abort, the timeout policy), raw I/O on one component
 * (pass-through) and control-path copies with dm-kcopyd.
 */
#include <linux/dm-io.h>
#include <linux/highmem.h>

#include "vvmp.h"
#include "vvmp-compat.h"
#include "vvmp-nl.h"

#define VVMP_PASSTHROUGH_MAX	VVMP_IO_MAX_BYTES

/**
 * vvmp_nl_put_exception() - one plan as VVMP_A_EXCEPTION
 * @skb: the message
 * @e: the plan's values
 *
 * Return: 0 or -EMSGSIZE.
 */
int vvmp_nl_put_exception(struct sk_buff *skb, const struct vvmp_exc_info *e)
{
	struct nlattr *nest = nla_nest_start(skb, VVMP_A_EXCEPTION);

	if (!nest ||
	    nla_put_u64_64bit(skb, VVMP_EXC_A_ID, e->id, VVMP_EXC_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_EXC_A_GENERATION, e->generation,
			      VVMP_EXC_A_PAD) ||
	    nla_put_u8(skb, VVMP_EXC_A_REASON, e->reason) ||
	    nla_put_u8(skb, VVMP_EXC_A_OP, e->op) ||
	    nla_put_u64_64bit(skb, VVMP_EXC_A_SECTOR, e->sector,
			      VVMP_EXC_A_PAD) ||
	    nla_put_u64_64bit(skb, VVMP_EXC_A_LENGTH, e->length,
			      VVMP_EXC_A_PAD) ||
	    (e->reason == VVMP_EXC_COMPONENT &&
	     nla_put_u32(skb, VVMP_EXC_A_LEG, e->leg)) ||
	    nla_put_u32(skb, VVMP_EXC_A_OWNER, e->owner) ||
	    nla_put_u32(skb, VVMP_EXC_A_AGE_MS, e->age_ms) ||
	    (e->client[0] && nla_put_string(skb, VVMP_EXC_A_CLIENT, e->client)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The plan a request names; its commands act at once, never staged. */
static int vvmp_nl_exc_id(struct genl_info *info, u64 *id)
{
	int r = vvmp_nl_no_txn(info);

	if (r)
		return r;
	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_EXC_ID))
		return -EINVAL;
	*id = nla_get_u64(info->attrs[VVMP_A_EXC_ID]);
	return 0;
}

/* The extack of a plan lookup that failed with @r. */
static void vvmp_nl_plan_error(struct genl_info *info, int r)
{
	if (r == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_EXC_ID],
				    "No such plan held");
	else if (r == -EBUSY)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_EXC_ID],
				    "Another socket owns the plan");
}

/* vaapi_eh_get_plan: one held plan by id */
int vvmp_nl_exc_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vvmp_exc_info e;
	struct sk_buff *reply;
	struct vvmp_vd *vd;
	struct vvmp_io *io;
	void *hdr;
	u64 id;
	int r;

	r = vvmp_nl_exc_id(info, &id);
	if (r)
		return r;
	reply = vvmp_nl_reply_new(info, &hdr);
	if (!reply)
		return -ENOMEM;
	down_read(&vvmp_registry_lock);
	io = vvmp_exc_find(id, &vd);
	if (io) {
		vvmp_exc_info(io, &e);
		spin_unlock_irq(&vd->lock);
		r = nla_put_string(reply, VVMP_A_VD_NAME, vd->name) ?:
		    vvmp_nl_put_exception(reply, &e);
	}
	up_read(&vvmp_registry_lock);
	if (!io) {
		nlmsg_free(reply);
		vvmp_nl_plan_error(info, -ENOENT);
		return -ENOENT;
	}
	return vvmp_nl_reply_send(reply, hdr, info, r);
}

/*
 * vaapi_eh_get_plan_for_vd / get_all_in_ap: every held plan (of VD_NAME),
 * OWNER 0 for those no socket took. cb->args: VD id, last plan id sent.
 */
int vvmp_nl_exc_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *name = vvmp_dump_attrs(cb)[VVMP_A_VD_NAME];
	struct vvmp_exc_info e;
	struct vvmp_vd *vd;
	struct vvmp_io *io;
	int r = 0;

	down_read(&vvmp_registry_lock);
	list_for_each_entry(vd, &vvmp_vds, node) {
		if (vd->id < cb->args[0] ||
		    (name && nla_strcmp(name, vd->name)))
			continue;
		if (vd->id != cb->args[0]) {
			cb->args[0] = vd->id;
			cb->args[1] = 0;
		}
		for (;;) {
			bool found = false;
			void *hdr;

			spin_lock_irq(&vd->lock);
			list_for_each_entry(io, &vd->exceptions, exc.node) {
				if (io->exc.id > cb->args[1]) {
					vvmp_exc_info(io, &e);
					found = true;
					break;
				}
			}
			spin_unlock_irq(&vd->lock);
			if (!found)
				break;
			hdr = vvmp_nl_dump_hdr(skb, cb, VVMP_CMD_EXC_GET);
			if (!hdr)
				goto out;
			r = nla_put_string(skb, VVMP_A_VD_NAME, vd->name) ?:
			    vvmp_nl_put_exception(skb, &e);
			if (r) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = e.id;
		}
		cb->args[0] = vd->id + 1;
		cb->args[1] = 0;
	}
out:
	up_read(&vvmp_registry_lock);
	return r && !skb->len ? r : skb->len;
}

/* vaapi_eh_take_plan */
int vvmp_nl_exc_take(struct sk_buff *skb, struct genl_info *info)
{
	u64 id;
	int r = vvmp_nl_exc_id(info, &id);

	if (r)
		return r;
	down_read(&vvmp_registry_lock);
	r = vvmp_exc_take(id, info->snd_portid);
	up_read(&vvmp_registry_lock);
	vvmp_nl_plan_error(info, r);
	return r;
}

/* vaapi_eh_resubmit_plan */
int vvmp_nl_exc_resubmit(struct sk_buff *skb, struct genl_info *info)
{
	u64 id;
	int r = vvmp_nl_exc_id(info, &id);

	if (r || GENL_REQ_ATTR_CHECK(info, VVMP_A_EXC_GENERATION))
		return r ?: -EINVAL;
	down_read(&vvmp_registry_lock);
	r = vvmp_exc_resubmit(id, nla_get_u64(info->attrs[VVMP_A_EXC_GENERATION]),
			      info->snd_portid);
	up_read(&vvmp_registry_lock);
	if (r == -ESTALE)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VVMP_A_EXC_GENERATION],
				    "The VD's map changed since the plan was made: abort it");
	vvmp_nl_plan_error(info, r);
	return r;
}

/*
 * The errnos a failed bio can carry to its submitter. Others are unknown to
 * the block layer (they would become EIO) or are dm's and the block
 * layer's own statuses (requeue, retry later) that a client never sees.
 */
static bool vvmp_exc_errno_ok(int error)
{
	blk_status_t status = errno_to_blk_status(-error);

	if (blk_status_to_errno(status) != -error)
		return false;
	switch (status) {
	case BLK_STS_IOERR:
	case BLK_STS_NOSPC:
	case BLK_STS_NOTSUPP:
	case BLK_STS_TIMEOUT:
	case BLK_STS_TRANSPORT:
	case BLK_STS_TARGET:
	case BLK_STS_MEDIUM:
	case BLK_STS_PROTECTION:
		return true;
	default:
		return false;
	}
}

/* vaapi_eh_abort_plan */
int vvmp_nl_exc_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *err = info->attrs[VVMP_A_EXC_ERRNO];
	int error = err ? nla_get_u32(err) : EIO;
	u64 id;
	int r = vvmp_nl_exc_id(info, &id);

	if (r)
		return r;
	if (!vvmp_exc_errno_ok(error)) {
		NL_SET_ERR_MSG_ATTR(info->extack, err,
				    "Not an errno a failed block I/O returns");
		return -EINVAL;
	}
	down_read(&vvmp_registry_lock);
	r = vvmp_exc_abort(id, error, info->snd_portid);
	up_read(&vvmp_registry_lock);
	vvmp_nl_plan_error(info, r);
	return r;
}

/* vaapi_eh_set_plan_policy: how long plans wait, and what then */
int vvmp_nl_exc_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *timeout = info->attrs[VVMP_A_EXC_TIMEOUT_MS];
	struct nlattr *action = info->attrs[VVMP_A_EXC_ON_TIMEOUT];
	struct vvmp_vd *vd;
	int r = vvmp_nl_no_txn(info);

	if (r)
		return r;
	if (!timeout && !action) {
		NL_SET_ERR_MSG(info->extack,
			       "EXC_TIMEOUT_MS or EXC_ON_TIMEOUT is required");
		return -EINVAL;
	}

	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	spin_lock_irq(&vd->lock);
	if (timeout)
		vd->exc_timeout_ms = nla_get_u32(timeout);
	if (action)
		vd->exc_on_timeout = nla_get_u8(action);
	spin_unlock_irq(&vd->lock);
	vvmp_event_vd_params(vd);
	/* Held plans are judged by the new policy now. */
	mod_delayed_work(vd->wq, &vd->exc_work, 0);
	vvmp_nl_unlock(info, vd);
	return 0;
}

/* ---- pass-through: raw I/O on one component ---- */

static int vvmp_nl_passthrough_io(struct block_device *bdev, sector_t sector,
				  bool write, void *buf, size_t len)
{
	unsigned int nr = DIV_ROUND_UP(len, PAGE_SIZE), i;
	struct page *pages[VVMP_PASSTHROUGH_MAX / PAGE_SIZE] = { NULL };
	struct bio *bio;
	int r = -ENOMEM;

	bio = bio_alloc(bdev, nr, (write ? REQ_OP_WRITE | REQ_FUA :
				   REQ_OP_READ) | REQ_SYNC, GFP_KERNEL);
	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = sector;
	for (i = 0; i < nr; i++) {
		size_t n = min_t(size_t, PAGE_SIZE, len - i * PAGE_SIZE);

		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out;
		if (write)
			memcpy_to_page(pages[i], 0, buf + i * PAGE_SIZE, n);
		if (bio_add_page(bio, pages[i], n, 0) != n)
			goto out;
	}
	r = submit_bio_wait(bio);
	for (i = 0; !r && !write && i < nr; i++)
		memcpy_from_page(buf + i * PAGE_SIZE, pages[i], 0,
				 min_t(size_t, PAGE_SIZE, len - i * PAGE_SIZE));
out:
	bio_put(bio);
	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_page(pages[i]);
	return r;
}

/*
 * vaapi_eh_passthrough: read or write LENGTH bytes at a VD sector of one
 * leg only, as the CP's own component I/O (e.g. block 0 of a leg). It
 * neither fails the leg nor touches the log.
 */
int vvmp_nl_passthrough(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VVMP_IO_A_MAX + 1], *io_attr = info->attrs[VVMP_A_IO];
	struct sk_buff *reply = NULL;
	struct vvmp_map *map = NULL;
	struct dm_dev *dev;
	sector_t dev_sector;
	struct vvmp_vd *vd;
	unsigned int leg;
	void *buf = NULL, *hdr;
	u64 sector;
	bool write;
	u32 len;
	int r = vvmp_nl_no_txn(info);

	if (r)
		return r;
	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_LEG_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, VVMP_A_IO))
		return -EINVAL;
	r = nla_parse_nested(tb, VVMP_IO_A_MAX, io_attr, vvmp_io_policy,
			     info->extack);
	if (r)
		return r;
	if (NL_REQ_ATTR_CHECK(info->extack, io_attr, tb, VVMP_IO_A_OP) ||
	    NL_REQ_ATTR_CHECK(info->extack, io_attr, tb, VVMP_IO_A_SECTOR) ||
	    NL_REQ_ATTR_CHECK(info->extack, io_attr, tb, VVMP_IO_A_LENGTH))
		return -EINVAL;
	write = nla_get_u8(tb[VVMP_IO_A_OP]) == VVMP_IO_WRITE;
	sector = nla_get_u64(tb[VVMP_IO_A_SECTOR]);
	len = nla_get_u32(tb[VVMP_IO_A_LENGTH]);
	leg = nla_get_u32(info->attrs[VVMP_A_LEG_INDEX]);
	if (len % SECTOR_SIZE) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VVMP_IO_A_LENGTH],
				    "LENGTH must be a multiple of 512");
		return -EINVAL;
	}
	if (write && (!info->attrs[VVMP_A_DATA] ||
		      nla_len(info->attrs[VVMP_A_DATA]) != len)) {
		NL_SET_ERR_MSG_ATTR(info->extack, io_attr,
				    "A write needs DATA of LENGTH bytes");
		return -EINVAL;
	}
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (write)
		memcpy(buf, nla_data(info->attrs[VVMP_A_DATA]), len);
	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd)) {
		kvfree(buf);
		return PTR_ERR(vd);
	}
	map = vvmp_map_get(vd);
	r = -EINVAL;
	if (leg >= map->nr_legs) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VVMP_A_LEG_INDEX],
				    "No such leg");
	} else if (sector + (len >> SECTOR_SHIFT) > map->size ||
		   sector + (len >> SECTOR_SHIFT) < sector) {
		NL_SET_ERR_MSG_ATTR(info->extack, io_attr,
				    "I/O beyond the end of the VD");
	} else if (vvmp_leg_map(map, leg, sector, &dev, &dev_sector) <
		   len >> SECTOR_SHIFT) {
		NL_SET_ERR_MSG_ATTR(info->extack, io_attr,
				    "I/O crosses an extent boundary of the leg");
	} else {
		r = 0;
	}
	/*
	 * No lock across the I/O: the map keeps the device open, and the VD
	 * (which a delete would free with its map) stays referenced.
	 */
	if (!r)
		kref_get(&vd->kref);
	vvmp_nl_unlock(info, vd);
	if (!r) {
		r = vvmp_nl_passthrough_io(dev->bdev, dev_sector, write, buf,
					   len);
		if (r)
			NL_SET_ERR_MSG(info->extack, "The leg failed the I/O");
		vvmp_map_put(map);
		vvmp_vd_put(vd);
	} else {
		vvmp_map_put(map);
	}
	if (!r && !write) {
		r = -ENOMEM;
		reply = vvmp_nl_reply_new_size(info, nla_total_size(len) +
					       NLMSG_GOODSIZE, &hdr);
		if (reply)
			r = vvmp_nl_reply_send(reply, hdr, info,
					       nla_put(reply, VVMP_A_DATA, len,
						       buf));
	}
	kvfree(buf);
	return r;
}

/* ---- control-path copies ---- */

struct vvmp_cp_copy {
	atomic_t pending;
	struct completion done;
	int read_error;
	unsigned long write_error;
};

static void vvmp_cp_copy_done(int read_err, unsigned long write_err,
			      void *context)
{
	struct vvmp_cp_copy *c = context;

	if (read_err)
		c->read_error = 1;
	c->write_error |= write_err;
	if (atomic_dec_and_test(&c->pending))
		complete(&c->done);
}

/* Every sector of [start, start + len) lies in a divert range. */
static bool vvmp_diverted(struct vvmp_vd *vd, sector_t start, sector_t len)
{
	sector_t pos = start, end = start + len;
	unsigned int i;
	bool moved = true;

	while (pos < end && moved) {
		moved = false;
		for (i = 0; i < vd->nr_ranges; i++) {
			const struct vvmp_range *r = &vd->ranges[i];

			if (r->start <= pos && pos < r->start + r->length) {
				pos = r->start + r->length;
				moved = true;
			}
		}
	}
	return pos >= end;
}

/* Issue the copy in pieces contiguous on the source and every target. */
static void vvmp_cp_copy_issue(struct vvmp_vd *vd, struct vvmp_map *map,
			       unsigned int src, sector_t from,
			       unsigned long dst, sector_t to, sector_t len,
			       struct vvmp_cp_copy *c)
{
	struct dm_io_region region, targets[VVMP_MAX_LEGS];
	sector_t done, n, dev_sector;
	struct dm_dev *dev;
	unsigned int leg, nr;

	atomic_set(&c->pending, 1);
	for (done = 0; done < len; done += n) {
		n = min(vvmp_boundary(map, BIT(src), from + done),
			vvmp_boundary(map, dst, to + done));
		n = min(n, len - done);
		vvmp_leg_map(map, src, from + done, &dev, &dev_sector);
		region.bdev = dev->bdev;
		region.sector = dev_sector;
		region.count = n;
		nr = 0;
		for_each_set_bit(leg, &dst, VVMP_MAX_LEGS) {
			vvmp_leg_map(map, leg, to + done, &dev, &dev_sector);
			targets[nr].bdev = dev->bdev;
			targets[nr].sector = dev_sector;
			targets[nr].count = n;
			nr++;
		}
		atomic_inc(&c->pending);
		dm_kcopyd_copy(vd->rec.kcopyd, &region, nr, targets, 0,
			       vvmp_cp_copy_done, c);
	}
	vvmp_cp_copy_done(0, 0, c);
}

/*
 * vaapi_eh_copy: copy a VD range to another (every leg not failed), or a
 * leg's range onto another leg, with dm-kcopyd. The destination must lie
 * in divert ranges so that no client write races the copy.
 */
int vvmp_nl_copy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VVMP_COPY_A_MAX + 1], *attr = info->attrs[VVMP_A_COPY];
	struct vvmp_cp_copy c = { .read_error = 0 };
	unsigned long in_sync, alive, dst;
	struct vvmp_map *map;
	struct vvmp_vd *vd;
	u64 from, to, len;
	unsigned int src;
	int r = vvmp_nl_no_txn(info);

	if (r)
		return r;
	if (GENL_REQ_ATTR_CHECK(info, VVMP_A_COPY))
		return -EINVAL;
	r = nla_parse_nested(tb, VVMP_COPY_A_MAX, attr, vvmp_copy_policy,
			     info->extack);
	if (r)
		return r;
	if (NL_REQ_ATTR_CHECK(info->extack, attr, tb, VVMP_COPY_A_SRC_SECTOR) ||
	    NL_REQ_ATTR_CHECK(info->extack, attr, tb, VVMP_COPY_A_DST_SECTOR) ||
	    NL_REQ_ATTR_CHECK(info->extack, attr, tb, VVMP_COPY_A_LENGTH))
		return -EINVAL;
	from = nla_get_u64(tb[VVMP_COPY_A_SRC_SECTOR]);
	to = nla_get_u64(tb[VVMP_COPY_A_DST_SECTOR]);
	len = nla_get_u64(tb[VVMP_COPY_A_LENGTH]);
	init_completion(&c.done);

	vd = vvmp_nl_lock_vd(info, NULL);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	map = vvmp_map_get(vd);
	in_sync = vvmp_legs_in_state(vd, VVMP_LEG_IN_SYNC) &
		  (BIT(map->nr_legs) - 1);
	alive = (BIT(map->nr_legs) - 1) & ~vvmp_legs_in_state(vd, VVMP_LEG_FAILED);
	src = tb[VVMP_COPY_A_SRC_LEG] ? nla_get_u32(tb[VVMP_COPY_A_SRC_LEG]) :
	      (in_sync ? __ffs(in_sync) : VVMP_MAX_LEGS);
	/* The policy caps both leg indexes below VVMP_MAX_LEGS. */
	dst = tb[VVMP_COPY_A_DST_LEG] ?
	      BIT(nla_get_u32(tb[VVMP_COPY_A_DST_LEG])) : alive;
	if (from == to && src < VVMP_MAX_LEGS)
		dst &= ~BIT(src);
	r = -EINVAL;
	if (!len || from + len < from || to + len < to ||
	    from + len > map->size || to + len > map->size) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "Copy beyond the end of the VD");
	} else if (from != to && from < to + len && to < from + len) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "Source and destination overlap");
	} else if (src >= VVMP_MAX_LEGS || !(alive & BIT(src))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "No such source leg, or it has failed");
	} else if (!dst || (dst & ~alive)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "No such destination leg, or it has failed");
	} else if (!vvmp_diverted(vd, to, len)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "The destination is not in a divert range");
		r = -EBUSY;
	} else {
		r = 0;
	}
	if (r) {
		vvmp_map_put(map);
		vvmp_nl_unlock(info, vd);
		return r;
	}
	/* No lock across the copy: the VD and the map stay referenced. */
	kref_get(&vd->kref);
	vvmp_nl_unlock(info, vd);
	vvmp_cp_copy_issue(vd, map, src, from, dst, to, len, &c);
	/* Bounded: kcopyd completes every job, failed or not. */
	wait_for_completion(&c.done);
	if (c.read_error) {
		NL_SET_ERR_MSG(info->extack,
			       "The copy failed to read the source");
		r = -EIO;
	} else if (c.write_error) {
		NL_SET_ERR_MSG(info->extack,
			       "The copy failed to write a destination");
		r = -EIO;
	}
	vvmp_map_put(map);
	vvmp_vd_put(vd);
	return r;
}
