#!/bin/bash
# Short, bounded libFuzzer runs (ASan+UBSan) of every parser a peer or a
# guest feeds: ketch-hv's control-socket frames and handlers, the frames a
# control client reads back, ketchd's JSON API, both config parsers, the
# disk image probe, the ELF/notes builder, and a hostile frontend's netif tx and blkif rings
# (tests/fuzz/README.md).  `make fuzz` runs each longer.
. "$(dirname "$0")/lib.sh"

NAMES="ctl_fuzz_server kctl_fuzz_recv kd_fuzz_api kd_fuzz_config_json kd_fuzz_config_xl kb_fuzz_elf
       kd_fuzz_image_probe pv_fuzz_netif_tx pv_fuzz_blkback ks_fuzz_stream"
SECONDS_EACH=${FUZZ_SECONDS:-6}

out=$(make --no-print-directory BUILD="$BUILD" SANITIZE= fuzzers 2>&1)
for n in $NAMES; do
	check "$n builds with clang -fsanitize=fuzzer,address,undefined" test -x "$BUILD/fuzz/$n"
done
echo "$out" | grep -E 'error|Error' | head -20

# maxlen NAME: as tests/fuzz/module.mk gives it.
maxlen() { [ "$1" = kd_fuzz_api ] && echo 70000 || echo 16384; }

for n in $NAMES; do
	[ -x "$BUILD/fuzz/$n" ] || continue
	mkdir -p "$TMP/$n"
	out=$("$BUILD/fuzz/$n" -runs=0 "tests/fuzz/${n}_corpus" 2>&1)
	expect_match "$n: every checked-in seed runs clean" '^#[0-9]+[[:space:]]+DONE' "$out"
	out=$("$BUILD/fuzz/$n" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-max_len="$(maxlen "$n")" -artifact_prefix="$TMP/$n-" \
		"$TMP/$n" "tests/fuzz/${n}_corpus" 2>&1)
	rc=$?
	expect_eq "$n finds no crash, leak or hang in ${SECONDS_EACH}s" 0 $rc
	[ $rc -eq 0 ] || echo "$out" | grep -E -A30 'ERROR|SUMMARY|deadly' | head -60
	expect_match "$n actually ran" '^Done [0-9]+ runs' "$out"
done
finish
