// SPDX-License-Identifier: GPL-2.0
/*
 * Per-domain authentication of received frames. Refusals are logged with
 * the peer and the reason; the caller answers with an unsigned error reply
 * and changes nothing.
 */
#include "daemon/vvmpd_internal.h"

const struct vvmpd_domain *vvmpd_domain(struct vvmpd *d, uint32_t domain_id)
{
	for (int i = 0; i < d->ndomains; i++)
		if (d->domains[i].id == domain_id)
			return &d->domains[i];
	return NULL;
}

uint16_t vvmpd_check_auth(struct vvmpd *d, const uint8_t *frame, size_t len,
			  uint32_t domain_id, const char *who)
{
	const struct vvmpd_domain *dom = vvmpd_domain(d, domain_id);
	unsigned int opcode = (unsigned int)(frame[4] << 8 | frame[5]);

	if (!dom) {
		vvmpd_log("refused %s from %s: domain %u is not configured here",
			  vvmp_opcode_str(opcode), who, domain_id);
		return VVMP_S_OUT_OF_DOMAIN;
	}
	if (vvmp_auth_verify(frame, len, &dom->key)) {
		vvmpd_log("refused %s from %s: authentication failed for domain %u (%s)",
			  vvmp_opcode_str(opcode), who, domain_id,
			  (frame[3] & VVMP_F_AUTH) ? (dom->key.len ? "wrong MAC" : "MAC where none is expected")
						   : "no MAC");
		return VVMP_S_AUTH_FAILED;
	}
	return VVMP_S_OK;
}
