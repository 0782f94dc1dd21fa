// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl: error messages and exit codes (1 operation failed, 2 usage), and
 * what the kernel verbs share: the handle, opened only once a verb's
 * arguments are checked, and the verbs that are one call on a named VD.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "vvmpctl.h"

static void prefix(struct ctl *ctl)
{
	fputs("vvmpctl: ", stderr);
	if (ctl->batch && ctl->lineno)
		fprintf(stderr, "%s:%u: ", ctl->batch, ctl->lineno);
}

int ctl_usage_error(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fflush(ctl->out);
	prefix(ctl);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctl->object && ctl->verb)
		fprintf(stderr, "\nTry 'vvmpctl %s %s --help'.\n", ctl->object->name, ctl->verb->name);
	else if (ctl->object)
		fprintf(stderr, "\nTry 'vvmpctl %s help'.\n", ctl->object->name);
	else
		fputs("\nTry 'vvmpctl --help'.\n", stderr);
	return EXIT_USAGE;
}

int ctl_fail(struct ctl *ctl, int err, const char *fmt, ...)
{
	const char *extack = ctl->h ? vaapi_strerror(ctl->h) : "";
	va_list ap;

	fflush(ctl->out);
	prefix(ctl);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	if (extack && extack[0])
		fprintf(stderr, ": %s", extack);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

struct vaapi *ctl_handle(struct ctl *ctl)
{
	if (ctl->h)
		return ctl->h;
	ctl->h = vaapi_open();
	if (!ctl->h) {
		int err = errno;

		fflush(ctl->out);
		prefix(ctl);
		fprintf(stderr, "connect to the %s generic netlink family: %s", VVMP_GENL_NAME,
			strerror(err));
		if (vaapi_strerror(NULL)[0])
			fprintf(stderr, ": %s", vaapi_strerror(NULL));
		fputc('\n', stderr);
	}
	return ctl->h;
}

int ctl_handle_parsed(struct ctl *ctl, int parse_ret, struct vaapi **h)
{
	if (parse_ret)
		return parse_ret;
	*h = ctl_handle(ctl);
	return *h ? 0 : EXIT_FAILED;
}

int ctl_handle_unstaged(struct ctl *ctl, int parse_ret, struct vaapi **h)
{
	return ctl_handle_parsed(ctl, parse_ret ? parse_ret : ctl_not_in_txn(ctl), h);
}

int ctl_vd_call(struct ctl *ctl, int argc, char **argv,
		int (*call)(struct vaapi *h, const char *vd), const char *action)
{
	struct vaapi *h;
	int ret = ctl_handle_parsed(ctl, arg_vd(ctl, argc, argv, 1), &h);

	if (ret)
		return ret;
	ret = call(h, argv[0]);
	return ret ? ctl_fail(ctl, ret, "%s VD %s", action, argv[0]) : EXIT_OK;
}

int ctl_not_in_txn(struct ctl *ctl)
{
	if (!ctl->h || !vaapi_tx_current(ctl->h))
		return 0;
	return ctl_usage_error(ctl, "'%s %s' is not staged in transactions (it would apply at once): run it after 'txn commit'",
			       ctl->object->name, ctl->verb->name);
}
