// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for libvaapi, linked into vvmpctl for the host tests: every
 * call appends one line describing exactly what it was asked to
 * $VVMPCTL_FAKE_LOG, and the getters return canned data. A call named in
 * $VVMPCTL_FAKE_FAIL fails with -EBUSY and the extack "fake: busy".
 * $VVMPCTL_FAKE_NOFAMILY makes vaapi_open() fail like a host without dm-vvmp.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vvmp/vaapi.h>

struct vaapi {
	uint32_t txn;
	uint32_t next_txn;
	char errmsg[128];
};

static struct vaapi the_handle;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	const char *path = getenv("VVMPCTL_FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Log the call (with the transaction it is staged in) and decide its fate. */
static int call(struct vaapi *h, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int call(struct vaapi *h, const char *name, const char *fmt, ...)
{
	const char *fail = getenv("VVMPCTL_FAKE_FAIL");
	char args[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (h->txn)
		logf_("txn=%u %s%s%s\n", h->txn, name, args[0] ? " " : "", args);
	else
		logf_("%s%s%s\n", name, args[0] ? " " : "", args);
	h->errmsg[0] = '\0';
	if (fail && !strcmp(fail, name)) {
		snprintf(h->errmsg, sizeof(h->errmsg), "fake: busy");
		return -EBUSY;
	}
	return 0;
}

static const char *opt(const char *s)
{
	return s ? s : "-";
}

static char *extents(char *buf, size_t len, const struct vaapi_extent *e, unsigned int n)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s:%" PRIu64 ":%" PRIu64,
				 i ? "," : "", e[i].device, e[i].offset, e[i].length);
	return buf;
}

static char *map_str(char *buf, size_t len, const struct vaapi_map *m)
{
	char ext[2048];
	size_t used;
	unsigned int i;

	used = snprintf(buf, len, "layout=%s chunk=%u nosync=%d legs=%u",
			vaapi_layout_name(m->layout), m->chunk_sectors, m->nosync, m->nr_legs);
	for (i = 0; i < m->nr_legs && used < len; i++)
		used += snprintf(buf + used, len - used, " [%s]",
				 extents(ext, sizeof(ext), m->legs[i].extents, m->legs[i].nr_extents));
	return buf;
}

struct vaapi *vaapi_open(void)
{
	if (getenv("VVMPCTL_FAKE_NOFAMILY")) {
		errno = ENOENT;
		return NULL;
	}
	the_handle.next_txn = 41;
	return &the_handle;
}

void vaapi_close(struct vaapi *h)
{
	(void)h;
}

const char *vaapi_strerror(struct vaapi *h)
{
	return h ? h->errmsg : "generic netlink family \"vvmp\" not found (is the dm-vvmp module loaded?)";
}

/* ---- AP ----------------------------------------------------------------- */

int vaapi_ap_create_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map)
{
	char buf[4096];

	return call(h, "ap_create_vd", "%s %s", vd, map_str(buf, sizeof(buf), map));
}

int vaapi_ap_create_vd_opts(struct vaapi *h, const char *vd, const struct vaapi_map *map,
			    const struct vaapi_vd_opts *opts)
{
	char buf[4096];

	return call(h, "ap_create_vd_opts", "%s %s present=%u region_sectors=%u resync_rate=%u", vd,
		    map_str(buf, sizeof(buf), map), opts ? opts->present : 0,
		    opts ? opts->region_sectors : 0, opts ? opts->resync_rate : 0);
}

int vaapi_ap_delete_vd(struct vaapi *h, const char *vd)
{
	return call(h, "ap_delete_vd", "%s", vd);
}

static void canned_vd(struct vaapi_vd_info *info, const char *name, bool devices)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->present = (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_VD_SIZE) |
			(1ULL << VVMP_A_GENERATION) | (1ULL << VVMP_A_NR_DEVICES) |
			(1ULL << VVMP_A_REGION_SECTORS) | (1ULL << VVMP_A_RESYNC_RATE);
	info->size = devices ? 4096 : 2048;
	info->generation = devices ? 3 : 1;
	info->region_sectors = devices ? 1024 : 128;
	info->resync_rate = devices ? 0 : 10240;
	info->present |= (1ULL << VVMP_A_EXC_TIMEOUT_MS) | (1ULL << VVMP_A_EXC_ON_TIMEOUT);
	info->exc_timeout_ms = devices ? 30000 : 5000;
	info->exc_on_timeout = devices ? VVMP_EXC_TIMEOUT_FAIL : VVMP_EXC_TIMEOUT_HOLD;
	if (!devices) {
		/* data1: a leg with the deactivate mask failed. */
		info->present |= 1ULL << VVMP_A_DEACTIVATED;
		info->deactivated = true;
		return;
	}
	info->present |= 1ULL << VVMP_A_DEVICE;
	info->nr_devices = 2;
	info->nr_device_records = 2;
	snprintf(info->devices[0].name, sizeof(info->devices[0].name), "%s-h1", name);
	info->devices[0].has_dev = true;
	info->devices[0].dev = (253 << 8) | 0;
	snprintf(info->devices[0].client, sizeof(info->devices[0].client), "h1");
	info->devices[0].has_size = true;
	info->devices[0].size = 4096;
	snprintf(info->devices[1].name, sizeof(info->devices[1].name), "%s", name);
	info->devices[1].has_dev = true;
	info->devices[1].dev = (253 << 8) | 1;
	info->devices[1].has_size = true;
	info->devices[1].size = 4096;
}

int vaapi_ap_get_vd(struct vaapi *h, const char *vd, struct vaapi_vd_info *info)
{
	int err = call(h, "ap_get_vd", "%s", vd);

	if (!err)
		canned_vd(info, vd, true);
	return err;
}

int vaapi_ap_list_vds(struct vaapi *h,
		      int (*cb)(const struct vaapi_vd_info *info, void *arg), void *arg)
{
	struct vaapi_vd_info *info = malloc(sizeof(*info));
	int err = call(h, "ap_list_vds", "%s", "");

	if (!err) {
		canned_vd(info, "data0", true);
		err = cb(info, arg);
	}
	if (!err) {
		canned_vd(info, "data1", false);
		err = cb(info, arg);
	}
	free(info);
	return err;
}

int vaapi_ap_get_map_vd(struct vaapi *h, const char *vd, struct vaapi_map *m)
{
	int err = call(h, "ap_get_map_vd", "%s", vd);

	if (err)
		return err;
	memset(m, 0, sizeof(*m));
	m->layout = VVMP_MAP_LINEAR;
	m->has_generation = true;
	m->generation = 3;
	m->nr_legs = 2;
	m->legs[0] = (struct vaapi_leg){ .has_index = true, .index = 0, .has_health = true,
					 .health = VVMP_LEG_STATE_IN_SYNC, .nr_extents = 2 };
	m->legs[0].extents[0] = (struct vaapi_extent){ "8:16", 0, 2048 };
	m->legs[0].extents[1] = (struct vaapi_extent){ "8:48", 0, 2048 };
	m->legs[1] = (struct vaapi_leg){ .has_index = true, .index = 1, .has_health = true,
					 .health = VVMP_LEG_STATE_FAILED, .nr_extents = 1 };
	m->legs[1].extents[0] = (struct vaapi_extent){ "8:32", 2048, 4096 };
	return 0;
}

int vaapi_ap_set_map_vd(struct vaapi *h, const char *vd, const struct vaapi_map *map)
{
	char buf[4096];

	return call(h, "ap_set_map_vd", "%s %s", vd, map_str(buf, sizeof(buf), map));
}

int vaapi_ap_set_segment_vd(struct vaapi *h, const char *vd, const struct vaapi_segment *seg)
{
	char ext[2048];

	return call(h, "ap_set_segment_vd", "%s start=%" PRIu64 " length=%" PRIu64 " [%s]", vd,
		    seg->start, seg->length, extents(ext, sizeof(ext), seg->extents, seg->nr_extents));
}

int vaapi_ap_get_map_size_vd(struct vaapi *h, const char *vd, uint32_t *e, uint64_t *b)
{
	*e = 3;
	*b = 1536;
	return call(h, "ap_get_map_size_vd", "%s", vd);
}

int vaapi_ap_resize_devices(struct vaapi *h, const char *vd)
{
	return call(h, "ap_resize_devices", "%s", vd);
}

/* ---- PEAP --------------------------------------------------------------- */

int vaapi_peap_set_client(struct vaapi *h, const char *client, const char *info)
{
	return call(h, "peap_set_client", "%s info=%s", client, opt(info));
}

int vaapi_peap_delete_client(struct vaapi *h, const char *client)
{
	return call(h, "peap_delete_client", "%s", client);
}

int vaapi_peap_get_client(struct vaapi *h, const char *client, struct vaapi_client_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", client);
	out->has_info = true;
	snprintf(out->info, sizeof(out->info), "iqn.2024-01.org.example:\"%s\" rack 2", client);
	return call(h, "peap_get_client", "%s", client);
}

int vaapi_peap_list_clients(struct vaapi *h,
			    int (*cb)(const struct vaapi_client_info *c, void *arg), void *arg)
{
	struct vaapi_client_info c = { .name = "h1", .info = "host one", .has_info = true };
	int err = call(h, "peap_list_clients", "%s", "");

	if (!err)
		err = cb(&c, arg);
	if (!err) {
		c = (struct vaapi_client_info){ .name = "h2" };
		err = cb(&c, arg);
	}
	return err;
}

int vaapi_peap_set_acl(struct vaapi *h, const char *vd, const char *client, enum vvmp_acl acl)
{
	return call(h, "peap_set_acl", "%s client=%s %s", vd, opt(client), vaapi_acl_name(acl));
}

static void canned_policy(struct vaapi_policy *p, const char *client)
{
	memset(p, 0, sizeof(*p));
	p->acl = VVMP_ACL_RO;
	p->status = VVMP_STATUS_QUIESCED;
	p->cos = (struct vaapi_cos){ .present = VAAPI_COS_IOPS | VAAPI_COS_BPS, .iops = 500,
				     .bps = 1048576 };
	p->has_source = true;
	p->source = client ? VVMP_POLICY_CLIENT : VVMP_POLICY_VD_DEFAULT;
}

int vaapi_peap_get_acl(struct vaapi *h, const char *vd, const char *client, struct vaapi_policy *out)
{
	canned_policy(out, client);
	return call(h, "peap_get_acl", "%s client=%s", vd, opt(client));
}

int vaapi_peap_set_status(struct vaapi *h, const char *vd, const char *client,
			  enum vvmp_status status)
{
	return call(h, "peap_set_status", "%s client=%s %s", vd, opt(client),
		    vaapi_status_name(status));
}

int vaapi_peap_get_status(struct vaapi *h, const char *vd, const char *client,
			  struct vaapi_policy *out)
{
	canned_policy(out, client);
	return call(h, "peap_get_status", "%s client=%s", vd, opt(client));
}

int vaapi_peap_set_cos(struct vaapi *h, const char *vd, const char *client,
		       const struct vaapi_cos *cos)
{
	return call(h, "peap_set_cos", "%s client=%s present=%u iops=%" PRIu64 " bps=%" PRIu64
		    " prio=%u", vd, opt(client), cos->present, cos->iops, cos->bps, cos->priority);
}

int vaapi_peap_get_cos(struct vaapi *h, const char *vd, const char *client,
		       struct vaapi_policy *out)
{
	canned_policy(out, client);
	return call(h, "peap_get_cos", "%s client=%s", vd, opt(client));
}

/* ---- PSAP --------------------------------------------------------------- */

int vaapi_psap_set_stats_directive(struct vaapi *h, const char *vd,
				   const struct vaapi_stats_directive *d)
{
	return call(h, "psap_set_stats_directive", "%s present=%u latency=%d threshold=%" PRIu64,
		    vd, d->present, d->latency, d->error_threshold);
}

static void canned_stats(struct vaapi_stats *s, uint64_t base)
{
	s->reads = base + 1;
	s->writes = base + 2;
	s->read_bytes = (base + 1) * 4096;
	s->write_bytes = (base + 2) * 4096;
	s->read_errors = 0;
	s->write_errors = base ? 1 : 0;
	s->in_flight = 0;
	s->exceptions = 0;
	s->refused = 0;
	s->throttled = base / 10;
}

int vaapi_psap_copy_vd_stats(struct vaapi *h, const char *vd, struct vaapi_vd_stats *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	canned_stats(&out->vd, 100);
	out->vd.has_log = true;
	out->vd.dirty_regions = 3;
	out->vd.regions = 8;
	out->vd.copied_bytes = 5 * 524288;
	out->vd.has_latency = true;
	for (i = 0; i < VVMP_LAT_BUCKETS; i++)
		out->vd.latency[i] = i == 4 ? 90 : i == 5 ? 13 : 0;
	out->nr_legs = 1;
	out->legs[0].has_leg = true;
	out->legs[0].leg = 0;
	canned_stats(&out->legs[0], 50);
	out->nr_clients = 2;
	snprintf(out->clients[0].client, sizeof(out->clients[0].client), "h1");
	canned_stats(&out->clients[0], 0);
	canned_stats(&out->clients[1], 0);	/* the device without a client */
	return call(h, "psap_copy_vd_stats", "%s", vd);
}

int vaapi_psap_reset_vd_stats(struct vaapi *h, const char *vd)
{
	return call(h, "psap_reset_vd_stats", "%s", vd);
}

/* ---- SSAP / IOP ---------------------------------------------------------- */

int vaapi_ssap_set_io_plan(struct vaapi *h, const char *vd, enum vvmp_plan_op op,
			   uint32_t leg_index, const struct vaapi_leg *leg)
{
	char ext[2048];

	return call(h, "ssap_set_io_plan", "%s %s leg=%u [%s]", vd, vaapi_plan_op_name(op), leg_index,
		    leg ? extents(ext, sizeof(ext), leg->extents, leg->nr_extents) : "-");
}

int vaapi_ssap_fail_leg(struct vaapi *h, const char *vd, uint32_t leg_index)
{
	return call(h, "ssap_fail_leg", "%s leg=%u", vd, leg_index);
}

int vaapi_ssap_restore_leg(struct vaapi *h, const char *vd, uint32_t leg_index, bool full)
{
	return call(h, "ssap_restore_leg", "%s leg=%u full=%d", vd, leg_index, full);
}

int vaapi_iop_set_plan_params(struct vaapi *h, const char *vd, uint32_t leg_index,
			      const struct vaapi_component *c)
{
	return call(h, "iop_set_plan_params", "%s leg=%u present=%u timeout=%u masks=0x%x", vd,
		    leg_index, c->present, c->timeout_ms, c->masks);
}

int vaapi_iop_get_plan_params(struct vaapi *h, const char *vd,
			      struct vaapi_component *out, unsigned int max, unsigned int *nr)
{
	*nr = max < 2 ? max : 2;
	out[0] = (struct vaapi_component){ .present = VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS,
					   .leg = 0, .timeout_ms = 0, .masks = VVMP_MASK_DEFAULT };
	out[1] = (struct vaapi_component){ .present = VAAPI_COMPONENT_TIMEOUT | VAAPI_COMPONENT_MASKS,
					   .leg = 1, .timeout_ms = 5000, .masks = 0 };
	return call(h, "iop_get_plan_params", "%s", vd);
}

/* ---- EH ------------------------------------------------------------------ */

int vaapi_eh_add_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r)
{
	return call(h, "eh_add_divert", "%s %" PRIu64 "+%" PRIu64, vd, r->start, r->length);
}

int vaapi_eh_delete_divert(struct vaapi *h, const char *vd, const struct vaapi_range *r)
{
	return call(h, "eh_delete_divert", "%s %" PRIu64 "+%" PRIu64, vd, r->start, r->length);
}

int vaapi_eh_list_divert(struct vaapi *h, const char *vd,
			 struct vaapi_range *out, unsigned int max, unsigned int *nr)
{
	(void)max;
	*nr = 2;
	out[0] = (struct vaapi_range){ 0, 8 };
	out[1] = (struct vaapi_range){ 1024, 64 };
	return call(h, "eh_list_divert", "%s", vd);
}

int vaapi_eh_activate_vd(struct vaapi *h, const char *vd)
{
	return call(h, "eh_activate_vd", "%s", vd);
}

int vaapi_eh_set_resync_rate(struct vaapi *h, const char *vd, uint32_t rate_kib)
{
	return call(h, "eh_set_resync_rate", "%s %u", vd, rate_kib);
}

/* Plan 12 is diverted I/O of data0 through h1's device; 13 a write of data1 */
/* whose leg 1 (log-data) failed, taken by port 4242. */
static void canned_plan(struct vaapi_exception *e, uint64_t id)
{
	if (id == 12) {
		*e = (struct vaapi_exception){ .vd = "data0", .id = 12, .generation = 3,
			.reason = VVMP_EXC_DIVERT, .op = VVMP_IO_WRITE, .sector = 2048, .length = 8,
			.owner = 0, .age_ms = 120, .client = "h1" };
	} else {
		*e = (struct vaapi_exception){ .vd = "data1", .id = 13, .generation = 1,
			.reason = VVMP_EXC_COMPONENT, .op = VVMP_IO_WRITE, .sector = 4096,
			.length = 16, .leg = 1, .owner = 4242, .age_ms = 30 };
	}
}

int vaapi_eh_get_plan(struct vaapi *h, uint64_t id, struct vaapi_exception *out)
{
	int err = call(h, "eh_get_plan", "%" PRIu64, id);

	if (err)
		return err;
	if (id != 12 && id != 13) {
		snprintf(h->errmsg, sizeof(h->errmsg), "No such plan held (attribute VVMP_A_EXC_ID)");
		return -ENOENT;
	}
	canned_plan(out, id);
	return 0;
}

int vaapi_eh_list_plans(struct vaapi *h, const char *vd,
			int (*cb)(const struct vaapi_exception *e, void *arg), void *arg)
{
	struct vaapi_exception e;
	uint64_t id;
	int err = call(h, "eh_list_plans", "vd=%s", opt(vd));

	for (id = 12; !err && id <= 13; id++) {
		canned_plan(&e, id);
		if (!vd || !strcmp(vd, e.vd))
			err = cb(&e, arg);
	}
	return err;
}

int vaapi_eh_take_plan(struct vaapi *h, uint64_t id)
{
	return call(h, "eh_take_plan", "%" PRIu64, id);
}

int vaapi_eh_resubmit_plan(struct vaapi *h, uint64_t id, uint64_t generation)
{
	int err = call(h, "eh_resubmit_plan", "%" PRIu64 " generation=%" PRIu64, id, generation);

	if (!err && generation != 3) {
		snprintf(h->errmsg, sizeof(h->errmsg),
			 "The VD's map changed since the plan was made: abort it (attribute VVMP_A_EXC_GENERATION)");
		return -ESTALE;
	}
	return err;
}

int vaapi_eh_abort_plan(struct vaapi *h, uint64_t id, int error)
{
	return call(h, "eh_abort_plan", "%" PRIu64 " errno=%d", id, error);
}

int vaapi_eh_set_plan_policy(struct vaapi *h, const char *vd, uint32_t timeout_ms,
			     int on_timeout)
{
	return call(h, "eh_set_plan_policy", "%s timeout=%u on_timeout=%d", vd, timeout_ms,
		    on_timeout);
}

/* Reads see bytes (sector * 512 + i) & 0xff after the text "vvmp leg N". */
int vaapi_eh_passthrough(struct vaapi *h, const char *vd, uint32_t leg, bool write,
			 uint64_t sector, void *buf, uint32_t len)
{
	uint8_t *p = buf;
	uint64_t sum = 0;
	uint32_t i;

	if (write) {
		for (i = 0; i < len; i++)
			sum += p[i];
		return call(h, "eh_passthrough", "%s leg=%u write sector=%" PRIu64
			    " len=%u first=%02x%02x%02x%02x sum=%" PRIu64, vd, leg, sector, len,
			    p[0], p[1], p[2], p[3], sum);
	}
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(sector * 512 + i);
	snprintf(buf, len, "vvmp leg %u", leg);
	return call(h, "eh_passthrough", "%s leg=%u read sector=%" PRIu64 " len=%u", vd, leg,
		    sector, len);
}

int vaapi_eh_copy(struct vaapi *h, const char *vd, const struct vaapi_copy *c)
{
	char src[16] = "-", dst[16] = "-";

	if (c->has_src_leg)
		snprintf(src, sizeof(src), "%u", c->src_leg);
	if (c->has_dst_leg)
		snprintf(dst, sizeof(dst), "%u", c->dst_leg);
	return call(h, "eh_copy", "%s src_leg=%s src=%" PRIu64 " dst_leg=%s dst=%" PRIu64
		    " length=%" PRIu64, vd, src, c->src_sector, dst, c->dst_sector, c->length);
}

/* ---- TX ------------------------------------------------------------------ */

int vaapi_tx_begin(struct vaapi *h, uint32_t *id)
{
	*id = ++h->next_txn;
	return call(h, "tx_begin", "-> %u", *id);
}

void vaapi_tx_use(struct vaapi *h, uint32_t id)
{
	h->txn = id;
}

uint32_t vaapi_tx_current(const struct vaapi *h)
{
	return h->txn;
}

int vaapi_tx_commit(struct vaapi *h, uint32_t id)
{
	int err;
	uint32_t saved = h->txn;

	h->txn = 0;
	err = call(h, "tx_commit", "%u", id);
	h->txn = err ? saved : (saved == id ? 0 : saved);
	return err;
}

int vaapi_tx_abort(struct vaapi *h, uint32_t id)
{
	uint32_t saved = h->txn;
	int err;

	h->txn = 0;
	err = call(h, "tx_abort", "%u", id);
	h->txn = err ? saved : (saved == id ? 0 : saved);
	return err;
}

/* ---- events --------------------------------------------------------------- */

struct vaapi_events {
	struct vaapi *h;
};

static struct vaapi_events the_events;

struct vaapi_events *vaapi_events_open(struct vaapi *h)
{
	the_events.h = h;
	return &the_events;
}

void vaapi_events_close(struct vaapi_events *ev)
{
	(void)ev;
}

int vaapi_events_subscribe(struct vaapi_events *ev)
{
	return call(ev->h, "events_subscribe", "%s", "");
}

static int snapshot(vaapi_event_cb cb, void *arg)
{
	struct vaapi_event *ev = calloc(1, sizeof(*ev));
	int err;

	ev->type = VVMP_EVENT_VD_EXISTS;
	ev->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		      (1ULL << VVMP_A_SNAPSHOT_SEQ) | (1ULL << VVMP_A_VD_NAME) |
		      (1ULL << VVMP_A_VD_SIZE) | (1ULL << VVMP_A_GENERATION) |
		      (1ULL << VVMP_A_REGION_SECTORS) | (1ULL << VVMP_A_RESYNC_RATE);
	ev->seq = 7;
	ev->snapshot_seq = 9;
	snprintf(ev->vd, sizeof(ev->vd), "data0");
	ev->vd_size = 4096;
	ev->generation = 3;
	ev->region_sectors = 1024;
	ev->resync_rate = 0;
	ev->present |= (1ULL << VVMP_A_EXC_TIMEOUT_MS) | (1ULL << VVMP_A_EXC_ON_TIMEOUT);
	ev->exc_timeout_ms = 30000;
	ev->exc_on_timeout = VVMP_EXC_TIMEOUT_FAIL;
	err = cb(ev, true, arg);
	if (!err) {
		memset(ev, 0, sizeof(*ev));
		ev->type = VVMP_EVENT_CLIENT_EXISTS;
		ev->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
			      (1ULL << VVMP_A_CLIENT_NAME) | (1ULL << VVMP_A_CLIENT_INFO);
		ev->seq = 2;
		snprintf(ev->client, sizeof(ev->client), "h1");
		snprintf(ev->client_info, sizeof(ev->client_info), "host one");
		err = cb(ev, true, arg);
	}
	free(ev);
	return err;
}

int vaapi_events_snapshot(struct vaapi_events *ev, vaapi_event_cb cb, void *arg)
{
	int err = call(ev->h, "events_snapshot", "%s", "");

	return err ? err : snapshot(cb, arg);
}

int vaapi_events_run(struct vaapi_events *ev, vaapi_event_cb cb, void *arg)
{
	struct vaapi_event *e;
	int err = call(ev->h, "events_run", "%s", "");

	if (!err)
		err = snapshot(cb, arg);
	if (err)
		return err;
	e = calloc(1, sizeof(*e));
	e->type = VVMP_EVENT_LEG_STATE;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_LEG_INDEX) | (1ULL << VVMP_A_LEG);
	e->seq = 10;
	snprintf(e->vd, sizeof(e->vd), "data0");
	e->leg_index = 1;
	e->leg.has_health = true;
	e->leg.health = VVMP_LEG_STATE_FAILED;
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->type = VVMP_EVENT_DIVERT;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_RANGE);
	e->seq = 11;
	snprintf(e->vd, sizeof(e->vd), "data0");
	e->nr_ranges = 2;
	e->ranges[0] = (struct vaapi_range){ 0, 8 };
	e->ranges[1] = (struct vaapi_range){ 64, 8 };
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->type = VVMP_EVENT_VD_ACTIVITY;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_DEACTIVATED) |
		     (1ULL << VVMP_A_LEG_INDEX);
	e->seq = 12;
	snprintf(e->vd, sizeof(e->vd), "data0");
	e->deactivated = true;
	e->leg_index = 1;
	cb(e, false, arg);
	e->present &= ~((1ULL << VVMP_A_DEACTIVATED) | (1ULL << VVMP_A_LEG_INDEX));
	e->seq = 13;
	e->deactivated = false;
	e->leg_index = 0;
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->type = VVMP_EVENT_EXCEPTION;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_EXCEPTION);
	e->seq = 14;
	snprintf(e->vd, sizeof(e->vd), "data0");
	canned_plan(&e->exception, 12);
	e->exception.age_ms = 0;
	cb(e, false, arg);
	canned_plan(&e->exception, 13);
	snprintf(e->vd, sizeof(e->vd), "data1");
	e->exception.owner = 0;
	e->exception.age_ms = 0;
	e->seq = 15;
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->type = VVMP_EVENT_EXCEPTION_DONE;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_EXC_ID) | (1ULL << VVMP_A_EXC_OUTCOME);
	e->seq = 16;
	snprintf(e->vd, sizeof(e->vd), "data0");
	e->exc_id = 12;
	e->exc_outcome = VVMP_EXC_RESUBMITTED;
	cb(e, false, arg);
	e->present |= 1ULL << VVMP_A_EXC_ERRNO;
	e->seq = 17;
	e->exc_id = 13;
	e->exc_outcome = VVMP_EXC_TIMED_OUT;
	e->exc_errno = EIO;
	snprintf(e->vd, sizeof(e->vd), "data1");
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->type = VVMP_EVENT_VD_PARAMS;
	e->present = (1ULL << VVMP_A_EVENT) | (1ULL << VVMP_A_EVENT_SEQ) |
		     (1ULL << VVMP_A_VD_NAME) | (1ULL << VVMP_A_RESYNC_RATE) |
		     (1ULL << VVMP_A_EXC_TIMEOUT_MS) | (1ULL << VVMP_A_EXC_ON_TIMEOUT);
	e->seq = 18;
	snprintf(e->vd, sizeof(e->vd), "data0");
	e->resync_rate = 2048;
	e->exc_timeout_ms = 60000;
	e->exc_on_timeout = VVMP_EXC_TIMEOUT_HOLD;
	cb(e, false, arg);
	memset(e, 0, sizeof(*e));
	e->lost = true;
	e->present = 1ULL << VVMP_A_EVENTS_LOST;
	cb(e, false, arg);
	free(e);
	/* The real reader runs until interrupted; the fake ends its script. */
	return 0;
}
