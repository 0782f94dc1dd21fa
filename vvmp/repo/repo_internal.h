/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of vvmp/repo; not a public interface. */
#ifndef VVMP_REPO_INTERNAL_H
#define VVMP_REPO_INTERNAL_H

#include <sqlite3.h>
#include <vvmp/repo.h>

struct vvmp_repo {
	sqlite3 *db;
	char errmsg[256];
};

/* The migrations: schema_migrations[i] takes version i to i + 1. */
extern const char *const repo_migrations[VVMP_REPO_SCHEMA_VERSION];

/* SQLite result -> negative errno (see repo.h), keeping the message. */
int repo_errno(struct vvmp_repo *r, int rc);

/*
 * Prepare @sql and bind the arguments described by @fmt, one letter per
 * '?': 'u' uint32_t, 'U' uint64_t, 's' const char *, 'b' (const void *,
 * int length) as a blob.
 */
int repo_prepare(struct vvmp_repo *r, sqlite3_stmt **st, const char *sql,
		 const char *fmt, ...);

/* Prepare, bind, run to completion. Return 0 or a negative errno. */
int repo_exec(struct vvmp_repo *r, const char *sql, const char *fmt, ...);

/* Step a prepared statement: 1 for a row, 0 when done, negative errno. */
int repo_step(struct vvmp_repo *r, sqlite3_stmt *st);

/* 1 if @sql (one '?' for @id) returns a row, 0 if not, or -errno. */
int repo_exists(struct vvmp_repo *r, const char *sql, uint32_t id);

/* Grow a result array by one element; NULL when out of memory. */
void *repo_grow(void **array, size_t *n, size_t elem_size);

/* Copy a text column into a fixed buffer. */
void repo_text(sqlite3_stmt *st, int col, char *dst, size_t len);

static inline uint32_t col_u32(sqlite3_stmt *st, int col)
{
	return (uint32_t)sqlite3_column_int64(st, col);
}

static inline uint64_t col_u64(sqlite3_stmt *st, int col)
{
	return (uint64_t)sqlite3_column_int64(st, col);
}

#endif
