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
# show_on_failure FILE...: finish prints the tail of each FILE when a check
# failed, so a failure far away (CI, the emulated VM) carries its daemons' say.
T_LOGS=()
show_on_failure() { T_LOGS+=("$@"); }
_cleanup() {
	local c
	for c in "${CLEANUP_CMDS[@]}"; do eval "$c" >/dev/null 2>&1; done
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
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
	exit $?
}
