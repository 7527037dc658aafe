/*
 * entry.h - Ketch's ring-0 entry area: the GDT, IDT, TSSs, trap stubs, the
 * syscall stub and ring-0 stacks a domain's vCPUs use when the CPU leaves
 * ring 3 other than by the hypercall page's port exits (an exception, a
 * syscall).  It lives in the part of the address space Xen reserves for
 * itself in 64-bit PV guests, outside the guest's RAM, read-only to the
 * guest except the per-vCPU stacks.
 *
 * It catches every exception before it can become a triple fault, so
 * exceptions are bounced to the guest's trap table (traps.c) and crash
 * reports keep the vector, error code, rip, rsp and cr2 (on AMD SVM KVM
 * resets a vCPU that triple-faults, losing them); and it takes Xen's
 * direct-syscall hypercalls and guest user mode's syscalls
 * (entry_syscall.c).  On PVM hosts it is not used: there a ring-3
 * exception ends KVM_RUN with the faulting state intact, and ring 0 is
 * emulated.
 */
#ifndef KETCH_HV_ENTRY_H
#define KETCH_HV_ENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct domain;
struct vcpu;

/* The exit port of the trap stubs (beside the hypercall ports). */
#define HV_TRAP_PORT 0x12
/* The exit port of the syscall stub (LSTAR). */
#define HV_SYSCALL_PORT 0x13
/* Where the area appears: L4 slot 261, Xen's own text in its layout. */
#define ENTRY_VA 0xffff82c000000000ULL
#define ENTRY_L4_SLOT 261
/* Where the per-vCPU ring-0 stacks start (two pages per vCPU). */
#define ENTRY_STACK_OFF 0x100000ULL
/* Guest-physical home: above the grant-mapping window and the zap page. */
#define ENTRY_GPA ((1ULL << 39) + (2ULL << 20))

/* A KVM memory slot of d (slot numbers past ENTRY_LAST_SLOT are xenpv's). */
int entry_add_slot(struct domain *d, unsigned int slot, uint64_t gpa, void *host,
		   size_t len, bool ro);
#define ENTRY_LAST_SLOT (2 + 256 + 1)
/* Sets up d's area when the flavour uses it; 0, or negative errno. */
int entry_init(struct domain *d);
void entry_free(struct domain *d);
/* True when d's exceptions arrive through the area. */
bool entry_active(const struct domain *d);
/* Points GDTR, IDTR and TR of v's registers at the area (or TR at the
 * hypercall page, where the area is not used). */
void entry_sregs(struct vcpu *v, struct kvm_sregs *s);
/* Loads v's syscall MSRs (STAR, LSTAR, SFMASK) where the area is used;
 * 0 or -EIO.  Call with every context load, after entry_sregs. */
int entry_vcpu_msrs(struct vcpu *v);
/* The linear address of the syscall stub's exit (`out`). */
uint64_t entry_syscall_rip(void);
/* Makes the guest's L4 table at cr3 map the area; call on every CR3 load. */
void entry_map(struct domain *d, uint64_t cr3);
/* ketch-hv's mapping of the stack pages (NULL where the area is unused). */
const uint8_t *entry_stacks(const struct domain *d);
/* The exit of a trap stub: bounces or reports the exception; 0 to go
 * on, -1 when the domain has been crashed. */
int entry_trap(struct vcpu *v);
/* Puts v back in ring 3 (Xen's flat ring-3 CS and SS); 0 or -1. */
int entry_to_ring3(struct vcpu *v);
/* The exit of the syscall stub: a hypercall by direct syscall (Xen's
 * 64-bit PV convention); 0 to go on, -1 when the domain has been crashed. */
int entry_syscall(struct vcpu *v);
/* Xen's mnemonic ("PF") and name ("page fault") of an exception vector. */
const char *entry_vector_name(unsigned int vector, const char **longname);

#endif
