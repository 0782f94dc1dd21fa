/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the dm-vvmp kselftest suites: scratch block devices
 * (dm-linear slices of brd disks, null_blk devices, any dm stack), the
 * device-mapper ioctls (what dmsetup calls, ~1 ms instead of ~0.4 s per
 * command under TCG) and commands with captured output for dmsetup itself,
 * the kernel log, patterned O_DIRECT I/O, the layout arithmetic of
 * Documentation/dm-vvmp.rst computed independently of the module, and a
 * strict parser of the vvmp status line.
 *
 * Every device a test makes is named "vvt_<pid>_..." and remembered, so
 * vt_end() (called from each fixture's teardown) removes it even after a
 * failed assertion, and vt_begin() removes whatever a killed test left.
 */
#ifndef VVMP_TEST_LIB_H
#define VVMP_TEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_SECTOR		512ULL
#define VT_MAX_LEGS		8
#define VT_MAX_EXTENTS		64
#define VT_OUT_MAX		8192

/* A block device a test made (or named) to put extents on. */
struct vt_dev {
	char name[64];		/* dm name, or configfs name of a null_blk */
	char path[128];		/* device node */
	char majmin[24];	/* "major:minor", as dmsetup table prints it */
	uint64_t sectors;
	char under[128];	/* what a dm-linear slice maps onto ... */
	uint64_t under_off;	/* ... and where */
};

/* Test lifecycle: call vt_begin() from FIXTURE_SETUP, vt_end() from teardown. */
int vt_begin(void);
void vt_end(void);

/* Command execution: "cmd 2>&1" through /bin/sh; returns the exit status. */
int vt_run(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Scratch devices. */
struct vt_dev *vt_slice(uint64_t sectors);
struct vt_dev *vt_dm_dev(const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct vt_dev *vt_nullb(unsigned int size_mb, unsigned int cache_mb,
			bool discard);
int vt_slice_set_error(const struct vt_dev *slice);
int vt_slice_set_linear(const struct vt_dev *slice);
int vt_slice_set_flakey(const struct vt_dev *slice, unsigned int up_s,
			unsigned int down_s);
int vt_slice_set_delay(const struct vt_dev *slice, unsigned int read_ms,
		       unsigned int write_ms);

/*
 * Device-mapper operations (ioctls); names are remembered for cleanup.
 * They return 0 or a positive errno (vt_dm_create: the errno of the table
 * load, after removing the device again, as dmsetup create does).
 */
const char *vt_new_name(const char *kind);
int vt_dm_create(const char *name, const char *table, char *out, size_t sz);
int vt_dm_remove(const char *name);
int vt_dm_reload(const char *name, const char *table);
int vt_dm_suspend(const char *name, bool suspend);
int vt_dm_open_count(const char *name);
int vt_dm_tables_present(const char *name);	/* 1 active | 2 inactive */
bool vt_dm_exists(const char *name);
int vt_dm_table(const char *name, char *buf, size_t sz);
int vt_dm_message(const char *name, const char *msg, char *out, size_t sz);
int vt_dm_list(char *buf, size_t sz);
int vt_dm_majmin(const char *name, char *buf, size_t sz);
int vt_dm_sysfs(const char *name, const char *attr, char *buf, size_t sz);

/* Template expansion: "$N" -> devs[N]->majmin, "@N" -> devs[N]->path. */
int vt_expand(const char *tmpl, char *out, size_t sz,
	      struct vt_dev *const *devs, unsigned int nr_devs);

/* Kernel log. */
int vt_kmsg_mark(void);
int vt_kmsg_collect(int fd, char *buf, size_t sz);
bool vt_log_has_line(const char *log, const char *line);
bool vt_log_has_prefix(const char *log, const char *prefix);
/* "device-mapper: table: <dev>: vvmp: <message> (-<errname>)" */
bool vt_log_has_table_error(const char *log, const char *message,
			    const char *errname);
int vt_log_count_matching(const char *log, const char *needle);

/* Patterned data and O_DIRECT I/O. */
void *vt_alloc(size_t len);
void vt_pattern(void *buf, size_t len, uint64_t byte_off, uint64_t seed);
uint8_t *vt_image(uint64_t sectors, uint64_t seed);
int vt_open(const char *path, int flags);
void vt_close(int fd);
int vt_pread_all(int fd, void *buf, size_t len, uint64_t off);
int vt_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int vt_compare_dev(int fd, const uint8_t *expected, uint64_t off,
		   size_t len, uint64_t *bad_byte);
bool vt_is_zero(const void *buf, size_t len);

/* Layout model, computed from the doc without the module's help. */
struct vt_extent {
	const struct vt_dev *dev;
	uint64_t off;
	uint64_t len;
};

struct vt_leg {
	unsigned int nr;
	struct vt_extent ext[VT_MAX_EXTENTS];
};

struct vt_layout {
	bool striped;
	uint64_t chunk;
	uint64_t length;
	unsigned int nr_legs;
	struct vt_leg leg[VT_MAX_LEGS];
	const char *features;	/* appended verbatim, e.g. "1 nosync" */
};

int vt_layout_table(const struct vt_layout *l, char *buf, size_t sz);
/*
 * Create a VD from @l under a new name (returned in *name) and open it
 * O_DIRECT. Returns the fd or -errno; a refused table is printed as a TAP
 * comment.
 */
int vt_layout_create(const struct vt_layout *l, const char **name);
void vt_layout_map(const struct vt_layout *l, unsigned int leg,
		   uint64_t sector, unsigned int *ext, uint64_t *dev_sector,
		   uint64_t *run);
int vt_leg_write(const struct vt_layout *l, unsigned int leg,
		 const uint8_t *image, uint64_t sector, uint64_t nr);
int vt_leg_compare(const struct vt_layout *l, unsigned int leg,
		   const uint8_t *image, uint64_t sector, uint64_t nr,
		   uint64_t *bad_sector);

/* vvmp status line (INFO). */
struct vt_counters {
	uint64_t reads;
	uint64_t writes;
	uint64_t flushes;
	uint64_t read_errors;
	uint64_t write_errors;
	uint64_t in_flight;
};

struct vt_status {
	uint64_t start;
	uint64_t len;
	char layout[16];
	unsigned int nr_legs;
	char health[VT_MAX_LEGS + 1];
	uint64_t synced;
	uint64_t total;
	char policy[32];
	struct vt_counters leg[VT_MAX_LEGS];
	uint64_t dirty_regions;		/* the dirty-region log */
	uint64_t regions;
	uint64_t region_sectors;
	uint64_t copied_sectors;	/* by resyncs */
	uint64_t resync_rate;		/* KiB/s, 0: no limit */
	bool deactivated;
	char raw[1024];
};

int vt_parse_status(const char *line, struct vt_status *st);
int vt_status(const char *name, struct vt_status *st);
int vt_wait_health(const char *name, const char *health, int timeout_s,
		   struct vt_status *st);

/* Milliseconds since an arbitrary start, and a sleep. */
uint64_t vt_now_ms(void);
void vt_sleep_ms(unsigned int ms);

#endif /* VVMP_TEST_LIB_H */
