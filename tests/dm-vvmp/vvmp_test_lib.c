// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the dm-vvmp kselftest suites; see vvmp_test_lib.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vvmp_test_lib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>

#define VT_MAX_DEVS	64
#define VT_MAX_FDS	64
#define VT_MAX_RAM	16
#define VT_IO_MAX	(1024 * 1024)
#define NULLB_CONFIGFS	"/sys/kernel/config/nullb"

/* Everything one test made, in creation order, for vt_end(). */
static struct vt_dev devs[VT_MAX_DEVS];
static unsigned int nr_devs;
static char dm_names[VT_MAX_DEVS][64];
static unsigned int nr_dm_names;
static char nullb_dirs[VT_MAX_DEVS][64];
static unsigned int nr_nullb;
static int open_fds[VT_MAX_FDS];
static unsigned int nr_fds;
static uint64_t ram_size[VT_MAX_RAM];	/* sectors; 0 = no such disk */
static uint64_t ram_next[VT_MAX_RAM];
static unsigned int nr_ram, ram_turn, name_seq;

static bool verbose(void)
{
	const char *v = getenv("VT_VERBOSE");

	return v && *v && strcmp(v, "0");
}

int vt_run(char *out, size_t outsz, const char *fmt, ...)
{
	char cmd[VT_OUT_MAX];
	char scratch[256];
	size_t used = 0;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	if (!out) {
		out = scratch;
		outsz = sizeof(scratch);
	}
	out[0] = '\0';
	fflush(stdout);
	fflush(stderr);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (;;) {
		char chunk[1024];
		size_t n = fread(chunk, 1, sizeof(chunk), p);

		if (n == 0)
			break;
		if (used + 1 < outsz) {
			size_t take = n < outsz - 1 - used ? n : outsz - 1 - used;

			memcpy(out + used, chunk, take);
			used += take;
			out[used] = '\0';
		}
	}
	status = pclose(p);
	if (verbose())
		fprintf(stderr, "# $ %s -> %d: %s\n", cmd,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int read_text(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_text(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

uint64_t vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- dmsetup ---------------------------------------------------------- */

static void remember_dm(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_dm_names; i++)
		if (!strcmp(dm_names[i], name))
			return;
	if (nr_dm_names < VT_MAX_DEVS)
		snprintf(dm_names[nr_dm_names++], sizeof(dm_names[0]), "%s",
			 name);
}

static void forget_dm(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_dm_names; i++) {
		if (strcmp(dm_names[i], name))
			continue;
		memmove(dm_names[i], dm_names[i + 1],
			(nr_dm_names - i - 1) * sizeof(dm_names[0]));
		nr_dm_names--;
		return;
	}
}

const char *vt_new_name(const char *kind)
{
	static char names[16][64];
	char *n = names[name_seq % 16];

	snprintf(n, sizeof(names[0]), "vvt_%d_%s%u", (int)getpid(), kind,
		 name_seq);
	name_seq++;
	return n;
}

/*
 * The device-mapper ioctls themselves: dmsetup costs ~0.4 s a call under
 * TCG, an ioctl ~1 ms. dmsetup prints exactly what these return (the table
 * and status strings come from the target), and the suites still drive
 * dmsetup itself where its behaviour is part of the contract.
 */
#define DM_BUF_SIZE	(64 * 1024)

static int dm_control = -1;

static struct dm_ioctl *dm_prep(void *buf, const char *name, uint32_t flags)
{
	struct dm_ioctl *io = buf;

	memset(buf, 0, DM_BUF_SIZE);
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = DM_BUF_SIZE;
	io->data_start = sizeof(*io);
	io->flags = flags;
	if (name)
		snprintf(io->name, sizeof(io->name), "%s", name);
	return io;
}

static int dm_call(unsigned long cmd, struct dm_ioctl *io)
{
	if (dm_control < 0) {
		dm_control = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
		if (dm_control < 0)
			return errno;
	}
	if (ioctl(dm_control, cmd, io))
		return errno;
	return 0;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void node_path(const char *name, char *buf, size_t sz)
{
	snprintf(buf, sz, "/dev/mapper/%s", name);
}

static int dm_status_of(const char *name, struct dm_ioctl *io)
{
	dm_prep(io, name, 0);
	return dm_call(DM_DEV_STATUS, io);
}

/* Load @table (one "start len type params" line) as the inactive table. */
static int dm_load(const char *name, const char *table)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = dm_prep(buf, name, 0);
	struct dm_target_spec *spec = (void *)((char *)buf + io->data_start);
	unsigned long long start, len;
	char type[DM_MAX_TYPE_NAME];
	int pos = 0;
	char *params = (char *)(spec + 1);

	if (sscanf(table, "%llu %llu %15s %n", &start, &len, type, &pos) < 3)
		return EINVAL;
	spec->sector_start = start;
	spec->length = len;
	snprintf(spec->target_type, sizeof(spec->target_type), "%s", type);
	if (strlen(table + pos) + 1 + io->data_start + sizeof(*spec) >
	    DM_BUF_SIZE)
		return E2BIG;
	strcpy(params, table + pos);
	spec->next = 0;
	io->target_count = 1;
	return dm_call(DM_TABLE_LOAD, io);
}

static int dm_suspend(const char *name, bool suspend)
{
	static uint64_t buf[DM_BUF_SIZE / 8];

	return dm_call(DM_DEV_SUSPEND,
		       dm_prep(buf, name, suspend ? DM_SUSPEND_FLAG : 0));
}

static int dm_remove(const char *name)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	char path[160];
	int rc = dm_call(DM_DEV_REMOVE, dm_prep(buf, name, 0));

	if (!rc) {
		node_path(name, path, sizeof(path));
		unlink(path);
	}
	return rc;
}

int vt_dm_create(const char *name, const char *table, char *out, size_t sz)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = dm_prep(buf, name, 0);
	char path[160];
	int rc;

	if (out && sz)
		out[0] = '\0';
	rc = dm_call(DM_DEV_CREATE, io);
	if (rc)
		goto out;
	remember_dm(name);
	node_path(name, path, sizeof(path));
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(major(io->dev), minor(io->dev)))) {
		rc = errno;
		goto out;
	}
	rc = dm_load(name, table);
	if (!rc)
		rc = dm_suspend(name, false);
	if (rc) {
		/* As dmsetup does: a device whose table was refused goes. */
		if (!dm_remove(name))
			forget_dm(name);
	}
out:
	if (rc && out && sz)
		snprintf(out, sz, "%s", strerror(rc));
	if (verbose())
		fprintf(stderr, "# create %s '%s' -> %s\n", name, table,
			rc ? strerror(rc) : "ok");
	return rc;
}

int vt_dm_remove(const char *name)
{
	int rc = dm_remove(name), tries;

	/* A closing opener may still hold it for a moment. */
	for (tries = 0; rc == EBUSY && tries < 20; tries++) {
		vt_sleep_ms(50);
		rc = dm_remove(name);
	}
	if (!rc)
		forget_dm(name);
	return rc;
}

int vt_dm_reload(const char *name, const char *table)
{
	int rc = dm_suspend(name, true);

	if (rc)
		return rc;
	rc = dm_load(name, table);
	if (dm_suspend(name, false) && !rc)
		rc = EIO;
	return rc;
}

int vt_dm_suspend(const char *name, bool suspend)
{
	return dm_suspend(name, suspend);
}

bool vt_dm_exists(const char *name)
{
	static uint64_t buf[DM_BUF_SIZE / 8];

	return dm_status_of(name, (void *)buf) == 0;
}

int vt_dm_open_count(const char *name)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = (void *)buf;
	int rc = dm_status_of(name, io);

	return rc ? -rc : io->open_count;
}

int vt_dm_tables_present(const char *name)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = (void *)buf;
	int rc = dm_status_of(name, io);

	if (rc)
		return -rc;
	return ((io->flags & DM_ACTIVE_PRESENT_FLAG) ? 1 : 0) |
	       ((io->flags & DM_INACTIVE_PRESENT_FLAG) ? 2 : 0);
}

/* "start len type params" of the single target, as dmsetup prints it. */
static int dm_table_status(const char *name, bool table, char *out, size_t sz)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = dm_prep(buf, name,
				      table ? DM_STATUS_TABLE_FLAG : 0);
	struct dm_target_spec *spec;
	int rc = dm_call(DM_TABLE_STATUS, io);

	out[0] = '\0';
	if (rc)
		return rc;
	if (io->flags & DM_BUFFER_FULL_FLAG)
		return E2BIG;
	if (io->target_count != 1)
		return ENOENT;
	spec = (void *)((char *)buf + io->data_start);
	snprintf(out, sz, "%llu %llu %s %s",
		 (unsigned long long)spec->sector_start,
		 (unsigned long long)spec->length, spec->target_type,
		 (char *)(spec + 1));
	chomp(out);
	return 0;
}

int vt_dm_table(const char *name, char *buf, size_t sz)
{
	return dm_table_status(name, true, buf, sz);
}

int vt_dm_message(const char *name, const char *msg, char *out, size_t sz)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = dm_prep(buf, name, 0);
	struct dm_target_msg *tmsg = (void *)((char *)buf + io->data_start);
	int rc;

	tmsg->sector = 0;
	snprintf(tmsg->message, 4096, "%s", msg);
	rc = dm_call(DM_TARGET_MSG, io);
	if (out && sz) {
		out[0] = '\0';
		if (!rc && (io->flags & DM_DATA_OUT_FLAG))
			snprintf(out, sz, "%s", (char *)buf + io->data_start);
		else if (rc)
			snprintf(out, sz, "%s", strerror(rc));
	}
	if (verbose())
		fprintf(stderr, "# message %s '%s' -> %s\n", name, msg,
			rc ? strerror(rc) : "ok");
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of all dm devices, sorted, one a line. */
int vt_dm_list(char *out, size_t sz)
{
	static uint64_t buf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = dm_prep(buf, NULL, 0);
	char *names[512];
	unsigned int n = 0, i;
	size_t used = 0;
	int rc = dm_call(DM_LIST_DEVICES, io);

	out[0] = '\0';
	if (rc)
		return rc;
	if (io->flags & DM_BUFFER_FULL_FLAG)
		return E2BIG;
	if (io->data_size > io->data_start) {
		struct dm_name_list *nl = (void *)((char *)buf + io->data_start);

		for (;;) {
			if (nl->dev && n < 512)
				names[n++] = nl->name;
			if (!nl->next)
				break;
			nl = (void *)((char *)nl + nl->next);
		}
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n && used + strlen(names[i]) + 2 < sz; i++)
		used += snprintf(out + used, sz - used, "%s\n", names[i]);
	return 0;
}

int vt_dm_majmin(const char *name, char *buf, size_t sz)
{
	static uint64_t iobuf[DM_BUF_SIZE / 8];
	struct dm_ioctl *io = (void *)iobuf;
	int rc = dm_status_of(name, io);

	if (rc)
		return -rc;
	snprintf(buf, sz, "%u:%u", major(io->dev), minor(io->dev));
	return 0;
}

int vt_dm_sysfs(const char *name, const char *attr, char *buf, size_t sz)
{
	char majmin[24], path[256];
	int rc = vt_dm_majmin(name, majmin, sizeof(majmin));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/sys/dev/block/%s/%s", majmin, attr);
	return read_text(path, buf, sz);
}

/* ---- lifecycle -------------------------------------------------------- */

static void remove_stale(void)
{
	char out[VT_OUT_MAX];
	int pass;
	DIR *d;
	struct dirent *de;

	/* Stacked devices go first; repeat until nothing more can go. */
	for (pass = 0; pass < 8; pass++) {
		char *line, *save = NULL;
		int removed = 0, left = 0;

		if (vt_dm_list(out, sizeof(out)))
			break;
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "vvt_", 4))
				continue;
			left++;
			dm_suspend(line, false);
			if (!dm_remove(line))
				removed++;
		}
		if (!left || !removed)
			break;
	}
	d = opendir(NULLB_CONFIGFS);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512];

		if (strncmp(de->d_name, "vvt", 3))
			continue;
		snprintf(path, sizeof(path), NULLB_CONFIGFS "/%s", de->d_name);
		if (rmdir(path))
			fprintf(stderr, "# cannot remove stale %s: %s\n", path,
				strerror(errno));
	}
	closedir(d);
}

int vt_begin(void)
{
	unsigned int i;

	nr_devs = nr_dm_names = nr_nullb = nr_fds = 0;
	nr_ram = ram_turn = name_seq = 0;
	remove_stale();
	for (i = 0; i < VT_MAX_RAM; i++) {
		char path[64], buf[64];

		ram_size[i] = ram_next[i] = 0;
		snprintf(path, sizeof(path), "/sys/block/ram%u/size", i);
		if (read_text(path, buf, sizeof(buf)))
			continue;
		ram_size[i] = strtoull(buf, NULL, 10);
		if (ram_size[i])
			nr_ram = i + 1;
	}
	if (!nr_ram) {
		fprintf(stderr, "# no brd disks: modprobe brd rd_nr=4 rd_size=65536\n");
		return -ENODEV;
	}
	return 0;
}

void vt_end(void)
{
	unsigned int i;
	int pass;

	for (i = 0; i < nr_fds; i++)
		close(open_fds[i]);
	nr_fds = 0;
	/* A test may have stopped between suspend and resume. */
	for (i = 0; i < nr_dm_names; i++)
		dm_suspend(dm_names[i], false);
	for (pass = 0; pass < 5 && nr_dm_names; pass++) {
		for (i = nr_dm_names; i-- > 0;) {
			char name[64];

			snprintf(name, sizeof(name), "%s", dm_names[i]);
			vt_dm_remove(name);
		}
		if (nr_dm_names)
			vt_sleep_ms(200);
	}
	for (i = 0; i < nr_dm_names; i++)
		fprintf(stderr, "# cleanup: cannot remove %s\n", dm_names[i]);
	nr_dm_names = 0;
	for (i = nr_nullb; i-- > 0;) {
		char path[256];

		snprintf(path, sizeof(path), NULLB_CONFIGFS "/%s",
			 nullb_dirs[i]);
		if (rmdir(path))
			fprintf(stderr, "# cleanup: rmdir %s: %s\n", path,
				strerror(errno));
	}
	nr_nullb = 0;
}

/* ---- scratch devices -------------------------------------------------- */

static int dev_fill(struct vt_dev *d)
{
	struct stat st;
	uint64_t bytes;
	int fd;

	if (stat(d->path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(d->majmin, sizeof(d->majmin), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	fd = open(d->path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &bytes)) {
		close(fd);
		return -errno;
	}
	close(fd);
	d->sectors = bytes / VT_SECTOR;
	return 0;
}

static struct vt_dev *new_dev(void)
{
	struct vt_dev *d;

	if (nr_devs >= VT_MAX_DEVS)
		return NULL;
	d = &devs[nr_devs++];
	memset(d, 0, sizeof(*d));
	return d;
}

struct vt_dev *vt_dm_dev(const char *kind, const char *fmt, ...)
{
	char table[VT_OUT_MAX], out[VT_OUT_MAX];
	struct vt_dev *d = new_dev();
	va_list ap;

	if (!d)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(table, sizeof(table), fmt, ap);
	va_end(ap);
	const char *name = vt_new_name(kind);

	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "/dev/mapper/%s", name);
	if (vt_dm_create(d->name, table, out, sizeof(out))) {
		fprintf(stderr, "# cannot create %s (%s): %s\n", d->name, table,
			out);
		nr_devs--;
		return NULL;
	}
	if (dev_fill(d)) {
		fprintf(stderr, "# %s: no usable device node\n", d->path);
		return NULL;
	}
	return d;
}

struct vt_dev *vt_slice(uint64_t sectors)
{
	unsigned int tries;

	sectors = (sectors + 7) & ~7ULL;
	for (tries = 0; tries < nr_ram; tries++) {
		unsigned int r = ram_turn++ % nr_ram;
		struct vt_dev *d;

		if (!ram_size[r] || ram_next[r] + sectors > ram_size[r])
			continue;
		d = vt_dm_dev("s", "0 %llu linear /dev/ram%u %llu",
			      (unsigned long long)sectors, r,
			      (unsigned long long)ram_next[r]);
		if (!d)
			return NULL;
		snprintf(d->under, sizeof(d->under), "/dev/ram%u", r);
		d->under_off = ram_next[r];
		ram_next[r] += sectors;
		return d;
	}
	fprintf(stderr, "# no brd disk has %llu free sectors\n",
		(unsigned long long)sectors);
	return NULL;
}

int vt_slice_set_error(const struct vt_dev *s)
{
	char table[256];

	snprintf(table, sizeof(table), "0 %llu error",
		 (unsigned long long)s->sectors);
	return vt_dm_reload(s->name, table);
}

int vt_slice_set_linear(const struct vt_dev *s)
{
	char table[256];

	snprintf(table, sizeof(table), "0 %llu linear %s %llu",
		 (unsigned long long)s->sectors, s->under,
		 (unsigned long long)s->under_off);
	return vt_dm_reload(s->name, table);
}

int vt_slice_set_delay(const struct vt_dev *s, unsigned int read_ms,
		       unsigned int write_ms)
{
	char table[512];

	snprintf(table, sizeof(table), "0 %llu delay %s %llu %u %s %llu %u",
		 (unsigned long long)s->sectors, s->under,
		 (unsigned long long)s->under_off, read_ms, s->under,
		 (unsigned long long)s->under_off, write_ms);
	return vt_dm_reload(s->name, table);
}

/* dm-flakey under the slice: up for @up_s seconds, then fails I/O for @down_s. */
int vt_slice_set_flakey(const struct vt_dev *s, unsigned int up_s,
			unsigned int down_s)
{
	char table[512];

	snprintf(table, sizeof(table), "0 %llu flakey %s %llu %u %u",
		 (unsigned long long)s->sectors, s->under,
		 (unsigned long long)s->under_off, up_s, down_s);
	return vt_dm_reload(s->name, table);
}

struct vt_dev *vt_nullb(unsigned int size_mb, unsigned int cache_mb,
			bool discard)
{
	char dir[256], attr[320], val[32], disk[64];
	struct vt_dev *d = new_dev();
	int tries;

	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "vvt%dn%u", (int)getpid(),
		 name_seq++);
	snprintf(dir, sizeof(dir), NULLB_CONFIGFS "/%s", d->name);
	if (mkdir(dir, 0755)) {
		fprintf(stderr, "# mkdir %s: %s (null_blk loaded, configfs mounted?)\n",
			dir, strerror(errno));
		nr_devs--;
		return NULL;
	}
	snprintf(nullb_dirs[nr_nullb++], sizeof(nullb_dirs[0]), "%s", d->name);
#define SET(name, value) do {						\
		snprintf(attr, sizeof(attr), "%s/%s", dir, name);	\
		snprintf(val, sizeof(val), "%u", (unsigned int)(value)); \
		if (write_text(attr, val)) {				\
			fprintf(stderr, "# cannot set %s=%s\n", attr, val); \
			return NULL;					\
		}							\
	} while (0)
	SET("size", size_mb);
	SET("blocksize", 512);
	SET("memory_backed", 1);
	if (cache_mb)
		SET("cache_size", cache_mb);
	if (discard)
		SET("discard", 1);
	SET("power", 1);
#undef SET
	/* The disk is named after the configfs directory on 6.x kernels. */
	snprintf(disk, sizeof(disk), "%s", d->name);
	snprintf(attr, sizeof(attr), "/sys/block/%s", disk);
	if (access(attr, F_OK)) {
		snprintf(attr, sizeof(attr), "%s/index", dir);
		if (read_text(attr, val, sizeof(val)))
			return NULL;
		snprintf(disk, sizeof(disk), "nullb%s", val);
	}
	snprintf(d->path, sizeof(d->path), "/dev/%s", disk);
	for (tries = 0; tries < 100 && access(d->path, F_OK); tries++)
		vt_sleep_ms(20);
	if (dev_fill(d)) {
		fprintf(stderr, "# %s: no usable device node\n", d->path);
		return NULL;
	}
	return d;
}

int vt_expand(const char *tmpl, char *out, size_t sz,
	      struct vt_dev *const *dv, unsigned int n)
{
	size_t used = 0;
	const char *p;

	for (p = tmpl; *p; p++) {
		const char *ins = NULL;
		char one[2] = { *p, '\0' };
		size_t len;

		if ((*p == '$' || *p == '@') && p[1] >= '0' && p[1] <= '9') {
			unsigned int i = p[1] - '0';

			if (i >= n || !dv[i])
				return -EINVAL;
			ins = *p == '$' ? dv[i]->majmin : dv[i]->path;
			p++;
		} else {
			ins = one;
		}
		len = strlen(ins);
		if (used + len + 1 > sz)
			return -ENOSPC;
		memcpy(out + used, ins, len);
		used += len;
	}
	out[used] = '\0';
	return 0;
}

/* ---- kernel log ------------------------------------------------------- */

int vt_kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

int vt_kmsg_collect(int fd, char *buf, size_t sz)
{
	size_t used = 0;

	buf[0] = '\0';
	if (fd < 0)
		return fd;
	/* Let printk's deferred output settle. */
	vt_sleep_ms(50);
	for (;;) {
		char rec[8192];
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *nl;
		size_t len;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: keep going */
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		len = strlen(text);
		if (used + len + 2 > sz)
			break;
		memcpy(buf + used, text, len);
		used += len;
		buf[used++] = '\n';
		buf[used] = '\0';
	}
	close(fd);
	return 0;
}

static bool each_line(const char *log, bool (*match)(const char *line,
						     size_t len,
						     const void *arg),
		      const void *arg, int *count)
{
	const char *p = log;
	bool any = false;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (match(p, len, arg)) {
			any = true;
			if (count)
				(*count)++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return any;
}

static bool match_exact(const char *line, size_t len, const void *arg)
{
	const char *want = arg;

	return strlen(want) == len && !memcmp(line, want, len);
}

static bool match_prefix(const char *line, size_t len, const void *arg)
{
	const char *want = arg;
	size_t wl = strlen(want);

	return wl <= len && !memcmp(line, want, wl);
}

static bool match_substr(const char *line, size_t len, const void *arg)
{
	return memmem(line, len, arg, strlen(arg)) != NULL;
}

struct table_error {
	const char *message;
	const char *errname;
};

static bool match_table_error(const char *line, size_t len, const void *arg)
{
	const struct table_error *te = arg;
	static const char head[] = "device-mapper: table: ";
	char want[512];
	const char *p = line, *end = line + len;
	int digits;

	if (len < sizeof(head) - 1 || memcmp(p, head, sizeof(head) - 1))
		return false;
	p += sizeof(head) - 1;
	for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++)
		digits++;
	if (!digits || p >= end || *p++ != ':')
		return false;
	for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++)
		digits++;
	if (!digits)
		return false;
	snprintf(want, sizeof(want), ": vvmp: %s (-%s)", te->message,
		 te->errname);
	return (size_t)(end - p) == strlen(want) && !memcmp(p, want, end - p);
}

bool vt_log_has_line(const char *log, const char *line)
{
	return each_line(log, match_exact, line, NULL);
}

bool vt_log_has_prefix(const char *log, const char *prefix)
{
	return each_line(log, match_prefix, prefix, NULL);
}

bool vt_log_has_table_error(const char *log, const char *message,
			    const char *errname)
{
	struct table_error te = { message, errname };

	return each_line(log, match_table_error, &te, NULL);
}

int vt_log_count_matching(const char *log, const char *needle)
{
	int n = 0;

	each_line(log, match_substr, needle, &n);
	return n;
}

/* ---- data ------------------------------------------------------------- */

void *vt_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len ? len : 4096))
		return NULL;
	memset(p, 0, len);
	return p;
}

static inline uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Each 8-byte word is a hash of (seed, its byte offset on the VD), so a
 * sector that lands in the wrong place, or a stale generation, never matches.
 */
void vt_pattern(void *buf, size_t len, uint64_t byte_off, uint64_t seed)
{
	uint64_t key = mix64(seed ^ 0x76766d70ULL);
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = mix64((byte_off / 8 + i) ^ key);
}

uint8_t *vt_image(uint64_t sectors, uint64_t seed)
{
	uint8_t *img = vt_alloc(sectors * VT_SECTOR);

	if (img)
		vt_pattern(img, sectors * VT_SECTOR, 0, seed);
	return img;
}

int vt_open(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0)
		return -errno;
	if (nr_fds < VT_MAX_FDS)
		open_fds[nr_fds++] = fd;
	return fd;
}

void vt_close(int fd)
{
	unsigned int i;

	for (i = 0; i < nr_fds; i++) {
		if (open_fds[i] != fd)
			continue;
		open_fds[i] = open_fds[--nr_fds];
		break;
	}
	close(fd);
}

int vt_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		done += n;
	}
	return 0;
}

int vt_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOSPC;
		done += n;
	}
	return 0;
}

static uint64_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return len;
}

int vt_compare_dev(int fd, const uint8_t *expected, uint64_t off,
		   size_t len, uint64_t *bad_byte)
{
	uint8_t *buf;
	size_t done = 0;
	int rc = 0;

	if (posix_memalign((void **)&buf, 4096,
			   len < VT_IO_MAX ? (len + 4095) & ~4095UL : VT_IO_MAX))
		return -ENOMEM;
	while (done < len) {
		size_t n = len - done < VT_IO_MAX ? len - done : VT_IO_MAX;

		rc = vt_pread_all(fd, buf, n, off + done);
		if (rc)
			break;
		if (memcmp(buf, expected + done, n)) {
			if (bad_byte)
				*bad_byte = off + done +
					    first_diff(buf, expected + done, n);
			rc = 1;
			break;
		}
		done += n;
	}
	free(buf);
	return rc;
}

bool vt_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- layout model ----------------------------------------------------- */

int vt_layout_table(const struct vt_layout *l, char *buf, size_t sz)
{
	size_t used;
	unsigned int g, e;

	used = snprintf(buf, sz, "0 %llu vvmp ",
			(unsigned long long)l->length);
	if (l->striped)
		used += snprintf(buf + used, sz - used, "striped %llu",
				 (unsigned long long)l->chunk);
	else
		used += snprintf(buf + used, sz - used, "linear");
	used += snprintf(buf + used, sz - used, " %u", l->nr_legs);
	for (g = 0; g < l->nr_legs && used < sz; g++) {
		const struct vt_leg *lg = &l->leg[g];

		used += snprintf(buf + used, sz - used, " %u", lg->nr);
		for (e = 0; e < lg->nr && used < sz; e++)
			used += snprintf(buf + used, sz - used,
					 " %s %llu %llu", lg->ext[e].dev->majmin,
					 (unsigned long long)lg->ext[e].off,
					 (unsigned long long)lg->ext[e].len);
	}
	if (l->features && *l->features && used < sz)
		used += snprintf(buf + used, sz - used, " %s", l->features);
	return used < sz ? 0 : -ENOSPC;
}

int vt_layout_create(const struct vt_layout *l, const char **name)
{
	char table[VT_OUT_MAX], out[VT_OUT_MAX], path[160];
	int rc;

	rc = vt_layout_table(l, table, sizeof(table));
	if (rc)
		return rc;
	*name = vt_new_name("vd");
	rc = vt_dm_create(*name, table, out, sizeof(out));
	if (rc) {
		fprintf(stderr, "# '%s' refused: %s\n", table, out);
		return -rc;
	}
	snprintf(path, sizeof(path), "/dev/mapper/%s", *name);
	return vt_open(path, O_RDWR);
}

/*
 * Where VD sector @sector of leg @leg lives: extent index, sector on the
 * extent's device, and how many sectors follow contiguously before the next
 * extent or chunk boundary.
 */
void vt_layout_map(const struct vt_layout *l, unsigned int leg,
		   uint64_t sector, unsigned int *ext, uint64_t *dev_sector,
		   uint64_t *run)
{
	const struct vt_leg *lg = &l->leg[leg];

	if (l->striped) {
		uint64_t chunk = sector / l->chunk;
		unsigned int e = chunk % lg->nr;

		*ext = e;
		*dev_sector = lg->ext[e].off + (chunk / lg->nr) * l->chunk +
			      sector % l->chunk;
		*run = l->chunk - sector % l->chunk;
		return;
	} else {
		uint64_t start = 0;
		unsigned int e;

		for (e = 0; e < lg->nr; e++) {
			if (sector < start + lg->ext[e].len) {
				*ext = e;
				*dev_sector = lg->ext[e].off + sector - start;
				*run = start + lg->ext[e].len - sector;
				return;
			}
			start += lg->ext[e].len;
		}
	}
	*ext = UINT_MAX;
	*dev_sector = 0;
	*run = 0;
}

static int leg_io(const struct vt_layout *l, unsigned int leg,
		  const uint8_t *image, uint64_t sector, uint64_t nr,
		  bool write, uint64_t *bad_sector)
{
	const struct vt_leg *lg = &l->leg[leg];
	int fds[VT_MAX_EXTENTS];
	unsigned int e;
	int rc = 0;

	for (e = 0; e < lg->nr; e++)
		fds[e] = -1;
	for (e = 0; e < lg->nr; e++) {
		fds[e] = open(lg->ext[e].dev->path,
			      (write ? O_RDWR : O_RDONLY) | O_DIRECT);
		if (fds[e] < 0) {
			rc = -errno;
			goto out;
		}
	}
	while (nr) {
		uint64_t dev_sector, run, bad = 0;

		vt_layout_map(l, leg, sector, &e, &dev_sector, &run);
		if (e == UINT_MAX) {
			rc = -ERANGE;
			break;
		}
		if (run > nr)
			run = nr;
		if (run > VT_IO_MAX / VT_SECTOR)
			run = VT_IO_MAX / VT_SECTOR;
		if (write) {
			rc = vt_pwrite_all(fds[e], image + sector * VT_SECTOR,
					   run * VT_SECTOR,
					   dev_sector * VT_SECTOR);
		} else {
			rc = vt_compare_dev(fds[e], image + sector * VT_SECTOR,
					    dev_sector * VT_SECTOR,
					    run * VT_SECTOR, &bad);
			if (rc == 1 && bad_sector)
				*bad_sector = sector + (bad / VT_SECTOR -
							dev_sector);
		}
		if (rc)
			break;
		sector += run;
		nr -= run;
	}
out:
	for (e = 0; e < lg->nr; e++)
		if (fds[e] >= 0)
			close(fds[e]);
	return rc;
}

int vt_leg_write(const struct vt_layout *l, unsigned int leg,
		 const uint8_t *image, uint64_t sector, uint64_t nr)
{
	return leg_io(l, leg, image, sector, nr, true, NULL);
}

int vt_leg_compare(const struct vt_layout *l, unsigned int leg,
		   const uint8_t *image, uint64_t sector, uint64_t nr,
		   uint64_t *bad_sector)
{
	return leg_io(l, leg, image, sector, nr, false, bad_sector);
}

/* ---- status ----------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/*
 * "<start> <len> vvmp <layout> <#legs> <health> <synced>/<length>
 *  <read_policy> <r:w:f:re:we:if>..." and nothing else.
 */
int vt_parse_status(const char *line, struct vt_status *st)
{
	char copy[1024], *tok[8 + VT_MAX_LEGS + 40], *save = NULL, *t;
	unsigned int n = 0, i;
	uint64_t v;

	memset(st, 0, sizeof(*st));
	snprintf(st->raw, sizeof(st->raw), "%s", line);
	snprintf(copy, sizeof(copy), "%s", line);
	chomp(copy);
	for (t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == sizeof(tok) / sizeof(tok[0]))
			return -E2BIG;
		tok[n++] = t;
	}
	if (n < 8)
		return -EINVAL;
	if (!parse_u64(tok[0], &st->start) || !parse_u64(tok[1], &st->len) ||
	    strcmp(tok[2], "vvmp"))
		return -EINVAL;
	if (strcmp(tok[3], "linear") && strcmp(tok[3], "striped"))
		return -EINVAL;
	snprintf(st->layout, sizeof(st->layout), "%s", tok[3]);
	if (!parse_u64(tok[4], &v) || v < 1 || v > VT_MAX_LEGS)
		return -EINVAL;
	st->nr_legs = v;
	if (n < 8 + st->nr_legs || strlen(tok[5]) != st->nr_legs ||
	    strspn(tok[5], "AaD") != st->nr_legs)
		return -EINVAL;
	snprintf(st->health, sizeof(st->health), "%s", tok[5]);
	t = strchr(tok[6], '/');
	if (!t)
		return -EINVAL;
	*t++ = '\0';
	if (!parse_u64(tok[6], &st->synced) || !parse_u64(t, &st->total))
		return -EINVAL;
	if (strcmp(tok[7], "least-pending") && strcmp(tok[7], "round-robin"))
		return -EINVAL;
	snprintf(st->policy, sizeof(st->policy), "%s", tok[7]);
	for (i = 0; i < st->nr_legs; i++) {
		uint64_t *f = &st->leg[i].reads;
		char *w = tok[8 + i], *s2 = NULL, *c;
		unsigned int k = 0;

		if (strspn(w, "0123456789:") != strlen(w))
			return -EINVAL;
		for (c = strtok_r(w, ":", &s2); c; c = strtok_r(NULL, ":", &s2)) {
			if (k == 6 || !parse_u64(c, &f[k]))
				return -EINVAL;
			k++;
		}
		if (k != 6 || strstr(tok[8 + i], "::"))
			return -EINVAL;
	}
	/* Then "key value" pairs: the log and resync, a named VD's port. */
	for (i = 8 + st->nr_legs; i + 1 < n; i += 2) {
		const char *key = tok[i], *val = tok[i + 1];

		if (!strcmp(key, "dirty_regions")) {
			t = strchr(tok[i + 1], '/');
			if (!t)
				return -EINVAL;
			*t++ = '\0';
			if (!parse_u64(val, &st->dirty_regions) ||
			    !parse_u64(t, &st->regions))
				return -EINVAL;
		} else if (!strcmp(key, "region_sectors")) {
			if (!parse_u64(val, &st->region_sectors))
				return -EINVAL;
		} else if (!strcmp(key, "copied_sectors")) {
			if (!parse_u64(val, &st->copied_sectors))
				return -EINVAL;
		} else if (!strcmp(key, "resync_rate")) {
			if (!parse_u64(val, &st->resync_rate))
				return -EINVAL;
		} else if (!strcmp(key, "io")) {
			if (strcmp(val, "active") && strcmp(val, "deactivated"))
				return -EINVAL;
			st->deactivated = !strcmp(val, "deactivated");
		}
	}
	if (i != n || !st->region_sectors)
		return -EINVAL;
	return 0;
}

int vt_status(const char *name, struct vt_status *st)
{
	char out[1024];
	int rc = dm_table_status(name, false, out, sizeof(out));

	if (rc) {
		memset(st, 0, sizeof(*st));
		snprintf(st->raw, sizeof(st->raw), "status: %s", strerror(rc));
		return -rc;
	}
	rc = vt_parse_status(out, st);
	if (rc)
		fprintf(stderr, "# unparsable status: %s\n", out);
	return rc;
}

int vt_wait_health(const char *name, const char *health, int timeout_s,
		   struct vt_status *st)
{
	uint64_t deadline = vt_now_ms() + (uint64_t)timeout_s * 1000;
	char all_alive[VT_MAX_LEGS + 1];

	for (;;) {
		int rc = vt_status(name, st);

		if (rc)
			return rc;
		if (!health) {
			memset(all_alive, 'A', st->nr_legs);
			all_alive[st->nr_legs] = '\0';
		}
		if (!strcmp(st->health, health ? health : all_alive) &&
		    st->synced == st->total)
			return 0;
		if (vt_now_ms() > deadline)
			return -ETIMEDOUT;
		vt_sleep_ms(50);
	}
}
