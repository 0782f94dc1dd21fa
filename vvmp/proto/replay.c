// SPDX-License-Identifier: GPL-2.0
/*
 * Replay protection of authenticated frames (Documentation/vvmp-protocol.rst
 * section 3.5): associations numbered per sender and checked against a
 * sliding window, as IPsec ESP does (RFC 4303 3.4.3), and openings checked
 * against the receiver's clock and a cache of the openings it accepted, as
 * Kerberos does with authenticators (RFC 4120 3.2.3). The MAC is always
 * verified first, so a forged frame can never move a window or fill the
 * cache.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#include <vvmp/proto.h>
#include "proto/codec_internal.h"

uint64_t vvmp_clock_us(void)
{
	static _Atomic uint64_t last;
	struct timespec ts;
	uint64_t now, prev;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	prev = atomic_load(&last);
	do {
		/* Strictly increasing: the clock may stand still or step back. */
		if (now <= prev)
			now = prev + 1;
	} while (!atomic_compare_exchange_weak(&last, &prev, now));
	return now;
}

int vvmp_replay_window_accept(struct vvmp_replay_window *w, uint64_t seq)
{
	uint64_t diff;

	if (seq == 0)
		return VVMP_E_REPLAY;		/* 0 marks an opening, never a member */
	if (seq > w->top) {
		diff = seq - w->top;
		w->seen = diff >= VVMP_REPLAY_WINDOW ? 1 : (w->seen << diff) | 1;
		w->top = seq;
		return 0;
	}
	diff = w->top - seq;
	if (diff >= VVMP_REPLAY_WINDOW || (w->seen >> diff & 1))
		return VVMP_E_REPLAY;
	w->seen |= 1ull << diff;
	return 0;
}

int vvmp_assoc_new(struct vvmp_assoc *a)
{
	memset(a, 0, sizeof(*a));
	while (!a->id)
		if (RAND_bytes((unsigned char *)&a->id, sizeof(a->id)) != 1)
			return VVMP_E_AUTH;
	return 0;
}

void vvmp_assoc_adopt(struct vvmp_assoc *a, uint64_t id)
{
	if (a->id == id)
		return;			/* the same opening again: keep the counters */
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->established = true;
}

int vvmp_assoc_sign(struct vvmp_assoc *a, bool opening, struct vvmp_auth *auth)
{
	auth->association = a->id;
	auth->timestamp_us = vvmp_clock_us();
	if (opening) {
		auth->sequence = 0;
		return 0;
	}
	/* Never wrap: sequence 1 again would look like an old frame's. */
	if (a->tx_seq == UINT64_MAX)
		return VVMP_E_REPLAY;
	auth->sequence = ++a->tx_seq;
	return 0;
}

static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return VVMP_E_REPLAY;
}

int vvmp_auth_check(const uint8_t *frame, size_t len, const struct vvmp_key *key,
		    struct vvmp_assoc *a, const char **why)
{
	struct vvmp_auth auth;
	uint64_t top;
	int err = vvmp_auth_verify(frame, len, key);

	if (err || !key || !key->len)
		return err;
	vvmp_auth_peek(frame, len, &auth);
	if (!a || !a->id)
		return refuse(why, "no association with the sender");
	if (auth.association != a->id)
		return refuse(why, "not the current association");
	if (auth.sequence == 0)
		return refuse(why, "an opening inside an open association");
	top = a->rx.top;
	if (vvmp_replay_window_accept(&a->rx, auth.sequence))
		return refuse(why, auth.sequence <= top && top - auth.sequence >= VVMP_REPLAY_WINDOW ?
			      "sequence number below the window" :
			      "sequence number already accepted");
	a->established = true;
	return 0;
}

void vvmp_opening_cache_init(struct vvmp_opening_cache *c, uint64_t start_us,
			     uint64_t skew_us)
{
	memset(c, 0, sizeof(*c));
	c->floor_us = start_us;
	c->skew_us = skew_us;
}

/* Forget openings too old to pass the clock check anyway. */
static void opening_cache_expire(struct vvmp_opening_cache *c, uint64_t now_us)
{
	for (size_t i = 0; i < c->count;) {
		if (now_us > c->skew_us && c->seen[i].timestamp_us < now_us - c->skew_us)
			c->seen[i] = c->seen[--c->count];
		else
			i++;
	}
}

int vvmp_opening_check(struct vvmp_opening_cache *c, const uint8_t *frame, size_t len,
		       const struct vvmp_key *key, uint64_t now_us, const char **why)
{
	struct vvmp_opening_seen *e;
	struct vvmp_auth auth;
	int err = vvmp_auth_verify(frame, len, key);

	if (err || !key || !key->len)
		return err;
	vvmp_auth_peek(frame, len, &auth);
	if (auth.sequence != 0)
		return refuse(why, "not an opening (sequence is not 0)");
	if (auth.association == 0)
		return refuse(why, "association id 0");
	if (now_us > c->skew_us && auth.timestamp_us < now_us - c->skew_us)
		return refuse(why, "opening older than the clock skew allows");
	if (auth.timestamp_us > now_us && auth.timestamp_us - now_us > c->skew_us)
		return refuse(why, "opening ahead of this clock by more than the skew");
	if (auth.timestamp_us <= c->floor_us)
		return refuse(why, "opening signed before this receiver started (or before what it remembers)");
	opening_cache_expire(c, now_us);
	for (size_t i = 0; i < c->count; i++)
		if (c->seen[i].timestamp_us == auth.timestamp_us &&
		    !memcmp(c->seen[i].mac, frame + len - VVMP_MAC_LEN, sizeof(c->seen[i].mac)))
			return refuse(why, "opening already accepted");
	if (c->count == VVMP_OPENING_CACHE) {
		/* Full: forget the oldest, and everything up to it with it. */
		size_t oldest = 0;

		for (size_t i = 1; i < c->count; i++)
			if (c->seen[i].timestamp_us < c->seen[oldest].timestamp_us)
				oldest = i;
		c->floor_us = c->seen[oldest].timestamp_us;
		c->seen[oldest] = c->seen[--c->count];
		if (auth.timestamp_us <= c->floor_us)
			return refuse(why, "opening signed before this receiver started (or before what it remembers)");
	}
	e = &c->seen[c->count++];
	e->timestamp_us = auth.timestamp_us;
	memcpy(e->mac, frame + len - VVMP_MAC_LEN, sizeof(e->mac));
	return 0;
}
