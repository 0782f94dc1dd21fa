// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpd throughput over loopback: N concurrent clients (default 64), each
 * with its own connection and session, doing ALLOCATE+FREE pairs, then
 * QUERY (SAN summary) for a fixed time. Reports operations per second and
 * p50/p99 latency of ALLOCATE and of QUERY. Not part of `make check`.
 *
 *   bench_vvmpd [--vvmpd PATH] [--clients N] [--seconds S]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vvmp/proto.h>
#include "proto/frame_io.h"

#define MAX_SAMPLES 200000

static uint16_t port;
static int seconds = 5;
static volatile int phase;		/* 1 allocate, 2 query, 3 stop */

struct worker {
	pthread_t th;
	int index;
	uint32_t *lat_us;		/* latencies of the measured op */
	size_t n;
	int phase_seen;
	int errors;
};

static struct worker *workers;
static int nclients = 64;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int init_session(struct vvmp_conn *c, const char *host, uint32_t *sid)
{
	struct vvmp_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
	int err = -1;

	if (req && rep && !vvmp_conn_open(c, "127.0.0.1", port, 1, NULL, 5000)) {
		req->hdr.opcode = VVMP_OP_INITIALIZE;
		req->body.init_req.client_boot_id = 1;
		vvmp_set_text(req->body.init_req.host, VVMP_HOST_LEN, host);
		if (!vvmp_call(c, req, rep, 5000) && !rep->hdr.status) {
			*sid = rep->body.init_rep.session_id;
			err = 0;
		}
	}
	free(req);
	free(rep);
	return err;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vvmp_conn *c = malloc(sizeof(*c));
	struct vvmp_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
	char host[32];
	uint32_t sid;

	snprintf(host, sizeof(host), "bench-%d", w->index);
	if (!c || !req || !rep || init_session(c, host, &sid)) {
		w->errors++;
		return NULL;
	}
	while (phase != 3) {
		uint64_t t0 = now_us(), t1;
		int p = phase;

		memset(&req->hdr, 0, sizeof(req->hdr));
		if (p == 1) {
			req->hdr.opcode = VVMP_OP_ALLOCATE;
			req->hdr.sub_opcode = VVMP_ALLOC_LOCAL_ONLY;
			req->body.alloc_req = (struct vvmp_alloc_req){
				.session_id = sid, .storage_type = VVMP_ST_JBOD,
				.access = VVMP_ACCESS_EXCLUSIVE, .capacity_kb = 1024 };
		} else {
			req->hdr.opcode = VVMP_OP_QUERY;
			req->hdr.sub_opcode = VVMP_QUERY_SAN;
		}
		if (vvmp_call(c, req, rep, 10000) || rep->hdr.status) {
			w->errors++;
			continue;
		}
		t1 = now_us();
		if (p != w->phase_seen) {
			w->phase_seen = p;
			w->n = 0;
		}
		if (p == phase && w->n < MAX_SAMPLES)
			w->lat_us[w->n++] = (uint32_t)(t1 - t0);
		if (p == 1) {
			uint32_t id = rep->body.alloc_rep.alloc_id;

			memset(&req->hdr, 0, sizeof(req->hdr));
			req->hdr.opcode = VVMP_OP_FREE;
			req->body.free_req = (struct vvmp_free_req){ sid, id };
			if (vvmp_call(c, req, rep, 10000) || rep->hdr.status)
				w->errors++;
		}
	}
	vvmp_conn_close(c);
	free(c);
	free(req);
	free(rep);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double secs)
{
	size_t total = 0, k = 0;
	uint32_t *all;
	int errors = 0;

	for (int i = 0; i < nclients; i++) {
		total += workers[i].n;
		errors += workers[i].errors;
	}
	all = malloc((total + 1) * sizeof(*all));
	for (int i = 0; i < nclients; i++) {
		memcpy(all + k, workers[i].lat_us, workers[i].n * sizeof(*all));
		k += workers[i].n;
		workers[i].n = 0;
		workers[i].errors = 0;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	printf("%-9s %8.0f ops/s  p50 %6.2f ms  p99 %6.2f ms  (%zu ops, %d clients, %d errors)\n",
	       what, total / secs, total ? all[total / 2] / 1000.0 : 0,
	       total ? all[total * 99 / 100] / 1000.0 : 0, total, nclients, errors);
	free(all);
}

/* Seed the pool: one host adds 8 volumes of 512 GiB through ADD_STORAGE. */
static int seed_pool(void)
{
	struct vvmp_conn *c = malloc(sizeof(*c));
	struct vvmp_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
	uint32_t sid;
	int err = 0;

	if (init_session(c, "bench-seed", &sid))
		return -1;
	for (uint32_t v = 1; v <= 8 && !err; v++) {
		struct vvmp_volume *vol = &req->body.add_req.volume;

		memset(req, 0, sizeof(*req));
		req->hdr.opcode = VVMP_OP_ADD_STORAGE;
		req->body.add_req.session_id = sid;
		req->body.add_req.storage_type = VVMP_ST_JBOD;
		vol->volume_id = v;
		vol->transport = VVMP_TR_NBD;
		vol->start_lba = (uint64_t)v << 32;
		vol->length_lba = 1ull << 30;
		vol->end_lba = vol->start_lba + vol->length_lba - 1;
		vvmp_set_text(vol->address, VVMP_ADDR_LEN, "10.0.0.9:10809/bench");
		err = vvmp_call(c, req, rep, 5000) || rep->hdr.status;
	}
	/* Keep the session (and so the pool) for the whole run. */
	free(req);
	free(rep);
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vvmpd", 1, 0, 'd' }, { "clients", 1, 0, 'c' }, { "seconds", 1, 0, 's' }, { 0 },
	};
	const char *vvmpd = "../../../vvmp/daemon/vvmpd";
	char dir[] = "/tmp/bench-vvmpd-XXXXXX", db[128], ctl[128], ready[128];
	pid_t pid;
	int o, st;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'd')
			vvmpd = optarg;
		else if (o == 'c')
			nclients = atoi(optarg);
		else if (o == 's')
			seconds = atoi(optarg);
		else
			return 2;
	}
	if (nclients < 1 || nclients > 1024 || seconds < 1 || !mkdtemp(dir))
		return 2;
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	pid = fork();
	if (pid == 0) {
		execl(vvmpd, vvmpd, "--db", db, "--ctl", ctl, "--tcp-port", "0", "--udp-port", "0",
		      "--ready-file", ready, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && !port; i++) {
		FILE *f = fopen(ready, "r");
		unsigned int t, u;

		if (f && fscanf(f, "tcp=%u udp=%u", &t, &u) == 2)
			port = (uint16_t)t;
		if (f)
			fclose(f);
		usleep(10000);
	}
	if (!port || seed_pool()) {
		fprintf(stderr, "bench: vvmpd (%s) did not start or refused the pool\n", vvmpd);
		kill(pid, SIGTERM);
		return 1;
	}
	workers = calloc((size_t)nclients, sizeof(*workers));
	for (int i = 0; i < nclients; i++) {
		workers[i].index = i;
		workers[i].lat_us = malloc(MAX_SAMPLES * sizeof(uint32_t));
		pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
	}
	phase = 1;
	sleep((unsigned int)seconds);
	report("ALLOCATE", seconds);	/* each also did a FREE, not counted */
	phase = 2;
	usleep(200000);			/* let every worker switch */
	for (int i = 0; i < nclients; i++)
		workers[i].n = 0;
	sleep((unsigned int)seconds);
	report("QUERY", seconds);
	phase = 3;
	for (int i = 0; i < nclients; i++)
		pthread_join(workers[i].th, NULL);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	fflush(stdout);
	execlp("rm", "rm", "-rf", dir, (char *)NULL);
	return 0;
}
