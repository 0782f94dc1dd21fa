// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic-netlink helpers for the "vvmp" family; see nl_test_lib.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "nl_test_lib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "../../include/uapi/linux/vvmp.h"

#define NT_ACK_TIMEOUT_MS	10000
#define NT_MAX_BATCH		4096

static void why_set(char *why, size_t whysz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why_set(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whysz || why[0])	/* keep the first reason */
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

/* ---- vocabulary ------------------------------------------------------------ */

static const char *const cmd_names[VVMP_CMD_MAX + 1] = {
	[VVMP_CMD_VD_CREATE] = "vd_create",
	[VVMP_CMD_VD_DELETE] = "vd_delete",
	[VVMP_CMD_VD_GET] = "vd_get",
	[VVMP_CMD_VD_GET_MAP] = "vd_get_map",
	[VVMP_CMD_VD_SET_MAP] = "vd_set_map",
	[VVMP_CMD_VD_SET_SEGMENT] = "vd_set_segment",
	[VVMP_CMD_VD_GET_MAP_SIZE] = "vd_get_map_size",
	[VVMP_CMD_CLIENT_SET] = "client_set",
	[VVMP_CMD_CLIENT_DELETE] = "client_delete",
	[VVMP_CMD_CLIENT_GET] = "client_get",
	[VVMP_CMD_ACL_SET] = "acl_set",
	[VVMP_CMD_ACL_GET] = "acl_get",
	[VVMP_CMD_STATUS_SET] = "status_set",
	[VVMP_CMD_STATUS_GET] = "status_get",
	[VVMP_CMD_COS_SET] = "cos_set",
	[VVMP_CMD_COS_GET] = "cos_get",
	[VVMP_CMD_STATS_SET] = "stats_set",
	[VVMP_CMD_STATS_GET] = "stats_get",
	[VVMP_CMD_STATS_RESET] = "stats_reset",
	[VVMP_CMD_PLAN_SET] = "plan_set",
	[VVMP_CMD_PLAN_PARAMS_SET] = "plan_params_set",
	[VVMP_CMD_PLAN_PARAMS_GET] = "plan_params_get",
	[VVMP_CMD_DIVERT_ADD] = "divert_add",
	[VVMP_CMD_DIVERT_DELETE] = "divert_delete",
	[VVMP_CMD_DIVERT_GET] = "divert_get",
	[VVMP_CMD_TXN_BEGIN] = "txn_begin",
	[VVMP_CMD_TXN_COMMIT] = "txn_commit",
	[VVMP_CMD_TXN_ABORT] = "txn_abort",
	[VVMP_CMD_STATE_GET] = "state_get",
	[VVMP_CMD_EVENT] = "event",
	[VVMP_CMD_VD_ACTIVATE] = "vd_activate",
	[VVMP_CMD_RESYNC_SET] = "resync_set",
	[VVMP_CMD_EXC_GET] = "exc_get",
	[VVMP_CMD_EXC_TAKE] = "exc_take",
	[VVMP_CMD_EXC_RESUBMIT] = "exc_resubmit",
	[VVMP_CMD_EXC_ABORT] = "exc_abort",
	[VVMP_CMD_EXC_POLICY_SET] = "exc_policy_set",
	[VVMP_CMD_PASSTHROUGH] = "passthrough",
	[VVMP_CMD_COPY] = "copy",
};

const char *nt_cmd_name(unsigned int cmd)
{
	return cmd <= VVMP_CMD_MAX ? cmd_names[cmd] : NULL;
}

bool nt_cmd_known(unsigned int cmd)
{
	return cmd >= 1 && cmd <= VVMP_CMD_MAX;
}

bool nt_cmd_mutates(unsigned int cmd)
{
	switch (cmd) {
	case VVMP_CMD_VD_CREATE:
	case VVMP_CMD_VD_DELETE:
	case VVMP_CMD_VD_SET_MAP:
	case VVMP_CMD_VD_SET_SEGMENT:
	case VVMP_CMD_CLIENT_SET:
	case VVMP_CMD_CLIENT_DELETE:
	case VVMP_CMD_ACL_SET:
	case VVMP_CMD_STATUS_SET:
	case VVMP_CMD_COS_SET:
	case VVMP_CMD_STATS_SET:
	case VVMP_CMD_STATS_RESET:
	case VVMP_CMD_PLAN_SET:
	case VVMP_CMD_PLAN_PARAMS_SET:
	case VVMP_CMD_DIVERT_ADD:
	case VVMP_CMD_DIVERT_DELETE:
	case VVMP_CMD_VD_ACTIVATE:
	case VVMP_CMD_RESYNC_SET:
	case VVMP_CMD_EXC_TAKE:
	case VVMP_CMD_EXC_RESUBMIT:
	case VVMP_CMD_EXC_ABORT:
	case VVMP_CMD_EXC_POLICY_SET:
	case VVMP_CMD_PASSTHROUGH:
	case VVMP_CMD_COPY:
	case VVMP_CMD_TXN_BEGIN:
	case VVMP_CMD_TXN_COMMIT:
	case VVMP_CMD_TXN_ABORT:
		return true;
	default:
		return false;
	}
}

/* ---- attribute sets (what a reply may carry) -------------------------------- */

enum nt_kind { K_NONE, K_U8, K_U32, K_U64, K_STR, K_FLAG, K_NEST, K_LAT, K_PAD,
	       K_BIN };

struct nt_def {
	const char *name;
	enum nt_kind kind;
	unsigned int max;	/* K_STR: bytes with the NUL */
	enum nt_set nest;	/* K_NEST */
	bool multi;		/* may repeat */
	bool empty_ok;		/* K_STR: "" is a value (free text) */
};

static const struct nt_def top_defs[VVMP_A_MAX + 1] = {
	[VVMP_A_VD_NAME] = { "vd_name", K_STR, VVMP_NAME_MAX },
	[VVMP_A_CLIENT_NAME] = { "client_name", K_STR, VVMP_NAME_MAX },
	[VVMP_A_CLIENT_INFO] = { "client_info", K_STR, 256, 0, false, true },
	[VVMP_A_TXN_ID] = { "txn_id", K_U32 },
	[VVMP_A_MAP] = { "map", K_NEST, 0, NT_SET_MAP },
	[VVMP_A_SEGMENT] = { "segment", K_NEST, 0, NT_SET_SEGMENT },
	[VVMP_A_VD_SIZE] = { "vd_size", K_U64 },
	[VVMP_A_GENERATION] = { "generation", K_U64 },
	[VVMP_A_ACL] = { "acl", K_U8 },
	[VVMP_A_STATUS] = { "status", K_U8 },
	[VVMP_A_COS] = { "cos", K_NEST, 0, NT_SET_COS },
	[VVMP_A_POLICY_SOURCE] = { "policy_source", K_U8 },
	[VVMP_A_NR_DEVICES] = { "nr_devices", K_U32 },
	[VVMP_A_DEVICE] = { "device", K_NEST, 0, NT_SET_DEVICE, true },
	[VVMP_A_MAP_EXTENTS] = { "map_extents", K_U32 },
	[VVMP_A_MAP_BYTES] = { "map_bytes", K_U64 },
	[VVMP_A_STATS_DIRECTIVE] = { "stats_directive", K_NEST, 0,
				     NT_SET_DIRECTIVE },
	[VVMP_A_STATS] = { "stats", K_NEST, 0, NT_SET_STATS },
	[VVMP_A_LEG_STATS] = { "leg_stats", K_NEST, 0, NT_SET_STATS, true },
	[VVMP_A_CLIENT_STATS] = { "client_stats", K_NEST, 0, NT_SET_STATS,
				  true },
	[VVMP_A_PLAN_OP] = { "plan_op", K_U8 },
	[VVMP_A_LEG_INDEX] = { "leg_index", K_U32 },
	[VVMP_A_LEG] = { "leg", K_NEST, 0, NT_SET_LEG },
	[VVMP_A_COMPONENT] = { "component", K_NEST, 0, NT_SET_COMPONENT, true },
	[VVMP_A_RANGE] = { "range", K_NEST, 0, NT_SET_RANGE, true },
	[VVMP_A_EVENT] = { "event", K_U8 },
	[VVMP_A_EVENT_SEQ] = { "event_seq", K_U64 },
	[VVMP_A_SNAPSHOT_SEQ] = { "snapshot_seq", K_U64 },
	[VVMP_A_EVENTS_LOST] = { "events_lost", K_FLAG },
	[VVMP_A_THRESHOLD] = { "threshold", K_U64 },
	[VVMP_A_REGION_SECTORS] = { "region_sectors", K_U32 },
	[VVMP_A_RESYNC_RATE] = { "resync_rate", K_U32 },
	[VVMP_A_DEACTIVATED] = { "deactivated", K_FLAG },
	[VVMP_A_EXCEPTION] = { "exception", K_NEST, 0, NT_SET_EXC },
	[VVMP_A_EXC_ID] = { "exc_id", K_U64 },
	[VVMP_A_EXC_ERRNO] = { "exc_errno", K_U32 },
	[VVMP_A_EXC_TIMEOUT_MS] = { "exc_timeout_ms", K_U32 },
	[VVMP_A_EXC_ON_TIMEOUT] = { "exc_on_timeout", K_U8 },
	[VVMP_A_EXC_OUTCOME] = { "exc_outcome", K_U8 },
	[VVMP_A_IO] = { "io", K_NEST, 0, NT_SET_IO },
	[VVMP_A_DATA] = { "data", K_BIN, VVMP_IO_MAX_BYTES },
	[VVMP_A_COPY] = { "copy", K_NEST, 0, NT_SET_COPY },
	[VVMP_A_EXC_GENERATION] = { "exc_generation", K_U64 },
	[VVMP_A_LOG] = { "log", K_NEST, 0, NT_SET_EXTENT },
	[VVMP_A_PAD] = { "pad", K_PAD, 0, 0, true },
};

static const struct nt_def exc_defs[VVMP_EXC_A_MAX + 1] = {
	[VVMP_EXC_A_ID] = { "id", K_U64 },
	[VVMP_EXC_A_GENERATION] = { "generation", K_U64 },
	[VVMP_EXC_A_REASON] = { "reason", K_U8 },
	[VVMP_EXC_A_OP] = { "op", K_U8 },
	[VVMP_EXC_A_SECTOR] = { "sector", K_U64 },
	[VVMP_EXC_A_LENGTH] = { "length", K_U64 },
	[VVMP_EXC_A_LEG] = { "leg", K_U32 },
	[VVMP_EXC_A_OWNER] = { "owner", K_U32 },
	[VVMP_EXC_A_AGE_MS] = { "age_ms", K_U32 },
	[VVMP_EXC_A_CLIENT] = { "client", K_STR, VVMP_NAME_MAX },
	[VVMP_EXC_A_PAD] = { "pad", K_PAD, 0, 0, true },
};

static const struct nt_def io_defs[VVMP_IO_A_MAX + 1] = {
	[VVMP_IO_A_OP] = { "op", K_U8 },
	[VVMP_IO_A_SECTOR] = { "sector", K_U64 },
	[VVMP_IO_A_LENGTH] = { "length", K_U32 },
};

static const struct nt_def copy_defs[VVMP_COPY_A_MAX + 1] = {
	[VVMP_COPY_A_SRC_LEG] = { "src_leg", K_U32 },
	[VVMP_COPY_A_SRC_SECTOR] = { "src_sector", K_U64 },
	[VVMP_COPY_A_DST_LEG] = { "dst_leg", K_U32 },
	[VVMP_COPY_A_DST_SECTOR] = { "dst_sector", K_U64 },
	[VVMP_COPY_A_LENGTH] = { "length", K_U64 },
};

static const struct nt_def map_defs[VVMP_MAP_A_MAX + 1] = {
	[VVMP_MAP_A_LAYOUT] = { "layout", K_U8 },
	[VVMP_MAP_A_CHUNK_SECTORS] = { "chunk_sectors", K_U32 },
	[VVMP_MAP_A_LEG] = { "leg", K_NEST, 0, NT_SET_LEG, true },
	[VVMP_MAP_A_NOSYNC] = { "nosync", K_FLAG },
};

static const struct nt_def leg_defs[VVMP_LEG_A_MAX + 1] = {
	[VVMP_LEG_A_EXTENT] = { "extent", K_NEST, 0, NT_SET_EXTENT, true },
	[VVMP_LEG_A_INDEX] = { "index", K_U32 },
	[VVMP_LEG_A_HEALTH] = { "health", K_U8 },
};

static const struct nt_def extent_defs[VVMP_EXTENT_A_MAX + 1] = {
	[VVMP_EXTENT_A_DEVICE] = { "device", K_STR, VVMP_DEVICE_PATH_MAX },
	[VVMP_EXTENT_A_OFFSET] = { "offset", K_U64 },
	[VVMP_EXTENT_A_LENGTH] = { "length", K_U64 },
};

static const struct nt_def segment_defs[VVMP_SEGMENT_A_MAX + 1] = {
	[VVMP_SEGMENT_A_START] = { "start", K_U64 },
	[VVMP_SEGMENT_A_LENGTH] = { "length", K_U64 },
	[VVMP_SEGMENT_A_EXTENT] = { "extent", K_NEST, 0, NT_SET_EXTENT, true },
};

static const struct nt_def device_defs[VVMP_DEVICE_A_MAX + 1] = {
	[VVMP_DEVICE_A_NAME] = { "name", K_STR, 128 },	/* DM_NAME_LEN */
	[VVMP_DEVICE_A_DEV] = { "dev", K_U32 },
	[VVMP_DEVICE_A_CLIENT] = { "client", K_STR, VVMP_NAME_MAX },
	[VVMP_DEVICE_A_SIZE] = { "size", K_U64 },
};

static const struct nt_def cos_defs[VVMP_COS_A_MAX + 1] = {
	[VVMP_COS_A_IOPS] = { "iops", K_U64 },
	[VVMP_COS_A_BPS] = { "bps", K_U64 },
	[VVMP_COS_A_PRIORITY] = { "priority", K_U8 },
};

static const struct nt_def directive_defs[VVMP_DIRECTIVE_A_MAX + 1] = {
	[VVMP_DIRECTIVE_A_LATENCY] = { "latency", K_U8 },
	[VVMP_DIRECTIVE_A_ERROR_THRESHOLD] = { "error_threshold", K_U64 },
};

static const struct nt_def stats_defs[VVMP_STATS_A_MAX + 1] = {
	[VVMP_STATS_A_LEG] = { "leg", K_U32 },
	[VVMP_STATS_A_CLIENT] = { "client", K_STR, VVMP_NAME_MAX },
	[VVMP_STATS_A_READS] = { "reads", K_U64 },
	[VVMP_STATS_A_WRITES] = { "writes", K_U64 },
	[VVMP_STATS_A_READ_BYTES] = { "read_bytes", K_U64 },
	[VVMP_STATS_A_WRITE_BYTES] = { "write_bytes", K_U64 },
	[VVMP_STATS_A_READ_ERRORS] = { "read_errors", K_U64 },
	[VVMP_STATS_A_WRITE_ERRORS] = { "write_errors", K_U64 },
	[VVMP_STATS_A_IN_FLIGHT] = { "in_flight", K_U64 },
	[VVMP_STATS_A_EXCEPTIONS] = { "exceptions", K_U64 },
	[VVMP_STATS_A_REFUSED] = { "refused", K_U64 },
	[VVMP_STATS_A_THROTTLED] = { "throttled", K_U64 },
	[VVMP_STATS_A_LATENCY] = { "latency", K_LAT },
	[VVMP_STATS_A_PAD] = { "pad", K_PAD, 0, 0, true },
	[VVMP_STATS_A_DIRTY_REGIONS] = { "dirty_regions", K_U64 },
	[VVMP_STATS_A_REGIONS] = { "regions", K_U64 },
	[VVMP_STATS_A_COPIED_BYTES] = { "copied_bytes", K_U64 },
};

static const struct nt_def component_defs[VVMP_COMPONENT_A_MAX + 1] = {
	[VVMP_COMPONENT_A_LEG] = { "leg", K_U32 },
	[VVMP_COMPONENT_A_TIMEOUT_MS] = { "timeout_ms", K_U32 },
	[VVMP_COMPONENT_A_MASKS] = { "masks", K_U32 },
};

static const struct nt_def range_defs[VVMP_RANGE_A_MAX + 1] = {
	[VVMP_RANGE_A_START] = { "start", K_U64 },
	[VVMP_RANGE_A_LENGTH] = { "length", K_U64 },
};

static const struct {
	const char *name;
	const struct nt_def *defs;
	unsigned int max;
} sets[NT_SET_MAX] = {
	[NT_SET_TOP] = { "vvmp", top_defs, VVMP_A_MAX },
	[NT_SET_MAP] = { "map", map_defs, VVMP_MAP_A_MAX },
	[NT_SET_LEG] = { "leg", leg_defs, VVMP_LEG_A_MAX },
	[NT_SET_EXTENT] = { "extent", extent_defs, VVMP_EXTENT_A_MAX },
	[NT_SET_SEGMENT] = { "segment", segment_defs, VVMP_SEGMENT_A_MAX },
	[NT_SET_DEVICE] = { "device", device_defs, VVMP_DEVICE_A_MAX },
	[NT_SET_COS] = { "cos", cos_defs, VVMP_COS_A_MAX },
	[NT_SET_DIRECTIVE] = { "directive", directive_defs,
			       VVMP_DIRECTIVE_A_MAX },
	[NT_SET_STATS] = { "stats", stats_defs, VVMP_STATS_A_MAX },
	[NT_SET_COMPONENT] = { "component", component_defs,
			       VVMP_COMPONENT_A_MAX },
	[NT_SET_RANGE] = { "range", range_defs, VVMP_RANGE_A_MAX },
	[NT_SET_EXC] = { "exception", exc_defs, VVMP_EXC_A_MAX },
	[NT_SET_IO] = { "io", io_defs, VVMP_IO_A_MAX },
	[NT_SET_COPY] = { "copy", copy_defs, VVMP_COPY_A_MAX },
};

/* ---- rendering ------------------------------------------------------------- */

struct out {
	char *p;
	size_t sz, len;
	bool full;
};

static void emit(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full || !o->sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->sz - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->sz - o->len) {
		o->full = true;
		o->len = o->sz - 1;
		return;
	}
	o->len += n;
}

static void emit_str(struct out *o, const uint8_t *s, size_t len)
{
	size_t i;

	emit(o, "\"");
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			emit(o, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			emit(o, "%c", s[i]);
		else
			emit(o, "\\x%02x", s[i]);
	}
	emit(o, "\"");
}

static uint64_t get_u64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int render(enum nt_set set, const uint8_t *data, size_t len,
		  struct out *o, unsigned int depth, char *why, size_t whysz,
		  uint16_t skip_type)
{
	const struct nt_def *defs = sets[set].defs;
	unsigned int seen[64] = { 0 };
	bool first = true;
	size_t off = 0;

	if (depth > 6) {
		why_set(why, whysz, "nesting deeper than the attribute sets");
		return -EBADMSG;
	}
	while (off < len) {
		const struct nlattr *nla = (const void *)(data + off);
		const uint8_t *val;
		uint16_t type;
		size_t alen, vlen;
		const struct nt_def *d;

		if (len - off < NLA_HDRLEN) {
			why_set(why, whysz, "%s: %zu trailing bytes",
				sets[set].name, len - off);
			return -EBADMSG;
		}
		alen = nla->nla_len;
		if (alen < NLA_HDRLEN || alen > len - off) {
			why_set(why, whysz, "%s: attribute length %zu at %zu of %zu",
				sets[set].name, alen, off, len);
			return -EBADMSG;
		}
		type = nla->nla_type & NLA_TYPE_MASK;
		val = data + off + NLA_HDRLEN;
		vlen = alen - NLA_HDRLEN;
		off += NLA_ALIGN(alen);
		if (off > len)
			off = len;	/* the last attribute needs no padding */
		if (type > sets[set].max || !defs[type].kind) {
			why_set(why, whysz, "%s: unknown attribute %u",
				sets[set].name, type);
			return -EBADMSG;
		}
		d = &defs[type];
		if (!d->multi && seen[type]++) {
			why_set(why, whysz, "%s: %s repeated", sets[set].name,
				d->name);
			return -EBADMSG;
		}
		if ((nla->nla_type & NLA_F_NESTED) != (d->kind == K_NEST ? NLA_F_NESTED : 0) ||
		    (nla->nla_type & NLA_F_NET_BYTEORDER)) {
			why_set(why, whysz, "%s: %s has type flags 0x%x",
				sets[set].name, d->name,
				nla->nla_type & ~NLA_TYPE_MASK);
			return -EBADMSG;
		}
		if (type == skip_type || d->kind == K_PAD)
			continue;
		if (!first)
			emit(o, " ");
		first = false;
		switch (d->kind) {
		case K_U8:
			if (vlen != 1)
				goto bad_len;
			emit(o, "%s=%u", d->name, val[0]);
			break;
		case K_U32:
			if (vlen != 4)
				goto bad_len;
			emit(o, "%s=%u", d->name, get_u32(val));
			break;
		case K_U64:
			if (vlen != 8)
				goto bad_len;
			emit(o, "%s=%llu", d->name,
			     (unsigned long long)get_u64(val));
			break;
		case K_FLAG:
			if (vlen)
				goto bad_len;
			emit(o, "%s", d->name);
			break;
		case K_STR:
			if (vlen < (d->empty_ok ? 1u : 2u) || vlen > d->max ||
			    val[vlen - 1] ||
			    memchr(val, 0, vlen - 1)) {
				why_set(why, whysz,
					"%s: %s is not a NUL-terminated string of %u..%u bytes (%zu bytes)",
					sets[set].name, d->name, !d->empty_ok,
					d->max - 1, vlen);
				return -EBADMSG;
			}
			emit(o, "%s=", d->name);
			emit_str(o, val, vlen - 1);
			break;
		case K_LAT:
			if (vlen != VVMP_LAT_BUCKETS * 8)
				goto bad_len;
			emit(o, "%s=[", d->name);
			for (unsigned int i = 0; i < VVMP_LAT_BUCKETS; i++)
				emit(o, "%s%llu", i ? "," : "",
				     (unsigned long long)get_u64(val + 8 * i));
			emit(o, "]");
			break;
		case K_BIN:
			if (vlen > d->max)
				goto bad_len;
			emit(o, "%s=<%zu bytes>", d->name, vlen);
			break;
		case K_NEST: {
			int rc;

			emit(o, "%s={", d->name);
			rc = render(d->nest, val, vlen, o, depth + 1, why,
				    whysz, 0);
			if (rc)
				return rc;
			emit(o, "}");
			break;
		}
		default:
			break;
		}
		continue;
bad_len:
		why_set(why, whysz, "%s: %s has %zu bytes", sets[set].name,
			d->name, vlen);
		return -EBADMSG;
	}
	return 0;
}

int nt_render(enum nt_set set, const void *data, size_t len, char *out,
	      size_t outsz, char *why, size_t whysz)
{
	struct out o = { out, outsz, 0, false };

	if (outsz)
		out[0] = '\0';
	return render(set, data, len, &o, 0, why, whysz, 0);
}

/* ---- socket ---------------------------------------------------------------- */

static void sockopt_int(int fd, int level, int opt, int val)
{
	setsockopt(fd, level, opt, &val, sizeof(val));
}

int nt_open(struct nt_sock *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->events_grp = -1;
	s->rbuf = malloc(NT_RECV_MAX);
	s->nl = nl_socket_alloc();
	if (!s->rbuf || !s->nl) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = genl_connect(s->nl);
	if (rc) {
		rc = -ECONNREFUSED;
		goto fail;
	}
	rc = genl_ctrl_resolve(s->nl, VVMP_GENL_NAME);
	if (rc < 0) {
		rc = rc == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
		goto fail;
	}
	s->family = rc;
	rc = genl_ctrl_resolve_grp(s->nl, VVMP_GENL_NAME, VVMP_MCGRP_EVENTS);
	s->events_grp = rc < 0 ? -1 : rc;
	s->fd = nl_socket_get_fd(s->nl);
	sockopt_int(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	sockopt_int(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	/* Root may exceed rmem_max; everyone else gets rmem_max. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE,
		       &(int){ 4 << 20 }, sizeof(int)))
		sockopt_int(s->fd, SOL_SOCKET, SO_RCVBUF, 4 << 20);
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE,
		       &(int){ 1 << 20 }, sizeof(int)))
		sockopt_int(s->fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
	s->seq = 0x1000;
	return 0;
fail:
	if (s->nl)
		nl_socket_free(s->nl);
	free(s->rbuf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	return rc;
}

void nt_close(struct nt_sock *s)
{
	if (s->nl)
		nl_socket_free(s->nl);	/* closes s->fd */
	free(s->rbuf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int nt_module_registers_family(void)
{
	const char *ko = getenv("VVMP_MODULE");
	static const char sym[] = "genl_register_family";
	struct stat st;
	char *buf;
	int fd, rc;

	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !(buf = malloc(st.st_size ? st.st_size : 1))) {
		close(fd);
		return -EIO;
	}
	rc = read(fd, buf, st.st_size) == st.st_size ?
		memmem(buf, st.st_size, sym, sizeof(sym)) != NULL : -EIO;
	free(buf);
	close(fd);
	return rc;
}

/* ---- building -------------------------------------------------------------- */

void nt_msg_init(struct nt_msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = (void *)m->buf;
	struct genlmsghdr *g = (void *)(m->buf + NLMSG_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->depth = 0;
	m->overflow = false;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_len = m->len;
	g->cmd = cmd;
	g->version = VVMP_GENL_VERSION;
}

void nt_put(struct nt_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (void *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->overflow || m->len + total > sizeof(m->buf) ||
	    NLA_HDRLEN + len > 0xffff) {
		m->overflow = true;
		return;
	}
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0,
	       total - NLA_HDRLEN - len);
	m->len += total;
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

void nt_put_u8(struct nt_msg *m, uint16_t type, uint8_t v)
{
	nt_put(m, type, &v, 1);
}

void nt_put_u32(struct nt_msg *m, uint16_t type, uint32_t v)
{
	nt_put(m, type, &v, 4);
}

void nt_put_u64(struct nt_msg *m, uint16_t type, uint64_t v)
{
	nt_put(m, type, &v, 8);
}

void nt_put_str(struct nt_msg *m, uint16_t type, const char *s)
{
	nt_put(m, type, s, strlen(s) + 1);
}

void nt_put_flag(struct nt_msg *m, uint16_t type)
{
	nt_put(m, type, NULL, 0);
}

void nt_nest_begin(struct nt_msg *m, uint16_t type)
{
	if (m->depth >= sizeof(m->nest) / sizeof(m->nest[0])) {
		m->overflow = true;
		return;
	}
	m->nest[m->depth++] = m->len;
	nt_put(m, type | NLA_F_NESTED, NULL, 0);
}

void nt_nest_end(struct nt_msg *m)
{
	struct nlattr *nla;

	if (!m->depth)
		return;
	nla = (void *)(m->buf + m->nest[--m->depth]);
	if (!m->overflow)
		nla->nla_len = m->len - m->nest[m->depth];
}

/* ---- receiving ------------------------------------------------------------- */

typedef void (*nt_reply_fn)(void *ctx, uint32_t idx, const struct nlmsghdr *nlh);

/* Extended-ack TLVs of an NLMSG_ERROR or NLMSG_DONE. */
static int parse_ack_tlvs(const uint8_t *p, size_t len, struct nt_ack *a,
			  size_t req_len, char *why, size_t whysz)
{
	size_t off = 0;

	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *nla = (const void *)(p + off);
		const uint8_t *val = p + off + NLA_HDRLEN;
		size_t alen = nla->nla_len, vlen;

		if (alen < NLA_HDRLEN || alen > len - off) {
			why_set(why, whysz, "ack: extack TLV length %zu", alen);
			return -EBADMSG;
		}
		vlen = alen - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			if (!vlen || val[vlen - 1] || vlen > NT_EXTACK_MAX) {
				why_set(why, whysz, "ack: extack message not a string");
				return -EBADMSG;
			}
			a->has_msg = true;
			memcpy(a->msg, val, vlen);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (vlen != 4) {
				why_set(why, whysz, "ack: extack offset of %zu bytes", vlen);
				return -EBADMSG;
			}
			a->has_offs = true;
			a->offs = get_u32(val);
			if (req_len && a->offs >= req_len) {
				why_set(why, whysz, "ack: extack offset %u beyond the %zu-byte request",
					a->offs, req_len);
				return -EBADMSG;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			a->has_miss = true;
			break;
		default:	/* cookie, policy, missing nest */
			break;
		}
		off += NLA_ALIGN(alen);
	}
	return 0;
}

static int take_ack(const struct nlmsghdr *nlh, struct nt_ack *a,
		    size_t req_len, char *why, size_t whysz)
{
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	const uint8_t *p = NLMSG_DATA(nlh);
	size_t tlv_off;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		int err;

		if (plen < sizeof(int)) {
			why_set(why, whysz, "NLMSG_DONE of %zu bytes", plen);
			return -EBADMSG;
		}
		memcpy(&err, p, sizeof(err));
		a->err = err;
		a->dump = true;
		tlv_off = sizeof(int);
	} else {
		const struct nlmsgerr *e = (const void *)p;

		if (plen < sizeof(*e)) {
			why_set(why, whysz, "NLMSG_ERROR of %zu bytes", plen);
			return -EBADMSG;
		}
		a->err = e->error;
		tlv_off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			tlv_off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (a->err > 0 || a->err < -4095) {
		why_set(why, whysz, "ack carries error %d", a->err);
		return -EBADMSG;
	}
	a->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (tlv_off > plen) {
		why_set(why, whysz, "ack: TLVs start beyond the message");
		return -EBADMSG;
	}
	return parse_ack_tlvs(p + tlv_off, plen - tlv_off, a, req_len, why,
			      whysz);
}

static int check_reply(struct nt_sock *s, const struct nlmsghdr *nlh,
		       struct out *o, char *why, size_t whysz)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	char line[NT_TEXT_MAX / 4];
	struct out lo = { line, sizeof(line), 0, false };
	int rc;

	if (nlh->nlmsg_type != s->family) {
		why_set(why, whysz, "message of type %u", nlh->nlmsg_type);
		return -EBADMSG;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		why_set(why, whysz, "reply of %u bytes", nlh->nlmsg_len);
		return -EBADMSG;
	}
	if (!nt_cmd_known(g->cmd) || g->reserved) {
		why_set(why, whysz, "reply genlmsghdr cmd %u reserved %u",
			g->cmd, g->reserved);
		return -EBADMSG;
	}
	line[0] = '\0';
	rc = render(NT_SET_TOP, (const uint8_t *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, &lo, 0, why,
		    whysz, 0);
	if (rc)
		return rc;
	if (o)
		emit(o, "%s: %s\n", nt_cmd_name(g->cmd), line);
	return 0;
}

static int batch(struct nt_sock *s, const void *buf, size_t len,
		 struct nt_ack *acks, unsigned int n, uint32_t first_seq,
		 char *text, size_t textsz, char *why, size_t whysz,
		 nt_reply_fn fn, void *ctx)
{
	static uint32_t req_len[NT_MAX_BATCH];
	struct out o = { text, textsz, 0, false };
	unsigned int pending = n, i;
	size_t off = 0;
	int rc = 0;

	if (n > NT_MAX_BATCH)
		return -EINVAL;
	if (text && textsz)
		text[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = (const void *)((const uint8_t *)buf + off);

		memset(&acks[i], 0, sizeof(acks[i]));
		acks[i].seq = first_seq + i;
		req_len[i] = off + NLMSG_HDRLEN <= len ? nlh->nlmsg_len : 0;
		off += NLMSG_ALIGN(req_len[i]);
	}
	if (send(s->fd, buf, len, 0) != (ssize_t)len) {
		rc = -errno;
		why_set(why, whysz, "send of %zu bytes: %s", len, strerror(errno));
		return rc ? rc : -EIO;
	}
	while (pending) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct iovec iov = { s->rbuf, NT_RECV_MAX };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *nlh;
		ssize_t got;
		int left;

		rc = poll(&pfd, 1, NT_ACK_TIMEOUT_MS);
		if (rc <= 0) {
			why_set(why, whysz, "%u of %u acks missing after %d ms",
				pending, n, NT_ACK_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		got = recvmsg(s->fd, &mh, 0);
		if (got < 0) {
			rc = -errno;
			why_set(why, whysz, "recv: %s", strerror(errno));
			return rc;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			why_set(why, whysz, "reply larger than %d bytes", NT_RECV_MAX);
			return -EMSGSIZE;
		}
		left = got;
		for (nlh = (const void *)s->rbuf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			uint32_t idx = nlh->nlmsg_seq - first_seq;
			struct nt_ack *a;

			if (idx >= n) {
				why_set(why, whysz, "message type %u for unknown seq %u",
					nlh->nlmsg_type, nlh->nlmsg_seq);
				return -EPROTO;
			}
			a = &acks[idx];
			if (a->done) {
				a->malformed = true;
				why_set(why, whysz, "seq %u: message type %u after its ack",
					nlh->nlmsg_seq, nlh->nlmsg_type);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				if (take_ack(nlh, a, req_len[idx], why, whysz))
					a->malformed = true;
				a->done = true;
				pending--;
				continue;
			}
			a->nr_replies++;
			if (check_reply(s, nlh, text ? &o : NULL, why, whysz))
				a->malformed = true;
			else if (fn)
				fn(ctx, idx, nlh);
		}
		if (left) {
			why_set(why, whysz, "%d bytes of a partial message", left);
			return -EPROTO;
		}
	}
	return 0;
}

int nt_batch(struct nt_sock *s, const void *buf, size_t len,
	     struct nt_ack *acks, unsigned int n, uint32_t first_seq,
	     char *text, size_t textsz, char *why, size_t whysz)
{
	return batch(s, buf, len, acks, n, first_seq, text, textsz, why,
		     whysz, NULL, NULL);
}

static int do_one(struct nt_sock *s, struct nt_msg *m, struct nt_ack *ack,
		  char *text, size_t textsz, char *why, size_t whysz,
		  nt_reply_fn fn, void *ctx)
{
	struct nlmsghdr *nlh = (void *)m->buf;
	struct nt_ack a;
	int rc;

	if (m->overflow) {
		why_set(why, whysz, "request does not fit in %d bytes", NT_MSG_MAX);
		return -EMSGSIZE;
	}
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = s->seq++;
	nlh->nlmsg_len = m->len;
	rc = batch(s, m->buf, m->len, &a, 1, nlh->nlmsg_seq, text, textsz,
		   why, whysz, fn, ctx);
	if (ack)
		*ack = a;
	if (rc)
		return -EPROTO;
	if (a.malformed)
		return -EPROTO;
	return a.err;
}

int nt_do(struct nt_sock *s, struct nt_msg *m, struct nt_ack *ack,
	  char *text, size_t textsz, char *why, size_t whysz)
{
	return do_one(s, m, ack, text, textsz, why, whysz, NULL, NULL);
}

/* ---- state ----------------------------------------------------------------- */

struct state_ctx {
	char (*lines)[1024];
	unsigned int nr, max;
	uint64_t snapshot_seq;
	bool have_snapshot_seq;
	bool overflow;
	int bad;
	char *why;
	size_t whysz;
	/* nt_state_names */
	unsigned int records;
	bool clients;
	char (*names)[64];
	unsigned int nr_names, max_names;
};

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const uint8_t *p = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, off = 0;

	/* check_reply() has validated the stream. */
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *nla = (const void *)(p + off);

		if ((nla->nla_type & NLA_TYPE_MASK) == type)
			return nla;
		off += NLA_ALIGN(nla->nla_len);
	}
	return NULL;
}

static void state_record(void *vctx, uint32_t idx, const struct nlmsghdr *nlh)
{
	struct state_ctx *c = vctx;
	const struct nlattr *seq = find_attr(nlh, VVMP_A_SNAPSHOT_SEQ);
	const struct nlattr *ev = find_attr(nlh, VVMP_A_EVENT);
	struct out o;

	(void)idx;
	c->records++;
	if (seq) {
		if (c->have_snapshot_seq) {
			why_set(c->why, c->whysz, "state_get: SNAPSHOT_SEQ in more than one record");
			c->bad = -EBADMSG;
		}
		c->have_snapshot_seq = true;
		c->snapshot_seq = get_u64((const uint8_t *)seq + NLA_HDRLEN);
	} else if (c->records == 1) {
		why_set(c->why, c->whysz, "state_get: first record without SNAPSHOT_SEQ");
		c->bad = -EBADMSG;
	}
	if (!ev) {
		/* An empty state still reports SNAPSHOT_SEQ, in a bare record. */
		if (!seq || c->records != 1) {
			why_set(c->why, c->whysz, "state_get: record without EVENT");
			c->bad = -EBADMSG;
		}
		return;
	}
	if (c->names && ev) {
		uint8_t kind = *((const uint8_t *)ev + NLA_HDRLEN);
		const struct nlattr *name = find_attr(nlh, c->clients ?
						      VVMP_A_CLIENT_NAME :
						      VVMP_A_VD_NAME);

		if (kind == (c->clients ? VVMP_EVENT_CLIENT_EXISTS :
			     VVMP_EVENT_VD_EXISTS) && name &&
		    c->nr_names < c->max_names) {
			snprintf(c->names[c->nr_names++], 64, "%s",
				 (const char *)name + NLA_HDRLEN);
		}
	}
	if (!c->lines)
		return;
	if (c->nr >= c->max) {
		c->overflow = true;
		return;
	}
	o = (struct out){ c->lines[c->nr], sizeof(c->lines[0]), 0, false };
	c->lines[c->nr][0] = '\0';
	render(NT_SET_TOP, (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN,
	       nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, &o, 0, NULL, 0,
	       VVMP_A_SNAPSHOT_SEQ);
	if (o.full)
		c->overflow = true;
	c->nr++;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int dump_state(struct nt_sock *s, struct state_ctx *c)
{
	struct nt_msg *m = malloc(sizeof(*m));
	struct nt_ack a;
	int rc;

	if (!m)
		return -ENOMEM;
	nt_msg_init(m, s->family, NLM_F_DUMP, VVMP_CMD_STATE_GET);
	rc = do_one(s, m, &a, NULL, 0, c->why, c->whysz, state_record, c);
	free(m);
	if (rc)
		return rc;
	if (c->bad)
		return -EPROTO;
	if (c->overflow) {
		why_set(c->why, c->whysz, "state_get: more than %u records or a record over 1 KiB",
			c->max);
		return -EMSGSIZE;
	}
	return 0;
}

int nt_state(struct nt_sock *s, char *text, size_t textsz,
	     uint64_t *snapshot_seq, char *why, size_t whysz)
{
	struct state_ctx c = { .max = 256, .why = why, .whysz = whysz };
	struct out o = { text, textsz, 0, false };
	unsigned int i;
	int rc;

	c.lines = calloc(c.max, sizeof(*c.lines));
	if (!c.lines)
		return -ENOMEM;
	rc = dump_state(s, &c);
	if (!rc) {
		qsort(c.lines, c.nr, sizeof(c.lines[0]), cmp_line);
		if (textsz)
			text[0] = '\0';
		for (i = 0; i < c.nr; i++)
			emit(&o, "%s\n", c.lines[i]);
		if (o.full) {
			why_set(why, whysz, "state_get: text over %zu bytes", textsz);
			rc = -EMSGSIZE;
		}
		if (snapshot_seq)
			*snapshot_seq = c.snapshot_seq;
		if (c.nr && !c.have_snapshot_seq) {
			why_set(why, whysz, "state_get: no SNAPSHOT_SEQ");
			rc = -EPROTO;
		}
	}
	free(c.lines);
	return rc;
}

int nt_state_names(struct nt_sock *s, bool clients, char (*names)[64],
		   unsigned int max, char *why, size_t whysz)
{
	struct state_ctx c = { .why = why, .whysz = whysz, .clients = clients,
			       .names = names, .max_names = max };
	int rc = dump_state(s, &c);

	return rc ? rc : (int)c.nr_names;
}
