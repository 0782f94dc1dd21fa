/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON writer: objects, arrays, strings (escaped per RFC 8259),
 * unsigned and signed integers, booleans. Compact or pretty (-p).
 */
#ifndef _VVMPCTL_JSON_H
#define _VVMPCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	bool pretty;
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
	bool after_key;
};

void json_init(struct json *j, FILE *out, bool pretty);
/* Every value function takes a key (inside an object) or NULL (in an array / top level). */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_i64(struct json *j, const char *key, int64_t value);
void json_bool(struct json *j, const char *key, bool value);
/* Write @s as a JSON string literal, quotes included. */
void json_escape(FILE *out, const char *s);

#endif /* _VVMPCTL_JSON_H */
