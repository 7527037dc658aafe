/*
 * Entry point and hypercall page.  The domain starts at _start in ring 3
 * with rsp on a 4 KiB boot stack and rsi = &start_info; this moves to the
 * kit's own stack, zeroes .bss and calls start_kernel(si).
 */
#define GK_STACK_SIZE (64 * 1024)

	.section .text.hypercall_page, "ax"
	.balign 4096
	.globl hypercall_page
	.type hypercall_page, @object
hypercall_page:
	/* Filled by the hypervisor; int3 until then. */
	.fill 4096, 1, 0xcc
	.size hypercall_page, 4096

	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	cld
	movq %rsi, %rbx			/* start_info survives the .bss wipe */
	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movq $gk_stack + GK_STACK_SIZE, %rsp
	xorl %ebp, %ebp
	movq %rbx, %rdi
	call start_kernel
	ud2				/* start_kernel never returns */
	.size _start, . - _start

	.section .bss.stack, "aw", @nobits
	.balign 16
	.globl gk_stack
gk_stack:
	.skip GK_STACK_SIZE
	.size gk_stack, GK_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
