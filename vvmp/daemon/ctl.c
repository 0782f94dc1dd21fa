// SPDX-License-Identifier: GPL-2.0
/*
 * The local control socket (protocol in include/vvmp/vvmpd.h): one request
 * line, one JSON document. Peers are identified by SO_PEERCRED: root and
 * the configured uid only, since the answers include every host's
 * allocations.
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
			"\"members\":%u,\"remote_san_id\":%u,\"kernel_name\":\"%s\","
			"\"kernel_pushed\":%s,\"kernel_reason\":", i ? "," : "",
			vds[i].id, vds[i].storage_type, vds[i].access,
			(unsigned long long)vds[i].capacity_kb, vds[i].members, vds[i].remote_san_id,
			kname, pushed ? "true" : "false");
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
	else
		fputs("{\"error\":\"unknown request (pool, units, sessions, vds)\"}\n", f);
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
