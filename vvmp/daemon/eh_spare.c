// SPDX-License-Identifier: GPL-2.0
/* The choice of a hot spare for a failed member (rules in eh_spare.h). */
#include "daemon/eh_spare.h"

static bool holds_member(const struct eh_spare_need *need, uint32_t unit_id)
{
	for (size_t i = 0; i < need->nr_member_units; i++)
		if (need->member_units[i] == unit_id)
			return true;
	return false;
}

/* Whether @a is a better choice than @b (both eligible). */
static bool better(const struct eh_spare_candidate *a, const struct eh_spare_candidate *b,
		   uint32_t failed_unit)
{
	bool a_away = !failed_unit || a->unit_id != failed_unit;
	bool b_away = !failed_unit || b->unit_id != failed_unit;

	if (a_away != b_away)
		return a_away;
	if (a->length_lba != b->length_lba)
		return a->length_lba < b->length_lba;
	return a->volume_id < b->volume_id;
}

int eh_spare_pick(const struct eh_spare_candidate *c, size_t n,
		  const struct eh_spare_need *need)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (c[i].domain_id != need->domain_id || !c[i].unit_up ||
		    c[i].length_lba < need->length_lba || holds_member(need, c[i].unit_id))
			continue;
		if (best < 0 || better(&c[i], &c[best], need->failed_unit))
			best = (int)i;
	}
	return best;
}
