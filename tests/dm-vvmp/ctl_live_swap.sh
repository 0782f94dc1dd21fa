#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live map replacement under load (issue 3): fio with verification runs on a
# client device while the VD's map is replaced hundreds of times between
# layouts that hold the same data. Zero fio errors, zero verify failures,
# every swap a new generation, and the legs identical afterwards.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
# env: VVMP_SWAPS (default 200)
set -u

top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd -P)
ctl=$top/tools/vvmpctl/vvmpctl
swaps=${VVMP_SWAPS:-200}
log=$(mktemp -d /tmp/ctl_live_swap.XXXXXX)
n=0
failed=0

echo "TAP version 13"
echo "1..4"

tap() { # tap RC description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

generation() {
	"$ctl" vd map "$1" | sed -n 's/.* generation \([0-9]*\).*/\1/p'
}

# Replace the map of VD $1 $swaps times, cycling through the maps given
# (each a vvmpctl map), in one vvmpctl batch (one netlink connection);
# fail if the fio loop ($2) stopped meanwhile.
swap_maps() {
	local vd=$1 fio_pid=$2 i
	shift 2
	local maps=("$@")
	for ((i = 0; i < swaps; i++)); do
		echo "vd set-map $vd ${maps[$((i % ${#maps[@]}))]}"
	done >"$log/batch"
	"$ctl" -b "$log/batch" || { echo "# the batch of set-maps failed"; return 1; }
	kill -0 "$fio_pid" 2>/dev/null || { echo "# fio failed during the swaps"; return 1; }
}

cleanup() {
	dmsetup remove swap-m 2>/dev/null
	dmsetup remove swap-l 2>/dev/null
	"$ctl" vd delete swapm 2>/dev/null
	"$ctl" vd delete swapl 2>/dev/null
	"$ctl" client delete swaphost 2>/dev/null
}
cleanup
"$ctl" client set swaphost

# ---- 1+2: a mirror, writes with verify while legs swap and split ----------
# 32 MiB; both legs start zeroed, whatever earlier suites left, so nosync
# is true.
size=65536
half=$((size / 2))
for d in /dev/ram0 /dev/ram1; do
	dd if=/dev/zero of=$d bs=1M count=$((size / 2048)) oflag=direct status=none || exit 1
done
m1="linear nosync leg /dev/ram0:0:$size leg /dev/ram1:0:$size"
m2="linear leg /dev/ram1:0:$size leg /dev/ram0:0:$size"
m3="linear leg /dev/ram0:0:$half /dev/ram0:$half:$half leg /dev/ram1:0:$size"
# shellcheck disable=SC2086
"$ctl" vd create swapm $m1 &&
	echo "0 $size vvmp vd swapm client swaphost" | dmsetup create swap-m
rc=$?
gen0=$(generation swapm)
if [ $rc -eq 0 ]; then
	# Rounds of: write 16 MiB at random with crc32c headers, then read
	# every block back and verify it, until told to stop; the round under
	# way then runs to its end. Any I/O error or verify failure fails it.
	rm -f "$log/stop"
	(
		round=0
		while [ ! -e "$log/stop" ]; do
			round=$((round + 1))
			fio --name=swap --filename=/dev/mapper/swap-m \
				--ioengine=libaio --direct=1 --rw=randwrite \
				--bs=4k --iodepth=16 --size=16M --offset=$((round % 2))M \
				--verify=crc32c --do_verify=1 --verify_fatal=1 \
				--verify_state_save=0 \
				--output="$log/fio-m" 2>"$log/fio-m.err" || exit 1
			echo "$round" >"$log/rounds"
		done
	) &
	writer=$!
	sleep 1
	start=$SECONDS
	swap_maps swapm "$writer" "$m2" "$m3" "${m1/nosync /}"
	rc=$?
	touch "$log/stop"
	wait "$writer" || rc=1
	echo "# $swaps swaps in $((SECONDS - start)) s; $(cat "$log/rounds" 2>/dev/null || echo 0) write+verify rounds completed"
	grep -E 'IOPS|err=' "$log/fio-m" | sed 's/^/# /'
	sed 's/^/# fio: /' "$log/fio-m.err"
fi
tap $rc "mirror: $swaps live map swaps under fio randwrite with crc32c verify: no error, no verify failure"

gen=$(generation swapm)
if [ "${gen:-0}" -eq $((gen0 + swaps)) ] && cmp -n $((size * 512)) /dev/ram0 /dev/ram1; then
	rc=0
else
	echo "# generation $gen0 -> $gen (expected +$swaps), or the legs differ"
	rc=1
fi
tap $rc "mirror: every swap is one generation and the legs are identical afterwards"

# ---- 3+4: a linear VD, a segment moved to a copy and back, reads verified --
# fio writes 32 MiB with verification headers, the first 8 MiB are copied to
# ram3, then the segment flips between ram2 and its copy while fio reads
# everything back and verifies it.
seg=16384
lin="linear leg /dev/ram2:0:$size"
# shellcheck disable=SC2086
"$ctl" vd create swapl $lin &&
	echo "0 $size vvmp vd swapl client swaphost" | dmsetup create swap-l
rc=$?
fio_args=(--name=seg --filename=/dev/mapper/swap-l --ioengine=libaio
	--direct=1 --bs=64k --iodepth=8 --size=32M --verify=crc32c
	--verify_fatal=1 --verify_state_save=0)
if [ $rc -eq 0 ]; then
	fio "${fio_args[@]}" --rw=write --do_verify=0 --output="$log/fio-w" ||
		rc=1
	dd if=/dev/ram2 of=/dev/ram3 bs=1M count=8 iflag=direct oflag=direct 2>/dev/null ||
		rc=1
fi
if [ $rc -eq 0 ]; then
	rm -f "$log/stop"
	(
		while [ ! -e "$log/stop" ]; do
			fio "${fio_args[@]}" --rw=read --verify_only \
				--output="$log/fio-r" || exit 1
		done
	) &
	reader=$!
	sleep 1
	for ((i = 0; i < swaps; i++)); do
		if [ $((i % 2)) -eq 0 ]; then dev=/dev/ram3; else dev=/dev/ram2; fi
		echo "vd set-segment swapl start 0 length $seg extent $dev:0"
	done >"$log/batch"
	start=$SECONDS
	"$ctl" -b "$log/batch" || rc=1
	kill -0 "$reader" 2>/dev/null ||
		{ echo "# the verifying reader failed during the moves"; rc=1; }
	echo "# $swaps segment moves in $((SECONDS - start)) s under fio verify_only"
	touch "$log/stop"
	wait "$reader" || { rc=1; sed 's/^/# /' "$log/fio-r" | head -20; }
fi
tap $rc "linear: a segment moved $swaps times between its extent and a copy while fio verifies every block"

extents=$("$ctl" vd map swapl | grep -c 'device ')
if "$ctl" vd map swapl | grep -q 'device 1:2 offset 0 length 16384' &&
   [ "$extents" -eq 2 ]; then
	rc=0
else
	"$ctl" vd map swapl | sed 's/^/# /'
	rc=1
fi
tap $rc "linear: after an even number of moves the segment is back on ram2, split from the rest"

cleanup
rm -rf "$log"
[ "$failed" -eq 0 ]
