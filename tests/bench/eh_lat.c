// SPDX-License-Identifier: GPL-2.0
/*
 * tests/bench/eh_lat: the measurements of the exception-handling benchmark
 * (tests/bench/eh-bench; issue 4, Benchmark). Run as root in the test
 * guest with dm-vvmp loaded.
 *
 *   eh_lat write DEV N START LEN   N O_DIRECT 4 KiB writes, one at a time,
 *                                  over bytes [START, START + LEN) of DEV in
 *                                  turn: latency of each write
 *   eh_lat netlink VD N            N VD_GET round trips (vaapi_ap_get_vd) on
 *                                  one socket: latency of each
 *   eh_lat pingpong N              N one-byte echoes through a pipe between
 *                                  this process and a child (two wake-ups,
 *                                  as a plan's round trip has): each echo
 *   eh_lat resync VD LEG           fail leg LEG, restore it with a full copy
 *                                  (resync rate 0), and time the copy: from
 *                                  the restore until the events group says
 *                                  the leg is in sync (no polling: it would
 *                                  take CPU from the copy)
 *
 * Output, one line (latencies in microseconds):
 *   op <name> ops <n> p50_us <x> p99_us <y> p999_us <z> mean_us <m>
 *   op resync bytes <b> seconds <s> mib_s <r>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vvmp/vaapi.h>

#define BLK	4096

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *op, double *us, size_t n)
{
	double sum = 0;

	if (!n) {
		printf("op %s ops 0\n", op);
		return;
	}
	qsort(us, n, sizeof(*us), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += us[i];
	printf("op %s ops %zu p50_us %.1f p99_us %.1f p999_us %.1f mean_us %.1f\n", op, n,
	       us[n / 2], us[n * 99 / 100], us[n * 999 / 1000], sum / n);
}

static int do_write(const char *dev, size_t n, unsigned long long start,
		    unsigned long long len)
{
	double *us = calloc(n, sizeof(*us));
	void *buf = NULL;
	int fd = open(dev, O_WRONLY | O_DIRECT);

	if (fd < 0 || !us || posix_memalign(&buf, BLK, BLK) || len < BLK) {
		fprintf(stderr, "eh_lat: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	memset(buf, 0x5a, BLK);
	for (size_t i = 0; i < n; i++) {
		unsigned long long off = start + (i * BLK) % (len / BLK * BLK);
		double t = now_us();

		if (pwrite(fd, buf, BLK, (off_t)off) != BLK) {
			fprintf(stderr, "eh_lat: write at %llu: %s\n", off, strerror(errno));
			return 1;
		}
		us[i] = now_us() - t;
	}
	close(fd);
	report("write", us, n);
	free(us);
	free(buf);
	return 0;
}

static int do_netlink(const char *vd, size_t n)
{
	struct vaapi_vd_info *info = malloc(sizeof(*info));
	double *us = calloc(n, sizeof(*us));
	struct vaapi *h = vaapi_open();

	if (!h || !info || !us) {
		fprintf(stderr, "eh_lat: %s\n", vaapi_strerror(NULL));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		double t = now_us();
		int err = vaapi_ap_get_vd(h, vd, info);

		if (err) {
			fprintf(stderr, "eh_lat: VD_GET %s: %s\n", vd, vaapi_strerror(h));
			return 1;
		}
		us[i] = now_us() - t;
	}
	report("netlink", us, n);
	vaapi_close(h);
	free(info);
	free(us);
	return 0;
}

static int do_pingpong(size_t n)
{
	double *us = calloc(n, sizeof(*us));
	int up[2], down[2];
	char c = 0;

	if (!us || pipe(up) || pipe(down))
		return 1;
	if (!fork()) {
		/* Only the parent's ends stay open: its close is our EOF. */
		close(down[1]);
		close(up[0]);
		while (read(down[0], &c, 1) == 1 && write(up[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	for (size_t i = 0; i < n; i++) {
		double t = now_us();

		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
			return 1;
		us[i] = now_us() - t;
	}
	close(down[1]);
	report("pingpong", us, n);
	free(us);
	return 0;
}

struct sync_wait {
	const char *vd;
	unsigned int leg;
};

/* Stop at the event that says the leg is in sync. */
static int in_sync_cb(const struct vaapi_event *ev, bool snapshot, void *arg)
{
	const struct sync_wait *w = arg;

	return !snapshot && ev->type == VVMP_EVENT_LEG_STATE && !strcmp(ev->vd, w->vd) &&
	       ev->leg_index == w->leg && ev->leg.has_health &&
	       ev->leg.health == VVMP_LEG_STATE_IN_SYNC;
}

static int do_resync(const char *vd, unsigned int leg)
{
	struct sync_wait w = { .vd = vd, .leg = leg };
	struct vaapi_events *ev;
	struct vaapi_vd_stats *st = malloc(sizeof(*st));
	struct vaapi_map *map = malloc(sizeof(*map));
	struct vaapi *h = vaapi_open();
	uint64_t before;
	double t0, t1;
	int err;

	if (!h || !st || !map) {
		fprintf(stderr, "eh_lat: %s\n", vaapi_strerror(NULL));
		return 1;
	}
	ev = vaapi_events_open(h);
	err = ev ? vaapi_events_subscribe(ev) : -errno;
	if (!err)
		err = vaapi_events_snapshot(ev, NULL, NULL);
	if (!err)
		err = vaapi_eh_set_resync_rate(h, vd, 0);
	if (!err)
		err = vaapi_ssap_fail_leg(h, vd, leg);
	if (!err)
		err = vaapi_psap_copy_vd_stats(h, vd, st);
	if (err) {
		fprintf(stderr, "eh_lat: %s: %s\n", vd, vaapi_strerror(h));
		return 1;
	}
	before = st->vd.copied_bytes;
	t0 = now_us();
	err = vaapi_ssap_restore_leg(h, vd, leg, true);
	while (!err)
		err = vaapi_events_read(ev, in_sync_cb, &w);
	t1 = now_us();
	err = err == 1 ? vaapi_ap_get_map_vd(h, vd, map) : err;
	if (!err && (leg >= map->nr_legs || map->legs[leg].health != VVMP_LEG_STATE_IN_SYNC))
		err = -EIO;
	if (!err)
		err = vaapi_psap_copy_vd_stats(h, vd, st);
	if (err) {
		fprintf(stderr, "eh_lat: %s: %s\n", vd, vaapi_strerror(h));
		return 1;
	}
	printf("op resync bytes %llu seconds %.3f mib_s %.1f\n",
	       (unsigned long long)(st->vd.copied_bytes - before), (t1 - t0) / 1e6,
	       (st->vd.copied_bytes - before) / 1048576.0 / ((t1 - t0) / 1e6));
	vaapi_events_close(ev);
	vaapi_close(h);
	free(st);
	free(map);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
				strtoull(argv[5], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "netlink"))
		return do_netlink(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "pingpong"))
		return do_pingpong(strtoul(argv[2], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "resync"))
		return do_resync(argv[2], (unsigned int)strtoul(argv[3], NULL, 0));
	fputs("usage: eh_lat write DEV N START LEN | netlink VD N | pingpong N | resync VD LEG\n",
	      stderr);
	return 2;
}
