// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl plan: the I/O plan's components, i.e. the mirror legs (VAAPI
 * group SSAP), and their parameters and exception masks (IOP).
 */
#include <stdlib.h>
#include <string.h>

#include "vvmpctl.h"

static int need_vd(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 1)
		return ctl_usage_error(ctl, "missing VD NAME");
	return arg_name(ctl, "VD name", argv[0]);
}

/* "leg N" at argv[*i]. */
static int leg_index(struct ctl *ctl, int argc, char **argv, int *i, uint32_t *index)
{
	const char *v;
	int ret;

	if (*i >= argc || strcmp(argv[*i], "leg"))
		return ctl_usage_error(ctl, "missing 'leg N'");
	ret = arg_value(ctl, argc, argv, i, &v);
	if (!ret)
		ret = arg_u32(ctl, "leg index", v, index);
	if (!ret && *index >= VVMP_MAX_LEGS)
		ret = ctl_usage_error(ctl, "invalid leg index '%s': 0 to %d", v, VVMP_MAX_LEGS - 1);
	(*i)++;
	return ret;
}

static int extents(struct ctl *ctl, int argc, char **argv, int i, struct vaapi_leg *leg)
{
	int ret;

	memset(leg, 0, sizeof(*leg));
	if (i >= argc)
		return ctl_usage_error(ctl, "missing EXTENT (DEV:OFFSET:LENGTH)");
	for (; i < argc; i++) {
		if (leg->nr_extents == VVMP_MAX_EXTENTS)
			return ctl_usage_error(ctl, "too many extents: at most %d", VVMP_MAX_EXTENTS);
		ret = arg_extent(ctl, argv[i], true, &leg->extents[leg->nr_extents++]);
		if (ret)
			return ret;
	}
	return 0;
}

static int plan_set(struct ctl *ctl, int argc, char **argv, enum vvmp_plan_op op)
{
	struct vaapi_leg *leg = calloc(1, sizeof(*leg));
	uint32_t index = 0;
	struct vaapi *h;
	int i = 1, ret;

	if (!leg)
		return ctl_fail(ctl, -12, "allocate");
	ret = need_vd(ctl, argc, argv);
	if (!ret && op != VVMP_PLAN_ATTACH)
		ret = leg_index(ctl, argc, argv, &i, &index);
	if (!ret && op != VVMP_PLAN_DETACH)
		ret = extents(ctl, argc, argv, i, leg);
	else if (!ret && i < argc)
		ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
	if (!ret) {
		if (!(h = ctl_handle(ctl)))
			ret = EXIT_FAILED;
		else if ((ret = vaapi_ssap_set_io_plan(h, argv[0], op, index,
						       op == VVMP_PLAN_DETACH ? NULL : leg)))
			ret = ctl_fail(ctl, ret, "%s a leg of VD %s", vaapi_plan_op_name(op), argv[0]);
	}
	free(leg);
	return ret;
}

static int plan_attach(struct ctl *ctl, int argc, char **argv)
{
	return plan_set(ctl, argc, argv, VVMP_PLAN_ATTACH);
}

static int plan_detach(struct ctl *ctl, int argc, char **argv)
{
	return plan_set(ctl, argc, argv, VVMP_PLAN_DETACH);
}

static int plan_replace(struct ctl *ctl, int argc, char **argv)
{
	return plan_set(ctl, argc, argv, VVMP_PLAN_REPLACE);
}

static int plan_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_component c[VVMP_MAX_LEGS];
	unsigned int i, nr;
	struct vaapi *h;
	int ret = need_vd(ctl, argc, argv);

	if (!ret && argc > 1)
		ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[1]);
	if (ret)
		return ret;
	if (!(h = ctl_handle(ctl)))
		return EXIT_FAILED;
	ret = vaapi_iop_get_plan_params(h, argv[0], c, VVMP_MAX_LEGS, &nr);
	if (ret)
		return ctl_fail(ctl, ret, "get the plan parameters of VD %s", argv[0]);
	out_begin(ctl);
	for (i = 0; i < nr; i++) {
		out_obj_begin(ctl);
		out_str(ctl, "vd", argv[0]);
		out_u64(ctl, "leg", c[i].leg);
		if (c[i].present & VAAPI_COMPONENT_TIMEOUT)
			out_u64(ctl, "timeout_ms", c[i].timeout_ms);
		if (c[i].present & VAAPI_COMPONENT_MASKS)
			print_masks(ctl, "masks", c[i].masks);
		out_obj_end(ctl);
	}
	out_end(ctl);
	return EXIT_OK;
}

static int plan_params(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_component c = { 0 };
	uint32_t index;
	const char *v;
	struct vaapi *h;
	int i = 1, ret;

	if (argc <= 1)
		return plan_show(ctl, argc, argv);
	ret = need_vd(ctl, argc, argv);
	if (!ret)
		ret = leg_index(ctl, argc, argv, &i, &index);
	for (; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "timeout")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u32(ctl, "timeout", v, &c.timeout_ms);
			c.present |= VAAPI_COMPONENT_TIMEOUT;
		} else if (!strcmp(argv[i], "masks")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_masks(ctl, v, &c.masks);
			c.present |= VAAPI_COMPONENT_MASKS;
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (ret)
		return ret;
	if (!c.present)
		return ctl_usage_error(ctl, "missing 'timeout MS' or 'masks LIST'");
	if (!(h = ctl_handle(ctl)))
		return EXIT_FAILED;
	ret = vaapi_iop_set_plan_params(h, argv[0], index, &c);
	return ret ? ctl_fail(ctl, ret, "set the plan parameters of VD %s leg %u", argv[0], index)
		   : EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "attach", NULL, "NAME EXTENT...", "add a mirror leg (copied from the in-sync legs)",
	  plan_attach },
	{ "detach", NULL, "NAME leg N", "remove leg N; later legs move down", plan_detach },
	{ "replace", NULL, "NAME leg N EXTENT...", "give leg N new extents (copied)", plan_replace },
	{ "show", NULL, "NAME", "show every leg's timeout and masks", plan_show },
	{ "params", NULL, "NAME [leg N [timeout MS] [masks LIST]]",
	  "set leg N's timeout (0: none) and masks; without 'leg': show", plan_params },
	{ NULL },
};

const struct ctl_object ctl_plan = {
	.name = "plan",
	.summary = "mirror legs of a VD, their timeouts and exception masks",
	.verbs = verbs,
	.details =
	"EXTENT := DEV:OFFSET:LENGTH\n"
	"LIST   := none | MASK[,MASK]... | a number;\n"
	"          MASK := continuation | success | log | log-data | deactivate\n",
};
