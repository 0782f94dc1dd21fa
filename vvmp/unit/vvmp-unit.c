// SPDX-License-Identifier: GPL-2.0
/*
 * vvmp-unit: the storage-unit agent. Announces the unit to a manager over
 * UDP (UNIT_UP), answers NEED_INFO with its volumes (VOLUME_LIST), sends
 * heartbeats, records the ranges the manager assigns (ASSIGN), and says
 * UNIT_DOWN on SIGTERM/SIGINT. Every request is retransmitted until
 * answered (Documentation/vvmp-protocol.rst section 8). SIGHUP re-reads the
 * volumes file and sends the new list (capacity grows without a restart).
 *
 * With a key, each UNIT_UP opens a new association with the manager and
 * every later frame is the next number in it; a retransmission is signed
 * anew (a new number), never sent twice byte for byte (section 3.5).
 *
 * Volumes file: one volume per line, "ID TRANSPORT START_LBA LENGTH_LBA
 * [ADDRESS]", TRANSPORT one of local, nbd, iscsi; '#' starts a comment.
 * ADDRESS is a block device for local, HOST:PORT[/EXPORT] for nbd and
 * HOST:PORT,TARGET for iscsi, HOST numeric (Documentation/vvmpd.rst
 * "Remote volumes": the manager checks them and attaches them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vvmp/proto.h>
#include "proto/frame_io.h"

#define MAX_ASSIGN 256

struct assignment {
	uint32_t alloc_id, client_id, volume_id, member;
	uint64_t start_lba, length_lba;
	char host[VVMP_HOST_LEN];
};

/* An outstanding request of ours: retransmitted until its reply. */
struct outstanding {
	bool active;
	uint16_t opcode;
	uint32_t transaction_id;
	uint8_t frame[VVMP_MAX_FRAME];
	size_t len;
	int attempts;
	uint64_t next_ms;
};

static struct {
	const char *manager, *name, *volumes_file, *state_file;
	uint32_t domain_id, storage_type, bandwidth_kb, load_pct;
	struct vvmp_key key;
	uint32_t retry_ms;
	int attempts, loss_pct;
	uint32_t loss_state;
	int verbose;
} opt = { .domain_id = 1, .storage_type = VVMP_ST_JBOD, .retry_ms = 200, .attempts = 6 };

static int sock = -1;
static struct sockaddr_storage mgr;
static socklen_t mgr_len;
static uint32_t boot_id, unit_id, heartbeat_ms = 1000, next_txn = 1;
static struct vvmp_volume_list_req volumes;
static struct assignment assignments[MAX_ASSIGN];
static int nassign;
static struct outstanding out_up, out_list, out_down;
static struct vvmp_assoc assoc;		/* with the manager (keyed domains) */
static volatile sig_atomic_t got_term, got_hup;
static bool list_wanted;		/* NEED_INFO came before we knew our id */
static enum { CONNECTING, RUNNING } state = CONNECTING;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vvmp-unit %s: %s\n", opt.name, line);
}

static int load_volumes(void)
{
	FILE *f = fopen(opt.volumes_file, "r");
	struct vvmp_volume_list_req l = { 0 };
	char line[256];
	int lineno = 0;

	if (!f) {
		logf_("cannot open %s: %s", opt.volumes_file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char tr[16], addr[VVMP_ADDR_LEN] = "";
		unsigned long long start, len;
		unsigned int id;
		struct vvmp_volume *v;
		int n;

		lineno++;
		line[strcspn(line, "#\n")] = 0;
		n = sscanf(line, "%u %15s %llu %llu %63s", &id, tr, &start, &len, addr);
		if (n <= 0)
			continue;
		if (n < 4 || l.count >= VVMP_MAX_VOLUMES || !len) {
			logf_("%s:%d: expected ID TRANSPORT START_LBA LENGTH_LBA [ADDRESS]",
			      opt.volumes_file, lineno);
			fclose(f);
			return -1;
		}
		v = &l.volumes[l.count++];
		v->volume_id = id;
		v->transport = !strcmp(tr, "local") ? VVMP_TR_LOCAL : !strcmp(tr, "nbd") ?
			       VVMP_TR_NBD : !strcmp(tr, "iscsi") ? VVMP_TR_ISCSI : 0;
		if (!v->transport || (v->transport != VVMP_TR_LOCAL && !addr[0])) {
			logf_("%s:%d: transport local|nbd|iscsi (nbd/iscsi need an address)",
			      opt.volumes_file, lineno);
			fclose(f);
			return -1;
		}
		v->start_lba = start;
		v->length_lba = len;
		v->end_lba = start + len - 1;
		vvmp_set_text(v->address, sizeof(v->address), addr);
	}
	fclose(f);
	volumes = l;
	return 0;
}

/* The assignment table as JSON, replaced atomically, for hosts' tools and tests. */
static void write_state(void)
{
	char tmp[4096];
	FILE *f;

	if (!opt.state_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.state_file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"unit_id\":%u,\"state\":\"%s\",\"volumes\":%u,\"assignments\":[", unit_id,
		state == RUNNING ? "up" : "connecting", volumes.count);
	for (int i = 0; i < nassign; i++)
		fprintf(f, "%s{\"alloc_id\":%u,\"client_id\":%u,\"volume_id\":%u,\"member\":%u,"
			"\"start_lba\":%llu,\"length_lba\":%llu,\"host\":\"%s\"}", i ? "," : "",
			assignments[i].alloc_id, assignments[i].client_id, assignments[i].volume_id,
			assignments[i].member, (unsigned long long)assignments[i].start_lba,
			(unsigned long long)assignments[i].length_lba, assignments[i].host);
	fputs("]}\n", f);
	if (!fclose(f))
		rename(tmp, opt.state_file);
}

static bool lose(void)
{
	if (!opt.loss_pct)
		return false;
	opt.loss_state = opt.loss_state * 1103515245u + 12345u;
	return (opt.loss_state >> 16) % 100 < (uint32_t)opt.loss_pct;
}

static void send_unit_up(void);

/* Only UNIT_UP opens an association; everything else is numbered in it. */
static bool is_opening(uint16_t opcode, uint8_t flags)
{
	return opcode == VVMP_OP_UNIT_UP && !(flags & VVMP_F_REPLY);
}

static void send_msg(struct vvmp_msg *m, struct outstanding *o)
{
	uint8_t buf[VVMP_MAX_FRAME];
	long n;

	m->hdr.domain_id = opt.domain_id;
	/* A reply echoes the request's client_id (our id, as the manager knows it). */
	if (!(m->hdr.flags & VVMP_F_REPLY)) {
		m->hdr.client_id = unit_id;
		m->hdr.transaction_id = next_txn++;
	}
	if (opt.key.len && vvmp_assoc_sign(&assoc, is_opening(m->hdr.opcode, m->hdr.flags),
					   &m->auth)) {
		logf_("association with the manager used up: announcing again");
		send_unit_up();
		return;
	}
	n = vvmp_encode(m, &opt.key, o ? o->frame : buf, o ? sizeof(o->frame) : sizeof(buf));
	if (n < 0) {
		logf_("cannot encode %s: %s", vvmp_opcode_str(m->hdr.opcode), vvmp_err_str((int)n));
		return;
	}
	if (o) {
		o->active = true;
		o->opcode = m->hdr.opcode;
		o->transaction_id = m->hdr.transaction_id;
		o->len = (size_t)n;
		o->attempts = 1;
		o->next_ms = vvmp_now_ms() + opt.retry_ms;
	}
	sendto(sock, o ? o->frame : buf, (size_t)n, 0, (struct sockaddr *)&mgr, mgr_len);
}

/* (Re)announce the unit: a new association, opened by this UNIT_UP. */
static void send_unit_up(void)
{
	struct vvmp_msg m = { 0 };

	state = CONNECTING;
	if (opt.key.len && vvmp_assoc_new(&assoc)) {
		logf_("no random bytes for an association id");
		return;
	}
	m.hdr.opcode = VVMP_OP_UNIT_UP;
	m.body.unit_up_req = (struct vvmp_unit_up_req){ boot_id, opt.storage_type,
							opt.bandwidth_kb, opt.load_pct, "" };
	vvmp_set_text(m.body.unit_up_req.name, VVMP_NAME_LEN, opt.name);
	send_msg(&m, &out_up);
}

static void send_volume_list(void)
{
	struct vvmp_msg m = { 0 };

	m.hdr.opcode = VVMP_OP_VOLUME_LIST;
	m.body.volume_list_req = volumes;
	m.body.volume_list_req.unit_id = unit_id;
	send_msg(&m, &out_list);
}

static void send_reply(const struct vvmp_msg *req, uint16_t status)
{
	struct vvmp_msg rep;

	vvmp_reply_init(&rep, &req->hdr, status);
	send_msg(&rep, NULL);
}

static void assign(const struct vvmp_msg *m)
{
	const struct vvmp_assign_req *a = &m->body.assign_req;

	for (int i = 0; i < nassign; i++) {
		struct assignment *x = &assignments[i];

		if (x->alloc_id != a->alloc_id || x->volume_id != a->volume_id)
			continue;
		if (m->hdr.sub_opcode == VVMP_ASSIGN_RELEASE &&
		    a->start_lba >= x->start_lba &&
		    a->start_lba + a->length_lba == x->start_lba + x->length_lba) {
			/* Release of the whole range or of its tail. */
			x->length_lba -= a->length_lba;
			if (!x->length_lba)
				assignments[i] = assignments[--nassign];
			write_state();
			return;
		}
		if (m->hdr.sub_opcode == VVMP_ASSIGN_ADD && x->start_lba == a->start_lba)
			return;		/* a retransmission */
	}
	if (m->hdr.sub_opcode == VVMP_ASSIGN_ADD && nassign < MAX_ASSIGN) {
		assignments[nassign++] = (struct assignment){ a->alloc_id, a->client_id,
							      a->volume_id, a->member, a->start_lba,
							      a->length_lba, "" };
		memcpy(assignments[nassign - 1].host, a->host, VVMP_HOST_LEN);
		if (opt.verbose)
			logf_("volume %u [%llu +%llu] assigned to %s (allocation %u)", a->volume_id,
			      (unsigned long long)a->start_lba, (unsigned long long)a->length_lba,
			      a->host, a->alloc_id);
	}
	write_state();
}

static void receive(void)
{
	uint8_t buf[VVMP_MAX_FRAME];
	struct vvmp_msg *m = malloc(sizeof(*m));
	ssize_t len = recv(sock, buf, sizeof(buf), 0);

	const char *why = NULL;
	int err;

	if (!m || len <= 0 || lose() || vvmp_decode(buf, (size_t)len, m)) {
		free(m);
		return;
	}
	/* Refusals are unsigned error replies; anything else must be fresh in our association. */
	if ((m->hdr.flags & VVMP_F_REPLY) && m->hdr.status && !(buf[3] & VVMP_F_AUTH))
		err = 0;
	else
		err = vvmp_auth_check(buf, (size_t)len, &opt.key, &assoc, &why);
	if (err) {
		if (err == VVMP_E_REPLAY)
			logf_("refused %s%s from the manager: %s", vvmp_opcode_str(m->hdr.opcode),
			      (m->hdr.flags & VVMP_F_REPLY) ? " reply" : "", why);
		free(m);
		return;
	}
	if (m->hdr.flags & VVMP_F_REPLY) {
		struct outstanding *o = out_up.active && m->hdr.transaction_id == out_up.transaction_id ?
					&out_up : out_list.active &&
					m->hdr.transaction_id == out_list.transaction_id ? &out_list :
					out_down.active &&
					m->hdr.transaction_id == out_down.transaction_id ? &out_down : NULL;

		/*
		 * A UNIT_UP refused as REPLAYED (the manager restarted after we
		 * signed it, or our clocks disagree): keep retransmitting, each
		 * one a new opening.
		 */
		if (o && !(o == &out_up && m->hdr.status == VVMP_S_REPLAYED))
			o->active = false;
		if (m->hdr.opcode == VVMP_OP_UNIT_UP && o == &out_up && !m->hdr.status) {
			unit_id = m->body.unit_up_rep.unit_id;
			heartbeat_ms = m->body.unit_up_rep.heartbeat_ms;
			state = RUNNING;
			logf_("up as unit %u (heartbeat %u ms)", unit_id, heartbeat_ms);
			write_state();
			if (list_wanted)
				send_volume_list();
			list_wanted = false;
		} else if (m->hdr.opcode == VVMP_OP_HEARTBEAT && m->hdr.status == VVMP_S_NOT_FOUND &&
			   state == RUNNING) {
			logf_("manager does not know us: announcing again");
			send_unit_up();
		} else if (m->hdr.status == VVMP_S_REPLAYED && m->hdr.opcode != VVMP_OP_UNIT_UP &&
			   state == RUNNING && !got_term) {
			/* The manager has no (or another) association with us, e.g. it restarted. */
			logf_("manager refused our %s as replayed: announcing again",
			      vvmp_opcode_str(m->hdr.opcode));
			send_unit_up();
		} else if (m->hdr.status) {
			logf_("%s refused: %s", vvmp_opcode_str(m->hdr.opcode),
			      vvmp_status_str(m->hdr.status));
		}
	} else if (m->hdr.opcode == VVMP_OP_NEED_INFO) {
		send_reply(m, VVMP_S_OK);
		/* Our UNIT_UP's reply was lost: the list follows once it arrives. */
		if (state == RUNNING)
			send_volume_list();
		else
			list_wanted = true;
	} else if (m->hdr.opcode == VVMP_OP_ASSIGN) {
		send_reply(m, VVMP_S_OK);
		assign(m);
	} else {
		send_reply(m, VVMP_S_UNKNOWN_OPCODE);
	}
	free(m);
}

/* Retransmit with exponential backoff; UNIT_UP keeps trying forever. */
static void retransmit(struct outstanding *o, uint64_t now)
{
	if (!o->active || now < o->next_ms)
		return;
	if (o->attempts >= opt.attempts) {
		if (o != &out_up) {
			logf_("%s unanswered after %d attempts", vvmp_opcode_str(o->opcode), o->attempts);
			o->active = false;
			return;
		}
		o->attempts = opt.attempts - 1;		/* cap the backoff */
	}
	o->next_ms = now + ((uint64_t)opt.retry_ms << o->attempts);
	o->attempts++;
	if (o->frame[3] & VVMP_F_AUTH) {
		/* Same transaction, new frame: the next number (UNIT_UP: a new opening). */
		struct vvmp_auth auth;

		if (vvmp_assoc_sign(&assoc, o == &out_up, &auth) ||
		    vvmp_auth_resign(o->frame, o->len, &opt.key, &auth)) {
			o->active = false;
			return;
		}
	}
	sendto(sock, o->frame, o->len, 0, (struct sockaddr *)&mgr, mgr_len);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static int resolve(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return -1;
	memcpy(&mgr, res->ai_addr, res->ai_addrlen);
	mgr_len = res->ai_addrlen;
	sock = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	freeaddrinfo(res);
	return sock < 0 ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vvmp-unit --manager HOST:PORT --name NAME --volumes FILE [options]\n"
		"  --domain ID  --key HEX  --type jbod|raid0|raid1|raid5  --bandwidth KBps\n"
		"  --load PCT  --state-file PATH  --retry-ms N  --attempts N\n"
		"  --loss PCT  --seed N  (simulated loss of received datagrams)  -v\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "manager", 1, 0, 'm' }, { "name", 1, 0, 'n' }, { "volumes", 1, 0, 'V' },
		{ "state-file", 1, 0, 'S' }, { "domain", 1, 0, 'd' }, { "key", 1, 0, 'k' },
		{ "type", 1, 0, 't' }, { "bandwidth", 1, 0, 'b' }, { "load", 1, 0, 'l' },
		{ "retry-ms", 1, 0, 'r' }, { "attempts", 1, 0, 'a' }, { "loss", 1, 0, 'L' },
		{ "seed", 1, 0, 's' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' }, { 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t last_hb = 0;
	int o;

	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 'm': opt.manager = optarg; break;
		case 'n': opt.name = optarg; break;
		case 'V': opt.volumes_file = optarg; break;
		case 'S': opt.state_file = optarg; break;
		case 'd': opt.domain_id = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'k':
			if (vvmp_key_from_hex(optarg, &opt.key)) {
				fprintf(stderr, "vvmp-unit: --key wants 2..128 hex digits\n");
				return 2;
			}
			break;
		case 't':
			opt.storage_type = !strcmp(optarg, "jbod") ? VVMP_ST_JBOD :
					   !strcmp(optarg, "raid0") ? VVMP_ST_RAID0 :
					   !strcmp(optarg, "raid1") ? VVMP_ST_RAID1 :
					   !strcmp(optarg, "raid5") ? VVMP_ST_RAID5 : 0;
			if (!opt.storage_type) {
				fprintf(stderr, "vvmp-unit: --type jbod|raid0|raid1|raid5\n");
				return 2;
			}
			break;
		case 'b': opt.bandwidth_kb = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'l': opt.load_pct = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': opt.retry_ms = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'a': opt.attempts = atoi(optarg); break;
		case 'L': opt.loss_pct = atoi(optarg); break;
		case 's': opt.loss_state = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'v': opt.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.manager || !opt.name || !opt.volumes_file || strlen(opt.name) >= VVMP_NAME_LEN ||
	    opt.load_pct > 100 || !opt.retry_ms || opt.attempts < 1 || opt.attempts > 20 ||
	    opt.loss_pct < 0 || opt.loss_pct > 100) {
		usage(stderr);
		return 2;
	}
	if (load_volumes())
		return 1;
	if (resolve(opt.manager)) {
		fprintf(stderr, "vvmp-unit: cannot resolve manager %s\n", opt.manager);
		return 1;
	}
	if (getrandom(&boot_id, sizeof(boot_id), 0) != sizeof(boot_id))
		boot_id = (uint32_t)getpid();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	write_state();
	send_unit_up();

	while (!got_term) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		uint64_t now;

		if (poll(&pfd, 1, 20) > 0)
			receive();
		now = vvmp_now_ms();
		retransmit(&out_up, now);
		retransmit(&out_list, now);
		if (got_hup) {
			got_hup = 0;
			if (!load_volumes() && state == RUNNING)
				send_volume_list();
			write_state();
		}
		if (state == RUNNING && now - last_hb >= heartbeat_ms) {
			struct vvmp_msg m = { 0 };

			last_hb = now;
			m.hdr.opcode = VVMP_OP_HEARTBEAT;
			m.body.heartbeat_req = (struct vvmp_heartbeat_req){ unit_id, opt.load_pct };
			send_msg(&m, NULL);	/* periodic: not retransmitted */
		}
	}
	/* Say goodbye, retransmitting until acknowledged or out of attempts. */
	if (state == RUNNING) {
		struct vvmp_msg m = { 0 };

		m.hdr.opcode = VVMP_OP_UNIT_DOWN;
		m.body.unit_ref.unit_id = unit_id;
		send_msg(&m, &out_down);
		while (out_down.active) {
			struct pollfd pfd = { .fd = sock, .events = POLLIN };

			if (poll(&pfd, 1, 20) > 0)
				receive();
			retransmit(&out_down, vvmp_now_ms());
		}
	}
	logf_("stopped");
	return 0;
}
