// SPDX-License-Identifier: GPL-2.0
/*
 * The 40-byte frame header: byte layout, sanity checks that need no payload,
 * and the opcode/sub-opcode -> payload layout table.
 */
#include <string.h>

#include <vvmp/proto.h>
#include "proto/codec_internal.h"

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long vvmp_frame_len(const uint8_t *buf, size_t len)
{
	unsigned int words;

	if (len < VVMP_HEADER_LEN)
		return VVMP_E_SHORT;
	if (get16(buf) != VVMP_MAGIC)
		return VVMP_E_MAGIC;
	/*
	 * The version says how the frame ends: 1 with no trailer, 2 with the
	 * auth extension and MAC. Version 1 frames with AUTH (a bare MAC, no
	 * replay protection) are no longer accepted.
	 */
	if (buf[2] != ((buf[3] & VVMP_F_AUTH) ? VVMP_VERSION_AUTH : VVMP_VERSION))
		return VVMP_E_VERSION;
	if (buf[3] & ~VVMP_F_ALL)
		return VVMP_E_FLAGS;
	words = get16(buf + 34);
	if (words > VVMP_MAX_DATA_WORDS)
		return VVMP_E_LENGTH;
	return VVMP_HEADER_LEN + 4L * words + ((buf[3] & VVMP_F_AUTH) ? VVMP_AUTH_LEN : 0);
}

void vvmp_header_read(const uint8_t *p, struct vvmp_header *h)
{
	h->magic = get16(p);
	h->version = p[2];
	h->flags = p[3];
	h->opcode = get16(p + 4);
	h->sub_opcode = get16(p + 6);
	h->src_san_id = get32(p + 8);
	h->dst_san_id = get32(p + 12);
	h->client_id = get32(p + 16);
	h->server_id = get32(p + 20);
	h->transaction_id = get32(p + 24);
	h->domain_id = get32(p + 28);
	h->status = get16(p + 32);
	h->data_words = get16(p + 34);
	h->checksum = get32(p + 36);
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

void vvmp_header_write(uint8_t *p, const struct vvmp_header *h)
{
	put16(p, h->magic);
	p[2] = h->version;
	p[3] = h->flags;
	put16(p + 4, h->opcode);
	put16(p + 6, h->sub_opcode);
	put32(p + 8, h->src_san_id);
	put32(p + 12, h->dst_san_id);
	put32(p + 16, h->client_id);
	put32(p + 20, h->server_id);
	put32(p + 24, h->transaction_id);
	put32(p + 28, h->domain_id);
	put16(p + 32, h->status);
	put16(p + 34, h->data_words);
	put32(p + 36, h->checksum);
}

/*
 * Which payload follows a header. Requests: by opcode (and sub-opcode where
 * the layout depends on it). Replies with a non-zero status carry no payload.
 */
int vvmp_body_kind(const struct vvmp_header *h)
{
	bool reply = h->flags & VVMP_F_REPLY;
	unsigned int sub = h->sub_opcode;

	/*
	 * An error reply echoes whatever the request carried, including an
	 * opcode this side does not know: it never has a payload.
	 */
	if (reply && h->status)
		return VVMP_BODY_NONE;

	switch (h->opcode) {
	case VVMP_OP_QUERY:
		if (sub < VVMP_QUERY_SAN || sub > VVMP_QUERY_ALL_SANS)
			return VVMP_E_SUBOP;
		if (!reply)
			return VVMP_BODY_NONE;
		return sub == VVMP_QUERY_SAN ? VVMP_BODY_SAN_REP : VVMP_BODY_DEV_REP;
	case VVMP_OP_ALLOCATE:
	case VVMP_OP_REGISTER:
		if (sub < VVMP_ALLOC_LOCAL_ONLY || sub > VVMP_ALLOC_ANYWHERE)
			return VVMP_E_SUBOP;
		if (!reply)
			return VVMP_BODY_ALLOC_REQ;
		return VVMP_BODY_ALLOC_REP;
	case VVMP_OP_STATISTICS:
		if (sub != VVMP_STATS_SESSION)
			return VVMP_E_SUBOP;
		if (!reply)
			return VVMP_BODY_SESSION_REF;
		return VVMP_BODY_STATS_REP;
	case VVMP_OP_DOMAINS:
		if (sub != VVMP_DOMAINS_LIST)
			return VVMP_E_SUBOP;
		return reply ? VVMP_BODY_DOMAINS_REP : VVMP_BODY_NONE;
	case VVMP_OP_ASSIGN:
		if (sub != VVMP_ASSIGN_ADD && sub != VVMP_ASSIGN_RELEASE)
			return VVMP_E_SUBOP;
		return reply ? VVMP_BODY_NONE : VVMP_BODY_ASSIGN_REQ;
	default:
		break;
	}

	/* The remaining opcodes have no sub-opcodes. */
	switch (h->opcode) {
	case VVMP_OP_INITIALIZE: case VVMP_OP_FREE: case VVMP_OP_CHANGE_PARAMS:
	case VVMP_OP_ADD_STORAGE: case VVMP_OP_GIVE_BACK: case VVMP_OP_TEARDOWN:
	case VVMP_OP_UNIT_UP: case VVMP_OP_UNIT_DOWN: case VVMP_OP_NEED_INFO:
	case VVMP_OP_VOLUME_LIST: case VVMP_OP_HEARTBEAT:
		if (sub != 0)
			return VVMP_E_SUBOP;
		break;
	default:
		return VVMP_E_OPCODE;
	}
	switch (h->opcode) {
	case VVMP_OP_INITIALIZE:
		return reply ? VVMP_BODY_INIT_REP : VVMP_BODY_INIT_REQ;
	case VVMP_OP_FREE:
		return reply ? VVMP_BODY_NONE : VVMP_BODY_FREE_REQ;
	case VVMP_OP_CHANGE_PARAMS:
		return reply ? VVMP_BODY_ALLOC_REP : VVMP_BODY_CHANGE_REQ;
	case VVMP_OP_ADD_STORAGE:
		return reply ? VVMP_BODY_ADD_REP : VVMP_BODY_ADD_REQ;
	case VVMP_OP_GIVE_BACK:
		return reply ? VVMP_BODY_ALLOC_REP : VVMP_BODY_GIVE_BACK_REQ;
	case VVMP_OP_TEARDOWN:
		return reply ? VVMP_BODY_NONE : VVMP_BODY_SESSION_REF;
	case VVMP_OP_UNIT_UP:
		return reply ? VVMP_BODY_UNIT_UP_REP : VVMP_BODY_UNIT_UP_REQ;
	case VVMP_OP_UNIT_DOWN:
	case VVMP_OP_NEED_INFO:
		return reply ? VVMP_BODY_NONE : VVMP_BODY_UNIT_REF;
	case VVMP_OP_VOLUME_LIST:
		return reply ? VVMP_BODY_NONE : VVMP_BODY_VOLUME_LIST_REQ;
	case VVMP_OP_HEARTBEAT:
		return reply ? VVMP_BODY_NONE : VVMP_BODY_HEARTBEAT_REQ;
	}
	return VVMP_E_OPCODE;
}

void vvmp_reply_init(struct vvmp_msg *rep, const struct vvmp_header *req,
		     uint16_t status)
{
	memset(rep, 0, sizeof(*rep));
	rep->hdr.flags = VVMP_F_REPLY | (req->flags & VVMP_F_FORWARDED);
	rep->hdr.opcode = req->opcode;
	rep->hdr.sub_opcode = req->sub_opcode;
	rep->hdr.src_san_id = req->dst_san_id;
	rep->hdr.dst_san_id = req->src_san_id;
	rep->hdr.client_id = req->client_id;
	rep->hdr.server_id = req->server_id;
	rep->hdr.transaction_id = req->transaction_id;
	rep->hdr.domain_id = req->domain_id;
	rep->hdr.status = status;
}

int vvmp_set_text(char *field, size_t field_len, const char *s)
{
	size_t n = strlen(s);

	memset(field, 0, field_len);
	if (n >= field_len)
		return -1;
	memcpy(field, s, n);
	return 0;
}
