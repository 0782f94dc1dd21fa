// SPDX-License-Identifier: GPL-2.0
/* vvmpctl stats: counters of a VD, its legs and its clients (VAAPI group PSAP). */
#include <stdlib.h>
#include <string.h>

#include "vvmpctl.h"

static int stats_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_vd_stats *st;
	struct vaapi *h;
	unsigned int i;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
	st = calloc(1, sizeof(*st));
	if (!st)
		return ctl_fail(ctl, -12, "allocate");
	ret = vaapi_psap_copy_vd_stats(h, argv[0], st);
	if (ret) {
		free(st);
		return ctl_fail(ctl, ret, "copy the stats of VD %s", argv[0]);
	}
	out_begin(ctl);
	out_obj_begin(ctl);
	out_str(ctl, "vd", argv[0]);
	print_stats(ctl, &st->vd);
	if (st->nr_legs) {
		out_list_begin(ctl, "legs");
		for (i = 0; i < st->nr_legs; i++) {
			out_obj_begin(ctl);
			out_u64(ctl, "leg", st->legs[i].leg);
			print_stats(ctl, &st->legs[i]);
			out_obj_end(ctl);
		}
		out_list_end(ctl);
	}
	if (st->nr_clients) {
		out_list_begin(ctl, "clients");
		for (i = 0; i < st->nr_clients; i++) {
			out_obj_begin(ctl);
			/* "-": the device without a client, as in dmsetup status. */
			out_str(ctl, "client", st->clients[i].client[0] ? st->clients[i].client : "-");
			print_stats(ctl, &st->clients[i]);
			out_obj_end(ctl);
		}
		out_list_end(ctl);
	}
	out_obj_end(ctl);
	out_end(ctl);
	free(st);
	return EXIT_OK;
}

static int stats_reset(struct ctl *ctl, int argc, char **argv)
{
	return ctl_vd_call(ctl, argc, argv, vaapi_psap_reset_vd_stats, "reset the stats of");
}

static int stats_set(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_stats_directive d = { 0 };
	const char *v;
	struct vaapi *h;
	int i, ret = arg_vd(ctl, argc, argv, argc);

	for (i = 1; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "latency")) {
			ret = arg_value(ctl, argc, argv, &i, &v);
			if (!ret && strcmp(v, "on") && strcmp(v, "off"))
				ret = ctl_usage_error(ctl, "invalid latency '%s': expected on or off", v);
			d.latency = !ret && !strcmp(v, "on");
			d.present |= VAAPI_DIRECTIVE_LATENCY;
		} else if (!strcmp(argv[i], "error-threshold")) {
			ret = arg_value(ctl, argc, argv, &i, &v);
			if (!ret)
				ret = arg_u64(ctl, "error-threshold", v, &d.error_threshold);
			d.present |= VAAPI_DIRECTIVE_ERROR_THRESHOLD;
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ret && !d.present)
		ret = ctl_usage_error(ctl, "missing 'latency on|off' or 'error-threshold N'");
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_psap_set_stats_directive(h, argv[0], &d);
	return ret ? ctl_fail(ctl, ret, "set the stats directive of VD %s", argv[0]) : EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "show", "copy", "NAME", "copy the counters of a VD, each leg and each client", stats_show },
	{ "reset", NULL, "NAME", "zero the counters of a VD", stats_reset },
	{ "set", NULL, "NAME [latency on|off] [error-threshold N]",
	  "keep latency histograms; announce an event at N errors", stats_set },
	{ NULL },
};

const struct ctl_object ctl_stats = {
	.name = "stats",
	.summary = "counters and latency histograms; collection directive",
	.verbs = verbs,
	.details = "latency: bucket i counts bios of [2^i, 2^(i+1)) microseconds.\n",
};
