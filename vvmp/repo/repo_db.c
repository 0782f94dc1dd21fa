// SPDX-License-Identifier: GPL-2.0
/* Opening the database, migrations, transactions and the SQL helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo_internal.h"

int repo_errno(struct vvmp_repo *r, int rc)
{
	snprintf(r->errmsg, sizeof(r->errmsg), "%s", sqlite3_errmsg(r->db));
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT_TRIGGER:
		return -ERANGE;		/* the triggers check ranges (and that spares stay free) */
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;		/* deletes check for users first */
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
		return -EINVAL;
	}
	return -EIO;
}

static int vbind(struct vvmp_repo *r, sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; fmt && *fmt && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 'u':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, uint32_t));
			break;
		case 'U': {
			uint64_t v = va_arg(ap, uint64_t);

			if (v > INT64_MAX)
				return -EINVAL;
			rc = sqlite3_bind_int64(st, i, (sqlite3_int64)v);
			break;
		}
		case 's':
			rc = sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);

			rc = n ? sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT) :
				 sqlite3_bind_null(st, i);
			break;
		}
		default:
			return -EINVAL;
		}
	}
	return rc == SQLITE_OK ? 0 : repo_errno(r, sqlite3_extended_errcode(r->db));
}

static int vprepare(struct vvmp_repo *r, sqlite3_stmt **st, const char *sql,
		    const char *fmt, va_list ap)
{
	int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);
	int err;

	if (rc != SQLITE_OK) {
		*st = NULL;
		repo_errno(r, rc);
		return -EIO;
	}
	err = vbind(r, *st, fmt, ap);
	if (err) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return err;
}

int repo_prepare(struct vvmp_repo *r, sqlite3_stmt **st, const char *sql,
		 const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vprepare(r, st, sql, fmt, ap);
	va_end(ap);
	return err;
}

int repo_step(struct vvmp_repo *r, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return repo_errno(r, sqlite3_extended_errcode(r->db));
}

int repo_exists(struct vvmp_repo *r, const char *sql, uint32_t id)
{
	sqlite3_stmt *st;
	int err = repo_prepare(r, &st, sql, "u", id);

	if (err)
		return err;
	err = repo_step(r, st);
	sqlite3_finalize(st);
	return err;
}

int repo_exec(struct vvmp_repo *r, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vprepare(r, &st, sql, fmt, ap);
	va_end(ap);
	if (err)
		return err;
	while ((err = repo_step(r, st)) == 1)
		;
	sqlite3_finalize(st);
	return err;
}

void *repo_grow(void **array, size_t *n, size_t elem_size)
{
	char *p = realloc(*array, (*n + 1) * elem_size);

	if (!p)
		return NULL;
	*array = p;
	memset(p + *n * elem_size, 0, elem_size);
	return p + (*n)++ * elem_size;
}

void repo_text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

int vvmp_repo_schema_version(struct vvmp_repo *r)
{
	sqlite3_stmt *st;
	int v = 0;

	/* No schema_version table yet: a new, empty database (version 0). */
	if (repo_prepare(r, &st, "SELECT version FROM schema_version", ""))
		return 0;
	if (repo_step(r, st) == 1)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct vvmp_repo *r, int target)
{
	int v = vvmp_repo_schema_version(r);

	if (v > VVMP_REPO_SCHEMA_VERSION) {
		snprintf(r->errmsg, sizeof(r->errmsg),
			 "database schema %d is newer than this vvmpd (%d)", v,
			 VVMP_REPO_SCHEMA_VERSION);
		return -EPROTO;
	}
	/* Each step in its own transaction: a failed step leaves the last good version. */
	for (; v < target; v++) {
		char *msg = NULL;
		int err = vvmp_repo_begin(r);

		if (err)
			return err;
		if (v == 0 && sqlite3_exec(r->db,
				"CREATE TABLE schema_version (version INTEGER NOT NULL);"
				"INSERT INTO schema_version VALUES (0);", NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		if (sqlite3_exec(r->db, repo_migrations[v], NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		err = repo_exec(r, "UPDATE schema_version SET version = ?", "u", (uint32_t)(v + 1));
		if (err) {
			vvmp_repo_rollback(r);
			return err;
		}
		err = vvmp_repo_commit(r);
		if (err)
			return err;
		continue;
fail:
		snprintf(r->errmsg, sizeof(r->errmsg), "migration to %d: %s", v + 1,
			 msg ? msg : "?");
		sqlite3_free(msg);
		vvmp_repo_rollback(r);
		return -EIO;
	}
	return 0;
}

int vvmp_repo_open_version(const char *path, int version, struct vvmp_repo **out)
{
	struct vvmp_repo *r;
	int err;

	*out = NULL;
	if (version < 1 || version > VVMP_REPO_SCHEMA_VERSION)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		err = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, 5000);
	/*
	 * WAL: readers never block the writer; synchronous=NORMAL is durable
	 * across a vvmpd crash (not across power loss of the last commit), the
	 * usual trade for a management database.
	 */
	if (sqlite3_exec(r->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK) {
		repo_errno(r, SQLITE_ERROR);
		err = -EIO;
		goto fail;
	}
	err = migrate(r, version);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	if (r->db && r->errmsg[0])
		fprintf(stderr, "vvmp repo %s: %s\n", path, r->errmsg);
	sqlite3_close(r->db);
	free(r);
	return err;
}

int vvmp_repo_open(const char *path, struct vvmp_repo **out)
{
	return vvmp_repo_open_version(path, VVMP_REPO_SCHEMA_VERSION, out);
}

void vvmp_repo_close(struct vvmp_repo *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	free(r);
}

const char *vvmp_repo_errmsg(struct vvmp_repo *r)
{
	return r->errmsg;
}

int vvmp_repo_begin(struct vvmp_repo *r)
{
	return repo_exec(r, "BEGIN IMMEDIATE", "");
}

int vvmp_repo_commit(struct vvmp_repo *r)
{
	return repo_exec(r, "COMMIT", "");
}

int vvmp_repo_rollback(struct vvmp_repo *r)
{
	return repo_exec(r, "ROLLBACK", "");
}
