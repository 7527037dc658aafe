/*
 * exit.c - what to do with each KVM exit.  The only expected exit is the
 * hypercall port; everything else a guest can cause (an exception, a
 * triple fault, I/O to another port, a write to unbacked guest-physical
 * memory) crashes that domain alone, with a register dump in the log.
 */
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv.h"
#include "ketch/builder.h"
#include "entry/entry.h"

/* The guest's ELF names the symbol: escaped like console text, so it cannot forge log lines. */
static void symbol_of(struct domain *d, uint64_t rip, char *out, size_t len)
{
	char name[128], esc[128];
	uint64_t off;

	out[0] = 0;
	if (d->image && d->elf_info &&
	    kb_elf_symbolize(d->image, d->image_len, d->elf_info, rip, name,
			     sizeof(name), &off) == 0) {
		hv_log_escape(esc, sizeof(esc), name, strnlen(name, sizeof(name)));
		snprintf(out, len, " <%s+0x%" PRIx64 ">", esc, off);
	}
}

/* v's registers from KVM; zeros where KVM cannot give them. */
static void fetch_state(struct vcpu *v, struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	ioctl(v->fd, KVM_GET_REGS, r);
	ioctl(v->fd, KVM_GET_SREGS, s);
}

void exit_crash_dump(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fetch_state(v, &r, &s);
	exit_crash_report(v, why, &r, &s);
}

static void log_state(struct vcpu *v, const char *why, const struct kvm_regs *rp,
		      const struct kvm_sregs *sp)
{
	struct domain *d = v->d;
	const struct kvm_regs r = *rp;
	const struct kvm_sregs s = *sp;
	char sym[160];

	symbol_of(d, r.rip, sym, sizeof(sym));
	hv_log("d%u vcpu%u: %s", d->domid, v->id, why);
	hv_log("  rip %016llx%s  rsp %016llx  rflags %08llx", r.rip, sym, r.rsp,
	       r.rflags);
	hv_log("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx", r.rax,
	       r.rbx, r.rcx, r.rdx);
	hv_log("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx", r.rsi,
	       r.rdi, r.rbp, r.r8);
	hv_log("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx", r.r9,
	       r.r10, r.r11, r.r12);
	hv_log("  r13 %016llx  r14 %016llx  r15 %016llx", r.r13, r.r14, r.r15);
	hv_log("  cr0 %08llx  cr2 %016llx  cr3 %016llx  cr4 %08llx  cs %04x", s.cr0, s.cr2,
	       s.cr3, s.cr4, s.cs.selector);
}

void exit_log_state(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fetch_state(v, &r, &s);
	log_state(v, why, &r, &s);
}

void exit_crash_report(struct vcpu *v, const char *why, const struct kvm_regs *rp,
		       const struct kvm_sregs *sp)
{
	const struct kvm_regs r = *rp;
	const struct kvm_sregs s = *sp;
	char sym[160];

	log_state(v, why, rp, sp);
	symbol_of(v->d, r.rip, sym, sizeof(sym));
	domain_crash(v->d, "vcpu%u: %s at rip 0x%llx%s, rsp 0x%llx, cr2 0x%llx", v->id,
		     why, r.rip, sym, r.rsp, s.cr2);
}

/*
 * A triple fault.  On PVM it is how every ring-3 exception ends KVM_RUN,
 * state intact.  Where the entry area catches exceptions it means the
 * guest broke the area's mapping or its own stack so badly that even #DF
 * could not be delivered; SVM then resets the vCPU, and says so.
 */
static const char *shutdown_why(struct vcpu *v)
{
	if (!entry_active(v->d))
		return "unhandled exception (triple fault)";
	if (v->d->hv->flavour == HV_FLAVOUR_SVM)
		return "triple fault (the entry area was unmapped or its stack broken; "
		       "AMD SVM reset the vCPU, so the registers below are lost)";
	return "triple fault (the entry area was unmapped or its stack broken)";
}

static int exit_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char why[96];

	if (run->io.port == HV_HCALL_PORT && run->io.direction == KVM_EXIT_IO_OUT) {
		hcall_dispatch(v);
		return 0;
	}
	if (run->io.port == HV_DOORBELL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.size == 4) {
		uint32_t port;

		memcpy(&port, (uint8_t *)run + run->io.data_offset, sizeof(port));
		evtchn_doorbell_exit(v, port);
		return 0;
	}
	if (run->io.port == HV_TRAP_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
	    entry_active(v->d))
		return entry_trap(v);
	if (run->io.port == HV_SYSCALL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
	    entry_active(v->d))
		return entry_syscall(v);
	snprintf(why, sizeof(why), "I/O %s port 0x%x outside the hypercall page",
		 run->io.direction == KVM_EXIT_IO_OUT ? "to" : "from",
		 run->io.port);
	exit_crash_dump(v, why);
	return -1;
}

int exit_handle(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char why[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return exit_io(v);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_MMIO:
		snprintf(why, sizeof(why),
			 "%s unbacked guest-physical address 0x%llx",
			 run->mmio.is_write ? "write to" : "read from",
			 run->mmio.phys_addr);
		break;
	case KVM_EXIT_SHUTDOWN:
		snprintf(why, sizeof(why), "%s", shutdown_why(v));
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error, suberror %u",
			 run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "VM entry failed, reason 0x%llx",
			 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_HLT:
		snprintf(why, sizeof(why), "hlt in a ring-3 guest");
		break;
	default:
		snprintf(why, sizeof(why), "unexpected KVM exit %u",
			 run->exit_reason);
		break;
	}
	exit_crash_dump(v, why);
	return -1;
}
