/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device-mapper tables of a RAID5 VD (Documentation/vvmpd.rst "RAID5"):
 * pure text and arithmetic, no ioctls and no repository, so it is tested
 * on its own (tests/host/alloc/test_raid.c); ap_raid.c loads what it builds.
 *
 * Each member is the concatenation of its extents. Its first
 * RAID_META_SECTORS hold dm-raid's metadata (superblock and write-intent
 * bitmap), the rest its data: two dm-linear devices per member, and one
 * dm "raid raid5_ls" device over them.
 */
#ifndef VVMPD_RAID_TABLE_H
#define VVMPD_RAID_TABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Metadata per member: dm-raid's superblock (4 KiB) and the bitmap after it
 * (at most 2^21 regions: 256 KiB) fit with room to spare.
 */
#define RAID_META_SECTORS	2048
#define RAID_MIN_MEMBERS	3
#define RAID_MAX_MEMBERS	16	/* VVMP_MAX_MEMBERS */
#define RAID_MAX_TARGETS	64	/* VVMP_MAX_EXTENTS: extents of one member */
#define RAID_DEV_LEN		32	/* "major:minor" */
#define RAID_NAME_LEN		128	/* DM_NAME_LEN */

/* A piece of a block device: "major:minor", start and length in sectors. */
struct raid_extent {
	char device[RAID_DEV_LEN];
	uint64_t offset;
	uint64_t length;
};

/* One line of a dm-linear table: sectors [start, start+length) of the device. */
struct raid_linear_target {
	uint64_t start;			/* in the dm device */
	uint64_t length;
	char device[RAID_DEV_LEN];
	uint64_t offset;		/* on @device */
};

/* What a dm device of a RAID5 VD holds. */
enum raid_dev_kind {
	RAID_DEV_SET,			/* the raid5 device: vvmpd-r5-<vd> */
	RAID_DEV_DATA,			/* member i's data: vvmpd-r5-<vd>-m<i> */
	RAID_DEV_META,			/* member i's metadata: vvmpd-r5-<vd>-meta<i> */
};

/**
 * raid_dm_name() - the dm device name of a RAID5 VD's @kind device.
 * @vd_name: the VD's kernel name (san<SAN>-vd<ID>)
 * Return: 0, or -ENAMETOOLONG.
 */
int raid_dm_name(char *out, size_t len, const char *vd_name, enum raid_dev_kind kind,
		 unsigned int member);

/**
 * raid_dm_name_vd() - whether @dm_name is a device of a RAID5 VD of SAN
 * @san_id (any of its three kinds); its VD id in *@vd_id, what it holds in
 * *@kind.
 * Return: 1 if it is, 0 if not.
 */
int raid_dm_name_vd(const char *dm_name, uint32_t san_id, uint32_t *vd_id,
		    enum raid_dev_kind *kind);

/**
 * raid5_geometry() - the sizes of a RAID5 set of @members members of
 * @member_sectors each (metadata included) with chunks of @chunk_sectors.
 * @data_sectors: what each member's data device holds (whole chunks)
 * @array_sectors: the raid device's size, (@members - 1) x @data_sectors
 * Return: 0, or -EINVAL naming no reason (the caller checks the inputs
 * with the same rules: 3..16 members, a chunk that is a power of two of at
 * least 8 sectors, a member holding more than the metadata and one chunk).
 */
int raid5_geometry(uint32_t members, uint64_t member_sectors, uint32_t chunk_sectors,
		   uint64_t *data_sectors, uint64_t *array_sectors);

/**
 * raid_slice() - the dm-linear table of sectors [@from, @from + @len) of
 * the concatenation of @ext (a member's extents in order).
 * Return: the number of targets written to @out, -ERANGE if the range is
 * not inside the extents, -E2BIG if it needs more than @max targets.
 */
int raid_slice(const struct raid_extent *ext, size_t n, uint64_t from, uint64_t len,
	       struct raid_linear_target *out, size_t max);

/**
 * raid_linear_params() - the parameters of one dm-linear target
 * ("major:minor offset"), as the kernel prints them back.
 * Return: the length, or -ENAMETOOLONG.
 */
int raid_linear_params(char *out, size_t len, const struct raid_linear_target *t);

/**
 * raid5_table_params() - the parameters of the dm "raid" target of a RAID5
 * set: "raid5_ls 1 <chunk> <n> <meta0> <data0> ... <metaN-1> <dataN-1>",
 * as the kernel prints them back ("dmsetup table").
 * @meta, @data: the members' devices ("major:minor"), @n of each
 * Return: the length, -EINVAL for a bad chunk or member count,
 * -ENAMETOOLONG if @out is too small.
 */
int raid5_table_params(char *out, size_t len, uint32_t chunk_sectors, unsigned int n,
		       const char (*meta)[RAID_DEV_LEN], const char (*data)[RAID_DEV_LEN]);

#endif
