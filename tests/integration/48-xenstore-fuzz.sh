#!/bin/bash
# A short, bounded libFuzzer run of ketch-xenstored's message path
# (tests/fuzz/xs_fuzz_dispatch.c, ASan+UBSan); `make fuzz-xenstore` runs longer.
. "$(dirname "$0")/lib.sh"

FUZZ=$BUILD/fuzz/xs_fuzz_dispatch
FUZZ_SECONDS=${XS_FUZZ_SECONDS:-20}

out=$(make --no-print-directory BUILD="$BUILD" SANITIZE= "$FUZZ" 2>&1)
check "fuzzer builds with clang -fsanitize=fuzzer,address,undefined" test -x "$FUZZ"
[ -x "$FUZZ" ] || { echo "$out" | tail -20; finish; }

mkdir -p "$TMP/corpus"
out=$("$FUZZ" -max_total_time="$FUZZ_SECONDS" -max_len=16384 -timeout=10 \
	"$TMP/corpus" tests/fuzz/xs_corpus 2>&1)
rc=$?
expect_eq "fuzzer finds no crash, leak or hang in ${FUZZ_SECONDS}s" 0 $rc
[ $rc -eq 0 ] || echo "$out" | grep -E -A30 'ERROR|SUMMARY|deadly' | head -60
expect_match "fuzzer actually ran" '^Done [0-9]+ runs' "$out"
finish
