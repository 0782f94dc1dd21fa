// SPDX-License-Identifier: GPL-2.0
/* Frames over stream sockets, and the synchronous VVMP client. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/frame_io.h"

uint64_t vvmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read exactly @len bytes before @deadline (0: no deadline). */
static int read_full(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (deadline) {
			uint64_t now = vvmp_now_ms();
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int r;

			if (now >= deadline)
				return VVMP_IO_ERR(ETIMEDOUT);
			r = poll(&pfd, 1, (int)(deadline - now));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return VVMP_IO_ERR(errno);
			if (r == 0)
				return VVMP_IO_ERR(ETIMEDOUT);
		}
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return VVMP_IO_ERR(errno);
		if (n == 0)
			return got ? VVMP_IO_ERR(EPIPE) : 0;
		got += (size_t)n;
	}
	return 1;
}

long vvmp_read_frame(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline = timeout_ms >= 0 ? vvmp_now_ms() + (uint64_t)timeout_ms : 0;
	long flen;
	int r;

	if (cap < VVMP_HEADER_LEN)
		return VVMP_E_NOSPACE;
	r = read_full(fd, buf, VVMP_HEADER_LEN, deadline);
	if (r <= 0)
		return r;
	flen = vvmp_frame_len(buf, VVMP_HEADER_LEN);
	if (flen < 0)
		return flen;
	if ((size_t)flen > cap)
		return VVMP_E_LENGTH;
	r = read_full(fd, buf + VVMP_HEADER_LEN, (size_t)flen - VVMP_HEADER_LEN, deadline);
	if (r == 0)
		return VVMP_IO_ERR(EPIPE);
	if (r < 0)
		return r;
	return flen;
}

int vvmp_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		/* MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int vvmp_conn_open(struct vvmp_conn *c, const char *host, uint16_t port,
		   uint32_t domain_id, const char *key_hex, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[8];
	int err = -ECONNREFUSED;

	memset(c, 0, sizeof(*c) - sizeof(c->buf));
	c->fd = -1;
	c->domain_id = domain_id;
	c->next_transaction_id = 1;
	if (key_hex && vvmp_key_from_hex(key_hex, &c->key))
		return -EINVAL;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res))
		return -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		int one = 1;

		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (timeout_ms > 0) {
			struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* Request/reply traffic: never wait for Nagle. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			c->fd = fd;
			err = 0;
			break;
		}
		err = -errno;
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}

void vvmp_conn_close(struct vvmp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int vvmp_call(struct vvmp_conn *c, struct vvmp_msg *req, struct vvmp_msg *rep,
	      int timeout_ms)
{
	long len;
	int err;

	req->hdr.transaction_id = c->next_transaction_id++;
	req->hdr.domain_id = c->domain_id;
	req->hdr.src_san_id = c->src_san_id;
	req->hdr.dst_san_id = c->dst_san_id;
	req->hdr.client_id = c->client_id;
	if (c->key.len) {
		if (!c->assoc.id && (err = vvmp_assoc_new(&c->assoc)))
			return err;
		/* Openings (sequence 0) until the manager has answered in it. */
		err = vvmp_assoc_sign(&c->assoc, !c->assoc.established, &req->auth);
		if (err)
			return err;
	}
	len = vvmp_encode(req, &c->key, c->buf, sizeof(c->buf));
	if (len < 0)
		return (int)len;
	err = vvmp_write_all(c->fd, c->buf, (size_t)len);
	if (err)
		return VVMP_IO_ERR(-err);
	for (;;) {
		len = vvmp_read_frame(c->fd, c->buf, sizeof(c->buf), timeout_ms);
		if (len == 0)
			return VVMP_IO_ERR(ECONNRESET);
		if (len < 0)
			return (int)len;
		err = vvmp_auth_check(c->buf, (size_t)len, &c->key, &c->assoc, NULL);
		/* An unauthenticated error reply is how a manager refuses a frame. */
		if (err && !(c->buf[3] & VVMP_F_AUTH) && vvmp_decode(c->buf, (size_t)len, rep) == 0 &&
		    rep->hdr.status && rep->hdr.transaction_id == req->hdr.transaction_id)
			return 0;
		if (err)
			return err;
		err = vvmp_decode(c->buf, (size_t)len, rep);
		if (err)
			return err;
		if ((rep->hdr.flags & VVMP_F_REPLY) &&
		    rep->hdr.transaction_id == req->hdr.transaction_id)
			return 0;
		/* A stale reply (to a request we gave up on): skip it. */
	}
}
