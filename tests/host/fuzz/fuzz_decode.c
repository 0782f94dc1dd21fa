// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the VVMP decoder and the replay checks. Properties
 * checked on every input: no crash or sanitizer report; a frame that
 * decodes re-encodes to the very same bytes (the format has exactly one
 * encoding per message; a signed one up to the MAC, which needs the
 * sender's key); the MAC check never accepts a frame for a key it was not
 * made with; a signed frame is accepted at most once by a replay window
 * and by the opening cache, whatever its association, sequence and
 * timestamp.
 */
#include <stdlib.h>
#include <string.h>

#include <vvmp/proto.h>

static struct vvmp_msg msg, again;
static uint8_t out[VVMP_MAX_FRAME];
static struct vvmp_opening_cache openings;

/* @out: @msg re-signed with @key. Fresh at most once, in either role. */
static void check_replay(const struct vvmp_key *key, size_t n)
{
	struct vvmp_assoc a = { 0 };
	uint64_t ts = msg.auth.timestamp_us;

	if (vvmp_is_opening(&msg)) {
		vvmp_opening_cache_init(&openings, ts ? ts - 1 : 0, VVMP_OPENING_SKEW_US);
		if (vvmp_opening_check(&openings, out, n, key, ts, NULL) !=
		    (ts && msg.auth.association ? 0 : VVMP_E_REPLAY))
			abort();
		if (vvmp_opening_check(&openings, out, n, key, ts, NULL) != VVMP_E_REPLAY)
			abort();
		return;
	}
	vvmp_assoc_adopt(&a, msg.auth.association);
	if (!msg.auth.association) {
		/* No association is ever 0: nothing matches it. */
		if (vvmp_auth_check(out, n, key, &a, NULL) != VVMP_E_REPLAY)
			abort();
		return;
	}
	if (vvmp_auth_check(out, n, key, &a, NULL) != 0 ||
	    vvmp_auth_check(out, n, key, &a, NULL) != VVMP_E_REPLAY || a.rx.top != msg.auth.sequence)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vvmp_key key = { .bytes = { 1, 2, 3, 4 }, .len = 4 };
	long flen = vvmp_frame_len(data, size);
	bool authed = size > 3 && (data[3] & VVMP_F_AUTH);
	long n;
	int err;

	err = vvmp_decode(data, size, &msg);
	if (flen >= 0 && (size_t)flen == size)
		(void)vvmp_auth_verify(data, size, &key);
	if (err)
		return 0;
	/* Decoded: the header must have been sound. */
	if (flen < 0 || (size_t)flen != size)
		abort();
	n = vvmp_encode(&msg, authed ? &key : NULL, out, sizeof(out));
	if (n < 0 || (size_t)n != size ||
	    memcmp(out, data, size - (authed ? VVMP_MAC_LEN : 0)))
		abort();
	if (vvmp_decode(out, (size_t)n, &again) ||
	    memcmp(&again.body, &msg.body, sizeof(msg.body)) ||
	    memcmp(&again.auth, &msg.auth, sizeof(msg.auth)))
		abort();
	if (authed)
		check_replay(&key, (size_t)n);
	return 0;
}
