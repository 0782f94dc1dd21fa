// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl leg: fail a mirror leg and bring it back (VAAPI group SSAP,
 * PLAN_SET fail and restore: the messages fail_leg and restore_leg of
 * Documentation/dm-vvmp.rst over netlink).
 */
#include <string.h>

#include "vvmpctl.h"

/* NAME N [full] (full only when @full is given). */
static int parse_leg(struct ctl *ctl, int argc, char **argv, uint32_t *leg, bool *full)
{
	int ret = arg_vd(ctl, argc, argv, argc);

	if (!ret && argc < 2)
		ret = ctl_usage_error(ctl, "missing leg index N");
	if (!ret)
		ret = arg_leg(ctl, argv[1], leg);
	if (!ret && full && argc > 2 && !strcmp(argv[2], "full")) {
		*full = true;
		argc--, argv++;
	}
	return ret ? ret : arg_no_more(ctl, argc, argv, 2);
}

static int leg_fail(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi *h;
	uint32_t leg;
	int ret = parse_leg(ctl, argc, argv, &leg, NULL);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_ssap_fail_leg(h, argv[0], leg);
	return ret ? ctl_fail(ctl, ret, "fail leg %u of VD %s", leg, argv[0]) : EXIT_OK;
}

static int leg_restore(struct ctl *ctl, int argc, char **argv)
{
	bool full = false;
	struct vaapi *h;
	uint32_t leg;
	int ret = parse_leg(ctl, argc, argv, &leg, &full);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_ssap_restore_leg(h, argv[0], leg, full);
	return ret ? ctl_fail(ctl, ret, "restore leg %u of VD %s", leg, argv[0]) : EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "fail", NULL, "NAME N",
	  "mark leg N failed: it takes no more I/O (refused for the last in-sync leg)", leg_fail },
	{ "restore", NULL, "NAME N [full]",
	  "bring failed leg N back and resync its dirty regions (full: everything)", leg_restore },
	{ NULL },
};

const struct ctl_object ctl_leg = {
	.name = "leg",
	.summary = "fail a mirror leg or bring it back (resync)",
	.verbs = verbs,
	.details =
	"N is the leg's index (0 to 7), as 'vd map' shows. 'full' says the leg's\n"
	"contents are unknown (e.g. a new disk in its place): the resync copies the\n"
	"whole VD onto it instead of the dirty regions only. Both are staged in a\n"
	"transaction like the other changes.\n",
};
