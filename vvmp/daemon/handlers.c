// SPDX-License-Identifier: GPL-2.0
/*
 * One decoded, authenticated TCP request -> its reply. Called with d->lock
 * held; forwarding and REGISTER's wait release it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/vvmpd_internal.h"

/* Forward an ALLOCATE to each peer in turn; record the result as a remote VD. */
static uint16_t allocate_at_peers(struct vvmpd *d, struct vvmpd_conn *c,
				  const struct vvmp_msg *req, struct vvmp_msg *rep)
{
	struct vvmp_alloc_rep *ar = &rep->body.alloc_rep;
	uint32_t session_id = req->body.alloc_req.session_id;
	bool all_answered = true;
	uint16_t status = VVMP_S_NO_SPACE;

	for (int i = 0; i < d->npeers; i++) {
		struct vvmp_repo_session s;
		struct vvmp_repo_vd vd;
		int err;

		pthread_mutex_unlock(&d->lock);
		err = vvmpd_forward(d, c->domain_id, req, rep, i);
		pthread_mutex_lock(&d->lock);
		if (err) {
			all_answered = false;
			continue;
		}
		if (rep->hdr.status != VVMP_S_OK)
			continue;
		/* The session may have ended while the lock was released. */
		if (vvmpd_session_check(d, c, session_id) ||
		    vvmp_repo_session_get(d->repo, session_id, &s))
			return VVMP_S_NO_SESSION;	/* the peer's session ends with ours */
		vd = (struct vvmp_repo_vd){
			.domain_id = s.domain_id, .owner_session_id = session_id,
			.sub_opcode = req->hdr.sub_opcode, .storage_type = ar->storage_type,
			.access = ar->access, .flags = req->body.alloc_req.flags,
			.capacity_kb = ar->capacity_kb, .bandwidth_kb = req->body.alloc_req.bandwidth_kb,
			.qos = req->body.alloc_req.qos, .timeout_ms = req->body.alloc_req.timeout_ms,
			.stripe_kb = ar->stripe_kb, .block_size = ar->block_size,
			.members = ar->members ? ar->members : 1,
			.remote_san_id = rep->hdr.src_san_id, .remote_alloc_id = ar->alloc_id,
		};
		if (vd.members > VVMP_MAX_MEMBERS)
			vd.members = VVMP_MAX_MEMBERS;
		if (vvmp_repo_vd_create(d->repo, &vd) ||
		    vvmp_repo_vd_attach(d->repo, vd.id, session_id))
			return VVMP_S_INTERNAL;
		vvmpd_log("allocation %u forwarded to SAN %u (its allocation %u)", vd.id,
			  vd.remote_san_id, vd.remote_alloc_id);
		ar->alloc_id = vd.id;
		ar->session_id = session_id;
		return VVMP_S_OK;
	}
	if (!all_answered && status == VVMP_S_NO_SPACE)
		status = VVMP_S_FORWARD_FAILED;
	return status;
}

/* FREE / CHANGE_PARAMS / GIVE_BACK of a VD that lives at a peer. */
static uint16_t remote_op(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
			  const struct vvmp_repo_vd *vd, struct vvmp_msg *rep)
{
	struct vvmp_msg *fwd = malloc(sizeof(*fwd));
	uint32_t session_id = c->session_id;
	int peer = -1, err = -ENOENT;
	uint16_t status;

	if (!fwd)
		return VVMP_S_INTERNAL;
	*fwd = *req;
	switch (req->hdr.opcode) {
	case VVMP_OP_FREE: fwd->body.free_req.alloc_id = vd->remote_alloc_id; break;
	case VVMP_OP_CHANGE_PARAMS: fwd->body.change_req.alloc_id = vd->remote_alloc_id; break;
	case VVMP_OP_GIVE_BACK: fwd->body.give_back_req.alloc_id = vd->remote_alloc_id; break;
	}
	pthread_mutex_unlock(&d->lock);
	/* The peer that holds it answers; others say NOT_FOUND. */
	for (int i = 0; i < d->npeers; i++) {
		err = vvmpd_forward(d, c->domain_id, fwd, rep, i);
		if (!err && rep->hdr.status != VVMP_S_NOT_FOUND && rep->hdr.src_san_id == vd->remote_san_id) {
			peer = i;
			break;
		}
	}
	pthread_mutex_lock(&d->lock);
	free(fwd);
	if (peer < 0)
		return err ? VVMP_S_FORWARD_FAILED : VVMP_S_NOT_FOUND;
	status = rep->hdr.status;
	if (status == VVMP_S_OK && req->hdr.opcode == VVMP_OP_FREE) {
		uint32_t remaining;

		if (!vvmp_repo_vd_detach(d->repo, vd->id, session_id, &remaining) && !remaining)
			vvmp_repo_vd_delete(d->repo, vd->id);
	} else if (status == VVMP_S_OK) {
		rep->body.alloc_rep.alloc_id = vd->id;
		rep->body.alloc_rep.session_id = session_id;
	}
	return status;
}

static uint16_t do_register(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
			    struct vvmp_msg *rep)
{
	const struct vvmp_alloc_req *ar = &req->body.alloc_req;
	uint32_t wait_ms = ar->timeout_ms && ar->timeout_ms < d->cfg.register_max_ms ?
			   ar->timeout_ms : d->cfg.register_max_ms;
	struct timespec deadline;
	uint16_t status;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	for (;;) {
		status = vvmpd_allocate(d, ar->session_id, req->hdr.sub_opcode, ar,
					&rep->body.alloc_rep);
		if (status != VVMP_S_NO_SPACE || d->stopping)
			return status;
		/* Woken whenever capacity may have appeared. */
		if (pthread_cond_timedwait(&d->pool_changed, &d->lock, &deadline) == ETIMEDOUT)
			return VVMP_S_TIMEOUT;
		if (vvmpd_session_check(d, c, ar->session_id))
			return VVMP_S_NO_SESSION;
	}
}

/* A host contributing one of its volumes: a static unit named after it. */
static uint16_t add_storage(struct vvmpd *d, struct vvmpd_conn *c,
			    const struct vvmp_add_storage_req *req, struct vvmp_add_storage_rep *rep)
{
	struct vvmpd_session_rt *rt = vvmpd_session_rt(d, req->session_id);
	struct vvmp_repo_volume v = { 0 };
	struct vvmp_repo_client cl;
	struct vvmp_repo_unit u;
	char name[VVMP_REPO_NAME_LEN];
	int err;

	if (!rt || vvmp_repo_client_get(d->repo, rt->client_id, &cl))
		return VVMP_S_NO_SESSION;
	snprintf(name, sizeof(name), "host:%.58s", cl.name);
	if (vvmp_repo_unit_find(d->repo, c->domain_id, name, &u)) {
		memset(&u, 0, sizeof(u));
		u.domain_id = c->domain_id;
		snprintf(u.name, sizeof(u.name), "%s", name);
		u.storage_type = req->storage_type;
		u.state = VVMP_UNIT_UP;
		u.is_static = 1;
		if (vvmp_repo_unit_put(d->repo, &u))
			return VVMP_S_INTERNAL;
	}
	v.unit_id = u.id;
	v.unit_volume_id = req->volume.volume_id;
	v.transport = req->volume.transport;
	v.start_lba = req->volume.start_lba;
	v.length_lba = req->volume.length_lba;
	memcpy(v.address, req->volume.address, sizeof(v.address));
	err = vvmp_repo_volume_add(d->repo, &v);
	if (err == -ERANGE || err == -EEXIST || err == -EINVAL)
		return VVMP_S_BAD_PAYLOAD;
	if (err)
		return VVMP_S_INTERNAL;
	rep->unit_id = u.id;
	rep->volume_id = v.id;
	pthread_cond_broadcast(&d->pool_changed);
	return VVMP_S_OK;
}

static uint16_t statistics(struct vvmpd *d, uint32_t session_id, struct vvmp_stats_rep *rep)
{
	struct vvmpd_session_rt *rt = vvmpd_session_rt(d, session_id);
	struct vvmp_repo_session s;
	uint32_t *vds = NULL;
	size_t n = 0;

	if (!rt || vvmp_repo_session_get(d->repo, session_id, &s) ||
	    vvmp_repo_session_vds(d->repo, session_id, &vds, &n))
		return VVMP_S_NO_SESSION;
	rep->session_id = session_id;
	rep->allocations = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct vvmp_repo_vd vd;

		if (!vvmp_repo_vd_get(d->repo, vds[i], &vd))
			rep->allocated_kb += vd.capacity_kb;
	}
	free(vds);
	rep->requests = s.requests + rt->requests;
	rep->errors = s.errors + rt->errors;
	rep->queries = s.queries + rt->queries;
	return VVMP_S_OK;
}

static void domains(struct vvmpd *d, struct vvmp_domains_rep *rep)
{
	for (int i = 0; i < d->ndomains && rep->count < VVMP_MAX_DOMAINS; i++) {
		struct vvmp_domain *o = &rep->domains[rep->count++];

		o->domain_id = d->domains[i].id;
		o->flags = d->domains[i].key.len ? VVMP_DF_AUTH_REQUIRED : 0;
		memcpy(o->name, d->domains[i].name, sizeof(o->name));
	}
}

static void query_all_sans(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
			   struct vvmp_msg *rep)
{
	struct vvmp_msg *fwd = malloc(sizeof(*fwd)), *peer_rep = malloc(sizeof(*peer_rep));
	struct vvmp_query_dev_rep *out = &rep->body.dev_rep;

	vvmpd_query_devices(d, 0, out);
	if (!fwd || !peer_rep || (req->hdr.flags & VVMP_F_FORWARDED))
		goto out;
	*fwd = *req;
	fwd->hdr.sub_opcode = VVMP_QUERY_ALL_DEVICES;
	pthread_mutex_unlock(&d->lock);
	for (int i = 0; i < d->npeers; i++) {
		if (vvmpd_forward(d, c->domain_id, fwd, peer_rep, i) || peer_rep->hdr.status)
			continue;
		for (uint32_t k = 0; k < peer_rep->body.dev_rep.count &&
				     out->count < VVMP_MAX_DEVICES; k++)
			out->devices[out->count++] = peer_rep->body.dev_rep.devices[k];
	}
	pthread_mutex_lock(&d->lock);
out:
	free(fwd);
	free(peer_rep);
}

/* The session a request names, 0 for requests without one. */
static uint32_t named_session(const struct vvmp_msg *req)
{
	switch (req->hdr.opcode) {
	case VVMP_OP_ALLOCATE:
	case VVMP_OP_REGISTER:		return req->body.alloc_req.session_id;
	case VVMP_OP_FREE:		return req->body.free_req.session_id;
	case VVMP_OP_CHANGE_PARAMS:	return req->body.change_req.session_id;
	case VVMP_OP_ADD_STORAGE:	return req->body.add_req.session_id;
	case VVMP_OP_GIVE_BACK:		return req->body.give_back_req.session_id;
	case VVMP_OP_STATISTICS:
	case VVMP_OP_TEARDOWN:		return req->body.session_ref.session_id;
	}
	return 0;
}

/* The VD a request names when it lives at a peer (remote_san_id set). */
static bool remote_vd(struct vvmpd *d, const struct vvmp_msg *req, struct vvmp_repo_vd *vd)
{
	uint32_t id = req->hdr.opcode == VVMP_OP_FREE ? req->body.free_req.alloc_id :
		      req->hdr.opcode == VVMP_OP_CHANGE_PARAMS ? req->body.change_req.alloc_id :
		      req->hdr.opcode == VVMP_OP_GIVE_BACK ? req->body.give_back_req.alloc_id : 0;

	return id && !vvmp_repo_vd_get(d->repo, id, vd) && vd->remote_san_id &&
	       vvmp_repo_vd_is_attached(d->repo, id, named_session(req)) > 0;
}

static uint16_t dispatch(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
			 struct vvmp_msg *rep)
{
	uint32_t session_id = named_session(req);
	struct vvmp_repo_vd vd;
	uint16_t status;
	int err;

	if (req->hdr.opcode >= VVMP_OP_UNIT_UP)
		return VVMP_S_UNKNOWN_OPCODE;	/* unit messages are UDP only */
	if (session_id && vvmpd_session_check(d, c, session_id))
		return VVMP_S_NO_SESSION;
	if (remote_vd(d, req, &vd))
		return remote_op(d, c, req, &vd, rep);

	switch (req->hdr.opcode) {
	case VVMP_OP_INITIALIZE:
		err = vvmpd_session_open(d, c, req->hdr.domain_id, &req->body.init_req,
					 &rep->body.init_rep.session_id);
		if (err)
			return VVMP_S_INTERNAL;
		rep->body.init_rep.server_boot_id = d->boot_id;
		rep->body.init_rep.session_grace_ms = d->cfg.session_grace_ms;
		return VVMP_S_OK;
	case VVMP_OP_QUERY:
		switch (req->hdr.sub_opcode) {
		case VVMP_QUERY_SAN:
			vvmpd_query_san(d, &rep->body.san_rep);
			break;
		case VVMP_QUERY_ALL_DEVICES:
			vvmpd_query_devices(d, 0, &rep->body.dev_rep);
			break;
		case VVMP_QUERY_LOCAL_DEVICES:
			if (!c->session_id)
				return VVMP_S_NO_SESSION;
			vvmpd_query_devices(d, c->session_id, &rep->body.dev_rep);
			break;
		case VVMP_QUERY_ALL_SANS:
			query_all_sans(d, c, req, rep);
			break;
		}
		return VVMP_S_OK;
	case VVMP_OP_ALLOCATE:
		status = vvmpd_allocate(d, session_id, req->hdr.sub_opcode, &req->body.alloc_req,
					&rep->body.alloc_rep);
		if (status == VVMP_S_NO_SPACE && req->hdr.sub_opcode == VVMP_ALLOC_ANYWHERE &&
		    !(req->hdr.flags & VVMP_F_FORWARDED) && d->npeers &&
		    !req->body.alloc_req.share_alloc_id)
			status = allocate_at_peers(d, c, req, rep);
		return status;
	case VVMP_OP_REGISTER:
		return do_register(d, c, req, rep);
	case VVMP_OP_FREE:
		return vvmpd_free(d, session_id, req->body.free_req.alloc_id);
	case VVMP_OP_CHANGE_PARAMS:
		return vvmpd_change(d, session_id, &req->body.change_req, &rep->body.alloc_rep);
	case VVMP_OP_ADD_STORAGE:
		return add_storage(d, c, &req->body.add_req, &rep->body.add_rep);
	case VVMP_OP_GIVE_BACK:
		return vvmpd_give_back(d, session_id, &req->body.give_back_req,
				       &rep->body.alloc_rep);
	case VVMP_OP_STATISTICS:
		return statistics(d, session_id, &rep->body.stats_rep);
	case VVMP_OP_DOMAINS:
		domains(d, &rep->body.domains_rep);
		return VVMP_S_OK;
	case VVMP_OP_TEARDOWN:
		c->session_id = 0;
		vvmpd_session_end(d, session_id, "teardown");
		return VVMP_S_OK;
	}
	return VVMP_S_UNKNOWN_OPCODE;
}

void vvmpd_handle(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
		  struct vvmp_msg *rep)
{
	struct vvmpd_session_rt *rt;
	uint16_t status;

	vvmp_reply_init(rep, &req->hdr, VVMP_S_OK);
	status = dispatch(d, c, req, rep);
	if (status) {
		/* An error reply has no payload. */
		vvmp_reply_init(rep, &req->hdr, status);
	} else {
		/* A relayed peer reply brought the peer's header: answer with ours. */
		rep->hdr = (struct vvmp_header){
			.flags = VVMP_F_REPLY | (req->hdr.flags & VVMP_F_FORWARDED),
			.opcode = req->hdr.opcode, .sub_opcode = req->hdr.sub_opcode,
			.dst_san_id = req->hdr.src_san_id, .client_id = req->hdr.client_id,
			.transaction_id = req->hdr.transaction_id, .domain_id = req->hdr.domain_id,
		};
	}
	rep->hdr.src_san_id = d->cfg.san_id;
	rep->hdr.server_id = d->cfg.server_id;
	rt = vvmpd_session_rt(d, c->session_id);
	if (rt) {
		rep->hdr.client_id = rt->client_id;
		rt->requests++;
		rt->errors += status != VVMP_S_OK;
		rt->queries += req->hdr.opcode == VVMP_OP_QUERY;
	}
}
