/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VVMP wire format: the frame header, every opcode's payload, the CRC-32C
 * checksum and the HMAC-SHA256 trailer. Documentation/vvmp-protocol.rst is
 * the normative description; this header is its C mirror, field for field
 * and in wire order.
 *
 * Every integer on the wire is big-endian. Every payload is a whole number
 * of 32-bit words. A frame is: 40-byte header, payload, and, when
 * VVMP_F_AUTH is set, a 24-byte auth extension (association, sequence,
 * timestamp: replay protection) and a 32-byte HMAC-SHA256 over all of it.
 */
#ifndef VVMP_PROTO_H
#define VVMP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VVMP_MAGIC		0x564d	/* "VM" */
#define VVMP_VERSION		1	/* header version of a frame without VVMP_F_AUTH */
#define VVMP_VERSION_AUTH	2	/* ... and with it (auth extension, then MAC) */
#define VVMP_TCP_PORT		4811	/* manager <-> hosts, manager <-> manager */
#define VVMP_UDP_PORT		4812	/* manager <-> storage units */

#define VVMP_HEADER_LEN		40
#define VVMP_MAX_DATA_WORDS	8192	/* payload limit: 32 KiB */
#define VVMP_MAX_PAYLOAD	(VVMP_MAX_DATA_WORDS * 4)
#define VVMP_AUTH_EXT_LEN	24	/* association, sequence, timestamp */
#define VVMP_MAC_LEN		32	/* HMAC-SHA256 */
#define VVMP_AUTH_LEN		(VVMP_AUTH_EXT_LEN + VVMP_MAC_LEN)
#define VVMP_MAX_FRAME		(VVMP_HEADER_LEN + VVMP_MAX_PAYLOAD + VVMP_AUTH_LEN)
#define VVMP_MAX_KEY_LEN	64

/* Replay protection (Documentation/vvmp-protocol.rst section 3.5). */
#define VVMP_REPLAY_WINDOW	64	/* sequence numbers below the highest still accepted */
#define VVMP_OPENING_SKEW_US	(60ull * 1000000)	/* opening timestamp vs receiver clock */
#define VVMP_OPENING_CACHE	1024	/* openings a receiver remembers (within the skew) */

/* Fixed-width, NUL-padded text fields. */
#define VVMP_HOST_LEN		64
#define VVMP_ADDR_LEN		64
#define VVMP_NAME_LEN		32

/* List limits: a decoder refuses a count above these. */
#define VVMP_MAX_EXTENTS	64
#define VVMP_MAX_DEVICES	256
#define VVMP_MAX_VOLUMES	64
#define VVMP_MAX_DOMAINS	32
#define VVMP_MAX_MEMBERS	16

/* Header flags. */
#define VVMP_F_REPLY		0x01
#define VVMP_F_AUTH		0x02	/* HMAC-SHA256 trailer follows the payload */
#define VVMP_F_FORWARDED	0x04	/* sent by a manager for another: never forwarded again */
#define VVMP_F_ALL		(VVMP_F_REPLY | VVMP_F_AUTH | VVMP_F_FORWARDED)

enum vvmp_opcode {
	/* TCP: hosts and peer managers ask a manager */
	VVMP_OP_QUERY		= 0x0001,
	VVMP_OP_ALLOCATE	= 0x0002,
	VVMP_OP_INITIALIZE	= 0x0003,
	VVMP_OP_FREE		= 0x0004,
	VVMP_OP_CHANGE_PARAMS	= 0x0005,
	VVMP_OP_REGISTER	= 0x0006,	/* reply when capacity appears */
	VVMP_OP_ADD_STORAGE	= 0x0007,
	VVMP_OP_GIVE_BACK	= 0x0008,
	VVMP_OP_STATISTICS	= 0x0009,
	VVMP_OP_DOMAINS		= 0x000a,
	VVMP_OP_TEARDOWN	= 0x000b,
	/* UDP: storage-unit auto-configuration */
	VVMP_OP_UNIT_UP		= 0x0101,
	VVMP_OP_UNIT_DOWN	= 0x0102,
	VVMP_OP_NEED_INFO	= 0x0103,
	VVMP_OP_VOLUME_LIST	= 0x0104,
	VVMP_OP_HEARTBEAT	= 0x0105,
	VVMP_OP_ASSIGN		= 0x0106,
};

enum vvmp_query_sub {
	VVMP_QUERY_SAN		= 1,	/* summary of this manager's SAN */
	VVMP_QUERY_ALL_DEVICES	= 2,	/* every volume of this SAN */
	VVMP_QUERY_LOCAL_DEVICES = 3,	/* volumes allocated to the asking session */
	VVMP_QUERY_ALL_SANS	= 4,	/* every volume of this SAN and of its peers */
};

/* Sub-opcodes of ALLOCATE and REGISTER. */
enum vvmp_alloc_sub {
	VVMP_ALLOC_LOCAL_ONLY	= 1,	/* this SAN's pool; never grown, never forwarded */
	VVMP_ALLOC_EXPANDABLE	= 2,	/* this SAN's pool; may grow with CHANGE_PARAMS */
	VVMP_ALLOC_ANYWHERE	= 3,	/* like EXPANDABLE, forwarded to peers when exhausted */
};

enum vvmp_stats_sub { VVMP_STATS_SESSION = 1 };
enum vvmp_domains_sub { VVMP_DOMAINS_LIST = 1 };
enum vvmp_assign_sub { VVMP_ASSIGN_ADD = 1, VVMP_ASSIGN_RELEASE = 2 };

enum vvmp_storage_type {
	VVMP_ST_JBOD	= 1,
	VVMP_ST_RAID0	= 2,
	VVMP_ST_RAID1	= 3,
	VVMP_ST_RAID5	= 4,
};

enum vvmp_access { VVMP_ACCESS_EXCLUSIVE = 1, VVMP_ACCESS_SHARED = 2 };

enum vvmp_transport {
	VVMP_TR_LOCAL	= 1,	/* a block device path on the host itself */
	VVMP_TR_NBD	= 2,	/* "host:port[/export]" */
	VVMP_TR_ISCSI	= 3,	/* "host:port,iqn" */
};

/* Device states in QUERY replies. */
enum vvmp_device_state {
	VVMP_DEV_FREE		= 1,
	VVMP_DEV_PARTLY_USED	= 2,
	VVMP_DEV_FULL		= 3,
	VVMP_DEV_UNIT_DOWN	= 4,
};

/* ALLOCATE / REGISTER / CHANGE_PARAMS flags. */
#define VVMP_AF_AUTO_MIRROR	0x1	/* keep a mirror leg on another unit */
#define VVMP_AF_BACKUP		0x2	/* keep a backup copy on another unit: */
					/* the same second leg as AUTO_MIRROR */
#define VVMP_AF_ALL		(VVMP_AF_AUTO_MIRROR | VVMP_AF_BACKUP)
/* Either flag: the seeds' "automatic mirroring/backup", one kept copy. */
#define VVMP_AF_MIRRORED	(VVMP_AF_AUTO_MIRROR | VVMP_AF_BACKUP)

/* DOMAINS flags. */
#define VVMP_DF_AUTH_REQUIRED	0x1

/* Reply status (header field "status"); 0 in every request. */
enum vvmp_proto_status {
	VVMP_S_OK		= 0,
	VVMP_S_BAD_FRAME	= 1,	/* magic, version, flags, length */
	VVMP_S_BAD_CHECKSUM	= 2,
	VVMP_S_UNKNOWN_OPCODE	= 3,
	VVMP_S_BAD_PAYLOAD	= 4,	/* truncated, excess or out-of-range field */
	VVMP_S_AUTH_FAILED	= 5,	/* missing or wrong HMAC */
	VVMP_S_OUT_OF_DOMAIN	= 6,	/* domain unknown to this manager */
	VVMP_S_NO_SESSION	= 7,
	VVMP_S_NO_SPACE		= 8,	/* pool exhausted */
	VVMP_S_NOT_FOUND	= 9,
	VVMP_S_DENIED		= 10,	/* access conflict (exclusive) or not allowed */
	VVMP_S_TIMEOUT		= 11,
	VVMP_S_FORWARD_FAILED	= 12,
	VVMP_S_INTERNAL		= 13,
	VVMP_S_UNSUPPORTED_TYPE	= 14,	/* a storage type the kernel cannot realise (RAID5) */
	VVMP_S_REPLAYED		= 15,	/* authenticated, but not fresh: duplicate, too old, stale */
	VVMP_S_MAX		= 15,
};

/*
 * Codec results: 0 or one of these (negative). A decoder error maps to the
 * status of the error reply through vvmp_err_status().
 */
enum vvmp_err {
	VVMP_E_SHORT	= -1,	/* fewer bytes than the frame needs (stream: read more) */
	VVMP_E_MAGIC	= -2,
	VVMP_E_VERSION	= -3,
	VVMP_E_FLAGS	= -4,	/* reserved flag bit set */
	VVMP_E_LENGTH	= -5,	/* data_words above the limit */
	VVMP_E_CHECKSUM	= -6,
	VVMP_E_OPCODE	= -7,	/* unknown opcode */
	VVMP_E_SUBOP	= -8,	/* sub-opcode not defined for the opcode */
	VVMP_E_PAYLOAD	= -9,	/* payload truncated, too long or a field out of range */
	VVMP_E_AUTH	= -10,	/* HMAC missing or wrong */
	VVMP_E_NOSPACE	= -11,	/* encode: output buffer too small */
	VVMP_E_STATUS	= -12,	/* status set in a request, or unknown status */
	VVMP_E_REPLAY	= -13,	/* MAC right, frame not fresh (section 3.5) */
};

struct vvmp_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t opcode;
	uint16_t sub_opcode;
	uint32_t src_san_id;
	uint32_t dst_san_id;
	uint32_t client_id;
	uint32_t server_id;
	uint32_t transaction_id;
	uint32_t domain_id;
	uint16_t status;
	uint16_t data_words;
	uint32_t checksum;
};

/* INITIALIZE: open (or resume) a session. */
struct vvmp_init_req {
	uint32_t client_boot_id;	/* changes on every client boot */
	uint32_t flags;			/* reserved, 0 */
	char host[VVMP_HOST_LEN];
};

struct vvmp_init_rep {
	uint32_t session_id;
	uint32_t server_boot_id;	/* changes on every manager start */
	uint32_t session_grace_ms;	/* how long a session outlives its connection */
	uint32_t reserved;
};

/* ALLOCATE and REGISTER. */
struct vvmp_alloc_req {
	uint32_t session_id;
	uint32_t storage_type;		/* enum vvmp_storage_type */
	uint32_t access;		/* enum vvmp_access */
	uint32_t flags;			/* VVMP_AF_* */
	uint64_t capacity_kb;
	uint32_t bandwidth_kb;		/* KB/s wanted, 0 = no requirement */
	uint32_t qos;			/* priority class 0..7 */
	uint32_t timeout_ms;		/* I/O timeout per component; REGISTER: wait limit */
	uint32_t stripe_kb;		/* RAID0/RAID5 chunk, 0 = manager default */
	uint32_t block_size;		/* bytes: 0, 512 or 4096 */
	uint32_t members;		/* RAID0/RAID5 width, RAID1 copies; 0 = default */
	uint32_t share_alloc_id;	/* SHARED: attach to this allocation; else 0 */
	uint32_t reserved;
};

/* One piece of an allocation: a range of a unit's volume. */
struct vvmp_extent {
	uint32_t san_id;
	uint32_t unit_id;
	uint32_t volume_id;
	uint32_t member;		/* stripe member or mirror copy index */
	uint32_t transport;
	uint32_t reserved;
	uint64_t start_lba;		/* 512-byte sectors, absolute on the unit */
	uint64_t length_lba;
	char address[VVMP_ADDR_LEN];
};

/* Reply to ALLOCATE, REGISTER, CHANGE_PARAMS, GIVE_BACK. */
struct vvmp_alloc_rep {
	uint32_t alloc_id;
	uint32_t session_id;
	uint32_t storage_type;
	uint32_t access;
	uint64_t capacity_kb;
	uint32_t members;
	uint32_t stripe_kb;
	uint32_t block_size;
	uint32_t extent_count;
	struct vvmp_extent extents[VVMP_MAX_EXTENTS];
};

struct vvmp_free_req {
	uint32_t session_id;
	uint32_t alloc_id;
};

struct vvmp_change_req {
	uint32_t session_id;
	uint32_t alloc_id;
	uint64_t capacity_kb;		/* new total; larger grows, equal keeps */
	uint32_t bandwidth_kb;
	uint32_t qos;
	uint32_t timeout_ms;
	uint32_t flags;
};

/* A volume as a storage unit (or ADD_STORAGE) describes it. */
struct vvmp_volume {
	uint32_t volume_id;		/* the unit's own number for it */
	uint32_t transport;
	uint64_t start_lba;
	uint64_t length_lba;
	uint64_t end_lba;		/* start_lba + length_lba - 1 */
	char address[VVMP_ADDR_LEN];
};

struct vvmp_add_storage_req {
	uint32_t session_id;
	uint32_t storage_type;
	struct vvmp_volume volume;
};

struct vvmp_add_storage_rep {
	uint32_t unit_id;
	uint32_t volume_id;
};

struct vvmp_give_back_req {
	uint32_t session_id;
	uint32_t alloc_id;
	uint64_t capacity_kb;		/* how much to return (from the end) */
};

struct vvmp_session_ref {
	uint32_t session_id;
	uint32_t reserved;
};

struct vvmp_stats_rep {
	uint32_t session_id;
	uint32_t allocations;
	uint64_t allocated_kb;
	uint64_t requests;
	uint64_t errors;
	uint64_t queries;
};

struct vvmp_domain {
	uint32_t domain_id;
	uint32_t flags;			/* VVMP_DF_* */
	char name[VVMP_NAME_LEN];
};

struct vvmp_domains_rep {
	uint32_t count;
	struct vvmp_domain domains[VVMP_MAX_DOMAINS];
};

struct vvmp_query_san_rep {
	uint32_t san_id;
	uint32_t units_up;
	uint32_t volumes;
	uint32_t sessions;
	uint64_t total_kb;
	uint64_t free_kb;
};

struct vvmp_device {
	uint32_t san_id;
	uint32_t unit_id;
	uint32_t volume_id;
	uint32_t storage_type;
	uint32_t transport;
	uint32_t state;			/* enum vvmp_device_state */
	uint32_t bandwidth_kb;
	uint32_t load_pct;
	uint64_t start_lba;
	uint64_t length_lba;
	char address[VVMP_ADDR_LEN];
};

struct vvmp_query_dev_rep {
	uint32_t count;
	struct vvmp_device devices[VVMP_MAX_DEVICES];
};

struct vvmp_unit_up_req {
	uint32_t unit_boot_id;
	uint32_t storage_type;
	uint32_t bandwidth_kb;
	uint32_t load_pct;		/* 0..100 */
	char name[VVMP_NAME_LEN];
};

struct vvmp_unit_up_rep {
	uint32_t unit_id;
	uint32_t heartbeat_ms;		/* send HEARTBEAT at least this often */
};

struct vvmp_unit_ref {
	uint32_t unit_id;
	uint32_t reserved;
};

struct vvmp_volume_list_req {
	uint32_t unit_id;
	uint32_t count;
	struct vvmp_volume volumes[VVMP_MAX_VOLUMES];
};

struct vvmp_heartbeat_req {
	uint32_t unit_id;
	uint32_t load_pct;
};

struct vvmp_assign_req {
	uint32_t alloc_id;
	uint32_t client_id;
	uint32_t volume_id;
	uint32_t access;
	uint32_t member;
	uint32_t reserved;
	uint64_t start_lba;
	uint64_t length_lba;
	char host[VVMP_HOST_LEN];
};

/*
 * The auth extension of a frame with VVMP_F_AUTH (inside the MAC's scope).
 * An opening (sequence 0) proposes a new association; every other frame
 * carries its sender's next number in the association.
 */
struct vvmp_auth {
	uint64_t association;		/* chosen at random by the opener, never 0 */
	uint64_t sequence;		/* 0: opening; else 1, 2, ... per sender */
	uint64_t timestamp_us;		/* sender's clock, microseconds since 1970 UTC */
};

/*
 * One decoded (or to-be-encoded) frame. Which body member is valid follows
 * from hdr.opcode, hdr.sub_opcode, the REPLY flag and hdr.status (error
 * replies have no body): see vvmp_body_kind(). @auth is read by
 * vvmp_decode() from a frame with VVMP_F_AUTH and written by vvmp_encode()
 * when it signs (zero otherwise).
 */
struct vvmp_msg {
	struct vvmp_header hdr;
	struct vvmp_auth auth;
	union {
		struct vvmp_init_req init_req;
		struct vvmp_init_rep init_rep;
		struct vvmp_alloc_req alloc_req;
		struct vvmp_alloc_rep alloc_rep;
		struct vvmp_free_req free_req;
		struct vvmp_change_req change_req;
		struct vvmp_add_storage_req add_req;
		struct vvmp_add_storage_rep add_rep;
		struct vvmp_give_back_req give_back_req;
		struct vvmp_session_ref session_ref;
		struct vvmp_stats_rep stats_rep;
		struct vvmp_domains_rep domains_rep;
		struct vvmp_query_san_rep san_rep;
		struct vvmp_query_dev_rep dev_rep;
		struct vvmp_unit_up_req unit_up_req;
		struct vvmp_unit_up_rep unit_up_rep;
		struct vvmp_unit_ref unit_ref;
		struct vvmp_volume_list_req volume_list_req;
		struct vvmp_heartbeat_req heartbeat_req;
		struct vvmp_assign_req assign_req;
	} body;
};

/* The payload layouts, one per body member above. */
enum vvmp_body_kind {
	VVMP_BODY_NONE = 0,
	VVMP_BODY_INIT_REQ, VVMP_BODY_INIT_REP,
	VVMP_BODY_ALLOC_REQ, VVMP_BODY_ALLOC_REP,
	VVMP_BODY_FREE_REQ, VVMP_BODY_CHANGE_REQ,
	VVMP_BODY_ADD_REQ, VVMP_BODY_ADD_REP,
	VVMP_BODY_GIVE_BACK_REQ, VVMP_BODY_SESSION_REF,
	VVMP_BODY_STATS_REP, VVMP_BODY_DOMAINS_REP,
	VVMP_BODY_SAN_REP, VVMP_BODY_DEV_REP,
	VVMP_BODY_UNIT_UP_REQ, VVMP_BODY_UNIT_UP_REP,
	VVMP_BODY_UNIT_REF, VVMP_BODY_VOLUME_LIST_REQ,
	VVMP_BODY_HEARTBEAT_REQ, VVMP_BODY_ASSIGN_REQ,
};

/* A per-domain HMAC key; len 0 means "no authentication". */
struct vvmp_key {
	uint8_t bytes[VVMP_MAX_KEY_LEN];
	size_t len;
};

/**
 * vvmp_crc32c() - CRC-32C (Castagnoli, reflected, init and xorout ~0).
 * @crc: 0 to start, or the previous result to continue over more bytes.
 */
uint32_t vvmp_crc32c(uint32_t crc, const void *data, size_t len);

/**
 * vvmp_body_kind() - which payload layout a header announces.
 * Return: a VVMP_BODY_* value (NONE for empty payloads), or VVMP_E_OPCODE /
 * VVMP_E_SUBOP when the opcode or its sub-opcode is not defined.
 */
int vvmp_body_kind(const struct vvmp_header *hdr);

/**
 * vvmp_frame_len() - total length of the frame starting at @buf.
 * Checks magic, version, flags and data_words, so a stream reader can size
 * the next read and drop a peer sending garbage without buffering it.
 * Return: length in bytes (>= VVMP_HEADER_LEN) or a negative VVMP_E_*;
 * VVMP_E_SHORT when fewer than VVMP_HEADER_LEN bytes are given.
 */
long vvmp_frame_len(const uint8_t *buf, size_t len);

/**
 * vvmp_encode() - build a frame from @msg.
 * Fills magic, version, data_words and checksum. When @key is non-NULL with
 * a non-zero length it sets VVMP_F_AUTH and version 2, and appends @msg->auth
 * (see vvmp_assoc_sign()) and the HMAC. The body is validated exactly as the
 * decoder validates it, so what is encoded decodes.
 * Return: frame length, or a negative VVMP_E_*; @out is unchanged on error.
 */
long vvmp_encode(const struct vvmp_msg *msg, const struct vvmp_key *key,
		 uint8_t *out, size_t cap);

/**
 * vvmp_decode() - parse and validate one whole frame.
 * @len must be the exact frame length (see vvmp_frame_len()). The HMAC is
 * not checked here (the key depends on the domain in the header): call
 * vvmp_auth_verify() before acting on the message.
 * Return: 0 or a negative VVMP_E_*. On error *@msg holds the header only
 * when the header itself was sound (so an error reply can echo it).
 */
int vvmp_decode(const uint8_t *buf, size_t len, struct vvmp_msg *msg);

/**
 * vvmp_auth_verify() - check the HMAC-SHA256 trailer of a whole frame.
 * A frame without VVMP_F_AUTH passes only when @key is NULL or empty. This
 * is the MAC alone: a receiver then checks freshness with vvmp_auth_check()
 * or vvmp_opening_check(), which do both.
 * Return: 0 or VVMP_E_AUTH.
 */
int vvmp_auth_verify(const uint8_t *frame, size_t len, const struct vvmp_key *key);

/*
 * Sliding window over the sequence numbers accepted in one association (as
 * IPsec ESP, RFC 4303 3.4.3): the highest, and which of the 63 below it.
 */
struct vvmp_replay_window {
	uint64_t top;			/* highest accepted; 0: none yet */
	uint64_t seen;			/* bit i: top - i was accepted */
};

/* One side's state of an association with one peer. */
struct vvmp_assoc {
	uint64_t id;			/* 0: none */
	uint64_t tx_seq;		/* the last sequence number we sent in it */
	bool established;		/* opener: the peer answered in it */
	struct vvmp_replay_window rx;	/* the peer's frames */
};

/* Whether a decoded frame opens an association (signed, sequence 0). */
static inline bool vvmp_is_opening(const struct vvmp_msg *m)
{
	return (m->hdr.flags & VVMP_F_AUTH) && m->auth.sequence == 0;
}

/**
 * vvmp_replay_window_accept() - record @seq if it is fresh.
 * Return: 0 (recorded), or VVMP_E_REPLAY for 0, a duplicate, or a number
 * more than VVMP_REPLAY_WINDOW - 1 below the highest.
 */
int vvmp_replay_window_accept(struct vvmp_replay_window *w, uint64_t seq);

/**
 * vvmp_assoc_new() - the opener's side: a fresh random association id,
 * counters at 0, not yet established. Return: 0 or VVMP_E_AUTH (no random
 * bytes).
 */
int vvmp_assoc_new(struct vvmp_assoc *a);

/**
 * vvmp_assoc_adopt() - the receiver of an opening takes association @id
 * (counters start over, unless @a already is @id: a repeated opening).
 */
void vvmp_assoc_adopt(struct vvmp_assoc *a, uint64_t id);

/**
 * vvmp_assoc_sign() - the auth extension of our next frame in @a.
 * @opening: sequence 0 (the opener, until the peer answered in @a).
 * Return: 0, or VVMP_E_REPLAY when the sequence numbers are used up (the
 * sender must open a new association rather than wrap).
 */
int vvmp_assoc_sign(struct vvmp_assoc *a, bool opening, struct vvmp_auth *auth);

/**
 * vvmp_auth_check() - a received frame of association @a: MAC, then
 * freshness (association is @a, sequence not 0 and inside @a's window,
 * which then records it). With @key NULL or empty: vvmp_auth_verify().
 * @a: NULL when the receiver has no association with the sender.
 * @why: if not NULL, set to the reason of a VVMP_E_REPLAY (for logs).
 * Return: 0, VVMP_E_AUTH or VVMP_E_REPLAY.
 */
int vvmp_auth_check(const uint8_t *frame, size_t len, const struct vvmp_key *key,
		    struct vvmp_assoc *a, const char **why);

/* The openings a receiver accepted within the skew, to refuse them again. */
struct vvmp_opening_cache {
	uint64_t skew_us;		/* accepted |timestamp - clock| */
	uint64_t floor_us;		/* refuse timestamps <= this: start, or forgotten */
	size_t count;
	struct vvmp_opening_seen {
		uint64_t timestamp_us;
		uint8_t mac[16];	/* first half of the opening's MAC */
	} seen[VVMP_OPENING_CACHE];
};

/**
 * vvmp_opening_cache_init() - @start_us: the receiver's start (its clock,
 * vvmp_clock_us()); nothing signed before it is accepted.
 */
void vvmp_opening_cache_init(struct vvmp_opening_cache *c, uint64_t start_us,
			     uint64_t skew_us);

/**
 * vvmp_opening_check() - a received opening: MAC, then sequence 0, a
 * timestamp within the skew of @now_us and after the receiver's start, and
 * not accepted before (then recorded). With @key NULL or empty:
 * vvmp_auth_verify().
 * Return: 0, VVMP_E_AUTH or VVMP_E_REPLAY (@why as for vvmp_auth_check()).
 */
int vvmp_opening_check(struct vvmp_opening_cache *c, const uint8_t *frame, size_t len,
		       const struct vvmp_key *key, uint64_t now_us, const char **why);

/**
 * vvmp_auth_peek() - the auth extension of a whole frame with VVMP_F_AUTH.
 * Return: 0, or VVMP_E_AUTH when the frame has none.
 */
int vvmp_auth_peek(const uint8_t *frame, size_t len, struct vvmp_auth *auth);

/**
 * vvmp_auth_resign() - give an encoded, signed frame a new auth extension
 * and MAC in place (a retransmission gets a new sequence number).
 * Return: 0, or VVMP_E_AUTH when the frame is not signed or @key is empty.
 */
int vvmp_auth_resign(uint8_t *frame, size_t len, const struct vvmp_key *key,
		     const struct vvmp_auth *auth);

/**
 * vvmp_clock_us() - CLOCK_REALTIME in microseconds, strictly increasing
 * within the process (two frames never carry the same timestamp).
 */
uint64_t vvmp_clock_us(void);

/**
 * vvmp_key_from_hex() - parse a hex key (2..128 digits, even count).
 * Return: 0 or -1 on a malformed key.
 */
int vvmp_key_from_hex(const char *hex, struct vvmp_key *key);

/** vvmp_err_status() - the reply status for a decode error. */
uint16_t vvmp_err_status(int err);

/** vvmp_err_str() - short English text for a VVMP_E_* value. */
const char *vvmp_err_str(int err);

/** vvmp_status_str() - name of a reply status ("NO_SPACE"). */
const char *vvmp_status_str(unsigned int status);

/** vvmp_opcode_str() - name of an opcode ("ALLOCATE"), "?" if unknown. */
const char *vvmp_opcode_str(unsigned int opcode);

/**
 * vvmp_reply_init() - header of the reply to @req: same opcode, sub-opcode,
 * transaction, domain; SAN ids swapped; REPLY set; body zeroed.
 */
void vvmp_reply_init(struct vvmp_msg *rep, const struct vvmp_header *req,
		     uint16_t status);

/**
 * vvmp_set_text() - copy @s into a fixed text field, NUL-padded.
 * Return: 0, or -1 if @s does not fit (field left empty).
 */
int vvmp_set_text(char *field, size_t field_len, const char *s);

#endif /* VVMP_PROTO_H */
