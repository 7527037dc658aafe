#!/bin/bash
# needs: kvm
# Guest-facing hardening: vcpu_info placement follows Xen's alignment rule
# (a guest checks it from inside: PASS/FAIL lines, exit code = failures).
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv

runguest() { # name expected-status args...
	local g=$1 want=$2 out rc
	shift 2
	out=$(timeout 120 "$HV" run --kernel "$GUESTS/$g" --memory 32M "$@" 2>&1)
	rc=$?
	expect_eq "$g $* exits $want" "$want" "$rc"
	[ "$rc" = "$want" ] || echo "$out" | grep -E "FAIL|crash" | head -10
	LAST=$out
}

# --- 5: a misaligned vcpu_info is refused ---------------------------------
runguest vcpuinfo 0 --vcpus 3
expect_match "vcpuinfo verdict" '^vcpuinfo: PASS, 0 failures' "$LAST"

finish
