// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78, initial
 * value and final xor 0xFFFFFFFF): the VVMP frame checksum. Chosen over the
 * IEEE CRC-32 for its better error detection on short frames; check value
 * of "123456789" is 0xE3069283.
 */
#include <vvmp/proto.h>

static uint32_t crc32c_table[256];
static int crc32c_ready;

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc32c_table[i] = c;
	}
	/* Benign if two threads race here: both write the same table. */
	__atomic_store_n(&crc32c_ready, 1, __ATOMIC_RELEASE);
}

uint32_t vvmp_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!__atomic_load_n(&crc32c_ready, __ATOMIC_ACQUIRE))
		crc32c_init();
	crc = ~crc;
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
