// SPDX-License-Identifier: GPL-2.0
/*
 * Flush, FUA, discard and write-zeroes through the vvmp target
 * (Documentation/dm-vvmp.rst, "I/O semantics"): REQ_PREFLUSH reaches every
 * device of every leg that is not failed, REQ_FUA stays on every leg's copy
 * of a write, discards and write-zeroes reach every leg.
 *
 * What a leg's device receives is observed with dm-log-writes stacked under
 * it: the log (drivers/md/dm-log-writes.c) records every write with its
 * flags, and is parsed here after the log-writes device is removed. The data
 * devices are memory-backed null_blk disks with a volatile write cache, so
 * the block layer keeps flushes and FUA (brd has no cache and would have
 * them stripped before they reach the VD).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/fs.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"

#ifndef RWF_DSYNC
#define RWF_DSYNC	0x00000002
#endif

#define LEN		8192	/* 4 MiB VD */
#define LOG_LEN		16384	/* 8 MiB per write log */
#define NR_LW		3

/* dm-log-writes on-disk format. */
#define LOG_FLUSH_FLAG		(1 << 0)
#define LOG_FUA_FLAG		(1 << 1)
#define LOG_DISCARD_FLAG	(1 << 2)
#define LOG_MARK_FLAG		(1 << 3)
#define WRITE_LOG_MAGIC		0x6a736677736872ULL
#define WRITE_LOG_VERSION	1ULL

struct log_write_super {
	uint64_t magic;
	uint64_t version;
	uint64_t nr_entries;
	uint32_t sectorsize;
} __attribute__((packed));

struct log_write_entry {
	uint64_t sector;
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_len;
} __attribute__((packed));

struct log_entry {
	uint64_t sector;	/* on the data device, 512-byte sectors */
	uint64_t nr;
	uint64_t flags;
	uint64_t data;		/* log sector where its data starts */
	char mark[32];		/* text of a MARK entry */
};

struct wlog {
	struct log_entry e[4096];
	unsigned int nr;
	uint8_t *raw;		/* the whole log device */
};

/* Parse a write log; the host is little-endian like the format. */
static int parse_log(const struct vt_dev *logdev, struct wlog *w)
{
	struct log_write_super *super;
	uint64_t cur, i, unit;
	int fd, rc;

	w->nr = 0;
	w->raw = vt_alloc(LOG_LEN * VT_SECTOR);
	if (!w->raw)
		return -ENOMEM;
	fd = open(logdev->path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -errno;
	rc = vt_pread_all(fd, w->raw, LOG_LEN * VT_SECTOR, 0);
	close(fd);
	if (rc)
		return rc;
	super = (void *)w->raw;
	if (super->magic != WRITE_LOG_MAGIC || super->version != WRITE_LOG_VERSION ||
	    !super->sectorsize || super->sectorsize % VT_SECTOR)
		return -EBADMSG;
	unit = super->sectorsize / VT_SECTOR;
	cur = unit;
	for (i = 0; i < super->nr_entries; i++) {
		struct log_write_entry *le;

		if (cur >= LOG_LEN || w->nr == sizeof(w->e) / sizeof(w->e[0]))
			return -E2BIG;
		le = (void *)(w->raw + cur * VT_SECTOR);
		w->e[w->nr].sector = le->sector * unit;
		w->e[w->nr].nr = le->nr_sectors * unit;
		w->e[w->nr].flags = le->flags;
		w->e[w->nr].data = cur + unit;
		w->e[w->nr].mark[0] = '\0';
		if ((le->flags & LOG_MARK_FLAG) && le->data_len < 32) {
			memcpy(w->e[w->nr].mark, le + 1, le->data_len);
			w->e[w->nr].mark[le->data_len] = '\0';
		}
		cur += unit;
		if (!(le->flags & LOG_DISCARD_FLAG))
			cur += le->nr_sectors * unit;
		w->nr++;
	}
	return 0;
}

static int mark_index(const struct wlog *w, const char *mark)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++)
		if ((w->e[i].flags & LOG_MARK_FLAG) && !strcmp(w->e[i].mark, mark))
			return i;
	return -1;
}

/* Entries with @flag logged between the marks "before" and "after". */
static int count_flag_between_marks(const struct wlog *w, uint64_t flag)
{
	int i, n = 0, from = mark_index(w, "before"), to = mark_index(w, "after");

	if (from < 0 || to < 0)
		return -1;
	for (i = from + 1; i < to; i++)
		if (w->e[i].flags & flag)
			n++;
	return n;
}

/*
 * Every sector of [sector, +nr) on the data device was written by an entry
 * carrying @flag (0: any entry), with the data @want. Returns the first sector that was
 * not, or sector + nr.
 */
static uint64_t covered_by(const struct wlog *w, uint64_t flag,
			   uint64_t sector, uint64_t nr, const uint8_t *want)
{
	uint64_t s;

	for (s = sector; s < sector + nr; s++) {
		unsigned int i;
		bool found = false;

		for (i = w->nr; i-- > 0 && !found;) {
			const struct log_entry *e = &w->e[i];

			if ((flag && !(e->flags & flag)) || s < e->sector ||
			    s >= e->sector + e->nr)
				continue;
			found = !memcmp(w->raw + (e->data + s - e->sector) * VT_SECTOR,
					want + (s - sector) * VT_SECTOR, VT_SECTOR);
		}
		if (!found)
			return s;
	}
	return sector + nr;
}

FIXTURE(logged) {
	struct vt_dev *nb[NR_LW];
	struct vt_dev *log[NR_LW];
	struct vt_dev *lw[NR_LW];
	struct vt_layout l;
	const char *name;
	int fd;
	struct wlog w[NR_LW];
};

/*
 * A 2-way mirror nosync: leg 0 one extent on lw0, leg 1 two extents, on lw1
 * and lw2, so "every device of every leg" means three devices.
 */
FIXTURE_SETUP(logged)
{
	int i;

	self->fd = -1;
	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_LW; i++) {
		self->nb[i] = vt_nullb(16, 4, false);
		ASSERT_NE(NULL, self->nb[i]);
		self->log[i] = vt_slice(LOG_LEN);
		ASSERT_NE(NULL, self->log[i]);
		self->lw[i] = vt_dm_dev("lw", "0 %llu log-writes %s %s",
					(unsigned long long)self->nb[i]->sectors,
					self->nb[i]->path, self->log[i]->path);
		ASSERT_NE(NULL, self->lw[i]);
	}
	self->l.length = LEN;
	self->l.nr_legs = 2;
	self->l.features = "1 nosync";
	self->l.leg[0].nr = 1;
	self->l.leg[0].ext[0] = (struct vt_extent){ self->lw[0], 0, LEN };
	self->l.leg[1].nr = 2;
	self->l.leg[1].ext[0] = (struct vt_extent){ self->lw[1], 0, LEN / 2 };
	self->l.leg[1].ext[1] = (struct vt_extent){ self->lw[2], 0, LEN / 2 };
	self->fd = vt_layout_create(&self->l, &self->name);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(logged)
{
	int i;

	for (i = 0; i < NR_LW; i++)
		free(self->w[i].raw);
	vt_end();
}

/* Flush requests the disk completed: field 15 of /sys/block/<disk>/stat. */
static long long disk_flushes(const struct vt_dev *d)
{
	char path[256], buf[512];
	unsigned long long f[17];
	FILE *fp;
	int n;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", strrchr(d->path, '/') + 1);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	n = fgets(buf, sizeof(buf), fp) ? sscanf(buf,
		"%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
		"%llu %llu %llu %llu %llu %llu",
		&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8],
		&f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16]) : 0;
	fclose(fp);
	return n == 17 ? (long long)f[15] : -1;
}

/* A log-writes mark in every log, to bracket what a test does. */
static int mark_all(FIXTURE_DATA(logged) *self, const char *mark)
{
	char text[64];
	int i, rc;

	snprintf(text, sizeof(text), "mark %s", mark);
	for (i = 0; i < NR_LW; i++) {
		rc = vt_dm_message(self->lw[i]->name, text, NULL, 0);
		if (rc)
			return rc;
	}
	return 0;
}

/* Tear the stack down so dm-log-writes writes out its log, then parse it. */
static void finish_logs(struct __test_metadata *_metadata,
			FIXTURE_DATA(logged) *self)
{
	int i;

	vt_close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, vt_dm_remove(self->name));
	for (i = 0; i < NR_LW; i++) {
		ASSERT_EQ(0, vt_dm_remove(self->lw[i]->name));
		ASSERT_EQ(0, parse_log(self->log[i], &self->w[i])) {
			TH_LOG("write log of %s unreadable", self->lw[i]->name);
		}
	}
}

TEST_F(logged, vd_advertises_write_cache_and_fua)
{
	char val[64];

	ASSERT_EQ(0, vt_dm_sysfs(self->name, "queue/write_cache", val, sizeof(val)));
	EXPECT_STREQ("write back", val);
	ASSERT_EQ(0, vt_dm_sysfs(self->name, "queue/fua", val, sizeof(val)));
	EXPECT_STREQ("1", val);
}

TEST_F(logged, preflush_reaches_every_device_of_every_leg)
{
	struct vt_status st;
	int i;

	long long before[NR_LW];

	for (i = 0; i < NR_LW; i++) {
		before[i] = disk_flushes(self->nb[i]);
		ASSERT_LE(0, before[i]);
	}
	ASSERT_EQ(0, vt_dm_message(self->name, "reset_counters", NULL, 0));
	ASSERT_EQ(0, mark_all(self, "before"));
	/* fdatasync on the block device issues an empty REQ_PREFLUSH bio. */
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, mark_all(self, "after"));
	/* The disks under the logs completed a flush each, too. */
	for (i = 0; i < NR_LW; i++) {
		EXPECT_LT(before[i], disk_flushes(self->nb[i])) {
			TH_LOG("%s completed no flush", self->nb[i]->path);
		}
	}
	ASSERT_EQ(0, vt_status(self->name, &st));
	EXPECT_LE(1ULL, st.leg[0].flushes) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_LE(1ULL, st.leg[1].flushes) {
		TH_LOG("%s", st.raw);
	}
	finish_logs(_metadata, self);
	for (i = 0; i < NR_LW; i++) {
		EXPECT_LE(1, count_flag_between_marks(&self->w[i], LOG_FLUSH_FLAG)) {
			TH_LOG("%s (leg %d) saw no flush between the marks (%u log entries)",
			       self->lw[i]->name, i ? 1 : 0, self->w[i].nr);
		}
	}
}

TEST_F(logged, fua_write_keeps_fua_on_every_leg)
{
	uint8_t *a = vt_alloc(4096), *b = vt_alloc(4096);
	struct iovec iov;
	uint64_t sa = 1000, sb = LEN / 2 - 4, got;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	vt_pattern(a, 4096, sa * VT_SECTOR, 61);
	vt_pattern(b, 4096, sb * VT_SECTOR, 62);
	ASSERT_EQ(0, mark_all(self, "before"));
	iov = (struct iovec){ a, 4096 };
	ASSERT_EQ(4096, pwritev2(self->fd, &iov, 1, sa * VT_SECTOR, RWF_DSYNC));
	/* This one straddles leg 1's two extents. */
	iov = (struct iovec){ b, 4096 };
	ASSERT_EQ(4096, pwritev2(self->fd, &iov, 1, sb * VT_SECTOR, RWF_DSYNC));
	ASSERT_EQ(0, mark_all(self, "after"));
	finish_logs(_metadata, self);
	/* Two FUA writes reached leg 0 and leg 1's first device, one the second. */
	EXPECT_LE(2, count_flag_between_marks(&self->w[0], LOG_FUA_FLAG));
	EXPECT_LE(2, count_flag_between_marks(&self->w[1], LOG_FUA_FLAG));
	EXPECT_LE(1, count_flag_between_marks(&self->w[2], LOG_FUA_FLAG));

	got = covered_by(&self->w[0], LOG_FUA_FLAG, sa, 8, a);
	EXPECT_EQ(sa + 8, got) {
		TH_LOG("leg 0: sector %llu not written with FUA", (unsigned long long)got);
	}
	got = covered_by(&self->w[0], LOG_FUA_FLAG, sb, 8, b);
	EXPECT_EQ(sb + 8, got) {
		TH_LOG("leg 0: sector %llu not written with FUA", (unsigned long long)got);
	}
	got = covered_by(&self->w[1], LOG_FUA_FLAG, sa, 8, a);
	EXPECT_EQ(sa + 8, got) {
		TH_LOG("leg 1 extent 0: sector %llu not written with FUA",
		       (unsigned long long)got);
	}
	got = covered_by(&self->w[1], LOG_FUA_FLAG, sb, 4, b);
	EXPECT_EQ(sb + 4, got) {
		TH_LOG("leg 1 extent 0: sector %llu not written with FUA",
		       (unsigned long long)got);
	}
	got = covered_by(&self->w[2], LOG_FUA_FLAG, 0, 4, b + 4 * VT_SECTOR);
	EXPECT_EQ(4ULL, got) {
		TH_LOG("leg 1 extent 1: sector %llu not written with FUA",
		       (unsigned long long)got);
	}
	free(a);
	free(b);
}

TEST_F(logged, plain_write_reaches_every_leg_with_its_data)
{
	uint8_t *a = vt_alloc(65536);
	uint64_t s = LEN / 2 - 64, got;

	ASSERT_NE(NULL, a);
	vt_pattern(a, 65536, s * VT_SECTOR, 63);
	ASSERT_EQ(0, vt_pwrite_all(self->fd, a, 65536, s * VT_SECTOR));
	finish_logs(_metadata, self);
	got = covered_by(&self->w[0], 0, s, 128, a);
	EXPECT_EQ(s + 128, got);
	got = covered_by(&self->w[1], 0, s, 64, a);
	EXPECT_EQ(s + 64, got);
	got = covered_by(&self->w[2], 0, 0, 64, a + 64 * VT_SECTOR);
	EXPECT_EQ(64ULL, got);
	free(a);
}

TEST_F(logged, flushes_counter_counts_per_leg_and_skips_failed_leg)
{
	struct vt_status st;
	int i;

	ASSERT_EQ(0, vt_dm_message(self->name, "reset_counters", NULL, 0));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, vt_status(self->name, &st));
	EXPECT_LE(3ULL, st.leg[0].flushes) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_LE(3ULL, st.leg[1].flushes) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_EQ(0ULL, st.leg[0].write_errors);
	ASSERT_EQ(0, vt_dm_message(self->name, "fail_leg 1", NULL, 0));
	ASSERT_EQ(0, vt_dm_message(self->name, "reset_counters", NULL, 0));
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, vt_status(self->name, &st));
	EXPECT_STREQ("AD", st.health);
	EXPECT_LE(1ULL, st.leg[0].flushes);
	EXPECT_EQ(0ULL, st.leg[1].flushes) {
		TH_LOG("failed leg got a flush: %s", st.raw);
	}
}

/* ---- discard and write-zeroes ------------------------------------------ */

FIXTURE(zeroing) {
	struct vt_dev *d[2];
	struct vt_layout l;
	uint8_t *image;
	const char *name;
	int fd;
};

FIXTURE_VARIANT(zeroing) {
	bool null_blk;		/* else dm-linear slices of brd */
	bool discard;		/* else BLKZEROOUT */
};

FIXTURE_VARIANT_ADD(zeroing, discard_on_null_blk) {
	.null_blk = true, .discard = true,
};
FIXTURE_VARIANT_ADD(zeroing, zeroout_on_null_blk) {
	.null_blk = true, .discard = false,
};
FIXTURE_VARIANT_ADD(zeroing, zeroout_on_brd) {
	.null_blk = false, .discard = false,
};

FIXTURE_SETUP(zeroing)
{
	int i;

	self->fd = -1;
	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < 2; i++) {
		self->d[i] = variant->null_blk ? vt_nullb(16, 0, true) :
						 vt_slice(LEN + 2048);
		ASSERT_NE(NULL, self->d[i]);
	}
	self->l.length = LEN;
	self->l.nr_legs = 2;
	self->l.features = "1 nosync";
	self->l.leg[0].nr = 1;
	self->l.leg[0].ext[0] = (struct vt_extent){ self->d[0], 0, LEN };
	self->l.leg[1].nr = 1;
	self->l.leg[1].ext[0] = (struct vt_extent){ self->d[1], 2048, LEN };
	self->fd = vt_layout_create(&self->l, &self->name);
	ASSERT_LE(0, self->fd);
	self->image = vt_image(LEN, 71);
	ASSERT_NE(NULL, self->image);
	ASSERT_EQ(0, vt_pwrite_all(self->fd, self->image, LEN * VT_SECTOR, 0));
}

FIXTURE_TEARDOWN(zeroing)
{
	free(self->image);
	vt_end();
}

TEST_F(zeroing, range_reads_back_zero_on_every_leg)
{
	uint64_t range[2] = { 1000 * VT_SECTOR, 3000 * VT_SECTOR };
	struct vt_status st;
	uint64_t bad = 0;
	unsigned int g;
	char val[64];

	if (variant->discard) {
		ASSERT_EQ(0, vt_dm_sysfs(self->name, "queue/discard_max_bytes",
					 val, sizeof(val)));
		EXPECT_NE(0ULL, strtoull(val, NULL, 10)) {
			TH_LOG("VD does not advertise discard although every leg does");
		}
	}
	ASSERT_EQ(0, vt_dm_message(self->name, "reset_counters", NULL, 0));
	ASSERT_EQ(0, ioctl(self->fd, variant->discard ? BLKDISCARD : BLKZEROOUT,
			   range)) {
		TH_LOG("%s: %s", variant->discard ? "BLKDISCARD" : "BLKZEROOUT",
		       strerror(errno));
	}
	memset(self->image + range[0], 0, range[1]);
	ASSERT_EQ(0, vt_compare_dev(self->fd, self->image, 0, LEN * VT_SECTOR,
				    &bad)) {
		TH_LOG("VD differs at byte %llu", (unsigned long long)bad);
	}
	for (g = 0; g < 2; g++) {
		EXPECT_EQ(0, vt_leg_compare(&self->l, g, self->image, 0, LEN, &bad)) {
			TH_LOG("leg %u differs at VD sector %llu", g,
			       (unsigned long long)bad);
		}
	}
	ASSERT_EQ(0, vt_status(self->name, &st));
	for (g = 0; g < 2; g++) {
		/* Discards and write-zeroes count as writes. */
		EXPECT_LE(1ULL, st.leg[g].writes) {
			TH_LOG("%s", st.raw);
		}
		EXPECT_EQ(0ULL, st.leg[g].write_errors);
	}
}

TEST_HARNESS_MAIN
