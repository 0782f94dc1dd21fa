// SPDX-License-Identifier: GPL-2.0
/*
 * The VVMP TCP server: one thread accepts, one thread per connection reads
 * frames, checks them (decode, domain, MAC, freshness), lets handlers.c
 * answer under d->lock, and writes the reply. In a keyed domain the
 * connection is one association, opened by its first request. A connection
 * that ends detaches its session (which then lives for the grace period).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/vvmpd_internal.h"

struct conn_thread {
	struct vvmpd *d;
	struct vvmpd_conn c;
	uint8_t in[VVMP_MAX_FRAME];
	uint8_t out[VVMP_MAX_FRAME];
	struct vvmp_msg req, rep;
};

int vvmpd_send_reply(struct vvmpd *d, int fd, struct vvmp_msg *rep, struct vvmp_assoc *assoc)
{
	const struct vvmp_key *key;
	uint8_t *buf = malloc(VVMP_MAX_FRAME);
	long n;
	int err;

	if (!buf)
		return -ENOMEM;
	n = vvmpd_sign(d, rep, assoc, &key);
	if (!n)
		n = vvmp_encode(rep, key, buf, VVMP_MAX_FRAME);
	if (n < 0) {
		vvmpd_log("cannot encode %s reply: %s", vvmp_opcode_str(rep->hdr.opcode),
			  vvmp_err_str((int)n));
		free(buf);
		return -EINVAL;
	}
	err = vvmp_write_all(fd, buf, (size_t)n);
	free(buf);
	return err;
}

static void send_error(struct conn_thread *t, const struct vvmp_header *req, uint16_t status)
{
	vvmp_reply_init(&t->rep, req, status);
	t->rep.hdr.src_san_id = t->d->cfg.san_id;
	t->rep.hdr.server_id = t->d->cfg.server_id;
	vvmpd_send_reply(t->d, t->c.fd, &t->rep, NULL);
}

static void *conn_main(void *arg)
{
	struct conn_thread *t = arg;
	struct vvmpd *d = t->d;

	for (;;) {
		long len = vvmp_read_frame(t->c.fd, t->in, sizeof(t->in), -1);
		int err;
		uint16_t status;
		bool opening;

		if (len == 0 || len <= VVMP_IO_ERR(0))
			break;			/* closed or broken */
		if (len < 0) {
			/* Garbage header: the stream cannot be resynchronised. */
			struct vvmp_header none = { 0 };

			vvmpd_log("closing %s: %s", t->c.peer_name, vvmp_err_str((int)len));
			send_error(t, &none, VVMP_S_BAD_FRAME);
			break;
		}
		err = vvmp_decode(t->in, (size_t)len, &t->req);
		if (!err && (t->req.hdr.flags & VVMP_F_REPLY))
			err = VVMP_E_FLAGS;	/* a server is sent requests only */
		if (err) {
			vvmpd_debug(d, "bad frame from %s: %s", t->c.peer_name, vvmp_err_str(err));
			send_error(t, &t->req.hdr, vvmp_err_status(err));
			continue;
		}
		opening = vvmp_is_opening(&t->req);
		status = vvmpd_check_auth(d, t->in, (size_t)len, &t->req,
					  !opening && t->req.hdr.domain_id == t->c.assoc_domain ?
					  &t->c.assoc : NULL, true, t->c.peer_name);
		if (!status && opening) {
			/* The connection's association, replacing any other. */
			if (t->req.hdr.domain_id != t->c.assoc_domain)
				memset(&t->c.assoc, 0, sizeof(t->c.assoc));
			vvmp_assoc_adopt(&t->c.assoc, t->req.auth.association);
			t->c.assoc_domain = t->req.hdr.domain_id;
		}
		if (status) {
			send_error(t, &t->req.hdr, status);
			continue;
		}
		/* A connection's session belongs to one domain. */
		if (t->c.session_id && t->req.hdr.domain_id != t->c.domain_id &&
		    t->req.hdr.opcode != VVMP_OP_INITIALIZE) {
			send_error(t, &t->req.hdr, VVMP_S_NO_SESSION);
			continue;
		}
		if (!t->c.session_id)
			t->c.domain_id = t->req.hdr.domain_id;
		pthread_mutex_lock(&d->lock);
		vvmpd_handle(d, &t->c, &t->req, &t->rep);
		pthread_mutex_unlock(&d->lock);
		if (vvmpd_send_reply(d, t->c.fd, &t->rep, &t->c.assoc))
			break;
	}
	pthread_mutex_lock(&d->lock);
	vvmpd_sessions_detach_conn(d, &t->c);
	pthread_mutex_unlock(&d->lock);
	close(t->c.fd);
	free(t);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct vvmpd *d = arg;

	while (!d->stopping) {
		struct sockaddr_in6 sa;
		socklen_t salen = sizeof(sa);
		int fd = accept4(d->tcp_fd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
		struct conn_thread *t;
		pthread_attr_t attr;
		pthread_t th;
		char ip[INET6_ADDRSTRLEN];
		int one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			break;
		}
		t = calloc(1, sizeof(*t));
		if (!t) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		t->d = d;
		t->c.fd = fd;
		inet_ntop(AF_INET6, &sa.sin6_addr, ip, sizeof(ip));
		snprintf(t->c.peer_name, sizeof(t->c.peer_name), "[%s]:%u", ip, ntohs(sa.sin6_port));
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, conn_main, t)) {
			close(fd);
			free(t);
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int vvmpd_tcp_start(struct vvmpd *d)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(d->cfg.tcp_port),
				   .sin6_addr = in6addr_any };
	socklen_t salen = sizeof(sa);
	int one = 1, zero = 0;
	pthread_t th;

	if (d->cfg.bind_addr && inet_pton(AF_INET6, d->cfg.bind_addr, &sa.sin6_addr) != 1) {
		vvmpd_log("--bind wants an IPv6 address (::ffff:a.b.c.d for IPv4)");
		return -EINVAL;
	}
	d->tcp_fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->tcp_fd < 0)
		return -errno;
	setsockopt(d->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(d->tcp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(d->tcp_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(d->tcp_fd, 128))
		return -errno;
	getsockname(d->tcp_fd, (struct sockaddr *)&sa, &salen);
	d->tcp_port_bound = ntohs(sa.sin6_port);
	if (pthread_create(&th, NULL, accept_main, d))
		return -EAGAIN;
	pthread_detach(th);
	return 0;
}
