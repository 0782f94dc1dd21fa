// SPDX-License-Identifier: GPL-2.0
/*
 * The dm-raid set under a RAID5 VD (Documentation/vvmpd.rst "RAID5"): per
 * member a metadata and a data dm-linear device over its extents, and a
 * "raid raid5_ls" device over them, which ap_push.c pushes as the single
 * linear leg of the VD's dm-vvmp map. The tables are built by
 * raid_table.c; this file loads them.
 *
 * Device-mapper is driven with its ioctls on /dev/mapper/control, as
 * vvmp/lib/dm_resize.c does: no libdevmapper (not a dependency of vvmp), no
 * dmsetup process, no udev cookie to wait for (every table names its
 * devices by major:minor, so no /dev/mapper node is needed).
 *
 * The devices are named after the VD (vvmpd-r5-san<SAN>-vd<ID>[-m<i>|
 * -meta<i>]), so a restarted vvmpd finds and reuses them, and a device of
 * a VD it no longer stores is recognised as its own and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/vvmp.h>

#include "daemon/ap_raid.h"
#include "daemon/raid_table.h"

#define DM_CONTROL	"/dev/mapper/control"
#define DM_BUF_SIZE	(64 * 1024)
#define DM_PARAMS_MAX	1024
#define TABLE_TEXT_MAX	(RAID_MAX_TARGETS * 96 + DM_PARAMS_MAX)

/* A dm target as text: what a table load takes and a table status gives back. */
struct dm_target_text {
	uint64_t start;
	uint64_t length;
	char type[DM_MAX_TYPE_NAME];
	char params[DM_PARAMS_MAX];
};

/* What DM_DEV_STATUS says about a device. */
struct dm_info {
	bool exists;
	bool live;			/* has an active table */
	char dev[RAID_DEV_LEN];		/* "major:minor" */
};

/* The devices of one RAID5 VD: names, geometry and, once resolved, the member extents. */
struct raid_set_plan {
	uint32_t members;
	uint32_t chunk_sectors;
	uint64_t data_sectors;		/* per member */
	uint64_t array_sectors;
	char set_name[RAID_NAME_LEN];
	char data_name[RAID_MAX_MEMBERS][RAID_NAME_LEN];
	char meta_name[RAID_MAX_MEMBERS][RAID_NAME_LEN];
	struct raid_extent ext[RAID_MAX_MEMBERS][RAID_MAX_TARGETS];
	size_t next[RAID_MAX_MEMBERS];
	char meta_dev[RAID_MAX_MEMBERS][RAID_DEV_LEN];	/* of the members' dm devices */
	char data_dev[RAID_MAX_MEMBERS][RAID_DEV_LEN];
};

/* ---- device-mapper ioctls ------------------------------------------------- */

static struct dm_ioctl *dm_new(const char *name)
{
	struct dm_ioctl *io = calloc(1, DM_BUF_SIZE);

	if (!io)
		return NULL;
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = DM_BUF_SIZE;
	io->data_start = sizeof(*io);
	if (name)
		snprintf(io->name, sizeof(io->name), "%s", name);
	return io;
}

/* One ioctl on the control device; -errno. */
static int dm_call(unsigned long cmd, struct dm_ioctl *io)
{
	int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, cmd, io) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* @cmd for device @name with @flags; -errno, the reason in @why. */
static int dm_simple(unsigned long cmd, const char *what, const char *name, uint32_t flags,
		     char *why, size_t why_len)
{
	struct dm_ioctl *io = dm_new(name);
	int err;

	if (!io)
		return -ENOMEM;
	io->flags = flags;
	err = dm_call(cmd, io);
	if (err)
		snprintf(why, why_len, "device-mapper %s %s: %s", what, name, strerror(-err));
	free(io);
	return err;
}

static void dev_text(uint64_t dev, char *out, size_t len)
{
	unsigned int major = (unsigned int)((dev & 0xfff00) >> 8);
	unsigned int minor = (unsigned int)((dev & 0xff) | ((dev >> 12) & 0xfff00));

	snprintf(out, len, "%u:%u", major, minor);
}

static int dm_info(const char *name, struct dm_info *info, char *why, size_t why_len)
{
	struct dm_ioctl *io = dm_new(name);
	int err;

	memset(info, 0, sizeof(*info));
	if (!io)
		return -ENOMEM;
	err = dm_call(DM_DEV_STATUS, io);
	if (!err) {
		info->exists = true;
		info->live = io->flags & DM_ACTIVE_PRESENT_FLAG;
		dev_text(io->dev, info->dev, sizeof(info->dev));
	} else if (err == -ENXIO) {
		err = 0;
	} else {
		snprintf(why, why_len, "device-mapper status of %s: %s", name, strerror(-err));
	}
	free(io);
	return err;
}

/* "start length type params\n" per target, as "dmsetup table" prints them. */
static int targets_text(const struct dm_target_text *t, size_t n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + used, len - used, "%" PRIu64 " %" PRIu64 " %s %s\n",
				 t[i].start, t[i].length, t[i].type, t[i].params);

		if (w < 0 || (size_t)w >= len - used)
			return -E2BIG;
		used += (size_t)w;
	}
	return 0;
}

/* The live table of @name as targets_text() writes it. */
static int dm_table_text(const char *name, char *out, size_t len, char *why, size_t why_len)
{
	struct dm_ioctl *io = dm_new(name);
	size_t used = 0;
	uint32_t off = 0;
	int err;

	if (!io)
		return -ENOMEM;
	io->flags = DM_STATUS_TABLE_FLAG;
	err = dm_call(DM_TABLE_STATUS, io);
	if (!err && (io->flags & DM_BUFFER_FULL_FLAG))
		err = -E2BIG;
	out[0] = '\0';
	for (uint32_t i = 0; !err && i < io->target_count; i++) {
		const char *data = (const char *)io + io->data_start;
		const struct dm_target_spec *s = (const void *)(data + off);
		int w;

		if (io->data_start + off + sizeof(*s) >= io->data_size) {
			err = -EPROTO;
			break;
		}
		w = snprintf(out + used, len - used, "%llu %llu %.*s %s\n",
			     (unsigned long long)s->sector_start, (unsigned long long)s->length,
			     DM_MAX_TYPE_NAME, s->target_type, (const char *)(s + 1));
		if (w < 0 || (size_t)w >= len - used)
			err = -E2BIG;
		else
			used += (size_t)w;
		off = s->next;
	}
	if (err)
		snprintf(why, why_len, "device-mapper table of %s: %s", name, strerror(-err));
	free(io);
	return err;
}

/* Load @n targets into the inactive table of @name. */
static int dm_load(const char *name, const struct dm_target_text *t, size_t n, char *why,
		   size_t why_len)
{
	struct dm_ioctl *io = dm_new(name);
	size_t off = sizeof(*io);
	int err = 0;

	if (!io)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		struct dm_target_spec *s = (void *)((char *)io + off);
		size_t plen = strlen(t[i].params) + 1;
		/* Parameters end with NUL, padded so the next spec is 8-byte aligned. */
		size_t size = (sizeof(*s) + plen + 7) & ~(size_t)7;

		if (off + size > DM_BUF_SIZE) {
			err = -E2BIG;
			break;
		}
		s->sector_start = t[i].start;
		s->length = t[i].length;
		snprintf(s->target_type, sizeof(s->target_type), "%s", t[i].type);
		memcpy(s + 1, t[i].params, plen);
		s->next = (uint32_t)size;	/* to the next spec, from this one */
		off += size;
	}
	io->target_count = (uint32_t)n;
	io->data_size = (uint32_t)off;
	if (!err)
		err = dm_call(DM_TABLE_LOAD, io);
	if (err)
		snprintf(why, why_len, "device-mapper table load of %s: %s%s", name, strerror(-err),
			 err == -EINVAL ? " (the kernel log says why)" : "");
	free(io);
	return err;
}

/* Create @name with table @t and activate it; *@info describes it. Nothing is left on error. */
static int dm_create(const char *name, const struct dm_target_text *t, size_t n,
		     struct dm_info *info, char *why, size_t why_len)
{
	char ignore[8];
	int err = dm_simple(DM_DEV_CREATE, "create", name, 0, why, why_len);

	if (err)
		return err;
	err = dm_load(name, t, n, why, why_len);
	/* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes: the loaded table goes live. */
	if (!err)
		err = dm_simple(DM_DEV_SUSPEND, "resume", name, 0, why, why_len);
	if (!err)
		err = dm_info(name, info, why, why_len);
	if (err)
		dm_simple(DM_DEV_REMOVE, "remove", name, 0, ignore, sizeof(ignore));
	return err;
}

/* Whether the kernel has (or can load) the dm target @type. */
static int dm_target_present(const char *type, char *why, size_t why_len)
{
	struct dm_ioctl *io = dm_new(type);
	int err;

	if (!io)
		return -ENOMEM;
	/* Loads dm-<type> if need be; a kernel before 5.8 answers ENOTTY: the load will tell. */
	err = dm_call(DM_GET_TARGET_VERSION, io);
	free(io);
	if (err == -EINVAL) {
		snprintf(why, why_len, "the device-mapper target \"%s\" is not available "
			 "(modprobe dm-%s)", type, type);
		return -EOPNOTSUPP;
	}
	if (err && err != -ENOTTY) {
		snprintf(why, why_len, "device-mapper: %s: %s", DM_CONTROL, strerror(-err));
		return err;
	}
	return 0;
}

/* Call @fn for each dm device whose name belongs to a RAID5 VD of this SAN. */
static int dm_list_raid(struct vvmpd *d,
			void (*fn)(struct vvmpd *d, const char *name, uint32_t vd_id,
				   enum raid_dev_kind kind, void *arg), void *arg)
{
	struct dm_ioctl *io = dm_new(NULL);
	const char *data;
	uint32_t off = 0;
	int err;

	if (!io)
		return -ENOMEM;
	err = dm_call(DM_LIST_DEVICES, io);
	if (!err && (io->flags & DM_BUFFER_FULL_FLAG))
		err = -E2BIG;
	data = (const char *)io + io->data_start;
	for (;;) {
		const struct dm_name_list *nl = (const void *)(data + off);
		enum raid_dev_kind kind;
		uint32_t vd_id;

		/* No device at all: one record with dev 0. */
		if (err || io->data_start + off + sizeof(*nl) > io->data_size || !nl->dev)
			break;
		if (raid_dm_name_vd(nl->name, d->cfg.san_id, &vd_id, &kind))
			fn(d, nl->name, vd_id, kind, arg);
		if (!nl->next)
			break;
		off += nl->next;
	}
	if (err && err != -ENOENT)		/* ENOENT: no device-mapper at all */
		vvmpd_log("kernel: device-mapper list: %s", strerror(-err));
	free(io);
	return err;
}

/* ---- metadata ---------------------------------------------------------------- */

/*
 * Zero @sectors from the start of block device @dev ("major:minor"), opened
 * exclusively through its devtmpfs node (/sys/dev/block/M:m/uevent names it).
 */
static int wipe(const char *dev, uint64_t sectors, char *why, size_t why_len)
{
	char path[96], line[128], node[sizeof(line) + 8] = "";
	unsigned int maj, min;
	const size_t chunk = 256 * 1024;
	struct stat st;
	void *zero = NULL;
	FILE *f;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/dev/block/%s/uevent", dev);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(node, sizeof(node), "/dev/%s", line + 8);
		}
	if (f)
		fclose(f);
	if (!node[0] || sscanf(dev, "%u:%u", &maj, &min) != 2) {
		snprintf(why, why_len, "no device node for %s (%s)", dev, path);
		return -ENODEV;
	}
	fd = open(node, O_WRONLY | O_DIRECT | O_EXCL | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISBLK(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		err = fd < 0 ? -errno : -ENODEV;
		snprintf(why, why_len, "metadata device %s (%s): %s", node, dev,
			 fd < 0 ? strerror(errno) : "not that block device");
		goto out;
	}
	if (posix_memalign(&zero, 4096, chunk)) {
		err = -ENOMEM;
		goto out;
	}
	memset(zero, 0, chunk);
	for (uint64_t done = 0; done < sectors * 512 && !err;) {
		size_t n = sectors * 512 - done < chunk ? (size_t)(sectors * 512 - done) : chunk;
		ssize_t w = pwrite(fd, zero, n, (off_t)done);

		if (w <= 0)
			err = w < 0 ? -errno : -EIO;
		else
			done += (uint64_t)w;
	}
	if (!err && fdatasync(fd))
		err = -errno;
	if (err)
		snprintf(why, why_len, "zeroing metadata device %s (%s): %s", node, dev,
			 strerror(-err));
out:
	free(zero);
	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- the plan ------------------------------------------------------------------- */

/*
 * Names and geometry of RAID5 VD @vd from its segments; with @resolve,
 * also each member's extents on host block devices (vvmpd_volume_device()).
 */
static int plan_load(struct vvmpd *d, const struct vvmp_repo_vd *vd, struct raid_set_plan *p,
		     bool resolve, char *why, size_t why_len)
{
	struct vvmp_repo_segment *segs = NULL;
	uint64_t held[RAID_MAX_MEMBERS] = { 0 }, least = UINT64_MAX;
	char vd_name[VVMP_NAME_MAX];
	size_t n = 0;
	int err = 0;

	memset(p, 0, sizeof(*p));
	p->members = vd->members;
	p->chunk_sectors = vd->stripe_kb * 2;
	if (p->members < RAID_MIN_MEMBERS || p->members > RAID_MAX_MEMBERS) {
		snprintf(why, why_len, "RAID5 of %u members (%u..%u)", p->members,
			 RAID_MIN_MEMBERS, RAID_MAX_MEMBERS);
		return -EINVAL;
	}
	vvmpd_ap_vd_name(d, vd->id, vd_name, sizeof(vd_name));
	raid_dm_name(p->set_name, RAID_NAME_LEN, vd_name, RAID_DEV_SET, 0);
	for (uint32_t m = 0; m < p->members; m++) {
		raid_dm_name(p->data_name[m], RAID_NAME_LEN, vd_name, RAID_DEV_DATA, m);
		raid_dm_name(p->meta_name[m], RAID_NAME_LEN, vd_name, RAID_DEV_META, m);
	}
	if (vvmp_repo_segment_list(d->repo, vd->id, &segs, &n)) {
		snprintf(why, why_len, "repository: %s", vvmp_repo_errmsg(d->repo));
		return -EIO;
	}
	for (size_t i = 0; i < n && !err; i++) {
		const struct vvmp_repo_segment *s = &segs[i];
		struct vvmp_repo_volume v;
		struct raid_extent *e;

		if (s->member >= p->members || p->next[s->member] == RAID_MAX_TARGETS) {
			snprintf(why, why_len, "segment %u of member %u does not fit the layout",
				 s->id, s->member);
			err = -EINVAL;
			break;
		}
		held[s->member] += s->length_lba;
		e = &p->ext[s->member][p->next[s->member]++];
		e->length = s->length_lba;
		if (!resolve)
			continue;
		if (vvmp_repo_volume_get(d->repo, s->volume_id, &v)) {
			snprintf(why, why_len, "repository: volume %u: %s", s->volume_id,
				 vvmp_repo_errmsg(d->repo));
			err = -EIO;
			break;
		}
		err = vvmpd_volume_device(d, &v, e->device, sizeof(e->device), why, why_len);
		e->offset = s->start_lba - v.start_lba;
	}
	free(segs);
	if (err)
		return err;
	for (uint32_t m = 0; m < p->members; m++)
		if (held[m] < least)
			least = held[m];
	if (raid5_geometry(p->members, least, p->chunk_sectors, &p->data_sectors,
			   &p->array_sectors)) {
		snprintf(why, why_len, "RAID5 of %u members of %" PRIu64 " sectors, chunk %u "
			 "sectors: no raid5 geometry", p->members, least, p->chunk_sectors);
		return -EINVAL;
	}
	return 0;
}

/* The dm-linear table of member @m's metadata (@meta) or data. */
static int member_table(const struct raid_set_plan *p, uint32_t m, bool meta,
			struct dm_target_text *t, size_t max)
{
	struct raid_linear_target lt[RAID_MAX_TARGETS];
	int n = raid_slice(p->ext[m], p->next[m], meta ? 0 : RAID_META_SECTORS,
			   meta ? RAID_META_SECTORS : p->data_sectors, lt,
			   max < RAID_MAX_TARGETS ? max : RAID_MAX_TARGETS);

	for (int i = 0; i < n; i++) {
		t[i] = (struct dm_target_text){ .start = lt[i].start, .length = lt[i].length,
						.type = "linear" };
		if (raid_linear_params(t[i].params, sizeof(t[i].params), &lt[i]) < 0)
			return -ENAMETOOLONG;
	}
	return n;
}

/* The raid device's table over the members' devices. */
static int set_table(const struct raid_set_plan *p, struct dm_target_text *t)
{
	*t = (struct dm_target_text){ .start = 0, .length = p->array_sectors, .type = "raid" };
	return raid5_table_params(t->params, sizeof(t->params), p->chunk_sectors, p->members,
				  (const char (*)[RAID_DEV_LEN])p->meta_dev,
				  (const char (*)[RAID_DEV_LEN])p->data_dev) < 0 ? -EINVAL : 0;
}

/*
 * Device @name with table @t: created if absent, reused if it has exactly
 * that table, refused otherwise (it is not vvmpd's to change).
 */
static int ensure_device(const char *name, const struct dm_target_text *t, size_t n,
			 struct dm_info *info, char *why, size_t why_len)
{
	char *want = malloc(TABLE_TEXT_MAX), *have = malloc(TABLE_TEXT_MAX);
	int err = want && have ? dm_info(name, info, why, why_len) : -ENOMEM;

	if (!err && !info->exists) {
		err = dm_create(name, t, n, info, why, why_len);
	} else if (!err) {
		err = targets_text(t, n, want, TABLE_TEXT_MAX);
		if (!err)
			err = dm_table_text(name, have, TABLE_TEXT_MAX, why, why_len);
		if (!err && (!info->live || strcmp(want, have))) {
			have[strcspn(have, "\n")] = '\0';
			snprintf(why, why_len, "dm device %s exists with another table (%s)", name,
				 info->live ? have : "none");
			err = -EEXIST;
		}
	}
	free(want);
	free(have);
	return err;
}

/* Remove every device of @p (the raid device first); they are not in use. */
static void plan_teardown(const struct raid_set_plan *p)
{
	char ignore[8];

	dm_simple(DM_DEV_REMOVE, "remove", p->set_name, 0, ignore, sizeof(ignore));
	for (uint32_t m = 0; m < p->members; m++) {
		dm_simple(DM_DEV_REMOVE, "remove", p->data_name[m], 0, ignore, sizeof(ignore));
		dm_simple(DM_DEV_REMOVE, "remove", p->meta_name[m], 0, ignore, sizeof(ignore));
	}
}

/* Member @m's metadata (@meta) or data device, created or reused; its number in @dev. */
static int member_device(const struct raid_set_plan *p, uint32_t m, bool meta,
			 struct dm_target_text *t, char dev[RAID_DEV_LEN], char *why,
			 size_t why_len)
{
	int n = member_table(p, m, meta, t, RAID_MAX_TARGETS);
	struct dm_info info;
	int err;

	if (n < 0) {
		snprintf(why, why_len, "member %u: no dm-linear table for its %s (%s)", m,
			 meta ? "metadata" : "data", strerror(-n));
		return n;
	}
	err = ensure_device(meta ? p->meta_name[m] : p->data_name[m], t, (size_t)n, &info, why,
			    why_len);
	if (!err)
		memcpy(dev, info.dev, RAID_DEV_LEN);
	return err;
}

/*
 * The members' devices (created or reused) and then the raid device over
 * them; with @fresh, each metadata device is zeroed before the raid device
 * reads it. *@set describes the raid device.
 */
static int build(struct raid_set_plan *p, bool fresh, struct dm_info *set, char *why,
		 size_t why_len)
{
	struct dm_target_text *t = calloc(RAID_MAX_TARGETS, sizeof(*t));
	int err = t ? 0 : -ENOMEM;

	for (uint32_t m = 0; m < p->members && !err; m++) {
		err = member_device(p, m, true, t, p->meta_dev[m], why, why_len);
		if (!err)
			err = member_device(p, m, false, t, p->data_dev[m], why, why_len);
	}
	for (uint32_t m = 0; fresh && m < p->members && !err; m++)
		err = wipe(p->meta_dev[m], RAID_META_SECTORS, why, why_len);
	if (!err)
		err = set_table(p, t);
	if (!err)
		err = ensure_device(p->set_name, t, 1, set, why, why_len);
	free(t);
	return err;
}

/* ---- the interface ------------------------------------------------------------- */

int vvmpd_raid_create(struct vvmpd *d, const struct vvmp_repo_vd *vd, char *why, size_t why_len)
{
	struct raid_set_plan *p;
	struct dm_info info;
	int err;

	if (!d->cfg.kernel_poll_ms) {
		snprintf(why, why_len, "no kernel hand-off (--no-kernel)");
		return -EOPNOTSUPP;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Device-mapper first: resolving a remote member attaches it. */
	err = dm_target_present("raid", why, why_len);
	if (!err)
		err = plan_load(d, vd, p, true, why, why_len);	/* -EINPROGRESS: attaching */
	/* A new VD's names are free: a device that has one is not this VD's. */
	for (uint32_t i = 0; !err && i <= 2 * p->members; i++) {
		const char *name = i == 2 * p->members ? p->set_name :
				   i % 2 ? p->meta_name[i / 2] : p->data_name[i / 2];

		err = dm_info(name, &info, why, why_len);
		if (!err && info.exists) {
			snprintf(why, why_len, "dm device %s already exists", name);
			err = -EEXIST;
		}
	}
	if (!err) {
		err = build(p, true, &info, why, why_len);
		if (err)
			plan_teardown(p);
	}
	if (!err)
		vvmpd_log("kernel: %s created (raid5_ls, %u members, chunk %u sectors, %" PRIu64
			  " sectors) over zeroed metadata: initial resync", p->set_name,
			  p->members, p->chunk_sectors, p->array_sectors);
	free(p);
	return err;
}

int vvmpd_raid_device(struct vvmpd *d, const struct vvmp_repo_vd *vd, bool fresh, char *dev,
		      size_t dev_len, uint64_t *sectors, char *why, size_t why_len)
{
	struct raid_set_plan *p = malloc(sizeof(*p));
	struct dm_target_text *t = malloc(sizeof(*t));
	char want[TABLE_TEXT_MAX], have[TABLE_TEXT_MAX];
	struct dm_info set, info;
	int err = p && t ? 0 : -ENOMEM;

	if (!err)
		err = plan_load(d, vd, p, false, why, why_len);
	if (!err)
		err = dm_info(p->set_name, &set, why, why_len);
	if (!err && set.exists && set.live) {
		/* Running (vvmpd restarted): reuse it if it is the set this VD describes. */
		for (uint32_t m = 0; m < p->members && !err; m++) {
			err = dm_info(p->meta_name[m], &info, why, why_len);
			memcpy(p->meta_dev[m], info.dev, RAID_DEV_LEN);
			if (!err)
				err = dm_info(p->data_name[m], &info, why, why_len);
			memcpy(p->data_dev[m], info.dev, RAID_DEV_LEN);
		}
		if (!err)
			err = set_table(p, t);
		if (!err)
			err = targets_text(t, 1, want, sizeof(want));
		if (!err)
			err = dm_table_text(p->set_name, have, sizeof(have), why, why_len);
		if (!err && strcmp(want, have)) {
			have[strcspn(have, "\n")] = '\0';
			snprintf(why, why_len, "dm device %s exists with another table (%s)",
				 p->set_name, have);
			err = -EEXIST;
		}
	} else if (!err) {
		/* Not running: new (a member was attaching at ALLOCATE), or after a reboot. */
		if (set.exists)
			err = dm_simple(DM_DEV_REMOVE, "remove", p->set_name, 0, why, why_len);
		if (!err)
			err = dm_target_present("raid", why, why_len);
		if (!err)
			err = plan_load(d, vd, p, true, why, why_len);
		if (!err)
			err = build(p, fresh, &set, why, why_len);
		if (!err && fresh)
			vvmpd_log("kernel: %s created (raid5_ls, %u members, chunk %u sectors, %"
				  PRIu64 " sectors) over zeroed metadata: initial resync",
				  p->set_name, p->members, p->chunk_sectors, p->array_sectors);
		else if (!err)
			vvmpd_log("kernel: %s assembled from its members' metadata (%" PRIu64
				  " sectors)", p->set_name, p->array_sectors);
	}
	if (!err) {
		snprintf(dev, dev_len, "%s", set.dev);
		*sectors = p->array_sectors;
	}
	free(p);
	free(t);
	return err;
}

/* Devices to remove: the raid devices first, then their members'. */
struct raid_names {
	char (*names)[RAID_NAME_LEN];
	bool *is_set;
	size_t n;
	uint32_t vd_id;			/* 0: every VD not stored as RAID5 */
};

static void collect(struct vvmpd *d, const char *name, uint32_t vd_id, enum raid_dev_kind kind,
		    void *arg)
{
	struct raid_names *r = arg;
	struct vvmp_repo_vd vd;
	void *names, *is_set;

	if (r->vd_id ? vd_id != r->vd_id :
	    !vvmp_repo_vd_get(d->repo, vd_id, &vd) && vd.storage_type == VVMP_ST_RAID5)
		return;
	names = realloc(r->names, (r->n + 1) * sizeof(*r->names));
	if (names)
		r->names = names;
	is_set = names ? realloc(r->is_set, (r->n + 1) * sizeof(*r->is_set)) : NULL;
	if (!is_set)
		return;
	r->is_set = is_set;
	r->is_set[r->n] = kind == RAID_DEV_SET;
	snprintf(r->names[r->n++], RAID_NAME_LEN, "%s", name);
}

/*
 * Raid device @name is still open: its VD is still exposed by dm devices.
 * An "error" table stops the array now (no resync writes onto extents that
 * are back in the pool) and releases the members.
 */
static void stop_array(const char *name)
{
	struct dm_target_text err_table = { .type = "error" };
	char table[TABLE_TEXT_MAX], why[160];
	unsigned long long len = 0;

	if (dm_table_text(name, table, sizeof(table), why, sizeof(why)) ||
	    sscanf(table, "%*u %llu raid ", &len) != 1 || !len)
		return;
	err_table.length = len;
	if (dm_load(name, &err_table, 1, why, sizeof(why)) ||
	    dm_simple(DM_DEV_SUSPEND, "resume", name, 0, why, sizeof(why)))
		vvmpd_log("kernel: stopping %s: %s", name, why);
}

static void remove_collected(struct raid_names *r)
{
	char why[160];

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n; i++) {
			const char *name = r->names[i];
			int err;

			if (r->is_set[i] != (pass == 0))
				continue;
			err = dm_simple(DM_DEV_REMOVE, "remove", name, 0, why, sizeof(why));
			if (!err)
				vvmpd_log("kernel: %s removed", name);
			if (err != -EBUSY) {
				if (err && err != -ENXIO)
					vvmpd_log("kernel: %s", why);
				continue;
			}
			if (r->is_set[i])
				stop_array(name);
			err = dm_simple(DM_DEV_REMOVE, "deferred remove", name, DM_DEFERRED_REMOVE,
					why, sizeof(why));
			if (err)
				vvmpd_log("kernel: %s", why);
			else
				vvmpd_log("kernel: %s is still open: %sremoved once closed", name,
					  r->is_set[i] ? "array stopped, " : "");
		}
	}
}

/* Remove the devices of VD @vd_id, or (0) of every VD not stored as RAID5. */
static void remove_devices(struct vvmpd *d, uint32_t vd_id)
{
	struct raid_names r = { .vd_id = vd_id };

	if (d->cfg.kernel_poll_ms && !dm_list_raid(d, collect, &r))
		remove_collected(&r);
	free(r.names);
	free(r.is_set);
}

void vvmpd_raid_remove(struct vvmpd *d, uint32_t vd_id)
{
	if (vd_id)
		remove_devices(d, vd_id);
}

void vvmpd_raid_prune(struct vvmpd *d)
{
	remove_devices(d, 0);
}
