/*
 * hcpage.c - the hypercall page: 128 stubs of 32 bytes, stub n at offset
 * 32*n, each "mov $n,%eax; out %eax,$HV_HCALL_PORT; ret".  The guest
 * passes arguments in rdi, rsi, rdx, r10, r8, r9 (Xen's x86-64
 * convention); ketch-hv reads them from the vCPU's registers at the port
 * exit and writes the result to rax.  PIO was chosen by measurement: it is
 * the cheapest exit that reaches user space on PVM hosts and works the same
 * on VT-x/AMD-V hosts (see docs/abi.md).
 *
 * The page doubles as the vCPU's TSS.  PVM emulates port I/O from ring 3
 * and consults the TSS I/O permission bitmap even with IOPL 3, so TR must
 * point at memory the guest keeps mapped: the hypercall page is such
 * memory.  The I/O map base lives at TSS offset 0x66, inside stub 3, which
 * therefore starts with a short jump over it; the map itself is the zero
 * padding after stub 120's code, so every port the stubs use is allowed.
 */
#include <string.h>

#include "hv.h"

#define STUB_SIZE 32
#define TSS_IOMAP_OFF 0x66
#define IOMAP_STUB 120
#define IOMAP_BASE (IOMAP_STUB * STUB_SIZE + 8)

static void put_stub(uint8_t *p, unsigned int nr)
{
	p[0] = 0xb8; /* mov $nr, %eax */
	p[1] = (uint8_t)nr;
	p[2] = p[3] = p[4] = 0;
	p[5] = 0xe7; /* out %eax, $port */
	p[6] = HV_HCALL_PORT;
	p[7] = 0xc3; /* ret */
}

void hcpage_fill(uint8_t *page)
{
	memset(page, 0, HV_PAGE_SIZE);
	for (unsigned int nr = 0; nr < HV_NR_HYPERCALLS; nr++) {
		uint8_t *p = page + nr * STUB_SIZE;

		if (p + 8 > page + TSS_IOMAP_OFF && p <= page + TSS_IOMAP_OFF + 1) {
			p[0] = 0xeb; /* jmp +6: over the I/O map base */
			p[1] = 6;
			put_stub(p + 8, nr);
		} else {
			put_stub(p, nr);
		}
	}
	page[TSS_IOMAP_OFF] = IOMAP_BASE & 0xff;
	page[TSS_IOMAP_OFF + 1] = IOMAP_BASE >> 8;
	_Static_assert(HV_HCALL_PORT / 8 < STUB_SIZE - 8 - 1,
		       "the I/O map must cover the hypercall port");
}

uint64_t hcpage_tss_base(const struct domain *d)
{
	return d->hypercall_page_va;
}
