// SPDX-License-Identifier: GPL-2.0
/*
 * NBD volumes: attached with nbd-client to a free /dev/nbdN, found again
 * through sysfs and /proc, detached with nbd-client -d.
 *
 * nbd-client runs in ioctl mode (-L, --nonetlink): its process then stays
 * as long as the connection, /sys/block/nbdN/pid names it, and its command
 * line says which server and export nbdN is connected to. That is how an
 * attachment is found again after a vvmpd restart without a state file
 * (the netlink mode leaves no such trace: its pid is that of a process
 * that has exited, and nbd-client 3.24 sets no backend identifier).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/remote.h"

#define NBD_DEFAULT_PORT	10809
#define NBD_ATTACH_MS		15000	/* nbd-client connect and negotiate */
#define NBD_SETTLE_MS		5000	/* for the pid file to (dis)appear */

/* One attach at a time picks a free device. */
static pthread_mutex_t nbd_pick_lock = PTHREAD_MUTEX_INITIALIZER;

/* The index N of a kernel name "nbdN", or -1. */
static int nbd_index(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "nbd", 3) || !isdigit((unsigned char)name[3]))
		return -1;
	n = strtol(name + 3, &end, 10);
	return *end || n > 65535 ? -1 : (int)n;
}

/* The pid of the nbd-client serving nbd@index; 0 if it is not connected. */
static long nbd_pid(int index)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/sys/block/nbd%d/pid", index);
	if (remote_sysfs_read(path, buf, sizeof(buf)))
		return 0;
	return strtol(buf, NULL, 10);
}

/* nbd-client options that take a value (short and long spellings). */
static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"N", "name", "b", "block-size", "t", "timeout", "C", "connections",
		"B", "size", "F", "certfile", "K", "keyfile", "A", "cacertfile",
		"H", "tlshostname", NULL,
	};

	for (int i = 0; with_value[i]; i++)
		if (!strcmp(opt, with_value[i]))
			return true;
	return false;
}

static bool same_host(const char *arg, const struct remote_addr *a)
{
	unsigned char x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];

	if (inet_pton(a->family, arg, x) != 1 || inet_pton(a->family, a->host, y) != 1)
		return !strcmp(arg, a->host);
	return !memcmp(x, y, a->family == AF_INET ? 4 : 16);
}

bool remote_nbd_cmdline_matches(const char *cmdline, size_t len, const char *device,
				const struct remote_addr *a)
{
	const char *pos[3] = { NULL }, *export_name = "", *prog, *slash;
	unsigned long port = NBD_DEFAULT_PORT;
	size_t off = 0;
	int npos = 0;

	if (!len || cmdline[len - 1])
		return false;			/* not NUL-terminated: cut short */
	prog = cmdline;
	slash = strrchr(prog, '/');
	if (strcmp(slash ? slash + 1 : prog, "nbd-client"))
		return false;
	off = strlen(prog) + 1;
	while (off < len) {
		const char *arg = cmdline + off, *opt, *eq;

		off += strlen(arg) + 1;
		if (arg[0] != '-' || !arg[1]) {
			if (npos == 3)
				return false;
			pos[npos++] = arg;
			continue;
		}
		opt = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(opt, '=');
		if (eq) {			/* --name=EXPORT */
			if (!strncmp(opt, "name", 4) && eq == opt + 4)
				export_name = eq + 1;
			continue;
		}
		if (!takes_value(opt))
			continue;
		if (off >= len)
			return false;
		if (!strcmp(opt, "N") || !strcmp(opt, "name"))
			export_name = cmdline + off;
		off += strlen(cmdline + off) + 1;
	}
	/* HOST [PORT] DEVICE */
	if (npos == 3) {
		char *end;

		port = strtoul(pos[1], &end, 10);
		if (*end)
			return false;
		pos[1] = pos[2];
	} else if (npos != 2) {
		return false;
	}
	return same_host(pos[0], a) && port == a->port && !strcmp(pos[1], device) &&
	       !strcmp(export_name, a->name);
}

/* Whether nbd@index is connected by an nbd-client for @a. */
static bool nbd_serves(int index, const struct remote_addr *a)
{
	char path[64], device[32], cmdline[4096];
	long pid = nbd_pid(index);
	ssize_t len;
	int fd;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, cmdline, sizeof(cmdline));
	close(fd);
	if (len <= 0)
		return false;
	snprintf(device, sizeof(device), "/dev/nbd%d", index);
	return remote_nbd_cmdline_matches(cmdline, (size_t)len, device, a);
}

int remote_nbd_find(const struct remote_addr *a, struct remote_dev *dev)
{
	DIR *dir = opendir("/sys/block");
	struct dirent *de;
	int err = -ENOENT;

	if (!dir)
		return -ENOENT;
	while ((de = readdir(dir))) {
		int index = nbd_index(de->d_name);

		if (index < 0 || !nbd_serves(index, a))
			continue;
		err = remote_dev_read(de->d_name, dev);
		if (!err) {
			dev->id = index;
			break;
		}
	}
	closedir(dir);
	return err;
}

/* Whether nbd@index has a size (set once its nbd-client runs the connection). */
static bool nbd_sized(int index)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/sys/block/nbd%d/size", index);
	return !remote_sysfs_read(path, buf, sizeof(buf)) && strtoull(buf, NULL, 10) > 0;
}

/* Until nbd@index is connected with its size (@up) or not; false if not in time. */
static bool nbd_settle(int index, bool up)
{
	for (int ms = 0; ms < NBD_SETTLE_MS; ms += 20) {
		if (up ? nbd_pid(index) > 0 && nbd_sized(index) : !nbd_pid(index))
			return true;
		usleep(20000);
	}
	return false;
}

int remote_nbd_attach(const struct remote_addr *a, struct remote_dev *dev,
		      char *why, size_t why_len)
{
	char name[16], path[32], port[8], msg[REMOTE_MSG_LEN];
	int err, rc, index;

	err = remote_modprobe("nbd", why, why_len);
	if (err)
		return err;
	pthread_mutex_lock(&nbd_pick_lock);
	for (index = 0;; index++) {
		snprintf(name, sizeof(name), "nbd%d", index);
		if (remote_dev_read(name, dev)) {
			snprintf(why, why_len, "no free NBD device (nbd0..nbd%d connected)",
				 index - 1);
			err = -ENOSPC;
			goto out;
		}
		if (!nbd_pid(index))
			break;
	}
	err = remote_dev_node(dev, path, sizeof(path));
	if (err) {
		snprintf(why, why_len, "/dev/%s: %s", name, strerror(-err));
		goto out;
	}
	snprintf(port, sizeof(port), "%u", a->port);
	{
		const char *argv[] = {
			"nbd-client", "-L", a->host, port, path,
			a->name[0] ? "-N" : NULL, a->name, NULL,
		};

		rc = remote_run(argv, NBD_ATTACH_MS, msg, sizeof(msg));
	}
	if (rc) {
		snprintf(why, why_len, "nbd-client: %s", msg[0] ? msg : "failed");
		err = rc < 0 ? rc : -EIO;
		goto out;
	}
	if (!nbd_settle(index, true) || remote_dev_read(name, dev)) {
		snprintf(why, why_len, "nbd-client succeeded but %s is not connected", name);
		err = -EIO;
		goto out;
	}
	dev->id = index;
out:
	pthread_mutex_unlock(&nbd_pick_lock);
	return err;
}

int remote_nbd_detach(const struct remote_dev *dev, char *why, size_t why_len)
{
	char path[32], msg[REMOTE_MSG_LEN];
	const char *argv[] = { "nbd-client", "-d", path, NULL };
	int err = remote_dev_node(dev, path, sizeof(path)), rc;

	if (err) {
		snprintf(why, why_len, "/dev/%s: %s", dev->name, strerror(-err));
		return err;
	}
	rc = remote_run(argv, NBD_ATTACH_MS, msg, sizeof(msg));
	if (rc) {
		snprintf(why, why_len, "nbd-client -d: %s", msg[0] ? msg : "failed");
		return rc < 0 ? rc : -EIO;
	}
	if (!nbd_settle(dev->id, false)) {
		snprintf(why, why_len, "%s still connected after nbd-client -d", dev->name);
		return -EBUSY;
	}
	return 0;
}
