// SPDX-License-Identifier: GPL-2.0
/*
 * The persistent dirty-region log of a mirror (Documentation/dm-vvmp.rst,
 * "Persistent log"): a classic table with "log <device> <offset>" and a
 * named VD with VD_CREATE's LOG keep their failed legs and dirty regions
 * across a clean shutdown (remove and create again, reload, delete and
 * create), and after a crash -- the log copied while writes are in flight,
 * then put back -- resync only the regions with write intent. The log is
 * read from its device and checked against the documented on-disk format,
 * computed here independently of the module.
 *
 * Legs are dm slices of brd disks (dm-delay under them keeps writes in
 * flight); runs as root in the test guest (run_tests.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"
#include "nl_test_lib.h"
#include "../../include/uapi/linux/vvmp.h"

#define VD_LEN		16384ULL	/* 8 MiB: 16 regions */
#define REGION		1024ULL		/* the default region: 512 KiB */
#define NR_REGIONS	(VD_LEN / REGION)
#define LOG_LEN		1024ULL		/* the log slice */
#define LOG_OFF		8ULL		/* the log's offset on it */
#define LOG_BLOCK	4096
#define LOG_SECTORS	24ULL		/* header + one block per bitmap */
#define BLK		4096
#define SEED_OLD	11
#define SEED_NEW	22
#define SEED_TORN	33

/* ---- the on-disk format, from the documentation ---- */

struct log_image {
	uint8_t block[3][LOG_BLOCK];	/* header, intent, dirty */
};

struct log_header {
	bool valid;			/* magic, version and CRC right */
	uint32_t flags;
	uint32_t region_sectors;
	uint64_t events;
	uint64_t capacity;
	uint64_t vd_sectors;
	uint32_t nr_legs;
	uint8_t health[8];
	uint8_t leg_flags[8];
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* CRC-32 of IEEE 802.3, as zlib's crc32(). */
static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0U;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

static void parse_header(const uint8_t *b, struct log_header *h)
{
	memset(h, 0, sizeof(*h));
	h->valid = le32(b) == 0x4c4d5656 && le32(b + 4) == 1 &&
		   le32(b + 60) == crc32_ieee(b, 60);
	h->flags = le32(b + 8);
	h->region_sectors = le32(b + 12);
	h->events = le64(b + 16);
	h->capacity = le64(b + 24);
	h->vd_sectors = le64(b + 32);
	h->nr_legs = le32(b + 40);
	memcpy(h->health, b + 44, 8);
	memcpy(h->leg_flags, b + 52, 8);
}

static bool bit(const uint8_t *bitmap, unsigned int r)
{
	return bitmap[r / 8] >> (r % 8) & 1;
}

static unsigned int bits_set(const uint8_t *bitmap, unsigned int n)
{
	unsigned int r, c = 0;

	for (r = 0; r < n; r++)
		c += bit(bitmap, r);
	return c;
}

/* The log's three blocks, read O_DIRECT from @dev at LOG_OFF. */
static int read_log(const struct vt_dev *dev, struct log_image *img)
{
	uint8_t *buf = vt_alloc(sizeof(*img));
	int fd = vt_open(dev->path, O_RDONLY | O_DIRECT), rc;

	if (fd < 0 || !buf) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	rc = vt_pread_all(fd, buf, sizeof(*img), LOG_OFF * VT_SECTOR);
	vt_close(fd);
	if (!rc)
		memcpy(img, buf, sizeof(*img));
	free(buf);
	return rc;
}

static int read_header(const struct vt_dev *dev, struct log_header *h,
		       struct log_image *img)
{
	int rc = read_log(dev, img);

	if (!rc)
		parse_header(img->block[0], h);
	return rc;
}

/* Zero the whole log slice: earlier tests used the same RAM. */
static int zero_dev(const struct vt_dev *dev, uint64_t sectors)
{
	uint8_t *buf = vt_alloc(sectors * VT_SECTOR);
	int fd = vt_open(dev->path, O_WRONLY | O_DIRECT), rc;

	if (fd < 0 || !buf) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	rc = vt_pwrite_all(fd, buf, sectors * VT_SECTOR, 0);
	vt_close(fd);
	free(buf);
	return rc;
}

/* ---- the fixture: two legs and a log slice ---- */

FIXTURE(rlog) {
	struct vt_dev *s[2];
	struct vt_dev *log;
	struct vt_layout l;
	char features[256];
	char table[1024];
	const char *name;
	uint8_t *image;		/* what the VD must read back */
	struct nt_sock nl;
	bool nl_open;
	char vd[64];
	bool vd_made;
};

FIXTURE_SETUP(rlog)
{
	unsigned int g;

	self->nl.fd = -1;
	ASSERT_EQ(0, vt_begin());
	for (g = 0; g < 2; g++) {
		self->s[g] = vt_slice(VD_LEN);
		ASSERT_NE(NULL, self->s[g]);
	}
	self->log = vt_slice(LOG_LEN);
	ASSERT_NE(NULL, self->log);
	ASSERT_EQ(0, zero_dev(self->log, LOG_LEN));
	self->image = vt_image(VD_LEN, SEED_OLD);
	ASSERT_NE(NULL, self->image);
	memset(&self->l, 0, sizeof(self->l));
	self->l.length = VD_LEN;
	self->l.nr_legs = 2;
	for (g = 0; g < 2; g++) {
		self->l.leg[g].nr = 1;
		self->l.leg[g].ext[0].dev = self->s[g];
		self->l.leg[g].ext[0].len = VD_LEN;
		/* Every leg holds the old pattern: nosync is true. */
		ASSERT_EQ(0, vt_leg_write(&self->l, g, self->image, 0, VD_LEN));
	}
	snprintf(self->vd, sizeof(self->vd), "rlog-%d", (int)getpid());
}

static int vd_delete(FIXTURE_DATA(rlog) *self);

FIXTURE_TEARDOWN(rlog)
{
	/* A named VD holds its legs: its device, then it, then the rest. */
	if (self->nl_open) {
		if (self->vd_made) {
			if (self->name)
				vt_dm_remove(self->name);
			vd_delete(self);
		}
		nt_close(&self->nl);
	}
	vt_end();
	free(self->image);
}

/* The classic table: nosync, @extra features, the log at LOG_OFF. */
static const char *table_of(FIXTURE_DATA(rlog) *self, const char *extra)
{
	snprintf(self->features, sizeof(self->features),
		 "%u nosync log %s %llu%s%s", 4 + (extra ? 2 : 0),
		 self->log->majmin, LOG_OFF, extra ? " " : "",
		 extra ? extra : "");
	self->l.features = self->features;
	if (vt_layout_table(&self->l, self->table, sizeof(self->table)))
		return NULL;
	return self->table;
}

static int create(FIXTURE_DATA(rlog) *self, const char *extra)
{
	char out[VT_OUT_MAX];
	const char *table = table_of(self, extra);

	if (!self->name)
		self->name = vt_new_name("rl");
	return table ? vt_dm_create(self->name, table, out, sizeof(out)) :
		       ENOSPC;
}

static int msg(FIXTURE_DATA(rlog) *self, const char *text)
{
	return vt_dm_message(self->name, text, NULL, 0);
}

/* Write pattern @seed to BLK bytes at @off of region @r, through @path. */
static int write_region(const char *path, uint8_t *image, unsigned int r,
			uint64_t off, uint64_t seed)
{
	uint64_t byte = r * REGION * VT_SECTOR + off;
	uint8_t *buf = vt_alloc(BLK);
	int fd = vt_open(path, O_WRONLY | O_DIRECT), rc;

	if (fd < 0 || !buf) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	vt_pattern(buf, BLK, byte, seed);
	rc = vt_pwrite_all(fd, buf, BLK, byte);
	vt_close(fd);
	if (!rc && image)
		memcpy(image + byte, buf, BLK);
	free(buf);
	return rc;
}

/* The VD reads back @image; both legs hold it. */
static void check_data(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rlog) *self, const char *path)
{
	uint64_t bad = 0;
	unsigned int g;
	int fd = vt_open(path, O_RDONLY | O_DIRECT);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, vt_compare_dev(fd, self->image, 0, VD_LEN * VT_SECTOR,
				    &bad)) {
		TH_LOG("VD differs at byte %llu", (unsigned long long)bad);
	}
	vt_close(fd);
	for (g = 0; g < 2; g++)
		EXPECT_EQ(0, vt_leg_compare(&self->l, g, self->image, 0,
					    VD_LEN, &bad)) {
			TH_LOG("leg %u differs at sector %llu", g,
			       (unsigned long long)bad);
		}
}

#define ASSERT_STATUS(name, st) ASSERT_EQ(0, vt_status(name, &(st))) { \
		TH_LOG("status: %s", (st).raw); }

static const unsigned int scattered[] = { 1, 5, 9, 14 };
#define NR_SCATTERED (sizeof(scattered) / sizeof(scattered[0]))

/* ---- classic tables ---- */

/*
 * A new log is written at once, clean, with the documented header; the
 * table prints the feature back; the first write marks the log unclean
 * with its region's intent before the client sees it complete.
 */
TEST_F(rlog, new_log_is_written_clean_and_first_write_marks_it_unclean)
{
	struct log_image img;
	struct log_header h;
	struct vt_status st;
	char table[1024], want[1024];
	char path[160];
	uint64_t events;

	ASSERT_EQ(0, create(self, NULL));
	ASSERT_EQ(0, vt_dm_table(self->name, table, sizeof(table)));
	snprintf(want, sizeof(want),
		 "0 %llu vvmp linear 2 1 %s 0 %llu 1 %s 0 %llu 4 nosync log %s %llu",
		 VD_LEN, self->s[0]->majmin, VD_LEN, self->s[1]->majmin, VD_LEN,
		 self->log->majmin, LOG_OFF);
	EXPECT_STREQ(want, table);
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AA", st.health);
	snprintf(want, sizeof(want), " log %s log_health A",
		 self->log->majmin);
	EXPECT_NE(NULL, strstr(st.raw, want)) {
		TH_LOG("status: %s", st.raw);
	}

	ASSERT_EQ(0, read_header(self->log, &h, &img));
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(1U, h.flags);			/* clean */
	EXPECT_EQ(REGION, h.region_sectors);
	EXPECT_EQ(32768ULL, h.capacity);
	EXPECT_EQ(VD_LEN, h.vd_sectors);
	EXPECT_EQ(2U, h.nr_legs);
	EXPECT_EQ(0, h.health[0]);
	EXPECT_EQ(0, h.health[1]);
	EXPECT_EQ(0U, bits_set(img.block[1], 32768));
	EXPECT_EQ(0U, bits_set(img.block[2], 32768));
	events = h.events;

	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, write_region(path, self->image, 6, 512, SEED_NEW));
	ASSERT_EQ(0, read_header(self->log, &h, &img));
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(0U, h.flags);			/* unclean */
	EXPECT_GT(h.events, events);
	EXPECT_TRUE(bit(img.block[1], 6));
	EXPECT_EQ(1U, bits_set(img.block[1], 32768));
	EXPECT_EQ(0U, bits_set(img.block[2], 32768));

	/* A clean shutdown drops the intent. */
	ASSERT_EQ(0, vt_dm_remove(self->name));
	ASSERT_EQ(0, read_header(self->log, &h, &img));
	EXPECT_EQ(1U, h.flags);
	EXPECT_EQ(0U, bits_set(img.block[1], 32768));
	check_data(_metadata, self, self->s[0]->path);
}

/*
 * Remove (a clean shutdown) and create again with the same log: the failed
 * leg stays failed with the same dirty regions (nosync does not override
 * the log), and the restore copies exactly those regions.
 */
TEST_F(rlog, remove_and_create_keep_failed_leg_and_dirty_regions)
{
	struct log_image img;
	struct log_header h;
	struct vt_status st;
	char path[160];
	unsigned int i;

	ASSERT_EQ(0, create(self, NULL));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	for (i = 0; i < NR_SCATTERED; i++)
		ASSERT_EQ(0, write_region(path, self->image, scattered[i],
					  8192, SEED_NEW));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(NR_SCATTERED, st.dirty_regions);
	ASSERT_EQ(0, vt_dm_remove(self->name));

	ASSERT_EQ(0, read_header(self->log, &h, &img));
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(1U, h.flags);
	EXPECT_EQ(0, h.health[0]);
	EXPECT_EQ(2, h.health[1]);		/* failed */
	EXPECT_EQ(0U, bits_set(img.block[1], 32768));
	EXPECT_EQ(NR_SCATTERED, bits_set(img.block[2], 32768));
	for (i = 0; i < NR_SCATTERED; i++)
		EXPECT_TRUE(bit(img.block[2], scattered[i]));

	ASSERT_EQ(0, create(self, NULL));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(NR_SCATTERED, st.dirty_regions);
	EXPECT_EQ(NR_REGIONS, st.regions);
	EXPECT_EQ(0ULL, st.copied_sectors);
	/* Leg 1 missed the writes: the VD reads them from leg 0. */
	EXPECT_EQ(0, vt_leg_compare(&self->l, 0, self->image, 0, VD_LEN,
				    &(uint64_t){ 0 }));
	EXPECT_NE(0, vt_leg_compare(&self->l, 1, self->image, 0, VD_LEN,
				    &(uint64_t){ 0 }));

	ASSERT_EQ(0, msg(self, "restore_leg 1"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(NR_SCATTERED * REGION, st.copied_sectors);
	EXPECT_EQ(0ULL, st.dirty_regions);
	check_data(_metadata, self, path);
}

/*
 * A write whose own failure fails a leg completes only once the log says
 * the leg failed: read right after the write returns, the header on disk
 * has leg 1 failed (no clean shutdown in between). Log writes take 300 ms
 * (dm-delay), so a header written after the completion would be missed.
 */
TEST_F(rlog, write_failing_a_leg_completes_after_the_log_says_so)
{
	struct log_image img;
	struct log_header h;
	struct vt_status st;
	char path[160];

	ASSERT_EQ(0, create(self, NULL));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, write_region(path, self->image, 3, 0, SEED_NEW));
	ASSERT_EQ(0, vt_slice_set_delay(self->log, 0, 300));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	ASSERT_EQ(0, write_region(path, self->image, 5, 4096, SEED_NEW));
	ASSERT_EQ(0, read_header(self->log, &h, &img));
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(0, h.health[0]);
	EXPECT_EQ(2, h.health[1]);		/* failed, before the write returned */
	EXPECT_TRUE(bit(img.block[1], 5));	/* its intent */
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, vt_slice_set_linear(self->log));
}

/*
 * dmsetup reload + resume of the same table, and a plain suspend/resume,
 * keep the state: the new table reads what the old one wrote when it was
 * suspended.
 */
TEST_F(rlog, reload_and_suspend_keep_state)
{
	struct vt_status st;
	char path[160];

	ASSERT_EQ(0, create(self, NULL));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	ASSERT_EQ(0, write_region(path, self->image, 3, 0, SEED_NEW));
	ASSERT_EQ(0, write_region(path, self->image, 12, 4096, SEED_NEW));

	ASSERT_EQ(0, vt_dm_reload(self->name, self->table));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(2ULL, st.dirty_regions);

	ASSERT_EQ(0, vt_dm_suspend(self->name, true));
	ASSERT_EQ(0, vt_dm_suspend(self->name, false));
	ASSERT_EQ(0, write_region(path, self->image, 7, 0, SEED_NEW));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(3ULL, st.dirty_regions);

	ASSERT_EQ(0, msg(self, "restore_leg 1"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(3 * REGION, st.copied_sectors);
	check_data(_metadata, self, path);
}

/*
 * A leg that needed a full copy (the initial sync of a table without
 * nosync) still needs one after a remove and create in the middle of it.
 */
TEST_F(rlog, interrupted_initial_sync_is_a_full_copy_again)
{
	char out[VT_OUT_MAX], features[256];
	struct vt_status st;

	snprintf(features, sizeof(features), "5 log %s %llu resync_rate 256",
		 self->log->majmin, LOG_OFF);
	self->l.features = features;
	ASSERT_EQ(0, vt_layout_table(&self->l, self->table,
				     sizeof(self->table)));
	self->name = vt_new_name("rl");
	ASSERT_EQ(0, vt_dm_create(self->name, self->table, out, sizeof(out)));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("Aa", st.health);
	ASSERT_EQ(0, vt_dm_remove(self->name));

	ASSERT_EQ(0, vt_dm_create(self->name, self->table, out, sizeof(out)));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("Aa", st.health);
	ASSERT_EQ(0, msg(self, "resync_rate 0"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(VD_LEN, st.copied_sectors);
}

/*
 * Intent bits of regions no longer written are cleared within a few
 * periods (5 s each), and with none left the log is clean again; the next
 * write marks it unclean with its region's intent first.
 */
TEST_F_TIMEOUT(rlog, intent_is_cleared_once_writes_stop, 120)
{
	struct log_image img;
	struct log_header h;
	char path[160];
	uint64_t deadline;

	ASSERT_EQ(0, create(self, NULL));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, write_region(path, self->image, 2, 0, SEED_NEW));
	ASSERT_EQ(0, write_region(path, self->image, 10, 0, SEED_NEW));
	ASSERT_EQ(0, read_header(self->log, &h, &img));
	EXPECT_TRUE(bit(img.block[1], 2));
	EXPECT_TRUE(bit(img.block[1], 10));
	deadline = vt_now_ms() + 30000;
	do {
		vt_sleep_ms(500);
		ASSERT_EQ(0, read_header(self->log, &h, &img));
	} while ((bits_set(img.block[1], 32768) || h.flags != 1) &&
		 vt_now_ms() < deadline);
	EXPECT_EQ(0U, bits_set(img.block[1], 32768));
	EXPECT_TRUE(h.valid);
	EXPECT_EQ(1U, h.flags);			/* clean */
	/* Rewriting a region sets its intent again before the write. */
	ASSERT_EQ(0, write_region(path, self->image, 10, 4096, SEED_NEW));
	ASSERT_EQ(0, read_header(self->log, &h, &img));
	EXPECT_EQ(0U, h.flags);
	EXPECT_TRUE(bit(img.block[1], 10));
	EXPECT_EQ(1U, bits_set(img.block[1], 32768));
	check_data(_metadata, self, path);
}

struct writer {
	const char *path;
	uint8_t *image;
	unsigned int region;
	int rc;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;

	w->rc = write_region(w->path, w->image, w->region, 12288, SEED_NEW);
	return NULL;
}

/*
 * A crash: writes are held in flight by dm-delay under both legs while dd
 * copies the log (unclean, intent set for every written region). After the
 * writes end, the VD is removed, the copy put back and leg 1 given other
 * data in the intent regions (a write that reached one leg only). Created
 * again, leg 1 is out of sync and the resync copies exactly the intent
 * regions; then the legs are identical.
 */
TEST_F_TIMEOUT(rlog, crash_resyncs_only_intent_regions, 300)
{
	static const unsigned int regions[] = { 2, 6, 11, 13 };
	const unsigned int nr = sizeof(regions) / sizeof(regions[0]);
	const char *copy = "/tmp/region_log.crash";
	struct writer w[4];
	pthread_t t[4];
	struct log_image img;
	struct log_header h;
	struct vt_status st;
	char path[160], out[VT_OUT_MAX];
	unsigned int i, r, intent;
	uint8_t *torn;

	ASSERT_EQ(0, create(self, NULL));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, vt_slice_set_delay(self->s[0], 0, 3000));
	ASSERT_EQ(0, vt_slice_set_delay(self->s[1], 0, 3000));
	for (i = 0; i < nr; i++) {
		w[i] = (struct writer){ path, self->image, regions[i], -1 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, writer_run, &w[i]));
	}
	vt_sleep_ms(1000);
	ASSERT_EQ(0, vt_run(out, sizeof(out),
			    "dd if=%s of=%s bs=4096 skip=1 count=3 iflag=direct status=none",
			    self->log->path, copy)) {
		TH_LOG("%s", out);
	}
	ASSERT_STATUS(self->name, st);
	EXPECT_NE(0ULL, st.leg[0].in_flight) {
		TH_LOG("the writes were not in flight any more: %s", st.raw);
	}
	for (i = 0; i < nr; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].rc);
	}

	{
		FILE *f = fopen(copy, "rb");

		ASSERT_NE(NULL, f);
		ASSERT_EQ(1U, fread(&img, sizeof(img), 1, f));
		fclose(f);
	}
	parse_header(img.block[0], &h);
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(0U, h.flags);			/* unclean */
	for (i = 0; i < nr; i++)
		EXPECT_TRUE(bit(img.block[1], regions[i])) {
			TH_LOG("region %u has no intent in the copy",
			       regions[i]);
		}
	intent = bits_set(img.block[1], 32768);
	EXPECT_GE(intent, nr);
	EXPECT_EQ(0U, bits_set(img.block[2], 32768));

	ASSERT_EQ(0, vt_slice_set_linear(self->s[0]));
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, vt_dm_remove(self->name));
	ASSERT_EQ(0, vt_run(out, sizeof(out),
			    "dd if=%s of=%s bs=4096 seek=1 oflag=direct conv=notrunc status=none",
			    copy, self->log->path)) {
		TH_LOG("%s", out);
	}
	unlink(copy);

	/* What a crash leaves: leg 1 without the writes of the intent regions. */
	torn = vt_image(VD_LEN, SEED_TORN);
	ASSERT_NE(NULL, torn);
	for (r = 0; r < NR_REGIONS; r++)
		if (bit(img.block[1], r)) {
			ASSERT_EQ(0, vt_leg_write(&self->l, 1, torn, r * REGION,
						  REGION));
		}
	free(torn);

	ASSERT_EQ(0, create(self, "resync_rate 256"));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("Aa", st.health);
	/* The first window may be copied already: the rate paces the next. */
	EXPECT_EQ(intent, st.dirty_regions + st.copied_sectors / REGION) {
		TH_LOG("status: %s", st.raw);
	}
	ASSERT_EQ(0, msg(self, "resync_rate 0"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(intent * REGION, st.copied_sectors);
	EXPECT_LE(st.copied_sectors, intent * REGION);
	EXPECT_EQ(0ULL, st.dirty_regions);
	check_data(_metadata, self, path);
}

/* A refused table: the exact message, no device, the log unchanged. */
static void check_refused(struct __test_metadata *_metadata,
			  FIXTURE_DATA(rlog) *self, const char *table,
			  const char *message, int err, const char *errname,
			  int err2, const char *errname2)
{
	const char *name = vt_new_name("bad");
	struct log_image before, after;
	char out[VT_OUT_MAX];
	static char log[65536];
	int kmsg, rc;

	ASSERT_EQ(0, read_log(self->log, &before));
	kmsg = vt_kmsg_mark();
	ASSERT_GE(kmsg, 0);
	rc = vt_dm_create(name, table, out, sizeof(out));
	EXPECT_TRUE(rc == err || (err2 && rc == err2)) {
		TH_LOG("table '%s': %s", table, out[0] ? out : "accepted");
	}
	ASSERT_EQ(0, vt_kmsg_collect(kmsg, log, sizeof(log)));
	EXPECT_TRUE(vt_log_has_table_error(log, message, errname) ||
		    (errname2 && vt_log_has_table_error(log, message,
							errname2))) {
		TH_LOG("want 'vvmp: %s (-%s)' for '%s'; kernel log:\n%s",
		       message, errname, table, log);
	}
	EXPECT_FALSE(vt_dm_exists(name));
	EXPECT_EQ(0, vt_dm_open_count(self->log->name));
	ASSERT_EQ(0, read_log(self->log, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

/* Bad log arguments and logs that do not fit: refused, nothing left. */
TEST_F(rlog, bad_log_arguments_are_refused_and_change_nothing)
{
	struct vt_dev *small = vt_slice(32);
	char table[1024], features[256];
	struct vt_layout one = self->l;

	ASSERT_NE(NULL, small);
#define FEATURES(...) do {						\
		snprintf(features, sizeof(features), __VA_ARGS__);	\
		self->l.features = features;				\
		ASSERT_EQ(0, vt_layout_table(&self->l, table, sizeof(table))); \
	} while (0)

	FEATURES("2 log %s", self->log->majmin);
	check_refused(_metadata, self, table, "Not enough arguments",
		      EINVAL, "EINVAL", 0, NULL);
	FEATURES("3 log %s 1x", self->log->majmin);
	check_refused(_metadata, self, table, "Invalid log offset", EINVAL,
		      "EINVAL", 0, NULL);
	FEATURES("3 log %s 4", self->log->majmin);
	check_refused(_metadata, self, table,
		      "Log offset is not a multiple of 8 sectors", EINVAL,
		      "EINVAL", 0, NULL);
	FEATURES("3 log /dev/vvt_no_such_device 8");
	/* The lookup's own error: -ENODEV on 6.1, -ENOENT on 6.12. */
	check_refused(_metadata, self, table, "Log device lookup failed",
		      ENODEV, "ENODEV", ENOENT, "ENOENT");
	FEATURES("6 log %s 8 log %s 8", self->log->majmin, self->log->majmin);
	check_refused(_metadata, self, table, "Duplicate feature argument",
		      EINVAL, "EINVAL", 0, NULL);
	/* 24 sectors are needed from the offset: 8 + 24 > 32. */
	FEATURES("3 log %s 16", small->majmin);
	check_refused(_metadata, self, table, "Log device too small for the VD",
		      EINVAL, "EINVAL", 0, NULL);
	FEATURES("3 log %s 40", small->majmin);
	check_refused(_metadata, self, table, "Log device too small for the VD",
		      EINVAL, "EINVAL", 0, NULL);
	/* On a leg's slice, inside its extent. */
	FEATURES("3 log %s 8", self->s[1]->majmin);
	check_refused(_metadata, self, table, "Log overlaps an extent of a leg",
		      EINVAL, "EINVAL", 0, NULL);
	self->l.features = NULL;

	one.nr_legs = 1;
	snprintf(features, sizeof(features), "3 log %s 8", self->log->majmin);
	one.features = features;
	ASSERT_EQ(0, vt_layout_table(&one, table, sizeof(table)));
	check_refused(_metadata, self, table,
		      "The log feature needs two or more legs", EINVAL,
		      "EINVAL", 0, NULL);
#undef FEATURES
}

/* A log written for another region size or leg count is not taken. */
TEST_F(rlog, log_of_another_geometry_is_refused)
{
	struct vt_dev *third = vt_slice(VD_LEN);
	char table[1024], features[256];
	struct vt_layout three = self->l;

	ASSERT_NE(NULL, third);
	ASSERT_EQ(0, create(self, NULL));
	ASSERT_EQ(0, vt_dm_remove(self->name));

	snprintf(features, sizeof(features), "6 nosync log %s %llu region_size 512",
		 self->log->majmin, LOG_OFF);
	self->l.features = features;
	ASSERT_EQ(0, vt_layout_table(&self->l, table, sizeof(table)));
	check_refused(_metadata, self, table,
		      "Log was written with another region size", EINVAL,
		      "EINVAL", 0, NULL);

	three.nr_legs = 3;
	three.leg[2] = three.leg[1];
	three.leg[2].ext[0].dev = third;
	snprintf(features, sizeof(features), "4 nosync log %s %llu",
		 self->log->majmin, LOG_OFF);
	three.features = features;
	ASSERT_EQ(0, vt_layout_table(&three, table, sizeof(table)));
	check_refused(_metadata, self, table,
		      "Log was written for another number of legs", EINVAL,
		      "EINVAL", 0, NULL);

	/* Zeroed, the log is new again: the 3-leg table takes it. */
	ASSERT_EQ(0, zero_dev(self->log, LOG_LEN));
	self->name = vt_new_name("rl");
	ASSERT_EQ(0, vt_dm_create(self->name, table, NULL, 0));
}

/* ---- named VDs ---- */

static int nl_setup(FIXTURE_DATA(rlog) *self)
{
	int rc = nt_open(&self->nl);

	if (rc)
		return rc;
	self->nl_open = true;
	return 0;
}

static void put_extent(struct nt_msg *m, uint16_t type, const char *dev,
		       uint64_t off, uint64_t len)
{
	nt_nest_begin(m, type);
	nt_put_str(m, VVMP_EXTENT_A_DEVICE, dev);
	nt_put_u64(m, VVMP_EXTENT_A_OFFSET, off);
	nt_put_u64(m, VVMP_EXTENT_A_LENGTH, len);
	nt_nest_end(m);
}

/* VD_CREATE (or VD_SET_MAP) of a 2-leg linear map; LOG if @log_dev. */
static int vd_map(FIXTURE_DATA(rlog) *self, uint8_t cmd,
		  struct vt_dev *const *legs, uint64_t len, uint32_t region,
		  const char *log_dev, uint64_t log_off, uint64_t log_len,
		  bool with_length, struct nt_ack *ack)
{
	struct nt_msg *m = malloc(sizeof(*m));
	char why[NT_WHY_MAX] = "";
	unsigned int g;
	int rc;

	if (!m)
		return -ENOMEM;
	nt_msg_init(m, self->nl.family, 0, cmd);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_nest_begin(m, VVMP_A_MAP);
	nt_put_u8(m, VVMP_MAP_A_LAYOUT, VVMP_MAP_LINEAR);
	if (cmd == VVMP_CMD_VD_CREATE)
		nt_put_flag(m, VVMP_MAP_A_NOSYNC);
	for (g = 0; g < 2; g++) {
		nt_nest_begin(m, VVMP_MAP_A_LEG);
		put_extent(m, VVMP_LEG_A_EXTENT, legs[g]->majmin, 0, len);
		nt_nest_end(m);
	}
	nt_nest_end(m);
	if (region)
		nt_put_u32(m, VVMP_A_REGION_SECTORS, region);
	if (log_dev) {
		nt_nest_begin(m, VVMP_A_LOG);
		nt_put_str(m, VVMP_EXTENT_A_DEVICE, log_dev);
		nt_put_u64(m, VVMP_EXTENT_A_OFFSET, log_off);
		if (with_length)
			nt_put_u64(m, VVMP_EXTENT_A_LENGTH, log_len);
		nt_nest_end(m);
	}
	rc = nt_do(&self->nl, m, ack, NULL, 0, why, sizeof(why));
	if (rc == -EPROTO)
		fprintf(stderr, "# %s\n", why);
	if (!rc && cmd == VVMP_CMD_VD_CREATE)
		self->vd_made = true;
	free(m);
	return rc;
}

static int vd_delete(FIXTURE_DATA(rlog) *self)
{
	struct nt_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	nt_msg_init(m, self->nl.family, 0, VVMP_CMD_VD_DELETE);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	rc = nt_do(&self->nl, m, NULL, NULL, 0, NULL, 0);
	if (!rc)
		self->vd_made = false;
	free(m);
	return rc;
}

static int expose(FIXTURE_DATA(rlog) *self, uint64_t len)
{
	char table[256], out[VT_OUT_MAX];

	self->name = vt_new_name("rlvd");
	snprintf(table, sizeof(table), "0 %llu vvmp vd %s",
		 (unsigned long long)len, self->vd);
	return vt_dm_create(self->name, table, out, sizeof(out));
}

/*
 * A named VD with a log: delete (a clean shutdown) and create again keep
 * the failed leg and the dirty regions; the restore copies only those.
 */
TEST_F(rlog, named_vd_log_survives_delete_and_create)
{
	struct nt_ack ack;
	struct log_image img;
	struct log_header h;
	struct vt_status st;
	char path[160];
	unsigned int i;

	ASSERT_EQ(0, nl_setup(self));
	ASSERT_EQ(0, vd_map(self, VVMP_CMD_VD_CREATE, self->s, VD_LEN, 0,
			    self->log->majmin, LOG_OFF, LOG_SECTORS, true,
			    &ack)) {
		TH_LOG("VD_CREATE: %s", ack.msg);
	}
	ASSERT_EQ(0, expose(self, VD_LEN));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_EQ(0, msg(self, "fail_leg 1"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, write_region(path, self->image, scattered[i], 0,
					  SEED_NEW));
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(3ULL, st.dirty_regions);
	ASSERT_EQ(0, vt_dm_remove(self->name));
	ASSERT_EQ(0, vd_delete(self));

	ASSERT_EQ(0, read_header(self->log, &h, &img));
	ASSERT_TRUE(h.valid);
	EXPECT_EQ(1U, h.flags);
	EXPECT_EQ(2, h.health[1]);
	EXPECT_EQ(3U, bits_set(img.block[2], 32768));

	ASSERT_EQ(0, vd_map(self, VVMP_CMD_VD_CREATE, self->s, VD_LEN, 0,
			    self->log->majmin, LOG_OFF, LOG_SECTORS, true,
			    &ack)) {
		TH_LOG("VD_CREATE: %s", ack.msg);
	}
	ASSERT_EQ(0, expose(self, VD_LEN));
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->name);
	ASSERT_STATUS(self->name, st);
	EXPECT_STREQ("AD", st.health);
	EXPECT_EQ(3ULL, st.dirty_regions);
	ASSERT_EQ(0, msg(self, "restore_leg 1"));
	ASSERT_EQ(0, vt_wait_health(self->name, "AA", 60, &st)) {
		TH_LOG("status: %s", st.raw);
	}
	EXPECT_EQ(3 * REGION, st.copied_sectors);
	check_data(_metadata, self, path);
	ASSERT_EQ(0, vt_dm_remove(self->name));
	ASSERT_EQ(0, vd_delete(self));
}

static void expect_create_refused(struct __test_metadata *_metadata,
				  FIXTURE_DATA(rlog) *self,
				  const char *log_dev, uint64_t off,
				  uint64_t len, bool with_length, int err,
				  const char *message)
{
	struct log_image before, after;
	struct nt_ack ack;

	ASSERT_EQ(0, read_log(self->log, &before));
	EXPECT_EQ(err, vd_map(self, VVMP_CMD_VD_CREATE, self->s, VD_LEN, 0,
			      log_dev, off, len, with_length, &ack));
	if (message) {
		EXPECT_STREQ(message, ack.msg);
	} else {
		EXPECT_TRUE(ack.has_miss);
	}
	ASSERT_EQ(0, read_log(self->log, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_EQ(-ENOENT, vd_delete(self));
	self->vd_made = false;
}

/*
 * VD_CREATE's LOG errors, and a map that would grow past the log's
 * capacity (4 KiB regions, one bitmap block: 32768 regions, 128 MiB).
 */
TEST_F(rlog, named_vd_log_errors_and_capacity)
{
	struct vt_dev *big[2];
	struct nt_ack ack;
	unsigned int g;

	ASSERT_EQ(0, nl_setup(self));
	expect_create_refused(_metadata, self, self->log->majmin, LOG_OFF,
			      16, true, -EINVAL,
			      "Log extent too small for the VD");
	expect_create_refused(_metadata, self, self->log->majmin, 4,
			      LOG_SECTORS, true, -EINVAL,
			      "Log offset is not a multiple of 8 sectors");
	expect_create_refused(_metadata, self, self->log->majmin, LOG_OFF,
			      LOG_LEN, true, -EINVAL,
			      "Log extent beyond end of device");
	expect_create_refused(_metadata, self, self->s[0]->majmin, 0,
			      LOG_SECTORS, true, -EINVAL,
			      "Log overlaps an extent of a leg");
	expect_create_refused(_metadata, self, self->log->majmin, LOG_OFF,
			      0, false, -EINVAL, NULL);

	/* Legs on null_blk: no data, only the geometry matters. */
	for (g = 0; g < 2; g++) {
		big[g] = vt_nullb(160, 0, false);
		ASSERT_NE(NULL, big[g]);
	}
	ASSERT_EQ(0, vd_map(self, VVMP_CMD_VD_CREATE, big, 131072, 8,
			    self->log->majmin, LOG_OFF, LOG_SECTORS, true,
			    &ack)) {
		TH_LOG("VD_CREATE: %s", ack.msg);
	}
	EXPECT_EQ(-ENOSPC, vd_map(self, VVMP_CMD_VD_SET_MAP, big, 262152, 0,
				  NULL, 0, 0, false, &ack));
	EXPECT_STREQ("Map would grow the VD past its log's capacity", ack.msg);
	EXPECT_EQ(0, vd_map(self, VVMP_CMD_VD_SET_MAP, big, 262144, 0, NULL,
			    0, 0, false, &ack)) {
		TH_LOG("VD_SET_MAP: %s", ack.msg);
	}
	ASSERT_EQ(0, vd_delete(self));
}

TEST_HARNESS_MAIN
