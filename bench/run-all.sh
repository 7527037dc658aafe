#!/bin/bash
# Runs every bench/NN-name.sh in order, printing each one's figures.
# Exits non-zero if any of them failed.
#   usage: bench/run-all.sh [bench-name...]
# Benches that start guests carry a "# needs: kvm" line.  Without a usable
# /dev/kvm those run inside the emulated VM of tests/vm/ (KETCH_VM=1 forces
# it, KETCH_VM=0 forbids it); the others run on this host, where their
# figures mean what they say.  The output says what ran where.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
. tests/vm/mode.sh

needs_kvm() { grep -q '^# needs: kvm' "$1"; }

run_benches() {
	local b t0 rc=0
	for b in "$@"; do
		echo "== $b"
		t0=$SECONDS
		bash "$b" || { echo "FAIL $b"; rc=1; }
		echo "   ($b took $((SECONDS - t0)) s)"
	done
	return $rc
}

if [ $# -gt 0 ]; then
	benches=("${@/#/bench/}")
else
	benches=(bench/[0-9]*.sh)
fi
kvm=() host=()
for b in "${benches[@]}"; do
	[ -f "$b" ] || { echo "no such bench: $b"; exit 2; }
	if needs_kvm "$b"; then kvm+=("$b"); else host+=("$b"); fi
done

if [ "${KETCH_IN_VM:-0}" = 1 ]; then
	echo "== EMULATED RUN: inside a software-emulated VM (TCG, nested $(grep -m1 -o -w -e svm -e vmx /proc/cpuinfo));"
	echo "   absolute times are 10-50x a real host's; compare only the ratios printed beside their floors."
	run_benches "${benches[@]}"
	rc=$?
	echo "== EMULATED RUN: figures above come from a software-emulated VM; only their ratios mean something"
	exit $rc
fi

mode=native
[ ${#kvm[@]} -eq 0 ] || mode=$(ketch_kvm_mode) || exit 1
if [ "$mode" = native ]; then
	run_benches "${benches[@]}"
	exit
fi
echo "== where: on this host: ${host[*]#bench/}"
echo "== where: inside the emulated VM: ${kvm[*]#bench/}"
rc=0
run_benches "${host[@]}" || rc=1
tests/vm/run.sh -t 2400 -- bench/run-all.sh "${kvm[@]#bench/}" || rc=1
exit $rc
