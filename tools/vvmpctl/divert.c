// SPDX-License-Identifier: GPL-2.0
/* vvmpctl divert: block ranges of a VD whose I/O goes to the control path (EH). */
#include <string.h>

#include "vvmpctl.h"

static int parse_range(struct ctl *ctl, int argc, char **argv, struct vaapi_range *r)
{
	bool has_start = false, has_length = false;
	const char *v;
	int i, ret = arg_vd(ctl, argc, argv, argc);

	for (i = 1; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "start")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "start", v, &r->start);
			has_start = true;
		} else if (!strcmp(argv[i], "length")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "length", v, &r->length);
			if (!ret && r->length == 0)
				ret = ctl_usage_error(ctl, "invalid length '0': a range has > 0 sectors");
			has_length = true;
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ret && !has_start)
		ret = ctl_usage_error(ctl, "missing 'start S'");
	if (!ret && !has_length)
		ret = ctl_usage_error(ctl, "missing 'length L'");
	return ret;
}

static int divert_add(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_range r;
	struct vaapi *h;
	int ret = parse_range(ctl, argc, argv, &r);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_add_divert(h, argv[0], &r);
	return ret ? ctl_fail(ctl, ret, "add a divert range to VD %s", argv[0]) : EXIT_OK;
}

static int divert_delete(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_range r;
	struct vaapi *h;
	int ret = parse_range(ctl, argc, argv, &r);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_delete_divert(h, argv[0], &r);
	return ret ? ctl_fail(ctl, ret, "delete a divert range of VD %s", argv[0]) : EXIT_OK;
}

static int divert_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_range r[VVMP_MAX_DIVERT_RANGES];
	unsigned int i, nr;
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
	ret = vaapi_eh_list_divert(h, argv[0], r, VVMP_MAX_DIVERT_RANGES, &nr);
	if (ret)
		return ctl_fail(ctl, ret, "list the divert ranges of VD %s", argv[0]);
	out_begin(ctl);
	for (i = 0; i < nr; i++) {
		out_obj_begin(ctl);
		out_str(ctl, "vd", argv[0]);
		out_u64(ctl, "start", r[i].start);
		out_u64(ctl, "length", r[i].length);
		out_obj_end(ctl);
	}
	out_end(ctl);
	return EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "add", NULL, "NAME start S length L", "divert VD sectors [S, S+L) to the control path",
	  divert_add },
	{ "delete", "del", "NAME start S length L", "remove a range, exactly as added", divert_delete },
	{ "show", "list", "NAME", "list a VD's divert ranges", divert_show },
	{ NULL },
};

const struct ctl_object ctl_divert = {
	.name = "divert",
	.summary = "block ranges whose I/O goes to the control path",
	.verbs = verbs,
};
