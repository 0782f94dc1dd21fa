// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the ctl_* suites: see ctl_test_lib.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/dm-ioctl.h>

#include "ctl_test_lib.h"


/* A VD or client name of this run: "ctl<pid>_<kind><n>". */
const char *ctl_name(struct ctl *c, const char *kind, bool vd)
{
	char *n = vd ? c->vds[c->nr_vds++] : c->clients[c->nr_clients++];

	snprintf(n, VVMP_NAME_MAX, "ctl%d_%s%u", (int)getpid(), kind,
		 vd ? c->nr_vds : c->nr_clients);
	return n;
}

void ctl_extent(struct vaapi_extent *e, const struct vt_dev *d,
		       uint64_t off, uint64_t len)
{
	snprintf(e->device, sizeof(e->device), "%s", d->majmin);
	e->offset = off;
	e->length = len;
}

/* A linear map: leg i is one extent of @len sectors at @off on @legs[i]. */
void ctl_linear(struct vaapi_map *m, struct vt_dev **legs,
		       unsigned int nr, uint64_t off, uint64_t len)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->layout = VVMP_MAP_LINEAR;
	m->nr_legs = nr;
	for (i = 0; i < nr; i++) {
		m->legs[i].nr_extents = 1;
		ctl_extent(&m->legs[i].extents[0], legs[i], off, len);
	}
}

/* Whether the last call failed with extack text @msg (before the offset). */
bool ctl_extack_is(struct vaapi *h, const char *msg)
{
	const char *s = vaapi_strerror(h);
	size_t n = strlen(msg);

	if (strncmp(s, msg, n) || (s[n] && s[n] != ' ')) {
		fprintf(stderr, "# extack: '%s', expected '%s'\n", s, msg);
		return false;
	}
	return true;
}

/* Expose @vd to @client (NULL: none) by a new dm device of @len sectors. */
const char *ctl_expose(struct ctl *c, const char *vd, const char *client,
			      uint64_t len, char *path, size_t sz)
{
	char table[256], out[256];
	char *name = c->devs[c->nr_devs];

	snprintf(name, 64, "%s", vt_new_name("c"));
	if (client)
		snprintf(table, sizeof(table), "0 %llu vvmp vd %s client %s",
			 (unsigned long long)len, vd, client);
	else
		snprintf(table, sizeof(table), "0 %llu vvmp vd %s",
			 (unsigned long long)len, vd);
	if (vt_dm_create(name, table, out, sizeof(out))) {
		fprintf(stderr, "# create %s '%s': %s\n", name, table, out);
		return NULL;
	}
	c->nr_devs++;
	if (path)
		snprintf(path, sz, "/dev/mapper/%s", name);
	return name;
}

int ctl_unexpose(struct ctl *c, const char *name)
{
	unsigned int i;
	int rc = vt_dm_remove(name);

	for (i = 0; i < c->nr_devs; i++)
		if (!strcmp(c->devs[i], name))
			c->devs[i][0] = '\0';
	return rc;
}

int ctl_setup(struct ctl *c)
{
	memset(c, 0, sizeof(*c));
	if (vt_begin())
		return -1;
	c->h = vaapi_open();
	if (!c->h) {
		fprintf(stderr, "# vaapi_open: %s\n", vaapi_strerror(NULL));
		return -1;
	}
	return 0;
}

/* Devices first, then the VDs they expose, then clients, then slices. */
void ctl_teardown(struct ctl *c)
{
	unsigned int i;

	for (i = c->nr_devs; i-- > 0;)
		if (c->devs[i][0])
			vt_dm_remove(c->devs[i]);
	if (c->h) {
		for (i = 0; i < c->nr_vds; i++)
			vaapi_ap_delete_vd(c->h, c->vds[i]);
		for (i = 0; i < c->nr_clients; i++)
			vaapi_peap_delete_client(c->h, c->clients[i]);
		vaapi_close(c->h);
	}
	vt_end();
}

/* The status line of dm device @name, as `dmsetup status` prints it. */
int ctl_dm_status(const char *name, char *out, size_t sz)
{
	static uint64_t buf[16384 / 8];
	struct dm_ioctl *io = (struct dm_ioctl *)buf;
	struct dm_target_spec *spec;
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC), rc = 0;

	out[0] = '\0';
	if (fd < 0)
		return -errno;
	memset(buf, 0, sizeof(buf));
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = sizeof(buf);
	io->data_start = sizeof(*io);
	snprintf(io->name, sizeof(io->name), "%s", name);
	if (ioctl(fd, DM_TABLE_STATUS, io))
		rc = -errno;
	close(fd);
	if (rc || io->target_count != 1)
		return rc ? rc : -EINVAL;
	spec = (struct dm_target_spec *)((char *)buf + io->data_start);
	snprintf(out, sz, "%llu %llu %s %s", (unsigned long long)spec->sector_start,
		 (unsigned long long)spec->length, spec->target_type, (char *)(spec + 1));
	return 0;
}

/* The status line's value after word @key ("acl", "status", ...). */
bool ctl_status_word(const char *dev, const char *key, char *val,
			    size_t sz)
{
	char line[1024], pat[40], *p;

	if (ctl_dm_status(dev, line, sizeof(line)))
		return false;
	snprintf(pat, sizeof(pat), " %s ", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	snprintf(val, sz, "%.*s", (int)strcspn(p, " \n"), p);
	return true;
}

/* The health characters (4th word after start, len, "vvmp", layout, #legs). */
void ctl_health(const char *dev, char *health, size_t sz)
{
	char line[1024], layout[16];
	unsigned long long a, b;
	unsigned int n;

	health[0] = '\0';
	if (ctl_dm_status(dev, line, sizeof(line)) ||
	    sscanf(line, "%llu %llu vvmp %15s %u %15s", &a, &b, layout, &n, health) != 5)
		snprintf(health, sz, "?");
}

uint64_t ctl_dev_sectors(const char *path)
{
	uint64_t bytes = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &bytes))
		bytes = 0;
	close(fd);
	return bytes / 512;
}

/* Write @len bytes of pattern @seed at @off through @path (O_DIRECT). */
int ctl_write(const char *path, uint64_t off, size_t len, uint64_t seed)
{
	uint8_t *buf = vt_alloc(len);
	int fd = vt_open(path, O_RDWR), rc;

	if (fd < 0 || !buf) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	vt_pattern(buf, len, off, seed);
	rc = vt_pwrite_all(fd, buf, len, off);
	vt_close(fd);
	free(buf);
	return rc;
}

/* 0 if @path holds pattern @seed in [off, off + len), 1 if not, or -errno. */
int ctl_check(const char *path, uint64_t off, size_t len, uint64_t pat_off,
		     uint64_t seed)
{
	uint8_t *exp = vt_alloc(len);
	uint64_t bad = 0;
	int fd = vt_open(path, O_RDONLY), rc;

	if (fd < 0 || !exp) {
		free(exp);
		return fd < 0 ? fd : -ENOMEM;
	}
	vt_pattern(exp, len, pat_off, seed);
	rc = vt_compare_dev(fd, exp, off, len, &bad);
	if (rc == 1)
		fprintf(stderr, "# %s: first difference at byte %llu\n", path,
			(unsigned long long)bad);
	vt_close(fd);
	free(exp);
	return rc;
}

/* 0 if two devices hold the same bytes in the given ranges. */
int ctl_same(const char *a, uint64_t aoff, const char *b, uint64_t boff,
		    size_t len)
{
	uint8_t *x = vt_alloc(len), *y = vt_alloc(len);
	int fa = vt_open(a, O_RDONLY), fb = vt_open(b, O_RDONLY), rc = -EIO;

	if (fa >= 0 && fb >= 0 && x && y &&
	    !vt_pread_all(fa, x, len, aoff) && !vt_pread_all(fb, y, len, boff))
		rc = memcmp(x, y, len) ? 1 : 0;
	if (fa >= 0)
		vt_close(fa);
	if (fb >= 0)
		vt_close(fb);
	free(x);
	free(y);
	return rc;
}

/* Copy [soff, soff + len) of device @src to @doff of @dst, O_DIRECT. */
int ctl_copy(const char *src, uint64_t soff, const char *dst, uint64_t doff,
		    size_t len)
{
	uint8_t *x = vt_alloc(len);
	int fs = vt_open(src, O_RDONLY), fd = vt_open(dst, O_RDWR), rc = -EIO;

	if (fs >= 0 && fd >= 0 && x && !vt_pread_all(fs, x, len, soff))
		rc = vt_pwrite_all(fd, x, len, doff);
	if (fs >= 0)
		vt_close(fs);
	if (fd >= 0)
		vt_close(fd);
	free(x);
	return rc;
}

