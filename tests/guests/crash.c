/*
 * crash: a negative guest.  Faults on purpose; the fault must end the
 * domain (reported as crashed, with the fault's state).  Reaching the end
 * means the fault was lost.  The command line picks the fault:
 *   (none)     read an unmapped address below the link base: #PF, cr2 0x10
 *   fault=ud   ud2: #UD
 *   fault=gp   a privileged instruction in ring 3 (mov %cr0): #GP
 *   fault=de   divide by zero: #DE
 *   fault=bp   int3: #BP
 *   fault=stack  recurse until the stack runs out: #PF on the stack
 *   fault=noentry  clear L4 slot 261 (where the hypervisor maps its ring-0
 *              entry area on VT-x/SVM), then read 0x10: no exception can
 *              be delivered, so it becomes a triple fault
 *   fault=sysport  `out` from ring 3 to the port of the entry area's
 *              syscall stub (0x13): only the stub may use it
 * ud, gp and bp fault at the global labels site_ud, site_gp, site_bp with
 * markers 0x1212..0x1515 in r12..r15, which the report must show.
 */
#include <ketch-guest/kit.h>

/* Through a variable, so the compiler cannot reason about the address. */
static volatile unsigned long bad_addr = 0x10;
static volatile unsigned long zero;

static unsigned long __attribute__((noinline)) recurse(unsigned long n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	/* Never false at run time; keeps the compiler from calling it endless. */
	if (n == ~0UL)
		return pad[0];
	return recurse(n + 1) + pad[0];
}

/* r12..r15 carry markers into the fault so the dump can be checked. */
#define MARKED(site, insn)                                                   \
	__asm__ volatile("mov $0x1212, %%r12\n\tmov $0x1313, %%r13\n\t"      \
			 "mov $0x1414, %%r14\n\tmov $0x1515, %%r15\n\t"      \
			 ".globl " site "\n" site ":\n\t" insn               \
			 ::: "r12", "r13", "r14", "r15", "memory")

int main(const start_info_t *si)
{
	const char *c = start_info_cmdline();

	if (start_info_has_word("fault=ud")) {
		printk("crash: ud2, expecting #UD\n");
		MARKED("site_ud", "ud2");
	} else if (start_info_has_word("fault=gp")) {
		printk("crash: mov %%cr0 in ring 3, expecting #GP\n");
		MARKED("site_gp", "mov %%cr0, %%rax");
	} else if (start_info_has_word("fault=bp")) {
		printk("crash: int3, expecting #BP\n");
		MARKED("site_bp", "int3");
	} else if (start_info_has_word("fault=de")) {
		printk("crash: divide by zero, expecting #DE\n");
		__asm__ volatile("xor %%edx, %%edx\n\tdivq %0" ::"r"(zero), "a"(1UL) : "rdx");
	} else if (start_info_has_word("fault=noentry")) {
		uint64_t *l4 = (uint64_t *)si->pt_base;

		printk("crash: clearing L4 slot 261, then reading 0x10\n");
		l4[261] = 0;
		mm_flush_tlb();
		(void)*(volatile uint64_t *)bad_addr;
	} else if (start_info_has_word("fault=sysport")) {
		printk("crash: out to the syscall stub's port from ring 3\n");
		__asm__ volatile("out %%al, $0x13" ::"a"(0));
	} else if (start_info_has_word("fault=stack")) {
		printk("crash: recursing until the stack runs out\n");
		recurse(0);
	} else {
		printk("crash: reading unmapped address %p, expecting the domain to crash\n",
		       (void *)bad_addr);
		uint64_t v = *(volatile uint64_t *)bad_addr;

		printk("crash: FAIL, read 0x%llx and survived\n", (unsigned long long)v);
	}
	printk("crash: FAIL, survived the fault (%s)\n", c);
	return 1;
}
