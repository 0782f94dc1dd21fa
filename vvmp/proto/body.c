// SPDX-License-Identifier: GPL-2.0
/*
 * Payload layouts: one walk per layout (fields in wire order, big-endian)
 * and the field rules a decoder enforces and an encoder refuses to break.
 */
#include <string.h>

#include <vvmp/proto.h>
#include "proto/codec_internal.h"

static bool room(struct vvmp_cursor *c, size_t n)
{
	if (c->err)
		return false;
	if (c->len - c->pos < n) {
		c->err = c->enc ? VVMP_E_NOSPACE : VVMP_E_PAYLOAD;
		return false;
	}
	return true;
}

static void io32(struct vvmp_cursor *c, uint32_t *v)
{
	uint8_t *p;

	if (!room(c, 4))
		return;
	p = c->buf + c->pos;
	if (c->enc) {
		p[0] = *v >> 24; p[1] = (uint8_t)(*v >> 16);
		p[2] = (uint8_t)(*v >> 8); p[3] = (uint8_t)*v;
	} else {
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		     (uint32_t)p[2] << 8 | p[3];
	}
	c->pos += 4;
}

static void io64(struct vvmp_cursor *c, uint64_t *v)
{
	uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;

	io32(c, &hi);
	io32(c, &lo);
	if (!c->enc)
		*v = (uint64_t)hi << 32 | lo;
}

/* Text fields have a fixed width (a multiple of 4), NUL-padded. */
static void iotext(struct vvmp_cursor *c, char *s, size_t n)
{
	if (!room(c, n))
		return;
	if (c->enc)
		memcpy(c->buf + c->pos, s, n);
	else
		memcpy(s, c->buf + c->pos, n);
	c->pos += n;
}

/* A list count: checked against the limit before any element is read. */
static void iocount(struct vvmp_cursor *c, uint32_t *count, uint32_t max)
{
	io32(c, count);
	if (!c->err && *count > max)
		c->err = VVMP_E_PAYLOAD;
}

static void walk_extent(struct vvmp_cursor *c, struct vvmp_extent *e)
{
	io32(c, &e->san_id); io32(c, &e->unit_id); io32(c, &e->volume_id);
	io32(c, &e->member); io32(c, &e->transport); io32(c, &e->reserved);
	io64(c, &e->start_lba); io64(c, &e->length_lba);
	iotext(c, e->address, sizeof(e->address));
}

static void walk_volume(struct vvmp_cursor *c, struct vvmp_volume *v)
{
	io32(c, &v->volume_id); io32(c, &v->transport);
	io64(c, &v->start_lba); io64(c, &v->length_lba); io64(c, &v->end_lba);
	iotext(c, v->address, sizeof(v->address));
}

static void walk_device(struct vvmp_cursor *c, struct vvmp_device *d)
{
	io32(c, &d->san_id); io32(c, &d->unit_id); io32(c, &d->volume_id);
	io32(c, &d->storage_type); io32(c, &d->transport); io32(c, &d->state);
	io32(c, &d->bandwidth_kb); io32(c, &d->load_pct);
	io64(c, &d->start_lba); io64(c, &d->length_lba);
	iotext(c, d->address, sizeof(d->address));
}

void vvmp_walk_body(struct vvmp_cursor *c, int kind, void *body)
{
	switch (kind) {
	case VVMP_BODY_NONE:
		break;
	case VVMP_BODY_INIT_REQ: {
		struct vvmp_init_req *b = body;

		io32(c, &b->client_boot_id); io32(c, &b->flags);
		iotext(c, b->host, sizeof(b->host));
		break;
	}
	case VVMP_BODY_INIT_REP: {
		struct vvmp_init_rep *b = body;

		io32(c, &b->session_id); io32(c, &b->server_boot_id);
		io32(c, &b->session_grace_ms); io32(c, &b->reserved);
		break;
	}
	case VVMP_BODY_ALLOC_REQ: {
		struct vvmp_alloc_req *b = body;

		io32(c, &b->session_id); io32(c, &b->storage_type);
		io32(c, &b->access); io32(c, &b->flags);
		io64(c, &b->capacity_kb);
		io32(c, &b->bandwidth_kb); io32(c, &b->qos); io32(c, &b->timeout_ms);
		io32(c, &b->stripe_kb); io32(c, &b->block_size); io32(c, &b->members);
		io32(c, &b->share_alloc_id); io32(c, &b->reserved);
		break;
	}
	case VVMP_BODY_ALLOC_REP: {
		struct vvmp_alloc_rep *b = body;

		io32(c, &b->alloc_id); io32(c, &b->session_id);
		io32(c, &b->storage_type); io32(c, &b->access);
		io64(c, &b->capacity_kb);
		io32(c, &b->members); io32(c, &b->stripe_kb); io32(c, &b->block_size);
		iocount(c, &b->extent_count, VVMP_MAX_EXTENTS);
		for (uint32_t i = 0; !c->err && i < b->extent_count; i++)
			walk_extent(c, &b->extents[i]);
		break;
	}
	case VVMP_BODY_FREE_REQ: {
		struct vvmp_free_req *b = body;

		io32(c, &b->session_id); io32(c, &b->alloc_id);
		break;
	}
	case VVMP_BODY_CHANGE_REQ: {
		struct vvmp_change_req *b = body;

		io32(c, &b->session_id); io32(c, &b->alloc_id);
		io64(c, &b->capacity_kb);
		io32(c, &b->bandwidth_kb); io32(c, &b->qos);
		io32(c, &b->timeout_ms); io32(c, &b->flags);
		break;
	}
	case VVMP_BODY_ADD_REQ: {
		struct vvmp_add_storage_req *b = body;

		io32(c, &b->session_id); io32(c, &b->storage_type);
		walk_volume(c, &b->volume);
		break;
	}
	case VVMP_BODY_ADD_REP: {
		struct vvmp_add_storage_rep *b = body;

		io32(c, &b->unit_id); io32(c, &b->volume_id);
		break;
	}
	case VVMP_BODY_GIVE_BACK_REQ: {
		struct vvmp_give_back_req *b = body;

		io32(c, &b->session_id); io32(c, &b->alloc_id);
		io64(c, &b->capacity_kb);
		break;
	}
	case VVMP_BODY_SESSION_REF: {
		struct vvmp_session_ref *b = body;

		io32(c, &b->session_id); io32(c, &b->reserved);
		break;
	}
	case VVMP_BODY_STATS_REP: {
		struct vvmp_stats_rep *b = body;

		io32(c, &b->session_id); io32(c, &b->allocations);
		io64(c, &b->allocated_kb); io64(c, &b->requests);
		io64(c, &b->errors); io64(c, &b->queries);
		break;
	}
	case VVMP_BODY_DOMAINS_REP: {
		struct vvmp_domains_rep *b = body;

		iocount(c, &b->count, VVMP_MAX_DOMAINS);
		for (uint32_t i = 0; !c->err && i < b->count; i++) {
			io32(c, &b->domains[i].domain_id);
			io32(c, &b->domains[i].flags);
			iotext(c, b->domains[i].name, sizeof(b->domains[i].name));
		}
		break;
	}
	case VVMP_BODY_SAN_REP: {
		struct vvmp_query_san_rep *b = body;

		io32(c, &b->san_id); io32(c, &b->units_up);
		io32(c, &b->volumes); io32(c, &b->sessions);
		io64(c, &b->total_kb); io64(c, &b->free_kb);
		break;
	}
	case VVMP_BODY_DEV_REP: {
		struct vvmp_query_dev_rep *b = body;

		iocount(c, &b->count, VVMP_MAX_DEVICES);
		for (uint32_t i = 0; !c->err && i < b->count; i++)
			walk_device(c, &b->devices[i]);
		break;
	}
	case VVMP_BODY_UNIT_UP_REQ: {
		struct vvmp_unit_up_req *b = body;

		io32(c, &b->unit_boot_id); io32(c, &b->storage_type);
		io32(c, &b->bandwidth_kb); io32(c, &b->load_pct);
		iotext(c, b->name, sizeof(b->name));
		break;
	}
	case VVMP_BODY_UNIT_UP_REP: {
		struct vvmp_unit_up_rep *b = body;

		io32(c, &b->unit_id); io32(c, &b->heartbeat_ms);
		break;
	}
	case VVMP_BODY_UNIT_REF: {
		struct vvmp_unit_ref *b = body;

		io32(c, &b->unit_id); io32(c, &b->reserved);
		break;
	}
	case VVMP_BODY_VOLUME_LIST_REQ: {
		struct vvmp_volume_list_req *b = body;

		io32(c, &b->unit_id);
		iocount(c, &b->count, VVMP_MAX_VOLUMES);
		for (uint32_t i = 0; !c->err && i < b->count; i++)
			walk_volume(c, &b->volumes[i]);
		break;
	}
	case VVMP_BODY_HEARTBEAT_REQ: {
		struct vvmp_heartbeat_req *b = body;

		io32(c, &b->unit_id); io32(c, &b->load_pct);
		break;
	}
	case VVMP_BODY_ASSIGN_REQ: {
		struct vvmp_assign_req *b = body;

		io32(c, &b->alloc_id); io32(c, &b->client_id); io32(c, &b->volume_id);
		io32(c, &b->access); io32(c, &b->member); io32(c, &b->reserved);
		io64(c, &b->start_lba); io64(c, &b->length_lba);
		iotext(c, b->host, sizeof(b->host));
		break;
	}
	default:
		c->err = VVMP_E_PAYLOAD;
	}
}

/* ---- field rules ------------------------------------------------------ */

/*
 * Text: printable ASCII up to the first NUL, only NULs after it, and at
 * least one NUL (so C code can use the field as a string in place).
 */
static bool text_ok(const char *s, size_t n, bool may_be_empty)
{
	size_t i = 0;

	while (i < n && s[i]) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
		i++;
	}
	if (i == n || (i == 0 && !may_be_empty))
		return false;
	for (; i < n; i++)
		if (s[i])
			return false;
	return true;
}

static bool storage_type_ok(uint32_t t) { return t >= VVMP_ST_JBOD && t <= VVMP_ST_RAID5; }
static bool access_ok(uint32_t a) { return a == VVMP_ACCESS_EXCLUSIVE || a == VVMP_ACCESS_SHARED; }
static bool transport_ok(uint32_t t) { return t >= VVMP_TR_LOCAL && t <= VVMP_TR_ISCSI; }
static bool block_size_ok(uint32_t b) { return b == 0 || b == 512 || b == 4096; }

static bool volume_ok(const struct vvmp_volume *v)
{
	return transport_ok(v->transport) && v->length_lba > 0 &&
	       v->start_lba <= UINT64_MAX - v->length_lba &&	/* no wrap */
	       v->end_lba == v->start_lba + v->length_lba - 1 &&
	       text_ok(v->address, sizeof(v->address), v->transport == VVMP_TR_LOCAL);
}

static bool extent_ok(const struct vvmp_extent *e)
{
	return transport_ok(e->transport) && !e->reserved && e->length_lba > 0 &&
	       e->start_lba <= UINT64_MAX - e->length_lba &&
	       e->member < VVMP_MAX_MEMBERS &&
	       text_ok(e->address, sizeof(e->address), true);
}

int vvmp_validate_body(int kind, const struct vvmp_header *hdr, const void *body)
{
	(void)hdr;
	switch (kind) {
	case VVMP_BODY_NONE:
		return 0;
	case VVMP_BODY_INIT_REQ: {
		const struct vvmp_init_req *b = body;

		return !b->flags && text_ok(b->host, sizeof(b->host), false) ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_INIT_REP: {
		const struct vvmp_init_rep *b = body;

		return b->session_id && !b->reserved ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_ALLOC_REQ: {
		const struct vvmp_alloc_req *b = body;

		if (!storage_type_ok(b->storage_type) || !access_ok(b->access) ||
		    (b->flags & ~VVMP_AF_ALL) || !b->capacity_kb || b->qos > 7 ||
		    !block_size_ok(b->block_size) || b->members > VVMP_MAX_MEMBERS ||
		    b->reserved)
			return VVMP_E_PAYLOAD;
		/* Only a shared request can name an allocation to share. */
		if (b->share_alloc_id && b->access != VVMP_ACCESS_SHARED)
			return VVMP_E_PAYLOAD;
		return 0;
	}
	case VVMP_BODY_ALLOC_REP: {
		const struct vvmp_alloc_rep *b = body;

		if (!b->alloc_id || !storage_type_ok(b->storage_type) ||
		    !access_ok(b->access) || b->members > VVMP_MAX_MEMBERS ||
		    !block_size_ok(b->block_size))
			return VVMP_E_PAYLOAD;
		for (uint32_t i = 0; i < b->extent_count; i++)
			if (!extent_ok(&b->extents[i]))
				return VVMP_E_PAYLOAD;
		return 0;
	}
	case VVMP_BODY_FREE_REQ: {
		const struct vvmp_free_req *b = body;

		return b->alloc_id ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_CHANGE_REQ: {
		const struct vvmp_change_req *b = body;

		return b->alloc_id && b->capacity_kb && b->qos <= 7 &&
		       !(b->flags & ~VVMP_AF_ALL) ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_ADD_REQ: {
		const struct vvmp_add_storage_req *b = body;

		return storage_type_ok(b->storage_type) && volume_ok(&b->volume) ?
		       0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_ADD_REP: {
		const struct vvmp_add_storage_rep *b = body;

		return b->unit_id && b->volume_id ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_GIVE_BACK_REQ: {
		const struct vvmp_give_back_req *b = body;

		return b->alloc_id && b->capacity_kb ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_SESSION_REF: {
		const struct vvmp_session_ref *b = body;

		return b->session_id && !b->reserved ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_STATS_REP:
		return 0;
	case VVMP_BODY_DOMAINS_REP: {
		const struct vvmp_domains_rep *b = body;

		for (uint32_t i = 0; i < b->count; i++)
			if ((b->domains[i].flags & ~VVMP_DF_AUTH_REQUIRED) ||
			    !text_ok(b->domains[i].name, VVMP_NAME_LEN, false))
				return VVMP_E_PAYLOAD;
		return 0;
	}
	case VVMP_BODY_SAN_REP: {
		const struct vvmp_query_san_rep *b = body;

		return b->free_kb <= b->total_kb ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_DEV_REP: {
		const struct vvmp_query_dev_rep *b = body;

		for (uint32_t i = 0; i < b->count; i++) {
			const struct vvmp_device *d = &b->devices[i];

			if (!storage_type_ok(d->storage_type) || !transport_ok(d->transport) ||
			    d->state < VVMP_DEV_FREE || d->state > VVMP_DEV_UNIT_DOWN ||
			    d->load_pct > 100 || !d->length_lba ||
			    d->start_lba > UINT64_MAX - d->length_lba ||
			    !text_ok(d->address, sizeof(d->address), true))
				return VVMP_E_PAYLOAD;
		}
		return 0;
	}
	case VVMP_BODY_UNIT_UP_REQ: {
		const struct vvmp_unit_up_req *b = body;

		return storage_type_ok(b->storage_type) && b->load_pct <= 100 &&
		       text_ok(b->name, sizeof(b->name), false) ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_UNIT_UP_REP: {
		const struct vvmp_unit_up_rep *b = body;

		return b->unit_id && b->heartbeat_ms ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_UNIT_REF: {
		const struct vvmp_unit_ref *b = body;

		return b->unit_id && !b->reserved ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_VOLUME_LIST_REQ: {
		const struct vvmp_volume_list_req *b = body;

		if (!b->unit_id)
			return VVMP_E_PAYLOAD;
		for (uint32_t i = 0; i < b->count; i++)
			if (!volume_ok(&b->volumes[i]))
				return VVMP_E_PAYLOAD;
		return 0;
	}
	case VVMP_BODY_HEARTBEAT_REQ: {
		const struct vvmp_heartbeat_req *b = body;

		return b->unit_id && b->load_pct <= 100 ? 0 : VVMP_E_PAYLOAD;
	}
	case VVMP_BODY_ASSIGN_REQ: {
		const struct vvmp_assign_req *b = body;

		return b->alloc_id && access_ok(b->access) && !b->reserved &&
		       b->length_lba && b->start_lba <= UINT64_MAX - b->length_lba &&
		       b->member < VVMP_MAX_MEMBERS &&
		       text_ok(b->host, sizeof(b->host), false) ? 0 : VVMP_E_PAYLOAD;
	}
	}
	return VVMP_E_PAYLOAD;
}
