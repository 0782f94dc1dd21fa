// SPDX-License-Identifier: GPL-2.0
/*
 * tests/bench/ctl_ops: control-path operations per second, measured in one
 * process through libvaapi on one netlink socket (issue 3, Benchmark).
 * Run by tests/bench/run-in-guest, as root, with dm-vvmp loaded.
 *
 *   ctl_ops create VD SIZE DEV...     a linear VD of SIZE sectors, one leg
 *                                     per DEV on sectors [0, SIZE), nosync
 *   ctl_ops client NAME               create a client
 *   ctl_ops delete VD [CLIENT]        delete the VD (and the client)
 *   ctl_ops ops VD SECONDS COPYDEV [CLIENT]
 *                                     each command for SECONDS in turn:
 *                                     set-segment, set-map, stats-get,
 *                                     acl-get
 *   ctl_ops storm VD [SECONDS]        VD_SET_MAP as fast as it goes until
 *                                     SIGTERM/SIGINT (or SECONDS)
 *   ctl_ops reads VD [SECONDS]        the same loop with VD_GET_MAP: the
 *                                     storm's netlink and CPU load without
 *                                     a map change (the control)
 *
 * The VD must be linear with every leg on one device from some offset on
 * (what "create" makes). Its two equivalent maps: A, each leg one extent;
 * B, each leg the same sectors as two extents split at half the VD. Both
 * hold the same data by construction, so swapping them under writes keeps
 * the data intact (VD_SET_MAP keeps every leg's health; NOSYNC is for
 * VD_CREATE only).
 *
 * set-segment alternates VD sectors [0, SEG) of every leg between its own
 * place and COPYDEV (leg l at COPYDEV sector l * SEG), which the caller
 * filled with the same data; the number of moves is even, so the segment
 * ends at home. libvaapi's vaapi_ap_set_segment_vd() is two round trips:
 * VD_SET_SEGMENT, then VD_GET to see whether devices need a reload.
 *
 * Output, one line per command (the unit of the latencies is microseconds):
 *   op <name> ops <n> seconds <s> ops_s <r> p50_us <x> p99_us <y> p999_us <z>
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vvmp/vaapi.h>

#define SEG_SECTORS	2048	/* 1 MiB */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Latencies of one command, in microseconds. */
struct samples {
	double *us;
	size_t n, cap;
};

static void samples_add(struct samples *s, double us)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->us = realloc(s->us, s->cap * sizeof(*s->us));
		if (!s->us) {
			perror("ctl_ops: realloc");
			exit(1);
		}
	}
	s->us[s->n++] = us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const struct samples *s, double p)
{
	size_t i;

	if (!s->n)
		return 0;
	i = (size_t)(p * (s->n - 1) + 0.5);
	return s->us[i];
}

static void report(const char *op, struct samples *s, double seconds)
{
	qsort(s->us, s->n, sizeof(*s->us), cmp_double);
	printf("op %s ops %zu seconds %.2f ops_s %.0f p50_us %.0f p99_us %.0f p999_us %.0f\n",
	       op, s->n, seconds, seconds > 0 ? s->n / seconds : 0,
	       percentile(s, 0.50), percentile(s, 0.99), percentile(s, 0.999));
	fflush(stdout);
	free(s->us);
	memset(s, 0, sizeof(*s));
}

static int fail(struct vaapi *h, const char *what, int err)
{
	fprintf(stderr, "ctl_ops: %s: %s: %s\n", what, strerror(-err), vaapi_strerror(h));
	return 1;
}

static struct vaapi *open_family(void)
{
	struct vaapi *h = vaapi_open();

	if (!h)
		fprintf(stderr, "ctl_ops: vaapi_open: %s: %s\n", strerror(errno),
			vaapi_strerror(NULL));
	return h;
}

static void set_extent(struct vaapi_extent *e, const char *dev, uint64_t off, uint64_t len)
{
	snprintf(e->device, sizeof(e->device), "%s", dev);
	e->offset = off;
	e->length = len;
}

/*
 * Maps A and B of the VD from its current map: each leg's first extent
 * gives the device and the offset where the leg starts.
 */
static int equivalent_maps(struct vaapi *h, const char *vd, struct vaapi_map *a,
			   struct vaapi_map *b, uint64_t *size)
{
	struct vaapi_map *cur = calloc(1, sizeof(*cur));
	unsigned int l, e;
	int err;

	if (!cur)
		return -ENOMEM;
	err = vaapi_ap_get_map_vd(h, vd, cur);
	if (err) {
		free(cur);
		return err;
	}
	*size = 0;
	for (e = 0; e < cur->legs[0].nr_extents; e++)
		*size += cur->legs[0].extents[e].length;
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->layout = b->layout = VVMP_MAP_LINEAR;
	a->nr_legs = b->nr_legs = cur->nr_legs;
	for (l = 0; l < cur->nr_legs; l++) {
		const struct vaapi_extent *first = &cur->legs[l].extents[0];
		uint64_t half = *size / 2;

		a->legs[l].nr_extents = 1;
		set_extent(&a->legs[l].extents[0], first->device, first->offset, *size);
		b->legs[l].nr_extents = 2;
		set_extent(&b->legs[l].extents[0], first->device, first->offset, half);
		set_extent(&b->legs[l].extents[1], first->device, first->offset + half,
			   *size - half);
	}
	free(cur);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct vaapi_map map = { .layout = VVMP_MAP_LINEAR, .nosync = true };
	uint64_t size = strtoull(argv[1], NULL, 0);
	struct vaapi *h;
	int i, err;

	if (argc < 3 || argc - 2 > VVMP_MAX_LEGS)
		return 2;
	map.nr_legs = argc - 2;
	for (i = 2; i < argc; i++) {
		map.legs[i - 2].nr_extents = 1;
		set_extent(&map.legs[i - 2].extents[0], argv[i], 0, size);
	}
	h = open_family();
	if (!h)
		return 1;
	err = vaapi_ap_create_vd(h, argv[0], &map);
	if (err)
		return fail(h, "create VD", err);
	vaapi_close(h);
	return 0;
}

static int cmd_client(const char *name)
{
	struct vaapi *h = open_family();
	int err;

	if (!h)
		return 1;
	err = vaapi_peap_set_client(h, name, "tests/bench");
	if (err)
		return fail(h, "create client", err);
	vaapi_close(h);
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	struct vaapi *h = open_family();
	int err;

	if (!h)
		return 1;
	err = vaapi_ap_delete_vd(h, argv[0]);
	if (err && err != -ENOENT)
		return fail(h, "delete VD", err);
	if (argc > 1) {
		err = vaapi_peap_delete_client(h, argv[1]);
		if (err && err != -ENOENT)
			return fail(h, "delete client", err);
	}
	vaapi_close(h);
	return 0;
}

/* What one timed command works on. */
struct ops_ctx {
	struct vaapi *h;
	const char *vd, *client;
	unsigned long count;		/* calls so far */
	struct vaapi_map maps[2];	/* A, B */
	struct vaapi_segment segs[2];	/* on the copy, back home */
	struct vaapi_vd_stats stats;
	struct vaapi_policy policy;
};

static int op_set_segment(struct ops_ctx *c)
{
	return vaapi_ap_set_segment_vd(c->h, c->vd, &c->segs[c->count & 1]);
}

/* B first: map A is in force when the ops start. */
static int op_set_map(struct ops_ctx *c)
{
	return vaapi_ap_set_map_vd(c->h, c->vd, &c->maps[(c->count + 1) & 1]);
}

static int op_stats_get(struct ops_ctx *c)
{
	return vaapi_psap_copy_vd_stats(c->h, c->vd, &c->stats);
}

static int op_acl_get(struct ops_ctx *c)
{
	return vaapi_peap_get_acl(c->h, c->vd, c->client, &c->policy);
}

/*
 * Call @op back to back for @seconds (an even number of calls, so that
 * alternating commands end where they started) and report it.
 */
static int timed(const char *name, double seconds, int (*op)(struct ops_ctx *),
		 struct ops_ctx *c)
{
	struct samples s = { 0 };
	double start = now_s(), t0, t1 = start;
	int err = 0;

	for (c->count = 0; t1 - start < seconds || (c->count & 1); c->count++) {
		t0 = now_s();
		err = op(c);
		t1 = now_s();
		if (err) {
			free(s.us);
			return fail(c->h, name, err);
		}
		samples_add(&s, (t1 - t0) * 1e6);
	}
	report(name, &s, t1 - start);
	return 0;
}

static int cmd_ops(int argc, char **argv)
{
	struct ops_ctx *c = calloc(1, sizeof(*c));
	double seconds = strtod(argv[1], NULL);
	const char *copydev = argv[2];
	uint64_t size;
	unsigned int l, i;
	int err;

	if (!c)
		return 1;
	c->vd = argv[0];
	c->client = argc > 3 ? argv[3] : NULL;
	c->h = open_family();
	if (!c->h)
		return 1;
	err = equivalent_maps(c->h, c->vd, &c->maps[0], &c->maps[1], &size);
	if (!err)
		err = vaapi_ap_set_map_vd(c->h, c->vd, &c->maps[0]);
	if (err)
		return fail(c->h, "set map A", err);
	for (i = 0; i < 2; i++) {
		c->segs[i].length = SEG_SECTORS;
		c->segs[i].nr_extents = c->maps[0].nr_legs;
	}
	for (l = 0; l < c->maps[0].nr_legs; l++) {
		const struct vaapi_extent *home = &c->maps[0].legs[l].extents[0];

		set_extent(&c->segs[0].extents[l], copydev, (uint64_t)l * SEG_SECTORS,
			   SEG_SECTORS);
		set_extent(&c->segs[1].extents[l], home->device, home->offset, SEG_SECTORS);
	}
	err = timed("set-segment", seconds, op_set_segment, c) ||
	      timed("set-map", seconds, op_set_map, c) ||
	      timed("stats-get", seconds, op_stats_get, c) ||
	      timed("acl-get", seconds, op_acl_get, c);
	vaapi_close(c->h);
	free(c);
	return err;
}

static int cmd_storm(int argc, char **argv, bool swap)
{
	const char *vd = argv[0];
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 1e9;
	struct vaapi_map *maps = calloc(2, sizeof(*maps));
	struct sigaction sa = { .sa_handler = on_signal };
	struct samples s = { 0 };
	double start, end, t0, t1;
	struct vaapi *h;
	unsigned long k;
	uint64_t size;
	int err;

	if (!maps)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	h = open_family();
	if (!h)
		return 1;
	err = equivalent_maps(h, vd, &maps[0], &maps[1], &size);
	if (err)
		return fail(h, "get the map", err);
	start = t1 = now_s();
	end = start + seconds;
	for (k = 0; !stop && t1 < end; k++) {
		t0 = now_s();
		if (swap)
			err = vaapi_ap_set_map_vd(h, vd, &maps[k & 1]);
		else
			err = vaapi_ap_get_map_vd(h, vd, &maps[k & 1]);
		t1 = now_s();
		if (err)
			return fail(h, swap ? "set-map" : "get-map", err);
		samples_add(&s, (t1 - t0) * 1e6);
	}
	report(swap ? "storm-set-map" : "storm-get-map", &s, t1 - start);
	vaapi_close(h);
	free(maps);
	return 0;
}

static int usage(void)
{
	fputs("usage: ctl_ops create VD SIZE DEV... | client NAME | delete VD [CLIENT]\n"
	      "       ctl_ops ops VD SECONDS COPYDEV [CLIENT] | storm|reads VD [SECONDS]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	argc -= 2;
	if (!strcmp(argv[1], "create") && argc >= 3)
		return cmd_create(argc, argv + 2);
	if (!strcmp(argv[1], "client") && argc == 1)
		return cmd_client(argv[2]);
	if (!strcmp(argv[1], "delete") && argc <= 2)
		return cmd_delete(argc, argv + 2);
	if (!strcmp(argv[1], "ops") && (argc == 3 || argc == 4))
		return cmd_ops(argc, argv + 2);
	if (!strcmp(argv[1], "storm") && argc <= 2)
		return cmd_storm(argc, argv + 2, true);
	if (!strcmp(argv[1], "reads") && argc <= 2)
		return cmd_storm(argc, argv + 2, false);
	return usage();
}
