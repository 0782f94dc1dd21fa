// SPDX-License-Identifier: GPL-2.0
/*
 * Exception plans (Documentation/dm-vvmp.rst, "Exception plans"): I/O on
 * divert ranges and writes whose log-data component failed are held for
 * the control path, announced, fetched, resubmitted or aborted; stale
 * resubmissions are refused; timeouts and closed sockets apply the VD's
 * policy; a noflush suspend gives held plans back to dm; pass-through I/O
 * and kcopyd copies run for the control path.
 *
 * Client I/O that the kernel holds runs in child processes (one O_DIRECT
 * pread/pwrite each); the test sees its result as the child's exit status.
 * Runs as root in the test guest (run_tests.sh), after `make userspace`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ctl_test_lib.h"

#define VD_LEN		16384ULL	/* 8 MiB */
#define BLK		4096
#define RANGE_START	2048ULL		/* the divert range: 1 MiB at 1 MiB */
#define RANGE_LEN	2048ULL
#define SEED_OLD	31
#define SEED_A		32
#define SEED_B		33

FIXTURE(plans) {
	struct ctl c;
	struct vt_dev *s[2];
	const char *vd;
	const char *dev;
	char path[128];
	struct vaapi_range range;
};

/* One O_DIRECT I/O in a child: its exit status is the errno (0: done). */
static pid_t io_start(const char *path, bool write, uint64_t off, size_t len,
		      uint64_t seed)
{
	pid_t pid = fork();
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (pid)
		return pid;
	/* Not the test's netlink sockets: their close must be the test's. */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	buf = vt_alloc(len);
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0 || !buf)
		_exit(ENOMEM);
	vt_pattern(buf, len, off, seed);
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	_exit(n < 0 ? errno : (size_t)n == len ? 0 : ENOSPC);
}

/* The child's errno, or -ETIMEDOUT if it has not finished in @ms. */
static int io_wait(pid_t pid, unsigned int ms)
{
	uint64_t end = vt_now_ms() + ms;
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
		vt_sleep_ms(20);
	} while (vt_now_ms() < end);
	return -ETIMEDOUT;
}

struct plan_list {
	unsigned int nr;
	struct vaapi_exception e[8];
};

static int collect(const struct vaapi_exception *e, void *arg)
{
	struct plan_list *l = arg;

	if (l->nr < 8)
		l->e[l->nr++] = *e;
	return 0;
}

/* Wait until @vd holds @nr plans; the list in @l. */
static int wait_plans(struct vaapi *h, const char *vd, unsigned int nr,
		      struct plan_list *l)
{
	uint64_t end = vt_now_ms() + 10000;
	int r;

	do {
		memset(l, 0, sizeof(*l));
		r = vaapi_eh_list_plans(h, vd, collect, l);
		if (r || l->nr == nr)
			return r;
		vt_sleep_ms(20);
	} while (vt_now_ms() < end);
	return -ETIMEDOUT;
}

static uint64_t generation(struct vaapi *h, const char *vd)
{
	struct vaapi_vd_info info;

	return vaapi_ap_get_vd(h, vd, &info) ? 0 : info.generation;
}

FIXTURE_SETUP(plans)
{
	struct vaapi_map map;

	ASSERT_EQ(0, ctl_setup(&self->c));
	self->s[0] = vt_slice(VD_LEN);
	self->s[1] = vt_slice(VD_LEN);
	ASSERT_NE(NULL, self->s[0]);
	ASSERT_NE(NULL, self->s[1]);
	self->vd = ctl_name(&self->c, "x", true);
	ctl_linear(&map, self->s, 2, 0, VD_LEN);
	map.nosync = true;
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, self->vd, &map));
	self->dev = ctl_expose(&self->c, self->vd, NULL, VD_LEN, self->path,
			       sizeof(self->path));
	ASSERT_NE(NULL, self->dev);
	ASSERT_EQ(0, ctl_write(self->path, 0, VD_LEN * 512, SEED_OLD));
	self->range.start = RANGE_START;
	self->range.length = RANGE_LEN;
}

FIXTURE_TEARDOWN(plans)
{
	vaapi_eh_delete_divert(self->c.h, self->vd, &self->range);
	ctl_teardown(&self->c);
}

/*
 * Writes on a divert range are held, in arrival order, while I/O elsewhere
 * passes; removing the range releases them in that order.
 */
TEST_F_TIMEOUT(plans, divert_holds_io_and_removal_releases_it_in_order, 120)
{
	const uint64_t off = RANGE_START * 512 + 8192;
	struct plan_list l;
	pid_t a, b;

	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, true, off, BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	b = io_start(self->path, true, off, BLK, SEED_B);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 2, &l));
	EXPECT_LT(l.e[0].id, l.e[1].id);
	EXPECT_EQ(VVMP_EXC_DIVERT, l.e[0].reason);
	EXPECT_EQ(VVMP_IO_WRITE, l.e[0].op);
	EXPECT_EQ(off / 512, l.e[0].sector);
	EXPECT_EQ(BLK / 512, l.e[0].length);
	EXPECT_EQ(0U, l.e[0].owner);
	EXPECT_EQ(generation(self->c.h, self->vd), l.e[0].generation);
	/* Outside the range: not held. */
	EXPECT_EQ(0, ctl_write(self->path, 0, BLK, SEED_A));
	EXPECT_EQ(-ETIMEDOUT, io_wait(a, 200));
	/* Nothing of the held writes reached a leg. */
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_OLD));
	EXPECT_EQ(0, ctl_check(self->s[1]->path, off, BLK, off, SEED_OLD));

	ASSERT_EQ(0, vaapi_eh_delete_divert(self->c.h, self->vd, &self->range));
	EXPECT_EQ(0, io_wait(a, 10000));
	EXPECT_EQ(0, io_wait(b, 10000));
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 0, &l));
	/* Released in order: the later write is what both legs hold. */
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_B));
	EXPECT_EQ(0, ctl_check(self->s[1]->path, off, BLK, off, SEED_B));
}

/* A bio straddling the range's start: the part before it is not held. */
TEST_F_TIMEOUT(plans, only_the_diverted_part_of_a_bio_is_held, 120)
{
	const uint64_t off = RANGE_START * 512 - BLK;
	struct plan_list l;
	pid_t a;

	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, true, off, 2 * BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	EXPECT_EQ(RANGE_START, l.e[0].sector);
	EXPECT_EQ(BLK / 512, l.e[0].length);
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_A));
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off + BLK, BLK, off + BLK,
			       SEED_OLD));
	ASSERT_EQ(0, vaapi_eh_delete_divert(self->c.h, self->vd, &self->range));
	EXPECT_EQ(0, io_wait(a, 10000));
	EXPECT_EQ(0, ctl_check(self->path, off, 2 * BLK, off, SEED_A));
}

/*
 * Resubmit runs the plan (past its divert range); a resubmission naming
 * another generation, or after the VD's map changed, is -ESTALE and the
 * plan stays held; abort then fails the client with the errno given.
 */
TEST_F_TIMEOUT(plans, resubmit_runs_plan_and_stale_generation_is_refused, 120)
{
	const uint64_t off = RANGE_START * 512;
	struct vaapi_map map;
	struct plan_list l;
	pid_t a;

	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, true, off, BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	EXPECT_EQ(-ESTALE, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
						  l.e[0].generation + 1));
	EXPECT_EQ(-ENOENT, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id + 1000,
						  l.e[0].generation));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such plan held"));
	ASSERT_EQ(0, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
					    l.e[0].generation));
	EXPECT_EQ(0, io_wait(a, 10000));
	EXPECT_EQ(0, ctl_check(self->s[1]->path, off, BLK, off, SEED_A));
	EXPECT_EQ(-ENOENT, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
						  l.e[0].generation));

	/* The map changes under a held plan: its resubmission is stale. */
	a = io_start(self->path, true, off, BLK, SEED_B);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	ctl_linear(&map, self->s, 2, 0, VD_LEN);
	ASSERT_EQ(0, vaapi_ap_set_map_vd(self->c.h, self->vd, &map));
	EXPECT_EQ(-ESTALE, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
						  l.e[0].generation));
	EXPECT_TRUE(ctl_extack_is(self->c.h,
				  "The VD's map changed since the plan was made: abort it"));
	EXPECT_EQ(-ETIMEDOUT, io_wait(a, 200));
	/* dm's own statuses are not the client's to get. */
	EXPECT_EQ(-EINVAL, vaapi_eh_abort_plan(self->c.h, l.e[0].id, EREMCHG));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Not an errno a failed block I/O returns"));
	EXPECT_EQ(-EINVAL, vaapi_eh_abort_plan(self->c.h, l.e[0].id, EAGAIN));
	ASSERT_EQ(0, vaapi_eh_abort_plan(self->c.h, l.e[0].id, ENOSPC));
	EXPECT_EQ(ENOSPC, io_wait(a, 10000));
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_A));
	EXPECT_EQ(-ENOENT, vaapi_eh_abort_plan(self->c.h, l.e[0].id, 0));
}

struct seen {
	unsigned int held, done, params;
	uint32_t timeout_ms;
	struct vaapi_exception first;
	enum vvmp_exc_outcome outcome;
	uint32_t error;
	const char *vd;
};

static int on_event(const struct vaapi_event *ev, bool snapshot, void *arg)
{
	struct seen *s = arg;

	if (snapshot || strcmp(ev->vd, s->vd))
		return 0;
	if (ev->type == VVMP_EVENT_VD_PARAMS) {
		s->params++;
		s->timeout_ms = ev->exc_timeout_ms;
	} else if (ev->type == VVMP_EVENT_EXCEPTION) {
		if (!s->held++)
			s->first = ev->exception;
	} else if (ev->type == VVMP_EVENT_EXCEPTION_DONE) {
		s->done++;
		s->outcome = ev->exc_outcome;
		s->error = ev->exc_errno;
		return 1;
	}
	return 0;
}

/* Read events for up to @ms (until a DONE arrives). */
static void read_events(struct vaapi_events *ev, struct seen *s,
			unsigned int ms)
{
	uint64_t end = vt_now_ms() + ms;
	struct pollfd p = { .fd = vaapi_events_fd(ev), .events = POLLIN };

	while (!s->done && vt_now_ms() < end)
		if (poll(&p, 1, 50) > 0)
			vaapi_events_read(ev, on_event, s);
}

/*
 * The timeout policy: "fail" ends a plan with EIO and EXCEPTION_DONE
 * timed-out; "hold" keeps it and announces it again. Events carry the
 * plan's fields.
 */
TEST_F_TIMEOUT(plans, timeout_fails_or_holds_and_events_announce, 120)
{
	const uint64_t off = RANGE_START * 512;
	struct vaapi_events *ev = vaapi_events_open(self->c.h);
	struct seen s = { .vd = self->vd };
	struct plan_list l;
	pid_t a;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, vaapi_events_subscribe(ev));
	ASSERT_EQ(0, vaapi_events_snapshot(ev, on_event, &s));
	ASSERT_EQ(0, vaapi_eh_set_plan_policy(self->c.h, self->vd, 300,
					      VVMP_EXC_TIMEOUT_FAIL));
	EXPECT_EQ(-EINVAL, vaapi_eh_set_plan_policy(self->c.h, self->vd, 0, -1));
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, false, off, BLK, 0);
	EXPECT_EQ(EIO, io_wait(a, 10000));
	read_events(ev, &s, 5000);
	EXPECT_EQ(1U, s.params);	/* the policy change is an event too */
	EXPECT_EQ(300U, s.timeout_ms);
	EXPECT_EQ(1U, s.held);
	EXPECT_EQ(1U, s.done);
	EXPECT_EQ(VVMP_EXC_TIMED_OUT, s.outcome);
	EXPECT_EQ((uint32_t)EIO, s.error);
	EXPECT_EQ(VVMP_IO_READ, s.first.op);
	EXPECT_EQ(off / 512, s.first.sector);
	EXPECT_EQ(VVMP_EXC_DIVERT, s.first.reason);

	memset(&s, 0, sizeof(s));
	s.vd = self->vd;
	ASSERT_EQ(0, vaapi_eh_set_plan_policy(self->c.h, self->vd, 0,
					      VVMP_EXC_TIMEOUT_HOLD));
	a = io_start(self->path, false, off, BLK, 0);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	read_events(ev, &s, 1500);
	EXPECT_EQ(-ETIMEDOUT, io_wait(a, 10));
	EXPECT_LE(3U, s.held);		/* announced again every 300 ms */
	EXPECT_EQ(0U, s.done);
	ASSERT_EQ(0, vaapi_eh_abort_plan(self->c.h, l.e[0].id, 0));
	EXPECT_EQ(EIO, io_wait(a, 10000));
	vaapi_events_close(ev);
}

/*
 * A socket that took a plan and closes: the plan's policy applies at once
 * (here "fail", long before the 60 s timeout). Another socket cannot take
 * a plan that one owns.
 */
TEST_F_TIMEOUT(plans, closed_owner_socket_returns_plans_to_the_policy, 120)
{
	const uint64_t off = RANGE_START * 512;
	struct vaapi *owner = vaapi_open();
	struct plan_list l;
	pid_t a;

	ASSERT_NE(NULL, owner);
	ASSERT_EQ(0, vaapi_eh_set_plan_policy(self->c.h, self->vd, 60000,
					      VVMP_EXC_TIMEOUT_FAIL));
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, true, off, BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	ASSERT_EQ(0, vaapi_eh_take_plan(owner, l.e[0].id));
	EXPECT_EQ(0, vaapi_eh_take_plan(owner, l.e[0].id));
	EXPECT_EQ(-EBUSY, vaapi_eh_take_plan(self->c.h, l.e[0].id));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Another socket owns the plan"));
	/* Only the owner ends a plan it took. */
	EXPECT_EQ(-EBUSY, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
						 l.e[0].generation));
	EXPECT_EQ(-EBUSY, vaapi_eh_abort_plan(self->c.h, l.e[0].id, 0));
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	EXPECT_NE(0U, l.e[0].owner);
	vaapi_close(owner);
	EXPECT_EQ(EIO, io_wait(a, 10000));
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_OLD));
}

/*
 * A write whose leg with the log-data mask fails is handed to the CP after
 * every clone completed: the other leg has the data, the failed leg is
 * 'D'; resubmitting writes it again on the legs in service; aborting
 * fails the client.
 */
TEST_F_TIMEOUT(plans, failed_log_data_component_hands_the_write_over, 120)
{
	const uint64_t off = 5 * 1024 * 512;
	struct vaapi_component comp = {
		.present = VAAPI_COMPONENT_MASKS,
		.masks = VVMP_MASK_DEFAULT | VVMP_MASK_LOG_DATA,
	};
	char health[8], out[256];
	struct vt_status st;
	struct plan_list l;
	pid_t a;

	ASSERT_EQ(0, vaapi_iop_set_plan_params(self->c.h, self->vd, 1, &comp));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	a = io_start(self->path, true, off, BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	EXPECT_EQ(VVMP_EXC_COMPONENT, l.e[0].reason);
	EXPECT_EQ(1U, l.e[0].leg);
	ctl_health(self->dev, health, sizeof(health));
	EXPECT_STREQ("AD", health);
	EXPECT_EQ(0, ctl_check(self->s[0]->path, off, BLK, off, SEED_A));
	EXPECT_EQ(-ETIMEDOUT, io_wait(a, 200));
	ASSERT_EQ(0, vaapi_eh_resubmit_plan(self->c.h, l.e[0].id,
					    l.e[0].generation));
	EXPECT_EQ(0, io_wait(a, 10000));

	/* Again, aborted this time: the leg is failed, so a new failure is
	 * needed: bring it back first. */
	ASSERT_EQ(0, vt_slice_set_linear(self->s[1]));
	ASSERT_EQ(0, vt_dm_message(self->dev, "restore_leg 1", out, sizeof(out)));
	ASSERT_EQ(0, vt_wait_health(self->dev, "AA", 60, &st));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	a = io_start(self->path, true, off, BLK, SEED_B);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	ASSERT_EQ(0, vaapi_eh_abort_plan(self->c.h, l.e[0].id, 0));
	EXPECT_EQ(EIO, io_wait(a, 10000));
}

/*
 * A plan of a failed component waits at most that component's timeout
 * parameter (here 300 ms, under a VD policy of 60 s), then the policy's
 * action applies.
 */
TEST_F_TIMEOUT(plans, component_timeout_parameter_bounds_its_plans, 120)
{
	struct vaapi_component comp = {
		.present = VAAPI_COMPONENT_MASKS | VAAPI_COMPONENT_TIMEOUT,
		.masks = VVMP_MASK_DEFAULT | VVMP_MASK_LOG_DATA,
		.timeout_ms = 300,
	};
	struct plan_list l;
	pid_t a;

	ASSERT_EQ(0, vaapi_eh_set_plan_policy(self->c.h, self->vd, 60000,
					      VVMP_EXC_TIMEOUT_FAIL));
	ASSERT_EQ(0, vaapi_iop_set_plan_params(self->c.h, self->vd, 1, &comp));
	ASSERT_EQ(0, vt_slice_set_error(self->s[1]));
	a = io_start(self->path, true, 0, BLK, SEED_A);
	EXPECT_EQ(EIO, io_wait(a, 10000));
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 0, &l));
}

/* Pass-through reads and writes one leg only, and checks its arguments. */
TEST_F(plans, passthrough_reads_and_writes_one_leg)
{
	uint8_t *buf = vt_alloc(VVMP_IO_MAX_BYTES), *exp = vt_alloc(VVMP_IO_MAX_BYTES);
	const uint64_t sector = 4096;

	ASSERT_NE(NULL, buf);
	/* The largest read fits one reply. */
	ASSERT_EQ(0, vaapi_eh_passthrough(self->c.h, self->vd, 0, false, sector,
					  buf, VVMP_IO_MAX_BYTES));
	vt_pattern(exp, VVMP_IO_MAX_BYTES, sector * 512, SEED_OLD);
	EXPECT_EQ(0, memcmp(buf, exp, VVMP_IO_MAX_BYTES));
	ASSERT_EQ(0, vaapi_eh_passthrough(self->c.h, self->vd, 1, false, sector,
					  buf, BLK));
	vt_pattern(exp, BLK, sector * 512, SEED_OLD);
	EXPECT_EQ(0, memcmp(buf, exp, BLK));
	vt_pattern(buf, BLK, sector * 512, SEED_A);
	ASSERT_EQ(0, vaapi_eh_passthrough(self->c.h, self->vd, 1, true, sector,
					  buf, BLK));
	EXPECT_EQ(0, ctl_check(self->s[1]->path, sector * 512, BLK, sector * 512,
			       SEED_A));
	EXPECT_EQ(0, ctl_check(self->s[0]->path, sector * 512, BLK, sector * 512,
			       SEED_OLD));
	EXPECT_EQ(-EINVAL, vaapi_eh_passthrough(self->c.h, self->vd, 2, false,
						sector, buf, BLK));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "No such leg"));
	EXPECT_EQ(-EINVAL, vaapi_eh_passthrough(self->c.h, self->vd, 0, false,
						VD_LEN - 1, buf, BLK));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "I/O beyond the end of the VD"));
	EXPECT_EQ(-EINVAL, vaapi_eh_passthrough(self->c.h, self->vd, 0, false,
						sector, buf, 1000));
	free(buf);
	free(exp);
}

/*
 * Copies: a VD range onto a diverted one reaches every leg; a leg's range
 * onto another leg repairs it; a destination outside divert ranges is
 * refused with EBUSY.
 */
TEST_F_TIMEOUT(plans, copy_needs_a_diverted_destination, 120)
{
	struct vaapi_copy cp = {
		.src_sector = 0, .dst_sector = RANGE_START, .length = RANGE_LEN,
	};
	uint8_t *buf = vt_alloc(BLK);

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(-EBUSY, vaapi_eh_copy(self->c.h, self->vd, &cp));
	EXPECT_TRUE(ctl_extack_is(self->c.h,
				  "The destination is not in a divert range"));
	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	ASSERT_EQ(0, vaapi_eh_copy(self->c.h, self->vd, &cp));
	EXPECT_EQ(0, ctl_check(self->s[0]->path, RANGE_START * 512,
			       RANGE_LEN * 512, 0, SEED_OLD));
	EXPECT_EQ(0, ctl_check(self->s[1]->path, RANGE_START * 512,
			       RANGE_LEN * 512, 0, SEED_OLD));

	/* Leg 0 onto leg 1, same sectors: a repair. */
	vt_pattern(buf, BLK, 0, SEED_B);
	ASSERT_EQ(0, vaapi_eh_passthrough(self->c.h, self->vd, 1, true,
					  RANGE_START + 8, buf, BLK));
	EXPECT_EQ(1, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
	cp = (struct vaapi_copy){ .has_src_leg = true, .src_leg = 0,
		.src_sector = RANGE_START, .has_dst_leg = true, .dst_leg = 1,
		.dst_sector = RANGE_START, .length = RANGE_LEN };
	ASSERT_EQ(0, vaapi_eh_copy(self->c.h, self->vd, &cp));
	EXPECT_EQ(0, ctl_same(self->s[0]->path, 0, self->s[1]->path, 0,
			      VD_LEN * 512));
	cp.src_sector = 0;
	cp.dst_sector = 1024;
	EXPECT_EQ(-EINVAL, vaapi_eh_copy(self->c.h, self->vd, &cp));
	EXPECT_TRUE(ctl_extack_is(self->c.h, "Source and destination overlap"));
	free(buf);
}

/*
 * A noflush suspend gives held plans back to dm; after the resume they
 * come back through the device and are held again (new ids); removing the
 * range completes them.
 */
TEST_F_TIMEOUT(plans, noflush_suspend_requeues_held_plans, 120)
{
	const uint64_t off = RANGE_START * 512;
	struct plan_list l;
	uint64_t first;
	pid_t a;

	ASSERT_EQ(0, vaapi_eh_add_divert(self->c.h, self->vd, &self->range));
	a = io_start(self->path, true, off, BLK, SEED_A);
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	first = l.e[0].id;
	ASSERT_EQ(0, vt_run(NULL, 0, "dmsetup suspend --noflush %s", self->dev));
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 0, &l));
	ASSERT_EQ(0, vt_run(NULL, 0, "dmsetup resume %s", self->dev));
	ASSERT_EQ(0, wait_plans(self->c.h, self->vd, 1, &l));
	EXPECT_LT(first, l.e[0].id);
	EXPECT_EQ(-ETIMEDOUT, io_wait(a, 100));
	ASSERT_EQ(0, vaapi_eh_delete_divert(self->c.h, self->vd, &self->range));
	EXPECT_EQ(0, io_wait(a, 10000));
	EXPECT_EQ(0, ctl_check(self->path, off, BLK, off, SEED_A));
}

/*
 * A bio held by its device's policy (here the VD quiesced) that crosses an
 * extent boundary is cut when it arrives, so the whole of it lands on both
 * extents once the VD is enabled again.
 */
TEST_F_TIMEOUT(plans, held_bio_across_an_extent_boundary_lands_whole, 120)
{
	struct vt_dev *a = vt_slice(VD_LEN / 2), *b = vt_slice(VD_LEN / 2);
	const uint64_t off = (VD_LEN / 2) * 512 - 512 * 1024;
	const size_t len = 1024 * 1024;		/* half on each extent */
	char path[128], name[VVMP_NAME_MAX];
	struct vaapi_map map = { .layout = VVMP_MAP_LINEAR, .nr_legs = 1 };
	pid_t w;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	snprintf(name, sizeof(name), "%s", ctl_name(&self->c, "h", true));
	map.legs[0].nr_extents = 2;
	ctl_extent(&map.legs[0].extents[0], a, 0, VD_LEN / 2);
	ctl_extent(&map.legs[0].extents[1], b, 0, VD_LEN / 2);
	ASSERT_EQ(0, vaapi_ap_create_vd(self->c.h, name, &map));
	ASSERT_NE(NULL, ctl_expose(&self->c, name, NULL, VD_LEN, path,
				   sizeof(path)));
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, name, NULL,
					   VVMP_STATUS_QUIESCED));
	w = io_start(path, true, off, len, SEED_A);
	EXPECT_EQ(-ETIMEDOUT, io_wait(w, 300));
	ASSERT_EQ(0, vaapi_peap_set_status(self->c.h, name, NULL,
					   VVMP_STATUS_ENABLED));
	EXPECT_EQ(0, io_wait(w, 10000));
	EXPECT_EQ(0, ctl_check(path, off, len, off, SEED_A));
	EXPECT_EQ(0, ctl_check(a->path, off, len / 2, off, SEED_A));
	EXPECT_EQ(0, ctl_check(b->path, 0, len / 2, off + len / 2, SEED_A));
}

TEST_HARNESS_MAIN
