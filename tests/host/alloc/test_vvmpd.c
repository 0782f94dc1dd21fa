// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpd on loopback: units coming and going (with simulated packet loss),
 * allocation scenarios (exhaustion, expansion, shared vs exclusive,
 * forwarding between two managers), sessions, authentication, replay
 * protection and malformed frames, the control socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "../proto/tap.h"

#define KEY7 "00112233445566778899aabbccddeeff"

static struct vvmp_msg rep, rep2;
static struct vvmp_conn conn, conn2;

/* Two units of 4096 KB (8192 sectors) each: unit-a JBOD, unit-b RAID1. */
static int two_units(struct mgr *m, struct unit *a, struct unit *b)
{
	if (mgr_start(m, "1", NULL))
		return -1;
	if (unit_start(a, m, "unit-a", "1 nbd 0 8192 10.0.0.1:10809/a\n", "--type", "jbod", NULL) ||
	    unit_start(b, m, "unit-b", "1 nbd 0 8192 10.0.0.2:10809/b\n", "--type", "raid1", NULL))
		return -1;
	return wait_pool(m, 2, 2, 5000);
}

static void teardown(struct mgr *m, struct unit *a, struct unit *b)
{
	vvmp_conn_close(&conn);
	vvmp_conn_close(&conn2);
	if (a)
		unit_signal(a, SIGKILL), unit_wait(a);
	if (b)
		unit_signal(b, SIGKILL), unit_wait(b);
	mgr_stop(m);
}

static int test_units_come_up_with_their_volumes(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_query_san_rep s;
	char json[4096];

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, NULL), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.san_id, 1);
	CHECK_EQ(s.total_kb, 8192);
	CHECK_EQ(s.free_kb, 8192);
	CHECK_EQ(ctl_request(&m, "units\n", json, sizeof(json)), 0);
	CHECK(strstr(json, "\"name\":\"unit-a\""));
	CHECK(strstr(json, "\"address\":\"10.0.0.2:10809/b\""));
	CHECK_EQ(ctl_request(&m, "pool\n", json, sizeof(json)), 0);
	CHECK(strstr(json, "\"units_up\":2"));
	CHECK(strstr(json, "\"free_kb\":8192"));
	CHECK_EQ(ctl_request(&m, "bogus\n", json, sizeof(json)), 0);
	CHECK(strstr(json, "\"error\""));
	teardown(&m, &a, &b);
	return 0;
}

static int test_unit_down_and_heartbeat_timeout(void)
{
	struct mgr m;
	struct unit a, b;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	unit_signal(&a, SIGTERM);			/* says UNIT_DOWN */
	unit_wait(&a);
	CHECK_EQ(wait_pool(&m, 1, 2, 2000), 0);
	CHECK(file_contains(m.log, "down (unit said so)"));
	unit_signal(&b, SIGKILL);			/* vanishes silently */
	unit_wait(&b);
	CHECK_EQ(wait_pool(&m, 0, 2, 3000), 0);		/* 3 x 200 ms heartbeat */
	CHECK(file_contains(m.log, "down (heartbeat lost)"));
	/* It comes back: same unit id, volumes already known. */
	CHECK_EQ(unit_start(&b, &m, "unit-b", "1 nbd 0 8192 10.0.0.2:10809/b\n", NULL), 0);
	CHECK_EQ(wait_pool(&m, 1, 2, 3000), 0);
	teardown(&m, NULL, &b);
	return 0;
}

static int test_units_survive_packet_loss(void)
{
	struct mgr m;
	struct unit a, b;

	CHECK_EQ(mgr_start(&m, "1", "--udp-loss", "30", "--seed", "7", NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-a", "1 nbd 0 8192 h:1/a\n2 nbd 8192 8192 h:1/b\n",
			    "--loss", "30", "--seed", "3", NULL), 0);
	CHECK_EQ(unit_start(&b, &m, "unit-b", "1 local 0 100\n", "--loss", "30", "--seed", "5",
			    NULL), 0);
	CHECK_EQ(wait_pool(&m, 2, 3, 8000), 0);
	teardown(&m, &a, &b);
	return 0;
}

static int test_capacity_grows_without_restart(void)
{
	struct mgr m;
	struct unit a, b;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(unit_set_volumes(&a, "1 nbd 0 8192 10.0.0.1:10809/a\n"
				      "2 nbd 8192 4096 10.0.0.1:10809/a2\n"), 0);
	unit_signal(&a, SIGHUP);
	CHECK_EQ(wait_pool(&m, 2, 3, 3000), 0);
	/* An overlapping list is refused as a whole. */
	CHECK_EQ(unit_set_volumes(&a, "1 nbd 0 8192 10.0.0.1:10809/a\n"
				      "2 nbd 8192 4096 10.0.0.1:10809/a2\n"
				      "3 nbd 100 10 10.0.0.1:10809/a3\n"), 0);
	unit_signal(&a, SIGHUP);
	msleep(500);
	CHECK_EQ(wait_pool(&m, 2, 3, 100), 0);
	CHECK(file_contains(m.log, "volume list refused"));
	teardown(&m, &a, &b);
	return 0;
}

static int test_allocation_picks_type_and_tells_unit(void)
{
	struct mgr m;
	struct unit a, b;
	uint32_t sid;
	char st[4096], want[128];

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	/* RAID1 wants 2 copies on distinct units. */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_RAID1, VVMP_ACCESS_EXCLUSIVE,
			  1024, 0, 0, &rep), 0);
	CHECK_EQ(rep.body.alloc_rep.extent_count, 2);
	CHECK_EQ(rep.body.alloc_rep.members, 2);
	CHECK(rep.body.alloc_rep.extents[0].unit_id != rep.body.alloc_rep.extents[1].unit_id);
	CHECK_EQ(rep.body.alloc_rep.extents[0].member, 0);
	CHECK_EQ(rep.body.alloc_rep.extents[1].member, 1);
	CHECK_EQ(rep.body.alloc_rep.extents[0].length_lba, 2048);
	/* JBOD prefers the JBOD unit (unit-a) by type. */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  512, 0, 0, &rep2), 0);
	CHECK_EQ(rep2.body.alloc_rep.extent_count, 1);
	CHECK(!strcmp(rep2.body.alloc_rep.extents[0].address, "10.0.0.1:10809/a"));
	CHECK_EQ(rep2.body.alloc_rep.extents[0].length_lba, 1024);
	/* The unit's agent got the same assignment. */
	snprintf(want, sizeof(want), "\"alloc_id\":%u,\"client_id\":", rep2.body.alloc_rep.alloc_id);
	for (int i = 0; i < 100; i++) {
		if (!unit_state(&a, st, sizeof(st)) && strstr(st, want) &&
		    strstr(st, "\"length_lba\":1024,\"host\":\"host-a\""))
			break;
		msleep(20);
	}
	CHECK(strstr(st, want));
	CHECK(strstr(st, "\"length_lba\":1024,\"host\":\"host-a\""));
	/* Freed: the unit hears about it too. */
	CHECK_EQ(free_alloc(&conn, sid, rep2.body.alloc_rep.alloc_id), 0);
	for (int i = 0; i < 100 && !unit_state(&a, st, sizeof(st)) && strstr(st, want); i++)
		msleep(20);
	CHECK(!strstr(st, want));
	CHECK_EQ(free_alloc(&conn, sid, rep2.body.alloc_rep.alloc_id), VVMP_S_NOT_FOUND);
	teardown(&m, &a, &b);
	return 0;
}

/* AUTO_MIRROR and BACKUP each keep one copy of a JBOD on another unit. */
static int test_mirror_and_backup_flags_keep_a_copy_elsewhere(void)
{
	static const uint32_t flags[] = {
		VVMP_AF_AUTO_MIRROR, VVMP_AF_BACKUP, VVMP_AF_AUTO_MIRROR | VVMP_AF_BACKUP,
	};
	struct mgr m;
	struct unit a, b;
	uint32_t sid;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	for (unsigned int i = 0; i < 3; i++) {
		CHECK_EQ(allocate_flags(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD,
					VVMP_ACCESS_EXCLUSIVE, 256, flags[i], &rep), 0);
		CHECK_EQ(rep.body.alloc_rep.extent_count, 2);
		CHECK(rep.body.alloc_rep.extents[0].unit_id !=
		      rep.body.alloc_rep.extents[1].unit_id);
		CHECK_EQ(rep.body.alloc_rep.extents[0].member, 0);
		CHECK_EQ(rep.body.alloc_rep.extents[1].member, 1);
		CHECK_EQ(free_alloc(&conn, sid, rep.body.alloc_rep.alloc_id), 0);
	}
	/* Without either flag: one copy. */
	CHECK_EQ(allocate_flags(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD,
				VVMP_ACCESS_EXCLUSIVE, 256, 0, &rep), 0);
	CHECK_EQ(rep.body.alloc_rep.extent_count, 1);
	teardown(&m, &a, &b);
	return 0;
}

static int test_exhaustion_refused_and_changes_nothing(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_query_san_rep before, after;
	uint32_t sid;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  3000, 0, 0, &rep), 0);
	CHECK_EQ(query_san(&conn, &before), 0);
	CHECK_EQ(before.free_kb, 8192 - 3000);
	/* 5192 KB left, spread over two units: a JBOD may span, a RAID1 copy may not. */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  5193, 0, 0, &rep), VVMP_S_NO_SPACE);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_ANYWHERE, VVMP_ST_RAID1, VVMP_ACCESS_EXCLUSIVE,
			  2000, 0, 0, &rep), VVMP_S_NO_SPACE);	/* no peers */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_ANYWHERE, VVMP_ST_RAID5, VVMP_ACCESS_EXCLUSIVE,
			  100, 0, 0, &rep), VVMP_S_NO_SPACE);	/* 3 members need 3 units */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_RAID5, VVMP_ACCESS_EXCLUSIVE,
			  100, 2, 0, &rep), VVMP_S_BAD_PAYLOAD);	/* RAID5 of 2 */
	CHECK_EQ(query_san(&conn, &after), 0);
	CHECK_EQ(after.free_kb, before.free_kb);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  5192, 0, 0, &rep), 0);		/* exactly the rest, spanning */
	CHECK_EQ(rep.body.alloc_rep.extent_count, 2);
	CHECK_EQ(query_san(&conn, &after), 0);
	CHECK_EQ(after.free_kb, 0);
	teardown(&m, &a, &b);
	return 0;
}

static int test_expansion_appends_and_give_back_trims(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_msg req = { 0 };
	struct vvmp_extent first;
	uint32_t sid, id;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_EXPANDABLE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1024, 0, 0, &rep), 0);
	id = rep.body.alloc_rep.alloc_id;
	first = rep.body.alloc_rep.extents[0];
	/* Fill the rest of that unit's volume's head so growth cannot be contiguous. */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  100, 0, 0, &rep2), 0);
	req.hdr.opcode = VVMP_OP_CHANGE_PARAMS;
	req.body.change_req = (struct vvmp_change_req){ sid, id, 2048, 0, 2, 100, 0 };
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.alloc_rep.capacity_kb, 2048);
	CHECK_EQ(rep.body.alloc_rep.extent_count, 2);
	/* The existing extent is untouched: hosts keep doing I/O on it. */
	CHECK(!memcmp(&rep.body.alloc_rep.extents[0], &first, sizeof(first)));
	CHECK_EQ(rep.body.alloc_rep.extents[1].length_lba, 2048);
	/* Shrinking through CHANGE_PARAMS is refused. */
	req.body.change_req.capacity_kb = 1000;
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_DENIED);
	/* LOCAL_ONLY allocations do not grow. */
	req.body.change_req = (struct vvmp_change_req){ sid, rep2.body.alloc_rep.alloc_id, 200, 0, 0, 0, 0 };
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_DENIED);
	/* GIVE_BACK 1536 KB: the appended extent goes, the first is trimmed to 512 KB. */
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_GIVE_BACK;
	req.body.give_back_req = (struct vvmp_give_back_req){ sid, id, 1536 };
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.alloc_rep.capacity_kb, 512);
	CHECK_EQ(rep.body.alloc_rep.extent_count, 1);
	CHECK_EQ(rep.body.alloc_rep.extents[0].start_lba, first.start_lba);
	CHECK_EQ(rep.body.alloc_rep.extents[0].length_lba, 1024);
	req.body.give_back_req.capacity_kb = 512;	/* would leave nothing */
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_DENIED);
	teardown(&m, &a, &b);
	return 0;
}

/*
 * CHANGE_PARAMS re-checks a new bandwidth against the units' (what other
 * allocations reserve counts); a refusal (NO_SPACE) changes nothing.
 */
static int test_bandwidth_change_is_rechecked(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_msg req = { 0 };
	char json[4096], want[64];
	uint32_t sid, id, id2;

	CHECK_EQ(mgr_start(&m, "1", NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-a", "1 nbd 0 8192 10.0.0.1:10809/a\n",
			    "--bandwidth", "1000", NULL), 0);
	CHECK_EQ(unit_start(&b, &m, "unit-b", "1 nbd 0 8192 10.0.0.2:10809/b\n", NULL), 0);
	CHECK_EQ(wait_pool(&m, 2, 2, 5000), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	/* 600 KB/s: only unit-a states a bandwidth. */
	req.hdr.opcode = VVMP_OP_ALLOCATE;
	req.hdr.sub_opcode = VVMP_ALLOC_EXPANDABLE;
	req.body.alloc_req = (struct vvmp_alloc_req){ .session_id = sid,
		.storage_type = VVMP_ST_JBOD, .access = VVMP_ACCESS_EXCLUSIVE,
		.capacity_kb = 1024, .bandwidth_kb = 600 };
	CHECK_EQ(call(&conn, &req, &rep), 0);
	id = rep.body.alloc_rep.alloc_id;
	CHECK(!strcmp(rep.body.alloc_rep.extents[0].address, "10.0.0.1:10809/a"));
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_CHANGE_PARAMS;
	req.body.change_req = (struct vvmp_change_req){ sid, id, 1024, 1000, 0, 0, 0 };
	CHECK_EQ(call(&conn, &req, &rep), 0);			/* all of unit-a's */
	req.body.change_req.bandwidth_kb = 1001;
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_NO_SPACE);
	snprintf(want, sizeof(want), "{\"id\":%u,", id);
	CHECK_EQ(ctl_request(&m, "vds\n", json, sizeof(json)), 0);
	CHECK(strstr(json, want) && strstr(strstr(json, want), "\"bandwidth_kb\":1000,"));
	CHECK(file_contains(m.log, "does not fit: it states 1000 KB/s, other allocations "
			    "reserve 0: NO_SPACE"));
	req.body.change_req.bandwidth_kb = 400;			/* lowering always fits */
	CHECK_EQ(call(&conn, &req, &rep), 0);
	/* A second VD with no bandwidth lands on unit-a (its headroom scores). */
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_EXPANDABLE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1024, 0, 0, &rep), 0);
	id2 = rep.body.alloc_rep.alloc_id;
	CHECK(!strcmp(rep.body.alloc_rep.extents[0].address, "10.0.0.1:10809/a"));
	req.body.change_req = (struct vvmp_change_req){ sid, id2, 1024, 601, 0, 0, 0 };
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_NO_SPACE);	/* 400 + 601 > 1000 */
	req.body.change_req.bandwidth_kb = 600;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	/* Through the control socket: the same check, the same answer. */
	snprintf(want, sizeof(want), "alloc bandwidth %u 401\n", id);
	CHECK_EQ(ctl_request(&m, want, json, sizeof(json)), 0);
	CHECK(strstr(json, "\"error\":\"CHANGE_PARAMS: NO_SPACE\",\"status\":8"));
	snprintf(want, sizeof(want), "alloc bandwidth %u 0\n", id);
	CHECK_EQ(ctl_request(&m, want, json, sizeof(json)), 0);
	CHECK(strstr(json, "\"bandwidth_kb\":0,"));
	teardown(&m, &a, &b);
	return 0;
}

/* Without device-mapper on this host a RAID5 set cannot be built: refused, nothing kept. */
static int test_raid5_needs_its_raid_set(void)
{
	struct mgr m;
	struct unit a, b, c;
	struct vvmp_query_san_rep before, after;
	uint32_t sid;

	if (!access("/dev/mapper/control", F_OK))
		return 0;			/* a host with device-mapper: the guest tests it */
	CHECK_EQ(mgr_start(&m, "1", NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-a", "1 nbd 0 8192 10.0.0.1:10809/a\n", NULL), 0);
	CHECK_EQ(unit_start(&b, &m, "unit-b", "1 nbd 0 8192 10.0.0.2:10809/b\n", NULL), 0);
	CHECK_EQ(unit_start(&c, &m, "unit-c", "1 nbd 0 8192 10.0.0.3:10809/c\n", NULL), 0);
	CHECK_EQ(wait_pool(&m, 3, 3, 5000), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(query_san(&conn, &before), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_RAID5, VVMP_ACCESS_EXCLUSIVE,
			  100, 3, 0, &rep), VVMP_S_UNSUPPORTED_TYPE);
	CHECK_EQ(query_san(&conn, &after), 0);
	CHECK_EQ(after.free_kb, before.free_kb);
	CHECK(file_contains(m.log, "allocate: RAID5 of 100 KB refused: device-mapper: "
			    "/dev/mapper/control: No such file or directory"));
	unit_signal(&c, SIGKILL);
	unit_wait(&c);
	teardown(&m, &a, &b);
	return 0;
}

static int test_shared_and_exclusive_access(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_query_san_rep s;
	uint32_t sa, sb, shared, excl;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sa), 0);
	CHECK_EQ(client_open(&conn2, &m, 1, NULL, "host-b", 1, &sb), 0);
	CHECK_EQ(allocate(&conn, sa, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_SHARED,
			  1000, 0, 0, &rep), 0);
	shared = rep.body.alloc_rep.alloc_id;
	CHECK_EQ(allocate(&conn, sa, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep2), 0);
	excl = rep2.body.alloc_rep.alloc_id;
	/* host-b attaches to the shared one: the very same extents. */
	CHECK_EQ(allocate(&conn2, sb, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_SHARED,
			  1000, 0, shared, &rep2), 0);
	CHECK_EQ(rep2.body.alloc_rep.alloc_id, shared);
	CHECK(!memcmp(rep2.body.alloc_rep.extents, rep.body.alloc_rep.extents,
		      sizeof(struct vvmp_extent)));
	/* ... but not to the exclusive one, nor to one that does not exist. */
	CHECK_EQ(allocate(&conn2, sb, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_SHARED,
			  1000, 0, excl, &rep2), VVMP_S_DENIED);
	CHECK_EQ(allocate(&conn2, sb, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_SHARED,
			  1000, 0, 999, &rep2), VVMP_S_NOT_FOUND);
	/* host-b cannot free host-a's exclusive allocation. */
	CHECK_EQ(free_alloc(&conn2, sb, excl), VVMP_S_NOT_FOUND);
	/* host-a frees the shared one: host-b still holds it, storage stays. */
	CHECK_EQ(free_alloc(&conn, sa, shared), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192 - 2000);
	CHECK_EQ(free_alloc(&conn2, sb, shared), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192 - 1000);
	teardown(&m, &a, &b);
	return 0;
}

struct grow_arg {
	struct unit *u;
};

static void *grow_later(void *p)
{
	struct grow_arg *g = p;

	msleep(300);
	unit_set_volumes(g->u, "1 nbd 0 8192 10.0.0.1:10809/a\n2 nbd 8192 20000 10.0.0.1:10809/a2\n");
	unit_signal(g->u, SIGHUP);
	return NULL;
}

static int test_register_answers_when_capacity_appears(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_msg req = { 0 };
	struct grow_arg g;
	pthread_t th;
	uint32_t sid;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	req.hdr.opcode = VVMP_OP_REGISTER;
	req.hdr.sub_opcode = VVMP_ALLOC_LOCAL_ONLY;
	req.body.alloc_req = (struct vvmp_alloc_req){ .session_id = sid, .storage_type = VVMP_ST_JBOD,
						      .access = VVMP_ACCESS_EXCLUSIVE,
						      .capacity_kb = 9000, .timeout_ms = 300 };
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_TIMEOUT);
	g.u = &a;
	pthread_create(&th, NULL, grow_later, &g);
	req.body.alloc_req.timeout_ms = 5000;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	pthread_join(th, NULL);
	CHECK_EQ(rep.body.alloc_rep.capacity_kb, 9000);
	teardown(&m, &a, &b);
	return 0;
}

static int test_sessions_end_and_release(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_query_san_rep s;
	struct vvmp_msg req = { 0 };
	uint32_t sid, sid2;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	/* TEARDOWN releases at once. */
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 1000, 0, 0, &rep), 0);
	req.hdr.opcode = VVMP_OP_TEARDOWN;
	req.body.session_ref.session_id = sid;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, 1, 10, 0, 0, &rep), VVMP_S_NO_SESSION);
	vvmp_conn_close(&conn);

	/* Reconnect within the grace period with the same boot id: same session. */
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-b", 5, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 1000, 0, 0, &rep), 0);
	vvmp_conn_close(&conn);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-b", 5, &sid2), 0);
	CHECK_EQ(sid2, sid);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192 - 1000);
	/* A new boot id means the host rebooted: the old session's storage goes. */
	vvmp_conn_close(&conn);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-b", 6, &sid2), 0);
	CHECK(sid2 != sid);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192);
	/* The peer gone for longer than the grace period (300 ms): released. */
	CHECK_EQ(allocate(&conn, sid2, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 1000, 0, 0, &rep), 0);
	vvmp_conn_close(&conn);
	msleep(700);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-c", 1, NULL), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, 8192);
	CHECK(file_contains(m.log, "ended (peer gone)"));
	/* A session id of another connection is refused. */
	CHECK_EQ(allocate(&conn, sid2, 1, VVMP_ST_JBOD, 1, 10, 0, 0, &rep), VVMP_S_NO_SESSION);
	teardown(&m, &a, &b);
	return 0;
}

static int test_statistics_per_session(void)
{
	struct mgr m;
	struct unit a, b;
	struct vvmp_query_san_rep s;
	struct vvmp_msg req = { 0 };
	uint32_t sid;

	CHECK_EQ(two_units(&m, &a, &b), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 1000, 0, 0, &rep), 0);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 99999, 0, 0, &rep),
		 VVMP_S_NO_SPACE);
	CHECK_EQ(query_san(&conn, &s), 0);
	req.hdr.opcode = VVMP_OP_STATISTICS;
	req.hdr.sub_opcode = VVMP_STATS_SESSION;
	req.body.session_ref.session_id = sid;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.stats_rep.allocations, 1);
	CHECK_EQ(rep.body.stats_rep.allocated_kb, 1000);
	CHECK_EQ(rep.body.stats_rep.requests, 4);	/* INITIALIZE, 2 x ALLOCATE, QUERY */
	CHECK_EQ(rep.body.stats_rep.errors, 1);
	CHECK_EQ(rep.body.stats_rep.queries, 1);
	teardown(&m, &a, &b);
	return 0;
}

static int test_auth_per_domain(void)
{
	struct mgr m;
	struct unit a;
	uint32_t sid;

	CHECK_EQ(mgr_start(&m, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7, NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-f", "1 nbd 0 8192 h:1/f\n", "--domain", "7", "--key",
			    KEY7, NULL), 0);
	CHECK_EQ(wait_pool(&m, 1, 1, 5000), 0);
	/* No MAC in a keyed domain. */
	CHECK_EQ(client_open(&conn, &m, 7, NULL, "host-a", 1, NULL), VVMP_S_AUTH_FAILED);
	vvmp_conn_close(&conn);
	/* Wrong key. */
	CHECK_EQ(client_open(&conn, &m, 7, "00112233445566778899aabbccddeefe", "host-a", 1, NULL),
		 VVMP_S_AUTH_FAILED);
	vvmp_conn_close(&conn);
	/* A domain this manager does not serve. */
	CHECK_EQ(client_open(&conn, &m, 9, NULL, "host-a", 1, NULL), VVMP_S_OUT_OF_DOMAIN);
	vvmp_conn_close(&conn);
	CHECK(file_contains(m.log, "authentication failed for domain 7 (no MAC)"));
	CHECK(file_contains(m.log, "authentication failed for domain 7 (wrong MAC)"));
	CHECK(file_contains(m.log, "domain 9 is not configured here"));
	/* The right key: works, and replies are signed (vvmp_call verified them). */
	CHECK_EQ(client_open(&conn, &m, 7, KEY7, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 1000, 0, 0, &rep), 0);
	/* Domain 1 cannot see domain 7's unit. */
	CHECK_EQ(client_open(&conn2, &m, 1, NULL, "host-b", 1, &sid), 0);
	CHECK_EQ(allocate(&conn2, sid, 1, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE, 10, 0, 0, &rep),
		 VVMP_S_NO_SPACE);
	teardown(&m, &a, NULL);
	return 0;
}

/*
 * Replay protection (protocol section 3.5). These tests play the attacker:
 * they keep the exact bytes of signed frames and send them again.
 */

/* Encode @req as @c's next request, as vvmp_call() would, into @f. */
static size_t capture(struct vvmp_conn *c, struct vvmp_msg *req, uint8_t *f, size_t cap)
{
	long n;

	req->hdr.transaction_id = c->next_transaction_id++;
	req->hdr.domain_id = c->domain_id;
	if (!c->assoc.id && vvmp_assoc_new(&c->assoc))
		return 0;
	if (vvmp_assoc_sign(&c->assoc, !c->assoc.established, &req->auth))
		return 0;
	n = vvmp_encode(req, &c->key, f, cap);
	return n > 0 ? (size_t)n : 0;
}

/*
 * Send @f as it is on @fd, read one frame back into @out: its status, or -1.
 * A signed answer must be fresh in @c's association (@c NULL: none expected).
 */
static int send_raw(int fd, const uint8_t *f, size_t n, struct vvmp_conn *c, struct vvmp_msg *out)
{
	static uint8_t buf[VVMP_MAX_FRAME];
	long len;

	if (!n || vvmp_write_all(fd, f, n))
		return -1;
	len = vvmp_read_frame(fd, buf, sizeof(buf), 5000);
	if (len <= 0 || vvmp_decode(buf, (size_t)len, out))
		return -1;
	if ((buf[3] & VVMP_F_AUTH) &&
	    (!c || vvmp_auth_check(buf, (size_t)len, &c->key, &c->assoc, NULL)))
		return -1;
	return out->hdr.status;
}

static int test_replayed_allocate_refused_on_any_connection(void)
{
	static uint8_t fi[1024], fa[1024];
	struct vvmp_msg req = { 0 };
	struct vvmp_query_san_rep s;
	struct mgr m;
	struct unit a;
	size_t ni, na;
	uint32_t sid, sid2;
	uint64_t free_kb;

	CHECK_EQ(mgr_start(&m, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7, NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-f", "1 nbd 0 8192 h:1/f\n", "--domain", "7", "--key",
			    KEY7, NULL), 0);
	CHECK_EQ(wait_pool(&m, 1, 1, 5000), 0);
	/* A host's INITIALIZE (the opening) and ALLOCATE, recorded on the way. */
	CHECK_EQ(vvmp_conn_open(&conn, "127.0.0.1", m.tcp, 7, KEY7, 5000), 0);
	req.hdr.opcode = VVMP_OP_INITIALIZE;
	req.body.init_req.client_boot_id = 1;
	vvmp_set_text(req.body.init_req.host, VVMP_HOST_LEN, "host-r");
	ni = capture(&conn, &req, fi, sizeof(fi));
	CHECK_EQ(send_raw(conn.fd, fi, ni, &conn, &rep), 0);
	CHECK(conn.assoc.established);
	sid = rep.body.init_rep.session_id;
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_ALLOCATE;
	req.hdr.sub_opcode = VVMP_ALLOC_LOCAL_ONLY;
	req.body.alloc_req = (struct vvmp_alloc_req){ .session_id = sid, .storage_type = VVMP_ST_JBOD,
						      .access = VVMP_ACCESS_EXCLUSIVE, .capacity_kb = 1000 };
	na = capture(&conn, &req, fa, sizeof(fa));
	CHECK_EQ(send_raw(conn.fd, fa, na, &conn, &rep), 0);
	CHECK(rep.body.alloc_rep.alloc_id > 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	free_kb = s.free_kb;
	CHECK(free_kb <= 8192 - 1000);

	/* The same ALLOCATE again on its connection: REPLAYED, unsigned, nothing allocated. */
	CHECK_EQ(send_raw(conn.fd, fa, na, &conn, &rep), VVMP_S_REPLAYED);
	CHECK(!(rep.hdr.flags & VVMP_F_AUTH));
	CHECK_EQ(rep.hdr.transaction_id, 2);
	/* On a new connection, with or without the recorded opening before it. */
	CHECK_EQ(vvmp_conn_open(&conn2, "127.0.0.1", m.tcp, 7, KEY7, 5000), 0);
	CHECK_EQ(send_raw(conn2.fd, fa, na, NULL, &rep), VVMP_S_REPLAYED);
	vvmp_conn_close(&conn2);
	CHECK_EQ(vvmp_conn_open(&conn2, "127.0.0.1", m.tcp, 7, KEY7, 5000), 0);
	CHECK_EQ(send_raw(conn2.fd, fi, ni, NULL, &rep), VVMP_S_REPLAYED);
	CHECK_EQ(send_raw(conn2.fd, fa, na, NULL, &rep), VVMP_S_REPLAYED);
	vvmp_conn_close(&conn2);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK_EQ(s.free_kb, free_kb);		/* nothing allocated twice */
	CHECK(file_contains(m.log, "refused ALLOCATE from [::ffff:127.0.0.1]:"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: sequence number already accepted"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: no association with the sender"));
	CHECK(file_contains(m.log, "refused INITIALIZE from [::ffff:127.0.0.1]:"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: opening already accepted"));
	/* The host itself carries on: a new connection is a new association. */
	CHECK_EQ(client_open(&conn2, &m, 7, KEY7, "host-r", 1, &sid2), 0);
	CHECK_EQ(sid2, sid);
	CHECK_EQ(allocate(&conn2, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), 0);
	CHECK_EQ(query_san(&conn, &s), 0);
	CHECK(s.free_kb <= free_kb - 1000);
	teardown(&m, &a, NULL);
	return 0;
}

/*
 * Sign @req as a unit in association @a (opening or next number) into @f;
 * send it unless @fd is -1.
 */
static size_t unit_frame(int fd, struct vvmp_assoc *a, struct vvmp_msg *req, uint32_t unit_id,
			 uint8_t *f, size_t cap)
{
	static uint32_t txn = 100;
	struct vvmp_key key;
	long n;

	vvmp_key_from_hex(KEY7, &key);
	req->hdr.domain_id = 7;
	req->hdr.client_id = unit_id;
	req->hdr.transaction_id = txn++;
	if (vvmp_assoc_sign(a, req->hdr.opcode == VVMP_OP_UNIT_UP, &req->auth))
		return 0;
	n = vvmp_encode(req, &key, f, cap);
	if (n <= 0 || (fd >= 0 && send(fd, f, (size_t)n, 0) != n))
		return 0;
	return (size_t)n;
}

/* The reply to transaction @txn of @f (the manager's own requests are skipped); its status. */
static int unit_reply(int fd, struct vvmp_assoc *a, const uint8_t *f, struct vvmp_msg *out)
{
	uint32_t txn = (uint32_t)f[24] << 24 | (uint32_t)f[25] << 16 | (uint32_t)f[26] << 8 | f[27];
	static uint8_t buf[VVMP_MAX_FRAME];
	struct vvmp_key key;

	vvmp_key_from_hex(KEY7, &key);
	for (int i = 0; i < 100; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0 || vvmp_decode(buf, (size_t)len, out) || !(out->hdr.flags & VVMP_F_REPLY) ||
		    out->hdr.transaction_id != txn)
			continue;	/* NEED_INFO and the like: not answered here */
		if ((buf[3] & VVMP_F_AUTH) && vvmp_auth_check(buf, (size_t)len, &key, a, NULL))
			return -1;
		return out->hdr.status;
	}
	return -1;
}

static int test_replayed_unit_frames_refused(void)
{
	static uint8_t fu[512], fh[512], fd[512], f[512];
	struct vvmp_assoc ua, ua2;
	struct vvmp_msg req;
	struct mgr m;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t nu, nh, nd, n;
	uint32_t id;
	int s;

	CHECK_EQ(mgr_start(&m, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7, NULL), 0);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sa.sin_port = htons(m.udp);
	CHECK(s >= 0 && !connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	/* A unit comes up (its UNIT_UP opens the association), beats, leaves. */
	CHECK_EQ(vvmp_assoc_new(&ua), 0);
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_UNIT_UP;
	req.body.unit_up_req = (struct vvmp_unit_up_req){ 9, VVMP_ST_JBOD, 0, 5, "" };
	vvmp_set_text(req.body.unit_up_req.name, VVMP_NAME_LEN, "fake-u");
	nu = unit_frame(s, &ua, &req, 0, fu, sizeof(fu));
	CHECK_EQ(unit_reply(s, &ua, fu, &rep), 0);
	id = rep.body.unit_up_rep.unit_id;
	CHECK(id > 0);
	CHECK_EQ(wait_pool(&m, 1, 0, 2000), 0);
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_HEARTBEAT;
	req.body.heartbeat_req = (struct vvmp_heartbeat_req){ id, 5 };
	nh = unit_frame(s, &ua, &req, id, fh, sizeof(fh));
	CHECK_EQ(unit_reply(s, &ua, fh, &rep), 0);
	/* Its HEARTBEAT and UNIT_UP once more: REPLAYED, as unsigned error replies. */
	CHECK_EQ(send(s, fh, nh, 0), (ssize_t)nh);
	CHECK_EQ(unit_reply(s, &ua, fh, &rep), VVMP_S_REPLAYED);
	CHECK(!(rep.hdr.flags & VVMP_F_AUTH));
	CHECK_EQ(send(s, fu, nu, 0), (ssize_t)nu);
	CHECK_EQ(unit_reply(s, &ua, fu, &rep), VVMP_S_REPLAYED);
	/* Only UNIT_UP opens an association. */
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_HEARTBEAT;
	req.body.heartbeat_req = (struct vvmp_heartbeat_req){ id, 5 };
	n = unit_frame(-1, &ua, &req, id, f, sizeof(f));
	CHECK(n > 0);
	f[n - VVMP_AUTH_LEN + 15] = 0;		/* sequence 0 ... */
	{
		struct vvmp_key key;
		struct vvmp_auth auth;

		vvmp_key_from_hex(KEY7, &key);
		vvmp_auth_peek(f, n, &auth);
		CHECK_EQ(vvmp_auth_resign(f, n, &key, &auth), 0);	/* ... properly signed */
	}
	CHECK_EQ(send(s, f, n, 0), (ssize_t)n);
	CHECK_EQ(unit_reply(s, &ua, f, &rep), VVMP_S_REPLAYED);
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_UNIT_DOWN;
	req.body.unit_ref.unit_id = id;
	nd = unit_frame(s, &ua, &req, id, fd, sizeof(fd));
	CHECK_EQ(unit_reply(s, &ua, fd, &rep), 0);
	CHECK_EQ(wait_pool(&m, 0, 0, 2000), 0);
	/* It comes back in a new association: its old UNIT_DOWN cannot take it down. */
	CHECK_EQ(vvmp_assoc_new(&ua2), 0);
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_UNIT_UP;
	req.body.unit_up_req = (struct vvmp_unit_up_req){ 9, VVMP_ST_JBOD, 0, 5, "" };
	vvmp_set_text(req.body.unit_up_req.name, VVMP_NAME_LEN, "fake-u");
	n = unit_frame(s, &ua2, &req, id, f, sizeof(f));
	CHECK_EQ(unit_reply(s, &ua2, f, &rep), 0);
	CHECK_EQ(rep.body.unit_up_rep.unit_id, id);
	CHECK_EQ(send(s, fd, nd, 0), (ssize_t)nd);
	CHECK_EQ(unit_reply(s, &ua2, fd, &rep), VVMP_S_REPLAYED);
	CHECK_EQ(send(s, fh, nh, 0), (ssize_t)nh);
	CHECK_EQ(unit_reply(s, &ua2, fh, &rep), VVMP_S_REPLAYED);
	CHECK_EQ(wait_pool(&m, 1, 0, 500), 0);
	CHECK(file_contains(m.log, "refused HEARTBEAT from [::ffff:127.0.0.1]:"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: sequence number already accepted"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: opening already accepted"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: this frame may not open an association"));
	CHECK(file_contains(m.log, "replayed or stale frame in domain 7: not the current association"));
	close(s);
	teardown(&m, NULL, NULL);
	return 0;
}

/*
 * Signed units under 30 % loss each way: every retransmission is signed
 * anew, so none is refused, and the unit still hears its ASSIGN.
 */
static int test_signed_units_survive_packet_loss(void)
{
	struct mgr m;
	struct unit a, b;
	char st[4096], want[64], log[300];
	uint32_t sid;

	CHECK_EQ(mgr_start(&m, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7,
			   "--udp-loss", "30", "--seed", "11", NULL), 0);
	CHECK_EQ(unit_start(&a, &m, "unit-la", "1 nbd 0 8192 h:1/a\n2 nbd 8192 8192 h:1/b\n",
			    "--domain", "7", "--key", KEY7, "--loss", "30", "--seed", "3", NULL), 0);
	CHECK_EQ(unit_start(&b, &m, "unit-lb", "1 local 0 100\n", "--domain", "7", "--key", KEY7,
			    "--loss", "30", "--seed", "5", NULL), 0);
	CHECK_EQ(wait_pool(&m, 2, 3, 8000), 0);
	CHECK_EQ(client_open(&conn, &m, 7, KEY7, "host-l", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  4096, 0, 0, &rep), 0);
	snprintf(want, sizeof(want), "\"alloc_id\":%u,", rep.body.alloc_rep.alloc_id);
	for (int i = 0; i < 250; i++) {
		if (!unit_state(&a, st, sizeof(st)) && strstr(st, want))
			break;
		msleep(20);
	}
	CHECK(strstr(st, want));
	msleep(600);				/* a few heartbeats, under loss too */
	CHECK(!file_contains(m.log, "replayed or stale"));
	snprintf(log, sizeof(log), "%s/unit-la.log", test_tmp);
	CHECK(!file_contains(log, "refused"));
	teardown(&m, &a, &b);
	return 0;
}

/* Manager to manager in a keyed domain: the forwarding connection is an association too. */
static int test_signed_forwarding(void)
{
	struct mgr a, b;
	struct unit ub;
	char peer[64];
	uint32_t sid, id;

	CHECK_EQ(mgr_start(&b, "2", "--domain", "1:default", "--domain", "7:finance:" KEY7, NULL), 0);
	CHECK_EQ(unit_start(&ub, &b, "unit-fb", "1 nbd 0 8192 10.0.0.2:10809/b\n", "--domain", "7",
			    "--key", KEY7, NULL), 0);
	CHECK_EQ(wait_pool(&b, 1, 1, 5000), 0);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", b.tcp);
	CHECK_EQ(mgr_start(&a, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7,
			   "--peer", peer, NULL), 0);
	CHECK_EQ(client_open(&conn, &a, 7, KEY7, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_ANYWHERE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), 0);
	id = rep.body.alloc_rep.alloc_id;
	CHECK_EQ(rep.body.alloc_rep.extents[0].san_id, 2);
	CHECK_EQ(free_alloc(&conn, sid, id), 0);
	CHECK(file_contains(a.log, "forwarded to SAN 2"));
	CHECK(!file_contains(a.log, "replayed or stale"));
	CHECK(!file_contains(b.log, "replayed or stale"));
	unit_signal(&ub, SIGKILL);
	unit_wait(&ub);
	mgr_stop(&b);
	teardown(&a, NULL, NULL);
	return 0;
}

static int test_malformed_frames_get_error_replies(void)
{
	struct mgr m;
	struct vvmp_msg req = { 0 };
	uint8_t f[VVMP_MAX_FRAME];
	long n;

	CHECK_EQ(mgr_start(&m, "1", NULL), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, NULL), 0);
	req.hdr.opcode = VVMP_OP_QUERY;
	req.hdr.sub_opcode = VVMP_QUERY_SAN;
	req.hdr.domain_id = 1;
	req.hdr.transaction_id = 77;
	n = vvmp_encode(&req, NULL, f, sizeof(f));
	f[37] ^= 1;					/* checksum */
	CHECK_EQ(vvmp_write_all(conn.fd, f, (size_t)n), 0);
	n = vvmp_read_frame(conn.fd, f, sizeof(f), 5000);
	CHECK(n == 40);
	CHECK_EQ(vvmp_decode(f, (size_t)n, &rep), 0);
	CHECK_EQ(rep.hdr.status, VVMP_S_BAD_CHECKSUM);
	CHECK_EQ(rep.hdr.transaction_id, 77);
	/* Unknown opcode: echoed, with UNKNOWN_OPCODE. */
	memset(f, 0, 40);
	f[0] = 0x56; f[1] = 0x4d; f[2] = 1; f[5] = 0x42; f[31] = 1;
	{
		uint32_t crc = vvmp_crc32c(0, f, 36);

		f[36] = crc >> 24; f[37] = (uint8_t)(crc >> 16); f[38] = (uint8_t)(crc >> 8); f[39] = (uint8_t)crc;
	}
	CHECK_EQ(vvmp_write_all(conn.fd, f, 40), 0);
	n = vvmp_read_frame(conn.fd, f, sizeof(f), 5000);
	CHECK_EQ(vvmp_decode(f, (size_t)n, &rep), 0);
	CHECK_EQ(rep.hdr.status, VVMP_S_UNKNOWN_OPCODE);
	CHECK_EQ(rep.hdr.opcode, 0x42);
	/* The connection still works. */
	struct vvmp_query_san_rep s;

	CHECK_EQ(query_san(&conn, &s), 0);
	/* Garbage: BAD_FRAME, then the manager closes the stream. */
	memset(f, 0xee, 64);
	CHECK_EQ(vvmp_write_all(conn.fd, f, 64), 0);
	n = vvmp_read_frame(conn.fd, f, sizeof(f), 5000);
	CHECK_EQ(vvmp_decode(f, (size_t)n, &rep), 0);
	CHECK_EQ(rep.hdr.status, VVMP_S_BAD_FRAME);
	n = vvmp_read_frame(conn.fd, f, sizeof(f), 5000);	/* closed: EOF or reset */
	CHECK(n == 0 || n == VVMP_IO_ERR(ECONNRESET));
	/* Unit opcodes are not served over TCP. */
	vvmp_conn_close(&conn);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, NULL), 0);
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_HEARTBEAT;
	req.body.heartbeat_req = (struct vvmp_heartbeat_req){ 1, 0 };
	CHECK_EQ(call(&conn, &req, &rep), VVMP_S_UNKNOWN_OPCODE);
	teardown(&m, NULL, NULL);
	return 0;
}

static int test_forwarding_between_two_managers(void)
{
	struct mgr a, b;
	struct unit ub;
	struct vvmp_query_san_rep s;
	struct vvmp_msg req = { 0 };
	char peer[64];
	uint32_t sid, id;

	CHECK_EQ(mgr_start(&b, "2", NULL), 0);
	CHECK_EQ(unit_start(&ub, &b, "unit-b", "1 nbd 0 8192 10.0.0.2:10809/b\n", NULL), 0);
	CHECK_EQ(wait_pool(&b, 1, 1, 5000), 0);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", b.tcp);
	CHECK_EQ(mgr_start(&a, "1", "--peer", peer, NULL), 0);	/* no units of its own */
	CHECK_EQ(client_open(&conn, &a, 1, NULL, "host-a", 1, &sid), 0);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_LOCAL_ONLY, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), VVMP_S_NO_SPACE);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_EXPANDABLE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), VVMP_S_NO_SPACE);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_ANYWHERE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), 0);
	id = rep.body.alloc_rep.alloc_id;
	CHECK_EQ(rep.body.alloc_rep.extent_count, 1);
	CHECK_EQ(rep.body.alloc_rep.extents[0].san_id, 2);
	CHECK(!strcmp(rep.body.alloc_rep.extents[0].address, "10.0.0.2:10809/b"));
	CHECK_EQ(rep.hdr.src_san_id, 1);		/* relayed by A */
	CHECK(file_contains(a.log, "forwarded to SAN 2"));
	/* ALL_SANS shows B's volume through A. */
	req.hdr.opcode = VVMP_OP_QUERY;
	req.hdr.sub_opcode = VVMP_QUERY_ALL_SANS;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.dev_rep.count, 1);
	CHECK_EQ(rep.body.dev_rep.devices[0].san_id, 2);
	CHECK_EQ(rep.body.dev_rep.devices[0].state, VVMP_DEV_PARTLY_USED);
	/* Growth goes to B as well. */
	memset(&req, 0, sizeof(req));
	req.hdr.opcode = VVMP_OP_CHANGE_PARAMS;
	req.body.change_req = (struct vvmp_change_req){ sid, id, 2000, 0, 0, 0, 0 };
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.alloc_rep.alloc_id, id);
	CHECK_EQ(rep.body.alloc_rep.capacity_kb, 2000);
	/* FREE through A returns B's storage. */
	CHECK_EQ(free_alloc(&conn, sid, id), 0);
	CHECK_EQ(client_open(&conn2, &b, 1, NULL, "observer", 1, NULL), 0);
	CHECK_EQ(query_san(&conn2, &s), 0);
	CHECK_EQ(s.free_kb, 4096);
	/* A peer that is down: FORWARD_FAILED. */
	unit_signal(&ub, SIGKILL);
	unit_wait(&ub);
	mgr_stop(&b);
	CHECK_EQ(allocate(&conn, sid, VVMP_ALLOC_ANYWHERE, VVMP_ST_JBOD, VVMP_ACCESS_EXCLUSIVE,
			  1000, 0, 0, &rep), VVMP_S_FORWARD_FAILED);
	teardown(&a, NULL, NULL);
	return 0;
}

static int test_domains_listed(void)
{
	struct mgr m;
	struct vvmp_msg req = { 0 };

	CHECK_EQ(mgr_start(&m, "1", "--domain", "1:default", "--domain", "7:finance:" KEY7, NULL), 0);
	CHECK_EQ(client_open(&conn, &m, 1, NULL, "host-a", 1, NULL), 0);
	req.hdr.opcode = VVMP_OP_DOMAINS;
	req.hdr.sub_opcode = VVMP_DOMAINS_LIST;
	CHECK_EQ(call(&conn, &req, &rep), 0);
	CHECK_EQ(rep.body.domains_rep.count, 2);
	CHECK_EQ(rep.body.domains_rep.domains[1].domain_id, 7);
	CHECK_EQ(rep.body.domains_rep.domains[1].flags, VVMP_DF_AUTH_REQUIRED);
	CHECK(!strcmp(rep.body.domains_rep.domains[1].name, "finance"));
	teardown(&m, NULL, NULL);
	return 0;
}

int main(void)
{
	snprintf(test_tmp, sizeof(test_tmp), "%s/vvmpd-test-%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	mkdir(test_tmp, 0755);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_units_come_up_with_their_volumes);
	RUN(test_unit_down_and_heartbeat_timeout);
	RUN(test_units_survive_packet_loss);
	RUN(test_capacity_grows_without_restart);
	RUN(test_allocation_picks_type_and_tells_unit);
	RUN(test_mirror_and_backup_flags_keep_a_copy_elsewhere);
	RUN(test_exhaustion_refused_and_changes_nothing);
	RUN(test_expansion_appends_and_give_back_trims);
	RUN(test_bandwidth_change_is_rechecked);
	RUN(test_raid5_needs_its_raid_set);
	RUN(test_shared_and_exclusive_access);
	RUN(test_register_answers_when_capacity_appears);
	RUN(test_sessions_end_and_release);
	RUN(test_statistics_per_session);
	RUN(test_auth_per_domain);
	RUN(test_replayed_allocate_refused_on_any_connection);
	RUN(test_replayed_unit_frames_refused);
	RUN(test_signed_units_survive_packet_loss);
	RUN(test_malformed_frames_get_error_replies);
	RUN(test_forwarding_between_two_managers);
	RUN(test_signed_forwarding);
	RUN(test_domains_listed);
	if (!tap_failed) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_tmp);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", test_tmp);
	} else {
		fprintf(stderr, "logs kept in %s\n", test_tmp);
	}
	return tap_summary();
}
