#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Remote volumes (issue 5, Documentation/vvmpd.rst "Remote volumes"): one
# brd RAM disk exported by nbd-server, another by the LIO iSCSI target
# (configfs), both on loopback; two vvmp-unit agents announce them as
# transport nbd and iscsi. A RAID1 ALLOCATE over VVMP lands on both; vvmpd
# attaches the NBD export (/dev/nbdN) and logs in to the iSCSI target (sdX)
# itself, and pushes the VD; O_DIRECT data is checked through the client's
# device and on both RAM disks. A third agent's malformed address is
# refused with its reason and attaches nothing. A vvmpd restart reuses the
# attachments. FREE while a device exposes the VD detaches nothing; once the
# device is gone vvmpd disconnects the NBD device and logs out of iSCSI.
#
# Guest set-up done here: nbd-server (pid file), LIO through configfs
# (targetcli needs D-Bus), a writable /etc/iscsi (tmpfs copy: the host's /
# is read-only) with an initiator name, /run/lock for iscsiadm, iscsid in
# the foreground. vvmpd loads nbd, iscsi_tcp and sd_mod itself.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
set -u

host=hostR
dev=vvmpd-remote
tap_plan=9
# shellcheck source=SCRIPTDIR/vvmpd_test_lib.sh
. "$(dirname "$(readlink -f "$0")")/vvmpd_test_lib.sh"
nbd_ram=/dev/ram0		# exported by nbd-server as "vol1"
iscsi_ram=/dev/ram1		# LUN 0 of $iqn
iqn=iqn.2024-01.org.vvmp:remote1
nbd_port=10809
iscsi_port=3260
iscsi_start=8192		# the iSCSI volume's start LBA in its unit
cfs=/sys/kernel/config/target
tpg=$cfs/iscsi/$iqn/tpgt_1
iscsid_pid=

# The connected NBD devices ("nbd0 nbd3"), the iSCSI session numbers.
nbd_connected() {
	local p out=
	for p in /sys/block/nbd*/pid; do
		[ -e "$p" ] && { p=${p%/pid}; out+="${out:+ }${p##*/}"; }
	done
	echo "$out"
}
iscsi_sessions() {
	local s out=
	for s in /sys/class/iscsi_session/session*; do
		[ -e "$s" ] && out+="${out:+ }${s##*session}"
	done
	echo "$out"
}
nbd_serves() { [[ $(nbd-client -l 127.0.0.1 "$nbd_port" 2>/dev/null) == *vol1* ]]; }
# iscsiadm reaches iscsid (exit 20: cannot connect; 21: no sessions).
iscsid_up() { iscsiadm -m session >/dev/null 2>&1; [ $? -ne 20 ]; }
no_remote_attached() { [ -z "$(nbd_connected)" ] && [ -z "$(iscsi_sessions)" ]; }
# The disk of LUN 0 of iSCSI session $1 ("sda").
iscsi_disk() {
	local b
	for b in /sys/class/iscsi_session/session"$1"/device/target*/*:0/block/*; do
		[ -e "$b" ] && { echo "${b##*/}"; return; }
	done
}

# cleanup's last part: the remote devices, iscsid, nbd-server, the LIO
# target, /etc/iscsi.
cleanup_post() {
	local p
	for p in $(nbd_connected); do nbd-client -d "/dev/$p" >/dev/null 2>&1; done
	for p in $(iscsi_sessions); do iscsiadm -m session -r "$p" -u >/dev/null 2>&1; done
	[ -n "$iscsid_pid" ] && kill "$iscsid_pid" 2>/dev/null && wait "$iscsid_pid" 2>/dev/null
	[ -s "$tmp/nbd-server.pid" ] && kill "$(<"$tmp/nbd-server.pid")" 2>/dev/null
	rm -f "$tpg/lun/lun_0/port0" 2>/dev/null
	rmdir "$tpg/lun/lun_0" "$tpg/np/127.0.0.1:$iscsi_port" "$tpg" "$cfs/iscsi/$iqn" \
		"$cfs/core/iblock_0/ram1" "$cfs/core/iblock_0" 2>/dev/null
	mountpoint -q /etc/iscsi && umount /etc/iscsi
}

# ---- 1: the remote exports ----------------------------------------------------
rc=0
for t in nbd-server nbd-client iscsiadm iscsid; do
	command -v "$t" >/dev/null || { echo "# $t not installed (tests/guest/setup-host)"; rc=1; }
done
cat >"$tmp/nbd.conf" <<EOF
[generic]
	user = root
	group = root
	listenaddr = 127.0.0.1
	port = $nbd_port
	allowlist = true
[vol1]
	exportname = $nbd_ram
EOF
nbd-server -C "$tmp/nbd.conf" -p "$tmp/nbd-server.pid" 2>&1 | sed 's/^/# nbd-server: /' || rc=1
for m in target_core_mod target_core_iblock iscsi_target_mod; do modprobe "$m" || rc=1; done
if [ $rc -eq 0 ]; then
	mkdir -p "$cfs/core/iblock_0/ram1" &&
	echo "udev_path=$iscsi_ram" >"$cfs/core/iblock_0/ram1/control" &&
	echo 1 >"$cfs/core/iblock_0/ram1/enable" &&
	mkdir -p "$tpg/lun/lun_0" &&
	ln -s "$cfs/core/iblock_0/ram1" "$tpg/lun/lun_0/port0" &&
	mkdir "$tpg/np/127.0.0.1:$iscsi_port" &&
	echo 1 >"$tpg/attrib/generate_node_acls" &&	# demo mode: any initiator
	echo 0 >"$tpg/attrib/demo_mode_write_protect" &&
	echo 0 >"$tpg/attrib/authentication" &&
	echo 1 >"$tpg/enable" || rc=1
	mkdir -p "$tmp/iscsi-etc" /run/lock &&
	cp -a /etc/iscsi/. "$tmp/iscsi-etc/" &&
	mount --bind "$tmp/iscsi-etc" /etc/iscsi &&
	echo "InitiatorName=iqn.2024-01.org.vvmp:guest" >/etc/iscsi/initiatorname.iscsi || rc=1
	# Its own session: at SIGTERM iscsid signals its whole process group.
	setsid iscsid -f >"$tmp/iscsid.log" 2>&1 &
	iscsid_pid=$!
	wait_for 5 iscsid_up || rc=1
	# Serving, not only started: a client lists the export.
	wait_for 10 nbd_serves || { echo "# nbd-server does not list vol1"; rc=1; }
fi
[ -z "$(nbd_connected)" ] && [ -z "$(iscsi_sessions)" ] || { echo "# remote devices attached before the test"; rc=1; }
tap $rc "exports up: nbd-server exports $nbd_ram as vol1, LIO exports $iscsi_ram as LUN 0 of $iqn, iscsid runs"

# ---- 2: manager and three units ---------------------------------------------------
echo "1 nbd 0 131072 127.0.0.1:$nbd_port/vol1" >"$tmp/unitN.volumes"
echo "1 iscsi $iscsi_start 131072 127.0.0.1:$iscsi_port,$iqn" >"$tmp/unitI.volumes"
# Not a valid export name: vvmpd must refuse it, never hand it to a tool.
pwned=/tmp/vvmpd-remote-pwned
rm -f "$pwned"
echo "1 nbd 0 32768 127.0.0.1:$nbd_port/vol1;touch\$IFS$pwned" >"$tmp/unitB.volumes"
rc=1
if start_vvmpd; then
	for u in unitN:raid1 unitI:raid1 unitB:jbod; do
		"$unit" --manager "127.0.0.1:$udp" --name "${u%:*}" --type "${u#*:}" \
			--volumes "$tmp/${u%:*}.volumes" --state-file "$tmp/${u%:*}.json" \
			>>"$tmp/unit.log" 2>&1 &
		unit_pids="$unit_pids $!"
	done
	wait_for 10 has 'units_up 3 volumes 3 ' "$ctl" -s "$sock" pool show && rc=0
fi
units=$("$ctl" -s "$sock" -j unit show)
unitN='' unitI=''
[[ $units =~ \"id\":([0-9]+),\"name\":\"unitN\" ]] && unitN=${BASH_REMATCH[1]}
[[ $units =~ \"id\":([0-9]+),\"name\":\"unitI\" ]] && unitI=${BASH_REMATCH[1]}
"$ctl" -s "$sock" pool show | sed 's/^/# /'
[ -n "$unitN" ] && [ -n "$unitI" ] || rc=1
tap $rc "vvmpd and three vvmp-unit agents up: an NBD, an iSCSI and a malformed NBD volume"

# ---- 3: RAID1 over NBD + iSCSI: attached and pushed -----------------------------------
# 32 MiB RAID1: 65536 sectors on each of the two raid1 units.
out=$(vvmp_client alloc 32768 raid1 2)
echo "# $out"
id='' sid=''
[[ $out =~ ^alloc_id=([0-9]+)\ session=([0-9]+) ]] && id=${BASH_REMATCH[1]} sid=${BASH_REMATCH[2]}
vd=san1-vd$id
learn_kcl
rc=1
nbd='' sess='' sd=''
if [ -n "$id" ] && wait_for 30 pushed "$id"; then
	nbd=$(nbd_connected) sess=$(iscsi_sessions)
	[ -n "$sess" ] && sd=$(iscsi_disk "$sess")
	map=$("$ctl" -j vd map "$vd")
	echo "# attached: nbd '$nbd', iSCSI session '$sess' disk '$sd'"
	# One NBD device, one session, and the kernel map's two legs are exactly them.
	if [[ $nbd =~ ^nbd[0-9]+$ ]] && [[ $sess =~ ^[0-9]+$ ]] && [ -n "$sd" ] &&
	   [[ $map == *"\"device\":\"$(</sys/block/$nbd/dev)\""* ]] &&
	   [[ $map == *"\"device\":\"$(</sys/block/$sd/dev)\""* ]] &&
	   grep -q "remote: nbd 127.0.0.1:$nbd_port/vol1 attached as $nbd " "$tmp/vvmpd.log" &&
	   grep -q "remote: iscsi 127.0.0.1:$iscsi_port,$iqn attached as $sd " "$tmp/vvmpd.log"; then
		rc=0
	fi
fi
"$ctl" vd map "$vd" 2>&1 | sed 's/^/# /'
tap $rc "RAID1 ALLOCATE: vvmpd attaches /dev/$nbd (nbd-client) and $sd (iSCSI login) and pushes $vd over them"

# ---- 4: data through the device and on both RAM disks ------------------------------------
seg=$("$ctl" -s "$sock" -j alloc show "$id")
off_nbd='' off_iscsi=''
for m in 0 1; do
	re="\"member\":$m,\"unit_id\":([0-9]+),\"volume_id\":[0-9]+,\"start_lba\":([0-9]+),"
	[[ $seg =~ $re ]] || continue
	# The device holds the volume from its sector 0 (as for local volumes).
	case ${BASH_REMATCH[1]} in
	"$unitN") off_nbd=${BASH_REMATCH[2]} ;;
	"$unitI") off_iscsi=$((BASH_REMATCH[2] - iscsi_start)) ;;
	esac
done
echo "# NBD leg at $nbd_ram sector $off_nbd, iSCSI leg at $iscsi_ram sector $off_iscsi"
head -c 1048576 /dev/urandom >"$tmp/pattern"
# verify_on RAM SECTOR: the pattern is at RAM's sector SECTOR.
verify_on() {
	dd if="$1" of="$tmp/raw" bs=512 skip="$2" count=2048 iflag=direct status=none &&
		cmp "$tmp/pattern" "$tmp/raw"
}
rc=1
if [ -n "$off_nbd" ] && [ -n "$off_iscsi" ] &&
   echo "0 65536 vvmp vd $vd client $kcl" | dmsetup create "$dev" &&
   dd if="$tmp/pattern" of="/dev/mapper/$dev" bs=64k seek=16 oflag=direct status=none &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=16 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back" &&
   verify_on "$nbd_ram" $((off_nbd + 2048)) && verify_on "$iscsi_ram" $((off_iscsi + 2048)); then
	rc=0
fi
tap $rc "O_DIRECT pattern at 1 MiB reads back through the device, on $nbd_ram (via NBD) and $iscsi_ram (via iSCSI)"

# ---- 5: a malformed address is refused, nothing attached ----------------------------------
# JBOD prefers the jbod unit: the malformed volume.
out=$(vvmp_client alloc 8192 jbod)
echo "# $out"
bad=''
[[ $out =~ ^alloc_id=([0-9]+) ]] && bad=${BASH_REMATCH[1]}
rc=1
reason='bad nbd address: export name: only letters, digits and ._+=@:,-'
if [ -n "$bad" ] &&
   wait_for 5 has "\"kernel_pushed\":false,\"kernel_reason\":\"volume " "$ctl" -s "$sock" -j alloc show "$bad"; then
	nap 1		# several polls: each retries the push
	show=$("$ctl" -s "$sock" -j alloc show "$bad")
	echo "# $show"
	if [[ $show == *": $reason\""* ]] &&
	   grep -q "kernel: san1-vd$bad not pushed: volume [0-9]*: $reason" "$tmp/vvmpd.log" &&
	   [ "$(nbd_connected)" = "$nbd" ] && [ "$(iscsi_sessions)" = "$sess" ] &&
	   [ ! -e "$pwned" ] && kernel_lacks "san1-vd$bad" &&
	   vvmp_client free "$bad" >/dev/null; then
		rc=0
	fi
fi
tap $rc "malformed NBD address refused ('$reason'), nothing attached or run, VD not pushed, freed"

# ---- 6: vvmpd restart reuses the attachments ------------------------------------------------
stop_vvmpd
rc=1
if start_vvmpd && wait_for 10 pushed "$id" &&
   [ "$(nbd_connected)" = "$nbd" ] && [ "$(iscsi_sessions)" = "$sess" ] &&
   grep -q "remote: nbd 127.0.0.1:$nbd_port/vol1 found attached as $nbd " "$tmp/vvmpd.log" &&
   grep -q "remote: iscsi 127.0.0.1:$iscsi_port,$iqn found attached as $sd " "$tmp/vvmpd.log"; then
	rc=0
fi
echo "# after the restart: nbd '$(nbd_connected)', iSCSI sessions '$(iscsi_sessions)'"
tap $rc "vvmpd restarted: finds /dev/$nbd and session $sess again and reuses them (no second NBD device or session)"

# ---- 7: the legs still take writes after the restart ------------------------------------------
head -c 1048576 /dev/urandom >"$tmp/pattern"
rc=1
if dd if="$tmp/pattern" of="/dev/mapper/$dev" bs=64k seek=320 oflag=direct status=none &&
   dd if="/dev/mapper/$dev" of="$tmp/back" bs=64k skip=320 count=16 iflag=direct status=none &&
   cmp "$tmp/pattern" "$tmp/back" &&
   verify_on "$nbd_ram" $((off_nbd + 40960)) && verify_on "$iscsi_ram" $((off_iscsi + 40960)); then
	rc=0
fi
tap $rc "after the restart a pattern at 20 MiB lands on both RAM disks"

# ---- 8..9: FREE: detached once nothing holds the devices ----------------------------------------
out=$(vvmp_client free "$id")
echo "# $out"
rc=1
if [ "$out" = "freed=$id" ] && nap 1.5 &&
   [ "$(nbd_connected)" = "$nbd" ] && [ "$(iscsi_sessions)" = "$sess" ] &&
   ! grep -q "remote: .* detached (" "$tmp/vvmpd.log"; then
	rc=0
fi
tap $rc "FREE while /dev/mapper/$dev exposes $vd: both legs stay attached (the kernel VD still holds them)"
dmsetup remove "$dev"
rc=1
if wait_for 20 no_remote_attached &&
   grep -q "remote: nbd 127.0.0.1:$nbd_port/vol1 detached ($nbd)" "$tmp/vvmpd.log" &&
   grep -q "remote: iscsi 127.0.0.1:$iscsi_port,$iqn detached ($sd)" "$tmp/vvmpd.log" &&
   kernel_lacks "$vd" && [ ! -e "/sys/block/$sd" ]; then
	rc=0
fi
echo "# after the device went: nbd '$(nbd_connected)', iSCSI sessions '$(iscsi_sessions)'"
tap $rc "device removed: $vd deleted, /dev/$nbd disconnected and iSCSI session $sess logged out ($sd gone)"

if [ $failed -ne 0 ]; then
	dump_logs
	echo "# iscsid log:"; sed 's/^/#   /' "$tmp/iscsid.log"
fi
[ $failed -eq 0 ]
