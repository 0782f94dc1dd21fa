/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small raw generic-netlink helper for the kselftests of the family "vvmp"
 * (Documentation/vvmp-netlink.rst): resolve the family with libnl-genl-3,
 * build messages byte by byte (so a test can also build malformed ones),
 * send one message or a batch, match every ack to its request by sequence
 * number, return the errno and the extack text, check that every reply is
 * well formed against the attribute sets of include/uapi/linux/vvmp.h, and
 * render replies -- in particular the STATE_GET dump -- as canonical text that
 * two states can be compared by.
 *
 * Functions return 0 or a negative errno. Where a "why" buffer is taken it
 * receives a one-line reason for a malformed reply or a socket failure.
 */
#ifndef VVMP_NL_TEST_LIB_H
#define VVMP_NL_TEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NT_MSG_MAX	16384		/* one request */
#define NT_RECV_MAX	(256 * 1024)	/* one recv() */
#define NT_TEXT_MAX	(64 * 1024)	/* rendered replies of one request */
#define NT_WHY_MAX	512
#define NT_EXTACK_MAX	256

struct nl_sock;

struct nt_sock {
	struct nl_sock *nl;
	int fd;
	uint16_t family;	/* generic-netlink id of "vvmp" */
	int events_grp;		/* multicast id of "events", or -1 */
	uint32_t seq;		/* next sequence number to use */
	uint8_t *rbuf;		/* NT_RECV_MAX */
};

/*
 * Open a NETLINK_GENERIC socket with extended acks and capped acks, and
 * resolve the family "vvmp". Returns 0, -ENOENT if no such family is
 * registered, or another -errno.
 */
int nt_open(struct nt_sock *s);
void nt_close(struct nt_sock *s);

/*
 * Whether the dm-vvmp module ($VVMP_MODULE, else the loaded module's file
 * under /lib/modules) imports genl_register_family, i.e. is a version that
 * registers a generic-netlink family. -ENOENT if no module file is found.
 */
int nt_module_registers_family(void);

/* ---- building a request -------------------------------------------------- */

struct nt_msg {
	uint8_t buf[NT_MSG_MAX];
	size_t len;
	size_t nest[8];
	unsigned int depth;
	bool overflow;
};

/* nlmsghdr (type, flags; seq is set when sent) + genlmsghdr (cmd, version 1). */
void nt_msg_init(struct nt_msg *m, uint16_t type, uint16_t flags, uint8_t cmd);
void nt_put(struct nt_msg *m, uint16_t type, const void *data, size_t len);
void nt_put_u8(struct nt_msg *m, uint16_t type, uint8_t v);
void nt_put_u32(struct nt_msg *m, uint16_t type, uint32_t v);
void nt_put_u64(struct nt_msg *m, uint16_t type, uint64_t v);
void nt_put_str(struct nt_msg *m, uint16_t type, const char *s);
void nt_put_flag(struct nt_msg *m, uint16_t type);
void nt_nest_begin(struct nt_msg *m, uint16_t type);	/* sets NLA_F_NESTED */
void nt_nest_end(struct nt_msg *m);

/* ---- sending ------------------------------------------------------------- */

/* What came back for one request. */
struct nt_ack {
	uint32_t seq;
	int err;			/* 0 or -errno from NLMSG_ERROR/DONE */
	bool done;			/* the ack (or NLMSG_DONE) arrived */
	bool dump;			/* ended by NLMSG_DONE */
	bool has_msg;			/* extack NLMSGERR_ATTR_MSG */
	bool has_offs;			/* extack NLMSGERR_ATTR_OFFS */
	uint32_t offs;
	bool has_miss;			/* extack NLMSGERR_ATTR_MISS_TYPE */
	unsigned int nr_replies;	/* family messages before the ack */
	bool malformed;			/* a reply or the ack was malformed */
	char msg[NT_EXTACK_MAX];
};

/*
 * Send @len bytes holding @n requests whose sequence numbers are
 * @first_seq..@first_seq+n-1 (the caller wrote them) in one send(), then
 * read until each has its ack or NLMSG_DONE. Every family reply is checked
 * against the attribute sets; its rendering is appended to @text (may be
 * NULL) as one line per reply. Returns 0, or -errno if the socket failed,
 * a message arrived for an unknown sequence number, or an ack did not come
 * within 10 s (@why says which).
 */
int nt_batch(struct nt_sock *s, const void *buf, size_t len,
	     struct nt_ack *acks, unsigned int n, uint32_t first_seq,
	     char *text, size_t textsz, char *why, size_t whysz);

/*
 * Send one request (sets its seq; NLM_F_REQUEST | NLM_F_ACK are added) and
 * wait for its ack. Returns the request's 0 / -errno; @ack (may be NULL)
 * gets the details, @text (may be NULL) the rendered replies. A socket
 * failure or a malformed reply returns -EPROTO with @why set.
 */
int nt_do(struct nt_sock *s, struct nt_msg *m, struct nt_ack *ack,
	  char *text, size_t textsz, char *why, size_t whysz);

/* ---- state ----------------------------------------------------------------- */

/*
 * Dump STATE_GET and render it canonically: one line per record, sorted,
 * with SNAPSHOT_SEQ taken out of the lines and returned in @snapshot_seq
 * (may be NULL). Returns 0 or -errno (-EPROTO: malformed, see @why).
 */
int nt_state(struct nt_sock *s, char *text, size_t textsz,
	     uint64_t *snapshot_seq, char *why, size_t whysz);

/*
 * Names of the objects in a rendered state of the given record kind
 * ("vd_exists" or "client_exists"): copies each name as raw bytes into
 * names[i] (NUL-terminated, VVMP_NAME_MAX) and returns how many.
 */
int nt_state_names(struct nt_sock *s, bool clients, char (*names)[64],
		   unsigned int max, char *why, size_t whysz);

/* ---- vocabulary ---------------------------------------------------------- */

const char *nt_cmd_name(unsigned int cmd);	/* "vd_create", or NULL */
bool nt_cmd_mutates(unsigned int cmd);		/* needs CAP_NET_ADMIN */
bool nt_cmd_known(unsigned int cmd);		/* 1..VVMP_CMD_MAX */

/*
 * Check and render one attribute stream of attribute set @set (NT_SET_*)
 * into @out as "name=value ..." (nests in braces, strings quoted with C
 * escapes, u64 in decimal). Returns 0 or -EBADMSG with @why set.
 */
enum nt_set {
	NT_SET_TOP,
	NT_SET_MAP,
	NT_SET_LEG,
	NT_SET_EXTENT,
	NT_SET_SEGMENT,
	NT_SET_DEVICE,
	NT_SET_COS,
	NT_SET_DIRECTIVE,
	NT_SET_STATS,
	NT_SET_COMPONENT,
	NT_SET_RANGE,
	NT_SET_EXC,
	NT_SET_IO,
	NT_SET_COPY,
	NT_SET_MAX,
};

int nt_render(enum nt_set set, const void *data, size_t len, char *out,
	      size_t outsz, char *why, size_t whysz);

#endif /* VVMP_NL_TEST_LIB_H */
