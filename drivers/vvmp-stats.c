// SPDX-License-Identifier: GPL-2.0
/*
 * dm-vvmp: per-CPU counters of legs, VDs and client devices (the PSAP
 * group's statistics). The hot path increments this CPU's copy without
 * atomics; readers sum every CPU's copy.
 */
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/ktime.h>

#include "vvmp.h"

/**
 * vvmp_count_issue() - count a bio (or one piece of it) being issued
 * @counters: per-CPU counters of a leg, VD or client device
 * @bio: the bio, already cut to its piece
 */
void vvmp_count_issue(struct vvmp_counters __percpu *counters,
		      struct bio *bio)
{
	this_cpu_inc(counters->issued);
	if (op_is_flush(bio->bi_opf) && !bio_sectors(bio)) {
		this_cpu_inc(counters->flushes);
	} else if (bio_data_dir(bio) == READ) {
		this_cpu_inc(counters->reads);
		this_cpu_add(counters->read_bytes, bio->bi_iter.bi_size);
	} else {
		this_cpu_inc(counters->writes);
		this_cpu_add(counters->write_bytes, bio->bi_iter.bi_size);
	}
}

/**
 * vvmp_count_done() - count a completion, its error and latency
 * @counters: per-CPU counters of a leg, VD or client device
 * @bio: the completed bio (only its direction is looked at)
 * @status: its status
 * @start_ns: when the client bio was admitted, 0 if not measured
 */
void vvmp_count_done(struct vvmp_counters __percpu *counters,
		     struct bio *bio, blk_status_t status, u64 start_ns)
{
	this_cpu_inc(counters->completed);
	if (status) {
		if (bio_data_dir(bio) == READ)
			this_cpu_inc(counters->read_errors);
		else
			this_cpu_inc(counters->write_errors);
	}
	if (start_ns) {
		u64 us = div_u64(ktime_get_ns() - start_ns, NSEC_PER_USEC);
		unsigned int bucket = us > 1 ? ilog2(us) : 0;

		this_cpu_inc(counters->latency[min_t(unsigned int, bucket,
						     VVMP_LAT_BUCKETS - 1)]);
	}
}

/**
 * vvmp_io_done() - a client bio (piece) completed: count it for VD and client
 * @io: its per-bio data
 * @bio: the dm clone
 * @status: its final status
 */
void vvmp_io_done(struct vvmp_io *io, struct bio *bio, blk_status_t status)
{
	struct vvmp_vd *vd = io->vd;

	if (vd->ti)		/* table-private: only leg counters are shown */
		return;
	vvmp_count_done(vd->counters, bio, status, io->start_ns);
	vvmp_count_done(io->port->counters, bio, status, io->start_ns);
	if (status && READ_ONCE(vd->error_threshold) &&
	    !READ_ONCE(vd->threshold_crossed))
		queue_work(vd->wq, &vd->threshold_work);
}

/**
 * vvmp_counters_sum() - add up every CPU's copy
 * @counters: per-CPU counters
 * @sum: result
 *
 * Summed without locks: a completion may be seen before its issue, so
 * in-flight is clamped at 0 by the callers.
 */
void vvmp_counters_sum(struct vvmp_counters __percpu *counters,
		       struct vvmp_counters *sum)
{
	int cpu;
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct vvmp_counters *c = per_cpu_ptr(counters, cpu);

		sum->reads += READ_ONCE(c->reads);
		sum->writes += READ_ONCE(c->writes);
		sum->flushes += READ_ONCE(c->flushes);
		sum->read_bytes += READ_ONCE(c->read_bytes);
		sum->write_bytes += READ_ONCE(c->write_bytes);
		sum->read_errors += READ_ONCE(c->read_errors);
		sum->write_errors += READ_ONCE(c->write_errors);
		sum->issued += READ_ONCE(c->issued);
		sum->completed += READ_ONCE(c->completed);
		sum->refused += READ_ONCE(c->refused);
		sum->throttled += READ_ONCE(c->throttled);
		sum->exceptions += READ_ONCE(c->exceptions);
		for (i = 0; i < VVMP_LAT_BUCKETS; i++)
			sum->latency[i] += READ_ONCE(c->latency[i]);
	}
}

/**
 * vvmp_counters_in_flight() - issued minus completed, clamped at 0
 * @sum: summed counters
 */
u64 vvmp_counters_in_flight(const struct vvmp_counters *sum)
{
	return sum->issued > sum->completed ? sum->issued - sum->completed : 0;
}

/**
 * vvmp_counters_reset() - zero every counter but issued and completed
 * @counters: per-CPU counters
 *
 * issued and completed stay: they count what is in flight.
 */
void vvmp_counters_reset(struct vvmp_counters __percpu *counters)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vvmp_counters *c = per_cpu_ptr(counters, cpu);
		unsigned int i;

		/* Field by field: issued/completed are never rewritten. */
		WRITE_ONCE(c->reads, 0);
		WRITE_ONCE(c->writes, 0);
		WRITE_ONCE(c->flushes, 0);
		WRITE_ONCE(c->read_bytes, 0);
		WRITE_ONCE(c->write_bytes, 0);
		WRITE_ONCE(c->read_errors, 0);
		WRITE_ONCE(c->write_errors, 0);
		WRITE_ONCE(c->refused, 0);
		WRITE_ONCE(c->throttled, 0);
		WRITE_ONCE(c->exceptions, 0);
		for (i = 0; i < VVMP_LAT_BUCKETS; i++)
			WRITE_ONCE(c->latency[i], 0);
	}
}

/**
 * vvmp_reset_stats() - zero a VD's and its legs' counters
 * @vd: the VD
 */
void vvmp_reset_stats(struct vvmp_vd *vd)
{
	unsigned int l;

	for (l = 0; l < vd->nr_legs; l++)
		vvmp_counters_reset(vd->legs[l].counters);
	vvmp_counters_reset(vd->counters);
	WRITE_ONCE(vd->threshold_crossed, false);
}
