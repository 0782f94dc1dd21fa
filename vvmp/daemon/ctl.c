// SPDX-License-Identifier: GPL-2.0
/*
 * The local control socket (protocol in include/vvmp/vvmpd.h): one request
 * line, one JSON document. Peers are identified by SO_PEERCRED: root and
 * the configured uid only, since the answers include every host's
 * allocations and "alloc" changes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <vvmp/vvmpd.h>
#include "daemon/vvmpd_internal.h"

/* JSON string: the repository's names are printable ASCII already; escape " and \. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void ctl_pool(struct vvmpd *d, FILE *f)
{
	struct vvmp_query_san_rep s;
	struct vvmp_repo_vd *vds = NULL;
	size_t nvd = 0;

	vvmpd_query_san(d, &s);
	vvmp_repo_vd_list(d->repo, &vds, &nvd);
	free(vds);
	fprintf(f, "{\"san_id\":%u,\"units_up\":%u,\"volumes\":%u,\"total_kb\":%llu,"
		"\"free_kb\":%llu,\"vds\":%zu,\"sessions\":%u}\n", s.san_id, s.units_up, s.volumes,
		(unsigned long long)s.total_kb, (unsigned long long)s.free_kb, nvd, s.sessions);
}

static void ctl_units(struct vvmpd *d, FILE *f)
{
	struct vvmp_repo_unit *units = NULL;
	struct vvmp_repo_volume *vols = NULL;
	struct vvmp_repo_segment *segs = NULL;
	size_t nu = 0, nv = 0, ns = 0;

	vvmp_repo_unit_list(d->repo, &units, &nu);
	vvmp_repo_volume_list(d->repo, 0, &vols, &nv);
	vvmp_repo_segment_list(d->repo, 0, &segs, &ns);
	fputs("{\"units\":[", f);
	for (size_t i = 0; i < nu; i++) {
		bool first = true;

		fprintf(f, "%s{\"id\":%u,\"name\":", i ? "," : "", units[i].id);
		json_str(f, units[i].name);
		fprintf(f, ",\"domain_id\":%u,\"state\":\"%s\",\"storage_type\":%u,"
			"\"bandwidth_kb\":%u,\"load_pct\":%u,\"static\":%s,\"address\":",
			units[i].domain_id, units[i].state == VVMP_UNIT_UP ? "up" : "down",
			units[i].storage_type, units[i].bandwidth_kb, units[i].load_pct,
			units[i].is_static ? "true" : "false");
		json_str(f, units[i].address);
		fputs(",\"volumes\":[", f);
		for (size_t k = 0; k < nv; k++) {
			if (vols[k].unit_id != units[i].id)
				continue;
			fprintf(f, "%s{\"id\":%u,\"unit_volume_id\":%u,\"start_lba\":%llu,"
				"\"length_lba\":%llu,\"free_lba\":%llu,\"transport\":%u,\"address\":",
				first ? "" : ",", vols[k].id, vols[k].unit_volume_id,
				(unsigned long long)vols[k].start_lba,
				(unsigned long long)vols[k].length_lba,
				(unsigned long long)vvmpd_volume_free_lba(&vols[k], segs, ns),
				vols[k].transport);
			json_str(f, vols[k].address);
			fputc('}', f);
			first = false;
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
	free(units);
	free(vols);
	free(segs);
}

static void ctl_sessions(struct vvmpd *d, FILE *f)
{
	fputs("{\"sessions\":[", f);
	for (size_t i = 0; i < d->nsessions; i++) {
		struct vvmpd_session_rt *rt = &d->sessions[i];
		struct vvmp_repo_client c = { 0 };
		uint32_t *vds = NULL;
		size_t n = 0;

		vvmp_repo_client_get(d->repo, rt->client_id, &c);
		vvmp_repo_session_vds(d->repo, rt->id, &vds, &n);
		fprintf(f, "%s{\"id\":%u,\"client\":", i ? "," : "", rt->id);
		json_str(f, c.name);
		fprintf(f, ",\"domain_id\":%u,\"state\":\"%s\",\"vds\":[", rt->domain_id,
			rt->nconns ? "active" : "detached");
		for (size_t k = 0; k < n; k++)
			fprintf(f, "%s%u", k ? "," : "", vds[k]);
		fputs("]}", f);
		free(vds);
	}
	fputs("]}\n", f);
}

static void ctl_vds(struct vvmpd *d, FILE *f)
{
	struct vvmp_repo_vd *vds = NULL;
	size_t nvd = 0;

	vvmp_repo_vd_list(d->repo, &vds, &nvd);
	fputs("{\"vds\":[", f);
	for (size_t i = 0; i < nvd; i++) {
		struct vvmp_repo_segment *segs = NULL;
		char kname[64];
		const char *why;
		bool pushed = vvmpd_ap_vd_state(d, vds[i].id, &why);
		size_t ns = 0;

		vvmp_repo_segment_list(d->repo, vds[i].id, &segs, &ns);
		vvmpd_ap_vd_name(d, vds[i].id, kname, sizeof(kname));
		fprintf(f, "%s{\"id\":%u,\"storage_type\":%u,\"access\":%u,\"capacity_kb\":%llu,"
			"\"bandwidth_kb\":%u,\"members\":%u,\"remote_san_id\":%u,"
			"\"kernel_name\":\"%s\",\"kernel_pushed\":%s,\"kernel_reason\":",
			i ? "," : "", vds[i].id, vds[i].storage_type, vds[i].access,
			(unsigned long long)vds[i].capacity_kb, vds[i].bandwidth_kb, vds[i].members,
			vds[i].remote_san_id, kname, pushed ? "true" : "false");
		json_str(f, pushed ? "" : why);
		fputs(",\"segments\":[", f);
		for (size_t k = 0; k < ns; k++) {
			struct vvmp_repo_volume v = { 0 };

			vvmp_repo_volume_get(d->repo, segs[k].volume_id, &v);
			fprintf(f, "%s{\"member\":%u,\"unit_id\":%u,\"volume_id\":%u,"
				"\"start_lba\":%llu,\"length_lba\":%llu}", k ? "," : "",
				segs[k].member, v.unit_id, v.unit_volume_id,
				(unsigned long long)segs[k].start_lba,
				(unsigned long long)segs[k].length_lba);
		}
		fputs("]}", f);
		free(segs);
	}
	fputs("]}\n", f);
	free(vds);
}

/* ---- allocations made by an administrator (vvmpctl alloc create|grow|free) ---- */

static const char *const type_names[] = {
	[VVMP_ST_JBOD] = "jbod", [VVMP_ST_RAID0] = "raid0",
	[VVMP_ST_RAID1] = "raid1", [VVMP_ST_RAID5] = "raid5",
};

static void ctl_refused(FILE *f, const char *op, uint16_t status)
{
	fprintf(f, "{\"error\":\"%s: %s\",\"status\":%u}\n", op, vvmp_status_str(status),
		status);
}

static void ctl_alloc_rep(struct vvmpd *d, FILE *f, const struct vvmp_alloc_rep *a)
{
	struct vvmp_repo_vd vd = { 0 };
	char kname[64];

	vvmpd_ap_vd_name(d, a->alloc_id, kname, sizeof(kname));
	vvmp_repo_vd_get(d->repo, a->alloc_id, &vd);
	fprintf(f, "{\"id\":%u,\"session_id\":%u,\"storage_type\":%u,\"capacity_kb\":%llu,"
		"\"bandwidth_kb\":%u,\"members\":%u,\"extents\":%u,\"kernel_name\":\"%s\"}\n",
		a->alloc_id, a->session_id, a->storage_type, (unsigned long long)a->capacity_kb,
		vd.bandwidth_kb, a->members, a->extent_count, kname);
}

/*
 * The VD @alloc_id as the control socket may change it: stored, and held
 * here (a forwarded VD is freed or grown over VVMP, where the peer holds
 * it). Its owner session in *@session.
 */
static bool ctl_local_vd(struct vvmpd *d, FILE *f, uint32_t alloc_id, uint32_t *session)
{
	struct vvmp_repo_vd vd;

	if (vvmp_repo_vd_get(d->repo, alloc_id, &vd)) {
		ctl_refused(f, "allocation", VVMP_S_NOT_FOUND);
		return false;
	}
	if (vd.remote_san_id) {
		fprintf(f, "{\"error\":\"allocation %u lives on SAN %u: use VVMP\",\"status\":%u}\n",
			alloc_id, vd.remote_san_id, VVMP_S_DENIED);
		return false;
	}
	*session = vd.owner_session_id;
	return true;
}

/*
 * CHANGE_PARAMS of VD @id for its owner session: the new total capacity
 * *@kb and bandwidth *@bw_kb (KB/s), each kept when NULL, as are QoS,
 * timeout and flags.
 */
static void ctl_change(struct vvmpd *d, FILE *f, uint32_t id, const uint64_t *kb,
		       const uint32_t *bw_kb)
{
	static struct vvmp_alloc_rep rep;
	struct vvmp_change_req req = { .alloc_id = id };
	struct vvmp_repo_vd vd;
	uint32_t session;
	uint16_t status;

	if (!ctl_local_vd(d, f, id, &session) || vvmp_repo_vd_get(d->repo, id, &vd))
		return;
	req.session_id = session;
	req.capacity_kb = kb ? *kb : vd.capacity_kb;
	req.bandwidth_kb = bw_kb ? *bw_kb : vd.bandwidth_kb;
	req.qos = vd.qos;
	req.timeout_ms = vd.timeout_ms;
	req.flags = vd.flags;
	status = vvmpd_change(d, session, &req, &rep);
	if (status)
		ctl_refused(f, "CHANGE_PARAMS", status);
	else
		ctl_alloc_rep(d, f, &rep);
	vvmpd_log("control socket: CHANGE_PARAMS %u to %llu KB, %u KB/s: %s", id,
		  (unsigned long long)req.capacity_kb, req.bandwidth_kb, vvmp_status_str(status));
}

/*
 * "alloc create SESSION KB TYPE MEMBERS | alloc grow ID KB |
 *  alloc bandwidth ID KB | alloc free ID"
 */
static void ctl_alloc(struct vvmpd *d, FILE *f, const char *args)
{
	static struct vvmp_alloc_rep rep;
	unsigned long long kb;
	unsigned int id, members;
	char type[8];
	uint32_t session;
	uint16_t status;
	int end = 0;

	memset(&rep, 0, sizeof(rep));
	if (sscanf(args, "create %u %llu %7s %u%n", &id, &kb, type, &members, &end) == 4 &&
	    !args[end]) {
		struct vvmp_alloc_req req = {
			.session_id = id, .access = VVMP_ACCESS_EXCLUSIVE,
			.capacity_kb = kb, .members = members,
		};

		for (uint32_t t = VVMP_ST_JBOD; t <= VVMP_ST_RAID5; t++)
			if (!strcmp(type, type_names[t]))
				req.storage_type = t;
		if (!req.storage_type) {
			ctl_refused(f, "ALLOCATE", VVMP_S_BAD_PAYLOAD);
			return;
		}
		if (!vvmpd_session_rt(d, id)) {
			ctl_refused(f, "ALLOCATE", VVMP_S_NO_SESSION);
			return;
		}
		status = vvmpd_allocate(d, id, VVMP_ALLOC_EXPANDABLE, &req, &rep);
		if (status)
			ctl_refused(f, "ALLOCATE", status);
		else
			ctl_alloc_rep(d, f, &rep);
		vvmpd_log("control socket: ALLOCATE %llu KB %s for session %u: %s", kb, type, id,
			  vvmp_status_str(status));
	} else if (sscanf(args, "grow %u %llu%n", &id, &kb, &end) == 2 && !args[end]) {
		uint64_t capacity_kb = kb;

		ctl_change(d, f, id, &capacity_kb, NULL);
	} else if (sscanf(args, "bandwidth %u %llu%n", &id, &kb, &end) == 2 && !args[end]) {
		uint32_t bw_kb = (uint32_t)kb;

		if (kb > UINT32_MAX)
			ctl_refused(f, "CHANGE_PARAMS", VVMP_S_BAD_PAYLOAD);
		else
			ctl_change(d, f, id, NULL, &bw_kb);
	} else if (sscanf(args, "free %u%n", &id, &end) == 1 && !args[end]) {
		if (!ctl_local_vd(d, f, id, &session))
			return;
		status = vvmpd_free(d, session, id);
		if (status)
			ctl_refused(f, "FREE", status);
		else
			fprintf(f, "{\"id\":%u,\"session_id\":%u,\"freed\":true}\n", id, session);
		vvmpd_log("control socket: FREE %u: %s", id, vvmp_status_str(status));
	} else {
		fputs("{\"error\":\"usage: alloc create SESSION KB TYPE MEMBERS | "
		      "alloc grow ID KB | alloc bandwidth ID KB | alloc free ID\"}\n", f);
	}
}

static void serve(struct vvmpd *d, int fd)
{
	char req[VVMPD_CTL_MAX_REQUEST + 1] = "";
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	ssize_t n;

	if (!f)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != d->cfg.ctl_uid)) {
		vvmpd_log("control socket: refused uid %d", (int)cred.uid);
		fputs("{\"error\":\"permission denied\"}\n", f);
		goto send;
	}
	struct timeval tv = { 2, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = read(fd, req, VVMPD_CTL_MAX_REQUEST);
	if (n > 0)
		req[strcspn(req, "\r\n")] = 0;
	pthread_mutex_lock(&d->lock);
	if (!strcmp(req, "pool"))
		ctl_pool(d, f);
	else if (!strcmp(req, "units"))
		ctl_units(d, f);
	else if (!strcmp(req, "sessions"))
		ctl_sessions(d, f);
	else if (!strcmp(req, "vds"))
		ctl_vds(d, f);
	else if (!strncmp(req, "alloc ", 6))
		ctl_alloc(d, f, req + 6);
	else if (!vvmpd_eh_ctl(d, f, req))	/* spares, legs, diverts: eh_ctl.c */
		fputs("{\"error\":\"unknown request (pool, units, sessions, vds, alloc, "
		      "spares, spare, legs, diverts, divert)\"}\n", f);
	pthread_mutex_unlock(&d->lock);
send:
	fclose(f);
	vvmp_write_all(fd, (const uint8_t *)out, outlen);
	free(out);
}

static void *ctl_main(void *arg)
{
	struct vvmpd *d = arg;

	while (!d->stopping) {
		int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		serve(d, fd);
		close(fd);
	}
	return NULL;
}

int vvmpd_ctl_start(struct vvmpd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t th;

	if (strlen(d->cfg.ctl_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, d->cfg.ctl_path);
	unlink(d->cfg.ctl_path);
	d->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->ctl_fd < 0)
		return -errno;
	if (bind(d->ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(d->ctl_fd, 16))
		return -errno;
	if (pthread_create(&th, NULL, ctl_main, d))
		return -EAGAIN;
	pthread_detach(th);
	return 0;
}
