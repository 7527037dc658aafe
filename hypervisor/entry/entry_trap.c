/*
 * entry_trap.c - what a trap stub of the entry area reports: the frame the
 * CPU pushed on the vCPU's ring-0 stack (vector and error code pushed by
 * the stub below it) gives the guest's own rip, rsp and rflags, the
 * general registers are as the guest left them, cr2 is still the fault
 * address.  An exception the guest handles (traps.c) is bounced to it and
 * the vCPU continues in ring 3; any other crashes the domain with the
 * same report on every flavour.
 */
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv.h"
#include "entry.h"

/* Vector, error code, rip, cs, rflags, rsp, ss: as the stub leaves them. */
enum { F_VEC, F_EC, F_RIP, F_CS, F_RFLAGS, F_RSP, F_SS, F_WORDS };

static const struct {
	const char *mnemonic, *name;
} vectors[] = {
	[0] = { "DE", "divide error" },
	[1] = { "DB", "debug" },
	[2] = { "NMI", "non-maskable interrupt" },
	[3] = { "BP", "breakpoint" },
	[4] = { "OF", "overflow" },
	[5] = { "BR", "bound range exceeded" },
	[6] = { "UD", "invalid opcode" },
	[7] = { "NM", "device not available" },
	[8] = { "DF", "double fault" },
	[9] = { "CSO", "coprocessor segment overrun" },
	[10] = { "TS", "invalid TSS" },
	[11] = { "NP", "segment not present" },
	[12] = { "SS", "stack-segment fault" },
	[13] = { "GP", "general protection fault" },
	[14] = { "PF", "page fault" },
	[16] = { "MF", "x87 floating-point error" },
	[17] = { "AC", "alignment check" },
	[18] = { "MC", "machine check" },
	[19] = { "XM", "SIMD floating-point error" },
	[20] = { "VE", "virtualization exception" },
	[21] = { "CP", "control protection" },
};

const char *entry_vector_name(unsigned int vector, const char **longname)
{
	const char *m = NULL, *n = NULL;

	if (vector < sizeof(vectors) / sizeof(vectors[0])) {
		m = vectors[vector].mnemonic;
		n = vectors[vector].name;
	}
	if (longname)
		*longname = n ? n : "reserved vector";
	return m ? m : "??";
}

/*
 * The stub's frame, read from ketch-hv's own mapping of v's two stack
 * pages.  The ring-0 rsp comes from the guest's registers, so it is
 * checked to lie inside this vCPU's pages before anything is read.
 */
static bool read_frame(struct vcpu *v, uint64_t rsp, uint64_t f[F_WORDS])
{
	uint64_t lo = ENTRY_VA + ENTRY_STACK_OFF + v->id * 2 * HV_PAGE_SIZE;
	uint64_t hi = lo + 2 * HV_PAGE_SIZE;
	const uint8_t *stacks = entry_stacks(v->d);

	if (!stacks || rsp < lo || rsp > hi - F_WORDS * 8 || rsp % 8)
		return false;
	memcpy(f, stacks + (rsp - ENTRY_VA - ENTRY_STACK_OFF), F_WORDS * 8);
	return true;
}

int entry_to_ring3(struct vcpu *v)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	hv_kvm_ring3_segments(&s);
	return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -1 : 0;
}

/* Continue the guest at r in ring 3, leaving the stub's ring-0 frame behind. */
static int resume(struct vcpu *v, const struct kvm_regs *r)
{
	*vcpu_regs(v) = *r;
	vcpu_regs_dirty(v);
	return entry_to_ring3(v);
}

int entry_trap(struct vcpu *v)
{
	struct kvm_regs r = *vcpu_regs(v);
	struct kvm_sregs s;
	uint64_t f[F_WORDS];
	const char *name, *mn;
	char why[128];
	unsigned int vec;

	if (!read_frame(v, r.rsp, f)) {
		exit_crash_dump(v, "exception with the ring-0 stack out of place");
		return -1;
	}
	vec = (unsigned int)(f[F_VEC] & 0xff);
	r.rip = f[F_RIP];
	r.rsp = f[F_RSP];
	r.rflags = f[F_RFLAGS];
	memset(&s, 0, sizeof(s));
	ioctl(v->fd, KVM_GET_SREGS, &s);
	/* Only ring-3 (guest) faults are the guest's; a stub never faults. */
	if ((f[F_CS] & 3) == 3) {
		int t = traps_deliver(v, vec, f[F_EC], s.cr2, &r);

		if (t == 0)
			return resume(v, &r);
		if (t == -2)
			return -1;
	}
	mn = entry_vector_name(vec, &name);
	snprintf(why, sizeof(why), "unhandled exception #%s (%s, error code 0x%" PRIx64 ")",
		 mn, name, f[F_EC]);
	s.cs.selector = (uint16_t)f[F_CS]; /* the guest's, not the stub's */
	exit_crash_report(v, why, &r, &s);
	return -1;
}
