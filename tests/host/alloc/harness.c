// SPDX-License-Identifier: GPL-2.0
/* Loopback harness for vvmpd tests (see harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

char test_tmp[128];

void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static pid_t spawn(char **argv, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int mgr_start(struct mgr *m, const char *san_id, ...)
{
	static int seq;
	char *argv[64], ready[300], db[300];
	int argc = 0;
	va_list ap;

	memset(m, 0, sizeof(*m));
	snprintf(m->dir, sizeof(m->dir), "%s/mgr%d", test_tmp, seq++);
	mkdir(m->dir, 0755);
	snprintf(m->log, sizeof(m->log), "%s/vvmpd.log", m->dir);
	snprintf(m->ctl, sizeof(m->ctl), "%s/ctl.sock", m->dir);
	snprintf(ready, sizeof(ready), "%s/ready", m->dir);
	snprintf(db, sizeof(db), "%s/vvmpd.db", m->dir);
	argv[argc++] = "./vvmpd-test";
	argv[argc++] = "--db"; argv[argc++] = db;
	argv[argc++] = "--ctl"; argv[argc++] = m->ctl;
	argv[argc++] = "--tcp-port"; argv[argc++] = "0";
	argv[argc++] = "--udp-port"; argv[argc++] = "0";
	argv[argc++] = "--san-id"; argv[argc++] = (char *)san_id;
	argv[argc++] = "--heartbeat-ms"; argv[argc++] = "200";
	argv[argc++] = "--grace-ms"; argv[argc++] = "300";
	argv[argc++] = "--udp-retry-ms"; argv[argc++] = "50";
	argv[argc++] = "--ready-file"; argv[argc++] = ready;
	argv[argc++] = "-v";
	va_start(ap, san_id);
	for (char *a; (a = va_arg(ap, char *)) && argc < 62;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	m->pid = spawn(argv, m->log);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(ready, "r");
		unsigned int t, u;

		if (f && fscanf(f, "tcp=%u udp=%u", &t, &u) == 2) {
			fclose(f);
			m->tcp = (uint16_t)t;
			m->udp = (uint16_t)u;
			return 0;
		}
		if (f)
			fclose(f);
		msleep(10);
	}
	fprintf(stderr, "  vvmpd did not start (see %s)\n", m->log);
	return -1;
}

void mgr_stop(struct mgr *m)
{
	int st;

	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, &st, 0);
	}
	m->pid = 0;
}

int unit_set_volumes(struct unit *u, const char *vols)
{
	char tmp[310];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", u->volumes);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(vols, f);
	fclose(f);
	return rename(tmp, u->volumes);
}

int unit_start(struct unit *u, const struct mgr *m, const char *name, const char *vols, ...)
{
	char *argv[48], addr[64], log[300];
	int argc = 0;
	va_list ap;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->volumes, sizeof(u->volumes), "%s/%s.volumes", test_tmp, name);
	snprintf(u->state, sizeof(u->state), "%s/%s.state", test_tmp, name);
	snprintf(log, sizeof(log), "%s/%s.log", test_tmp, name);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", m->udp);
	unlink(u->state);
	if (unit_set_volumes(u, vols))
		return -1;
	argv[argc++] = "./vvmp-unit-test";
	argv[argc++] = "--manager"; argv[argc++] = addr;
	argv[argc++] = "--name"; argv[argc++] = u->name;
	argv[argc++] = "--volumes"; argv[argc++] = u->volumes;
	argv[argc++] = "--state-file"; argv[argc++] = u->state;
	argv[argc++] = "--retry-ms"; argv[argc++] = "50";
	va_start(ap, vols);
	for (char *a; (a = va_arg(ap, char *)) && argc < 46;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	u->pid = spawn(argv, log);
	return u->pid > 0 ? 0 : -1;
}

void unit_signal(struct unit *u, int sig)
{
	if (u->pid > 0)
		kill(u->pid, sig);
}

void unit_wait(struct unit *u)
{
	int st;

	if (u->pid > 0)
		waitpid(u->pid, &st, 0);
	u->pid = 0;
}

int unit_state(const struct unit *u, char *buf, size_t len)
{
	FILE *f = fopen(u->state, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

int call(struct vvmp_conn *c, struct vvmp_msg *req, struct vvmp_msg *rep)
{
	int err = vvmp_call(c, req, rep, 10000);

	return err ? -1 : rep->hdr.status;
}

int client_open(struct vvmp_conn *c, const struct mgr *m, uint32_t domain, const char *key,
		const char *host, uint32_t boot_id, uint32_t *session_id)
{
	struct vvmp_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
	int st;

	if (vvmp_conn_open(c, "127.0.0.1", m->tcp, domain ? domain : 1, key, 5000)) {
		free(req);
		free(rep);
		return -1;
	}
	req->hdr.opcode = VVMP_OP_INITIALIZE;
	req->body.init_req.client_boot_id = boot_id;
	vvmp_set_text(req->body.init_req.host, VVMP_HOST_LEN, host);
	st = call(c, req, rep);
	if (!st && session_id)
		*session_id = rep->body.init_rep.session_id;
	free(req);
	free(rep);
	return st;
}

int allocate_flags(struct vvmp_conn *c, uint32_t session, uint16_t sub, uint32_t type,
		   uint32_t access, uint64_t kb, uint32_t flags, struct vvmp_msg *rep)
{
	struct vvmp_msg req = { 0 };

	req.hdr.opcode = VVMP_OP_ALLOCATE;
	req.hdr.sub_opcode = sub;
	req.body.alloc_req = (struct vvmp_alloc_req){ .session_id = session, .storage_type = type,
						      .access = access, .capacity_kb = kb,
						      .flags = flags };
	return call(c, &req, rep);
}

int allocate(struct vvmp_conn *c, uint32_t session, uint16_t sub, uint32_t type,
	     uint32_t access, uint64_t kb, uint32_t members, uint32_t share,
	     struct vvmp_msg *rep)
{
	struct vvmp_msg req = { 0 };

	req.hdr.opcode = VVMP_OP_ALLOCATE;
	req.hdr.sub_opcode = sub;
	req.body.alloc_req = (struct vvmp_alloc_req){ .session_id = session, .storage_type = type,
						      .access = access, .capacity_kb = kb,
						      .members = members, .share_alloc_id = share };
	return call(c, &req, rep);
}

int free_alloc(struct vvmp_conn *c, uint32_t session, uint32_t alloc_id)
{
	struct vvmp_msg req = { 0 }, *rep = malloc(sizeof(*rep));
	int st;

	req.hdr.opcode = VVMP_OP_FREE;
	req.body.free_req = (struct vvmp_free_req){ session, alloc_id };
	st = call(c, &req, rep);
	free(rep);
	return st;
}

int query_san(struct vvmp_conn *c, struct vvmp_query_san_rep *out)
{
	struct vvmp_msg req = { 0 }, *rep = malloc(sizeof(*rep));
	int st;

	req.hdr.opcode = VVMP_OP_QUERY;
	req.hdr.sub_opcode = VVMP_QUERY_SAN;
	st = call(c, &req, rep);
	if (!st)
		*out = rep->body.san_rep;
	free(rep);
	return st;
}

int wait_pool(const struct mgr *m, uint32_t up, uint32_t vols, int timeout_ms)
{
	struct vvmp_conn *c = malloc(sizeof(*c));
	struct vvmp_query_san_rep s = { 0 };
	int ok = -1;

	if (!c || vvmp_conn_open(c, "127.0.0.1", m->tcp, 1, NULL, 5000)) {
		free(c);
		return -1;
	}
	for (int t = 0; t < timeout_ms; t += 20) {
		if (!query_san(c, &s) && s.units_up == up && s.volumes == vols) {
			ok = 0;
			break;
		}
		msleep(20);
	}
	if (ok)
		fprintf(stderr, "  pool: %u units up, %u volumes; wanted %u, %u\n", s.units_up,
			s.volumes, up, vols);
	vvmp_conn_close(c);
	free(c);
	return ok;
}

int ctl_request(const struct mgr *m, const char *req, char *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t got = 0;
	ssize_t n;

	if (strlen(m->ctl) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(sa.sun_path, m->ctl, strlen(m->ctl));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	close(fd);
	return 0;
}

int file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}
