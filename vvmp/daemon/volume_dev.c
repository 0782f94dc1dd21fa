// SPDX-License-Identifier: GPL-2.0
/*
 * Which host block device holds a pool volume: the one piece of the kernel
 * hand-off that depends on how a volume is reached (its transport). A local
 * volume names its device. A remote one (NBD, iSCSI) is attached here first
 * (remote_nbd.c, remote_iscsi.c) and detached once no stored VD uses it;
 * Documentation/vvmpd.rst "Remote volumes".
 *
 * Attaching and detaching run tools that wait on the network, so each runs
 * in a thread of its own without vvmpd's lock: meanwhile
 * vvmpd_volume_device() answers -EINPROGRESS and the hand-off's poll
 * retries the push. Finding an existing attachment only reads sysfs and
 * /proc and is done inline, so a restarted vvmpd pushes at once, reusing
 * the attachments it finds. The table below is vvmpd's memory of them,
 * under vvmpd's lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "daemon/remote.h"
#include "vvmpd_internal.h"

#define RETRY_MIN_MS	2000		/* after a failed attach or detach, doubling */
#define RETRY_MAX_MS	60000
#define RECHECK_MS	5000		/* unused attachments looked for at least this often */

enum att_state {
	ATT_ATTACHED,			/* dev is valid */
	ATT_ATTACHING,			/* a worker runs the attach */
	ATT_DETACHING,			/* a worker runs the detach; dev still valid */
	ATT_FAILED,			/* the last attach failed: error, retry_ms */
};

struct attachment {
	struct remote_addr addr;
	enum att_state state;
	struct remote_dev dev;
	bool ours;			/* attached by this run of vvmpd (not found) */
	bool wanted;			/* scratch: a stored VD uses it */
	bool held_logged;		/* "unused but held open" said once */
	uint64_t retry_ms;		/* no attach / detach attempt before */
	uint32_t backoff_ms;
	char error[96];			/* why the last attempt failed */
};

struct vvmpd_remote {
	struct attachment *att;
	size_t n;
	bool recheck;			/* look for unused attachments at the next poll */
	uint64_t next_check_ms;
};

/* A worker's task: attach @addr, or detach @dev. */
struct remote_job {
	struct vvmpd *d;
	struct remote_addr addr;
	struct remote_dev dev;
	bool detach;
};

/* "major:minor" of the block device at @path; -errno if it is none. */
static int devnum(const char *path, char *out, size_t len)
{
	unsigned int maj, min;
	struct stat st;
	int end = 0;

	if (sscanf(path, "%u:%u%n", &maj, &min, &end) == 2 && !path[end]) {
		snprintf(out, len, "%u:%u", maj, min);
		return 0;
	}
	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(out, len, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* ---- the transports ---------------------------------------------------------- */

static int tr_find(const struct remote_addr *a, struct remote_dev *dev)
{
	return a->transport == VVMP_TR_NBD ? remote_nbd_find(a, dev) : remote_iscsi_find(a, dev);
}

static int tr_attach(const struct remote_addr *a, struct remote_dev *dev, char *why,
		     size_t why_len)
{
	return a->transport == VVMP_TR_NBD ? remote_nbd_attach(a, dev, why, why_len) :
					     remote_iscsi_attach(a, dev, why, why_len);
}

static int tr_detach(const struct remote_addr *a, const struct remote_dev *dev, char *why,
		     size_t why_len)
{
	return a->transport == VVMP_TR_NBD ? remote_nbd_detach(dev, why, why_len) :
					     remote_iscsi_detach(dev, why, why_len);
}

/* ---- the table ------------------------------------------------------------------ */

static bool addr_eq(const struct remote_addr *x, const struct remote_addr *y)
{
	/* iSCSI names are case-insensitive (RFC 3720), NBD export names are not. */
	return x->transport == y->transport && x->port == y->port && !strcmp(x->host, y->host) &&
	       (x->transport == VVMP_TR_ISCSI ? !strcasecmp(x->name, y->name) :
						!strcmp(x->name, y->name));
}

static struct attachment *att_find(struct vvmpd_remote *r, const struct remote_addr *a)
{
	for (size_t i = 0; i < r->n; i++)
		if (addr_eq(&r->att[i].addr, a))
			return &r->att[i];
	return NULL;
}

static struct attachment *att_add(struct vvmpd_remote *r, const struct remote_addr *a)
{
	struct attachment *p = realloc(r->att, (r->n + 1) * sizeof(*p));

	if (!p)
		return NULL;
	r->att = p;
	p = &r->att[r->n++];
	*p = (struct attachment){ .addr = *a, .state = ATT_FAILED };
	return p;
}

/* An attachment found in sysfs that vvmpd did not make in this run: reused. */
static struct attachment *adopt(struct vvmpd_remote *r, const struct remote_addr *a,
				const struct remote_dev *dev)
{
	struct attachment *e = att_add(r, a);
	char what[160];

	if (!e)
		return NULL;
	e->state = ATT_ATTACHED;
	e->dev = *dev;
	remote_addr_str(a, what, sizeof(what));
	vvmpd_log("remote: %s found attached as %s (%u:%u): reused", what, dev->name,
		  dev->major, dev->minor);
	return e;
}

static void att_remove(struct vvmpd_remote *r, struct attachment *e)
{
	*e = r->att[--r->n];
}

static void backoff(struct attachment *e, const char *why)
{
	e->backoff_ms = e->backoff_ms ? e->backoff_ms * 2 : RETRY_MIN_MS;
	if (e->backoff_ms > RETRY_MAX_MS)
		e->backoff_ms = RETRY_MAX_MS;
	e->retry_ms = vvmp_now_ms() + e->backoff_ms;
	snprintf(e->error, sizeof(e->error), "%s", why);
}

/* ---- workers ------------------------------------------------------------------------ */

static void *job_main(void *arg)
{
	struct remote_job *j = arg;
	struct vvmpd *d = j->d;
	struct remote_dev dev = j->dev;
	struct attachment *e;
	char what[160], why[96] = "";
	int err;

	remote_addr_str(&j->addr, what, sizeof(what));
	err = j->detach ? tr_detach(&j->addr, &j->dev, why, sizeof(why)) :
			  tr_attach(&j->addr, &dev, why, sizeof(why));

	pthread_mutex_lock(&d->lock);
	e = att_find(d->remote, &j->addr);
	if (!e || d->stopping)
		goto out;
	if (j->detach && !err) {
		vvmpd_log("remote: %s detached (%s)", what, j->dev.name);
		att_remove(d->remote, e);
	} else if (j->detach) {
		vvmpd_log("remote: detach of %s (%s) failed: %s", what, j->dev.name, why);
		e->state = ATT_ATTACHED;
		backoff(e, why);
	} else if (!err) {
		vvmpd_log("remote: %s attached as %s (%u:%u, %" PRIu64 " sectors)", what, dev.name,
			  dev.major, dev.minor, dev.sectors);
		e->state = ATT_ATTACHED;
		e->dev = dev;
		e->ours = true;
		e->backoff_ms = 0;
		e->error[0] = '\0';
		d->remote->recheck = true;	/* perhaps no VD wants it any more */
	} else {
		e->state = ATT_FAILED;
		backoff(e, why);
		vvmpd_log("remote: attach of %s failed: %s (retried in %u s)", what, why,
			  e->backoff_ms / 1000);
	}
out:
	pthread_mutex_unlock(&d->lock);
	free(j);
	return NULL;
}

/* Start a worker for @e: attach it, or detach @e->dev. */
static void job_start(struct vvmpd *d, struct attachment *e, bool detach)
{
	struct remote_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t t;
	int err = -ENOMEM;

	if (j) {
		*j = (struct remote_job){ .d = d, .addr = e->addr, .dev = e->dev, .detach = detach };
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		err = -pthread_create(&t, &attr, job_main, j);
		pthread_attr_destroy(&attr);
	}
	if (err) {
		free(j);
		backoff(e, strerror(-err));
		if (!detach)
			e->state = ATT_FAILED;
		return;
	}
	e->state = detach ? ATT_DETACHING : ATT_ATTACHING;
}

/* ---- what the stored VDs use ------------------------------------------------------ */

/*
 * Mark the attachments the stored VDs of this SAN use (->wanted) and start
 * attaching those not attached yet (unless @attach is false). -errno if
 * the repository could not be read: then nothing may be detached.
 */
static int mark_wanted(struct vvmpd *d, bool attach)
{
	struct vvmpd_remote *r = d->remote;
	struct vvmp_repo_vd *vds = NULL;
	uint32_t *seen = NULL;
	size_t nvds = 0, nseen = 0;
	int err;

	for (size_t i = 0; i < r->n; i++)
		r->att[i].wanted = false;
	err = vvmp_repo_vd_list(d->repo, &vds, &nvds);
	for (size_t i = 0; i < nvds && !err; i++) {
		struct vvmp_repo_segment *segs = NULL;
		size_t nsegs = 0;

		if (vds[i].remote_san_id)
			continue;		/* lives on a peer's SAN */
		err = vvmp_repo_segment_list(d->repo, vds[i].id, &segs, &nsegs);
		for (size_t k = 0; k < nsegs && !err; k++) {
			struct vvmp_repo_volume v;
			struct remote_addr a;
			struct attachment *e;
			struct remote_dev dev;
			bool dup = false;
			char why[96];
			void *p;

			for (size_t s = 0; s < nseen && !dup; s++)
				dup = seen[s] == segs[k].volume_id;
			if (dup)
				continue;
			p = realloc(seen, (nseen + 1) * sizeof(*seen));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			seen = p;
			seen[nseen++] = segs[k].volume_id;
			if (vvmp_repo_volume_get(d->repo, segs[k].volume_id, &v)) {
				err = -EIO;
				break;
			}
			if (v.transport == VVMP_TR_LOCAL ||
			    remote_addr_parse(v.transport, v.address, &a, why, sizeof(why)))
				continue;	/* a bad address is reported by the push */
			e = att_find(r, &a);
			if (!e && attach && !tr_find(&a, &dev)) {
				e = adopt(r, &a, &dev);
			} else if (!e && attach) {
				e = att_add(r, &a);
				if (e)
					job_start(d, e, false);
			} else if (e && attach && e->state == ATT_FAILED &&
				   vvmp_now_ms() >= e->retry_ms) {
				job_start(d, e, false);
			}
			if (e) {
				e->wanted = true;
				e->held_logged = false;
			}
		}
		free(segs);
	}
	free(seen);
	free(vds);
	return err;
}

/*
 * Detach the attachments no stored VD uses and nothing holds open (a VD
 * freed while a dm device exposes it keeps its PDs until the kernel VD
 * goes: retried at the next poll). At @shutdown only those this run
 * attached, synchronously; the rest stays for the next run to find.
 */
static void reconcile(struct vvmpd *d, bool shutdown)
{
	struct vvmpd_remote *r = d->remote;
	uint64_t now = vvmp_now_ms();

	if (!r || mark_wanted(d, !shutdown))
		return;
	for (size_t i = 0; i < r->n;) {
		struct attachment *e = &r->att[i];
		struct remote_dev dev;
		char what[160], why[96] = "";
		int err;

		if (e->wanted || e->state == ATT_ATTACHING || e->state == ATT_DETACHING ||
		    (shutdown && !e->ours) || (e->state == ATT_ATTACHED && now < e->retry_ms)) {
			i++;
			continue;
		}
		remote_addr_str(&e->addr, what, sizeof(what));
		if (e->state == ATT_FAILED || tr_find(&e->addr, &dev)) {
			if (e->state == ATT_ATTACHED)
				vvmpd_log("remote: %s (%s) is no longer attached", what, e->dev.name);
			att_remove(r, e);	/* i now holds the last entry */
			continue;
		}
		e->dev = dev;
		/* Held open, or no way to tell (/dev node of another device): kept. */
		err = remote_dev_busy(&dev);
		if (err) {
			if (!e->held_logged)
				vvmpd_log("remote: %s (%s) unused but %s: detached once released",
					  what, dev.name, err == -EBUSY ? "held open" : strerror(-err));
			e->held_logged = true;
			r->recheck = true;
			i++;
			continue;
		}
		if (!shutdown) {
			job_start(d, e, true);
			i++;
			continue;
		}
		err = tr_detach(&e->addr, &dev, why, sizeof(why));
		vvmpd_log("remote: %s (%s) %s%s", what, dev.name, err ? "detach failed: " :
			  "detached at shutdown", why);
		if (err)
			i++;
		else
			att_remove(r, e);
	}
}

void vvmpd_remote_release(struct vvmpd *d)
{
	if (d->remote)
		reconcile(d, false);
}

void vvmpd_remote_poll(struct vvmpd *d)
{
	struct vvmpd_remote *r = d->remote;
	uint64_t now = vvmp_now_ms();

	if (!r || (!r->recheck && now < r->next_check_ms))
		return;
	r->recheck = false;
	r->next_check_ms = now + RECHECK_MS;
	reconcile(d, false);
}

void vvmpd_remote_shutdown(struct vvmpd *d)
{
	if (d->remote)
		reconcile(d, true);
}

/* ---- the device of a volume ------------------------------------------------------- */

static int remote_device(struct vvmpd *d, const struct vvmp_repo_volume *v, char *out,
			 size_t len, char *why, size_t why_len)
{
	struct remote_addr a;
	struct remote_dev dev;
	struct attachment *e;
	char what[160], reason[96];
	int err;

	err = remote_addr_parse(v->transport, v->address, &a, reason, sizeof(reason));
	if (err) {
		snprintf(why, why_len, "volume %u: %s", v->id, reason);
		return err;
	}
	if (!d->remote) {
		d->remote = calloc(1, sizeof(*d->remote));
		if (!d->remote)
			return -ENOMEM;
	}
	remote_addr_str(&a, what, sizeof(what));
	e = att_find(d->remote, &a);
	if (e && (e->state == ATT_ATTACHING || e->state == ATT_DETACHING)) {
		snprintf(why, why_len, "volume %u: %s %s", v->id,
			 e->state == ATT_ATTACHING ? "attaching" : "detaching", what);
		return -EINPROGRESS;
	}
	if (!tr_find(&a, &dev)) {
		if (!e)
			e = adopt(d->remote, &a, &dev);
		if (!e)
			return -ENOMEM;
		e->state = ATT_ATTACHED;
		e->dev = dev;
		if (dev.sectors < v->length_lba) {
			snprintf(why, why_len, "volume %u: %s has %" PRIu64 " sectors, not %" PRIu64,
				 v->id, dev.name, dev.sectors, v->length_lba);
			return -ERANGE;
		}
		snprintf(out, len, "%u:%u", dev.major, dev.minor);
		return 0;
	}
	if (e && e->state == ATT_FAILED && vvmp_now_ms() < e->retry_ms) {
		snprintf(why, why_len, "volume %u: %s", v->id, e->error);
		return -EHOSTUNREACH;
	}
	if (e && e->state == ATT_ATTACHED)
		vvmpd_log("remote: %s (%s) is no longer attached: attaching again", what,
			  e->dev.name);
	if (!e)
		e = att_add(d->remote, &a);
	if (!e)
		return -ENOMEM;
	job_start(d, e, false);
	/* The other remote volumes of the stored VDs attach in parallel. */
	mark_wanted(d, true);
	snprintf(why, why_len, "volume %u: attaching %s", v->id, what);
	return -EINPROGRESS;
}

int vvmpd_volume_device(struct vvmpd *d, const struct vvmp_repo_volume *v,
			char *out, size_t len, char *why, size_t why_len)
{
	int err;

	if (v->transport == VVMP_TR_NBD || v->transport == VVMP_TR_ISCSI)
		return remote_device(d, v, out, len, why, why_len);
	if (v->transport != VVMP_TR_LOCAL || !v->address[0]) {
		snprintf(why, why_len, "volume %u is not a local block device", v->id);
		return -EOPNOTSUPP;
	}
	err = devnum(v->address, out, len);
	if (err)
		snprintf(why, why_len, "volume %u: %s: %s", v->id, v->address, strerror(-err));
	return err;
}
