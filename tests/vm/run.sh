#!/bin/bash
# tests/vm/run.sh [-t SECONDS] [--] COMMAND [ARGS...]
# Runs COMMAND as root inside a throwaway QEMU VM under software emulation
# (TCG, -cpu max: AMD SVM with nested paging), where Debian's kvm_amd gives
# a /dev/kvm.  The command runs in the caller's directory, which must lie
# inside this checkout (mounted read-write at the same path); the rest of
# the host's / is visible read-only under a throwaway overlay.  COMMAND's
# output streams here; the exit status is COMMAND's, 124 when the whole VM
# ran past its time limit, 125 when the VM could not start or died, 123
# when the VM's own kernel locked up or panicked or the VM froze (see
# "Kernel lock-ups" in README.md).
#
# Environment: KETCH_VM_TIMEOUT (whole VM, default 2700 s) KETCH_VM_MEM (4G)
#   KETCH_VM_SMP (nproc) KETCH_VM_CPU (max) KETCH_VM_DIR (build/vm)
#   KETCH_VM_TCG (single: one host thread runs every vCPU; multi: one each)
#   KETCH_VM_KEEP=1 keeps the run folder (command, status, dmesg, qemu log).
#   KETCH_VM_KERNEL_LOG=N: the VM kernel's console log level (default 3,
#   errors only; 7 shows the stacks of soft lockups and warnings).
#   KETCH_VM_FROZEN=SECONDS: a VM whose heartbeat is older is stopped (180).
# Passed into the VM: BUILD, SANITIZE, CI, KETCH_*, ASAN_OPTIONS,
# UBSAN_OPTIONS; KETCH_IN_VM=1 tells the command it runs emulated.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${KETCH_VM_DIR:-$ROOT/build/vm}
LIMIT=${KETCH_VM_TIMEOUT:-2700}

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-t) LIMIT=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) usage ;;
	-*) echo "ketch-vm: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage
case $LIMIT in '' | *[!0-9]*) echo "ketch-vm: -t wants seconds" >&2; exit 2 ;; esac
CWD=$(pwd -P)
case $CWD/ in
"$ROOT"/*) ;;
*) echo "ketch-vm: run from inside the checkout ($ROOT)" >&2; exit 2 ;;
esac
case $ROOT$CWD in *[[:space:]]*) echo "ketch-vm: paths with spaces are not supported" >&2; exit 2 ;; esac

"$HERE/image.sh" || exit 125
# The run folder lies inside the checkout, the one host directory the VM
# writes to, wherever the image is kept.
mkdir -p "$ROOT/build/vm-runs"
RUN=$(mktemp -d "$ROOT/build/vm-runs/run.XXXXXX")
trap '[ "${KETCH_VM_KEEP:-0}" = 1 ] || rm -rf "$RUN"' EXIT

# The command file: the caller's environment subset, directory and argv.
{
	echo "export KETCH_IN_VM=1"
	env | sed -n 's/^\(BUILD\|SANITIZE\|CI\|KETCH_[A-Z0-9_]*\|ASAN_OPTIONS\|UBSAN_OPTIONS\)=.*/\1/p' |
		while read -r v; do printf 'export %s=%q\n' "$v" "${!v}"; done
	printf 'cd %q || exit 125\n' "$CWD"
	printf '%q ' "$@"
	echo
} > "$RUN/cmd.sh"

# watch_heartbeat: once the VM has started beating (init.sh writes the time
# every 10 s), a beat older than KETCH_VM_FROZEN seconds (180) means the VM
# froze: nothing inside it runs, its timers included, so its own watchdog
# cannot tell.  Stop QEMU and leave a mark.
watch_heartbeat() {
	local hb=$RUN/heartbeat limit=${KETCH_VM_FROZEN:-180} age pid
	while sleep 10; do
		pid=$(cat "$RUN/qemu.pid" 2> /dev/null) || continue
		kill -0 "$pid" 2> /dev/null || return
		[ -f "$hb" ] || continue
		age=$(($(date +%s) - $(stat -c %Y "$hb")))
		if [ "$age" -gt "$limit" ]; then
			touch "$RUN/frozen"
			kill "$pid"
			return
		fi
	done
}

BIOS=()
[ -e /usr/share/qemu/qboot.rom ] && BIOS=(-bios /usr/share/qemu/qboot.rom)
start=$(date +%s)
watch_heartbeat &
watcher=$!
# -k: a VM that ignores SIGTERM (frozen under emulation) is killed.
# --pdeathsig: a run.sh killed from outside takes its VM with it, rather
# than leaving QEMU running on with the caller's locks and CPUs.
setpriv --pdeathsig TERM -- timeout -k 15 "$LIMIT" qemu-system-x86_64 \
	-accel tcg,thread="${KETCH_VM_TCG:-single}" -cpu "${KETCH_VM_CPU:-max}" \
	-m "${KETCH_VM_MEM:-4G}" -smp "${KETCH_VM_SMP:-$(nproc)}" \
	-nodefaults -no-user-config -nographic -no-reboot "${BIOS[@]}" \
	-serial stdio -monitor none -pidfile "$RUN/qemu.pid" \
	-kernel "$D/vmlinuz" -initrd "$D/initrd.img" \
	-append "console=ttyS0 quiet loglevel=${KETCH_VM_KERNEL_LOG:-3} panic=-1 softlockup_panic=1 watchdog_thresh=30 mitigations=off ketch.work=$ROOT ketch.run=$RUN" \
	-fsdev local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=checkout,path="$ROOT",security_model=passthrough,multidevs=remap \
	-device virtio-9p-pci,fsdev=checkout,mount_tag=checkout \
	< /dev/null 2> "$RUN/qemu.log" | sed -u -e 's/\r$//' -e '/^\[ *[0-9.]*\] reboot: Power down$/d' |
	tee "$RUN/console.log"
qrc=${PIPESTATUS[0]}
kill "$watcher" 2> /dev/null
secs=$(($(date +%s) - start))
if [ -s "$RUN/rc" ]; then
	rc=$(cat "$RUN/rc")
elif [ -e "$RUN/frozen" ]; then
	echo "ketch-vm: the VM froze (no heartbeat for ${KETCH_VM_FROZEN:-180} s: a hazard of nested SVM under software emulation, not of the command) and was stopped" >&2
	rc=123
elif grep -q 'Kernel panic - not syncing: softlockup' "$RUN/console.log"; then
	echo "ketch-vm: the VM's kernel locked up (a soft lock-up of its own CPUs, a hazard of nested SVM under software emulation, not of the command) and was stopped" >&2
	rc=123
elif why=$(sed -n 's/.*Kernel panic - not syncing: //p' "$RUN/console.log" | head -1) && [ -n "$why" ]; then
	echo "ketch-vm: the VM's kernel panicked ($why; seen under nested SVM in software emulation, a fault of the emulated machine) and the VM stopped" >&2
	rc=123
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "ketch-vm: the VM ran past its limit of $LIMIT s and was stopped" >&2
	rc=124
else
	echo "ketch-vm: the VM ended without the command's status (qemu exit $qrc)" >&2
	sed 's/^/ketch-vm: qemu: /' "$RUN/qemu.log" >&2
	rc=125
fi
echo "ketch-vm: command exit $rc after ${secs} s in the emulated VM" >&2
exit "$rc"
