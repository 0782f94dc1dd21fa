// SPDX-License-Identifier: GPL-2.0
/*
 * vvmp-client: a minimal VVMP client (the host side of an ALLOCATE), for
 * tests and scripts. Each run opens or resumes its session (same host name
 * and boot id), makes one request and prints the answer as key=value. With
 * a domain key (-k) every frame is signed and replay-protected: the run's
 * connection is one association (protocol section 3.5).
 *
 *   vvmp-client [OPTIONS] alloc KB [jbod|raid0|raid1|raid5] [MEMBERS]
 *   vvmp-client [OPTIONS] grow ID KB
 *   vvmp-client [OPTIONS] free ID
 *   OPTIONS: [-m HOST:PORT] [-H HOST] [-b BOOT_ID] [-d DOMAIN] [-k KEYHEX]
 *
 * Exit: 0 ok, 1 the manager refused (status printed) or is unreachable, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vvmp/proto.h>
#include "proto/frame_io.h"

static int usage(void)
{
	fputs("usage: vvmp-client [OPTIONS] alloc KB [jbod|raid0|raid1|raid5] [MEMBERS]\n"
	      "       vvmp-client [OPTIONS] grow ID KB\n"
	      "       vvmp-client [OPTIONS] free ID\n"
	      "options: -m HOST:PORT  manager (default 127.0.0.1:4811)\n"
	      "         -H HOST       host name of the session (default vvmp-client)\n"
	      "         -b BOOT_ID    boot id: the same one resumes the session (default 1)\n"
	      "         -d DOMAIN     storage domain (default 1)\n"
	      "         -k KEYHEX     the domain's key (2..128 hex digits): sign every frame\n",
	      stderr);
	return 2;
}

static int number(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

static int call(struct vvmp_conn *c, struct vvmp_msg *req, struct vvmp_msg *rep)
{
	int err = vvmp_call(c, req, rep, 10000);

	if (err) {
		fprintf(stderr, "vvmp-client: %s failed: %s\n", vvmp_opcode_str(req->hdr.opcode),
			err <= VVMP_IO_ERR(0) ? strerror(-(err - VVMP_IO_ERR(0))) : vvmp_err_str(err));
		return -1;
	}
	if (rep->hdr.status) {
		fprintf(stderr, "vvmp-client: %s refused: %s\n", vvmp_opcode_str(req->hdr.opcode),
			vvmp_status_str(rep->hdr.status));
		printf("status=%u\n", rep->hdr.status);
		return -1;
	}
	return 0;
}

static void print_alloc(const struct vvmp_alloc_rep *a)
{
	printf("alloc_id=%u session=%u capacity_kb=%llu members=%u extents=%u\n", a->alloc_id,
	       a->session_id, (unsigned long long)a->capacity_kb, a->members, a->extent_count);
}

int main(int argc, char **argv)
{
	const char *manager = "127.0.0.1", *host = "vvmp-client";
	unsigned long long port = VVMP_TCP_PORT, boot = 1, domain = 1, a = 0, b = 0;
	const char *key = NULL;
	struct vvmp_key parsed;
	static struct vvmp_msg req, rep;
	struct vvmp_conn conn;
	uint32_t session, type = 0;
	char mbuf[128];
	int i;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-m")) {
			char *colon;

			snprintf(mbuf, sizeof(mbuf), "%s", argv[i + 1]);
			colon = strrchr(mbuf, ':');
			if (!colon || number(colon + 1, &port) || port > 65535)
				return usage();
			*colon = '\0';
			manager = mbuf;
		} else if (!strcmp(argv[i], "-H")) {
			host = argv[i + 1];
		} else if (!strcmp(argv[i], "-b")) {
			if (number(argv[i + 1], &boot))
				return usage();
		} else if (!strcmp(argv[i], "-d")) {
			if (number(argv[i + 1], &domain) || !domain || domain > UINT32_MAX) {
				fprintf(stderr, "vvmp-client: -d wants a domain id 1..%u\n", UINT32_MAX);
				return 2;
			}
		} else if (!strcmp(argv[i], "-k")) {
			if (vvmp_key_from_hex(argv[i + 1], &parsed)) {
				fputs("vvmp-client: -k wants 2..128 hex digits\n", stderr);
				return 2;
			}
			key = argv[i + 1];
		} else {
			return usage();
		}
	}
	if (i + 1 >= argc || number(argv[i + 1], &a))
		return usage();
	if (!strcmp(argv[i], "alloc")) {
		const char *tname = i + 2 < argc ? argv[i + 2] : "jbod";

		type = !strcmp(tname, "jbod") ? VVMP_ST_JBOD : !strcmp(tname, "raid0") ?
		       VVMP_ST_RAID0 : !strcmp(tname, "raid1") ? VVMP_ST_RAID1 :
		       !strcmp(tname, "raid5") ? VVMP_ST_RAID5 : 0;
		if (!type ||
		    (i + 3 < argc && number(argv[i + 3], &b)) || i + 4 < argc)
			return usage();
	} else if (!strcmp(argv[i], "grow")) {
		if (i + 3 != argc || number(argv[i + 2], &b))
			return usage();
	} else if (strcmp(argv[i], "free") || i + 2 != argc) {
		return usage();
	}

	if (vvmp_conn_open(&conn, manager, (uint16_t)port, (uint32_t)domain, key, 5000)) {
		fprintf(stderr, "vvmp-client: cannot connect to %s:%llu\n", manager, port);
		return 1;
	}
	req.hdr.opcode = VVMP_OP_INITIALIZE;
	req.body.init_req.client_boot_id = (uint32_t)boot;
	vvmp_set_text(req.body.init_req.host, VVMP_HOST_LEN, host);
	if (call(&conn, &req, &rep))
		return 1;
	session = rep.body.init_rep.session_id;
	if (!strcmp(argv[i], "alloc")) {
		memset(&req, 0, sizeof(req));
		req.hdr.opcode = VVMP_OP_ALLOCATE;
		req.hdr.sub_opcode = VVMP_ALLOC_EXPANDABLE;
		req.body.alloc_req = (struct vvmp_alloc_req){
			.session_id = session, .storage_type = type,
			.access = VVMP_ACCESS_EXCLUSIVE, .capacity_kb = a, .members = (uint32_t)b,
		};
		if (call(&conn, &req, &rep))
			return 1;
		print_alloc(&rep.body.alloc_rep);
	} else if (!strcmp(argv[i], "grow")) {
		memset(&req, 0, sizeof(req));
		req.hdr.opcode = VVMP_OP_CHANGE_PARAMS;
		req.body.change_req = (struct vvmp_change_req){
			.session_id = session, .alloc_id = (uint32_t)a, .capacity_kb = b,
		};
		if (call(&conn, &req, &rep))
			return 1;
		print_alloc(&rep.body.alloc_rep);
	} else {
		memset(&req, 0, sizeof(req));
		req.hdr.opcode = VVMP_OP_FREE;
		req.body.free_req = (struct vvmp_free_req){ session, (uint32_t)a };
		if (call(&conn, &req, &rep))
			return 1;
		printf("freed=%llu\n", a);
	}
	vvmp_conn_close(&conn);
	return 0;
}
