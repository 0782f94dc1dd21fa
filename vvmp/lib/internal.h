/* SPDX-License-Identifier: LGPL-2.1 */
/* libvaapi internals shared by vaapi.c and events.c. */
#ifndef _VVMP_LIB_INTERNAL_H
#define _VVMP_LIB_INTERNAL_H

#include <stdarg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "codec.h"

struct vaapi {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	uint32_t txn_id;		/* vaapi_tx_use(): staged calls carry it */
	char (*txn_vds)[VVMP_NAME_MAX];	/* VDs given segments in that txn */
	unsigned int nr_txn_vds;
	unsigned int last_replies;	/* messages the last exchange received */
	char errmsg[512];		/* vaapi_strerror() */
};

/* Called per reply message; < 0: malformed; > 0: stop calling (returned). */
typedef int (*vaapi_parse_fn)(const struct nlmsghdr *nlh, void *arg);

/* A request for @cmd on @h's family, with @h's transaction if it mutates. */
struct nl_msg *vaapi_request(struct vaapi *h, uint8_t cmd, int nlflags);
/* Send @msg (freed) unless @enc_err, and read replies to the ACK or DONE. */
int vaapi_send(struct vaapi *h, struct nl_msg *msg, int enc_err, vaapi_parse_fn parse, void *arg);
int vaapi_exchange(struct vaapi *h, struct nl_msg *msg, vaapi_parse_fn parse, void *arg);
void vaapi_set_error(struct vaapi *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* _VVMP_LIB_INTERNAL_H */
