// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpd's exception handling (the seeds' EH group on the control-path
 * side; Documentation/vvmpd.rst "Exception handling"): a thread that
 * listens to the kernel's events group and handles the plans the
 * accelerated path hands to vvmpd (eh_plans.c), and recovers the legs that
 * failed under them (eh_recovery.c).
 *
 * The thread connects when the vvmp family is there and again whenever the
 * kernel hand-off (ap_push.c) sees it come back (d->kernel_epoch): a module
 * reload drops the multicast membership without a word, so the poll that
 * already notices reloads is the one signal. On connecting it subscribes,
 * takes the snapshot, lists the plans still held (a restart with plans
 * pending), puts vvmpd's divert ranges back and looks for failed legs it
 * has not recorded. Events lost (-ESTALE) mean a new snapshot and a new
 * listing.
 *
 * What the push sets on each VD lives here too (vvmpd_eh_push_*): the
 * exception masks of a mirror's legs and the plan policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/eh_internal.h"

/*
 * Every leg of a mirror: a failed write component is logged (the dirty
 * region), the others go on, and the write is handed to vvmpd, which
 * records the stale leg before the client hears of success.
 */
#define EH_MIRROR_MASKS		(VVMP_MASK_DEFAULT | VVMP_MASK_LOG_DATA)

uint64_t eh_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool eh_log_once(struct vvmpd_eh *eh, const char *key)
{
	for (size_t i = 0; i < eh->nlogged; i++)
		if (!strcmp(eh->logged[i], key))
			return false;
	if (eh->nlogged < EH_MAX_LOGGED)
		snprintf(eh->logged[eh->nlogged++], VVMP_NAME_MAX, "%s", key);
	return true;
}

/* ---- what a push sets (called by ap_push.c with d->lock held) ------------ */

int vvmpd_eh_config(struct vvmpd *d)
{
	char ms[32] = "", action[16] = "";
	uint32_t v;
	char *end;

	if (!d->cfg.exc_timeout_ms &&
	    !vvmp_repo_policy_get(d->repo, "exc_timeout_ms", ms, sizeof(ms))) {
		v = (uint32_t)strtoul(ms, &end, 10);
		if (!ms[0] || *end || !v || v > VVMP_EXC_TIMEOUT_MS_MAX) {
			vvmpd_log("invalid policy exc_timeout_ms '%s' (1..%u)", ms,
				  VVMP_EXC_TIMEOUT_MS_MAX);
			return -1;
		}
		d->cfg.exc_timeout_ms = v;
	}
	if (d->cfg.exc_on_timeout < 0 &&
	    !vvmp_repo_policy_get(d->repo, "exc_on_timeout", action, sizeof(action))) {
		if (strcmp(action, "fail") && strcmp(action, "hold")) {
			vvmpd_log("invalid policy exc_on_timeout '%s' (fail or hold)", action);
			return -1;
		}
		d->cfg.exc_on_timeout = !strcmp(action, "hold") ? VVMP_EXC_TIMEOUT_HOLD :
								   VVMP_EXC_TIMEOUT_FAIL;
	}
	if (!d->cfg.exc_timeout_ms)
		d->cfg.exc_timeout_ms = VVMPD_EXC_TIMEOUT_MS;
	if (d->cfg.exc_on_timeout < 0)
		d->cfg.exc_on_timeout = VVMP_EXC_TIMEOUT_HOLD;
	return 0;
}

uint32_t vvmpd_eh_stale_legs(struct vvmpd *d, uint32_t vd_id, unsigned int nr_legs)
{
	struct vvmp_repo_leg *legs = NULL;
	uint32_t stale = 0, all = nr_legs >= 32 ? ~0u : (1u << nr_legs) - 1;
	size_t n = 0;

	if (nr_legs < 2 || vvmp_repo_leg_list(d->repo, vd_id, &legs, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (legs[i].state != VVMP_REPO_LEG_IN_SYNC && legs[i].leg < nr_legs)
			stale |= 1u << legs[i].leg;
	if ((stale & all) == all) {
		/* Nothing to copy from: serve from all of them rather than none. */
		vvmpd_log("eh: vd %u: every leg is recorded stale: none failed at creation", vd_id);
		stale = 0;
	}
	/* The new kernel VD has no log of what they missed: copy them whole. */
	for (unsigned int l = 0; l < nr_legs; l++)
		if (stale & (1u << l))
			vvmp_repo_leg_set_full(d->repo, vd_id, l, 1);
	free(legs);
	return stale;
}

int vvmpd_eh_push_legs(struct vaapi *h, const char *name, unsigned int nr_legs, uint32_t stale)
{
	struct vaapi_component c = { .present = VAAPI_COMPONENT_MASKS, .masks = EH_MIRROR_MASKS };
	int err = 0;

	if (nr_legs < 2)
		return 0;		/* nothing to hand over: no other leg has the data */
	for (unsigned int l = 0; l < nr_legs && !err; l++)
		err = vaapi_iop_set_plan_params(h, name, l, &c);
	for (unsigned int l = 0; l < nr_legs && !err; l++)
		if (stale & (1u << l))
			err = vaapi_ssap_fail_leg(h, name, l);
	return err;
}

int vvmpd_eh_push_policy(struct vvmpd *d, struct vaapi *h, const char *name)
{
	return vaapi_eh_set_plan_policy(h, name, d->cfg.exc_timeout_ms, d->cfg.exc_on_timeout);
}

void vvmpd_eh_pool_filter(struct vvmpd *d, struct vvmp_repo_volume *vols, size_t *n)
{
	uint32_t *reserved = NULL;
	size_t nr = 0, w = 0;

	if (vvmp_repo_volume_reserved(d->repo, &reserved, &nr) || !nr) {
		free(reserved);
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		bool keep = true;

		for (size_t k = 0; k < nr && keep; k++)
			keep = vols[i].id != reserved[k];
		if (keep)
			vols[w++] = vols[i];
	}
	*n = w;
	free(reserved);
}

void vvmpd_eh_kick(struct vvmpd *d)
{
	char c = 1;

	if (d->eh && write(d->eh->wake[1], &c, 1) < 0)
		return;		/* a full pipe has news already */
}

/* ---- the connection ---------------------------------------------------------- */

static void eh_disconnect(struct vvmpd_eh *eh)
{
	vaapi_events_close(eh->ev);
	eh->ev = NULL;
	/* Closing the socket returns the plans it took to their policy at once. */
	vaapi_close(eh->h);
	eh->h = NULL;
	eh->npending = 0;
}

static int on_event(const struct vaapi_event *ev, bool snapshot, void *arg)
{
	struct vvmpd_eh *eh = arg;
	uint32_t vd_id;

	if (snapshot)
		return 0;		/* plans and legs are listed, not snapshotted */
	switch (ev->type) {
	case VVMP_EVENT_EXCEPTION:
		eh_plan_seen(eh, &ev->exception);
		break;
	case VVMP_EVENT_EXCEPTION_DONE:
		eh_plan_done(eh, ev->exc_id);
		break;
	case VVMP_EVENT_LEG_STATE:
		vd_id = vvmpd_ap_owned_vd(eh->d, ev->vd);
		if (!vd_id || !ev->leg.has_health)
			break;
		if (ev->leg.health == VVMP_LEG_STATE_FAILED)
			eh_leg_failed(eh, vd_id, ev->leg_index, "the kernel failed it");
		else if (ev->leg.health == VVMP_LEG_STATE_IN_SYNC)
			eh_leg_in_sync(eh, vd_id, ev->leg_index);
		break;
	default:
		break;
	}
	return 0;
}

static int eh_connect(struct vvmpd_eh *eh)
{
	struct vvmpd *d = eh->d;
	int err, fl;

	eh->epoch = __atomic_load_n(&d->kernel_epoch, __ATOMIC_ACQUIRE);
	eh->h = vaapi_open();
	if (!eh->h)
		return -errno;
	eh->ev = vaapi_events_open(eh->h);
	if (!eh->ev) {
		err = -errno;
		goto fail;
	}
	err = vaapi_events_subscribe(eh->ev);
	if (!err)
		err = vaapi_events_snapshot(eh->ev, on_event, eh);
	if (err)
		goto fail;
	fl = fcntl(vaapi_events_fd(eh->ev), F_GETFL);
	fcntl(vaapi_events_fd(eh->ev), F_SETFL, fl | O_NONBLOCK);
	vvmpd_log("eh: listening to the kernel's events (plans held: timeout %u ms, then %s)",
		  d->cfg.exc_timeout_ms,
		  d->cfg.exc_on_timeout == VVMP_EXC_TIMEOUT_HOLD ? "hold" : "fail");
	eh_plans_sweep(eh);
	eh_diverts_sync(eh);
	eh_legs_scan(eh);
	eh->next_tick_ms = 0;
	return 0;
fail:
	vvmpd_log("eh: cannot listen to the kernel's events: %s (%s)", strerror(-err),
		  vaapi_strerror(eh->h));
	eh_disconnect(eh);
	return err;
}

/* Read what the events socket holds; -errno if the connection is unusable. */
static int eh_read_events(struct vvmpd_eh *eh)
{
	for (;;) {
		int err = vaapi_events_read(eh->ev, on_event, eh);

		if (err == -EAGAIN || err == -EWOULDBLOCK)
			return 0;
		if (err == -ESTALE) {
			vvmpd_log("eh: events lost: new snapshot, held plans listed again");
			err = vaapi_events_snapshot(eh->ev, on_event, eh);
			if (err)
				return err;
			eh->resweep = true;
			continue;
		}
		if (err)
			return err;
	}
}

static void *eh_main(void *arg)
{
	struct vvmpd_eh *eh = arg;
	struct vvmpd *d = eh->d;
	uint64_t retry_ms = 0;

	while (!d->stopping) {
		struct pollfd p[2] = { { .fd = eh->wake[0], .events = POLLIN },
				       { .fd = -1, .events = POLLIN } };
		unsigned int epoch = __atomic_load_n(&d->kernel_epoch, __ATOMIC_ACQUIRE);
		uint64_t now = vvmp_now_ms();
		int timeout = EH_TICK_MS, next;
		char buf[64];

		if (eh->h && epoch != eh->epoch) {
			vvmpd_log("eh: the vvmp family came back: listening again");
			eh_disconnect(eh);
			retry_ms = 0;
		}
		if (!eh->h && now >= retry_ms && eh_connect(eh))
			retry_ms = now + 2000;
		if (eh->h) {
			if (eh->resweep) {
				eh->resweep = false;
				eh_plans_sweep(eh);
				eh_legs_scan(eh);
			}
			next = eh_plans_run(eh, vvmp_now_ms());
			if (next >= 0 && next < timeout)
				timeout = next;
			if (vvmp_now_ms() >= eh->next_tick_ms) {
				eh_recovery_tick(eh, vvmp_now_ms());
				eh->next_tick_ms = vvmp_now_ms() + EH_TICK_MS;
			}
			p[1].fd = vaapi_events_fd(eh->ev);
		}
		if (poll(p, 2, timeout) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			while (read(eh->wake[0], buf, sizeof(buf)) > 0)
				;
			eh->next_tick_ms = 0;
		}
		if (eh->h && (p[1].revents & (POLLIN | POLLERR))) {
			int err = eh_read_events(eh);

			if (err) {
				vvmpd_log("eh: reading events: %s (%s): listening again",
					  strerror(-err), vaapi_strerror(eh->h));
				eh_disconnect(eh);
			}
		}
	}
	return NULL;
}

int vvmpd_eh_start(struct vvmpd *d)
{
	struct vvmpd_eh *eh;
	int err;

	if (!d->cfg.kernel_poll_ms)
		return 0;			/* --no-kernel */
	eh = calloc(1, sizeof(*eh));
	if (!eh)
		return -ENOMEM;
	eh->d = d;
	pthread_mutex_init(&eh->lock, NULL);
	if (pipe2(eh->wake, O_CLOEXEC | O_NONBLOCK)) {
		err = -errno;
		free(eh);
		return err;
	}
	/* vvmpd's divert ranges, known before the first plan arrives. */
	pthread_mutex_lock(&d->lock);
	{
		struct vvmp_repo_divert *dv = NULL;
		size_t n = 0;

		vvmp_repo_divert_list(d->repo, 0, &dv, &n);
		for (size_t i = 0; i < n && i < EH_MAX_DIVERTS; i++)
			eh->diverts[eh->ndiverts++] = dv[i];
		free(dv);
	}
	d->eh = eh;
	pthread_mutex_unlock(&d->lock);
	err = pthread_create(&eh->thread, NULL, eh_main, eh);
	if (err)
		return -err;
	pthread_detach(eh->thread);
	return 0;
}
