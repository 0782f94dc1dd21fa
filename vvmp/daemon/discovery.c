// SPDX-License-Identifier: GPL-2.0
/*
 * Storage-unit auto-configuration over UDP (Documentation/vvmp-protocol.rst
 * section 8), plus the daemon's timers: one thread receives unit messages,
 * retransmits the manager's own requests (NEED_INFO, ASSIGN) until
 * answered, marks units down whose heartbeats stopped, and ends sessions
 * whose grace period ran out. In a keyed domain each unit has one
 * association, opened by its UNIT_UP; every frame to or from the unit,
 * retransmissions included, is a new number in it (section 3.5).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/vvmpd_internal.h"

#define TICK_MS 20

struct vvmpd_unit_rt *vvmpd_unit_rt(struct vvmpd *d, uint32_t unit_id, bool create)
{
	struct vvmpd_unit_rt *p;

	for (size_t i = 0; i < d->nunits; i++)
		if (d->units[i].id == unit_id)
			return &d->units[i];
	if (!create)
		return NULL;
	p = realloc(d->units, (d->nunits + 1) * sizeof(*p));
	if (!p)
		return NULL;
	d->units = p;
	p = &d->units[d->nunits++];
	memset(p, 0, sizeof(*p));
	p->id = unit_id;
	return p;
}

static void addr_str(const struct sockaddr_in6 *sa, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &sa->sin6_addr, ip, sizeof(ip));
	snprintf(out, len, "[%s]:%u", ip, ntohs(sa->sin6_port));
}

/* Send @m, signed in @assoc (NULL: unsigned). */
static void send_frame(struct vvmpd *d, const struct sockaddr_in6 *to, struct vvmp_msg *m,
		       struct vvmp_assoc *assoc)
{
	const struct vvmp_key *key;
	uint8_t buf[1024];
	long n;

	m->hdr.src_san_id = d->cfg.san_id;
	m->hdr.server_id = d->cfg.server_id;
	if (vvmpd_sign(d, m, assoc, &key))
		return;
	n = vvmp_encode(m, key, buf, sizeof(buf));
	if (n > 0)
		sendto(d->udp_fd, buf, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* Queue a request to a unit; it is sent now and retransmitted until answered. */
static void queue_request(struct vvmpd *d, struct vvmpd_unit_rt *u, struct vvmp_msg *m)
{
	const struct vvmp_key *key;
	struct vvmpd_pending *p = NULL;
	long n;

	for (int i = 0; i < VVMPD_MAX_PENDING && !p; i++)
		if (!d->pending[i].used)
			p = &d->pending[i];
	if (!p) {
		vvmpd_log("unit %u: too many unanswered requests, %s dropped", u->id,
			  vvmp_opcode_str(m->hdr.opcode));
		return;
	}
	m->hdr.transaction_id = ++d->next_udp_transaction;
	m->hdr.domain_id = u->domain_id;
	m->hdr.src_san_id = d->cfg.san_id;
	m->hdr.server_id = d->cfg.server_id;
	m->hdr.client_id = u->id;
	if (vvmpd_sign(d, m, &u->assoc, &key))
		return;
	n = vvmp_encode(m, key, p->frame, sizeof(p->frame));
	if (n < 0)
		return;
	p->used = true;
	p->len = (size_t)n;
	p->transaction_id = m->hdr.transaction_id;
	p->unit_id = u->id;
	p->to = u->addr;
	p->attempts = 1;
	p->next_ms = vvmp_now_ms() + d->cfg.udp_retry_ms;
	sendto(d->udp_fd, p->frame, p->len, 0, (struct sockaddr *)&p->to, sizeof(p->to));
}

/*
 * A retransmission is a new frame: the next number in the unit's current
 * association, so the unit never has to accept the same bytes twice.
 */
static int resign(struct vvmpd *d, struct vvmpd_pending *p)
{
	struct vvmpd_unit_rt *u = vvmpd_unit_rt(d, p->unit_id, false);
	const struct vvmpd_domain *dom = u ? vvmpd_domain(d, u->domain_id) : NULL;
	struct vvmp_auth auth;

	if (!(p->frame[3] & VVMP_F_AUTH))
		return 0;
	if (!dom || vvmp_assoc_sign(&u->assoc, false, &auth))
		return -1;
	return vvmp_auth_resign(p->frame, p->len, &dom->key, &auth);
}

static void drop_pending(struct vvmpd *d, uint32_t unit_id, uint32_t transaction_id)
{
	for (int i = 0; i < VVMPD_MAX_PENDING; i++) {
		struct vvmpd_pending *p = &d->pending[i];

		if (p->used && p->unit_id == unit_id &&
		    (!transaction_id || p->transaction_id == transaction_id))
			p->used = false;
	}
}

void vvmpd_unit_assign(struct vvmpd *d, uint32_t unit_id, uint16_t sub,
		       const struct vvmp_assign_req *a)
{
	struct vvmpd_unit_rt *u = vvmpd_unit_rt(d, unit_id, false);
	struct vvmp_msg m = { 0 };

	if (!u || !u->up)
		return;			/* static units and down units have no agent to tell */
	m.hdr.opcode = VVMP_OP_ASSIGN;
	m.hdr.sub_opcode = sub;
	m.body.assign_req = *a;
	queue_request(d, u, &m);
}

static void unit_down(struct vvmpd *d, struct vvmpd_unit_rt *u, const char *why)
{
	u->up = false;
	drop_pending(d, u->id, 0);
	vvmp_repo_unit_set_state(d->repo, u->id, VVMP_UNIT_DOWN);
	vvmpd_log("unit %u down (%s)", u->id, why);
}

/* @assoc: set to the unit's association, which a signed UNIT_UP opens. */
static uint16_t unit_up(struct vvmpd *d, const struct vvmp_msg *req,
			const struct sockaddr_in6 *from, struct vvmp_msg *rep,
			struct vvmp_assoc **assoc)
{
	const struct vvmp_unit_up_req *b = &req->body.unit_up_req;
	struct vvmpd_unit_rt *rt;
	struct vvmp_repo_unit u;
	bool was_up, repeat;

	if (vvmp_repo_unit_find(d->repo, req->hdr.domain_id, b->name, &u)) {
		memset(&u, 0, sizeof(u));
		u.domain_id = req->hdr.domain_id;
		memcpy(u.name, b->name, sizeof(b->name));
	} else if (u.is_static) {
		return VVMP_S_DENIED;	/* the name of a host-added unit */
	}
	repeat = u.id && u.state == VVMP_UNIT_UP && u.boot_id == b->unit_boot_id;
	u.storage_type = b->storage_type;
	u.bandwidth_kb = b->bandwidth_kb;
	u.load_pct = b->load_pct;
	u.boot_id = b->unit_boot_id;
	u.state = VVMP_UNIT_UP;
	addr_str(from, u.address, sizeof(u.address));
	if (vvmp_repo_unit_put(d->repo, &u))
		return VVMP_S_INTERNAL;
	rt = vvmpd_unit_rt(d, u.id, true);
	if (!rt)
		return VVMP_S_INTERNAL;
	was_up = rt->up;
	rt->up = true;
	rt->addr = *from;
	rt->domain_id = u.domain_id;
	rt->last_seen_ms = vvmp_now_ms();
	if (vvmp_is_opening(req))
		vvmp_assoc_adopt(&rt->assoc, req->auth.association);
	*assoc = &rt->assoc;
	rep->body.unit_up_rep.unit_id = u.id;
	rep->body.unit_up_rep.heartbeat_ms = d->cfg.heartbeat_ms;
	if (!(repeat && was_up))
		vvmpd_log("unit %u (%s) up at %s", u.id, u.name, u.address);
	/* A retransmitted UNIT_UP whose NEED_INFO is in flight needs no second one. */
	for (int i = 0; i < VVMPD_MAX_PENDING; i++)
		if (d->pending[i].used && d->pending[i].unit_id == u.id && repeat)
			return VVMP_S_OK;
	/* NEED_INFO goes out after the reply (handle_request), so the unit knows its id. */
	d->pending_need_info = u.id;
	pthread_cond_broadcast(&d->pool_changed);
	return VVMP_S_OK;
}

static bool volume_listed(const struct vvmp_volume_list_req *l, const struct vvmp_repo_volume *v)
{
	for (uint32_t i = 0; i < l->count; i++)
		if (l->volumes[i].volume_id == v->unit_volume_id &&
		    l->volumes[i].start_lba == v->start_lba &&
		    l->volumes[i].length_lba == v->length_lba &&
		    l->volumes[i].transport == v->transport &&
		    !strncmp(l->volumes[i].address, v->address, VVMP_ADDR_LEN))
			return true;
	return false;
}

/* Make the unit's volumes what it listed; allocated volumes always stay. */
static uint16_t volume_list(struct vvmpd *d, const struct vvmp_volume_list_req *l)
{
	struct vvmpd_unit_rt *rt = vvmpd_unit_rt(d, l->unit_id, false);
	struct vvmp_repo_volume *have = NULL;
	size_t n = 0, added = 0, removed = 0;
	int err;

	if (!rt || !rt->up)
		return VVMP_S_NOT_FOUND;
	err = vvmp_repo_begin(d->repo);
	if (!err)
		err = vvmp_repo_volume_list(d->repo, l->unit_id, &have, &n);
	for (size_t i = 0; i < n && !err; i++) {
		if (volume_listed(l, &have[i]))
			continue;
		err = vvmp_repo_volume_delete(d->repo, have[i].id);
		if (err == -EBUSY) {
			vvmpd_log("unit %u: volume %u is allocated; kept although not listed",
				  l->unit_id, have[i].unit_volume_id);
			err = 0;
		} else if (!err) {
			removed++;
		}
	}
	for (uint32_t i = 0; i < l->count && !err; i++) {
		const struct vvmp_volume *lv = &l->volumes[i];
		struct vvmp_repo_volume v = { .unit_id = l->unit_id, .unit_volume_id = lv->volume_id,
					      .transport = lv->transport, .start_lba = lv->start_lba,
					      .length_lba = lv->length_lba };
		bool known = false;

		for (size_t k = 0; k < n; k++)
			known |= have[k].unit_volume_id == lv->volume_id && volume_listed(l, &have[k]);
		if (known)
			continue;
		memcpy(v.address, lv->address, sizeof(v.address));
		err = vvmp_repo_volume_add(d->repo, &v);
		added += !err;
	}
	free(have);
	if (err) {
		vvmpd_log("unit %u: volume list refused (%s)", l->unit_id, vvmp_repo_errmsg(d->repo));
		vvmp_repo_rollback(d->repo);
		return err == -EIO ? VVMP_S_INTERNAL : VVMP_S_BAD_PAYLOAD;
	}
	if (vvmp_repo_commit(d->repo))
		return VVMP_S_INTERNAL;
	if (added || removed)
		vvmpd_log("unit %u: %zu volume(s) added, %zu removed", l->unit_id, added, removed);
	pthread_cond_broadcast(&d->pool_changed);
	return VVMP_S_OK;
}

/*
 * @assoc: the sender's association (NULL for an opening: its reply is the
 * first frame of the association it proposes, even when it is refused).
 */
static void handle_request(struct vvmpd *d, const struct vvmp_msg *req,
			   const struct sockaddr_in6 *from, struct vvmp_msg *rep,
			   struct vvmp_assoc *assoc)
{
	struct vvmpd_unit_rt *rt;
	struct vvmp_assoc once = { 0 };
	uint16_t status = VVMP_S_OK;

	if (!assoc && vvmp_is_opening(req)) {
		vvmp_assoc_adopt(&once, req->auth.association);
		assoc = &once;
	}
	vvmp_reply_init(rep, &req->hdr, VVMP_S_OK);
	d->pending_need_info = 0;
	switch (req->hdr.opcode) {
	case VVMP_OP_UNIT_UP:
		status = unit_up(d, req, from, rep, &assoc);
		break;
	case VVMP_OP_VOLUME_LIST:
		status = volume_list(d, &req->body.volume_list_req);
		break;
	case VVMP_OP_HEARTBEAT:
		rt = vvmpd_unit_rt(d, req->body.heartbeat_req.unit_id, false);
		if (!rt || !rt->up || rt->domain_id != req->hdr.domain_id) {
			status = VVMP_S_NOT_FOUND;	/* the unit starts over with UNIT_UP */
			break;
		}
		rt->last_seen_ms = vvmp_now_ms();
		rt->addr = *from;
		break;
	case VVMP_OP_UNIT_DOWN:
		rt = vvmpd_unit_rt(d, req->body.unit_ref.unit_id, false);
		if (!rt || rt->domain_id != req->hdr.domain_id)
			status = VVMP_S_NOT_FOUND;
		else if (rt->up)
			unit_down(d, rt, "unit said so");
		break;
	default:
		status = VVMP_S_UNKNOWN_OPCODE;	/* TCP opcodes, or manager -> unit ones */
	}
	if (status)
		vvmp_reply_init(rep, &req->hdr, status);
	send_frame(d, from, rep, assoc);
	if (!status && d->pending_need_info) {
		struct vvmp_msg need = { 0 };

		rt = vvmpd_unit_rt(d, d->pending_need_info, false);
		need.hdr.opcode = VVMP_OP_NEED_INFO;
		need.body.unit_ref.unit_id = d->pending_need_info;
		if (rt)
			queue_request(d, rt, &need);
	}
}

/* Simulated loss (tests): drop this share of received datagrams. */
static bool lose(struct vvmpd *d)
{
	if (!d->cfg.udp_loss_pct)
		return false;
	d->loss_state = d->loss_state * 1103515245u + 12345u;
	return (d->loss_state >> 16) % 100 < (uint32_t)d->cfg.udp_loss_pct;
}

static void receive(struct vvmpd *d, uint8_t *buf, size_t cap, struct vvmp_msg *req,
		    struct vvmp_msg *rep)
{
	struct sockaddr_in6 from;
	socklen_t fromlen = sizeof(from);
	struct vvmpd_unit_rt *rt;
	struct vvmp_assoc *assoc;
	char who[96];
	ssize_t len = recvfrom(d->udp_fd, buf, cap, 0, (struct sockaddr *)&from, &fromlen);
	uint16_t status;
	int err;

	if (len <= 0 || lose(d))
		return;
	addr_str(&from, who, sizeof(who));
	err = vvmp_decode(buf, (size_t)len, req);
	if (err) {
		vvmpd_debug(d, "bad datagram from %s: %s", who, vvmp_err_str(err));
		/* Answer only when the header itself was sound (decode kept it). */
		if (req->hdr.magic == VVMP_MAGIC && !(req->hdr.flags & VVMP_F_REPLY)) {
			vvmp_reply_init(rep, &req->hdr, vvmp_err_status(err));
			send_frame(d, &from, rep, NULL);
		}
		return;
	}
	pthread_mutex_lock(&d->lock);
	/* A unit names itself in client_id; only UNIT_UP opens its association. */
	rt = vvmpd_unit_rt(d, req->hdr.client_id, false);
	if (rt && rt->domain_id != req->hdr.domain_id)
		rt = NULL;
	assoc = rt && !vvmp_is_opening(req) ? &rt->assoc : NULL;
	if (req->hdr.client_id)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), " (unit %u)",
			 req->hdr.client_id);
	status = vvmpd_check_auth(d, buf, (size_t)len, req, assoc,
				  req->hdr.opcode == VVMP_OP_UNIT_UP &&
				  !(req->hdr.flags & VVMP_F_REPLY), who);
	if (status) {
		if (!(req->hdr.flags & VVMP_F_REPLY)) {
			vvmp_reply_init(rep, &req->hdr, status);
			send_frame(d, &from, rep, NULL);
		}
	} else if (req->hdr.flags & VVMP_F_REPLY) {
		/* Answer to our NEED_INFO or ASSIGN: stop retransmitting it. */
		drop_pending(d, req->hdr.client_id, req->hdr.transaction_id);
	} else {
		handle_request(d, req, &from, rep, assoc);
	}
	pthread_mutex_unlock(&d->lock);
}

static void timers(struct vvmpd *d)
{
	uint64_t now = vvmp_now_ms();

	for (int i = 0; i < VVMPD_MAX_PENDING; i++) {
		struct vvmpd_pending *p = &d->pending[i];

		if (!p->used || now < p->next_ms)
			continue;
		if (p->attempts >= d->cfg.udp_attempts) {
			vvmpd_log("unit %u did not answer after %d attempts", p->unit_id, p->attempts);
			p->used = false;
			continue;
		}
		/* Exponential backoff: retry, 2x retry, 4x retry, ... */
		p->next_ms = now + ((uint64_t)d->cfg.udp_retry_ms << p->attempts);
		p->attempts++;
		if (resign(d, p)) {
			p->used = false;
			continue;
		}
		sendto(d->udp_fd, p->frame, p->len, 0, (struct sockaddr *)&p->to, sizeof(p->to));
	}
	for (size_t i = 0; i < d->nunits; i++) {
		struct vvmpd_unit_rt *u = &d->units[i];

		if (u->up && now - u->last_seen_ms > 3ull * d->cfg.heartbeat_ms)
			unit_down(d, u, "heartbeat lost");
	}
	vvmpd_sessions_expire(d, now);
}

static void *udp_main(void *arg)
{
	struct vvmpd *d = arg;
	uint8_t *buf = malloc(VVMP_MAX_FRAME);
	struct vvmp_msg *req = malloc(sizeof(*req)), *rep = malloc(sizeof(*rep));
	uint64_t last_tick = 0;

	while (buf && req && rep && !d->stopping) {
		struct pollfd pfd = { .fd = d->udp_fd, .events = POLLIN };
		uint64_t now;

		if (poll(&pfd, 1, TICK_MS) > 0)
			receive(d, buf, VVMP_MAX_FRAME, req, rep);
		now = vvmp_now_ms();
		if (now - last_tick >= TICK_MS) {
			last_tick = now;
			pthread_mutex_lock(&d->lock);
			timers(d);
			pthread_mutex_unlock(&d->lock);
		}
	}
	free(buf);
	free(req);
	free(rep);
	return NULL;
}

int vvmpd_udp_start(struct vvmpd *d)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(d->cfg.udp_port),
				   .sin6_addr = in6addr_any };
	socklen_t salen = sizeof(sa);
	int zero = 0;
	pthread_t th;

	if (d->cfg.bind_addr)
		inet_pton(AF_INET6, d->cfg.bind_addr, &sa.sin6_addr);
	d->udp_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->udp_fd < 0)
		return -errno;
	setsockopt(d->udp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(d->udp_fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	getsockname(d->udp_fd, (struct sockaddr *)&sa, &salen);
	d->udp_port_bound = ntohs(sa.sin6_port);
	d->loss_state = d->cfg.loss_seed;
	if (pthread_create(&th, NULL, udp_main, d))
		return -EAGAIN;
	pthread_detach(th);
	return 0;
}
