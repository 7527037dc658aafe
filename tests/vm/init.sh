#!/bin/sh
# /init of the test VM's initramfs (busybox).  Loads the modules, builds a
# root file system from the host's / (9p, read-only) under a tmpfs overlay,
# mounts the checkout read-write at its own path, runs the command that
# tests/vm/run.sh left in the run folder and writes its exit status there.
# Paths come on the kernel command line: ketch.work= (the checkout) and
# ketch.run= (the run folder inside it).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "ketch-vm: $*" > /dev/console; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
die() { say "$*"; poweroff -f; }

for m in $(cat /modules); do
	# Only the vendor module this CPU can run is loaded.
	case $m in
	kvm-amd | kvm_amd) grep -qw svm /proc/cpuinfo || continue ;;
	kvm-intel | kvm_intel) grep -qw vmx /proc/cpuinfo || continue ;;
	esac
	insmod /lib/$m.ko 2> /tmp.err || say "module $m: $(cat /tmp.err)"
done
[ -e /dev/kvm ] || say "no /dev/kvm inside the VM either (CPU flags: $(grep -m1 -o -w -e svm -e vmx /proc/cpuinfo))"

WORK=$(arg ketch.work)
RUN=$(arg ketch.run)
[ -n "$WORK" ] && [ -n "$RUN" ] || die "ketch.work= and ketch.run= missing"
R=/newroot
OPTS=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $OPTS,cache=loose,ro hostroot /mnt/host || die "cannot mount the host root"
mount -t tmpfs -o mode=0755 tmpfs /mnt/top
mkdir -p /mnt/top/upper /mnt/top/work
# Writes land in the tmpfs and vanish at power-off; the host is untouched.
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/top/upper,workdir=/mnt/top/work overlay $R ||
	die "cannot build the overlay root"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $R/dev/pts
ln -sf pts/ptmx $R/dev/ptmx 2> /dev/null
mount -t tmpfs tmpfs $R/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
ln -sfn /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
for d in /run /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs $R$d; done
mkdir -p "$R$WORK"
mount -t 9p -o $OPTS,cache=mmap checkout "$R$WORK" || die "cannot mount the checkout at $WORK"
[ -f "$R$RUN/cmd.sh" ] || die "no command in $RUN"
ip link set lo up
hostname ketch-vm
stty -F /dev/console -onlcr 2> /dev/null
say "up in $(cut -d' ' -f1 /proc/uptime) s, $(grep -c ^processor /proc/cpuinfo) vCPUs, $(ls /dev/kvm 2> /dev/null || echo 'no /dev/kvm')"

# A heartbeat the host watches: if it stops, the VM froze (see README.md).
(while :; do date +%s > "$R$RUN/heartbeat"; sleep 10; done) &
chroot $R /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash "$RUN/cmd.sh" < /dev/console > /dev/console 2>&1
echo $? > "$R$RUN/rc"
dmesg > "$R$RUN/dmesg"
sync
umount "$R$WORK" 2> /dev/null
poweroff -f
