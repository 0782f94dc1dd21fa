// SPDX-License-Identifier: GPL-2.0
/*
 * VVMP codec: golden vectors (tests/host/proto/vectors.txt, written by an
 * independent implementation of the spec), round trips, one test per class
 * of malformed frame with the exact error it must produce, and the replay
 * protection rules (window.txt, from the same independent implementation,
 * and one test per rule of section 3.5).
 */
#include <stdlib.h>

#include <vvmp/proto.h>
#include "tap.h"

#define VECTORS_FILE "vectors.txt"
#define WINDOW_FILE "window.txt"

/* The signed vectors' auth extensions (see gen_vectors.py). */
#define TS		1700000000000000ull
#define TCP_ASSOC	0x0123456789abcdefull
#define UDP_ASSOC	0xfedcba9876543210ull

struct vector {
	char name[64];
	uint8_t bytes[4096];
	size_t len;
};

static struct vector vectors[64];
static int nvectors;

static int load_vectors(void)
{
	FILE *f = fopen(VECTORS_FILE, "r");
	char hex[9000];

	if (!f)
		return -1;
	while (nvectors < 64 && fscanf(f, "%63s %8999s", vectors[nvectors].name, hex) == 2) {
		struct vector *v = &vectors[nvectors++];

		v->len = strlen(hex) / 2;
		for (size_t i = 0; i < v->len; i++) {
			unsigned int b;

			sscanf(hex + 2 * i, "%2x", &b);
			v->bytes[i] = (uint8_t)b;
		}
	}
	fclose(f);
	return nvectors ? 0 : -1;
}

static const struct vector *vector(const char *name)
{
	for (int i = 0; i < nvectors; i++)
		if (!strcmp(vectors[i].name, name))
			return &vectors[i];
	return NULL;
}

static struct vvmp_key golden_key(void)
{
	struct vvmp_key k = { .len = 32 };

	for (int i = 0; i < 32; i++)
		k.bytes[i] = (uint8_t)i;
	return k;
}

/* The common header of every golden vector (see gen_vectors.py). */
static void golden_header(struct vvmp_msg *m, int index, uint16_t op, uint16_t sub,
			  uint8_t flags, uint16_t status)
{
	memset(m, 0, sizeof(*m));
	m->hdr.opcode = op;
	m->hdr.sub_opcode = sub;
	m->hdr.flags = flags;
	m->hdr.status = status;
	m->hdr.src_san_id = 1;
	m->hdr.dst_san_id = 2;
	m->hdr.client_id = 0x11;
	m->hdr.server_id = 0x22;
	m->hdr.transaction_id = 0x1000 + (uint32_t)index;
	m->hdr.domain_id = 7;
}

static void set_alloc_req(struct vvmp_alloc_req *a, uint32_t session, uint32_t st,
			  uint32_t access, uint32_t flags, uint64_t cap, uint32_t bw,
			  uint32_t qos, uint32_t tmo, uint32_t stripe, uint32_t bs,
			  uint32_t members)
{
	*a = (struct vvmp_alloc_req){ session, st, access, flags, cap, bw, qos, tmo,
				      stripe, bs, members, 0, 0 };
}

static void set_extent(struct vvmp_extent *e, uint32_t san, uint32_t unit, uint32_t vol,
		       uint32_t member, uint32_t tr, uint64_t start, uint64_t len,
		       const char *addr)
{
	*e = (struct vvmp_extent){ san, unit, vol, member, tr, 0, start, len, "" };
	vvmp_set_text(e->address, sizeof(e->address), addr);
}

static void set_volume(struct vvmp_volume *v, uint32_t id, uint32_t tr, uint64_t start,
		       uint64_t len, const char *addr)
{
	*v = (struct vvmp_volume){ id, tr, start, len, start + len - 1, "" };
	vvmp_set_text(v->address, sizeof(v->address), addr);
}

#define ADDR3 "10.0.0.3:10809/vol1"
#define ADDR4 "10.0.0.4:3260,iqn.2024-01.org.vvmp:u4"

static void set_alloc_rep(struct vvmp_alloc_rep *r)
{
	r->alloc_id = 42; r->session_id = 9; r->storage_type = VVMP_ST_RAID1;
	r->access = VVMP_ACCESS_EXCLUSIVE; r->capacity_kb = 1048576;
	r->members = 2; r->stripe_kb = 64; r->block_size = 4096; r->extent_count = 2;
	set_extent(&r->extents[0], 2, 3, 1, 0, VVMP_TR_NBD, 2048, 2097152, ADDR3);
	set_extent(&r->extents[1], 2, 4, 1, 1, VVMP_TR_ISCSI, 0, 2097152, ADDR4);
}

/* Build golden vector @name with the C structs; false if unknown. */
static int build(const char *name, struct vvmp_msg *m, int *use_key)
{
	int i = -1;

	*use_key = 0;
	for (int k = 0; k < nvectors; k++)
		if (!strcmp(vectors[k].name, name))
			i = k;
#define IS(n) (!strcmp(name, n))
	if (IS("query_san_req")) {
		golden_header(m, i, VVMP_OP_QUERY, VVMP_QUERY_SAN, 0, 0);
	} else if (IS("query_san_rep")) {
		golden_header(m, i, VVMP_OP_QUERY, VVMP_QUERY_SAN, VVMP_F_REPLY, 0);
		m->body.san_rep = (struct vvmp_query_san_rep){ 2, 3, 5, 1, 1048576, 524288 };
	} else if (IS("query_all_devices_rep")) {
		struct vvmp_device *d = &m->body.dev_rep.devices[0];

		golden_header(m, i, VVMP_OP_QUERY, VVMP_QUERY_ALL_DEVICES, VVMP_F_REPLY, 0);
		m->body.dev_rep.count = 1;
		*d = (struct vvmp_device){ 2, 3, 1, VVMP_ST_JBOD, VVMP_TR_NBD, VVMP_DEV_FREE,
					   100000, 5, 2048, 2097152, "" };
		vvmp_set_text(d->address, sizeof(d->address), ADDR3);
	} else if (IS("query_all_sans_req")) {
		golden_header(m, i, VVMP_OP_QUERY, VVMP_QUERY_ALL_SANS, 0, 0);
	} else if (IS("allocate_req")) {
		golden_header(m, i, VVMP_OP_ALLOCATE, VVMP_ALLOC_ANYWHERE, 0, 0);
		set_alloc_req(&m->body.alloc_req, 9, VVMP_ST_RAID1, VVMP_ACCESS_EXCLUSIVE,
			      VVMP_AF_AUTO_MIRROR, 1048576, 50000, 3, 30000, 64, 4096, 2);
	} else if (IS("allocate_rep")) {
		golden_header(m, i, VVMP_OP_ALLOCATE, VVMP_ALLOC_ANYWHERE, VVMP_F_REPLY, 0);
		set_alloc_rep(&m->body.alloc_rep);
	} else if (IS("allocate_no_space_rep")) {
		golden_header(m, i, VVMP_OP_ALLOCATE, VVMP_ALLOC_LOCAL_ONLY, VVMP_F_REPLY,
			      VVMP_S_NO_SPACE);
	} else if (IS("initialize_req") || IS("initialize_auth_req")) {
		golden_header(m, i, VVMP_OP_INITIALIZE, 0, 0, 0);
		m->body.init_req.client_boot_id = 0xDEADBEEF;
		vvmp_set_text(m->body.init_req.host, VVMP_HOST_LEN, "host-a");
		*use_key = IS("initialize_auth_req");
		if (*use_key)
			m->auth = (struct vvmp_auth){ TCP_ASSOC, 0, TS };
	} else if (IS("initialize_rep") || IS("initialize_auth_rep")) {
		golden_header(m, i, VVMP_OP_INITIALIZE, 0, VVMP_F_REPLY, 0);
		m->body.init_rep = (struct vvmp_init_rep){ 9, 0x01020304, 30000, 0 };
		*use_key = IS("initialize_auth_rep");
		if (*use_key)
			m->auth = (struct vvmp_auth){ TCP_ASSOC, 1, TS + 1500 };
	} else if (IS("allocate_auth_req")) {
		golden_header(m, i, VVMP_OP_ALLOCATE, VVMP_ALLOC_ANYWHERE, 0, 0);
		set_alloc_req(&m->body.alloc_req, 9, VVMP_ST_RAID1, VVMP_ACCESS_EXCLUSIVE,
			      VVMP_AF_AUTO_MIRROR, 1048576, 50000, 3, 30000, 64, 4096, 2);
		m->auth = (struct vvmp_auth){ TCP_ASSOC, 1, TS + 2000 };
		*use_key = 1;
	} else if (IS("allocate_replayed_rep")) {
		golden_header(m, i, VVMP_OP_ALLOCATE, VVMP_ALLOC_ANYWHERE, VVMP_F_REPLY,
			      VVMP_S_REPLAYED);
	} else if (IS("unit_up_auth_req")) {
		golden_header(m, i, VVMP_OP_UNIT_UP, 0, 0, 0);
		m->body.unit_up_req = (struct vvmp_unit_up_req){ 0x55, VVMP_ST_RAID5, 200000, 10, "" };
		vvmp_set_text(m->body.unit_up_req.name, VVMP_NAME_LEN, "unit-a");
		m->auth = (struct vvmp_auth){ UDP_ASSOC, 0, TS };
		*use_key = 1;
	} else if (IS("heartbeat_auth_req")) {
		golden_header(m, i, VVMP_OP_HEARTBEAT, 0, 0, 0);
		m->body.heartbeat_req = (struct vvmp_heartbeat_req){ 3, 42 };
		m->auth = (struct vvmp_auth){ UDP_ASSOC, UINT64_MAX, TS + 3000 };
		*use_key = 1;
	} else if (IS("free_req")) {
		golden_header(m, i, VVMP_OP_FREE, 0, 0, 0);
		m->body.free_req = (struct vvmp_free_req){ 9, 42 };
	} else if (IS("free_rep")) {
		golden_header(m, i, VVMP_OP_FREE, 0, VVMP_F_REPLY, 0);
	} else if (IS("change_params_req")) {
		golden_header(m, i, VVMP_OP_CHANGE_PARAMS, 0, 0, 0);
		m->body.change_req = (struct vvmp_change_req){ 9, 42, 2097152, 60000, 4, 20000, 0 };
	} else if (IS("change_params_rep")) {
		golden_header(m, i, VVMP_OP_CHANGE_PARAMS, 0, VVMP_F_REPLY, 0);
		set_alloc_rep(&m->body.alloc_rep);
	} else if (IS("register_req")) {
		golden_header(m, i, VVMP_OP_REGISTER, VVMP_ALLOC_EXPANDABLE, 0, 0);
		set_alloc_req(&m->body.alloc_req, 9, VVMP_ST_JBOD, VVMP_ACCESS_SHARED, 0,
			      4096, 0, 0, 5000, 0, 512, 0);
	} else if (IS("add_storage_req")) {
		golden_header(m, i, VVMP_OP_ADD_STORAGE, 0, 0, 0);
		m->body.add_req.session_id = 9;
		m->body.add_req.storage_type = VVMP_ST_JBOD;
		set_volume(&m->body.add_req.volume, 7, VVMP_TR_NBD, 0, 1024, "10.0.0.9:10809/x");
	} else if (IS("add_storage_rep")) {
		golden_header(m, i, VVMP_OP_ADD_STORAGE, 0, VVMP_F_REPLY, 0);
		m->body.add_rep = (struct vvmp_add_storage_rep){ 5, 12 };
	} else if (IS("give_back_req")) {
		golden_header(m, i, VVMP_OP_GIVE_BACK, 0, 0, 0);
		m->body.give_back_req = (struct vvmp_give_back_req){ 9, 42, 524288 };
	} else if (IS("statistics_req")) {
		golden_header(m, i, VVMP_OP_STATISTICS, VVMP_STATS_SESSION, 0, 0);
		m->body.session_ref.session_id = 9;
	} else if (IS("statistics_rep")) {
		golden_header(m, i, VVMP_OP_STATISTICS, VVMP_STATS_SESSION, VVMP_F_REPLY, 0);
		m->body.stats_rep = (struct vvmp_stats_rep){ 9, 1, 1048576, 10, 1, 4 };
	} else if (IS("domains_req")) {
		golden_header(m, i, VVMP_OP_DOMAINS, VVMP_DOMAINS_LIST, 0, 0);
	} else if (IS("domains_rep")) {
		struct vvmp_domains_rep *d = &m->body.domains_rep;

		golden_header(m, i, VVMP_OP_DOMAINS, VVMP_DOMAINS_LIST, VVMP_F_REPLY, 0);
		d->count = 2;
		d->domains[0].domain_id = 1;
		vvmp_set_text(d->domains[0].name, VVMP_NAME_LEN, "default");
		d->domains[1].domain_id = 7;
		d->domains[1].flags = VVMP_DF_AUTH_REQUIRED;
		vvmp_set_text(d->domains[1].name, VVMP_NAME_LEN, "finance");
	} else if (IS("teardown_req")) {
		golden_header(m, i, VVMP_OP_TEARDOWN, 0, 0, 0);
		m->body.session_ref.session_id = 9;
	} else if (IS("unit_up_req")) {
		golden_header(m, i, VVMP_OP_UNIT_UP, 0, 0, 0);
		m->body.unit_up_req = (struct vvmp_unit_up_req){ 0x55, VVMP_ST_RAID5, 200000, 10, "" };
		vvmp_set_text(m->body.unit_up_req.name, VVMP_NAME_LEN, "unit-a");
	} else if (IS("unit_up_rep")) {
		golden_header(m, i, VVMP_OP_UNIT_UP, 0, VVMP_F_REPLY, 0);
		m->body.unit_up_rep = (struct vvmp_unit_up_rep){ 3, 1000 };
	} else if (IS("unit_down_req")) {
		golden_header(m, i, VVMP_OP_UNIT_DOWN, 0, 0, 0);
		m->body.unit_ref.unit_id = 3;
	} else if (IS("need_info_req")) {
		golden_header(m, i, VVMP_OP_NEED_INFO, 0, 0, 0);
		m->body.unit_ref.unit_id = 3;
	} else if (IS("volume_list_req")) {
		struct vvmp_volume_list_req *l = &m->body.volume_list_req;

		golden_header(m, i, VVMP_OP_VOLUME_LIST, 0, 0, 0);
		l->unit_id = 3;
		l->count = 2;
		set_volume(&l->volumes[0], 1, VVMP_TR_NBD, 2048, 2097152, ADDR3);
		set_volume(&l->volumes[1], 2, VVMP_TR_LOCAL, 0, 8, "");
	} else if (IS("heartbeat_req")) {
		golden_header(m, i, VVMP_OP_HEARTBEAT, 0, 0, 0);
		m->body.heartbeat_req = (struct vvmp_heartbeat_req){ 3, 42 };
	} else if (IS("assign_req")) {
		golden_header(m, i, VVMP_OP_ASSIGN, VVMP_ASSIGN_ADD, 0, 0);
		m->body.assign_req = (struct vvmp_assign_req){ 42, 0x11, 1, VVMP_ACCESS_EXCLUSIVE,
							       0, 0, 2048, 2097152, "" };
		vvmp_set_text(m->body.assign_req.host, VVMP_HOST_LEN, "host-a");
	} else {
		return 0;
	}
#undef IS
	return 1;
}

static uint8_t out[VVMP_MAX_FRAME];
static struct vvmp_msg msg, msg2;

/* Each golden vector, built in C, encodes to exactly the spec's bytes. */
static int test_golden_encode(void)
{
	struct vvmp_key key = golden_key();

	CHECK(nvectors >= 35);
	for (int i = 0; i < nvectors; i++) {
		int use_key;
		long n;

		if (!build(vectors[i].name, &msg, &use_key)) {
			fprintf(stderr, "  no C builder for vector %s\n", vectors[i].name);
			return 1;
		}
		n = vvmp_encode(&msg, use_key ? &key : NULL, out, sizeof(out));
		if (n != (long)vectors[i].len || memcmp(out, vectors[i].bytes, vectors[i].len)) {
			fprintf(stderr, "  vector %s: encoded %ld bytes, expected %zu (or bytes differ)\n",
				vectors[i].name, n, vectors[i].len);
			return 1;
		}
	}
	return 0;
}

/* Each golden vector decodes to the C message it was built from. */
static int test_golden_decode(void)
{
	for (int i = 0; i < nvectors; i++) {
		int use_key, err;

		build(vectors[i].name, &msg, &use_key);
		err = vvmp_decode(vectors[i].bytes, vectors[i].len, &msg2);
		if (err) {
			fprintf(stderr, "  vector %s: %s\n", vectors[i].name, vvmp_err_str(err));
			return 1;
		}
		/* Fields the encoder fills in. */
		msg.hdr.magic = VVMP_MAGIC;
		msg.hdr.version = use_key ? VVMP_VERSION_AUTH : VVMP_VERSION;
		msg.hdr.flags |= use_key ? VVMP_F_AUTH : 0;
		msg.hdr.data_words = msg2.hdr.data_words;
		msg.hdr.checksum = msg2.hdr.checksum;
		if (memcmp(&msg.hdr, &msg2.hdr, sizeof(msg.hdr)) ||
		    memcmp(&msg.auth, &msg2.auth, sizeof(msg.auth)) ||
		    memcmp(&msg.body, &msg2.body, sizeof(msg.body))) {
			fprintf(stderr, "  vector %s: decoded message differs\n", vectors[i].name);
			return 1;
		}
	}
	return 0;
}

static int test_crc32c_check_value(void)
{
	CHECK_EQ(vvmp_crc32c(0, "123456789", 9), 0xE3069283u);
	/* Continuation over a split buffer gives the same result. */
	CHECK_EQ(vvmp_crc32c(vvmp_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	CHECK_EQ(vvmp_crc32c(0, "", 0), 0);
	return 0;
}

static int test_header_field_offsets(void)
{
	const struct vector *v = vector("allocate_req");

	CHECK(v);
	/* Spot-check the spec's header table against a decoded vector. */
	CHECK_EQ(v->bytes[0] << 8 | v->bytes[1], VVMP_MAGIC);
	CHECK_EQ(v->bytes[4] << 8 | v->bytes[5], VVMP_OP_ALLOCATE);
	CHECK_EQ(v->bytes[6] << 8 | v->bytes[7], VVMP_ALLOC_ANYWHERE);
	CHECK_EQ(v->bytes[34] << 8 | v->bytes[35], 14);	/* 56-byte payload */
	CHECK_EQ(v->len, VVMP_HEADER_LEN + 56);
	return 0;
}

static int test_auth_accepts_right_key_only(void)
{
	const struct vector *v = vector("initialize_auth_req");
	struct vvmp_key key = golden_key(), wrong = golden_key();

	CHECK(v);
	wrong.bytes[31] ^= 1;
	CHECK_EQ(vvmp_auth_verify(v->bytes, v->len, &key), 0);
	CHECK_EQ(vvmp_auth_verify(v->bytes, v->len, &wrong), VVMP_E_AUTH);
	/* A frame with a MAC where none is expected is refused too. */
	CHECK_EQ(vvmp_auth_verify(v->bytes, v->len, NULL), VVMP_E_AUTH);
	return 0;
}

static int test_auth_missing_mac_refused(void)
{
	const struct vector *v = vector("initialize_req");
	struct vvmp_key key = golden_key();

	CHECK_EQ(vvmp_auth_verify(v->bytes, v->len, &key), VVMP_E_AUTH);
	CHECK_EQ(vvmp_auth_verify(v->bytes, v->len, NULL), 0);
	return 0;
}

/* Re-compute the checksum of a frame the test tampered with. */
static void fix_checksum(uint8_t *f, size_t payload_len)
{
	uint32_t crc = vvmp_crc32c(vvmp_crc32c(0, f, 36), f + 40, payload_len);

	f[36] = crc >> 24; f[37] = (uint8_t)(crc >> 16); f[38] = (uint8_t)(crc >> 8); f[39] = (uint8_t)crc;
}

static int test_auth_tampered_payload_refused(void)
{
	const struct vector *v = vector("initialize_auth_req");
	struct vvmp_key key = golden_key();
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	f[48] = 'X';		/* host name; checksum fixed, MAC not */
	fix_checksum(f, v->len - 40 - VVMP_AUTH_LEN);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), 0);
	CHECK_EQ(vvmp_auth_verify(f, v->len, &key), VVMP_E_AUTH);
	return 0;
}

static int test_every_truncation_is_short(void)
{
	for (int i = 0; i < nvectors; i++)
		for (size_t len = 0; len < vectors[i].len; len++)
			CHECK_EQ(vvmp_decode(vectors[i].bytes, len, &msg), VVMP_E_SHORT);
	return 0;
}

static int test_trailing_bytes_are_bad_length(void)
{
	const struct vector *v = vector("free_req");
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	f[v->len] = 0;
	CHECK_EQ(vvmp_decode(f, v->len + 1, &msg), VVMP_E_LENGTH);
	return 0;
}

static int test_bad_magic_version_flags(void)
{
	const struct vector *v = vector("free_req");
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	f[0] ^= 0xff;
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_MAGIC);
	memcpy(f, v->bytes, v->len);
	f[2] = 2;
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_VERSION);
	memcpy(f, v->bytes, v->len);
	f[3] = 0x08;
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_FLAGS);
	return 0;
}

static int test_oversized_length_refused(void)
{
	uint8_t f[VVMP_HEADER_LEN];
	const struct vector *v = vector("free_req");

	memcpy(f, v->bytes, sizeof(f));
	f[34] = (VVMP_MAX_DATA_WORDS + 1) >> 8;
	f[35] = (VVMP_MAX_DATA_WORDS + 1) & 0xff;
	CHECK_EQ(vvmp_frame_len(f, sizeof(f)), VVMP_E_LENGTH);
	return 0;
}

static int test_every_bit_flip_detected(void)
{
	/* Any single-bit error outside magic/version/flags/length is a checksum error. */
	const struct vector *v = vector("allocate_rep");
	uint8_t f[4096];

	for (size_t byte = 4; byte < v->len; byte++) {
		if (byte == 34 || byte == 35)
			continue;
		for (int bit = 0; bit < 8; bit++) {
			memcpy(f, v->bytes, v->len);
			f[byte] ^= (uint8_t)(1 << bit);
			CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_CHECKSUM);
		}
	}
	return 0;
}

static int test_unknown_opcode_and_subopcode(void)
{
	const struct vector *v = vector("query_san_req");
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	f[4] = 0x7f; f[5] = 0x7f;
	fix_checksum(f, 0);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_OPCODE);
	CHECK_EQ(msg.hdr.opcode, 0x7f7f);	/* header kept for the error reply */
	CHECK_EQ(msg.hdr.transaction_id, 0x1000);
	memcpy(f, v->bytes, v->len);
	f[7] = 9;			/* QUERY sub-opcode 9 */
	fix_checksum(f, 0);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_SUBOP);
	CHECK_EQ(vvmp_err_status(VVMP_E_SUBOP), VVMP_S_UNKNOWN_OPCODE);
	return 0;
}

static int test_status_in_request_refused(void)
{
	const struct vector *v = vector("free_req");
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	f[33] = 1;
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_STATUS);
	return 0;
}

/* Shrink a vector's payload by @words (header length and checksum fixed). */
static size_t truncated_payload(const char *name, int words, uint8_t *f)
{
	const struct vector *v = vector(name);
	size_t len = v->len - 4 * (size_t)words;
	unsigned int dw = (unsigned int)(len - 40) / 4;

	memcpy(f, v->bytes, len);
	f[34] = (uint8_t)(dw >> 8);
	f[35] = (uint8_t)dw;
	fix_checksum(f, len - 40);
	return len;
}

static int test_truncated_payload_refused(void)
{
	uint8_t f[4096];
	static const char *const names[] = {
		"allocate_req", "allocate_rep", "initialize_req", "free_req",
		"volume_list_req", "domains_rep", "query_all_devices_rep", "assign_req",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = truncated_payload(names[i], 1, f);

		CHECK_EQ(vvmp_decode(f, len, &msg), VVMP_E_PAYLOAD);
	}
	return 0;
}

static int test_excess_payload_refused(void)
{
	const struct vector *v = vector("free_req");
	uint8_t f[512];

	memcpy(f, v->bytes, v->len);
	memset(f + v->len, 0, 4);
	f[35] += 1;
	fix_checksum(f, v->len - 40 + 4);
	CHECK_EQ(vvmp_decode(f, v->len + 4, &msg), VVMP_E_PAYLOAD);
	/* A payload on an opcode that has none. */
	v = vector("query_san_req");
	memcpy(f, v->bytes, v->len);
	memset(f + 40, 0, 4);
	f[35] = 1;
	fix_checksum(f, 4);
	CHECK_EQ(vvmp_decode(f, 44, &msg), VVMP_E_PAYLOAD);
	return 0;
}

static int test_count_above_limit_refused(void)
{
	const struct vector *v = vector("volume_list_req");
	uint8_t f[4096];

	memcpy(f, v->bytes, v->len);
	f[44] = 0; f[45] = 0; f[46] = 0; f[47] = VVMP_MAX_VOLUMES + 1;
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);
	/* A huge count must not make the decoder read past the payload. */
	f[44] = 0xff;
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);
	return 0;
}

static int test_field_rules_on_decode(void)
{
	uint8_t f[4096];
	const struct vector *v;

	/* volume end_lba must be start + length - 1 */
	v = vector("volume_list_req");
	memcpy(f, v->bytes, v->len);
	f[48 + 31] ^= 1;		/* low byte of the first volume's end_lba */
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);

	/* host name without a terminating NUL */
	v = vector("initialize_req");
	memcpy(f, v->bytes, v->len);
	memset(f + 48, 'a', 64);
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);

	/* garbage after the NUL of a text field */
	memcpy(f, v->bytes, v->len);
	f[48 + 40] = 'z';
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);

	/* storage type 9 */
	v = vector("allocate_req");
	memcpy(f, v->bytes, v->len);
	f[40 + 7] = 9;
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);

	/* zero capacity */
	memcpy(f, v->bytes, v->len);
	memset(f + 40 + 16, 0, 8);
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);

	/* reserved word set */
	memcpy(f, v->bytes, v->len);
	f[v->len - 1] = 1;
	fix_checksum(f, v->len - 40);
	CHECK_EQ(vvmp_decode(f, v->len, &msg), VVMP_E_PAYLOAD);
	return 0;
}

static int test_error_reply_has_no_payload(void)
{
	const struct vector *v = vector("allocate_no_space_rep");

	CHECK_EQ(v->len, 40);
	CHECK_EQ(vvmp_decode(v->bytes, v->len, &msg), 0);
	CHECK_EQ(msg.hdr.status, VVMP_S_NO_SPACE);
	CHECK(!strcmp(vvmp_status_str(msg.hdr.status), "NO_SPACE"));
	/* An error reply may echo an opcode the receiver does not know. */
	memset(&msg, 0, sizeof(msg));
	msg.hdr.opcode = 0x7777;
	msg.hdr.flags = VVMP_F_REPLY;
	msg.hdr.status = VVMP_S_UNKNOWN_OPCODE;
	CHECK_EQ(vvmp_encode(&msg, NULL, out, sizeof(out)), 40);
	CHECK_EQ(vvmp_decode(out, 40, &msg2), 0);
	CHECK_EQ(msg2.hdr.opcode, 0x7777);
	/* ... but never a payload. */
	out[35] = 1;
	memset(out + 40, 0, 4);
	fix_checksum(out, 4);
	CHECK_EQ(vvmp_decode(out, 44, &msg2), VVMP_E_PAYLOAD);
	return 0;
}

static int test_encoder_refuses_invalid_body(void)
{
	int use_key;

	build("allocate_req", &msg, &use_key);
	msg.body.alloc_req.capacity_kb = 0;
	memset(out, 0xa5, 64);
	CHECK_EQ(vvmp_encode(&msg, NULL, out, sizeof(out)), VVMP_E_PAYLOAD);
	CHECK_EQ(out[0], 0xa5);		/* output untouched */
	build("allocate_req", &msg, &use_key);
	msg.body.alloc_req.share_alloc_id = 5;	/* only SHARED may name one */
	CHECK_EQ(vvmp_encode(&msg, NULL, out, sizeof(out)), VVMP_E_PAYLOAD);
	build("allocate_req", &msg, &use_key);
	msg.hdr.status = 1;			/* request with a status */
	CHECK_EQ(vvmp_encode(&msg, NULL, out, sizeof(out)), VVMP_E_STATUS);
	build("allocate_req", &msg, &use_key);
	msg.hdr.opcode = 0x0200;
	CHECK_EQ(vvmp_encode(&msg, NULL, out, sizeof(out)), VVMP_E_OPCODE);
	return 0;
}

static int test_encoder_buffer_too_small(void)
{
	int use_key;

	build("allocate_req", &msg, &use_key);
	memset(out, 0xa5, 128);
	CHECK_EQ(vvmp_encode(&msg, NULL, out, 95), VVMP_E_NOSPACE);
	CHECK_EQ(out[0], 0xa5);
	CHECK_EQ(vvmp_encode(&msg, NULL, out, 96), 96);
	return 0;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13; rnd_state ^= rnd_state >> 17; rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Random valid messages of every layout survive encode -> decode unchanged. */
static int test_random_round_trips(void)
{
	struct vvmp_key key = golden_key();

	for (int iter = 0; iter < 2000; iter++) {
		int use_key, k = iter % nvectors;
		long n;

		build(vectors[k].name, &msg, &use_key);
		msg.hdr.transaction_id = rnd();
		msg.hdr.src_san_id = rnd();
		msg.hdr.domain_id = rnd();
		if (msg.hdr.opcode == VVMP_OP_ALLOCATE && !(msg.hdr.flags & VVMP_F_REPLY)) {
			msg.body.alloc_req.capacity_kb = ((uint64_t)rnd() << 32 | rnd()) | 1;
			msg.body.alloc_req.members = rnd() % (VVMP_MAX_MEMBERS + 1);
		}
		if (vvmp_body_kind(&msg.hdr) == VVMP_BODY_ALLOC_REP) {
			uint32_t c = rnd() % (VVMP_MAX_EXTENTS + 1);

			memset(msg.body.alloc_rep.extents, 0, sizeof(msg.body.alloc_rep.extents));
			msg.body.alloc_rep.extent_count = c;
			for (uint32_t e = 0; e < c; e++)
				set_extent(&msg.body.alloc_rep.extents[e], rnd(), rnd(), rnd(),
					   rnd() % VVMP_MAX_MEMBERS, 1 + rnd() % 3, rnd(),
					   1 + rnd(), e % 2 ? ADDR3 : "");
		}
		msg.auth = (struct vvmp_auth){ (uint64_t)rnd() << 32 | rnd(),
					       (uint64_t)rnd() << 32 | rnd(), (uint64_t)rnd() << 20 };
		n = vvmp_encode(&msg, (iter & 1) ? &key : NULL, out, sizeof(out));
		CHECK(n > 0);
		CHECK_EQ(vvmp_decode(out, (size_t)n, &msg2), 0);
		CHECK_EQ(vvmp_auth_verify(out, (size_t)n, (iter & 1) ? &key : NULL), 0);
		CHECK(!memcmp(&msg.body, &msg2.body, sizeof(msg.body)));
		if (iter & 1)
			CHECK(!memcmp(&msg.auth, &msg2.auth, sizeof(msg.auth)));
		else
			CHECK_EQ(msg2.auth.association | msg2.auth.sequence | msg2.auth.timestamp_us, 0);
		CHECK_EQ(msg2.hdr.transaction_id, msg.hdr.transaction_id);
	}
	return 0;
}

static int test_max_size_device_list(void)
{
	long n;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.opcode = VVMP_OP_QUERY;
	msg.hdr.sub_opcode = VVMP_QUERY_ALL_SANS;
	msg.hdr.flags = VVMP_F_REPLY;
	msg.body.dev_rep.count = VVMP_MAX_DEVICES;
	for (int i = 0; i < VVMP_MAX_DEVICES; i++)
		msg.body.dev_rep.devices[i] = (struct vvmp_device){
			1, 2, (uint32_t)i, VVMP_ST_JBOD, VVMP_TR_NBD, VVMP_DEV_FREE, 0, 0, 0, 8, "" };
	n = vvmp_encode(&msg, NULL, out, sizeof(out));
	CHECK_EQ(n, 40 + 4 + 112 * VVMP_MAX_DEVICES);
	CHECK(n <= VVMP_HEADER_LEN + VVMP_MAX_PAYLOAD);
	CHECK_EQ(vvmp_decode(out, (size_t)n, &msg2), 0);
	CHECK_EQ(msg2.body.dev_rep.devices[255].volume_id, 255);
	return 0;
}

static int test_key_from_hex(void)
{
	struct vvmp_key k;

	CHECK_EQ(vvmp_key_from_hex("00ff10", &k), 0);
	CHECK_EQ(k.len, 3);
	CHECK_EQ(k.bytes[1], 0xff);
	CHECK_EQ(vvmp_key_from_hex("0", &k), -1);
	CHECK_EQ(vvmp_key_from_hex("zz", &k), -1);
	CHECK_EQ(vvmp_key_from_hex("", &k), -1);
	return 0;
}

/* Section 3.1: version 1 ends after the payload, version 2 with the auth trailer. */
static int test_version_says_how_the_frame_ends(void)
{
	const struct vector *v = vector("allocate_auth_req"), *u = vector("free_req");
	uint8_t f[512];

	CHECK_EQ(v->bytes[2], VVMP_VERSION_AUTH);
	CHECK_EQ(v->len, VVMP_HEADER_LEN + 56 + VVMP_AUTH_EXT_LEN + VVMP_MAC_LEN);
	CHECK_EQ(u->bytes[2], VVMP_VERSION);
	/* AUTH with version 1: a v1 signed frame (bare MAC, no replay protection). */
	memcpy(f, v->bytes, v->len);
	f[2] = VVMP_VERSION;
	CHECK_EQ(vvmp_frame_len(f, v->len), VVMP_E_VERSION);
	CHECK_EQ(vvmp_decode(f, v->len - VVMP_AUTH_EXT_LEN, &msg), VVMP_E_VERSION);
	CHECK_EQ(vvmp_err_status(VVMP_E_VERSION), VVMP_S_BAD_FRAME);
	/* Version 2 without AUTH. */
	memcpy(f, u->bytes, u->len);
	f[2] = VVMP_VERSION_AUTH;
	CHECK_EQ(vvmp_decode(f, u->len, &msg), VVMP_E_VERSION);
	return 0;
}

static int test_auth_extension_offsets(void)
{
	const struct vector *v = vector("allocate_auth_req");
	const uint8_t *x = v->bytes + VVMP_HEADER_LEN + 56;
	struct vvmp_auth a;

	/* Right after the payload, big-endian, inside the MAC, outside the checksum. */
	CHECK_EQ(x[0], 0x01);
	CHECK_EQ(x[7], 0xef);
	CHECK_EQ(x[15], 1);
	CHECK_EQ(vvmp_auth_peek(v->bytes, v->len, &a), 0);
	CHECK(a.association == TCP_ASSOC && a.sequence == 1 && a.timestamp_us == TS + 2000);
	CHECK_EQ(vvmp_auth_peek(vector("allocate_req")->bytes, vector("allocate_req")->len, &a),
		 VVMP_E_AUTH);
	return 0;
}

/* Any bit flip in the extension or the MAC: the checksum passes, the MAC does not. */
static int test_every_auth_trailer_bit_flip_detected(void)
{
	const struct vector *v = vector("allocate_auth_req");
	struct vvmp_key key = golden_key();
	uint8_t f[512];

	for (size_t byte = v->len - VVMP_AUTH_LEN; byte < v->len; byte++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(f, v->bytes, v->len);
			f[byte] ^= (uint8_t)(1 << bit);
			CHECK_EQ(vvmp_decode(f, v->len, &msg), 0);
			CHECK_EQ(vvmp_auth_verify(f, v->len, &key), VVMP_E_AUTH);
		}
	return 0;
}

static int test_replayed_status_is_named(void)
{
	const struct vector *v = vector("allocate_replayed_rep");

	CHECK_EQ(vvmp_decode(v->bytes, v->len, &msg), 0);
	CHECK_EQ(msg.hdr.status, VVMP_S_REPLAYED);
	CHECK(!strcmp(vvmp_status_str(VVMP_S_REPLAYED), "REPLAYED"));
	CHECK_EQ(vvmp_err_status(VVMP_E_REPLAY), VVMP_S_REPLAYED);
	CHECK(!strcmp(vvmp_err_str(VVMP_E_REPLAY), "replayed or stale frame"));
	return 0;
}

/* window.txt: the independent implementation's verdicts, run for run. */
static int test_window_matches_independent_rules(void)
{
	FILE *f = fopen(WINDOW_FILE, "r");
	struct vvmp_replay_window w = { 0 };
	unsigned long long seq;
	char verdict[16];
	int run, last_run = -1, lines = 0, accepted = 0;

	CHECK(f);
	while (fscanf(f, "%d %llu %15s", &run, &seq, verdict) == 3) {
		int got;

		if (run != last_run)
			memset(&w, 0, sizeof(w));
		last_run = run;
		got = vvmp_replay_window_accept(&w, seq);
		if (got != (strcmp(verdict, "accept") ? VVMP_E_REPLAY : 0)) {
			fprintf(stderr, "  run %d, line %d: sequence %llu: %s expected, got %d\n",
				run, lines + 1, seq, verdict, got);
			fclose(f);
			return 1;
		}
		lines++;
		accepted += !got;
	}
	fclose(f);
	CHECK(lines > 400);
	CHECK(accepted > 100 && accepted < lines - 50);	/* both verdicts well exercised */
	return 0;
}

/* Sign @seq in association @assoc (TCP vector allocate_auth_req's body). */
static size_t signed_frame(uint64_t assoc, uint64_t seq, uint64_t ts, uint8_t *f)
{
	struct vvmp_key key = golden_key();
	int use_key;
	long n;

	build("allocate_auth_req", &msg, &use_key);
	msg.auth = (struct vvmp_auth){ assoc, seq, ts };
	n = vvmp_encode(&msg, &key, f, 512);
	return n > 0 ? (size_t)n : 0;
}

static int test_replayed_frame_refused(void)
{
	const struct vector *v = vector("allocate_auth_req");
	struct vvmp_key key = golden_key();
	struct vvmp_assoc a;
	const char *why = NULL;

	memset(&a, 0, sizeof(a));
	vvmp_assoc_adopt(&a, TCP_ASSOC);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, &a, &why), 0);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, &a, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "sequence number already accepted"));
	/* Where the receiver has no association (e.g. another connection): stale. */
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, NULL, &why), VVMP_E_REPLAY);
	CHECK(strstr(why, "no association"));
	/* Another association of the same peer: stale too. */
	memset(&a, 0, sizeof(a));
	vvmp_assoc_adopt(&a, TCP_ASSOC + 1);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, &a, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "not the current association"));
	CHECK_EQ(a.rx.top, 0);
	/* An opening is not a frame of an open association. */
	v = vector("initialize_auth_req");
	vvmp_assoc_adopt(&a, TCP_ASSOC);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, &a, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "an opening inside an open association"));
	return 0;
}

static int test_out_of_window_refused(void)
{
	struct vvmp_key key = golden_key();
	struct vvmp_assoc a = { 0 };
	const char *why;
	uint8_t f[512];
	size_t n;

	vvmp_assoc_adopt(&a, TCP_ASSOC);
	n = signed_frame(TCP_ASSOC, 100, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, &why), 0);
	n = signed_frame(TCP_ASSOC, 100 - VVMP_REPLAY_WINDOW, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "sequence number below the window"));
	n = signed_frame(TCP_ASSOC, 100 - VVMP_REPLAY_WINDOW + 1, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, &why), 0);	/* the window's last slot */
	/* A jump past the whole window leaves only the new top. */
	n = signed_frame(TCP_ASSOC, 1000, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, &why), 0);
	CHECK_EQ(a.rx.top, 1000);
	CHECK_EQ(a.rx.seen, 1);
	n = signed_frame(TCP_ASSOC, 999, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, &why), 0);
	return 0;
}

static int test_reordered_within_window_accepted(void)
{
	static const uint64_t order[] = { 3, 1, 2, 7, 5, 4, 6, 64, 8, 10, 9 };
	struct vvmp_key key = golden_key();
	struct vvmp_assoc a = { 0 };
	uint8_t f[512];
	size_t n;

	vvmp_assoc_adopt(&a, UDP_ASSOC);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		n = signed_frame(UDP_ASSOC, order[i], TS, f);
		CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), 0);
	}
	CHECK_EQ(a.rx.top, 64);
	/* ... but each only once. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		n = signed_frame(UDP_ASSOC, order[i], TS, f);
		CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), VVMP_E_REPLAY);
	}
	/* 11..63 were never seen: still welcome. */
	n = signed_frame(UDP_ASSOC, 11, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), 0);
	return 0;
}

/* The MAC is checked first: a forged frame cannot move the window. */
static int test_forged_frame_leaves_window_alone(void)
{
	struct vvmp_key key = golden_key();
	struct vvmp_assoc a = { 0 };
	uint8_t f[512];
	size_t n;

	vvmp_assoc_adopt(&a, TCP_ASSOC);
	n = signed_frame(TCP_ASSOC, 5, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), 0);
	n = signed_frame(TCP_ASSOC, 1000000, TS, f);
	f[n - 1] ^= 1;
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), VVMP_E_AUTH);
	CHECK_EQ(a.rx.top, 5);
	n = signed_frame(TCP_ASSOC, 4, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &a, NULL), 0);
	return 0;
}

/* Sequence numbers never wrap: the last one is 2^64-1, then a new association. */
static int test_counter_never_wraps(void)
{
	const struct vector *v = vector("heartbeat_auth_req");
	struct vvmp_key key = golden_key();
	struct vvmp_assoc tx = { 0 }, rx = { 0 };
	struct vvmp_auth auth;
	uint8_t f[512];
	size_t n;

	CHECK_EQ(vvmp_assoc_new(&tx), 0);
	tx.tx_seq = UINT64_MAX - 1;
	CHECK_EQ(vvmp_assoc_sign(&tx, false, &auth), 0);
	CHECK(auth.sequence == UINT64_MAX);
	CHECK_EQ(vvmp_assoc_sign(&tx, false, &auth), VVMP_E_REPLAY);
	CHECK(tx.tx_seq == UINT64_MAX);
	/* An opening needs no number: the way out. */
	CHECK_EQ(vvmp_assoc_sign(&tx, true, &auth), 0);
	CHECK_EQ(auth.sequence, 0);
	/* The receiver takes the last number, and nothing after it wraps in. */
	vvmp_assoc_adopt(&rx, UDP_ASSOC);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, &key, &rx, NULL), 0);
	CHECK(rx.rx.top == UINT64_MAX);
	n = signed_frame(UDP_ASSOC, 1, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &rx, NULL), VVMP_E_REPLAY);
	n = signed_frame(UDP_ASSOC, UINT64_MAX - 1, TS, f);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &rx, NULL), 0);
	return 0;
}

static int test_association_ids_and_counters(void)
{
	struct vvmp_assoc a, b;
	struct vvmp_auth x;

	CHECK_EQ(vvmp_assoc_new(&a), 0);
	CHECK_EQ(vvmp_assoc_new(&b), 0);
	CHECK(a.id && b.id && a.id != b.id);
	CHECK(!a.established);
	/* Openings carry 0 and use no number; then 1, 2, ... */
	CHECK_EQ(vvmp_assoc_sign(&a, true, &x), 0);
	CHECK(x.association == a.id && x.sequence == 0);
	CHECK_EQ(vvmp_assoc_sign(&a, false, &x), 0);
	CHECK_EQ(x.sequence, 1);
	CHECK_EQ(vvmp_assoc_sign(&a, false, &x), 0);
	CHECK_EQ(x.sequence, 2);
	/* A repeated opening of the same association keeps the receiver's counters. */
	memset(&b, 0, sizeof(b));
	vvmp_assoc_adopt(&b, 77);
	CHECK(b.established);
	CHECK_EQ(vvmp_replay_window_accept(&b.rx, 9), 0);
	b.tx_seq = 4;
	vvmp_assoc_adopt(&b, 77);
	CHECK_EQ(b.tx_seq, 4);
	CHECK_EQ(b.rx.top, 9);
	/* Another id starts over. */
	vvmp_assoc_adopt(&b, 78);
	CHECK_EQ(b.tx_seq, 0);
	CHECK_EQ(b.rx.top, 0);
	return 0;
}

static int test_clock_strictly_increasing(void)
{
	uint64_t prev = vvmp_clock_us();

	CHECK(prev > TS);		/* later than November 2023 */
	for (int i = 0; i < 10000; i++) {
		uint64_t now = vvmp_clock_us();

		CHECK(now > prev);
		prev = now;
	}
	return 0;
}

/* A retransmission re-signed: a new number and MAC, the same request. */
static int test_resigned_retransmission_accepted(void)
{
	struct vvmp_key key = golden_key();
	struct vvmp_assoc tx = { 0 }, rx = { 0 };
	struct vvmp_auth auth;
	uint8_t f[512], g[512];
	size_t n;

	vvmp_assoc_adopt(&tx, UDP_ASSOC);
	vvmp_assoc_adopt(&rx, UDP_ASSOC);
	CHECK_EQ(vvmp_assoc_sign(&tx, false, &auth), 0);
	n = signed_frame(UDP_ASSOC, auth.sequence, auth.timestamp_us, f);
	memcpy(g, f, n);
	CHECK_EQ(vvmp_assoc_sign(&tx, false, &auth), 0);
	CHECK_EQ(vvmp_auth_resign(g, n, &key, &auth), 0);
	/* Only the extension and the MAC differ. */
	CHECK(!memcmp(f, g, n - VVMP_AUTH_LEN));
	CHECK(memcmp(f + n - VVMP_AUTH_LEN, g + n - VVMP_AUTH_LEN, VVMP_AUTH_LEN));
	CHECK_EQ(vvmp_decode(g, n, &msg2), 0);
	CHECK_EQ(msg2.auth.sequence, 2);
	/* Both copies arrive (the first was only late): both are accepted, once each. */
	CHECK_EQ(vvmp_auth_check(g, n, &key, &rx, NULL), 0);
	CHECK_EQ(vvmp_auth_check(f, n, &key, &rx, NULL), 0);
	CHECK_EQ(vvmp_auth_check(g, n, &key, &rx, NULL), VVMP_E_REPLAY);
	/* Unsigned frames cannot be re-signed. */
	memcpy(f, vector("free_req")->bytes, vector("free_req")->len);
	CHECK_EQ(vvmp_auth_resign(f, vector("free_req")->len, &key, &auth), VVMP_E_AUTH);
	return 0;
}

/* Keyless domains: no extension, no window, frames as before. */
static int test_keyless_frames_have_no_replay_state(void)
{
	const struct vector *v = vector("free_req");
	struct vvmp_opening_cache *c = malloc(sizeof(*c));
	struct vvmp_assoc a = { 0 };

	CHECK(c);
	vvmp_opening_cache_init(c, TS, VVMP_OPENING_SKEW_US);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, NULL, &a, NULL), 0);
	CHECK_EQ(vvmp_auth_check(v->bytes, v->len, NULL, &a, NULL), 0);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, NULL, TS, NULL), 0);
	CHECK_EQ(c->count, 0);
	CHECK_EQ(a.rx.top, 0);
	CHECK_EQ(vvmp_decode(v->bytes, v->len, &msg), 0);
	CHECK(!vvmp_is_opening(&msg));
	free(c);
	return 0;
}

/* Openings: the clock window, the receiver's start, and each one only once. */
static int test_opening_rules(void)
{
	const struct vector *v = vector("initialize_auth_req");
	struct vvmp_opening_cache *c = malloc(sizeof(*c));
	struct vvmp_key key = golden_key(), wrong = golden_key();
	uint64_t skew = VVMP_OPENING_SKEW_US;
	const char *why = NULL;

	CHECK(c);
	CHECK_EQ(vvmp_decode(v->bytes, v->len, &msg), 0);
	CHECK(vvmp_is_opening(&msg));
	/* Signed after the receiver started, arriving 5 s later: accepted once. */
	vvmp_opening_cache_init(c, TS - 1000000, skew);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS + 5000000, &why), 0);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS + 6000000, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "opening already accepted"));
	/* Wrong key: the MAC decides first, the cache is not touched. */
	wrong.bytes[0] ^= 1;
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &wrong, TS + 6000000, &why), VVMP_E_AUTH);
	CHECK_EQ(c->count, 1);
	/* Older than the skew: refused (and forgotten: it cannot pass anyway). */
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS + skew + 1, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "opening older than the clock skew allows"));
	/* Ahead of the receiver's clock by more than the skew. */
	vvmp_opening_cache_init(c, TS - 2 * skew, skew);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS - skew - 1, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "opening ahead of this clock by more than the skew"));
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS - skew, &why), 0);
	/* A receiver that restarted after the opening was signed: refused, within the skew. */
	vvmp_opening_cache_init(c, TS, skew);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS + 1000, &why), VVMP_E_REPLAY);
	CHECK(strstr(why, "before this receiver started"));
	/* Not an opening at all. */
	v = vector("allocate_auth_req");
	vvmp_opening_cache_init(c, TS - 1000000, skew);
	CHECK_EQ(vvmp_opening_check(c, v->bytes, v->len, &key, TS, &why), VVMP_E_REPLAY);
	CHECK(!strcmp(why, "not an opening (sequence is not 0)"));
	free(c);
	return 0;
}

/* A full cache forgets its oldest opening and refuses everything up to it. */
static int test_opening_cache_full_raises_floor(void)
{
	struct vvmp_opening_cache *c = malloc(sizeof(*c));
	struct vvmp_key key = golden_key();
	uint8_t f[512], first[512];
	const char *why;
	size_t n = 0, first_len;

	CHECK(c);
	vvmp_opening_cache_init(c, TS - 1, VVMP_OPENING_SKEW_US);
	first_len = signed_frame(TCP_ASSOC, 0, TS, first);
	CHECK_EQ(vvmp_opening_check(c, first, first_len, &key, TS, &why), 0);
	for (int i = 1; i < VVMP_OPENING_CACHE; i++) {
		n = signed_frame(TCP_ASSOC + (uint64_t)i, 0, TS + (uint64_t)i, f);
		CHECK_EQ(vvmp_opening_check(c, f, n, &key, TS + (uint64_t)i, &why), 0);
	}
	CHECK_EQ(c->count, VVMP_OPENING_CACHE);
	n = signed_frame(TCP_ASSOC, 0, TS + VVMP_OPENING_CACHE, f);
	CHECK_EQ(vvmp_opening_check(c, f, n, &key, TS + VVMP_OPENING_CACHE, &why), 0);
	CHECK_EQ(c->count, VVMP_OPENING_CACHE);
	CHECK(c->floor_us == TS);
	/* The forgotten one is still refused, by the floor. */
	CHECK_EQ(vvmp_opening_check(c, first, first_len, &key, TS + 2000, &why), VVMP_E_REPLAY);
	CHECK(strstr(why, "before what it remembers"));
	/* Openings after the window expired: the cache empties by itself. */
	n = signed_frame(TCP_ASSOC, 0, TS + 2 * VVMP_OPENING_SKEW_US, f);
	CHECK_EQ(vvmp_opening_check(c, f, n, &key, TS + 2 * VVMP_OPENING_SKEW_US, &why), 0);
	CHECK_EQ(c->count, 1);
	free(c);
	return 0;
}

int main(void)
{
	if (load_vectors()) {
		fprintf(stderr, "cannot read %s\n", VECTORS_FILE);
		return 1;
	}
	RUN(test_crc32c_check_value);
	RUN(test_golden_encode);
	RUN(test_golden_decode);
	RUN(test_header_field_offsets);
	RUN(test_auth_accepts_right_key_only);
	RUN(test_auth_missing_mac_refused);
	RUN(test_auth_tampered_payload_refused);
	RUN(test_every_truncation_is_short);
	RUN(test_trailing_bytes_are_bad_length);
	RUN(test_bad_magic_version_flags);
	RUN(test_oversized_length_refused);
	RUN(test_every_bit_flip_detected);
	RUN(test_unknown_opcode_and_subopcode);
	RUN(test_status_in_request_refused);
	RUN(test_truncated_payload_refused);
	RUN(test_excess_payload_refused);
	RUN(test_count_above_limit_refused);
	RUN(test_field_rules_on_decode);
	RUN(test_error_reply_has_no_payload);
	RUN(test_encoder_refuses_invalid_body);
	RUN(test_encoder_buffer_too_small);
	RUN(test_random_round_trips);
	RUN(test_max_size_device_list);
	RUN(test_key_from_hex);
	RUN(test_version_says_how_the_frame_ends);
	RUN(test_auth_extension_offsets);
	RUN(test_every_auth_trailer_bit_flip_detected);
	RUN(test_replayed_status_is_named);
	RUN(test_window_matches_independent_rules);
	RUN(test_replayed_frame_refused);
	RUN(test_out_of_window_refused);
	RUN(test_reordered_within_window_accepted);
	RUN(test_forged_frame_leaves_window_alone);
	RUN(test_counter_never_wraps);
	RUN(test_association_ids_and_counters);
	RUN(test_clock_strictly_increasing);
	RUN(test_resigned_retransmission_accepted);
	RUN(test_keyless_frames_have_no_replay_state);
	RUN(test_opening_rules);
	RUN(test_opening_cache_full_raises_floor);
	return tap_summary();
}
