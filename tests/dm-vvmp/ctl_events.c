// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" group as "snapshot, then stream" (Documentation/
 * vvmp-netlink.rst, "Events and the snapshot-then-stream rule"): a listener
 * in another process subscribes mid-way, after some changes, dumps
 * STATE_GET and applies streamed events through libvaapi's dedup filter.
 * While it runs this process drives known changes (clients, VDs, maps,
 * ACL/status/CoS, device bind/unbind, a mirror leg failed and restored
 * through `dmsetup message`). The listener's reconstructed state must equal
 * a fresh dump, and each object must have seen each of its changes exactly
 * once.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <linux/dm-ioctl.h>
#include <vvmp/vaapi.h>

#include "kselftest_harness.h"
#include "vvmp_test_lib.h"
#include "ctl_test_lib.h"

#define VD_LEN		8192ULL		/* 4 MiB */

/* ---- the reconstructed state ------------------------------------------ */

#define MAX_OBJ		64

struct m_policy {
	char client[VVMP_NAME_MAX];
	int acl, status;
	uint64_t iops, bps;
};

struct m_vd {
	char name[VVMP_NAME_MAX];
	uint64_t size, generation;
	int acl, status;
	uint64_t iops, bps;
	int nr_devices;
	unsigned int nr_legs;
	int health[VVMP_MAX_LEGS];
	unsigned int nr_policies;
	struct m_policy policies[8];
};

struct m_client {
	char name[VVMP_NAME_MAX];
	char info[VAAPI_CLIENT_INFO_MAX];
};

/* Applied streamed events per object and kind. */
struct m_count {
	char key[VVMP_NAME_MAX + 4];	/* "v:<vd>" or "c:<client>" */
	int by_type[VVMP_EVENT_CLIENT_CHANGED + 1];
	int health_seq[16];		/* LEG_STATE healths in order */
	int nr_health;
};

struct model {
	struct vaapi *h;
	struct m_vd vds[MAX_OBJ];
	unsigned int nr_vds;
	struct m_client clients[MAX_OBJ];
	unsigned int nr_clients;
	struct m_count counts[MAX_OBJ];
	unsigned int nr_counts;
	uint64_t last_seq;
	int out_of_order;		/* streamed seqs not increasing */
	int unknown;			/* events for objects the model lacks */
};

static struct m_vd *m_vd(struct model *m, const char *name, bool add)
{
	unsigned int i;

	for (i = 0; i < m->nr_vds; i++)
		if (!strcmp(m->vds[i].name, name))
			return &m->vds[i];
	if (!add || m->nr_vds == MAX_OBJ)
		return NULL;
	memset(&m->vds[m->nr_vds], 0, sizeof(m->vds[0]));
	snprintf(m->vds[m->nr_vds].name, VVMP_NAME_MAX, "%s", name);
	return &m->vds[m->nr_vds++];
}

static struct m_client *m_client(struct model *m, const char *name, bool add)
{
	unsigned int i;

	for (i = 0; i < m->nr_clients; i++)
		if (!strcmp(m->clients[i].name, name))
			return &m->clients[i];
	if (!add || m->nr_clients == MAX_OBJ)
		return NULL;
	memset(&m->clients[m->nr_clients], 0, sizeof(m->clients[0]));
	snprintf(m->clients[m->nr_clients].name, VVMP_NAME_MAX, "%s", name);
	return &m->clients[m->nr_clients++];
}

static struct m_count *m_count(struct model *m, char kind, const char *name)
{
	char key[VVMP_NAME_MAX + 4];
	unsigned int i;

	snprintf(key, sizeof(key), "%c:%s", kind, name);
	for (i = 0; i < m->nr_counts; i++)
		if (!strcmp(m->counts[i].key, key))
			return &m->counts[i];
	if (m->nr_counts == MAX_OBJ)
		return NULL;
	memset(&m->counts[m->nr_counts], 0, sizeof(m->counts[0]));
	snprintf(m->counts[m->nr_counts].key, sizeof(key), "%s", key);
	return &m->counts[m->nr_counts++];
}

static void m_set_policy(struct m_vd *v, const struct vaapi_event *e)
{
	struct m_policy *p = NULL;
	unsigned int i;

	if (!VAAPI_HAS(e, VVMP_A_CLIENT_NAME)) {
		v->acl = e->acl;
		v->status = e->status;
		v->iops = e->cos.iops;
		v->bps = e->cos.bps;
		return;
	}
	for (i = 0; i < v->nr_policies; i++)
		if (!strcmp(v->policies[i].client, e->client))
			p = &v->policies[i];
	if (!p && v->nr_policies < 8) {
		p = &v->policies[v->nr_policies++];
		snprintf(p->client, sizeof(p->client), "%s", e->client);
	}
	if (p) {
		p->acl = e->acl;
		p->status = e->status;
		p->iops = e->cos.iops;
		p->bps = e->cos.bps;
	}
}

static void m_drop_client_policies(struct model *m, const char *client)
{
	unsigned int i, j;

	for (i = 0; i < m->nr_vds; i++) {
		struct m_vd *v = &m->vds[i];

		for (j = 0; j < v->nr_policies; j++)
			if (!strcmp(v->policies[j].client, client))
				v->policies[j--] = v->policies[--v->nr_policies];
	}
}

/* One record of the dump or the stream, applied to the model. */
static int m_apply(const struct vaapi_event *e, bool snapshot, void *arg)
{
	struct model *m = arg;
	struct m_vd *v = NULL;
	struct m_client *c;
	struct m_count *n = NULL;

	if (!snapshot) {
		if (e->seq <= m->last_seq)
			m->out_of_order++;
		m->last_seq = e->seq;
		if (e->type >= VVMP_EVENT_CLIENT_EXISTS)
			n = m_count(m, 'c', e->client);
		else
			n = m_count(m, 'v', e->vd);
		if (n && e->type <= VVMP_EVENT_CLIENT_CHANGED)
			n->by_type[e->type]++;
	}
	switch (e->type) {
	case VVMP_EVENT_VD_EXISTS:
	case VVMP_EVENT_VD_CREATED:
		v = m_vd(m, e->vd, true);
		if (!v)
			break;
		/* A new VD's legs are not in the event: fetch them, as a listener must. */
		if (!snapshot && m->h) {
			struct vaapi_map *map = calloc(1, sizeof(*map));
			unsigned int j;

			if (map && !vaapi_ap_get_map_vd(m->h, e->vd, map)) {
				v->nr_legs = map->nr_legs;
				for (j = 0; j < map->nr_legs; j++)
					v->health[j] = map->legs[j].health;
			}
			free(map);
		}
		v->size = e->vd_size;
		v->generation = e->generation;
		v->acl = e->acl;
		v->status = e->status;
		v->iops = e->cos.iops;
		v->bps = e->cos.bps;
		v->nr_devices = e->nr_devices;
		break;
	case VVMP_EVENT_VD_DELETED:
		v = m_vd(m, e->vd, false);
		if (v)
			*v = m->vds[--m->nr_vds];
		else
			m->unknown++;
		break;
	case VVMP_EVENT_VD_MAP:
		v = m_vd(m, e->vd, false);
		if (!v) {
			m->unknown++;
			break;
		}
		v->generation = e->generation;
		v->size = e->vd_size;
		break;
	case VVMP_EVENT_LEG_STATE:
		v = m_vd(m, e->vd, false);
		if (!v || e->leg_index >= VVMP_MAX_LEGS) {
			m->unknown++;
			break;
		}
		v->health[e->leg_index] = e->leg.health;
		if (n && n->nr_health < 16)
			n->health_seq[n->nr_health++] = e->leg.health;
		break;
	case VVMP_EVENT_POLICY:
		v = m_vd(m, e->vd, false);
		if (v)
			m_set_policy(v, e);
		else
			m->unknown++;
		break;
	case VVMP_EVENT_DEVICE_BOUND:
	case VVMP_EVENT_DEVICE_UNBOUND:
		v = m_vd(m, e->vd, false);
		if (v)
			v->nr_devices += e->type == VVMP_EVENT_DEVICE_BOUND ? 1 : -1;
		else
			m->unknown++;
		break;
	case VVMP_EVENT_CLIENT_EXISTS:
	case VVMP_EVENT_CLIENT_CREATED:
	case VVMP_EVENT_CLIENT_CHANGED:
		c = m_client(m, e->client, true);
		if (c)
			snprintf(c->info, sizeof(c->info), "%s", e->client_info);
		break;
	case VVMP_EVENT_CLIENT_DELETED:
		c = m_client(m, e->client, false);
		if (c)
			*c = m->clients[--m->nr_clients];
		else
			m->unknown++;
		m_drop_client_policies(m, e->client);
		break;
	default:
		break;
	}
	return 0;
}

/* After a dump: leg health is not in it; VD_GET_MAP gives it. */
static void m_fetch_health(struct model *m)
{
	struct vaapi_map *map = calloc(1, sizeof(*map));
	unsigned int i, j;

	for (i = 0; map && i < m->nr_vds; i++) {
		if (vaapi_ap_get_map_vd(m->h, m->vds[i].name, map))
			continue;
		m->vds[i].nr_legs = map->nr_legs;
		for (j = 0; j < map->nr_legs; j++)
			m->vds[i].health[j] = map->legs[j].health;
	}
	free(map);
}

static int cmp_vd(const void *a, const void *b)
{
	return strcmp(((const struct m_vd *)a)->name, ((const struct m_vd *)b)->name);
}

static int cmp_client(const void *a, const void *b)
{
	return strcmp(((const struct m_client *)a)->name, ((const struct m_client *)b)->name);
}

static int cmp_policy(const void *a, const void *b)
{
	return strcmp(((const struct m_policy *)a)->client,
		      ((const struct m_policy *)b)->client);
}

/* The model as sorted text, only the objects of this run (@prefix). */
static void m_text(struct model *m, const char *prefix, char *out, size_t sz)
{
	size_t used = 0;
	unsigned int i, j;

	qsort(m->vds, m->nr_vds, sizeof(m->vds[0]), cmp_vd);
	qsort(m->clients, m->nr_clients, sizeof(m->clients[0]), cmp_client);
	out[0] = '\0';
	for (i = 0; i < m->nr_clients && used < sz; i++)
		if (!strncmp(m->clients[i].name, prefix, strlen(prefix)))
			used += snprintf(out + used, sz - used, "client %s info '%s'\n",
					 m->clients[i].name, m->clients[i].info);
	for (i = 0; i < m->nr_vds && used < sz; i++) {
		struct m_vd *v = &m->vds[i];

		if (strncmp(v->name, prefix, strlen(prefix)))
			continue;
		used += snprintf(out + used, sz - used,
				 "vd %s size %llu gen %llu acl %d status %d iops %llu bps %llu devices %d health",
				 v->name, (unsigned long long)v->size,
				 (unsigned long long)v->generation, v->acl, v->status,
				 (unsigned long long)v->iops, (unsigned long long)v->bps,
				 v->nr_devices);
		for (j = 0; j < v->nr_legs && used < sz; j++)
			used += snprintf(out + used, sz - used, " %d", v->health[j]);
		used += snprintf(out + used, sz - used, "\n");
		qsort(v->policies, v->nr_policies, sizeof(v->policies[0]), cmp_policy);
		for (j = 0; j < v->nr_policies && used < sz; j++)
			used += snprintf(out + used, sz - used,
					 "  policy %s acl %d status %d iops %llu bps %llu\n",
					 v->policies[j].client, v->policies[j].acl,
					 v->policies[j].status,
					 (unsigned long long)v->policies[j].iops,
					 (unsigned long long)v->policies[j].bps);
	}
}

/* A fresh dump (and maps) as text. */
static int fresh_text(struct vaapi *h, const char *prefix, char *out, size_t sz)
{
	struct model *m = calloc(1, sizeof(*m));
	struct vaapi_events *ev = vaapi_events_open(h);
	int rc = -ENOMEM;

	if (m && ev) {
		m->h = h;
		rc = vaapi_events_snapshot(ev, m_apply, m);
		m_fetch_health(m);
		m_text(m, prefix, out, sz);
	}
	vaapi_events_close(ev);
	free(m);
	return rc;
}

/*
 * The listener, in a child process: subscribe, dump, fetch leg health,
 * tell the parent (a byte on @ready), follow the stream until @stop is
 * closed, then write the model text and per-object counts to @result.
 */
static void listener(int ready, int stop, int result, const char *prefix)
{
	struct model *m = calloc(1, sizeof(*m));
	struct vaapi_events *ev;
	struct pollfd p[2];
	static char text[32768];
	unsigned int i;
	int rc = 1;
	size_t used;

	if (!m || !(m->h = vaapi_open()) || !(ev = vaapi_events_open(m->h)))
		_exit(2);
	if (vaapi_events_subscribe(ev) || vaapi_events_snapshot(ev, m_apply, m))
		_exit(3);
	m_fetch_health(m);
	if (write(ready, "r", 1) != 1)
		_exit(4);
	p[0] = (struct pollfd){ .fd = vaapi_events_fd(ev), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = stop, .events = POLLIN };
	for (;;) {
		if (poll(p, 2, 1000) < 0)
			_exit(5);
		if (p[0].revents & POLLIN) {
			rc = vaapi_events_read(ev, m_apply, m);
			if (rc < 0) {
				dprintf(result, "error %d %s\n", rc, vaapi_strerror(m->h));
				_exit(6);
			}
			continue;
		}
		if (p[1].revents)
			break;
	}
	m_text(m, prefix, text, sizeof(text));
	used = strlen(text);
	for (i = 0; i < m->nr_counts && used < sizeof(text); i++) {
		struct m_count *n = &m->counts[i];
		int t, h;

		if (strncmp(n->key + 2, prefix, strlen(prefix)))
			continue;
		used += snprintf(text + used, sizeof(text) - used, "count %s", n->key);
		for (t = 0; t <= VVMP_EVENT_CLIENT_CHANGED; t++)
			used += snprintf(text + used, sizeof(text) - used, " %d", n->by_type[t]);
		used += snprintf(text + used, sizeof(text) - used, " health");
		for (h = 0; h < n->nr_health; h++)
			used += snprintf(text + used, sizeof(text) - used, " %d", n->health_seq[h]);
		used += snprintf(text + used, sizeof(text) - used, "\n");
	}
	used += snprintf(text + used, sizeof(text) - used, "order %d unknown %d\n",
			 m->out_of_order, m->unknown);
	if (write(result, text, used) != (ssize_t)used)
		_exit(7);
	vaapi_events_close(ev);
	vaapi_close(m->h);
	_exit(0);
}

/* ---- the suite --------------------------------------------------------- */

FIXTURE(ev) {
	struct ctl c;
	struct vt_dev *d[4];
	char prefix[32];
	pid_t pid;
	int ready[2], stop[2], result[2];
	char got[32768];
	char want[32768];
};

FIXTURE_SETUP(ev)
{
	int i;

	self->pid = -1;
	ASSERT_EQ(0, ctl_setup(&self->c));
	for (i = 0; i < 4; i++) {
		self->d[i] = vt_slice(VD_LEN);
		ASSERT_NE(NULL, self->d[i]);
	}
	snprintf(self->prefix, sizeof(self->prefix), "ctl%d_", (int)getpid());
}

FIXTURE_TEARDOWN(ev)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	ctl_teardown(&self->c);
}

static void start_listener(struct __test_metadata *_metadata, FIXTURE_DATA(ev) *self)
{
	char c;

	ASSERT_EQ(0, pipe(self->ready));
	ASSERT_EQ(0, pipe(self->stop));
	ASSERT_EQ(0, pipe(self->result));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		close(self->ready[0]);
		close(self->stop[1]);
		close(self->result[0]);
		listener(self->ready[1], self->stop[0], self->result[1], self->prefix);
	}
	close(self->ready[1]);
	close(self->stop[0]);
	close(self->result[1]);
	ASSERT_EQ(1, read(self->ready[0], &c, 1));
}

/* Let the event worker send the last events, stop the listener, read its text. */
static void stop_listener(struct __test_metadata *_metadata, FIXTURE_DATA(ev) *self)
{
	size_t used = 0;
	ssize_t n;
	int status;

	vt_sleep_ms(1000);
	close(self->stop[1]);
	while ((n = read(self->result[0], self->got + used, sizeof(self->got) - 1 - used)) > 0)
		used += n;
	self->got[used] = '\0';
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = -1;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("listener: status %#x: %s", status, self->got);
}

/* "count <key> <by type...> health ..." of the listener, or "" if absent. */
static const char *count_line(const char *text, char kind, const char *name, char *buf,
			      size_t sz)
{
	char pat[96];
	const char *p;

	snprintf(pat, sizeof(pat), "count %c:%s ", kind, name);
	p = strstr(text, pat);
	buf[0] = '\0';
	if (p)
		snprintf(buf, sz, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

static void expose_leg_message(struct ctl *c, const char *dev, const char *msg)
{
	char out[128];

	(void)c;
	vt_dm_message(dev, msg, out, sizeof(out));
}

TEST_F(ev, listener_mid_way_sees_snapshot_then_each_change_once)
{
	struct vaapi_map map;
	struct vaapi_policy pol;
	struct vaapi_cos cos = { .present = VAAPI_COS_IOPS, .iops = 700 };
	const char *c0, *v0, *c1, *v1, *c2, *v2, *dev0, *dev1;
	char d0[64], d1[64], line[512], want[512], health[16];
	uint64_t t0;
	int i;

	/* Before the listener: a client, a mirror VD exposed to it, a policy. */
	c0 = ctl_name(&self->c, "early", false);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, c0, "before"));
	v0 = ctl_name(&self->c, "mirror", true);
	ctl_linear(&map, self->d, 2, 0, VD_LEN);
	map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, v0, &map));
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, v0, c0, VVMP_ACL_RO));
	dev0 = ctl_expose(&self->c, v0, c0, VD_LEN, NULL, 0);
	ASSERT_NE(NULL, dev0);
	snprintf(d0, sizeof(d0), "%s", dev0);

	start_listener(_metadata, self);

	/* The changes, each of known events. */
	c1 = ctl_name(&self->c, "late", false);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, c1, NULL));		/* created */
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, c1, "changed once"));	/* changed */
	v1 = ctl_name(&self->c, "lin", true);
	ctl_linear(&map, &self->d[2], 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, v1, &map));			/* created */
	ctl_linear(&map, &self->d[3], 1, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_set_map_vd(self->c.h, v1, &map));			/* map */
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, v1, NULL, VVMP_ACL_RO));	/* policy */
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, v1, c1, VVMP_STATUS_QUIESCED)); /* policy */
	ASSERT_EQ(0, vaapi_peap_set_cos(self->c.h, v1, c1, &cos));		/* policy */
	dev1 = ctl_expose(&self->c, v1, c1, VD_LEN, NULL, 0);			/* bound */
	ASSERT_NE(NULL, dev1);
	snprintf(d1, sizeof(d1), "%s", dev1);
	ASSERT_EQ(0, ctl_unexpose(&self->c, d1));				/* unbound */
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, v1, c1, VVMP_STATUS_ENABLED)); /* policy */
	/* The pre-existing mirror: its client's ACL, a leg failed and restored. */
	ASSERT_EQ(0, vaapi_peap_set_acl(self->c.h, v0, c0, VVMP_ACL_RW));	/* policy */
	expose_leg_message(&self->c, d0, "fail_leg 1");
	ctl_health(d0, health, sizeof(health));
	EXPECT_STREQ("AD", health);
	expose_leg_message(&self->c, d0, "restore_leg 1");
	t0 = vt_now_ms();
	do {
		vt_sleep_ms(50);
		ctl_health(d0, health, sizeof(health));
	} while (strcmp(health, "AA") && vt_now_ms() - t0 < 20000);
	EXPECT_STREQ("AA", health);
	/* A second client's whole life, and a second VD's. */
	c2 = ctl_name(&self->c, "brief", false);
	v2 = ctl_name(&self->c, "brief", true);
	ASSERT_EQ(0, vaapi_peap_set_client(self->c.h, c2, "x"));		/* created */
	ASSERT_EQ(0, vaapi_peap_delete_client(self->c.h, c2));			/* deleted */
	/* d[2] is free again: v1 moved to d[3]. */
	ctl_linear(&map, &self->d[2], 1, VD_LEN / 2, VD_LEN / 2);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, v2, &map));			/* created */
	ASSERT_EQ(0, vaapi_ap_delete_vd(self->c.h, v2));			/* deleted */
	for (i = 0; i < 3; i++)	/* reads change nothing */
		ASSERT_EQ(0, vaapi_peap_get_acl(self->c.h, v0, c0, &pol));

	stop_listener(_metadata, self);
	ASSERT_EQ(0, fresh_text(self->c.h, self->prefix, self->want, sizeof(self->want)));
	/* The state: the listener's model up to its counts equals a fresh dump. */
	{
		char *counts = strstr(self->got, "count ");
		size_t n = counts ? (size_t)(counts - self->got) : strlen(self->got);

		EXPECT_EQ(0, strncmp(self->want, self->got, n) || strlen(self->want) != n)
			TH_LOG("listener:\n%s\nfresh dump:\n%s", self->got, self->want);
	}
	EXPECT_NE(NULL, strstr(self->got, "order 0 unknown 0"));

	/*
	 * Per object, by event type (enum vvmp_event order: vd-exists created
	 * deleted map leg-state policy bound unbound plan-params divert
	 * threshold client-exists created deleted changed).
	 */
	snprintf(want, sizeof(want), "count c:%s 0 0 0 0 0 0 0 0 0 0 0 0 1 0 1 health", c1);
	EXPECT_STREQ(want, count_line(self->got, 'c', c1, line, sizeof(line)));
	snprintf(want, sizeof(want), "count v:%s 0 1 0 1 0 4 1 1 0 0 0 0 0 0 0 health", v1);
	EXPECT_STREQ(want, count_line(self->got, 'v', v1, line, sizeof(line)));
	snprintf(want, sizeof(want), "count c:%s 0 0 0 0 0 0 0 0 0 0 0 0 1 1 0 health", c2);
	EXPECT_STREQ(want, count_line(self->got, 'c', c2, line, sizeof(line)));
	snprintf(want, sizeof(want), "count v:%s 0 1 1 0 0 0 0 0 0 0 0 0 0 0 0 health", v2);
	EXPECT_STREQ(want, count_line(self->got, 'v', v2, line, sizeof(line)));
	/* The mirror: one policy, leg 1 failed, then back in sync (via out of sync). */
	snprintf(want, sizeof(want),
		 "count v:%s 0 0 0 0 3 1 0 0 0 0 0 0 0 0 0 health %d %d %d", v0,
		 VVMP_LEG_STATE_FAILED, VVMP_LEG_STATE_OUT_OF_SYNC, VVMP_LEG_STATE_IN_SYNC);
	EXPECT_STREQ(want, count_line(self->got, 'v', v0, line, sizeof(line)));
}

TEST_HARNESS_MAIN
