#!/bin/bash
# Runs every bench/NN-name.sh in order, printing each one's figures.
# Exits non-zero if any of them failed.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
. tests/vm/mode.sh
mode=$(ketch_kvm_mode) || exit 1
# Without KVM here every bench runs inside the emulated VM: ratios between
# two figures of that run still mean something, absolute times do not.
[ "$mode" = vm ] && exec tests/vm/run.sh -t 2400 -- bench/run-all.sh
if [ "${KETCH_IN_VM:-0}" = 1 ]; then
	echo "== EMULATED RUN: inside a software-emulated VM (TCG, nested $(grep -m1 -o -w -e svm -e vmx /proc/cpuinfo));"
	echo "   absolute times are 10-50x a real host's; compare only the ratios printed beside their floors."
fi
rc=0
for b in bench/[0-9]*.sh; do
	[ -f "$b" ] || continue
	echo "== $b"
	bash "$b" || { echo "FAIL $b"; rc=1; }
done
[ "${KETCH_IN_VM:-0}" = 1 ] && echo "== EMULATED RUN: figures above come from a software-emulated VM; only their ratios mean something"
exit $rc
