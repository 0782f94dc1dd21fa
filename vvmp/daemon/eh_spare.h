/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which hot spare a failed VD member is rebuilt onto (eh_spare.c): pure, no
 * repository or kernel, tested alone (tests/host/alloc/test_spare.c).
 */
#ifndef VVMPD_EH_SPARE_H
#define VVMPD_EH_SPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A spare as the picker sees it. */
struct eh_spare_candidate {
	uint32_t volume_id;
	uint32_t unit_id;
	uint32_t domain_id;
	bool unit_up;
	uint64_t length_lba;
};

/* The member to rebuild. */
struct eh_spare_need {
	uint32_t domain_id;		/* the VD's storage domain */
	uint64_t length_lba;		/* the member's sectors */
	uint32_t failed_unit;		/* the unit it was on (0: unknown) */
	const uint32_t *member_units;	/* units holding the VD's other members */
	size_t nr_member_units;
};

/*
 * eh_spare_pick() - the index in @c of the spare to rebuild @need onto, or
 * -1 if none fits. Eligible: same domain, unit up, at least the member's
 * length, and not on a unit holding another member of the VD (a unit
 * failure must still cost at most one member). Among those, a unit other
 * than the failed member's first, then the smallest that fits (the larger
 * spares stay for larger members), then the lowest volume id.
 */
int eh_spare_pick(const struct eh_spare_candidate *c, size_t n,
		  const struct eh_spare_need *need);

#endif
