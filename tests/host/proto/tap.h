/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP-like reporting shared by the host test directories:
 * "ok N - name" / "not ok N - name", then "N passed, N failed".
 * A test is a function returning 0 on success; CHECK() prints the failing
 * expression with its values and returns 1 from the test.
 */
#ifndef VVMP_TEST_TAP_H
#define VVMP_TEST_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	return 1; } } while (0)

#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
		__FILE__, __LINE__, #a, _a, #b, _b); return 1; } } while (0)

static inline void tap_result(const char *name, int failed)
{
	tap_n++;
	if (failed)
		tap_failed++;
	printf("%sok %d - %s\n", failed ? "not " : "", tap_n, name);
	fflush(stdout);
}

#define RUN(fn) tap_result(#fn, fn())

static inline int tap_summary(void)
{
	printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
