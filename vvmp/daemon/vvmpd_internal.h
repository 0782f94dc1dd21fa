/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vvmpd's shared state. One mutex (vvmpd.lock) serialises every use of the
 * repository and of the in-memory tables below; it is never held while
 * waiting on the network (forwarding to a peer releases it).
 */
#ifndef VVMPD_INTERNAL_H
#define VVMPD_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vvmp/proto.h>
#include <vvmp/repo.h>
#include "proto/frame_io.h"

#define VVMPD_MAX_DOMAINS	VVMP_MAX_DOMAINS
#define VVMPD_MAX_PEERS		8
#define VVMPD_MAX_PENDING	256	/* outstanding manager -> unit UDP requests */
#define VVMPD_EXC_TIMEOUT_MS	30000	/* plans held: the default timeout (eh.c) */
#define VVMPD_PROBE_MS		5000	/* failed legs: the default probe interval */

struct vvmpd_domain {
	uint32_t id;
	char name[VVMP_NAME_LEN];
	struct vvmp_key key;
};

struct vvmpd_peer_session {
	uint32_t domain_id;
	struct vvmp_conn *conn;		/* NULL until first used */
	uint32_t session_id;
};

/* A peer manager (another SAN) requests may be forwarded to. */
struct vvmpd_peer {
	char host[128];
	uint16_t port;
	pthread_mutex_t lock;		/* one request at a time per peer */
	struct vvmpd_peer_session sessions[VVMPD_MAX_DOMAINS];
};

/* A TCP connection's in-memory state. */
struct vvmpd_conn {
	int fd;
	char peer_name[64];
	uint32_t session_id;		/* last INITIALIZE on this connection */
	uint32_t domain_id;
	struct vvmp_assoc assoc;	/* keyed domains: the connection's association */
	uint32_t assoc_domain;		/* ... and its domain */
};

/* Runtime facts about a session that the repository does not keep. */
struct vvmpd_session_rt {
	uint32_t id;
	uint32_t client_id;
	uint32_t domain_id;
	int nconns;			/* connections that opened or resumed it; 0: detached */
	uint64_t detached_at_ms;
	uint64_t requests, errors, queries;
};

/* A manager -> unit UDP request awaiting its reply (retransmitted). */
struct vvmpd_pending {
	bool used;
	uint32_t transaction_id;
	uint32_t unit_id;
	struct sockaddr_in6 to;
	uint8_t frame[512];
	size_t len;
	int attempts;
	uint64_t next_ms;
};

/* Runtime facts about an agent-driven unit. */
struct vvmpd_unit_rt {
	uint32_t id;
	bool up;
	uint64_t last_seen_ms;
	struct sockaddr_in6 addr;
	uint32_t domain_id;
	struct vvmp_assoc assoc;	/* keyed domains: opened by the unit's UNIT_UP */
};

struct vvmpd_config {
	const char *db_path;
	const char *ctl_path;
	const char *bind_addr;
	uint16_t tcp_port;		/* 0: ephemeral (tests) */
	uint16_t udp_port;
	uint32_t san_id;
	uint32_t server_id;
	uint32_t heartbeat_ms;		/* told to units; timeout is 3x */
	uint32_t session_grace_ms;
	uint32_t register_max_ms;
	uint32_t udp_retry_ms;
	int udp_attempts;
	int udp_loss_pct;		/* simulated loss of received datagrams (tests) */
	uint32_t loss_seed;
	uid_t ctl_uid;			/* besides root, who may use the control socket */
	const char *ready_file;		/* written once listening: "tcp=N udp=M" */
	uint32_t kernel_poll_ms;	/* family / reload poll; 0: no kernel hand-off */
	bool no_kernel_txn;		/* push command by command (--no-kernel-txn) */
	uint32_t hold_down_ms;		/* incomplete push: then the hold-down action */
	bool hold_down_enable;		/* action: enable (true) or disable */
	uint32_t exc_timeout_ms;	/* plans held: timeout (0: policy, else default) */
	int exc_on_timeout;		/* then enum vvmp_exc_on_timeout (-1: policy...) */
	uint32_t probe_ms;		/* failed legs without a spare: probe interval */
	uint32_t eh_delay_ms;		/* taken plans wait this long (tests) */
	int verbose;
};

struct vvmpd {
	struct vvmpd_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t pool_changed;	/* REGISTER waiters */
	struct vvmp_repo *repo;
	uint32_t boot_id;
	volatile int stopping;

	struct vvmpd_domain domains[VVMPD_MAX_DOMAINS];
	int ndomains;
	struct vvmpd_peer peers[VVMPD_MAX_PEERS];
	int npeers;

	struct vvmpd_session_rt *sessions;
	size_t nsessions;
	struct vvmpd_unit_rt *units;
	size_t nunits;
	struct vvmpd_pending pending[VVMPD_MAX_PENDING];
	uint32_t next_udp_transaction;
	uint32_t pending_need_info;	/* unit to send NEED_INFO after a UNIT_UP reply */

	int tcp_fd, udp_fd, ctl_fd;
	uint16_t tcp_port_bound, udp_port_bound;
	uint32_t loss_state;
	struct vvmpd_ap *ap;		/* kernel hand-off state (ap_push.c) */
	struct vvmpd_remote *remote;	/* remote-leg attachments (volume_dev.c) */
	struct vvmpd_eh *eh;		/* exception handling (eh.c) */
	unsigned int kernel_epoch;	/* bumped when the family (re)appears (atomic) */
	pthread_mutex_t openings_lock;	/* TCP threads and the UDP thread share: */
	struct vvmp_opening_cache openings;	/* openings accepted (auth.c) */
};

/* log.c */
void vvmpd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vvmpd_debug(struct vvmpd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* auth.c: the domain of a frame and its key; NULL if unknown. */
const struct vvmpd_domain *vvmpd_domain(struct vvmpd *d, uint32_t domain_id);
/* Replay protection state: before the listeners start. */
void vvmpd_auth_init(struct vvmpd *d);
/*
 * Domain, MAC and freshness of decoded frame @m: 0, or the refusal status
 * (OUT_OF_DOMAIN / AUTH_FAILED / REPLAYED), logged with @who. An opening
 * (only if @may_open) is checked against the openings accepted, and @assoc,
 * if not NULL, adopts it; any other signed frame must be fresh in @assoc
 * (NULL: the sender has no association here).
 */
uint16_t vvmpd_check_auth(struct vvmpd *d, const uint8_t *frame, size_t len,
			  const struct vvmp_msg *m, struct vvmp_assoc *assoc, bool may_open,
			  const char *who);
/*
 * The key to encode @m with (NULL: unsigned) and its auth extension, the
 * next frame of @assoc; @assoc NULL means unsigned. 0 or VVMP_E_REPLAY.
 */
int vvmpd_sign(struct vvmpd *d, struct vvmp_msg *m, struct vvmp_assoc *assoc,
	       const struct vvmp_key **key);

/*
 * volume_dev.c: "major:minor" of the host block device holding volume @v
 * (attaching a remote one first); -errno with the reason in @why.
 */
int vvmpd_volume_device(struct vvmpd *d, const struct vvmp_repo_volume *v,
			char *out, size_t len, char *why, size_t why_len);
/*
 * Detach the remote volumes no stored VD uses any more (callers hold
 * d->lock): _release after a VD is freed, _poll from the hand-off's poll
 * (retries what was still held open), _shutdown at exit (only what this
 * run attached). Documentation/vvmpd.rst "Remote volumes".
 */
void vvmpd_remote_release(struct vvmpd *d);
void vvmpd_remote_poll(struct vvmpd *d);
void vvmpd_remote_shutdown(struct vvmpd *d);

/* tcp_server.c */
int vvmpd_tcp_start(struct vvmpd *d);
/*
 * Encode @rep, signed as the next frame of @assoc with its domain's key
 * (NULL, or a domain without a key: unsigned), and send it; 0 or -errno.
 */
int vvmpd_send_reply(struct vvmpd *d, int fd, struct vvmp_msg *rep, struct vvmp_assoc *assoc);

/* handlers.c: the answer to one decoded, authenticated request. */
void vvmpd_handle(struct vvmpd *d, struct vvmpd_conn *c, const struct vvmp_msg *req,
		  struct vvmp_msg *rep);

/* session.c (callers hold d->lock) */
int vvmpd_session_open(struct vvmpd *d, struct vvmpd_conn *c, uint32_t domain_id,
		       const struct vvmp_init_req *req, uint32_t *session_id);
/* 0 if @session_id is live and belongs to @c's domain and connection. */
int vvmpd_session_check(struct vvmpd *d, struct vvmpd_conn *c, uint32_t session_id);
void vvmpd_session_end(struct vvmpd *d, uint32_t session_id, const char *why);
void vvmpd_sessions_detach_conn(struct vvmpd *d, struct vvmpd_conn *c);
void vvmpd_sessions_expire(struct vvmpd *d, uint64_t now_ms);
void vvmpd_sessions_load(struct vvmpd *d);
struct vvmpd_session_rt *vvmpd_session_rt(struct vvmpd *d, uint32_t id);

/* alloc.c (callers hold d->lock) */
uint16_t vvmpd_allocate(struct vvmpd *d, uint32_t session_id, uint16_t sub,
			const struct vvmp_alloc_req *req, struct vvmp_alloc_rep *rep);
uint16_t vvmpd_free(struct vvmpd *d, uint32_t session_id, uint32_t alloc_id);
uint16_t vvmpd_change(struct vvmpd *d, uint32_t session_id, const struct vvmp_change_req *req,
		      struct vvmp_alloc_rep *rep);
uint16_t vvmpd_give_back(struct vvmpd *d, uint32_t session_id,
			 const struct vvmp_give_back_req *req, struct vvmp_alloc_rep *rep);
uint16_t vvmpd_alloc_reply(struct vvmpd *d, uint32_t vd_id, uint32_t session_id,
			   struct vvmp_alloc_rep *rep);
/* Release a VD held by a session ending or freeing it. */
void vvmpd_release_vd(struct vvmpd *d, uint32_t vd_id, uint32_t session_id);

/* forward.c: called WITHOUT d->lock held. */
int vvmpd_forward(struct vvmpd *d, uint32_t domain_id, const struct vvmp_msg *req,
		  struct vvmp_msg *rep, int peer_index);

/* alloc.c: free sectors of one volume given every segment. */
uint64_t vvmpd_volume_free_lba(const struct vvmp_repo_volume *v,
			       const struct vvmp_repo_segment *segs, size_t nsegs);

/* query.c (callers hold d->lock) */
void vvmpd_query_san(struct vvmpd *d, struct vvmp_query_san_rep *rep);
void vvmpd_query_devices(struct vvmpd *d, uint32_t session_id, struct vvmp_query_dev_rep *rep);

/* discovery.c */
int vvmpd_udp_start(struct vvmpd *d);
/* Queue ASSIGN to the unit owning a volume (callers hold d->lock). */
void vvmpd_unit_assign(struct vvmpd *d, uint32_t unit_id, uint16_t sub,
		       const struct vvmp_assign_req *a);
struct vvmpd_unit_rt *vvmpd_unit_rt(struct vvmpd *d, uint32_t unit_id, bool create);

/* ctl.c */
int vvmpd_ctl_start(struct vvmpd *d);

/*
 * ap_push.c: the kernel hand-off. vvmpd_ap_start() pushes everything and
 * starts the poller (takes d->lock); the others are called with d->lock held.
 */
int vvmpd_ap_start(struct vvmpd *d);
void vvmpd_ap_push_all(struct vvmpd *d);
void vvmpd_ap_push_vd(struct vvmpd *d, uint32_t vd_id, const char *what);
/* The kernel name of VD @vd_id ("san<SAN>-vd<ID>"). */
void vvmpd_ap_vd_name(const struct vvmpd *d, uint32_t vd_id, char *out, size_t len);
/* The repository id of kernel VD @name if this manager owns it, else 0. */
uint32_t vvmpd_ap_owned_vd(const struct vvmpd *d, const char *name);
/*
 * The kernel name of the client for host @host of domain @domain_id
 * ("d<DOMAIN>-<host>": two domains' hosts of the same name stay apart).
 */
void vvmpd_ap_client_name(uint32_t domain_id, const char *host, char *out, size_t len);
/* Whether VD @vd_id is in the kernel as stored; else *@reason says why not. */
bool vvmpd_ap_vd_state(struct vvmpd *d, uint32_t vd_id, const char **reason);
struct vaapi;
/* The hand-off's libvaapi handle (NULL while the family is absent); d->lock held. */
struct vaapi *vvmpd_ap_handle(struct vvmpd *d);

/*
 * eh.c: exception handling (Documentation/vvmpd.rst "Exception handling").
 * vvmpd_eh_config() resolves the plan policy (options, else the repository
 * policies exc_timeout_ms / exc_on_timeout, else 30 s and hold) before
 * vvmpd_eh_start() starts the thread (after vvmpd_ap_start()).
 */
int vvmpd_eh_config(struct vvmpd *d);
int vvmpd_eh_start(struct vvmpd *d);
/* Wake the EH thread (a spare was added): from any thread. */
void vvmpd_eh_kick(struct vvmpd *d);
/*
 * For a push that creates VD @vd_id in the kernel (d->lock held): the legs
 * the repository records as not in sync (bit per leg; never all of them),
 * marked to be copied whole when they are restored.
 */
uint32_t vvmpd_eh_stale_legs(struct vvmpd *d, uint32_t vd_id, unsigned int nr_legs);
/* Staged in a VD's push: the mirror legs' exception masks; fail @stale legs. */
int vvmpd_eh_push_legs(struct vaapi *h, const char *name, unsigned int nr_legs,
		       uint32_t stale);
/* After a VD's push: its plan policy (not transactional in the kernel). */
int vvmpd_eh_push_policy(struct vvmpd *d, struct vaapi *h, const char *name);
/* Drop hot spares and failed volumes from @vols (allocations never use them). */
void vvmpd_eh_pool_filter(struct vvmpd *d, struct vvmp_repo_volume *vols, size_t *n);
/* eh_ctl.c: a control-socket request of exception handling; false if not one. */
bool vvmpd_eh_ctl(struct vvmpd *d, FILE *f, const char *req);

#endif
