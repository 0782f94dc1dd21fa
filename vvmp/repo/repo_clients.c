// SPDX-License-Identifier: GPL-2.0
/* Storage domains, clients, sessions, classes of service and policies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo_internal.h"

int vvmp_repo_domain_put(struct vvmp_repo *r, const struct vvmp_repo_domain *d)
{
	if (!d->id || !d->name[0] || !memchr(d->name, 0, sizeof(d->name)) ||
	    d->key_len > sizeof(d->key))
		return -EINVAL;
	return repo_exec(r, "INSERT INTO domains (id, name, key) VALUES (?, ?, ?)"
			 " ON CONFLICT (id) DO UPDATE SET name = excluded.name, key = excluded.key",
			 "usb", d->id, d->name, (const void *)d->key, (int)d->key_len);
}

static void domain_row(sqlite3_stmt *st, struct vvmp_repo_domain *d)
{
	int n = sqlite3_column_bytes(st, 2);

	d->id = col_u32(st, 0);
	repo_text(st, 1, d->name, sizeof(d->name));
	d->key_len = n > 0 && (size_t)n <= sizeof(d->key) ? (uint32_t)n : 0;
	if (d->key_len)
		memcpy(d->key, sqlite3_column_blob(st, 2), d->key_len);
}

int vvmp_repo_domain_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_domain *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT id, name, key FROM domains WHERE id = ?", "u", id);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	err = repo_step(r, st);
	if (err == 1)
		domain_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_domain_list(struct vvmp_repo *r, struct vvmp_repo_domain **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = repo_prepare(r, &st, "SELECT id, name, key FROM domains ORDER BY id", "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_domain *d = repo_grow(&arr, n, sizeof(*d));

		if (!d) {
			err = -ENOMEM;
			break;
		}
		domain_row(st, d);
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

#define CLIENT_COLS "id, domain_id, name, status, IFNULL(cos_id, 0)"

static int client_one(struct vvmp_repo *r, sqlite3_stmt *st, struct vvmp_repo_client *c)
{
	int err = repo_step(r, st);

	if (err == 1) {
		c->id = col_u32(st, 0);
		c->domain_id = col_u32(st, 1);
		repo_text(st, 2, c->name, sizeof(c->name));
		c->status = col_u32(st, 3);
		c->cos_id = col_u32(st, 4);
	}
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_client_ensure(struct vvmp_repo *r, uint32_t domain_id, const char *name,
			    struct vvmp_repo_client *out)
{
	sqlite3_stmt *st;
	int err;

	if (!name[0] || strlen(name) >= VVMP_REPO_NAME_LEN)
		return -EINVAL;
	err = repo_exec(r, "INSERT INTO clients (domain_id, name) VALUES (?, ?)"
			" ON CONFLICT (domain_id, name) DO NOTHING", "us", domain_id, name);
	if (err)
		return err;
	err = repo_prepare(r, &st, "SELECT " CLIENT_COLS " FROM clients"
			   " WHERE domain_id = ? AND name = ?", "us", domain_id, name);
	return err ? err : client_one(r, st, out);
}

int vvmp_repo_client_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_client *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " CLIENT_COLS " FROM clients WHERE id = ?",
			       "u", id);

	return err ? err : client_one(r, st, out);
}

int vvmp_repo_client_set_status(struct vvmp_repo *r, uint32_t id, uint32_t status,
				uint32_t cos_id)
{
	int err = cos_id ?
		  repo_exec(r, "UPDATE clients SET status = ?, cos_id = ? WHERE id = ?",
			    "uuu", status, cos_id, id) :
		  repo_exec(r, "UPDATE clients SET status = ?, cos_id = NULL WHERE id = ?",
			    "uu", status, id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

/* ---- sessions --------------------------------------------------------- */

#define SESSION_COLS "s.id, s.client_id, c.domain_id, s.boot_id, s.state," \
		     " s.requests, s.errors, s.queries"
#define SESSION_FROM " FROM sessions s JOIN clients c ON s.client_id = c.id"

static void session_row(sqlite3_stmt *st, struct vvmp_repo_session *s)
{
	s->id = col_u32(st, 0);
	s->client_id = col_u32(st, 1);
	s->domain_id = col_u32(st, 2);
	s->boot_id = col_u32(st, 3);
	s->state = col_u32(st, 4);
	s->requests = col_u64(st, 5);
	s->errors = col_u64(st, 6);
	s->queries = col_u64(st, 7);
}

int vvmp_repo_session_create(struct vvmp_repo *r, uint32_t client_id, uint32_t boot_id,
			     uint32_t *id)
{
	int err = repo_exec(r, "INSERT INTO sessions (client_id, boot_id, state)"
			    " VALUES (?, ?, 1)", "uu", client_id, boot_id);

	if (!err)
		*id = (uint32_t)sqlite3_last_insert_rowid(r->db);
	return err;
}

int vvmp_repo_session_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_session *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT " SESSION_COLS SESSION_FROM " WHERE s.id = ?",
			       "u", id);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1)
		session_row(st, out);
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_session_list(struct vvmp_repo *r, uint32_t client_id,
			   struct vvmp_repo_session **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int err;

	*out = NULL;
	*n = 0;
	err = client_id ?
	      repo_prepare(r, &st, "SELECT " SESSION_COLS SESSION_FROM
			   " WHERE s.client_id = ? ORDER BY s.id", "u", client_id) :
	      repo_prepare(r, &st, "SELECT " SESSION_COLS SESSION_FROM " ORDER BY s.id", "");
	while (!err && (err = repo_step(r, st)) == 1) {
		struct vvmp_repo_session *s = repo_grow(&arr, n, sizeof(*s));

		if (!s) {
			err = -ENOMEM;
			break;
		}
		session_row(st, s);
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

int vvmp_repo_session_set_state(struct vvmp_repo *r, uint32_t id, uint32_t state)
{
	int err = repo_exec(r, "UPDATE sessions SET state = ? WHERE id = ?", "uu", state, id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_session_count(struct vvmp_repo *r, uint32_t id, uint32_t requests,
			    uint32_t errors, uint32_t queries)
{
	int err = repo_exec(r, "UPDATE sessions SET requests = requests + ?,"
			    " errors = errors + ?, queries = queries + ? WHERE id = ?",
			    "uuuu", requests, errors, queries, id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

int vvmp_repo_session_delete(struct vvmp_repo *r, uint32_t id)
{
	int err = repo_exec(r, "DELETE FROM sessions WHERE id = ?", "u", id);

	if (!err && !sqlite3_changes(r->db))
		return -ENOENT;
	return err;
}

/* ---- classes of service, policies ------------------------------------- */

int vvmp_repo_cos_put(struct vvmp_repo *r, struct vvmp_repo_cos *c)
{
	int err;

	if (!c->name[0] || !memchr(c->name, 0, sizeof(c->name)))
		return -EINVAL;
	if (c->id)
		return repo_exec(r, "INSERT INTO cos (id, name, iops_limit, bandwidth_kb, priority)"
				 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
				 " name = excluded.name, iops_limit = excluded.iops_limit,"
				 " bandwidth_kb = excluded.bandwidth_kb, priority = excluded.priority",
				 "usuuu", c->id, c->name, c->iops_limit, c->bandwidth_kb, c->priority);
	err = repo_exec(r, "INSERT INTO cos (name, iops_limit, bandwidth_kb, priority)"
			" VALUES (?, ?, ?, ?)", "suuu", c->name, c->iops_limit,
			c->bandwidth_kb, c->priority);
	if (!err)
		c->id = (uint32_t)sqlite3_last_insert_rowid(r->db);
	return err;
}

int vvmp_repo_cos_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_cos *out)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT id, name, iops_limit, bandwidth_kb, priority"
			       " FROM cos WHERE id = ?", "u", id);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1) {
		out->id = col_u32(st, 0);
		repo_text(st, 1, out->name, sizeof(out->name));
		out->iops_limit = col_u32(st, 2);
		out->bandwidth_kb = col_u32(st, 3);
		out->priority = col_u32(st, 4);
	}
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

int vvmp_repo_policy_set(struct vvmp_repo *r, const char *key, const char *value)
{
	if (!key[0])
		return -EINVAL;
	return repo_exec(r, "INSERT INTO policies (key, value) VALUES (?, ?)"
			 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			 "ss", key, value);
}

int vvmp_repo_policy_get(struct vvmp_repo *r, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, "SELECT value FROM policies WHERE key = ?", "s", key);

	if (err)
		return err;
	err = repo_step(r, st);
	if (err == 1) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (strlen(v) >= len)
			err = -ERANGE;
		else
			strcpy(value, v);
	}
	sqlite3_finalize(st);
	return err == 1 ? 0 : err ? err : -ENOENT;
}
