#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vvmpd's exception handling (issue 4, "vvmpd (first version)";
# Documentation/vvmpd.rst "Exception handling"): vvmpd with its repository
# on tmpfs, three vvmp-unit agents announcing one volume each, a VVMP
# client allocating a RAID1. The volumes are dm-linear slices of brd RAM
# disks, so a leg fails (its table becomes "error") and comes back
# (linear again) on demand.
#
#  - vvmpd pushes the mirror with the log-data mask on both legs.
#  - fio (crc32c verify) writes while leg 1 fails: vvmpd takes the plans,
#    records the leg failed, resubmits; fio sees no error. The leg comes
#    back, vvmpd's probe restores it and the kernel copies only the dirty
#    regions (copied sectors <= dirty regions x region size).
#  - A hot spare (vvmpctl spare add): leg 1 fails again under fio; vvmpd
#    rebuilds the member onto the spare (repository and kernel), the
#    failed volume leaves the pool. Every leg byte-identical afterwards.
#  - The module reloaded: vvmpd pushes again and listens again.
#  - vvmpd killed (-9) while it owns a held plan: policy fail, the write
#    fails with EIO at once; policy hold, it stays held and a restarted
#    vvmpd takes and resubmits it: the write succeeds, the data is on the
#    legs. A plan whose VD's map changed before vvmpd resubmitted it is
#    refused as stale: vvmpd aborts it with EIO. vvmpd not running: a plan
#    times out per the VD's policy.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
set -u

host=hostE
dev=vvmpd-eh			# the client's dm device
tap_plan=18
vvmpd_opts=(--probe-ms 300)
# shellcheck source=SCRIPTDIR/vvmpd_test_lib.sh
. "$(dirname "$(readlink -f "$0")")/vvmpd_test_lib.sh"
path=/dev/mapper/$dev
vol_sectors=49152		# 24 MiB per volume
vd_sectors=32768		# a 16 MiB RAID1

# The legs: dm-linear slices that can fail (error) and come back.
leg_table() { # leg_table NAME linear|error
	local ram
	case $1 in eh-a) ram=/dev/ram1 ;; eh-b) ram=/dev/ram2 ;; eh-s) ram=/dev/ram3 ;; esac
	if [ "$2" = linear ]; then echo "0 $vol_sectors linear $ram 0"; else echo "0 $vol_sectors error"; fi
}
leg_set() { # leg_set NAME linear|error
	dmsetup suspend "$1" && dmsetup load "$1" --table "$(leg_table "$1" "$2")" &&
		dmsetup resume "$1"
}

# cleanup's first part: the I/O still running; its last: the legs.
cleanup_pre() {
	[ -n "${fio_pid:-}" ] && kill "$fio_pid" 2>/dev/null
	[ -n "${dd_pid:-}" ] && kill "$dd_pid" 2>/dev/null
}
cleanup_post() {
	local d
	for d in eh-a eh-b eh-s; do dmsetup remove "$d" 2>/dev/null; done
}

start_unit() { # start_unit NAME LEG
	echo "1 local 0 $vol_sectors /dev/mapper/$2" >"$tmp/volumes-$1"
	"$unit" --manager "127.0.0.1:$udp" --name "$1" --type raid1 --volumes "$tmp/volumes-$1" \
		--state-file "$tmp/unit-$1.json" >>"$tmp/unit.log" 2>&1 &
	unit_pids="$unit_pids $!"
}
health() { [[ $(dmsetup status "$dev" 2>/dev/null) =~ \ vvmp\ linear\ 2\ ([A-Za-z]+)\  ]] && echo "${BASH_REMATCH[1]}"; }
health_is() { [ "$(health)" = "$1" ]; }
leg_state() { # leg_state LEG STATE: vvmpd's record
	has "\"leg\":$1,\"state\":\"$2\"" "$ctl" -s "$sock" -j alloc legs "$id"
}
# status_num KEY: a number of the device's status line (dirty_regions: the first)
status_num() { [[ $(dmsetup status "$dev") =~ \ $1\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}"; }
no_plans() { [ -z "$("$ctl" plan list vd "$vd" 2>/dev/null)" ]; }
logged() { grep -q -- "$1" "$tmp/vvmpd.log"; }

# fio_start SEED RATE OFFSET SIZE: random 4k writes over [OFFSET, +SIZE)
# bytes of the device with crc32c headers, then a verify pass; fio_wait:
# its exit status (0: no error, no verify error).
fio_start() {
	fio --name=eh --filename="$path" --direct=1 --ioengine=libaio --iodepth=8 \
		--rw=randwrite --bs=4k --offset="$3" --size="$4" --rate_iops="$2" \
		--randseed="$1" --verify=crc32c --verify_fatal=1 --do_verify=1 --verify_state_save=0 \
		--output="$tmp/fio.out" >/dev/null 2>&1 &
	fio_pid=$!
}
fio_wait() {
	local rc
	wait "$fio_pid"
	rc=$?
	fio_pid=
	grep -E 'err=|verify' "$tmp/fio.out" | sed 's/^/#   fio: /'
	return $rc
}

# One O_DIRECT 4 KiB write of pattern file $tmp/pat$1 at 4 KiB block $2, in
# the background; its status and error in $tmp/dd.rc, $tmp/dd.err.
dd_start() {
	rm -f "$tmp/dd.rc"
	(dd if="$tmp/pat$1" of="$path" bs=4k seek="$2" count=1 oflag=direct conv=notrunc \
		status=none 2>"$tmp/dd.err"; echo $? >"$tmp/dd.rc") &
	dd_pid=$!
}
dd_done() { [ -s "$tmp/dd.rc" ]; }
# A plan of our VD held and owned by a socket (owner non-zero) or not (0).
plan_owned() { has "owner" "$ctl" -j plan list vd "$vd" && ! has '"owner":0' "$ctl" -j plan list vd "$vd"; }
plan_unowned() { has '"owner":0' "$ctl" -j plan list vd "$vd"; }

for i in 1 2 3; do head -c 4096 /dev/urandom >"$tmp/pat$i"; done

# ---- 1: legs, vvmpd, two units, a RAID1 ----------------------------------------
rc=1
for d in eh-a eh-b eh-s; do
	dmsetup create "$d" --table "$(leg_table "$d" linear)"
	dd if=/dev/zero of="/dev/mapper/$d" bs=1M count=24 oflag=direct status=none
done
if start_vvmpd; then
	# One after the other: unit 1 is shelf-a, so member 0 (leg 0) goes there.
	start_unit shelf-a eh-a
	wait_for 15 units_up 1 && start_unit shelf-b eh-b && wait_for 15 units_up 2 && rc=0
fi
out=$(vvmp_client alloc 16384 raid1 2)
echo "# $out"
id=
[[ $out =~ ^alloc_id=([0-9]+)\ session=([0-9]+) ]] && id=${BASH_REMATCH[1]} sid=${BASH_REMATCH[2]}
vd=san1-vd$id
learn_kcl
if [ $rc -eq 0 ] && [ -n "$id" ] && wait_for 10 pushed "$id" &&
   echo "0 $vd_sectors vvmp vd $vd client $kcl" | dmsetup create "$dev" && health_is AA; then
	rc=0
else
	rc=1
fi
tap $rc "vvmpd, two units over dm slices, RAID1 $vd pushed and exposed, both legs in sync"

# ---- 2: masks -------------------------------------------------------------------
out=$("$ctl" plan params "$vd" 2>&1)
echo "$out" | sed 's/^/# /'
rc=1
[ "$(grep -c 'log-data' <<<"$out")" = 2 ] && [ "$(grep -c 'continuation' <<<"$out")" = 2 ] && rc=0
tap $rc "both legs carry the default masks plus log-data (failed writes go to vvmpd)"

# Where each member lives (volume start is 0 on every unit); vol1 is the
# repository's id of member 1's volume (alloc show gives the unit's number).
"$ctl" -s "$sock" -j alloc show "$id" >"$tmp/alloc.json"
off0=$(jq '.[0].segments[] | select(.member == 0) | .start_lba' "$tmp/alloc.json")
off1=$(jq '.[0].segments[] | select(.member == 1) | .start_lba' "$tmp/alloc.json")
unit1=$(jq '.[0].segments[] | select(.member == 1) | .unit_id' "$tmp/alloc.json")
vol1=$("$ctl" -s "$sock" -j unit show | jq ".[] | select(.id == ${unit1:-0}) | .volumes[0].id")
echo "# member 0 at eh-a sector $off0, member 1 at eh-b sector $off1 (unit $unit1, volume $vol1)"

# ---- 3..5: leg 1 fails under fio, comes back, only dirty regions copied ----------
# fio writes 4 MiB at 4 MiB: 8 of the 32 regions can become dirty.
fio_start 11 600 4M 4M
nap 1
leg_set eh-b error
fio_wait
rc=$?
tap $rc "fio (crc32c, verify) on $vd while leg 1 fails: no error, no verify error"

rc=1
if health_is AD && wait_for 10 leg_state 1 failed && no_plans &&
   logged "$vd leg 1 failed (" && logged "$vd plan [0-9]* (write of 8 sectors at [0-9]*, leg 1 failed) resubmitted"; then
	rc=0
fi
"$ctl" -s "$sock" alloc legs "$id" | sed 's/^/# /'
tap $rc "vvmpd recorded leg 1 failed (repository), resubmitted every plan; health AD"

dirty=$(status_num dirty_regions) region=$(status_num region_sectors) c0=$(status_num copied_sectors)
leg_set eh-b linear
rc=1
if wait_for 30 health_is AA && wait_for 5 leg_state 1 in-sync; then
	c1=$(status_num copied_sectors)
	echo "# dirty regions $dirty x $region sectors; copied $((c1 - c0)) sectors"
	[ "$dirty" -gt 0 ] && [ "$dirty" -le 8 ] && [ $((c1 - c0)) -gt 0 ] &&
		[ $((c1 - c0)) -le $((dirty * region)) ] &&
		logged "$vd leg 1 answers again: restored, the kernel copies the regions it missed" &&
		rc=0
fi
tap $rc "leg 1 back: vvmpd's probe restores it; only dirty regions copied (<= dirty x region)"

# ---- 6..9: a hot spare; leg 1 fails again; rebuild onto the spare ----------------
start_unit shelf-s eh-s
rc=1
spare_vol=
if wait_for 15 units_up 3; then
	"$ctl" -s "$sock" -j unit show >"$tmp/units.json"
	spare_vol=$(jq '.[] | select(.name == "shelf-s") | .volumes[0].id' "$tmp/units.json")
	spare_unit=$(jq '.[] | select(.name == "shelf-s") | .id' "$tmp/units.json")
	out=$("$ctl" -s "$sock" spare add "${spare_vol:-0}" 2>&1)
	echo "# $out"
	"$ctl" -s "$sock" spare add "$vol1" 2>"$tmp/err"
	r2=$?
	echo "# spare add $vol1 (allocated): exit $r2: $(cat "$tmp/err")"
	[ -n "$spare_vol" ] && has "id $spare_vol " "$ctl" -s "$sock" spare show && [ $r2 -eq 1 ] &&
		grep -q "the volume holds allocated segments" "$tmp/err" && rc=0
fi
tap $rc "vvmpctl spare add: shelf-s's volume $spare_vol is a hot spare; an allocated volume is refused"

fio_start 22 1500 0 $((vd_sectors * 512))
nap 1
leg_set eh-b error
fio_wait
rc=$?
tap $rc "fio (crc32c, verify) while leg 1 fails again and is rebuilt onto the spare: no error"

rc=1
if wait_for 30 health_is AA && wait_for 5 leg_state 1 in-sync &&
   logged "$vd leg 1: rebuilding onto spare volume $spare_vol" &&
   [ "$("$ctl" -s "$sock" -j alloc show "$id" |
	jq -c '[.[0].segments[] | select(.member == 1) | [.unit_id, .start_lba, .length_lba]]')" = \
     "[[$spare_unit,0,$vd_sectors]]" ] &&
   [ "$("$ctl" -s "$sock" -j spare show | jq -c '[.[] | [.id, .state]]')" = "[[$vol1,\"failed\"]]" ] &&
   has '"failures":2' "$ctl" -s "$sock" -j alloc legs "$id"; then
	rc=0
fi
"$ctl" -s "$sock" spare show | sed 's/^/# /'
tap $rc "member 1 moved onto spare volume $spare_vol (repository), rebuilt (kernel); volume $vol1 failed"

blockdev --flushbufs /dev/mapper/eh-a /dev/mapper/eh-s
rc=1
cmp -i $((off0 * 512)):0 -n $((vd_sectors * 512)) /dev/mapper/eh-a /dev/mapper/eh-s && rc=0
tap $rc "every leg byte-identical over the VD: eh-a @$off0 and the spare eh-s @0 ($vd_sectors sectors)"

# ---- 10: module reloaded: pushed again, listening again --------------------------
dmsetup remove "$dev"
kill -STOP "$vvmpd_pid"
"$ctl" vd delete "$vd"
rc=1
rmmod dm_vvmp && insmod "$module" && rc=0
kill -CONT "$vvmpd_pid"
if [ $rc -eq 0 ]; then
	rc=1
	wait_for 15 pushed "$id" && wait_for 10 logged "eh: the vvmp family came back" &&
		wait_for 10 eval '[ "$(grep -c "eh: listening to the kernel" "$tmp/vvmpd.log")" -ge 2 ]' &&
		echo "0 $vd_sectors vvmp vd $vd client $kcl" | dmsetup create "$dev" && health_is AA &&
		[ "$("$ctl" plan params "$vd" | grep -c log-data)" = 2 ] && rc=0
fi
tap $rc "module reloaded: vvmpd pushes $vd again with its masks and listens to the new family"

# ---- 11..14: vvmpd killed while it owns a plan: fail, then hold ------------------
stop_vvmpd
start_vvmpd --eh-delay-ms 60000 --exc-on-timeout fail --exc-timeout-ms 60000
leg_set eh-s error
dd_start 1 100
rc=1
if wait_for 10 plan_owned && ! dd_done; then
	stop_vvmpd KILL
	start=$SECONDS
	if wait_for 5 dd_done && [ "$(cat "$tmp/dd.rc")" != 0 ] &&
	   grep -q "Input/output error" "$tmp/dd.err" && [ $((SECONDS - start)) -lt 5 ]; then
		rc=0
	fi
fi
echo "# dd: exit $(cat "$tmp/dd.rc" 2>/dev/null) $(cat "$tmp/dd.err" 2>/dev/null)"
tap $rc "vvmpd -9 while it owns a plan, policy fail: the client write fails with EIO at once"

# The leg back (vvmpd restores it), then the same with policy hold.
leg_set eh-s linear
start_vvmpd --eh-delay-ms 60000 --exc-on-timeout hold --exc-timeout-ms 60000
rc=1
if wait_for 30 health_is AA; then
	leg_set eh-s error
	dd_start 2 200
	if wait_for 10 plan_owned && ! dd_done; then
		stop_vvmpd KILL
		nap 1
		wait_for 5 plan_unowned && ! dd_done && rc=0
	fi
fi
"$ctl" plan list vd "$vd" | sed 's/^/# /'
tap $rc "vvmpd -9 while it owns a plan, policy hold: the plan stays held, unowned, the write waits"

start_vvmpd
rc=1
if wait_for 10 dd_done && [ "$(cat "$tmp/dd.rc")" = 0 ] && no_plans &&
   logged "plan(s) of vvmpd's VDs were held: taken" &&
   dd if=/dev/mapper/eh-a of="$tmp/back" bs=512 skip=$((off0 + 1600)) count=8 iflag=direct status=none &&
   cmp "$tmp/pat2" "$tmp/back"; then
	rc=0
fi
tap $rc "vvmpd restarted takes the held plan and resubmits it: the write succeeds, data on leg 0"

leg_set eh-s linear
rc=1
wait_for 30 health_is AA && wait_for 5 leg_state 1 in-sync &&
	dd if=/dev/mapper/eh-s of="$tmp/back" bs=4k skip=200 count=1 iflag=direct status=none &&
	cmp "$tmp/pat2" "$tmp/back" && rc=0
tap $rc "the leg back: restored, the resubmitted write's data is on both legs"

# ---- 15: a stale resubmission is aborted ------------------------------------------
# vvmpd holds a plan 3 s; meanwhile the VD's map is replaced by an equal one
# (a new generation): the resubmission is refused, vvmpd aborts with EIO.
devnum() { dmsetup info -c --noheadings -o major,minor --separator : "$1" | tr -d ' '; }
stop_vvmpd
start_vvmpd --eh-delay-ms 3000
leg_set eh-s error
dd_start 3 300
rc=1
if wait_for 10 plan_owned && ! dd_done &&
   "$ctl" vd set-map "$vd" linear leg "$(devnum eh-a):$off0:$vd_sectors" \
	leg "$(devnum eh-s):0:$vd_sectors"; then
	wait_for 10 dd_done && [ "$(cat "$tmp/dd.rc")" != 0 ] &&
		grep -q "Input/output error" "$tmp/dd.err" &&
		logged "$vd plan [0-9]* (write at sector 2400): its map changed since (generation [0-9]*): aborted with EIO" &&
		no_plans && rc=0
fi
leg_set eh-s linear
wait_for 30 health_is AA && wait_for 5 leg_state 1 in-sync || rc=1
tap $rc "a plan whose VD's map changed before vvmpd resubmitted it: refused as stale, aborted with EIO, logged"

# ---- 16..17: vvmpd not running: the VD's policy alone -------------------------------
stop_vvmpd
start_vvmpd --exc-on-timeout fail --exc-timeout-ms 1500
wait_for 5 logged "timeout 1500 ms, then fail"
nap 0.5
stop_vvmpd
leg_set eh-s error
start=$SECONDS
dd_start 3 300
rc=1
if wait_for 10 plan_unowned && wait_for 10 dd_done && [ "$(cat "$tmp/dd.rc")" != 0 ] &&
   grep -q "Input/output error" "$tmp/dd.err" && [ $((SECONDS - start)) -ge 1 ] && no_plans; then
	rc=0
fi
echo "# dd: exit $(cat "$tmp/dd.rc" 2>/dev/null) after $((SECONDS - start)) s"
tap $rc "vvmpd not running: the held plan times out per the VD's policy (fail after 1.5 s: EIO)"

leg_set eh-s linear
start_vvmpd
rc=1
wait_for 30 health_is AA && wait_for 5 leg_state 1 in-sync &&
	logged "$vd leg 1 failed (found failed): recorded" && rc=0
tap $rc "vvmpd started again finds the failed leg it missed, records and restores it"

# ---- 18: every leg the same ------------------------------------------------------------
dmsetup remove "$dev"
blockdev --flushbufs /dev/mapper/eh-a /dev/mapper/eh-s
rc=1
cmp -i $((off0 * 512)):0 -n $((vd_sectors * 512)) /dev/mapper/eh-a /dev/mapper/eh-s && rc=0
tap $rc "at the end both legs are byte-identical over the VD"

if [ $failed -ne 0 ]; then
	dump_logs
	dmesg | tail -n 40 | sed 's/^/#   dmesg: /'
fi
[ $failed -eq 0 ]
