#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vvmpctl pool|unit|session|alloc (show, create, grow, free, legs, divert) and
# spare (show, add, delete, repaired) against a fake vvmpd control socket
# (fake_vvmpd.py answers canned JSON): the request sent, text and -j output
# with vvmpd's field names, exit codes 0/1/2, help from the verb tables.
set -u
cd "$(dirname "$0")"
CTL=./vvmpctl-real
TMP=$(mktemp -d)
SOCK=$TMP/vvmpd.sock
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$TMP"' EXIT

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '  %s\n' "$@" >&2; }
run() { : >"$TMP/requests"; "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; }

# expect NAME RC "STDOUT" "REQUEST" ARGS...: exit code, exact stdout, the request made.
expect() {
	local name=$1 rc=$2 want=$3 req=$4; shift 4
	run $CTL -s "$SOCK" "$@"
	if [ $RC -eq "$rc" ] && [ "$(cat "$TMP/out")" = "$want" ] &&
	   [ "$(cat "$TMP/requests")" = "$req" ]; then
		ok "$name"
	else
		not_ok "$name" "args: $*" "exit $RC, want $rc" "stdout: $(cat "$TMP/out")" \
			"want:   $want" "stderr: $(cat "$TMP/err")" "request: $(cat "$TMP/requests")"
	fi
}

cat >"$TMP/pool.json" <<'J'
{"san_id":1,"units_up":2,"volumes":3,"total_kb":8192,"free_kb":4096,"vds":1,"sessions":1}
J
cat >"$TMP/units.json" <<'J'
{"units":[{"id":1,"name":"shelf-1","domain_id":1,"state":"up","storage_type":1,"bandwidth_kb":0,"load_pct":0,"static":false,"address":"[::1]:4000","volumes":[{"id":1,"unit_volume_id":1,"start_lba":0,"length_lba":8192,"free_lba":4096,"transport":1,"address":"/dev/ram0"}]},{"id":2,"name":"shelf 2","domain_id":1,"state":"down","storage_type":2,"bandwidth_kb":100,"load_pct":5,"static":true,"address":"","volumes":[]}]}
J
cat >"$TMP/sessions.json" <<'J'
{"sessions":[{"id":3,"client":"hostA","domain_id":1,"state":"active","vds":[4,5]}]}
J
cat >"$TMP/vds.json" <<'J'
{"vds":[{"id":4,"storage_type":1,"access":1,"capacity_kb":2048,"members":1,"remote_san_id":0,"kernel_name":"san1-vd4","kernel_pushed":true,"kernel_reason":"","segments":[{"member":0,"unit_id":1,"volume_id":1,"start_lba":0,"length_lba":4096}]}]}
J
python3 ./fake_vvmpd.py "$SOCK" "$TMP" 2>"$TMP/server.log" &
server=$!
for _ in $(seq 50); do [ -e "$TMP/ready" ] && break; sleep 0.1; done

expect "pool show: text" 0 \
	"san_id 1 units_up 2 volumes 3 total_kb 8192 free_kb 4096 vds 1 sessions 1" pool pool show
expect "pool: show is the default verb" 0 \
	"san_id 1 units_up 2 volumes 3 total_kb 8192 free_kb 4096 vds 1 sessions 1" pool pool
expect "pool show -j: vvmpd's field names" 0 \
	'[{"san_id":1,"units_up":2,"volumes":3,"total_kb":8192,"free_kb":4096,"vds":1,"sessions":1}]' pool -j pool show
expect "unit show: text, volumes indented, quoted name" 0 \
'id 1 name shelf-1 domain_id 1 state up storage_type 1 bandwidth_kb 0 load_pct 0 address [::1]:4000
    id 1 unit_volume_id 1 start_lba 0 length_lba 8192 free_lba 4096 transport 1 address /dev/ram0
id 2 name "shelf 2" domain_id 1 state down storage_type 2 bandwidth_kb 100 load_pct 5 static address ""' units unit show
expect "unit show ID -j" 0 \
	'[{"id":2,"name":"shelf 2","domain_id":1,"state":"down","storage_type":2,"bandwidth_kb":100,"load_pct":5,"static":true,"address":"","volumes":[]}]' \
	units -j unit show 2
expect "session show: text with the VD list" 0 \
	"id 3 client hostA domain_id 1 state active vds 4 5" sessions session show
expect "session show -j" 0 \
	'[{"id":3,"client":"hostA","domain_id":1,"state":"active","vds":[4,5]}]' sessions -j session list
expect "alloc show: kernel name and push state" 0 \
'id 4 storage_type 1 access 1 capacity_kb 2048 members 1 remote_san_id 0 kernel_name san1-vd4 kernel_pushed kernel_reason ""
    member 0 unit_id 1 volume_id 1 start_lba 0 length_lba 4096' vds alloc show 4

# ---- alloc create|grow|free: one request line each -----------------------------
cat >"$TMP/alloc_create_3_40960_raid0_2.json" <<'J'
{"id":6,"session_id":3,"storage_type":2,"capacity_kb":40960,"members":2,"extents":2,"kernel_name":"san1-vd6"}
J
cat >"$TMP/alloc_create_3_1024_jbod_0.json" <<'J'
{"id":7,"session_id":3,"storage_type":1,"capacity_kb":1024,"members":1,"extents":1,"kernel_name":"san1-vd7"}
J
cat >"$TMP/alloc_grow_6_81920.json" <<'J'
{"id":6,"session_id":3,"storage_type":2,"capacity_kb":81920,"members":2,"extents":2,"kernel_name":"san1-vd6"}
J
cat >"$TMP/alloc_free_6.json" <<'J'
{"id":6,"session_id":3,"freed":true}
J
cat >"$TMP/alloc_create_3_1024_raid5_0.json" <<'J'
{"error":"ALLOCATE: UNSUPPORTED_TYPE","status":14}
J
expect "alloc create: request and text" 0 \
	"id 6 session_id 3 storage_type 2 capacity_kb 40960 members 2 extents 2 kernel_name san1-vd6" \
	"alloc create 3 40960 raid0 2" alloc create session 3 size 40960 type raid0 members 2
expect "alloc create: jbod and members 0 (the type's default) by default, -j" 0 \
	'[{"id":7,"session_id":3,"storage_type":1,"capacity_kb":1024,"members":1,"extents":1,"kernel_name":"san1-vd7"}]' \
	"alloc create 3 1024 jbod 0" -j alloc create size 1024 session 3
expect "alloc grow: the new total" 0 \
	"id 6 session_id 3 storage_type 2 capacity_kb 81920 members 2 extents 2 kernel_name san1-vd6" \
	"alloc grow 6 81920" alloc grow 6 size 81920
expect "alloc free -j" 0 '[{"id":6,"session_id":3,"freed":true}]' "alloc free 6" -j alloc free 6
expect "alloc create refused by vvmpd: exit 1" 1 "" "alloc create 3 1024 raid5 0" \
	alloc create session 3 size 1024 type raid5
grep -q "^vvmpctl: vvmpd refused 'alloc create 3 1024 raid5 0' (ALLOCATE: UNSUPPORTED_TYPE)" "$TMP/err" &&
	ok "alloc create refusal names vvmpd's status" || not_ok "alloc create refusal names vvmpd's status" "$(cat "$TMP/err")"
expect "alloc free of an unknown allocation: exit 1" 1 "" "alloc free 99" alloc free 99

# ---- exception handling: spares, leg health, vvmpd's divert ranges -----------------
cat >"$TMP/spares.json" <<'J'
{"volumes":[{"id":3,"state":"spare","unit_id":3,"domain_id":1,"length_lba":49152,"unit_up":true,"since_ms":17},{"id":2,"state":"failed","unit_id":2,"domain_id":1,"length_lba":49152,"unit_up":false,"since_ms":19}]}
J
cat >"$TMP/spare_add_3.json" <<'J'
{"id":3,"state":"spare"}
J
cat >"$TMP/spare_delete_3.json" <<'J'
{"id":3,"state":"pool"}
J
cat >"$TMP/spare_repaired_2.json" <<'J'
{"id":2,"state":"pool"}
J
cat >"$TMP/spare_add_1.json" <<'J'
{"error":"spare add 1: volume 1: the volume holds allocated segments"}
J
cat >"$TMP/legs_4.json" <<'J'
{"legs":[{"vd_id":4,"kernel_name":"san1-vd4","leg":1,"state":"rebuilding","full_copy":false,"failures":2,"changed_ms":23}]}
J
cat >"$TMP/divert_add_4_2048_1024.json" <<'J'
{"vd_id":4,"kernel_name":"san1-vd4","start":2048,"length":1024,"range":"added"}
J
cat >"$TMP/divert_delete_4_2048_1024.json" <<'J'
{"vd_id":4,"kernel_name":"san1-vd4","start":2048,"length":1024,"range":"deleted"}
J
expect "spare show: spares and failed volumes" 0 \
'id 3 state spare unit_id 3 domain_id 1 length_lba 49152 unit_up since_ms 17
id 2 state failed unit_id 2 domain_id 1 length_lba 49152 since_ms 19' "spares" spare show
expect "spare: show is the default verb" 0 \
'id 3 state spare unit_id 3 domain_id 1 length_lba 49152 unit_up since_ms 17
id 2 state failed unit_id 2 domain_id 1 length_lba 49152 since_ms 19' "spares" spare
expect "spare show VOLUME -j" 0 \
	'[{"id":2,"state":"failed","unit_id":2,"domain_id":1,"length_lba":49152,"unit_up":false,"since_ms":19}]' \
	"spares" -j spare show 2
expect "spare add" 0 "id 3 state spare" "spare add 3" spare add 3
expect "spare delete (del)" 0 "id 3 state pool" "spare delete 3" spare del 3
expect "spare repaired" 0 "id 2 state pool" "spare repaired 2" spare repaired 2
expect "spare add refused by vvmpd: exit 1" 1 "" "spare add 1" spare add 1
grep -q "the volume holds allocated segments" "$TMP/err" && ok "spare add refusal relayed" ||
	not_ok "spare add refusal relayed" "$(cat "$TMP/err")"
expect "alloc legs ID" 0 \
	"vd_id 4 kernel_name san1-vd4 leg 1 state rebuilding failures 2 changed_ms 23" \
	"legs 4" alloc legs 4
expect "alloc divert: vvmpd's range" 0 \
	"vd_id 4 kernel_name san1-vd4 start 2048 length 1024 range added" \
	"divert add 4 2048 1024" alloc divert 4 2048 1024
expect "alloc undivert -j" 0 \
	'[{"vd_id":4,"kernel_name":"san1-vd4","start":2048,"length":1024,"range":"deleted"}]' \
	"divert delete 4 2048 1024" -j alloc undivert 4 2048 1024

# ---- failures: exit 1 ---------------------------------------------------------
expect "unknown id: exit 1" 1 "" units unit show 9
grep -q "^vvmpctl: unit 9: No such file or directory$" "$TMP/err" && ok "unknown id named" ||
	not_ok "unknown id named" "$(cat "$TMP/err")"
rm "$TMP/pool.json"
expect "daemon error object: exit 1" 1 "" pool pool show
grep -q "vvmpd refused 'pool' (unknown request" "$TMP/err" && ok "daemon error relayed" ||
	not_ok "daemon error relayed" "$(cat "$TMP/err")"
printf '{"san_id":1,' >"$TMP/pool.json"
expect "truncated answer: exit 1" 1 "" pool pool show
grep -q "is not a JSON object" "$TMP/err" && ok "truncated answer named" ||
	not_ok "truncated answer named" "$(cat "$TMP/err")"
run $CTL -s "$TMP/none.sock" pool show
[ $RC -eq 1 ] && grep -q "^vvmpctl: connect to vvmpd at $TMP/none.sock (is vvmpd running? -s PATH): No such file or directory$" "$TMP/err" &&
	ok "no daemon: exit 1, socket named" || not_ok "no daemon: exit 1, socket named" "exit $RC" "$(cat "$TMP/err")"

# ---- usage: exit 2, no request ------------------------------------------------------
usage() {
	local name=$1 msg=$2; shift 2
	run $CTL -s "$SOCK" "$@"
	if [ $RC -eq 2 ] && [ "$(head -n1 "$TMP/err")" = "vvmpctl: $msg" ] && [ ! -s "$TMP/requests" ] &&
	   [ ! -s "$TMP/out" ]; then
		ok "usage: $name"
	else
		not_ok "usage: $name" "exit $RC" "$(cat "$TMP/err")" "request: $(cat "$TMP/requests")"
	fi
}
usage "pool show extra" "unexpected argument 'x'" pool show x
usage "unit show bad id" "invalid unit 'one': expected a decimal number below 2^32" unit show one
usage "session show two ids" "unexpected argument '2'" session show 1 2
usage "alloc unknown verb" "unknown verb 'shrink' for object 'alloc'" alloc shrink
usage "alloc create without session" "'session' is required" alloc create size 1024
usage "alloc create without size" "'size' is required" alloc create session 3
usage "alloc create bad type" "invalid type 'raid6': expected jbod, raid0, raid1 or raid5" \
	alloc create session 3 size 1024 type raid6
usage "alloc create size 0" "invalid size '0': an allocation holds at least 1 KB" \
	alloc create session 3 size 0
usage "alloc create stray word" "unexpected argument 'now'" alloc create session 3 size 1 now
usage "alloc grow without size" "'grow' needs 'size KB' after the ID" alloc grow 4
usage "alloc grow bad id" "invalid allocation 'x': expected a decimal number below 2^32" \
	alloc grow x size 4096
usage "alloc free without id" "'free' needs an allocation ID" alloc free
usage "alloc free two ids" "unexpected argument '5'" alloc free 4 5
usage "spare add without volume" "'add' needs a VOLUME id (vvmpctl unit show)" spare add
usage "spare add bad volume" "invalid volume 'x': expected a decimal number below 2^32" spare add x
usage "spare show extra" "unexpected argument '4'" spare show 3 4
usage "alloc legs two ids" "unexpected argument '5'" alloc legs 4 5
usage "alloc divert short" "expected ID START LENGTH" alloc divert 4 2048
usage "alloc divert length 0" "invalid length '0': a range holds at least one sector" \
	alloc divert 4 2048 0
run $CTL -s
[ $RC -eq 2 ] && grep -q "^vvmpctl: option '-s' needs a PATH$" "$TMP/err" && ok "usage: -s without PATH" ||
	not_ok "usage: -s without PATH" "exit $RC" "$(cat "$TMP/err")"

# ---- help from the verb tables ---------------------------------------------------------
run $CTL --help
grep -q '^  pool     vvmpd.s storage pool (control socket)$' "$TMP/out" &&
	grep -q '^  -s, --socket PATH' "$TMP/out" && ok "help: top level lists pool and -s" ||
	not_ok "help: top level lists pool and -s" "$(cat "$TMP/out")"
for o in pool unit session alloc spare; do
	run $CTL $o help
	[ $RC -eq 0 ] && grep -q "^  vvmpctl $o show" "$TMP/out" && grep -q "control socket (option -s PATH" "$TMP/out" &&
		ok "help: $o help" || not_ok "help: $o help" "$(cat "$TMP/out")"
	run $CTL $o show --help
	[ $RC -eq 0 ] && head -n1 "$TMP/out" | grep -q "^Usage: vvmpctl $o show" &&
		ok "help: $o show --help" || not_ok "help: $o show --help" "$(cat "$TMP/out")"
done
run $CTL alloc help
grep -q "^  vvmpctl alloc create session ID size KB \[type jbod|raid0|raid1|raid5\] \[members N\]" "$TMP/out" &&
	grep -q "^  vvmpctl alloc grow ID size KB" "$TMP/out" && grep -q "^  vvmpctl alloc free ID" "$TMP/out" &&
	ok "help: alloc help lists create, grow, free" || not_ok "help: alloc help lists create, grow, free" "$(cat "$TMP/out")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
