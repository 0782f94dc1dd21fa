// SPDX-License-Identifier: GPL-2.0
/* vvmpctl: printers of libvaapi structs, shared by the objects. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vvmpctl.h"

/* new_encode_dev() back to "major:minor". */
void print_dev(struct ctl *ctl, const char *key, uint32_t dev)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u", (dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00));
	out_str(ctl, key, buf);
}

static void enum_str(struct ctl *ctl, const char *key, const char *name, unsigned int v)
{
	char buf[16];

	if (name) {
		out_str(ctl, key, name);
	} else {
		snprintf(buf, sizeof(buf), "%u", v);
		out_str(ctl, key, buf);
	}
}

void print_cos_fields(struct ctl *ctl, const struct vaapi_cos *cos)
{
	if (cos->present & VAAPI_COS_IOPS)
		out_u64(ctl, "iops", cos->iops);
	if (cos->present & VAAPI_COS_BPS)
		out_u64(ctl, "bps", cos->bps);
	if (cos->present & VAAPI_COS_PRIORITY)
		out_u64(ctl, "prio", cos->priority);
}

static void print_device(struct ctl *ctl, const struct vaapi_device *d)
{
	out_str(ctl, "device", d->name);
	if (d->has_dev)
		print_dev(ctl, "dev", d->dev);
	if (d->client[0])
		out_str(ctl, "client", d->client);
	if (d->has_size)
		out_u64(ctl, "size", d->size);
}

void print_vd_info(struct ctl *ctl, const struct vaapi_vd_info *info)
{
	unsigned int i;

	out_obj_begin(ctl);
	out_str(ctl, "vd", info->name);
	if (VAAPI_HAS(info, VVMP_A_VD_SIZE))
		out_u64(ctl, "size", info->size);
	if (VAAPI_HAS(info, VVMP_A_GENERATION))
		out_u64(ctl, "generation", info->generation);
	if (VAAPI_HAS(info, VVMP_A_ACL))
		enum_str(ctl, "acl", vaapi_acl_name(info->acl), info->acl);
	if (VAAPI_HAS(info, VVMP_A_STATUS))
		enum_str(ctl, "status", vaapi_status_name(info->status), info->status);
	if (VAAPI_HAS(info, VVMP_A_COS))
		print_cos_fields(ctl, &info->cos);
	if (VAAPI_HAS(info, VVMP_A_NR_DEVICES))
		out_u64(ctl, "nr_devices", info->nr_devices);
	if (VAAPI_HAS(info, VVMP_A_REGION_SECTORS))
		out_u64(ctl, "region_sectors", info->region_sectors);
	if (VAAPI_HAS(info, VVMP_A_RESYNC_RATE))
		out_u64(ctl, "resync_rate", info->resync_rate);
	/* The words of `dmsetup status`; DEACTIVATED is sent only while set. */
	out_str(ctl, "io", info->deactivated ? "deactivated" : "active");
	if (VAAPI_HAS(info, VVMP_A_EXC_TIMEOUT_MS))
		out_u64(ctl, "exc_timeout_ms", info->exc_timeout_ms);
	if (VAAPI_HAS(info, VVMP_A_EXC_ON_TIMEOUT))
		enum_str(ctl, "exc_on_timeout", vaapi_exc_on_timeout_name(info->exc_on_timeout),
			 info->exc_on_timeout);
	if (info->nr_device_records) {
		out_list_begin(ctl, "devices");
		for (i = 0; i < info->nr_device_records; i++) {
			out_obj_begin(ctl);
			print_device(ctl, &info->devices[i]);
			out_obj_end(ctl);
		}
		out_list_end(ctl);
	}
	out_obj_end(ctl);
}

void print_exception(struct ctl *ctl, const struct vaapi_exception *e, bool event)
{
	out_u64(ctl, "id", e->id);
	if (!event)
		out_str(ctl, "vd", e->vd);
	out_u64(ctl, "generation", e->generation);
	enum_str(ctl, "reason", vaapi_exc_reason_name(e->reason), e->reason);
	enum_str(ctl, "op", vaapi_io_op_name(e->op), e->op);
	out_u64(ctl, "sector", e->sector);
	out_u64(ctl, "length", e->length);
	if (e->reason == VVMP_EXC_COMPONENT)
		out_u64(ctl, "leg", e->leg);
	/* An event announces a plan no socket owns; its age is 0 there. */
	if (!event) {
		out_u64(ctl, "owner", e->owner);
		out_u64(ctl, "age_ms", e->age_ms);
	}
	if (e->client[0])
		out_str(ctl, "client", e->client);
}

void print_leg(struct ctl *ctl, const struct vaapi_leg *leg, unsigned int index)
{
	unsigned int i;

	out_obj_begin(ctl);
	out_u64(ctl, "leg", leg->has_index ? leg->index : index);
	if (leg->has_health)
		enum_str(ctl, "health", vaapi_leg_state_name(leg->health), leg->health);
	out_list_begin(ctl, "extents");
	for (i = 0; i < leg->nr_extents; i++) {
		out_obj_begin(ctl);
		out_str(ctl, "device", leg->extents[i].device);
		out_u64(ctl, "offset", leg->extents[i].offset);
		out_u64(ctl, "length", leg->extents[i].length);
		out_obj_end(ctl);
	}
	out_list_end(ctl);
	out_obj_end(ctl);
}

void print_map(struct ctl *ctl, const char *vd, const struct vaapi_map *map)
{
	unsigned int i;

	out_obj_begin(ctl);
	out_str(ctl, "vd", vd);
	enum_str(ctl, "layout", vaapi_layout_name(map->layout), map->layout);
	if (map->layout == VVMP_MAP_STRIPED)
		out_u64(ctl, "chunk", map->chunk_sectors);
	out_flag(ctl, "nosync", map->nosync);
	if (map->has_generation)
		out_u64(ctl, "generation", map->generation);
	out_list_begin(ctl, "legs");
	for (i = 0; i < map->nr_legs; i++)
		print_leg(ctl, &map->legs[i], i);
	out_list_end(ctl);
	out_obj_end(ctl);
}

void print_stats(struct ctl *ctl, const struct vaapi_stats *s)
{
	out_u64(ctl, "reads", s->reads);
	out_u64(ctl, "writes", s->writes);
	out_u64(ctl, "read_bytes", s->read_bytes);
	out_u64(ctl, "write_bytes", s->write_bytes);
	out_u64(ctl, "read_errors", s->read_errors);
	out_u64(ctl, "write_errors", s->write_errors);
	out_u64(ctl, "in_flight", s->in_flight);
	out_u64(ctl, "exceptions", s->exceptions);
	out_u64(ctl, "refused", s->refused);
	out_u64(ctl, "throttled", s->throttled);
	if (s->has_log) {
		out_u64(ctl, "dirty_regions", s->dirty_regions);
		out_u64(ctl, "regions", s->regions);
		out_u64(ctl, "copied_bytes", s->copied_bytes);
	}
	if (s->has_latency)
		out_u64_array(ctl, "latency", s->latency, VVMP_LAT_BUCKETS);
}

void print_masks(struct ctl *ctl, const char *key, uint32_t masks)
{
	char buf[128] = "";
	uint32_t bit;

	if (ctl->json) {
		json_begin_array(&ctl->js, key);
		for (bit = 1; bit; bit <<= 1)
			if (masks & bit) {
				if (vaapi_mask_name(bit)) {
					json_string(&ctl->js, NULL, vaapi_mask_name(bit));
				} else {
					snprintf(buf, sizeof(buf), "0x%x", bit);
					json_string(&ctl->js, NULL, buf);
				}
			}
		json_end_array(&ctl->js);
		return;
	}
	for (bit = 1; bit; bit <<= 1) {
		char one[16];

		if (!(masks & bit))
			continue;
		snprintf(one, sizeof(one), "0x%x", bit);
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, vaapi_mask_name(bit) ? vaapi_mask_name(bit) : one);
	}
	out_str(ctl, key, buf[0] ? buf : "none");
}

void print_event(struct ctl *ctl, const struct vaapi_event *ev, bool snapshot)
{
	unsigned int i;

	out_record_begin(ctl);
	if (ev->lost) {
		out_flag(ctl, "events_lost", true);
		out_record_end(ctl);
		return;
	}
	enum_str(ctl, "event", vaapi_event_name(ev->type), ev->type);
	if (VAAPI_HAS(ev, VVMP_A_EVENT_SEQ))
		out_u64(ctl, "seq", ev->seq);
	out_flag(ctl, "snapshot", snapshot);
	if (VAAPI_HAS(ev, VVMP_A_SNAPSHOT_SEQ))
		out_u64(ctl, "snapshot_seq", ev->snapshot_seq);
	if (VAAPI_HAS(ev, VVMP_A_VD_NAME))
		out_str(ctl, "vd", ev->vd);
	if (VAAPI_HAS(ev, VVMP_A_CLIENT_NAME))
		out_str(ctl, "client", ev->client);
	if (VAAPI_HAS(ev, VVMP_A_CLIENT_INFO))
		out_str(ctl, "info", ev->client_info);
	if (VAAPI_HAS(ev, VVMP_A_VD_SIZE))
		out_u64(ctl, "size", ev->vd_size);
	if (VAAPI_HAS(ev, VVMP_A_GENERATION))
		out_u64(ctl, "generation", ev->generation);
	if (VAAPI_HAS(ev, VVMP_A_NR_DEVICES))
		out_u64(ctl, "nr_devices", ev->nr_devices);
	if (VAAPI_HAS(ev, VVMP_A_LEG_INDEX))
		out_u64(ctl, "leg", ev->leg_index);
	if (VAAPI_HAS(ev, VVMP_A_LEG) && ev->leg.has_health)
		enum_str(ctl, "health", vaapi_leg_state_name(ev->leg.health), ev->leg.health);
	if (VAAPI_HAS(ev, VVMP_A_ACL))
		enum_str(ctl, "acl", vaapi_acl_name(ev->acl), ev->acl);
	if (VAAPI_HAS(ev, VVMP_A_STATUS))
		enum_str(ctl, "status", vaapi_status_name(ev->status), ev->status);
	if (VAAPI_HAS(ev, VVMP_A_COS))
		print_cos_fields(ctl, &ev->cos);
	if (VAAPI_HAS(ev, VVMP_A_DEVICE)) {
		out_str(ctl, "device", ev->device.name);
		if (ev->device.has_dev)
			print_dev(ctl, "dev", ev->device.dev);
		if (ev->device.client[0])
			out_str(ctl, "device_client", ev->device.client);
		if (ev->device.has_size)
			out_u64(ctl, "device_size", ev->device.size);
	}
	if (VAAPI_HAS(ev, VVMP_A_COMPONENT)) {
		out_u64(ctl, "leg", ev->component.leg);
		if (ev->component.present & VAAPI_COMPONENT_TIMEOUT)
			out_u64(ctl, "timeout_ms", ev->component.timeout_ms);
		if (ev->component.present & VAAPI_COMPONENT_MASKS)
			print_masks(ctl, "masks", ev->component.masks);
	}
	if (VAAPI_HAS(ev, VVMP_A_THRESHOLD))
		out_u64(ctl, "threshold", ev->threshold);
	if (VAAPI_HAS(ev, VVMP_A_REGION_SECTORS))
		out_u64(ctl, "region_sectors", ev->region_sectors);
	if (VAAPI_HAS(ev, VVMP_A_RESYNC_RATE))
		out_u64(ctl, "resync_rate", ev->resync_rate);
	if (ev->type == VVMP_EVENT_VD_ACTIVITY || ev->type == VVMP_EVENT_VD_EXISTS)
		out_str(ctl, "io", ev->deactivated ? "deactivated" : "active");
	if (VAAPI_HAS(ev, VVMP_A_EXC_TIMEOUT_MS))
		out_u64(ctl, "exc_timeout_ms", ev->exc_timeout_ms);
	if (VAAPI_HAS(ev, VVMP_A_EXC_ON_TIMEOUT))
		enum_str(ctl, "exc_on_timeout", vaapi_exc_on_timeout_name(ev->exc_on_timeout),
			 ev->exc_on_timeout);
	if (VAAPI_HAS(ev, VVMP_A_EXCEPTION))
		print_exception(ctl, &ev->exception, true);
	if (VAAPI_HAS(ev, VVMP_A_EXC_ID))
		out_u64(ctl, "id", ev->exc_id);
	if (VAAPI_HAS(ev, VVMP_A_EXC_OUTCOME))
		enum_str(ctl, "outcome", vaapi_exc_outcome_name(ev->exc_outcome), ev->exc_outcome);
	if (VAAPI_HAS(ev, VVMP_A_EXC_ERRNO))
		out_u64(ctl, "errno", ev->exc_errno);
	if (ev->type == VVMP_EVENT_DIVERT) {
		if (ctl->json) {
			json_begin_array(&ctl->js, "ranges");
			for (i = 0; i < ev->nr_ranges; i++) {
				json_begin_object(&ctl->js, NULL);
				json_u64(&ctl->js, "start", ev->ranges[i].start);
				json_u64(&ctl->js, "length", ev->ranges[i].length);
				json_end_object(&ctl->js);
			}
			json_end_array(&ctl->js);
		} else {
			char buf[VVMP_MAX_DIVERT_RANGES * 44] = "";
			size_t used = 0;

			for (i = 0; i < ev->nr_ranges && used < sizeof(buf); i++)
				used += snprintf(buf + used, sizeof(buf) - used,
						 "%s%" PRIu64 "+%" PRIu64, i ? "," : "",
						 ev->ranges[i].start, ev->ranges[i].length);
			out_str(ctl, "ranges", buf[0] ? buf : "none");
		}
	}
	out_record_end(ctl);
}
