# Sourced by tests/run-all.sh, scripts/demo.sh and bench/run-all.sh: decides
# where KVM guests run.  KETCH_VM=1 forces the emulated VM, KETCH_VM=0
# forbids it, unset picks the VM only when this machine has no usable KVM.
# Inside the VM itself (KETCH_IN_VM=1) the answer is always native.

# kvm_why_not: prints why KVM is unusable here; returns 0 when it is usable.
kvm_why_not() {
	local probe=${BUILD:-build}/tests/bin/kvm-probe out
	[ -e /dev/kvm ] || { echo "/dev/kvm is missing"; return 1; }
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "/dev/kvm is not read-write for $(id -un)"; return 1; }
	[ -x "$probe" ] || return 0
	out=$("$probe") && return 0
	echo "$out"
	return 1
}

# ketch_kvm_mode: prints "native" or "vm" on stdout and the reason for the
# VM on stderr; returns 1 (after a FATAL line) when neither is allowed.
ketch_kvm_mode() {
	local why
	if [ "${KETCH_IN_VM:-0}" = 1 ]; then echo native; return 0; fi
	if [ "${KETCH_VM:-}" = 1 ]; then
		echo "KETCH_VM=1: running inside a software-emulated VM with nested SVM; expect ~20x slower" >&2
		echo vm; return 0
	fi
	if why=$(kvm_why_not); then echo native; return 0; fi
	if [ "${KETCH_VM:-}" = 0 ]; then
		echo "FATAL: $why, and KETCH_VM=0 forbids the emulated VM: Ketch's guests need KVM." >&2
		return 1
	fi
	if [ "$why" = "/dev/kvm is missing" ]; then
		echo "no /dev/kvm here: running inside a software-emulated VM with nested SVM; expect ~20x slower" >&2
	else
		echo "no usable /dev/kvm here ($why): running inside a software-emulated VM with nested SVM; expect ~20x slower" >&2
	fi
	echo vm
}
