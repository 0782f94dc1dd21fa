#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An ALLOCATE over VVMP becomes a working dm-vvmp VD (issue 5): vvmpd with
# its repository on tmpfs, one vvmp-unit announcing two brd RAM disks as
# its volumes (transport local), a VVMP client allocating; vvmpd pushes the
# VD and its client to the kernel, the test exposes it with
# "vvmp vd <name> client <host>" and checks data through the device and on
# the RAM disk; growth is pushed live; FREE makes the VD go away once the
# device is removed; a vvmpd restart and a module reload push the state
# again; the client is deleted from the kernel with its last allocation;
# vvmpctl alloc create/free do the same through the control socket, and a
# RAID5 ALLOCATE, whose members need distinct units, is refused with the
# pool's one unit (RAID5 itself: vvmpd_raid.sh).
# Documentation/vvmpd.rst "Kernel hand-off".
#
# The guest is emulated (TCG): every process costs, so checks run vvmpctl
# once and match its output in bash, and waits nap with a bash read.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
set -u

host=hostA
dev=vvmpd-alloc
tap_plan=14
heartbeat_ms=500
# shellcheck source=SCRIPTDIR/vvmpd_test_lib.sh
. "$(dirname "$(readlink -f "$0")")/vvmpd_test_lib.sh"

kernel_has() { "$ctl" vd show "$1" >/dev/null 2>&1; }
# policy_is acl|status VD VALUE: the client's policy in force.
policy_is() { has "$1 $3" "$ctl" "$1" get vd "$2" client "$kcl"; }

# ---- 1: manager, unit, pool ------------------------------------------------
cat >"$tmp/volumes" <<EOF
# id transport start_lba length_lba address
1 local 0 131072 /dev/ram2
2 local 131072 131072 /dev/ram3
EOF
rc=1
if start_vvmpd; then
	"$unit" --manager "127.0.0.1:$udp" --name shelf --type jbod --volumes "$tmp/volumes" \
		--state-file "$tmp/unit.json" >>"$tmp/unit.log" 2>&1 &
	unit_pids=$!
	wait_for 10 has 'units_up 1 volumes 2 ' "$ctl" -s "$sock" pool show && rc=0
fi
"$ctl" -s "$sock" pool show | sed 's/^/# /'
tap $rc "vvmpd and vvmp-unit up: one unit, two RAM-disk volumes in the pool"

# ---- 2: ALLOCATE -> pushed VD ------------------------------------------------
# 40 MiB JBOD: 81920 sectors, fits the first volume (best fit).
out=$(vvmp_client alloc 40960 jbod)
echo "# $out"
[[ $out =~ ^alloc_id=([0-9]+)\ session=([0-9]+) ]] && id=${BASH_REMATCH[1]} sid=${BASH_REMATCH[2]}
vd=san1-vd$id
learn_kcl
rc=1
if [ -n "$id" ] && wait_for 10 pushed "$id" && size_is "$vd" 81920 &&
   has "info \"vvmpd san1 host $host\"" "$ctl" client show "$kcl" &&
   policy_is acl "$vd" rw && policy_is status "$vd" enabled; then
	rc=0
fi
"$ctl" vd map "$vd" 2>&1 | sed 's/^/# /'
tap $rc "ALLOCATE: vvmpd pushes $vd (81920 sectors), client $kcl (domain-qualified $host) rw and enabled"

# ---- 3: I/O through the client's device and on the RAM disk ---------------------
seg=$("$ctl" -s "$sock" -j alloc show "$id")
vol= lba=
[[ $seg =~ \"segments\":\[\{\"member\":0,\"unit_id\":[0-9]+,\"volume_id\":([0-9]+),\"start_lba\":([0-9]+), ]] &&
	vol=${BASH_REMATCH[1]} lba=${BASH_REMATCH[2]}
case $vol in 1) ram=/dev/ram2; off=$lba ;; 2) ram=/dev/ram3; off=$((lba - 131072)) ;; *) ram= ;; esac
echo "# segment 0 on volume $vol at unit LBA $lba: $ram sector $off"
head -c 1048576 /dev/urandom >"$tmp/pattern"
rc=1
if echo "0 81920 vvmp vd $vd client $kcl" | dmsetup create "$dev" &&
   dd if="$tmp/pattern" of="/dev/mapper/$dev" bs=64k seek=16 oflag=direct status=none &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=16 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back" && [ -n "$ram" ] &&
   dd if="$ram" of="$tmp/raw" bs=512 skip=$((off + 2048)) count=2048 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/raw"; then
	rc=0
fi
tap $rc "O_DIRECT pattern at 1 MiB reads back through the device and on $ram at sector $((off + 2048))"

# ---- 4: growth is pushed live ----------------------------------------------------
# 100 MiB: the VD spans onto the second RAM disk (appended segments).
out=$(vvmp_client grow "$id" 102400)
echo "# $out"
rc=1
if wait_for 10 size_is "$vd" 204800 && wait_for 5 pushed "$id" &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=16 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back" &&
   [ "$(blockdev --getsz "/dev/mapper/$dev")" = 204800 ] &&
   dd if="$tmp/pattern" of="/dev/mapper/$dev" bs=64k seek=1500 oflag=direct status=none &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=1500 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back"; then
	rc=0
fi
"$ctl" vd map "$vd" 2>&1 | sed 's/^/# /'
tap $rc "CHANGE_PARAMS to 100 MiB: VD and device grow to 204800 sectors live, old data intact, new range works"

# ---- 5: vvmpd restart -> state pushed again --------------------------------------
stop_vvmpd
"$ctl" vd delete "$vd" >/dev/null 2>&1	# busy: the device still exposes it
"$ctl" acl set vd "$vd" client "$kcl" none
rc=1
if start_vvmpd && wait_for 10 policy_is acl "$vd" rw &&
   wait_for 5 pushed "$id" && size_is "$vd" 204800 &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=16 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back"; then
	rc=0
fi
tap $rc "vvmpd restarted: the repository is pushed again (ACL reset by hand is rw again), data intact"

# ---- 6: module reload -> state pushed again ---------------------------------------
# A named VD pins the module: vvmpd is stopped (SIGSTOP) while its VD is
# deleted and the module reloaded, so that it does not push the VD back in
# between; resumed, it finds its family handle stale and pushes again.
dmsetup remove "$dev"
rc=1
kill -STOP "$vvmpd_pid"
"$ctl" vd delete "$vd"
rmmod dm_vvmp && insmod "$module" && rc=0
kill -CONT "$vvmpd_pid"
if [ $rc -eq 0 ]; then
	rc=1
	if wait_for 10 kernel_has "$vd" && wait_for 5 size_is "$vd" 204800 &&
	   wait_for 5 policy_is status "$vd" enabled && policy_is acl "$vd" rw &&
	   echo "0 204800 vvmp vd $vd client $kcl" | dmsetup create "$dev" &&
	   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=16 count=16 iflag=direct status=none &&
	   cmp "$tmp/pattern" "$tmp/back"; then
		rc=0
	fi
fi
tap $rc "module reloaded: vvmpd pushes $vd and its client again; the data is still on the RAM disk"

# ---- 7: a device without a client gets nothing ------------------------------------
rc=1
if echo "0 204800 vvmp vd $vd" | dmsetup create "$dev-nocl"; then
	dd if="/dev/mapper/$dev-nocl" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null || rc=0
	dmsetup remove "$dev-nocl"
fi
tap $rc "a device of $vd without a client is refused I/O (VD default ACL none)"

# ---- 8: one transaction per VD ------------------------------------------------------
# The module has transactions: vvmpd stages VD_CREATE, the hold-down
# quiesce, clients, ACL, CoS and the final statuses and commits them at
# once, so no bio sees the VD before its policy; the kernel ends enabled.
rc=1
log=$(<"$tmp/vvmpd.log")
[[ $log == *"kernel: $vd created (204800 sectors, 1 leg(s)) in one transaction"* &&
   $log != *"pushing command by command"* ]] && has "status enabled" "$ctl" status get vd "$vd" && rc=0
tap $rc "config complete: $vd created with its policy in one kernel transaction, status enabled"

# ---- 9..10: FREE -> VD disabled while exposed, deleted once the device is gone --------
out=$(vvmp_client free "$id")
echo "# $out"
rc=1
if wait_for 5 policy_is status "$vd" disabled &&
   ! dd if="/dev/mapper/$dev" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
   kernel_has "$vd"; then
	rc=0
fi
tap $rc "FREE while a device exposes $vd: its I/O is disabled, the VD stays until the device goes"
dmsetup remove "$dev"
rc=1
wait_for 5 kernel_lacks "$vd" && ! has "vd $vd " "$ctl" vd show &&
	wait_for 5 eval '! "$ctl" client show "$kcl"' && rc=0
tap $rc "device removed: $vd and client $kcl (no allocation left) disappear from the kernel"

# ---- 11: the pool has the space back ------------------------------------------------
rc=1
out=$("$ctl" -s "$sock" pool show)
[[ $out == *'free_kb 131072 vds 0'* ]] && rc=0
echo "# $out"
tap $rc "the pool has all 128 MiB free again, no VD"

# ---- 12: vvmpctl against vvmpd: session and unit listings ----------------------------
rc=1
has "client $host " "$ctl" -s "$sock" session show &&
	has '"address":"/dev/ram3"' "$ctl" -s "$sock" -j unit show && rc=0
tap $rc "vvmpctl session show / unit show -j list the session of $host and the RAM-disk volumes"

# ---- 13: vvmpctl alloc create / free through the control socket ----------------------
out=$("$ctl" -s "$sock" -j alloc create session "$sid" size 8192)
echo "# $out"
id2= rc=1
[[ $out =~ \"id\":([0-9]+), ]] && id2=${BASH_REMATCH[1]}
if [ -n "$id2" ] && wait_for 10 pushed "$id2" && size_is "san1-vd$id2" 16384 &&
   policy_is acl "san1-vd$id2" rw &&
   has '"freed":true' "$ctl" -s "$sock" -j alloc free "$id2" &&
   wait_for 5 kernel_lacks "san1-vd$id2" && wait_for 5 eval '! "$ctl" client show "$kcl"'; then
	rc=0
fi
tap $rc "vvmpctl alloc create (JBOD, 8 MiB) for session $sid is pushed; alloc free deletes VD and client"

# ---- 14: RAID5 needs three units, nothing allocated ------------------------------------
# Its three members go to distinct units (a unit failure costs one member):
# the pool's one unit cannot hold them, however much space it has.
rc=1
"$ctl" -s "$sock" alloc create session "$sid" size 1024 type raid5 2>"$tmp/err"
r5=$?
out=$(<"$tmp/err")
echo "# exit $r5: $out"
[ $r5 -eq 1 ] && [[ $out == *"(ALLOCATE: NO_SPACE)"* ]] &&
	has 'free_kb 131072 vds 0' "$ctl" -s "$sock" pool show && [ -z "$(dmsetup ls | grep vvmpd-r5-)" ] &&
	rc=0
tap $rc "RAID5 ALLOCATE with one unit refused with NO_SPACE (members on distinct units); nothing built"

[ $failed -eq 0 ] || dump_logs
[ $failed -eq 0 ]
