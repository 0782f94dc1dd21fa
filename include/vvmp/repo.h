/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vvmpd repository (the seeds' RI group): everything the storage manager
 * and the control path must remember, in one SQLite database (WAL, foreign
 * keys on, schema versioned with migrations). vvmp/repo is the only code
 * that writes SQL; everything else goes through this API.
 *
 * Conventions: functions return 0 or a negative errno:
 *   -EINVAL   argument out of range (nothing written)
 *   -ENOENT   the object (or one it refers to) does not exist
 *   -EEXIST   an object with that name / key exists
 *   -ERANGE   a range overlaps another or leaves its container
 *             (volumes on a unit, segments in a volume)
 *   -EBUSY    still in use (unit or volume with allocated segments)
 *   -EIO      SQLite failed; the message is in vvmp_repo_errmsg()
 * List functions return a malloc'ed array the caller frees.
 * The API is not thread-safe: callers serialise (vvmpd holds one lock).
 */
#ifndef VVMP_REPO_H
#define VVMP_REPO_H

#include <stddef.h>
#include <stdint.h>

#define VVMP_REPO_SCHEMA_VERSION	3
#define VVMP_REPO_NAME_LEN		64
#define VVMP_REPO_ADDR_LEN		64
#define VVMP_REPO_KEY_LEN		64
#define VVMP_REPO_MAX_LBA		(1ULL << 62)	/* fits SQLite's signed 64 bits */

struct vvmp_repo;

enum vvmp_repo_unit_state { VVMP_UNIT_DOWN = 0, VVMP_UNIT_UP = 1 };
enum vvmp_repo_session_state { VVMP_SESSION_ACTIVE = 1, VVMP_SESSION_DETACHED = 2 };
enum vvmp_repo_acl { VVMP_REPO_ACL_NONE = 0, VVMP_REPO_ACL_RO = 1, VVMP_REPO_ACL_RW = 2 };
enum vvmp_repo_client_status {
	VVMP_CLIENT_ENABLED = 1, VVMP_CLIENT_DISABLED = 2, VVMP_CLIENT_QUIESCED = 3,
};

struct vvmp_repo_domain {
	uint32_t id;
	char name[VVMP_REPO_NAME_LEN];
	uint8_t key[VVMP_REPO_KEY_LEN];
	uint32_t key_len;			/* 0: no authentication */
};

/* A storage unit: a server whose volumes are in the pool. */
struct vvmp_repo_unit {
	uint32_t id;
	uint32_t domain_id;
	char name[VVMP_REPO_NAME_LEN];
	uint32_t storage_type;			/* what its volumes are natively */
	uint32_t bandwidth_kb;
	uint32_t load_pct;
	uint32_t boot_id;
	uint32_t state;				/* enum vvmp_repo_unit_state */
	uint32_t is_static;			/* added over TCP: no heartbeat */
	char address[VVMP_REPO_ADDR_LEN];	/* agent's UDP address "ip:port" */
};

/* A contiguous LBA range of a unit's device, as the unit announced it. */
struct vvmp_repo_volume {
	uint32_t id;
	uint32_t unit_id;
	uint32_t unit_volume_id;		/* the unit's own number */
	uint32_t transport;
	uint64_t start_lba;
	uint64_t length_lba;
	char address[VVMP_REPO_ADDR_LEN];
};

struct vvmp_repo_client {
	uint32_t id;
	uint32_t domain_id;
	char name[VVMP_REPO_NAME_LEN];
	uint32_t status;			/* enum vvmp_repo_client_status */
	uint32_t cos_id;			/* 0: none */
};

struct vvmp_repo_session {
	uint32_t id;
	uint32_t client_id;
	uint32_t domain_id;
	uint32_t boot_id;			/* the client's */
	uint32_t state;				/* enum vvmp_repo_session_state */
	uint64_t requests;
	uint64_t errors;
	uint64_t queries;
};

/* A VD, i.e. an allocation handed out over VVMP. */
struct vvmp_repo_vd {
	uint32_t id;
	uint32_t domain_id;
	uint32_t owner_session_id;
	uint32_t sub_opcode;			/* LOCAL_ONLY / EXPANDABLE / ANYWHERE */
	uint32_t storage_type;
	uint32_t access;
	uint32_t flags;
	uint64_t capacity_kb;
	uint32_t bandwidth_kb;
	uint32_t qos;
	uint32_t timeout_ms;
	uint32_t stripe_kb;
	uint32_t block_size;
	uint32_t members;			/* member groups incl. auto-mirror copies */
	uint32_t remote_san_id;			/* forwarded: where it really lives */
	uint32_t remote_alloc_id;
};

/* One extent of a VD: a range of a volume, in member order. */
struct vvmp_repo_segment {
	uint32_t id;
	uint32_t vd_id;
	uint32_t member;
	uint32_t seq;				/* order within the member */
	uint32_t volume_id;
	uint64_t start_lba;			/* absolute on the unit */
	uint64_t length_lba;
};

struct vvmp_repo_cos {
	uint32_t id;
	char name[VVMP_REPO_NAME_LEN];
	uint32_t iops_limit;
	uint32_t bandwidth_kb;
	uint32_t priority;
};

/* A region of a VD leg the control path must resync (persisted dirty log). */
struct vvmp_repo_dirty {
	uint32_t vd_id;
	uint32_t leg;
	uint64_t start_lba;
	uint64_t length_lba;
};

/* The health vvmpd recorded for a leg of a VD (exception handling, v3). */
enum vvmp_repo_leg_state {
	VVMP_REPO_LEG_IN_SYNC = 0,	/* serves I/O (the row keeps the failure count) */
	VVMP_REPO_LEG_FAILED = 1,	/* takes no I/O: probed, or waits for a spare */
	VVMP_REPO_LEG_RESYNCING = 2,	/* restored: the kernel copies what it missed */
	VVMP_REPO_LEG_REBUILDING = 3,	/* moved onto a spare: the kernel copies it all */
};

struct vvmp_repo_leg {
	uint32_t vd_id;
	uint32_t leg;				/* the kernel's leg index */
	uint32_t state;				/* enum vvmp_repo_leg_state */
	uint32_t full_copy;			/* a restore copies the whole leg: the */
						/* kernel's log of it is gone */
	uint32_t failures;			/* times it went from serving to failed */
	uint64_t changed_ms;			/* wall clock (ms) of the last change */
};

/* A hot spare: a whole volume kept out of allocations for rebuilds. */
struct vvmp_repo_spare {
	uint32_t volume_id;
	uint32_t unit_id;
	uint32_t domain_id;			/* its unit's: the spare serves that domain */
	uint32_t unit_state;			/* enum vvmp_repo_unit_state */
	uint64_t length_lba;
	uint64_t added_ms;
};

/* A volume a rebuild moved a member off: its disk failed. */
struct vvmp_repo_failed_volume {
	uint32_t volume_id;
	uint64_t failed_ms;
};

/* A divert range vvmpd made on a VD (VD sectors). */
struct vvmp_repo_divert {
	uint32_t vd_id;
	uint64_t start;
	uint64_t length;
};

/* ---- database --------------------------------------------------------- */

/**
 * vvmp_repo_open() - open (creating if needed) and migrate to the current
 * schema. A database newer than this code is refused with -EPROTO.
 */
int vvmp_repo_open(const char *path, struct vvmp_repo **out);

/** vvmp_repo_open_version() - as vvmp_repo_open(), migrating only up to
 * @version (tests of migrations). */
int vvmp_repo_open_version(const char *path, int version, struct vvmp_repo **out);

void vvmp_repo_close(struct vvmp_repo *r);
int vvmp_repo_schema_version(struct vvmp_repo *r);
const char *vvmp_repo_errmsg(struct vvmp_repo *r);

/* Transactions: several calls applied all-or-nothing. Not nestable. */
int vvmp_repo_begin(struct vvmp_repo *r);
int vvmp_repo_commit(struct vvmp_repo *r);
int vvmp_repo_rollback(struct vvmp_repo *r);

/* ---- domains, clients, sessions --------------------------------------- */

/** Insert or replace domain @d (by id; names are unique). */
int vvmp_repo_domain_put(struct vvmp_repo *r, const struct vvmp_repo_domain *d);
int vvmp_repo_domain_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_domain *out);
int vvmp_repo_domain_list(struct vvmp_repo *r, struct vvmp_repo_domain **out, size_t *n);

/** The client named @name in @domain_id, created (enabled) if new. */
int vvmp_repo_client_ensure(struct vvmp_repo *r, uint32_t domain_id, const char *name,
			    struct vvmp_repo_client *out);
int vvmp_repo_client_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_client *out);
int vvmp_repo_client_set_status(struct vvmp_repo *r, uint32_t id, uint32_t status,
				uint32_t cos_id);

int vvmp_repo_session_create(struct vvmp_repo *r, uint32_t client_id, uint32_t boot_id,
			     uint32_t *id);
int vvmp_repo_session_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_session *out);
/** All sessions of @client_id (any state). */
int vvmp_repo_session_list(struct vvmp_repo *r, uint32_t client_id,
			   struct vvmp_repo_session **out, size_t *n);
int vvmp_repo_session_set_state(struct vvmp_repo *r, uint32_t id, uint32_t state);
/** Add to a session's counters. */
int vvmp_repo_session_count(struct vvmp_repo *r, uint32_t id, uint32_t requests,
			    uint32_t errors, uint32_t queries);
/** Delete a session and its attachments (not the VDs: see vd_detach). */
int vvmp_repo_session_delete(struct vvmp_repo *r, uint32_t id);

/* ---- units and volumes ------------------------------------------------ */

/** Insert @u (id 0) or update it (id given); (domain, name) is unique. */
int vvmp_repo_unit_put(struct vvmp_repo *r, struct vvmp_repo_unit *u);
int vvmp_repo_unit_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_unit *out);
int vvmp_repo_unit_find(struct vvmp_repo *r, uint32_t domain_id, const char *name,
			struct vvmp_repo_unit *out);
int vvmp_repo_unit_set_state(struct vvmp_repo *r, uint32_t id, uint32_t state);
int vvmp_repo_unit_list(struct vvmp_repo *r, struct vvmp_repo_unit **out, size_t *n);
/** Delete a unit and its volumes; -EBUSY while any volume has segments. */
int vvmp_repo_unit_delete(struct vvmp_repo *r, uint32_t id);

/** Add @v (id filled in); -ERANGE if it overlaps a volume of its unit. */
int vvmp_repo_volume_add(struct vvmp_repo *r, struct vvmp_repo_volume *v);
int vvmp_repo_volume_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_volume *out);
/** Volumes of @unit_id, or of every unit when 0, ordered by id. */
int vvmp_repo_volume_list(struct vvmp_repo *r, uint32_t unit_id,
			  struct vvmp_repo_volume **out, size_t *n);
/** -EBUSY while the volume has segments. */
int vvmp_repo_volume_delete(struct vvmp_repo *r, uint32_t id);

/* ---- VDs, segments, attachments, ACL ---------------------------------- */

int vvmp_repo_vd_create(struct vvmp_repo *r, struct vvmp_repo_vd *vd);
int vvmp_repo_vd_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_vd *out);
/** Store capacity, bandwidth, qos, timeout and flags of @vd. */
int vvmp_repo_vd_update(struct vvmp_repo *r, const struct vvmp_repo_vd *vd);
int vvmp_repo_vd_list(struct vvmp_repo *r, struct vvmp_repo_vd **out, size_t *n);
/** Delete a VD with its segments, attachments, ACL and dirty regions. */
int vvmp_repo_vd_delete(struct vvmp_repo *r, uint32_t id);

/** Add @s (id filled in); -ERANGE if outside its volume or overlapping. */
int vvmp_repo_segment_add(struct vvmp_repo *r, struct vvmp_repo_segment *s);
int vvmp_repo_segment_set_length(struct vvmp_repo *r, uint32_t id, uint64_t length_lba);
int vvmp_repo_segment_delete(struct vvmp_repo *r, uint32_t id);
/** Segments of @vd_id (every VD when 0), ordered by vd, member, seq. */
int vvmp_repo_segment_list(struct vvmp_repo *r, uint32_t vd_id,
			   struct vvmp_repo_segment **out, size_t *n);

/** Record that @session_id holds @vd_id (owner or sharer). */
int vvmp_repo_vd_attach(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id);
/** Drop the hold; *@remaining is how many sessions still hold the VD. */
int vvmp_repo_vd_detach(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id,
			uint32_t *remaining);
int vvmp_repo_vd_is_attached(struct vvmp_repo *r, uint32_t vd_id, uint32_t session_id);
/** VD ids held by @session_id. */
int vvmp_repo_session_vds(struct vvmp_repo *r, uint32_t session_id, uint32_t **out, size_t *n);

int vvmp_repo_acl_set(struct vvmp_repo *r, uint32_t vd_id, uint32_t client_id, uint32_t acl);
/** The client's access to the VD; VVMP_REPO_ACL_NONE when there is no entry. */
int vvmp_repo_acl_get(struct vvmp_repo *r, uint32_t vd_id, uint32_t client_id, uint32_t *acl);

/* ---- CoS, policies, dirty regions ------------------------------------- */

int vvmp_repo_cos_put(struct vvmp_repo *r, struct vvmp_repo_cos *c);
int vvmp_repo_cos_get(struct vvmp_repo *r, uint32_t id, struct vvmp_repo_cos *out);

int vvmp_repo_policy_set(struct vvmp_repo *r, const char *key, const char *value);
/** -ENOENT if unset; -ERANGE if the value does not fit @len. */
int vvmp_repo_policy_get(struct vvmp_repo *r, const char *key, char *value, size_t len);

int vvmp_repo_dirty_set(struct vvmp_repo *r, const struct vvmp_repo_dirty *d);
int vvmp_repo_dirty_clear(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
			  uint64_t start_lba);
int vvmp_repo_dirty_list(struct vvmp_repo *r, uint32_t vd_id,
			 struct vvmp_repo_dirty **out, size_t *n);

/* ---- exception handling: leg health, spares, failed volumes, diverts --- */

/**
 * vvmp_repo_leg_fail() - leg @leg of @vd_id failed: state FAILED; the
 * failure count goes up unless it was FAILED already (*@newly then 0).
 */
int vvmp_repo_leg_fail(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg, uint64_t now_ms,
		       int *newly);
/** Set the leg's state (the row is created if needed). */
int vvmp_repo_leg_set_state(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
			    uint32_t state, uint64_t now_ms);
/** Whether a restore of the leg must copy all of it; -ENOENT without a row. */
int vvmp_repo_leg_set_full(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg, int full);
/** -ENOENT: no failure was ever recorded for the leg. */
int vvmp_repo_leg_get(struct vvmp_repo *r, uint32_t vd_id, uint32_t leg,
		      struct vvmp_repo_leg *out);
/** Recorded legs of @vd_id (every VD when 0), ordered by VD and leg. */
int vvmp_repo_leg_list(struct vvmp_repo *r, uint32_t vd_id, struct vvmp_repo_leg **out,
		       size_t *n);

/**
 * vvmp_repo_spare_add() - make volume @volume_id a hot spare. -ENOENT: no
 * such volume; -EBUSY: it holds segments or has failed; -EEXIST: a spare.
 */
int vvmp_repo_spare_add(struct vvmp_repo *r, uint32_t volume_id, uint64_t now_ms);
/** The volume is an ordinary pool volume again; -ENOENT if not a spare. */
int vvmp_repo_spare_delete(struct vvmp_repo *r, uint32_t volume_id);
/** Every spare with its unit's domain and state, ordered by volume. */
int vvmp_repo_spare_list(struct vvmp_repo *r, struct vvmp_repo_spare **out, size_t *n);

/** Mark volume @volume_id failed (again: unchanged); -ENOENT: no such volume. */
int vvmp_repo_volume_fail(struct vvmp_repo *r, uint32_t volume_id, uint64_t now_ms);
/** The failed volume may be allocated again; -ENOENT if it is not failed. */
int vvmp_repo_volume_repaired(struct vvmp_repo *r, uint32_t volume_id);
int vvmp_repo_failed_volume_list(struct vvmp_repo *r, struct vvmp_repo_failed_volume **out,
				 size_t *n);
/** Ids of the volumes allocations must not use: spares and failed volumes. */
int vvmp_repo_volume_reserved(struct vvmp_repo *r, uint32_t **out, size_t *n);

/**
 * vvmp_repo_member_to_spare() - move member @member of VD @vd_id onto spare
 * @volume_id: its segments become one segment at the start of the spare, of
 * their total length; the spare stops being one; the volumes the member
 * left are marked failed. Call it inside vvmp_repo_begin() (the caller
 * commits once the kernel has the new leg). -ENOENT: no such spare or no
 * segments; -ENOSPC: the spare is smaller than the member.
 */
int vvmp_repo_member_to_spare(struct vvmp_repo *r, uint32_t vd_id, uint32_t member,
			      uint32_t volume_id, uint64_t now_ms);

/** Record a divert range; -EEXIST: the same range; -ENOENT: no such VD. */
int vvmp_repo_divert_add(struct vvmp_repo *r, const struct vvmp_repo_divert *dv);
/** -ENOENT if that exact range is not recorded. */
int vvmp_repo_divert_delete(struct vvmp_repo *r, const struct vvmp_repo_divert *dv);
/** Ranges of @vd_id (every VD when 0), ordered by VD and start. */
int vvmp_repo_divert_list(struct vvmp_repo *r, uint32_t vd_id, struct vvmp_repo_divert **out,
			  size_t *n);

#endif /* VVMP_REPO_H */
