/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vvmpd's exception handling, shared by eh*.c (Documentation/vvmpd.rst
 * "Exception handling"). One thread (eh.c) owns a libvaapi handle of its
 * own, whose socket owns the plans vvmpd takes, and the events listener;
 * only that thread uses them. Repository access takes d->lock, as
 * everywhere in vvmpd; eh->lock guards the little the control socket's
 * thread shares with it (vvmpd's divert ranges, the wake-up).
 */
#ifndef VVMPD_EH_INTERNAL_H
#define VVMPD_EH_INTERNAL_H

#include <vvmp/vaapi.h>
#include "daemon/vvmpd_internal.h"

#define EH_MAX_PENDING		256	/* taken plans waiting for --eh-delay-ms */
#define EH_MAX_LEGS		256	/* legs being recovered at once */
#define EH_MAX_DIVERTS		256	/* vvmpd's divert ranges, all VDs */
#define EH_MAX_LOGGED		64	/* VDs whose foreign plans were logged */
#define EH_TICK_MS		500	/* recovery state checks */
#define EH_SETTLE_MS		500	/* a failed leg quiet this long before a rebuild */

/* A plan vvmpd took and handles once due (at once unless --eh-delay-ms). */
struct eh_pending {
	struct vaapi_exception e;
	uint32_t vd_id;
	uint64_t due_ms;
};

/* Runtime state of a leg being recovered (the repository has the rest). */
struct eh_leg_rt {
	uint32_t vd_id;
	uint32_t leg;
	uint64_t next_probe_ms;
	uint64_t copied_bytes;		/* the VD's counter when the copy began */
	bool probe_logged;		/* a failed probe was logged (once) */
	uint64_t quiet_since_ms;	/* no clone in flight on it, no plan since (0: not) */
	char why_no_spare[96];		/* last reason logged, not repeated */
};

struct vvmpd_eh {
	struct vvmpd *d;
	pthread_t thread;
	struct vaapi *h;		/* NULL while not connected */
	struct vaapi_events *ev;
	unsigned int epoch;		/* d->kernel_epoch when connected */
	int wake[2];			/* pipe: another thread has news */
	uint64_t next_tick_ms;
	bool resweep;			/* events lost: list held plans again */

	struct eh_pending pending[EH_MAX_PENDING];
	size_t npending;
	struct eh_leg_rt legs[EH_MAX_LEGS];
	size_t nlegs;
	char logged[EH_MAX_LOGGED][VVMP_NAME_MAX];	/* foreign plans logged once */
	size_t nlogged;

	pthread_mutex_t lock;		/* guards diverts[] */
	struct vvmp_repo_divert diverts[EH_MAX_DIVERTS];
	size_t ndiverts;
};

/* eh.c */
/* Wall clock in ms (the repository's timestamps). */
uint64_t eh_wall_ms(void);
/* Log @key's message once (a VD name, say); true if it was logged now. */
bool eh_log_once(struct vvmpd_eh *eh, const char *key);

/* eh_plans.c: plans held for the control path (EH thread only). */
/* A plan seen (event or listing): take it and queue it, or leave it. */
void eh_plan_seen(struct vvmpd_eh *eh, const struct vaapi_exception *e);
/* Plan @id ended in the kernel (EXCEPTION_DONE): forget it. */
void eh_plan_done(struct vvmpd_eh *eh, uint64_t id);
/* List every held plan and handle those of vvmpd's VDs (start, reconnect). */
void eh_plans_sweep(struct vvmpd_eh *eh);
/* Handle the queued plans that are due; the ms until the next one (or -1). */
int eh_plans_run(struct vvmpd_eh *eh, uint64_t now_ms);
/* Whether plans of @vd_id are still queued (a map change would make them stale). */
bool eh_plans_queued(const struct vvmpd_eh *eh, uint32_t vd_id);
/* Whether the kernel holds plans of VD @name (0), none (1), or -errno. */
int eh_plans_held(struct vvmpd_eh *eh, const char *name);
/* Whether VD sectors [sector, sector + len) of @vd_id lie in one of vvmpd's ranges. */
bool eh_divert_ours(struct vvmpd_eh *eh, uint32_t vd_id, uint64_t sector, uint64_t len);
/* Put vvmpd's divert ranges (from the repository) into the kernel again. */
void eh_diverts_sync(struct vvmpd_eh *eh);

/* eh_recovery.c: failed legs (EH thread only). */
/* Leg @leg of @vd_id failed (plan, event or scan): record it, recover it. */
void eh_leg_failed(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg, const char *how);
/* A plan of leg @leg of @vd_id arrived: the leg is not quiet yet. */
void eh_leg_busy(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg);
/* The kernel says leg @leg of @vd_id is in sync (event). */
void eh_leg_in_sync(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg);
/* Failed legs the kernel shows but the repository lacks (start, reconnect). */
void eh_legs_scan(struct vvmpd_eh *eh);
/* Probes, restores, rebuilds and completions that are due. */
void eh_recovery_tick(struct vvmpd_eh *eh, uint64_t now_ms);

#endif
