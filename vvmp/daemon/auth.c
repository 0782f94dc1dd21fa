// SPDX-License-Identifier: GPL-2.0
/*
 * Per-domain authentication of received frames: the domain, the MAC, then
 * freshness (Documentation/vvmp-protocol.rst section 3.5): an opening
 * against the clock and the openings already accepted, any other frame
 * against the window of the association it names. Refusals are logged with
 * the peer and the reason; the caller answers with an unsigned error reply
 * and changes nothing.
 */
#include <inttypes.h>

#include "daemon/vvmpd_internal.h"

const struct vvmpd_domain *vvmpd_domain(struct vvmpd *d, uint32_t domain_id)
{
	for (int i = 0; i < d->ndomains; i++)
		if (d->domains[i].id == domain_id)
			return &d->domains[i];
	return NULL;
}

void vvmpd_auth_init(struct vvmpd *d)
{
	pthread_mutex_init(&d->openings_lock, NULL);
	/* Nothing signed before this start can be told apart from a replay. */
	vvmp_opening_cache_init(&d->openings, vvmp_clock_us(), VVMP_OPENING_SKEW_US);
}

uint16_t vvmpd_check_auth(struct vvmpd *d, const uint8_t *frame, size_t len,
			  const struct vvmp_msg *m, struct vvmp_assoc *assoc, bool may_open,
			  const char *who)
{
	const struct vvmpd_domain *dom = vvmpd_domain(d, m->hdr.domain_id);
	const char *op = vvmp_opcode_str(m->hdr.opcode), *why = NULL;
	uint32_t domain_id = m->hdr.domain_id;
	int err;

	if (!dom) {
		vvmpd_log("refused %s from %s: domain %u is not configured here", op, who, domain_id);
		return VVMP_S_OUT_OF_DOMAIN;
	}
	if (vvmp_auth_verify(frame, len, &dom->key)) {
		vvmpd_log("refused %s from %s: authentication failed for domain %u (%s)", op, who,
			  domain_id, (frame[3] & VVMP_F_AUTH) ?
			  (dom->key.len ? "wrong MAC" : "MAC where none is expected") : "no MAC");
		return VVMP_S_AUTH_FAILED;
	}
	if (!dom->key.len)
		return VVMP_S_OK;	/* no key, no MAC: nothing to be fresh */
	if (vvmp_is_opening(m) && !may_open) {
		why = "this frame may not open an association";
		err = VVMP_E_REPLAY;
	} else if (vvmp_is_opening(m)) {
		pthread_mutex_lock(&d->openings_lock);
		err = vvmp_opening_check(&d->openings, frame, len, &dom->key, vvmp_clock_us(), &why);
		pthread_mutex_unlock(&d->openings_lock);
		if (!err && assoc)
			vvmp_assoc_adopt(assoc, m->auth.association);
	} else {
		err = vvmp_auth_check(frame, len, &dom->key, assoc, &why);
	}
	if (err) {
		vvmpd_log("refused %s from %s: replayed or stale frame in domain %u: %s "
			  "(association %016" PRIx64 ", sequence %" PRIu64 ")", op, who, domain_id,
			  why ? why : vvmp_err_str(err), m->auth.association, m->auth.sequence);
		return err == VVMP_E_REPLAY ? VVMP_S_REPLAYED : VVMP_S_AUTH_FAILED;
	}
	return VVMP_S_OK;
}

int vvmpd_sign(struct vvmpd *d, struct vvmp_msg *m, struct vvmp_assoc *assoc,
	       const struct vvmp_key **key)
{
	const struct vvmpd_domain *dom = assoc ? vvmpd_domain(d, m->hdr.domain_id) : NULL;

	*key = NULL;
	if (!dom || !dom->key.len)
		return 0;
	*key = &dom->key;
	return vvmp_assoc_sign(assoc, false, &m->auth);
}
