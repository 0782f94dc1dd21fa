#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Transactions (issue 3): staged commands are invisible until the commit,
# a commit applies every command or none (a leg detach included), an abort
# drops them, and bios running through commits (applied and failed) never
# see a partial one.
#
# Runs as root in the test guest after run_tests.sh's set-up (dm-vvmp
# loaded, brd with 4 x 64 MiB RAM disks). Prints TAP.
set -u

top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd -P)
ctl=$top/tools/vvmpctl/vvmpctl
log=$(mktemp -d /tmp/ctl_txn.XXXXXX)
size=65536
n=0
failed=0

echo "TAP version 13"
echo "1..6"

tap() { # tap RC description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# Everything the family reports, for before/after comparisons.
state() {
	"$ctl" -j vd show
	"$ctl" -j client show
	"$ctl" -j acl get vd tx client txa 2>&1
	"$ctl" -j vd map tx
}

cleanup() {
	dmsetup remove tx-a 2>/dev/null
	"$ctl" vd delete tx 2>/dev/null
	for c in txa txb txc; do "$ctl" client delete $c 2>/dev/null; done
}
cleanup
# nosync below: the legs must start identical, whatever earlier suites left.
for d in /dev/ram0 /dev/ram1; do
	dd if=/dev/zero of=$d bs=1M count=$((size / 2048)) oflag=direct status=none || exit 1
done
m1="linear leg /dev/ram0:0:$size leg /dev/ram1:0:$size"
m2="linear leg /dev/ram1:0:$size leg /dev/ram0:0:$size"
# shellcheck disable=SC2086
"$ctl" vd create tx linear nosync ${m1#linear } && "$ctl" client set txa &&
	echo "0 $size vvmp vd tx client txa" | dmsetup create tx-a || exit 1

# 1. Staged commands are not in force inside the transaction.
out=$(printf '%s\n' 'txn begin' 'acl set vd tx client txa ro' \
	'acl get vd tx client txa' 'txn abort' | "$ctl" -b - 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q 'acl rw$'
tap $? "a staged ACL change is not in force before the commit"

# 2. A commit applies every command: client, ACL, map.
before_gen=$("$ctl" vd map tx | sed -n 's/.* generation \([0-9]*\).*/\1/p')
printf '%s\n' 'txn begin' 'client set txb info staged' \
	'acl set vd tx client txa ro' "vd set-map tx $m2" 'txn commit' |
	"$ctl" -b - >"$log/out" 2>&1
rc=$?
gen=$("$ctl" vd map tx | sed -n 's/.* generation \([0-9]*\).*/\1/p')
dd if=/dev/zero of=/dev/mapper/tx-a bs=4k count=1 oflag=direct 2>"$log/dd"
dd_rc=$?
if [ $rc -eq 0 ] && "$ctl" client show txb | grep -q 'info staged' &&
   dmsetup status tx-a | grep -q ' acl ro ' &&
   [ "$gen" -eq $((before_gen + 1)) ] && [ $dd_rc -ne 0 ] &&
   grep -q 'Invalid or incomplete multibyte' "$log/dd"; then
	rc=0
else
	sed 's/^/# /' "$log/out" "$log/dd"
	rc=1
fi
tap $rc "a commit applies all its commands: client made, ACL ro enforced on the device, map generation +1"

# 3. A commit whose third command fails changes nothing.
state >"$log/before"
printf '%s\n' 'txn begin' 'client set txc' 'acl set vd tx client txa none' \
	'acl set vd nosuch rw' "vd set-map tx $m1" 'txn commit' |
	"$ctl" -b - >"$log/out" 2>&1
rc=$?
state >"$log/after"
if [ $rc -eq 1 ] && grep -q 'commit transaction [0-9]*: No such file or directory: No such VD' "$log/out" &&
   cmp -s "$log/before" "$log/after"; then
	rc=0
else
	sed 's/^/# /' "$log/out"
	diff "$log/before" "$log/after" | sed 's/^/# /'
	rc=1
fi
tap $rc "a failed commit (third command: no such VD) leaves every object as it was and names the error"

# 4. An abort drops the staged commands.
state >"$log/before"
printf '%s\n' 'txn begin' 'client set txc' "vd set-map tx $m1" 'txn abort' |
	"$ctl" -b - >"$log/out" 2>&1
rc=$?
state >"$log/after"
[ $rc -eq 0 ] && cmp -s "$log/before" "$log/after"
tap $? "an abort drops the staged commands"

# 5. Commits, applied and failed, under fio writes with verification:
# rounds of 8 MiB random writes then a read-back of every block, until
# the commits are done (the round under way then runs to its end).
"$ctl" acl set vd tx client txa rw
rm -f "$log/stop"
(
	while [ ! -e "$log/stop" ]; do
		fio --name=tx --filename=/dev/mapper/tx-a --ioengine=libaio \
			--direct=1 --rw=randwrite --bs=4k --iodepth=16 --size=8M \
			--verify=crc32c --do_verify=1 --verify_fatal=1 \
			--verify_state_save=0 --output="$log/fio" \
			2>"$log/fio.err" || exit 1
	done
) &
fio_pid=$!
sleep 1
gen0=$("$ctl" vd map tx | sed -n 's/.* generation \([0-9]*\).*/\1/p')
good=0 bad=0
start=$SECONDS
for i in $(seq 10); do
	if [ $((i % 2)) -eq 0 ]; then m=$m1; else m=$m2; fi
	printf '%s\n' 'txn begin' "vd set-map tx $m" \
		'acl set vd tx client txa rw' 'txn commit' |
		"$ctl" -b - >/dev/null 2>&1 && good=$((good + 1))
	printf '%s\n' 'txn begin' "vd set-map tx $m1" 'plan detach tx leg 1' \
		'acl set vd tx client txa none' 'vd delete nosuch' 'txn commit' |
		"$ctl" -b - >/dev/null 2>&1 || bad=$((bad + 1))
done
echo "# 20 commits in $((SECONDS - start)) s"
alive=0
kill -0 "$fio_pid" 2>/dev/null && alive=1
touch "$log/stop"
wait "$fio_pid"
frc=$?
gen=$("$ctl" vd map tx | sed -n 's/.* generation \([0-9]*\).*/\1/p')
echo "# $good commits applied, $bad refused, generation $gen0 -> $gen, fio running throughout: $alive"
grep -E 'IOPS|err=' "$log/fio" | sed 's/^/# /'
sed 's/^/# fio: /' "$log/fio.err"
[ $frc -eq 0 ] && [ $alive -eq 1 ] && [ $good -eq 10 ] && [ $bad -eq 10 ] &&
	[ "$gen" -eq $((gen0 + 10)) ]
tap $? "10 applied and 10 failed commits (each undoing a map change and a leg detach) under fio randwrite with crc32c verify: no error, generation +10"

# 6. The legs are identical: no write went to one leg only.
cmp -n $((size * 512)) /dev/ram0 /dev/ram1
tap $? "the mirror's legs are identical afterwards"

cleanup
rm -rf "$log"
[ "$failed" -eq 0 ]
