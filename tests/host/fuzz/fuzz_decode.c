// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the VVMP decoder. Properties checked on every input:
 * no crash or sanitizer report; a frame that decodes re-encodes to the very
 * same bytes (the format has exactly one encoding per message); the MAC
 * check never accepts a frame for a key it was not made with.
 */
#include <stdlib.h>
#include <string.h>

#include <vvmp/proto.h>

static struct vvmp_msg msg, again;
static uint8_t out[VVMP_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vvmp_key key = { .bytes = { 1, 2, 3, 4 }, .len = 4 };
	long flen = vvmp_frame_len(data, size);
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
	if (data[3] & VVMP_F_AUTH)
		return 0;	/* re-encoding would need the sender's key */
	n = vvmp_encode(&msg, NULL, out, sizeof(out));
	if (n < 0 || (size_t)n != size || memcmp(out, data, size))
		abort();
	if (vvmp_decode(out, (size_t)n, &again) ||
	    memcmp(&again.body, &msg.body, sizeof(msg.body)))
		abort();
	return 0;
}
