# Shared helpers for integration tests (sourced).  Each test calls ok/bad per
# assertion and `finish` at the end, which prints "N passed, M failed".
BUILD=${BUILD:-build}
BIN=$BUILD/bin
GUESTS=$BUILD/guests
T_PASS=0
T_FAIL=0
TMP=$(mktemp -d /tmp/ketch-test.XXXXXX)
CLEANUP_CMDS=()

ok() { T_PASS=$((T_PASS + 1)); echo "ok   - $*"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}
# expect_match DESCRIPTION REGEX TEXT
expect_match() {
	if echo "$3" | grep -qE -- "$2"; then ok "$1"; else bad "$1: /$2/ not in: $(echo "$3" | head -20)"; fi
}
# Emulated runs (tests/vm) are 10-50x slower: waits scale with this.
T_SCALE=1
[ "${KETCH_IN_VM:-0}" = 1 ] && T_SCALE=10
# log_has FILE REGEX: true once FILE has a line matching REGEX (waits up
# to 5 s, scaled), for lines a daemon writes just after its reply.
log_has() {
	local i
	for ((i = 0; i < 50 * T_SCALE; i++)); do
		grep -qE -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
# expect_log DESCRIPTION FILE REGEX
expect_log() {
	if log_has "$2" "$3"; then ok "$1"; else bad "$1: /$3/ not in $2: $(tail -5 "$2")"; fi
}
on_exit() { CLEANUP_CMDS+=("$*"); }

# --- the daemons, each on the private sockets its script names ------------
# wait_ok COMMAND...: true once COMMAND succeeds (20 s, scaled).
wait_ok() {
	local i
	for ((i = 0; i < 200 * T_SCALE; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
# start_hv SOCKET: ketch-hv serving SOCKET, stderr in $TMP/hv.log; sets
# HV_PID; true once the socket is there.  Every start_* kills its daemon
# at exit.
start_hv() {
	"$BIN/ketch-hv" --socket "$1" 2>"$TMP/hv.log" &
	HV_PID=$!
	on_exit "kill -9 $HV_PID"
	wait_ok test -S "$1"
}
# start_fake_hv SOCKET DOMID: fake_hv.py standing in for ketch-hv, for
# scripts that need no KVM; output in $TMP/hv.log.
start_fake_hv() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/fake_hv.py" "$1" "$2" >"$TMP/hv.log" 2>&1 &
	HV_PID=$!
	on_exit "kill $HV_PID"
	wait_ok test -S "$1"
}
# start_xenstored SOCKET HV_SOCKET: ketch-xenstored, stderr in $TMP/xs.log;
# sets XS_PID; true once the socket is there.
start_xenstored() {
	"$BIN/ketch-xenstored" --socket "$1" --hv-socket "$2" 2>"$TMP/xs.log" &
	XS_PID=$!
	on_exit "kill -9 $XS_PID"
	wait_ok test -S "$1"
}
kd_answers() { "$BIN/ketch" --socket "$KD_SOCK" list >/dev/null 2>&1; }
# start_ketchd ARGS...: ketchd on $KD_SOCK with $HV_SOCK and $XS_SOCK and
# ARGS, stderr added to $KD_LOG (default $TMP/kd.log), stopped at exit
# with $KD_STOP (default KILL); sets KD_PID; true once it answers.
start_ketchd() {
	"$BIN/ketchd" --socket "$KD_SOCK" --hv-socket "$HV_SOCK" --xenstore "$XS_SOCK" "$@" \
		2>>"${KD_LOG:-$TMP/kd.log}" &
	KD_PID=$!
	on_exit "kill -${KD_STOP:-KILL} $KD_PID"
	wait_ok kd_answers
}
# netecho_udp TEXT [IP [LENGTH]]: one datagram (TEXT repeated to LENGTH
# bytes, default its own length) to port 7 of IP (default $GUEST_IP), as
# the netecho guest serves it; prints "same", "differs: N bytes ..." or
# "no answer" (three tries).
netecho_udp() {
	python3 - "${2:-$GUEST_IP}" "${3:-${#1}}" "$1" "$((3 * T_SCALE))" <<'PY'
import socket, sys
ip, n, text, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), float(sys.argv[4])
msg = (text * (n // len(text) + 1))[:n]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(wait)
for attempt in range(3):
    s.sendto(msg, (ip, 7))
    try:
        data, peer = s.recvfrom(65536)
    except socket.timeout:
        continue
    print("same" if data == msg else "differs: %d bytes %r" % (len(data), data[:40]))
    sys.exit(0)
print("no answer")
PY
}
# The ticker guest's console through ketchd (64, 65): ticks NAME, its tick
# numbers in order; last_tick NAME; at_least NAME N; gaps NAME, every tick
# not one more than the one before (empty: none).
ticks() { grep -oE 'tick [0-9]+' "$LOGS/console-$1.log" 2>/dev/null | awk '{print $2}'; }
last_tick() { ticks "$1" | tail -n 1; }
at_least() { [ "$(last_tick "$1")" -ge "$2" ] 2>/dev/null; }
# seq_gaps: where the numbers on stdin (one a line) do not go up by one
seq_gaps() { awk 'NR > 1 && $1 != prev + 1 { print "after " prev ": " $1 } { prev = $1 }'; }
gaps() { ticks "$1" | seq_gaps; }
hv_count() { HVCTL list | tail -n +2 | wc -l; }
# passed NAME WHAT...: each of diskcheck's checks WHAT passed on NAME's
# console (66, 67)
passed() {
	local n=$1 c
	shift
	for c in "$@"; do
		check "$n: $c" console_has "$n" "PASS $c\$"
	done
}
# start_toolstack [KETCHD-ARGS...]: ketch-hv, ketch-xenstored and ketchd
# (logs in $LOGS) on toolstack_paths' sockets, then into $TMP.  ketchd is
# stopped with TERM at exit, so it destroys its domains and backends.
start_toolstack() {
	start_hv "$HV_SOCK"
	start_xenstored "$XS_SOCK" "$HV_SOCK"
	KD_STOP=TERM
	check "ketchd serves its socket" start_ketchd --log-dir "$LOGS" "$@"
	cd "$TMP" || exit 1
}
# --- the toolstack's scripts (60, 71, 84) ------------------------------------
# toolstack_paths: $BIN and $GUESTS made absolute (these scripts work in
# $TMP), the daemons' private sockets HV_SOCK, XS_SOCK and KD_SOCK, LOGS
# for ketchd's --log-dir, and the variables by which the ketch CLI and the
# xenstore-* tools find ketchd and ketch-xenstored.
toolstack_paths() {
	BIN=$(cd "$BIN" && pwd)
	GUESTS=$(cd "$GUESTS" && pwd)
	HV_SOCK=$TMP/hv.sock
	XS_SOCK=$TMP/xs.sock
	KD_SOCK=$TMP/run/ketchd.sock
	LOGS=$TMP/logs
	export KETCH_SOCKET=$KD_SOCK XENSTORED_PATH=$XS_SOCK
}
K() { "$BIN/ketch" "$@"; }
HVCTL() { "$BIN/ketchctl-hv" --socket "$HV_SOCK" "$@"; }
# jget PATH: the field at PATH (keys and list indexes joined by dots) of
# the JSON on stdin
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }
# domid_of NAME: the domid ketchd lists for NAME; empty if none
domid_of() { K list --json | python3 -c 'import json,sys
print(next((str(d["domid"]) for d in json.load(sys.stdin) if d["name"]==sys.argv[1]), ""))' "$1"; }
xs_missing() { ! xenstore-read "$1" >/dev/null 2>&1; }
# console_has DOMAIN REGEX: ketchd's console log of DOMAIN has a match
console_has() { grep -qE -- "$2" "$LOGS/console-$1.log" 2>/dev/null; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds (scaled)
wait_for() {
	local n=$(($1 * 10 * T_SCALE)) i
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
quiet() { "$@" >/dev/null; }

# in_netns NAME SCRIPT ARGS...: unless already in one, runs SCRIPT again
# inside a network namespace NAME-<pid> made for it (removed after) and
# exits with its status; a machine that cannot make one fails the script.
in_netns() {
	[ -n "${KETCH_NET_NS:-}" ] && return 0
	local ns=$1-$$ rc
	shift
	if ip netns add "$ns" 2>/dev/null; then
		KETCH_NET_NS=$ns ip netns exec "$ns" "$@"
		rc=$?
		ip netns del "$ns"
		exit $rc
	fi
	bad "ip netns add $ns: network namespaces are needed (root, iproute2)"
	finish
}
# show_on_failure FILE...: finish prints the tail of each FILE when a check
# failed, so a failure far away (CI, the emulated VM) carries its daemons' say.
T_LOGS=()
show_on_failure() { T_LOGS+=("$@"); }
_cleanup() {
	local c
	for c in "${CLEANUP_CMDS[@]}"; do eval "$c" >/dev/null 2>&1; done
	# KETCH_TEST_KEEP=DIR keeps a failed script's whole work folder (its
	# daemons' full logs) for a post-mortem.
	if [ -n "${KETCH_TEST_KEEP:-}" ] && [ "$T_FAIL" -ne 0 ]; then
		mkdir -p "$KETCH_TEST_KEEP" &&
			cp -a "$TMP" "$KETCH_TEST_KEEP/$(basename "$0" .sh).$$" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap _cleanup EXIT
finish() {
	local f
	if [ "$T_FAIL" -ne 0 ]; then
		for f in "${T_LOGS[@]}"; do
			[ -s "$f" ] || continue
			echo "--- the last lines of $(basename "$f") ---"
			tail -n 40 "$f" | sed 's/^/    | /'
		done
	fi
	# Under software emulation a guest now and then sees its own page
	# tables as missing and triple-faults (tests/vm/README.md); say so, so
	# tests/run-all.sh can tell that from a failure of the code under test.
	if [ "$T_FAIL" -ne 0 ] && [ "${KETCH_IN_VM:-0}" = 1 ] &&
		grep -rqs -- 'AMD SVM reset the vCPU' "$TMP"; then
		echo "emulated-cpu-fault: a guest of this script triple-faulted with its registers lost"
	fi
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

# xs_add_vif DOMID MAC BRIDGE: the nodes libxl writes for domain DOMID's
# vif 0 (backend's owned by domain 0 and readable by the guest, frontend's
# the guest's), for scripts that play the toolstack themselves.
xs_add_vif() {
	local d=$1 fe=/local/domain/$1/device/vif/0 be=/local/domain/0/backend/vif/$1/0
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$d" "$be/online" 1 \
		"$be/state" 1 "$be/mac" "$2" "$be/bridge" "$3" "$be/handle" 0 \
		"$be/type" vif "$be/script" vif-bridge &&
		xenstore-chmod -r "$be" n0 "r$d" &&
		xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
			"$fe/handle" 0 "$fe/mac" "$2" &&
		xenstore-chmod -r "$fe" "n$d" r0
}

# --- the disk scripts (70, 71, 73) -------------------------------------------
# diskcheck_pattern BASE COUNT SEED: the sectors the diskcheck guest writes
# from BASE, their checksums left zero (the last 8 bytes of each).
diskcheck_pattern() {
	LC_ALL=C awk -v base="$1" -v count="$2" -v seed="$3" 'BEGIN {
		for (s = base; s < base + count; s++) {
			h = sprintf("ketch-blk sector %08d seed %d\n", s, seed)
			printf "%s", h
			for (i = length(h); i < 504; i++) printf "%c", (s * 7 + i * 13 + seed) % 256
			for (i = 0; i < 8; i++) printf "%c", 0
		}
	}'
}
# bad_sectors RAW FROM COUNT: sectors of RAW whose bytes (checksums aside)
# differ from diskcheck's pattern, as written from $BASE to $TMP/expected
bad_sectors() {
	dd if="$1" bs=512 skip="$2" count="$3" status=none |
		cmp -l <(tail -c +$((($2 - BASE) * 512 + 1)) "$TMP/expected" | head -c $(($3 * 512))) - |
		awk '($1 - 1) % 512 < 504 && !seen[int(($1 - 1) / 512)]++ { n++ } END { print n + 0 }'
}
# reject_disks DESCRIPTION DISKS-JSON MESSAGE-REGEX: a diskcheck domain with
# these disks is refused by create (exit 5) with a message matching REGEX.
reject_disks() {
	local out
	echo "{\"name\":\"bad\",\"kernel\":\"diskcheck\",\"disks\":[$2]}" >bad.json
	out=$(K create bad.json 2>&1)
	expect_eq "$1: exit 5" 5 "$?"
	expect_match "$1: message" "$3" "$out"
}
# diskcheck_xl NAME CMDLINE DISKSPEC: an xl config of a diskcheck domain
# with that one disk, kept when it powers off.
diskcheck_xl() {
	printf 'name = "%s"\nkernel = "diskcheck"\nmemory = 32\non_poweroff = "preserve"\n' "$1"
	printf 'cmdline = "%s"\ndisk = [ '"'%s'"' ]\n' "$2" "$3"
}
# xs_add_vbd DOMID DEVID IMAGE MODE: the nodes libxl writes for domain
# DOMID's disk DEVID on IMAGE (MODE w or r), the backend's owned by domain
# 0 and readable by the guest, the frontend's the guest's.
xs_add_vbd() {
	local d=$1 be=/local/domain/0/backend/vbd/$1/$2 fe=/local/domain/$1/device/vbd/$2
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$d" "$be/online" 1 \
		"$be/state" 1 "$be/params" "$3" "$be/mode" "$4" "$be/type" phy \
		"$be/dev" xvda "$be/device-type" disk "$be/removable" 0 "$be/bootable" 1 &&
		xenstore-chmod -r "$be" n0 "r$d" &&
		xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
			"$fe/virtual-device" "$2" "$fe/device-type" disk &&
		xenstore-chmod -r "$fe" "n$d" r0
}
