// SPDX-License-Identifier: GPL-2.0
/*
 * Allocations (VDs) over the repository: turning a VVMP request into a
 * layout, planning it on a snapshot of the pool (alloc_plan.c), storing
 * the result as segments in one transaction, telling the units (ASSIGN)
 * and the kernel hand-off (ap_push.c). Callers hold d->lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/alloc_plan.h"
#include "daemon/ap_raid.h"
#include "daemon/raid_table.h"
#include "daemon/vvmpd_internal.h"

#define DEFAULT_STRIPE_KB	64
#define MAX_CAPACITY_KB		(1ULL << 50)	/* 1 EiB: keeps sector math far from overflow */

/* How an allocation is laid out: groups (members, copies) of equal size. */
struct layout {
	uint32_t width;			/* members as the reply states them */
	uint32_t groups;		/* incl. auto-mirror copies */
	uint64_t group_lba;
	uint32_t group_bw_kb;
	uint32_t stripe_kb;
	bool span;
};

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

static uint16_t layout_of(uint32_t type, uint32_t members, uint32_t flags,
			  uint64_t capacity_kb, uint32_t bw_kb, uint32_t stripe_kb,
			  struct layout *l)
{
	bool mirror = flags & VVMP_AF_MIRRORED;
	uint64_t lba = capacity_kb * 2, data_members;

	memset(l, 0, sizeof(*l));
	if (!capacity_kb || capacity_kb > MAX_CAPACITY_KB)
		return VVMP_S_BAD_PAYLOAD;
	switch (type) {
	case VVMP_ST_JBOD:
		if (members > 1)
			return VVMP_S_BAD_PAYLOAD;
		l->width = 1;
		l->groups = mirror ? 2 : 1;
		l->group_lba = lba;
		l->group_bw_kb = bw_kb;
		l->span = !mirror;
		return VVMP_S_OK;
	case VVMP_ST_RAID1:
		l->width = members ? members : 2;
		if (l->width < 2)
			return VVMP_S_BAD_PAYLOAD;
		l->groups = l->width;
		l->group_lba = lba;
		l->group_bw_kb = bw_kb;
		return VVMP_S_OK;
	case VVMP_ST_RAID0:
	case VVMP_ST_RAID5:
		l->width = members ? members : (type == VVMP_ST_RAID0 ? 2 : 3);
		if (l->width < (type == VVMP_ST_RAID0 ? 2u : 3u))
			return VVMP_S_BAD_PAYLOAD;
		data_members = type == VVMP_ST_RAID0 ? l->width : l->width - 1;
		l->groups = type == VVMP_ST_RAID0 && mirror ? 2 * l->width : l->width;
		l->stripe_kb = stripe_kb ? stripe_kb : DEFAULT_STRIPE_KB;
		if (l->stripe_kb > (1u << 20))
			return VVMP_S_BAD_PAYLOAD;
		/* dm-raid's chunk is a power of two of at least 4 KB. */
		if (type == VVMP_ST_RAID5 &&
		    (l->stripe_kb < 4 || (l->stripe_kb & (l->stripe_kb - 1))))
			return VVMP_S_BAD_PAYLOAD;
		/* Each member holds whole chunks. */
		l->group_lba = div_up(div_up(lba, data_members), 2ull * l->stripe_kb) *
			       2ull * l->stripe_kb;
		/* A RAID5 member starts with dm-raid's metadata (ap_raid.c). */
		if (type == VVMP_ST_RAID5)
			l->group_lba += RAID_META_SECTORS;
		l->group_bw_kb = (uint32_t)div_up(bw_kb, data_members);
		break;
	default:
		return VVMP_S_BAD_PAYLOAD;
	}
	return l->groups > VVMP_MAX_MEMBERS ? VVMP_S_BAD_PAYLOAD : VVMP_S_OK;
}

static uint16_t layout_of_vd(const struct vvmp_repo_vd *vd, uint64_t capacity_kb,
			     struct layout *l)
{
	uint32_t width = vd->storage_type == VVMP_ST_JBOD ? 1 :
			 (vd->storage_type == VVMP_ST_RAID0 && (vd->flags & VVMP_AF_MIRRORED)) ?
			 vd->members / 2 : vd->members;

	return layout_of(vd->storage_type, width, vd->flags, capacity_kb,
			 vd->bandwidth_kb, vd->stripe_kb, l);
}

/* ---- the pool snapshot ---------------------------------------------- */

struct pool_snapshot {
	struct vvmp_repo_unit *units;
	size_t nunits;
	struct vvmp_repo_volume *vols;
	size_t nvols;
	struct vvmp_repo_segment *segs;
	size_t nsegs;
	struct vvmp_repo_vd *vds;
	size_t nvds;
};

static void snapshot_free(struct pool_snapshot *s)
{
	free(s->units);
	free(s->vols);
	free(s->segs);
	free(s->vds);
	memset(s, 0, sizeof(*s));
}

static int snapshot_load(struct vvmpd *d, struct pool_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (vvmp_repo_unit_list(d->repo, &s->units, &s->nunits) ||
	    vvmp_repo_volume_list(d->repo, 0, &s->vols, &s->nvols) ||
	    vvmp_repo_segment_list(d->repo, 0, &s->segs, &s->nsegs) ||
	    vvmp_repo_vd_list(d->repo, &s->vds, &s->nvds)) {
		snapshot_free(s);
		return -EIO;
	}
	vvmpd_eh_pool_filter(d, s->vols, &s->nvols);	/* no spares, no failed volumes */
	return 0;
}

static long unit_index(const struct pool_snapshot *s, uint32_t unit_id)
{
	for (size_t i = 0; i < s->nunits; i++)
		if (s->units[i].id == unit_id)
			return (long)i;
	return -1;
}

static const struct vvmp_repo_volume *volume_of(const struct pool_snapshot *s, uint32_t id)
{
	for (size_t i = 0; i < s->nvols; i++)
		if (s->vols[i].id == id)
			return &s->vols[i];
	return NULL;
}

static const struct vvmp_repo_vd *vd_of(const struct pool_snapshot *s, uint32_t id)
{
	for (size_t i = 0; i < s->nvds; i++)
		if (s->vds[i].id == id)
			return &s->vds[i];
	return NULL;
}

/* Free sectors of one volume, summed. Used by QUERY and the control socket. */
uint64_t vvmpd_volume_free_lba(const struct vvmp_repo_volume *v,
			       const struct vvmp_repo_segment *segs, size_t nsegs)
{
	uint64_t used = 0;

	for (size_t i = 0; i < nsegs; i++)
		if (segs[i].volume_id == v->id)
			used += segs[i].length_lba;
	return used < v->length_lba ? v->length_lba - used : 0;
}

/* Build the planner's view: usable units of @domain_id, free ranges, bandwidth in use. */
static int plan_pool_build(const struct pool_snapshot *s, uint32_t domain_id,
			   struct plan_pool *p)
{
	memset(p, 0, sizeof(*p));
	p->units = calloc(s->nunits + 1, sizeof(*p->units));
	p->vols = calloc(s->nvols + 1, sizeof(*p->vols));
	if (!p->units || !p->vols)
		goto fail;
	p->nunits = s->nunits;
	for (size_t i = 0; i < s->nunits; i++) {
		const struct vvmp_repo_unit *u = &s->units[i];

		p->units[i] = (struct plan_unit){
			.id = u->id, .storage_type = u->storage_type,
			.bandwidth_kb = u->bandwidth_kb, .load_pct = u->load_pct,
			.usable = u->state == VVMP_UNIT_UP && u->domain_id == domain_id,
		};
	}
	/* Bandwidth in use: each (VD, member) counts once per unit it touches. */
	for (size_t i = 0; i < s->nsegs; i++) {
		const struct vvmp_repo_segment *g = &s->segs[i];
		const struct vvmp_repo_volume *v = volume_of(s, g->volume_id);
		const struct vvmp_repo_vd *vd = vd_of(s, g->vd_id);
		struct layout l;
		bool seen = false;
		long ui;

		if (!v || !vd || (ui = unit_index(s, v->unit_id)) < 0)
			continue;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct vvmp_repo_volume *kv = volume_of(s, s->segs[k].volume_id);

			seen = s->segs[k].vd_id == g->vd_id && s->segs[k].member == g->member &&
			       kv && kv->unit_id == v->unit_id;
		}
		if (!seen && layout_of_vd(vd, vd->capacity_kb, &l) == VVMP_S_OK)
			p->units[ui].bw_reserved_kb += l.group_bw_kb;
	}
	p->nvols = 0;
	for (size_t i = 0; i < s->nvols; i++) {
		const struct vvmp_repo_volume *v = &s->vols[i];
		struct plan_range *used = malloc((s->nsegs + 1) * sizeof(*used));
		struct plan_volume *pv = &p->vols[p->nvols];
		size_t nused = 0;
		long ui = unit_index(s, v->unit_id);

		if (!used)
			goto fail;
		if (ui < 0) {
			free(used);
			continue;
		}
		for (size_t k = 0; k < s->nsegs; k++)
			if (s->segs[k].volume_id == v->id)
				used[nused++] = (struct plan_range){ s->segs[k].start_lba,
								     s->segs[k].length_lba };
		pv->id = v->id;
		pv->unit_idx = (size_t)ui;
		pv->free = plan_volume_free_ranges(v->start_lba, v->length_lba, used, nused,
						   &pv->nfree);
		free(used);
		for (size_t r = 0; r < pv->nfree; r++)
			p->units[ui].free_lba += pv->free[r].len;
		p->nvols++;
	}
	return 0;
fail:
	plan_pool_free(p);
	return -ENOMEM;
}

/* ---- telling units about assignments --------------------------------- */

static void assign_extent(struct vvmpd *d, uint16_t sub, uint32_t vd_id, uint32_t client_id,
			  uint32_t access, const struct vvmp_repo_segment *g,
			  uint64_t start, uint64_t len, const char *host)
{
	struct vvmp_repo_volume v;
	struct vvmp_assign_req a = { .alloc_id = vd_id, .client_id = client_id,
				     .access = access, .member = g->member,
				     .start_lba = start, .length_lba = len };

	if (vvmp_repo_volume_get(d->repo, g->volume_id, &v))
		return;
	a.volume_id = v.unit_volume_id;
	vvmp_set_text(a.host, sizeof(a.host), host[0] ? host : "?");
	vvmpd_unit_assign(d, v.unit_id, sub, &a);
}

static void owner_host(struct vvmpd *d, uint32_t session_id, uint32_t *client_id,
		       char host[VVMP_HOST_LEN])
{
	struct vvmp_repo_session s;
	struct vvmp_repo_client c;

	*client_id = 0;
	host[0] = 0;
	if (!vvmp_repo_session_get(d->repo, session_id, &s) &&
	    !vvmp_repo_client_get(d->repo, s.client_id, &c)) {
		*client_id = c.id;
		vvmp_set_text(host, VVMP_HOST_LEN, c.name);
	}
}

/* ---- reply ------------------------------------------------------------ */

uint16_t vvmpd_alloc_reply(struct vvmpd *d, uint32_t vd_id, uint32_t session_id,
			   struct vvmp_alloc_rep *rep)
{
	struct vvmp_repo_segment *segs;
	struct vvmp_repo_vd vd;
	size_t n;

	memset(rep, 0, sizeof(*rep));
	if (vvmp_repo_vd_get(d->repo, vd_id, &vd))
		return VVMP_S_NOT_FOUND;
	if (vvmp_repo_segment_list(d->repo, vd_id, &segs, &n))
		return VVMP_S_INTERNAL;
	if (n > VVMP_MAX_EXTENTS) {
		free(segs);
		return VVMP_S_INTERNAL;
	}
	rep->alloc_id = vd.id;
	rep->session_id = session_id;
	rep->storage_type = vd.storage_type;
	rep->access = vd.access;
	rep->capacity_kb = vd.capacity_kb;
	rep->members = vd.storage_type == VVMP_ST_RAID0 && (vd.flags & VVMP_AF_MIRRORED) ?
		       vd.members / 2 : vd.storage_type == VVMP_ST_JBOD ? 1 : vd.members;
	rep->stripe_kb = vd.stripe_kb;
	rep->block_size = vd.block_size;
	for (size_t i = 0; i < n; i++) {
		struct vvmp_extent *e = &rep->extents[rep->extent_count++];
		struct vvmp_repo_volume v;

		if (vvmp_repo_volume_get(d->repo, segs[i].volume_id, &v)) {
			free(segs);
			return VVMP_S_INTERNAL;
		}
		e->san_id = d->cfg.san_id;
		e->unit_id = v.unit_id;
		e->volume_id = v.unit_volume_id;
		e->member = segs[i].member;
		e->transport = v.transport;
		e->start_lba = segs[i].start_lba;
		e->length_lba = segs[i].length_lba;
		vvmp_set_text(e->address, sizeof(e->address), v.address);
	}
	free(segs);
	return VVMP_S_OK;
}

/* ---- allocate ---------------------------------------------------------- */

/* Store planned extents as segments of @vd_id, appended after @seq_base[group]. */
static int store_extents(struct vvmpd *d, uint32_t vd_id, const struct plan_extent *ext,
			 size_t n, uint32_t *next_seq)
{
	for (size_t i = 0; i < n; i++) {
		struct vvmp_repo_segment g = { .vd_id = vd_id, .member = ext[i].group,
					       .seq = next_seq[ext[i].group]++,
					       .volume_id = ext[i].volume_id,
					       .start_lba = ext[i].start, .length_lba = ext[i].len };
		int err = vvmp_repo_segment_add(d->repo, &g);

		if (err)
			return err;
	}
	return 0;
}

static void assign_new_extents(struct vvmpd *d, uint32_t vd_id, uint32_t session_id,
			       uint32_t access, const struct plan_extent *ext, size_t n)
{
	char host[VVMP_HOST_LEN];
	uint32_t client_id;

	owner_host(d, session_id, &client_id, host);
	for (size_t i = 0; i < n; i++) {
		struct vvmp_repo_segment g = { .member = ext[i].group, .volume_id = ext[i].volume_id };

		assign_extent(d, VVMP_ASSIGN_ADD, vd_id, client_id, access, &g,
			      ext[i].start, ext[i].len, host);
	}
}

static uint16_t attach_shared(struct vvmpd *d, uint32_t session_id,
			      const struct vvmp_alloc_req *req, struct vvmp_alloc_rep *rep)
{
	struct vvmp_repo_session s;
	struct vvmp_repo_vd vd;
	int err;

	if (vvmp_repo_session_get(d->repo, session_id, &s) ||
	    vvmp_repo_vd_get(d->repo, req->share_alloc_id, &vd) || vd.domain_id != s.domain_id)
		return VVMP_S_NOT_FOUND;
	if (vd.access != VVMP_ACCESS_SHARED || vd.remote_san_id)
		return VVMP_S_DENIED;
	if (vvmp_repo_vd_is_attached(d->repo, vd.id, session_id) <= 0) {
		err = vvmp_repo_begin(d->repo);
		if (!err)
			err = vvmp_repo_vd_attach(d->repo, vd.id, session_id);
		if (!err)
			err = vvmp_repo_acl_set(d->repo, vd.id, s.client_id, VVMP_REPO_ACL_RW);
		if (err) {
			vvmp_repo_rollback(d->repo);
			return VVMP_S_INTERNAL;
		}
		if (vvmp_repo_commit(d->repo))
			return VVMP_S_INTERNAL;
		vvmpd_ap_push_vd(d, vd.id, "acl");
	}
	return vvmpd_alloc_reply(d, vd.id, session_id, rep);
}

uint16_t vvmpd_allocate(struct vvmpd *d, uint32_t session_id, uint16_t sub,
			const struct vvmp_alloc_req *req, struct vvmp_alloc_rep *rep)
{
	struct plan_extent ext[VVMP_MAX_EXTENTS];
	uint32_t next_seq[VVMP_MAX_MEMBERS] = { 0 };
	struct plan_request pr = { 0 };
	struct pool_snapshot snap;
	struct vvmp_repo_session s;
	struct plan_pool pool;
	struct vvmp_repo_vd vd;
	struct layout l;
	bool raid_deferred = false;
	uint16_t status;
	size_t n;
	int err;

	if (req->share_alloc_id)
		return attach_shared(d, session_id, req, rep);
	status = layout_of(req->storage_type, req->members, req->flags, req->capacity_kb,
			   req->bandwidth_kb, req->stripe_kb, &l);
	if (status)
		return status;
	if (vvmp_repo_session_get(d->repo, session_id, &s))
		return VVMP_S_NO_SESSION;
	if (snapshot_load(d, &snap))
		return VVMP_S_INTERNAL;
	err = plan_pool_build(&snap, s.domain_id, &pool);
	snapshot_free(&snap);
	if (err)
		return VVMP_S_INTERNAL;
	pr.storage_type = req->storage_type;
	pr.groups = l.groups;
	pr.group_lba = l.group_lba;
	pr.group_bw_kb = l.group_bw_kb;
	pr.span = l.span;
	err = plan_allocate(&pool, &pr, ext, VVMP_MAX_EXTENTS, &n);
	plan_pool_free(&pool);
	if (err == -ENOSPC || err == -E2BIG)
		return VVMP_S_NO_SPACE;
	if (err)
		return VVMP_S_INTERNAL;

	vd = (struct vvmp_repo_vd){
		.domain_id = s.domain_id, .owner_session_id = session_id, .sub_opcode = sub,
		.storage_type = req->storage_type, .access = req->access, .flags = req->flags,
		.capacity_kb = req->capacity_kb, .bandwidth_kb = req->bandwidth_kb,
		.qos = req->qos, .timeout_ms = req->timeout_ms, .stripe_kb = l.stripe_kb,
		.block_size = req->block_size, .members = l.groups,
	};
	err = vvmp_repo_begin(d->repo);
	if (!err)
		err = vvmp_repo_vd_create(d->repo, &vd);
	if (!err)
		err = store_extents(d, vd.id, ext, n, next_seq);
	if (!err)
		err = vvmp_repo_vd_attach(d->repo, vd.id, session_id);
	if (!err)
		err = vvmp_repo_acl_set(d->repo, vd.id, s.client_id, VVMP_REPO_ACL_RW);
	if (err) {
		vvmpd_log("allocate: repository refused the plan: %s", vvmp_repo_errmsg(d->repo));
		vvmp_repo_rollback(d->repo);
		return VVMP_S_INTERNAL;
	}
	/*
	 * dm-vvmp has no parity layout: a RAID5 VD is a dm-raid set, which is
	 * built now, its metadata new, or the VD is not handed out at all.
	 */
	if (vd.storage_type == VVMP_ST_RAID5) {
		char why[192];

		err = vvmpd_raid_create(d, &vd, why, sizeof(why));
		if (err == -EINPROGRESS) {
			/* A remote member is attaching: the first push builds the set. */
			vvmpd_log("allocate: RAID5 vd %u: %s: its raid set is built once attached",
				  vd.id, why);
			raid_deferred = true;
			err = 0;
		}
		if (err) {
			vvmpd_log("allocate: RAID5 of %llu KB refused: %s",
				  (unsigned long long)vd.capacity_kb, why);
			vvmp_repo_rollback(d->repo);
			return VVMP_S_UNSUPPORTED_TYPE;
		}
	}
	if (vvmp_repo_commit(d->repo)) {
		vvmpd_raid_remove(d, vd.id);
		return VVMP_S_INTERNAL;
	}
	assign_new_extents(d, vd.id, session_id, req->access, ext, n);
	if (raid_deferred)
		vvmpd_ap_raid_fresh(d, vd.id);
	vvmpd_ap_push_vd(d, vd.id, "create");
	vvmpd_debug(d, "allocated vd %u: %llu KB, %zu extents, session %u", vd.id,
		    (unsigned long long)vd.capacity_kb, n, session_id);
	return vvmpd_alloc_reply(d, vd.id, session_id, rep);
}

/* ---- release ----------------------------------------------------------- */

void vvmpd_release_vd(struct vvmpd *d, uint32_t vd_id, uint32_t session_id)
{
	struct vvmp_repo_segment *segs = NULL;
	char host[VVMP_HOST_LEN];
	struct vvmp_repo_vd vd;
	uint32_t remaining, client_id;
	size_t n = 0;

	if (vvmp_repo_vd_get(d->repo, vd_id, &vd) ||
	    vvmp_repo_vd_detach(d->repo, vd_id, session_id, &remaining))
		return;
	if (remaining)
		return;			/* other sharers still hold it */
	owner_host(d, session_id, &client_id, host);
	vvmp_repo_segment_list(d->repo, vd_id, &segs, &n);
	if (vvmp_repo_vd_delete(d->repo, vd_id)) {
		vvmpd_log("free vd %u: %s", vd_id, vvmp_repo_errmsg(d->repo));
		free(segs);
		return;
	}
	for (size_t i = 0; i < n; i++)
		assign_extent(d, VVMP_ASSIGN_RELEASE, vd_id, client_id, vd.access, &segs[i],
			      segs[i].start_lba, segs[i].length_lba, host);
	free(segs);
	vvmpd_ap_push_vd(d, vd_id, "remove");
	vvmpd_remote_release(d);	/* detach remote volumes left unused */
	pthread_cond_broadcast(&d->pool_changed);
}

uint16_t vvmpd_free(struct vvmpd *d, uint32_t session_id, uint32_t alloc_id)
{
	if (vvmp_repo_vd_is_attached(d->repo, alloc_id, session_id) <= 0)
		return VVMP_S_NOT_FOUND;
	vvmpd_release_vd(d, alloc_id, session_id);
	return VVMP_S_OK;
}

/* ---- grow, change, give back ------------------------------------------ */

/* Sectors held by each member of a VD, and the unit of its last extent. */
static int member_usage(struct vvmpd *d, uint32_t vd_id, uint64_t *held, uint32_t *last_unit,
			uint32_t *next_seq, struct vvmp_repo_segment **segs, size_t *n)
{
	if (vvmp_repo_segment_list(d->repo, vd_id, segs, n))
		return -EIO;
	for (size_t i = 0; i < *n; i++) {
		struct vvmp_repo_volume v;
		uint32_t m = (*segs)[i].member;

		if (m >= VVMP_MAX_MEMBERS || vvmp_repo_volume_get(d->repo, (*segs)[i].volume_id, &v))
			return -EIO;
		held[m] += (*segs)[i].length_lba;
		last_unit[m] = v.unit_id;
		if ((*segs)[i].seq >= next_seq[m])
			next_seq[m] = (*segs)[i].seq + 1;
	}
	return 0;
}

static uint16_t owned_vd(struct vvmpd *d, uint32_t session_id, uint32_t alloc_id,
			 struct vvmp_repo_vd *vd)
{
	if (vvmp_repo_vd_is_attached(d->repo, alloc_id, session_id) <= 0 ||
	    vvmp_repo_vd_get(d->repo, alloc_id, vd))
		return VVMP_S_NOT_FOUND;
	return VVMP_S_OK;
}

/*
 * Whether VD @vd (as stored) can carry @new_group_bw KB/s per group instead
 * of @old_group_bw, with @n new extents @ext: every unit whose share of the
 * VD grows needs that bandwidth free (stated, minus what the other VDs on
 * it reserve; a unit that states none serves no bandwidth). A share is
 * counted once per (member, unit), as the planner does. VVMP_S_OK, or
 * NO_SPACE, logged with the unit.
 */
static uint16_t bandwidth_fits(struct vvmpd *d, const struct vvmp_repo_vd *vd,
			       uint32_t old_group_bw, uint32_t new_group_bw,
			       const struct plan_extent *ext, size_t n)
{
	struct pool_snapshot snap;
	struct plan_pool pool;
	uint32_t *old_members, *new_members;	/* bit m: member m uses the unit */
	uint16_t status = VVMP_S_OK;

	if (snapshot_load(d, &snap))
		return VVMP_S_INTERNAL;
	old_members = calloc(snap.nunits + 1, sizeof(*old_members));
	new_members = calloc(snap.nunits + 1, sizeof(*new_members));
	if (!old_members || !new_members || plan_pool_build(&snap, vd->domain_id, &pool)) {
		free(old_members);
		free(new_members);
		snapshot_free(&snap);
		return VVMP_S_INTERNAL;
	}
	for (size_t i = 0; i < snap.nsegs; i++) {
		const struct vvmp_repo_volume *v = volume_of(&snap, snap.segs[i].volume_id);
		long ui = v ? unit_index(&snap, v->unit_id) : -1;

		if (snap.segs[i].vd_id == vd->id && ui >= 0)
			old_members[ui] |= 1u << (snap.segs[i].member % 32);
	}
	memcpy(new_members, old_members, snap.nunits * sizeof(*new_members));
	for (size_t i = 0; i < n; i++) {
		long ui = unit_index(&snap, ext[i].unit_id);

		if (ui >= 0)
			new_members[ui] |= 1u << (ext[i].group % 32);
	}
	for (size_t ui = 0; ui < snap.nunits && !status; ui++) {
		const struct plan_unit *u = &pool.units[ui];
		uint64_t old_share = (uint64_t)__builtin_popcount(old_members[ui]) * old_group_bw;
		uint64_t new_share = (uint64_t)__builtin_popcount(new_members[ui]) * new_group_bw;
		uint64_t others = u->bw_reserved_kb > old_share ? u->bw_reserved_kb - old_share : 0;

		if (new_share <= old_share || (u->bandwidth_kb && others + new_share <= u->bandwidth_kb))
			continue;
		vvmpd_log("change vd %u: %llu KB/s on unit %u does not fit: it states %u KB/s, "
			  "other allocations reserve %llu: NO_SPACE", vd->id,
			  (unsigned long long)new_share, u->id, u->bandwidth_kb,
			  (unsigned long long)others);
		status = VVMP_S_NO_SPACE;
	}
	plan_pool_free(&pool);
	free(old_members);
	free(new_members);
	snapshot_free(&snap);
	return status;
}

uint16_t vvmpd_change(struct vvmpd *d, uint32_t session_id, const struct vvmp_change_req *req,
		      struct vvmp_alloc_rep *rep)
{
	uint64_t held[VVMP_MAX_MEMBERS] = { 0 };
	uint32_t last_unit[VVMP_MAX_MEMBERS] = { 0 }, next_seq[VVMP_MAX_MEMBERS] = { 0 };
	struct plan_extent ext[VVMP_MAX_EXTENTS];
	struct vvmp_repo_segment *segs = NULL;
	struct plan_request pr = { 0 };
	struct pool_snapshot snap;
	struct plan_pool pool;
	struct vvmp_repo_vd vd;
	struct layout ol, nl;
	size_t nsegs = 0, n = 0;
	uint32_t old_bw_kb;
	uint16_t status = owned_vd(d, session_id, req->alloc_id, &vd);
	int err;

	if (status)
		return status;
	if (req->capacity_kb < vd.capacity_kb)
		return VVMP_S_DENIED;		/* shrinking is GIVE_BACK */
	if (req->capacity_kb > vd.capacity_kb && vd.sub_opcode == VVMP_ALLOC_LOCAL_ONLY)
		return VVMP_S_DENIED;
	/* A raid5 set does not grow in place (that is a reshape): not offered. */
	if (req->capacity_kb > vd.capacity_kb && vd.storage_type == VVMP_ST_RAID5)
		return VVMP_S_UNSUPPORTED_TYPE;
	status = layout_of_vd(&vd, vd.capacity_kb, &ol);
	if (status)
		return status;
	old_bw_kb = vd.bandwidth_kb;
	vd.bandwidth_kb = req->bandwidth_kb;
	vd.qos = req->qos;
	vd.timeout_ms = req->timeout_ms;
	status = layout_of_vd(&vd, req->capacity_kb, &nl);
	if (status)
		return status;
	if (member_usage(d, vd.id, held, last_unit, next_seq, &segs, &nsegs)) {
		free(segs);
		return VVMP_S_INTERNAL;
	}
	free(segs);

	if (req->capacity_kb > vd.capacity_kb) {
		/* Every member grows by what it lacks, on its own unit (span: anywhere). */
		pr.storage_type = vd.storage_type;
		pr.group_bw_kb = 0;	/* its bandwidth is already reserved */
		pr.span = nl.span;
		pr.groups = 0;
		for (uint32_t g = 0; g < nl.groups; g++) {
			uint64_t lack = nl.group_lba > held[g] ? nl.group_lba - held[g] : 0;

			if (lack > pr.group_lba)
				pr.group_lba = lack;
			if (!nl.span)
				pr.fixed_unit[g] = last_unit[g];
		}
		pr.groups = nl.groups;
		if (pr.group_lba) {
			if (snapshot_load(d, &snap))
				return VVMP_S_INTERNAL;
			err = plan_pool_build(&snap, vd.domain_id, &pool);
			snapshot_free(&snap);
			if (err)
				return VVMP_S_INTERNAL;
			err = plan_allocate(&pool, &pr, ext, VVMP_MAX_EXTENTS - nsegs, &n);
			plan_pool_free(&pool);
			if (err == -ENOSPC || err == -E2BIG)
				return VVMP_S_NO_SPACE;
			if (err)
				return VVMP_S_INTERNAL;
		}
	}
	/* The new bandwidth must fit the units before anything changes. */
	status = bandwidth_fits(d, &vd, ol.group_bw_kb, nl.group_bw_kb, ext, n);
	if (status)
		return status;
	if (old_bw_kb != vd.bandwidth_kb)
		vvmpd_log("change vd %u: bandwidth %u -> %u KB/s", vd.id, old_bw_kb, vd.bandwidth_kb);
	vd.capacity_kb = req->capacity_kb;
	vd.flags = (vd.flags & VVMP_AF_MIRRORED) | (req->flags & ~VVMP_AF_MIRRORED);
	err = vvmp_repo_begin(d->repo);
	if (!err)
		err = store_extents(d, vd.id, ext, n, next_seq);
	if (!err)
		err = vvmp_repo_vd_update(d->repo, &vd);
	if (err) {
		vvmp_repo_rollback(d->repo);
		return VVMP_S_INTERNAL;
	}
	if (vvmp_repo_commit(d->repo))
		return VVMP_S_INTERNAL;
	assign_new_extents(d, vd.id, session_id, vd.access, ext, n);
	vvmpd_ap_push_vd(d, vd.id, n ? "grow" : "params");
	return vvmpd_alloc_reply(d, vd.id, session_id, rep);
}

uint16_t vvmpd_give_back(struct vvmpd *d, uint32_t session_id,
			 const struct vvmp_give_back_req *req, struct vvmp_alloc_rep *rep)
{
	uint64_t held[VVMP_MAX_MEMBERS] = { 0 };
	uint32_t last_unit[VVMP_MAX_MEMBERS] = { 0 }, next_seq[VVMP_MAX_MEMBERS] = { 0 };
	struct vvmp_repo_segment *segs = NULL;
	char host[VVMP_HOST_LEN];
	uint32_t client_id;
	struct vvmp_repo_vd vd;
	struct layout nl;
	size_t nsegs = 0;
	uint16_t status = owned_vd(d, session_id, req->alloc_id, &vd);
	int err;

	if (status)
		return status;
	if (req->capacity_kb >= vd.capacity_kb)
		return VVMP_S_DENIED;
	/* A raid5 set does not shrink in place either. */
	if (vd.storage_type == VVMP_ST_RAID5)
		return VVMP_S_UNSUPPORTED_TYPE;
	status = layout_of_vd(&vd, vd.capacity_kb - req->capacity_kb, &nl);
	if (status)
		return status;
	if (member_usage(d, vd.id, held, last_unit, next_seq, &segs, &nsegs)) {
		free(segs);
		return VVMP_S_INTERNAL;
	}
	owner_host(d, session_id, &client_id, host);
	err = vvmp_repo_begin(d->repo);
	/* Trim each member from its end (segments are in member, seq order). */
	for (size_t i = nsegs; i-- > 0 && !err;) {
		struct vvmp_repo_segment *g = &segs[i];
		uint64_t excess = held[g->member] > nl.group_lba ? held[g->member] - nl.group_lba : 0;

		if (!excess)
			continue;
		if (g->length_lba <= excess) {
			err = vvmp_repo_segment_delete(d->repo, g->id);
			held[g->member] -= g->length_lba;	/* whole segment released */
		} else {
			err = vvmp_repo_segment_set_length(d->repo, g->id, g->length_lba - excess);
			held[g->member] -= excess;
			g->start_lba += g->length_lba - excess;	/* the released tail */
			g->length_lba = excess;
		}
		g->seq = UINT32_MAX;		/* mark: released (tail or whole) */
	}
	vd.capacity_kb -= req->capacity_kb;
	if (!err)
		err = vvmp_repo_vd_update(d->repo, &vd);
	if (err) {
		vvmp_repo_rollback(d->repo);
		free(segs);
		return VVMP_S_INTERNAL;
	}
	if (vvmp_repo_commit(d->repo)) {
		free(segs);
		return VVMP_S_INTERNAL;
	}
	for (size_t i = 0; i < nsegs; i++) {
		if (segs[i].seq != UINT32_MAX)
			continue;
		assign_extent(d, VVMP_ASSIGN_RELEASE, vd.id, client_id, vd.access, &segs[i],
			      segs[i].start_lba, segs[i].length_lba, host);
	}
	free(segs);
	vvmpd_ap_push_vd(d, vd.id, "shrink");
	pthread_cond_broadcast(&d->pool_changed);
	return vvmpd_alloc_reply(d, vd.id, session_id, rep);
}
