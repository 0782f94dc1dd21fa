#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vvmpd's RAID5 allocations, bandwidth changes and command-by-command push
# (issue 5; Documentation/vvmpd.rst "RAID5", "Bandwidth", "Idempotent push"):
# vvmpd with its repository on tmpfs, three vvmp-unit agents announcing one
# brd RAM disk each, a VVMP client allocating.
#
#  - A RAID5 ALLOCATE becomes a dm-raid set (raid5_ls over a metadata and a
#    data dm-linear device per member) under a dm-vvmp VD; O_DIRECT data
#    written through the client's device reads back byte for byte, also
#    with one member failed (its data device's table replaced by "error"):
#    the parity is real. A vvmpd restart reuses the set; with every dm
#    device gone (as after a reboot) it is assembled again from the members'
#    metadata; growth is refused (UNSUPPORTED_TYPE); FREE stops the set and
#    removes every device.
#  - A bandwidth CHANGE (vvmpctl alloc set ID bandwidth KB) becomes the
#    client's CoS bytes/s in the kernel, measured with fio within +-15 %;
#    a CHANGE the units cannot carry is refused (NO_SPACE), nothing changes.
#  - vvmpd --no-kernel-txn pushes command by command: the VD works, FREE
#    removes it.
#  - A RAID5 member on an NBD volume (nbd-server on loopback): the ALLOCATE
#    is answered while vvmpd attaches it, the push after the attach builds
#    the set, over zeroed metadata.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
set -u

host=hostR
dev=vvmpd-raid		# the client's dm device
tap_plan=15
# shellcheck source=SCRIPTDIR/vvmpd_test_lib.sh
. "$(dirname "$(readlink -f "$0")")/vvmpd_test_lib.sh"
unit3_pid=
nbd_port=$((20000 + RANDOM % 20000))

raid_devices() { dmsetup ls 2>/dev/null | grep -o '^vvmpd-r5-[^[:space:]]*' | sort; }

# The NBD devices connected to this suite's nbd-server.
nbd_ours() {
	local p
	for p in /sys/block/nbd*/pid; do
		[ -e "$p" ] && [[ $(tr '\0' ' ' </proc/"$(<"$p")"/cmdline 2>/dev/null) == *" $nbd_port "* ]] &&
			{ p=${p%/pid}; echo "${p##*/}"; }
	done
}

# cleanup's last part: the raid sets' devices (the VDs over them are gone),
# the NBD devices, nbd-server.
cleanup_post() {
	local d
	for d in $(raid_devices | sort -r); do dmsetup remove "$d" 2>/dev/null; done
	for d in $(nbd_ours); do nbd-client -d "/dev/$d" >/dev/null 2>&1; done
	[ -s "$tmp/nbd-server.pid" ] && kill "$(<"$tmp/nbd-server.pid")" 2>/dev/null
}

# devnums: dn[NAME] is "major:minor" of each dm device (one dmsetup run).
declare -A dn
devnums() {
	local name maj min
	dn=()
	while IFS=: read -r name maj min; do
		dn[$name]=$maj:$min
	done < <(dmsetup info -c --noheadings -o name,major,minor --separator : 2>/dev/null)
}
# raid_status NAME PATTERN: the dm-raid status line contains PATTERN.
raid_status() { has "$2" dmsetup status "$1"; }
# client_alloc ARGS...: vvmp-client as host $host; sets id (and out).
client_alloc() {
	out=$(vvmp_client "$@")
	echo "# vvmp-client $*: $out"
	id=
	[[ $out =~ ^alloc_id=([0-9]+)\ session=([0-9]+) ]] && id=${BASH_REMATCH[1]} sid=${BASH_REMATCH[2]}
}
# dd_cmp FILE DEV SEEK_64K: FILE reads back from DEV at SEEK_64K x 64 KiB (O_DIRECT).
dd_cmp() {
	local count=$(($(stat -c %s "$1") / 65536))
	dd if="$2" of="$tmp/back" bs=64k skip="$3" count="$count" iflag=direct status=none &&
		cmp "$1" "$tmp/back"
}
# fio_bps DEV SECONDS: bytes/s of a sequential O_DIRECT read of DEV (terse: read KiB, ms).
fio_bps() {
	local t
	t=$(fio --name=bw --filename="$1" --rw=read --bs=64k --direct=1 --ioengine=psync \
		--time_based --runtime="$2" --minimal 2>/dev/null | tail -n 1)
	IFS=';' read -r -a t <<<"$t"
	[ "${t[8]:-0}" -gt 0 ] && echo $((t[5] * 1024 * 1000 / t[8]))
}
# within PCT VALUE TARGET: |VALUE - TARGET| <= PCT % of TARGET.
within() { local d=$(($2 - $3)); [ $((${d#-} * 100)) -le $(($1 * $3)) ]; }

# ---- 1: manager, three units, pool --------------------------------------------
modprobe dm-raid 2>&1 | sed 's/^/# /'
rc=1
if start_vvmpd; then
	for u in 1 2 3; do
		echo "1 local 0 65536 /dev/ram$u" >"$tmp/volumes$u"
		"$unit" --manager "127.0.0.1:$udp" --name "shelf-$u" --type raid5 \
			--bandwidth 100000 --volumes "$tmp/volumes$u" \
			--state-file "$tmp/unit$u.json" >>"$tmp/unit.log" 2>&1 &
		unit_pids="$unit_pids $!"
		[ $u = 3 ] && unit3_pid=$!
	done
	wait_for 15 units_up 3 && grep -q '^dm_raid ' /proc/modules && rc=0
fi
"$ctl" -s "$sock" pool show | sed 's/^/# /'
tap $rc "dm-raid loaded, vvmpd and three vvmp-units up: three 32 MiB RAM-disk volumes in the pool"

# ---- 2: RAID5 ALLOCATE -> dm-raid set under a pushed VD ----------------------------
# 16 MiB over 3 members: 8 MiB of data each (whole 64 KiB chunks) after
# 1 MiB of dm-raid metadata: 18432 sectors per member, 32768 in the set.
client_alloc alloc 16384 raid5 3
r5id=$id
vd=san1-vd$r5id
set=vvmpd-r5-$vd
learn_kcl
rc=1
devnums
if [ -n "$r5id" ] && wait_for 10 pushed "$r5id" && size_is "$vd" 32768 &&
   has "0 32768 raid raid5_ls 1 128 3 ${dn[$set-meta0]} ${dn[$set-m0]} ${dn[$set-meta1]} ${dn[$set-m1]} ${dn[$set-meta2]} ${dn[$set-m2]}" \
	dmsetup table "$set" &&
   has '"length_lba":18432}' "$ctl" -s "$sock" -j alloc show "$r5id" &&
   has "\"device\":\"${dn[$set]}\",\"offset\":0,\"length\":32768" "$ctl" -j vd map "$vd"; then
	rc=0
fi
raid_devices | sed 's/^/# /'
dmsetup table "$set" 2>&1 | sed 's/^/# /'
tap $rc "RAID5 ALLOCATE: $set (raid5_ls, chunk 128, 3 x metadata + data linear) under VD $vd of 32768 sectors"

# ---- 3: I/O through the client's device ---------------------------------------------
head -c 16777216 /dev/urandom >"$tmp/pattern"
rc=1
dmsetup mknodes >/dev/null 2>&1
if wait_for 30 raid_status "$set" ' AAA 16384/16384 idle ' &&
   echo "0 32768 vvmp vd $vd client $kcl" | dmsetup create "$dev" &&
   dd if="$tmp/pattern" of="/dev/mapper/$dev" bs=64k oflag=direct status=none &&
   dd_cmp "$tmp/pattern" "/dev/mapper/$dev" 0 && dd_cmp "$tmp/pattern" "/dev/mapper/$set" 0; then
	rc=0
fi
dmsetup status "$set" 2>&1 | sed 's/^/# /'
tap $rc "16 MiB O_DIRECT pattern reads back through the client's device and the raid device"

# ---- 4: vvmpd restart reuses the set --------------------------------------------------
before="${dn[$set]} ${dn[$set-m0]} ${dn[$set-meta2]}"
stop_vvmpd
rc=1
if start_vvmpd && wait_for 15 units_up 3 && wait_for 10 pushed "$r5id" && devnums &&
   [ "${dn[$set]} ${dn[$set-m0]} ${dn[$set-meta2]}" = "$before" ] &&
   [ "$(grep -c "kernel: $set created" "$tmp/vvmpd.log")" = 1 ] &&
   ! grep -q "kernel: $set assembled" "$tmp/vvmpd.log" &&
   dd_cmp "$tmp/pattern" "/dev/mapper/$dev" 0; then
	rc=0
fi
tap $rc "vvmpd restarted: the RAID5 VD is pushed on the same dm-raid set ($before), data intact"

# ---- 5: every dm device gone (a reboot): assembled again from the metadata ----------------
# vvmpd is stopped while the client's device, the kernel VD and the raid
# set with its members are removed; started, it assembles the set from the
# superblocks on the metadata devices (not zeroed again) and pushes the VD.
rc=1
dmsetup remove "$dev"
stop_vvmpd
"$ctl" vd delete "$vd"
for d in $(raid_devices); do [ "$d" = "$set" ] || continue; dmsetup remove "$d"; done
for d in $(raid_devices); do dmsetup remove "$d"; done
if [ -z "$(raid_devices)" ] && start_vvmpd && wait_for 15 units_up 3 && wait_for 10 pushed "$r5id" &&
   grep -q "kernel: $set assembled from its members' metadata (32768 sectors)" "$tmp/vvmpd.log" &&
   [ "$(grep -c "kernel: $set created" "$tmp/vvmpd.log")" = 1 ] &&
   wait_for 30 raid_status "$set" ' AAA 16384/16384 idle ' &&
   echo "0 32768 vvmp vd $vd client $kcl" | dmsetup create "$dev" &&
   dd_cmp "$tmp/pattern" "/dev/mapper/$dev" 0; then
	rc=0
fi
dmsetup mknodes >/dev/null 2>&1
tap $rc "all dm devices removed, vvmpd started: $set assembled from its metadata, data intact"

# ---- 6: parity: one member failed, everything still reads back ----------------------
# Member 1's data device returns errors from now on: md marks it failed and
# reconstructs its chunks from the two others (data and parity).
rc=1
if dmsetup load "$set-m1" --table "0 16384 error" && dmsetup resume "$set-m1" &&
   dd_cmp "$tmp/pattern" "/dev/mapper/$dev" 0 && wait_for 10 raid_status "$set" ' ADA ' &&
   head -c 1048576 /dev/urandom >"$tmp/degraded" &&
   dd if="$tmp/degraded" of="/dev/mapper/$dev" bs=64k seek=64 oflag=direct status=none &&
   dd_cmp "$tmp/degraded" "/dev/mapper/$dev" 64 &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k count=64 iflag=direct status=none &&
   cmp "$tmp/back" <(head -c 4194304 "$tmp/pattern"); then
	rc=0
fi
dmsetup status "$set" 2>&1 | sed 's/^/# /'
tap $rc "member 1 failed (table 'error'): all 16 MiB read back from data + parity (ADA), degraded writes work"

# ---- 7: growth is refused ---------------------------------------------------------------
out=$(vvmp_client grow "$r5id" 32768 2>&1)
echo "# $out"
rc=1
[[ $out == *"status=14"* ]] && size_is "$vd" 32768 &&
	has '"capacity_kb":16384,' "$ctl" -s "$sock" -j alloc show "$r5id" && rc=0
tap $rc "growing a RAID5 VD is refused with UNSUPPORTED_TYPE (14); VD and repository unchanged"

# ---- 8..9: FREE stops the set at once, removes everything once the device is gone -------
out=$(vvmp_client free "$r5id")
echo "# $out"
rc=1
if wait_for 5 has "0 32768 error" dmsetup table "$set" &&
   [ "$(raid_devices)" = "$set" ] &&
   ! dd if="/dev/mapper/$dev" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null; then
	rc=0
fi
raid_devices | sed 's/^/# /'
tap $rc "FREE while a device exposes $vd: I/O refused, array stopped ('error' table), members removed"
dmsetup remove "$dev"
rc=1
wait_for 5 kernel_lacks "$vd" && wait_for 5 eval '[ -z "$(raid_devices)" ]' &&
	has 'free_kb 98304 vds 0' "$ctl" -s "$sock" pool show && rc=0
raid_devices | sed 's/^/# /'
tap $rc "device removed: VD $vd and its raid device are gone, the pool has all 96 MiB back"

# ---- 10..11: a bandwidth CHANGE is the client's CoS, measured -----------------------------
client_alloc alloc 16384 jbod
jid=$id
jvd=san1-vd$jid
rc=1
if [ -n "$jid" ] && wait_for 10 pushed "$jid" &&
   echo "0 32768 vvmp vd $jvd client $kcl" | dmsetup create "$dev" &&
   has '"bandwidth_kb":1024,' "$ctl" -s "$sock" -j alloc set "$jid" bandwidth 1024 &&
   wait_for 5 has '"bps":1048576' "$ctl" -j cos get vd "$jvd" client "$kcl"; then
	bps=$(fio_bps "/dev/mapper/$dev" 3)
	echo "# fio at 1024 KB/s: ${bps:-?} bytes/s"
	if [ -n "$bps" ] && within 15 "$bps" 1048576 &&
	   has '"bandwidth_kb":3072,' "$ctl" -s "$sock" -j alloc set "$jid" bandwidth 3072 &&
	   wait_for 5 has '"bps":3145728' "$ctl" -j cos get vd "$jvd" client "$kcl"; then
		bps=$(fio_bps "/dev/mapper/$dev" 3)
		echo "# fio at 3072 KB/s (live, same device): ${bps:-?} bytes/s"
		[ -n "$bps" ] && within 15 "$bps" 3145728 && rc=0
	fi
fi
"$ctl" cos get vd "$jvd" client "$kcl" 2>&1 | sed 's/^/# /'
tap $rc "CHANGE bandwidth 1024 then 3072 KB/s: client CoS bps in the kernel, fio within 15 % each"

"$ctl" -s "$sock" alloc set "$jid" bandwidth 200000 >/dev/null 2>"$tmp/err"
r=$?
echo "# exit $r: $(<"$tmp/err")"
rc=1
[ $r -eq 1 ] && grep -q "(CHANGE_PARAMS: NO_SPACE)" "$tmp/err" &&
	has '"bandwidth_kb":3072,' "$ctl" -s "$sock" -j alloc show "$jid" &&
	has '"bps":3145728' "$ctl" -j cos get vd "$jvd" client "$kcl" &&
	grep -q "change vd $jid: 200000 KB/s on unit [0-9]* does not fit" "$tmp/vvmpd.log" && rc=0
tap $rc "CHANGE to 200000 KB/s (units state 100000) refused with NO_SPACE; repository and CoS unchanged"
dmsetup remove "$dev"
vvmp_client free "$jid" >/dev/null
wait_for 5 kernel_lacks "$jvd"

# ---- 12..14: the command-by-command push (vvmpd --no-kernel-txn) -----------------------------
stop_vvmpd
mv "$tmp/vvmpd.log" "$tmp/vvmpd.log.before"
rc=1
start_vvmpd --no-kernel-txn && wait_for 15 units_up 3 &&
	grep -q "transactions off (--no-kernel-txn): pushing command by command" "$tmp/vvmpd.log" &&
	rc=0
tap $rc "vvmpd --no-kernel-txn: transactions off, logged"

client_alloc alloc 8192 jbod
tid=$id
tvd=san1-vd$tid
head -c 1048576 /dev/urandom >"$tmp/pattern1"
rc=1
if [ -n "$tid" ] && wait_for 10 pushed "$tid" && size_is "$tvd" 16384 &&
   grep -q "kernel: $tvd created (16384 sectors, 1 leg(s))$" "$tmp/vvmpd.log" &&
   has "status enabled" "$ctl" status get vd "$tvd" client "$kcl" &&
   echo "0 16384 vvmp vd $tvd client $kcl" | dmsetup create "$dev" &&
   dd if="$tmp/pattern1" of="/dev/mapper/$dev" bs=64k seek=32 oflag=direct status=none &&
   dd_cmp "$tmp/pattern1" "/dev/mapper/$dev" 32; then
	rc=0
fi
tap $rc "ALLOCATE pushed command by command: $tvd created without a transaction, enabled, data verified"

dmsetup remove "$dev"
out=$(vvmp_client free "$tid")
echo "# $out"
rc=1
wait_for 5 kernel_lacks "$tvd" && wait_for 5 eval '! "$ctl" client show "$kcl"' &&
	has 'free_kb 98304 vds 0' "$ctl" -s "$sock" pool show && rc=0
tap $rc "FREE without transactions: $tvd and client $kcl deleted, the pool is whole"

# ---- 15: a member on NBD: the set is built once vvmpd has attached it ----------------------
# shelf-3 leaves; shelf-n announces /dev/ram0, exported by nbd-server on
# loopback, so the three units up are shelf-1, shelf-2 and shelf-n.
nbd_serves() { [[ $(nbd-client -l 127.0.0.1 "$nbd_port" 2>/dev/null) == *r5* ]]; }
if ! command -v nbd-server >/dev/null || ! command -v nbd-client >/dev/null; then
	n=$((n + 1))
	echo "ok $n # SKIP nbd-server or nbd-client not installed (tests/guest/setup-host)"
else
	printf '[generic]\n\tuser = root\n\tgroup = root\n\tlistenaddr = 127.0.0.1\n\tport = %s\n\tallowlist = true\n[r5]\n\texportname = /dev/ram0\n' \
		"$nbd_port" >"$tmp/nbd.conf"
	rc=1
	nbd-server -C "$tmp/nbd.conf" -p "$tmp/nbd-server.pid" 2>&1 | sed 's/^/# nbd-server: /'
	kill "$unit3_pid" && wait "$unit3_pid"
	echo "1 nbd 0 65536 127.0.0.1:$nbd_port/r5" >"$tmp/volumesN"
	"$unit" --manager "127.0.0.1:$udp" --name shelf-n --type raid5 --bandwidth 100000 \
		--volumes "$tmp/volumesN" --state-file "$tmp/unitN.json" >>"$tmp/unit.log" 2>&1 &
	unit_pids="$unit_pids $!"
	if wait_for 10 nbd_serves && wait_for 15 has "units_up 3 volumes 4 " "$ctl" -s "$sock" pool show; then
		echo "# nbd-server and shelf-n up at ${SECONDS}s"
		client_alloc alloc 8192 raid5 3
		nid=$id
		nset=vvmpd-r5-san1-vd$nid
		head -c 4194304 /dev/urandom >"$tmp/pattern2"
		if [ -n "$nid" ] &&
		   grep -q "allocate: RAID5 vd $nid: volume [0-9]*: attaching .*: its raid set is built once attached" "$tmp/vvmpd.log" &&
		   wait_for 30 pushed "$nid" && echo "# pushed at ${SECONDS}s" &&
		   grep -q "kernel: $nset created (raid5_ls, 3 members, chunk 128 sectors, 16384 sectors) over zeroed metadata" "$tmp/vvmpd.log" &&
		   nbd=$(nbd_ours) && [ -n "$nbd" ] && has " $(</sys/block/"$nbd"/dev) " dmsetup table &&
		   wait_for 30 raid_status "$nset" ' AAA 8192/8192 idle ' &&
		   echo "0 16384 vvmp vd san1-vd$nid client $kcl" | dmsetup create "$dev" &&
		   dd if="$tmp/pattern2" of="/dev/mapper/$dev" bs=64k oflag=direct status=none &&
		   dd_cmp "$tmp/pattern2" "/dev/mapper/$dev" 0 &&
		   dmsetup remove "$dev" &&
		   vvmp_client free "$nid" >/dev/null &&
		   wait_for 5 kernel_lacks "san1-vd$nid" && wait_for 5 eval '[ -z "$(raid_devices)" ]'; then
			rc=0
		fi
	fi
	dmsetup table 2>/dev/null | grep "^vvmpd-r5" | sed 's/^/# /'
	tap $rc "RAID5 with a member on NBD (${nbd:-?}): answered while attaching, built over zeroed metadata after the attach, data verified, freed"
fi

[ $failed -eq 0 ] || dump_logs
[ $failed -eq 0 ]
