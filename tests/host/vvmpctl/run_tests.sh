#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vvmpctl host tests. vvmpctl-fake is vvmpctl over fake_vaapi.c: it logs
# each libvaapi call it receives and returns canned data; vvmpctl-real is
# linked with libvaapi and talks to the (absent) kernel family.
set -u
cd "$(dirname "$0")"
FAKE=./vvmpctl-fake
REAL=./vvmpctl-real
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export VVMPCTL_FAKE_LOG=$TMP/log
unset VVMPCTL_FAKE_FAIL VVMPCTL_FAKE_NOFAMILY

n=0 passed=0 failed=0
OUT=$TMP/out ERR=$TMP/err RC=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	shift
	printf '  %s\n' "$@" >&2
}

# run CMD...: stdout, stderr and exit code into $OUT, $ERR, $RC; log reset first.
run() { : >"$VVMPCTL_FAKE_LOG"; "$@" >"$OUT" 2>"$ERR"; RC=$?; }

# usage NAME "MESSAGE" ARGS...: exit 2, stderr's first line is exactly
# "vvmpctl: MESSAGE", nothing on stdout, no libvaapi call made.
usage() {
	local name=$1 msg=$2; shift 2
	run $FAKE "$@"
	local first; first=$(head -n1 "$ERR")
	if [ $RC -eq 2 ] && [ "$first" = "vvmpctl: $msg" ] && [ ! -s "$OUT" ] &&
	   [ ! -s "$VVMPCTL_FAKE_LOG" ] && grep -q "^Try 'vvmpctl" "$ERR"; then
		ok "usage: $name"
	else
		not_ok "usage: $name" "args: $*" "exit $RC, want 2" "stderr: $(cat "$ERR")" \
			"want:   vvmpctl: $msg" "calls: $(cat "$VVMPCTL_FAKE_LOG")"
	fi
}

# calls NAME "EXPECTED LOG" ARGS...: exit 0 and exactly these libvaapi calls.
calls() {
	local name=$1 want=$2; shift 2
	run $FAKE "$@"
	local got; got=$(cat "$VVMPCTL_FAKE_LOG")
	if [ $RC -eq 0 ] && [ "$got" = "$want" ]; then
		ok "request: $name"
	else
		not_ok "request: $name" "args: $*" "exit $RC" "stderr: $(cat "$ERR")" \
			"calls: $got" "want:  $want"
	fi
}

# output NAME "EXPECTED STDOUT" ARGS...: exit 0 and exactly this output.
output() {
	local name=$1 want=$2; shift 2
	run $FAKE "$@"
	local got; got=$(cat "$OUT")
	if [ $RC -eq 0 ] && [ "$got" = "$want" ]; then
		ok "output: $name"
	else
		not_ok "output: $name" "args: $*" "exit $RC" "stderr: $(cat "$ERR")" \
			"got:  $got" "want: $want"
	fi
}

# ---- usage errors: exit 2 and the bad word named ------------------------

usage "no object" "missing OBJECT"
usage "unknown object" "unknown object 'disk'" disk show
usage "unknown option" "unknown option '-x'" -x vd show
usage "-b without file" "option '-b' needs a FILE" -b
usage "unknown verb" "unknown verb 'frob' for object 'vd'" vd frob
usage "acl without verb" "missing VERB for object 'acl'" acl
usage "vd create without name" "missing VD NAME" vd create
usage "vd name too long" "invalid VD name '$(printf 'x%.0s' {1..64})': a name has 1 to 63 characters" \
	vd create "$(printf 'x%.0s' {1..64})" linear leg /dev/sdb:0:8
usage "vd create without layout" "missing LAYOUT (linear or striped CHUNK)" vd create a
usage "unknown layout" "unknown layout 'mirror': expected linear or striped" vd create a mirror leg /dev/sdb:0:8
usage "striped without chunk" "'striped' needs a CHUNK size in sectors" vd create a striped
usage "chunk not a number" "invalid chunk size 'big': expected a decimal number below 2^32" vd create a striped big leg /dev/sdb:0:8
usage "chunk not a power of two" "invalid chunk size '24': a power of two >= 8" vd create a striped 24 leg /dev/sdb:0:24
usage "no legs" "missing 'leg EXTENT...': a map has 1 to 8 legs" vd create a linear
usage "leg without extent" "leg 0 has no extent" vd create a linear leg leg /dev/sdb:0:8
usage "extent before leg" "extent '/dev/sdb:0:8' before the first 'leg'" vd create a linear /dev/sdb:0:8
usage "extent without length" "invalid extent 'sdb:0': expected DEV:OFFSET:LENGTH" vd create a linear leg sdb:0
usage "extent bad offset" "invalid offset 'x' in extent '/dev/sdb:x:8'" vd create a linear leg /dev/sdb:x:8
usage "extent zero length" "invalid length '0' in extent '/dev/sdb:0:0': expected a number > 0" vd create a linear leg /dev/sdb:0:0
usage "device neither path nor major:minor" "invalid extent 'sdb:0:8': expected DEV:OFFSET:LENGTH" vd create a linear leg sdb:0:8
usage "major:minor with a field too many" "invalid extent '8:16:1:0:8': expected DEV:OFFSET:LENGTH" vd create a linear leg 8:16:1:0:8
usage "negative offset" "invalid offset '-1' in extent '/dev/sdb:-1:8'" vd create a linear leg /dev/sdb:-1:8
usage "nine legs" "too many legs: at most 8" vd create a linear $(for i in 1 2 3 4 5 6 7 8 9; do echo leg /dev/sd$i:0:8; done)
usage "stray word in map" "unexpected 'fast' in MAP" vd create a linear leg /dev/sdb:0:8 fast
usage "vd delete extra" "unexpected argument 'now'" vd delete a now
usage "region-sectors not a power of two" "invalid region-sectors '12': a power of two from 8 to 2097152" \
	vd create a linear leg /dev/sdb:0:8 region-sectors 12
usage "region-sectors below 8" "invalid region-sectors '4': a power of two from 8 to 2097152" \
	vd create a linear leg /dev/sdb:0:8 region-sectors 4
usage "region-sectors above 2^21" "invalid region-sectors '4194304': a power of two from 8 to 2097152" \
	vd create a linear leg /dev/sdb:0:8 region-sectors 4194304
usage "region-sectors not a number" "invalid region-sectors '1M': expected a decimal number below 2^32" \
	vd create a linear leg /dev/sdb:0:8 region-sectors 1M
usage "region-sectors without value" "'region-sectors' needs a value" vd create a linear leg /dev/sdb:0:8 region-sectors
usage "resync-rate given twice" "'resync-rate' given twice" \
	vd create a linear leg /dev/sdb:0:8 resync-rate 1 resync-rate 2
usage "resync-rate too large" "invalid resync-rate '4294967296': expected a decimal number below 2^32" \
	vd create a linear leg /dev/sdb:0:8 resync-rate 4294967296
usage "map word after the options" "unexpected argument 'leg'" \
	vd create a linear leg /dev/sdb:0:8 resync-rate 1 leg /dev/sdc:0:8
usage "options before the map" "missing LAYOUT (linear or striped CHUNK)" vd create a resync-rate 1 linear leg /dev/sdb:0:8
usage "set-map takes no options" "unexpected 'region-sectors' in MAP" vd set-map a linear leg /dev/sdb:0:8 region-sectors 8
usage "vd activate without name" "missing VD NAME" vd activate
usage "vd activate extra" "unexpected argument 'now'" vd activate a now
usage "vd resync-rate without rate" "missing resync rate (KiB/s, 0: no limit)" vd resync-rate a
usage "vd resync-rate not a number" "invalid resync-rate '10M': expected a decimal number below 2^32" vd resync-rate a 10M
usage "vd resync-rate negative" "invalid resync-rate '-1': expected a decimal number below 2^32" vd resync-rate a -1
usage "vd resync-rate extra" "unexpected argument 'now'" vd resync-rate a 100 now
usage "set-segment without start" "missing 'start S'" vd set-segment a length 8 extent /dev/sdb:0
usage "set-segment bad start" "invalid start '1k': expected a decimal number" vd set-segment a start 1k length 8 extent /dev/sdb:0
usage "set-segment zero length" "invalid length '0': a segment has > 0 sectors" vd set-segment a start 0 length 0 extent /dev/sdb:0
usage "set-segment without extent" "missing 'extent DEV:OFFSET' (one per leg)" vd set-segment a start 0 length 8
usage "set-segment extent with length" "invalid extent '/dev/sdb:0:8': expected DEV:OFFSET" vd set-segment a start 0 length 8 extent /dev/sdb:0:8
usage "set-segment dangling keyword" "'length' needs a value" vd set-segment a start 0 length
usage "extend with start" "unexpected argument 'start'" vd extend a start 0 length 8 extent /dev/sdb:0
usage "client info empty" "invalid info '': 1 to 255 characters" client set h1 info ""
usage "client stray" "unexpected argument 'iqn'" client set h1 iqn x
usage "acl missing vd" "missing 'vd NAME' before 'data0'" acl set data0 rw
usage "acl missing value" "missing ACL (rw, ro or none)" acl set vd a client h1
usage "acl bad value" "invalid ACL 'rx': expected rw, ro or none" acl set vd a rx
usage "acl extra" "unexpected argument 'now'" acl set vd a ro now
usage "acl client without name" "'client' needs a value" acl show vd a client
usage "status bad value" "invalid status 'paused': expected enabled, disabled or quiesced" status set vd a paused
usage "cos nothing" "missing iops, bps or prio" cos set vd a
usage "cos bad iops" "invalid iops 'lots': expected a decimal number" cos set vd a iops lots
usage "cos prio range" "invalid prio '9': an I/O priority class 0..7" cos set vd a prio 9
usage "stats set nothing" "missing 'latency on|off' or 'error-threshold N'" stats set a
usage "stats latency value" "invalid latency 'yes': expected on or off" stats set a latency yes
usage "stats show extra" "unexpected argument 'b'" stats show a b
usage "plan detach without leg" "missing 'leg N'" plan detach a
usage "plan detach leg range" "invalid leg index '8': 0 to 7" plan detach a leg 8
usage "plan replace without extent" "missing EXTENT (DEV:OFFSET:LENGTH)" plan replace a leg 1
usage "plan params bad mask" "unknown mask 'fast' in 'log,fast'" plan params a leg 0 masks log,fast
usage "plan params mask bits" "invalid masks '32': bits beyond 0x1f" plan params a leg 0 masks 32
usage "plan params nothing" "missing 'timeout MS' or 'masks LIST'" plan params a leg 0
usage "plan params bad timeout" "invalid timeout '5s': expected a decimal number below 2^32" plan params a leg 0 timeout 5s
usage "plan show without id" "missing plan ID" plan show
usage "plan show of a VD name points at plan params" "invalid plan id 'data0': expected a decimal number (a VD's leg timeouts and masks: 'plan params data0')" plan show data0
usage "plan show id 0" "invalid plan id '0': plans are numbered from 1" plan show 0
usage "plan show id too large" "invalid plan id '18446744073709551616': expected a decimal number" plan show 18446744073709551616
usage "plan show extra" "unexpected argument 'now'" plan show 12 now
usage "plan list without vd keyword" "unexpected argument 'data0'" plan list data0
usage "plan list vd without name" "'vd' needs a value" plan list vd
usage "plan take outside a batch" "'plan take' owns the plan only while this connection is open: use it in a batch (-b) before 'plan resubmit' or 'plan abort'" plan take 12
usage "plan resubmit without generation" "missing 'generation G' (the plan's, as 'plan show' gives it)" plan resubmit 12
usage "plan resubmit bad generation" "invalid generation 'new': expected a decimal number" plan resubmit 12 generation new
usage "plan resubmit extra" "unexpected argument 'now'" plan resubmit 12 generation 3 now
usage "plan abort unknown errno name" "invalid errno 'EFOO': a number 1 to 4095 or a name such as EIO" plan abort 12 errno EFOO
usage "plan abort errno 0" "invalid errno '0': 1 to 4095" plan abort 12 errno 0
usage "plan abort errno beyond MAX_ERRNO" "invalid errno '4096': 1 to 4095" plan abort 12 errno 4096
usage "plan abort stray" "unexpected argument 'now'" plan abort 12 now
usage "plan abort errno without value" "'errno' needs a value" plan abort 12 errno
usage "vd exc-policy nothing" "missing 'timeout MS' or 'on-timeout fail|hold'" vd exc-policy a
usage "vd exc-policy timeout 0" "invalid timeout '0': 1 to 3600000 ms" vd exc-policy a timeout 0
usage "vd exc-policy timeout above an hour" "invalid timeout '3600001': 1 to 3600000 ms" vd exc-policy a timeout 3600001
usage "vd exc-policy bad action" "invalid on-timeout 'wait': expected fail or hold" vd exc-policy a on-timeout wait
usage "vd exc-policy timeout twice" "'timeout' given twice" vd exc-policy a timeout 5 timeout 6
usage "vd exc-policy stray" "unexpected argument 'hold'" vd exc-policy a hold
usage "vd copy without dst" "missing 'dst D'" vd copy a src 0 length 8
usage "vd copy without length" "missing 'length L'" vd copy a src 0 dst 8
usage "vd copy length 0" "invalid length '0': a copy has > 0 sectors" vd copy a src 0 dst 8 length 0
usage "vd copy bad leg" "invalid leg index '8': 0 to 7" vd copy a src-leg 8 src 0 dst 8 length 8
usage "vd copy src twice" "'src' given twice" vd copy a src 0 src 1 dst 8 length 8
usage "vd copy stray" "unexpected argument 'to'" vd copy a src 0 to 8 length 8
usage "leg fail without index" "missing leg index N" leg fail a
usage "leg fail without VD" "missing VD NAME" leg fail
usage "leg fail index range" "invalid leg index '8': 0 to 7" leg fail a 8
usage "leg fail takes no full" "unexpected argument 'full'" leg fail a 1 full
usage "leg restore stray" "unexpected argument 'fast'" leg restore a 1 fast
usage "leg restore stray after full" "unexpected argument 'now'" leg restore a 1 full now
usage "io read without leg" "missing 'leg N'" io read a sector 0 length 1
usage "io read without length" "missing 'length L'" io read a leg 0 sector 0
usage "io read length above 32 KiB" "invalid length '65': 1 to 64 sectors" io read a leg 0 sector 0 length 65
usage "io read length 0" "invalid length '0': 1 to 64 sectors" io read a leg 0 sector 0 length 0
usage "io read takes no from" "unexpected argument 'from'" io read a leg 0 sector 0 length 1 from x
usage "io read raw with -j" "'raw' writes the bytes themselves: not with -j" -j io read a leg 0 sector 0 length 1 raw
usage "io write without from" "missing 'from FILE' (the data to write; '-': stdin)" io write a leg 0 sector 0 length 1
usage "io write takes no raw" "unexpected argument 'raw'" io write a leg 0 sector 0 length 1 raw
usage "io write bad sector" "invalid sector '-8': expected a decimal number" io write a leg 0 sector -8 length 1 from x
usage "divert without length" "missing 'length L'" divert add a start 0
usage "divert stray" "unexpected argument 'end'" divert del a start 0 end 8
usage "txn commit without id" "missing transaction ID (no 'txn begin' before it in this batch)" txn commit
usage "txn commit id 0" "invalid transaction id '0'" txn commit 0
usage "txn begin extra" "unexpected argument 'now'" txn begin now
usage "events extra" "unexpected argument 'now'" events monitor now

# ---- help at every level ----------------------------------------------------

run $FAKE --help
if [ $RC -eq 0 ] && [ "$(head -n1 "$OUT")" = "Usage: vvmpctl [OPTIONS] OBJECT VERB [ARGS]" ] &&
   grep -q '^Exit status: 0 ok, 1 operation failed, 2 usage error.$' "$OUT"; then
	ok "help: vvmpctl --help"
else
	not_ok "help: vvmpctl --help" "exit $RC" "$(head -n3 "$OUT")"
fi
objects=$(sed -n '/^Objects:/,/^Numbers/{s/^  \([a-z]*\) .*/\1/p}' "$OUT")
if [ "$(echo $objects)" = "vd client acl status cos stats plan leg io divert txn events pool unit session alloc spare" ]; then
	ok "help: every object listed"
else
	not_ok "help: every object listed" "got: $(echo $objects)"
fi
run $FAKE help
cmp -s "$OUT" <($FAKE --help) && [ $RC -eq 0 ] && ok "help: 'vvmpctl help' is --help" ||
	not_ok "help: 'vvmpctl help' is --help"

# Each object's help lists its verbs; each verb's --help shows the same usage line.
help_ok=1 verbs_seen=0
for o in $objects; do
	run $FAKE "$o" help
	if [ $RC -ne 0 ] || [ "$(head -n1 "$OUT" | cut -d' ' -f1-3)" != "Usage: vvmpctl $o" ]; then
		help_ok=0; echo "  $o help: exit $RC: $(head -n1 "$OUT")" >&2; continue
	fi
	grep "^  vvmpctl $o " "$OUT" | sed 's/^  //' >"$TMP/lines"
	while read -r line; do
		verb=$(echo "$line" | cut -d' ' -f3)
		verbs_seen=$((verbs_seen + 1))
		for h in --help -h help; do
			out=$($FAKE "$o" "$verb" $h); rc=$?
			if [ $rc -ne 0 ] || [ "$(echo "$out" | head -n1)" != "Usage: $line" ]; then
				help_ok=0
				echo "  $o $verb $h: exit $rc: $(echo "$out" | head -n1) != Usage: $line" >&2
			fi
		done
	done <"$TMP/lines"
done
# At least the verbs known when this was written (other verbs may join).
[ $help_ok = 1 ] && [ $verbs_seen -ge 43 ] && ok "help: every verb's --help matches its object's usage ($verbs_seen verbs)" ||
	not_ok "help: every verb's --help matches its object's usage" "verbs seen: $verbs_seen"

output "help: vd create --help" "Usage: vvmpctl vd create NAME MAP [OPTIONS]
create a VD with a map, its log's region size and its resync rate
MAP     := LAYOUT [nosync] leg EXTENT... [leg EXTENT...]...   (1 to 8 legs: 2+ mirror)
LAYOUT  := linear | striped CHUNK        (CHUNK: sectors, a power of two >= 8)
EXTENT  := DEV:OFFSET:LENGTH             (DEV: /dev/... or major:minor; sectors)
SEGMENT := start S length L extent DEV:OFFSET [extent DEV:OFFSET]...
           (one extent per leg, each L sectors long; S = VD size extends the VD)
OPTIONS := [region-sectors N] [resync-rate K]   (vd create, after the MAP)
           N: dirty-region log region, a power of two from 8 to 2097152 sectors
           (default 1024); K: KiB/s a resync copies at, 0 = no limit (default)
copy:       without src-leg from an in-sync leg, without dst-leg onto every
            leg not failed (src = dst: every other leg); [D, D+L) must lie in
            divert ranges (divert add) so that no client write races the copy
exc-policy: a plan is held at most MS ms (1 to 3600000, default 30000), then
            fail: its client I/O fails with EIO (the default), or hold: it is
            held on and announced again. Neither verb is staged in a txn.
Example: vvmpctl vd create data0 linear leg /dev/sdb:0:2048 leg /dev/sdc:0:2048" vd create --help
run $FAKE vd help
if [ $RC -eq 0 ] && grep -qx '  vvmpctl vd activate NAME' "$OUT" && grep -qx '  vvmpctl vd resync-rate NAME KIB' "$OUT"; then
	ok "help: vd help lists activate and resync-rate"
else
	not_ok "help: vd help lists activate and resync-rate" "exit $RC" "$(cat "$OUT")"
fi
run $FAKE plan help
if [ $RC -eq 0 ] && grep -qx '  vvmpctl plan list \[vd NAME\]' "$OUT" && grep -qx '  vvmpctl plan show ID' "$OUT" &&
   grep -qx '  vvmpctl plan take ID' "$OUT" && grep -qx '  vvmpctl plan resubmit ID generation G' "$OUT" &&
   grep -qx '  vvmpctl plan abort ID \[errno N|NAME\]' "$OUT" && grep -q "batch only: -b" "$OUT"; then
	ok "help: plan help lists the exception plan verbs, take for batches"
else
	not_ok "help: plan help lists the exception plan verbs, take for batches" "exit $RC" "$(cat "$OUT")"
fi
output "help: leg restore --help" "Usage: vvmpctl leg restore NAME N [full]
bring failed leg N back and resync its dirty regions (full: everything)
N is the leg's index (0 to 7), as 'vd map' shows. 'full' says the leg's
contents are unknown (e.g. a new disk in its place): the resync copies the
whole VD onto it instead of the dirty regions only. Both are staged in a
transaction like the other changes." leg restore --help
run $FAKE io read --help
if [ $RC -eq 0 ] && [ "$(head -n1 "$OUT")" = "Usage: vvmpctl io read NAME leg N sector S length L [raw]" ] &&
   grep -q "^S is a VD sector" "$OUT" && grep -q "raw > leg1-block0" "$OUT"; then
	ok "help: io read --help says what raw and -j print"
else
	not_ok "help: io read --help says what raw and -j print" "exit $RC" "$(cat "$OUT")"
fi
output "help: vd resync-rate --help" "Usage: vvmpctl vd resync-rate NAME KIB
limit the VD's resyncs to KIB KiB/s (0: no limit), from the next window on
$($FAKE vd help | sed -n '/^MAP /,$p')" vd resync-rate --help

# ---- each command's exact request ----------------------------------------------

calls "vd create mirror" \
	"ap_create_vd_opts data0 layout=linear chunk=0 nosync=0 legs=2 [/dev/sdb:0:2048] [/dev/sdc:0:2048] present=0 region_sectors=0 resync_rate=0" \
	vd create data0 linear leg /dev/sdb:0:2048 leg /dev/sdc:0:2048
calls "vd create striped, nosync, major:minor" \
	"ap_create_vd_opts s layout=striped chunk=128 nosync=1 legs=2 [8:16:0:1024,8:32:0:1024] [8:48:64:2048] present=0 region_sectors=0 resync_rate=0" \
	vd create s striped 128 nosync leg 8:16:0:1024 8:32:0:1024 leg 8:48:64:2048
calls "vd create by-path device with colons" \
	"ap_create_vd_opts p layout=linear chunk=0 nosync=0 legs=1 [/dev/disk/by-path/pci-0000:00:1f.2-ata-1:0:2048] present=0 region_sectors=0 resync_rate=0" \
	vd create p linear leg /dev/disk/by-path/pci-0000:00:1f.2-ata-1:0:2048
calls "vd create region-sectors and resync-rate" \
	"ap_create_vd_opts m layout=linear chunk=0 nosync=0 legs=2 [/dev/sdb:0:2048] [/dev/sdc:0:2048] present=3 region_sectors=128 resync_rate=20480" \
	vd create m linear leg /dev/sdb:0:2048 leg /dev/sdc:0:2048 region-sectors 128 resync-rate 20480
calls "vd create options in any order, limits included" \
	"ap_create_vd_opts m layout=striped chunk=8 nosync=0 legs=1 [/dev/sdb:0:2048] present=3 region_sectors=2097152 resync_rate=0" \
	vd create m striped 8 leg /dev/sdb:0:2048 resync-rate 0 region-sectors 2097152
calls "vd create resync-rate only" \
	"ap_create_vd_opts m layout=linear chunk=0 nosync=0 legs=1 [/dev/sdb:0:2048] present=2 region_sectors=0 resync_rate=4294967295" \
	vd create m linear leg /dev/sdb:0:2048 resync-rate 4294967295
calls "vd create region-sectors 8" \
	"ap_create_vd_opts m layout=linear chunk=0 nosync=0 legs=1 [/dev/sdb:0:2048] present=1 region_sectors=8 resync_rate=0" \
	vd create m linear leg /dev/sdb:0:2048 region-sectors 8
calls "vd activate" "eh_activate_vd data0" vd activate data0
calls "vd resync-rate" "eh_set_resync_rate data0 51200" vd resync-rate data0 51200
calls "vd resync-rate 0: no limit" "eh_set_resync_rate data0 0" vd resync-rate data0 0
calls "vd set-map" "ap_set_map_vd data0 layout=linear chunk=0 nosync=0 legs=1 [/dev/sdd:0:4096]" \
	vd set-map data0 linear leg /dev/sdd:0:4096
calls "vd set-segment" "ap_set_segment_vd data0 start=2048 length=512 [/dev/sde:0:512,8:80:100:512]" \
	vd set-segment data0 start 2048 length 512 extent /dev/sde:0 extent 8:80:100
calls "vd extend reads the size first" \
	"ap_get_vd data0
ap_set_segment_vd data0 start=4096 length=1024 [/dev/sdf:0:1024]" \
	vd extend data0 length 1024 extent /dev/sdf:0
calls "vd delete alias del" "ap_delete_vd data0" vd del data0
calls "vd show (default verb)" "ap_list_vds" vd
calls "vd resize" "ap_resize_devices data0" vd resize data0
calls "client set with info" "peap_set_client h1 info=iqn.2024-01.org.example:h1" client set h1 info iqn.2024-01.org.example:h1
calls "client set without info" "peap_set_client h1 info=-" client set h1
calls "client delete" "peap_delete_client h1" client delete h1
calls "acl set per client" "peap_set_acl data0 client=h1 ro" acl set vd data0 client h1 ro
calls "acl set vd default" "peap_set_acl data0 client=- none" acl set vd data0 none
calls "status set" "peap_set_status data0 client=h2 quiesced" status set vd data0 client h2 quiesced
calls "cos set all fields" "peap_set_cos data0 client=h1 present=7 iops=1000 bps=10485760 prio=2" \
	cos set vd data0 client h1 iops 1000 bps 10485760 prio 2
calls "cos set one field" "peap_set_cos data0 client=- present=2 iops=0 bps=0 prio=0" cos set vd data0 bps 0
calls "stats set" "psap_set_stats_directive data0 present=3 latency=1 threshold=10" \
	stats set data0 latency on error-threshold 10
calls "stats reset" "psap_reset_vd_stats data0" stats reset data0
calls "plan attach" "ssap_set_io_plan data0 attach leg=0 [/dev/sdg:0:2048,/dev/sdh:0:2048]" \
	plan attach data0 /dev/sdg:0:2048 /dev/sdh:0:2048
calls "plan detach" "ssap_set_io_plan data0 detach leg=1 [-]" plan detach data0 leg 1
calls "plan replace" "ssap_set_io_plan data0 replace leg=0 [8:96:0:4096]" plan replace data0 leg 0 8:96:0:4096
calls "plan params names" "iop_set_plan_params data0 leg=1 present=3 timeout=3000 masks=0x16" \
	plan params data0 leg 1 timeout 3000 masks success,log,deactivate
calls "plan params every mask name" "iop_set_plan_params data0 leg=0 present=2 timeout=0 masks=0x1f" \
	plan params data0 leg 0 masks continuation,success,log,log-data,deactivate
calls "plan params mask as a number" "iop_set_plan_params data0 leg=0 present=2 timeout=0 masks=0x5" \
	plan params data0 leg 0 masks 5
calls "plan params none" "iop_set_plan_params data0 leg=0 present=2 timeout=0 masks=0x0" plan params data0 leg 0 masks none
calls "plan params without leg shows" "iop_get_plan_params data0" plan params data0
calls "plan list: every held plan (get-all-in-AP)" "eh_list_plans vd=-" plan list
calls "plan list vd: one VD's (get-plan-for-VD)" "eh_list_plans vd=data0" plan list vd data0
calls "plan show" "eh_get_plan 12" plan show 12
calls "plan resubmit" "eh_resubmit_plan 12 generation=3" plan resubmit 12 generation 3
calls "plan abort: EIO by default" "eh_abort_plan 12 errno=0" plan abort 12
calls "plan abort errno by name" "eh_abort_plan 12 errno=28" plan abort 12 errno ENOSPC
calls "plan abort errno by lowercase name" "eh_abort_plan 12 errno=5" plan abort 12 errno eio
calls "plan abort errno by number" "eh_abort_plan 12 errno=61" plan abort 12 errno 61
calls "vd exc-policy timeout only" "eh_set_plan_policy data0 timeout=500 on_timeout=-1" vd exc-policy data0 timeout 500
calls "vd exc-policy hold only" "eh_set_plan_policy data0 timeout=0 on_timeout=1" vd exc-policy data0 on-timeout hold
calls "vd exc-policy both, an hour" "eh_set_plan_policy data0 timeout=3600000 on_timeout=0" \
	vd exc-policy data0 on-timeout fail timeout 3600000
calls "vd copy VD range onto every leg" "eh_copy data0 src_leg=- src=0 dst_leg=- dst=2048 length=2048" \
	vd copy data0 src 0 dst 2048 length 2048
calls "vd copy leg onto leg" "eh_copy data0 src_leg=0 src=2048 dst_leg=1 dst=2048 length=64" \
	vd copy data0 length 64 dst-leg 1 dst 2048 src-leg 0 src 2048
calls "leg fail" "ssap_fail_leg data0 leg=1" leg fail data0 1
calls "leg restore: dirty regions" "ssap_restore_leg data0 leg=1 full=0" leg restore data0 1
calls "leg restore full" "ssap_restore_leg data0 leg=7 full=1" leg restore data0 7 full
calls "io read" "eh_passthrough data0 leg=1 read sector=0 len=512" io read data0 leg 1 sector 0 length 1
calls "io read 32 KiB" "eh_passthrough data0 leg=0 read sector=4096 len=32768" io read data0 sector 4096 length 64 leg 0 raw
printf 'ABCD%1020s' '' >"$TMP/two-sectors"
calls "io write from a file" "eh_passthrough data0 leg=1 write sector=8 len=1024 first=41424344 sum=32906" \
	io write data0 leg 1 sector 8 length 2 from "$TMP/two-sectors"
run $FAKE io write data0 leg 0 sector 0 length 2 from - <"$TMP/two-sectors"
[ $RC -eq 0 ] && [ "$(cat "$VVMPCTL_FAKE_LOG")" = "eh_passthrough data0 leg=0 write sector=0 len=1024 first=41424344 sum=32906" ] &&
	ok "request: io write from stdin" || not_ok "request: io write from stdin" "exit $RC $(cat "$ERR") $(cat "$VVMPCTL_FAKE_LOG")"
run $FAKE io write data0 leg 0 sector 0 length 3 from "$TMP/two-sectors"
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: $TMP/two-sectors holds fewer than the 1536 bytes of 'length 3': Invalid argument" ] &&
	[ ! -s "$VVMPCTL_FAKE_LOG" ] && ok "failure: io write of a short file sends nothing, exit 1" ||
	not_ok "failure: io write of a short file sends nothing, exit 1" "exit $RC $(cat "$ERR") $(cat "$VVMPCTL_FAKE_LOG")"
run $FAKE io write data0 leg 0 sector 0 length 1 from "$TMP/two-sectors"
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: $TMP/two-sectors holds more than the 512 bytes of 'length 1': Invalid argument" ] &&
	[ ! -s "$VVMPCTL_FAKE_LOG" ] && ok "failure: io write of a longer file sends nothing, exit 1" ||
	not_ok "failure: io write of a longer file sends nothing, exit 1" "exit $RC $(cat "$ERR") $(cat "$VVMPCTL_FAKE_LOG")"
run $FAKE io write data0 leg 0 sector 0 length 1 from "$TMP/missing"
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: open $TMP/missing: No such file or directory" ] &&
	[ ! -s "$VVMPCTL_FAKE_LOG" ] && ok "failure: io write of a missing file, exit 1" ||
	not_ok "failure: io write of a missing file, exit 1" "exit $RC $(cat "$ERR")"
calls "divert add" "eh_add_divert data0 1024+64" divert add data0 start 1024 length 64
calls "divert del" "eh_delete_divert data0 1024+64" divert del data0 length 64 start 1024
calls "txn commit by id" "tx_commit 7" txn commit 7
calls "events default is monitor" "events_run" events

# ---- output from canned data: text and JSON share field names ----------------

output "vd show text" "vd data0 size 4096 generation 3 nr_devices 2 region_sectors 1024 resync_rate 0 io active exc_timeout_ms 30000 exc_on_timeout fail
    device data0-h1 dev 253:0 client h1 size 4096
    device data0 dev 253:1 size 4096
vd data1 size 2048 generation 1 nr_devices 0 region_sectors 128 resync_rate 10240 io deactivated exc_timeout_ms 5000 exc_on_timeout hold" vd show
output "vd show json" '[{"vd":"data0","size":4096,"generation":3,"nr_devices":2,"region_sectors":1024,"resync_rate":0,"io":"active","exc_timeout_ms":30000,"exc_on_timeout":"fail","devices":[{"device":"data0-h1","dev":"253:0","client":"h1","size":4096},{"device":"data0","dev":"253:1","size":4096}]},{"vd":"data1","size":2048,"generation":1,"nr_devices":0,"region_sectors":128,"resync_rate":10240,"io":"deactivated","exc_timeout_ms":5000,"exc_on_timeout":"hold"}]' -j vd show
output "vd map text" "vd data0 layout linear generation 3
    leg 0 health in-sync
        device 8:16 offset 0 length 2048
        device 8:48 offset 0 length 2048
    leg 1 health failed
        device 8:32 offset 2048 length 4096" vd map data0
output "vd map json" '[{"vd":"data0","layout":"linear","nosync":false,"generation":3,"legs":[{"leg":0,"health":"in-sync","extents":[{"device":"8:16","offset":0,"length":2048},{"device":"8:48","offset":0,"length":2048}]},{"leg":1,"health":"failed","extents":[{"device":"8:32","offset":2048,"length":4096}]}]}]' -j vd map data0
output "vd map pretty json" '[
    {
        "vd": "data0",
        "layout": "linear",
        "nosync": false,
        "generation": 3,
        "legs": [
            {
                "leg": 0,
                "health": "in-sync",
                "extents": [
                    {
                        "device": "8:16",
                        "offset": 0,
                        "length": 2048
                    },
                    {
                        "device": "8:48",
                        "offset": 0,
                        "length": 2048
                    }
                ]
            },
            {
                "leg": 1,
                "health": "failed",
                "extents": [
                    {
                        "device": "8:32",
                        "offset": 2048,
                        "length": 4096
                    }
                ]
            }
        ]
    }
]' -j -p vd map data0
output "stats show text" "vd data0 reads 101 writes 102 read_bytes 413696 write_bytes 417792 read_errors 0 write_errors 1 in_flight 0 exceptions 0 refused 0 throttled 10 dirty_regions 3 regions 8 copied_bytes 2621440 latency 0 0 0 0 90 13 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
    leg 0 reads 51 writes 52 read_bytes 208896 write_bytes 212992 read_errors 0 write_errors 1 in_flight 0 exceptions 0 refused 0 throttled 5
    client h1 reads 1 writes 2 read_bytes 4096 write_bytes 8192 read_errors 0 write_errors 0 in_flight 0 exceptions 0 refused 0 throttled 0
    client - reads 1 writes 2 read_bytes 4096 write_bytes 8192 read_errors 0 write_errors 0 in_flight 0 exceptions 0 refused 0 throttled 0" stats show data0
output "stats show json" '[{"vd":"data0","reads":101,"writes":102,"read_bytes":413696,"write_bytes":417792,"read_errors":0,"write_errors":1,"in_flight":0,"exceptions":0,"refused":0,"throttled":10,"dirty_regions":3,"regions":8,"copied_bytes":2621440,"latency":[0,0,0,0,90,13,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"legs":[{"leg":0,"reads":51,"writes":52,"read_bytes":208896,"write_bytes":212992,"read_errors":0,"write_errors":1,"in_flight":0,"exceptions":0,"refused":0,"throttled":5}],"clients":[{"client":"h1","reads":1,"writes":2,"read_bytes":4096,"write_bytes":8192,"read_errors":0,"write_errors":0,"in_flight":0,"exceptions":0,"refused":0,"throttled":0},{"client":"-","reads":1,"writes":2,"read_bytes":4096,"write_bytes":8192,"read_errors":0,"write_errors":0,"in_flight":0,"exceptions":0,"refused":0,"throttled":0}]}]' -j stats show data0
output "client show quotes info with blanks" 'client h1 info "host one"
client h2' client show
output "client show json escapes quotes" '[{"client":"h9","info":"iqn.2024-01.org.example:\"h9\" rack 2"}]' -j client show h9
output "acl show with source" "vd data0 client h1 source client acl ro" acl show vd data0 client h1
output "status show vd default" "vd data0 source vd-default status quiesced" status show vd data0
output "cos show json" '[{"vd":"data0","source":"vd-default","iops":500,"bps":1048576}]' -j cos show vd data0
output "plan params masks" "vd data0 leg 0 timeout_ms 0 masks continuation,log
vd data0 leg 1 timeout_ms 5000 masks none" plan params data0
output "plan params json masks" '[{"vd":"data0","leg":0,"timeout_ms":0,"masks":["continuation","log"]},{"vd":"data0","leg":1,"timeout_ms":5000,"masks":[]}]' -j plan params data0
output "plan list text" "id 12 vd data0 generation 3 reason divert op write sector 2048 length 8 owner 0 age_ms 120 client h1
id 13 vd data1 generation 1 reason component op write sector 4096 length 16 leg 1 owner 4242 age_ms 30" plan list
output "plan list json" '[{"id":12,"vd":"data0","generation":3,"reason":"divert","op":"write","sector":2048,"length":8,"owner":0,"age_ms":120,"client":"h1"},{"id":13,"vd":"data1","generation":1,"reason":"component","op":"write","sector":4096,"length":16,"leg":1,"owner":4242,"age_ms":30}]' -j plan list
output "plan list of one VD" "id 13 vd data1 generation 1 reason component op write sector 4096 length 16 leg 1 owner 4242 age_ms 30" plan list vd data1
output "plan list of a VD holding none: nothing, or []" "[]" -j plan list vd data7
output "plan show text" "id 12 vd data0 generation 3 reason divert op write sector 2048 length 8 owner 0 age_ms 120 client h1" plan show 12
output "plan show json" '[{"id":13,"vd":"data1","generation":1,"reason":"component","op":"write","sector":4096,"length":16,"leg":1,"owner":4242,"age_ms":30}]' -j plan show 13
output "io read: a hexdump with VD byte offsets" "0000000400  76 76 6d 70 20 6c 65 67  20 33 00 0b 0c 0d 0e 0f  |vvmp leg 3......|
0000000410  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|
$(for o in 2 3 4 5 6 7 8 9 a b c d e f; do
	printf '00000004%s0 ' $o
	for j in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do [ $j = 8 ] && printf ' '; printf ' %s%s' $o $j; done
	printf '  |'
	for j in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		c=$((16#$o$j)); if [ $c -ge 32 ] && [ $c -lt 127 ]; then printf "\\x$o$j"; else printf .; fi
	done
	printf '|\n'
done)
$(for o in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
	printf '00000005%s0 ' $o
	for j in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do [ $j = 8 ] && printf ' '; printf ' %s%s' $o $j; done
	printf '  |'
	for j in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
		c=$((16#$o$j)); if [ $c -ge 32 ] && [ $c -lt 127 ]; then printf "\\x$o$j"; else printf .; fi
	done
	printf '|\n'
done)" io read data0 leg 3 sector 2 length 1
run $FAKE -j io read data0 leg 1 sector 0 length 1
want_hex="76766d70206c6567203100$(printf '0b0c0d0e0f'; for i in $(seq 16 255); do printf '%02x' $i; done; for i in $(seq 0 255); do printf '%02x' $i; done)"
[ $RC -eq 0 ] && [ "$(cat "$OUT")" = "[{\"vd\":\"data0\",\"leg\":1,\"sector\":0,\"length\":1,\"data\":\"${want_hex}\"}]" ] &&
	ok "output: io read json: data as lowercase hex" || not_ok "output: io read json: data as lowercase hex" "exit $RC" "$(cat "$OUT")"
run $FAKE io read data0 leg 1 sector 1 length 2 raw
{ printf 'vvmp leg 1\0'; for i in $(seq 11 255); do printf "\\x$(printf %02x $i)"; done
  for r in 1 2 3; do for i in $(seq 0 255); do printf "\\x$(printf %02x $i)"; done; done; } >"$TMP/want-raw"
[ $RC -eq 0 ] && cmp -s "$OUT" "$TMP/want-raw" && [ "$(stat -c %s "$OUT")" = 1024 ] &&
	ok "output: io read raw writes exactly the bytes read" || not_ok "output: io read raw writes exactly the bytes read" "exit $RC" "$(od -An -tx1 "$OUT" | head -3)"
output "divert show" "vd data0 start 0 length 8
vd data0 start 1024 length 64" divert show data0
output "vd size" "vd data0 map_extents 3 map_bytes 1536" vd size data0
output "events text: snapshot then stream, one line each" "event vd-exists seq 7 snapshot snapshot_seq 9 vd data0 size 4096 generation 3 region_sectors 1024 resync_rate 0 io active exc_timeout_ms 30000 exc_on_timeout fail
event client-exists seq 2 snapshot client h1 info \"host one\"
event leg-state seq 10 vd data0 leg 1 health failed
event divert seq 11 vd data0 ranges 0+8,64+8
event vd-activity seq 12 vd data0 leg 1 io deactivated
event vd-activity seq 13 vd data0 io active
event exception seq 14 vd data0 id 12 generation 3 reason divert op write sector 2048 length 8 client h1
event exception seq 15 vd data1 id 13 generation 1 reason component op write sector 4096 length 16 leg 1
event exception-done seq 16 vd data0 id 12 outcome resubmitted
event exception-done seq 17 vd data1 id 13 outcome timed-out errno 5
event vd-params seq 18 vd data0 resync_rate 2048 exc_timeout_ms 60000 exc_on_timeout hold
events_lost" events
output "events json: one object per line" '{"event":"vd-exists","seq":7,"snapshot":true,"snapshot_seq":9,"vd":"data0","size":4096,"generation":3,"region_sectors":1024,"resync_rate":0,"io":"active","exc_timeout_ms":30000,"exc_on_timeout":"fail"}
{"event":"client-exists","seq":2,"snapshot":true,"client":"h1","info":"host one"}
{"event":"leg-state","seq":10,"snapshot":false,"vd":"data0","leg":1,"health":"failed"}
{"event":"divert","seq":11,"snapshot":false,"vd":"data0","ranges":[{"start":0,"length":8},{"start":64,"length":8}]}
{"event":"vd-activity","seq":12,"snapshot":false,"vd":"data0","leg":1,"io":"deactivated"}
{"event":"vd-activity","seq":13,"snapshot":false,"vd":"data0","io":"active"}
{"event":"exception","seq":14,"snapshot":false,"vd":"data0","id":12,"generation":3,"reason":"divert","op":"write","sector":2048,"length":8,"client":"h1"}
{"event":"exception","seq":15,"snapshot":false,"vd":"data1","id":13,"generation":1,"reason":"component","op":"write","sector":4096,"length":16,"leg":1}
{"event":"exception-done","seq":16,"snapshot":false,"vd":"data0","id":12,"outcome":"resubmitted"}
{"event":"exception-done","seq":17,"snapshot":false,"vd":"data1","id":13,"outcome":"timed-out","errno":5}
{"event":"vd-params","seq":18,"snapshot":false,"vd":"data0","resync_rate":2048,"exc_timeout_ms":60000,"exc_on_timeout":"hold"}
{"events_lost":true}' -j events
output "events show: snapshot only" "event vd-exists seq 7 snapshot snapshot_seq 9 vd data0 size 4096 generation 3 region_sectors 1024 resync_rate 0 io active exc_timeout_ms 30000 exc_on_timeout fail
event client-exists seq 2 snapshot client h1 info \"host one\"" events show
output "txn begin prints the id" '[{"txn":42}]' -j txn begin

# Every JSON output parses (jq, when installed).
if command -v jq >/dev/null; then
	bad=0
	for args in "vd show" "vd map data0" "stats show data0" "client show" "plan params data0" \
		    "divert show data0" "acl show vd a" "vd size data0" "plan list" "plan show 13" \
		    "io read data0 leg 0 sector 0 length 64"; do
		$FAKE -j $args | jq -e . >/dev/null || { bad=1; echo "  -j $args: not JSON" >&2; }
		$FAKE -j -p $args | jq -e . >/dev/null || { bad=1; echo "  -j -p $args: not JSON" >&2; }
	done
	$FAKE -j events | jq -e -s 'length == 12' >/dev/null || { bad=1; echo "  -j events" >&2; }
	[ $bad = 0 ] && ok "json: every -j output parses" || not_ok "json: every -j output parses"
fi

# ---- operation failures: exit 1 and the kernel's words -------------------------

VVMPCTL_FAKE_FAIL=ap_delete_vd run $FAKE vd delete data0
if [ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: delete VD data0: Device or resource busy: fake: busy" ] && [ ! -s "$OUT" ]; then
	ok "failure: exit 1 with what, strerror and extack"
else
	not_ok "failure: exit 1 with what, strerror and extack" "exit $RC" "stderr: $(cat "$ERR")"
fi
VVMPCTL_FAKE_FAIL=eh_activate_vd run $FAKE vd activate data0
if [ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: activate VD data0: Device or resource busy: fake: busy" ] && [ ! -s "$OUT" ]; then
	ok "failure: vd activate, exit 1 with the kernel's words"
else
	not_ok "failure: vd activate, exit 1 with the kernel's words" "exit $RC" "stderr: $(cat "$ERR")"
fi
VVMPCTL_FAKE_FAIL=eh_set_resync_rate run $FAKE vd resync-rate data0 10
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: set the resync rate of VD data0: Device or resource busy: fake: busy" ] &&
	ok "failure: vd resync-rate, exit 1" || not_ok "failure: vd resync-rate, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
run $FAKE plan resubmit 12 generation 4
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: resubmit plan 12 of generation 4: Stale file handle: The VD's map changed since the plan was made: abort it (attribute VVMP_A_EXC_GENERATION)" ] &&
	ok "failure: a stale resubmission, exit 1 with the kernel's words" ||
	not_ok "failure: a stale resubmission, exit 1 with the kernel's words" "exit $RC" "stderr: $(cat "$ERR")"
run $FAKE plan show 99
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: get plan 99: No such file or directory: No such plan held (attribute VVMP_A_EXC_ID)" ] && [ ! -s "$OUT" ] &&
	ok "failure: plan show of a plan no longer held, exit 1" ||
	not_ok "failure: plan show of a plan no longer held, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
VVMPCTL_FAKE_FAIL=ssap_fail_leg run $FAKE leg fail data0 0
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: fail leg 0 of VD data0: Device or resource busy: fake: busy" ] &&
	ok "failure: leg fail, exit 1" || not_ok "failure: leg fail, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
VVMPCTL_FAKE_FAIL=eh_copy run $FAKE vd copy data0 src 0 dst 8 length 8
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: copy within VD data0: Device or resource busy: fake: busy" ] &&
	ok "failure: vd copy, exit 1" || not_ok "failure: vd copy, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
VVMPCTL_FAKE_FAIL=eh_passthrough run $FAKE io read data0 leg 1 sector 8 length 1
[ $RC -eq 1 ] && [ "$(cat "$ERR")" = "vvmpctl: read leg 1 of VD data0 at sector 8: Device or resource busy: fake: busy" ] && [ ! -s "$OUT" ] &&
	ok "failure: io read prints nothing, exit 1" || not_ok "failure: io read prints nothing, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
VVMPCTL_FAKE_NOFAMILY=1 run $FAKE vd show
if [ $RC -eq 1 ] && [ "$(cat "$ERR")" = 'vvmpctl: connect to the vvmp generic netlink family: No such file or directory: generic netlink family "vvmp" not found (is the dm-vvmp module loaded?)' ]; then
	ok "failure: no family, exit 1"
else
	not_ok "failure: no family, exit 1" "exit $RC" "stderr: $(cat "$ERR")"
fi

# ---- batch: one connection, transactions across lines ---------------------------

cat >"$TMP/batch" <<'EOF'
# apply a policy change atomically
txn begin
acl set vd data0 client h1 ro
status set vd data0 client h1 "quiesced"

txn commit
acl set vd data0 rw
EOF
calls "batch: txn id carried by the staged lines only" "tx_begin -> 42
txn=42 peap_set_acl data0 client=h1 ro
txn=42 peap_set_status data0 client=h1 quiesced
tx_commit 42
peap_set_acl data0 client=- rw" -b "$TMP/batch"
cat >"$TMP/recovery" <<'EOF'
txn begin
vd resync-rate data0 1024
vd activate data0
txn commit
vd create m linear leg /dev/sdb:0:8 leg /dev/sdc:0:8 region-sectors 64
EOF
calls "batch: activate and resync-rate are staged in a transaction" "tx_begin -> 42
txn=42 eh_set_resync_rate data0 1024
txn=42 eh_activate_vd data0
tx_commit 42
ap_create_vd_opts m layout=linear chunk=0 nosync=0 legs=2 [/dev/sdb:0:8] [/dev/sdc:0:8] present=1 region_sectors=64 resync_rate=0" -b "$TMP/recovery"
run $FAKE -b - <<<'client set h3 info "rack 4, slot \"2\""'
[ $RC -eq 0 ] && [ "$(cat "$VVMPCTL_FAKE_LOG")" = 'peap_set_client h3 info=rack 4, slot "2"' ] &&
	ok "batch: stdin, quoted words" || not_ok "batch: stdin, quoted words" "$(cat "$VVMPCTL_FAKE_LOG") $(cat "$ERR")"
printf 'txn begin\nacl set vd a ro\n' >"$TMP/open"
run $FAKE -b "$TMP/open"
if [ $RC -eq 1 ] && grep -qx "tx_abort 42" "$VVMPCTL_FAKE_LOG" &&
   grep -q "transaction 42 was not committed by the end of the batch: aborted" "$ERR"; then
	ok "batch: a transaction left open is aborted, exit 1"
else
	not_ok "batch: a transaction left open is aborted, exit 1" "exit $RC" "$(cat "$ERR")" "$(cat "$VVMPCTL_FAKE_LOG")"
fi
printf 'client set a\nacl set vd a rx\nclient set b\n' >"$TMP/bad"
run $FAKE -b "$TMP/bad"
if [ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: $TMP/bad:2: invalid ACL 'rx': expected rw, ro or none" ] &&
   [ "$(cat "$VVMPCTL_FAKE_LOG")" = "peap_set_client a info=-" ]; then
	ok "batch: stops at a bad line and names file:line"
else
	not_ok "batch: stops at a bad line and names file:line" "exit $RC" "$(cat "$ERR")" "$(cat "$VVMPCTL_FAKE_LOG")"
fi
printf 'plan take 12\nplan show 12\nplan resubmit 12 generation 3\nplan take 13\nplan abort 13 errno EIO\n' >"$TMP/take"
run $FAKE -b "$TMP/take"
[ $RC -eq 0 ] && [ ! -s "$ERR" ] && [ "$(cat "$VVMPCTL_FAKE_LOG")" = "eh_take_plan 12
eh_get_plan 12
eh_resubmit_plan 12 generation=3
eh_take_plan 13
eh_abort_plan 13 errno=5" ] && ok "batch: take, then resubmit or abort on the same connection" ||
	not_ok "batch: take, then resubmit or abort on the same connection" "exit $RC $(cat "$ERR")" "$(cat "$VVMPCTL_FAKE_LOG")"
printf 'plan take 12\nplan take 13\nplan abort 13\n' >"$TMP/take-left"
run $FAKE -b "$TMP/take-left"
[ $RC -eq 0 ] && [ "$(cat "$ERR")" = "vvmpctl: $TMP/take-left: plan 12 taken in this batch was neither resubmitted nor aborted: its VD's timeout policy applies to it now" ] &&
	ok "batch: a plan taken and left is named when the batch ends" ||
	not_ok "batch: a plan taken and left is named when the batch ends" "exit $RC" "$(cat "$ERR")"
printf 'txn begin\nleg fail data0 1\nleg restore data0 1 full\ntxn commit\n' >"$TMP/legs"
calls "batch: leg fail and restore are staged in a transaction" "tx_begin -> 42
txn=42 ssap_fail_leg data0 leg=1
txn=42 ssap_restore_leg data0 leg=1 full=1
tx_commit 42" -b "$TMP/legs"
for line in "plan abort 12" "plan resubmit 12 generation 3" "vd exc-policy data0 timeout 5" \
	    "vd copy data0 src 0 dst 8 length 8" "io write data0 leg 0 sector 0 length 1 from /dev/zero" \
	    "plan take 12"; do
	printf 'txn begin\n%s\n' "$line" >"$TMP/in-txn"
	run $FAKE -b "$TMP/in-txn"
	verb=$(echo "$line" | cut -d' ' -f1-2)
	if [ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: $TMP/in-txn:2: '$verb' is not staged in transactions (it would apply at once): run it after 'txn commit'" ] &&
	   [ "$(cat "$VVMPCTL_FAKE_LOG")" = "tx_begin -> 42" ]; then
		ok "batch: '$verb' inside a transaction is refused, nothing sent"
	else
		not_ok "batch: '$verb' inside a transaction is refused, nothing sent" "exit $RC" "$(cat "$ERR")" "$(cat "$VVMPCTL_FAKE_LOG")"
	fi
done
run $FAKE -b - <<<'io write data0 leg 0 sector 0 length 1 from -'
[ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: stdin:1: 'from -' in a batch read from stdin: name a file" ] &&
	ok "batch: io write from stdin refused when the batch is stdin" ||
	not_ok "batch: io write from stdin refused when the batch is stdin" "exit $RC $(cat "$ERR")"
usage "batch with a command too" "'vd' after -b FILE: a batch takes its commands from FILE" -b x vd show
printf 'txn begin\ntxn begin\n' >"$TMP/twice"
run $FAKE -b "$TMP/twice"
[ $RC -eq 2 ] && grep -q "transaction 42 is still open: commit or abort it first" "$ERR" &&
	ok "batch: nested txn begin refused" || not_ok "batch: nested txn begin refused" "exit $RC $(cat "$ERR")"

# ---- the real binary on a host without dm-vvmp ------------------------------------

run $REAL vd show
if [ $RC -eq 1 ] && [ "$(cat "$ERR")" = 'vvmpctl: connect to the vvmp generic netlink family: No such file or directory: generic netlink family "vvmp" not found (is the dm-vvmp module loaded?)' ] && [ ! -s "$OUT" ]; then
	ok "real: no vvmp family on the host, exit 1 with a clear message"
else
	not_ok "real: no vvmp family on the host, exit 1 with a clear message" "exit $RC" "stderr: $(cat "$ERR")"
fi
run $REAL -j events
[ $RC -eq 1 ] && grep -q 'not found (is the dm-vvmp module loaded?)' "$ERR" &&
	ok "real: events without the family, exit 1" || not_ok "real: events without the family, exit 1" "exit $RC $(cat "$ERR")"
run $REAL vd activate data0
[ $RC -eq 1 ] && grep -q 'not found (is the dm-vvmp module loaded?)' "$ERR" &&
	ok "real: vd activate without the family, exit 1" || not_ok "real: vd activate without the family, exit 1" "exit $RC $(cat "$ERR")"
run $REAL vd create a linear leg /dev/sdb:0:8 region-sectors 3
[ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: invalid region-sectors '3': a power of two from 8 to 2097152" ] &&
	ok "real: a bad region size is a usage error before any kernel call" ||
	not_ok "real: a bad region size is a usage error before any kernel call" "exit $RC $(cat "$ERR")"
run $REAL plan list
[ $RC -eq 1 ] && grep -q 'not found (is the dm-vvmp module loaded?)' "$ERR" &&
	ok "real: plan list without the family, exit 1" || not_ok "real: plan list without the family, exit 1" "exit $RC $(cat "$ERR")"
run $REAL plan abort 3 errno EBADFOO
[ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: invalid errno 'EBADFOO': a number 1 to 4095 or a name such as EIO" ] &&
	ok "real: a bad errno is a usage error before any kernel call" ||
	not_ok "real: a bad errno is a usage error before any kernel call" "exit $RC $(cat "$ERR")"
run $REAL vd create a linear leg /dev/sdb:0:x
[ $RC -eq 2 ] && [ "$(head -n1 "$ERR")" = "vvmpctl: invalid length 'x' in extent '/dev/sdb:0:x': expected a number > 0" ] &&
	ok "real: usage errors need no kernel" || not_ok "real: usage errors need no kernel" "exit $RC $(cat "$ERR")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
