/*
 * Upcall and failsafe entries, and the first instructions of a secondary
 * vCPU.
 *
 * Xen x86-64 PV bounce frame, as the hypervisor leaves it (rsp aligned down
 * to 16 first, then pushed high to low):
 *
 *	+48 ss   +40 rsp   +32 rflags   +24 cs (bits 32-39: saved upcall mask)
 *	+16 rip  +8 r11    +0 rcx       <- rsp at gk_upcall_entry
 *
 * After popping rcx and r11 the rest is an interrupt frame; the entry saves
 * every other register and the FPU/SSE state (fxsave64: the interrupted
 * code may be using xmm registers), runs gk_upcall() with upcalls masked,
 * restores everything and leaves through the hypercall page's iret stub:
 * jumped to (never called) with a zero `flags` word above the frame; the
 * stub pushes rcx, r11 and rax to complete struct iret_context.  The
 * kit needs no red zone (it is built with -mno-red-zone).
 */
#include <xen/xen.h>

#define RFLAGS_IF 0x200
#define NR_GPRS 15
#define FXSAVE_BYTES 512

	.text
	.globl gk_upcall_entry
	.type gk_upcall_entry, @function
gk_upcall_entry:
	popq %rcx
	popq %r11
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/*
	 * The frame leaves rsp 16-aligned here; align anyway (fxsave64 and
	 * the C ABI need it) and keep the old rsp in rbx, saved above and
	 * preserved by C.
	 */
	movq %rsp, %rbx
	andq $-16, %rsp
	subq $FXSAVE_BYTES, %rsp
	fxsave64 (%rsp)
	cld
	call gk_upcall
	fxrstor64 (%rsp)
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	/*
	 * iret sets the upcall mask to !RFLAGS.IF.  Xen folds IF = !saved
	 * mask into the bounce frame; make that so here too, so the return
	 * restores exactly the mask the upcall interrupted.
	 */
	testb $0xff, 12(%rsp)
	jnz 1f
	orq $RFLAGS_IF, 16(%rsp)
	jmp 2f
1:	andq $~RFLAGS_IF, 16(%rsp)
2:	pushq $0			/* iret flags: not in syscall */
	jmp hypercall_page + __HYPERVISOR_iret * 32
	.size gk_upcall_entry, . - gk_upcall_entry

	/* Failsafe: nothing to recover (no segment reloads); report it. */
	.globl gk_failsafe_entry
	.type gk_failsafe_entry, @function
gk_failsafe_entry:
	andq $-16, %rsp
	call gk_failsafe
	ud2
	.size gk_failsafe_entry, . - gk_failsafe_entry

	/*
	 * A secondary vCPU starts here (VCPUOP_initialise) with rsp at its
	 * stack's top, where smp_start_cpu() left its struct gk_cpu pointer.
	 */
	.globl gk_smp_entry
	.type gk_smp_entry, @function
gk_smp_entry:
	popq %rdi
	andq $-16, %rsp
	xorl %ebp, %ebp
	call gk_smp_start
	ud2
	.size gk_smp_entry, . - gk_smp_entry

	.section .note.GNU-stack, "", @progbits
