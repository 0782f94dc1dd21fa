/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the ctl_* suites (ctl_commands, ctl_clients, ctl_events):
 * names, maps and client devices of named VDs made through libvaapi, and
 * O_DIRECT pattern I/O to check data byte for byte.
 */
#ifndef CTL_TEST_LIB_H
#define CTL_TEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vvmp/vaapi.h>

#include "vvmp_test_lib.h"

/* What a test made, removed again by ctl_teardown(). */
struct ctl {
	struct vaapi *h;
	char vds[8][VVMP_NAME_MAX];
	unsigned int nr_vds;
	char clients[8][VVMP_NAME_MAX];
	unsigned int nr_clients;
	char devs[8][64];
	unsigned int nr_devs;
};

const char *ctl_name(struct ctl *c, const char *kind, bool vd);
void ctl_extent(struct vaapi_extent *e, const struct vt_dev *d, uint64_t off, uint64_t len);
void ctl_linear(struct vaapi_map *m, struct vt_dev **legs, unsigned int nr, uint64_t off, uint64_t len);
bool ctl_extack_is(struct vaapi *h, const char *msg);
const char *ctl_expose(struct ctl *c, const char *vd, const char *client, uint64_t len, char *path, size_t sz);
int ctl_unexpose(struct ctl *c, const char *name);
int ctl_setup(struct ctl *c);
void ctl_teardown(struct ctl *c);
int ctl_dm_status(const char *name, char *out, size_t sz);
bool ctl_status_word(const char *dev, const char *key, char *val, size_t sz);
void ctl_health(const char *dev, char *health, size_t sz);
uint64_t ctl_dev_sectors(const char *path);
int ctl_write(const char *path, uint64_t off, size_t len, uint64_t seed);
int ctl_check(const char *path, uint64_t off, size_t len, uint64_t pat_off, uint64_t seed);
int ctl_same(const char *a, uint64_t aoff, const char *b, uint64_t boff, size_t len);
int ctl_copy(const char *src, uint64_t soff, const char *dst, uint64_t doff, size_t len);

#endif /* CTL_TEST_LIB_H */
