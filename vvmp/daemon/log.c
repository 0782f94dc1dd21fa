// SPDX-License-Identifier: GPL-2.0
/* Log lines on stderr (journald adds its own timestamps under systemd). */
#include <stdarg.h>
#include <stdio.h>

#include "daemon/vvmpd_internal.h"

static void vlog(const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One fprintf per line, so lines of different threads do not interleave. */
	fprintf(stderr, "vvmpd: %s\n", line);
}

void vvmpd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void vvmpd_debug(struct vvmpd *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->cfg.verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
