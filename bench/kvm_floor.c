/*
 * kvm_floor.c - the floors ketch-hv's figures are compared against, measured
 * with bare KVM in the same run: a CPL3 guest set up exactly as Ketch sets
 * up its guests (long mode, ring 3, IOPL 3, TR over a zeroed I/O map) whose
 * only code is an `out` loop; and bare VM creation to first exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "hv_boot.h"

#define MEM (2u << 20)
#define CODE_GPA 0x9000

/* out %al,$0x10 ; jmp back: one user-space exit per iteration */
static const uint8_t guest_code[] = { 0xe6, 0x10, 0xeb, 0xfc };

struct bare_vm {
	int vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t runsz;
};

static void setup_memory(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + 0x1000), *pdpt = (uint64_t *)(mem + 0x2000);
	uint64_t *pd = (uint64_t *)(mem + 0x3000), *pt = (uint64_t *)(mem + 0x4000);

	pml4[0] = 0x2000 | 7;
	pdpt[0] = 0x3000 | 7;
	pd[0] = 0x4000 | 7;
	for (int i = 0; i < 512; i++)
		pt[i] = (i * 0x1000ULL) | 7;
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
}

static int setup_vcpu(int kvm, struct bare_vm *b)
{
	static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cp;
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE_GPA, .rsp = 0x8000, .rflags = 0x3002 };

	cp.c.nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cp) < 0 ||
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
	if (ioctl(b->vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(b->vcpu, KVM_SET_REGS, &r) < 0)
		return -errno;
	b->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return 0;
}

static int bare_create(int kvm, struct bare_vm *b)
{
	struct kvm_userspace_memory_region r = { .memory_size = MEM };

	memset(b, 0, sizeof(*b));
	b->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	b->mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->vm < 0 || b->mem == MAP_FAILED)
		return -errno;
	r.userspace_addr = (uint64_t)(uintptr_t)b->mem;
	setup_memory(b->mem);
	if (ioctl(b->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	b->vcpu = ioctl(b->vm, KVM_CREATE_VCPU, 0);
	b->runsz = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	b->run = mmap(NULL, b->runsz, PROT_READ | PROT_WRITE, MAP_SHARED, b->vcpu, 0);
	if (b->vcpu < 0 || b->run == MAP_FAILED)
		return -errno;
	return setup_vcpu(kvm, b);
}

static void bare_destroy(struct bare_vm *b)
{
	munmap(b->run, b->runsz);
	munmap(b->mem, MEM);
	close(b->vcpu);
	close(b->vm);
}

static int run_once(struct bare_vm *b)
{
	if (ioctl(b->vcpu, KVM_RUN, 0) < 0)
		return -errno;
	if (b->run->exit_reason != KVM_EXIT_IO) {
		fprintf(stderr, "kvm_floor: unexpected exit %u\n", b->run->exit_reason);
		return -EIO;
	}
	return 0;
}

double floor_exit_us(int n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct bare_vm b;
	double t0, us = -1;

	if (kvm < 0 || bare_create(kvm, &b) < 0)
		return -1;
	for (int i = 0; i < 100; i++)
		run_once(&b);
	t0 = bench_now_us();
	for (int i = 0; i < n; i++)
		if (run_once(&b) < 0)
			goto out;
	us = (bench_now_us() - t0) / n;
out:
	bare_destroy(&b);
	close(kvm);
	return us;
}

double floor_vm_boot_us(int n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	double t0, us = -1;

	if (kvm < 0)
		return -1;
	t0 = bench_now_us();
	for (int i = 0; i < n; i++) {
		struct bare_vm b;

		if (bare_create(kvm, &b) < 0 || run_once(&b) < 0)
			goto out;
		bare_destroy(&b);
	}
	us = (bench_now_us() - t0) / n;
out:
	close(kvm);
	return us;
}

double floor_idle_vm_kib(int n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct bare_vm *b = calloc((size_t)n, sizeof(*b));
	long before = hvb_used_kib(), after;
	int made = 0;

	if (kvm < 0 || !b)
		return -1;
	for (; made < n; made++)
		if (bare_create(kvm, &b[made]) < 0 || run_once(&b[made]) < 0)
			break;
	after = hvb_used_kib();
	for (int i = 0; i < made; i++)
		bare_destroy(&b[i]);
	free(b);
	close(kvm);
	return made == n ? (double)(after - before) / n : -1;
}
