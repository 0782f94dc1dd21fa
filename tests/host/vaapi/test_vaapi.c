// SPDX-License-Identifier: GPL-2.0
/*
 * libvaapi on the host: the exact attributes of each request, the parsing
 * of canned replies and extended ACKs, the events dedup rule, the dm
 * resize buffer, and a clear failure when the vvmp family is missing.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/dm-ioctl.h>
#include <linux/netlink.h>

#include "codec.h"
#include "internal.h"
#include "tap.h"

#define FAMILY 0x1d	/* any id: nothing is sent */

/* ---- helpers ------------------------------------------------------------ */

static struct nlattr *attrs_of(struct nl_msg *msg, int *len)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	*len = genlmsg_attrlen(nlmsg_data(nlh), 0);
	return genlmsg_attrdata(nlmsg_data(nlh), 0);
}

/* The @nth attribute (0-based) in [head, head+len), whatever its type. */
static struct nlattr *nth(struct nlattr *head, int len, int n)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem)
		if (n-- == 0)
			return a;
	return NULL;
}

static int count(struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem, n = 0;

	nla_for_each_attr(a, head, len, rem)
		n++;
	(void)a;
	return n;
}

/* The raw nla_type (flags included) and payload size of an attribute. */
#define CHECK_ATTR(a, raw_type, size) do { \
	CHECK((a) != NULL); \
	if (a) { \
		CHECK_EQ((a)->nla_type, (raw_type)); \
		CHECK_EQ(nla_len(a), (size)); \
	} \
} while (0)

#define NESTED(t) ((t) | NLA_F_NESTED)

static void set_extent(struct vaapi_extent *e, const char *dev, uint64_t off, uint64_t len)
{
	snprintf(e->device, sizeof(e->device), "%s", dev);
	e->offset = off;
	e->length = len;
}

static struct vaapi_map *mirror_map(void)
{
	struct vaapi_map *m = calloc(1, sizeof(*m));

	m->layout = VVMP_MAP_LINEAR;
	m->nr_legs = 2;
	m->legs[0].nr_extents = 2;
	set_extent(&m->legs[0].extents[0], "/dev/sdb", 0, 1024);
	set_extent(&m->legs[0].extents[1], "/dev/sdd", 2048, 1024);
	m->legs[1].nr_extents = 1;
	set_extent(&m->legs[1].extents[0], "8:32", 4096, 2048);
	return m;
}

static void check_extent(struct nlattr *ext, const char *dev, uint64_t off, uint64_t len)
{
	struct nlattr *a;

	CHECK_ATTR(ext, NESTED(VVMP_LEG_A_EXTENT), nla_len(ext));
	if (!ext)
		return;
	CHECK_EQ(count(nla_data(ext), nla_len(ext)), 3);
	a = nth(nla_data(ext), nla_len(ext), 0);
	CHECK_ATTR(a, VVMP_EXTENT_A_DEVICE, strlen(dev) + 1);
	if (a)
		CHECK_STR(nla_data(a), dev);
	a = nth(nla_data(ext), nla_len(ext), 1);
	CHECK_ATTR(a, VVMP_EXTENT_A_OFFSET, 8);
	if (a)
		CHECK_EQ(nla_get_u64(a), off);
	a = nth(nla_data(ext), nla_len(ext), 2);
	CHECK_ATTR(a, VVMP_EXTENT_A_LENGTH, 8);
	if (a)
		CHECK_EQ(nla_get_u64(a), len);
}

/* A reply as the kernel would send it, attributes added by the test. */
static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd, VVMP_GENL_VERSION);
	return msg;
}

/* ---- requests ------------------------------------------------------------ */

TEST(request_header_has_version_zero_reserved_and_ack)
{
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_GET, 0, 0);
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	int len;

	CHECK_EQ(nlh->nlmsg_type, FAMILY);
	CHECK_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	CHECK_EQ(g->cmd, VVMP_CMD_VD_GET);
	CHECK_EQ(g->version, VVMP_GENL_VERSION);
	CHECK_EQ(g->reserved, 0);
	attrs_of(msg, &len);
	CHECK_EQ(len, 0);
	nlmsg_free(msg);
	msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_GET, NLM_F_DUMP, 0);
	CHECK_EQ(nlmsg_hdr(msg)->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	nlmsg_free(msg);
}

TEST(txn_id_rides_only_on_mutating_commands)
{
	struct nl_msg *msg;
	struct nlattr *head, *a;
	int len;
	uint8_t cmd;

	for (cmd = VVMP_CMD_VD_CREATE; cmd <= VVMP_CMD_MAX; cmd++) {
		bool mutates = vaapi_cmd_mutates(cmd);

		msg = vaapi_msg_request(FAMILY, cmd, 0, 7);
		head = attrs_of(msg, &len);
		a = nth(head, len, 0);
		if (mutates) {
			CHECK_ATTR(a, VVMP_A_TXN_ID, 4);
			if (a)
				CHECK_EQ(nla_get_u32(a), 7);
		} else {
			CHECK(a == NULL);
		}
		nlmsg_free(msg);
	}
	/* The mutating set is exactly the commands the header marks as changing state. */
	CHECK(vaapi_cmd_mutates(VVMP_CMD_VD_SET_SEGMENT));
	CHECK(vaapi_cmd_mutates(VVMP_CMD_STATS_RESET));
	CHECK(vaapi_cmd_mutates(VVMP_CMD_DIVERT_DELETE));
	CHECK(vaapi_cmd_mutates(VVMP_CMD_VD_ACTIVATE));
	CHECK(vaapi_cmd_mutates(VVMP_CMD_RESYNC_SET));
	CHECK(!vaapi_cmd_mutates(VVMP_CMD_STATS_GET));
	CHECK(!vaapi_cmd_mutates(VVMP_CMD_TXN_COMMIT));
	CHECK(!vaapi_cmd_mutates(VVMP_CMD_STATE_GET));
	msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	attrs_of(msg, &len);
	CHECK_EQ(len, 0);
	nlmsg_free(msg);
}

TEST(vd_create_encodes_map_with_nested_flags_and_exact_values)
{
	struct vaapi_map *m = mirror_map();
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	struct nlattr *head, *a, *map, *leg;
	int len;

	m->nosync = true;
	CHECK_INT(vaapi_enc_vd_create(msg, "data0", m), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 2);
	a = nth(head, len, 0);
	CHECK_ATTR(a, VVMP_A_VD_NAME, 6);
	if (a)
		CHECK_STR(nla_data(a), "data0");
	map = nth(head, len, 1);
	CHECK_ATTR(map, NESTED(VVMP_A_MAP), nla_len(map));
	if (map) {
		/* LAYOUT, LEG, LEG, NOSYNC; no CHUNK_SECTORS for linear. */
		CHECK_EQ(count(nla_data(map), nla_len(map)), 4);
		a = nth(nla_data(map), nla_len(map), 0);
		CHECK_ATTR(a, VVMP_MAP_A_LAYOUT, 1);
		if (a)
			CHECK_EQ(nla_get_u8(a), VVMP_MAP_LINEAR);
		leg = nth(nla_data(map), nla_len(map), 1);
		CHECK_ATTR(leg, NESTED(VVMP_MAP_A_LEG), nla_len(leg));
		if (leg) {
			CHECK_EQ(count(nla_data(leg), nla_len(leg)), 2);
			check_extent(nth(nla_data(leg), nla_len(leg), 0), "/dev/sdb", 0, 1024);
			check_extent(nth(nla_data(leg), nla_len(leg), 1), "/dev/sdd", 2048, 1024);
		}
		leg = nth(nla_data(map), nla_len(map), 2);
		CHECK_ATTR(leg, NESTED(VVMP_MAP_A_LEG), nla_len(leg));
		if (leg) {
			CHECK_EQ(count(nla_data(leg), nla_len(leg)), 1);
			check_extent(nth(nla_data(leg), nla_len(leg), 0), "8:32", 4096, 2048);
		}
		a = nth(nla_data(map), nla_len(map), 3);
		CHECK_ATTR(a, VVMP_MAP_A_NOSYNC, 0);
	}
	nlmsg_free(msg);
	free(m);
}

TEST(vd_create_opts_put_region_sectors_and_resync_rate_after_the_map)
{
	struct vaapi_map *m = mirror_map();
	struct vaapi_vd_opts opts = { .present = VAAPI_VD_OPT_REGION_SECTORS |
					  VAAPI_VD_OPT_RESYNC_RATE,
				      .region_sectors = 128, .resync_rate = 10240 };
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 5);
	struct nlattr *head, *a;
	int len;

	CHECK_INT(vaapi_enc_vd_create_opts(msg, "data0", m, &opts), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 5);	/* TXN_ID VD_NAME MAP REGION_SECTORS RESYNC_RATE */
	CHECK_ATTR(nth(head, len, 0), VVMP_A_TXN_ID, 4);
	CHECK_ATTR(nth(head, len, 1), VVMP_A_VD_NAME, 6);
	CHECK_EQ(nth(head, len, 2)->nla_type, NESTED(VVMP_A_MAP));
	a = nth(head, len, 3);
	CHECK_ATTR(a, VVMP_A_REGION_SECTORS, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), 128);
	a = nth(head, len, 4);
	CHECK_ATTR(a, VVMP_A_RESYNC_RATE, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), 10240);
	nlmsg_free(msg);

	/* Only the fields present: a rate of 0 (no limit) is sent as such. */
	msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	opts = (struct vaapi_vd_opts){ .present = VAAPI_VD_OPT_RESYNC_RATE,
				       .region_sectors = 12, .resync_rate = 0 };
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "data0", m, &opts), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);
	a = nth(head, len, 2);
	CHECK_ATTR(a, VVMP_A_RESYNC_RATE, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), 0);
	nlmsg_free(msg);

	/* No options: exactly what vaapi_enc_vd_create sends. */
	msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	opts.present = 0;
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "data0", m, &opts), 0);
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "data1", m, NULL), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 4);	/* VD_NAME MAP VD_NAME MAP */
	CHECK_EQ(nth(head, len, 3)->nla_type, NESTED(VVMP_A_MAP));
	nlmsg_free(msg);

	/* The limits of the header: a power of two from 8 to 2^21 sectors. */
	msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	opts.present = VAAPI_VD_OPT_REGION_SECTORS;
	for (uint32_t bad = 0; bad < 5; bad++) {
		static const uint32_t sizes[] = { 0, 4, 12, 1536, VVMP_REGION_SECTORS_MAX * 2 };

		opts.region_sectors = sizes[bad];
		CHECK_INT(vaapi_enc_vd_create_opts(msg, "v", m, &opts), -EINVAL);
	}
	attrs_of(msg, &len);
	CHECK_EQ(len, 0);		/* nothing half-written */
	opts.region_sectors = VVMP_REGION_SECTORS_MIN;
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "v", m, &opts), 0);
	opts.region_sectors = VVMP_REGION_SECTORS_MAX;
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "v", m, &opts), 0);
	opts.present = 1U << 2;		/* a bit this library does not know */
	CHECK_INT(vaapi_enc_vd_create_opts(msg, "v", m, &opts), -EINVAL);
	nlmsg_free(msg);
	free(m);
}

TEST(activate_and_resync_set_name_the_vd_and_carry_the_rate)
{
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_ACTIVATE, 0, 9);
	struct nlattr *head, *a;
	int len;

	/* vaapi_eh_activate_vd: TXN_ID (staged), VD_NAME. */
	CHECK_INT(vaapi_put_name(msg, VVMP_A_VD_NAME, "data0"), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 2);
	a = nth(head, len, 0);
	CHECK_ATTR(a, VVMP_A_TXN_ID, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), 9);
	CHECK_ATTR(nth(head, len, 1), VVMP_A_VD_NAME, 6);
	nlmsg_free(msg);

	msg = vaapi_msg_request(FAMILY, VVMP_CMD_RESYNC_SET, 0, 0);
	CHECK_INT(vaapi_enc_resync_set(msg, "data0", 51200), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 2);
	CHECK_ATTR(nth(head, len, 0), VVMP_A_VD_NAME, 6);
	a = nth(head, len, 1);
	CHECK_ATTR(a, VVMP_A_RESYNC_RATE, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), 51200);
	nlmsg_free(msg);

	msg = vaapi_msg_request(FAMILY, VVMP_CMD_RESYNC_SET, 0, 0);
	CHECK_INT(vaapi_enc_resync_set(msg, "data0", 0), 0);	/* 0: no limit */
	head = attrs_of(msg, &len);
	CHECK_EQ(nla_get_u32(nth(head, len, 1)), 0);
	CHECK_INT(vaapi_enc_resync_set(msg, "", 1), -EINVAL);
	nlmsg_free(msg);
}

TEST(striped_map_carries_chunk_sectors)
{
	struct vaapi_map *m = mirror_map();
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_SET_MAP, 0, 0);
	struct nlattr *head, *map, *a;
	int len;

	m->layout = VVMP_MAP_STRIPED;
	m->chunk_sectors = 128;
	CHECK_INT(vaapi_enc_vd_create(msg, "s", m), 0);
	head = attrs_of(msg, &len);
	map = nth(head, len, 1);
	CHECK(map != NULL);
	if (map) {
		CHECK_EQ(count(nla_data(map), nla_len(map)), 4);	/* LAYOUT CHUNK LEG LEG */
		a = nth(nla_data(map), nla_len(map), 0);
		CHECK_EQ(nla_get_u8(a), VVMP_MAP_STRIPED);
		a = nth(nla_data(map), nla_len(map), 1);
		CHECK_ATTR(a, VVMP_MAP_A_CHUNK_SECTORS, 4);
		if (a)
			CHECK_EQ(nla_get_u32(a), 128);
	}
	nlmsg_free(msg);
	free(m);
}

TEST(encoder_refuses_values_outside_the_uapi_limits)
{
	struct vaapi_map *m = mirror_map();
	struct nl_msg *msg = nlmsg_alloc();
	char long_name[VVMP_NAME_MAX + 1];

	memset(long_name, 'x', VVMP_NAME_MAX);
	long_name[VVMP_NAME_MAX - 1] = '\0';		/* 63 characters: fits */
	CHECK_INT(vaapi_put_name(msg, VVMP_A_VD_NAME, long_name), 0);
	long_name[VVMP_NAME_MAX - 1] = 'x';
	long_name[VVMP_NAME_MAX] = '\0';		/* 64 characters: too long */
	CHECK_INT(vaapi_put_name(msg, VVMP_A_VD_NAME, long_name), -EINVAL);
	CHECK_INT(vaapi_put_name(msg, VVMP_A_VD_NAME, ""), -EINVAL);
	CHECK_INT(vaapi_put_name(msg, VVMP_A_VD_NAME, NULL), -EINVAL);
	m->nr_legs = 0;
	CHECK_INT(vaapi_put_map(msg, m), -EINVAL);
	m->nr_legs = VVMP_MAX_LEGS + 1;
	CHECK_INT(vaapi_put_map(msg, m), -EINVAL);
	m->nr_legs = 2;
	m->legs[1].extents[0].length = 0;
	CHECK_INT(vaapi_put_map(msg, m), -EINVAL);
	m->legs[1].extents[0].length = 1;
	m->legs[1].nr_extents = 0;
	CHECK_INT(vaapi_put_map(msg, m), -EINVAL);
	m->legs[1].nr_extents = 1;
	m->layout = 7;
	CHECK_INT(vaapi_put_map(msg, m), -EINVAL);
	CHECK_INT(vaapi_enc_acl_set(msg, "vd", NULL, 3), -EINVAL);
	CHECK_INT(vaapi_enc_status_set(msg, "vd", NULL, 3), -EINVAL);
	CHECK_INT(vaapi_put_cos(msg, &(struct vaapi_cos){ .present = 0 }), -EINVAL);
	CHECK_INT(vaapi_put_component(msg, &(struct vaapi_component){
			.present = VAAPI_COMPONENT_MASKS, .masks = 0x20 }), -EINVAL);
	CHECK_INT(vaapi_put_range(msg, &(struct vaapi_range){ .start = 1, .length = 0 }), -EINVAL);
	CHECK_INT(vaapi_enc_txn_id(msg, 0), -EINVAL);
	nlmsg_free(msg);
	free(m);
}

TEST(set_segment_encodes_start_length_and_one_extent_per_leg)
{
	struct vaapi_segment seg = { .start = 4096, .length = 512, .nr_extents = 2 };
	struct nl_msg *msg = vaapi_msg_request(FAMILY, VVMP_CMD_VD_SET_SEGMENT, 0, 3);
	struct nlattr *head, *s, *a;
	int len;

	set_extent(&seg.extents[0], "/dev/sde", 100, 512);
	set_extent(&seg.extents[1], "/dev/sdf", 200, 512);
	CHECK_INT(vaapi_enc_vd_set_segment(msg, "data0", &seg), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);		/* TXN_ID VD_NAME SEGMENT */
	CHECK_ATTR(nth(head, len, 0), VVMP_A_TXN_ID, 4);
	CHECK_ATTR(nth(head, len, 1), VVMP_A_VD_NAME, 6);
	s = nth(head, len, 2);
	CHECK_ATTR(s, NESTED(VVMP_A_SEGMENT), nla_len(s));
	if (s) {
		CHECK_EQ(count(nla_data(s), nla_len(s)), 4);
		a = nth(nla_data(s), nla_len(s), 0);
		CHECK_ATTR(a, VVMP_SEGMENT_A_START, 8);
		CHECK_EQ(nla_get_u64(a), 4096);
		a = nth(nla_data(s), nla_len(s), 1);
		CHECK_ATTR(a, VVMP_SEGMENT_A_LENGTH, 8);
		CHECK_EQ(nla_get_u64(a), 512);
		a = nth(nla_data(s), nla_len(s), 2);
		/* VVMP_SEGMENT_A_EXTENT == VVMP_LEG_A_EXTENT + 2: check the raw type. */
		CHECK_EQ(a->nla_type, NESTED(VVMP_SEGMENT_A_EXTENT));
		a = nth(nla_data(s), nla_len(s), 3);
		CHECK_EQ(a->nla_type, NESTED(VVMP_SEGMENT_A_EXTENT));
		a = nth(nla_data(a), nla_len(a), 1);
		CHECK_EQ(nla_get_u64(a), 200);
	}
	nlmsg_free(msg);
}

TEST(policy_setters_name_vd_and_optional_client)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct vaapi_cos cos = { .present = VAAPI_COS_IOPS | VAAPI_COS_PRIORITY,
				 .iops = 5000, .bps = 99, .priority = 2 };
	struct nlattr *head, *a;
	int len;

	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_ACL_SET, 1);
	CHECK_INT(vaapi_enc_acl_set(msg, "v", "host1", VVMP_ACL_RO), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);
	CHECK_ATTR(nth(head, len, 0), VVMP_A_VD_NAME, 2);
	a = nth(head, len, 1);
	CHECK_ATTR(a, VVMP_A_CLIENT_NAME, 6);
	CHECK_STR(nla_data(a), "host1");
	a = nth(head, len, 2);
	CHECK_ATTR(a, VVMP_A_ACL, 1);
	CHECK_EQ(nla_get_u8(a), VVMP_ACL_RO);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_STATUS_SET, 1);
	CHECK_INT(vaapi_enc_status_set(msg, "v", NULL, VVMP_STATUS_QUIESCED), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 2);
	a = nth(head, len, 1);
	CHECK_ATTR(a, VVMP_A_STATUS, 1);
	CHECK_EQ(nla_get_u8(a), VVMP_STATUS_QUIESCED);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_COS_SET, 1);
	CHECK_INT(vaapi_enc_cos_set(msg, "v", NULL, &cos), 0);
	head = attrs_of(msg, &len);
	a = nth(head, len, 1);
	CHECK_ATTR(a, NESTED(VVMP_A_COS), nla_len(a));
	/* Only the fields present: IOPS and PRIORITY, not BPS. */
	CHECK_EQ(count(nla_data(a), nla_len(a)), 2);
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 0), VVMP_COS_A_IOPS, 8);
	CHECK_EQ(nla_get_u64(nth(nla_data(a), nla_len(a), 0)), 5000);
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 1), VVMP_COS_A_PRIORITY, 1);
	CHECK_EQ(nla_get_u8(nth(nla_data(a), nla_len(a), 1)), 2);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_CLIENT_SET, 1);
	CHECK_INT(vaapi_enc_client_set(msg, "h1", "iqn.2024-01.org:h1"), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 2);
	CHECK_ATTR(nth(head, len, 0), VVMP_A_CLIENT_NAME, 3);
	a = nth(head, len, 1);
	CHECK_ATTR(a, VVMP_A_CLIENT_INFO, 19);
	CHECK_STR(nla_data(a), "iqn.2024-01.org:h1");
	nlmsg_free(msg);
}

TEST(stats_directive_plan_params_divert_and_txn_encode_exactly)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct vaapi_stats_directive d = { .present = VAAPI_DIRECTIVE_LATENCY |
					   VAAPI_DIRECTIVE_ERROR_THRESHOLD,
					   .latency = true, .error_threshold = 10 };
	struct vaapi_component c = { .present = VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS,
				     .timeout_ms = 3000,
				     .masks = VVMP_MASK_SUCCESS | VVMP_MASK_DEACTIVATE };
	struct vaapi_range r = { .start = 64, .length = 8 };
	struct nlattr *head, *a;
	int len;

	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_STATS_SET, 1);
	CHECK_INT(vaapi_enc_stats_set(msg, "v", &d), 0);
	head = attrs_of(msg, &len);
	a = nth(head, len, 1);
	CHECK_ATTR(a, NESTED(VVMP_A_STATS_DIRECTIVE), nla_len(a));
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 0), VVMP_DIRECTIVE_A_LATENCY, 1);
	CHECK_EQ(nla_get_u8(nth(nla_data(a), nla_len(a), 0)), 1);
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 1), VVMP_DIRECTIVE_A_ERROR_THRESHOLD, 8);
	CHECK_EQ(nla_get_u64(nth(nla_data(a), nla_len(a), 1)), 10);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_PLAN_PARAMS_SET, 1);
	CHECK_INT(vaapi_enc_plan_params_set(msg, "v", 1, &c), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);
	CHECK_ATTR(nth(head, len, 1), VVMP_A_LEG_INDEX, 4);
	CHECK_EQ(nla_get_u32(nth(head, len, 1)), 1);
	a = nth(head, len, 2);
	CHECK_ATTR(a, NESTED(VVMP_A_COMPONENT), nla_len(a));
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 0), VVMP_COMPONENT_A_TIMEOUT_MS, 4);
	CHECK_EQ(nla_get_u32(nth(nla_data(a), nla_len(a), 0)), 3000);
	CHECK_ATTR(nth(nla_data(a), nla_len(a), 1), VVMP_COMPONENT_A_MASKS, 4);
	CHECK_EQ(nla_get_u32(nth(nla_data(a), nla_len(a), 1)), 0x12);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_DIVERT_ADD, 1);
	CHECK_INT(vaapi_enc_divert(msg, "v", &r), 0);
	head = attrs_of(msg, &len);
	a = nth(head, len, 1);
	CHECK_ATTR(a, NESTED(VVMP_A_RANGE), 24);
	CHECK_EQ(nla_get_u64(nth(nla_data(a), nla_len(a), 0)), 64);
	CHECK_EQ(nla_get_u64(nth(nla_data(a), nla_len(a), 1)), 8);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_TXN_COMMIT, 1);
	CHECK_INT(vaapi_enc_txn_id(msg, 42), 0);
	head = attrs_of(msg, &len);
	CHECK_ATTR(nth(head, len, 0), VVMP_A_TXN_ID, 4);
	CHECK_EQ(nla_get_u32(nth(head, len, 0)), 42);
	nlmsg_free(msg);
}

TEST(plan_set_attach_detach_replace_carry_op_index_and_leg)
{
	struct vaapi_leg leg = { .nr_extents = 1 };
	struct nl_msg *msg;
	struct nlattr *head;
	int len;

	set_extent(&leg.extents[0], "/dev/sdg", 0, 2048);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_PLAN_SET, 1);
	CHECK_INT(vaapi_enc_plan_set(msg, "v", VVMP_PLAN_ATTACH, 5, &leg), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);		/* VD_NAME PLAN_OP LEG: no index */
	CHECK_ATTR(nth(head, len, 1), VVMP_A_PLAN_OP, 1);
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_PLAN_ATTACH);
	CHECK_EQ(nth(head, len, 2)->nla_type, NESTED(VVMP_A_LEG));
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_PLAN_SET, 1);
	CHECK_INT(vaapi_enc_plan_set(msg, "v", VVMP_PLAN_DETACH, 1, NULL), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 3);		/* VD_NAME PLAN_OP LEG_INDEX */
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_PLAN_DETACH);
	CHECK_ATTR(nth(head, len, 2), VVMP_A_LEG_INDEX, 4);
	CHECK_EQ(nla_get_u32(nth(head, len, 2)), 1);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, VVMP_CMD_PLAN_SET, 1);
	CHECK_INT(vaapi_enc_plan_set(msg, "v", VVMP_PLAN_REPLACE, 0, &leg), 0);
	head = attrs_of(msg, &len);
	CHECK_EQ(count(head, len), 4);
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_PLAN_REPLACE);
	CHECK_EQ(nla_get_u32(nth(head, len, 2)), 0);
	CHECK_EQ(nth(head, len, 3)->nla_type, NESTED(VVMP_A_LEG));
	CHECK_INT(vaapi_enc_plan_set(msg, "v", VVMP_PLAN_REPLACE, 0, NULL), -EINVAL);
	nlmsg_free(msg);
}

/* ---- replies ---------------------------------------------------------------- */

static void put_device(struct nl_msg *msg, const char *name, uint32_t dev,
		       const char *client, uint64_t size)
{
	struct nlattr *n = nla_nest_start(msg, NESTED(VVMP_A_DEVICE));

	nla_put_string(msg, VVMP_DEVICE_A_NAME, name);
	nla_put_u32(msg, VVMP_DEVICE_A_DEV, dev);
	if (client)
		nla_put_string(msg, VVMP_DEVICE_A_CLIENT, client);
	nla_put_u64(msg, VVMP_DEVICE_A_SIZE, size);
	nla_nest_end(msg, n);
}

TEST(vd_info_reply_parses_size_generation_and_every_device)
{
	struct nl_msg *msg = reply(VVMP_CMD_VD_GET);
	struct vaapi_vd_info *info = calloc(1, sizeof(*info));

	nla_put_string(msg, VVMP_A_VD_NAME, "data0");
	nla_put_u64(msg, VVMP_A_VD_SIZE, 8192);
	nla_put_u64(msg, VVMP_A_GENERATION, 17);
	nla_put_u32(msg, VVMP_A_NR_DEVICES, 2);
	put_device(msg, "vvmp-data0-h1", (253 << 8) | 4, "h1", 4096);
	put_device(msg, "vvmp-data0", (253 << 8) | 5, NULL, 8192);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), 0);
	CHECK_STR(info->name, "data0");
	CHECK_EQ(info->size, 8192);
	CHECK_EQ(info->generation, 17);
	CHECK_EQ(info->nr_devices, 2);
	CHECK_EQ(info->present, (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_VD_SIZE) |
		 (1ULL << VVMP_A_GENERATION) | (1ULL << VVMP_A_NR_DEVICES) |
		 (1ULL << VVMP_A_DEVICE));
	CHECK_EQ(info->nr_device_records, 2);
	CHECK_STR(info->devices[0].name, "vvmp-data0-h1");
	CHECK_STR(info->devices[0].client, "h1");
	CHECK_EQ(info->devices[0].dev, (253 << 8) | 4);
	CHECK_EQ(info->devices[0].size, 4096);
	CHECK_STR(info->devices[1].name, "vvmp-data0");
	CHECK_STR(info->devices[1].client, "");
	CHECK_EQ(info->devices[1].size, 8192);
	CHECK(!info->devices_truncated);
	CHECK(!info->deactivated);
	CHECK_EQ(info->region_sectors, 0);
	nlmsg_free(msg);
	free(info);
}

TEST(vd_info_reply_parses_region_sectors_resync_rate_and_deactivated)
{
	struct nl_msg *msg = reply(VVMP_CMD_VD_GET);
	struct vaapi_vd_info *info = calloc(1, sizeof(*info));
	uint16_t narrow = 1024;

	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	nla_put_u32(msg, VVMP_A_REGION_SECTORS, 1024);
	nla_put_u32(msg, VVMP_A_RESYNC_RATE, 20480);
	nla_put_flag(msg, VVMP_A_DEACTIVATED);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), 0);
	CHECK_EQ(info->region_sectors, 1024);
	CHECK_EQ(info->resync_rate, 20480);
	CHECK(info->deactivated);
	CHECK_EQ(info->present, (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_REGION_SECTORS) |
		 (1ULL << VVMP_A_RESYNC_RATE) | (1ULL << VVMP_A_DEACTIVATED));
	nlmsg_free(msg);

	/* Active again: no flag; a rate of 0 is "no limit", still present. */
	msg = reply(VVMP_CMD_VD_GET);
	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	nla_put_u32(msg, VVMP_A_REGION_SECTORS, 8);
	nla_put_u32(msg, VVMP_A_RESYNC_RATE, 0);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), 0);
	CHECK(!info->deactivated);
	CHECK(!VAAPI_HAS(info, VVMP_A_DEACTIVATED));
	CHECK(VAAPI_HAS(info, VVMP_A_RESYNC_RATE));
	CHECK_EQ(info->resync_rate, 0);
	CHECK_EQ(info->region_sectors, 8);
	nlmsg_free(msg);

	/* A u32 of 2 bytes is malformed. */
	msg = reply(VVMP_CMD_VD_GET);
	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	nla_put(msg, VVMP_A_REGION_SECTORS, sizeof(narrow), &narrow);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), -EPROTO);
	nlmsg_free(msg);
	free(info);
}

TEST(malformed_replies_are_refused)
{
	struct vaapi_vd_info *info = calloc(1, sizeof(*info));
	struct nl_msg *msg;
	uint32_t small = 5;
	char name[3] = { 'a', 'b', 'c' };	/* no NUL */

	msg = reply(VVMP_CMD_VD_GET);		/* no VD_NAME */
	nla_put_u64(msg, VVMP_A_VD_SIZE, 1);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), -EPROTO);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_VD_GET);		/* u64 attribute of 4 bytes */
	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	nla_put(msg, VVMP_A_VD_SIZE, sizeof(small), &small);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), -EPROTO);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_VD_GET);		/* unterminated string */
	nla_put(msg, VVMP_A_VD_NAME, sizeof(name), name);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), -EPROTO);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_VD_GET);		/* device without a name */
	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	{
		struct nlattr *n = nla_nest_start(msg, NESTED(VVMP_A_DEVICE));

		nla_put_u64(msg, VVMP_DEVICE_A_SIZE, 1);
		nla_nest_end(msg, n);
	}
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), -EPROTO);
	nlmsg_free(msg);
	free(info);
}

static void put_extent(struct nl_msg *msg, int type, const char *dev, uint64_t off, uint64_t len)
{
	struct nlattr *n = nla_nest_start(msg, NESTED(type));

	nla_put_string(msg, VVMP_EXTENT_A_DEVICE, dev);
	nla_put_u64(msg, VVMP_EXTENT_A_OFFSET, off);
	nla_put_u64(msg, VVMP_EXTENT_A_LENGTH, len);
	nla_nest_end(msg, n);
}

TEST(map_reply_parses_legs_extents_health_and_generation)
{
	struct nl_msg *msg = reply(VVMP_CMD_VD_GET_MAP);
	struct vaapi_map *m = calloc(1, sizeof(*m));
	struct nlattr *map, *leg;

	nla_put_string(msg, VVMP_A_VD_NAME, "m");
	nla_put_u64(msg, VVMP_A_GENERATION, 9);
	map = nla_nest_start(msg, NESTED(VVMP_A_MAP));
	nla_put_u8(msg, VVMP_MAP_A_LAYOUT, VVMP_MAP_STRIPED);
	nla_put_u32(msg, VVMP_MAP_A_CHUNK_SECTORS, 64);
	leg = nla_nest_start(msg, NESTED(VVMP_MAP_A_LEG));
	nla_put_u32(msg, VVMP_LEG_A_INDEX, 0);
	nla_put_u8(msg, VVMP_LEG_A_HEALTH, VVMP_LEG_STATE_IN_SYNC);
	put_extent(msg, VVMP_LEG_A_EXTENT, "8:16", 0, 1024);
	put_extent(msg, VVMP_LEG_A_EXTENT, "8:48", 0, 1024);
	nla_nest_end(msg, leg);
	leg = nla_nest_start(msg, NESTED(VVMP_MAP_A_LEG));
	nla_put_u32(msg, VVMP_LEG_A_INDEX, 1);
	nla_put_u8(msg, VVMP_LEG_A_HEALTH, VVMP_LEG_STATE_FAILED);
	put_extent(msg, VVMP_LEG_A_EXTENT, "8:32", 512, 2048);
	nla_nest_end(msg, leg);
	nla_nest_end(msg, map);
	CHECK_INT(vaapi_dec_map_reply(nlmsg_hdr(msg), m), 0);
	CHECK_EQ(m->layout, VVMP_MAP_STRIPED);
	CHECK_EQ(m->chunk_sectors, 64);
	CHECK(!m->nosync);
	CHECK(m->has_generation);
	CHECK_EQ(m->generation, 9);
	CHECK_EQ(m->nr_legs, 2);
	CHECK_EQ(m->legs[0].nr_extents, 2);
	CHECK_STR(m->legs[0].extents[1].device, "8:48");
	CHECK_EQ(m->legs[1].health, VVMP_LEG_STATE_FAILED);
	CHECK(m->legs[1].has_health && m->legs[1].has_index);
	CHECK_EQ(m->legs[1].index, 1);
	CHECK_EQ(m->legs[1].extents[0].offset, 512);
	CHECK_EQ(m->legs[1].extents[0].length, 2048);
	nlmsg_free(msg);
	free(m);
}

static void put_stats(struct nl_msg *msg, int type, int leg, const char *client, uint64_t base,
		      bool latency)
{
	struct nlattr *n = nla_nest_start(msg, NESTED(type));
	uint64_t lat[VVMP_LAT_BUCKETS];
	int i;

	if (leg >= 0)
		nla_put_u32(msg, VVMP_STATS_A_LEG, leg);
	if (client)
		nla_put_string(msg, VVMP_STATS_A_CLIENT, client);
	for (i = VVMP_STATS_A_READS; i <= VVMP_STATS_A_THROTTLED; i++)
		nla_put_u64(msg, i, base + i);
	for (i = 0; i < VVMP_LAT_BUCKETS; i++)
		lat[i] = base * 100 + i;
	if (latency)
		nla_put(msg, VVMP_STATS_A_LATENCY, sizeof(lat), lat);
	nla_nest_end(msg, n);
}

TEST(stats_reply_parses_vd_legs_clients_and_histogram)
{
	struct nl_msg *msg = reply(VVMP_CMD_STATS_GET);
	struct vaapi_vd_stats *st = calloc(1, sizeof(*st));

	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	put_stats(msg, VVMP_A_STATS, -1, NULL, 1000, true);
	put_stats(msg, VVMP_A_LEG_STATS, 0, NULL, 2000, false);
	put_stats(msg, VVMP_A_LEG_STATS, 1, NULL, 3000, false);
	put_stats(msg, VVMP_A_CLIENT_STATS, -1, "h1", 4000, true);
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), 0);
	CHECK(!st->vd.has_log);
	CHECK_EQ(st->vd.reads, 1000 + VVMP_STATS_A_READS);
	CHECK_EQ(st->vd.write_bytes, 1000 + VVMP_STATS_A_WRITE_BYTES);
	CHECK_EQ(st->vd.throttled, 1000 + VVMP_STATS_A_THROTTLED);
	CHECK(st->vd.has_latency);
	CHECK_EQ(st->vd.latency[0], 100000);
	CHECK_EQ(st->vd.latency[VVMP_LAT_BUCKETS - 1], 100000 + VVMP_LAT_BUCKETS - 1);
	CHECK_EQ(st->nr_legs, 2);
	CHECK_EQ(st->legs[1].leg, 1);
	CHECK_EQ(st->legs[1].in_flight, 3000 + VVMP_STATS_A_IN_FLIGHT);
	CHECK(!st->legs[1].has_latency);
	CHECK_EQ(st->nr_clients, 1);
	CHECK_STR(st->clients[0].client, "h1");
	CHECK_EQ(st->clients[0].refused, 4000 + VVMP_STATS_A_REFUSED);
	CHECK_EQ(st->clients[0].latency[3], 400003);
	nlmsg_free(msg);

	/* A histogram of the wrong size is malformed. */
	msg = reply(VVMP_CMD_STATS_GET);
	{
		struct nlattr *n = nla_nest_start(msg, NESTED(VVMP_A_STATS));
		uint64_t lat[VVMP_LAT_BUCKETS - 1] = { 0 };

		nla_put(msg, VVMP_STATS_A_LATENCY, sizeof(lat), lat);
		nla_nest_end(msg, n);
	}
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), -EPROTO);
	nlmsg_free(msg);
	free(st);
}

/* The kernel sends one CLIENT_STATS per device; a device without a client has no CLIENT. */
TEST(stats_reply_takes_the_device_without_a_client)
{
	struct nl_msg *msg = reply(VVMP_CMD_STATS_GET);
	struct vaapi_vd_stats *st = calloc(1, sizeof(*st));

	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	put_stats(msg, VVMP_A_STATS, -1, NULL, 1000, false);
	put_stats(msg, VVMP_A_CLIENT_STATS, -1, "h1", 4000, false);
	put_stats(msg, VVMP_A_CLIENT_STATS, -1, NULL, 5000, false);
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), 0);
	CHECK_EQ(st->nr_clients, 2);
	CHECK_STR(st->clients[0].client, "h1");
	CHECK_STR(st->clients[1].client, "");
	CHECK_EQ(st->clients[1].writes, 5000 + VVMP_STATS_A_WRITES);
	nlmsg_free(msg);
	free(st);
}

TEST(stats_reply_parses_the_vds_dirty_regions_and_copied_bytes)
{
	struct nl_msg *msg = reply(VVMP_CMD_STATS_GET);
	struct vaapi_vd_stats *st = calloc(1, sizeof(*st));
	struct nlattr *n;

	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	n = nla_nest_start(msg, NESTED(VVMP_A_STATS));
	nla_put_u64(msg, VVMP_STATS_A_READS, 3);
	nla_put_u64(msg, VVMP_STATS_A_DIRTY_REGIONS, 17);
	nla_put_u64(msg, VVMP_STATS_A_REGIONS, 2048);
	nla_put_u64(msg, VVMP_STATS_A_COPIED_BYTES, 17ULL << 19);
	nla_nest_end(msg, n);
	put_stats(msg, VVMP_A_LEG_STATS, 0, NULL, 2000, false);
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), 0);
	CHECK(st->vd.has_log);
	CHECK_EQ(st->vd.reads, 3);
	CHECK_EQ(st->vd.dirty_regions, 17);
	CHECK_EQ(st->vd.regions, 2048);
	CHECK_EQ(st->vd.copied_bytes, 17ULL << 19);
	CHECK_EQ(st->nr_legs, 1);
	CHECK(!st->legs[0].has_log);
	CHECK_EQ(st->legs[0].dirty_regions, 0);
	nlmsg_free(msg);

	/* A VD without a log (one leg) reports 0 regions: still present. */
	msg = reply(VVMP_CMD_STATS_GET);
	n = nla_nest_start(msg, NESTED(VVMP_A_STATS));
	nla_put_u64(msg, VVMP_STATS_A_REGIONS, 0);
	nla_nest_end(msg, n);
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), 0);
	CHECK(st->vd.has_log);
	CHECK_EQ(st->vd.regions, 0);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_STATS_GET);	/* a u64 counter of 4 bytes */
	n = nla_nest_start(msg, NESTED(VVMP_A_STATS));
	nla_put_u32(msg, VVMP_STATS_A_COPIED_BYTES, 1);
	nla_nest_end(msg, n);
	CHECK_INT(vaapi_dec_stats_reply(nlmsg_hdr(msg), st), -EPROTO);
	nlmsg_free(msg);
	free(st);
}

TEST(policy_components_ranges_map_size_and_txn_replies)
{
	struct vaapi_policy p = { 0 };
	struct vaapi_component c[2];
	struct vaapi_range r[1];
	unsigned int nr = 0;
	uint32_t ext, id;
	uint64_t bytes;
	struct nl_msg *msg;
	struct nlattr *n;

	msg = reply(VVMP_CMD_COS_GET);
	n = nla_nest_start(msg, NESTED(VVMP_A_COS));
	nla_put_u64(msg, VVMP_COS_A_BPS, 1 << 20);
	nla_nest_end(msg, n);
	nla_put_u8(msg, VVMP_A_POLICY_SOURCE, VVMP_POLICY_CLIENT);
	CHECK_INT(vaapi_dec_policy(nlmsg_hdr(msg), &p), 0);
	CHECK_EQ(p.cos.present, VAAPI_COS_BPS);
	CHECK_EQ(p.cos.bps, 1 << 20);
	CHECK(p.has_source);
	CHECK_EQ(p.source, VVMP_POLICY_CLIENT);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_PLAN_PARAMS_GET);
	for (int i = 0; i < 2; i++) {
		n = nla_nest_start(msg, NESTED(VVMP_A_COMPONENT));
		nla_put_u32(msg, VVMP_COMPONENT_A_LEG, i);
		nla_put_u32(msg, VVMP_COMPONENT_A_TIMEOUT_MS, 100 * i);
		nla_put_u32(msg, VVMP_COMPONENT_A_MASKS, VVMP_MASK_DEFAULT);
		nla_nest_end(msg, n);
	}
	CHECK_INT(vaapi_dec_components(nlmsg_hdr(msg), c, 2, &nr), 0);
	CHECK_EQ(nr, 2);
	CHECK_EQ(c[1].leg, 1);
	CHECK_EQ(c[1].timeout_ms, 100);
	CHECK_EQ(c[1].masks, VVMP_MASK_CONTINUATION | VVMP_MASK_LOG);
	CHECK_EQ(c[1].present, VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS);
	nr = 1;
	CHECK_INT(vaapi_dec_components(nlmsg_hdr(msg), c, 2, &nr), -ENOSPC);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_DIVERT_GET);
	n = nla_nest_start(msg, NESTED(VVMP_A_RANGE));
	nla_put_u64(msg, VVMP_RANGE_A_START, 10);
	nla_put_u64(msg, VVMP_RANGE_A_LENGTH, 20);
	nla_nest_end(msg, n);
	nr = 0;
	CHECK_INT(vaapi_dec_ranges(nlmsg_hdr(msg), r, 1, &nr), 0);
	CHECK_EQ(nr, 1);
	CHECK_EQ(r[0].start, 10);
	CHECK_EQ(r[0].length, 20);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_VD_GET_MAP_SIZE);
	nla_put_u32(msg, VVMP_A_MAP_EXTENTS, 3);
	nla_put_u64(msg, VVMP_A_MAP_BYTES, 4096);
	CHECK_INT(vaapi_dec_map_size(nlmsg_hdr(msg), &ext, &bytes), 0);
	CHECK_EQ(ext, 3);
	CHECK_EQ(bytes, 4096);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_TXN_BEGIN);
	CHECK_INT(vaapi_dec_txn_id(nlmsg_hdr(msg), &id), -EPROTO);
	nla_put_u32(msg, VVMP_A_TXN_ID, 77);
	CHECK_INT(vaapi_dec_txn_id(nlmsg_hdr(msg), &id), 0);
	CHECK_EQ(id, 77);
	nlmsg_free(msg);
}

TEST(event_reply_parses_type_seq_names_and_ranges)
{
	struct vaapi_event *ev = calloc(1, sizeof(*ev));
	struct nl_msg *msg = reply(VVMP_CMD_EVENT);
	struct nlattr *n;

	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_DIVERT);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 31);
	nla_put_string(msg, VVMP_A_VD_NAME, "v");
	for (int i = 0; i < 2; i++) {
		n = nla_nest_start(msg, NESTED(VVMP_A_RANGE));
		nla_put_u64(msg, VVMP_RANGE_A_START, 100 * i);
		nla_put_u64(msg, VVMP_RANGE_A_LENGTH, 8);
		nla_nest_end(msg, n);
	}
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->type, VVMP_EVENT_DIVERT);
	CHECK_EQ(ev->seq, 31);
	CHECK_STR(ev->vd, "v");
	CHECK_EQ(ev->nr_ranges, 2);
	CHECK_EQ(ev->ranges[1].start, 100);
	CHECK(!ev->lost);
	CHECK(!VAAPI_HAS(ev, VVMP_A_SNAPSHOT_SEQ));
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_EVENT);		/* neither EVENT nor SNAPSHOT_SEQ */
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 1);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), -EPROTO);
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_STATE_GET);	/* a dump header: SNAPSHOT_SEQ only */
	nla_put_u64(msg, VVMP_A_SNAPSHOT_SEQ, 12);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->snapshot_seq, 12);
	CHECK(!VAAPI_HAS(ev, VVMP_A_EVENT));
	nlmsg_free(msg);
	free(ev);
}

TEST(vd_activity_event_says_deactivated_and_by_which_leg)
{
	struct vaapi_event *ev = calloc(1, sizeof(*ev));
	struct nl_msg *msg = reply(VVMP_CMD_EVENT);

	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_VD_ACTIVITY);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 40);
	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	nla_put_flag(msg, VVMP_A_DEACTIVATED);
	nla_put_u32(msg, VVMP_A_LEG_INDEX, 1);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->type, VVMP_EVENT_VD_ACTIVITY);
	CHECK_EQ(ev->seq, 40);
	CHECK_STR(ev->vd, "m0");
	CHECK(ev->deactivated);
	CHECK(VAAPI_HAS(ev, VVMP_A_LEG_INDEX));
	CHECK_EQ(ev->leg_index, 1);
	nlmsg_free(msg);

	/* Activated again: neither the flag nor a leg. */
	msg = reply(VVMP_CMD_EVENT);
	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_VD_ACTIVITY);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 41);
	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK(!ev->deactivated);
	CHECK(!VAAPI_HAS(ev, VVMP_A_LEG_INDEX));
	nlmsg_free(msg);

	/* The snapshot record of a VD carries the new VD info. */
	msg = reply(VVMP_CMD_STATE_GET);
	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_VD_EXISTS);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 39);
	nla_put_string(msg, VVMP_A_VD_NAME, "m0");
	nla_put_u32(msg, VVMP_A_REGION_SECTORS, 2048);
	nla_put_u32(msg, VVMP_A_RESYNC_RATE, 100);
	nla_put_flag(msg, VVMP_A_DEACTIVATED);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->region_sectors, 2048);
	CHECK_EQ(ev->resync_rate, 100);
	CHECK(ev->deactivated);
	nlmsg_free(msg);
	free(ev);
}

/* ---- EH: exception plans, through a socket that plays the kernel -------- */

/*
 * The libvaapi calls of the EH group build and send their requests in one
 * go, so they are checked end to end: a handle whose netlink socket
 * (NETLINK_USERSOCK, which needs no privilege) talks to a second socket of
 * the test instead of the kernel. The test queues the replies first, makes
 * the call, then reads the request the call sent.
 */
struct fake_kernel {
	struct vaapi *h;
	int fd;			/* the "kernel" end */
	uint8_t req[2 * VVMP_IO_MAX_BYTES];
	int req_len;
};

static int seq_any(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static bool fake_open(struct fake_kernel *k)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t alen = sizeof(a);

	memset(k, 0, sizeof(*k));
	k->h = calloc(1, sizeof(*k->h));
	k->h->sk = nl_socket_alloc();
	k->h->cb = nl_cb_alloc(NL_CB_DEFAULT);
	k->h->family = FAMILY;
	k->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
	if (!k->h->sk || !k->h->cb || k->fd < 0 || nl_connect(k->h->sk, NETLINK_USERSOCK) < 0 ||
	    bind(k->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(k->fd, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "  cannot open NETLINK_USERSOCK sockets: %s\n", strerror(errno));
		CHECK(0);
		return false;
	}
	nl_socket_set_peer_port(k->h->sk, a.nl_pid);
	/* Replies are queued before the request exists: any sequence number. */
	nl_cb_set(k->h->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_any, NULL);
	return true;
}

static void fake_close(struct fake_kernel *k)
{
	char buf[64];

	/* Nothing may be left over: a reply not read, a request not checked. */
	CHECK(recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	close(k->fd);
	vaapi_close(k->h);
}

/* Queue @msg (freed) for the handle to read. */
static void fake_send(struct fake_kernel *k, struct nl_msg *msg)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK,
				  .nl_pid = nl_socket_get_local_port(k->h->sk) };
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	CHECK(sendto(k->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	      (ssize_t)nlh->nlmsg_len);
	nlmsg_free(msg);
}

/* The ack of a request: error 0, or @error with the extack @text at @offset. */
static void fake_ack(struct fake_kernel *k, int error, const char *text, int offset)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh = nlmsg_put(msg, 0, 0, NLMSG_ERROR, sizeof(struct nlmsgerr),
					 NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0));
	struct nlmsgerr *e = nlmsg_data(nlh);

	e->error = error;
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (offset >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, offset);
	fake_send(k, msg);
}

/* The end of a dump. */
static void fake_done(struct fake_kernel *k)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh = nlmsg_put(msg, 0, 0, NLMSG_DONE, sizeof(int), NLM_F_MULTI);

	*(int *)nlmsg_data(nlh) = 0;
	fake_send(k, msg);
}

/* A reply message of @cmd (NLM_F_MULTI for a dump's records). */
static struct nl_msg *fake_reply(uint8_t cmd, bool multi)
{
	/* Room for the DATA of a 32 KiB read, as the kernel's reply has. */
	struct nl_msg *msg = nlmsg_alloc_size(VVMP_IO_MAX_BYTES + 4096);

	genlmsg_put(msg, 0, 0, FAMILY, 0, multi ? NLM_F_MULTI : 0, cmd, VVMP_GENL_VERSION);
	return msg;
}

/* Read the request the call sent: its genl command, flags and attributes. */
static struct nlattr *fake_request(struct fake_kernel *k, uint8_t cmd, int flags, int *len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)k->req;
	struct genlmsghdr *g;

	*len = 0;
	k->req_len = (int)recv(k->fd, k->req, sizeof(k->req), MSG_DONTWAIT);
	CHECK(k->req_len >= (int)(NLMSG_HDRLEN + GENL_HDRLEN));
	if (k->req_len < (int)(NLMSG_HDRLEN + GENL_HDRLEN))
		return NULL;
	CHECK_EQ(nlh->nlmsg_len, k->req_len);
	CHECK_EQ(nlh->nlmsg_type, FAMILY);
	CHECK_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | flags);
	g = nlmsg_data(nlh);
	CHECK_EQ(g->cmd, cmd);
	CHECK_EQ(g->version, VVMP_GENL_VERSION);
	CHECK_EQ(g->reserved, 0);
	*len = genlmsg_attrlen(g, 0);
	return genlmsg_attrdata(g, 0);
}

/* No request was sent (the call refused its arguments itself). */
static void fake_nothing_sent(struct fake_kernel *k)
{
	char buf[64];

	CHECK(recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
}

static void check_u64_attr(struct nlattr *a, int type, uint64_t v)
{
	CHECK_ATTR(a, type, 8);
	if (a)
		CHECK_EQ(nla_get_u64(a), v);
}

static void check_u32_attr(struct nlattr *a, int type, uint32_t v)
{
	CHECK_ATTR(a, type, 4);
	if (a)
		CHECK_EQ(nla_get_u32(a), v);
}

static void check_name_attr(struct nlattr *a, int type, const char *name)
{
	CHECK_ATTR(a, type, strlen(name) + 1);
	if (a)
		CHECK_STR(nla_data(a), name);
}

/* VD_NAME and one EXCEPTION nest, as EXC_GET answers; @client may be NULL. */
static struct nl_msg *plan_reply(bool multi, const char *vd, uint64_t id, uint8_t reason,
				 const char *client)
{
	struct nl_msg *msg = fake_reply(VVMP_CMD_EXC_GET, multi);
	struct nlattr *n;

	nla_put_string(msg, VVMP_A_VD_NAME, vd);
	n = nla_nest_start(msg, NESTED(VVMP_A_EXCEPTION));
	nla_put_u64(msg, VVMP_EXC_A_ID, id);
	nla_put_u64(msg, VVMP_EXC_A_GENERATION, 7);
	nla_put_u8(msg, VVMP_EXC_A_REASON, reason);
	nla_put_u8(msg, VVMP_EXC_A_OP, VVMP_IO_WRITE);
	nla_put_u64(msg, VVMP_EXC_A_SECTOR, 2048 + id);
	nla_put_u64(msg, VVMP_EXC_A_LENGTH, 8);
	if (reason == VVMP_EXC_COMPONENT)
		nla_put_u32(msg, VVMP_EXC_A_LEG, 1);
	nla_put_u32(msg, VVMP_EXC_A_OWNER, id == 5 ? 4242 : 0);
	nla_put_u32(msg, VVMP_EXC_A_AGE_MS, 150);
	if (client)
		nla_put_string(msg, VVMP_EXC_A_CLIENT, client);
	nla_nest_end(msg, n);
	return msg;
}

TEST(eh_get_plan_sends_the_id_and_parses_every_field)
{
	struct fake_kernel k;
	struct vaapi_exception e;
	struct nlattr *head;
	int len;

	if (!fake_open(&k))
		return;
	fake_send(&k, plan_reply(false, "data0", 5, VVMP_EXC_COMPONENT, "h1"));
	fake_ack(&k, 0, NULL, -1);
	memset(&e, 0xa5, sizeof(e));
	CHECK_INT(vaapi_eh_get_plan(k.h, 5, &e), 0);
	head = fake_request(&k, VVMP_CMD_EXC_GET, 0, &len);
	CHECK_EQ(count(head, len), 1);
	check_u64_attr(nth(head, len, 0), VVMP_A_EXC_ID, 5);
	CHECK_STR(e.vd, "data0");
	CHECK_EQ(e.id, 5);
	CHECK_EQ(e.generation, 7);
	CHECK_EQ(e.reason, VVMP_EXC_COMPONENT);
	CHECK_EQ(e.op, VVMP_IO_WRITE);
	CHECK_EQ(e.sector, 2053);
	CHECK_EQ(e.length, 8);
	CHECK_EQ(e.leg, 1);
	CHECK_EQ(e.owner, 4242);
	CHECK_EQ(e.age_ms, 150);
	CHECK_STR(e.client, "h1");

	/* A diverted plan of a device without a client: no LEG, no CLIENT. */
	fake_send(&k, plan_reply(false, "data0", 6, VVMP_EXC_DIVERT, NULL));
	fake_ack(&k, 0, NULL, -1);
	memset(&e, 0xa5, sizeof(e));
	CHECK_INT(vaapi_eh_get_plan(k.h, 6, &e), 0);
	fake_request(&k, VVMP_CMD_EXC_GET, 0, &len);
	CHECK_EQ(e.reason, VVMP_EXC_DIVERT);
	CHECK_EQ(e.leg, 0);
	CHECK_EQ(e.owner, 0);
	CHECK_STR(e.client, "");

	/* The kernel's refusal, and an ack without the plan. */
	fake_ack(&k, -ENOENT, "No such plan held", NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK_INT(vaapi_eh_get_plan(k.h, 99, &e), -ENOENT);
	CHECK_STR(vaapi_strerror(k.h), "No such plan held (attribute VVMP_A_EXC_ID at offset 20)");
	fake_request(&k, VVMP_CMD_EXC_GET, 0, &len);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_get_plan(k.h, 99, &e), -EPROTO);
	CHECK_STR(vaapi_strerror(k.h), "the kernel sent no reply");
	fake_request(&k, VVMP_CMD_EXC_GET, 0, &len);
	fake_close(&k);
}

struct seen_plans {
	unsigned int nr, stop_at;
	uint64_t ids[8];
	char vds[8][VVMP_NAME_MAX];
};

static int seen_plan(const struct vaapi_exception *e, void *arg)
{
	struct seen_plans *s = arg;

	snprintf(s->vds[s->nr], sizeof(s->vds[0]), "%s", e->vd);
	s->ids[s->nr++] = e->id;
	return s->nr == s->stop_at ? 77 : 0;
}

TEST(eh_list_plans_dumps_every_vd_or_one_in_order_and_stops_when_asked)
{
	struct seen_plans s = { 0 };
	struct fake_kernel k;
	struct nlattr *head;
	int len;

	if (!fake_open(&k))
		return;
	/* get-all-in-AP: a dump without VD_NAME. */
	fake_send(&k, plan_reply(true, "a", 3, VVMP_EXC_DIVERT, NULL));
	fake_send(&k, plan_reply(true, "a", 4, VVMP_EXC_DIVERT, NULL));
	fake_send(&k, plan_reply(true, "b", 2, VVMP_EXC_COMPONENT, "h2"));
	fake_done(&k);
	CHECK_INT(vaapi_eh_list_plans(k.h, NULL, seen_plan, &s), 0);
	head = fake_request(&k, VVMP_CMD_EXC_GET, NLM_F_DUMP, &len);
	CHECK_EQ(len, 0);
	(void)head;
	CHECK_EQ(s.nr, 3);
	CHECK_EQ(s.ids[0], 3);
	CHECK_EQ(s.ids[1], 4);
	CHECK_EQ(s.ids[2], 2);
	CHECK_STR(s.vds[2], "b");

	/* get-plan-for-VD: VD_NAME; a callback's non-zero return is the result. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	fake_send(&k, plan_reply(true, "b", 2, VVMP_EXC_COMPONENT, NULL));
	fake_send(&k, plan_reply(true, "b", 8, VVMP_EXC_COMPONENT, NULL));
	fake_done(&k);
	CHECK_INT(vaapi_eh_list_plans(k.h, "b", seen_plan, &s), 77);
	head = fake_request(&k, VVMP_CMD_EXC_GET, NLM_F_DUMP, &len);
	CHECK_EQ(count(head, len), 1);
	check_name_attr(nth(head, len, 0), VVMP_A_VD_NAME, "b");
	CHECK_EQ(s.nr, 1);

	/* A record without its EXCEPTION is malformed. */
	memset(&s, 0, sizeof(s));
	{
		struct nl_msg *bad = fake_reply(VVMP_CMD_EXC_GET, true);

		nla_put_string(bad, VVMP_A_VD_NAME, "b");
		fake_send(&k, bad);
	}
	fake_done(&k);
	CHECK_INT(vaapi_eh_list_plans(k.h, "b", seen_plan, &s), -EPROTO);
	fake_request(&k, VVMP_CMD_EXC_GET, NLM_F_DUMP, &len);
	CHECK_EQ(s.nr, 0);
	fake_close(&k);
}

TEST(eh_take_resubmit_and_abort_carry_id_generation_and_errno)
{
	struct fake_kernel k;
	struct nlattr *head;
	int len;

	if (!fake_open(&k))
		return;
	/* Never staged: in a transaction they still carry no TXN_ID. */
	vaapi_tx_use(k.h, 9);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_take_plan(k.h, 12), 0);
	head = fake_request(&k, VVMP_CMD_EXC_TAKE, 0, &len);
	CHECK_EQ(count(head, len), 1);
	check_u64_attr(nth(head, len, 0), VVMP_A_EXC_ID, 12);

	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_resubmit_plan(k.h, 12, 3), 0);
	head = fake_request(&k, VVMP_CMD_EXC_RESUBMIT, 0, &len);
	CHECK_EQ(count(head, len), 2);
	check_u64_attr(nth(head, len, 0), VVMP_A_EXC_ID, 12);
	check_u64_attr(nth(head, len, 1), VVMP_A_EXC_GENERATION, 3);

	/* Abort: no EXC_ERRNO for 0 (the kernel's EIO), else the errno. */
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_abort_plan(k.h, 12, 0), 0);
	head = fake_request(&k, VVMP_CMD_EXC_ABORT, 0, &len);
	CHECK_EQ(count(head, len), 1);
	check_u64_attr(nth(head, len, 0), VVMP_A_EXC_ID, 12);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_abort_plan(k.h, 13, ENOSPC), 0);
	head = fake_request(&k, VVMP_CMD_EXC_ABORT, 0, &len);
	CHECK_EQ(count(head, len), 2);
	check_u64_attr(nth(head, len, 0), VVMP_A_EXC_ID, 13);
	check_u32_attr(nth(head, len, 1), VVMP_A_EXC_ERRNO, ENOSPC);
	/* Outside 0..4095: refused before sending. */
	CHECK_INT(vaapi_eh_abort_plan(k.h, 13, -5), -EINVAL);
	CHECK_INT(vaapi_eh_abort_plan(k.h, 13, 4096), -EINVAL);
	fake_nothing_sent(&k);
	fake_close(&k);
}

TEST(eh_stale_resubmission_reports_the_kernels_words_and_the_attribute)
{
	struct fake_kernel k;
	int len;

	if (!fake_open(&k))
		return;
	/* The offset of EXC_GENERATION: after the headers and EXC_ID (12 bytes). */
	fake_ack(&k, -ESTALE, "The VD's map changed since the plan was made: abort it",
		 NLMSG_HDRLEN + GENL_HDRLEN + 12);
	CHECK_INT(vaapi_eh_resubmit_plan(k.h, 12, 2), -ESTALE);
	CHECK_STR(vaapi_strerror(k.h), "The VD's map changed since the plan was made: abort it "
		  "(attribute VVMP_A_EXC_GENERATION at offset 32)");
	fake_request(&k, VVMP_CMD_EXC_RESUBMIT, 0, &len);
	fake_ack(&k, -EBUSY, "Another socket owns the plan", NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK_INT(vaapi_eh_take_plan(k.h, 12), -EBUSY);
	CHECK_STR(vaapi_strerror(k.h), "Another socket owns the plan (attribute VVMP_A_EXC_ID at offset 20)");
	fake_request(&k, VVMP_CMD_EXC_TAKE, 0, &len);
	fake_close(&k);
}

TEST(eh_set_plan_policy_sends_what_changes_and_refuses_bad_values)
{
	struct fake_kernel k;
	struct nlattr *head;
	int len;

	if (!fake_open(&k))
		return;
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", 500, VVMP_EXC_TIMEOUT_HOLD), 0);
	head = fake_request(&k, VVMP_CMD_EXC_POLICY_SET, 0, &len);
	CHECK_EQ(count(head, len), 3);
	check_name_attr(nth(head, len, 0), VVMP_A_VD_NAME, "data0");
	check_u32_attr(nth(head, len, 1), VVMP_A_EXC_TIMEOUT_MS, 500);
	CHECK_ATTR(nth(head, len, 2), VVMP_A_EXC_ON_TIMEOUT, 1);
	CHECK_EQ(nla_get_u8(nth(head, len, 2)), VVMP_EXC_TIMEOUT_HOLD);

	fake_ack(&k, 0, NULL, -1);		/* the timeout only */
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", VVMP_EXC_TIMEOUT_MS_MAX, -1), 0);
	head = fake_request(&k, VVMP_CMD_EXC_POLICY_SET, 0, &len);
	CHECK_EQ(count(head, len), 2);
	check_u32_attr(nth(head, len, 1), VVMP_A_EXC_TIMEOUT_MS, VVMP_EXC_TIMEOUT_MS_MAX);

	fake_ack(&k, 0, NULL, -1);		/* the action only */
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", 0, VVMP_EXC_TIMEOUT_FAIL), 0);
	head = fake_request(&k, VVMP_CMD_EXC_POLICY_SET, 0, &len);
	CHECK_EQ(count(head, len), 2);
	CHECK_ATTR(nth(head, len, 1), VVMP_A_EXC_ON_TIMEOUT, 1);
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_EXC_TIMEOUT_FAIL);

	/* Nothing to change, an unknown action, a timeout beyond an hour. */
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", 0, -1), -EINVAL);
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", 10, 2), -EINVAL);
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "data0", VVMP_EXC_TIMEOUT_MS_MAX + 1, -1), -EINVAL);
	CHECK_INT(vaapi_eh_set_plan_policy(k.h, "", 10, -1), -EINVAL);
	fake_nothing_sent(&k);
	fake_close(&k);
}

/* The IO nest of a PASSTHROUGH request. */
static void check_io_nest(struct nlattr *io, uint8_t op, uint64_t sector, uint32_t bytes)
{
	CHECK_ATTR(io, NESTED(VVMP_A_IO), nla_len(io));
	if (!io)
		return;
	CHECK_EQ(count(nla_data(io), nla_len(io)), 3);
	CHECK_ATTR(nth(nla_data(io), nla_len(io), 0), VVMP_IO_A_OP, 1);
	CHECK_EQ(nla_get_u8(nth(nla_data(io), nla_len(io), 0)), op);
	check_u64_attr(nth(nla_data(io), nla_len(io), 1), VVMP_IO_A_SECTOR, sector);
	check_u32_attr(nth(nla_data(io), nla_len(io), 2), VVMP_IO_A_LENGTH, bytes);
}

TEST(eh_passthrough_reads_data_from_the_reply_and_writes_it_in_data)
{
	uint8_t *buf = malloc(VVMP_IO_MAX_BYTES), *data = malloc(VVMP_IO_MAX_BYTES);
	struct fake_kernel k;
	struct nl_msg *msg;
	struct nlattr *head, *a;
	int len, i;

	if (!fake_open(&k))
		return;
	for (i = 0; i < VVMP_IO_MAX_BYTES; i++)
		data[i] = (uint8_t)(i * 7 + 1);

	/* A read of 32 KiB: the reply's DATA lands in the buffer. */
	msg = fake_reply(VVMP_CMD_PASSTHROUGH, false);
	CHECK_INT(nla_put(msg, VVMP_A_DATA, VVMP_IO_MAX_BYTES, data), 0);
	fake_send(&k, msg);
	fake_ack(&k, 0, NULL, -1);
	memset(buf, 0, VVMP_IO_MAX_BYTES);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 4096, buf, VVMP_IO_MAX_BYTES), 0);
	CHECK(!memcmp(buf, data, VVMP_IO_MAX_BYTES));
	head = fake_request(&k, VVMP_CMD_PASSTHROUGH, 0, &len);
	CHECK_EQ(count(head, len), 3);
	check_name_attr(nth(head, len, 0), VVMP_A_VD_NAME, "data0");
	check_u32_attr(nth(head, len, 1), VVMP_A_LEG_INDEX, 1);
	check_io_nest(nth(head, len, 2), VVMP_IO_READ, 4096, VVMP_IO_MAX_BYTES);

	/* A write of one sector: DATA after the IO nest; the ack only. */
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 0, true, 8, data, 512), 0);
	head = fake_request(&k, VVMP_CMD_PASSTHROUGH, 0, &len);
	CHECK_EQ(count(head, len), 4);
	check_u32_attr(nth(head, len, 1), VVMP_A_LEG_INDEX, 0);
	check_io_nest(nth(head, len, 2), VVMP_IO_WRITE, 8, 512);
	a = nth(head, len, 3);
	CHECK_ATTR(a, VVMP_A_DATA, 512);
	if (a)
		CHECK(!memcmp(nla_data(a), data, 512));

	/* A reply with DATA of another length, or none, is refused. */
	msg = fake_reply(VVMP_CMD_PASSTHROUGH, false);
	nla_put(msg, VVMP_A_DATA, 512, data);
	fake_send(&k, msg);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 0, buf, 1024), -EPROTO);
	fake_request(&k, VVMP_CMD_PASSTHROUGH, 0, &len);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 0, buf, 1024), -EPROTO);
	CHECK_STR(vaapi_strerror(k.h), "the kernel sent no data");
	fake_request(&k, VVMP_CMD_PASSTHROUGH, 0, &len);
	/* The kernel's refusal. */
	fake_ack(&k, -EINVAL, "I/O crosses an extent boundary of the leg", -1);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 2040, buf, 8192), -EINVAL);
	CHECK_STR(vaapi_strerror(k.h), "I/O crosses an extent boundary of the leg");
	fake_request(&k, VVMP_CMD_PASSTHROUGH, 0, &len);

	/* Not a multiple of 512, zero, beyond 32 KiB: refused before sending. */
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 0, buf, 1000), -EINVAL);
	CHECK_STR(vaapi_strerror(k.h), "length must be a multiple of 512 up to 32768");
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, false, 0, buf, 0), -EINVAL);
	CHECK_INT(vaapi_eh_passthrough(k.h, "data0", 1, true, 0, buf, VVMP_IO_MAX_BYTES + 512),
		  -EINVAL);
	fake_nothing_sent(&k);
	fake_close(&k);
	free(buf);
	free(data);
}

TEST(eh_copy_sends_the_legs_only_when_given)
{
	struct vaapi_copy c = { .src_sector = 0, .dst_sector = 2048, .length = 1024 };
	struct fake_kernel k;
	struct nlattr *head, *n;
	int len;

	if (!fake_open(&k))
		return;
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_eh_copy(k.h, "data0", &c), 0);
	head = fake_request(&k, VVMP_CMD_COPY, 0, &len);
	CHECK_EQ(count(head, len), 2);
	check_name_attr(nth(head, len, 0), VVMP_A_VD_NAME, "data0");
	n = nth(head, len, 1);
	CHECK_ATTR(n, NESTED(VVMP_A_COPY), nla_len(n));
	if (n) {
		CHECK_EQ(count(nla_data(n), nla_len(n)), 3);
		check_u64_attr(nth(nla_data(n), nla_len(n), 0), VVMP_COPY_A_SRC_SECTOR, 0);
		check_u64_attr(nth(nla_data(n), nla_len(n), 1), VVMP_COPY_A_DST_SECTOR, 2048);
		check_u64_attr(nth(nla_data(n), nla_len(n), 2), VVMP_COPY_A_LENGTH, 1024);
	}

	c = (struct vaapi_copy){ .has_src_leg = true, .src_leg = 0, .src_sector = 64,
				 .has_dst_leg = true, .dst_leg = 2, .dst_sector = 64, .length = 8 };
	fake_ack(&k, -EBUSY, "The destination is not in a divert range", -1);
	CHECK_INT(vaapi_eh_copy(k.h, "data0", &c), -EBUSY);
	CHECK_STR(vaapi_strerror(k.h), "The destination is not in a divert range");
	head = fake_request(&k, VVMP_CMD_COPY, 0, &len);
	n = nth(head, len, 1);
	if (n) {
		CHECK_EQ(count(nla_data(n), nla_len(n)), 5);
		check_u32_attr(nth(nla_data(n), nla_len(n), 0), VVMP_COPY_A_SRC_LEG, 0);
		check_u64_attr(nth(nla_data(n), nla_len(n), 1), VVMP_COPY_A_SRC_SECTOR, 64);
		check_u32_attr(nth(nla_data(n), nla_len(n), 2), VVMP_COPY_A_DST_LEG, 2);
		check_u64_attr(nth(nla_data(n), nla_len(n), 3), VVMP_COPY_A_DST_SECTOR, 64);
		check_u64_attr(nth(nla_data(n), nla_len(n), 4), VVMP_COPY_A_LENGTH, 8);
	}
	fake_close(&k);
}

TEST(ssap_fail_and_restore_send_plan_op_leg_and_full_copy_staged_in_a_txn)
{
	struct fake_kernel k;
	struct nlattr *head;
	int len;

	if (!fake_open(&k))
		return;
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_ssap_fail_leg(k.h, "m", 1), 0);
	head = fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	CHECK_EQ(count(head, len), 3);
	check_name_attr(nth(head, len, 0), VVMP_A_VD_NAME, "m");
	CHECK_ATTR(nth(head, len, 1), VVMP_A_PLAN_OP, 1);
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_PLAN_FAIL);
	check_u32_attr(nth(head, len, 2), VVMP_A_LEG_INDEX, 1);

	fake_ack(&k, 0, NULL, -1);		/* dirty regions only: no FULL_COPY */
	CHECK_INT(vaapi_ssap_restore_leg(k.h, "m", 1, false), 0);
	head = fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	CHECK_EQ(count(head, len), 3);
	CHECK_EQ(nla_get_u8(nth(head, len, 1)), VVMP_PLAN_RESTORE);
	check_u32_attr(nth(head, len, 2), VVMP_A_LEG_INDEX, 1);

	/* Staged in a transaction: TXN_ID first; full: the FULL_COPY flag last. */
	vaapi_tx_use(k.h, 9);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_ssap_restore_leg(k.h, "m", 2, true), 0);
	head = fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	CHECK_EQ(count(head, len), 5);
	check_u32_attr(nth(head, len, 0), VVMP_A_TXN_ID, 9);
	check_name_attr(nth(head, len, 1), VVMP_A_VD_NAME, "m");
	CHECK_EQ(nla_get_u8(nth(head, len, 2)), VVMP_PLAN_RESTORE);
	check_u32_attr(nth(head, len, 3), VVMP_A_LEG_INDEX, 2);
	CHECK_ATTR(nth(head, len, 4), VVMP_A_FULL_COPY, 0);
	fake_ack(&k, 0, NULL, -1);
	CHECK_INT(vaapi_ssap_fail_leg(k.h, "m", 0), 0);
	head = fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	CHECK_EQ(count(head, len), 4);
	check_u32_attr(nth(head, len, 0), VVMP_A_TXN_ID, 9);
	vaapi_tx_use(k.h, 0);

	/* The kernel's refusals, with their words. */
	fake_ack(&k, -EBUSY, "The last in-sync leg cannot fail",
		 NLMSG_HDRLEN + GENL_HDRLEN + 8 + 8);
	CHECK_INT(vaapi_ssap_fail_leg(k.h, "m", 0), -EBUSY);
	CHECK_STR(vaapi_strerror(k.h), "The last in-sync leg cannot fail (attribute VVMP_A_LEG_INDEX at offset 36)");
	fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	fake_ack(&k, -EINVAL, "The leg is not failed", -1);
	CHECK_INT(vaapi_ssap_restore_leg(k.h, "m", 1, false), -EINVAL);
	CHECK_STR(vaapi_strerror(k.h), "The leg is not failed");
	fake_request(&k, VVMP_CMD_PLAN_SET, 0, &len);
	fake_close(&k);
}

TEST(exception_events_carry_the_plan_or_its_outcome_and_vd_info_the_policy)
{
	struct vaapi_event *ev = calloc(1, sizeof(*ev));
	struct vaapi_vd_info *info = calloc(1, sizeof(*info));
	struct nl_msg *msg = reply(VVMP_CMD_EVENT);
	struct nlattr *n;

	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_EXCEPTION);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 50);
	nla_put_string(msg, VVMP_A_VD_NAME, "data0");
	n = nla_nest_start(msg, NESTED(VVMP_A_EXCEPTION));
	nla_put_u64(msg, VVMP_EXC_A_ID, 21);
	nla_put_u64(msg, VVMP_EXC_A_GENERATION, 4);
	nla_put_u8(msg, VVMP_EXC_A_REASON, VVMP_EXC_DIVERT);
	nla_put_u8(msg, VVMP_EXC_A_OP, VVMP_IO_READ);
	nla_put_u64(msg, VVMP_EXC_A_SECTOR, 4096);
	nla_put_u64(msg, VVMP_EXC_A_LENGTH, 16);
	nla_put_u32(msg, VVMP_EXC_A_OWNER, 0);
	nla_put_u32(msg, VVMP_EXC_A_AGE_MS, 0);
	nla_put_string(msg, VVMP_EXC_A_CLIENT, "h1");
	nla_nest_end(msg, n);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->type, VVMP_EVENT_EXCEPTION);
	CHECK(VAAPI_HAS(ev, VVMP_A_EXCEPTION));
	CHECK_STR(ev->exception.vd, "data0");	/* the event's VD */
	CHECK_EQ(ev->exception.id, 21);
	CHECK_EQ(ev->exception.generation, 4);
	CHECK_EQ(ev->exception.op, VVMP_IO_READ);
	CHECK_EQ(ev->exception.sector, 4096);
	CHECK_EQ(ev->exception.length, 16);
	CHECK_STR(ev->exception.client, "h1");
	CHECK(!VAAPI_HAS(ev, VVMP_A_EXC_ID));
	nlmsg_free(msg);

	msg = reply(VVMP_CMD_EVENT);
	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_EXCEPTION_DONE);
	nla_put_u64(msg, VVMP_A_EVENT_SEQ, 51);
	nla_put_string(msg, VVMP_A_VD_NAME, "data0");
	nla_put_u64(msg, VVMP_A_EXC_ID, 21);
	nla_put_u8(msg, VVMP_A_EXC_OUTCOME, VVMP_EXC_ABORTED);
	nla_put_u32(msg, VVMP_A_EXC_ERRNO, ENOSPC);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->type, VVMP_EVENT_EXCEPTION_DONE);
	CHECK_EQ(ev->exc_id, 21);
	CHECK_EQ(ev->exc_outcome, VVMP_EXC_ABORTED);
	CHECK_EQ(ev->exc_errno, ENOSPC);
	CHECK(!VAAPI_HAS(ev, VVMP_A_EXCEPTION));
	nlmsg_free(msg);

	/* An EXCEPTION nest without its ID is malformed. */
	msg = reply(VVMP_CMD_EVENT);
	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_EXCEPTION);
	n = nla_nest_start(msg, NESTED(VVMP_A_EXCEPTION));
	nla_put_u64(msg, VVMP_EXC_A_GENERATION, 4);
	nla_nest_end(msg, n);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), -EPROTO);
	nlmsg_free(msg);

	/* VD info (VD_GET, VD_EXISTS) says how long plans are held, and then what. */
	msg = reply(VVMP_CMD_VD_GET);
	nla_put_string(msg, VVMP_A_VD_NAME, "data0");
	nla_put_u32(msg, VVMP_A_EXC_TIMEOUT_MS, 30000);
	nla_put_u8(msg, VVMP_A_EXC_ON_TIMEOUT, VVMP_EXC_TIMEOUT_HOLD);
	CHECK_INT(vaapi_dec_vd_info(nlmsg_hdr(msg), info), 0);
	CHECK(VAAPI_HAS(info, VVMP_A_EXC_TIMEOUT_MS));
	CHECK_EQ(info->exc_timeout_ms, 30000);
	CHECK(VAAPI_HAS(info, VVMP_A_EXC_ON_TIMEOUT));
	CHECK_EQ(info->exc_on_timeout, VVMP_EXC_TIMEOUT_HOLD);
	nlmsg_free(msg);
	msg = reply(VVMP_CMD_STATE_GET);
	nla_put_u8(msg, VVMP_A_EVENT, VVMP_EVENT_VD_EXISTS);
	nla_put_string(msg, VVMP_A_VD_NAME, "data0");
	nla_put_u32(msg, VVMP_A_EXC_TIMEOUT_MS, 250);
	nla_put_u8(msg, VVMP_A_EXC_ON_TIMEOUT, VVMP_EXC_TIMEOUT_FAIL);
	CHECK_INT(vaapi_dec_event(nlmsg_hdr(msg), ev), 0);
	CHECK_EQ(ev->exc_timeout_ms, 250);
	CHECK_EQ(ev->exc_on_timeout, VVMP_EXC_TIMEOUT_FAIL);
	CHECK(VAAPI_HAS(ev, VVMP_A_EXC_ON_TIMEOUT));
	nlmsg_free(msg);
	free(ev);
	free(info);
}

/* ---- extended ACK ------------------------------------------------------- */

/* An NLMSG_ERROR for @req: capped or with the request echoed, plus TLVs. */
static struct nl_msg *error_for(struct nl_msg *req, int error, bool capped, const char *text,
				int offset)
{
	struct nlmsghdr *rq = nlmsg_hdr(req);
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t payload = sizeof(*e) + (capped ? 0 : rq->nlmsg_len - sizeof(*rq));

	nlh = nlmsg_put(msg, 0, rq->nlmsg_seq, NLMSG_ERROR, payload,
			NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0));
	e = nlmsg_data(nlh);
	e->error = error;
	memcpy(&e->msg, rq, capped ? sizeof(*rq) : rq->nlmsg_len);
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (offset >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, offset);
	return msg;
}

/* Request of test vd_create: the LENGTH of leg 1's first extent. */
static struct nl_msg *create_request(uint32_t *length_offset)
{
	struct vaapi_map *m = mirror_map();
	struct nl_msg *req = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
	struct nlattr *head, *map, *leg, *ext, *len_attr;
	int len;

	vaapi_enc_vd_create(req, "data0", m);
	head = attrs_of(req, &len);
	map = nth(head, len, 1);
	leg = nth(nla_data(map), nla_len(map), 2);
	ext = nth(nla_data(leg), nla_len(leg), 0);
	len_attr = nth(nla_data(ext), nla_len(ext), 2);
	*length_offset = (uint32_t)((char *)len_attr - (char *)nlmsg_hdr(req));
	free(m);
	return req;
}

TEST(extack_message_and_offset_name_the_attribute)
{
	uint32_t off;
	struct nl_msg *req = create_request(&off);
	struct vaapi_extack ack;
	char text[256];
	char want[256];

	for (int capped = 0; capped <= 1; capped++) {
		struct nl_msg *err = error_for(req, -EINVAL, capped, "Invalid extent length", off);

		CHECK_INT(vaapi_extack_parse(nlmsg_hdr(err), &ack), 0);
		CHECK_INT(ack.error, -EINVAL);
		CHECK_STR(ack.msg, "Invalid extent length");
		CHECK(ack.has_offset);
		CHECK_EQ(ack.offset, off);
		vaapi_extack_format(&ack, nlmsg_hdr(req), text, sizeof(text));
		snprintf(want, sizeof(want),
			 "Invalid extent length (attribute VVMP_A_MAP/3/1/3 at offset %u)", off);
		CHECK_STR(text, want);
		nlmsg_free(err);
	}
	/* The attributes after the map have names too. */
	{
		struct vaapi_map *m = mirror_map();
		struct vaapi_vd_opts opts = { .present = VAAPI_VD_OPT_REGION_SECTORS,
					      .region_sectors = 64 };
		struct nl_msg *r2 = vaapi_msg_request(FAMILY, VVMP_CMD_VD_CREATE, 0, 0);
		struct nlattr *head, *a;
		int len;

		vaapi_enc_vd_create_opts(r2, "data0", m, &opts);
		head = attrs_of(r2, &len);
		a = nth(head, len, 2);
		vaapi_attr_path(nlmsg_hdr(r2), (uint32_t)((char *)a - (char *)nlmsg_hdr(r2)),
				text, sizeof(text));
		CHECK_STR(text, "VVMP_A_REGION_SECTORS");
		nlmsg_free(r2);
		free(m);
	}
	/* The VD_NAME itself (offset of the first attribute). */
	vaapi_attr_path(nlmsg_hdr(req), NLMSG_HDRLEN + GENL_HDRLEN, text, sizeof(text));
	CHECK_STR(text, "VVMP_A_VD_NAME");
	vaapi_attr_path(nlmsg_hdr(req), 4, text, sizeof(text));
	CHECK_STR(text, "");
	nlmsg_free(req);
}

TEST(extack_without_tlvs_dump_done_error_and_missing_attribute)
{
	uint32_t off;
	struct nl_msg *req = create_request(&off);
	struct nl_msg *err = error_for(req, -EPERM, true, NULL, -1);
	struct vaapi_extack ack;
	char text[128];
	struct nl_msg *done;
	int *code;

	nlmsg_hdr(err)->nlmsg_flags &= ~NLM_F_ACK_TLVS;
	CHECK_INT(vaapi_extack_parse(nlmsg_hdr(err), &ack), 0);
	CHECK_INT(ack.error, -EPERM);
	CHECK_STR(ack.msg, "");
	CHECK(!ack.has_offset);
	vaapi_extack_format(&ack, nlmsg_hdr(req), text, sizeof(text));
	CHECK_STR(text, "");
	nlmsg_free(err);

	done = nlmsg_alloc();
	nlmsg_put(done, 0, 1, NLMSG_DONE, sizeof(int), NLM_F_MULTI | NLM_F_ACK_TLVS);
	code = nlmsg_data(nlmsg_hdr(done));
	*code = -ENOENT;
	nla_put_string(done, NLMSGERR_ATTR_MSG, "VD not found");
	nla_put_u32(done, NLMSGERR_ATTR_MISS_TYPE, VVMP_A_VD_NAME);
	CHECK_INT(vaapi_extack_parse(nlmsg_hdr(done), &ack), 0);
	CHECK_INT(ack.error, -ENOENT);
	CHECK_STR(ack.msg, "VD not found");
	vaapi_extack_format(&ack, NULL, text, sizeof(text));
	CHECK_STR(text, "VD not found (missing attribute type 1)");
	nlmsg_free(done);
	nlmsg_free(req);
}

TEST(libnl_errors_map_to_errno)
{
	CHECK_INT(vaapi_nlerr_to_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	CHECK_INT(vaapi_nlerr_to_errno(-NLE_PERM), -EPERM);
	CHECK_INT(vaapi_nlerr_to_errno(-NLE_NOMEM), -ENOMEM);
	CHECK_INT(vaapi_nlerr_to_errno(-NLE_BUSY), -EBUSY);
	CHECK_INT(vaapi_nlerr_to_errno(0), 0);
	CHECK_INT(vaapi_nlerr_to_errno(-9999), -EIO);
}

/* ---- events dedup ---------------------------------------------------------- */

static struct vaapi_event *event(enum vvmp_event type, uint64_t seq, const char *name)
{
	static struct vaapi_event ev;
	bool client = type >= VVMP_EVENT_CLIENT_EXISTS;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.seq = seq;
	ev.present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ);
	if (name) {
		snprintf(client ? ev.client : ev.vd, VVMP_NAME_MAX, "%s", name);
		ev.present |= 1ULL << (client ? VVMP_A_CLIENT_NAME : VVMP_A_VD_NAME);
	}
	return &ev;
}

TEST(dedup_applies_only_events_newer_than_the_snapshot)
{
	struct vaapi_event_filter *f = vaapi_event_filter_new();
	struct vaapi_event *ev;

	/* Dump began at seq 10; "b" changed during the dump (its seq 12). */
	ev = event(VVMP_EVENT_VD_EXISTS, 8, "a");
	ev->snapshot_seq = 10;
	ev->present |= 1ULL << VVMP_A_SNAPSHOT_SEQ;
	CHECK_INT(vaapi_event_filter_snapshot(f, ev), 0);
	CHECK_INT(vaapi_event_filter_snapshot(f, event(VVMP_EVENT_VD_EXISTS, 12, "b")), 0);
	CHECK_INT(vaapi_event_filter_snapshot(f, event(VVMP_EVENT_CLIENT_EXISTS, 5, "a")), 0);
	/* A second record of VD "a" (its POLICY) with an older seq keeps 8. */
	CHECK_INT(vaapi_event_filter_snapshot(f, event(VVMP_EVENT_POLICY, 4, "a")), 0);

	/* Streamed, in order, as queued since the subscription. */
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_MAP, 7, "a")));
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_MAP, 8, "a")));
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_POLICY, 9, "a")));
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_LEG_STATE, 11, "b")));
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_LEG_STATE, 12, "b")));
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_MAP, 13, "b")));
	/* "z" was not in the dump: compared with SNAPSHOT_SEQ (10). */
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_CREATED, 6, "z")));
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_DELETED, 10, "z")));
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_CREATED, 14, "z")));
	/* Client "a" and VD "a" are different objects. */
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_CLIENT_CHANGED, 6, "a")));
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_CLIENT_CHANGED, 5, "a")));
	/* Events without a sequence number cannot be judged: passed on. */
	ev = event(VVMP_EVENT_VD_MAP, 0, "a");
	ev->present &= ~(1ULL << VVMP_A_EVENT_SEQ);
	CHECK(vaapi_event_filter_accept(f, ev));
	vaapi_event_filter_free(f);
}

TEST(dedup_without_snapshot_accepts_and_reset_forgets)
{
	struct vaapi_event_filter *f = vaapi_event_filter_new();
	struct vaapi_event *ev;

	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_MAP, 1, "a")));
	/* A dump that opens with a SNAPSHOT_SEQ-only record and holds nothing. */
	ev = event(VVMP_EVENT_VD_EXISTS, 0, NULL);
	ev->present = 1ULL << VVMP_A_SNAPSHOT_SEQ;
	ev->snapshot_seq = 20;
	CHECK_INT(vaapi_event_filter_snapshot(f, ev), 0);
	CHECK(!vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_CREATED, 20, "a")));
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_CREATED, 21, "a")));
	/* A snapshot record without a name is malformed. */
	CHECK_INT(vaapi_event_filter_snapshot(f, event(VVMP_EVENT_VD_EXISTS, 3, NULL)), -EPROTO);
	vaapi_event_filter_reset(f);
	CHECK(vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_CREATED, 2, "a")));
	vaapi_event_filter_free(f);
}

TEST(dedup_handles_many_objects)
{
	struct vaapi_event_filter *f = vaapi_event_filter_new();
	char name[16];
	int i, accepted = 0;

	for (i = 0; i < 2000; i++) {
		struct vaapi_event *ev;

		snprintf(name, sizeof(name), "vd%d", i);
		ev = event(VVMP_EVENT_VD_EXISTS, i, name);
		if (i == 0) {
			ev->present |= 1ULL << VVMP_A_SNAPSHOT_SEQ;
			ev->snapshot_seq = 2000;
		}
		CHECK_INT(vaapi_event_filter_snapshot(f, ev), 0);
	}
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "vd%d", i);
		/* Object i was dumped at seq i: seq 1000 is new only for i < 1000. */
		accepted += vaapi_event_filter_accept(f, event(VVMP_EVENT_VD_MAP, 1000, name));
	}
	CHECK_INT(accepted, 1000);
	vaapi_event_filter_free(f);
}

/* ---- dm resize ---------------------------------------------------------- */

TEST(dm_resize_loads_one_vvmp_target_of_the_new_size)
{
	union {
		struct dm_ioctl io;
		char bytes[1024];
	} buf;
	struct dm_target_spec *spec = (struct dm_target_spec *)(buf.bytes + sizeof(struct dm_ioctl));
	int len;

	len = vaapi_dm_load_buffer(&buf, sizeof(buf), "vvmp-data0-h1", 12288, "data0", "h1");
	/* "vd data0 client h1" and its NUL: 19 bytes, padded to 24. */
	CHECK_INT(len, sizeof(struct dm_ioctl) + sizeof(*spec) + 24);
	CHECK_EQ(buf.io.version[0], DM_VERSION_MAJOR);
	CHECK_EQ(buf.io.data_size, len);
	CHECK_EQ(buf.io.data_start, sizeof(struct dm_ioctl));
	CHECK_EQ(buf.io.target_count, 1);
	CHECK_EQ(buf.io.flags, 0);
	CHECK_STR(buf.io.name, "vvmp-data0-h1");
	CHECK_EQ(spec->sector_start, 0);
	CHECK_EQ(spec->length, 12288);
	CHECK_EQ(spec->next, 0);
	CHECK_STR(spec->target_type, "vvmp");
	CHECK_STR((char *)(spec + 1), "vd data0 client h1");
	CHECK_EQ(len % 8, 0);

	len = vaapi_dm_load_buffer(&buf, sizeof(buf), "vvmp-data0", 8, "data0", NULL);
	CHECK_STR((char *)(spec + 1), "vd data0");
	CHECK_INT(len, sizeof(struct dm_ioctl) + sizeof(*spec) + 16);	/* 9 bytes, padded */
	CHECK_INT(vaapi_dm_load_buffer(&buf, sizeof(buf), "x", 0, "data0", NULL), -EINVAL);
	CHECK_INT(vaapi_dm_load_buffer(&buf, sizeof(struct dm_ioctl), "x", 8, "data0", NULL), -EINVAL);
}

/*
 * The kernel's DEVICE NAME may be dm's internal "major:minor", which
 * DM_TABLE_LOAD does not know as a name (ENXIO): resize by number, with no
 * name (dm refuses name and dev together).
 */
TEST(dm_resize_by_number_carries_dev_and_no_name)
{
	union {
		struct dm_ioctl io;
		char bytes[1024];
	} buf;
	struct dm_target_spec *spec = (struct dm_target_spec *)(buf.bytes + sizeof(struct dm_ioctl));
	/* new_encode_dev(MKDEV(254, 0x1234)): minor low byte, major, minor high bits. */
	uint32_t dev = 0x34 | (254 << 8) | (0x1200 << 12);
	int len;

	len = vaapi_dm_load_buffer_dev(&buf, sizeof(buf), dev, 2048, "vd0", "hostA");
	CHECK_INT(len, sizeof(struct dm_ioctl) + sizeof(*spec) + 24);
	CHECK_STR(buf.io.name, "");
	CHECK_EQ(buf.io.dev, dev);
	CHECK_EQ(spec->length, 2048);
	CHECK_STR((char *)(spec + 1), "vd vd0 client hostA");
	CHECK_INT(vaapi_dm_load_buffer_dev(&buf, sizeof(buf), 0, 2048, "vd0", NULL), -EINVAL);

	len = vaapi_dm_load_buffer(&buf, sizeof(buf), "vd0-a", 8, "vd0", NULL);
	CHECK_EQ(buf.io.dev, 0);
}

/* A "major:minor" NAME of a device that is gone stays as it is. */
TEST(device_name_resolution_keeps_names_it_cannot_resolve)
{
	struct vaapi_device d = { .name = "4095:1048575", .has_dev = true };

	d.dev = 0xffu | (4095u << 8) | (0xfff00u << 12);
	vaapi_device_resolve_name(&d);
	CHECK_STR(d.name, "4095:1048575");
	snprintf(d.name, sizeof(d.name), "vd0-a");
	vaapi_device_resolve_name(&d);
	CHECK_STR(d.name, "vd0-a");
}

/* ---- names and the host --------------------------------------------------- */

TEST(names_match_the_cli_and_docs)
{
	CHECK_STR(vaapi_acl_name(VVMP_ACL_RO), "ro");
	CHECK_STR(vaapi_status_name(VVMP_STATUS_QUIESCED), "quiesced");
	CHECK_STR(vaapi_layout_name(VVMP_MAP_STRIPED), "striped");
	CHECK_STR(vaapi_leg_state_name(VVMP_LEG_STATE_OUT_OF_SYNC), "out-of-sync");
	CHECK_STR(vaapi_event_name(VVMP_EVENT_CLIENT_CHANGED), "client-changed");
	CHECK_STR(vaapi_event_name(VVMP_EVENT_VD_ACTIVITY), "vd-activity");
	CHECK_STR(vaapi_policy_source_name(VVMP_POLICY_VD_DEFAULT), "vd-default");
	CHECK_STR(vaapi_plan_op_name(VVMP_PLAN_REPLACE), "replace");
	CHECK_STR(vaapi_mask_name(VVMP_MASK_LOG_DATA), "log-data");
	CHECK_STR(vaapi_plan_op_name(VVMP_PLAN_FAIL), "fail");
	CHECK_STR(vaapi_plan_op_name(VVMP_PLAN_RESTORE), "restore");
	CHECK_STR(vaapi_event_name(VVMP_EVENT_EXCEPTION), "exception");
	CHECK_STR(vaapi_event_name(VVMP_EVENT_EXCEPTION_DONE), "exception-done");
	CHECK_STR(vaapi_exc_reason_name(VVMP_EXC_DIVERT), "divert");
	CHECK_STR(vaapi_exc_reason_name(VVMP_EXC_COMPONENT), "component");
	CHECK_STR(vaapi_io_op_name(VVMP_IO_READ), "read");
	CHECK_STR(vaapi_io_op_name(VVMP_IO_WRITE_ZEROES), "write-zeroes");
	CHECK_STR(vaapi_io_op_name(VVMP_IO_FLUSH), "flush");
	CHECK_STR(vaapi_exc_outcome_name(VVMP_EXC_RESUBMITTED), "resubmitted");
	CHECK_STR(vaapi_exc_outcome_name(VVMP_EXC_TIMED_OUT), "timed-out");
	CHECK_STR(vaapi_exc_outcome_name(VVMP_EXC_REQUEUED), "requeued");
	CHECK_STR(vaapi_exc_on_timeout_name(VVMP_EXC_TIMEOUT_FAIL), "fail");
	CHECK_STR(vaapi_exc_on_timeout_name(VVMP_EXC_TIMEOUT_HOLD), "hold");
	CHECK(vaapi_acl_name(3) == NULL);
	CHECK_STR(vaapi_event_name(VVMP_EVENT_VD_PARAMS), "vd-params");
	CHECK(vaapi_event_name(VVMP_EVENT_VD_PARAMS + 1) == NULL);
	CHECK(vaapi_plan_op_name(VVMP_PLAN_RESTORE + 1) == NULL);
	CHECK(vaapi_exc_reason_name(VVMP_EXC_COMPONENT + 1) == NULL);
	CHECK(vaapi_io_op_name(VVMP_IO_FLUSH + 1) == NULL);
	CHECK(vaapi_exc_outcome_name(VVMP_EXC_REQUEUED + 1) == NULL);
	CHECK(vaapi_exc_on_timeout_name(VVMP_EXC_TIMEOUT_HOLD + 1) == NULL);
	CHECK(vaapi_mask_name(1U << 5) == NULL);
}

TEST(open_without_the_family_fails_with_enoent_and_says_why)
{
	struct vaapi *h;

	errno = 0;
	h = vaapi_open();
	CHECK(h == NULL);
	if (h) {
		vaapi_close(h);
		return;
	}
	CHECK_INT(errno, ENOENT);
	CHECK_STR(vaapi_strerror(NULL),
		  "generic netlink family \"vvmp\" not found (is the dm-vvmp module loaded?)");
}

int main(void)
{
	RUN(request_header_has_version_zero_reserved_and_ack);
	RUN(txn_id_rides_only_on_mutating_commands);
	RUN(vd_create_encodes_map_with_nested_flags_and_exact_values);
	RUN(vd_create_opts_put_region_sectors_and_resync_rate_after_the_map);
	RUN(activate_and_resync_set_name_the_vd_and_carry_the_rate);
	RUN(striped_map_carries_chunk_sectors);
	RUN(encoder_refuses_values_outside_the_uapi_limits);
	RUN(set_segment_encodes_start_length_and_one_extent_per_leg);
	RUN(policy_setters_name_vd_and_optional_client);
	RUN(stats_directive_plan_params_divert_and_txn_encode_exactly);
	RUN(plan_set_attach_detach_replace_carry_op_index_and_leg);
	RUN(vd_info_reply_parses_size_generation_and_every_device);
	RUN(vd_info_reply_parses_region_sectors_resync_rate_and_deactivated);
	RUN(malformed_replies_are_refused);
	RUN(map_reply_parses_legs_extents_health_and_generation);
	RUN(stats_reply_parses_vd_legs_clients_and_histogram);
	RUN(stats_reply_takes_the_device_without_a_client);
	RUN(stats_reply_parses_the_vds_dirty_regions_and_copied_bytes);
	RUN(policy_components_ranges_map_size_and_txn_replies);
	RUN(event_reply_parses_type_seq_names_and_ranges);
	RUN(vd_activity_event_says_deactivated_and_by_which_leg);
	RUN(eh_get_plan_sends_the_id_and_parses_every_field);
	RUN(eh_list_plans_dumps_every_vd_or_one_in_order_and_stops_when_asked);
	RUN(eh_take_resubmit_and_abort_carry_id_generation_and_errno);
	RUN(eh_stale_resubmission_reports_the_kernels_words_and_the_attribute);
	RUN(eh_set_plan_policy_sends_what_changes_and_refuses_bad_values);
	RUN(eh_passthrough_reads_data_from_the_reply_and_writes_it_in_data);
	RUN(eh_copy_sends_the_legs_only_when_given);
	RUN(ssap_fail_and_restore_send_plan_op_leg_and_full_copy_staged_in_a_txn);
	RUN(exception_events_carry_the_plan_or_its_outcome_and_vd_info_the_policy);
	RUN(extack_message_and_offset_name_the_attribute);
	RUN(extack_without_tlvs_dump_done_error_and_missing_attribute);
	RUN(libnl_errors_map_to_errno);
	RUN(dedup_applies_only_events_newer_than_the_snapshot);
	RUN(dedup_without_snapshot_accepts_and_reset_forgets);
	RUN(dedup_handles_many_objects);
	RUN(dm_resize_loads_one_vvmp_target_of_the_new_size);
	RUN(dm_resize_by_number_carries_dev_and_no_name);
	RUN(device_name_resolution_keeps_names_it_cannot_resolve);
	RUN(names_match_the_cli_and_docs);
	RUN(open_without_the_family_fails_with_enoent_and_says_why);
	return tap_done();
}
