// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl vd: virtual disks and their maps (VAAPI group AP), their
 * activation after a deactivation, their resync rate, their exception
 * policy and copies within them (EH).
 */
#include <stdlib.h>
#include <string.h>

#include "vvmpctl.h"

#define MAP_GRAMMAR \
	"MAP     := LAYOUT [nosync] leg EXTENT... [leg EXTENT...]...   (1 to 8 legs: 2+ mirror)\n" \
	"LAYOUT  := linear | striped CHUNK        (CHUNK: sectors, a power of two >= 8)\n" \
	"EXTENT  := DEV:OFFSET:LENGTH             (DEV: /dev/... or major:minor; sectors)\n" \
	"SEGMENT := start S length L extent DEV:OFFSET [extent DEV:OFFSET]...\n" \
	"           (one extent per leg, each L sectors long; S = VD size extends the VD)\n" \
	"OPTIONS := [region-sectors N] [resync-rate K]   (vd create, after the MAP)\n" \
	"           N: dirty-region log region, a power of two from 8 to 2097152 sectors\n" \
	"           (default 1024); K: KiB/s a resync copies at, 0 = no limit (default)\n" \
	"copy:       without src-leg from an in-sync leg, without dst-leg onto every\n" \
	"            leg not failed (src = dst: every other leg); [D, D+L) must lie in\n" \
	"            divert ranges (divert add) so that no client write races the copy\n" \
	"exc-policy: a plan is held at most MS ms (1 to 3600000, default 30000), then\n" \
	"            fail: its client I/O fails with EIO (the default), or hold: it is\n" \
	"            held on and announced again. Neither verb is staged in a txn.\n" \
	"Example: vvmpctl vd create data0 linear leg /dev/sdb:0:2048 leg /dev/sdc:0:2048\n"

/* The resync rate in KiB/s: any u32, 0 for no limit. */
static int arg_resync_rate(struct ctl *ctl, const char *s, uint32_t *rate)
{
	return arg_u32(ctl, "resync-rate", s, rate);
}

/*
 * OPTIONS of vd create at argv[0..argc): "region-sectors N", "resync-rate K",
 * each at most once.
 */
static int parse_create_opts(struct ctl *ctl, int argc, char **argv, struct vaapi_vd_opts *opts)
{
	const char *v;
	int i, err;

	memset(opts, 0, sizeof(*opts));
	for (i = 0; i < argc; i++) {
		unsigned int bit;

		if (!strcmp(argv[i], "region-sectors"))
			bit = VAAPI_VD_OPT_REGION_SECTORS;
		else if (!strcmp(argv[i], "resync-rate"))
			bit = VAAPI_VD_OPT_RESYNC_RATE;
		else
			return ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		if (opts->present & bit)
			return ctl_usage_error(ctl, "'%s' given twice", argv[i]);
		opts->present |= bit;
		if ((err = arg_value(ctl, argc, argv, &i, &v)))
			return err;
		if (bit == VAAPI_VD_OPT_RESYNC_RATE) {
			err = arg_resync_rate(ctl, v, &opts->resync_rate);
		} else {
			err = arg_u32(ctl, "region-sectors", v, &opts->region_sectors);
			if (!err && (opts->region_sectors < VVMP_REGION_SECTORS_MIN ||
				     opts->region_sectors > VVMP_REGION_SECTORS_MAX ||
				     (opts->region_sectors & (opts->region_sectors - 1))))
				err = ctl_usage_error(ctl, "invalid region-sectors '%s': a power of two from %u to %u",
						      v, VVMP_REGION_SECTORS_MIN, VVMP_REGION_SECTORS_MAX);
		}
		if (err)
			return err;
	}
	return 0;
}

/* Where the MAP of vd create ends: at the first OPTIONS keyword. */
static int map_words(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "region-sectors") || !strcmp(argv[i], "resync-rate"))
			return i;
	return argc;
}

static int map_verb(struct ctl *ctl, int argc, char **argv, bool create)
{
	struct vaapi_map *map = calloc(1, sizeof(*map));
	struct vaapi_vd_opts opts = { 0 };
	struct vaapi *h;
	int ret, nr_map = argc - 1;

	if (!map)
		return ctl_fail(ctl, -12, "allocate a map");
	ret = arg_vd(ctl, argc, argv, argc);
	if (!ret && create)
		nr_map = map_words(argc - 1, argv + 1);
	if (!ret)
		ret = arg_map(ctl, nr_map, argv + 1, map);
	if (!ret && create)
		ret = parse_create_opts(ctl, argc - 1 - nr_map, argv + 1 + nr_map, &opts);
	ret = ctl_handle_parsed(ctl, ret, &h);
	if (!ret && (ret = create ? vaapi_ap_create_vd_opts(h, argv[0], map, &opts)
			       : vaapi_ap_set_map_vd(h, argv[0], map)))
		ret = ctl_fail(ctl, ret, "%s VD %s", create ? "create" : "set the map of", argv[0]);
	free(map);
	return ret;
}

static int vd_create(struct ctl *ctl, int argc, char **argv)
{
	return map_verb(ctl, argc, argv, true);
}

static int vd_set_map(struct ctl *ctl, int argc, char **argv)
{
	return map_verb(ctl, argc, argv, false);
}

static int vd_delete(struct ctl *ctl, int argc, char **argv)
{
	return ctl_vd_call(ctl, argc, argv, vaapi_ap_delete_vd, "delete");
}

static int show_one(const struct vaapi_vd_info *info, void *arg)
{
	print_vd_info(arg, info);
	return 0;
}

static int vd_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_vd_info *info;
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, argc ? arg_vd(ctl, argc, argv, 1) : 0, &h);

	if (ret)
		return ret;
	if (!argc) {
		out_begin(ctl);
		ret = vaapi_ap_list_vds(h, show_one, ctl);
		out_end(ctl);
		return ret ? ctl_fail(ctl, ret, "list VDs") : EXIT_OK;
	}
	info = calloc(1, sizeof(*info));
	if (!info)
		return ctl_fail(ctl, -12, "allocate");
	ret = vaapi_ap_get_vd(h, argv[0], info);
	if (ret) {
		ret = ctl_fail(ctl, ret, "get VD %s", argv[0]);
	} else {
		out_begin(ctl);
		print_vd_info(ctl, info);
		out_end(ctl);
	}
	free(info);
	return ret;
}

static int vd_map(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_map *map;
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
	map = calloc(1, sizeof(*map));
	if (!map)
		return ctl_fail(ctl, -12, "allocate a map");
	ret = vaapi_ap_get_map_vd(h, argv[0], map);
	if (ret) {
		ret = ctl_fail(ctl, ret, "get the map of VD %s", argv[0]);
	} else {
		out_begin(ctl);
		print_map(ctl, argv[0], map);
		out_end(ctl);
	}
	free(map);
	return ret;
}

/* [start S] length L extent DEV:OFFSET...; start optional only for extend. */
static int parse_segment(struct ctl *ctl, int argc, char **argv, bool need_start,
			 struct vaapi_segment *seg)
{
	bool has_start = false, has_length = false;
	const char *v;
	int i, err;

	memset(seg, 0, sizeof(*seg));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "start") && need_start) {
			if ((err = arg_value(ctl, argc, argv, &i, &v)) ||
			    (err = arg_u64(ctl, "start", v, &seg->start)))
				return err;
			has_start = true;
		} else if (!strcmp(argv[i], "length")) {
			if ((err = arg_value(ctl, argc, argv, &i, &v)) ||
			    (err = arg_u64(ctl, "length", v, &seg->length)))
				return err;
			if (seg->length == 0)
				return ctl_usage_error(ctl, "invalid length '0': a segment has > 0 sectors");
			has_length = true;
		} else if (!strcmp(argv[i], "extent")) {
			if (seg->nr_extents == VVMP_MAX_LEGS)
				return ctl_usage_error(ctl, "too many extents: one per leg, at most %d",
						       VVMP_MAX_LEGS);
			if ((err = arg_value(ctl, argc, argv, &i, &v)) ||
			    (err = arg_extent(ctl, v, false, &seg->extents[seg->nr_extents++])))
				return err;
		} else {
			return ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (need_start && !has_start)
		return ctl_usage_error(ctl, "missing 'start S'");
	if (!has_length)
		return ctl_usage_error(ctl, "missing 'length L'");
	if (!seg->nr_extents)
		return ctl_usage_error(ctl, "missing 'extent DEV:OFFSET' (one per leg)");
	for (i = 0; i < (int)seg->nr_extents; i++)
		seg->extents[i].length = seg->length;
	return 0;
}

static int vd_set_segment(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_segment seg;
	struct vaapi *h;
	int ret = arg_vd(ctl, argc, argv, argc);

	if (!ret)
		ret = parse_segment(ctl, argc - 1, argv + 1, true, &seg);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_ap_set_segment_vd(h, argv[0], &seg);
	return ret ? ctl_fail(ctl, ret, "set a segment of VD %s", argv[0]) : EXIT_OK;
}

static int vd_extend(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_segment seg;
	struct vaapi_vd_info *info;
	struct vaapi *h;
	int ret = arg_vd(ctl, argc, argv, argc);

	if (!ret)
		ret = parse_segment(ctl, argc - 1, argv + 1, false, &seg);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	info = calloc(1, sizeof(*info));
	if (!info)
		return ctl_fail(ctl, -12, "allocate");
	ret = vaapi_ap_get_vd(h, argv[0], info);
	if (ret) {
		ret = ctl_fail(ctl, ret, "get the size of VD %s", argv[0]);
	} else {
		seg.start = info->size;
		ret = vaapi_ap_set_segment_vd(h, argv[0], &seg);
		if (ret)
			ret = ctl_fail(ctl, ret, "extend VD %s", argv[0]);
	}
	free(info);
	return ret;
}

static int vd_size(struct ctl *ctl, int argc, char **argv)
{
	uint32_t extents;
	uint64_t bytes;
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
	ret = vaapi_ap_get_map_size_vd(h, argv[0], &extents, &bytes);
	if (ret)
		return ctl_fail(ctl, ret, "get the map size of VD %s", argv[0]);
	out_begin(ctl);
	out_obj_begin(ctl);
	out_str(ctl, "vd", argv[0]);
	out_u64(ctl, "map_extents", extents);
	out_u64(ctl, "map_bytes", bytes);
	out_obj_end(ctl);
	out_end(ctl);
	return EXIT_OK;
}

static int vd_resize(struct ctl *ctl, int argc, char **argv)
{
	return ctl_vd_call(ctl, argc, argv, vaapi_ap_resize_devices, "resize the devices of");
}

static int vd_activate(struct ctl *ctl, int argc, char **argv)
{
	return ctl_vd_call(ctl, argc, argv, vaapi_eh_activate_vd, "activate");
}

static int vd_resync_rate(struct ctl *ctl, int argc, char **argv)
{
	uint32_t rate;
	struct vaapi *h;
	int ret = arg_vd(ctl, argc, argv, argc);

	if (!ret && argc < 2)
		ret = ctl_usage_error(ctl, "missing resync rate (KiB/s, 0: no limit)");
	if (!ret)
		ret = arg_resync_rate(ctl, argv[1], &rate);
	if (!ret)
		ret = arg_no_more(ctl, argc, argv, 2);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_set_resync_rate(h, argv[0], rate);
	return ret ? ctl_fail(ctl, ret, "set the resync rate of VD %s", argv[0]) : EXIT_OK;
}

/* vaapi_eh_set_plan_policy: [timeout MS] [on-timeout fail|hold], at least one. */
static int vd_exc_policy(struct ctl *ctl, int argc, char **argv)
{
	uint32_t timeout_ms = 0;
	int on_timeout = -1;
	struct vaapi *h;
	const char *v;
	int i, ret = arg_vd(ctl, argc, argv, argc);

	for (i = 1; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "timeout")) {
			if (timeout_ms)
				ret = ctl_usage_error(ctl, "'timeout' given twice");
			if (!ret)
				ret = arg_value(ctl, argc, argv, &i, &v);
			if (!ret)
				ret = arg_u32(ctl, "timeout", v, &timeout_ms);
			if (!ret && (timeout_ms < 1 || timeout_ms > VVMP_EXC_TIMEOUT_MS_MAX))
				ret = ctl_usage_error(ctl, "invalid timeout '%s': 1 to %u ms", v,
						      VVMP_EXC_TIMEOUT_MS_MAX);
		} else if (!strcmp(argv[i], "on-timeout")) {
			if (on_timeout >= 0)
				ret = ctl_usage_error(ctl, "'on-timeout' given twice");
			if (!ret)
				ret = arg_value(ctl, argc, argv, &i, &v);
			if (!ret && !strcmp(v, vaapi_exc_on_timeout_name(VVMP_EXC_TIMEOUT_FAIL)))
				on_timeout = VVMP_EXC_TIMEOUT_FAIL;
			else if (!ret && !strcmp(v, vaapi_exc_on_timeout_name(VVMP_EXC_TIMEOUT_HOLD)))
				on_timeout = VVMP_EXC_TIMEOUT_HOLD;
			else if (!ret)
				ret = ctl_usage_error(ctl, "invalid on-timeout '%s': expected fail or hold",
						      v);
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ret && !timeout_ms && on_timeout < 0)
		ret = ctl_usage_error(ctl, "missing 'timeout MS' or 'on-timeout fail|hold'");
	if ((ret = ctl_handle_unstaged(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_set_plan_policy(h, argv[0], timeout_ms, on_timeout);
	return ret ? ctl_fail(ctl, ret, "set the exception policy of VD %s", argv[0]) : EXIT_OK;
}

/* vaapi_eh_copy: [src-leg N] src S [dst-leg M] dst D length L, in any order. */
static int vd_copy(struct ctl *ctl, int argc, char **argv)
{
	bool has_src = false, has_dst = false, has_length = false;
	struct vaapi_copy c = { 0 };
	struct vaapi *h;
	const char *v;
	int i, ret = arg_vd(ctl, argc, argv, argc);

	for (i = 1; !ret && i < argc; i++) {
		const char *w = argv[i];
		bool *seen;

		if (!strcmp(w, "src-leg"))
			seen = &c.has_src_leg;
		else if (!strcmp(w, "dst-leg"))
			seen = &c.has_dst_leg;
		else if (!strcmp(w, "src"))
			seen = &has_src;
		else if (!strcmp(w, "dst"))
			seen = &has_dst;
		else if (!strcmp(w, "length"))
			seen = &has_length;
		else
			return ctl_usage_error(ctl, "unexpected argument '%s'", w);
		if (*seen)
			return ctl_usage_error(ctl, "'%s' given twice", w);
		*seen = true;
		if ((ret = arg_value(ctl, argc, argv, &i, &v)))
			return ret;
		if (!strcmp(w, "src-leg"))
			ret = arg_leg(ctl, v, &c.src_leg);
		else if (!strcmp(w, "dst-leg"))
			ret = arg_leg(ctl, v, &c.dst_leg);
		else if (!strcmp(w, "src"))
			ret = arg_u64(ctl, "src", v, &c.src_sector);
		else if (!strcmp(w, "dst"))
			ret = arg_u64(ctl, "dst", v, &c.dst_sector);
		else if (!(ret = arg_u64(ctl, "length", v, &c.length)) && !c.length)
			ret = ctl_usage_error(ctl, "invalid length '0': a copy has > 0 sectors");
	}
	if (!ret && !has_src)
		ret = ctl_usage_error(ctl, "missing 'src S'");
	if (!ret && !has_dst)
		ret = ctl_usage_error(ctl, "missing 'dst D'");
	if (!ret && !has_length)
		ret = ctl_usage_error(ctl, "missing 'length L'");
	if ((ret = ctl_handle_unstaged(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_copy(h, argv[0], &c);
	return ret ? ctl_fail(ctl, ret, "copy within VD %s", argv[0]) : EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "create", NULL, "NAME MAP [OPTIONS]",
	  "create a VD with a map, its log's region size and its resync rate", vd_create },
	{ "delete", "del", "NAME", "delete a VD (fails while a dm device exposes it)", vd_delete },
	{ "show", "list", "[NAME]", "show one VD or every VD, with its dm devices", vd_show },
	{ "map", NULL, "NAME", "show a VD's map, leg health and generation", vd_map },
	{ "set-map", NULL, "NAME MAP", "replace a VD's map live", vd_set_map },
	{ "set-segment", NULL, "NAME SEGMENT",
	  "replace VD sectors [S, S+L) live, or extend the VD when S is its size", vd_set_segment },
	{ "extend", NULL, "NAME length L extent DEV:OFFSET...",
	  "append L sectors (set-segment at the VD's size) and grow its dm devices", vd_extend },
	{ "size", NULL, "NAME", "show the extents and kernel memory of a VD's map", vd_size },
	{ "resize", NULL, "NAME", "reload the VD's dm devices to the VD's size", vd_resize },
	{ "activate", NULL, "NAME",
	  "serve I/O again after a failure of a leg with the deactivate mask stopped it",
	  vd_activate },
	{ "resync-rate", NULL, "NAME KIB",
	  "limit the VD's resyncs to KIB KiB/s (0: no limit), from the next window on",
	  vd_resync_rate },
	{ "exc-policy", NULL, "NAME [timeout MS] [on-timeout fail|hold]",
	  "how long plans are held for the control path, and then: fail (EIO) or hold",
	  vd_exc_policy },
	{ "copy", NULL, "NAME [src-leg N] src S [dst-leg M] dst D length L",
	  "copy L sectors from S to D in the kernel (kcopyd); D must be diverted", vd_copy },
	{ NULL },
};

const struct ctl_object ctl_vd = {
	.name = "vd",
	.summary = "virtual disks, their maps, activation, resync rate, exception policy, copies",
	.verbs = verbs,
	.default_verb = "show",
	.details = MAP_GRAMMAR,
};
