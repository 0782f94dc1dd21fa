// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel hand-off: pushing the repository's VDs, clients, ACL, status
 * and class of service to dm-vvmp through libvaapi (the one place vvmpd
 * talks to dm-vvmp; a RAID5 VD's dm-raid set underneath is ap_raid.c's).
 * The mapping is in Documentation/vvmpd.rst "Kernel hand-off".
 *
 * Each VD is pushed in one kernel transaction (TXN_BEGIN, the commands
 * staged, TXN_COMMIT): its map, clients, ACL, CoS and statuses reach the
 * kernel all at once or not at all, so no bio ever sees a new VD enabled
 * before its policy is in place. The commands are made idempotent: a VD
 * whose kernel map already equals the repository's is left alone, a longer
 * linear map is appended with VD_SET_SEGMENT, any other difference is a
 * VD_SET_MAP. A module without transactions (TXN_BEGIN: EOPNOTSUPP), or
 * vvmpd --no-kernel-txn, gets the same commands one by one; there a VD the
 * push creates is quiesced for its clients until the push of its policy is
 * complete ("config complete" hold-down), and a push that stays incomplete
 * for hold_down_ms gets the hold-down action (enable or disable).
 *
 * Each push also sets what exception handling needs (eh.c): the masks of a
 * mirror's legs (staged with the rest), the legs the repository records as
 * stale failed again in a VD the push creates, and the VD's plan policy
 * (after the commit: the kernel applies it at once).
 *
 * A poll thread notices the family appearing (module loaded or reloaded)
 * or pushed VDs missing, and pushes everything again; it also deletes
 * kernel VDs this manager owns but no longer stores, once no dm device
 * exposes them. Everything here runs under d->lock, which also serialises
 * the one libvaapi handle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vvmp/vaapi.h>
#include "daemon/ap_raid.h"
#include "daemon/vvmpd_internal.h"

#define AP_MAX_TRACKED	4096		/* VDs whose push state is remembered */
#define AP_MAX_CLIENTS	64		/* clients of one VD pushed */

/* What the hand-off remembers about one repository VD. */
struct ap_vd {
	uint32_t id;
	bool pushed;			/* kernel state equals the repository's */
	bool held;			/* quiesced for the hold-down, push incomplete */
	bool raid_fresh;		/* RAID5 set still to be built over zeroed metadata */
	uint64_t held_since_ms;
	char reason[96];		/* why it is not pushed ("" if it is) */
};

struct vvmpd_ap {
	struct vaapi *h;
	bool family_missing_logged;
	bool no_txn;			/* TXN_BEGIN answered EOPNOTSUPP (older module) */
	bool prune_clients;		/* a VD went: delete clients left without one */
	pthread_t poller;
	struct ap_vd vds[AP_MAX_TRACKED];
	size_t nvds;
};

/* One client of a VD as the kernel should know it. */
struct ap_client {
	char name[VVMP_NAME_MAX];	/* vvmpd_ap_client_name() */
	char info[VAAPI_CLIENT_INFO_MAX];
	enum vvmp_acl acl;		/* VVMP_ACL_* */
	enum vvmp_status status;	/* after the push */
	struct vaapi_cos cos;
	bool has_cos;
};

/* ---- names ------------------------------------------------------------ */

void vvmpd_ap_vd_name(const struct vvmpd *d, uint32_t vd_id, char *out, size_t len)
{
	snprintf(out, len, "san%u-vd%u", d->cfg.san_id, vd_id);
}

void vvmpd_ap_client_name(uint32_t domain_id, const char *host, char *out, size_t len)
{
	/* VVMP host names have at most VVMP_NAME_LEN - 1 bytes: this always fits. */
	if (snprintf(out, len, "d%u-%s", domain_id, host) >= (int)len)
		out[0] = '\0';
}

/* The info text of the kernel clients this manager owns. */
static void owned_client_info(const struct vvmpd *d, const char *host, char *out, size_t len)
{
	snprintf(out, len, "vvmpd san%u host %s", d->cfg.san_id, host);
}

uint32_t vvmpd_ap_owned_vd(const struct vvmpd *d, const char *name)
{
	unsigned int san, id;
	int end = 0;

	if (sscanf(name, "san%u-vd%u%n", &san, &id, &end) != 2 || name[end] ||
	    san != d->cfg.san_id)
		return 0;
	return id;
}

static struct ap_vd *track(struct vvmpd *d, uint32_t vd_id, bool create)
{
	struct vvmpd_ap *ap = d->ap;

	for (size_t i = 0; i < ap->nvds; i++)
		if (ap->vds[i].id == vd_id)
			return &ap->vds[i];
	if (!create || ap->nvds == AP_MAX_TRACKED)
		return NULL;
	ap->vds[ap->nvds] = (struct ap_vd){ .id = vd_id };
	return &ap->vds[ap->nvds++];
}

static void untrack(struct vvmpd *d, uint32_t vd_id)
{
	struct vvmpd_ap *ap = d->ap;
	struct ap_vd *t = track(d, vd_id, false);

	if (t)
		*t = ap->vds[--ap->nvds];
}

/* ---- the handle --------------------------------------------------------- */

/* The libvaapi handle, opened if needed; NULL while the family is absent. */
static struct vaapi *handle(struct vvmpd *d)
{
	struct vvmpd_ap *ap = d->ap;

	if (ap->h)
		return ap->h;
	ap->h = vaapi_open();
	if (!ap->h) {
		if (!ap->family_missing_logged)
			vvmpd_log("kernel: %s; VDs are pushed once it appears", vaapi_strerror(NULL));
		ap->family_missing_logged = true;
		return NULL;
	}
	ap->family_missing_logged = false;
	/* The family is (back): exception handling listens again (eh.c). */
	__atomic_add_fetch(&d->kernel_epoch, 1, __ATOMIC_RELEASE);
	return ap->h;
}

static void handle_drop(struct vvmpd *d)
{
	vaapi_close(d->ap->h);
	d->ap->h = NULL;
	d->ap->no_txn = false;		/* the next module may have them */
}

/* ---- the repository's view, as a kernel map ------------------------------ */

/* RAID5: one linear leg, the whole of the VD's dm-raid device (ap_raid.c). */
static int raid5_map(struct vvmpd *d, const struct vvmp_repo_vd *vd, struct vaapi_map *map,
		     char *why, size_t why_len)
{
	struct vaapi_extent *e = &map->legs[0].extents[0];
	struct ap_vd *t = track(d, vd->id, false);
	uint64_t sectors;
	int err = vvmpd_raid_device(d, vd, t && t->raid_fresh, e->device, sizeof(e->device),
				    &sectors, why, why_len);

	if (err)
		return err;
	if (t)
		t->raid_fresh = false;
	map->layout = VVMP_MAP_LINEAR;
	map->nosync = true;
	map->nr_legs = 1;
	map->legs[0].nr_extents = 1;
	e->offset = 0;
	e->length = sectors;
	return 0;
}

/*
 * The map of repository VD @vd: groups become legs (linear) or stripe
 * members (striped), a RAID5 VD's raid device one leg. -EOPNOTSUPP with
 * @why for what the kernel cannot hold.
 */
static int build_map(struct vvmpd *d, const struct vvmp_repo_vd *vd, struct vaapi_map *map,
		     char *why, size_t why_len)
{
	struct vvmp_repo_segment *segs = NULL;
	uint32_t width, legs;
	bool striped;
	size_t n = 0;
	int err = 0;

	memset(map, 0, sizeof(*map));
	switch (vd->storage_type) {
	case VVMP_ST_JBOD:
	case VVMP_ST_RAID1:
		striped = false;
		width = 1;
		break;
	case VVMP_ST_RAID0:
		striped = true;
		width = (vd->flags & VVMP_AF_MIRRORED) ? vd->members / 2 : vd->members;
		break;
	case VVMP_ST_RAID5:
		return raid5_map(d, vd, map, why, why_len);
	default:
		snprintf(why, why_len, "storage type %u has no kernel layout", vd->storage_type);
		return -EOPNOTSUPP;
	}
	legs = width ? vd->members / width : 0;
	if (!legs || legs > VVMP_MAX_LEGS || width > VVMP_MAX_EXTENTS) {
		snprintf(why, why_len, "%u members do not fit %u legs", vd->members, VVMP_MAX_LEGS);
		return -EOPNOTSUPP;
	}
	if (vvmp_repo_segment_list(d->repo, vd->id, &segs, &n))
		return -EIO;
	map->layout = striped ? VVMP_MAP_STRIPED : VVMP_MAP_LINEAR;
	map->chunk_sectors = striped ? vd->stripe_kb * 2 : 0;
	map->nosync = true;
	map->nr_legs = legs;
	for (size_t i = 0; i < n && !err; i++) {
		const struct vvmp_repo_segment *s = &segs[i];
		struct vvmp_repo_volume v;
		struct vaapi_leg *leg;
		struct vaapi_extent *e;

		if (s->member >= vd->members) {
			snprintf(why, why_len, "segment %u of member %u", s->id, s->member);
			err = -EINVAL;
			break;
		}
		leg = &map->legs[s->member / width];
		if (striped && leg->nr_extents != s->member % width) {
			snprintf(why, why_len, "grown striped member %u (several extents)", s->member);
			err = -EOPNOTSUPP;
			break;
		}
		if (leg->nr_extents == VVMP_MAX_EXTENTS) {
			snprintf(why, why_len, "more than %u extents per leg", VVMP_MAX_EXTENTS);
			err = -EOPNOTSUPP;
			break;
		}
		if (vvmp_repo_volume_get(d->repo, s->volume_id, &v)) {
			err = -EIO;
			break;
		}
		e = &leg->extents[leg->nr_extents++];
		err = vvmpd_volume_device(d, &v, e->device, sizeof(e->device), why, why_len);
		if (err)
			break;
		e->offset = s->start_lba - v.start_lba;
		e->length = s->length_lba;
	}
	free(segs);
	if (!err && (!map->legs[0].nr_extents || (striped && map->legs[0].nr_extents != width))) {
		snprintf(why, why_len, "incomplete map (%u extents)", map->legs[0].nr_extents);
		err = -EINVAL;
	}
	return err;
}

static uint64_t leg_sectors(const struct vaapi_map *m, const struct vaapi_leg *l)
{
	uint64_t sum = 0;

	(void)m;
	for (unsigned int i = 0; i < l->nr_extents; i++)
		sum += l->extents[i].length;
	return sum;
}

/* Merge adjacent extents of a linear leg that continue on the same device. */
static void leg_normalise(const struct vaapi_map *m, struct vaapi_leg *l)
{
	unsigned int w = 0;

	if (m->layout != VVMP_MAP_LINEAR)
		return;
	for (unsigned int r = 0; r < l->nr_extents; r++) {
		struct vaapi_extent *prev = w ? &l->extents[w - 1] : NULL;

		if (prev && !strcmp(prev->device, l->extents[r].device) &&
		    prev->offset + prev->length == l->extents[r].offset)
			prev->length += l->extents[r].length;
		else
			l->extents[w++] = l->extents[r];
	}
	l->nr_extents = w;
}

static bool extent_eq(const struct vaapi_extent *a, const struct vaapi_extent *b)
{
	return !strcmp(a->device, b->device) && a->offset == b->offset && a->length == b->length;
}

static bool maps_equal(const struct vaapi_map *a, const struct vaapi_map *b)
{
	if (a->layout != b->layout || a->nr_legs != b->nr_legs ||
	    (a->layout == VVMP_MAP_STRIPED && a->chunk_sectors != b->chunk_sectors))
		return false;
	for (unsigned int l = 0; l < a->nr_legs; l++) {
		if (a->legs[l].nr_extents != b->legs[l].nr_extents)
			return false;
		for (unsigned int i = 0; i < a->legs[l].nr_extents; i++)
			if (!extent_eq(&a->legs[l].extents[i], &b->legs[l].extents[i]))
				return false;
	}
	return true;
}

/*
 * Whether linear map @want continues @cur: every leg of @cur is the start
 * of the same leg of @want (the last extent may continue further).
 */
static bool map_extends(const struct vaapi_map *cur, const struct vaapi_map *want)
{
	if (cur->layout != VVMP_MAP_LINEAR || want->layout != VVMP_MAP_LINEAR ||
	    cur->nr_legs != want->nr_legs ||
	    leg_sectors(cur, &cur->legs[0]) >= leg_sectors(want, &want->legs[0]))
		return false;
	for (unsigned int l = 0; l < cur->nr_legs; l++) {
		const struct vaapi_leg *c = &cur->legs[l], *w = &want->legs[l];
		unsigned int last = c->nr_extents - 1;

		if (!c->nr_extents || c->nr_extents > w->nr_extents)
			return false;
		for (unsigned int i = 0; i < last; i++)
			if (!extent_eq(&c->extents[i], &w->extents[i]))
				return false;
		if (strcmp(c->extents[last].device, w->extents[last].device) ||
		    c->extents[last].offset != w->extents[last].offset ||
		    c->extents[last].length > w->extents[last].length)
			return false;
	}
	return true;
}

/* Where VD sector @s lies on @leg: extent and sectors left in it. */
static void leg_locate(const struct vaapi_leg *leg, uint64_t s, struct vaapi_extent *out)
{
	uint64_t base = 0;

	for (unsigned int i = 0; i < leg->nr_extents; i++) {
		const struct vaapi_extent *e = &leg->extents[i];

		if (s < base + e->length) {
			*out = *e;
			out->offset += s - base;
			out->length -= s - base;
			return;
		}
		base += e->length;
	}
	memset(out, 0, sizeof(*out));
}

/* Append [from, end of @want) with VD_SET_SEGMENT, one piece per extent boundary. */
static int append_segments(struct vaapi *h, const char *name, const struct vaapi_map *want,
			   uint64_t from)
{
	uint64_t size = leg_sectors(want, &want->legs[0]);

	while (from < size) {
		struct vaapi_segment seg = { .start = from, .length = size - from };
		int err;

		seg.nr_extents = want->nr_legs;
		for (unsigned int l = 0; l < want->nr_legs; l++) {
			leg_locate(&want->legs[l], from, &seg.extents[l]);
			if (seg.extents[l].length < seg.length)
				seg.length = seg.extents[l].length;
		}
		for (unsigned int l = 0; l < want->nr_legs; l++)
			seg.extents[l].length = seg.length;
		err = vaapi_ap_set_segment_vd(h, name, &seg);
		if (err)
			return err;
		from += seg.length;
	}
	return 0;
}

/* ---- clients ------------------------------------------------------------ */

static enum vvmp_status status_of(uint32_t repo_status)
{
	return repo_status == VVMP_CLIENT_DISABLED ? VVMP_STATUS_DISABLED :
	       repo_status == VVMP_CLIENT_QUIESCED ? VVMP_STATUS_QUIESCED : VVMP_STATUS_ENABLED;
}

/*
 * The bytes/s limit of a client on a VD: the lower of its class of
 * service's bandwidth and the allocation's (0 is unlimited). The
 * allocation's bandwidth (KB/s) is the VD's, so every device of a holder
 * is limited to it (Documentation/vvmpd.rst "Bandwidth").
 */
static uint64_t bps_limit(uint64_t cos_bps, uint32_t alloc_bw_kb)
{
	uint64_t alloc_bps = (uint64_t)alloc_bw_kb * 1024;

	if (!alloc_bps)
		return cos_bps;
	return cos_bps && cos_bps < alloc_bps ? cos_bps : alloc_bps;
}

/*
 * The clients holding @vd_id (owner and sharers) with their ACL entry and
 * CoS; @alloc_bw_kb is the VD's allocation bandwidth.
 */
static size_t vd_clients(struct vvmpd *d, uint32_t vd_id, uint32_t alloc_bw_kb,
			 struct ap_client *out, size_t max)
{
	uint32_t seen[AP_MAX_CLIENTS];
	size_t n = 0;

	for (size_t i = 0; i < d->nsessions && n < max; i++) {
		const struct vvmpd_session_rt *s = &d->sessions[i];
		struct vvmp_repo_client c;
		struct vvmp_repo_cos cos;
		uint32_t acl = VVMP_REPO_ACL_NONE;
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup |= seen[k] == s->client_id;
		if (dup || vvmp_repo_vd_is_attached(d->repo, vd_id, s->id) <= 0 ||
		    vvmp_repo_client_get(d->repo, s->client_id, &c))
			continue;
		vvmp_repo_acl_get(d->repo, vd_id, c.id, &acl);
		seen[n] = c.id;
		out[n] = (struct ap_client){
			.acl = acl == VVMP_REPO_ACL_RW ? VVMP_ACL_RW :
			       acl == VVMP_REPO_ACL_RO ? VVMP_ACL_RO : VVMP_ACL_NONE,
			.status = status_of(c.status),
		};
		vvmpd_ap_client_name(c.domain_id, c.name, out[n].name, sizeof(out[n].name));
		owned_client_info(d, c.name, out[n].info, sizeof(out[n].info));
		if (c.cos_id && !vvmp_repo_cos_get(d->repo, c.cos_id, &cos)) {
			out[n].has_cos = true;
			out[n].cos = (struct vaapi_cos){
				.present = VAAPI_COS_IOPS | VAAPI_COS_BPS | VAAPI_COS_PRIORITY,
				.iops = cos.iops_limit, .bps = (uint64_t)cos.bandwidth_kb * 1024,
				.priority = (uint8_t)(cos.priority > 3 ? 3 : cos.priority),
			};
		}
		if (alloc_bw_kb) {
			out[n].has_cos = true;
			out[n].cos.present = VAAPI_COS_IOPS | VAAPI_COS_BPS | VAAPI_COS_PRIORITY;
			out[n].cos.bps = bps_limit(out[n].cos.bps, alloc_bw_kb);
		}
		n++;
	}
	return n;
}

/* Set every client's (and the VD default's) status to @status. */
static int set_status_all(struct vaapi *h, const char *name, const struct ap_client *cl,
			  size_t n, enum vvmp_status status)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = vaapi_peap_set_status(h, name, cl[i].name, status);
	if (!err)
		err = vaapi_peap_set_status(h, name, NULL, status);
	return err;
}

static void prune_clients(struct vvmpd *d);

/* ---- one VD --------------------------------------------------------------- */

/* Make the kernel VD of a VD no longer stored go away (or refuse I/O until it can). */
static void remove_vd(struct vaapi *h, const char *name)
{
	struct vaapi_vd_info *info;
	int err = vaapi_ap_delete_vd(h, name);

	if (!err || err == -ENOENT) {
		if (!err)
			vvmpd_log("kernel: %s deleted", name);
		return;
	}
	if (err != -EBUSY) {
		vvmpd_log("kernel: delete %s: %s (%s)", name, strerror(-err), vaapi_strerror(h));
		return;
	}
	/* Its storage is back in the pool: no more I/O through the devices left. */
	info = malloc(sizeof(*info));
	if (info && !vaapi_ap_get_vd(h, name, info)) {
		for (unsigned int i = 0; i < info->nr_device_records; i++)
			if (info->devices[i].client[0])
				vaapi_peap_set_status(h, name, info->devices[i].client,
						      VVMP_STATUS_DISABLED);
		if (info->status != VVMP_STATUS_DISABLED) {
			vaapi_peap_set_status(h, name, NULL, VVMP_STATUS_DISABLED);
			vvmpd_log("kernel: %s is freed but %u device(s) expose it: disabled, "
				  "deleted once they are removed", name, info->nr_devices);
		}
	}
	free(info);
}

/* How the kernel's map of a VD compares with the repository's. */
enum map_change { MAP_ABSENT, MAP_EQUAL, MAP_EXTENDS, MAP_DIFFERS };

/*
 * The commands that make the kernel hold VD @name as stored: the map
 * (@change from @cur_sectors to @want), then each client, its ACL and CoS,
 * the VD default ACL, then the final statuses. A VD created here is
 * quiesced (default and clients) before its policy is pushed: the
 * "config complete" hold-down. Within a transaction they are staged and
 * the commit applies them all or none; *@created says VD_CREATE and the
 * quiesce were sent (applied, outside a transaction).
 */
static int push_commands(struct vaapi *h, const char *name, enum map_change change,
			 uint64_t cur_sectors, struct vaapi_map *want, uint32_t stale_legs,
			 const struct ap_client *clients, size_t ncl, bool *created)
{
	struct vaapi_cos none = { .present = VAAPI_COS_IOPS | VAAPI_COS_BPS | VAAPI_COS_PRIORITY };
	int err = 0;

	*created = false;
	switch (change) {
	case MAP_ABSENT:
		err = vaapi_ap_create_vd(h, name, want);
		/* Hold-down: devices bound before the push completes hold their I/O. */
		if (!err)
			err = vaapi_peap_set_status(h, name, NULL, VVMP_STATUS_QUIESCED);
		*created = !err;
		break;
	case MAP_EXTENDS:
		err = append_segments(h, name, want, cur_sectors);
		break;
	case MAP_DIFFERS:
		want->nosync = false;
		err = vaapi_ap_set_map_vd(h, name, want);
		want->nosync = true;
		break;
	case MAP_EQUAL:
		break;
	}
	/* A mirror's exception masks; a new VD's legs the repository knows stale. */
	if (!err)
		err = vvmpd_eh_push_legs(h, name, want->nr_legs, stale_legs);

	/* Clients, their ACL and CoS; a created VD's clients start quiesced. */
	for (size_t i = 0; i < ncl && !err; i++) {
		err = vaapi_peap_set_client(h, clients[i].name, clients[i].info);
		if (!err && change == MAP_ABSENT)
			err = vaapi_peap_set_status(h, name, clients[i].name, VVMP_STATUS_QUIESCED);
		if (!err)
			err = vaapi_peap_set_acl(h, name, clients[i].name, clients[i].acl);
		if (!err)
			err = vaapi_peap_set_cos(h, name, clients[i].name,
						 clients[i].has_cos ? &clients[i].cos : &none);
	}
	/* Only the clients holding the VD get access; a device without a client none. */
	if (!err)
		err = vaapi_peap_set_acl(h, name, NULL, VVMP_ACL_NONE);

	/* Config complete: release the hold-down. */
	for (size_t i = 0; i < ncl && !err; i++)
		err = vaapi_peap_set_status(h, name, clients[i].name, clients[i].status);
	if (!err)
		err = vaapi_peap_set_status(h, name, NULL, VVMP_STATUS_ENABLED);
	return err;
}

/*
 * push_commands() in one kernel transaction: 1 if it was committed (0 in
 * *@err) or refused (the kernel unchanged, the error in *@err); 0 if the
 * kernel has no transactions (EOPNOTSUPP: a module older than TXN_*,
 * remembered) or the push needs more commands than one may stage (E2BIG):
 * the caller then sends the commands one by one.
 */
static int push_in_txn(struct vvmpd *d, struct vaapi *h, const char *name,
		       enum map_change change, uint64_t cur_sectors, struct vaapi_map *want,
		       uint32_t stale_legs, const struct ap_client *clients, size_t ncl, int *err)
{
	bool created;
	uint32_t txn;

	if (d->ap->no_txn || d->cfg.no_kernel_txn)
		return 0;
	*err = vaapi_tx_begin(h, &txn);
	if (*err == -EOPNOTSUPP) {
		vvmpd_log("kernel: no transactions (TXN_BEGIN: %s): pushing command by command",
			  vaapi_strerror(h));
		d->ap->no_txn = true;
		return 0;
	}
	if (*err)
		return 1;
	vaapi_tx_use(h, txn);
	*err = push_commands(h, name, change, cur_sectors, want, stale_legs, clients, ncl,
			     &created);
	if (*err) {
		vaapi_tx_abort(h, txn);
		vaapi_tx_use(h, 0);
		if (*err == -E2BIG) {
			vvmpd_log("kernel: %s needs more than %u commands: pushed without a "
				  "transaction", name, VVMP_MAX_TXN_OPS);
			return 0;
		}
		return 1;
	}
	/* Still in use: libvaapi then grows the devices of VDs the commit extended. */
	*err = vaapi_tx_commit(h, txn);
	vaapi_tx_use(h, 0);		/* a failed commit leaves nothing to stage into */
	return 1;
}

/* Push repository VD @vd_id; 0 once the kernel holds it as stored. */
static int push_vd(struct vvmpd *d, uint32_t vd_id)
{
	struct ap_client clients[AP_MAX_CLIENTS];
	struct vaapi_map *want, *cur;
	struct vvmp_repo_vd vd;
	char name[VVMP_NAME_MAX], why[96] = "";
	struct vaapi *h = handle(d);
	enum map_change change = MAP_EQUAL;
	uint64_t cur_sectors = 0;
	uint32_t stale;
	struct ap_vd *t;
	bool created, in_txn;
	size_t ncl;
	int err;

	vvmpd_ap_vd_name(d, vd_id, name, sizeof(name));
	if (vvmp_repo_vd_get(d->repo, vd_id, &vd)) {
		untrack(d, vd_id);
		if (h) {
			remove_vd(h, name);
			prune_clients(d);
		}
		/* A RAID5 VD's dm-raid set, after the kernel VD on top of it. */
		vvmpd_raid_remove(d, vd_id);
		return 0;
	}
	t = track(d, vd_id, true);
	if (!t)
		return -ENOSPC;
	if (vd.remote_san_id) {
		snprintf(t->reason, sizeof(t->reason), "forwarded to SAN %u", vd.remote_san_id);
		return 0;
	}
	if (!h) {
		snprintf(t->reason, sizeof(t->reason), "kernel family absent");
		t->pushed = false;
		return -ENOENT;
	}
	want = malloc(sizeof(*want));
	cur = malloc(sizeof(*cur));
	if (!want || !cur) {
		err = -ENOMEM;
		goto out;
	}
	err = build_map(d, &vd, want, why, sizeof(why));
	if (err) {
		if (strcmp(why, t->reason))
			vvmpd_log("kernel: %s not pushed: %s", name, why);
		goto out;
	}
	for (unsigned int l = 0; l < want->nr_legs; l++)
		leg_normalise(want, &want->legs[l]);
	ncl = vd_clients(d, vd_id, vd.bandwidth_kb, clients, AP_MAX_CLIENTS);

	err = vaapi_ap_get_map_vd(h, name, cur);
	if (err == -ENOENT) {
		change = MAP_ABSENT;
	} else if (err) {
		goto kernel_err;
	} else {
		for (unsigned int l = 0; l < cur->nr_legs; l++)
			leg_normalise(cur, &cur->legs[l]);
		cur_sectors = leg_sectors(cur, &cur->legs[0]);
		if (map_extends(cur, want))
			change = MAP_EXTENDS;
		else if (!maps_equal(cur, want))
			change = MAP_DIFFERS;
	}

	stale = change == MAP_ABSENT ? vvmpd_eh_stale_legs(d, vd_id, want->nr_legs) : 0;
	in_txn = push_in_txn(d, h, name, change, cur_sectors, want, stale, clients, ncl, &err);
	if (!in_txn) {
		err = push_commands(h, name, change, cur_sectors, want, stale, clients, ncl,
				    &created);
		/* Half pushed: the VD stays quiesced until a retry completes it. */
		if (err && created && !t->held) {
			t->held = true;
			t->held_since_ms = vvmp_now_ms();
		}
	}
	if (!err)
		err = vvmpd_eh_push_policy(d, h, name);	/* not transactional */
	if (err)
		goto kernel_err;
	if (change == MAP_ABSENT)
		vvmpd_log("kernel: %s created (%" PRIu64 " sectors, %u leg(s))%s", name,
			  leg_sectors(want, &want->legs[0]), want->nr_legs,
			  in_txn ? " in one transaction" : "");
	else if (change == MAP_EXTENDS)
		vvmpd_log("kernel: %s grown to %" PRIu64 " sectors%s", name,
			  leg_sectors(want, &want->legs[0]), in_txn ? " in one transaction" : "");
	else if (change == MAP_DIFFERS)
		vvmpd_log("kernel: %s map replaced%s", name, in_txn ? " in one transaction" : "");
	t->pushed = true;
	t->held = false;
	t->reason[0] = '\0';
	goto out;

kernel_err:
	snprintf(why, sizeof(why), "%s: %s", strerror(-err), vaapi_strerror(h));
	/* A retry failing the same way is not news. */
	if (strcmp(why, t->reason))
		vvmpd_log("kernel: push of %s incomplete: %s", name, why);
out:
	if (err) {
		t->pushed = false;
		snprintf(t->reason, sizeof(t->reason), "%s", why[0] ? why : strerror(-err));
	}
	free(want);
	free(cur);
	return err;
}

/* ---- clients left without a VD ------------------------------------------- */

struct client_prune {
	struct vvmpd *d;
	char (*wanted)[VVMP_NAME_MAX];	/* clients of stored, local VDs */
	size_t nwanted;
	char (*gone)[VVMP_NAME_MAX];	/* this manager's clients not wanted */
	size_t ngone;
};

static int prune_cb(const struct vaapi_client_info *c, void *arg)
{
	struct client_prune *p = arg;
	char prefix[32];
	void *gone;

	snprintf(prefix, sizeof(prefix), "vvmpd san%u host ", p->d->cfg.san_id);
	if (!c->has_info || strncmp(c->info, prefix, strlen(prefix)))
		return 0;			/* not this manager's */
	for (size_t i = 0; i < p->nwanted; i++)
		if (!strcmp(p->wanted[i], c->name))
			return 0;
	gone = realloc(p->gone, (p->ngone + 1) * sizeof(*p->gone));
	if (!gone)
		return -ENOMEM;
	p->gone = gone;
	memcpy(p->gone[p->ngone++], c->name, VVMP_NAME_MAX);
	return 0;
}

/*
 * Delete the kernel clients this manager created (info "vvmpd san<SAN>
 * host ...") that no stored VD of this SAN has any more.
 */
static void prune_clients(struct vvmpd *d)
{
	struct client_prune p = { .d = d };
	struct vvmp_repo_vd *vds = NULL;
	size_t n = 0, cap = 0;

	if (!d->ap->h || vvmp_repo_vd_list(d->repo, &vds, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		struct ap_client cl[AP_MAX_CLIENTS];
		size_t ncl = vds[i].remote_san_id ? 0 :
			     vd_clients(d, vds[i].id, vds[i].bandwidth_kb, cl, AP_MAX_CLIENTS);

		for (size_t k = 0; k < ncl; k++) {
			if (p.nwanted == cap) {
				void *w = realloc(p.wanted, (cap = cap ? 2 * cap : 16) * sizeof(*p.wanted));

				if (!w)
					goto out;
				p.wanted = w;
			}
			memcpy(p.wanted[p.nwanted++], cl[k].name, VVMP_NAME_MAX);
		}
	}
	/* Collect during the dump, delete after it. */
	if (vaapi_peap_list_clients(d->ap->h, prune_cb, &p))
		goto out;
	d->ap->prune_clients = false;
	for (size_t i = 0; i < p.ngone; i++) {
		int err = vaapi_peap_delete_client(d->ap->h, p.gone[i]);

		if (!err)
			vvmpd_log("kernel: client %s deleted (its last allocation is gone)",
				  p.gone[i]);
		else if (err == -EBUSY)
			d->ap->prune_clients = true;	/* a device binds it: retried */
		else if (err != -ENOENT)
			vvmpd_log("kernel: delete client %s: %s", p.gone[i], strerror(-err));
	}
out:
	free(p.gone);
	free(p.wanted);
	free(vds);
}

/* ---- hold-down timeout ------------------------------------------------------ */

static void hold_down_expire(struct vvmpd *d, uint64_t now_ms)
{
	struct vvmpd_ap *ap = d->ap;
	struct vaapi *h = ap->h;

	for (size_t i = 0; h && i < ap->nvds; i++) {
		struct ap_vd *t = &ap->vds[i];
		struct ap_client cl[AP_MAX_CLIENTS];
		enum vvmp_status st = d->cfg.hold_down_enable ? VVMP_STATUS_ENABLED :
							       VVMP_STATUS_DISABLED;
		char name[VVMP_NAME_MAX];
		size_t n;

		if (!t->held || now_ms - t->held_since_ms < d->cfg.hold_down_ms)
			continue;
		vvmpd_ap_vd_name(d, t->id, name, sizeof(name));
		n = vd_clients(d, t->id, 0, cl, AP_MAX_CLIENTS);	/* names only */
		if (!set_status_all(h, name, cl, n, st)) {
			t->held = false;
			vvmpd_log("kernel: %s: push still incomplete after %u ms (%s): %s", name,
				  d->cfg.hold_down_ms, t->reason, vaapi_status_name(st));
		}
	}
}

/* ---- the whole state ------------------------------------------------------- */

struct kernel_scan {
	struct vvmpd *d;
	uint32_t *ids;			/* owned kernel VDs */
	uint32_t *nr_devices;
	size_t n, cap;
};

static int scan_cb(const struct vaapi_vd_info *info, void *arg)
{
	struct kernel_scan *s = arg;
	uint32_t id = vvmpd_ap_owned_vd(s->d, info->name);

	if (!id)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint32_t *ids = realloc(s->ids, cap * sizeof(*ids));
		uint32_t *nd = ids ? realloc(s->nr_devices, cap * sizeof(*nd)) : NULL;

		if (ids)
			s->ids = ids;
		if (!nd)
			return -ENOMEM;
		s->nr_devices = nd;
		s->cap = cap;
	}
	s->ids[s->n] = id;
	s->nr_devices[s->n++] = info->nr_devices;
	return 0;
}

static int kernel_scan(struct vvmpd *d, struct kernel_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->d = d;
	return vaapi_ap_list_vds(d->ap->h, scan_cb, s);
}

static void kernel_scan_free(struct kernel_scan *s)
{
	free(s->ids);
	free(s->nr_devices);
}

void vvmpd_ap_push_all(struct vvmpd *d)
{
	struct vvmp_repo_vd *vds = NULL;
	struct kernel_scan ks;
	size_t n = 0, pushed = 0;
	char name[VVMP_NAME_MAX];

	if (!d->ap || !handle(d))
		return;
	if (vvmp_repo_vd_list(d->repo, &vds, &n))
		return;
	for (size_t i = 0; i < n; i++)
		if (!push_vd(d, vds[i].id) && !vds[i].remote_san_id)
			pushed++;
	/* Kernel VDs of this SAN that the repository no longer has. */
	if (d->ap->h && !kernel_scan(d, &ks)) {
		for (size_t k = 0; k < ks.n; k++) {
			bool stored = false;

			for (size_t i = 0; i < n; i++)
				stored |= vds[i].id == ks.ids[k];
			if (stored)
				continue;
			vvmpd_ap_vd_name(d, ks.ids[k], name, sizeof(name));
			remove_vd(d->ap->h, name);
		}
		kernel_scan_free(&ks);
		prune_clients(d);
	}
	vvmpd_raid_prune(d);		/* raid sets of VDs no longer stored */
	vvmpd_log("kernel: pushed %zu of %zu VD(s)", pushed, n);
	free(vds);
}

void vvmpd_ap_push_vd(struct vvmpd *d, uint32_t vd_id, const char *what)
{
	if (!d->ap)
		return;
	vvmpd_debug(d, "kernel: vd %u %s", vd_id, what);
	push_vd(d, vd_id);
}

void vvmpd_ap_raid_fresh(struct vvmpd *d, uint32_t vd_id)
{
	struct ap_vd *t = d->ap ? track(d, vd_id, true) : NULL;

	if (t)
		t->raid_fresh = true;
}

struct vaapi *vvmpd_ap_handle(struct vvmpd *d)
{
	return d->ap ? handle(d) : NULL;
}

bool vvmpd_ap_vd_state(struct vvmpd *d, uint32_t vd_id, const char **reason)
{
	struct ap_vd *t = d->ap ? track(d, vd_id, false) : NULL;

	*reason = t ? t->reason : (d->ap && d->ap->h ? "not pushed" : "kernel family absent");
	return t && t->pushed;
}

/*
 * One poll: (re)open the family and push everything when it appears or a
 * pushed VD has vanished (module reloaded); retry incomplete pushes; delete
 * freed VDs whose last device went away; apply the hold-down timeout.
 */
static void poll_once(struct vvmpd *d)
{
	struct vvmpd_ap *ap = d->ap;
	struct kernel_scan ks;
	bool was_open = ap->h, redo = false;

	if (!handle(d))
		return;
	if (kernel_scan(d, &ks)) {
		/* A stale family id after a reload: resolve it again. */
		kernel_scan_free(&ks);
		handle_drop(d);
		if (!handle(d))
			return;
		was_open = false;
		if (kernel_scan(d, &ks)) {
			kernel_scan_free(&ks);
			handle_drop(d);
			return;
		}
	}
	if (!was_open) {
		vvmpd_log("kernel: family %s present: pushing the repository", VVMP_GENL_NAME);
		redo = true;
	}
	for (size_t i = 0; i < ap->nvds && !redo; i++) {
		bool found = false;

		for (size_t k = 0; k < ks.n; k++)
			found |= ks.ids[k] == ap->vds[i].id;
		if (ap->vds[i].pushed && !found) {
			vvmpd_log("kernel: pushed VD %u is gone (module reloaded?): pushing again",
				  ap->vds[i].id);
			redo = true;
		}
	}
	if (redo) {
		__atomic_add_fetch(&d->kernel_epoch, 1, __ATOMIC_RELEASE);	/* eh.c */
		for (size_t i = 0; i < ap->nvds; i++)
			ap->vds[i].pushed = false;
		kernel_scan_free(&ks);
		vvmpd_ap_push_all(d);
		return;
	}
	for (size_t k = 0; k < ks.n; k++) {
		struct vvmp_repo_vd vd;
		char name[VVMP_NAME_MAX];

		if (!vvmp_repo_vd_get(d->repo, ks.ids[k], &vd) || ks.nr_devices[k])
			continue;
		vvmpd_ap_vd_name(d, ks.ids[k], name, sizeof(name));
		remove_vd(ap->h, name);
		ap->prune_clients = true;
	}
	kernel_scan_free(&ks);
	if (ap->prune_clients)
		prune_clients(d);
	for (size_t i = 0; i < ap->nvds; i++) {
		struct vvmp_repo_vd vd;

		if (!ap->vds[i].pushed && ap->vds[i].reason[0] &&
		    !vvmp_repo_vd_get(d->repo, ap->vds[i].id, &vd) && !vd.remote_san_id &&
		    !strstr(ap->vds[i].reason, "not a local") &&
		    !strstr(ap->vds[i].reason, "no kernel layout"))
			push_vd(d, ap->vds[i].id);
	}
	hold_down_expire(d, vvmp_now_ms());
}

static void *poll_main(void *arg)
{
	struct vvmpd *d = arg;
	struct timespec ts = {
		.tv_sec = d->cfg.kernel_poll_ms / 1000,
		.tv_nsec = (long)(d->cfg.kernel_poll_ms % 1000) * 1000000,
	};

	while (!d->stopping) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&d->lock);
		if (!d->stopping) {
			poll_once(d);
			vvmpd_remote_poll(d);	/* volume_dev.c: detach unused remote volumes */
		}
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

int vvmpd_ap_start(struct vvmpd *d)
{
	int err;

	if (!d->cfg.kernel_poll_ms)
		return 0;			/* --no-kernel */
	d->ap = calloc(1, sizeof(*d->ap));
	if (!d->ap)
		return -ENOMEM;
	if (d->cfg.no_kernel_txn)
		vvmpd_log("kernel: transactions off (--no-kernel-txn): pushing command by command");
	pthread_mutex_lock(&d->lock);
	vvmpd_ap_push_all(d);
	pthread_mutex_unlock(&d->lock);
	err = pthread_create(&d->ap->poller, NULL, poll_main, d);
	if (err)
		return -err;
	pthread_detach(d->ap->poller);
	return 0;
}
