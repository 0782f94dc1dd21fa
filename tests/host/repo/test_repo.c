// SPDX-License-Identifier: GPL-2.0
/*
 * Repository: schema creation and migrations, the constraints the schema
 * enforces (and that a refused change leaves nothing behind), cascades.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>

#include <vvmp/repo.h>
#include "../proto/tap.h"

static char dbpath[256];
static struct vvmp_repo *r;

static void fresh_path(void)
{
	static int n;

	snprintf(dbpath, sizeof(dbpath), "%s/vvmp-repo-test-%d-%d.db",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), n++);
	unlink(dbpath);
}

static void cleanup(void)
{
	char p[300];

	vvmp_repo_close(r);
	r = NULL;
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static int open_fresh(void)
{
	fresh_path();
	return vvmp_repo_open(dbpath, &r);
}

static uint32_t add_domain(uint32_t id, const char *name)
{
	struct vvmp_repo_domain d = { .id = id };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return vvmp_repo_domain_put(r, &d) ? 0 : id;
}

static uint32_t add_unit(uint32_t domain, const char *name)
{
	struct vvmp_repo_unit u = { .domain_id = domain, .storage_type = 1,
				    .bandwidth_kb = 1000, .state = VVMP_UNIT_UP };

	snprintf(u.name, sizeof(u.name), "%s", name);
	return vvmp_repo_unit_put(r, &u) ? 0 : u.id;
}

static int add_volume(uint32_t unit, uint32_t unit_vol, uint64_t start, uint64_t len,
		      uint32_t *id)
{
	struct vvmp_repo_volume v = { .unit_id = unit, .unit_volume_id = unit_vol,
				      .transport = 2, .start_lba = start, .length_lba = len };
	int err;

	snprintf(v.address, sizeof(v.address), "10.0.0.1:10809/v%u", unit_vol);
	err = vvmp_repo_volume_add(r, &v);
	if (id)
		*id = v.id;
	return err;
}

static size_t count_volumes(uint32_t unit)
{
	struct vvmp_repo_volume *v;
	size_t n;

	if (vvmp_repo_volume_list(r, unit, &v, &n))
		return (size_t)-1;
	free(v);
	return n;
}

static uint32_t add_vd(uint32_t domain, uint32_t session)
{
	struct vvmp_repo_vd vd = { .domain_id = domain, .owner_session_id = session,
				   .sub_opcode = 1, .storage_type = 1, .access = 1,
				   .capacity_kb = 1024, .members = 1 };

	return vvmp_repo_vd_create(r, &vd) ? 0 : vd.id;
}

static int add_segment(uint32_t vd, uint32_t seq, uint32_t vol, uint64_t start, uint64_t len)
{
	struct vvmp_repo_segment s = { .vd_id = vd, .seq = seq, .volume_id = vol,
				       .start_lba = start, .length_lba = len };

	return vvmp_repo_segment_add(r, &s);
}

static int test_fresh_database_is_current_and_wal(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int wal;

	CHECK_EQ(open_fresh(), 0);
	CHECK_EQ(vvmp_repo_schema_version(r), VVMP_REPO_SCHEMA_VERSION);
	CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK(wal);
	cleanup();
	return 0;
}

static int test_foreign_keys_enforced(void)
{
	CHECK_EQ(open_fresh(), 0);
	/* unit 77 does not exist */
	CHECK_EQ(add_volume(77, 1, 0, 100, NULL), -ENOENT);
	/* domain 5 does not exist */
	CHECK_EQ(add_unit(5, "u"), 0);
	cleanup();
	return 0;
}

static int test_migration_1_to_2_keeps_data(void)
{
	struct vvmp_repo_dirty d = { 0, 0, 0, 8 };
	struct vvmp_repo_dirty *dl;
	uint32_t unit, vol;
	size_t n;

	fresh_path();
	CHECK_EQ(vvmp_repo_open_version(dbpath, 1, &r), 0);
	CHECK_EQ(vvmp_repo_schema_version(r), 1);
	CHECK(add_domain(1, "default"));
	CHECK((unit = add_unit(1, "unit-a")));
	CHECK_EQ(add_volume(unit, 1, 0, 1000, &vol), 0);
	d.vd_id = add_vd(1, 1);
	CHECK(d.vd_id);
	/* v1 has no dirty-region table */
	CHECK_EQ(vvmp_repo_dirty_set(r, &d), -EIO);
	vvmp_repo_close(r);

	CHECK_EQ(vvmp_repo_open_version(dbpath, 2, &r), 0);
	CHECK_EQ(vvmp_repo_schema_version(r), 2);
	CHECK_EQ(count_volumes(unit), 1);
	CHECK_EQ(vvmp_repo_dirty_set(r, &d), 0);
	CHECK_EQ(vvmp_repo_dirty_list(r, d.vd_id, &dl, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(dl[0].length_lba, 8);
	free(dl);
	cleanup();
	return 0;
}

static int test_reopen_does_not_migrate_twice(void)
{
	CHECK_EQ(open_fresh(), 0);
	CHECK(add_domain(1, "default"));
	vvmp_repo_close(r);
	CHECK_EQ(vvmp_repo_open(dbpath, &r), 0);
	CHECK_EQ(vvmp_repo_schema_version(r), VVMP_REPO_SCHEMA_VERSION);
	cleanup();
	return 0;
}

static int test_newer_schema_refused(void)
{
	sqlite3 *db;

	CHECK_EQ(open_fresh(), 0);
	vvmp_repo_close(r);
	r = NULL;
	CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
		 SQLITE_OK);
	sqlite3_close(db);
	CHECK_EQ(vvmp_repo_open(dbpath, &r), -EPROTO);
	CHECK(r == NULL);
	cleanup();
	return 0;
}

static int test_overlapping_volumes_refused(void)
{
	uint32_t u1, u2;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	u1 = add_unit(1, "unit-a");
	u2 = add_unit(1, "unit-b");
	CHECK_EQ(add_volume(u1, 1, 1000, 1000, NULL), 0);		/* [1000, 2000) */
	CHECK_EQ(add_volume(u1, 2, 1999, 10, NULL), -ERANGE);	/* last sector shared */
	CHECK_EQ(add_volume(u1, 3, 500, 501, NULL), -ERANGE);		/* first sector shared */
	CHECK_EQ(add_volume(u1, 4, 0, 5000, NULL), -ERANGE);		/* contains it */
	CHECK_EQ(add_volume(u1, 5, 1200, 10, NULL), -ERANGE);		/* inside it */
	CHECK_EQ(count_volumes(u1), 1);					/* nothing left behind */
	CHECK_EQ(add_volume(u1, 6, 2000, 10, NULL), 0);		/* adjacent is fine */
	CHECK_EQ(add_volume(u1, 7, 990, 10, NULL), 0);
	CHECK_EQ(add_volume(u2, 1, 1000, 1000, NULL), 0);		/* other unit */
	CHECK_EQ(add_volume(u1, 1, 9000, 10, NULL), -EEXIST);		/* unit's number reused */
	CHECK_EQ(add_volume(u1, 8, 9000, 0, NULL), -EINVAL);		/* empty */
	CHECK_EQ(add_volume(u1, 9, VVMP_REPO_MAX_LBA - 1, 2, NULL), -EINVAL);
	CHECK_EQ(count_volumes(u1), 3);
	cleanup();
	return 0;
}

static int test_unit_names_unique_per_domain(void)
{
	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	add_domain(2, "other");
	CHECK(add_unit(1, "unit-a"));
	CHECK_EQ(add_unit(1, "unit-a"), 0);
	CHECK(add_unit(2, "unit-a"));
	cleanup();
	return 0;
}

static int test_segments_stay_inside_volume_and_apart(void)
{
	uint32_t unit, vol, vd;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	unit = add_unit(1, "unit-a");
	CHECK_EQ(add_volume(unit, 1, 1000, 1000, &vol), 0);
	vd = add_vd(1, 1);
	CHECK_EQ(add_segment(vd, 0, vol, 1000, 500), 0);
	CHECK_EQ(add_segment(vd, 1, vol, 1400, 200), -ERANGE);	/* overlaps seq 0 */
	CHECK_EQ(add_segment(vd, 1, vol, 1900, 200), -ERANGE);	/* leaves the volume */
	CHECK_EQ(add_segment(vd, 1, vol, 900, 200), -ERANGE);		/* starts before it */
	CHECK_EQ(add_segment(vd, 1, 999, 1000, 1), -ENOENT);		/* no such volume */
	CHECK_EQ(add_segment(vd, 0, vol, 1600, 10), -EEXIST);		/* seq taken */
	CHECK_EQ(add_segment(vd, 1, vol, 1500, 500), 0);		/* exactly the rest */
	cleanup();
	return 0;
}

static int test_segment_growth_checked(void)
{
	struct vvmp_repo_segment *s;
	uint32_t unit, vol, vd;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	unit = add_unit(1, "unit-a");
	CHECK_EQ(add_volume(unit, 1, 0, 1000, &vol), 0);
	vd = add_vd(1, 1);
	CHECK_EQ(add_segment(vd, 0, vol, 0, 100), 0);
	CHECK_EQ(add_segment(vd, 1, vol, 500, 100), 0);
	CHECK_EQ(vvmp_repo_segment_list(r, vd, &s, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(vvmp_repo_segment_set_length(r, s[0].id, 500), 0);
	CHECK_EQ(vvmp_repo_segment_set_length(r, s[0].id, 501), -ERANGE);
	CHECK_EQ(vvmp_repo_segment_set_length(r, s[1].id, 501), -ERANGE);
	CHECK_EQ(vvmp_repo_segment_set_length(r, s[1].id, 500), 0);
	free(s);
	cleanup();
	return 0;
}

static int test_delete_unit_with_allocated_volumes_refused(void)
{
	struct vvmp_repo_unit u;
	uint32_t unit, vol, vol2, vd;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	unit = add_unit(1, "unit-a");
	CHECK_EQ(add_volume(unit, 1, 0, 1000, &vol), 0);
	CHECK_EQ(add_volume(unit, 2, 1000, 1000, &vol2), 0);
	vd = add_vd(1, 1);
	CHECK_EQ(add_segment(vd, 0, vol, 0, 10), 0);
	CHECK_EQ(vvmp_repo_unit_delete(r, unit), -EBUSY);
	CHECK_EQ(vvmp_repo_volume_delete(r, vol), -EBUSY);
	CHECK_EQ(vvmp_repo_unit_get(r, unit, &u), 0);
	CHECK_EQ(count_volumes(unit), 2);
	CHECK_EQ(vvmp_repo_volume_delete(r, vol2), 0);		/* unallocated one */
	CHECK_EQ(vvmp_repo_vd_delete(r, vd), 0);
	CHECK_EQ(vvmp_repo_unit_delete(r, unit), 0);
	CHECK_EQ(count_volumes(unit), 0);				/* cascaded */
	CHECK_EQ(vvmp_repo_unit_get(r, unit, &u), -ENOENT);
	CHECK_EQ(vvmp_repo_unit_delete(r, unit), -ENOENT);
	cleanup();
	return 0;
}

static int test_vd_delete_cascades(void)
{
	struct vvmp_repo_client c;
	struct vvmp_repo_dirty d = { 0, 1, 64, 64 }, *dl;
	struct vvmp_repo_segment *s;
	uint32_t unit, vol, vd, sid, acl;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	unit = add_unit(1, "unit-a");
	CHECK_EQ(add_volume(unit, 1, 0, 1000, &vol), 0);
	CHECK_EQ(vvmp_repo_client_ensure(r, 1, "host-a", &c), 0);
	CHECK_EQ(vvmp_repo_session_create(r, c.id, 7, &sid), 0);
	vd = add_vd(1, sid);
	CHECK_EQ(add_segment(vd, 0, vol, 0, 10), 0);
	CHECK_EQ(vvmp_repo_vd_attach(r, vd, sid), 0);
	CHECK_EQ(vvmp_repo_acl_set(r, vd, c.id, VVMP_REPO_ACL_RW), 0);
	d.vd_id = vd;
	CHECK_EQ(vvmp_repo_dirty_set(r, &d), 0);
	CHECK_EQ(vvmp_repo_vd_delete(r, vd), 0);
	CHECK_EQ(vvmp_repo_segment_list(r, vd, &s, &n), 0);
	CHECK_EQ(n, 0);
	free(s);
	CHECK_EQ(vvmp_repo_dirty_list(r, vd, &dl, &n), 0);
	CHECK_EQ(n, 0);
	free(dl);
	CHECK_EQ(vvmp_repo_acl_get(r, vd, c.id, &acl), 0);
	CHECK_EQ(acl, VVMP_REPO_ACL_NONE);
	CHECK_EQ(vvmp_repo_vd_is_attached(r, vd, sid), 0);
	cleanup();
	return 0;
}

static int test_sessions_and_attachments(void)
{
	struct vvmp_repo_client c, c2;
	struct vvmp_repo_session s;
	uint32_t s1, s2, vd, remaining, *ids;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	CHECK_EQ(vvmp_repo_client_ensure(r, 1, "host-a", &c), 0);
	CHECK_EQ(vvmp_repo_client_ensure(r, 1, "host-a", &c2), 0);
	CHECK_EQ(c.id, c2.id);					/* idempotent */
	CHECK_EQ(c.status, VVMP_CLIENT_ENABLED);
	CHECK_EQ(vvmp_repo_session_create(r, c.id, 0xabc, &s1), 0);
	CHECK_EQ(vvmp_repo_session_create(r, c.id, 0xabc, &s2), 0);
	CHECK(s1 != s2);
	CHECK_EQ(vvmp_repo_session_get(r, s1, &s), 0);
	CHECK_EQ(s.boot_id, 0xabc);
	CHECK_EQ(s.domain_id, 1);
	CHECK_EQ(s.state, VVMP_SESSION_ACTIVE);
	CHECK_EQ(vvmp_repo_session_count(r, s1, 3, 1, 2), 0);
	CHECK_EQ(vvmp_repo_session_get(r, s1, &s), 0);
	CHECK_EQ(s.requests, 3);
	CHECK_EQ(s.errors, 1);
	CHECK_EQ(s.queries, 2);
	vd = add_vd(1, s1);
	CHECK_EQ(vvmp_repo_vd_attach(r, vd, s1), 0);
	CHECK_EQ(vvmp_repo_vd_attach(r, vd, s2), 0);
	CHECK_EQ(vvmp_repo_vd_attach(r, vd, s2), -EEXIST);
	CHECK_EQ(vvmp_repo_session_vds(r, s2, &ids, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(ids[0], vd);
	free(ids);
	CHECK_EQ(vvmp_repo_vd_detach(r, vd, s1, &remaining), 0);
	CHECK_EQ(remaining, 1);
	CHECK_EQ(vvmp_repo_vd_detach(r, vd, s1, &remaining), -ENOENT);
	CHECK_EQ(vvmp_repo_session_delete(r, s2), 0);		/* cascades its hold */
	CHECK_EQ(vvmp_repo_vd_is_attached(r, vd, s2), 0);
	CHECK_EQ(vvmp_repo_session_get(r, s2, &s), -ENOENT);
	CHECK_EQ(vvmp_repo_session_create(r, 999, 1, &s2), -ENOENT);	/* no client */
	cleanup();
	return 0;
}

static int test_transaction_rollback_leaves_nothing(void)
{
	uint32_t unit;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	unit = add_unit(1, "unit-a");
	CHECK_EQ(vvmp_repo_begin(r), 0);
	CHECK_EQ(add_volume(unit, 1, 0, 10, NULL), 0);
	CHECK_EQ(add_volume(unit, 2, 10, 10, NULL), 0);
	CHECK_EQ(vvmp_repo_rollback(r), 0);
	CHECK_EQ(count_volumes(unit), 0);
	CHECK_EQ(vvmp_repo_begin(r), 0);
	CHECK_EQ(add_volume(unit, 1, 0, 10, NULL), 0);
	CHECK_EQ(vvmp_repo_commit(r), 0);
	CHECK_EQ(count_volumes(unit), 1);
	cleanup();
	return 0;
}

static int test_domain_keys_round_trip(void)
{
	struct vvmp_repo_domain d = { .id = 7, .name = "finance", .key_len = 3,
				      .key = { 1, 2, 3 } }, got;
	struct vvmp_repo_domain *list;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	CHECK_EQ(vvmp_repo_domain_put(r, &d), 0);
	CHECK_EQ(vvmp_repo_domain_get(r, 7, &got), 0);
	CHECK_EQ(got.key_len, 3);
	CHECK_EQ(got.key[2], 3);
	d.key_len = 0;						/* key removed */
	CHECK_EQ(vvmp_repo_domain_put(r, &d), 0);
	CHECK_EQ(vvmp_repo_domain_get(r, 7, &got), 0);
	CHECK_EQ(got.key_len, 0);
	d.id = 8;						/* name taken */
	CHECK_EQ(vvmp_repo_domain_put(r, &d), -EEXIST);
	CHECK_EQ(vvmp_repo_domain_list(r, &list, &n), 0);
	CHECK_EQ(n, 1);
	free(list);
	cleanup();
	return 0;
}

static int test_policies_and_cos(void)
{
	struct vvmp_repo_cos c = { .name = "gold", .iops_limit = 1000, .priority = 7 }, got;
	char buf[8];

	CHECK_EQ(open_fresh(), 0);
	CHECK_EQ(vvmp_repo_policy_get(r, "hold_down_ms", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(vvmp_repo_policy_set(r, "hold_down_ms", "5000"), 0);
	CHECK_EQ(vvmp_repo_policy_set(r, "hold_down_ms", "6000"), 0);
	CHECK_EQ(vvmp_repo_policy_get(r, "hold_down_ms", buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "6000"));
	CHECK_EQ(vvmp_repo_policy_set(r, "long", "123456789"), 0);
	CHECK_EQ(vvmp_repo_policy_get(r, "long", buf, sizeof(buf)), -ERANGE);
	CHECK_EQ(vvmp_repo_cos_put(r, &c), 0);
	CHECK_EQ(vvmp_repo_cos_get(r, c.id, &got), 0);
	CHECK_EQ(got.iops_limit, 1000);
	CHECK_EQ(got.priority, 7);
	c.id = 0;
	snprintf(c.name, sizeof(c.name), "bad");
	c.priority = 9;
	CHECK_EQ(vvmp_repo_cos_put(r, &c), -EINVAL);
	cleanup();
	return 0;
}

static int test_check_constraints(void)
{
	struct vvmp_repo_unit u = { .domain_id = 1, .name = "x", .storage_type = 9 };
	struct vvmp_repo_vd vd = { .domain_id = 1, .sub_opcode = 1, .storage_type = 1,
				   .access = 1, .capacity_kb = 0, .members = 1 };

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	CHECK_EQ(vvmp_repo_unit_put(r, &u), -EINVAL);		/* storage type */
	CHECK_EQ(vvmp_repo_vd_create(r, &vd), -EINVAL);		/* zero capacity */
	vd.capacity_kb = 1;
	vd.block_size = 1000;
	CHECK_EQ(vvmp_repo_vd_create(r, &vd), -EINVAL);		/* block size */
	cleanup();
	return 0;
}

/* v2 -> v3 keeps allocations; the new tables start empty and work. */
static int test_migration_2_to_3_keeps_data(void)
{
	struct vvmp_repo_segment *s;
	struct vvmp_repo_leg *legs;
	uint32_t unit, vol, vd;
	size_t n;
	int newly;

	fresh_path();
	CHECK_EQ(vvmp_repo_open_version(dbpath, 2, &r), 0);
	CHECK(add_domain(1, "default"));
	CHECK((unit = add_unit(1, "unit-a")));
	CHECK_EQ(add_volume(unit, 1, 0, 1000, &vol), 0);
	CHECK((vd = add_vd(1, 1)));
	CHECK_EQ(add_segment(vd, 0, vol, 0, 100), 0);
	/* v2 has no leg health */
	CHECK_EQ(vvmp_repo_leg_fail(r, vd, 0, 1, &newly), -EIO);
	vvmp_repo_close(r);

	CHECK_EQ(vvmp_repo_open(dbpath, &r), 0);
	CHECK_EQ(vvmp_repo_schema_version(r), 3);
	CHECK_EQ(vvmp_repo_segment_list(r, vd, &s, &n), 0);
	CHECK_EQ(n, 1);
	free(s);
	CHECK_EQ(vvmp_repo_leg_list(r, 0, &legs, &n), 0);
	CHECK_EQ(n, 0);
	free(legs);
	CHECK_EQ(vvmp_repo_leg_fail(r, vd, 0, 1, &newly), 0);
	CHECK_EQ(newly, 1);
	cleanup();
	return 0;
}

/*
 * A leg failure is counted once per transition from serving to failed;
 * states round-trip; back in sync clears the full-copy mark; the rows go
 * with their VD.
 */
static int test_leg_health_records_failures(void)
{
	struct vvmp_repo_leg l, *list;
	uint32_t vd;
	size_t n;
	int newly;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	vd = add_vd(1, 1);
	CHECK_EQ(vvmp_repo_leg_get(r, vd, 1, &l), -ENOENT);
	CHECK_EQ(vvmp_repo_leg_fail(r, vd, 1, 100, &newly), 0);
	CHECK_EQ(newly, 1);
	CHECK_EQ(vvmp_repo_leg_fail(r, vd, 1, 200, &newly), 0);	/* already failed */
	CHECK_EQ(newly, 0);
	CHECK_EQ(vvmp_repo_leg_get(r, vd, 1, &l), 0);
	CHECK_EQ(l.state, VVMP_REPO_LEG_FAILED);
	CHECK_EQ(l.failures, 1);
	CHECK_EQ(l.changed_ms, 100);
	CHECK_EQ(vvmp_repo_leg_set_full(r, vd, 1, 1), 0);
	CHECK_EQ(vvmp_repo_leg_set_full(r, vd, 0, 1), -ENOENT);	/* no row */
	CHECK_EQ(vvmp_repo_leg_set_state(r, vd, 1, VVMP_REPO_LEG_RESYNCING, 300), 0);
	CHECK_EQ(vvmp_repo_leg_get(r, vd, 1, &l), 0);
	CHECK_EQ(l.state, VVMP_REPO_LEG_RESYNCING);
	CHECK_EQ(l.full_copy, 1);
	CHECK_EQ(vvmp_repo_leg_fail(r, vd, 1, 400, &newly), 0);	/* failed again */
	CHECK_EQ(newly, 1);
	CHECK_EQ(vvmp_repo_leg_set_state(r, vd, 1, VVMP_REPO_LEG_IN_SYNC, 500), 0);
	CHECK_EQ(vvmp_repo_leg_get(r, vd, 1, &l), 0);
	CHECK_EQ(l.failures, 2);
	CHECK_EQ(l.full_copy, 0);
	CHECK_EQ(l.changed_ms, 500);
	CHECK_EQ(vvmp_repo_leg_set_state(r, vd, 1, 9, 600), -EINVAL);	/* no such state */
	CHECK_EQ(vvmp_repo_leg_set_state(r, 999, 0, 1, 600), -ENOENT);	/* no such VD */
	CHECK_EQ(vvmp_repo_vd_delete(r, vd), 0);
	CHECK_EQ(vvmp_repo_leg_list(r, 0, &list, &n), 0);
	CHECK_EQ(n, 0);
	free(list);
	cleanup();
	return 0;
}

/*
 * A spare is a whole free volume: one with segments or that failed is
 * refused, and no segment can ever be put on a spare; spares and failed
 * volumes are the reserved ones; deleting the volume drops the spare.
 */
static int test_spares_stay_unallocated(void)
{
	struct vvmp_repo_spare *sp;
	uint32_t u1, u2, v1, v2, v3, vd, *ids;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	u1 = add_unit(1, "unit-a");
	u2 = add_unit(1, "unit-b");
	CHECK_EQ(add_volume(u1, 1, 0, 1000, &v1), 0);
	CHECK_EQ(add_volume(u2, 1, 0, 2000, &v2), 0);
	CHECK_EQ(add_volume(u2, 2, 2000, 500, &v3), 0);
	vd = add_vd(1, 1);
	CHECK_EQ(add_segment(vd, 0, v1, 0, 100), 0);
	CHECK_EQ(vvmp_repo_spare_add(r, v1, 1), -EBUSY);		/* allocated */
	CHECK_EQ(vvmp_repo_spare_add(r, 999, 1), -ENOENT);
	CHECK_EQ(vvmp_repo_spare_add(r, v2, 7), 0);
	CHECK_EQ(vvmp_repo_spare_add(r, v2, 8), -EEXIST);
	CHECK_EQ(add_segment(vd, 1, v2, 0, 10), -ERANGE);		/* the schema refuses */
	CHECK_EQ(vvmp_repo_spare_list(r, &sp, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(sp[0].volume_id, v2);
	CHECK_EQ(sp[0].unit_id, u2);
	CHECK_EQ(sp[0].domain_id, 1);
	CHECK_EQ(sp[0].unit_state, VVMP_UNIT_UP);
	CHECK_EQ(sp[0].length_lba, 2000);
	CHECK_EQ(sp[0].added_ms, 7);
	free(sp);
	CHECK_EQ(vvmp_repo_volume_fail(r, v3, 9), 0);
	CHECK_EQ(vvmp_repo_volume_fail(r, v3, 10), 0);			/* idempotent */
	CHECK_EQ(vvmp_repo_spare_add(r, v3, 1), -EBUSY);		/* failed */
	CHECK_EQ(vvmp_repo_volume_reserved(r, &ids, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(ids[0], v2);
	CHECK_EQ(ids[1], v3);
	free(ids);
	CHECK_EQ(vvmp_repo_volume_repaired(r, v3), 0);
	CHECK_EQ(vvmp_repo_volume_repaired(r, v3), -ENOENT);
	CHECK_EQ(vvmp_repo_spare_delete(r, v2), 0);
	CHECK_EQ(vvmp_repo_spare_delete(r, v2), -ENOENT);
	CHECK_EQ(vvmp_repo_spare_add(r, v2, 11), 0);
	CHECK_EQ(vvmp_repo_volume_delete(r, v2), 0);			/* cascades */
	CHECK_EQ(vvmp_repo_spare_list(r, &sp, &n), 0);
	CHECK_EQ(n, 0);
	free(sp);
	cleanup();
	return 0;
}

/*
 * A member moved onto a spare: its segments become one at the spare's
 * start, the spare is used up, the volumes it left are failed (reserved);
 * a spare too small or a missing member changes nothing.
 */
static int test_member_moves_onto_spare(void)
{
	struct vvmp_repo_segment *s;
	struct vvmp_repo_spare *sp;
	uint32_t u1, u2, u3, v1, v2, small, spare, vd, *ids;
	struct vvmp_repo_segment g = { 0 };
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	u1 = add_unit(1, "unit-a");
	u2 = add_unit(1, "unit-b");
	u3 = add_unit(1, "unit-c");
	CHECK_EQ(add_volume(u1, 1, 0, 1000, &v1), 0);
	CHECK_EQ(add_volume(u2, 1, 0, 1000, &v2), 0);
	CHECK_EQ(add_volume(u3, 1, 0, 150, &small), 0);
	CHECK_EQ(add_volume(u3, 2, 1000, 400, &spare), 0);
	vd = add_vd(1, 1);
	g = (struct vvmp_repo_segment){ .vd_id = vd, .member = 0, .seq = 0, .volume_id = v1,
					.start_lba = 0, .length_lba = 100 };
	CHECK_EQ(vvmp_repo_segment_add(r, &g), 0);
	g = (struct vvmp_repo_segment){ .vd_id = vd, .member = 1, .seq = 0, .volume_id = v2,
					.start_lba = 0, .length_lba = 100 };
	CHECK_EQ(vvmp_repo_segment_add(r, &g), 0);
	g.seq = 1;				/* member 1 grew: two segments, 200 */
	g.start_lba = 500;
	CHECK_EQ(vvmp_repo_segment_add(r, &g), 0);
	CHECK_EQ(vvmp_repo_spare_add(r, small, 1), 0);
	CHECK_EQ(vvmp_repo_spare_add(r, spare, 1), 0);

	CHECK_EQ(vvmp_repo_begin(r), 0);
	CHECK_EQ(vvmp_repo_member_to_spare(r, vd, 1, small, 5), -ENOSPC);
	CHECK_EQ(vvmp_repo_rollback(r), 0);
	CHECK_EQ(vvmp_repo_member_to_spare(r, vd, 7, spare, 5), -ENOENT);	/* no member 7 */
	CHECK_EQ(vvmp_repo_member_to_spare(r, vd, 1, v1, 5), -ENOENT);		/* not a spare */
	CHECK_EQ(vvmp_repo_volume_reserved(r, &ids, &n), 0);
	CHECK_EQ(n, 2);						/* the two spares */
	free(ids);

	CHECK_EQ(vvmp_repo_begin(r), 0);
	CHECK_EQ(vvmp_repo_member_to_spare(r, vd, 1, spare, 5), 0);
	CHECK_EQ(vvmp_repo_commit(r), 0);
	CHECK_EQ(vvmp_repo_segment_list(r, vd, &s, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(s[0].volume_id, v1);
	CHECK_EQ(s[1].member, 1);
	CHECK_EQ(s[1].seq, 0);
	CHECK_EQ(s[1].volume_id, spare);
	CHECK_EQ(s[1].start_lba, 1000);
	CHECK_EQ(s[1].length_lba, 200);
	free(s);
	CHECK_EQ(vvmp_repo_spare_list(r, &sp, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(sp[0].volume_id, small);
	free(sp);
	CHECK_EQ(vvmp_repo_volume_reserved(r, &ids, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(ids[0], v2);					/* failed */
	CHECK_EQ(ids[1], small);				/* still a spare */
	free(ids);
	cleanup();
	return 0;
}

/* Divert ranges: exact-match delete, duplicates refused, gone with their VD. */
static int test_divert_ranges(void)
{
	struct vvmp_repo_divert dv = { .start = 2048, .length = 2048 }, *l;
	size_t n;

	CHECK_EQ(open_fresh(), 0);
	add_domain(1, "default");
	dv.vd_id = add_vd(1, 1);
	CHECK_EQ(vvmp_repo_divert_add(r, &dv), 0);
	CHECK_EQ(vvmp_repo_divert_add(r, &dv), -EEXIST);
	dv.length = 0;
	CHECK_EQ(vvmp_repo_divert_add(r, &dv), -EINVAL);
	dv.length = 1024;
	CHECK_EQ(vvmp_repo_divert_delete(r, &dv), -ENOENT);	/* not exactly as added */
	dv.vd_id = 999;
	CHECK_EQ(vvmp_repo_divert_add(r, &dv), -ENOENT);	/* no such VD */
	CHECK_EQ(vvmp_repo_divert_list(r, 0, &l, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].start, 2048);
	CHECK_EQ(l[0].length, 2048);
	CHECK_EQ(vvmp_repo_vd_delete(r, l[0].vd_id), 0);
	free(l);
	CHECK_EQ(vvmp_repo_divert_list(r, 0, &l, &n), 0);
	CHECK_EQ(n, 0);
	free(l);
	cleanup();
	return 0;
}

int main(void)
{
	RUN(test_fresh_database_is_current_and_wal);
	RUN(test_foreign_keys_enforced);
	RUN(test_migration_1_to_2_keeps_data);
	RUN(test_reopen_does_not_migrate_twice);
	RUN(test_newer_schema_refused);
	RUN(test_overlapping_volumes_refused);
	RUN(test_unit_names_unique_per_domain);
	RUN(test_segments_stay_inside_volume_and_apart);
	RUN(test_segment_growth_checked);
	RUN(test_delete_unit_with_allocated_volumes_refused);
	RUN(test_vd_delete_cascades);
	RUN(test_sessions_and_attachments);
	RUN(test_transaction_rollback_leaves_nothing);
	RUN(test_domain_keys_round_trip);
	RUN(test_policies_and_cos);
	RUN(test_check_constraints);
	RUN(test_migration_2_to_3_keeps_data);
	RUN(test_leg_health_records_failures);
	RUN(test_spares_stay_unallocated);
	RUN(test_member_moves_onto_spare);
	RUN(test_divert_ranges);
	cleanup();
	return tap_summary();
}
