/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libvaapi internals: building requests and parsing replies of the vvmp
 * family on a struct nl_msg / struct nlmsghdr, without a socket, so that
 * tests/host/vaapi can check them byte for byte.
 */
#ifndef _VVMP_LIB_CODEC_H
#define _VVMP_LIB_CODEC_H

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <vvmp/vaapi.h>

/* What the kernel said about a failed request (NLMSGERR_ATTR_*). */
struct vaapi_extack {
	int error;			/* negative errno of nlmsgerr */
	char msg[256];			/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offset;
	uint32_t offset;		/* NLMSGERR_ATTR_OFFS: bytes into the request */
	bool has_miss_type;
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
};

/* Whether @cmd changes state (and so carries VVMP_A_TXN_ID in a txn). */
bool vaapi_cmd_mutates(uint8_t cmd);

/*
 * A request: netlink + genl header for @family/@cmd (reserved byte 0,
 * version VVMP_GENL_VERSION), NLM_F_REQUEST | NLM_F_ACK | @nlflags, and
 * VVMP_A_TXN_ID when @txn_id != 0 and @cmd mutates. NULL on ENOMEM.
 */
struct nl_msg *vaapi_msg_request(int family, uint8_t cmd, int nlflags, uint32_t txn_id);

/* Attribute writers: 0, -EINVAL (bad value, e.g. a name too long) or -EMSGSIZE. */
int vaapi_put_name(struct nl_msg *msg, int type, const char *name);
int vaapi_put_target(struct nl_msg *msg, const char *vd, const char *client);
int vaapi_put_extent(struct nl_msg *msg, int type, const struct vaapi_extent *e);
int vaapi_put_leg(struct nl_msg *msg, int type, const struct vaapi_leg *leg);
int vaapi_put_map(struct nl_msg *msg, const struct vaapi_map *map);
int vaapi_put_segment(struct nl_msg *msg, const struct vaapi_segment *seg);
int vaapi_put_cos(struct nl_msg *msg, const struct vaapi_cos *cos);
int vaapi_put_directive(struct nl_msg *msg, const struct vaapi_stats_directive *d);
int vaapi_put_component(struct nl_msg *msg, const struct vaapi_component *c);
int vaapi_put_range(struct nl_msg *msg, const struct vaapi_range *r);

/* The attributes after the request header, per command (see vaapi.h). */
int vaapi_enc_vd_create(struct nl_msg *msg, const char *vd, const struct vaapi_map *map);
/* VD_NAME, MAP, then REGION_SECTORS and RESYNC_RATE as @opts (may be NULL) has them. */
int vaapi_enc_vd_create_opts(struct nl_msg *msg, const char *vd, const struct vaapi_map *map,
			     const struct vaapi_vd_opts *opts);
int vaapi_enc_vd_set_segment(struct nl_msg *msg, const char *vd, const struct vaapi_segment *seg);
int vaapi_enc_client_set(struct nl_msg *msg, const char *client, const char *info);
int vaapi_enc_acl_set(struct nl_msg *msg, const char *vd, const char *client, enum vvmp_acl acl);
int vaapi_enc_status_set(struct nl_msg *msg, const char *vd, const char *client,
			 enum vvmp_status status);
int vaapi_enc_cos_set(struct nl_msg *msg, const char *vd, const char *client,
		      const struct vaapi_cos *cos);
int vaapi_enc_stats_set(struct nl_msg *msg, const char *vd, const struct vaapi_stats_directive *d);
int vaapi_enc_plan_set(struct nl_msg *msg, const char *vd, enum vvmp_plan_op op,
		       uint32_t leg_index, const struct vaapi_leg *leg);
int vaapi_enc_plan_params_set(struct nl_msg *msg, const char *vd, uint32_t leg_index,
			      const struct vaapi_component *c);
int vaapi_enc_divert(struct nl_msg *msg, const char *vd, const struct vaapi_range *r);
int vaapi_enc_resync_set(struct nl_msg *msg, const char *vd, uint32_t rate_kib);
int vaapi_enc_txn_id(struct nl_msg *msg, uint32_t id);

/* Reply parsers: 0 or -EPROTO (malformed or missing a required attribute). */
int vaapi_dec_vd_info(const struct nlmsghdr *nlh, struct vaapi_vd_info *info);
int vaapi_dec_map(const struct nlattr *nest, struct vaapi_map *map);
int vaapi_dec_map_reply(const struct nlmsghdr *nlh, struct vaapi_map *map);
int vaapi_dec_map_size(const struct nlmsghdr *nlh, uint32_t *extents, uint64_t *bytes);
int vaapi_dec_client(const struct nlmsghdr *nlh, struct vaapi_client_info *c);
int vaapi_dec_policy(const struct nlmsghdr *nlh, struct vaapi_policy *p);
int vaapi_dec_stats(const struct nlattr *nest, struct vaapi_stats *s);
int vaapi_dec_stats_reply(const struct nlmsghdr *nlh, struct vaapi_vd_stats *out);
/* Append the reply's COMPONENT / RANGE records to @out[*nr..max). */
int vaapi_dec_components(const struct nlmsghdr *nlh, struct vaapi_component *out,
			 unsigned int max, unsigned int *nr);
int vaapi_dec_ranges(const struct nlmsghdr *nlh, struct vaapi_range *out,
		     unsigned int max, unsigned int *nr);
int vaapi_dec_txn_id(const struct nlmsghdr *nlh, uint32_t *id);
int vaapi_dec_event(const struct nlmsghdr *nlh, struct vaapi_event *ev);
int vaapi_dec_exception(const struct nlattr *nest, struct vaapi_exception *e);

/* Parse an NLMSG_ERROR (or NLMSG_DONE of a dump) with its extended ACK TLVs. */
int vaapi_extack_parse(const struct nlmsghdr *nlh, struct vaapi_extack *ack);
/*
 * Name the attribute at byte @offset of request @req (as NLMSGERR_ATTR_OFFS
 * gives it), e.g. "VVMP_A_SEGMENT/3/1"; "" if no attribute starts there.
 */
void vaapi_attr_path(const struct nlmsghdr *req, uint32_t offset, char *buf, size_t len);
/* The message vaapi_strerror() shows for @ack about request @req (may be NULL). */
void vaapi_extack_format(const struct vaapi_extack *ack, const struct nlmsghdr *req,
			 char *buf, size_t len);

/* libnl's NLE_* as a negative errno. */
int vaapi_nlerr_to_errno(int nlerr);

/* dm_resize.c: the DM_TABLE_LOAD buffer for "0 <size> vvmp vd <vd> [client <c>]". */
int vaapi_dm_load_buffer(void *buf, size_t len, const char *dm_name, uint64_t size,
			 const char *vd, const char *client);
/* The same for the device numbered @dev (new_encode_dev(), non-zero). */
int vaapi_dm_load_buffer_dev(void *buf, size_t len, uint32_t dev, uint64_t size,
			     const char *vd, const char *client);
/*
 * Load that table into the device @dev (new_encode_dev()) or, if @dev is 0,
 * the device named @dm_name, and resume it with DM_NOFLUSH_FLAG; msg on error.
 */
int vaapi_dm_resize(const char *dm_name, uint32_t dev, uint64_t size, const char *vd,
		    const char *client, char *errbuf, size_t errlen);
/*
 * Where a DEVICE record's NAME is only the "major:minor" of its DEV (dm's
 * internal md->name, which the kernel reports), replace it by the name
 * dmsetup knows (/sys/dev/block/M:m/dm/name) if the device still exists.
 */
void vaapi_device_resolve_name(struct vaapi_device *d);

#endif /* _VVMP_LIB_CODEC_H */
