/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback harness for vvmpd tests: start managers and unit agents as child
 * processes (sanitizer builds in this directory), talk VVMP to them.
 */
#ifndef VVMP_TEST_HARNESS_H
#define VVMP_TEST_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include <vvmp/proto.h>
#include "proto/frame_io.h"

struct mgr {
	pid_t pid;
	uint16_t tcp, udp;
	char dir[200];
	char log[300];
	char ctl[300];
};

struct unit {
	pid_t pid;
	char name[32];
	char volumes[300];
	char state[300];
};

extern char test_tmp[128];

/* Start vvmpd with extra arguments (NULL-terminated); 0 or -1. */
int mgr_start(struct mgr *m, const char *san_id, ...);
void mgr_stop(struct mgr *m);
/* Start a unit agent; @vols is the volumes file's text. */
int unit_start(struct unit *u, const struct mgr *m, const char *name, const char *vols, ...);
void unit_signal(struct unit *u, int sig);
void unit_wait(struct unit *u);
int unit_set_volumes(struct unit *u, const char *vols);
/* Read the unit's state file into @buf; 0 or -1. */
int unit_state(const struct unit *u, char *buf, size_t len);

/* Connect and INITIALIZE as @host (domain, key hex may be 0/NULL). */
int client_open(struct vvmp_conn *c, const struct mgr *m, uint32_t domain, const char *key,
		const char *host, uint32_t boot_id, uint32_t *session_id);
int call(struct vvmp_conn *c, struct vvmp_msg *req, struct vvmp_msg *rep);
/* ALLOCATE; the reply's status, or -1 on transport failure. */
int allocate(struct vvmp_conn *c, uint32_t session, uint16_t sub, uint32_t type,
	     uint32_t access, uint64_t kb, uint32_t members, uint32_t share,
	     struct vvmp_msg *rep);
/* ALLOCATE with VVMP_AF_* @flags and the defaults otherwise. */
int allocate_flags(struct vvmp_conn *c, uint32_t session, uint16_t sub, uint32_t type,
		   uint32_t access, uint64_t kb, uint32_t flags, struct vvmp_msg *rep);
int free_alloc(struct vvmp_conn *c, uint32_t session, uint32_t alloc_id);
/* QUERY SAN. */
int query_san(struct vvmp_conn *c, struct vvmp_query_san_rep *out);
/* Poll QUERY SAN until units_up == @up and volumes == @vols (or timeout). */
int wait_pool(const struct mgr *m, uint32_t up, uint32_t vols, int timeout_ms);
/* Control socket request -> reply text. */
int ctl_request(const struct mgr *m, const char *req, char *buf, size_t len);
int file_contains(const char *path, const char *needle);
void msleep(int ms);

#endif
