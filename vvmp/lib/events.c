// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: the "events" group as "snapshot, then stream" (drbdsetup
 * events2). The listener joins the group first, so every change after the
 * join is queued on its socket, then dumps STATE_GET. The dedup filter
 * drops streamed events the dump already reflects: an event is applied only
 * if its EVENT_SEQ is greater than the dumped object's EVENT_SEQ, or than
 * SNAPSHOT_SEQ for an object the dump did not contain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

/* ---- the dedup filter -------------------------------------------------- */

#define FILTER_BUCKETS 256

struct filter_object {
	struct filter_object *next;
	char kind;			/* 'v' VD, 'c' client */
	uint64_t seq;
	char name[VVMP_NAME_MAX];
};

struct vaapi_event_filter {
	bool has_snapshot;
	uint64_t snapshot_seq;
	struct filter_object *buckets[FILTER_BUCKETS];
};

/* Client events name a client; every other event belongs to a VD. */
static bool is_client_event(enum vvmp_event type)
{
	return type == VVMP_EVENT_CLIENT_EXISTS || type == VVMP_EVENT_CLIENT_CREATED ||
	       type == VVMP_EVENT_CLIENT_DELETED || type == VVMP_EVENT_CLIENT_CHANGED;
}

static const char *event_object(const struct vaapi_event *ev, char *kind)
{
	if (is_client_event(ev->type)) {
		*kind = 'c';
		return VAAPI_HAS(ev, VVMP_A_CLIENT_NAME) ? ev->client : NULL;
	}
	*kind = 'v';
	return VAAPI_HAS(ev, VVMP_A_VD_NAME) ? ev->vd : NULL;
}

static unsigned int hash(char kind, const char *name)
{
	unsigned int h = (unsigned char)kind;

	while (*name)
		h = h * 31 + (unsigned char)*name++;
	return h % FILTER_BUCKETS;
}

static struct filter_object *lookup(struct vaapi_event_filter *f, char kind, const char *name)
{
	struct filter_object *o;

	for (o = f->buckets[hash(kind, name)]; o; o = o->next)
		if (o->kind == kind && !strcmp(o->name, name))
			return o;
	return NULL;
}

struct vaapi_event_filter *vaapi_event_filter_new(void)
{
	return calloc(1, sizeof(struct vaapi_event_filter));
}

void vaapi_event_filter_reset(struct vaapi_event_filter *f)
{
	struct filter_object *o, *next;
	unsigned int i;

	for (i = 0; i < FILTER_BUCKETS; i++) {
		for (o = f->buckets[i]; o; o = next) {
			next = o->next;
			free(o);
		}
		f->buckets[i] = NULL;
	}
	f->has_snapshot = false;
	f->snapshot_seq = 0;
}

int vaapi_event_filter_snapshot(struct vaapi_event_filter *f, const struct vaapi_event *ev)
{
	struct filter_object *o;
	const char *name;
	char kind;

	if (VAAPI_HAS(ev, VVMP_A_SNAPSHOT_SEQ)) {
		f->has_snapshot = true;
		f->snapshot_seq = ev->snapshot_seq;
	}
	if (!VAAPI_HAS(ev, VVMP_A_EVENT) || !VAAPI_HAS(ev, VVMP_A_EVENT_SEQ))
		return 0;
	name = event_object(ev, &kind);
	if (!name)
		return -EPROTO;
	o = lookup(f, kind, name);
	if (!o) {
		unsigned int b = hash(kind, name);

		o = calloc(1, sizeof(*o));
		if (!o)
			return -ENOMEM;
		o->kind = kind;
		strcpy(o->name, name);
		o->next = f->buckets[b];
		f->buckets[b] = o;
	}
	/* A VD's several records (VD_EXISTS, POLICY...): its latest change counts. */
	if (ev->seq > o->seq)
		o->seq = ev->seq;
	return 0;
}

bool vaapi_event_filter_accept(struct vaapi_event_filter *f, const struct vaapi_event *ev)
{
	struct filter_object *o = NULL;
	const char *name;
	uint64_t seen;
	char kind;

	if (!f->has_snapshot || !VAAPI_HAS(ev, VVMP_A_EVENT_SEQ))
		return true;
	name = event_object(ev, &kind);
	if (name)
		o = lookup(f, kind, name);
	seen = o ? o->seq : f->snapshot_seq;
	if (ev->seq <= seen)
		return false;
	if (o)
		o->seq = ev->seq;
	return true;
}

void vaapi_event_filter_free(struct vaapi_event_filter *f)
{
	if (!f)
		return;
	vaapi_event_filter_reset(f);
	free(f);
}

/* ---- the listener ----------------------------------------------------- */

struct vaapi_events {
	struct vaapi *h;
	struct nl_sock *sk;		/* the multicast socket */
	struct nl_cb *cb;
	int group;
	bool subscribed;
	struct vaapi_event_filter *filter;
	struct vaapi_event *ev;		/* scratch: one decoded event */
	vaapi_event_cb user_cb;
	void *user_arg;
	int stop;			/* user callback's non-zero return */
	int err;
};

/* Multicast events are not replies to a request of ours. */
static int any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct vaapi_events *vaapi_events_open(struct vaapi *h)
{
	struct vaapi_events *ev = calloc(1, sizeof(*ev));
	int err = -ENOMEM;

	if (!ev)
		goto fail;
	ev->h = h;
	ev->sk = nl_socket_alloc();
	ev->cb = nl_cb_alloc(NL_CB_DEFAULT);
	ev->filter = vaapi_event_filter_new();
	ev->ev = calloc(1, sizeof(*ev->ev));
	if (!ev->sk || !ev->cb || !ev->filter || !ev->ev)
		goto fail;
	/*
	 * Multicast messages carry sequence number 0, not one of ours: no
	 * sequence check, neither the socket's default callbacks' nor those
	 * of ev->cb, which vaapi_events_read() hands to nl_recvmsgs() (the
	 * default check there failed every event with NLE_SEQ_MISMATCH).
	 */
	nl_socket_disable_seq_check(ev->sk);
	nl_cb_set(ev->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	err = genl_connect(ev->sk);
	if (err < 0) {
		err = vaapi_nlerr_to_errno(err);
		vaapi_set_error(h, "cannot open the events socket");
		goto fail;
	}
	/* A large queue makes a loss (and a new snapshot) rare. */
	nl_socket_set_buffer_size(ev->sk, 4 << 20, 0);
	ev->group = genl_ctrl_resolve_grp(h->sk, VVMP_GENL_NAME, VVMP_MCGRP_EVENTS);
	if (ev->group < 0) {
		err = vaapi_nlerr_to_errno(ev->group);
		vaapi_set_error(h, "multicast group \"%s\" of family \"%s\" not found",
				VVMP_MCGRP_EVENTS, VVMP_GENL_NAME);
		goto fail;
	}
	return ev;
fail:
	vaapi_events_close(ev);
	errno = -err;
	return NULL;
}

void vaapi_events_close(struct vaapi_events *ev)
{
	if (!ev)
		return;
	nl_cb_put(ev->cb);
	nl_socket_free(ev->sk);
	vaapi_event_filter_free(ev->filter);
	free(ev->ev);
	free(ev);
}

int vaapi_events_fd(const struct vaapi_events *ev)
{
	return nl_socket_get_fd(ev->sk);
}

int vaapi_events_subscribe(struct vaapi_events *ev)
{
	int err;

	if (ev->subscribed)
		return 0;
	err = nl_socket_add_membership(ev->sk, ev->group);
	if (err < 0) {
		vaapi_set_error(ev->h, "cannot join multicast group \"%s\"", VVMP_MCGRP_EVENTS);
		return vaapi_nlerr_to_errno(err);
	}
	ev->subscribed = true;
	return 0;
}

static int decode_event(const struct nlmsghdr *nlh, struct vaapi_event *out)
{
	int err = vaapi_dec_event(nlh, out);

	if (!err && VAAPI_HAS(out, VVMP_A_DEVICE))
		vaapi_device_resolve_name(&out->device);
	return err;
}

static int parse_snapshot(const struct nlmsghdr *nlh, void *arg)
{
	struct vaapi_events *ev = arg;
	int err = decode_event(nlh, ev->ev);

	if (!err)
		err = vaapi_event_filter_snapshot(ev->filter, ev->ev);
	if (err)
		return err;
	/* A record with only SNAPSHOT_SEQ opens the dump; nothing to show. */
	if (!VAAPI_HAS(ev->ev, VVMP_A_EVENT))
		return 0;
	return ev->user_cb ? ev->user_cb(ev->ev, true, ev->user_arg) : 0;
}

int vaapi_events_snapshot(struct vaapi_events *ev, vaapi_event_cb cb, void *arg)
{
	struct nl_msg *msg = vaapi_request(ev->h, VVMP_CMD_STATE_GET, NLM_F_DUMP);

	vaapi_event_filter_reset(ev->filter);
	ev->user_cb = cb;
	ev->user_arg = arg;
	return vaapi_send(ev->h, msg, 0, parse_snapshot, ev);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct vaapi_events *ev = arg;
	struct genlmsghdr *g = genlmsg_hdr(nlmsg_hdr(msg));
	int ret;

	if (ev->stop || ev->err || g->cmd != VVMP_CMD_EVENT)
		return NL_OK;
	if (decode_event(nlmsg_hdr(msg), ev->ev) < 0 || !VAAPI_HAS(ev->ev, VVMP_A_EVENT)) {
		vaapi_set_error(ev->h, "malformed event from the kernel");
		ev->err = -EPROTO;
		return NL_STOP;
	}
	if (ev->ev->lost) {
		vaapi_set_error(ev->h, "events were lost: take a new snapshot");
		ev->err = -ESTALE;
		return NL_STOP;
	}
	if (!vaapi_event_filter_accept(ev->filter, ev->ev))
		return NL_OK;
	ret = ev->user_cb ? ev->user_cb(ev->ev, false, ev->user_arg) : 0;
	if (ret)
		ev->stop = ret;
	return NL_OK;
}

int vaapi_events_read(struct vaapi_events *ev, vaapi_event_cb cb, void *arg)
{
	int ret;

	ev->user_cb = cb;
	ev->user_arg = arg;
	ev->stop = 0;
	ev->err = 0;
	nl_cb_set(ev->cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, ev);
	ret = nl_recvmsgs(ev->sk, ev->cb);
	if (ev->err)
		return ev->err;
	if (ev->stop)
		return ev->stop;
	if (ret < 0) {
		ret = vaapi_nlerr_to_errno(ret);
		/* The socket queue overflowed (ENOBUFS): events were dropped. */
		if (ret == -ENOMEM) {
			vaapi_set_error(ev->h, "events were lost (socket queue overflow)");
			return -ESTALE;
		}
		vaapi_set_error(ev->h, "receiving events failed");
		return ret;
	}
	return 0;
}

int vaapi_events_run(struct vaapi_events *ev, vaapi_event_cb cb, void *arg)
{
	int err = vaapi_events_subscribe(ev);

	while (!err) {
		err = vaapi_events_snapshot(ev, cb, arg);
		while (!err)
			err = vaapi_events_read(ev, cb, arg);
		if (err == -ESTALE) {
			/* Tell the caller, then start over with a new snapshot. */
			memset(ev->ev, 0, sizeof(*ev->ev));
			ev->ev->lost = true;
			ev->ev->present = 1ULL << VVMP_A_EVENTS_LOST;
			err = cb ? cb(ev->ev, false, arg) : 0;
		}
	}
	return err;
}
