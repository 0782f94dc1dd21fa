/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Remote volumes (NBD, iSCSI): the address syntax, the external tools that
 * attach them (nbd-client, iscsiadm) and where an attachment shows in sysfs.
 * volume_dev.c decides when to attach and detach; the remote_*.c files only
 * know how. Documentation/vvmpd.rst "Remote volumes".
 */
#ifndef VVMPD_REMOTE_H
#define VVMPD_REMOTE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vvmp/proto.h>

/* A parsed, validated remote volume address. */
struct remote_addr {
	uint32_t transport;		/* VVMP_TR_NBD or VVMP_TR_ISCSI */
	int family;			/* AF_INET or AF_INET6 */
	char host[INET6_ADDRSTRLEN];	/* numeric, canonical (inet_ntop), no brackets */
	uint16_t port;
	char name[VVMP_ADDR_LEN];	/* NBD export ("": none) or iSCSI target name */
};

/* The host block device an attachment produced. */
struct remote_dev {
	char name[32];			/* kernel name: "nbd3", "sda" */
	unsigned int major, minor;
	uint64_t sectors;		/* its size */
	int id;				/* NBD index, or iSCSI session number */
};

/* Longest output line of a tool kept for an error reason. */
#define REMOTE_MSG_LEN		128

/*
 * remote_addr.c: parse @address of transport @transport (VVMP_TR_NBD:
 * "HOST:PORT[/EXPORT]", VVMP_TR_ISCSI: "HOST:PORT,TARGET"); 0, or -EINVAL
 * with what is wrong in @why.
 */
int remote_addr_parse(uint32_t transport, const char *address, struct remote_addr *out,
		      char *why, size_t why_len);
/* "HOST:PORT" as nbd-client and iscsiadm take it ("[v6]:PORT" for IPv6). */
void remote_portal(const struct remote_addr *a, char *out, size_t len);
/* "nbd 192.0.2.1:10809/x", "iscsi [::1]:3260,iqn..." for log lines. */
void remote_addr_str(const struct remote_addr *a, char *out, size_t len);

/*
 * remote_run.c: run @argv[0] (an absolute path or a name looked up in
 * PATH) with @argv, no shell, all descriptors but 0..2 closed, signals at
 * their defaults; killed after @timeout_ms. Its last non-empty output line
 * (stdout and stderr) is copied to @msg. Returns its exit status (0..255),
 * -ETIMEDOUT if it was killed, -ENOENT if it is not installed, -errno.
 */
int remote_run(const char *const argv[], unsigned int timeout_ms, char *msg, size_t msg_len);
/* remote_run() of "modprobe @module" unless /sys/module/@module exists. */
int remote_modprobe(const char *module, char *why, size_t why_len);

/* remote_sysfs.c: device numbers and size of /sys/block/@name. */
int remote_dev_read(const char *name, struct remote_dev *dev);
/* The /dev node of @dev in @path, made (mknod) if devtmpfs has none. */
int remote_dev_node(const struct remote_dev *dev, char *path, size_t len);
/* -EBUSY if something holds @dev open exclusively (a dm table, a mount), else 0. */
int remote_dev_busy(const struct remote_dev *dev);
/* First line of sysfs file @path without its newline; -errno. */
int remote_sysfs_read(const char *path, char *buf, size_t len);

/*
 * remote_nbd.c and remote_iscsi.c: find an existing attachment of @a (0,
 * or -ENOENT), attach it (0, or -errno with the reason in @why), detach
 * the attachment @dev. Find only reads sysfs and /proc: it is cheap and
 * runs under vvmpd's lock; attach and detach run tools and do not.
 */
int remote_nbd_find(const struct remote_addr *a, struct remote_dev *dev);
int remote_nbd_attach(const struct remote_addr *a, struct remote_dev *dev,
		      char *why, size_t why_len);
int remote_nbd_detach(const struct remote_dev *dev, char *why, size_t why_len);
/*
 * Whether nbd-client command line @cmdline (@len bytes, NUL-separated as in
 * /proc/PID/cmdline) connects @device ("/dev/nbd3") to @a.
 */
bool remote_nbd_cmdline_matches(const char *cmdline, size_t len, const char *device,
				const struct remote_addr *a);

int remote_iscsi_find(const struct remote_addr *a, struct remote_dev *dev);
int remote_iscsi_attach(const struct remote_addr *a, struct remote_dev *dev,
			char *why, size_t why_len);
int remote_iscsi_detach(const struct remote_dev *dev, char *why, size_t why_len);

#endif
