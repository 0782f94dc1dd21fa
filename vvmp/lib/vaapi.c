// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: the handle, the request/reply exchange and one function per
 * command of the vvmp family (encode.c builds, decode.c parses).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

static _Thread_local char open_errmsg[256];

struct vaapi *vaapi_open(void)
{
	struct vaapi *h = calloc(1, sizeof(*h));
	int one = 1, err;

	open_errmsg[0] = '\0';
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->sk = nl_socket_alloc();
	h->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!h->sk || !h->cb) {
		err = -ENOMEM;
		goto fail;
	}
	err = genl_connect(h->sk);
	if (err < 0) {
		err = vaapi_nlerr_to_errno(err);
		snprintf(open_errmsg, sizeof(open_errmsg), "cannot open a generic netlink socket");
		goto fail;
	}
	/* libnl 3.7 has no switch for extended ACKs: ask the socket directly. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/*
	 * Replies can exceed a page (PASSTHROUGH data): read each at its size,
	 * and let the socket queue more than libnl's default 32 KiB.
	 */
	nl_socket_enable_msg_peek(h->sk);
	nl_socket_set_buffer_size(h->sk, 1 << 20, 0);
	h->family = genl_ctrl_resolve(h->sk, VVMP_GENL_NAME);
	if (h->family < 0) {
		err = vaapi_nlerr_to_errno(h->family);
		if (err == -ENOENT)
			snprintf(open_errmsg, sizeof(open_errmsg),
				 "generic netlink family \"%s\" not found (is the dm-vvmp module loaded?)",
				 VVMP_GENL_NAME);
		else
			snprintf(open_errmsg, sizeof(open_errmsg),
				 "cannot resolve generic netlink family \"%s\"", VVMP_GENL_NAME);
		goto fail;
	}
	return h;
fail:
	vaapi_close(h);
	errno = -err;
	return NULL;
}

void vaapi_close(struct vaapi *h)
{
	if (!h)
		return;
	nl_cb_put(h->cb);
	nl_socket_free(h->sk);
	free(h->txn_vds);
	free(h);
}

const char *vaapi_strerror(struct vaapi *h)
{
	return h ? h->errmsg : open_errmsg;
}

void vaapi_set_error(struct vaapi *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
}

/* ---- the exchange ------------------------------------------------------- */

struct exchange {
	struct vaapi *h;
	const struct nlmsghdr *req;
	vaapi_parse_fn parse;
	void *arg;
	int err;		/* kernel or socket error */
	int parse_err;		/* first malformed reply */
	int stop;		/* a parser asked to stop: its non-zero return */
	unsigned int replies;
	bool done;
};

static void record_extack(struct exchange *x, const struct nlmsghdr *nlh)
{
	struct vaapi_extack ack;

	if (vaapi_extack_parse(nlh, &ack) < 0)
		return;
	if (ack.error)
		x->err = ack.error;
	vaapi_extack_format(&ack, x->req, x->h->errmsg, sizeof(x->h->errmsg));
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;
	int ret;

	x->replies++;
	if (!x->parse || x->stop || x->parse_err)
		return NL_OK;
	ret = x->parse(nlmsg_hdr(msg), x->arg);
	if (ret < 0)
		x->parse_err = ret;
	else if (ret > 0)
		x->stop = ret;
	return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	/* A dump that failed half-way says so in NLMSG_DONE. */
	record_extack(x, nlmsg_hdr(msg));
	x->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct exchange *x = arg;
	/* libnl hands over the payload; the TLVs need the whole message. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	x->err = e->error ? e->error : -EIO;
	record_extack(x, nlh);
	x->done = true;
	return NL_STOP;
}

int vaapi_exchange(struct vaapi *h, struct nl_msg *msg, vaapi_parse_fn parse, void *arg)
{
	struct exchange x = { .h = h, .req = nlmsg_hdr(msg), .parse = parse, .arg = arg };
	int ret;

	h->errmsg[0] = '\0';
	nl_cb_set(h->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(h->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
	nl_cb_set(h->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &x);
	nl_cb_err(h->cb, NL_CB_CUSTOM, on_error, &x);

	ret = nl_send_auto(h->sk, msg);
	if (ret < 0) {
		x.err = vaapi_nlerr_to_errno(ret);
		vaapi_set_error(h, "sending the request failed");
	}
	while (!x.err && !x.done) {
		ret = nl_recvmsgs(h->sk, h->cb);
		if (ret < 0 && !x.done && !x.err) {
			x.err = vaapi_nlerr_to_errno(ret);
			vaapi_set_error(h, "receiving the reply failed");
		}
	}
	nlmsg_free(msg);
	if (x.err)
		return x.err;
	if (x.parse_err) {
		vaapi_set_error(h, "malformed reply from the kernel");
		return x.parse_err;
	}
	if (x.stop)
		return x.stop;
	h->last_replies = x.replies;
	return 0;
}

struct nl_msg *vaapi_request(struct vaapi *h, uint8_t cmd, int nlflags)
{
	return vaapi_msg_request(h->family, cmd, nlflags, h->txn_id);
}

int vaapi_send(struct vaapi *h, struct nl_msg *msg, int enc_err, vaapi_parse_fn parse,
	       void *arg)
{
	if (!msg) {
		vaapi_set_error(h, "out of memory");
		return -ENOMEM;
	}
	if (enc_err) {
		nlmsg_free(msg);
		if (enc_err == -EMSGSIZE)
			vaapi_set_error(h, "request too large for one message");
		else
			vaapi_set_error(h, "a value is out of the range include/uapi/linux/vvmp.h allows");
		return enc_err;
	}
	return vaapi_exchange(h, msg, parse, arg);
}

/* A GET answered by exactly one message. */
static int send_get(struct vaapi *h, struct nl_msg *msg, int enc_err, vaapi_parse_fn parse,
		    void *arg)
{
	int err = vaapi_send(h, msg, enc_err, parse, arg);

	if (!err && h->last_replies == 0) {
		vaapi_set_error(h, "the kernel sent no reply");
		return -EPROTO;
	}
	return err;
}

#define REQ(cmd)	vaapi_request(h, (cmd), 0)
#define ENC(msg, call)	((msg) ? (call) : -ENOMEM)

/* ---- AP ----------------------------------------------------------------- */

int vaapi_ap_create_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map)
{
	return vaapi_ap_create_vd_opts(h, vd, map, NULL);
}

int vaapi_ap_create_vd_opts(struct vaapi *h, const char *vd, const struct vaapi_map *map,
			    const struct vaapi_vd_opts *opts)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_CREATE);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_vd_create_opts(msg, vd, map, opts)),
			  NULL, NULL);
}

int vaapi_ap_delete_vd(struct vaapi *h, const char *vd)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_DELETE);

	return vaapi_send(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)), NULL, NULL);
}

static void resolve_device_names(struct vaapi_vd_info *info)
{
	unsigned int i;

	for (i = 0; i < info->nr_device_records; i++)
		vaapi_device_resolve_name(&info->devices[i]);
}

static int parse_vd_info(const struct nlmsghdr *nlh, void *arg)
{
	int err = vaapi_dec_vd_info(nlh, arg);

	if (!err)
		resolve_device_names(arg);
	return err;
}

int vaapi_ap_get_vd(struct vaapi *h, const char *vd, struct vaapi_vd_info *info)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_GET);

	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_vd_info, info);
}

struct list_vds {
	int (*cb)(const struct vaapi_vd_info *info, void *arg);
	void *arg;
	struct vaapi_vd_info info;
};

static int parse_vd_list(const struct nlmsghdr *nlh, void *arg)
{
	struct list_vds *l = arg;
	int err = vaapi_dec_vd_info(nlh, &l->info);

	if (err)
		return err;
	resolve_device_names(&l->info);
	return l->cb(&l->info, l->arg);
}

int vaapi_ap_list_vds(struct vaapi *h,
		      int (*cb)(const struct vaapi_vd_info *info, void *arg), void *arg)
{
	struct list_vds *l = calloc(1, sizeof(*l));
	struct nl_msg *msg;
	int err;

	if (!l)
		return -ENOMEM;
	l->cb = cb;
	l->arg = arg;
	msg = vaapi_request(h, VVMP_CMD_VD_GET, NLM_F_DUMP);
	err = vaapi_send(h, msg, 0, parse_vd_list, l);
	free(l);
	return err;
}

static int parse_map(const struct nlmsghdr *nlh, void *arg)
{
	return vaapi_dec_map_reply(nlh, arg);
}

int vaapi_ap_get_map_vd(struct vaapi *h, const char *vd, struct vaapi_map *map)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_GET_MAP);

	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_map, map);
}

int vaapi_ap_set_map_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_SET_MAP);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_vd_create(msg, vd, map)), NULL, NULL);
}

/* Remember a VD whose staged segment may extend it: resized at commit. */
static int txn_remember_vd(struct vaapi *h, const char *vd)
{
	char (*vds)[VVMP_NAME_MAX];
	unsigned int i;

	for (i = 0; i < h->nr_txn_vds; i++)
		if (!strcmp(h->txn_vds[i], vd))
			return 0;
	vds = realloc(h->txn_vds, (h->nr_txn_vds + 1) * sizeof(*vds));
	if (!vds)
		return -ENOMEM;
	h->txn_vds = vds;
	snprintf(h->txn_vds[h->nr_txn_vds++], VVMP_NAME_MAX, "%s", vd);
	return 0;
}

int vaapi_ap_set_segment_vd(struct vaapi *h, const char *vd, const struct vaapi_segment *seg)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_SET_SEGMENT);
	int err;

	err = vaapi_send(h, msg, ENC(msg, vaapi_enc_vd_set_segment(msg, vd, seg)), NULL, NULL);
	if (err)
		return err;
	/* Staged: nothing changed yet; the commit resizes. */
	if (h->txn_id)
		return txn_remember_vd(h, vd);
	return vaapi_ap_resize_devices(h, vd);
}

static int parse_map_size(const struct nlmsghdr *nlh, void *arg)
{
	struct { uint32_t *extents; uint64_t *bytes; } *out = arg;

	return vaapi_dec_map_size(nlh, out->extents, out->bytes);
}

int vaapi_ap_get_map_size_vd(struct vaapi *h, const char *vd,
			     uint32_t *map_extents, uint64_t *map_bytes)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_GET_MAP_SIZE);
	struct { uint32_t *extents; uint64_t *bytes; } out = { map_extents, map_bytes };

	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_map_size, &out);
}

int vaapi_ap_resize_devices(struct vaapi *h, const char *vd)
{
	struct vaapi_vd_info *info = calloc(1, sizeof(*info));
	char why[256];
	unsigned int i;
	int err;

	if (!info)
		return -ENOMEM;
	err = vaapi_ap_get_vd(h, vd, info);
	if (err)
		goto out;
	if (!VAAPI_HAS(info, VVMP_A_VD_SIZE)) {
		vaapi_set_error(h, "VD_GET of %s carries no VD_SIZE", vd);
		err = -EPROTO;
		goto out;
	}
	for (i = 0; i < info->nr_device_records; i++) {
		const struct vaapi_device *d = &info->devices[i];

		if (d->has_size && d->size == info->size)
			continue;
		/* By number: the kernel's NAME may be dm's internal "major:minor". */
		err = vaapi_dm_resize(d->name, d->has_dev ? d->dev : 0, info->size, vd,
				      d->client[0] ? d->client : NULL, why, sizeof(why));
		if (err) {
			vaapi_set_error(h, "VD %s is %llu sectors, but resizing dm device %s failed: %s",
					vd, (unsigned long long)info->size, d->name, why);
			goto out;
		}
	}
out:
	free(info);
	return err;
}

/* ---- PEAP --------------------------------------------------------------- */

int vaapi_peap_set_client(struct vaapi *h, const char *client, const char *info)
{
	struct nl_msg *msg = REQ(VVMP_CMD_CLIENT_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_client_set(msg, client, info)), NULL, NULL);
}

int vaapi_peap_delete_client(struct vaapi *h, const char *client)
{
	struct nl_msg *msg = REQ(VVMP_CMD_CLIENT_DELETE);

	return vaapi_send(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_CLIENT_NAME, client)),
			  NULL, NULL);
}

static int parse_client(const struct nlmsghdr *nlh, void *arg)
{
	return vaapi_dec_client(nlh, arg);
}

int vaapi_peap_get_client(struct vaapi *h, const char *client, struct vaapi_client_info *out)
{
	struct nl_msg *msg = REQ(VVMP_CMD_CLIENT_GET);

	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_CLIENT_NAME, client)),
			parse_client, out);
}

struct list_clients {
	int (*cb)(const struct vaapi_client_info *c, void *arg);
	void *arg;
};

static int parse_client_list(const struct nlmsghdr *nlh, void *arg)
{
	struct list_clients *l = arg;
	struct vaapi_client_info c;
	int err = vaapi_dec_client(nlh, &c);

	return err ? err : l->cb(&c, l->arg);
}

int vaapi_peap_list_clients(struct vaapi *h,
			    int (*cb)(const struct vaapi_client_info *c, void *arg), void *arg)
{
	struct list_clients l = { cb, arg };
	struct nl_msg *msg = vaapi_request(h, VVMP_CMD_CLIENT_GET, NLM_F_DUMP);

	return vaapi_send(h, msg, 0, parse_client_list, &l);
}

int vaapi_peap_set_acl(struct vaapi *h, const char *vd, const char *client, enum vvmp_acl acl)
{
	struct nl_msg *msg = REQ(VVMP_CMD_ACL_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_acl_set(msg, vd, client, acl)), NULL, NULL);
}

static int parse_policy(const struct nlmsghdr *nlh, void *arg)
{
	return vaapi_dec_policy(nlh, arg);
}

static int get_policy(struct vaapi *h, uint8_t cmd, const char *vd, const char *client,
		      struct vaapi_policy *out)
{
	struct nl_msg *msg = REQ(cmd);

	memset(out, 0, sizeof(*out));
	return send_get(h, msg, ENC(msg, vaapi_put_target(msg, vd, client)), parse_policy, out);
}

int vaapi_peap_get_acl(struct vaapi *h, const char *vd, const char *client, struct vaapi_policy *out)
{
	return get_policy(h, VVMP_CMD_ACL_GET, vd, client, out);
}

int vaapi_peap_set_status(struct vaapi *h, const char *vd, const char *client,
			  enum vvmp_status status)
{
	struct nl_msg *msg = REQ(VVMP_CMD_STATUS_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_status_set(msg, vd, client, status)),
			  NULL, NULL);
}

int vaapi_peap_get_status(struct vaapi *h, const char *vd, const char *client,
			  struct vaapi_policy *out)
{
	return get_policy(h, VVMP_CMD_STATUS_GET, vd, client, out);
}

int vaapi_peap_set_cos(struct vaapi *h, const char *vd, const char *client,
		       const struct vaapi_cos *cos)
{
	struct nl_msg *msg = REQ(VVMP_CMD_COS_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_cos_set(msg, vd, client, cos)), NULL, NULL);
}

int vaapi_peap_get_cos(struct vaapi *h, const char *vd, const char *client,
		       struct vaapi_policy *out)
{
	return get_policy(h, VVMP_CMD_COS_GET, vd, client, out);
}

/* ---- PSAP --------------------------------------------------------------- */

int vaapi_psap_set_stats_directive(struct vaapi *h, const char *vd,
				   const struct vaapi_stats_directive *d)
{
	struct nl_msg *msg = REQ(VVMP_CMD_STATS_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_stats_set(msg, vd, d)), NULL, NULL);
}

static int parse_stats(const struct nlmsghdr *nlh, void *arg)
{
	return vaapi_dec_stats_reply(nlh, arg);
}

int vaapi_psap_copy_vd_stats(struct vaapi *h, const char *vd, struct vaapi_vd_stats *out)
{
	struct nl_msg *msg = REQ(VVMP_CMD_STATS_GET);

	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_stats, out);
}

int vaapi_psap_reset_vd_stats(struct vaapi *h, const char *vd)
{
	struct nl_msg *msg = REQ(VVMP_CMD_STATS_RESET);

	return vaapi_send(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)), NULL, NULL);
}

/* ---- SSAP / IOP ----------------------------------------------------------- */

int vaapi_ssap_set_io_plan(struct vaapi *h, const char *vd, enum vvmp_plan_op op,
			   uint32_t leg_index, const struct vaapi_leg *leg)
{
	struct nl_msg *msg = REQ(VVMP_CMD_PLAN_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_plan_set(msg, vd, op, leg_index, leg)),
			  NULL, NULL);
}

int vaapi_ssap_fail_leg(struct vaapi *h, const char *vd, uint32_t leg_index)
{
	return vaapi_ssap_set_io_plan(h, vd, VVMP_PLAN_FAIL, leg_index, NULL);
}

int vaapi_ssap_restore_leg(struct vaapi *h, const char *vd, uint32_t leg_index, bool full)
{
	struct nl_msg *msg = REQ(VVMP_CMD_PLAN_SET);
	int err = ENC(msg, vaapi_enc_plan_set(msg, vd, VVMP_PLAN_RESTORE, leg_index, NULL));

	if (!err && full && nla_put_flag(msg, VVMP_A_FULL_COPY) < 0)
		err = -EMSGSIZE;
	return vaapi_send(h, msg, err, NULL, NULL);
}

int vaapi_iop_set_plan_params(struct vaapi *h, const char *vd, uint32_t leg_index,
			      const struct vaapi_component *c)
{
	struct nl_msg *msg = REQ(VVMP_CMD_PLAN_PARAMS_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_plan_params_set(msg, vd, leg_index, c)),
			  NULL, NULL);
}

struct array_out {
	void *out;
	unsigned int max;
	unsigned int *nr;
};

static int parse_components(const struct nlmsghdr *nlh, void *arg)
{
	struct array_out *a = arg;

	return vaapi_dec_components(nlh, a->out, a->max, a->nr);
}

int vaapi_iop_get_plan_params(struct vaapi *h, const char *vd,
			      struct vaapi_component *out, unsigned int max, unsigned int *nr)
{
	struct nl_msg *msg = REQ(VVMP_CMD_PLAN_PARAMS_GET);
	struct array_out a = { out, max, nr };

	*nr = 0;
	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_components, &a);
}

/* ---- EH ----------------------------------------------------------------- */

int vaapi_eh_add_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r)
{
	struct nl_msg *msg = REQ(VVMP_CMD_DIVERT_ADD);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_divert(msg, vd, r)), NULL, NULL);
}

int vaapi_eh_delete_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r)
{
	struct nl_msg *msg = REQ(VVMP_CMD_DIVERT_DELETE);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_divert(msg, vd, r)), NULL, NULL);
}

static int parse_ranges(const struct nlmsghdr *nlh, void *arg)
{
	struct array_out *a = arg;

	return vaapi_dec_ranges(nlh, a->out, a->max, a->nr);
}

int vaapi_eh_list_divert(struct vaapi *h, const char *vd,
			 struct vaapi_range *out, unsigned int max, unsigned int *nr)
{
	struct nl_msg *msg = REQ(VVMP_CMD_DIVERT_GET);
	struct array_out a = { out, max, nr };

	*nr = 0;
	return send_get(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)),
			parse_ranges, &a);
}

int vaapi_eh_activate_vd(struct vaapi *h, const char *vd)
{
	struct nl_msg *msg = REQ(VVMP_CMD_VD_ACTIVATE);

	return vaapi_send(h, msg, ENC(msg, vaapi_put_name(msg, VVMP_A_VD_NAME, vd)), NULL, NULL);
}

int vaapi_eh_set_resync_rate(struct vaapi *h, const char *vd, uint32_t rate_kib)
{
	struct nl_msg *msg = REQ(VVMP_CMD_RESYNC_SET);

	return vaapi_send(h, msg, ENC(msg, vaapi_enc_resync_set(msg, vd, rate_kib)), NULL, NULL);
}

/* ---- TX ----------------------------------------------------------------- */

static int parse_txn_id(const struct nlmsghdr *nlh, void *arg)
{
	return vaapi_dec_txn_id(nlh, arg);
}

int vaapi_tx_begin(struct vaapi *h, uint32_t *id)
{
	return send_get(h, REQ(VVMP_CMD_TXN_BEGIN), 0, parse_txn_id, id);
}

void vaapi_tx_use(struct vaapi *h, uint32_t id)
{
	if (id != h->txn_id)
		h->nr_txn_vds = 0;
	h->txn_id = id;
}

uint32_t vaapi_tx_current(const struct vaapi *h)
{
	return h->txn_id;
}

int vaapi_tx_commit(struct vaapi *h, uint32_t id)
{
	struct nl_msg *msg = REQ(VVMP_CMD_TXN_COMMIT);
	unsigned int i, nr;
	int err;

	err = vaapi_send(h, msg, ENC(msg, vaapi_enc_txn_id(msg, id)), NULL, NULL);
	if (err)
		return err;
	nr = h->txn_id == id ? h->nr_txn_vds : 0;
	h->txn_id = h->txn_id == id ? 0 : h->txn_id;
	h->nr_txn_vds = 0;
	/* Segments that extended a VD took effect now: grow its devices. */
	for (i = 0; i < nr && !err; i++)
		err = vaapi_ap_resize_devices(h, h->txn_vds[i]);
	return err;
}

int vaapi_tx_abort(struct vaapi *h, uint32_t id)
{
	struct nl_msg *msg = REQ(VVMP_CMD_TXN_ABORT);
	int err;

	err = vaapi_send(h, msg, ENC(msg, vaapi_enc_txn_id(msg, id)), NULL, NULL);
	if (!err && h->txn_id == id) {
		h->txn_id = 0;
		h->nr_txn_vds = 0;
	}
	return err;
}
