// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256 trailer of a frame (per storage domain key), from libcrypto,
 * and the auth extension before it. The MAC covers the header (checksum
 * included), the payload and the extension, i.e. every byte before it.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vvmp/proto.h>
#include "proto/codec_internal.h"

int vvmp_mac_compute(const struct vvmp_key *key, const uint8_t *data,
		     size_t len, uint8_t mac[VVMP_MAC_LEN])
{
	unsigned int mac_len = 0;

	if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, data, len, mac, &mac_len) ||
	    mac_len != VVMP_MAC_LEN)
		return VVMP_E_AUTH;
	return 0;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void vvmp_auth_ext_read(const uint8_t *p, struct vvmp_auth *a)
{
	a->association = get64(p);
	a->sequence = get64(p + 8);
	a->timestamp_us = get64(p + 16);
}

void vvmp_auth_ext_write(uint8_t *p, const struct vvmp_auth *a)
{
	put64(p, a->association);
	put64(p + 8, a->sequence);
	put64(p + 16, a->timestamp_us);
}

/* Whole signed frame: header sound, length exact, AUTH set. */
static bool signed_frame(const uint8_t *frame, size_t len)
{
	long flen = vvmp_frame_len(frame, len);

	return flen >= 0 && (size_t)flen == len && (frame[3] & VVMP_F_AUTH);
}

int vvmp_auth_peek(const uint8_t *frame, size_t len, struct vvmp_auth *auth)
{
	if (!signed_frame(frame, len))
		return VVMP_E_AUTH;
	vvmp_auth_ext_read(frame + len - VVMP_AUTH_LEN, auth);
	return 0;
}

int vvmp_auth_resign(uint8_t *frame, size_t len, const struct vvmp_key *key,
		     const struct vvmp_auth *auth)
{
	if (!key || !key->len || !signed_frame(frame, len))
		return VVMP_E_AUTH;
	vvmp_auth_ext_write(frame + len - VVMP_AUTH_LEN, auth);
	return vvmp_mac_compute(key, frame, len - VVMP_MAC_LEN, frame + len - VVMP_MAC_LEN);
}

int vvmp_auth_verify(const uint8_t *frame, size_t len, const struct vvmp_key *key)
{
	uint8_t mac[VVMP_MAC_LEN];
	long flen = vvmp_frame_len(frame, len);
	int authed;

	if (flen < 0 || (size_t)flen != len)
		return VVMP_E_AUTH;
	authed = frame[3] & VVMP_F_AUTH;
	if (!key || key->len == 0)
		return authed ? VVMP_E_AUTH : 0;
	if (!authed)
		return VVMP_E_AUTH;
	if (vvmp_mac_compute(key, frame, len - VVMP_MAC_LEN, mac))
		return VVMP_E_AUTH;
	/* Constant time: a timing side channel must not reveal the MAC. */
	if (CRYPTO_memcmp(mac, frame + len - VVMP_MAC_LEN, VVMP_MAC_LEN))
		return VVMP_E_AUTH;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vvmp_key_from_hex(const char *hex, struct vvmp_key *key)
{
	size_t n = strlen(hex);

	if (n < 2 || n % 2 || n / 2 > VVMP_MAX_KEY_LEN)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	key->len = n / 2;
	return 0;
}
