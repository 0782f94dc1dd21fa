// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl: argument parsers. Each checks one word completely and, when it
 * is wrong, names it in a usage error (exit 2).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vvmpctl.h"

static bool parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool is_major_minor(const char *s)
{
	const char *colon = strchr(s, ':');
	char major[16];

	if (!colon || (size_t)(colon - s) >= sizeof(major))
		return false;
	memcpy(major, s, colon - s);
	major[colon - s] = '\0';
	return all_digits(major) && all_digits(colon + 1);
}

int arg_u64(struct ctl *ctl, const char *what, const char *s, uint64_t *v)
{
	if (!parse_u64(s, v))
		return ctl_usage_error(ctl, "invalid %s '%s': expected a decimal number", what, s);
	return 0;
}

int arg_u32(struct ctl *ctl, const char *what, const char *s, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(s, &x) || x > UINT32_MAX)
		return ctl_usage_error(ctl, "invalid %s '%s': expected a decimal number below 2^32",
				       what, s);
	*v = (uint32_t)x;
	return 0;
}

int arg_name(struct ctl *ctl, const char *what, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= VVMP_NAME_MAX)
		return ctl_usage_error(ctl, "invalid %s '%s': a name has 1 to %d characters",
				       what, s, VVMP_NAME_MAX - 1);
	return 0;
}

/*
 * DEV:OFFSET:LENGTH (@need_length) or DEV:OFFSET, split at the last colons
 * so that DEV may be "major:minor".
 */
int arg_extent(struct ctl *ctl, const char *s, bool need_length, struct vaapi_extent *e)
{
	const char *form = need_length ? "DEV:OFFSET:LENGTH" : "DEV:OFFSET";
	char buf[VVMP_DEVICE_PATH_MAX + 64];
	char *colon, *off, *len = NULL;

	memset(e, 0, sizeof(*e));
	if (strlen(s) >= sizeof(buf))
		return ctl_usage_error(ctl, "invalid extent '%s': too long", s);
	strcpy(buf, s);
	if (need_length) {
		colon = strrchr(buf, ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		len = colon + 1;
	}
	colon = strrchr(buf, ':');
	if (!colon)
		goto bad;
	*colon = '\0';
	off = colon + 1;
	if (!buf[0] || strlen(buf) >= VVMP_DEVICE_PATH_MAX)
		return ctl_usage_error(ctl, "invalid device in extent '%s'", s);
	/*
	 * A device is a path or major:minor. A path may hold colons
	 * (/dev/disk/by-path/pci-0000:00:1f.2-ata-1), but one ending in
	 * ":<number>" means a field too many.
	 */
	colon = strrchr(buf, ':');
	if (buf[0] == '/' ? colon && all_digits(colon + 1) : !is_major_minor(buf))
		goto bad;
	if (!parse_u64(off, &e->offset))
		return ctl_usage_error(ctl, "invalid offset '%s' in extent '%s'", off, s);
	if (len && (!parse_u64(len, &e->length) || e->length == 0))
		return ctl_usage_error(ctl, "invalid length '%s' in extent '%s': expected a number > 0",
				       len, s);
	strcpy(e->device, buf);
	return 0;
bad:
	return ctl_usage_error(ctl, "invalid extent '%s': expected %s", s, form);
}

int arg_value(struct ctl *ctl, int argc, char **argv, int *i, const char **value)
{
	if (*i + 1 >= argc)
		return ctl_usage_error(ctl, "'%s' needs a value", argv[*i]);
	*value = argv[++*i];
	return 0;
}

/* MAP := linear | striped CHUNK, then [nosync] and legs: leg EXTENT... */
int arg_map(struct ctl *ctl, int argc, char **argv, struct vaapi_map *map)
{
	struct vaapi_leg *leg = NULL;
	int i = 0, err;

	memset(map, 0, sizeof(*map));
	if (argc < 1)
		return ctl_usage_error(ctl, "missing LAYOUT (linear or striped CHUNK)");
	if (!strcmp(argv[0], VVMP_LAYOUT_LINEAR_NAME)) {
		map->layout = VVMP_MAP_LINEAR;
	} else if (!strcmp(argv[0], VVMP_LAYOUT_STRIPED_NAME)) {
		map->layout = VVMP_MAP_STRIPED;
		if (argc < 2)
			return ctl_usage_error(ctl, "'striped' needs a CHUNK size in sectors");
		err = arg_u32(ctl, "chunk size", argv[1], &map->chunk_sectors);
		if (err)
			return err;
		if (map->chunk_sectors < VVMP_MIN_CHUNK_SECTORS ||
		    (map->chunk_sectors & (map->chunk_sectors - 1)))
			return ctl_usage_error(ctl, "invalid chunk size '%s': a power of two >= %d",
					       argv[1], VVMP_MIN_CHUNK_SECTORS);
		i = 1;
	} else {
		return ctl_usage_error(ctl, "unknown layout '%s': expected linear or striped", argv[0]);
	}
	for (i++; i < argc; i++) {
		if (!strcmp(argv[i], VVMP_FEATURE_NOSYNC_NAME)) {
			map->nosync = true;
		} else if (!strcmp(argv[i], "leg")) {
			if (map->nr_legs == VVMP_MAX_LEGS)
				return ctl_usage_error(ctl, "too many legs: at most %d", VVMP_MAX_LEGS);
			leg = &map->legs[map->nr_legs++];
		} else if (strchr(argv[i], ':')) {
			if (!leg)
				return ctl_usage_error(ctl, "extent '%s' before the first 'leg'", argv[i]);
			if (leg->nr_extents == VVMP_MAX_EXTENTS)
				return ctl_usage_error(ctl, "too many extents in leg %u: at most %d",
						       map->nr_legs - 1, VVMP_MAX_EXTENTS);
			err = arg_extent(ctl, argv[i], true, &leg->extents[leg->nr_extents++]);
			if (err)
				return err;
		} else {
			return ctl_usage_error(ctl, "unexpected '%s' in MAP", argv[i]);
		}
		if (leg && leg->nr_extents == 0 && (i + 1 == argc || !strchr(argv[i + 1], ':')))
			return ctl_usage_error(ctl, "leg %u has no extent", map->nr_legs - 1);
	}
	if (map->nr_legs == 0)
		return ctl_usage_error(ctl, "missing 'leg EXTENT...': a map has 1 to %d legs",
				       VVMP_MAX_LEGS);
	return 0;
}

/* LIST := none | NAME[,NAME...] | a number (VVMP_MASK_* bits). */
int arg_masks(struct ctl *ctl, const char *s, uint32_t *masks)
{
	char buf[128], *save = NULL, *word;
	uint64_t x;

	*masks = 0;
	if (parse_u64(s, &x)) {
		if (x & ~(uint64_t)VVMP_MASK_ALL)
			return ctl_usage_error(ctl, "invalid masks '%s': bits beyond 0x%x", s,
					       VVMP_MASK_ALL);
		*masks = (uint32_t)x;
		return 0;
	}
	if (!strcmp(s, "none"))
		return 0;
	if (strlen(s) >= sizeof(buf) || !s[0])
		return ctl_usage_error(ctl, "invalid masks '%s'", s);
	strcpy(buf, s);
	for (word = strtok_r(buf, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		uint32_t bit;

		for (bit = 1; bit & VVMP_MASK_ALL; bit <<= 1)
			if (!strcmp(word, vaapi_mask_name(bit)))
				break;
		if (!(bit & VVMP_MASK_ALL))
			return ctl_usage_error(ctl, "unknown mask '%s' in '%s'", word, s);
		*masks |= bit;
	}
	return 0;
}

int arg_target(struct ctl *ctl, int argc, char **argv, int *i,
	       const char **vd, const char **client)
{
	int err;

	*vd = NULL;
	*client = NULL;
	if (*i >= argc || strcmp(argv[*i], "vd"))
		return ctl_usage_error(ctl, "missing 'vd NAME'%s%s%s", *i < argc ? " before '" : "",
				       *i < argc ? argv[*i] : "", *i < argc ? "'" : "");
	err = arg_value(ctl, argc, argv, i, vd);
	if (!err)
		err = arg_name(ctl, "VD name", *vd);
	if (err)
		return err;
	(*i)++;
	if (*i < argc && !strcmp(argv[*i], "client")) {
		err = arg_value(ctl, argc, argv, i, client);
		if (!err)
			err = arg_name(ctl, "client name", *client);
		if (err)
			return err;
		(*i)++;
	}
	return 0;
}

int arg_no_more(struct ctl *ctl, int argc, char **argv, int used)
{
	if (argc > used)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[used]);
	return 0;
}

int arg_vd(struct ctl *ctl, int argc, char **argv, int max_args)
{
	int ret;

	if (argc < 1)
		return ctl_usage_error(ctl, "missing VD NAME");
	ret = arg_name(ctl, "VD name", argv[0]);
	return ret ? ret : arg_no_more(ctl, argc, argv, max_args);
}

int arg_leg(struct ctl *ctl, const char *s, uint32_t *leg)
{
	uint64_t x;

	if (!parse_u64(s, &x) || x >= VVMP_MAX_LEGS)
		return ctl_usage_error(ctl, "invalid leg index '%s': 0 to %d", s, VVMP_MAX_LEGS - 1);
	*leg = (uint32_t)x;
	return 0;
}

/* The kernel's MAX_ERRNO: what an errno may be. */
#define ERRNO_MAX 4095

int arg_errno(struct ctl *ctl, const char *s, uint32_t *err)
{
	uint64_t x;
	int e;

	if (parse_u64(s, &x)) {
		if (x < 1 || x > ERRNO_MAX)
			return ctl_usage_error(ctl, "invalid errno '%s': 1 to %d", s, ERRNO_MAX);
		*err = (uint32_t)x;
		return 0;
	}
	for (e = 1; e < ERRNO_MAX; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcasecmp(name, s)) {
			*err = (uint32_t)e;
			return 0;
		}
	}
	return ctl_usage_error(ctl, "invalid errno '%s': a number 1 to %d or a name such as EIO",
			       s, ERRNO_MAX);
}
