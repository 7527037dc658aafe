#!/bin/bash
# needs: kvm  (starts guests: tests/run-all.sh runs it inside the emulated VM where KVM is missing)
# More of the toolstack through the ketch CLI: vcpu-list (ketch-hv's
# VCPU_INFO), uptime (kept across a ketchd restart), mem-set (the balloon
# target, bounded by maxmem), the xenstore subcommands, the console pty
# (output on it, input through it, beside a ketch console viewer), top
# in batch mode and dmesg.
. "$(dirname "$0")/lib.sh"

BIN=$(cd "$BIN" && pwd)
GUESTS=$(cd "$GUESTS" && pwd)
HV_SOCK=$TMP/hv.sock
XS_SOCK=$TMP/xs.sock
KD_SOCK=$TMP/run/ketchd.sock
export KETCH_SOCKET=$KD_SOCK XENSTORED_PATH=$XS_SOCK
K() { "$BIN/ketch" "$@"; }
kd_start() { start_ketchd --state-dir "$TMP/state" --log-dir "$TMP/logs"; }
wait_for() { for _ in $(seq $((100 * T_SCALE))); do eval "$1" && return 0; sleep 0.1; done; return 1; }
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }

start_hv "$HV_SOCK"
start_xenstored "$XS_SOCK" "$HV_SOCK"
kd_start
check "ketchd is up" K list

cd "$TMP"
cp "$GUESTS/ticker" "$GUESTS/smp" .
cat >tick.json <<JSON
{ "name": "tick", "kernel": "ticker", "memory": 16, "maxmem": 32, "vcpus": 1,
  "cmdline": "ticks=100000000 spin=1" }
JSON
cat >smp.json <<JSON
{ "name": "quad", "kernel": "smp", "memory": 16, "vcpus": 4, "on_poweroff": "preserve" }
JSON
T=$(K --json create tick.json | jget domid)
expect_match "created tick" '^[0-9]+$' "$T"
Q=$(K --json create -p smp.json | jget domid)
expect_match "created quad, paused" '^[0-9]+$' "$Q"

# --- vcpu-list -------------------------------------------------------------
out=$(K vcpu-list tick)
expect_eq "vcpu-list: header" "Name ID VCPU On State Time(s)" "$(echo "$out" | head -1 | tr -s ' ')"
expect_match "vcpu-list: tick's vCPU 0 online and running" "^tick +$T +0 +y +running +[0-9.]+$" \
	"$(echo "$out" | tail -n +2)"
json=$(K vcpu-list --json quad)
expect_eq "vcpu-list --json: four vCPUs of quad" 4 \
	"$(echo "$json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
expect_eq "vcpu-list --json: a paused domain's vCPU 0 is runnable" runnable "$(echo "$json" | jget 0.state)"
expect_eq "vcpu-list --json: vCPU 1 not brought up yet is offline" offline "$(echo "$json" | jget 1.state)"
expect_eq "vcpu-list --json: ... and not online" False "$(echo "$json" | jget 1.online)"
expect_eq "vcpu-list with no domain: every vCPU" 5 "$(K vcpu-list | tail -n +2 | wc -l)"
out=$(K vcpu-list nosuch 2>&1); rc=$?
expect_eq "vcpu-list of an unknown domain: exit 4" 4 "$rc"
K vcpu-list a b >/dev/null 2>&1
expect_eq "vcpu-list with two domains: usage, exit 2" 2 "$?"
check "help vcpu-list" K help vcpu-list

# --- uptime ----------------------------------------------------------------
expect_match "uptime: tick's line" "^tick +$T +0:[0-9]{2}:[0-9]{2}$" "$(K uptime tick | tail -n +2)"
sleep 1.2
up1=$(K uptime --json tick | jget 0.uptime)
check "uptime counts from creation (>= 1 s)" python3 -c "import sys; sys.exit(not $up1 >= 1.0)"
created=$(K --json info tick | jget domain.created)
kill -9 $KD_PID
wait $KD_PID 2>/dev/null
kd_start
expect_eq "after a ketchd restart the creation time is kept" "$created" \
	"$(K --json info tick | jget domain.created)"
up2=$(K uptime --json tick | jget 0.uptime)
check "uptime after a restart still counts from creation" python3 -c "import sys; sys.exit(not $up2 >= $up1)"

# --- mem-set ----------------------------------------------------------------
expect_eq "info: target starts at memory" 16384 "$(K --json info tick | jget domain.target_kib)"
check "mem-set tick 24m" K mem-set tick 24m
expect_eq "mem-set writes memory/target in KiB" 24576 "$(xenstore-read /local/domain/$T/memory/target)"
expect_eq "info shows the target" 24576 "$(K --json info tick | jget domain.target_kib)"
check "mem-set with no suffix means MiB" K mem-set tick 20
expect_eq "20 MiB" 20480 "$(xenstore-read /local/domain/$T/memory/target)"
out=$(K mem-set tick 64m 2>&1); rc=$?
expect_eq "mem-set above maxmem: exit 1" 1 "$rc"
expect_match "... naming the limit" "maxmem, 32768 KiB \(32 MiB\)" "$out"
expect_eq "... and the target is unchanged" 20480 "$(xenstore-read /local/domain/$T/memory/target)"
K mem-set tick 12q >/dev/null 2>&1
expect_eq "mem-set with a bad size: exit 2" 2 "$?"
expect_eq "mem-set --json" true "$(K mem-set --json tick 16m | jget ok | tr A-Z a-z)"

# --- xenstore ---------------------------------------------------------------
expect_eq "xenstore-read" tick "$(K xenstore-read /local/domain/$T/name)"
check "xenstore-write" K xenstore-write /tool/ketchtest/greeting "hello there"
expect_eq "written value visible to libxenstore" "hello there" "$(xenstore-read /tool/ketchtest/greeting)"
expect_eq "xenstore-read --json" "hello there" "$(K xenstore-read --json /tool/ketchtest/greeting | jget value)"
out=$(K xenstore-ls /local/domain/$T)
expect_match "xenstore-ls: full paths and values" "^/local/domain/$T/name = \"tick\"$" "$out"
expect_match "xenstore-ls: nested nodes" "^/local/domain/$T/memory/target = \"16384\"$" "$out"
expect_eq "xenstore-ls --json: first node is the path itself" "/local/domain/$T" \
	"$(K xenstore-ls --json /local/domain/$T | jget 0.path)"
out=$(K xenstore-read /no/such/node 2>&1); rc=$?
expect_eq "xenstore-read of a missing node: exit 1" 1 "$rc"
expect_match "... saying so" "no xenstore node /no/such/node" "$out"
K xenstore-read relative/path >/dev/null 2>&1
expect_eq "xenstore-read of a relative path: exit 1" 1 "$?"
K xenstore-write /x >/dev/null 2>&1
expect_eq "xenstore-write without a value: usage, exit 2" 2 "$?"

# --- console pty -------------------------------------------------------------
cp "$GUESTS/console_echo" "$TMP/echo"
echo '{"name":"echo","kernel":"echo","memory":16}' >echo.json
E=$(K create --json echo.json | jget domid)
tty=$(K --json info echo | jget domain.console_tty)
expect_match "info: console_tty is a pty" '^/dev/pts/[0-9]+$' "$tty"
expect_eq "xenstore console/tty names it, as xenconsoled's" "$tty" \
	"$(xenstore-read /local/domain/$E/console/tty)"
# ptyio TTY LINE...: write each line to the pty, print what comes back until
# the guest's echo of the last one (or 20 s pass: a failure, not a timing).
ptyio() {
	python3 - "$@" <<'PY'
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
got, want, end = b"", ("echo: " + sys.argv[-1]).encode(), time.time() + 20
for line in sys.argv[2:]:
    os.write(fd, (line + "\n").encode())
while want not in got and time.time() < end:
    if select.select([fd], [], [], 0.5)[0]:
        try:
            got += os.read(fd, 4096)
        except OSError:  # EIO: ketchd closed the pty (the guest is gone)
            break
sys.stdout.write(got.decode(errors="replace"))
PY
}
out=$(ptyio "$tty" "through the pty" | tr -d '\r')
expect_match "pty: the guest's output appears on it" "^console_echo $E ready" "$out"
expect_match "pty: input written to it reaches the guest (echoed back)" \
	"^console_echo $E echo: through the pty$" "$out"
v=$(mktemp -u "$TMP/viewer.XXXX")
(printf 'from the viewer\n'; sleep 30) | "$BIN/ketch" console echo >"$v" 2>&1 &
VIEWER=$!
on_exit "kill $VIEWER 2>/dev/null"
check "a ketch console viewer at the same time sees the echo" \
	wait_for "grep -q 'echo: from the viewer' '$v'"
log=$(K --json info echo | jget domain.console_log)
ptyio "$tty" "quit" >/dev/null
check "the guest powered off on quit written to the pty" wait_for "! K list | grep -q '^echo '"
expect_eq "its log holds the echoes of pty and viewer input, in order" \
	"$(printf 'console_echo %s echo: %s\n' "$E" "through the pty" "$E" "from the viewer" "$E" quit)" \
	"$(grep 'echo: ' "$log" | tr -d '\r')"
kill $VIEWER 2>/dev/null
check "ketchd closed the slave of its pty with it" \
	wait_for "! ls -l /proc/$KD_PID/fd | grep -q ' $tty\$'"

# --- top ---------------------------------------------------------------------
out=$(K top -b -n 2 -d 0.5)
expect_eq "top -b -n 2: two frames" 2 "$(echo "$out" | grep -c '^NAME ')"
expect_match "top: header" "^NAME +ID +STATE +CPU\(sec\) +CPU\(%\) +MEM\(MiB\) +VCPUS$" "$out"
line=$(echo "$out" | grep "^tick " | tail -1)
expect_match "top: tick's row" "^tick +$T +running +[0-9.]+ +[0-9.]+ +16 +1$" "$line"
check "top: a spinning guest shows CPU% above 0" \
	python3 -c "import sys; sys.exit(not float(sys.argv[1]) > 0)" "$(echo "$line" | awk '{print $5}')"
json=$(K top --json -b -i 2 -d 0.2)
expect_eq "top --json: one array per frame" 2 "$(echo "$json" | wc -l)"
expect_eq "top --json: cpu_percent of tick" tick \
	"$(echo "$json" | tail -1 | python3 -c 'import json,sys; print([d["name"] for d in json.load(sys.stdin) if "cpu_percent" in d][0])')"
K top -n 0 >/dev/null 2>&1
expect_eq "top -n 0: usage, exit 2" 2 "$?"

# --- dmesg ------------------------------------------------------------------
out=$(K dmesg)
expect_match "dmesg: ketch-hv's log lines" "^\(ketch-hv [0-9.]+\) ctl: listening on $HV_SOCK" "$out"
expect_match "dmesg: includes the creation of tick" "d$T" "$out"
json=$(K dmesg --json)
n=$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["lines"]), d["next"] - d["first"])')
expect_eq "dmesg --json: next - first = lines returned" "$(echo $n | cut -d' ' -f1)" "$(echo $n | cut -d' ' -f2)"
check "dmesg is what ketch-hv wrote to stderr (last line)" \
	grep -qxF "$(echo "$out" | tail -1)" "$TMP/hv.log"
K dmesg extra >/dev/null 2>&1
expect_eq "dmesg with an argument: usage, exit 2" 2 "$?"
expect_eq "dmesg -c prints the log" "$(K dmesg)" "$(K dmesg -c)"
expect_eq "... then it is empty" "" "$(K dmesg)"
check "destroy quad" K destroy quad
out=$(K dmesg)
expect_match "... and shows only newer lines" "d$Q: destroyed" "$out"
check "... just those" bash -c "! grep -q 'listening on' <<<'$out'"

# --- cleanup ----------------------------------------------------------------
check "destroy tick" K destroy tick
expect_eq "nothing listed" "" "$(K list | tail -n +2)"
check "ketch-hv survived" kill -0 $HV_PID
finish
