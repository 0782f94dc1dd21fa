// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl plan: the I/O plan's components, i.e. the mirror legs (VAAPI
 * group SSAP), their parameters and exception masks (IOP), and the plans
 * the accelerated path holds for the control path (EH: exception plans).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vvmpctl.h"

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
	ret = arg_vd(ctl, argc, argv, argc);
	if (!ret && op != VVMP_PLAN_ATTACH)
		ret = leg_index(ctl, argc, argv, &i, &index);
	if (!ret && op != VVMP_PLAN_DETACH)
		ret = extents(ctl, argc, argv, i, leg);
	else if (!ret)
		ret = arg_no_more(ctl, argc, argv, i);
	ret = ctl_handle_parsed(ctl, ret, &h);
	if (!ret && (ret = vaapi_ssap_set_io_plan(h, argv[0], op, index,
						  op == VVMP_PLAN_DETACH ? NULL : leg)))
		ret = ctl_fail(ctl, ret, "%s a leg of VD %s", vaapi_plan_op_name(op), argv[0]);
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

static int params_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_component c[VVMP_MAX_LEGS];
	unsigned int i, nr;
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
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
		return params_show(ctl, argc, argv);
	ret = arg_vd(ctl, argc, argv, argc);
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
	if (!ret && !c.present)
		ret = ctl_usage_error(ctl, "missing 'timeout MS' or 'masks LIST'");
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_iop_set_plan_params(h, argv[0], index, &c);
	return ret ? ctl_fail(ctl, ret, "set the plan parameters of VD %s leg %u", argv[0], index)
		   : EXIT_OK;
}

/* ---- exception plans (EH) ---------------------------------------------- */

/* A plan id: the kernel numbers plans from 1. */
static int plan_id(struct ctl *ctl, int argc, char **argv, uint64_t *id)
{
	int ret;

	if (argc < 1)
		return ctl_usage_error(ctl, "missing plan ID");
	ret = arg_u64(ctl, "plan id", argv[0], id);
	if (!ret && *id == 0)
		ret = ctl_usage_error(ctl, "invalid plan id '0': plans are numbered from 1");
	return ret;
}

static int print_plan(const struct vaapi_exception *e, void *arg)
{
	struct ctl *ctl = arg;

	out_obj_begin(ctl);
	print_exception(ctl, e, false);
	out_obj_end(ctl);
	return 0;
}

/* vaapi_eh_list_plans: the seeds' get-all-in-AP, or get-plan-for-VD. */
static int plan_list(struct ctl *ctl, int argc, char **argv)
{
	const char *vd = NULL;
	struct vaapi *h;
	int i = 0, ret = 0;

	if (argc && !strcmp(argv[0], "vd")) {
		ret = arg_value(ctl, argc, argv, &i, &vd);
		if (!ret)
			ret = arg_name(ctl, "VD name", vd);
		i++;
	}
	if (!ret)
		ret = arg_no_more(ctl, argc, argv, i);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	out_begin(ctl);
	ret = vaapi_eh_list_plans(h, vd, print_plan, ctl);
	out_end(ctl);
	if (ret && vd)
		return ctl_fail(ctl, ret, "list the plans held for VD %s", vd);
	return ret ? ctl_fail(ctl, ret, "list the held plans") : EXIT_OK;
}

/* vaapi_eh_get_plan */
static int plan_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_exception e;
	struct vaapi *h;
	uint64_t id;
	int ret;

	/* 'plan show NAME' once showed a VD's leg parameters: say where they went. */
	if (argc && argv[0][0] && !strchr("0123456789", argv[0][0]))
		return ctl_usage_error(ctl, "invalid plan id '%s': expected a decimal number (a VD's leg timeouts and masks: 'plan params %s')",
				       argv[0], argv[0]);
	ret = plan_id(ctl, argc, argv, &id);
	if (!ret)
		ret = arg_no_more(ctl, argc, argv, 1);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_get_plan(h, id, &e);
	if (ret)
		return ctl_fail(ctl, ret, "get plan %" PRIu64, id);
	out_begin(ctl);
	print_plan(&e, ctl);
	out_end(ctl);
	return EXIT_OK;
}

static void taken_forget(struct ctl *ctl, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < ctl->nr_taken; i++)
		if (ctl->taken[i] == id) {
			ctl->taken[i] = ctl->taken[--ctl->nr_taken];
			return;
		}
}

/* vaapi_eh_take_plan */
static int plan_take(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi *h;
	uint64_t id;
	int ret = plan_id(ctl, argc, argv, &id);

	if (!ret)
		ret = arg_no_more(ctl, argc, argv, 1);
	/* Alone, vvmpctl would close the socket and so hand the plan back at once. */
	if (!ret && !ctl->batch)
		ret = ctl_usage_error(ctl, "'plan take' owns the plan only while this connection is open: use it in a batch (-b) before 'plan resubmit' or 'plan abort'");
	if ((ret = ctl_handle_unstaged(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_take_plan(h, id);
	if (ret)
		return ctl_fail(ctl, ret, "take plan %" PRIu64, id);
	taken_forget(ctl, id);
	if (ctl->nr_taken < sizeof(ctl->taken) / sizeof(ctl->taken[0]))
		ctl->taken[ctl->nr_taken++] = id;
	return EXIT_OK;
}

/* vaapi_eh_resubmit_plan */
static int plan_resubmit(struct ctl *ctl, int argc, char **argv)
{
	uint64_t id, generation;
	struct vaapi *h;
	const char *v;
	int i = 1, ret = plan_id(ctl, argc, argv, &id);

	if (!ret && (i >= argc || strcmp(argv[i], "generation")))
		ret = ctl_usage_error(ctl, "missing 'generation G' (the plan's, as 'plan show' gives it)");
	if (!ret)
		ret = arg_value(ctl, argc, argv, &i, &v);
	if (!ret)
		ret = arg_u64(ctl, "generation", v, &generation);
	if (!ret)
		ret = arg_no_more(ctl, argc, argv, i + 1);
	if ((ret = ctl_handle_unstaged(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_resubmit_plan(h, id, generation);
	if (ret)
		return ctl_fail(ctl, ret, "resubmit plan %" PRIu64 " of generation %" PRIu64,
				id, generation);
	taken_forget(ctl, id);
	return EXIT_OK;
}

/* vaapi_eh_abort_plan */
static int plan_abort(struct ctl *ctl, int argc, char **argv)
{
	uint32_t error = 0;
	struct vaapi *h;
	const char *v;
	uint64_t id;
	int i = 1, ret = plan_id(ctl, argc, argv, &id);

	if (!ret && i < argc) {
		if (strcmp(argv[i], "errno"))
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		if (!ret)
			ret = arg_value(ctl, argc, argv, &i, &v);
		if (!ret)
			ret = arg_errno(ctl, v, &error);
		if (!ret)
			ret = arg_no_more(ctl, argc, argv, i + 1);
	}
	if ((ret = ctl_handle_unstaged(ctl, ret, &h)))
		return ret;
	ret = vaapi_eh_abort_plan(h, id, (int)error);
	if (ret)
		return ctl_fail(ctl, ret, "abort plan %" PRIu64, id);
	taken_forget(ctl, id);
	return EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "attach", NULL, "NAME EXTENT...", "add a mirror leg (copied from the in-sync legs)",
	  plan_attach },
	{ "detach", NULL, "NAME leg N", "remove leg N; later legs move down", plan_detach },
	{ "replace", NULL, "NAME leg N EXTENT...", "give leg N new extents (copied)", plan_replace },
	{ "params", NULL, "NAME [leg N [timeout MS] [masks LIST]]",
	  "set leg N's timeout (a plan of its failure is held at most that long; 0: the VD's) and masks; without 'leg': show every leg's", plan_params },
	{ "list", NULL, "[vd NAME]",
	  "list the plans held for the control path (of one VD), oldest first", plan_list },
	{ "show", NULL, "ID", "show one held plan", plan_show },
	{ "take", NULL, "ID",
	  "own plan ID while this connection lasts (batch only: -b)", plan_take },
	{ "resubmit", NULL, "ID generation G",
	  "run the plan again; refused (ESTALE) if the VD's map is no longer generation G",
	  plan_resubmit },
	{ "abort", NULL, "ID [errno N|NAME]", "fail the plan's client I/O (default EIO)",
	  plan_abort },
	{ NULL },
};

const struct ctl_object ctl_plan = {
	.name = "plan",
	.summary = "mirror legs, their timeouts and masks; plans held for the control path",
	.verbs = verbs,
	.details =
	"EXTENT := DEV:OFFSET:LENGTH\n"
	"LIST   := none | MASK[,MASK]... | a number;\n"
	"          MASK := continuation | success | log | log-data | deactivate\n"
	"A held plan is I/O on a divert range, or a write whose leg with the log-data\n"
	"mask failed; its client I/O waits until the plan is resubmitted or aborted,\n"
	"its divert range is deleted, or the VD's exception policy applies at its\n"
	"timeout (vd exc-policy). Fields: id vd generation reason (divert|component)\n"
	"op (read|write|discard|write-zeroes|flush) sector length [leg] owner (netlink\n"
	"port of the socket that took it, 0: none) age_ms [client].\n"
	"'plan take' makes this connection the owner: when it closes (the end of the\n"
	"batch), plans it still owns get the VD's timeout policy at once. take,\n"
	"resubmit and abort are not staged in transactions: they apply at once.\n"
	"Example: printf 'plan take 12\\nplan resubmit 12 generation 3\\n' | vvmpctl -b -\n",
};
