// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi, EH group: exception plans held for the control path, raw I/O
 * on one component (pass-through) and copies within a VD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include <vvmp/vaapi.h>
#include "internal.h"

static struct nla_policy exc_policy[VVMP_EXC_A_MAX + 1] = {
	[VVMP_EXC_A_ID]		= { .type = NLA_U64 },
	[VVMP_EXC_A_GENERATION]	= { .type = NLA_U64 },
	[VVMP_EXC_A_REASON]	= { .type = NLA_U8 },
	[VVMP_EXC_A_OP]		= { .type = NLA_U8 },
	[VVMP_EXC_A_SECTOR]	= { .type = NLA_U64 },
	[VVMP_EXC_A_LENGTH]	= { .type = NLA_U64 },
	[VVMP_EXC_A_LEG]	= { .type = NLA_U32 },
	[VVMP_EXC_A_OWNER]	= { .type = NLA_U32 },
	[VVMP_EXC_A_AGE_MS]	= { .type = NLA_U32 },
	[VVMP_EXC_A_CLIENT]	= { .type = NLA_NUL_STRING, .maxlen = VVMP_NAME_MAX - 1 },
};

int vaapi_dec_exception(const struct nlattr *nest, struct vaapi_exception *e)
{
	struct nlattr *tb[VVMP_EXC_A_MAX + 1];

	memset(e->client, 0, sizeof(e->client));
	if (nla_parse_nested(tb, VVMP_EXC_A_MAX, (struct nlattr *)nest, exc_policy) < 0 ||
	    !tb[VVMP_EXC_A_ID] || !tb[VVMP_EXC_A_GENERATION] || !tb[VVMP_EXC_A_REASON] ||
	    !tb[VVMP_EXC_A_OP] || !tb[VVMP_EXC_A_SECTOR] || !tb[VVMP_EXC_A_LENGTH])
		return -EPROTO;
	e->id = nla_get_u64(tb[VVMP_EXC_A_ID]);
	e->generation = nla_get_u64(tb[VVMP_EXC_A_GENERATION]);
	e->reason = nla_get_u8(tb[VVMP_EXC_A_REASON]);
	e->op = nla_get_u8(tb[VVMP_EXC_A_OP]);
	e->sector = nla_get_u64(tb[VVMP_EXC_A_SECTOR]);
	e->length = nla_get_u64(tb[VVMP_EXC_A_LENGTH]);
	e->leg = tb[VVMP_EXC_A_LEG] ? nla_get_u32(tb[VVMP_EXC_A_LEG]) : 0;
	e->owner = tb[VVMP_EXC_A_OWNER] ? nla_get_u32(tb[VVMP_EXC_A_OWNER]) : 0;
	e->age_ms = tb[VVMP_EXC_A_AGE_MS] ? nla_get_u32(tb[VVMP_EXC_A_AGE_MS]) : 0;
	if (tb[VVMP_EXC_A_CLIENT])
		strncpy(e->client, nla_get_string(tb[VVMP_EXC_A_CLIENT]), sizeof(e->client) - 1);
	return 0;
}

/* A reply of EXC_GET: VD_NAME and one EXCEPTION. */
static int dec_plan(const struct nlmsghdr *nlh, struct vaapi_exception *e)
{
	struct nlattr *tb[VVMP_A_MAX + 1];

	memset(e, 0, sizeof(*e));
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, VVMP_A_MAX, NULL) < 0 ||
	    !tb[VVMP_A_VD_NAME] || !tb[VVMP_A_EXCEPTION])
		return -EPROTO;
	strncpy(e->vd, nla_get_string(tb[VVMP_A_VD_NAME]), sizeof(e->vd) - 1);
	return vaapi_dec_exception(tb[VVMP_A_EXCEPTION], e);
}

static int parse_plan(const struct nlmsghdr *nlh, void *arg)
{
	return dec_plan(nlh, arg);
}

struct plan_walk {
	int (*cb)(const struct vaapi_exception *e, void *arg);
	void *arg;
	int stopped;
};

static int parse_plan_walk(const struct nlmsghdr *nlh, void *arg)
{
	struct plan_walk *w = arg;
	struct vaapi_exception e;
	int err = dec_plan(nlh, &e);

	if (err || w->stopped)
		return err;
	w->stopped = w->cb(&e, w->arg);
	return 0;
}

static struct nl_msg *plan_request(struct vaapi *h, uint8_t cmd, uint64_t id)
{
	struct nl_msg *msg = vaapi_request(h, cmd, 0);

	if (msg && nla_put_u64(msg, VVMP_A_EXC_ID, id) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vaapi_eh_get_plan(struct vaapi *h, uint64_t id, struct vaapi_exception *out)
{
	int err = vaapi_send(h, plan_request(h, VVMP_CMD_EXC_GET, id), 0, parse_plan, out);

	if (!err && h->last_replies == 0) {
		vaapi_set_error(h, "the kernel sent no reply");
		return -EPROTO;
	}
	return err;
}

int vaapi_eh_list_plans(struct vaapi *h, const char *vd,
			int (*cb)(const struct vaapi_exception *e, void *arg), void *arg)
{
	struct plan_walk w = { .cb = cb, .arg = arg };
	struct nl_msg *msg = vaapi_request(h, VVMP_CMD_EXC_GET, NLM_F_DUMP);
	int err = 0;

	if (msg && vd)
		err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);
	err = vaapi_send(h, msg, err, parse_plan_walk, &w);
	return err ? err : w.stopped;
}

int vaapi_eh_take_plan(struct vaapi *h, uint64_t id)
{
	return vaapi_send(h, plan_request(h, VVMP_CMD_EXC_TAKE, id), 0, NULL, NULL);
}

int vaapi_eh_resubmit_plan(struct vaapi *h, uint64_t id, uint64_t generation)
{
	struct nl_msg *msg = plan_request(h, VVMP_CMD_EXC_RESUBMIT, id);
	int err = 0;

	if (msg && nla_put_u64(msg, VVMP_A_EXC_GENERATION, generation) < 0)
		err = -EMSGSIZE;
	return vaapi_send(h, msg, err, NULL, NULL);
}

int vaapi_eh_abort_plan(struct vaapi *h, uint64_t id, int error)
{
	struct nl_msg *msg = plan_request(h, VVMP_CMD_EXC_ABORT, id);
	int err = 0;

	if (error < 0 || error > 4095)
		err = -EINVAL;
	else if (msg && error && nla_put_u32(msg, VVMP_A_EXC_ERRNO, error) < 0)
		err = -EMSGSIZE;
	return vaapi_send(h, msg, err, NULL, NULL);
}

int vaapi_eh_set_plan_policy(struct vaapi *h, const char *vd, uint32_t timeout_ms,
			     int on_timeout)
{
	struct nl_msg *msg = vaapi_request(h, VVMP_CMD_EXC_POLICY_SET, 0);
	int err = msg ? vaapi_put_name(msg, VVMP_A_VD_NAME, vd) : 0;

	if (on_timeout < -1 || on_timeout > VVMP_EXC_TIMEOUT_HOLD ||
	    timeout_ms > VVMP_EXC_TIMEOUT_MS_MAX || (!timeout_ms && on_timeout < 0))
		err = -EINVAL;
	if (!err && msg && timeout_ms &&
	    nla_put_u32(msg, VVMP_A_EXC_TIMEOUT_MS, timeout_ms) < 0)
		err = -EMSGSIZE;
	if (!err && msg && on_timeout >= 0 &&
	    nla_put_u8(msg, VVMP_A_EXC_ON_TIMEOUT, on_timeout) < 0)
		err = -EMSGSIZE;
	return vaapi_send(h, msg, err, NULL, NULL);
}

struct passthrough_out {
	void *buf;
	uint32_t len;
	bool got;
};

static int parse_data(const struct nlmsghdr *nlh, void *arg)
{
	struct passthrough_out *o = arg;
	struct nlattr *tb[VVMP_A_MAX + 1];

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, VVMP_A_MAX, NULL) < 0 ||
	    !tb[VVMP_A_DATA] || (uint32_t)nla_len(tb[VVMP_A_DATA]) != o->len)
		return -EPROTO;
	memcpy(o->buf, nla_data(tb[VVMP_A_DATA]), o->len);
	o->got = true;
	return 0;
}

int vaapi_eh_passthrough(struct vaapi *h, const char *vd, uint32_t leg, bool write,
			 uint64_t sector, void *buf, uint32_t len)
{
	struct passthrough_out o = { .buf = buf, .len = len };
	struct nl_msg *msg;
	struct nlattr *io;
	int err = 0;

	if (!len || len % 512 || len > VVMP_IO_MAX_BYTES) {
		vaapi_set_error(h, "length must be a multiple of 512 up to %u", VVMP_IO_MAX_BYTES);
		return -EINVAL;
	}
	msg = nlmsg_alloc_size(len + 4096);
	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0,
				NLM_F_REQUEST | NLM_F_ACK, VVMP_CMD_PASSTHROUGH,
				VVMP_GENL_VERSION))
		err = -EMSGSIZE;
	if (msg && !err)
		err = vaapi_put_name(msg, VVMP_A_VD_NAME, vd);
	if (msg && !err && nla_put_u32(msg, VVMP_A_LEG_INDEX, leg) < 0)
		err = -EMSGSIZE;
	if (msg && !err) {
		io = nla_nest_start(msg, VVMP_A_IO | NLA_F_NESTED);
		if (!io)
			err = -EMSGSIZE;
		else if (nla_put_u8(msg, VVMP_IO_A_OP, write ? VVMP_IO_WRITE : VVMP_IO_READ) < 0 ||
			 nla_put_u64(msg, VVMP_IO_A_SECTOR, sector) < 0 ||
			 nla_put_u32(msg, VVMP_IO_A_LENGTH, len) < 0)
			err = -EMSGSIZE;
		else
			nla_nest_end(msg, io);
	}
	if (msg && !err && write && nla_put(msg, VVMP_A_DATA, len, buf) < 0)
		err = -EMSGSIZE;
	err = vaapi_send(h, msg, err, write ? NULL : parse_data, &o);
	if (!err && !write && !o.got) {
		vaapi_set_error(h, "the kernel sent no data");
		return -EPROTO;
	}
	return err;
}

int vaapi_eh_copy(struct vaapi *h, const char *vd, const struct vaapi_copy *c)
{
	struct nl_msg *msg = vaapi_request(h, VVMP_CMD_COPY, 0);
	struct nlattr *nest;
	int err = msg ? vaapi_put_name(msg, VVMP_A_VD_NAME, vd) : 0;

	if (msg && !err) {
		nest = nla_nest_start(msg, VVMP_A_COPY | NLA_F_NESTED);
		if (!nest ||
		    (c->has_src_leg && nla_put_u32(msg, VVMP_COPY_A_SRC_LEG, c->src_leg) < 0) ||
		    nla_put_u64(msg, VVMP_COPY_A_SRC_SECTOR, c->src_sector) < 0 ||
		    (c->has_dst_leg && nla_put_u32(msg, VVMP_COPY_A_DST_LEG, c->dst_leg) < 0) ||
		    nla_put_u64(msg, VVMP_COPY_A_DST_SECTOR, c->dst_sector) < 0 ||
		    nla_put_u64(msg, VVMP_COPY_A_LENGTH, c->length) < 0)
			err = -EMSGSIZE;
		else
			nla_nest_end(msg, nest);
	}
	return vaapi_send(h, msg, err, NULL, NULL);
}
