// SPDX-License-Identifier: GPL-2.0
/*
 * Failed legs of vvmpd's VDs (EH thread only). A leg the kernel failed
 * (under a plan, or seen in an event or a scan) is recorded FAILED in the
 * repository, then, every EH_TICK_MS:
 *
 * - if a hot spare of the VD's domain fits (eh_spare.c), the member moves
 *   onto it: repository and kernel together, under d->lock (PLAN_SET
 *   REPLACE: the kernel copies the whole leg), REBUILDING. Only once the
 *   failed leg has settled (no clone in flight on it for EH_SETTLE_MS, no
 *   plan held), and with the VD's devices quiesced until its I/O drained:
 *   a write that took the old map must not reach the legs after the swap;
 *   the clients' I/O pauses for the drain (milliseconds);
 * - else the leg is probed every --probe-ms with a pass-through read of its
 *   first sector; once it answers it is restored (PLAN_SET RESTORE: the
 *   kernel copies the regions its log says it missed, or all of it when
 *   that log is gone), RESYNCING;
 * - RESYNCING or REBUILDING ends when the kernel reports the leg in sync,
 *   or goes back to FAILED if the copy failed it again.
 *
 * Nothing is done on a VD while plans of it are still queued: a map change
 * would make their resubmission stale.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/eh_internal.h"
#include "daemon/eh_spare.h"

static const char *const state_names[] = {
	[VVMP_REPO_LEG_IN_SYNC] = "in-sync", [VVMP_REPO_LEG_FAILED] = "failed",
	[VVMP_REPO_LEG_RESYNCING] = "resyncing", [VVMP_REPO_LEG_REBUILDING] = "rebuilding",
};

static struct eh_leg_rt *leg_rt(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg, bool create)
{
	for (size_t i = 0; i < eh->nlegs; i++)
		if (eh->legs[i].vd_id == vd_id && eh->legs[i].leg == leg)
			return &eh->legs[i];
	if (!create || eh->nlegs == EH_MAX_LEGS)
		return NULL;
	eh->legs[eh->nlegs] = (struct eh_leg_rt){ .vd_id = vd_id, .leg = leg };
	return &eh->legs[eh->nlegs++];
}

static void leg_rt_drop(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg)
{
	struct eh_leg_rt *rt = leg_rt(eh, vd_id, leg, false);

	if (rt)
		*rt = eh->legs[--eh->nlegs];
}

void eh_leg_busy(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg)
{
	struct eh_leg_rt *rt = leg_rt(eh, vd_id, leg, false);

	if (rt)
		rt->quiet_since_ms = 0;
}

/*
 * Whether failed leg @leg of @name has settled: no clone in flight on it
 * for EH_SETTLE_MS, no plan since, none held. Before that a map change
 * (the spare's REPLACE) would make the plans of writes still completing
 * stale, and their clients would get EIO.
 */
static bool leg_settled(struct vvmpd_eh *eh, struct eh_leg_rt *rt, uint32_t leg,
			const char *name, uint64_t now)
{
	struct vaapi_vd_stats *st = malloc(sizeof(*st));
	bool busy = !st || vaapi_psap_copy_vd_stats(eh->h, name, st) || leg >= st->nr_legs ||
		    st->legs[leg].in_flight;

	free(st);
	if (busy) {
		rt->quiet_since_ms = 0;
		return false;
	}
	if (!rt->quiet_since_ms)
		rt->quiet_since_ms = now;
	return now - rt->quiet_since_ms >= EH_SETTLE_MS && eh_plans_held(eh, name) == 1;
}

/* The VD's resync counter (bytes copied since it was created), 0 if unknown. */
static uint64_t copied_bytes(struct vvmpd_eh *eh, const char *name)
{
	struct vaapi_vd_stats *st = malloc(sizeof(*st));
	uint64_t v = 0;

	if (st && !vaapi_psap_copy_vd_stats(eh->h, name, st))
		v = st->vd.copied_bytes;
	free(st);
	return v;
}

static void set_state(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg, uint32_t state)
{
	struct vvmpd *d = eh->d;
	int err;

	pthread_mutex_lock(&d->lock);
	err = vvmp_repo_leg_set_state(d->repo, vd_id, leg, state, eh_wall_ms());
	if (err && err != -ENOENT)
		vvmpd_log("eh: vd %u leg %u: cannot record %s: %s", vd_id, leg,
			  state_names[state], vvmp_repo_errmsg(d->repo));
	pthread_mutex_unlock(&d->lock);
}

void eh_leg_failed(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg, const char *how)
{
	struct vvmpd *d = eh->d;
	struct eh_leg_rt *rt;
	char name[VVMP_NAME_MAX];
	int err, newly = 0;

	pthread_mutex_lock(&d->lock);
	err = vvmp_repo_leg_fail(d->repo, vd_id, leg, eh_wall_ms(), &newly);
	if (err == -ENOENT)
		newly = 0;			/* the VD was freed meanwhile */
	else if (err)
		vvmpd_log("eh: vd %u leg %u: cannot record the failure: %s", vd_id, leg,
			  vvmp_repo_errmsg(d->repo));
	pthread_mutex_unlock(&d->lock);
	if (!newly)
		return;
	vvmpd_ap_vd_name(d, vd_id, name, sizeof(name));
	vvmpd_log("eh: %s leg %u failed (%s): recorded", name, leg, how);
	rt = leg_rt(eh, vd_id, leg, true);
	if (rt) {
		rt->next_probe_ms = vvmp_now_ms() + d->cfg.probe_ms;
		rt->why_no_spare[0] = '\0';
		rt->probe_logged = false;
	}
	eh->next_tick_ms = 0;			/* a spare, if any, at once */
}

static void leg_done(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg, const char *name,
		     uint32_t was)
{
	struct eh_leg_rt *rt = leg_rt(eh, vd_id, leg, false);
	uint64_t copied = copied_bytes(eh, name);

	set_state(eh, vd_id, leg, VVMP_REPO_LEG_IN_SYNC);
	if (rt && copied >= rt->copied_bytes)
		vvmpd_log("eh: %s leg %u is in sync again (%s done, %" PRIu64 " KiB copied)",
			  name, leg, state_names[was], (copied - rt->copied_bytes) / 1024);
	else
		vvmpd_log("eh: %s leg %u is in sync again", name, leg);
	leg_rt_drop(eh, vd_id, leg);
}

void eh_leg_in_sync(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg)
{
	struct vvmpd *d = eh->d;
	struct vvmp_repo_leg row;
	char name[VVMP_NAME_MAX];
	int err;

	pthread_mutex_lock(&d->lock);
	err = vvmp_repo_leg_get(d->repo, vd_id, leg, &row);
	pthread_mutex_unlock(&d->lock);
	if (err || row.state == VVMP_REPO_LEG_IN_SYNC)
		return;
	vvmpd_ap_vd_name(d, vd_id, name, sizeof(name));
	leg_done(eh, vd_id, leg, name, row.state);
}

/* ---- rebuild onto a hot spare ------------------------------------------------- */

#define EH_DRAIN_MS	5000		/* longest wait for a VD's I/O to drain */

/* The statuses a quiesce replaced, to put back. */
struct quiesce {
	enum vvmp_status vd_status;
	unsigned int nr;
	char clients[VAAPI_MAX_DEVICES][VVMP_NAME_MAX];
	enum vvmp_status status[VAAPI_MAX_DEVICES];
};

static void vd_release(struct vvmpd_eh *eh, const char *name, const struct quiesce *q)
{
	for (unsigned int i = 0; i < q->nr; i++)
		vaapi_peap_set_status(eh->h, name, q->clients[i], q->status[i]);
	vaapi_peap_set_status(eh->h, name, NULL, q->vd_status);
}

/*
 * Hold new I/O at every device of @name (status quiesced, the VD default
 * and each bound client) and wait until none is in flight: a write that
 * took the map before a REPLACE but reaches its legs after it would write
 * the replaced leg's index on the old extents. 0, or -errno with the
 * statuses put back.
 */
static int vd_quiesce(struct vvmpd_eh *eh, const char *name, struct quiesce *q)
{
	struct vaapi_vd_info *info = malloc(sizeof(*info));
	struct vaapi_vd_stats *st = malloc(sizeof(*st));
	uint64_t end = vvmp_now_ms() + EH_DRAIN_MS;
	int err = info && st ? vaapi_ap_get_vd(eh->h, name, info) : -ENOMEM;

	memset(q, 0, sizeof(*q));
	if (err)
		goto out;
	q->vd_status = info->status;
	for (unsigned int i = 0; i < info->nr_device_records; i++) {
		const char *c = info->devices[i].client;
		struct vaapi_policy pol;
		bool seen = !c[0];

		for (unsigned int k = 0; k < q->nr && !seen; k++)
			seen = !strcmp(q->clients[k], c);
		if (seen || vaapi_peap_get_status(eh->h, name, c, &pol))
			continue;
		snprintf(q->clients[q->nr], VVMP_NAME_MAX, "%s", c);
		q->status[q->nr++] = pol.status;
	}
	err = vaapi_peap_set_status(eh->h, name, NULL, VVMP_STATUS_QUIESCED);
	for (unsigned int i = 0; i < q->nr && !err; i++)
		err = vaapi_peap_set_status(eh->h, name, q->clients[i], VVMP_STATUS_QUIESCED);
	while (!err) {
		err = vaapi_psap_copy_vd_stats(eh->h, name, st);
		if (err || !st->vd.in_flight)
			break;
		if (vvmp_now_ms() >= end) {
			err = -ETIMEDOUT;
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	}
	if (err)
		vd_release(eh, name, q);
out:
	free(info);
	free(st);
	return err;
}

/*
 * Move the member of failed leg @leg of @vd_id onto a spare, repository and
 * kernel together (d->lock held). 0 when the rebuild started; else @why.
 */
static int spare_rebuild_locked(struct vvmpd_eh *eh, uint32_t vd_id, uint32_t leg,
				const char *name, char *why, size_t why_len, uint64_t *len_out)
{
	struct vvmpd *d = eh->d;
	struct vvmp_repo_segment *segs = NULL;
	struct vvmp_repo_spare *spares = NULL;
	struct eh_spare_candidate *cand = NULL;
	uint32_t units[VVMP_MAX_LEGS * 4];
	struct eh_spare_need need = { .member_units = units };
	struct vvmp_repo_volume v;
	struct vvmp_repo_vd vd;
	struct vaapi_leg *kleg = NULL;
	struct quiesce q;
	size_t nsegs = 0, nspares = 0;
	int pick, err;

	err = vvmp_repo_vd_get(d->repo, vd_id, &vd);
	if (err) {
		snprintf(why, why_len, "not in the repository");
		return err;
	}
	/* A linear map's leg is one member; a striped leg is several. */
	if (vd.storage_type != VVMP_ST_RAID1 && vd.storage_type != VVMP_ST_JBOD) {
		snprintf(why, why_len, "no spare rebuild for a striped or RAID5 VD");
		return -EOPNOTSUPP;
	}
	err = vvmp_repo_spare_list(d->repo, &spares, &nspares);
	if (!err && !nspares) {
		snprintf(why, why_len, "no hot spare configured");
		err = -ENOENT;
	}
	if (!err)
		err = vvmp_repo_segment_list(d->repo, vd_id, &segs, &nsegs);
	if (err)
		goto out;
	need.domain_id = vd.domain_id;
	for (size_t i = 0; i < nsegs; i++) {
		uint32_t unit = 0;

		if (!vvmp_repo_volume_get(d->repo, segs[i].volume_id, &v))
			unit = v.unit_id;
		if (segs[i].member == leg) {
			need.length_lba += segs[i].length_lba;
			if (!need.failed_unit)
				need.failed_unit = unit;
		} else if (unit && need.nr_member_units < sizeof(units) / sizeof(units[0])) {
			units[need.nr_member_units++] = unit;
		}
	}
	cand = calloc(nspares, sizeof(*cand));
	if (!cand) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nspares; i++)
		cand[i] = (struct eh_spare_candidate){
			.volume_id = spares[i].volume_id, .unit_id = spares[i].unit_id,
			.domain_id = spares[i].domain_id,
			.unit_up = spares[i].unit_state == VVMP_UNIT_UP,
			.length_lba = spares[i].length_lba,
		};
	pick = eh_spare_pick(cand, nspares, &need);
	if (pick < 0) {
		snprintf(why, why_len, "no spare fits (domain %u, %" PRIu64 " sectors, away "
			 "from the units of the other members, unit up)", vd.domain_id,
			 need.length_lba);
		err = -ENOENT;
		goto out;
	}
	kleg = calloc(1, sizeof(*kleg));
	err = kleg ? vvmp_repo_volume_get(d->repo, cand[pick].volume_id, &v) : -ENOMEM;
	if (!err)
		err = vvmpd_volume_device(d, &v, kleg->extents[0].device,
					  sizeof(kleg->extents[0].device), why, why_len);
	if (err)
		goto out;
	kleg->nr_extents = 1;
	kleg->extents[0].offset = 0;
	kleg->extents[0].length = need.length_lba;
	err = vvmp_repo_begin(d->repo);
	if (!err)
		err = vvmp_repo_member_to_spare(d->repo, vd_id, leg, v.id, eh_wall_ms());
	if (!err)
		err = vvmp_repo_leg_set_state(d->repo, vd_id, leg, VVMP_REPO_LEG_REBUILDING,
					      eh_wall_ms());
	if (err) {
		snprintf(why, why_len, "repository: %s", vvmp_repo_errmsg(d->repo));
		vvmp_repo_rollback(d->repo);
		goto out;
	}
	err = vd_quiesce(eh, name, &q);
	if (err) {
		snprintf(why, why_len, "its I/O did not drain for the replace: %s (%s)",
			 strerror(-err), vaapi_strerror(eh->h));
		vvmp_repo_rollback(d->repo);
		goto out;
	}
	err = vaapi_ssap_set_io_plan(eh->h, name, VVMP_PLAN_REPLACE, leg, kleg);
	if (err)
		snprintf(why, why_len, "PLAN_SET replace onto volume %u: %s", v.id,
			 vaapi_strerror(eh->h));
	vd_release(eh, name, &q);
	if (err) {
		vvmp_repo_rollback(d->repo);
		goto out;
	}
	err = vvmp_repo_commit(d->repo);
	if (err)
		vvmpd_log("eh: %s: the kernel rebuilds leg %u onto volume %u but the repository "
			  "did not commit it: %s", name, leg, v.id, vvmp_repo_errmsg(d->repo));
	snprintf(why, why_len, "volume %u (unit %u)", v.id, v.unit_id);
	*len_out = need.length_lba;
	err = 0;
out:
	free(kleg);
	free(cand);
	free(segs);
	free(spares);
	return err;
}

/* 0 if leg @leg of @name now rebuilds onto a spare. */
static int spare_rebuild(struct vvmpd_eh *eh, struct eh_leg_rt *rt, uint32_t vd_id,
			 uint32_t leg, const char *name)
{
	char why[160] = "";
	uint64_t copied = copied_bytes(eh, name), len = 0;
	int err;

	pthread_mutex_lock(&eh->d->lock);
	err = spare_rebuild_locked(eh, vd_id, leg, name, why, sizeof(why), &len);
	pthread_mutex_unlock(&eh->d->lock);
	if (!err) {
		vvmpd_log("eh: %s leg %u: rebuilding onto spare %s: the kernel copies all %" PRIu64
			  " sectors", name, leg, why, len);
		rt->copied_bytes = copied;
		rt->why_no_spare[0] = '\0';
		return 0;
	}
	if (strncmp(why, rt->why_no_spare, sizeof(rt->why_no_spare) - 1)) {
		vvmpd_log("eh: %s leg %u: not rebuilt onto a spare: %s; probing it every %u ms",
			  name, leg, why, eh->d->cfg.probe_ms);
		snprintf(rt->why_no_spare, sizeof(rt->why_no_spare), "%s", why);
	}
	return err;
}

/* ---- probe and restore -------------------------------------------------------- */

static void probe_and_restore(struct vvmpd_eh *eh, struct eh_leg_rt *rt,
			      const struct vvmp_repo_leg *row, const char *name, uint64_t now)
{
	uint8_t sector[512];
	int err;

	if (now < rt->next_probe_ms)
		return;
	rt->next_probe_ms = now + eh->d->cfg.probe_ms;
	/* The seeds' pass-through plan: read the leg's first sector, nothing else. */
	err = vaapi_eh_passthrough(eh->h, name, row->leg, false, 0, sector, sizeof(sector));
	if (err) {
		if (!rt->probe_logged)
			vvmpd_log("eh: %s leg %u: probe: %s; again every %u ms", name, row->leg,
				  vaapi_strerror(eh->h), eh->d->cfg.probe_ms);
		rt->probe_logged = true;
		return;
	}
	rt->copied_bytes = copied_bytes(eh, name);
	err = vaapi_ssap_restore_leg(eh->h, name, row->leg, row->full_copy);
	if (err) {
		vvmpd_log("eh: %s leg %u answers again but cannot be restored: %s", name,
			  row->leg, vaapi_strerror(eh->h));
		return;
	}
	set_state(eh, row->vd_id, row->leg, VVMP_REPO_LEG_RESYNCING);
	vvmpd_log("eh: %s leg %u answers again: restored, the kernel copies %s", name, row->leg,
		  row->full_copy ? "all of it (its log was lost)" : "the regions it missed");
}

/* ---- the state machine ----------------------------------------------------------- */

/* One recorded leg against the kernel's view of it. */
static void leg_step(struct vvmpd_eh *eh, const struct vvmp_repo_leg *row,
		     const struct vaapi_map *map, const char *name, uint64_t now)
{
	enum vvmp_leg_state kh;
	struct eh_leg_rt *rt;

	if (row->leg >= map->nr_legs)
		return;				/* the map lost that leg */
	kh = map->legs[row->leg].health;
	rt = leg_rt(eh, row->vd_id, row->leg, true);
	if (!rt)
		return;
	switch (row->state) {
	case VVMP_REPO_LEG_FAILED:
		if (kh != VVMP_LEG_STATE_FAILED) {
			/* Restored by someone else (vvmpctl, a dm message). */
			vvmpd_log("eh: %s leg %u was restored outside vvmpd", name, row->leg);
			if (kh == VVMP_LEG_STATE_IN_SYNC)
				leg_done(eh, row->vd_id, row->leg, name, row->state);
			else
				set_state(eh, row->vd_id, row->leg, VVMP_REPO_LEG_RESYNCING);
			return;
		}
		if (eh_plans_queued(eh, row->vd_id))
			return;			/* resubmit them before the map changes */
		if (leg_settled(eh, rt, row->leg, name, now) &&
		    !spare_rebuild(eh, rt, row->vd_id, row->leg, name))
			return;
		probe_and_restore(eh, rt, row, name, now);
		return;
	case VVMP_REPO_LEG_RESYNCING:
	case VVMP_REPO_LEG_REBUILDING:
		if (kh == VVMP_LEG_STATE_IN_SYNC) {
			leg_done(eh, row->vd_id, row->leg, name, row->state);
		} else if (kh == VVMP_LEG_STATE_FAILED) {
			vvmpd_log("eh: %s leg %u failed again while %s", name, row->leg,
				  state_names[row->state]);
			eh_leg_failed(eh, row->vd_id, row->leg, "its copy failed");
		}
		return;
	}
}

void eh_recovery_tick(struct vvmpd_eh *eh, uint64_t now_ms)
{
	struct vvmpd *d = eh->d;
	struct vvmp_repo_leg *rows = NULL;
	struct vaapi_map *map = malloc(sizeof(*map));
	uint32_t map_vd = 0;
	size_t n = 0;
	int err = 0;

	if (!map)
		return;
	pthread_mutex_lock(&d->lock);
	vvmp_repo_leg_list(d->repo, 0, &rows, &n);
	pthread_mutex_unlock(&d->lock);
	for (size_t i = 0; i < n; i++) {
		char name[VVMP_NAME_MAX];

		if (rows[i].state == VVMP_REPO_LEG_IN_SYNC)
			continue;
		vvmpd_ap_vd_name(d, rows[i].vd_id, name, sizeof(name));
		if (map_vd != rows[i].vd_id) {		/* rows come ordered by VD */
			map_vd = rows[i].vd_id;
			err = vaapi_ap_get_map_vd(eh->h, name, map);
		}
		if (!err)
			leg_step(eh, &rows[i], map, name, now_ms);	/* else: not pushed yet */
	}
	/* Forget legs no longer recorded as failing (their VD was freed, say). */
	for (size_t k = 0; k < eh->nlegs;) {
		bool recorded = false;

		for (size_t i = 0; i < n && !recorded; i++)
			recorded = rows[i].vd_id == eh->legs[k].vd_id &&
				   rows[i].leg == eh->legs[k].leg &&
				   rows[i].state != VVMP_REPO_LEG_IN_SYNC;
		if (recorded)
			k++;
		else
			eh->legs[k] = eh->legs[--eh->nlegs];
	}
	free(rows);
	free(map);
}

struct scan_list {
	char (*names)[VVMP_NAME_MAX];
	size_t n;
	struct vvmpd *d;
};

static int scan_cb(const struct vaapi_vd_info *info, void *arg)
{
	struct scan_list *s = arg;
	void *p;

	if (!vvmpd_ap_owned_vd(s->d, info->name))
		return 0;
	p = realloc(s->names, (s->n + 1) * sizeof(*s->names));
	if (!p)
		return -ENOMEM;
	s->names = p;
	snprintf(s->names[s->n++], VVMP_NAME_MAX, "%s", info->name);
	return 0;
}

void eh_legs_scan(struct vvmpd_eh *eh)
{
	struct scan_list s = { .d = eh->d };
	struct vaapi_map *map = malloc(sizeof(*map));

	if (map && !vaapi_ap_list_vds(eh->h, scan_cb, &s)) {
		for (size_t i = 0; i < s.n; i++) {
			uint32_t vd_id = vvmpd_ap_owned_vd(eh->d, s.names[i]);

			if (vaapi_ap_get_map_vd(eh->h, s.names[i], map))
				continue;
			for (unsigned int l = 0; l < map->nr_legs; l++)
				if (map->legs[l].health == VVMP_LEG_STATE_FAILED)
					eh_leg_failed(eh, vd_id, l, "found failed");
		}
	}
	free(s.names);
	free(map);
}
