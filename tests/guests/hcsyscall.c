/*
 * hcsyscall: hypercalls by direct `syscall` (Xen's 64-bit PV convention)
 * beside the same calls through the hypercall page: equal results, every
 * argument register read (r10 too), rcx and r11 as sysret leaves them,
 * unknown numbers, a preempted batch resumed by re-executing the syscall,
 * HYPERVISOR_iret by syscall, and an event upcall delivered as the call
 * returns.  Exit code = number of failures.
 */
#include "verdict.h"
#include <xen/version.h>

#define RFLAGS_IF 0x200UL
#define BATCH 4096

static unsigned long hits[GK_NR_EVTCHNS];

static long sc(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
	       unsigned long a4)
{
	return HYPERVISOR_syscall6(nr, a1, a2, a3, a4, 0, 0);
}

static void same_results(void)
{
	static char msg[] = "hcsyscall: console_io by syscall\n";
	long page = HYPERVISOR_xen_version(XENVER_version, NULL);

	verdict_rc("xen_version by syscall = by page", sc(__HYPERVISOR_xen_version,
							  XENVER_version, 0, 0, 0), page);
	verdict_rc("console_io by syscall (rdi, rsi, rdx)",
		   sc(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1,
		      (unsigned long)msg, 0), 0);
	verdict_rc("unknown number 127 by syscall", sc(127, 0, 0, 0, 0), -XEN_ENOSYS);
	verdict_rc("number 4096 by syscall", sc(4096, 0, 0, 0, 0), -XEN_ENOSYS);
}

/* mmuext_op's fourth argument (foreigndom) travels in r10. */
static void fourth_argument(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	unsigned int done = 0;

	verdict_rc("mmuext_op by syscall, foreigndom self",
		   sc(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, (unsigned long)&done,
		      DOMID_SELF), 0);
	verdict_rc("its pdone", done, 1);
	verdict_rc("mmuext_op by syscall, foreign domain in r10",
		   sc(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, (unsigned long)&done, 7),
		   -XEN_EPERM);
}

/* Xen's sysret: rcx = the address after the syscall, r11 = the rflags kept. */
static void rcx_r11(void)
{
	register unsigned long r11 __asm__("r11");
	unsigned long rax = __HYPERVISOR_xen_version, rdi = XENVER_version, rsi = 0;
	unsigned long rcx, after, flags;
	char detail[96];

	__asm__ volatile("pushfq; popq %[fl]\n\t"
			 "leaq 1f(%%rip), %[after]\n\t"
			 "syscall\n1:"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "=c"(rcx), "=r"(r11),
			   [after] "=&r"(after), [fl] "=&r"(flags)
			 :
			 : "rdx", "r8", "r9", "r10", "memory");
	snprintf(detail, sizeof(detail), "rcx %lx want %lx", rcx, after);
	verdict_check(rcx == after, "rcx = return address after syscall", detail);
	snprintf(detail, sizeof(detail), "r11 %lx rflags %lx", r11, flags);
	verdict_check((r11 & 0xcd5) == (flags & 0xcd5) && (r11 & RFLAGS_IF),
		      "r11 = rflags after syscall", detail);
}

/* 4096 flushes take well over the 1 ms slice: the syscall is re-executed. */
static void preempted_batch(void)
{
	static struct mmuext_op ops[BATCH];
	unsigned int done = 0;

	for (unsigned int i = 0; i < BATCH; i++)
		ops[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	verdict_rc("4096-op mmuext_op by syscall",
		   sc(__HYPERVISOR_mmuext_op, (unsigned long)ops, BATCH, (unsigned long)&done,
		      DOMID_SELF), 0);
	verdict_rc("its pdone across continuations", done, BATCH);
}

/*
 * HYPERVISOR_iret by syscall, as Xen's page for these guests issues it:
 * struct iret_context on the stack (rax, r11, rcx, flags, rip, cs,
 * rflags, rsp, ss); the call "returns" at rip with rax from the frame.
 * IF is clear in the frame so upcalls stay masked.
 */
static void iret_by_syscall(void)
{
	unsigned long rax, rsp_before, rsp_after;

	__asm__ volatile("movq %%rsp, %[before]\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %[before]\n\t"
			 "pushfq\n\t"
			 "andq $~0x200, (%%rsp)\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "pushq $0\n\t"   /* flags */
			 "pushq %%rcx\n\t"
			 "pushq %%r11\n\t"
			 "pushq $0x1234\n\t" /* rax */
			 "movl %[nr], %%eax\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1: movq %%rsp, %[after]"
			 : "=&a"(rax), [before] "=&r"(rsp_before), [after] "=&r"(rsp_after)
			 : [ss] "i"(FLAT_KERNEL_SS), [cs] "i"(FLAT_KERNEL_CS & ~3),
			   [nr] "i"(__HYPERVISOR_iret)
			 : "rcx", "r11", "memory");
	verdict_rc("iret by syscall restores rax", (long)rax, 0x1234);
	verdict_check(rsp_after == rsp_before, "iret by syscall restores rsp", "");
}

static void count(evtchn_port_t port, void *arg)
{
	(void)arg;
	hits[port]++;
}

/* An event raised by the syscall itself is delivered as it returns. */
static void upcall_on_return(void)
{
	evtchn_port_t a, b;
	struct evtchn_send send;
	unsigned long seen;
	long rc;

	verdict_rc("register callbacks", events_register_callback(), 0);
	verdict_rc("loopback pair", evtchn_alloc_unbound(DOMID_SELF, count, NULL, &a) ||
		   evtchn_bind_interdomain(DOMID_SELF, a, count, NULL, &b), 0);
	do_events();
	hits[b] = 0;
	events_restore_upcalls(0);
	send.port = a;
	rc = sc(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&send, 0, 0);
	seen = __atomic_load_n(&hits[b], __ATOMIC_SEQ_CST);
	events_mask_upcalls();
	verdict_rc("EVTCHNOP_send by syscall", rc, 0);
	verdict_rc("upcall ran before the syscall's next instruction", (long)seen, 1);
}

int main(const start_info_t *si)
{
	(void)si;
	same_results();
	fourth_argument();
	rcx_r11();
	preempted_batch();
	iret_by_syscall();
	upcall_on_return();
	return verdict_done("hcsyscall");
}
