// SPDX-License-Identifier: GPL-2.0
/*
 * One VD exposed to two clients by two dm devices
 * ("0 <size> vvmp vd <vd> client <c>", Documentation/vvmp-netlink.rst,
 * "Policies"): each device enforces its own client's ACL, status and class
 * of service on every bio, checked through O_DIRECT I/O on both devices
 * (errno, data byte for byte) and their dm status lines; removing one
 * client's device never disturbs the other's I/O. CoS limits are measured
 * with fio (libaio, direct, iodepth 16, 5 s) within +-10 %.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/dm-ioctl.h>
#include <vvmp/vaapi.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"
#include "ctl_test_lib.h"

#define VD_LEN		8192ULL		/* 4 MiB */

/* ---- the suite --------------------------------------------------------- */

FIXTURE(two) {
	struct ctl c;
	struct vt_dev *d;
	const char *vd, *ca, *cb;
	const char *deva, *devb;
	char patha[128], pathb[128];
};

FIXTURE_SETUP(two)
{
	struct vaapi_map map;

	ASSERT_EQ(0, ctl_setup(&self->c));
	self->d = vt_slice(VD_LEN);
	ASSERT_NE(NULL, self->d);
	self->vd = ctl_name(&self->c, "vd", true);
	self->ca = ctl_name(&self->c, "a", false);
	self->cb = ctl_name(&self->c, "b", false);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, self->ca, "host a"));
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, self->cb, "host b"));
	ctl_linear(&map, &self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, self->vd, &map));
	self->deva = ctl_expose(&self->c, self->vd, self->ca, VD_LEN, self->patha,
				sizeof(self->patha));
	ASSERT_NE(NULL, self->deva);
	self->devb = ctl_expose(&self->c, self->vd, self->cb, VD_LEN, self->pathb,
				sizeof(self->pathb));
	ASSERT_NE(NULL, self->devb);
	ASSERT_EQ(0, ctl_write(self->patha, 0, VD_LEN * 512, 1));
}

FIXTURE_TEARDOWN(two)
{
	ctl_teardown(&self->c);
}

/* `dmsetup table` of a client device is exactly its constructor line. */
TEST_F(two, table_names_vd_and_client)
{
	char out[512], want[256];

	snprintf(want, sizeof(want), "0 %llu vvmp vd %s client %s", VD_LEN, self->vd,
		 self->ca);
	ASSERT_EQ(0, vt_run(out, sizeof(out), "dmsetup table %s", self->deva));
	out[strcspn(out, "\n")] = '\0';
	EXPECT_STREQ(want, out);
	snprintf(want, sizeof(want), "0 %llu vvmp vd %s client %s", VD_LEN, self->vd,
		 self->cb);
	ASSERT_EQ(0, vt_dm_table(self->devb, out, sizeof(out)));
	EXPECT_STREQ(want, out);
	/* Both see the same data. */
	EXPECT_EQ(0, ctl_check(self->pathb, 0, VD_LEN * 512, 0, 1));
}

static uint64_t client_refused(struct ctl *c, const char *vd, const char *client)
{
	struct vaapi_vd_stats *st = calloc(1, sizeof(*st));
	uint64_t n = UINT64_MAX;
	unsigned int i;

	if (st && !vaapi_psap_copy_vd_stats(c->h, vd, st))
		for (i = 0; i < st->nr_clients; i++)
			if (!strcmp(st->clients[i].client, client))
				n = st->clients[i].refused;
	free(st);
	return n;
}

/* ro: writes fail with EILSEQ (BLK_STS_PROTECTION), reads work; the other writes. */
TEST_F(two, ro_client_cannot_write_the_other_can)
{
	char val[32];

	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, self->vd, self->cb, VVMP_ACL_RO));
	ASSERT_TRUE(ctl_status_word(self->devb, "acl", val, sizeof(val)));
	EXPECT_STREQ("ro", val);
	ASSERT_TRUE(ctl_status_word(self->deva, "acl", val, sizeof(val)));
	EXPECT_STREQ("rw", val);
	ASSERT_EQ(0, vaapi_psap_reset_vd_stats(self->c.h, self->vd));
	EXPECT_EQ(-EILSEQ, ctl_write(self->pathb, 8192, 4096, 2));
	EXPECT_EQ(1, client_refused(&self->c, self->vd, self->cb));
	EXPECT_EQ(0, ctl_check(self->pathb, 0, VD_LEN * 512, 0, 1));
	/* The refused write changed nothing; A's write is seen through B. */
	EXPECT_EQ(0, ctl_write(self->patha, 8192, 4096, 3));
	EXPECT_EQ(0, ctl_check(self->pathb, 8192, 4096, 8192, 3));
	EXPECT_EQ(0, client_refused(&self->c, self->vd, self->ca));
}

/* none: every bio of that client fails; the other client is untouched. */
TEST_F(two, none_client_can_neither_read_nor_write)
{
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, self->vd, self->cb, VVMP_ACL_NONE));
	EXPECT_EQ(-EILSEQ, ctl_check(self->pathb, 0, 4096, 0, 1));
	EXPECT_EQ(-EILSEQ, ctl_write(self->pathb, 0, 4096, 4));
	EXPECT_EQ(0, ctl_check(self->patha, 0, VD_LEN * 512, 0, 1));
	EXPECT_EQ(0, ctl_write(self->patha, 0, 4096, 5));
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, self->vd, self->cb, VVMP_ACL_RW));
	EXPECT_EQ(0, ctl_check(self->pathb, 0, 4096, 0, 5));
}

/* disabled: EIO for reads and writes of that client only. */
TEST_F(two, disabled_client_gets_eio)
{
	char val[32];

	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, self->vd, self->ca,
					   VVMP_STATUS_DISABLED));
	ASSERT_TRUE(ctl_status_word(self->deva, "status", val, sizeof(val)));
	EXPECT_STREQ("disabled", val);
	EXPECT_EQ(-EIO, ctl_check(self->patha, 0, 4096, 0, 1));
	EXPECT_EQ(-EIO, ctl_write(self->patha, 0, 4096, 6));
	EXPECT_EQ(0, ctl_write(self->pathb, 0, 4096, 7));
	EXPECT_EQ(0, ctl_check(self->pathb, 0, 4096, 0, 7));
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, self->vd, self->ca,
					   VVMP_STATUS_ENABLED));
	EXPECT_EQ(0, ctl_check(self->patha, 0, 4096, 0, 7));
}

/* One queued O_DIRECT write of pattern @seed at @off. */
struct held_write {
	const char *path;
	uint64_t off;
	uint64_t seed;
	int rc;
	volatile int done;
	uint64_t done_ms;
	pthread_t t;
};

static void *held_write_run(void *arg)
{
	struct held_write *w = arg;
	uint8_t *buf = vt_alloc(4096);
	int fd = open(w->path, O_RDWR | O_DIRECT);

	w->rc = -EIO;
	if (fd >= 0 && buf) {
		vt_pattern(buf, 4096, 0, w->seed);	/* same offset, different data */
		w->rc = vt_pwrite_all(fd, buf, 4096, w->off);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	w->done_ms = vt_now_ms();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

#define NR_HELD 6

/*
 * quiesced: bios are held (not completed after 1 s), released on enable in
 * arrival order, none lost: two writes to block 0, the second's data wins.
 */
TEST_F(two, quiesced_holds_writes_then_releases_them_in_order)
{
	struct held_write w[NR_HELD];
	char val[32];
	int i;

	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, self->vd, self->ca,
					   VVMP_STATUS_QUIESCED));
	ASSERT_TRUE(ctl_status_word(self->deva, "status", val, sizeof(val)));
	EXPECT_STREQ("quiesced", val);
	for (i = 0; i < NR_HELD; i++) {
		w[i] = (struct held_write){
			.path = self->patha,
			/* 0 and 1 hit block 0; the others blocks 2.. */
			.off = i < 2 ? 0 : (uint64_t)i * 4096,
			.seed = 100 + i,
		};
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, held_write_run, &w[i]));
		vt_sleep_ms(150);	/* arrival order = creation order */
	}
	vt_sleep_ms(1000);
	for (i = 0; i < NR_HELD; i++)
		EXPECT_EQ(0, __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE))
			TH_LOG("write %d completed while quiesced", i);
	/* The other client is not held. */
	EXPECT_EQ(0, ctl_write(self->pathb, 64 * 4096, 4096, 8));
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, self->vd, self->ca,
					   VVMP_STATUS_ENABLED));
	for (i = 0; i < NR_HELD; i++) {
		pthread_join(w[i].t, NULL);
		EXPECT_EQ(0, w[i].rc);
	}
	/* Block 0 holds the second write's data, every other write landed. */
	EXPECT_EQ(0, ctl_check(self->pathb, 0, 4096, 0, 101));
	for (i = 2; i < NR_HELD; i++)
		EXPECT_EQ(0, ctl_check(self->pathb, (uint64_t)i * 4096, 4096, 0, 100 + i));
	EXPECT_EQ(0, ctl_check(self->patha, 64 * 4096, 4096, 64 * 4096, 8));
}

/* Write-and-verify on one device until told to stop. */
struct loader {
	const char *path;
	volatile int stop;
	unsigned long rounds;
	int errors;
	pthread_t t;
};

static void *loader_run(void *arg)
{
	struct loader *l = arg;
	uint8_t *buf = vt_alloc(65536), *back = vt_alloc(65536);
	int fd = open(l->path, O_RDWR | O_DIRECT);

	if (fd < 0 || !buf || !back) {
		l->errors++;
		goto out;
	}
	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		uint64_t off = (l->rounds % 32) * 65536;

		vt_pattern(buf, 65536, off, 1000 + l->rounds);
		if (vt_pwrite_all(fd, buf, 65536, off) ||
		    vt_pread_all(fd, back, 65536, off) || memcmp(buf, back, 65536))
			l->errors++;
		l->rounds++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(back);
	return NULL;
}

TEST_F(two, removing_one_device_never_disturbs_the_other)
{
	struct loader l = { .path = self->pathb };
	unsigned long before;
	int i;

	ASSERT_EQ(0, pthread_create(&l.t, NULL, loader_run, &l));
	vt_sleep_ms(300);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ctl_unexpose(&self->c, self->deva));
		before = __atomic_load_n(&l.rounds, __ATOMIC_RELAXED);
		vt_sleep_ms(300);
		EXPECT_LT(before, __atomic_load_n(&l.rounds, __ATOMIC_RELAXED));
		self->deva = ctl_expose(&self->c, self->vd, self->ca, VD_LEN,
					self->patha, sizeof(self->patha));
		ASSERT_NE(NULL, self->deva);
		vt_sleep_ms(200);
	}
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELEASE);
	pthread_join(l.t, NULL);
	EXPECT_EQ(0, l.errors);
	EXPECT_LT(10, l.rounds);
	TH_LOG("%lu write+verify rounds on the other device", l.rounds);
	/* The recreated device sees what B wrote. */
	EXPECT_EQ(0, ctl_same(self->patha, 0, self->pathb, 0, VD_LEN * 512));
}

/* fio's read IOPS or bytes/s on @path, 5 s, libaio, direct, iodepth 16. */
static double fio_measure(const char *path, unsigned int bs, bool want_iops)
{
	static char out[65536];
	const char *key = want_iops ? "\"iops\" : " : "\"bw_bytes\" : ";
	char *p;

	if (vt_run(out, sizeof(out),
		   "fio --name=cos --filename=%s --rw=randread --bs=%u --direct=1 "
		   "--ioengine=libaio --iodepth=16 --runtime=5 --time_based "
		   "--output-format=json", path, bs))
		return -1;
	p = strstr(out, "\"read\" : {");
	if (p)
		p = strstr(p, key);
	return p ? strtod(p + strlen(key), NULL) : -1;
}

FIXTURE(cos) {
	struct ctl c;
	struct vt_dev *d;
	const char *vd, *cl, *dev;
	char path[128];
};

FIXTURE_VARIANT(cos) {
	uint64_t iops;
	uint64_t bps;
	unsigned int bs;
};

FIXTURE_VARIANT_ADD(cos, iops_200) { .iops = 200, .bs = 4096 };
FIXTURE_VARIANT_ADD(cos, iops_500) { .iops = 500, .bs = 4096 };
FIXTURE_VARIANT_ADD(cos, bps_2MiB) { .bps = 2 << 20, .bs = 65536 };
FIXTURE_VARIANT_ADD(cos, bps_8MiB) { .bps = 8 << 20, .bs = 65536 };

FIXTURE_SETUP(cos)
{
	struct vaapi_map map;

	ASSERT_EQ(0, ctl_setup(&self->c));
	self->d = vt_slice(VD_LEN);
	ASSERT_NE(NULL, self->d);
	self->vd = ctl_name(&self->c, "cos", true);
	self->cl = ctl_name(&self->c, "cc", false);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, self->cl, NULL));
	ctl_linear(&map, &self->d, 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, self->vd, &map));
	self->dev = ctl_expose(&self->c, self->vd, self->cl, VD_LEN, self->path,
			       sizeof(self->path));
	ASSERT_NE(NULL, self->dev);
}

FIXTURE_TEARDOWN(cos)
{
	ctl_teardown(&self->c);
}

TEST_F_TIMEOUT(cos, fio_within_ten_percent_of_the_limit, 60)
{
	struct vaapi_cos cos = {
		.present = VAAPI_COS_IOPS | VAAPI_COS_BPS,
		.iops = variant->iops, .bps = variant->bps,
	};
	double limit = variant->iops ? variant->iops : variant->bps, got;
	char val[32];

	ASSERT_EQ(0, vaapi_peap_set_cos(self->c.h, self->vd, self->cl, &cos));
	ASSERT_TRUE(ctl_status_word(self->dev, variant->iops ? "iops" : "bps", val,
				    sizeof(val)));
	EXPECT_EQ((uint64_t)limit, strtoull(val, NULL, 10));
	got = fio_measure(self->path, variant->bs, variant->iops != 0);
	ASSERT_LT(0, got);
	TH_LOG("limit %.0f %s, fio measured %.1f (%.1f %%)", limit,
	       variant->iops ? "IOPS" : "B/s", got, 100.0 * (got - limit) / limit);
	EXPECT_GE(got, 0.9 * limit);
	EXPECT_LE(got, 1.1 * limit);
}

TEST_HARNESS_MAIN
