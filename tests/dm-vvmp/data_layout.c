// SPDX-License-Identifier: GPL-2.0
/*
 * Data layout of the vvmp target (Documentation/dm-vvmp.rst, "Table" and
 * "I/O semantics"): a linear leg concatenates its extents, a striped leg puts
 * chunk c on extent c mod #extents, every leg of a mirror holds the whole VD.
 *
 * The mapping is computed here from the doc (vt_layout_map) and checked both
 * ways: data put on the backing devices at the mapped places reads back
 * through the VD, and patterned writes of 512 B .. 1 MiB at chunk-unaligned
 * offsets through the VD land byte for byte at the mapped places of every
 * leg. Each pattern word is a hash of its VD offset and a per-write seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"

#define SLICE		20480	/* 10 MiB per backing slice */
#define NR_SLICES	4
#define MAX_EXT		8

struct ext_spec {
	int slice;
	uint64_t off;
	uint64_t len;
};

FIXTURE(layout) {
	struct vt_dev *d[NR_SLICES];
	struct vt_layout l;
	uint8_t *image;
	const char *name;
	int fd;
};

FIXTURE_VARIANT(layout) {
	bool striped;
	uint64_t chunk;
	uint64_t length;
	unsigned int nr_legs;
	unsigned int nr_ext[3];
	struct ext_spec ext[3][MAX_EXT];
	const char *features;
};

FIXTURE_VARIANT_ADD(layout, linear) {
	.length = 16384, .nr_legs = 1, .nr_ext = { 1 },
	.ext = { { { 0, 2048, 16384 } } },
};
FIXTURE_VARIANT_ADD(layout, concat3) {
	.length = 16384, .nr_legs = 1, .nr_ext = { 3 },
	.ext = { { { 0, 1000, 5000 }, { 1, 8, 7000 }, { 0, 10000, 4384 } } },
};
FIXTURE_VARIANT_ADD(layout, striped_chunk8_3) {
	.striped = true, .chunk = 8, .length = 16392, .nr_legs = 1,
	.nr_ext = { 3 },
	.ext = { { { 0, 16, 5464 }, { 1, 0, 5464 }, { 2, 800, 5464 } } },
};
FIXTURE_VARIANT_ADD(layout, striped_chunk8_4) {
	.striped = true, .chunk = 8, .length = 16384, .nr_legs = 1,
	.nr_ext = { 4 },
	.ext = { { { 0, 0, 4096 }, { 1, 8, 4096 }, { 2, 4096, 4096 },
		   { 3, 24, 4096 } } },
};
FIXTURE_VARIANT_ADD(layout, striped_chunk64_3) {
	.striped = true, .chunk = 64, .length = 16512, .nr_legs = 1,
	.nr_ext = { 3 },
	.ext = { { { 0, 0, 5504 }, { 1, 64, 5504 }, { 2, 128, 5504 } } },
};
FIXTURE_VARIANT_ADD(layout, striped_chunk64_4) {
	.striped = true, .chunk = 64, .length = 16384, .nr_legs = 1,
	.nr_ext = { 4 },
	.ext = { { { 0, 0, 4096 }, { 1, 64, 4096 }, { 2, 4096, 4096 },
		   { 3, 128, 4096 } } },
};
FIXTURE_VARIANT_ADD(layout, mirror2_nosync) {
	.length = 16384, .nr_legs = 2, .nr_ext = { 1, 2 },
	.ext = { { { 0, 0, 16384 } },
		 { { 1, 100, 9000 }, { 2, 0, 7384 } } },
	.features = "1 nosync",
};
FIXTURE_VARIANT_ADD(layout, mirror3_nosync) {
	.length = 16384, .nr_legs = 3, .nr_ext = { 1, 1, 3 },
	.ext = { { { 0, 0, 16384 } },
		 { { 1, 0, 16384 } },
		 { { 2, 8, 4000 }, { 3, 0, 4000 }, { 2, 8192, 8384 } } },
	.features = "1 nosync",
};
FIXTURE_VARIANT_ADD(layout, mirror2_of_striped_legs_nosync) {
	.striped = true, .chunk = 16, .length = 16384, .nr_legs = 2,
	.nr_ext = { 2, 4 },
	.ext = { { { 0, 0, 8192 }, { 1, 0, 8192 } },
		 { { 2, 0, 4096 }, { 3, 0, 4096 }, { 2, 8192, 4096 },
		   { 3, 8192, 4096 } } },
	.features = "1 nosync",
};

/*
 * Put the base pattern on every leg's backing devices directly, at the
 * places the layout maps it to, then create the VD on top.
 */
FIXTURE_SETUP(layout)
{
	unsigned int g, e;
	int i;

	self->fd = -1;
	ASSERT_EQ(0, vt_begin());
	for (i = 0; i < NR_SLICES; i++) {
		self->d[i] = vt_slice(SLICE);
		ASSERT_NE(NULL, self->d[i]);
	}
	self->l.striped = variant->striped;
	self->l.chunk = variant->chunk;
	self->l.length = variant->length;
	self->l.nr_legs = variant->nr_legs;
	self->l.features = variant->features;
	for (g = 0; g < variant->nr_legs; g++) {
		self->l.leg[g].nr = variant->nr_ext[g];
		for (e = 0; e < variant->nr_ext[g]; e++) {
			const struct ext_spec *x = &variant->ext[g][e];

			self->l.leg[g].ext[e].dev = self->d[x->slice];
			self->l.leg[g].ext[e].off = x->off;
			self->l.leg[g].ext[e].len = x->len;
		}
	}
	self->image = vt_image(variant->length, 1);
	ASSERT_NE(NULL, self->image);
	for (g = 0; g < variant->nr_legs; g++)
		ASSERT_EQ(0, vt_leg_write(&self->l, g, self->image, 0,
					  variant->length));
	self->fd = vt_layout_create(&self->l, &self->name);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(layout)
{
	free(self->image);
	vt_end();
}

/* Deterministic PRNG for sizes and offsets (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Compare the whole VD, read through it in @io-sector pieces. */
static int check_vd(struct __test_metadata *_metadata, int fd,
		    const uint8_t *image, uint64_t length, uint64_t io)
{
	uint64_t s, bad = 0;
	int rc;

	for (s = 0; s < length; s += io) {
		uint64_t n = length - s < io ? length - s : io;

		rc = vt_compare_dev(fd, image + s * VT_SECTOR, s * VT_SECTOR,
				    n * VT_SECTOR, &bad);
		EXPECT_EQ(0, rc) {
			TH_LOG("VD read [%llu, +%llu): %s at VD byte %llu",
			       (unsigned long long)s, (unsigned long long)n,
			       rc > 0 ? "mismatch" : strerror(-rc),
			       (unsigned long long)bad);
			return -1;
		}
	}
	return 0;
}

static void check_legs(struct __test_metadata *_metadata,
		       const struct vt_layout *l, const uint8_t *image)
{
	unsigned int g;

	for (g = 0; g < l->nr_legs; g++) {
		uint64_t bad = 0, dev_sector = 0, run;
		unsigned int e = 0;
		int rc = vt_leg_compare(l, g, image, 0, l->length, &bad);

		if (rc > 0)
			vt_layout_map(l, g, bad, &e, &dev_sector, &run);
		EXPECT_EQ(0, rc) {
			TH_LOG("leg %u: VD sector %llu differs on %s sector %llu (extent %u)",
			       g, (unsigned long long)bad,
			       l->leg[g].ext[e].dev->name,
			       (unsigned long long)dev_sector, e);
		}
	}
}

TEST_F_TIMEOUT(layout, reads_find_data_where_the_layout_puts_it, 120)
{
	struct vt_status st;
	unsigned int g;
	uint64_t io;

	/* Several read sizes so pieces straddle extents and chunks. */
	for (io = 1; io <= 2048; io = io * 4 + 3)
		ASSERT_EQ(0, check_vd(_metadata, self->fd, self->image,
				      variant->length, io));
	ASSERT_EQ(0, vt_status(self->name, &st)) {
		TH_LOG("%s", st.raw);
	}
	for (g = 0; g < st.nr_legs; g++) {
		EXPECT_EQ('A', st.health[g]);
		EXPECT_EQ(0ULL, st.leg[g].read_errors);
		EXPECT_EQ(0ULL, st.leg[g].in_flight);
		/* One read in flight at a time: least-pending ties go round-robin. */
		EXPECT_LT(0ULL, st.leg[g].reads) {
			TH_LOG("leg %u served no read: %s", g, st.raw);
		}
	}
}

TEST_F_TIMEOUT(layout, writes_land_on_every_leg_where_the_layout_says, 120)
{
	static const uint64_t sizes[] = {
		1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255,
		256, 257, 1000, 2047, 2048,
	};
	uint8_t *buf = vt_alloc(2048 * VT_SECTOR);
	uint64_t seed = 0x1234567 + variant->length, i, nr_writes = 0;
	uint64_t length = variant->length;
	struct vt_status st;
	unsigned int g, e;

	ASSERT_NE(NULL, buf);
	/* Writes straddling every extent boundary of every leg ... */
	for (g = 0; g < self->l.nr_legs; g++) {
		uint64_t start = 0;

		for (e = 0; e + 1 < self->l.leg[g].nr && !self->l.striped; e++) {
			uint64_t b = start + self->l.leg[g].ext[e].len;
			uint64_t off = b - 3, n = 7;

			vt_pattern(buf, n * VT_SECTOR, off * VT_SECTOR, 50 + nr_writes);
			memcpy(self->image + off * VT_SECTOR, buf, n * VT_SECTOR);
			ASSERT_EQ(0, vt_pwrite_all(self->fd, buf, n * VT_SECTOR,
						   off * VT_SECTOR));
			nr_writes++;
			start = b;
		}
	}
	/* ... then sizes from 512 B to 1 MiB at chunk-unaligned offsets. */
	for (i = 0; i < 60; i++) {
		uint64_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		uint64_t off = rnd(&seed) % (length - n + 1);

		if (self->l.striped && off % self->l.chunk == 0 && off)
			off--;
		vt_pattern(buf, n * VT_SECTOR, off * VT_SECTOR, 100 + i);
		memcpy(self->image + off * VT_SECTOR, buf, n * VT_SECTOR);
		ASSERT_EQ(0, vt_pwrite_all(self->fd, buf, n * VT_SECTOR,
					   off * VT_SECTOR)) {
			TH_LOG("write %llu sectors at %llu",
			       (unsigned long long)n, (unsigned long long)off);
		}
		nr_writes++;
	}
	/* The last sector of the VD. */
	vt_pattern(buf, VT_SECTOR, (length - 1) * VT_SECTOR, 999);
	memcpy(self->image + (length - 1) * VT_SECTOR, buf, VT_SECTOR);
	ASSERT_EQ(0, vt_pwrite_all(self->fd, buf, VT_SECTOR,
				   (length - 1) * VT_SECTOR));
	nr_writes++;
	free(buf);

	ASSERT_EQ(0, check_vd(_metadata, self->fd, self->image, length, 2048));
	ASSERT_EQ(0, check_vd(_metadata, self->fd, self->image, length, 13));
	check_legs(_metadata, &self->l, self->image);

	ASSERT_EQ(0, vt_status(self->name, &st)) {
		TH_LOG("%s", st.raw);
	}
	EXPECT_EQ(length, st.synced);
	EXPECT_EQ(length, st.total);
	for (g = 0; g < st.nr_legs; g++) {
		EXPECT_EQ('A', st.health[g]);
		EXPECT_LE(nr_writes, st.leg[g].writes) {
			TH_LOG("leg %u: %llu client writes: %s", g,
			       (unsigned long long)nr_writes, st.raw);
		}
		EXPECT_EQ(0ULL, st.leg[g].write_errors);
		EXPECT_EQ(0ULL, st.leg[g].read_errors);
		EXPECT_EQ(0ULL, st.leg[g].in_flight);
	}
}

TEST_F(layout, writes_outside_the_vd_are_refused)
{
	uint8_t *buf = vt_alloc(4096);
	ssize_t n;

	ASSERT_NE(NULL, buf);
	n = pwrite(self->fd, buf, 4096, variant->length * VT_SECTOR);
	EXPECT_GE(0, n);
	free(buf);
	/* Nothing past the VD end reached a backing device. */
	check_legs(_metadata, &self->l, self->image);
}

TEST_F(layout, io_hints_report_stripe_geometry)
{
	char val[64];

	if (!variant->striped)
		SKIP(return, "linear layout: no stripe geometry");
	ASSERT_EQ(0, vt_dm_sysfs(self->name, "queue/minimum_io_size", val,
				 sizeof(val)));
	EXPECT_EQ(variant->chunk * VT_SECTOR, strtoull(val, NULL, 10));
	ASSERT_EQ(0, vt_dm_sysfs(self->name, "queue/optimal_io_size", val,
				 sizeof(val)));
	EXPECT_EQ(variant->chunk * variant->nr_ext[0] * VT_SECTOR,
		  strtoull(val, NULL, 10));
}

TEST_HARNESS_MAIN
