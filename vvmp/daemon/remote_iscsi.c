// SPDX-License-Identifier: GPL-2.0
/*
 * iSCSI volumes: a session to the target's portal (iscsiadm discovery,
 * then node login, through open-iscsi's iscsid), whose LUN 0 SCSI disk
 * holds the volume; found again through sysfs (iscsi_session and
 * iscsi_connection classes, then the session's SCSI target), logged out
 * with iscsiadm -m session -r SID -u. sysfs, not /dev/disk/by-path: there
 * may be no udev.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/remote.h"

#define ISCSI_DISCOVERY_MS	15000
#define ISCSI_LOGIN_MS		30000
#define ISCSI_DISK_MS		15000	/* for the LUN's disk to appear after login */
#define ISCSI_SETTLE_MS		10000	/* for the session to go after logout */

#define SESSIONS		"/sys/class/iscsi_session"

/* The block device of LUN 0 under session @sid's SCSI target(s); -errno. */
static int session_disk(int sid, struct remote_dev *dev)
{
	char path[640];		/* two d_names fit */
	struct dirent *t;
	DIR *sd;
	int err = -EAGAIN;

	snprintf(path, sizeof(path), SESSIONS "/session%d/device", sid);
	sd = opendir(path);
	if (!sd)
		return -ENOENT;
	while (err && (t = readdir(sd))) {
		unsigned int h, c, i, lun;
		struct dirent *l;
		DIR *td;

		if (strncmp(t->d_name, "target", 6))
			continue;
		snprintf(path, sizeof(path), SESSIONS "/session%d/device/%s", sid, t->d_name);
		td = opendir(path);
		if (!td)
			continue;
		while (err && (l = readdir(td))) {
			struct dirent *b;
			DIR *bd;
			int end = 0;

			if (sscanf(l->d_name, "%u:%u:%u:%u%n", &h, &c, &i, &lun, &end) != 4 ||
			    l->d_name[end] || lun)
				continue;
			snprintf(path, sizeof(path), SESSIONS "/session%d/device/%s/%s/block", sid,
				 t->d_name, l->d_name);
			bd = opendir(path);
			if (!bd)
				continue;	/* no disk (yet): sd_mod, or the scan is running */
			while (err && (b = readdir(bd)))
				if (b->d_name[0] != '.')
					err = remote_dev_read(b->d_name, dev);
			closedir(bd);
		}
		closedir(td);
	}
	closedir(sd);
	if (!err)
		dev->id = sid;
	return err;
}

static bool same_host(const char *text, const struct remote_addr *a)
{
	unsigned char x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];

	if (inet_pton(a->family, text, x) != 1 || inet_pton(a->family, a->host, y) != 1)
		return false;
	return !memcmp(x, y, a->family == AF_INET ? 4 : 16);
}

/* Whether session @sid is logged in to @a's target through @a's portal. */
static bool session_matches(int sid, const struct remote_addr *a)
{
	char path[128], buf[256];

	snprintf(path, sizeof(path), SESSIONS "/session%d/targetname", sid);
	if (remote_sysfs_read(path, buf, sizeof(buf)) || strcasecmp(buf, a->name))
		return false;
	snprintf(path, sizeof(path), "/sys/class/iscsi_connection/connection%d:0/persistent_address",
		 sid);
	if (remote_sysfs_read(path, buf, sizeof(buf)) || !same_host(buf, a))
		return false;
	snprintf(path, sizeof(path), "/sys/class/iscsi_connection/connection%d:0/persistent_port",
		 sid);
	return !remote_sysfs_read(path, buf, sizeof(buf)) && strtoul(buf, NULL, 10) == a->port;
}

/* 0 with the disk, -EAGAIN if a session exists without its disk, -ENOENT. */
int remote_iscsi_find(const struct remote_addr *a, struct remote_dev *dev)
{
	DIR *dir = opendir(SESSIONS);
	struct dirent *de;
	int err = -ENOENT;

	if (!dir)
		return -ENOENT;
	while (err && (de = readdir(dir))) {
		int sid, end = 0;

		if (sscanf(de->d_name, "session%d%n", &sid, &end) != 1 || de->d_name[end] ||
		    !session_matches(sid, a))
			continue;
		err = session_disk(sid, dev);
		if (err && err != -EAGAIN)
			err = -ENOENT;
	}
	closedir(dir);
	return err;
}

/* The number of the session logged in to @a (even without a disk), or -1. */
static int find_session(const struct remote_addr *a)
{
	DIR *dir = opendir(SESSIONS);
	struct dirent *de;
	int found = -1;

	if (!dir)
		return -1;
	while (found < 0 && (de = readdir(dir))) {
		int sid, end = 0;

		if (sscanf(de->d_name, "session%d%n", &sid, &end) == 1 && !de->d_name[end] &&
		    session_matches(sid, a))
			found = sid;
	}
	closedir(dir);
	return found;
}

static int run_iscsiadm(const char *const argv[], unsigned int timeout_ms, const char *what,
			char *why, size_t why_len)
{
	char msg[REMOTE_MSG_LEN];
	int rc = remote_run(argv, timeout_ms, msg, sizeof(msg));

	if (!rc)
		return 0;
	snprintf(why, why_len, "iscsiadm %s: %s", what, msg[0] ? msg : "failed");
	return rc < 0 ? rc : -EIO;
}

static int logout(int sid, char *why, size_t why_len)
{
	char sid_text[16], path[64];
	const char *argv[] = { "iscsiadm", "-m", "session", "-r", sid_text, "-u", NULL };
	struct stat st;
	int err;

	snprintf(sid_text, sizeof(sid_text), "%d", sid);
	err = run_iscsiadm(argv, ISCSI_LOGIN_MS, "logout", why, why_len);
	if (err)
		return err;
	snprintf(path, sizeof(path), SESSIONS "/session%d", sid);
	for (int ms = 0; ms < ISCSI_SETTLE_MS; ms += 20) {
		if (stat(path, &st))
			return 0;
		usleep(20000);
	}
	snprintf(why, why_len, "session %d still there after logout", sid);
	return -EBUSY;
}

int remote_iscsi_attach(const struct remote_addr *a, struct remote_dev *dev,
			char *why, size_t why_len)
{
	char portal[INET6_ADDRSTRLEN + 8], ignored[REMOTE_MSG_LEN];
	const char *discover[] = {
		"iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", portal, NULL,
	};
	const char *login[] = {
		"iscsiadm", "-m", "node", "-T", a->name, "-p", portal, "--login", NULL,
	};
	bool logged_in = false;
	int err, sid;

	err = remote_modprobe("iscsi_tcp", why, why_len);
	if (!err)
		err = remote_modprobe("sd_mod", why, why_len);
	if (err)
		return err;
	remote_portal(a, portal, sizeof(portal));
	err = remote_iscsi_find(a, dev);
	if (err == -ENOENT) {
		err = run_iscsiadm(discover, ISCSI_DISCOVERY_MS, "discovery", why, why_len);
		if (!err)
			err = run_iscsiadm(login, ISCSI_LOGIN_MS, "login", why, why_len);
		if (err)
			return err;
		logged_in = true;
		err = -EAGAIN;
	}
	/* The kernel scans the new session's target asynchronously. */
	for (int ms = 0; (err == -EAGAIN || (err == -ENOENT && logged_in)) && ms < ISCSI_DISK_MS;
	     ms += 50) {
		usleep(50000);
		err = remote_iscsi_find(a, dev);
	}
	if (!err)
		return 0;
	sid = find_session(a);
	snprintf(why, why_len, "session %d to %s has no LUN 0 disk", sid, a->name);
	if (logged_in && sid >= 0)
		logout(sid, ignored, sizeof(ignored));
	return -ENODEV;
}

int remote_iscsi_detach(const struct remote_dev *dev, char *why, size_t why_len)
{
	return logout(dev->id, why, why_len);
}
