/*
 * kvm_probe.c - tells whether this machine can run KVM guests here and now:
 * /dev/kvm opens read-write, speaks the stable API and creates a VM.  A
 * /dev/kvm node can exist and still be useless (no vendor module behind
 * it, a container without the device cgroup), so existence is not enough.
 * Exit 0 and print the flavour-neutral "usable"; else exit 1 and print why.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm, vm, api;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("/dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		printf("/dev/kvm: API version %d, want %d\n", api, KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("/dev/kvm: cannot create a VM: %s\n", strerror(errno));
		return 1;
	}
	close(vm);
	close(kvm);
	printf("usable\n");
	return 0;
}
