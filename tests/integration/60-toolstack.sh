#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# The toolstack: real ketch-hv, ketch-xenstored and ketchd on private
# sockets, driven through the ketch CLI and the raw JSON API.  Lifecycle,
# the xenstore tree at each step, console logs, graceful shutdown/reboot
# (shutdown_watch answers control/shutdown) and the timeout fallback,
# on_* policies, rejected configs leaving nothing behind, 50 concurrent
# creates, and a clean stop.
. "$(dirname "$0")/lib.sh"

toolstack_paths
wait_for() { for _ in $(seq $((100 * T_SCALE))); do eval "$1" && return 0; sleep 0.1; done; return 1; }
# api LINE...: raw requests on one connection, one reply line each
api() {
	python3 - "$KD_SOCK" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
for line in sys.argv[2:]:
    f.write(line + "\n"); f.flush(); print(f.readline().strip())
PY
}

# --- daemons ---------------------------------------------------------------
out=$(K list 2>&1); rc=$?
expect_eq "no daemon: exit 3" 3 "$rc"
expect_match "no daemon: says where it looked" "cannot reach ketchd at $KD_SOCK" "$out"

start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
show_on_failure "$TMP/hv.log" "$TMP/xs.log" "$TMP/kd.log" "$LOGS/console-tick.log" "$LOGS/console-tock.log"
check "ketchd serves its socket" start_ketchd --log-dir "$LOGS" --console-log-max 8192
expect_eq "socket mode 0600" 600 "$(stat -c %a "$KD_SOCK")"
expect_eq "empty list" "Name ID Mem VCPUs State Time(s)" "$(K list | tr -s ' ')"
"$BIN/ketchd" --socket "$KD_SOCK" --hv-socket "$HV_SOCK" 2>"$TMP/kd2.log"
expect_eq "a second ketchd on a live socket exits 1" 1 "$?"
expect_match "and says why" 'another ketchd already serves' "$(cat "$TMP/kd2.log")"

# --- create, list, xenstore ---------------------------------------------------
cd "$TMP"
cp "$GUESTS/ticker" "$TMP/ticker"
cat >tick.json <<JSON
{ "name": "tick", "kernel": "ticker", "memory": 16, "vcpus": 1,
  "cmdline": "ticks=100000000 spin=0 sleep=1" }
JSON
out=$(K create tick.json)
expect_match "create prints the name and id" '^Created domain tick \(id [0-9]+\)$' "$out"
T=$(echo "$out" | sed 's/.*id \([0-9]*\))/\1/')
expect_match "list shows it running (xl columns)" "^tick +$T +16 +1 +(r-----|-b----) +[0-9.]+$" "$(K list)"
json=$(K list --json)
expect_eq "list --json: name" tick "$(echo "$json" | jget 0.name)"
expect_match "list --json: state" '^(running|blocked)$' "$(echo "$json" | jget 0.state)"
expect_eq "relative kernel path made absolute" "$TMP/ticker" "$(echo "$json" | jget 0.config.kernel)"
uuid=$(echo "$json" | jget 0.uuid)
expect_match "a uuid was generated" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' "$uuid"
D=/local/domain/$T
expect_eq "xenstore name" tick "$(xenstore-read $D/name)"
expect_eq "xenstore domid" "$T" "$(xenstore-read $D/domid)"
expect_eq "xenstore vm" "/vm/$uuid" "$(xenstore-read $D/vm)"
expect_eq "xenstore memory/target (KiB)" 16384 "$(xenstore-read $D/memory/target)"
expect_match "xenstore console ring and port" '^[0-9]+ [0-9]+$' \
	"$(xenstore-read $D/console/ring-ref) $(xenstore-read $D/console/port)"
expect_eq "xenstore /vm/<uuid>/name" tick "$(xenstore-read /vm/$uuid/name)"
perms=$(xenstore-ls -p $D)
expect_match "home readable by the guest, owned by dom0" "^name = \"tick\".*\(n0,r$T\)" "$perms"
expect_match "control/shutdown owned by the guest" "^ shutdown = \"\".*\(n$T\)" "$perms"
expect_match "data/ owned by the guest" "^data = \"\".*\(n$T\)" "$perms"
check "ketch-xenstored accepted INTRODUCE (no refusal logged)" bash -c "! grep -q 'refused INTRODUCE' '$TMP/kd.log'"

# --- console ----------------------------------------------------------------
check "console output reaches the log" wait_for "grep -q 'ticker $T tick 3' '$LOGS/console-tick.log'"
out=$(timeout 2 "$BIN/ketch" console tick </dev/null)
expect_match "ketch console streams the output" "ticker $T tick [0-9]+" "$out"
check "the log is bounded and rotated" wait_for "[ -e '$LOGS/console-tick.log.1' ]"
sz=$(stat -c %s "$LOGS/console-tick.log")
check "current log within the bound ($sz bytes)" test "$sz" -le 8192

cp "$GUESTS/console_echo" "$TMP/echo"
echo '{"name":"echo","kernel":"echo","memory":16}' >echo.json
E=$(K create --json echo.json | jget domid)
out=$(printf 'hello there\nquit\n' | timeout 20 "$BIN/ketch" console echo)
expect_eq "ketch console input reaches the guest's ring and its echo comes back" \
	"$(printf 'console_echo %s echo: hello there\nconsole_echo %s echo: quit' "$E" "$E")" \
	"$(echo "$out" | grep echo: | tr -d '\r')"
check "console ends when the guest powers off" bash -c "! '$BIN/ketch' list | grep -q '^echo '"

cp "$GUESTS/hello" "$TMP/hello"
echo '{"name":"greeter","kernel":"hello","memory":16}' >greeter.json
out=$(timeout 20 "$BIN/ketch" create -c greeter.json </dev/null)
expect_match "create -c shows the console from the first line" \
	'^Created domain greeter \(id ([0-9]+)\)$' "$(echo "$out" | head -1)"
expect_match "... including the greeting" '^Hello from Ketch domain [0-9]+' "$(echo "$out" | sed -n 2p)"
expect_match "... to the end" '^Xen version' "$(echo "$out" | tail -1)"

# --- the CLI itself ---------------------------------------------------------------
expect_match "ketch help lists the commands" '^  shutdown \[-w\] \[-t SEC\] DOMAIN$' "$(K help)"
expect_match "ketch help COMMAND explains it" 'Ctrl-\] detaches' "$(K help console)"
expect_match "ketch COMMAND --help too" '^usage: ketch create \[-c\] \[-p\] CONFIG$' "$(K create --help)"
K frob >/dev/null 2>&1
expect_eq "unknown command: exit 2" 2 "$?"
K destroy >/dev/null 2>&1
expect_eq "missing operand: exit 2" 2 "$?"

# --- pause, unpause, info, rename ---------------------------------------------
check "pause" K pause tick
expect_match "list shows it paused" "^tick +$T +16 +1 +--p--- " "$(K list)"
out=$(K pause tick 2>&1); rc=$?
expect_eq "pause twice: exit 6" 6 "$rc"
expect_eq "pause twice: message" "ketch: pause: domain $T (tick) is already paused" "$out"
check "unpause by id" K unpause "$T"
out=$(K unpause tick 2>&1); rc=$?
expect_eq "unpause a running domain: exit 6" 6 "$rc"
expect_match "info names the state" '^state: (running|blocked)$' "$(K info tick)"
expect_eq "info --json" "$T" "$(K info tick --json | jget domain.domid)"
check "rename" K rename tick tock
expect_eq "xenstore name follows" tock "$(xenstore-read $D/name)"
expect_eq "and /vm/<uuid>/name" tock "$(xenstore-read /vm/$uuid/name)"
for op in destroy pause unpause info shutdown console; do
	out=$(K $op nosuch 2>&1); rc=$?
	expect_eq "$op of an unknown domain: exit 4" 4 "$rc"
	expect_match "$op of an unknown domain: message" "ketch: $op: domain: no domain \"nosuch\"" "$out"
done

# --- rejected configs: exact message, exit 5, nothing left behind --------------
before_hv=$(hv_count)
before_xs=$(xenstore-list /local/domain | wc -l)
before_vm=$(xenstore-list /vm | wc -l)
reject() { # reject DESCRIPTION JSON-FRAGMENT MESSAGE [EXIT]
	echo "{ $2 }" >bad.json
	out=$(K create bad.json 2>&1); rc=$?
	expect_eq "$1: exit ${4:-5}" "${4:-5}" "$rc"
	expect_eq "$1: message" "ketch: create: $3" "$out"
}
K_=\"kernel\":\"$TMP/ticker\"
reject "memory as a string" "\"name\":\"b\",$K_,\"memory\":\"32\"" \
	'memory: must be an integer from 4 to 65536'
reject "memory too small" "\"name\":\"b\",$K_,\"memory\":3" 'memory: 3 is out of range 4..65536'
reject "memory too large" "\"name\":\"b\",$K_,\"memory\":65537" 'memory: 65537 is out of range 4..65536'
reject "memory fractional" "\"name\":\"b\",$K_,\"memory\":16.5" 'memory: must be an integer from 4 to 65536'
reject "maxmem below memory" "\"name\":\"b\",$K_,\"memory\":16,\"maxmem\":8" 'maxmem: 8 is less than memory (16)'
reject "vcpus 0" "\"name\":\"b\",$K_,\"vcpus\":0" 'vcpus: 0 is out of range 1..64'
reject "vcpus 65" "\"name\":\"b\",$K_,\"vcpus\":65" 'vcpus: 65 is out of range 1..64'
reject "name missing" "$K_" 'name: is required'
reject "name empty" "\"name\":\"\",$K_" 'name: must be 1 to 63 characters'
reject "name too long" "\"name\":\"$(printf 'a%.0s' $(seq 64))\",$K_" 'name: must be 1 to 63 characters'
reject "name with a space" "\"name\":\"a b\",$K_" \
	"name: may hold only letters, digits, '_', '.' and '-'"
reject "name all digits" "\"name\":\"123\",$K_" \
	'name: must not be all digits (it would read as a domain id)'
reject "name a number" "\"name\":7,$K_" 'name: must be a string'
reject "uuid malformed" "\"name\":\"b\",$K_,\"uuid\":\"xyz\"" \
	'uuid: must be a UUID string like "5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00"'
reject "uuid nil" "\"name\":\"b\",$K_,\"uuid\":\"00000000-0000-0000-0000-000000000000\"" \
	'uuid: must not be the nil UUID'
reject "uuid of another domain" "\"name\":\"b\",$K_,\"uuid\":\"$uuid\"" \
	"uuid: $uuid is already domain $T's"
reject "kernel missing" "\"name\":\"b\"" 'kernel: is required'
reject "kernel not found" "\"name\":\"b\",\"kernel\":\"/nonexistent/k\"" \
	'kernel: cannot open /nonexistent/k: No such file or directory'
reject "kernel a directory" "\"name\":\"b\",\"kernel\":\"/\"" \
	'kernel: / is not a regular file of 1 byte to 256 MiB'
head -c 5000 /dev/urandom >notelf
out=$(echo "{\"name\":\"b\",\"kernel\":\"$TMP/notelf\"}" | K create - 2>&1); rc=$?
expect_eq "kernel not an ELF: exit 1" 1 "$rc"
expect_match "kernel not an ELF: the builder's reason" '^ketch: create: kernel: .*ELF' "$out"
reject "ramdisk not found" "\"name\":\"b\",$K_,\"ramdisk\":\"/nonexistent/r\"" \
	'ramdisk: cannot open /nonexistent/r: No such file or directory'
reject "cmdline too long" "\"name\":\"b\",$K_,\"cmdline\":\"$(printf 'x%.0s' $(seq 1024))\"" \
	'cmdline: is longer than 1023 bytes'
reject "on_crash unknown" "\"name\":\"b\",$K_,\"on_crash\":\"explode\"" \
	'on_crash: must be "destroy", "restart" or "preserve"'
reject "on_poweroff a number" "\"name\":\"b\",$K_,\"on_poweroff\":1" \
	'on_poweroff: must be "destroy", "restart" or "preserve"'
reject "unknown field" "\"name\":\"b\",$K_,\"colour\":\"red\"" \
	'colour: unknown field (known: name, uuid, memory, maxmem, vcpus, kernel, ramdisk, cmdline, on_poweroff, on_reboot, on_crash, console_log, disks, vifs)'
reject "duplicate name" "\"name\":\"tock\",$K_" 'name: a domain named "tock" already exists'
echo '{ "name": "b", ' >bad.json
out=$(K create bad.json 2>&1); rc=$?
expect_eq "not JSON: exit 5" 5 "$rc"
expect_match "not JSON: message" '^ketch: create: bad.json: not valid JSON' "$out"
printf 'name = "b"\nkernel = "%s"\nmemory = "lots"\n' "$TMP/ticker" >bad.cfg
out=$(K create bad.cfg 2>&1); rc=$?
expect_eq "xl.cfg memory as a string: exit 5" 5 "$rc"
expect_eq "xl.cfg memory as a string: message" 'ketch: create: memory: must be an integer from 4 to 65536' "$out"
printf 'name = "b"\nkernel = \n' >bad.cfg
out=$(K create bad.cfg 2>&1); rc=$?
expect_eq "xl.cfg syntax error: exit 5" 5 "$rc"
expect_match "xl.cfg syntax error: message" '^ketch: create: bad.cfg: not valid xl.cfg syntax' "$out"
out=$(K create --json bad.json 2>&1)
expect_eq "create --json of a bad config: the error object" "invalid_config memory" \
	"$(echo "{\"name\":\"b\",$K_,\"memory\":3}" | K create --json - | python3 -c \
	'import json,sys; e=json.load(sys.stdin)["error"]; print(e["code"], e["field"])')"
expect_eq "no domain left in ketch-hv" "$before_hv" "$(hv_count)"
expect_eq "no domain left in xenstore" "$before_xs" "$(xenstore-list /local/domain | wc -l)"
expect_eq "no /vm entry left" "$before_vm" "$(xenstore-list /vm | wc -l)"
expect_eq "list unchanged" 1 "$(K list | tail -n +2 | wc -l)"

# --- the raw API --------------------------------------------------------------
out=$(api '{"op":"frobnicate"}' 'not json' '{"op":"list","x":1}' '{"op":"pause"}' \
	'{"op":"list","id":42}')
expect_match "unknown op" '^\{"ok":false,"error":\{"code":"unknown_op","field":"op"' "$out"
expect_match "bad JSON" '"code":"bad_request"' "$(echo "$out" | sed -n 2p)"
expect_match "unknown request key" '"code":"unknown_field","field":"x"' "$(echo "$out" | sed -n 3p)"
expect_match "missing domain" '"code":"bad_request","field":"domain"' "$(echo "$out" | sed -n 4p)"
expect_match "id echoed" '"id":42' "$(echo "$out" | sed -n 5p)"

# --- xl.cfg create; on_poweroff=preserve --------------------------------------
printf 'name = "hi"\nkernel = "hello"\nmemory = 16\non_poweroff = "preserve"\n' >hi.cfg
expect_match "create from xl.cfg" '^Created domain hi \(id [0-9]+\)$' "$(K create hi.cfg)"
check "hello powers off and is preserved" wait_for "K list | grep -q '^hi .*---s--'"
H=$(K info hi --json | jget domain.domid)
expect_match "its console reached the log" "Hello from Ketch domain $H" "$(cat "$LOGS/console-hi.log")"
expect_match "guest saw console=ring added" 'cmd_line="console=ring"' "$(cat "$LOGS/console-hi.log")"
out=$(K shutdown hi 2>&1); rc=$?
expect_eq "shutdown of a stopped domain: exit 6" 6 "$rc"
check "destroy the preserved domain" K destroy hi
check "its xenstore home is gone" bash -c "! xenstore-exists /local/domain/$H"

# --- graceful shutdown, reboot, fallback ----------------------------------------
cp "$GUESTS/shutdown_watch" "$TMP/sw"
echo '{"name":"sw","kernel":"sw","memory":16}' >sw.json
S=$(K create --json sw.json | jget domid)
check "shutdown_watch is ready" wait_for "grep -q 'shutdown_watch $S ready' '$LOGS/console-sw.log'"
swuuid=$(K info sw --json | jget domain.uuid)
check "shutdown -w" K shutdown -w sw
expect_match "the guest got poweroff" "shutdown_watch $S got poweroff" "$(cat "$LOGS/console-sw.log")"
check "sw is gone from the list" bash -c "! '$BIN/ketch' list | grep -q '^sw '"
check "sw's xenstore home is gone" bash -c "! xenstore-exists /local/domain/$S"
check "sw's /vm entry is gone" bash -c "! xenstore-exists /vm/$swuuid"
expect_match "ketchd logged the clean poweroff" "d$S \(sw\): shutdown poweroff; on_\* policy: destroy" "$(cat "$TMP/kd.log")"

S=$(K create --json sw.json | jget domid)
wait_for "grep -q 'shutdown_watch $S ready' '$LOGS/console-sw.log'"
check "reboot -w" K reboot -w sw
S2=$(K info sw --json | jget domain.domid)
check "rebooted under a new id" test "$S2" != "$S"
check "the new one is ready" wait_for "grep -q 'shutdown_watch $S2 ready' '$LOGS/console-sw.log'"
check "the old id's home is gone" bash -c "! xenstore-exists /local/domain/$S"
expect_eq "the new id's home names it" sw "$(xenstore-read /local/domain/$S2/name)"
K destroy sw

echo '{"name":"deaf","kernel":"sw","memory":16,"cmdline":"ignore=1"}' >deaf.json
S=$(K create --json deaf.json | jget domid)
wait_for "grep -q 'shutdown_watch $S ready' '$LOGS/console-deaf.log'"
check "shutdown -w -t 1 of a guest that ignores it" K shutdown -w -t 1 deaf
expect_match "the guest saw the request" "shutdown_watch $S got poweroff" "$(cat "$LOGS/console-deaf.log")"
expect_match "ketchd fell back to destroy" "d$S \(deaf\): did not power off in time; destroying it" "$(cat "$TMP/kd.log")"
check "deaf's home is gone" bash -c "! xenstore-exists /local/domain/$S"

# --- on_crash ------------------------------------------------------------------
cp "$GUESTS/crash" "$TMP/crash"
echo '{"name":"boom","kernel":"crash","memory":16,"on_crash":"preserve"}' >boom.json
expect_match "create a crashing guest, on_crash preserve" '^Created domain boom ' "$(K create boom.json)"
check "it is kept, crashed" wait_for "K list | grep -q '^boom .*----c-'"
expect_match "info gives the crash reason" '^crash_reason: .+' "$(K info boom)"
K destroy boom
echo '{"name":"boom","kernel":"crash","memory":16,"on_crash":"restart"}' >boom.json
booms=$(grep -c '(boom): created' "$TMP/kd.log")
B=$(K create --json boom.json | jget domid)
check "on_crash restart: it comes back under a new id" \
	wait_for "grep -q 'd$B restarted as d$((B + 1))$' '$TMP/kd.log'"
check "a crash loop is stopped after 10 restarts" \
	wait_for "grep -q 'd[0-9]* (boom): restarted 10 times within 60 s; not restarting again' '$TMP/kd.log'"
out=$(K info boom 2>&1)
expect_eq "and the domain is gone" 4 "$?"
expect_eq "after 11 boots" 11 $(($(grep -c '(boom): created' "$TMP/kd.log") - booms))

# --- 50 concurrent creates ------------------------------------------------------
fds_before=$(ls /proc/$KD_PID/fd | wc -l)
guest_maps() { grep -c 'memfd:ketch-guest' /proc/$KD_PID/maps; }
maps_before=$(guest_maps)
for i in $(seq 50); do
	echo "{\"name\":\"par$i\",\"kernel\":\"sw\",\"memory\":16}" >par$i.json
done
pids=""
for i in $(seq 50); do K create --json par$i.json >par$i.out 2>&1 & pids="$pids $!"; done
wait $pids
ids=$(cat par*.out | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["domid"]) for l in sys.stdin))')
expect_eq "50 creates answered with ids" 50 "$(echo $ids | wc -w)"
expect_eq "the ids are unique" 50 "$(echo $ids | tr ' ' '\n' | sort -u | wc -l)"
expect_eq "list has 50 par domains with unique names" 50 \
	"$(K list --json | python3 -c 'import json,sys; print(len({d["name"] for d in json.load(sys.stdin) if d["name"].startswith("par")}))')"
expect_eq "ketchd maps the memory of each (console rings)" $((maps_before + 50)) "$(guest_maps)"
expect_eq "xenstore has a home for each" 50 \
	"$(for i in $ids; do xenstore-read /local/domain/$i/name; done | grep -c '^par')"
pids=""
for i in $(seq 50); do K destroy par$i & pids="$pids $!"; done
wait $pids
expect_eq "all destroyed" 0 "$(K list | grep -c '^par')"
expect_eq "ketchd holds no more descriptors than before" "$fds_before" "$(ls /proc/$KD_PID/fd | wc -l)"
expect_eq "nor guest memory mappings" "$maps_before" "$(guest_maps)"
expect_eq "ketch-hv holds only tock" 1 "$(hv_count)"

# --- destroy, clean stop ------------------------------------------------------------
check "destroy tock" K destroy tock
check "nothing of it in xenstore" bash -c "! xenstore-exists /local/domain/$T && ! xenstore-exists /vm/$uuid"
expect_eq "xenstore /local/domain holds no domain" "" "$(xenstore-list /local/domain 2>/dev/null | grep -v '^0$')"
expect_eq "ketch-hv holds no domain" 0 "$(hv_count)"
K create tick.json >/dev/null
kill -TERM $KD_PID
wait $KD_PID
expect_eq "SIGTERM: ketchd exits 0" 0 "$?"
check "its socket is removed" test ! -e "$KD_SOCK"
expect_eq "its domains are destroyed" 0 "$(hv_count)"

# --- without xenstore ---------------------------------------------------------------
NX_SOCK=$TMP/nx.sock
env -u XENSTORED_PATH "$BIN/ketchd" --socket "$NX_SOCK" --hv-socket "$HV_SOCK" \
	--log-dir "$LOGS" 2>"$TMP/nx.log" &
NX_PID=$!
on_exit "kill -9 $NX_PID"
wait_for "'$BIN/ketch' --socket '$NX_SOCK' list >/dev/null 2>&1"
expect_match "ketchd without xenstore says so" 'no xenstore configured' "$(cat "$TMP/nx.log")"
check "and still creates domains" bash -c "'$BIN/ketch' --socket '$NX_SOCK' create tick.json >/dev/null"
out=$(K --socket "$NX_SOCK" shutdown tick 2>&1); rc=$?
expect_eq "shutdown without xenstore: exit 1" 1 "$rc"
expect_eq "shutdown without xenstore: message" \
	"ketch: shutdown: ketchd runs without xenstore, so the guest cannot be asked to poweroff; use destroy" "$out"
check "destroy without xenstore" K --socket "$NX_SOCK" destroy tick
kill -TERM $NX_PID
wait $NX_PID
expect_eq "it exits 0" 0 "$?"

# --- surviving its own restart (--state-dir) -------------------------------------
start_kd() { KD_LOG=$TMP/kd-state.log start_ketchd --log-dir "$LOGS" --state-dir "$TMP/state"; }
start_kd
T=$(K create --json tick.json | jget domid)
S=$(K create --json sw.json | jget domid)
check "state recorded per domain" test -s "$TMP/state/$T.json" -a -s "$TMP/state/$S.json"
wait_for "grep -q 'shutdown_watch $S ready' '$LOGS/console-sw.log'"
kill -TERM $KD_PID
wait $KD_PID
expect_eq "with --state-dir, SIGTERM leaves the domains running" 2 "$(hv_count)"
start_kd
expect_match "the new ketchd adopted both" "\|tick +$T .*\|sw +$S " "$(K list | tr '\n' '|')"
n=$(wc -c <"$LOGS/console-tick.log")
check "the adopted console is drained again" wait_for "[ \$(wc -c <'$LOGS/console-tick.log') -ne $n ]"
{ kill -9 $KD_PID; wait $KD_PID; } 2>/dev/null
start_kd
expect_match "adopted again after SIGKILL" "^sw +$S " "$(K list)"
check "graceful shutdown of an adopted domain" K shutdown -w -t 10 sw
expect_match "the guest got the request" "shutdown_watch $S got poweroff" "$(cat "$LOGS/console-sw.log")"
check "destroy the adopted ticker" K destroy tick
expect_eq "state directory emptied" "" "$(ls "$TMP/state")"
expect_eq "ketch-hv holds no domain" 0 "$(hv_count)"
expect_eq "xenstore holds no domain" "" "$(xenstore-list /local/domain 2>/dev/null | grep -v '^0$')"
check "ketch-hv survived everything" kill -0 $HV_PID
check "ketch-xenstored survived everything" kill -0 $XS_PID
finish
