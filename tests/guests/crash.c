/*
 * crash: a negative guest.  Reads an unmapped address below the link base;
 * the fault must end the domain (reported as crashed).  Reaching the end
 * means the fault was lost.
 */
#include <ketch-guest/kit.h>

/* Through a variable, so the compiler cannot reason about the address. */
static volatile unsigned long bad_addr = 0x10;

int main(const start_info_t *si)
{
	volatile uint64_t *bad = (volatile uint64_t *)bad_addr;

	(void)si;
	printk("crash: reading unmapped address %p, expecting the domain to crash\n",
	       (void *)bad);
	uint64_t v = *bad;
	printk("crash: FAIL, read 0x%llx and survived\n", (unsigned long long)v);
	return 1;
}
