// SPDX-License-Identifier: GPL-2.0
/* QUERY answers from the repository: the SAN summary and device lists. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/vvmpd_internal.h"

void vvmpd_query_san(struct vvmpd *d, struct vvmp_query_san_rep *rep)
{
	struct vvmp_repo_unit *units = NULL;
	struct vvmp_repo_volume *vols = NULL;
	struct vvmp_repo_segment *segs = NULL;
	size_t nu = 0, nv = 0, ns = 0;

	memset(rep, 0, sizeof(*rep));
	rep->san_id = d->cfg.san_id;
	rep->sessions = (uint32_t)d->nsessions;
	if (vvmp_repo_unit_list(d->repo, &units, &nu) ||
	    vvmp_repo_volume_list(d->repo, 0, &vols, &nv) ||
	    vvmp_repo_segment_list(d->repo, 0, &segs, &ns))
		goto out;
	for (size_t i = 0; i < nu; i++)
		rep->units_up += units[i].state == VVMP_UNIT_UP;
	rep->volumes = (uint32_t)nv;
	for (size_t i = 0; i < nv; i++) {
		bool up = false;

		for (size_t k = 0; k < nu; k++)
			if (units[k].id == vols[i].unit_id)
				up = units[k].state == VVMP_UNIT_UP;
		rep->total_kb += vols[i].length_lba / 2;
		if (up)
			rep->free_kb += vvmpd_volume_free_lba(&vols[i], segs, ns) / 2;
	}
out:
	free(units);
	free(vols);
	free(segs);
}

/* Every volume (session_id 0), or those holding the session's allocations. */
void vvmpd_query_devices(struct vvmpd *d, uint32_t session_id, struct vvmp_query_dev_rep *rep)
{
	struct vvmp_repo_unit *units = NULL;
	struct vvmp_repo_volume *vols = NULL;
	struct vvmp_repo_segment *segs = NULL;
	uint32_t *mine = NULL;
	size_t nu = 0, nv = 0, ns = 0, nm = 0;

	memset(rep, 0, offsetof(struct vvmp_query_dev_rep, devices));
	if (vvmp_repo_unit_list(d->repo, &units, &nu) ||
	    vvmp_repo_volume_list(d->repo, 0, &vols, &nv) ||
	    vvmp_repo_segment_list(d->repo, 0, &segs, &ns) ||
	    (session_id && vvmp_repo_session_vds(d->repo, session_id, &mine, &nm)))
		goto out;
	for (size_t i = 0; i < nv && rep->count < VVMP_MAX_DEVICES; i++) {
		struct vvmp_device *dev = &rep->devices[rep->count];
		const struct vvmp_repo_unit *u = NULL;
		uint64_t free_lba = vvmpd_volume_free_lba(&vols[i], segs, ns);
		bool held = !session_id;

		for (size_t k = 0; k < ns && !held; k++)
			for (size_t m = 0; m < nm && !held; m++)
				held = segs[k].volume_id == vols[i].id && segs[k].vd_id == mine[m];
		if (!held)
			continue;
		for (size_t k = 0; k < nu; k++)
			if (units[k].id == vols[i].unit_id)
				u = &units[k];
		if (!u)
			continue;
		memset(dev, 0, sizeof(*dev));
		dev->san_id = d->cfg.san_id;
		dev->unit_id = u->id;
		dev->volume_id = vols[i].unit_volume_id;
		dev->storage_type = u->storage_type;
		dev->transport = vols[i].transport;
		dev->state = u->state != VVMP_UNIT_UP ? VVMP_DEV_UNIT_DOWN :
			     free_lba == vols[i].length_lba ? VVMP_DEV_FREE :
			     free_lba ? VVMP_DEV_PARTLY_USED : VVMP_DEV_FULL;
		dev->bandwidth_kb = u->bandwidth_kb;
		dev->load_pct = u->load_pct;
		dev->start_lba = vols[i].start_lba;
		dev->length_lba = vols[i].length_lba;
		vvmp_set_text(dev->address, sizeof(dev->address), vols[i].address);
		rep->count++;
	}
out:
	free(units);
	free(vols);
	free(segs);
	free(mine);
}
