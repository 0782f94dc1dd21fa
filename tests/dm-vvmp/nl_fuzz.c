// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to the generic-netlink family "vvmp"
 * (Documentation/vvmp-netlink.rst): random and mutated messages -- wrong
 * attribute types and lengths, missing required attributes, oversized
 * strings, unknown commands and attributes, truncated nests, nests without
 * NLA_F_NESTED, a non-zero reserved header byte, random bytes, valid
 * messages with a byte flipped -- sent as root and as an unprivileged user.
 *
 * The rule that keeps the check exact: as root, every message names only
 * objects that do not exist (names start with "qz", devices lie under
 * /nonexistent), so the only commands that can succeed are those that
 * create by name (CLIENT_SET, a TXN_COMMIT of staged CLIENT_SETs), begin or
 * end a transaction, or are staged in one; clients they create are deleted
 * again after the batch. After every batch the canonical STATE_GET dump must
 * equal the snapshot taken before, and the event sequence may only move if a
 * mutating command was accepted. Unprivileged, every mutating command that
 * reaches the family must fail with -EPERM, whatever names it carries.
 *
 * env: VVMP_FUZZ_MESSAGES (default 100000: 3/4 as root, 1/4 unprivileged),
 *      VVMP_FUZZ_SEED (default: from the clock; printed for reproduction).
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"
#include "nl_test_lib.h"
#include "../../include/uapi/linux/vvmp.h"

#define VD_SECTORS	2048
#define BATCH_MAX	64
#define BATCH_BYTES	(96 * 1024)
#define REOPEN_EVERY	32		/* batches; drops open transactions */
#define STATE_MAX	(64 * 1024)
#define NOBODY		65534
#define MAX_PROBLEMS	8

/* ---- random numbers ------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned int below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- a message as a tree, so that it can be mutated before it is sent ---- */

#define FZ_NODES	48
#define FZ_KIDS		16
#define FZ_ARENA	(20 * 1024)

struct fnode {
	uint16_t type;		/* with NLA_F_* bits */
	int32_t len_lie;	/* added to nla_len when serialised */
	bool nest;
	bool str;		/* a NUL-terminated string */
	uint16_t dlen;
	uint8_t *data;
	unsigned int nkids;
	struct fnode *kid[FZ_KIDS];
};

enum fz_kind {
	FZ_VALID,		/* the template itself */
	FZ_FLIP,		/* one byte of genl header or payload changed */
	FZ_FLIPS,		/* two to eight bytes changed */
	FZ_WRONG_TYPE,		/* a scalar or string of another type's size */
	FZ_BAD_LEN,		/* a scalar one to three bytes short or long */
	FZ_DROP,		/* an attribute left out */
	FZ_OVERSIZE_STR,	/* a string of 64..4096 bytes */
	FZ_BAD_STR,		/* no NUL, an inner NUL, or empty */
	FZ_UNKNOWN_CMD,
	FZ_UNKNOWN_ATTR,	/* type beyond the set's max, at any level */
	FZ_TRUNC_NEST,		/* nla_len of a nest cut short */
	FZ_NO_NESTED,		/* a nest without NLA_F_NESTED */
	FZ_BYTEORDER,		/* NLA_F_NET_BYTEORDER on an attribute */
	FZ_NEST_AS_LEAF,	/* a nest's payload replaced by random bytes */
	FZ_LEAF_AS_NEST,	/* a scalar sent as a nest */
	FZ_EMPTY_NEST,
	FZ_DUP,			/* an attribute twice */
	FZ_RANGE,		/* a scalar with a random value */
	FZ_RESERVED,		/* genlmsghdr.reserved != 0 */
	FZ_VERSION,		/* genlmsghdr.version != 1 */
	FZ_FLAGS,		/* undefined nlmsg_flags bits */
	FZ_DUMP,		/* NLM_F_DUMP */
	FZ_TRUNC_MSG,		/* the message cut short */
	FZ_RANDOM,		/* random bytes after the genl header */
	FZ_NR_KINDS,
};

static const char *const kind_names[FZ_NR_KINDS] = {
	"valid", "flip", "flips", "wrong_type", "bad_len", "drop",
	"oversize_str", "bad_str", "unknown_cmd", "unknown_attr",
	"trunc_nest", "no_nested", "byteorder", "nest_as_leaf",
	"leaf_as_nest", "empty_nest", "dup", "range", "reserved", "version",
	"flags", "dump", "trunc_msg", "random",
};

struct fmsg {
	uint16_t flags;
	uint8_t cmd, version, reserved;
	enum fz_kind kind;
	struct fnode root;
	unsigned int nnodes;
	struct fnode pool[FZ_NODES];
	size_t arena_used;
	uint8_t arena[FZ_ARENA];
	uint16_t random_len;	/* FZ_RANDOM: payload from the arena */
	unsigned int cut;	/* FZ_TRUNC_MSG */
	unsigned int nr_flips;
};

static uint8_t *arena(struct fmsg *m, size_t len)
{
	uint8_t *p;

	if (m->arena_used + len > sizeof(m->arena))
		return NULL;
	p = m->arena + m->arena_used;
	m->arena_used += len;
	return p;
}

static struct fnode *add(struct fmsg *m, struct fnode *parent, uint16_t type,
			 const void *data, size_t len, bool nest)
{
	struct fnode *n;

	if (m->nnodes >= FZ_NODES || parent->nkids >= FZ_KIDS)
		return NULL;
	n = &m->pool[m->nnodes++];
	memset(n, 0, sizeof(*n));
	n->type = type | (nest ? NLA_F_NESTED : 0);
	n->nest = nest;
	if (len) {
		n->data = arena(m, len);
		if (!n->data) {
			m->nnodes--;
			return NULL;
		}
		memcpy(n->data, data, len);
		n->dlen = len;
	}
	parent->kid[parent->nkids++] = n;
	return n;
}

static void a_u8(struct fmsg *m, struct fnode *p, uint16_t t, uint8_t v)
{
	add(m, p, t, &v, 1, false);
}

static void a_u32(struct fmsg *m, struct fnode *p, uint16_t t, uint32_t v)
{
	add(m, p, t, &v, 4, false);
}

static void a_u64(struct fmsg *m, struct fnode *p, uint16_t t, uint64_t v)
{
	add(m, p, t, &v, 8, false);
}

static void a_str(struct fmsg *m, struct fnode *p, uint16_t t, const char *s)
{
	struct fnode *n = add(m, p, t, s, strlen(s) + 1, false);

	if (n)
		n->str = true;
}

static struct fnode *a_nest(struct fmsg *m, struct fnode *p, uint16_t t)
{
	struct fnode *n = add(m, p, t, NULL, 0, true);

	return n ? n : p;	/* out of nodes: keep building flat */
}

/* Names a message may carry. */
struct fz_names {
	char vd[VVMP_NAME_MAX];
	char client[VVMP_NAME_MAX];
	char dev[VVMP_DEVICE_PATH_MAX];
};

static void qz_name(char *buf, size_t sz)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
	unsigned int len = 3 + below(12), i;

	snprintf(buf, sz, "qz");
	for (i = 2; i < len && i + 1 < sz; i++)
		buf[i] = al[below(sizeof(al) - 1)];
	buf[i] = '\0';
}

/* Names no object of the fixture has (root). */
static void qz_names(struct fz_names *n)
{
	qz_name(n->vd, sizeof(n->vd));
	qz_name(n->client, sizeof(n->client));
	/*
	 * A path that cannot exist. (An unused major:minor would do too, but
	 * its lookup runs modprobe for "block-major-M-N": ~1 s under TCG.)
	 */
	snprintf(n->dev, sizeof(n->dev), "/nonexistent/%s", n->vd);
}

static void put_extent(struct fmsg *m, struct fnode *p, uint16_t t,
		       const struct fz_names *nm)
{
	struct fnode *e = a_nest(m, p, t);

	a_str(m, e, VVMP_EXTENT_A_DEVICE, nm->dev);
	a_u64(m, e, VVMP_EXTENT_A_OFFSET, below(4) * 2048);
	a_u64(m, e, VVMP_EXTENT_A_LENGTH, 2048);
}

static void put_leg(struct fmsg *m, struct fnode *p, uint16_t t,
		    const struct fz_names *nm)
{
	struct fnode *l = a_nest(m, p, t);
	unsigned int i, n = 1 + below(2);

	for (i = 0; i < n; i++)
		put_extent(m, l, VVMP_LEG_A_EXTENT, nm);
}

static void put_map(struct fmsg *m, struct fnode *p, const struct fz_names *nm)
{
	struct fnode *map = a_nest(m, p, VVMP_A_MAP);
	bool striped = chance(30);
	unsigned int i, legs = 1 + below(2);

	a_u8(m, map, VVMP_MAP_A_LAYOUT, striped ? VVMP_MAP_STRIPED :
						  VVMP_MAP_LINEAR);
	if (striped)
		a_u32(m, map, VVMP_MAP_A_CHUNK_SECTORS, 8 << below(5));
	for (i = 0; i < legs; i++)
		put_leg(m, map, VVMP_MAP_A_LEG, nm);
	if (chance(30))
		add(m, map, VVMP_MAP_A_NOSYNC, NULL, 0, false);
}

/* The well-formed request of @cmd naming @nm. */
static void tmpl(struct fmsg *m, uint8_t cmd, const struct fz_names *nm)
{
	struct fnode *r = &m->root, *n;

	memset(&m->root, 0, sizeof(m->root));
	m->root.nest = true;
	m->nnodes = 0;
	m->arena_used = 0;
	m->cmd = cmd;
	m->version = VVMP_GENL_VERSION;
	m->reserved = 0;
	m->flags = NLM_F_REQUEST | NLM_F_ACK;
	m->random_len = 0;
	m->cut = 0;
	m->nr_flips = 0;

	switch (cmd) {
	case VVMP_CMD_VD_CREATE:
	case VVMP_CMD_VD_SET_MAP:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		put_map(m, r, nm);
		break;
	case VVMP_CMD_VD_SET_SEGMENT:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		n = a_nest(m, r, VVMP_A_SEGMENT);
		a_u64(m, n, VVMP_SEGMENT_A_START, below(2) * VD_SECTORS);
		a_u64(m, n, VVMP_SEGMENT_A_LENGTH, 1024);
		put_extent(m, n, VVMP_SEGMENT_A_EXTENT, nm);
		break;
	case VVMP_CMD_VD_DELETE:
	case VVMP_CMD_VD_GET:
	case VVMP_CMD_VD_GET_MAP:
	case VVMP_CMD_VD_GET_MAP_SIZE:
	case VVMP_CMD_STATS_GET:
	case VVMP_CMD_STATS_RESET:
	case VVMP_CMD_PLAN_PARAMS_GET:
	case VVMP_CMD_DIVERT_GET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		break;
	case VVMP_CMD_CLIENT_SET:
		a_str(m, r, VVMP_A_CLIENT_NAME, nm->client);
		if (chance(50))
			a_str(m, r, VVMP_A_CLIENT_INFO, "iqn.2024-01.test:fuzz");
		break;
	case VVMP_CMD_CLIENT_DELETE:
	case VVMP_CMD_CLIENT_GET:
		a_str(m, r, VVMP_A_CLIENT_NAME, nm->client);
		break;
	case VVMP_CMD_ACL_SET:
	case VVMP_CMD_ACL_GET:
	case VVMP_CMD_STATUS_SET:
	case VVMP_CMD_STATUS_GET:
	case VVMP_CMD_COS_SET:
	case VVMP_CMD_COS_GET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		if (chance(60))
			a_str(m, r, VVMP_A_CLIENT_NAME, nm->client);
		if (cmd == VVMP_CMD_ACL_SET)
			a_u8(m, r, VVMP_A_ACL, below(3));
		if (cmd == VVMP_CMD_STATUS_SET)
			a_u8(m, r, VVMP_A_STATUS, below(3));
		if (cmd == VVMP_CMD_COS_SET) {
			n = a_nest(m, r, VVMP_A_COS);
			a_u64(m, n, VVMP_COS_A_IOPS, below(2) * 1000);
			a_u64(m, n, VVMP_COS_A_BPS, below(2) << 20);
			if (chance(50))
				a_u8(m, n, VVMP_COS_A_PRIORITY, below(4));
		}
		break;
	case VVMP_CMD_STATS_SET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		n = a_nest(m, r, VVMP_A_STATS_DIRECTIVE);
		a_u8(m, n, VVMP_DIRECTIVE_A_LATENCY, below(2));
		a_u64(m, n, VVMP_DIRECTIVE_A_ERROR_THRESHOLD, below(100));
		break;
	case VVMP_CMD_PLAN_SET: {
		uint8_t op = below(3);

		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		a_u8(m, r, VVMP_A_PLAN_OP, op);
		if (op != VVMP_PLAN_ATTACH)
			a_u32(m, r, VVMP_A_LEG_INDEX, below(2));
		if (op != VVMP_PLAN_DETACH)
			put_leg(m, r, VVMP_A_LEG, nm);
		break;
	}
	case VVMP_CMD_PLAN_PARAMS_SET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		a_u32(m, r, VVMP_A_LEG_INDEX, below(2));
		n = a_nest(m, r, VVMP_A_COMPONENT);
		a_u32(m, n, VVMP_COMPONENT_A_TIMEOUT_MS, below(2) * 5000);
		a_u32(m, n, VVMP_COMPONENT_A_MASKS, rnd() & VVMP_MASK_ALL);
		break;
	case VVMP_CMD_DIVERT_ADD:
	case VVMP_CMD_DIVERT_DELETE:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		n = a_nest(m, r, VVMP_A_RANGE);
		a_u64(m, n, VVMP_RANGE_A_START, below(8) * 8);
		a_u64(m, n, VVMP_RANGE_A_LENGTH, 8);
		break;
	case VVMP_CMD_TXN_COMMIT:
	case VVMP_CMD_TXN_ABORT:
		a_u32(m, r, VVMP_A_TXN_ID, below(16));
		break;
	case VVMP_CMD_EVENT:
		a_u8(m, r, VVMP_A_EVENT, below(15));
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		break;
	case VVMP_CMD_VD_ACTIVATE:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		break;
	case VVMP_CMD_RESYNC_SET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		a_u32(m, r, VVMP_A_RESYNC_RATE, below(2) * 1024);
		break;
	case VVMP_CMD_EXC_GET:
	case VVMP_CMD_EXC_TAKE:
	case VVMP_CMD_EXC_RESUBMIT:
	case VVMP_CMD_EXC_ABORT:
		/* No plan is held during the run: ids never match. */
		a_u64(m, r, VVMP_A_EXC_ID, (1ULL << 62) + below(16));
		if (cmd == VVMP_CMD_EXC_RESUBMIT)
			a_u64(m, r, VVMP_A_EXC_GENERATION, below(4));
		if (cmd == VVMP_CMD_EXC_ABORT && chance(50))
			a_u32(m, r, VVMP_A_EXC_ERRNO, 1 + below(40));
		break;
	case VVMP_CMD_EXC_POLICY_SET:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		a_u32(m, r, VVMP_A_EXC_TIMEOUT_MS, 1 + below(2) * 1000);
		a_u8(m, r, VVMP_A_EXC_ON_TIMEOUT, below(2));
		break;
	case VVMP_CMD_PASSTHROUGH:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		a_u32(m, r, VVMP_A_LEG_INDEX, below(2));
		n = a_nest(m, r, VVMP_A_IO);
		a_u8(m, n, VVMP_IO_A_OP, VVMP_IO_READ);
		a_u64(m, n, VVMP_IO_A_SECTOR, below(8) * 8);
		a_u32(m, n, VVMP_IO_A_LENGTH, 4096);
		break;
	case VVMP_CMD_COPY:
		a_str(m, r, VVMP_A_VD_NAME, nm->vd);
		n = a_nest(m, r, VVMP_A_COPY);
		a_u64(m, n, VVMP_COPY_A_SRC_SECTOR, 0);
		a_u64(m, n, VVMP_COPY_A_DST_SECTOR, 1024);
		a_u64(m, n, VVMP_COPY_A_LENGTH, 8);
		break;
	case VVMP_CMD_TXN_BEGIN:
	case VVMP_CMD_STATE_GET:
	default:
		break;
	}
	/* Stage some changes in a (possibly open) transaction. */
	if (nt_cmd_mutates(cmd) && cmd < VVMP_CMD_TXN_BEGIN && chance(15))
		a_u32(m, r, VVMP_A_TXN_ID, below(16));
}

/* Every node but the root, depth first, with its parent. */
static unsigned int nodes(struct fnode *n, struct fnode **all,
			  struct fnode **parent, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < n->nkids && nr < FZ_NODES; i++) {
		all[nr] = n->kid[i];
		parent[nr++] = n;
		nr = nodes(n->kid[i], all, parent, nr);
	}
	return nr;
}

static struct fnode *pick(struct fmsg *m, struct fnode **parent, int want)
{
	struct fnode *all[FZ_NODES], *par[FZ_NODES];
	unsigned int nr = nodes(&m->root, all, par, 0), i, start;

	if (!nr)
		return NULL;
	start = below(nr);
	for (i = 0; i < nr; i++) {
		unsigned int j = (start + i) % nr;

		/* want: 0 any, 1 leaf, 2 nest, 3 string */
		if ((want == 1 && all[j]->nest) || (want == 2 && !all[j]->nest) ||
		    (want == 3 && (!all[j]->str || all[j]->dlen < 2)))
			continue;
		if (parent)
			*parent = par[j];
		return all[j];
	}
	return NULL;
}

static void fill_random(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = rnd();
}

static bool set_leaf(struct fmsg *m, struct fnode *n, size_t len)
{
	uint8_t *p = arena(m, len ? len : 1);

	if (!p)
		return false;
	fill_random(p, len);
	n->data = p;
	n->dlen = len;
	n->nest = false;
	n->str = false;
	n->nkids = 0;
	n->type &= ~NLA_F_NESTED;
	return true;
}

/*
 * Apply mutation @k. Where it does not apply (no such node), flip a byte
 * instead if @fallback, else leave the message alone; false then.
 */
static bool mutate_or(struct fmsg *m, enum fz_kind k, bool fallback)
{
	static const uint8_t sizes[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16 };
	struct fnode *n, *par;

	m->kind = k;
	switch (k) {
	case FZ_VALID:
		return true;
	case FZ_WRONG_TYPE:
		n = pick(m, NULL, 1);
		if (!n || !set_leaf(m, n, sizes[below(sizeof(sizes))]))
			break;
		return true;
	case FZ_BAD_LEN:
		n = pick(m, NULL, 1);
		if (!n)
			break;
		if (chance(50) && n->dlen) {
			n->dlen -= 1 + below(n->dlen < 3 ? n->dlen : 3);
		} else {
			unsigned int more = 1 + below(3);
			uint8_t *p = arena(m, n->dlen + more);

			if (!p)
				break;
			if (n->dlen)
				memcpy(p, n->data, n->dlen);
			fill_random(p + n->dlen, more);
			n->data = p;
			n->dlen += more;
		}
		return true;
	case FZ_DROP: {
		unsigned int i;

		n = pick(m, &par, 0);
		if (!n)
			break;
		for (i = 0; i < par->nkids && par->kid[i] != n; i++)
			;
		memmove(&par->kid[i], &par->kid[i + 1],
			(par->nkids - i - 1) * sizeof(par->kid[0]));
		par->nkids--;
		return true;
	}
	case FZ_OVERSIZE_STR: {
		size_t len = chance(50) ? 64 + below(300) : 300 + below(3800);

		n = pick(m, NULL, 3);
		if (!n || !set_leaf(m, n, len))
			break;
		memset(n->data, 'q', len - 1);
		n->data[len - 1] = '\0';
		n->str = true;
		return true;
	}
	case FZ_BAD_STR:
		n = pick(m, NULL, 3);
		if (!n)
			break;
		switch (below(3)) {
		case 0:		/* no NUL */
			n->dlen--;
			break;
		case 1:		/* an inner NUL */
			n->data[below(n->dlen - 1)] = '\0';
			break;
		default:	/* empty */
			n->data[0] = '\0';
			n->dlen = 1;
			break;
		}
		return true;
	case FZ_UNKNOWN_CMD:
		m->cmd = chance(20) ? 0 : VVMP_CMD_MAX + 1 + below(256 - VVMP_CMD_MAX - 1);
		return true;
	case FZ_UNKNOWN_ATTR: {
		uint16_t t = chance(50) ? 32 + below(16) : 64 + below(0x3fc0);
		uint8_t v[8];

		fill_random(v, sizeof(v));
		n = chance(50) ? pick(m, NULL, 2) : NULL;
		add(m, n ? n : &m->root, t, v, below(9), false);
		return true;
	}
	case FZ_TRUNC_NEST:
		n = pick(m, NULL, 2);
		if (!n)
			break;
		n->len_lie = -(int32_t)(1 + below(12));
		return true;
	case FZ_NO_NESTED:
		n = pick(m, NULL, 2);
		if (!n)
			break;
		n->type &= ~NLA_F_NESTED;
		return true;
	case FZ_BYTEORDER:
		n = pick(m, NULL, 0);
		if (!n)
			break;
		n->type |= NLA_F_NET_BYTEORDER;
		return true;
	case FZ_NEST_AS_LEAF:
		n = pick(m, NULL, 2);
		if (!n || !set_leaf(m, n, below(24)))
			break;
		if (chance(50))
			n->type |= NLA_F_NESTED;
		return true;
	case FZ_LEAF_AS_NEST:
		n = pick(m, NULL, 1);
		if (!n)
			break;
		n->nest = true;
		n->type |= NLA_F_NESTED;
		n->dlen = 0;
		if (chance(50))
			a_u32(m, n, 1 + below(4), rnd());
		return true;
	case FZ_EMPTY_NEST:
		n = pick(m, NULL, 2);
		if (!n)
			break;
		n->nkids = 0;
		return true;
	case FZ_DUP:
		n = pick(m, &par, 1);
		if (!n || !add(m, par, n->type, n->data, n->dlen, false))
			break;
		return true;
	case FZ_RANGE: {
		uint64_t v = rnd();

		n = pick(m, NULL, 1);
		if (!n || !n->dlen || n->dlen > 8)
			break;
		if (chance(50))
			v = (n->dlen == 1 ? 3 : 0) + below(300);
		memcpy(n->data, &v, n->dlen);
		return true;
	}
	case FZ_RESERVED:
		m->reserved = 1 + below(255);
		return true;
	case FZ_VERSION:
		m->version = chance(50) ? 0 : 2 + below(254);
		return true;
	case FZ_FLAGS: {
		static const uint16_t bad[] = { NLM_F_ROOT, NLM_F_MATCH,
			NLM_F_ATOMIC, NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE,
			NLM_F_APPEND, 0x40, 0x80, 0x1000, 0x8000 };

		m->flags |= bad[below(sizeof(bad) / sizeof(bad[0]))];
		return true;
	}
	case FZ_DUMP:
		m->flags |= NLM_F_DUMP;
		return true;
	case FZ_TRUNC_MSG:
		m->cut = 1 + below(24);
		return true;
	case FZ_RANDOM:
		m->cmd = chance(70) ? 1 + below(VVMP_CMD_MAX) : rnd();
		m->root.nkids = 0;
		m->random_len = below(600);
		fill_random(m->arena, m->random_len);
		return true;
	case FZ_FLIPS:
		m->nr_flips = 2 + below(7);
		return true;
	case FZ_FLIP:
	default:
		break;
	}
	if (!fallback) {
		m->kind = FZ_VALID;
		return false;
	}
	m->kind = FZ_FLIP;
	m->nr_flips = 1;
	return false;
}

static void mutate(struct fmsg *m, enum fz_kind k)
{
	mutate_or(m, k, true);
}

static size_t ser_node(const struct fnode *n, uint8_t *out, size_t cap)
{
	struct nlattr *nla = (void *)out;
	size_t len = NLA_HDRLEN, i;
	int64_t nla_len;

	if (cap < NLA_HDRLEN)
		return 0;
	if (n->nest) {
		for (i = 0; i < n->nkids; i++)
			len += ser_node(n->kid[i], out + len, cap - len);
	} else {
		if (n->dlen > cap - len)
			return 0;
		memcpy(out + len, n->data, n->dlen);
		len += n->dlen;
	}
	nla_len = (int64_t)len + n->len_lie;
	if (nla_len < 0)
		nla_len = 0;
	if (nla_len > 0xffff)
		nla_len = 0xffff;
	nla->nla_len = nla_len;
	nla->nla_type = n->type;
	while (len % NLA_ALIGNTO && len < cap)
		out[len++] = 0;
	return len;
}

/* Serialise @m with @seq into @out; returns the aligned length used. */
static size_t serialise(const struct fmsg *m, uint16_t family, uint32_t seq,
			uint8_t *out, size_t cap)
{
	struct nlmsghdr *nlh = (void *)out;
	struct genlmsghdr *g = (void *)(out + NLMSG_HDRLEN);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN, i;

	g->cmd = m->cmd;
	g->version = m->version;
	g->reserved = m->reserved;
	if (m->random_len) {
		memcpy(out + len, m->arena, m->random_len);
		len += m->random_len;
	}
	for (i = 0; i < m->root.nkids; i++)
		len += ser_node(m->root.kid[i], out + len, cap - len);
	for (i = 0; i < m->nr_flips; i++) {
		size_t at = NLMSG_HDRLEN + below(len - NLMSG_HDRLEN);

		out[at] ^= 1 + below(255);
	}
	if (m->cut)	/* never below the netlink header */
		len = len > NLMSG_HDRLEN + m->cut ? len - m->cut : NLMSG_HDRLEN;
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = m->flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	while (len % NLMSG_ALIGNTO)
		out[len++] = 0;
	return len;
}

/* ---- what the family answered ----------------------------------------------- */

struct fz_stats {
	uint64_t sent, accepted, rejected, undone, staged, replies;
	uint64_t fixture_msgs;	/* refusals on the fixture's own objects */
	uint64_t by_kind[FZ_NR_KINDS];
	uint64_t rejected_by_kind[FZ_NR_KINDS];
	uint64_t by_errno[134];
	uint64_t accepted_by_cmd[256];
	uint64_t eperm_expected, no_extack;
	unsigned int problems;
	char problem[MAX_PROBLEMS][768];
	uint64_t elapsed_ms, send_ms, check_ms, reopen_ms;
};

/* One message as it went out, for the verdict. */
struct fz_sent {
	uint8_t cmd;
	enum fz_kind kind;
	bool hdr_ok;		/* passes the genetlink header checks */
	bool dump;
	bool txn;		/* a top-level TXN_ID is present */
	size_t off, len;
};

static void problem(struct fz_stats *st, const uint8_t *msg, size_t len,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(struct fz_stats *st, const uint8_t *msg, size_t len,
		    const char *fmt, ...)
{
	char *p;
	size_t used, i;
	va_list ap;

	if (st->problems++ >= MAX_PROBLEMS)
		return;
	p = st->problem[st->problems - 1];
	va_start(ap, fmt);
	vsnprintf(p, sizeof(st->problem[0]), fmt, ap);
	va_end(ap);
	used = strlen(p);
	if (msg) {
		used += snprintf(p + used, sizeof(st->problem[0]) - used,
				 "; message (%zu bytes):", len);
		for (i = 0; i < len && used + 4 < sizeof(st->problem[0]); i++)
			used += snprintf(p + used, sizeof(st->problem[0]) - used,
					 " %02x", msg[i]);
	}
}

static void describe(const uint8_t *buf, struct fz_sent *d)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct genlmsghdr *g = (const void *)(buf + NLMSG_HDRLEN);
	uint16_t f = nlh->nlmsg_flags;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	d->len = nlh->nlmsg_len;
	d->cmd = d->len >= NLMSG_HDRLEN + 1 ? g->cmd : 0;
	d->dump = (f & NLM_F_DUMP) == NLM_F_DUMP;
	if (d->dump)
		f &= ~NLM_F_DUMP;
	d->hdr_ok = d->len >= NLMSG_HDRLEN + GENL_HDRLEN && !g->reserved &&
		    !(f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO));
	d->txn = false;
	while (off + NLA_HDRLEN <= d->len) {
		const struct nlattr *nla = (const void *)(buf + off);

		if (nla->nla_len < NLA_HDRLEN)
			break;
		if ((nla->nla_type & NLA_TYPE_MASK) == VVMP_A_TXN_ID)
			d->txn = true;
		off += NLA_ALIGN(nla->nla_len);
	}
}

static bool errno_expected(int err)
{
	switch (err) {
	case EINVAL: case ERANGE: case ENOENT: case ENODEV: case ENXIO:
	case EOPNOTSUPP: case EBUSY: case EEXIST: case EMSGSIZE: case E2BIG:
	case ENOSPC: case ENOTBLK: case ENAMETOOLONG: case ENOTDIR:
	case EPERM:
		return true;
	default:
		return false;
	}
}

/*
 * Judge one answer. @unpriv: sent without CAP_NET_ADMIN. Returns true if the
 * message was an accepted command that may have created a client.
 */
static bool judge(struct fz_stats *st, const struct fz_sent *d,
		  const struct nt_ack *a, const uint8_t *msg, bool unpriv)
{
	int err = -a->err;
	bool mutating = nt_cmd_mutates(d->cmd);

	st->by_kind[d->kind]++;
	st->replies += a->nr_replies;
	if (a->malformed)
		problem(st, msg, d->len, "malformed answer to %s (%s)",
			nt_cmd_name(d->cmd) ?: "?", kind_names[d->kind]);
	if (unpriv && mutating && d->hdr_ok) {
		st->eperm_expected++;
		/* 6.12 looks up a dump handler before checking permission. */
		if (err != EPERM && !(d->dump && err == EOPNOTSUPP))
			problem(st, msg, d->len,
				"unprivileged %s (%s) answered %d, not -EPERM",
				nt_cmd_name(d->cmd), kind_names[d->kind], a->err);
	}
	if (!a->err) {
		st->accepted++;
		st->accepted_by_cmd[d->cmd]++;
		if (!mutating)
			return false;
		if (unpriv)
			return false;	/* reported above */
		switch (d->cmd) {
		case VVMP_CMD_CLIENT_SET:
		case VVMP_CMD_TXN_COMMIT:
		/* a client an earlier CLIENT_SET of the batch made */
		case VVMP_CMD_CLIENT_DELETE:
			return true;
		case VVMP_CMD_TXN_BEGIN:
		case VVMP_CMD_TXN_ABORT:
			return false;
		default:
			if (d->txn) {
				st->staged++;
				return false;
			}
			problem(st, msg, d->len,
				"%s (%s) on objects that do not exist was accepted",
				nt_cmd_name(d->cmd), kind_names[d->kind]);
			return true;
		}
	}
	st->rejected++;
	st->rejected_by_kind[d->kind]++;
	if (err > 0 && err < 134)
		st->by_errno[err]++;
	if (!errno_expected(err) || (!unpriv && err == EPERM))
		problem(st, msg, d->len, "%s (%s) answered unexpected %d (%s)",
			nt_cmd_name(d->cmd) ?: "?", kind_names[d->kind], a->err,
			strerror(err));
	/* The family names what it refused (header: "extack message naming ..."). */
	if (d->hdr_ok && nt_cmd_known(d->cmd) && err != EPERM &&
	    err != EOPNOTSUPP && !d->dump &&
	    !a->has_msg && !a->has_offs && !a->has_miss) {
		if (!st->no_extack++)
			problem(st, msg, d->len,
				"%s (%s) refused with %d and no extack (first of its kind; see the no_extack count)",
				nt_cmd_name(d->cmd), kind_names[d->kind],
				a->err);
	}
	return false;
}

static void report(struct fz_stats *st, const char *who)
{
	unsigned int i;

	printf("# %s: %llu messages in %llu ms (%llu/s): %llu rejected, %llu accepted (%llu staged, %llu clients undone), %llu replies checked\n",
	       who, (unsigned long long)st->sent,
	       (unsigned long long)st->elapsed_ms,
	       (unsigned long long)(st->elapsed_ms ?
				    st->sent * 1000 / st->elapsed_ms : 0),
	       (unsigned long long)st->rejected,
	       (unsigned long long)st->accepted,
	       (unsigned long long)st->staged,
	       (unsigned long long)st->undone,
	       (unsigned long long)st->replies);
	if (st->fixture_msgs)
		printf("# %s: %llu of them on the fixture's own VD and client\n",
		       who, (unsigned long long)st->fixture_msgs);
	printf("# %s: ms in sends+acks %llu, state checks %llu, socket reopens %llu\n",
	       who, (unsigned long long)st->send_ms,
	       (unsigned long long)st->check_ms,
	       (unsigned long long)st->reopen_ms);
	printf("# %s: errno:", who);
	for (i = 1; i < 134; i++)
		if (st->by_errno[i])
			printf(" %s=%llu", strerrorname_np(i) ?: "?",
			       (unsigned long long)st->by_errno[i]);
	printf("\n# %s: kind (sent/rejected):", who);
	for (i = 0; i < FZ_NR_KINDS; i++)
		printf(" %s=%llu/%llu", kind_names[i],
		       (unsigned long long)st->by_kind[i],
		       (unsigned long long)st->rejected_by_kind[i]);
	printf("\n# %s: accepted by command:", who);
	for (i = 0; i < 256; i++)
		if (st->accepted_by_cmd[i])
			printf(" %s=%llu", nt_cmd_name(i) ?: "?",
			       (unsigned long long)st->accepted_by_cmd[i]);
	printf("\n");
	if (st->eperm_expected)
		printf("# %s: %llu mutating commands had to fail with EPERM\n",
		       who, (unsigned long long)st->eperm_expected);
	if (st->no_extack)
		printf("# %s: %llu refusals without extack\n", who,
		       (unsigned long long)st->no_extack);
	for (i = 0; i < st->problems && i < MAX_PROBLEMS; i++)
		printf("# %s: PROBLEM: %s\n", who, st->problem[i]);
	if (st->problems > MAX_PROBLEMS)
		printf("# %s: ... %u problems in all\n", who, st->problems);
	fflush(stdout);
}

/* ---- the fixture: a little known state made through the family ------------- */

FIXTURE(nl_fuzz) {
	struct nt_sock s;
	bool skipped;
	bool has_divert;	/* the fixture VD has divert range [64, 72) */
	char vd[VVMP_NAME_MAX];
	char client[VVMP_NAME_MAX];
	const char *dm_name;	/* a device exposing vd to client, or NULL */
	struct vt_dev *pd;
	char *snapshot;
	uint64_t snapshot_seq;
	char why[NT_WHY_MAX];
};

static int call(struct nt_sock *s, struct nt_msg *m, char *text, size_t sz,
		struct nt_ack *a)
{
	char why[NT_WHY_MAX] = "";
	int rc = nt_do(s, m, a, text, sz, why, sizeof(why));

	if (rc == -EPROTO)
		fprintf(stderr, "# %s: %s\n", nt_cmd_name(m->buf[NLMSG_HDRLEN]), why);
	else if (rc && a && a->has_msg)
		fprintf(stderr, "# %s: %s (%s)\n",
			nt_cmd_name(m->buf[NLMSG_HDRLEN]), strerror(-rc),
			a->msg);
	return rc;
}

static int delete_by_name(struct nt_sock *s, uint8_t cmd, uint16_t attr,
			  const char *name)
{
	struct nt_msg *m = malloc(sizeof(*m));
	struct nt_ack a;
	int rc;

	if (!m)
		return -ENOMEM;
	nt_msg_init(m, s->family, 0, cmd);
	nt_put_str(m, attr, name);
	rc = call(s, m, NULL, 0, &a);
	free(m);
	return rc;
}

/* Clients a failed run of the root fuzz may have left ("qz..."). */
static void remove_fuzz_clients(struct nt_sock *s)
{
	char (*names)[64] = calloc(512, 64);
	char why[NT_WHY_MAX] = "";
	int nr, i;

	if (!names)
		return;
	nr = nt_state_names(s, true, names, 512, why, sizeof(why));
	for (i = 0; i < nr; i++)
		if (!strncmp(names[i], "qz", 2))
			delete_by_name(s, VVMP_CMD_CLIENT_DELETE,
				       VVMP_A_CLIENT_NAME, names[i]);
	free(names);
}

FIXTURE_SETUP(nl_fuzz)
{
	struct nt_msg *m = malloc(sizeof(*m));
	char table[256], out[VT_OUT_MAX];
	struct nt_ack a;
	int rc;

	ASSERT_NE(NULL, m);
	self->s.fd = -1;
	ASSERT_EQ(0, vt_begin());
	rc = nt_open(&self->s);
	if (rc == -ENOENT) {
		rc = nt_module_registers_family();
		if (rc == 0) {
			self->skipped = true;
			free(m);
			SKIP(return, "dm-vvmp predates the generic-netlink family (%s does not import genl_register_family)",
			     getenv("VVMP_MODULE"));
		}
		ASSERT_EQ(0, -ENOENT) {
			TH_LOG("family \"%s\" is not registered although %s (%s) registers a generic-netlink family",
			       VVMP_GENL_NAME, "dm-vvmp",
			       rc > 0 ? "it imports genl_register_family" :
			       "VVMP_MODULE unreadable");
		}
	}
	ASSERT_EQ(0, rc);
	remove_fuzz_clients(&self->s);
	self->snapshot = malloc(STATE_MAX);
	ASSERT_NE(NULL, self->snapshot);
	snprintf(self->vd, sizeof(self->vd), "nlfix-vd-%d", getpid());
	snprintf(self->client, sizeof(self->client), "nlfix-cl-%d", getpid());
	self->pd = vt_slice(VD_SECTORS);
	ASSERT_NE(NULL, self->pd);

	nt_msg_init(m, self->s.family, 0, VVMP_CMD_CLIENT_SET);
	nt_put_str(m, VVMP_A_CLIENT_NAME, self->client);
	nt_put_str(m, VVMP_A_CLIENT_INFO, "iqn.2024-01.test:nl-fuzz-fixture");
	ASSERT_EQ(0, call(&self->s, m, NULL, 0, &a));

	nt_msg_init(m, self->s.family, 0, VVMP_CMD_VD_CREATE);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_nest_begin(m, VVMP_A_MAP);
	nt_put_u8(m, VVMP_MAP_A_LAYOUT, VVMP_MAP_LINEAR);
	nt_nest_begin(m, VVMP_MAP_A_LEG);
	nt_nest_begin(m, VVMP_LEG_A_EXTENT);
	nt_put_str(m, VVMP_EXTENT_A_DEVICE, self->pd->majmin);
	nt_put_u64(m, VVMP_EXTENT_A_OFFSET, 0);
	nt_put_u64(m, VVMP_EXTENT_A_LENGTH, VD_SECTORS);
	nt_nest_end(m);
	nt_nest_end(m);
	nt_nest_end(m);
	ASSERT_EQ(0, call(&self->s, m, NULL, 0, &a));

	nt_msg_init(m, self->s.family, 0, VVMP_CMD_ACL_SET);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_put_str(m, VVMP_A_CLIENT_NAME, self->client);
	nt_put_u8(m, VVMP_A_ACL, VVMP_ACL_RO);
	ASSERT_EQ(0, call(&self->s, m, NULL, 0, &a));

	/* More state for the fuzz to leave alone; not the subject here. */
	nt_msg_init(m, self->s.family, 0, VVMP_CMD_COS_SET);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_nest_begin(m, VVMP_A_COS);
	nt_put_u64(m, VVMP_COS_A_IOPS, 5000);
	nt_nest_end(m);
	if (call(&self->s, m, NULL, 0, &a))
		TH_LOG("fixture without a CoS (cos_set failed)");
	nt_msg_init(m, self->s.family, 0, VVMP_CMD_DIVERT_ADD);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_nest_begin(m, VVMP_A_RANGE);
	nt_put_u64(m, VVMP_RANGE_A_START, 64);
	nt_put_u64(m, VVMP_RANGE_A_LENGTH, 8);
	nt_nest_end(m);
	if (call(&self->s, m, NULL, 0, &a))
		TH_LOG("fixture without a divert range (divert_add failed)");
	else
		self->has_divert = true;
	free(m);

	/* A device binding VD and client makes VD_DELETE of it -EBUSY. */
	self->dm_name = vt_new_name("nlx");
	snprintf(table, sizeof(table), "0 %d vvmp %s %s %s %s", VD_SECTORS,
		 VVMP_TABLE_VD_WORD, self->vd, VVMP_TABLE_CLIENT_WORD,
		 self->client);
	if (vt_dm_create(self->dm_name, table, out, sizeof(out))) {
		TH_LOG("fixture without a client device (%s): %s", table, out);
		self->dm_name = NULL;
	}

	self->why[0] = '\0';
	ASSERT_EQ(0, nt_state(&self->s, self->snapshot, STATE_MAX,
			      &self->snapshot_seq, self->why,
			      sizeof(self->why))) {
		TH_LOG("%s", self->why);
	}
	ASSERT_NE(NULL, strstr(self->snapshot, self->vd)) {
		TH_LOG("state_get does not show the fixture VD:\n%s", self->snapshot);
	}
	ASSERT_NE(NULL, strstr(self->snapshot, self->client)) {
		TH_LOG("state_get does not show the fixture client:\n%s", self->snapshot);
	}
}

FIXTURE_TEARDOWN(nl_fuzz)
{
	if (self->s.fd >= 0 && !self->skipped) {
		remove_fuzz_clients(&self->s);
		if (self->dm_name)
			vt_dm_remove(self->dm_name);
		delete_by_name(&self->s, VVMP_CMD_VD_DELETE, VVMP_A_VD_NAME,
			       self->vd);
		delete_by_name(&self->s, VVMP_CMD_CLIENT_DELETE,
			       VVMP_A_CLIENT_NAME, self->client);
	}
	if (self->s.fd >= 0)
		nt_close(&self->s);
	free(self->snapshot);
	vt_end();
}

static unsigned long fuzz_messages(void)
{
	const char *v = getenv("VVMP_FUZZ_MESSAGES");

	return v && *v ? strtoul(v, NULL, 0) : 100000;
}

static void seed_rng(uint64_t salt)
{
	const char *v = getenv("VVMP_FUZZ_SEED");
	uint64_t seed = v && *v ? strtoull(v, NULL, 0) : vt_now_ms() ^ getpid();

	printf("# VVMP_FUZZ_SEED=%llu\n", (unsigned long long)seed);
	rng_state = (seed ^ salt) * 0x9e3779b97f4a7c15ULL | 1;
	rnd();
}

/*
 * The fixture's state as the family shows it now; 0 if it equals the
 * snapshot (and *seq_out gets the snapshot sequence).
 */
static int state_is_snapshot(FIXTURE_DATA(nl_fuzz) *self, struct nt_sock *s,
			     char *now, uint64_t *seq_out)
{
	self->why[0] = '\0';
	if (nt_state(s, now, STATE_MAX, seq_out, self->why, sizeof(self->why)))
		return -EPROTO;
	return strcmp(now, self->snapshot) ? 1 : 0;
}

/*
 * Remove what accepted CLIENT_SETs (and commits of them) created: every
 * client and VD the snapshot does not have. Returns how many were removed.
 */
static int undo(FIXTURE_DATA(nl_fuzz) *self, struct fz_stats *st)
{
	char (*names)[64] = calloc(512, 64);
	int nr, i, removed = 0;

	if (!names)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		bool clients = pass == 0;

		self->why[0] = '\0';
		nr = nt_state_names(&self->s, clients, names, 512, self->why,
				    sizeof(self->why));
		for (i = 0; i < nr; i++) {
			if (!strcmp(names[i], clients ? self->client : self->vd))
				continue;
			if (!clients)
				problem(st, NULL, 0, "a VD \"%s\" appeared", names[i]);
			if (delete_by_name(&self->s, clients ?
					   VVMP_CMD_CLIENT_DELETE :
					   VVMP_CMD_VD_DELETE,
					   clients ? VVMP_A_CLIENT_NAME :
					   VVMP_A_VD_NAME, names[i]))
				problem(st, NULL, 0, "cannot delete %s \"%s\"",
					clients ? "client" : "VD", names[i]);
			else
				removed++;
		}
	}
	free(names);
	st->undone += removed;
	return removed;
}

/* Messages the unprivileged child sends whole: every mutating command. */
static const uint8_t mutating_cmds[] = {
	VVMP_CMD_VD_CREATE, VVMP_CMD_VD_DELETE, VVMP_CMD_VD_SET_MAP,
	VVMP_CMD_VD_SET_SEGMENT, VVMP_CMD_CLIENT_SET, VVMP_CMD_CLIENT_DELETE,
	VVMP_CMD_ACL_SET, VVMP_CMD_STATUS_SET, VVMP_CMD_COS_SET,
	VVMP_CMD_STATS_SET, VVMP_CMD_STATS_RESET, VVMP_CMD_PLAN_SET,
	VVMP_CMD_PLAN_PARAMS_SET, VVMP_CMD_DIVERT_ADD, VVMP_CMD_DIVERT_DELETE,
	VVMP_CMD_TXN_BEGIN, VVMP_CMD_TXN_COMMIT, VVMP_CMD_TXN_ABORT,
};

/* Weights of the mutation kinds. */
static enum fz_kind pick_kind(bool unpriv)
{
	static const uint8_t weight[FZ_NR_KINDS] = {
		[FZ_VALID] = 6, [FZ_FLIP] = 14, [FZ_FLIPS] = 6,
		[FZ_WRONG_TYPE] = 6, [FZ_BAD_LEN] = 5, [FZ_DROP] = 6,
		[FZ_OVERSIZE_STR] = 4, [FZ_BAD_STR] = 4, [FZ_UNKNOWN_CMD] = 3,
		[FZ_UNKNOWN_ATTR] = 4, [FZ_TRUNC_NEST] = 4,
		[FZ_NO_NESTED] = 4, [FZ_BYTEORDER] = 2, [FZ_NEST_AS_LEAF] = 3,
		[FZ_LEAF_AS_NEST] = 3, [FZ_EMPTY_NEST] = 2, [FZ_DUP] = 3,
		[FZ_RANGE] = 5, [FZ_RESERVED] = 2, [FZ_VERSION] = 2,
		[FZ_FLAGS] = 2, [FZ_DUMP] = 2, [FZ_TRUNC_MSG] = 3,
		[FZ_RANDOM] = 5,
	};
	unsigned int total = 0, r, k;

	(void)unpriv;
	for (k = 0; k < FZ_NR_KINDS; k++)
		total += weight[k];
	r = below(total);
	for (k = 0; k < FZ_NR_KINDS; k++) {
		if (r < weight[k])
			return k;
		r -= weight[k];
	}
	return FZ_FLIP;
}

/*
 * A command on the fixture's own objects that must fail for a reason of
 * state, not of form (the path beyond the policy: lookups, map building,
 * range checks), then mutated only in ways that cannot make it succeed:
 * no byte flips or random values, and no dropped attribute where that
 * would turn it into a valid command.
 */
static void fixture_refusal(FIXTURE_DATA(nl_fuzz) *self, struct fmsg *m,
			    const struct fz_names *qz)
{
	static const enum fz_kind safe[] = {
		FZ_VALID, FZ_VALID, FZ_VALID, FZ_WRONG_TYPE, FZ_BAD_LEN,
		FZ_OVERSIZE_STR, FZ_BAD_STR, FZ_UNKNOWN_ATTR, FZ_TRUNC_NEST,
		FZ_NO_NESTED, FZ_BYTEORDER, FZ_NEST_AS_LEAF, FZ_LEAF_AS_NEST,
		FZ_EMPTY_NEST, FZ_RESERVED, FZ_FLAGS, FZ_DROP, FZ_TRUNC_MSG,
	};
	struct fz_names nm = *qz;	/* devices under /nonexistent */
	struct fnode *r = &m->root, *n;
	enum fz_kind k;
	bool may_drop = true;

	snprintf(nm.vd, sizeof(nm.vd), "%s", self->vd);
	switch (below(14)) {
	case 0:		/* the name exists */
		tmpl(m, VVMP_CMD_VD_CREATE, &nm);
		break;
	case 1:		/* a device exposes it */
		if (!self->dm_name)
			goto nonexistent_client;
		tmpl(m, VVMP_CMD_VD_DELETE, &nm);
		break;
	case 2:		/* a device binds it */
		if (!self->dm_name)
			goto nonexistent_client;
		snprintf(nm.client, sizeof(nm.client), "%s", self->client);
		tmpl(m, VVMP_CMD_CLIENT_DELETE, &nm);
		break;
	case 3:		/* extents on devices that do not exist */
		tmpl(m, VVMP_CMD_VD_SET_MAP, &nm);
		break;
	case 4:
		tmpl(m, VVMP_CMD_VD_SET_SEGMENT, &nm);
		break;
	case 5:		/* attach or replace with such a leg */
		tmpl(m, VVMP_CMD_PLAN_SET, &nm);
		m->root.nkids = 1;
		a_u8(m, r, VVMP_A_PLAN_OP, chance(50) ? VVMP_PLAN_ATTACH :
							VVMP_PLAN_REPLACE);
		a_u32(m, r, VVMP_A_LEG_INDEX, 0);
		put_leg(m, r, VVMP_A_LEG, &nm);
		break;
	case 6:		/* detach the only leg, or one beyond the legs */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_PLAN_SET;
		a_u8(m, r, VVMP_A_PLAN_OP, VVMP_PLAN_DETACH);
		a_u32(m, r, VVMP_A_LEG_INDEX, below(VVMP_MAX_LEGS));
		break;
	case 7:		/* parameters of a leg beyond the legs */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_PLAN_PARAMS_SET;
		a_u32(m, r, VVMP_A_LEG_INDEX, 1 + below(VVMP_MAX_LEGS - 1));
		n = a_nest(m, r, VVMP_A_COMPONENT);
		a_u32(m, n, VVMP_COMPONENT_A_TIMEOUT_MS, 1000);
		a_u32(m, n, VVMP_COMPONENT_A_MASKS, VVMP_MASK_ALL);
		break;
	case 8:		/* a range beyond the VD, or the existing one again */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_DIVERT_ADD;
		n = a_nest(m, r, VVMP_A_RANGE);
		if (self->has_divert && chance(50)) {
			a_u64(m, n, VVMP_RANGE_A_START, 64);
			a_u64(m, n, VVMP_RANGE_A_LENGTH, 8);
		} else {
			a_u64(m, n, VVMP_RANGE_A_START, VD_SECTORS - below(8));
			a_u64(m, n, VVMP_RANGE_A_LENGTH, 8 + below(1 << 20));
		}
		break;
	case 9:		/* ranges that were not added */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_DIVERT_DELETE;
		n = a_nest(m, r, VVMP_A_RANGE);
		a_u64(m, n, VVMP_RANGE_A_START, chance(50) ? 64 : 65 + below(900));
		a_u64(m, n, VVMP_RANGE_A_LENGTH, 9 + below(100));
		break;
	case 10:	/* a segment that leaves a gap after the end */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_VD_SET_SEGMENT;
		n = a_nest(m, r, VVMP_A_SEGMENT);
		a_u64(m, n, VVMP_SEGMENT_A_START, VD_SECTORS + 8 + below(1000));
		a_u64(m, n, VVMP_SEGMENT_A_LENGTH, 8);
		put_extent(m, n, VVMP_SEGMENT_A_EXTENT, &nm);
		break;
	default:
nonexistent_client:
		/*
		 * A policy for a client that does not exist -- and that no
		 * CLIENT_SET of the fuzz ("qz...") can create in the batch.
		 */
		tmpl(m, VVMP_CMD_VD_GET, &nm);
		m->cmd = VVMP_CMD_ACL_SET + 2 * below(3);
		snprintf(nm.client, sizeof(nm.client), "zz-no-such-client-%08x",
			 (unsigned int)rnd());
		a_str(m, r, VVMP_A_CLIENT_NAME, nm.client);
		if (m->cmd == VVMP_CMD_ACL_SET)
			a_u8(m, r, VVMP_A_ACL, VVMP_ACL_NONE);
		else if (m->cmd == VVMP_CMD_STATUS_SET)
			a_u8(m, r, VVMP_A_STATUS, VVMP_STATUS_DISABLED);
		else
			a_u64(m, a_nest(m, r, VVMP_A_COS), VVMP_COS_A_IOPS, 1);
		may_drop = false;	/* without the client it is the VD's */
		break;
	}
	/* Staged in a transaction it would be accepted: not here. */
	if (r->nkids && (r->kid[r->nkids - 1]->type & NLA_TYPE_MASK) == VVMP_A_TXN_ID)
		r->nkids--;
	do {
		k = safe[below(sizeof(safe) / sizeof(safe[0]))];
	} while (k == FZ_DROP && !may_drop);
	mutate_or(m, k, false);
}

/*
 * Send @count fuzz messages on @s in batches. As root (@self non-NULL) the
 * state is compared with the snapshot after every batch; unprivileged,
 * names are the fixture's own (@nm_fixed) half of the time.
 */
static void fuzz(FIXTURE_DATA(nl_fuzz) *self, struct nt_sock *s,
		 unsigned long count, bool unpriv, const struct fz_names *fixed,
		 struct fz_stats *st)
{
	uint8_t *buf = malloc(BATCH_BYTES + NT_MSG_MAX);
	struct fmsg *m = malloc(sizeof(*m));
	struct nt_ack *acks = calloc(BATCH_MAX, sizeof(*acks));
	struct fz_sent *sent = calloc(BATCH_MAX, sizeof(*sent));
	char *now = malloc(STATE_MAX);
	char why[NT_WHY_MAX];
	uint64_t seq = self ? self->snapshot_seq : 0, t0 = vt_now_ms();
	unsigned long batches = 0;

	if (!buf || !m || !acks || !sent || !now) {
		problem(st, NULL, 0, "out of memory");
		goto out;
	}
	while (st->sent < count && st->problems < 64) {
		uint32_t first = s->seq;
		unsigned int n = 0, i;
		size_t len = 0;
		bool may_create = false, mutated = false;
		uint64_t t;
		int rc;

		while (n < BATCH_MAX && st->sent + n < count &&
		       len + NT_MSG_MAX <= BATCH_BYTES) {
			struct fz_names nm;
			uint8_t cmd = 1 + below(VVMP_CMD_MAX);

			if (unpriv && chance(50))
				nm = *fixed;
			else
				qz_names(&nm);
			if (self && chance(15)) {
				fixture_refusal(self, m, &nm);
				st->fixture_msgs++;
			} else {
				tmpl(m, cmd, &nm);
				mutate(m, pick_kind(unpriv));
			}
			sent[n].off = len;
			sent[n].kind = m->kind;
			len += serialise(m, s->family, s->seq++, buf + len,
					 BATCH_BYTES + NT_MSG_MAX - len);
			describe(buf + sent[n].off, &sent[n]);
			n++;
		}
		why[0] = '\0';
		t = vt_now_ms();
		rc = nt_batch(s, buf, len, acks, n, first, NULL, 0, why,
			      sizeof(why));
		st->send_ms += vt_now_ms() - t;
		if (rc) {
			for (i = 0; i < n && acks[i].done; i++)
				;
			problem(st, NULL, 0, "batch of %u at seq %u: %s (%d)",
				n, first, why, rc);
			if (i < n)
				problem(st, buf + sent[i].off, sent[i].len,
					"no answer to message %u of the batch (seq %u, %s, %s)",
					i, first + i, nt_cmd_name(sent[i].cmd) ?: "?",
					kind_names[sent[i].kind]);
			break;
		}
		for (i = 0; i < n; i++) {
			bool c = judge(st, &sent[i], &acks[i], buf + sent[i].off,
				       unpriv);

			may_create |= c;
			if (!acks[i].err && nt_cmd_mutates(sent[i].cmd))
				mutated = true;
			/*
			 * A commit that failed applied and undid commands:
			 * state is unchanged, but their events took sequence
			 * numbers before they were dropped.
			 */
			if (sent[i].cmd == VVMP_CMD_TXN_COMMIT)
				mutated = true;
		}
		st->sent += n;
		batches++;
		if (!self)
			continue;

		t = vt_now_ms();
		rc = state_is_snapshot(self, s, now, &seq);
		if (rc > 0 && may_create && undo(self, st) >= 0)
			rc = state_is_snapshot(self, s, now, &seq);
		st->check_ms += vt_now_ms() - t;
		if (rc) {
			if (rc < 0)
				problem(st, NULL, 0, "state_get after batch %lu: %s",
					batches, self->why);
			else
				problem(st, NULL, 0,
					"state after batch %lu (%u messages from seq %u; accepted mutating: %s) differs from the snapshot:\n%s--- now:\n%s",
					batches, n, first, mutated ? "yes" : "no",
					self->snapshot, now);
			break;
		}
		if (seq != self->snapshot_seq && !mutated)
			problem(st, NULL, 0,
				"snapshot_seq moved from %llu to %llu in batch %lu without an accepted change",
				(unsigned long long)self->snapshot_seq,
				(unsigned long long)seq, batches);
		self->snapshot_seq = seq;
		if (batches % REOPEN_EVERY == 0) {
			/* Transactions die with their socket. */
			t = vt_now_ms();
			nt_close(s);
			rc = nt_open(s);
			st->reopen_ms += vt_now_ms() - t;
			if (rc) {
				problem(st, NULL, 0, "reopening the socket: %d", rc);
				break;
			}
		}
	}
out:
	st->elapsed_ms = vt_now_ms() - t0;
	free(buf);
	free(m);
	free(acks);
	free(sent);
	free(now);
}

/* A valid get still returns the fixture, and the state is the snapshot. */
static void family_still_works(struct __test_metadata *_metadata,
			       FIXTURE_DATA(nl_fuzz) *self)
{
	struct nt_msg *m = malloc(sizeof(*m));
	char *text = malloc(NT_TEXT_MAX), *now = malloc(STATE_MAX);
	char expect[128];
	struct nt_ack a;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, text);
	ASSERT_NE(NULL, now);
	nt_msg_init(m, self->s.family, 0, VVMP_CMD_VD_GET);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	ASSERT_EQ(0, call(&self->s, m, text, NT_TEXT_MAX, &a));
	snprintf(expect, sizeof(expect), "vd_name=\"%s\"", self->vd);
	EXPECT_NE(NULL, strstr(text, expect)) {
		TH_LOG("vd_get: %s", text);
	}
	EXPECT_NE(NULL, strstr(text, "vd_size=2048")) {
		TH_LOG("vd_get: %s", text);
	}

	nt_msg_init(m, self->s.family, 0, VVMP_CMD_ACL_GET);
	nt_put_str(m, VVMP_A_VD_NAME, self->vd);
	nt_put_str(m, VVMP_A_CLIENT_NAME, self->client);
	ASSERT_EQ(0, call(&self->s, m, text, NT_TEXT_MAX, &a));
	EXPECT_NE(NULL, strstr(text, "acl=1")) {
		TH_LOG("acl_get: %s", text);
	}

	nt_msg_init(m, self->s.family, 0, VVMP_CMD_CLIENT_GET);
	nt_put_str(m, VVMP_A_CLIENT_NAME, self->client);
	ASSERT_EQ(0, call(&self->s, m, text, NT_TEXT_MAX, &a));
	EXPECT_NE(NULL, strstr(text, "iqn.2024-01.test:nl-fuzz-fixture")) {
		TH_LOG("client_get: %s", text);
	}

	EXPECT_EQ(0, state_is_snapshot(self, &self->s, now, NULL)) {
		TH_LOG("%s\nsnapshot:\n%s--- now:\n%s", self->why,
		       self->snapshot, now);
	}
	free(m);
	free(text);
	free(now);
}

TEST_F_TIMEOUT(nl_fuzz, root_messages_are_rejected_or_undone_and_state_is_unchanged, 900)
{
	struct fz_stats *st;
	unsigned long total = fuzz_messages();

	if (self->skipped)
		return;
	st = calloc(1, sizeof(*st));
	ASSERT_NE(NULL, st);
	seed_rng(1);
	fuzz(self, &self->s, total - total / 4, false, NULL, st);
	report(st, "root");
	EXPECT_EQ(total - total / 4, st->sent);
	EXPECT_EQ(0, st->problems);
	free(st);
	family_still_works(_metadata, self);
}

static bool caps_dropped(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return !d[0].effective && !d[1].effective && !d[0].permitted &&
	       !d[1].permitted;
}

/* In a child as nobody: whole mutating commands, then the fuzz. */
static void unprivileged(FIXTURE_DATA(nl_fuzz) *self, unsigned long count,
			 struct fz_stats *st)
{
	struct fz_names fixed = { 0 };
	struct nt_sock s;
	struct fmsg *m = malloc(sizeof(*m));
	uint8_t *buf = malloc(NT_MSG_MAX);
	char *now = malloc(STATE_MAX);
	char why[NT_WHY_MAX] = "";
	unsigned int i;
	int rc;

	if (!m || !buf || !now) {
		problem(st, NULL, 0, "out of memory");
		return;
	}
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY) || !caps_dropped()) {
		problem(st, NULL, 0, "cannot become uid %d without capabilities: %s",
			NOBODY, strerror(errno));
		return;
	}
	rc = nt_open(&s);
	if (rc) {
		problem(st, NULL, 0, "unprivileged nt_open: %d", rc);
		return;
	}
	/* Reads are for everyone: the same state as root sees. */
	rc = nt_state(&s, now, STATE_MAX, NULL, why, sizeof(why));
	if (rc || strcmp(now, self->snapshot))
		problem(st, NULL, 0, "unprivileged state_get (%d %s):\n%s--- root saw:\n%s",
			rc, why, now, self->snapshot);

	snprintf(fixed.vd, sizeof(fixed.vd), "%s", self->vd);
	snprintf(fixed.client, sizeof(fixed.client), "%s", self->client);
	snprintf(fixed.dev, sizeof(fixed.dev), "%s", self->pd->majmin);
	/* Every mutating command, well formed, on the fixture: -EPERM. */
	for (i = 0; i < sizeof(mutating_cmds); i++) {
		for (int dump = 0; dump < 2; dump++) {
			struct fz_sent d = { 0 };
			struct nt_ack a;
			uint32_t seq = s.seq++;
			size_t len;

			tmpl(m, mutating_cmds[i], &fixed);
			m->kind = FZ_VALID;
			if (dump)
				m->flags |= NLM_F_DUMP;
			len = serialise(m, s.family, seq, buf, NT_MSG_MAX);
			describe(buf, &d);
			d.kind = FZ_VALID;
			why[0] = '\0';
			rc = nt_batch(&s, buf, len, &a, 1, seq, NULL, 0, why,
				      sizeof(why));
			if (rc) {
				problem(st, NULL, 0, "%s: %s", nt_cmd_name(d.cmd), why);
				continue;
			}
			judge(st, &d, &a, buf, true);
			st->sent++;
		}
	}
	fuzz(NULL, &s, count, true, &fixed, st);
	nt_close(&s);
	free(m);
	free(buf);
	free(now);
}

TEST_F_TIMEOUT(nl_fuzz, unprivileged_mutations_fail_with_eperm_and_state_is_unchanged, 900)
{
	struct fz_stats *st;
	unsigned long count = fuzz_messages() / 4;
	char *now = malloc(STATE_MAX);
	uint64_t seq;
	int status;
	pid_t pid;

	if (self->skipped)
		return;
	ASSERT_NE(NULL, now);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	memset(st, 0, sizeof(*st));
	seed_rng(2);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unprivileged(self, count, st);
		fflush(stdout);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("unprivileged child: status 0x%x", status);
	}
	report(st, "nobody");
	EXPECT_LE(count, st->sent);
	EXPECT_LT(0, st->eperm_expected);
	EXPECT_EQ(0, st->problems);
	/* Nothing a refused unprivileged message did is visible. */
	EXPECT_EQ(0, state_is_snapshot(self, &self->s, now, &seq)) {
		TH_LOG("%s\nsnapshot:\n%s--- now:\n%s", self->why,
		       self->snapshot, now);
	}
	EXPECT_EQ(self->snapshot_seq, seq);
	munmap(st, sizeof(*st));
	free(now);
	family_still_works(_metadata, self);
}

TEST_HARNESS_MAIN
