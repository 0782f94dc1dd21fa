// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl io: raw reads and writes on one leg of a VD (VAAPI group EH,
 * pass-through plans): the control path's own component I/O, e.g. block 0
 * of a leg. It neither fails the leg nor touches the dirty-region log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vvmpctl.h"

#define IO_MAX_SECTORS	(VVMP_IO_MAX_BYTES / 512)

struct io_args {
	uint32_t leg;
	uint64_t sector;
	uint32_t sectors;
	bool raw;		/* read: the bytes themselves on stdout */
	const char *from;	/* write: the file holding the data, "-": stdin */
};

/* NAME leg N sector S length L, then [raw] (read) or from FILE (write). */
static int parse_io(struct ctl *ctl, int argc, char **argv, bool write, struct io_args *a)
{
	bool has_leg = false, has_sector = false, has_length = false;
	const char *v;
	int i, ret = arg_vd(ctl, argc, argv, argc);

	memset(a, 0, sizeof(*a));
	for (i = 1; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "leg")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_leg(ctl, v, &a->leg);
			has_leg = true;
		} else if (!strcmp(argv[i], "sector")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "sector", v, &a->sector);
			has_sector = true;
		} else if (!strcmp(argv[i], "length")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u32(ctl, "length", v, &a->sectors);
			if (!ret && (a->sectors < 1 || a->sectors > IO_MAX_SECTORS))
				ret = ctl_usage_error(ctl, "invalid length '%s': 1 to %d sectors", v,
						      IO_MAX_SECTORS);
			has_length = true;
		} else if (!write && !strcmp(argv[i], "raw")) {
			a->raw = true;
		} else if (write && !strcmp(argv[i], "from")) {
			ret = arg_value(ctl, argc, argv, &i, &a->from);
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ret && !has_leg)
		ret = ctl_usage_error(ctl, "missing 'leg N'");
	if (!ret && !has_sector)
		ret = ctl_usage_error(ctl, "missing 'sector S'");
	if (!ret && !has_length)
		ret = ctl_usage_error(ctl, "missing 'length L'");
	if (!ret && write && !a->from)
		ret = ctl_usage_error(ctl, "missing 'from FILE' (the data to write; '-': stdin)");
	if (!ret && write && !strcmp(a->from, "-") && ctl->batch && !strcmp(ctl->batch, "stdin"))
		ret = ctl_usage_error(ctl, "'from -' in a batch read from stdin: name a file");
	if (!ret && a->raw && ctl->json)
		ret = ctl_usage_error(ctl, "'raw' writes the bytes themselves: not with -j");
	return ret;
}

/* Like hexdump -C, with the VD's byte offsets. */
static void hexdump(FILE *f, uint64_t base, const uint8_t *p, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		fprintf(f, "%010" PRIx64 " ", base + i);
		for (j = 0; j < 16; j++)
			fprintf(f, "%s %02x", j == 8 ? " " : "", p[i + j]);
		fputs("  |", f);
		for (j = 0; j < 16; j++)
			fputc(p[i + j] >= 0x20 && p[i + j] < 0x7f ? p[i + j] : '.', f);
		fputs("|\n", f);
	}
}

static int io_read(struct ctl *ctl, int argc, char **argv)
{
	static const char hex[] = "0123456789abcdef";
	struct io_args a;
	uint8_t *buf;
	char *text;
	size_t len, i;
	struct vaapi *h;
	int ret = parse_io(ctl, argc, argv, false, &a);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	len = (size_t)a.sectors * 512;
	buf = malloc(len);
	text = malloc(2 * len + 1);
	if (!buf || !text) {
		free(buf);
		free(text);
		return ctl_fail(ctl, -ENOMEM, "allocate");
	}
	ret = vaapi_eh_passthrough(h, argv[0], a.leg, false, a.sector, buf, (uint32_t)len);
	if (ret) {
		ret = ctl_fail(ctl, ret, "read leg %u of VD %s at sector %" PRIu64, a.leg, argv[0],
			       a.sector);
	} else if (a.raw) {
		if (fwrite(buf, 1, len, ctl->out) != len)
			ret = ctl_fail(ctl, -errno, "write the data");
	} else if (ctl->json) {
		for (i = 0; i < len; i++) {
			text[2 * i] = hex[buf[i] >> 4];
			text[2 * i + 1] = hex[buf[i] & 15];
		}
		text[2 * len] = '\0';
		out_begin(ctl);
		out_obj_begin(ctl);
		out_str(ctl, "vd", argv[0]);
		out_u64(ctl, "leg", a.leg);
		out_u64(ctl, "sector", a.sector);
		out_u64(ctl, "length", a.sectors);
		out_str(ctl, "data", text);
		out_obj_end(ctl);
		out_end(ctl);
	} else {
		hexdump(ctl->out, a.sector * 512, buf, len);
	}
	free(buf);
	free(text);
	return ret;
}

/* The @len bytes of @path, exactly: 0, or exit 1 after saying why. */
static int read_data(struct ctl *ctl, const char *path, uint8_t *buf, size_t len)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int extra, err = 0;
	size_t n;

	if (!f)
		return ctl_fail(ctl, -errno, "open %s", path);
	n = fread(buf, 1, len, f);
	extra = n == len ? fgetc(f) : EOF;
	if (ferror(f))
		err = errno ? -errno : -EIO;
	if (f != stdin)
		fclose(f);
	if (err)
		return ctl_fail(ctl, err, "read %s", name);
	if (n != len || extra != EOF)
		return ctl_fail(ctl, -EINVAL, "%s holds %s than the %zu bytes of 'length %zu'",
				name, n != len ? "fewer" : "more", len, len / 512);
	return 0;
}

static int io_write(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi *h = NULL;
	struct io_args a;
	uint8_t *buf;
	size_t len;
	int ret = parse_io(ctl, argc, argv, true, &a);

	if (!ret)
		ret = ctl_not_in_txn(ctl);
	if (ret)
		return ret;
	len = (size_t)a.sectors * 512;
	buf = malloc(len);
	if (!buf)
		return ctl_fail(ctl, -ENOMEM, "allocate");
	ret = read_data(ctl, a.from, buf, len);
	if (!ret && !(h = ctl_handle(ctl)))
		ret = EXIT_FAILED;
	if (!ret && (ret = vaapi_eh_passthrough(h, argv[0], a.leg, true, a.sector, buf,
						(uint32_t)len)))
		ret = ctl_fail(ctl, ret, "write leg %u of VD %s at sector %" PRIu64, a.leg, argv[0],
			       a.sector);
	free(buf);
	return ret;
}

static const struct ctl_verb verbs[] = {
	{ "read", NULL, "NAME leg N sector S length L [raw]",
	  "read L sectors at VD sector S from leg N only: a hexdump, or the bytes (raw)", io_read },
	{ "write", NULL, "NAME leg N sector S length L from FILE",
	  "write the L sectors FILE holds ('-': stdin) at VD sector S of leg N only", io_write },
	{ NULL },
};

const struct ctl_object ctl_io = {
	.name = "io",
	.summary = "raw reads and writes on one leg of a VD (pass-through)",
	.verbs = verbs,
	.details =
	"S is a VD sector, placed by leg N's own extents; L is 1 to 64 sectors\n"
	"(32 KiB), and must not cross an extent boundary of the leg. The I/O\n"
	"neither fails the leg nor marks the dirty-region log: it is the control\n"
	"path's own component I/O (a write is FUA). A read prints a hexdump (VD byte\n"
	"offsets), the bytes themselves with 'raw' (e.g. > file), and with -j a\n"
	"JSON object whose data is lowercase hex. FILE must hold exactly L sectors.\n"
	"'io write' is not staged in transactions.\n"
	"Example: vvmpctl io read data0 leg 1 sector 0 length 8 raw > leg1-block0\n",
};
