// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl events: the current state as records, then every change, one
 * line (or one JSON object) per event, each change exactly once.
 */
#include <errno.h>

#include "vvmpctl.h"

static int print_one(const struct vaapi_event *ev, bool snapshot, void *arg)
{
	print_event(arg, ev, snapshot);
	return 0;
}

static int events_open(struct ctl *ctl, int argc, char **argv, struct vaapi_events **ev)
{
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_no_more(ctl, argc, argv, 0), &h);

	if (ret)
		return ret;
	*ev = vaapi_events_open(h);
	if (!*ev)
		return ctl_fail(ctl, -errno, "listen to the %s group", VVMP_MCGRP_EVENTS);
	return 0;
}

static int events_monitor(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_events *ev;
	int ret = events_open(ctl, argc, argv, &ev);

	if (ret)
		return ret;
	ret = vaapi_events_run(ev, print_one, ctl);
	vaapi_events_close(ev);
	return ret ? ctl_fail(ctl, ret, "follow events") : EXIT_OK;
}

static int events_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_events *ev;
	int ret = events_open(ctl, argc, argv, &ev);

	if (ret)
		return ret;
	ret = vaapi_events_snapshot(ev, print_one, ctl);
	vaapi_events_close(ev);
	return ret ? ctl_fail(ctl, ret, "dump the current state") : EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "monitor", NULL, "", "print the current state, then every change as it happens",
	  events_monitor },
	{ "show", NULL, "", "print the current state as event records and exit", events_show },
	{ NULL },
};

const struct ctl_object ctl_events = {
	.name = "events",
	.summary = "current state, then the live stream of changes",
	.verbs = verbs,
	.default_verb = "monitor",
	.details =
	"Snapshot records carry 'snapshot'; after them each change appears exactly\n"
	"once. 'events_lost' means the kernel dropped events: a new snapshot follows.\n",
};
