// SPDX-License-Identifier: GPL-2.0
/*
 * What vvmpd's exception handling must remember across restarts (schema
 * v3): the health of VD legs, hot spares, volumes a rebuild left because
 * they failed, and the divert ranges vvmpd made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo_internal.h"

/* Run @st and collect one element per row with @row; malloc'ed array in *@out. */
static int collect(struct vvmp_repo *r, sqlite3_stmt *st, size_t elem,
		   void (*row)(sqlite3_stmt *st, void *out), void **out, size_t *n)
{
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	while ((err = repo_step(r, st)) == 1) {
		void *e = repo_grow(&arr, n, elem);

		if (!e) {
			err = -ENOMEM;
			break;
		}
		row(st, e);
	}
	sqlite3_finalize(st);
	if (err) {
		free(arr);
		*n = 0;
		return err;
	}
	*out = arr;
	return 0;
}

/* ---- leg health ----------------------------------------------------------- */

#define LEG_COLS "vd_id, leg, state, full_copy, failures, changed_ms"

static void leg_row(sqlite3_stmt *st, void *out)
{
	struct vvmp_repo_leg *l = out;

	l->vd_id = col_u32(st, 0);
	l->leg = col_u32(st, 1);
	l->state = col_u32(st, 2);
	l->full_copy = col_u32(st, 3);
	l->failures = col_u32(st, 4);
	l->changed_ms = col_u64(st, 5);
}

int vvmp_repo_leg_get(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
		      struct vvmp_repo_leg *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " LEG_COLS " FROM leg_health"
			       " WHERE vd_id = ? AND leg = ?", "uu", vd_id, leg);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1)
		leg_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_leg_fail(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg, uint64_t now_ms,
		       int *newly)
{
	struct vvmp_repo_leg l;
	int err = vvmp_repo_leg_get(r, vd_id, leg, &l);

	if (err && err != -ENOENT)
		return err;
	*newly = err == -ENOENT || l.state != VVMP_REPO_LEG_FAILED;
	if (!*newly)
		return 0;
	return repo_exec(r, "INSERT INTO leg_health (vd_id, leg, state, failures, changed_ms)"
			 " VALUES (?, ?, ?, 1, ?) ON CONFLICT (vd_id, leg) DO UPDATE SET"
			 " state = excluded.state, failures = failures + 1,"
			 " changed_ms = excluded.changed_ms", "uuuU",
			 vd_id, leg, (uint32_t)VVMP_REPO_LEG_FAILED, now_ms);
}

int vvmp_repo_leg_set_state(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
			    uint32_t state, uint64_t now_ms)
{
	/* Back in sync: a later failure starts from whatever the log knows. */
	return repo_exec(r, "INSERT INTO leg_health (vd_id, leg, state, changed_ms)"
			 " VALUES (?, ?, ?, ?) ON CONFLICT (vd_id, leg) DO UPDATE SET"
			 " state = excluded.state, changed_ms = excluded.changed_ms,"
			 " full_copy = CASE WHEN excluded.state = 0 THEN 0 ELSE full_copy END",
			 "uuuU", vd_id, leg, state, now_ms);
}

int vvmp_repo_leg_set_full(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg, int full)
{
	int err = repo_exec(r, "UPDATE leg_health SET full_copy = ? WHERE vd_id = ? AND leg = ?",
			    "uuu", (uint32_t)!!full, vd_id, leg);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_leg_list(struct vvmp_repo *r, uint32_t vd_id, struct vvmp_repo_leg **out,
		       size_t *n)
{
	sqlite3_stmt *st;
	int err = vd_id ?
		  repo_prepare(r, &st, "SELECT " LEG_COLS " FROM leg_health WHERE vd_id = ?"
			       " ORDER BY vd_id, leg", "u", vd_id) :
		  repo_prepare(r, &st, "SELECT " LEG_COLS " FROM leg_health"
			       " ORDER BY vd_id, leg", "");

	*out = NULL;
	*n = 0;
	return err ? err : collect(r, st, sizeof(**out), leg_row, (void **)out, n);
}

/* ---- spares and failed volumes ------------------------------------------------ */

int vvmp_repo_spare_add(struct vvmp_repo *r, uint32_t volume_id, uint64_t now_ms)
{
	int err = repo_exists(r, "SELECT 1 FROM volumes WHERE id = ?", volume_id);

	if (err <= 0) {
		if (!err)
			strcpy(r->errmsg, "no such volume");
		return err ? err : -ENOENT;
	}
	err = repo_exists(r, "SELECT 1 FROM segments WHERE volume_id = ? LIMIT 1", volume_id);
	if (err == 1)
		strcpy(r->errmsg, "the volume holds allocated segments");
	else if (!err && (err = repo_exists(r, "SELECT 1 FROM failed_volumes WHERE volume_id = ?",
				       volume_id)) == 1)
		strcpy(r->errmsg, "the volume has failed");
	if (err)
		return err < 0 ? err : -EBUSY;
	err = repo_exec(r, "INSERT INTO spares (volume_id, added_ms) VALUES (?, ?)", "uU",
			volume_id, now_ms);
	if (err == -EEXIST)
		strcpy(r->errmsg, "the volume is a spare already");
	return err;
}

int vvmp_repo_spare_delete(struct vvmp_repo *r, uint32_t volume_id)
{
	int err = repo_exec(r, "DELETE FROM spares WHERE volume_id = ?", "u", volume_id);

	if (!err && !sqlite3_changes(r->db)) {
		strcpy(r->errmsg, "the volume is not a spare");
		return -ENOENT;
	}
	return err;
}

static void spare_row(sqlite3_stmt *st, void *out)
{
	struct vvmp_repo_spare *s = out;

	s->volume_id = col_u32(st, 0);
	s->unit_id = col_u32(st, 1);
	s->domain_id = col_u32(st, 2);
	s->unit_state = col_u32(st, 3);
	s->length_lba = col_u64(st, 4);
	s->added_ms = col_u64(st, 5);
}

int vvmp_repo_spare_list(struct vvmp_repo *r, struct vvmp_repo_spare **out, size_t *n)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT s.volume_id, v.unit_id, u.domain_id, u.state,"
			       " v.length_lba, s.added_ms FROM spares s"
			       " JOIN volumes v ON v.id = s.volume_id"
			       " JOIN units u ON u.id = v.unit_id ORDER BY s.volume_id", "");

	*out = NULL;
	*n = 0;
	return err ? err : collect(r, st, sizeof(**out), spare_row, (void **)out, n);
}

int vvmp_repo_volume_fail(struct vvmp_repo *r, uint32_t volume_id, uint64_t now_ms)
{
	return repo_exec(r, "INSERT INTO failed_volumes (volume_id, failed_ms) VALUES (?, ?)"
			 " ON CONFLICT (volume_id) DO NOTHING", "uU", volume_id, now_ms);
}

int vvmp_repo_volume_repaired(struct vvmp_repo *r, uint32_t volume_id)
{
	int err = repo_exec(r, "DELETE FROM failed_volumes WHERE volume_id = ?", "u", volume_id);

	if (!err && !sqlite3_changes(r->db)) {
		strcpy(r->errmsg, "the volume is not failed");
		return -ENOENT;
	}
	return err;
}

static void failed_row(sqlite3_stmt *st, void *out)
{
	struct vvmp_repo_failed_volume *f = out;

	f->volume_id = col_u32(st, 0);
	f->failed_ms = col_u64(st, 1);
}

int vvmp_repo_failed_volume_list(struct vvmp_repo *r, struct vvmp_repo_failed_volume **out,
				 size_t *n)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT volume_id, failed_ms FROM failed_volumes"
			       " ORDER BY volume_id", "");

	*out = NULL;
	*n = 0;
	return err ? err : collect(r, st, sizeof(**out), failed_row, (void **)out, n);
}

static void id_row(sqlite3_stmt *st, void *out)
{
	*(uint32_t *)out = col_u32(st, 0);
}

int vvmp_repo_volume_reserved(struct vvmp_repo *r, uint32_t **out, size_t *n)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT volume_id FROM spares UNION"
			       " SELECT volume_id FROM failed_volumes ORDER BY 1", "");

	*out = NULL;
	*n = 0;
	return err ? err : collect(r, st, sizeof(**out), id_row, (void **)out, n);
}

int vvmp_repo_member_to_spare(struct vvmp_repo *r, uint32_t vd_id, uint32_t member,
			      uint32_t volume_id, uint64_t now_ms)
{
	struct vvmp_repo_segment seg = { .vd_id = vd_id, .member = member,
					 .volume_id = volume_id };
	struct vvmp_repo_volume spare;
	sqlite3_stmt *st;
	uint64_t need = 0;
	int err = repo_exists(r, "SELECT 1 FROM spares WHERE volume_id = ?", volume_id);

	if (err <= 0) {
		if (!err)
			strcpy(r->errmsg, "the volume is not a spare");
		return err ? err : -ENOENT;
	}
	err = vvmp_repo_volume_get(r, volume_id, &spare);
	if (err)
		return err;
	/* The member's length: checked before anything changes. */
	err = repo_prepare(r, &st, "SELECT length_lba FROM segments"
			   " WHERE vd_id = ? AND member = ?", "uu", vd_id, member);
	while (!err && (err = repo_step(r, st)) == 1) {
		need += col_u64(st, 0);
		err = 0;
	}
	sqlite3_finalize(st);
	if (err)
		return err;
	if (!need) {
		strcpy(r->errmsg, "the VD has no such member");
		return -ENOENT;
	}
	if (need > spare.length_lba) {
		strcpy(r->errmsg, "the spare is smaller than the member");
		return -ENOSPC;
	}
	/* The volumes the member leaves failed under it. */
	err = repo_exec(r, "INSERT INTO failed_volumes (volume_id, failed_ms)"
			" SELECT DISTINCT volume_id, ? FROM segments WHERE vd_id = ? AND member = ?"
			" ON CONFLICT (volume_id) DO NOTHING", "Uuu", now_ms, vd_id, member);
	if (!err)
		err = repo_exec(r, "DELETE FROM spares WHERE volume_id = ?", "u", volume_id);
	if (!err)
		err = repo_exec(r, "DELETE FROM segments WHERE vd_id = ? AND member = ?", "uu",
				vd_id, member);
	if (err)
		return err;
	seg.start_lba = spare.start_lba;
	seg.length_lba = need;
	return vvmp_repo_segment_add(r, &seg);
}

/* ---- divert ranges -------------------------------------------------------- */

static int divert_valid(const struct vvmp_repo_divert *dv)
{
	return dv->length && dv->start < VVMP_REPO_MAX_LBA &&
	       dv->length <= VVMP_REPO_MAX_LBA - dv->start;
}

int vvmp_repo_divert_add(struct vvmp_repo *r, const struct vvmp_repo_divert *dv)
{
	if (!divert_valid(dv))
		return -EINVAL;
	return repo_exec(r, "INSERT INTO divert_ranges (vd_id, start, length) VALUES (?, ?, ?)",
			 "uUU", dv->vd_id, dv->start, dv->length);
}

int vvmp_repo_divert_delete(struct vvmp_repo *r, const struct vvmp_repo_divert *dv)
{
	int err;

	if (!divert_valid(dv))
		return -EINVAL;
	err = repo_exec(r, "DELETE FROM divert_ranges WHERE vd_id = ? AND start = ? AND"
			" length = ?", "uUU", dv->vd_id, dv->start, dv->length);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

static void divert_row(sqlite3_stmt *st, void *out)
{
	struct vvmp_repo_divert *dv = out;

	dv->vd_id = col_u32(st, 0);
	dv->start = col_u64(st, 1);
	dv->length = col_u64(st, 2);
}

int vvmp_repo_divert_list(struct vvmp_repo *r, uint32_t vd_id, struct vvmp_repo_divert **out,
			  size_t *n)
{
	sqlite3_stmt *st;
	int err = vd_id ?
		  repo_prepare(r, &st, "SELECT vd_id, start, length FROM divert_ranges"
			       " WHERE vd_id = ? ORDER BY vd_id, start", "u", vd_id) :
		  repo_prepare(r, &st, "SELECT vd_id, start, length FROM divert_ranges"
			       " ORDER BY vd_id, start", "");

	*out = NULL;
	*n = 0;
	return err ? err : collect(r, st, sizeof(**out), divert_row, (void **)out, n);
}
