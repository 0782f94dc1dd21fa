// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's exception-handling requests (formats in
 * include/vvmp/vvmpd.h): hot spares, failed volumes, the leg health vvmpd
 * recorded, and vvmpd's own divert ranges. Called by ctl.c with d->lock
 * held; every refusal is one {"error":...} naming the problem, and changes
 * nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/eh_internal.h"

static const char *const leg_states[] = { "in-sync", "failed", "resyncing", "rebuilding" };

/* A JSON string's characters (the request is the peer's bytes). */
static void json_chars(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

static void refuse(FILE *f, const char *req, const char *why)
{
	fputs("{\"error\":\"", f);
	json_chars(f, req);
	fputs(": ", f);
	json_chars(f, why);
	fputs("\"}\n", f);
}

/* One volume held out of the pool: a spare, or failed. */
static void volume_entry(struct vvmpd *d, FILE *f, bool first, uint32_t volume_id,
			 const char *state, uint64_t since_ms)
{
	struct vvmp_repo_volume v = { .id = volume_id };
	struct vvmp_repo_unit u = { 0 };

	if (!vvmp_repo_volume_get(d->repo, volume_id, &v))
		vvmp_repo_unit_get(d->repo, v.unit_id, &u);
	fprintf(f, "%s{\"id\":%u,\"state\":\"%s\",\"unit_id\":%u,\"domain_id\":%u,"
		"\"length_lba\":%" PRIu64 ",\"unit_up\":%s,\"since_ms\":%" PRIu64 "}",
		first ? "" : ",", volume_id, state, v.unit_id, u.domain_id, v.length_lba,
		u.state == VVMP_UNIT_UP ? "true" : "false", since_ms);
}

static void ctl_spares(struct vvmpd *d, FILE *f)
{
	struct vvmp_repo_spare *sp = NULL;
	struct vvmp_repo_failed_volume *fv = NULL;
	size_t ns = 0, nf = 0;

	vvmp_repo_spare_list(d->repo, &sp, &ns);
	vvmp_repo_failed_volume_list(d->repo, &fv, &nf);
	fputs("{\"volumes\":[", f);
	for (size_t i = 0; i < ns; i++)
		volume_entry(d, f, !i, sp[i].volume_id, "spare", sp[i].added_ms);
	for (size_t i = 0; i < nf; i++)
		volume_entry(d, f, !ns && !i, fv[i].volume_id, "failed", fv[i].failed_ms);
	fputs("]}\n", f);
	free(sp);
	free(fv);
}

static void ctl_legs(struct vvmpd *d, FILE *f, uint32_t vd_id)
{
	struct vvmp_repo_leg *l = NULL;
	size_t n = 0;

	vvmp_repo_leg_list(d->repo, vd_id, &l, &n);
	fputs("{\"legs\":[", f);
	for (size_t i = 0; i < n; i++) {
		char name[VVMP_NAME_MAX];

		vvmpd_ap_vd_name(d, l[i].vd_id, name, sizeof(name));
		fprintf(f, "%s{\"vd_id\":%u,\"kernel_name\":\"%s\",\"leg\":%u,\"state\":\"%s\","
			"\"full_copy\":%s,\"failures\":%u,\"changed_ms\":%" PRIu64 "}",
			i ? "," : "", l[i].vd_id, name, l[i].leg,
			l[i].state < 4 ? leg_states[l[i].state] : "?",
			l[i].full_copy ? "true" : "false", l[i].failures, l[i].changed_ms);
	}
	fputs("]}\n", f);
	free(l);
}

static void ctl_diverts(struct vvmpd *d, FILE *f)
{
	struct vvmp_repo_divert *dv = NULL;
	size_t n = 0;

	vvmp_repo_divert_list(d->repo, 0, &dv, &n);
	fputs("{\"diverts\":[", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"vd_id\":%u,\"start\":%" PRIu64 ",\"length\":%" PRIu64 "}",
			i ? "," : "", dv[i].vd_id, dv[i].start, dv[i].length);
	fputs("]}\n", f);
	free(dv);
}

static void ctl_spare(struct vvmpd *d, FILE *f, const char *req)
{
	char verb[16];
	unsigned int id;
	int end = 0, err;

	if (sscanf(req, "spare %15s %u%n", verb, &id, &end) != 2 || req[end]) {
		refuse(f, req, "expected spare add|delete|repaired VOLUME");
		return;
	}
	if (!strcmp(verb, "add"))
		err = vvmp_repo_spare_add(d->repo, id, eh_wall_ms());
	else if (!strcmp(verb, "delete"))
		err = vvmp_repo_spare_delete(d->repo, id);
	else if (!strcmp(verb, "repaired"))
		err = vvmp_repo_volume_repaired(d->repo, id);
	else {
		refuse(f, req, "expected spare add|delete|repaired VOLUME");
		return;
	}
	if (err) {
		char why[300];

		snprintf(why, sizeof(why), "volume %u: %s", id,
			 err == -EIO ? "repository error" : vvmp_repo_errmsg(d->repo));
		refuse(f, req, why);
		return;
	}
	vvmpd_log("control socket: %s", req);
	fprintf(f, "{\"id\":%u,\"state\":\"%s\"}\n", id, !strcmp(verb, "add") ? "spare" : "pool");
	if (!strcmp(verb, "add"))
		vvmpd_eh_kick(d);		/* a leg waiting for one rebuilds now */
}

/* "divert add|delete VD START LENGTH": vvmpd's own range, kernel and repository. */
static void ctl_divert(struct vvmpd *d, FILE *f, const char *req)
{
	struct vvmpd_eh *eh = d->eh;
	struct vvmp_repo_divert dv;
	struct vvmp_repo_vd vd;
	struct vaapi_range r;
	struct vaapi *h;
	char verb[8], name[VVMP_NAME_MAX];
	unsigned long long start, length;
	unsigned int id;
	bool add;
	int end = 0, err;

	if (sscanf(req, "divert %7s %u %llu %llu%n", verb, &id, &start, &length, &end) != 4 ||
	    req[end] || (strcmp(verb, "add") && strcmp(verb, "delete"))) {
		refuse(f, req, "expected divert add|delete VD START LENGTH");
		return;
	}
	add = !strcmp(verb, "add");
	dv = (struct vvmp_repo_divert){ .vd_id = id, .start = start, .length = length };
	r = (struct vaapi_range){ .start = start, .length = length };
	if (!eh || !(h = vvmpd_ap_handle(d))) {
		refuse(f, req, "no kernel hand-off (--no-kernel, or the vvmp family is absent)");
		return;
	}
	if (vvmp_repo_vd_get(d->repo, id, &vd)) {
		refuse(f, req, "no such allocation");
		return;
	}
	if (!length) {
		refuse(f, req, "the length must be at least one sector");
		return;
	}
	vvmpd_ap_vd_name(d, id, name, sizeof(name));
	/* The repository first: a plan on the new range must find it ours. */
	err = vvmp_repo_begin(d->repo);
	if (!err)
		err = add ? vvmp_repo_divert_add(d->repo, &dv) : vvmp_repo_divert_delete(d->repo, &dv);
	if (err) {
		vvmp_repo_rollback(d->repo);
		refuse(f, req, err == -EEXIST ? "vvmpd has that range already" :
			       err == -ENOENT ? "vvmpd has no such range" : "invalid range");
		return;
	}
	pthread_mutex_lock(&eh->lock);
	if (add && eh->ndiverts == EH_MAX_DIVERTS) {
		pthread_mutex_unlock(&eh->lock);
		vvmp_repo_rollback(d->repo);
		refuse(f, req, "too many divert ranges");
		return;
	}
	if (add)
		eh->diverts[eh->ndiverts++] = dv;
	pthread_mutex_unlock(&eh->lock);
	err = add ? vaapi_eh_add_divert(h, name, &r) : vaapi_eh_delete_divert(h, name, &r);
	if (err && !(add ? err == -EEXIST : err == -ENOENT)) {
		char why[300];

		snprintf(why, sizeof(why), "kernel: %s", vaapi_strerror(h));
		vvmp_repo_rollback(d->repo);
		if (add) {
			pthread_mutex_lock(&eh->lock);
			eh->ndiverts--;
			pthread_mutex_unlock(&eh->lock);
		}
		refuse(f, req, why);
		return;
	}
	vvmp_repo_commit(d->repo);
	if (!add) {
		/* After the kernel released the range: no plan of it is ours to wait for. */
		pthread_mutex_lock(&eh->lock);
		for (size_t i = 0; i < eh->ndiverts; i++) {
			if (!memcmp(&eh->diverts[i], &dv, sizeof(dv))) {
				eh->diverts[i] = eh->diverts[--eh->ndiverts];
				break;
			}
		}
		pthread_mutex_unlock(&eh->lock);
	}
	vvmpd_log("control socket: %s (%s sectors %llu+%llu)", req, name, start, length);
	fprintf(f, "{\"vd_id\":%u,\"kernel_name\":\"%s\",\"start\":%llu,\"length\":%llu,"
		"\"range\":\"%s\"}\n", id, name, start, length, add ? "added" : "deleted");
}

bool vvmpd_eh_ctl(struct vvmpd *d, FILE *f, const char *req)
{
	unsigned int id;
	int end = 0;

	if (!strcmp(req, "spares"))
		ctl_spares(d, f);
	else if (!strncmp(req, "spare ", 6))
		ctl_spare(d, f, req);
	else if (!strcmp(req, "legs"))
		ctl_legs(d, f, 0);
	else if (sscanf(req, "legs %u%n", &id, &end) == 1 && !req[end])
		ctl_legs(d, f, id);
	else if (!strcmp(req, "diverts"))
		ctl_diverts(d, f);
	else if (!strncmp(req, "divert ", 7))
		ctl_divert(d, f, req);
	else
		return false;
	return true;
}
