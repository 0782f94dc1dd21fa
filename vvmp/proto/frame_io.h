/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VVMP over sockets: reading whole frames from a TCP stream, and a small
 * synchronous client (one request, its reply) used by vvmpd to reach peer
 * managers, by the tests and by the benchmark.
 */
#ifndef VVMP_PROTO_FRAME_IO_H
#define VVMP_PROTO_FRAME_IO_H

#include <stdint.h>
#include <vvmp/proto.h>

/**
 * vvmp_read_frame() - read exactly one frame from a stream socket.
 * @timeout_ms: limit for the whole frame; < 0 waits forever.
 * Return: frame length; 0 on orderly EOF before any byte; a negative
 * VVMP_E_* when the header is garbage (the stream cannot be resynchronised:
 * close it); -1000 - errno on I/O errors and timeouts (-1000 - ETIMEDOUT).
 */
long vvmp_read_frame(int fd, uint8_t *buf, size_t cap, int timeout_ms);

/** vvmp_write_all() - write @len bytes. Return: 0 or -errno. */
int vvmp_write_all(int fd, const uint8_t *buf, size_t len);

#define VVMP_IO_ERR(e)	(-1000 - (e))

/*
 * A client connection to a manager, bound to one storage domain. With a
 * key, the connection is one association (protocol section 3.5): requests
 * are openings until the manager answers in it, then numbered.
 */
struct vvmp_conn {
	int fd;
	uint32_t domain_id;
	uint32_t src_san_id;
	uint32_t dst_san_id;
	uint32_t client_id;
	uint32_t next_transaction_id;
	struct vvmp_key key;
	struct vvmp_assoc assoc;
	uint8_t buf[VVMP_MAX_FRAME];
};

/**
 * vvmp_conn_open() - connect to @host:@port (numeric or name, IPv4/IPv6).
 * @key_hex: the domain key, or NULL for a domain without authentication.
 * Return: 0 or -errno (-EINVAL for a bad key).
 */
int vvmp_conn_open(struct vvmp_conn *c, const char *host, uint16_t port,
		   uint32_t domain_id, const char *key_hex, int timeout_ms);

void vvmp_conn_close(struct vvmp_conn *c);

/**
 * vvmp_call() - send @req (transaction id, domain, SAN ids, auth extension
 * filled in) and wait for the reply with the same transaction id.
 * Return: 0 with *@rep decoded and authenticated (check rep->hdr.status;
 * refusals are unsigned error replies), a negative VVMP_E_* for a bad reply
 * (VVMP_E_REPLAY: signed, but not a fresh frame of this connection's
 * association), or VVMP_IO_ERR(errno).
 */
int vvmp_call(struct vvmp_conn *c, struct vvmp_msg *req, struct vvmp_msg *rep,
	      int timeout_ms);

/** vvmp_now_ms() - CLOCK_MONOTONIC in milliseconds. */
uint64_t vvmp_now_ms(void);

#endif
