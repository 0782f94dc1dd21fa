/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the codec files of vvmp/proto; not a public interface. */
#ifndef VVMP_PROTO_CODEC_INTERNAL_H
#define VVMP_PROTO_CODEC_INTERNAL_H

#include <stdbool.h>
#include <vvmp/proto.h>

/*
 * One cursor serves both directions: each payload layout is written once as
 * a "walk" over its fields, run with enc = true to write and enc = false to
 * read, so encoder and decoder cannot disagree on the layout.
 */
struct vvmp_cursor {
	uint8_t *buf;
	size_t len;		/* bytes available */
	size_t pos;
	bool enc;
	int err;		/* first error; later calls do nothing */
};

void vvmp_header_read(const uint8_t *p, struct vvmp_header *h);
void vvmp_header_write(uint8_t *p, const struct vvmp_header *h);

int vvmp_mac_compute(const struct vvmp_key *key, const uint8_t *data,
		     size_t len, uint8_t mac[VVMP_MAC_LEN]);

/* The 24-byte auth extension: association, sequence, timestamp (u64 each). */
void vvmp_auth_ext_read(const uint8_t *p, struct vvmp_auth *a);
void vvmp_auth_ext_write(uint8_t *p, const struct vvmp_auth *a);

/* Walk the payload of @kind in @body; validates every field after a read. */
void vvmp_walk_body(struct vvmp_cursor *c, int kind, void *body);

/* Field rules shared by encoder and decoder. Return 0 or VVMP_E_PAYLOAD. */
int vvmp_validate_body(int kind, const struct vvmp_header *hdr, const void *body);

#endif
