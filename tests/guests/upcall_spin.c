/*
 * upcall_spin: upcalls interrupt a guest that never makes a hypercall.
 * Registers the event callback, binds VIRQ_TIMER, arms a 1 ms singleshot
 * timer and spins, with known values in most registers, until the timer
 * handler (which re-arms, and clobbers xmm7) has run k=K times (default
 * 50); the general registers and xmm7 must survive every upcall.  Exit code = number of failures.
 *
 * Negative variants (the domain must end crashed, never PASS):
 *   bad_stack=1     spin with rsp on an unmapped page: the bounce frame
 *                   cannot be written;
 *   bad_callback=1  register an unmapped address as the callback.
 */
#include "verdict.h"
#include <xen/callback.h>

#define PERIOD_NS (1 * NSEC_PER_MSEC)
#define UNMAPPED 0x1000UL /* the kit leaves the first 4 MiB unmapped */

static volatile unsigned long fired;

static void on_timer(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	fired++;
	/* Clobber an SSE register the spin loop holds: the entry saves it. */
	__asm__ volatile("pxor %%xmm7, %%xmm7" ::: "xmm7");
	time_arm_timer(now_ns() + PERIOD_NS);
}

/* Spin until *count >= target; returns a bitmask of clobbered registers. */
static unsigned long spin(volatile unsigned long *count, unsigned long target)
{
	register unsigned long r8 __asm__("r8") = 0x0808080808080808UL;
	register unsigned long r9 __asm__("r9") = 0x0909090909090909UL;
	register unsigned long r10 __asm__("r10") = 0x1010101010101010UL;
	register unsigned long r11 __asm__("r11") = 0x1111111111111111UL;
	register unsigned long r12 __asm__("r12") = 0x1212121212121212UL;
	register unsigned long r13 __asm__("r13") = 0x1313131313131313UL;
	register unsigned long r14 __asm__("r14") = 0x1414141414141414UL;
	unsigned long rbx = 0xb0b0b0b0b0b0b0b0UL, rcx = 0xc0c0c0c0c0c0c0c0UL;
	unsigned long rsi = 0x5151515151515151UL, rdi = 0xd1d1d1d1d1d1d1d1UL;
	unsigned long bad = 0, xmm = 0x7777777777777777UL;

	__asm__ volatile("movq %[x], %%xmm7\n\t"
			 "1: pause\n\t"
			 "cmpq %[t], (%[c])\n\t"
			 "jb 1b\n\t"
			 "movq %%xmm7, %[x]"
			 : "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12),
			   "+r"(r13), "+r"(r14), "+b"(rbx), "+c"(rcx), "+S"(rsi),
			   "+D"(rdi), [x] "+m"(xmm)
			 : [c] "a"(count), [t] "d"(target)
			 : "memory", "cc", "xmm7");
	bad |= (r8 != 0x0808080808080808UL) << 0;
	bad |= (r9 != 0x0909090909090909UL) << 1;
	bad |= (r10 != 0x1010101010101010UL) << 2;
	bad |= (r11 != 0x1111111111111111UL) << 3;
	bad |= (r12 != 0x1212121212121212UL) << 4;
	bad |= (r13 != 0x1313131313131313UL) << 5;
	bad |= (r14 != 0x1414141414141414UL) << 6;
	bad |= (rbx != 0xb0b0b0b0b0b0b0b0UL) << 7;
	bad |= (rcx != 0xc0c0c0c0c0c0c0c0UL) << 8;
	bad |= (rsi != 0x5151515151515151UL) << 9;
	bad |= (rdi != 0xd1d1d1d1d1d1d1d1UL) << 10;
	bad |= (xmm != 0x7777777777777777UL) << 11;
	return bad;
}

/*
 * Spin for about seconds s with rsp on an unmapped page, touching no
 * memory; an upcall must crash the domain.  Returns if none came.
 */
static void spin_on_bad_stack(uint64_t cycles)
{
	__asm__ volatile("movq %%rsp, %%r15\n\t"
			 "movq %[bad], %%rsp\n\t"
			 "rdtsc\n\t"
			 "shlq $32, %%rdx\n\t"
			 "orq %%rax, %%rdx\n\t"
			 "addq %[n], %%rdx\n\t"
			 "movq %%rdx, %%r14\n\t"
			 "1: pause\n\t"
			 "rdtsc\n\t"
			 "shlq $32, %%rdx\n\t"
			 "orq %%rax, %%rdx\n\t"
			 "cmpq %%r14, %%rdx\n\t"
			 "jb 1b\n\t"
			 "movq %%r15, %%rsp"
			 :
			 : [bad] "i"(UNMAPPED + 0x800), [n] "r"(cycles)
			 : "rax", "rdx", "r14", "r15", "memory", "cc");
}

static int start_timer(void)
{
	long port = time_timer_port();

	if (port < 0)
		return (int)port;
	events_bind_port((evtchn_port_t)port, 0, on_timer, NULL);
	return time_arm_timer(now_ns() + PERIOD_NS);
}

static int negative(int bad_stack)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event,
					.address = UNMAPPED };
	uint64_t cycles = 3000000000ULL; /* about a second or more */

	if (bad_stack)
		verdict_rc("register callback", events_register_callback(), 0);
	else
		verdict_rc("register bad callback",
			   HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
	verdict_rc("arm timer", start_timer(), 0);
	events_restore_upcalls(0);
	if (bad_stack)
		spin_on_bad_stack(cycles);
	else
		spin(&fired, 1);
	events_mask_upcalls();
	printk("FAIL upcall_spin survived a bad %s (fired=%lu)\n",
	       bad_stack ? "stack" : "callback", fired);
	return 1;
}

int main(const start_info_t *si)
{
	unsigned long k = start_info_arg_ul("k", 50), bad;
	struct gk_cpu *c = this_cpu();

	(void)si;
	if (start_info_arg_ul("bad_stack", 0) || start_info_arg_ul("bad_callback", 0))
		return negative(start_info_arg_ul("bad_stack", 0) != 0);
	verdict_rc("register callback", events_register_callback(), 0);
	verdict_rc("arm timer", start_timer(), 0);
	events_restore_upcalls(0); /* upcalls on: the spin makes no hypercall */
	bad = spin(&fired, k);
	events_mask_upcalls();
	time_stop_timer();
	printk("upcall_spin fired=%lu upcalls=%lu\n", fired, c->upcalls);
	verdict_check(fired >= k, "handler ran k times", "");
	verdict_check(c->upcalls > 0, "delivered by upcall", "");
	verdict_check(bad == 0, "registers survive upcalls", "clobbered");
	if (bad)
		printk("clobbered mask 0x%lx\n", bad);
	return verdict_done("upcall_spin");
}
