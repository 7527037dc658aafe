/*
 * entry.c - the ring-0 entry area (see entry.h): building it, mapping it
 * into every page table the guest runs on, and reading the frame a trap
 * stub leaves on its ring-0 stack.
 *
 * Guest-physical layout (two KVM slots, both outside RAM):
 *   RO slot at ENTRY_GPA: GDT page, IDT, stubs, TSSs.  The CPU only
 *     reads them (descriptor accessed bits are preset).
 *   RW slot at ENTRY_GPA + 1 MiB: the L3, L2 and L1 tables, then two
 *     stack pages per vCPU (RSP0, and IST1 for #DF so a broken stack
 *     still reports).  The tables are not read-only because a page walk
 *     may write accessed bits (QEMU's emulated CPU asks for write access
 *     on every walk, and a read-only slot then loops in KVM's emulator);
 *     that costs nothing, as the guest's own L4 entry, in its RAM, is as
 *     writable as they are (see docs/abi.md on the entry area).
 * Linear layout from ENTRY_VA: GDT base at +0 with only its page of Xen's
 * reserved selectors (0xe000-0xefff) mapped, IDT at +0x10000, trap stubs
 * at +0x11000 and the syscall stub (LSTAR) after them, TSSs at +0x12000,
 * stacks from +0x100000.  Every mapping is supervisor-only: ring-3 guest
 * code cannot touch it.
 */
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/xen.h>

#include "hv.h"
#include "entry.h"
#include "mm/xenpv.h"

#define PG 4096ULL
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL

/* Pages of the RO slot, by index. */
enum { RO_GDT, RO_IDT, RO_CODE, RO_TSS0, RO_TSS1, RO_PAGES };
/* Pages of the RW slot: the tables, then the stacks. */
enum { RW_L3, RW_L2, RW_L1, RW_STACKS };
#define RW_GPA (ENTRY_GPA + (1ULL << 20))
#define GDT_OFF 0xe000ULL          /* the GDT page holds selectors 0xe000+ */
#define IDT_OFF 0x10000ULL
#define CODE_OFF 0x11000ULL
#define TSS_OFF 0x12000ULL
#define STACK_OFF ENTRY_STACK_OFF
#define TSS_STRIDE 128
#define TSS_LIMIT 0x67
#define STUB_STRIDE 16
#define NR_VECTORS 32
#define SYSCALL_STUB_OFF (NR_VECTORS * STUB_STRIDE) /* in the code page */
#define HV_CS 0xe008               /* Xen's __HYPERVISOR_CS */
#define HV_DS 0xe010               /* Xen's __HYPERVISOR_DS32 */
#define HV_TSS_SEL 0xe040
#define EFER_SCE 1ULL
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
/* Cleared on syscall: TF, IF, DF, NT, AC (ring 0 runs one `out`). */
#define SYSCALL_RFLAGS_MASK 0x44700ULL
#define SLOT_RO (2 + 256)          /* after RAM, the zap page and grant slots */
#define SLOT_RW (SLOT_RO + 1)

struct entry_area {
	uint8_t *ro;
	uint8_t *rw;
	size_t rw_len;
};

bool entry_active(const struct domain *d)
{
	return d->entry != NULL;
}

const uint8_t *entry_stacks(const struct domain *d)
{
	return d->entry ? d->entry->rw + RW_STACKS * PG : NULL;
}

static uint64_t ro_gpa(unsigned int page)
{
	return ENTRY_GPA + page * PG;
}

static uint64_t rw_gpa(unsigned int page)
{
	return RW_GPA + page * PG;
}

/*
 * int3 and into are DPL 3, as in Xen, so the guest's own breakpoints and
 * overflow checks raise #BP/#OF rather than #GP; every other gate is DPL 0
 * and `int n` on it is a #GP.
 */
static void put_gate(uint8_t *idt, unsigned int vec, uint64_t target, unsigned int ist)
{
	uint8_t dpl = (vec == 3 || vec == 4) ? 3 : 0;

	uint8_t *g = idt + vec * 16;

	memset(g, 0, 16);
	g[0] = target & 0xff;
	g[1] = (target >> 8) & 0xff;
	g[2] = HV_CS & 0xff;
	g[3] = HV_CS >> 8;
	g[4] = ist & 7;
	g[5] = 0x8e | dpl << 5; /* present, 64-bit interrupt gate */
	g[6] = (target >> 16) & 0xff;
	g[7] = (target >> 24) & 0xff;
	memcpy(g + 8, &(uint32_t){ (uint32_t)(target >> 32) }, 4);
}

static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
	       vec == 29 || vec == 30;
}

/*
 * Stub for vector n: push a zero error code where the CPU pushes none,
 * push n, then `out %al, $HV_TRAP_PORT`, which exits to ketch-hv with
 * every general register as the guest left it.  The jmp re-reports if the
 * vCPU is ever resumed there.
 */
static void put_stub(uint8_t *code, unsigned int vec)
{
	uint8_t *p = code + vec * STUB_STRIDE;

	if (!has_error_code(vec)) {
		*p++ = 0x6a; /* push $0 */
		*p++ = 0;
	}
	*p++ = 0x6a; /* push $vec */
	*p++ = (uint8_t)vec;
	*p++ = 0xe6; /* out %al, $port */
	*p++ = HV_TRAP_PORT;
	*p++ = 0xeb; /* jmp back to the out */
	*p++ = 0xfc;
}

/*
 * The LSTAR target: `out %al, $HV_SYSCALL_PORT` exits with every register
 * as the syscall left it (rcx the return rip, r11 the rflags, rsp still
 * the guest's: the stub touches no stack).  ketch-hv always resumes the
 * guest elsewhere; the jmp re-reports should it ever resume here.
 */
static void put_syscall_stub(uint8_t *code)
{
	uint8_t *p = code + SYSCALL_STUB_OFF;

	*p++ = 0xe6; /* out %al, $port */
	*p++ = HV_SYSCALL_PORT;
	*p++ = 0xeb; /* jmp back to the out */
	*p++ = 0xfc;
}

uint64_t entry_syscall_rip(void)
{
	return ENTRY_VA + CODE_OFF + SYSCALL_STUB_OFF;
}

static void build_gdt(uint8_t *page)
{
	uint64_t *g = (uint64_t *)page; /* selector s is g[(s - 0xe000) / 8] */

	g[(HV_CS - GDT_OFF) / 8] = 0x00af9b000000ffffULL;           /* ring-0 code, L */
	g[(HV_DS - GDT_OFF) / 8] = 0x00cf93000000ffffULL;           /* ring-0 data */
	g[(FLAT_RING3_CS32 - GDT_OFF) / 8] = 0x00cffb000000ffffULL; /* ring-3 code, 32-bit */
	g[(FLAT_RING3_SS64 - GDT_OFF) / 8] = 0x00cff3000000ffffULL; /* ring-3 data */
	g[(FLAT_RING3_CS64 - GDT_OFF) / 8] = 0x00affb000000ffffULL; /* ring-3 code, L */
	/* A TSS descriptor for TR's selector (vCPU 0's; TR's base is set per vCPU). */
	uint64_t b = ENTRY_VA + TSS_OFF;
	g[(HV_TSS_SEL - GDT_OFF) / 8] = TSS_LIMIT | ((b & 0xffffff) << 16) |
					 (0x8bULL << 40) | (((b >> 24) & 0xff) << 56);
	g[(HV_TSS_SEL - GDT_OFF) / 8 + 1] = b >> 32;
}

static void build_tss(struct entry_area *e, unsigned int nr_vcpus)
{
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		uint8_t *t = e->ro + RO_TSS0 * PG + i * TSS_STRIDE;
		uint64_t stacks = ENTRY_VA + STACK_OFF + i * 2 * PG;
		uint64_t rsp0 = stacks + PG, ist1 = stacks + 2 * PG;

		memcpy(t + 4, &rsp0, 8);
		memcpy(t + 36, &ist1, 8);
		t[0x66] = TSS_LIMIT + 1; /* I/O map base past the limit: none */
	}
}

/* Page tables from ENTRY_VA: L3 -> L2 -> one L1 covering 2 MiB. */
static void build_tables(struct entry_area *e, unsigned int nr_vcpus)
{
	uint64_t *l3 = (uint64_t *)(e->rw + RW_L3 * PG);
	uint64_t *l2 = (uint64_t *)(e->rw + RW_L2 * PG);
	uint64_t *l1 = (uint64_t *)(e->rw + RW_L1 * PG);
	uint64_t tbl = PTE_P | PTE_RW | PTE_A, ro = PTE_P | PTE_A, rw = PTE_P | PTE_RW | PTE_A | PTE_D;

	l3[(ENTRY_VA >> 30) & 511] = rw_gpa(RW_L2) | tbl;
	l2[(ENTRY_VA >> 21) & 511] = rw_gpa(RW_L1) | tbl;
	l1[GDT_OFF / PG] = ro_gpa(RO_GDT) | ro;
	l1[IDT_OFF / PG] = ro_gpa(RO_IDT) | ro;
	l1[CODE_OFF / PG] = ro_gpa(RO_CODE) | ro;
	l1[TSS_OFF / PG] = ro_gpa(RO_TSS0) | ro;
	l1[TSS_OFF / PG + 1] = ro_gpa(RO_TSS1) | ro;
	for (unsigned int i = 0; i < 2 * nr_vcpus; i++)
		l1[STACK_OFF / PG + i] = rw_gpa(RW_STACKS + i) | rw;
}

static void build(struct entry_area *e, unsigned int nr_vcpus)
{
	uint64_t code = ENTRY_VA + CODE_OFF;

	build_tables(e, nr_vcpus);
	build_gdt(e->ro + RO_GDT * PG);
	for (unsigned int v = 0; v < NR_VECTORS; v++) {
		put_stub(e->ro + RO_CODE * PG, v);
		put_gate(e->ro + RO_IDT * PG, v, code + v * STUB_STRIDE, v == 8 ? 1 : 0);
	}
	put_syscall_stub(e->ro + RO_CODE * PG);
	build_tss(e, nr_vcpus);
}

int entry_add_slot(struct domain *d, unsigned int slot, uint64_t gpa, void *host,
		   size_t len, bool ro)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = ro ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = len,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(d->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/*
 * PVM runs ring 0 in KVM's emulator and ends KVM_RUN at a ring-3
 * exception with the state intact, so the area is for VT-x and SVM; it
 * also needs read-only slots and slot numbers past the grant slots.
 */
static bool wanted(struct domain *d)
{
	struct hv *hv = d->hv;

	if (hv->flavour == HV_FLAVOUR_PVM || getenv("KETCH_NO_ENTRY_AREA"))
		return false;
	return ioctl(hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0 &&
	       ioctl(hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) > SLOT_RW;
}

int entry_init(struct domain *d)
{
	struct entry_area *e;
	int r;

	_Static_assert(2 * HV_MAX_VCPUS * PG <= (1ULL << 20), "stacks fit the L1");
	_Static_assert(HV_MAX_VCPUS * TSS_STRIDE <= 2 * PG, "TSSs fit two pages");
	_Static_assert(SYSCALL_STUB_OFF + STUB_STRIDE <= PG, "the syscall stub fits");
	if (!wanted(d))
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->rw_len = (RW_STACKS + 2 * d->nr_vcpus) * PG;
	e->ro = mmap(NULL, RO_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	e->rw = mmap(NULL, e->rw_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	d->entry = e;
	if (e->ro == MAP_FAILED || e->rw == MAP_FAILED) {
		e->ro = e->ro == MAP_FAILED ? NULL : e->ro;
		e->rw = e->rw == MAP_FAILED ? NULL : e->rw;
		entry_free(d);
		return -ENOMEM;
	}
	build(e, d->nr_vcpus);
	r = entry_add_slot(d, SLOT_RO, ENTRY_GPA, e->ro, RO_PAGES * PG, true);
	if (r == 0)
		r = entry_add_slot(d, SLOT_RW, RW_GPA, e->rw, e->rw_len, false);
	if (r)
		entry_free(d);
	return r;
}

void entry_free(struct domain *d)
{
	struct entry_area *e = d->entry;

	if (!e)
		return;
	if (e->ro)
		munmap(e->ro, RO_PAGES * PG);
	if (e->rw)
		munmap(e->rw, e->rw_len);
	free(e);
	d->entry = NULL;
}

void entry_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	uint64_t tss;

	if (!entry_active(v->d)) {
		if (v->d->hypercall_page_va)
			s->tr = (struct kvm_segment){ .base = hcpage_tss_base(v->d),
				.limit = 0xfff, .type = 11, .present = 1 };
		return;
	}
	tss = ENTRY_VA + TSS_OFF + v->id * TSS_STRIDE;
	s->efer |= EFER_SCE;
	s->gdt.base = ENTRY_VA;
	s->gdt.limit = GDT_OFF + PG - 1;
	s->idt.base = ENTRY_VA + IDT_OFF;
	s->idt.limit = NR_VECTORS * 16 - 1;
	s->tr = (struct kvm_segment){ .base = tss, .limit = TSS_LIMIT,
		.selector = HV_TSS_SEL, .type = 11, .present = 1 };
}

/*
 * syscall enters the stub at CPL0 with Xen's selectors: CS 0xe008, SS
 * 0xe010 (STAR[47:32]); sysret's base (STAR[63:48]) is FLAT_RING3_CS32,
 * so CS/SS would be FLAT_RING3_CS64/SS64 as on Xen.  CSTAR stays 0: no
 * compatibility-mode code runs here.
 */
int entry_vcpu_msrs(struct vcpu *v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[4];
	} m = { .h = { .nmsrs = 4 }, .e = {
		{ .index = MSR_STAR,
		  .data = ((uint64_t)FLAT_RING3_CS32 << 48) | ((uint64_t)HV_CS << 32) },
		{ .index = MSR_LSTAR, .data = entry_syscall_rip() },
		{ .index = MSR_CSTAR, .data = 0 },
		{ .index = MSR_SFMASK, .data = SYSCALL_RFLAGS_MASK },
	} };

	if (!entry_active(v->d))
		return 0;
	return ioctl(v->fd, KVM_SET_MSRS, &m) == 4 ? 0 : -EIO;
}

void entry_map(struct domain *d, uint64_t cr3)
{
	uint64_t *l4 = gm_gpa(d, cr3 & ~(PG - 1), PG);

	if (!entry_active(d) || !l4)
		return;
	__atomic_store_n(&l4[ENTRY_L4_SLOT], rw_gpa(RW_L3) | PTE_P | PTE_RW | PTE_A,
			 __ATOMIC_RELAXED);
	if (d->xenpv) {
		xenpv_map_l4(d, l4);
		xenpv_note_base(d, cr3);
	}
}
