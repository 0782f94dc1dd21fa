#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-vvmp demo: a 2-way mirrored virtual disk survives the loss of a leg
# and gets it back; then the control path (vvmpctl over the netlink
# family) builds a named VD, exposes it to a client, replaces and grows
# its map live and makes the client read-only.
#
# Run as root on a disposable machine; `make demo` runs it in the test guest.
# It loads dm-mod, dm-vvmp (VVMP_MODULE, default build/$(uname -r)/dm-vvmp.ko,
# else `modprobe dm-vvmp`) and brd, builds a mirror over two RAM disks,
# writes data, fails a leg, reads the data back, restores the leg, waits for
# the copy and compares the legs, then removes everything it created.
# Environment: DEMO_SIZE_MB (size of each RAM disk, default 64).
set -euo pipefail

export DM_DISABLE_UDEV=${DM_DISABLE_UDEV:-1}
NAME=vvmp-demo
SIZE_MB=${DEMO_SIZE_MB:-64}
WORK=$(mktemp -d /tmp/vvmp-demo.XXXXXX)
step_no=0

step() {
	step_no=$((step_no + 1))
	printf '\n== Step %d: %s\n' "$step_no" "$*"
}
say() { printf '   %s\n' "$*"; }
# run CMD...: show the command as an administrator would type it, then run it.
run() {
	printf '   # %s\n' "$*"
	"$@" 2>&1 | sed 's/^/     /'
	return "${PIPESTATUS[0]}"
}
fail() {
	printf '\nDEMO FAILED: %s\n' "$*"
	exit 1
}
health() { dmsetup status "$NAME" | awk '{print $6}'; }

cleanup() {
	set +e
	dmsetup remove "$NAME" 2>/dev/null
	dmsetup remove vvmp-demo-host 2>/dev/null
	"${ctl:-tools/vvmpctl/vvmpctl}" vd delete demo-vd 2>/dev/null
	lsmod | grep -q '^dm_vvmp ' && [ -n "${loaded_vvmp:-}" ] && rmmod dm_vvmp
	lsmod | grep -q '^brd ' && [ -n "${loaded_brd:-}" ] && rmmod brd
	rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root"

step "load device-mapper and the vvmp target"
run modprobe dm-mod
module=${VVMP_MODULE:-build/$(uname -r)/dm-vvmp.ko}
if lsmod | grep -q '^dm_vvmp '; then
	say "dm-vvmp is already loaded"
elif [ -f "$module" ]; then
	run insmod "$module" || fail "cannot load $module"
	loaded_vvmp=1
else
	run modprobe dm-vvmp || fail "no dm-vvmp module (build it with make)"
	loaded_vvmp=1
fi
run dmsetup targets

step "create two ${SIZE_MB} MiB RAM disks to act as physical disks"
lsmod | grep -q '^brd ' && fail "brd is already loaded; this demo needs its own RAM disks"
run modprobe brd rd_nr=2 rd_size=$((SIZE_MB * 1024)) || fail "modprobe brd"
loaded_brd=1
sectors=$(blockdev --getsz /dev/ram0)
say "/dev/ram0 and /dev/ram1: $sectors sectors each"

step "create the virtual disk: a 2-way mirror, one extent per leg"
table="0 $sectors vvmp linear 2 1 /dev/ram0 0 $sectors 1 /dev/ram1 0 $sectors 1 nosync"
say "table: $table"
run dmsetup create "$NAME" --table "$table" || fail "dmsetup create"
run dmsetup table "$NAME"
say "status fields: layout #legs health synced/length read_policy, then per leg"
say "reads:writes:flushes:read_errors:write_errors:in_flight, then the dirty-region"
say "log (dirty_regions, region_sectors), what resyncs copied, the rate and io state"
run dmsetup status "$NAME"
[ "$(health)" = AA ] || fail "expected health AA, got $(health)"

half_mb=$((SIZE_MB / 2))
step "write ${half_mb} MiB of random data to the first half of /dev/mapper/$NAME"
run dd if=/dev/urandom of="$WORK/first" bs=1M count=$half_mb status=none
run dd if="$WORK/first" of="/dev/mapper/$NAME" bs=1M oflag=direct status=none
run dmsetup status "$NAME"

step "fail leg 1 (as if its disk had died)"
run dmsetup message "$NAME" 0 fail_leg 1 || fail "fail_leg refused"
run dmsetup status "$NAME"
[ "$(health)" = AD ] || fail "expected health AD, got $(health)"
say "health AD: leg 0 alive and in sync, leg 1 dead; the disk stays online"

step "read the data back from the degraded mirror and verify it"
run dd if="/dev/mapper/$NAME" of="$WORK/readback" bs=1M count=$half_mb iflag=direct status=none
run cmp "$WORK/first" "$WORK/readback" || fail "data read back differs"
say "identical: leg 0 served every read"

step "keep writing while degraded: the second half gets new data"
run dd if=/dev/urandom of="$WORK/second" bs=1M count=$half_mb status=none
run dd if="$WORK/second" of="/dev/mapper/$NAME" bs=1M seek=$half_mb oflag=direct status=none
say "leg 1 missed these writes: their regions are dirty in the log"
run dmsetup status "$NAME"
dirty=$(dmsetup status "$NAME" | sed -n 's/.* dirty_regions \([0-9]*\)\/.*/\1/p')
region=$(dmsetup status "$NAME" | sed -n 's/.* region_sectors \([0-9]*\) .*/\1/p')
[ "${dirty:-0}" -gt 0 ] || fail "no dirty region after writes to a degraded mirror"

step "restore leg 1: it comes back out of sync (a); only dirty regions are copied"
run dmsetup message "$NAME" 0 restore_leg 1 || fail "restore_leg refused"
run dmsetup status "$NAME"
say "health 'a' means alive but out of sync: the leg takes every write but"
say "serves no read until the resync reaches the end (small disks copy quickly)"

step "wait for the copy to finish (health AA)"
deadline=$((SECONDS + 300))
last=
while [ "$(health)" != AA ]; do
	[ $SECONDS -lt $deadline ] || fail "copy did not finish in 300 s: $(dmsetup status "$NAME")"
	progress=$(dmsetup status "$NAME" | awk '{print $6, $7}')
	if [ "$progress" != "$last" ]; then
		say "health/synced: $progress"
		last=$progress
	fi
	sleep 0.5
done
run dmsetup status "$NAME"
say "health AA, synced = length: both legs are in sync again"
copied=$(dmsetup status "$NAME" | sed -n 's/.* copied_sectors \([0-9]*\) .*/\1/p')
[ "$copied" -le $((dirty * region)) ] ||
	fail "resync copied $copied sectors, more than $dirty dirty regions of $region"
say "the resync copied $copied sectors: the $dirty dirty regions, not the whole disk"

step "compare the two legs sector by sector"
run cmp /dev/ram0 /dev/ram1 || fail "the legs differ after the copy"
say "the legs are identical"
run dd if="/dev/mapper/$NAME" of="$WORK/readback" bs=1M skip=$half_mb count=$half_mb iflag=direct status=none
run cmp "$WORK/second" "$WORK/readback" || fail "data written while degraded differs"
say "the data written while degraded reads back correctly"

step "remove the dmsetup-only virtual disk"
run dmsetup remove "$NAME"

# ---- Part 2: the control path ----------------------------------------------
ctl=${VVMPCTL:-tools/vvmpctl/vvmpctl}
[ -x "$ctl" ] || fail "no $ctl (build it with make userspace)"
VD=demo-vd
CLIENT=demo-host
CDEV=vvmp-demo-host
half=$((SIZE_MB * 1024))	# sectors in half a RAM disk

step "control path: a client and a named 2-way mirror VD over netlink (vvmpctl)"
run "$ctl" client set "$CLIENT" info "the demo's host" || fail "client set"
run "$ctl" vd create "$VD" linear leg /dev/ram0:0:$half leg /dev/ram1:0:$half ||
	fail "vd create"
run "$ctl" vd map "$VD"
say "legs 1.. of a new mirror are copied from leg 0 (no 'nosync' here)"

step "expose the VD to the client as a dm device, write and read it back"
run dmsetup create "$CDEV" --table "0 $half vvmp vd $VD client $CLIENT" ||
	fail "cannot expose the VD"
run dmsetup status "$CDEV"
run dd if=/dev/urandom of="$WORK/vd" bs=1M count=$((half / 2048 / 2)) status=none
run dd if="$WORK/vd" of="/dev/mapper/$CDEV" bs=1M oflag=direct status=none
run cmp "$WORK/vd" "/dev/mapper/$CDEV" -n "$(stat -c %s "$WORK/vd")" ||
	fail "data read back through the client device differs"

step "replace the map live: the legs swap places, I/O goes on, no suspend"
run "$ctl" vd set-map "$VD" linear leg /dev/ram1:0:$half leg /dev/ram0:0:$half ||
	fail "set-map"
run "$ctl" vd map "$VD"
run cmp "$WORK/vd" "/dev/mapper/$CDEV" -n "$(stat -c %s "$WORK/vd")" ||
	fail "data differs after the live map swap"
say "generation 2: new bios use the new map, bios in flight finished on the old"

step "grow the VD live onto the second half of each RAM disk"
run "$ctl" vd extend "$VD" length $half extent /dev/ram1:$half extent /dev/ram0:$half ||
	fail "vd extend"
run blockdev --getsz "/dev/mapper/$CDEV"
[ "$(blockdev --getsz "/dev/mapper/$CDEV")" -eq $((2 * half)) ] ||
	fail "the client device did not grow"
say "libvaapi reloaded the client device at the new size (held bios kept)"

step "make the client read-only: its writes are refused, reads still work"
run "$ctl" acl set vd "$VD" client "$CLIENT" ro || fail "acl set"
if dd if="$WORK/vd" of="/dev/mapper/$CDEV" bs=4k count=1 oflag=direct status=none 2>"$WORK/err"; then
	fail "a write through a read-only client succeeded"
fi
say "write refused: $(cat "$WORK/err")"
run dd if="/dev/mapper/$CDEV" of=/dev/null bs=1M count=1 iflag=direct status=none ||
	fail "a read through a read-only client failed"
run "$ctl" stats show "$VD"

step "remove the client device, the VD and the client; unload"
run dmsetup remove "$CDEV"
run "$ctl" vd delete "$VD"
run "$ctl" client delete "$CLIENT"
run rmmod dm_vvmp
loaded_vvmp=
run rmmod brd
loaded_brd=

printf '\nDEMO PASSED: the mirror kept the data through a leg failure and resynchronised the leg;\n'
printf 'a named VD was exposed to a client, its map replaced and grown live, its access restricted.\n'
