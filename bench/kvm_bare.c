/* kvm_bare.c - bare KVM VMs set up exactly as Ketch sets up its guests. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_bare.h"

static void setup_memory(uint8_t *mem, const uint8_t *code, size_t len)
{
	uint64_t *pml4 = (uint64_t *)(mem + 0x1000), *pdpt = (uint64_t *)(mem + 0x2000);
	uint64_t *pd = (uint64_t *)(mem + 0x3000), *pt = (uint64_t *)(mem + 0x4000);

	pml4[0] = 0x2000 | 7;
	pdpt[0] = 0x3000 | 7;
	pd[0] = 0x4000 | 7;
	for (int i = 0; i < 512; i++)
		pt[i] = (i * 0x1000ULL) | 7;
	memcpy(mem + BARE_CODE_GPA, code, len);
}

static int setup_vcpu(struct bare_vm *b)
{
	static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cp;
	struct kvm_sregs s;

	cp.c.nent = 256;
	if (ioctl(b->kvm, KVM_GET_SUPPORTED_CPUID, &cp) < 0 ||
	    ioctl(b->vcpu, KVM_SET_CPUID2, &cp) < 0 || ioctl(b->vcpu, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cr3 = 0x1000;
	s.cr4 = (1 << 5) | (1 << 9) | (1 << 10);
	s.cr0 = 0x80050033;
	s.efer = 0x500;
	s.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0xe033, .type = 11,
				     .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	s.ss = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0xe02b, .type = 3,
				     .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1 };
	s.ds = s.es = s.fs = s.gs = s.ss;
	s.tr = (struct kvm_segment){ .base = 0x5000, .limit = 0xfff, .type = 11, .present = 1 };
	if (ioctl(b->vcpu, KVM_SET_SREGS, &s) < 0)
		return -errno;
	b->regs = (struct kvm_regs){ .rip = BARE_CODE_GPA, .rsp = 0x8000, .rflags = 0x3002 };
	b->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return bare_set_regs(b);
}

int bare_set_regs(struct bare_vm *b)
{
	return ioctl(b->vcpu, KVM_SET_REGS, &b->regs) < 0 ? -errno : 0;
}

int bare_create(struct bare_vm *b, const uint8_t *code, size_t len)
{
	struct kvm_userspace_memory_region r = { .memory_size = BARE_MEM };

	memset(b, 0, sizeof(*b));
	b->vm = b->vcpu = -1;
	b->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (b->kvm < 0)
		return -errno;
	b->vm = ioctl(b->kvm, KVM_CREATE_VM, 0);
	b->mem = mmap(NULL, BARE_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->vm < 0 || b->mem == MAP_FAILED)
		return -errno;
	r.userspace_addr = (uint64_t)(uintptr_t)b->mem;
	setup_memory(b->mem, code, len);
	if (ioctl(b->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	b->vcpu = ioctl(b->vm, KVM_CREATE_VCPU, 0);
	b->runsz = (size_t)ioctl(b->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	b->run = mmap(NULL, b->runsz, PROT_READ | PROT_WRITE, MAP_SHARED, b->vcpu, 0);
	if (b->vcpu < 0 || b->run == MAP_FAILED)
		return -errno;
	return setup_vcpu(b);
}

void bare_destroy(struct bare_vm *b)
{
	if (b->run && b->run != MAP_FAILED)
		munmap(b->run, b->runsz);
	if (b->mem && b->mem != MAP_FAILED)
		munmap(b->mem, BARE_MEM);
	if (b->vcpu >= 0)
		close(b->vcpu);
	if (b->vm >= 0)
		close(b->vm);
	if (b->kvm >= 0)
		close(b->kvm);
}

int bare_run_once(struct bare_vm *b)
{
	if (ioctl(b->vcpu, KVM_RUN, 0) < 0)
		return -errno;
	if (b->run->exit_reason != KVM_EXIT_IO) {
		fprintf(stderr, "bare vm: unexpected exit %u\n", b->run->exit_reason);
		return -EIO;
	}
	return 0;
}
