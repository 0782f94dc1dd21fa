# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2120  # used by the suites
#
# What the vvmpd guest suites (vvmpd_alloc.sh, vvmpd_raid.sh,
# vvmpd_remote.sh, vvmpd_eh.sh) share. Sourced, never run, right after
# "set -u":
#
#	tap_plan=N host=NAME dev=NAME
#	. "$(dirname "$(readlink -f "$0")")/vvmpd_test_lib.sh"
#
# A suite sets before sourcing:
#   tap_plan   its number of tests: the TAP header printed here says 1..N
#   host       the VVMP client's host name (vvmp_client, learn_kcl)
#   dev        the client's dm device, removed by cleanup
# and, whenever before the use:
#   heartbeat_ms   vvmpd --heartbeat-ms (default 1000)
#   vvmpd_opts     an array of options every start_vvmpd adds (default none)
#   unit_pids      the vvmp-unit agents it started, "$unit_pids $!": cleanup
#                  kills them
#   cleanup_pre, cleanup_post   functions cleanup runs first and last
#
# It provides:
#   top ctl vvmpd unit client   the tree and the binaries built in it
#   module       the dm-vvmp.ko to insmod on a reload ($VVMP_MODULE)
#   tmp          a fresh directory /tmp/<suite>.XXXXXX, removed at exit;
#                vvmpd logs to $tmp/vvmpd.log, the units to $tmp/unit.log
#   sock         vvmpd's control socket
#   n failed     the TAP counters; kcl, vvmpd_pid, udp: empty
#   tap RC DESCRIPTION            one TAP line ("ok N ..." if RC is 0)
#   nap SECONDS                   sleep without a process
#   wait_for SECONDS CMD...       until CMD succeeds (polled every 0.05 s)
#   has PATTERN CMD...            CMD succeeds and prints PATTERN
#   start_vvmpd [OPTION...]       vvmpd on $tmp, ready: sets tcp and udp
#                                 (the UDP port is kept across restarts)
#   stop_vvmpd [SIGNAL]           kill (TERM) and reap it
#   vvmp_client ARGS...           vvmp-client to vvmpd as $host
#   learn_kcl                     kcl: session $sid's kernel client
#   pushed ID, kernel_lacks VD, size_is VD SECTORS, units_up N
#   cleanup                       the EXIT trap (then $tmp goes): cleanup_pre,
#                                 $dev, the units, vvmpd, every san1-vdN VD,
#                                 $kcl, cleanup_post
#   dump_logs                     vvmpd's log ($tmp/vvmpd.log.before first,
#                                 if any) and the units' as TAP diagnostics
#
# The guest is emulated (TCG): every process costs, so the helpers run one
# command and match its output in bash, and nap is a bash read.

: "${tap_plan:?set tap_plan before sourcing vvmpd_test_lib.sh}"
: "${host:?set host before sourcing vvmpd_test_lib.sh}"
: "${dev:?set dev before sourcing vvmpd_test_lib.sh}"

top=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
ctl=$top/tools/vvmpctl/vvmpctl
vvmpd=$top/vvmp/daemon/vvmpd
unit=$top/vvmp/unit/vvmp-unit
client=$top/tools/vvmp-client/vvmp-client
module=${VVMP_MODULE:-$top/build/$(uname -r)/dm-vvmp.ko}
tmp=${0##*/}
tmp=$(mktemp -d "/tmp/${tmp%.sh}.XXXXXX")
sock=$tmp/vvmpd.sock
kcl=			# the kernel client: d<domain>-<host>, once the session is known
n=0
failed=0
vvmpd_pid=
unit_pids=
udp=

echo "TAP version 13"
echo "1..$tap_plan"

tap() { # tap RC description
	n=$((n + 1))
	echo "# at ${SECONDS}s"
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# nap SECONDS: sleep without a process (read from a pipe nobody writes).
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd"; :; }

# wait_for SECONDS CMD...: until CMD succeeds (polled every 0.05 s).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		nap 0.05
	done
}

# has PATTERN CMD...: CMD succeeds and its output contains PATTERN (one process).
has() {
	local out
	out=$("${@:2}" 2>/dev/null) && [[ $out == *"$1"* ]]
}

start_vvmpd() { # start_vvmpd [OPTION...]
	rm -f "$tmp/ready"
	"$vvmpd" --db "$tmp/vvmpd.db" --ctl "$sock" --tcp-port 0 --udp-port "${udp:-0}" \
		--ready-file "$tmp/ready" --san-id 1 --grace-ms 600000 \
		--heartbeat-ms "${heartbeat_ms:-1000}" --kernel-poll-ms 200 \
		${vvmpd_opts+"${vvmpd_opts[@]}"} -v "$@" >>"$tmp/vvmpd.log" 2>&1 &
	vvmpd_pid=$!
	wait_for 10 test -s "$tmp/ready" || return 1
	local ready
	read -r ready <"$tmp/ready"		# "tcp=N udp=M"
	tcp=${ready#tcp=}; tcp=${tcp%% *}
	udp=${ready##*udp=}
}

stop_vvmpd() { # stop_vvmpd [SIGNAL]
	[ -n "$vvmpd_pid" ] && kill -"${1:-TERM}" "$vvmpd_pid" 2>/dev/null &&
		wait "$vvmpd_pid" 2>/dev/null
	vvmpd_pid=
}

# vvmp_client ARGS...: vvmp-client, as host $host, to vvmpd's TCP port.
vvmp_client() { "$client" -m "127.0.0.1:$tcp" -H "$host" -b 7 "$@"; }

# learn_kcl: kcl is the kernel client of session $sid (its domain's).
learn_kcl() {
	[[ $("$ctl" -s "$sock" -j session show "${sid:-0}") =~ \"domain_id\":([0-9]+) ]] &&
		kcl=d${BASH_REMATCH[1]}-$host
}

pushed() { has '"kernel_pushed":true' "$ctl" -s "$sock" -j alloc show "$1"; }
kernel_lacks() { ! "$ctl" vd show "$1" >/dev/null 2>&1; }
size_is() { has "\"size\":$2," "$ctl" -j vd show "$1"; }
units_up() { has "units_up $1 volumes $1 " "$ctl" -s "$sock" pool show; }

cleanup() {
	local p v
	declare -F cleanup_pre >/dev/null && cleanup_pre
	dmsetup remove "$dev" 2>/dev/null
	for p in $unit_pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	stop_vvmpd
	for v in $("$ctl" vd show 2>/dev/null | sed -n 's/^vd \(san1-vd[0-9]*\) .*/\1/p'); do
		"$ctl" vd delete "$v" 2>/dev/null
	done
	[ -n "$kcl" ] && "$ctl" client delete "$kcl" 2>/dev/null
	declare -F cleanup_post >/dev/null && cleanup_post
}
trap 'cleanup; rm -rf "$tmp"' EXIT

dump_logs() {
	echo "# vvmpd log:"; cat "$tmp/vvmpd.log.before" "$tmp/vvmpd.log" 2>/dev/null | sed 's/^/#   /'
	echo "# unit log:"; sed 's/^/#   /' "$tmp/unit.log"
}
