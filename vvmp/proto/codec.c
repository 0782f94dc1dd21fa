// SPDX-License-Identifier: GPL-2.0
/*
 * Whole frames: header + payload + optional auth extension and HMAC. The
 * order of the decoder's checks is part of the protocol (the first failing
 * check names the error a peer gets back): length, checksum, status,
 * opcode, payload. The MAC and freshness are checked by the receiver
 * afterwards (auth.c, replay.c), once the domain, and so the key, is known.
 */
#include <string.h>

#include <vvmp/proto.h>
#include "proto/codec_internal.h"

static uint32_t frame_checksum(const uint8_t *frame, size_t payload_len)
{
	/* Bytes 0..35 of the header (not the checksum itself), then the payload. */
	uint32_t crc = vvmp_crc32c(0, frame, 36);

	return vvmp_crc32c(crc, frame + VVMP_HEADER_LEN, payload_len);
}

long vvmp_encode(const struct vvmp_msg *msg, const struct vvmp_key *key,
		 uint8_t *out, size_t cap)
{
	uint8_t payload[VVMP_MAX_PAYLOAD];
	struct vvmp_cursor c = { .buf = payload, .len = sizeof(payload), .enc = true };
	struct vvmp_header h = msg->hdr;
	bool authed = key && key->len;
	int kind = vvmp_body_kind(&h);
	size_t total;
	int err;

	if (kind < 0)
		return kind;
	if (h.flags & ~VVMP_F_ALL)
		return VVMP_E_FLAGS;
	if (h.status > VVMP_S_MAX || (h.status && !(h.flags & VVMP_F_REPLY)))
		return VVMP_E_STATUS;
	err = vvmp_validate_body(kind, &h, &msg->body);
	if (err)
		return err;
	/* The walker only reads the body when encoding. */
	vvmp_walk_body(&c, kind, (void *)&msg->body);
	if (c.err)
		return c.err;

	total = VVMP_HEADER_LEN + c.pos + (authed ? VVMP_AUTH_LEN : 0);
	if (total > cap)
		return VVMP_E_NOSPACE;

	h.magic = VVMP_MAGIC;
	h.version = authed ? VVMP_VERSION_AUTH : VVMP_VERSION;
	h.flags = (uint8_t)((h.flags & ~VVMP_F_AUTH) | (authed ? VVMP_F_AUTH : 0));
	h.data_words = (uint16_t)(c.pos / 4);
	h.checksum = 0;
	vvmp_header_write(out, &h);
	memcpy(out + VVMP_HEADER_LEN, payload, c.pos);
	h.checksum = frame_checksum(out, c.pos);
	vvmp_header_write(out, &h);
	if (authed) {
		/* The checksum stops at the payload; the MAC covers the extension too. */
		vvmp_auth_ext_write(out + VVMP_HEADER_LEN + c.pos, &msg->auth);
		if (vvmp_mac_compute(key, out, total - VVMP_MAC_LEN, out + total - VVMP_MAC_LEN))
			return VVMP_E_AUTH;
	}
	return (long)total;
}

int vvmp_decode(const uint8_t *buf, size_t len, struct vvmp_msg *msg)
{
	long flen = vvmp_frame_len(buf, len);
	struct vvmp_cursor c = { .enc = false };
	size_t payload_len;
	int kind, err;

	memset(&msg->hdr, 0, sizeof(msg->hdr));
	memset(&msg->auth, 0, sizeof(msg->auth));
	if (flen < 0)
		return (int)flen;
	if ((size_t)flen > len)
		return VVMP_E_SHORT;
	if ((size_t)flen < len)
		return VVMP_E_LENGTH;

	vvmp_header_read(buf, &msg->hdr);
	payload_len = 4u * msg->hdr.data_words;
	memset(&msg->auth, 0, sizeof(msg->auth));
	if (msg->hdr.flags & VVMP_F_AUTH)
		vvmp_auth_ext_read(buf + VVMP_HEADER_LEN + payload_len, &msg->auth);
	if (frame_checksum(buf, payload_len) != msg->hdr.checksum)
		return VVMP_E_CHECKSUM;
	if (msg->hdr.status > VVMP_S_MAX ||
	    (msg->hdr.status && !(msg->hdr.flags & VVMP_F_REPLY)))
		return VVMP_E_STATUS;
	kind = vvmp_body_kind(&msg->hdr);
	if (kind < 0)
		return kind;

	c.buf = (uint8_t *)buf + VVMP_HEADER_LEN;	/* read only: enc is false */
	c.len = payload_len;
	memset(&msg->body, 0, sizeof(msg->body));
	vvmp_walk_body(&c, kind, &msg->body);
	if (c.err || c.pos != payload_len)
		err = VVMP_E_PAYLOAD;
	else
		err = vvmp_validate_body(kind, &msg->hdr, &msg->body);
	if (err)
		memset(&msg->body, 0, sizeof(msg->body));
	return err;
}
