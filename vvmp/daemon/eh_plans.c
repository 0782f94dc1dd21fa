// SPDX-License-Identifier: GPL-2.0
/*
 * Plans held for the control path (EH thread only). A plan of one of
 * vvmpd's VDs is taken (this thread's socket owns it: should vvmpd die, the
 * VD's timeout policy applies at once) and queued; when due (at once,
 * unless --eh-delay-ms holds it for tests) it is handled:
 *
 * - a write whose leg failed (reason component): the failure is recorded
 *   in the repository first, then the plan is resubmitted with the
 *   generation it was fetched with, so the client hears of success only
 *   once the repository knows which leg is stale; then the leg is
 *   recovered (eh_recovery.c);
 * - I/O on one of vvmpd's divert ranges: resubmitted at once;
 * - a resubmission refused as stale (the VD's map changed under the plan):
 *   aborted with EIO and logged.
 *
 * Plans on VDs vvmpd does not own, and diverted I/O on ranges vvmpd did not
 * make, are left to their VD's timeout policy (logged once per VD).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/eh_internal.h"

bool eh_divert_ours(struct vvmpd_eh *eh, uint32_t vd_id, uint64_t sector, uint64_t len)
{
	bool ours = false;

	pthread_mutex_lock(&eh->lock);
	for (size_t i = 0; i < eh->ndiverts && !ours; i++) {
		const struct vvmp_repo_divert *dv = &eh->diverts[i];

		ours = dv->vd_id == vd_id && sector >= dv->start &&
		       sector + len <= dv->start + dv->length;
	}
	pthread_mutex_unlock(&eh->lock);
	return ours;
}

static struct eh_pending *pending_find(struct vvmpd_eh *eh, uint64_t id)
{
	for (size_t i = 0; i < eh->npending; i++)
		if (eh->pending[i].e.id == id)
			return &eh->pending[i];
	return NULL;
}

static void pending_drop(struct vvmpd_eh *eh, struct eh_pending *p)
{
	*p = eh->pending[--eh->npending];
}

static int held_cb(const struct vaapi_exception *e, void *arg)
{
	(void)e;
	(void)arg;
	return 1;			/* one is enough */
}

int eh_plans_held(struct vvmpd_eh *eh, const char *name)
{
	int err = vaapi_eh_list_plans(eh->h, name, held_cb, NULL);

	return err == 1 ? 0 : err ? err : 1;
}

bool eh_plans_queued(const struct vvmpd_eh *eh, uint32_t vd_id)
{
	for (size_t i = 0; i < eh->npending; i++)
		if (eh->pending[i].vd_id == vd_id)
			return true;
	return false;
}

/* Resubmit plan @e; a stale one is aborted (EIO). 0 if the client's I/O goes on. */
static int resubmit(struct vvmpd_eh *eh, const struct vaapi_exception *e)
{
	int err = vaapi_eh_resubmit_plan(eh->h, e->id, e->generation);

	if (err == -ESTALE) {
		vvmpd_log("eh: %s plan %" PRIu64 " (%s at sector %" PRIu64 "): its map changed "
			  "since (generation %" PRIu64 "): aborted with EIO", e->vd, e->id,
			  e->op == VVMP_IO_WRITE ? "write" : "read", e->sector, e->generation);
		err = vaapi_eh_abort_plan(eh->h, e->id, EIO);
		if (err && err != -ENOENT)
			vvmpd_log("eh: %s plan %" PRIu64 ": abort: %s", e->vd, e->id,
				  vaapi_strerror(eh->h));
		return -ESTALE;
	}
	if (err == -ENOENT)
		vvmpd_log("eh: %s plan %" PRIu64 " is gone (its timeout policy applied)", e->vd,
			  e->id);
	else if (err)
		vvmpd_log("eh: %s plan %" PRIu64 ": resubmit: %s (%s)", e->vd, e->id,
			  strerror(-err), vaapi_strerror(eh->h));
	return err;
}

void eh_plan_seen(struct vvmpd_eh *eh, const struct vaapi_exception *e)
{
	uint32_t vd_id = vvmpd_ap_owned_vd(eh->d, e->vd);
	struct eh_pending *p;
	char key[VVMP_NAME_MAX + 8];
	int err;

	if (pending_find(eh, e->id))
		return;			/* announced again (hold policy): queued already */
	if (!vd_id) {
		if (eh_log_once(eh, e->vd))
			vvmpd_log("eh: plans of %s, not one of vvmpd's VDs, are left to its "
				  "timeout policy", e->vd);
		return;
	}
	if (e->reason == VVMP_EXC_DIVERT) {
		if (eh_divert_ours(eh, vd_id, e->sector, e->length)) {
			resubmit(eh, e);	/* the round trip, nothing else */
			return;
		}
		snprintf(key, sizeof(key), "divert %s", e->vd);
		if (eh_log_once(eh, key))
			vvmpd_log("eh: %s: I/O on a divert range vvmpd did not make is left to "
				  "the VD's timeout policy", e->vd);
		return;
	}
	if (e->reason != VVMP_EXC_COMPONENT) {
		snprintf(key, sizeof(key), "reason %s", e->vd);
		if (eh_log_once(eh, key))
			vvmpd_log("eh: %s: plans of reason %u are left to the timeout policy",
				  e->vd, e->reason);
		return;
	}
	eh_leg_busy(eh, vd_id, e->leg);
	err = vaapi_eh_take_plan(eh->h, e->id);
	if (err) {
		if (err != -ENOENT)
			vvmpd_log("eh: %s plan %" PRIu64 ": take: %s (%s)", e->vd, e->id,
				  strerror(-err), vaapi_strerror(eh->h));
		return;
	}
	/* Full: handle what is queued now rather than leave this one to the timeout. */
	if (eh->npending == EH_MAX_PENDING)
		eh_plans_run(eh, UINT64_MAX);
	p = &eh->pending[eh->npending++];
	*p = (struct eh_pending){ .e = *e, .vd_id = vd_id,
				  .due_ms = vvmp_now_ms() + eh->d->cfg.eh_delay_ms };
}

void eh_plan_done(struct vvmpd_eh *eh, uint64_t id)
{
	struct eh_pending *p = pending_find(eh, id);

	if (p)
		pending_drop(eh, p);
}

/* A write whose leg failed: record, resubmit, recover. */
static void handle_component(struct vvmpd_eh *eh, const struct eh_pending *p)
{
	const struct vaapi_exception *e = &p->e;

	eh_leg_failed(eh, p->vd_id, e->leg, "a write on it failed");
	if (!resubmit(eh, e))
		vvmpd_debug(eh->d, "eh: %s plan %" PRIu64 " (write of %" PRIu64 " sectors at %"
			    PRIu64 ", leg %u failed) resubmitted", e->vd, e->id, e->length,
			    e->sector, e->leg);
}

int eh_plans_run(struct vvmpd_eh *eh, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	size_t i = 0;

	while (i < eh->npending) {
		struct eh_pending p = eh->pending[i];

		if (p.due_ms > now_ms) {
			next = p.due_ms < next ? p.due_ms : next;
			i++;
			continue;
		}
		pending_drop(eh, &eh->pending[i]);
		handle_component(eh, &p);
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)(next - now_ms < 60000 ? next - now_ms : 60000);
}

static int sweep_cb(const struct vaapi_exception *e, void *arg)
{
	struct vaapi_exception **list = ((void **)arg)[0];
	size_t *n = ((void **)arg)[1];
	struct vaapi_exception *l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	l[(*n)++] = *e;
	*list = l;
	return 0;
}

void eh_plans_sweep(struct vvmpd_eh *eh)
{
	struct vaapi_exception *list = NULL;
	size_t n = 0, ours = 0;
	void *arg[2] = { &list, &n };
	int err;

	/* Collect during the dump, act after it: the handle is busy until then. */
	err = vaapi_eh_list_plans(eh->h, NULL, sweep_cb, arg);
	if (err)
		vvmpd_log("eh: listing held plans: %s (%s)", strerror(-err), vaapi_strerror(eh->h));
	for (size_t i = 0; i < n; i++) {
		/* Another socket's (a live vvmpd's, a tool's): not ours to take. */
		if (list[i].owner && vvmpd_ap_owned_vd(eh->d, list[i].vd))
			continue;
		ours += vvmpd_ap_owned_vd(eh->d, list[i].vd) != 0;
		eh_plan_seen(eh, &list[i]);
	}
	if (ours)
		vvmpd_log("eh: %zu plan(s) of vvmpd's VDs were held: taken", ours);
	free(list);
}

void eh_diverts_sync(struct vvmpd_eh *eh)
{
	struct vvmp_repo_divert dv[EH_MAX_DIVERTS];
	size_t n;

	pthread_mutex_lock(&eh->lock);
	n = eh->ndiverts;
	memcpy(dv, eh->diverts, n * sizeof(*dv));
	pthread_mutex_unlock(&eh->lock);
	for (size_t i = 0; i < n; i++) {
		struct vaapi_range r = { .start = dv[i].start, .length = dv[i].length };
		char name[VVMP_NAME_MAX];
		int err;

		vvmpd_ap_vd_name(eh->d, dv[i].vd_id, name, sizeof(name));
		err = vaapi_eh_add_divert(eh->h, name, &r);
		if (err && err != -EEXIST)
			vvmpd_log("eh: %s: divert range %" PRIu64 "+%" PRIu64 " not restored: %s",
				  name, r.start, r.length, vaapi_strerror(eh->h));
	}
}
