// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding to peer managers (other SANs). Each peer gets one connection
 * and one session per storage domain, opened on first use and kept: the
 * peer releases what it allocated for us when that session ends, so it
 * must outlive single requests. A broken connection is reopened and the
 * session resumed (same boot id). In a keyed domain each connection is an
 * association of its own (vvmp_call() opens it with the INITIALIZE and
 * checks every reply against it). Called without d->lock; each peer has
 * its own lock, so one slow peer does not stall the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vvmpd_internal.h"

#define FORWARD_TIMEOUT_MS	5000

static struct vvmpd_peer_session *peer_session(struct vvmpd_peer *p, uint32_t domain_id)
{
	struct vvmpd_peer_session *free_slot = NULL;

	for (int i = 0; i < VVMPD_MAX_DOMAINS; i++) {
		if (p->sessions[i].conn && p->sessions[i].domain_id == domain_id)
			return &p->sessions[i];
		if (!p->sessions[i].conn && !free_slot)
			free_slot = &p->sessions[i];
	}
	if (free_slot)
		free_slot->domain_id = domain_id;
	return free_slot;
}

static void peer_close(struct vvmpd_peer_session *ps)
{
	if (ps->conn) {
		vvmp_conn_close(ps->conn);
		free(ps->conn);
	}
	ps->conn = NULL;
}

/* Connect and INITIALIZE (resuming the session after a reconnect). */
static int peer_open(struct vvmpd *d, struct vvmpd_peer *p, struct vvmpd_peer_session *ps)
{
	const struct vvmpd_domain *dom = vvmpd_domain(d, ps->domain_id);
	struct vvmp_msg *req, *rep;
	char host[VVMP_HOST_LEN];
	int err;

	if (!dom)
		return -ENOENT;
	ps->conn = malloc(sizeof(*ps->conn));
	req = calloc(1, sizeof(*req));
	rep = calloc(1, sizeof(*rep));
	if (!ps->conn || !req || !rep) {
		err = -ENOMEM;
		goto out;
	}
	err = vvmp_conn_open(ps->conn, p->host, p->port, ps->domain_id, NULL, FORWARD_TIMEOUT_MS);
	if (err) {
		free(ps->conn);
		ps->conn = NULL;
		goto out;
	}
	ps->conn->key = dom->key;
	ps->conn->src_san_id = d->cfg.san_id;
	req->hdr.opcode = VVMP_OP_INITIALIZE;
	req->body.init_req.client_boot_id = d->boot_id;
	snprintf(host, sizeof(host), "vvmpd-san-%u", d->cfg.san_id);
	vvmp_set_text(req->body.init_req.host, VVMP_HOST_LEN, host);
	err = vvmp_call(ps->conn, req, rep, FORWARD_TIMEOUT_MS);
	if (!err && rep->hdr.status)
		err = -EACCES;
	if (err) {
		peer_close(ps);
		goto out;
	}
	ps->session_id = rep->body.init_rep.session_id;
out:
	free(req);
	free(rep);
	return err;
}

/* Requests that name a session carry ours at the peer. */
static void set_session(struct vvmp_msg *m, uint32_t session_id)
{
	switch (m->hdr.opcode) {
	case VVMP_OP_ALLOCATE:
	case VVMP_OP_REGISTER:
		m->body.alloc_req.session_id = session_id;
		break;
	case VVMP_OP_FREE:
		m->body.free_req.session_id = session_id;
		break;
	case VVMP_OP_CHANGE_PARAMS:
		m->body.change_req.session_id = session_id;
		break;
	case VVMP_OP_GIVE_BACK:
		m->body.give_back_req.session_id = session_id;
		break;
	}
}

int vvmpd_forward(struct vvmpd *d, uint32_t domain_id, const struct vvmp_msg *req,
		  struct vvmp_msg *rep, int peer_index)
{
	struct vvmpd_peer *p = &d->peers[peer_index];
	struct vvmpd_peer_session *ps;
	struct vvmp_msg *fwd = malloc(sizeof(*fwd));
	int err = -ENOMEM;

	if (!fwd)
		return err;
	pthread_mutex_lock(&p->lock);
	ps = peer_session(p, domain_id);
	for (int attempt = 0; ps && attempt < 2; attempt++) {
		if (!ps->conn && (err = peer_open(d, p, ps)))
			break;
		*fwd = *req;
		fwd->hdr.flags = VVMP_F_FORWARDED;
		fwd->hdr.status = 0;
		set_session(fwd, ps->session_id);
		err = vvmp_call(ps->conn, fwd, rep, FORWARD_TIMEOUT_MS);
		if (!err && rep->hdr.status == VVMP_S_NO_SESSION) {
			/* The peer restarted or expired us: open a new session once. */
			peer_close(ps);
			continue;
		}
		/*
		 * Broken connection, or a signed reply that is not a fresh frame
		 * of our association with the peer (someone replays into the
		 * stream): reconnect once, with a new association.
		 */
		if (err <= VVMP_IO_ERR(0) || err == VVMP_E_REPLAY) {
			peer_close(ps);
			continue;
		}
		break;
	}
	if (!ps)
		err = -ENOSPC;
	pthread_mutex_unlock(&p->lock);
	free(fwd);
	if (err)
		vvmpd_log("forward %s to %s:%u failed (%d)", vvmp_opcode_str(req->hdr.opcode),
			  p->host, p->port, err);
	return err;
}
