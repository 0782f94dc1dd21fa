// SPDX-License-Identifier: GPL-2.0
/* VDs (allocations), their segments, who holds them, ACLs, dirty regions. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "repo/repo_internal.h"

#define VD_COLS "id, domain_id, owner_session_id, sub_opcode, storage_type, access," \
		" flags, capacity_kb, bandwidth_kb, qos, timeout_ms, stripe_kb," \
		" block_size, members, remote_san_id, remote_alloc_id"

static void vd_row(sqlite3_stmt *st, struct vvmp_repo_vd *v)
{
	v->id = col_u32(st, 0);
	v->domain_id = col_u32(st, 1);
	v->owner_session_id = col_u32(st, 2);
	v->sub_opcode = col_u32(st, 3);
	v->storage_type = col_u32(st, 4);
	v->access = col_u32(st, 5);
	v->flags = col_u32(st, 6);
	v->capacity_kb = col_u64(st, 7);
	v->bandwidth_kb = col_u32(st, 8);
	v->qos = col_u32(st, 9);
	v->timeout_ms = col_u32(st, 10);
	v->stripe_kb = col_u32(st, 11);
	v->block_size = col_u32(st, 12);
	v->members = col_u32(st, 13);
	v->remote_san_id = col_u32(st, 14);
	v->remote_alloc_id = col_u32(st, 15);
}

int vvmp_repo_vd_create(struct vvmp_repo *r, struct vvmp_repo_vd *v)
{
	int err = repo_exec(r, "INSERT INTO vds (domain_id, owner_session_id, sub_opcode,"
			    " storage_type, access, flags, capacity_kb, bandwidth_kb, qos,"
			    " timeout_ms, stripe_kb, block_size, members, remote_san_id,"
			    " remote_alloc_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    "uuuuuuUuuuuuuuu", v->domain_id, v->owner_session_id, v->sub_opcode,
			    v->storage_type, v->access, v->flags, v->capacity_kb, v->bandwidth_kb,
			    v->qos, v->timeout_ms, v->stripe_kb, v->block_size, v->members,
			    v->remote_san_id, v->remote_alloc_id);

	if (!err)
		v->id = (uint32_t)sqlite3_last_insert_rowid(r->db);
	return err;
}

int vvmp_repo_vd_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_vd *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " VD_COLS " FROM vds WHERE id = ?", "u", id);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1)
		vd_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_vd_update(struct vvmp_repo *r, const struct vvmp_repo_vd *v)
{
	int err = repo_exec(r, "UPDATE vds SET capacity_kb = ?, bandwidth_kb = ?, qos = ?,"
			    " timeout_ms = ?, flags = ? WHERE id = ?", "Uuuuuu",
			    v->capacity_kb, v->bandwidth_kb, v->qos, v->timeout_ms, v->flags, v->id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_vd_list(struct vvmp_repo *r, struct vvmp_repo_vd **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = repo_prepare(r, &st, "SELECT " VD_COLS " FROM vds ORDER BY id", "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_vd *v = repo_grow(&arr, n, sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			break;
		}
		vd_row(st, v);
		err = 0;
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

int vvmp_repo_vd_delete(struct vvmp_repo *r, uint32_t id)
{
	/* Segments, attachments, ACL entries and dirty regions go by cascade. */
	int err = repo_exec(r, "DELETE FROM vds WHERE id = ?", "u", id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

/* ---- segments --------------------------------------------------------- */

int vvmp_repo_segment_add(struct vvmp_repo *r, struct vvmp_repo_segment *s)
{
	int err;

	if (!s->length_lba || s->start_lba >= VVMP_REPO_MAX_LBA ||
	    s->length_lba > VVMP_REPO_MAX_LBA - s->start_lba)
		return -EINVAL;
	err = repo_exec(r, "INSERT INTO segments (vd_id, member, seq, volume_id, start_lba,"
			" length_lba) VALUES (?, ?, ?, ?, ?, ?)", "uuuuUU", s->vd_id, s->member,
			s->seq, s->volume_id, s->start_lba, s->length_lba);
	if (!err)
		s->id = (uint32_t)sqlite3_last_insert_rowid(r->db);
	return err;
}

int vvmp_repo_segment_set_length(struct vvmp_repo *r, uint32_t id, uint64_t length_lba)
{
	int err;

	if (!length_lba || length_lba >= VVMP_REPO_MAX_LBA)
		return -EINVAL;
	err = repo_exec(r, "UPDATE segments SET length_lba = ? WHERE id = ?", "Uu",
			length_lba, id);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_segment_delete(struct vvmp_repo *r, uint32_t id)
{
	int err = repo_exec(r, "DELETE FROM segments WHERE id = ?", "u", id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_segment_list(struct vvmp_repo *r, uint32_t vd_id,
			   struct vvmp_repo_segment **out, size_t *n)
{
	static const char cols[] = "SELECT id, vd_id, member, seq, volume_id, start_lba,"
				   " length_lba FROM segments";
	char sql[256];
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "%s%s ORDER BY vd_id, member, seq", cols,
		 vd_id ? " WHERE vd_id = ?" : "");
	err = vd_id ? repo_prepare(r, &st, sql, "u", vd_id) : repo_prepare(r, &st, sql, "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_segment *s = repo_grow(&arr, n, sizeof(*s));

		if (!s) {
			err = -ENOMEM;
			break;
		}
		s->id = col_u32(st, 0);
		s->vd_id = col_u32(st, 1);
		s->member = col_u32(st, 2);
		s->seq = col_u32(st, 3);
		s->volume_id = col_u32(st, 4);
		s->start_lba = col_u64(st, 5);
		s->length_lba = col_u64(st, 6);
		err = 0;
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

/* ---- attachments and ACL ---------------------------------------------- */

int vvmp_repo_vd_attach(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id)
{
	return repo_exec(r, "INSERT INTO attachments (vd_id, session_id) VALUES (?, ?)",
			 "uu", vd_id, session_id);
}

static int count_rows(struct vvmp_repo *r, const char *sql, uint32_t a, uint32_t b,
		      const char *fmt)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, sql, fmt, a, b);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1)
		err = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return err;
}

int vvmp_repo_vd_detach(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id,
			uint32_t *remaining)
{
	int err = repo_exec(r, "DELETE FROM attachments WHERE vd_id = ? AND session_id = ?",
			    "uu", vd_id, session_id);

	if (err)
		return err;
	if (!sqlite3_changes(r->db))
		return -ENOENT;
	err = count_rows(r, "SELECT COUNT(*) FROM attachments WHERE vd_id = ?", vd_id, 0, "u");
	if (err < 0)
		return err;
	*remaining = (uint32_t)err;
	return 0;
}

int vvmp_repo_vd_is_attached(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id)
{
	return count_rows(r, "SELECT COUNT(*) FROM attachments WHERE vd_id = ? AND"
			  " session_id = ?", vd_id, session_id, "uu");
}

int vvmp_repo_session_vds(struct vvmp_repo *r, uint32_t session_id, uint32_t **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = repo_prepare(r, &st, "SELECT vd_id FROM attachments WHERE session_id = ?"
			   " ORDER BY vd_id", "u", session_id);
	while (!err && (err = repo_step(r, st)) == 1) {
		uint32_t *id = repo_grow(&arr, n, sizeof(*id));

		if (!id) {
			err = -ENOMEM;
			break;
		}
		*id = col_u32(st, 0);
		err = 0;
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

int vvmp_repo_acl_set(struct vvmp_repo *r, uint32_t vd_id, uint32_t client_id, uint32_t acl)
{
	if (acl > VVMP_REPO_ACL_RW)
		return -EINVAL;
	return repo_exec(r, "INSERT INTO acl (vd_id, client_id, access) VALUES (?, ?, ?)"
			 " ON CONFLICT (vd_id, client_id) DO UPDATE SET access = excluded.access",
			 "uuu", vd_id, client_id, acl);
}

int vvmp_repo_acl_get(struct vvmp_repo *r, uint32_t vd_id, uint32_t client_id, uint32_t *acl)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT access FROM acl WHERE vd_id = ? AND"
			       " client_id = ?", "uu", vd_id, client_id);

	if (err)
		return err;
	err = repo_step(r, st);
	*acl = err == 1 ? col_u32(st, 0) : VVMP_REPO_ACL_NONE;
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}

/* ---- dirty regions ---------------------------------------------------- */

int vvmp_repo_dirty_set(struct vvmp_repo *r, const struct vvmp_repo_dirty *d)
{
	if (!d->length_lba || d->start_lba >= VVMP_REPO_MAX_LBA ||
	    d->length_lba > VVMP_REPO_MAX_LBA - d->start_lba)
		return -EINVAL;
	return repo_exec(r, "INSERT INTO dirty_regions (vd_id, leg, start_lba, length_lba)"
			 " VALUES (?, ?, ?, ?) ON CONFLICT (vd_id, leg, start_lba)"
			 " DO UPDATE SET length_lba = excluded.length_lba", "uuUU",
			 d->vd_id, d->leg, d->start_lba, d->length_lba);
}

int vvmp_repo_dirty_clear(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
			  uint64_t start_lba)
{
	int err = repo_exec(r, "DELETE FROM dirty_regions WHERE vd_id = ? AND leg = ? AND"
			    " start_lba = ?", "uuU", vd_id, leg, start_lba);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_dirty_list(struct vvmp_repo *r, uint32_t vd_id,
			 struct vvmp_repo_dirty **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = repo_prepare(r, &st, "SELECT vd_id, leg, start_lba, length_lba FROM dirty_regions"
			   " WHERE vd_id = ? ORDER BY leg, start_lba", "u", vd_id);
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_dirty *d = repo_grow(&arr, n, sizeof(*d));

		if (!d) {
			err = -ENOMEM;
			break;
		}
		d->vd_id = col_u32(st, 0);
		d->leg = col_u32(st, 1);
		d->start_lba = col_u64(st, 2);
		d->length_lba = col_u64(st, 3);
		err = 0;
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
