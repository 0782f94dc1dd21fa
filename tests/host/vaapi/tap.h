/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness: TEST(name) bodies use CHECK*, RUN(name) prints
 * "ok N - name" or "not ok N - name", tap_done() prints
 * "N passed, N failed" and returns the exit status.
 */
#ifndef _VVMP_TESTS_TAP_H
#define _VVMP_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_passed, tap_failed, tap_current_failed;

#define TEST(name) static void name(void)

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		tap_current_failed = 1; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b); \
	if (_a != _b) { \
		fprintf(stderr, "  %s:%d: %s == %" PRIu64 " (0x%" PRIx64 "), expected %s == %" PRIu64 " (0x%" PRIx64 ")\n", \
			__FILE__, __LINE__, #a, _a, _a, #b, _b, _b); \
		tap_current_failed = 1; \
	} \
} while (0)

#define CHECK_INT(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); \
		tap_current_failed = 1; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || strcmp(_a, _b)) { \
		fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
			#a, _a ? _a : "(null)", _b); \
		tap_current_failed = 1; \
	} \
} while (0)

#define RUN(name) do { \
	tap_current_failed = 0; \
	name(); \
	if (tap_current_failed) \
		printf("not ok %d - %s\n", ++tap_failed + tap_passed, #name); \
	else \
		printf("ok %d - %s\n", ++tap_passed + tap_failed, #name); \
	fflush(stdout); \
} while (0)

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* _VVMP_TESTS_TAP_H */
