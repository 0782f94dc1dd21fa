// SPDX-License-Identifier: GPL-2.0
/* Storage units and their volumes: the pool allocations are carved from. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo_internal.h"

#define UNIT_COLS "id, domain_id, name, storage_type, bandwidth_kb, load_pct," \
		  " boot_id, state, is_static, address"

static void unit_row(sqlite3_stmt *st, struct vvmp_repo_unit *u)
{
	u->id = col_u32(st, 0);
	u->domain_id = col_u32(st, 1);
	repo_text(st, 2, u->name, sizeof(u->name));
	u->storage_type = col_u32(st, 3);
	u->bandwidth_kb = col_u32(st, 4);
	u->load_pct = col_u32(st, 5);
	u->boot_id = col_u32(st, 6);
	u->state = col_u32(st, 7);
	u->is_static = col_u32(st, 8);
	repo_text(st, 9, u->address, sizeof(u->address));
}

static int unit_one(struct vvmp_repo *r, sqlite3_stmt *st, struct vvmp_repo_unit *out)
{
	int err = repo_step(r, st);

	if (err == 1)
		unit_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_unit_put(struct vvmp_repo *r, struct vvmp_repo_unit *u)
{
	int err;

	if (!u->name[0] || memchr(u->name, 0, sizeof(u->name)) == NULL ||
	    memchr(u->address, 0, sizeof(u->address)) == NULL)
		return -EINVAL;
	if (!u->id) {
		err = repo_exec(r, "INSERT INTO units (domain_id, name, storage_type,"
				" bandwidth_kb, load_pct, boot_id, state, is_static, address)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "usuuuuuus",
				u->domain_id, u->name, u->storage_type, u->bandwidth_kb,
				u->load_pct, u->boot_id, u->state, u->is_static, u->address);
		if (!err)
			u->id = (uint32_t)sqlite3_last_insert_rowid(r->db);
		return err;
	}
	err = repo_exec(r, "UPDATE units SET domain_id = ?, name = ?, storage_type = ?,"
			" bandwidth_kb = ?, load_pct = ?, boot_id = ?, state = ?,"
			" is_static = ?, address = ? WHERE id = ?", "usuuuuuusu",
			u->domain_id, u->name, u->storage_type, u->bandwidth_kb, u->load_pct,
			u->boot_id, u->state, u->is_static, u->address, u->id);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_unit_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_unit *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " UNIT_COLS " FROM units WHERE id = ?", "u", id);

	return err ? err : unit_one(r, st, out);
}

int vvmp_repo_unit_find(struct vvmp_repo *r, uint32_t domain_id, const char *name,
			struct vvmp_repo_unit *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " UNIT_COLS " FROM units"
			       " WHERE domain_id = ? AND name = ?", "us", domain_id, name);

	return err ? err : unit_one(r, st, out);
}

int vvmp_repo_unit_set_state(struct vvmp_repo *r, uint32_t id, uint32_t state)
{
	int err;

	if (state != VVMP_UNIT_UP && state != VVMP_UNIT_DOWN)
		return -EINVAL;
	err = repo_exec(r, "UPDATE units SET state = ? WHERE id = ?", "uu", state, id);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_unit_list(struct vvmp_repo *r, struct vvmp_repo_unit **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = repo_prepare(r, &st, "SELECT " UNIT_COLS " FROM units ORDER BY id", "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_unit *u = repo_grow(&arr, n, sizeof(*u));

		if (!u) {
			err = -ENOMEM;
			break;
		}
		unit_row(st, u);
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

int vvmp_repo_unit_delete(struct vvmp_repo *r, uint32_t id)
{
	int err = repo_exists(r, "SELECT 1 FROM segments s JOIN volumes v"
			       " ON s.volume_id = v.id WHERE v.unit_id = ? LIMIT 1", id);

	if (err < 0)
		return err;
	if (err == 1) {
		strcpy(r->errmsg, "unit has allocated volumes");
		return -EBUSY;
	}
	err = repo_exec(r, "DELETE FROM units WHERE id = ?", "u", id);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

/* ---- volumes ---------------------------------------------------------- */

#define VOLUME_COLS "id, unit_id, unit_volume_id, transport, start_lba, length_lba, address"

static void volume_row(sqlite3_stmt *st, struct vvmp_repo_volume *v)
{
	v->id = col_u32(st, 0);
	v->unit_id = col_u32(st, 1);
	v->unit_volume_id = col_u32(st, 2);
	v->transport = col_u32(st, 3);
	v->start_lba = col_u64(st, 4);
	v->length_lba = col_u64(st, 5);
	repo_text(st, 6, v->address, sizeof(v->address));
}

int vvmp_repo_volume_add(struct vvmp_repo *r, struct vvmp_repo_volume *v)
{
	int err;

	if (!v->length_lba || v->start_lba >= VVMP_REPO_MAX_LBA ||
	    v->length_lba > VVMP_REPO_MAX_LBA - v->start_lba ||
	    memchr(v->address, 0, sizeof(v->address)) == NULL)
		return -EINVAL;
	err = repo_exec(r, "INSERT INTO volumes (unit_id, unit_volume_id, transport,"
			" start_lba, length_lba, address) VALUES (?, ?, ?, ?, ?, ?)", "uuuUUs",
			v->unit_id, v->unit_volume_id, v->transport, v->start_lba,
			v->length_lba, v->address);
	if (!err)
		v->id = (uint32_t)sqlite3_last_insert_rowid(r->db);
	return err;
}

int vvmp_repo_volume_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_volume *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " VOLUME_COLS " FROM volumes WHERE id = ?",
			       "u", id);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1)
		volume_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_volume_list(struct vvmp_repo *r, uint32_t unit_id,
			  struct vvmp_repo_volume **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = unit_id ?
	      repo_prepare(r, &st, "SELECT " VOLUME_COLS " FROM volumes WHERE unit_id = ?"
			   " ORDER BY id", "u", unit_id) :
	      repo_prepare(r, &st, "SELECT " VOLUME_COLS " FROM volumes ORDER BY id", "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_volume *v = repo_grow(&arr, n, sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			break;
		}
		volume_row(st, v);
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

int vvmp_repo_volume_delete(struct vvmp_repo *r, uint32_t id)
{
	int err = repo_exists(r, "SELECT 1 FROM segments WHERE volume_id = ? LIMIT 1", id);

	if (err < 0)
		return err;
	if (err == 1) {
		strcpy(r->errmsg, "volume is allocated");
		return -EBUSY;
	}
	err = repo_exec(r, "DELETE FROM volumes WHERE id = ?", "u", id);
	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}
