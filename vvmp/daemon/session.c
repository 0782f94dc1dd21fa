// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: created by INITIALIZE, bound to the connections that opened or
 * resumed them, ended by TEARDOWN, by a client reboot (new boot id) or by
 * staying detached longer than the grace period; ending one releases every
 * allocation it holds. Callers hold d->lock.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/vvmpd_internal.h"

struct vvmpd_session_rt *vvmpd_session_rt(struct vvmpd *d, uint32_t id)
{
	for (size_t i = 0; i < d->nsessions; i++)
		if (d->sessions[i].id == id)
			return &d->sessions[i];
	return NULL;
}

static struct vvmpd_session_rt *rt_add(struct vvmpd *d, uint32_t id, uint32_t client_id,
				       uint32_t domain_id)
{
	struct vvmpd_session_rt *p = realloc(d->sessions, (d->nsessions + 1) * sizeof(*p));

	if (!p)
		return NULL;
	d->sessions = p;
	p = &d->sessions[d->nsessions++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->client_id = client_id;
	p->domain_id = domain_id;
	return p;
}

static void rt_remove(struct vvmpd *d, uint32_t id)
{
	for (size_t i = 0; i < d->nsessions; i++)
		if (d->sessions[i].id == id) {
			d->sessions[i] = d->sessions[--d->nsessions];
			return;
		}
}

void vvmpd_session_end(struct vvmpd *d, uint32_t session_id, const char *why)
{
	uint32_t *vds = NULL;
	size_t n = 0;

	vvmp_repo_session_vds(d->repo, session_id, &vds, &n);
	for (size_t i = 0; i < n; i++)
		vvmpd_release_vd(d, vds[i], session_id);
	free(vds);
	vvmp_repo_session_delete(d->repo, session_id);
	rt_remove(d, session_id);
	vvmpd_log("session %u ended (%s), %zu allocation(s) released", session_id, why, n);
}

int vvmpd_session_open(struct vvmpd *d, struct vvmpd_conn *c, uint32_t domain_id,
		       const struct vvmp_init_req *req, uint32_t *session_id)
{
	struct vvmp_repo_session *list = NULL;
	struct vvmpd_session_rt *rt;
	struct vvmp_repo_client cl;
	size_t n = 0;
	int err;

	*session_id = 0;
	err = vvmp_repo_client_ensure(d->repo, domain_id, req->host, &cl);
	if (!err)
		err = vvmp_repo_session_list(d->repo, cl.id, &list, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (list[i].boot_id == req->client_boot_id && !*session_id) {
			*session_id = list[i].id;	/* same boot: resume */
			continue;
		}
		vvmpd_session_end(d, list[i].id, list[i].boot_id == req->client_boot_id ?
				  "duplicate" : "client rebooted");
	}
	free(list);
	if (!*session_id) {
		err = vvmp_repo_session_create(d->repo, cl.id, req->client_boot_id, session_id);
		if (err)
			return err;
		vvmpd_debug(d, "session %u opened for %s", *session_id, req->host);
	} else {
		vvmpd_debug(d, "session %u resumed by %s", *session_id, req->host);
	}
	rt = vvmpd_session_rt(d, *session_id);
	if (!rt)
		rt = rt_add(d, *session_id, cl.id, domain_id);
	if (!rt)
		return -1;
	/* A connection holds one session; re-INITIALIZE moves it. */
	if (c->session_id && c->session_id != *session_id)
		vvmpd_sessions_detach_conn(d, c);
	if (c->session_id != *session_id)
		rt->nconns++;
	vvmp_repo_session_set_state(d->repo, *session_id, VVMP_SESSION_ACTIVE);
	c->session_id = *session_id;
	c->domain_id = domain_id;
	return 0;
}

int vvmpd_session_check(struct vvmpd *d, struct vvmpd_conn *c, uint32_t session_id)
{
	struct vvmpd_session_rt *rt = vvmpd_session_rt(d, session_id);

	if (!session_id || c->session_id != session_id || !rt || rt->domain_id != c->domain_id)
		return -1;
	return 0;
}

void vvmpd_sessions_detach_conn(struct vvmpd *d, struct vvmpd_conn *c)
{
	struct vvmpd_session_rt *rt = vvmpd_session_rt(d, c->session_id);

	if (rt && rt->nconns > 0 && --rt->nconns == 0) {
		rt->detached_at_ms = vvmp_now_ms();
		vvmp_repo_session_set_state(d->repo, rt->id, VVMP_SESSION_DETACHED);
		vvmp_repo_session_count(d->repo, rt->id, (uint32_t)rt->requests,
					(uint32_t)rt->errors, (uint32_t)rt->queries);
		rt->requests = rt->errors = rt->queries = 0;
		vvmpd_debug(d, "session %u detached", rt->id);
	}
	c->session_id = 0;
}

void vvmpd_sessions_expire(struct vvmpd *d, uint64_t now_ms)
{
	for (size_t i = 0; i < d->nsessions;) {
		struct vvmpd_session_rt *rt = &d->sessions[i];

		if (!rt->nconns && now_ms - rt->detached_at_ms >= d->cfg.session_grace_ms) {
			vvmpd_session_end(d, rt->id, "peer gone");
			continue;	/* rt_remove moved another entry here */
		}
		i++;
	}
}

/* After a restart every stored session waits, detached, for its client. */
void vvmpd_sessions_load(struct vvmpd *d)
{
	struct vvmp_repo_session *list = NULL;
	size_t n = 0;

	if (vvmp_repo_session_list(d->repo, 0, &list, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		struct vvmpd_session_rt *rt = rt_add(d, list[i].id, list[i].client_id,
						     list[i].domain_id);

		if (rt)
			rt->detached_at_ms = vvmp_now_ms();
		vvmp_repo_session_set_state(d->repo, list[i].id, VVMP_SESSION_DETACHED);
	}
	if (n)
		vvmpd_log("%zu session(s) from the previous run wait %u ms for their clients",
			  n, d->cfg.session_grace_ms);
	free(list);
}
