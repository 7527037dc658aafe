#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# ketch-hv's control socket (docs/control-protocol.md), driven through
# ketchctl-hv and a raw-socket client: boot, lifecycle and its errors,
# events, malformed traffic, peer credentials, fd leaks, clean SIGTERM.
. "$(dirname "$0")/lib.sh"

HV=$BIN/ketch-hv
SOCK=$TMP/run/hv.sock
CTL() { "$BIN/ketchctl-hv" --socket "$SOCK" "$@"; }
state_of() { CTL info "$1" 2>/dev/null | sed -n 's/^state: //p'; }
# wait_state ID STATE: up to 10 s
wait_state() {
	for _ in $(seq 100); do [ "$(state_of "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}
nfds() { ls "/proc/$1/fd" | wc -l; }

"$HV" --socket "$SOCK" 2>"$TMP/hv.log" &
HV_PID=$!
on_exit "kill -9 $HV_PID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "socket created" test -S "$SOCK"
expect_eq "socket mode 0600" 600 "$(stat -c %a "$SOCK")"
expect_eq "parent directory created 0700" 700 "$(stat -c %a "$TMP/run")"
info=$(CTL hv-info)
expect_match "hv-info answers" '^flavour: (pvm|vmx|svm)' "$info"
expect_match "hv-info names the guest features" '^features: 0x[0-9a-f]+$' "$info"

# A second ketch-hv on a live socket refuses to start and harms nothing.
"$HV" --socket "$SOCK" 2>"$TMP/hv2.log"
expect_eq "second ketch-hv on a live socket exits 1" 1 "$?"
expect_match "and says why" 'already serves' "$(cat "$TMP/hv2.log")"
expect_match "first one still answers" '^ID' "$(CTL list)"

# --- boot hello, with an event subscriber watching -----------------------
CTL events -t 20 >"$TMP/events" 2>&1 &
EV_PID=$!
on_exit "kill $EV_PID"
for _ in $(seq 50); do grep -q subscribed "$TMP/events" && break; sleep 0.1; done
id=$(CTL boot "$GUESTS/hello" --memory 32M 2>"$TMP/boot.err")
expect_match "boot prints the domain id" '^[0-9]+$' "$id"
check "hello reaches shutdown" wait_state "$id" shutdown
info=$(CTL info "$id")
expect_match "shutdown reason poweroff" '^shutdown_reason: poweroff$' "$info"
expect_match "shutdown code 0" '^shutdown_code: 0$' "$info"
expect_match "hypercalls counted" '^hypercalls: [1-9]' "$info"
expect_match "guest console reached the log" "Hello from Ketch domain $id" "$(cat "$TMP/hv.log")"
expect_match "list shows it" "^$id +shutdown +32 +1$" "$(CTL list)"
out=$(CTL pause "$id" 2>&1)
expect_match "pause of a stopped domain: distinct error" 'has stopped' "$out"
CTL destroy "$id"
expect_eq "destroy exits 0" 0 "$?"
for _ in $(seq 50); do [ "$(grep -c "^$id " "$TMP/events")" -ge 4 ] && break; sleep 0.1; done
expect_eq "events: created paused, running, shutdown, dying" \
	"paused running shutdown dying" \
	"$(grep "^$id " "$TMP/events" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
expect_match "shutdown event carries the reason" "^$id shutdown poweroff 0$" "$(cat "$TMP/events")"
kill $EV_PID 2>/dev/null

# --- lifecycle errors ------------------------------------------------------
out=$(CTL info "$id" 2>&1)
expect_match "info of a destroyed domain: no such domain" 'no such domain' "$out"
out=$(CTL destroy "$id" 2>&1)
expect_match "destroy twice: no such domain" 'no such domain' "$out"
for op in pause unpause destroy info; do
	out=$(CTL $op 4000 2>&1)
	expect_match "$op of an unknown domain: no such domain" 'no such domain' "$out"
done
id=$(CTL create --memory 16M)
expect_eq "created domain is paused" paused "$(state_of "$id")"
out=$(CTL pause "$id" 2>&1)
expect_match "pause of a paused domain: already" 'already' "$out"
out=$(CTL unpause "$id" 2>&1)
expect_match "unpause without a vCPU context: not runnable" 'vCPU 0 has no context' "$out"
out=$(CTL create --memory 3M 2>&1)
expect_match "create below 4 MiB: invalid argument" 'invalid argument' "$out"
out=$(CTL create --vcpus 65 2>&1)
expect_match "create with 65 vCPUs: invalid argument" 'invalid argument' "$out"
check "destroy a never-started domain" CTL destroy "$id"

id=$(CTL boot "$GUESTS/ticker" --memory 16M --cmdline "ticks=1000000")
expect_eq "ticker runs" running "$(state_of "$id")"
out=$(CTL unpause "$id" 2>&1)
expect_match "unpause of a running domain: already" 'already' "$out"
check "pause a running domain" CTL pause "$id"
expect_eq "now paused" paused "$(state_of "$id")"
check "unpause it" CTL unpause "$id"
expect_eq "running again" running "$(state_of "$id")"
check "destroy a running domain" CTL destroy "$id"

# --- KVM's dirty log, as live migration's rounds read it --------------------
id=$(CTL boot "$GUESTS/ticker" --memory 16M --cmdline "ticks=1000000 spin=0 sleep=20")
out=$(CTL dirty "$id" fetch 2>&1)
expect_match "dirty: fetch before start is refused" 'No data available' "$out"
check "dirty: start" CTL dirty "$id" start
CTL dirty "$id" fetch >/dev/null
sleep 1
n=$(CTL dirty "$id" fetch)
echo "# a ticking guest wrote $n pages in a second"
check "dirty: a ticking guest writes pages between two fetches" test "${n:-0}" -gt 0
check "dirty: pause" CTL pause "$id"
CTL dirty "$id" fetch >/dev/null
sleep 0.5
expect_eq "dirty: a paused guest writes nothing" 0 "$(CTL dirty "$id" fetch)"
check "dirty: unpause" CTL unpause "$id"
check "dirty: stop" CTL dirty "$id" stop
out=$(CTL dirty "$id" fetch 2>&1)
expect_match "dirty: fetch after stop is refused" 'No data available' "$out"
CTL dirty "$id" bogus >/dev/null 2>&1
expect_eq "dirty: an unknown subcommand exits 2" 2 "$?"
expect_match "dirty: the guest runs on" '^(running|blocked)$' "$(state_of "$id")"

# --- MEM_IMAGE_ADOPT: an image made a never-run domain's own memory ----------
nid=$(CTL create --memory 16M)
out=$(CTL adopt "$nid" 2>&1)
expect_match "adopt: a marked image becomes a new domain's memory, seen through its memfd" \
	'^adopted: page 1 reads "ketch-adopt [0-9]+"' "$out"
out=$(CTL adopt "$nid" none 2>&1)
expect_match "adopt: with no image on the connection, refused" 'No data available' "$out"
out=$(CTL adopt "$nid" 8388608 2>&1)
expect_match "adopt: an image of another size, refused" 'invalid argument' "$out"
out=$(CTL adopt "$id" 2>&1)
expect_match "adopt: a domain that has run, refused" 'has run or been given memory' "$out"
expect_match "adopt: and that guest runs on" '^(running|blocked)$' "$(state_of "$id")"
check "adopt: destroy the adopting domain" CTL destroy "$nid"
check "dirty: destroy" CTL destroy "$id"

head -c 5000 /dev/urandom >"$TMP/notelf"
before=$(CTL list | wc -l)
out=$(CTL boot "$TMP/notelf" 2>&1)
expect_match "boot of a non-ELF: the builder's reason" 'boot .*notelf: .*ELF' "$out"
expect_eq "and no half-built domain is left" "$before" "$(CTL list | wc -l)"

id=$(CTL boot "$GUESTS/crash" --memory 16M)
check "crash guest is reported crashed" wait_state "$id" crashed
expect_match "crash reason names the symbol from the handed-over image" \
	'^crash_reason: .*main\+0x' "$(CTL info "$id")"
CTL destroy "$id"

# Relay the "ok ..."/"FAIL ..." lines of a test program.
relay() {
	local verdict what ended=no
	while read -r verdict what; do
		case $verdict in
		ok) ok "$what" ;;
		exit=0) ended=yes ;;
		*) bad "$verdict $what" ;;
		esac
	done < <(timeout $((60 * T_SCALE)) "$@" 2>&1; echo "exit=$?")
	# A program that never ran reported nothing: that is a failure too.
	[ "$ended" = yes ] || bad "$(basename "$1") did not run to its end"
}

# --- the library: memory maps, state errors, threads, slow subscribers ------
relay "$BUILD/tests/bin/ctl_lifecycle" "$SOCK" "$GUESTS"
expect_log "the dropped subscriber is logged" "$TMP/hv.log" 'event subscriber fd [0-9]+ cannot keep up; dropped'
expect_eq "no domain left behind" 1 "$(CTL list | wc -l)"

# --- malformed traffic -----------------------------------------------------
relay "$BUILD/tests/bin/ctl_fuzz_client" "$SOCK"
check "ketch-hv survived the malformed traffic" kill -0 $HV_PID
expect_match "and still answers a normal request" '^flavour:' "$(CTL hv-info)"
expect_log "bad requests are logged" "$TMP/hv.log" 'ctl: pid [0-9]+: bad magic or version; closing'

# --- peer credentials ------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 0711 "$TMP" "$TMP/run"
	chmod 0666 "$SOCK"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/ketchctl-hv" --socket "$SOCK" list 2>&1)
	expect_eq "uid 65534 is refused (exit 1)" 1 "$?"
	expect_match "with permission denied" 'permission denied' "$out"
	expect_match "and the refusal is logged" 'ctl: refused pid [0-9]+ uid 65534' "$(cat "$TMP/hv.log")"
	chmod 0600 "$SOCK"
else
	echo "skip - non-root peer refusal: needs root and setpriv to act as another uid"
fi

# --- no descriptor leaks -----------------------------------------------------
before=$(nfds $HV_PID)
for _ in $(seq 20); do
	i=$(CTL create --memory 8M --vcpus 2) && CTL destroy "$i"
done
id=$(CTL boot "$GUESTS/hello" --memory 16M) && wait_state "$id" shutdown && CTL destroy "$id"
expect_eq "no fd leak after 20 create/destroy cycles and a boot" "$before" "$(nfds $HV_PID)"

# --- clean stop ------------------------------------------------------------
id=$(CTL boot "$GUESTS/ticker" --memory 16M --cmdline "ticks=1000000")
kill -TERM $HV_PID
for _ in $(seq 100); do kill -0 $HV_PID 2>/dev/null || break; sleep 0.1; done
wait $HV_PID
expect_eq "SIGTERM: ketch-hv exits 0" 0 "$?"
check "socket removed" test ! -e "$SOCK"
expect_match "running domain destroyed on the way out" "d$id: destroyed" "$(cat "$TMP/hv.log")"

# A stale socket (nobody listening) is replaced on the next start.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
check "stale socket file left behind" test -S "$SOCK"
"$HV" --socket "$SOCK" 2>"$TMP/hv3.log" &
HV_PID=$!
on_exit "kill -9 $HV_PID"
for _ in $(seq 50); do CTL hv-info >/dev/null 2>&1 && break; sleep 0.1; done
expect_match "ketch-hv takes over a stale socket" '^flavour:' "$(CTL hv-info)"
kill -INT $HV_PID
wait $HV_PID
expect_eq "SIGINT: ketch-hv exits 0" 0 "$?"
finish
