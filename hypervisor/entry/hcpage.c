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
#include <stdint.h>
#include <string.h>
#include <xen/event_channel.h>
#include <xen/xen.h>

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

/*
 * HYPERVISOR_iret is jumped to, not called, with the iret frame on the
 * stack (Xen's convention): push rcx, r11, rax to complete struct
 * iret_context, then exit.  It never returns here.
 */
static void put_iret_stub(uint8_t *p)
{
	static const uint8_t code[] = {
		0x51,                         /* push %rcx */
		0x41, 0x53,                   /* push %r11 */
		0x50,                         /* push %rax */
		0xb8, __HYPERVISOR_iret, 0, 0, 0, /* mov $iret, %eax */
		0xe7, HV_HCALL_PORT,          /* out %eax, $port */
		0x0f, 0x0b,                   /* ud2: not reached */
	};

	memcpy(p, code, sizeof(code));
}

/*
 * event_channel_op: EVTCHNOP_send writes the port number to the doorbell
 * port; for a port bound to a control-domain eventfd KVM completes that
 * write in the kernel (no exit to ketch-hv).  Other sends exit as usual
 * and ketch-hv resumes at the `ret` with the result in rax.
 */
#define SEND_RET_OFF 11
static void put_evtchn_stub(uint8_t *p)
{
	static const uint8_t code[] = {
		0x83, 0xff, EVTCHNOP_send,    /* cmp $EVTCHNOP_send, %edi */
		0x75, 0x07,                   /* jne slow */
		0x8b, 0x06,                   /* mov (%rsi), %eax: the port */
		0xe7, HV_DOORBELL_PORT,       /* out %eax, $doorbell */
		0x31, 0xc0,                   /* xor %eax, %eax */
		0xc3,                         /* ret (offset SEND_RET_OFF) */
		0xb8, __HYPERVISOR_event_channel_op, 0, 0, 0, /* slow: */
		0xe7, HV_HCALL_PORT,
		0xc3,
	};

	_Static_assert(sizeof(code) <= STUB_SIZE, "stub too long");
	memcpy(p, code, sizeof(code));
}

uint64_t hcpage_send_ret_offset(void)
{
	return __HYPERVISOR_event_channel_op * STUB_SIZE + SEND_RET_OFF;
}

void hcpage_fill(uint8_t *page)
{
	memset(page, 0, HV_PAGE_SIZE);
	for (unsigned int nr = 0; nr < HV_NR_HYPERCALLS; nr++) {
		uint8_t *p = page + nr * STUB_SIZE;

		if (nr == __HYPERVISOR_iret) {
			put_iret_stub(p);
		} else if (nr == __HYPERVISOR_event_channel_op) {
			put_evtchn_stub(p);
		} else if (p + 8 > page + TSS_IOMAP_OFF && p <= page + TSS_IOMAP_OFF + 1) {
			p[0] = 0xeb; /* jmp +6: over the I/O map base */
			p[1] = 6;
			put_stub(p + 8, nr);
		} else {
			put_stub(p, nr);
		}
	}
	page[TSS_IOMAP_OFF] = IOMAP_BASE & 0xff;
	page[TSS_IOMAP_OFF + 1] = IOMAP_BASE >> 8;
	_Static_assert(HV_DOORBELL_PORT / 8 < STUB_SIZE - 8 - 1,
		       "the I/O map must cover the stubs' ports");
}

uint64_t hcpage_tss_base(const struct domain *d)
{
	return d->hypercall_page_va;
}
