#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the dm-vvmp kselftest suites as root inside the test guest
# (tests/guest/run), kselftest-runner style: one top-level TAP line per suite,
# each suite's own TAP indented as "# " diagnostics before it.
#
# usage: tests/dm-vvmp/run_tests.sh [SUITE...]   (default: all, in order)
# env:   VVMP_MODULE  the dm-vvmp.ko to insmod if dm_vvmp is not loaded
#        VT_VERBOSE=1 log every command the suites run
#
# Exits non-zero if any suite failed, its set-up failed, or the kernel
# logged a splat while the suites ran.
set -u

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd -P)
cd "$here" || exit 1
export DM_DISABLE_UDEV=1

all="table_parse data_layout mirror_faults flush_fua nl_fuzz ctl_commands ctl_clients ctl_events exc_masks exc_plans region_log ctl_live_swap.sh ctl_txn.sh vvmpd_alloc.sh vvmpd_raid.sh vvmpd_remote.sh vvmpd_eh.sh module_unload"
suites=${*:-$all}
splat_re='BUG:|WARNING:|Oops|KASAN|UBSAN|circular locking|blocked for more than|suspected memory leak'

nr=0
for s in $suites; do nr=$((nr + 1)); done
echo "TAP version 13"
echo "1..$((nr + 2))"

n=0
failed=0
result() { # result RC description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2 # exit=$1"
		failed=$((failed + 1))
	fi
}

# ---- guest set-up --------------------------------------------------------
setup() {
	local rc=0
	[ "$(id -u)" = 0 ] || { echo "# must run as root"; return 1; }
	if ! make -s -q -C "$here" $suites 2>/dev/null; then
		echo "# building the suites"
		make -s -C "$here" $suites 2>&1 | sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	fi
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	grep -q configfs /proc/filesystems || modprobe configfs
	mountpoint -q /sys/kernel/config ||
		mount -t configfs configfs /sys/kernel/config || rc=1
	for m in dm-mod dm-delay dm-flakey dm-log-writes; do
		modprobe "$m" || { echo "# modprobe $m failed"; rc=1; }
	done
	if [ ! -e /sys/block/ram0 ]; then
		# 4 x 64 MiB, allocated only where written.
		modprobe brd rd_nr=4 rd_size=65536 || rc=1
	fi
	if [ ! -d /sys/kernel/config/nullb ]; then
		modprobe null_blk nr_devices=0 || rc=1
	fi
	if ! grep -q '^dm_vvmp ' /proc/modules; then
		if [ -z "${VVMP_MODULE:-}" ] || [ ! -f "$VVMP_MODULE" ]; then
			echo "# dm-vvmp.ko not found (VVMP_MODULE=${VVMP_MODULE:-unset})"
			rc=1
		else
			insmod "$VVMP_MODULE" || rc=1
		fi
	fi
	return $rc
}

setup 2>&1 | sed 's/^/# /'
result "${PIPESTATUS[0]}" "dm-vvmp: guest set-up (modules, brd, null_blk, configfs)"

dmesg_start=$(dmesg | wc -l)

# ---- the suites ----------------------------------------------------------
for s in $suites; do
	if [ ! -x "$here/$s" ]; then
		echo "# $s: not built"
		result 1 "selftests: dm-vvmp: $s"
		continue
	fi
	echo "# selftests: dm-vvmp: $s"
	start=$SECONDS
	"$here/$s" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	echo "# $s: $((SECONDS - start)) s"
	result "$rc" "selftests: dm-vvmp: $s"
done

# ---- kernel log ------------------------------------------------------------
splats=$(dmesg | tail -n +"$((dmesg_start + 1))" | grep -E "$splat_re")
if [ -n "$splats" ]; then
	echo "$splats" | sed 's/^/# /'
	result 1 "dm-vvmp: no kernel splat while the suites ran"
else
	result 0 "dm-vvmp: no kernel splat while the suites ran"
fi

[ "$failed" -eq 0 ]
