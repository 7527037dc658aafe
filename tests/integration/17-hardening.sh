#!/bin/bash
# needs: kvm
# Guest-facing hardening: vcpu_info placement follows Xen's alignment rule
# (a guest checks it from inside: PASS/FAIL lines, exit code = failures);
# a granter destroyed while another domain maps one of its pages keeps only
# the mapped pages, not its whole memory.
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

# --- 10: a destroyed granter keeps only what is mapped -------------------
SOCK=$TMP/hv.sock
CTL() { timeout 20 "$BIN/ketchctl-hv" --socket "$SOCK" "$@"; }
"$HV" --socket "$SOCK" 2>"$TMP/hv.log" &
HV_PID=$!
on_exit "kill -9 $HV_PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
wait_log() {
	for _ in $(seq 300); do grep -q -- "$1" "$TMP/hv.log" && return 0; sleep 0.1; done
	return 1
}
# memfd_kib BYTES: KiB the host holds for ketch-hv's memfd of that size
memfd_kib() {
	local f
	for f in /proc/$HV_PID/fd/*; do
		[ "$(readlink "$f")" = "/memfd:ketch-guest (deleted)" ] || continue
		[ "$(stat -L -c %s "$f")" = "$1" ] && echo $(($(stat -L -c %b "$f") / 2)) && return
	done
	echo none
}
a=$(CTL boot "$GUESTS/gnttest" --memory 64M --paused --cmdline "role=a peer=2 die=1")
b=$(CTL boot "$GUESTS/gnttest" --memory 32M --paused --cmdline "role=b peer=1 die=1 hold_ms=8000")
CTL unpause "$a"; CTL unpause "$b"
for _ in $(seq 300); do
	case $(CTL info "$a" | sed -n 's/^state: //p') in shutdown|crashed) break ;; esac
	sleep 0.1
done
before=$(memfd_kib $((64 << 20)))
CTL destroy "$a"
check "the mapper holds the dead granter's pages" wait_log "gnttest b: holding"
after=$(memfd_kib $((64 << 20)))
echo "    granter's memory held by the host: ${before} KiB alive, ${after} KiB destroyed but mapped"
expect_eq "the destroyed granter's memory is still there for the mapping" 1 "$([ "$after" != none ] && echo 1)"
expect_eq "only the 2 mapped pages stay (${after} KiB)" 1 "$([ "$after" != none ] && [ "$after" -le 8 ] && echo 1)"
check "mapper passes every check" wait_log "gnttest b: PASS, 0 failures"
CTL destroy "$b"
expect_eq "the granter's memory is released with the last mapping" none "$(sleep 1; memfd_kib $((64 << 20)))"

finish
