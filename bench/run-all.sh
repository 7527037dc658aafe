#!/bin/bash
# Runs every bench/NN-name.sh in order, printing each one's figures.
# Exits non-zero if any of them failed.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
rc=0
for b in bench/[0-9]*.sh; do
	[ -f "$b" ] || continue
	echo "== $b"
	bash "$b" || { echo "FAIL $b"; rc=1; }
done
exit $rc
