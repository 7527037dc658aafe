/* kvm_bare.h - a bare KVM VM set up like a Ketch guest, for floors. */
#ifndef KETCH_BENCH_KVM_BARE_H
#define KETCH_BENCH_KVM_BARE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#define BARE_MEM (2u << 20)
#define BARE_CODE_GPA 0x9000

struct bare_vm {
	int kvm, vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t runsz;
	struct kvm_regs regs;
};

/*
 * A 2 MiB VM in long mode at CPL3 (IOPL 3, TR over a zeroed I/O map, Xen's
 * ring-3 selectors) whose code is `code` at BARE_CODE_GPA, identity-mapped.
 */
int bare_create(struct bare_vm *b, const uint8_t *code, size_t len);
/* Load b->regs (rip/rsp/rflags already set by bare_create). */
int bare_set_regs(struct bare_vm *b);
/* One KVM_RUN that must end in a port exit; 0 or negative errno. */
int bare_run_once(struct bare_vm *b);
void bare_destroy(struct bare_vm *b);

#endif
