#!/bin/bash
# Builds (once) what the nested test VM boots, into $KETCH_VM_DIR
# (default build/vm of the checkout):
#   kernel/            Debian's linux-image package, unpacked, never installed
#   vmlinuz            its kernel
#   initrd.img         busybox-static, the modules listed below, tests/vm/init.sh
#   stamp              what the image was built from; a change rebuilds it
# Everything comes from Debian's archive through apt-get; nothing else is
# fetched.  KETCH_VM_KVER picks a kernel ABI (default: the newest 6.1 one
# the archive offers, or the one already unpacked here).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${KETCH_VM_DIR:-$ROOT/build/vm}
# Modules the VM needs: virtio + 9p for the shared file systems, overlay
# for a writable root, kvm for the tests, and what the device tests use.
MODULES="virtio_pci 9pnet_virtio 9p overlay kvm_amd kvm_intel tun bridge veth nbd loop"
PKGS="qemu-system-x86 busybox-static kmod cpio"

say() { echo "ketch-vm: $*" >&2; }

install_tools() {
	local p need=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			need="$need $p"
	done
	[ -z "$need" ] && return 0
	say "installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null; }
}

newest_kver() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}

pick_kver() {
	local k=${KETCH_VM_KVER:-}
	[ -n "$k" ] && { echo "$k"; return; }
	# A kernel already unpacked is kept: no download on later runs.
	if [ -s "$D/kver" ] && [ -d "$D/kernel/lib/modules/$(cat "$D/kver")" ]; then
		cat "$D/kver"; return
	fi
	k=$(newest_kver)
	if [ -z "$k" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		k=$(newest_kver)
	fi
	[ -n "$k" ] || { say "no linux-image-6.1.0-N-amd64 package in the apt lists"; exit 1; }
	echo "$k"
}

unpack_kernel() {
	local kver=$1 deb
	[ -e "$D/kernel/boot/vmlinuz-$kver" ] && return 0
	mkdir -p "$D/deb"
	deb=$(ls "$D"/deb/linux-image-"$kver"_*.deb 2>/dev/null | tail -1 || true)
	if [ -z "$deb" ]; then
		say "fetching Debian's linux-image-$kver package (once; kept in $D)"
		(cd "$D/deb" && apt-get download -q "linux-image-$kver" 2>&1 |
			grep -v 'unsandboxed' >&2 || true)
		deb=$(ls "$D"/deb/linux-image-"$kver"_*.deb 2>/dev/null | tail -1 || true)
		[ -n "$deb" ] || { say "apt-get download linux-image-$kver failed"; exit 1; }
	fi
	rm -rf "$D/kernel"
	dpkg-deb -x "$deb" "$D/kernel"
	depmod -b "$D/kernel" "$kver"
}

# Copies each module and its dependencies in load order; writes the order.
collect_modules() {
	local kver=$1 r=$2 m ko n
	: > "$r/modules"
	for m in $MODULES; do
		modprobe -d "$D/kernel" -S "$kver" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		n=$(basename "$ko"); n=${n%%.ko*}
		case $ko in
		*.xz) xz -dc "$ko" > "$r/lib/$n.ko" ;;
		*.zst) zstd -qdc "$ko" > "$r/lib/$n.ko" ;;
		*) cp "$ko" "$r/lib/$n.ko" ;;
		esac
		echo "$n" >> "$r/modules"
	done
}

build_initrd() {
	local kver=$1 r
	r=$(mktemp -d "$D/initramfs.XXXXXX")
	mkdir -p "$r"/{bin,dev,proc,sys,lib,mnt/host,mnt/top,newroot}
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	install -m 0755 "$HERE/init.sh" "$r/init"
	collect_modules "$kver" "$r"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$D/initrd.img.new"
	mv "$D/initrd.img.new" "$D/initrd.img"
	cp "$D/kernel/boot/vmlinuz-$kver" "$D/vmlinuz"
	say "image ready: kernel $kver, modules: $(tr '\n' ' ' < "$r/modules")"
	rm -rf "$r"
}

main() {
	local kver stamp
	mkdir -p "$D"
	install_tools
	kver=$(pick_kver)
	stamp="$kver $(md5sum "$HERE/init.sh" "$HERE/image.sh" | awk '{printf "%s ", $1}')"
	if [ -e "$D/vmlinuz" ] && [ -e "$D/initrd.img" ] &&
	   [ "$(cat "$D/stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	unpack_kernel "$kver"
	echo "$kver" > "$D/kver"
	build_initrd "$kver"
	echo "$stamp" > "$D/stamp"
}

main "$@"
