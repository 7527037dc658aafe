/*
 * usermode: Xen's guest user mode from a Ketch guest (VT-x/SVM hosts).
 * The kernel gives itself a trap table, a syscall callback with
 * CALLBACKF_mask_events, a kernel stack (stack_switch), a user GS base
 * (SEGBASE_GS_USER) and a user page table (MMUEXT_NEW_USER_BASEPTR) that
 * maps one page its own table does not; HYPERVISOR_iret with CS RPL 3
 * drops to user code, which reads its GS word and that page, checks its
 * IOPL, makes a syscall, takes a page fault, an `int $0x80` the table
 * allows (DPL 3) and an `int $0x81` it does not (DPL 0: a #GP), tries the
 * hypercall port (a #GP: no port I/O in user mode), and asks by syscall
 * to go back.  Every kernel entry records its frame; main checks each
 * step, then a kernel-mode fault on the user-only page.  Exit code =
 * failures.  Negative runs, each of which must crash the domain:
 *   bad=nouser     no user page table before the iret to user mode
 *   bad=selector   the iret to user mode names FLAT_RING3_CS32
 *   bad=nocallback no syscall callback when user mode makes a syscall
 *   bad=kstack     stack_switch to an unmapped address, then that syscall
 */
#include "verdict.h"
#include <xen/callback.h>

#define UM_USER_VA 0x00007f8000000000UL /* L4 slot 255: the user table only */
#define UM_MAGIC 0x5553455221UL
#define UM_GS_MAGIC 0x4753555345UL
#define UM_SC_ECHO 1                    /* syscall: return rdi + 1 */
#define UM_SC_EXIT 2                    /* syscall: back to the kernel */
#define VEC_SYSCALL 0x100               /* how um_trap is told it was a syscall */
#define STACK_BYTES 16384
#define MAX_SEEN 16

/* As um_common leaves them, lowest address first; ec doubles as iret's flags. */
struct um_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, ec, rip, cs, rflags, rsp, ss;
};

struct um_seen {
	uint64_t vector, ec, rip, cs, rflags, rsp, rax, rdi, rcx, r11, cr2, frame;
	uint8_t mask;
	int kernel_gs; /* this_cpu() was the kernel's again */
};

static struct um_seen seen[MAX_SEEN];
static unsigned int nseen;
static struct gk_cpu *kernel_cpu;
static uint64_t kstack_lo;
static uint8_t kstack[STACK_BYTES] __attribute__((aligned(16)));
static uint8_t ustack[STACK_BYTES] __attribute__((aligned(16)));
static uint64_t gs_block[2] = { UM_GS_MAGIC, 0 };
uint64_t um_user_cs = 0xe033; /* FLAT_USER_CS64: RPL 3, user mode */
/* What user code stores (user mode writes them through its own table). */
uint64_t um_user_gs_word, um_user_only_word, um_user_sc_ret, um_user_int80_ret,
	um_user_rflags;

void um_pf_entry(void), um_gp_entry(void), um_int80_entry(void), um_syscall_entry(void);
void um_user_code(void), um_pf_site(void), um_pf_after(void), um_sc_after(void);
void um_int80_after(void), um_kpf_site(void), um_kpf_after(void);
void um_enter_user(void (*rip)(void), void *rsp);
void um_leave(void) __attribute__((noreturn));
void um_trap(struct um_regs *f);

__asm__(".text\n"
	/* Xen's bounce frame: rcx, r11, [ec], rip, cs, rflags, rsp, ss. */
	"um_pf_entry: popq %rcx; popq %r11; pushq $14; jmp um_common\n"
	"um_gp_entry: popq %rcx; popq %r11; pushq $13; jmp um_common\n"
	"um_int80_entry: popq %rcx; popq %r11; pushq $0; pushq $0x80; jmp um_common\n"
	"um_syscall_entry: popq %rcx; popq %r11; pushq $0; pushq $0x100; jmp um_common\n"
	"um_common:\n\t"
	"pushq %rax; pushq %rbx; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi\n\t"
	"pushq %rbp; pushq %r8; pushq %r9; pushq %r10; pushq %r11; pushq %r12\n\t"
	"pushq %r13; pushq %r14; pushq %r15\n\t"
	"movq %rsp, %rdi; movq %rsp, %rbx; andq $-16, %rsp\n\t"
	"call um_trap\n\t"
	"movq %rbx, %rsp\n\t"
	"popq %r15; popq %r14; popq %r13; popq %r12; popq %r11; popq %r10\n\t"
	"popq %r9; popq %r8; popq %rbp; popq %rdi; popq %rsi; popq %rdx\n\t"
	"popq %rcx; popq %rbx; popq %rax\n\t"
	"addq $8, %rsp\n\t" /* the vector; ec's slot is now iret's flags */
	"jmp hypercall_page + 23 * 32\n"

	/* um_enter_user(rip, rsp): iret to user mode; returns at um_leave. */
	"um_enter_user:\n\t"
	"pushq %rbx; pushq %rbp; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n\t"
	"movq %rsp, um_ksp(%rip)\n\t"
	"pushq $0xe02b\n\t"     /* FLAT_USER_SS64 */
	"pushq %rsi\n\t"
	"pushq $0x202\n\t"      /* IF */
	"pushq um_user_cs(%rip)\n\t"
	"pushq %rdi\n\t"
	"pushq $0\n\t"          /* flags */
	"jmp hypercall_page + 23 * 32\n"
	"um_leave:\n\t"
	"movq um_ksp(%rip), %rsp\n\t"
	"popq %r15; popq %r14; popq %r13; popq %r12; popq %rbp; popq %rbx\n\t"
	"ret\n"

	/* User code. */
	"um_user_code:\n\t"
	"movq %gs:0, %rax; movq %rax, um_user_gs_word(%rip)\n\t"
	"movabsq $0x7f8000000000, %rbx; movq (%rbx), %rax; movq %rax, um_user_only_word(%rip)\n\t"
	"pushfq; popq %rax; movq %rax, um_user_rflags(%rip)\n\t"
	"movq $1, %rax; movq $41, %rdi; syscall\n"
	"um_sc_after: movq %rax, um_user_sc_ret(%rip)\n\t"
	"movq $0x10, %rbx\n"
	"um_pf_site: movq (%rbx), %rax\n"
	"um_pf_after: xorl %eax, %eax; int $0x80\n"
	"um_int80_after: movq %rax, um_user_int80_ret(%rip)\n\t"
	"int $0x81\n\t"
	"out %al, $0x10\n\t"
	"movq $2, %rax; syscall\n\t"
	"ud2\n"

	/* A kernel-mode read of the user-only page: a #PF in kernel mode. */
	"um_kpf_site: movabsq $0x7f8000000000, %rax; movq (%rax), %rax\n"
	"um_kpf_after: ret\n"
	".data\n"
	"um_ksp: .quad 0\n"
	".text\n");

void um_trap(struct um_regs *f)
{
	struct um_seen *s = &seen[nseen < MAX_SEEN ? nseen++ : MAX_SEEN - 1];

	*s = (struct um_seen){ .vector = f->vector, .ec = f->ec, .rip = f->rip, .cs = f->cs,
		.rflags = f->rflags, .rsp = f->rsp, .rax = f->rax, .rdi = f->rdi,
		.rcx = f->rcx, .r11 = f->r11, .cr2 = this_cpu()->vi->arch.cr2,
		.frame = (uint64_t)f, .mask = this_cpu()->vi->evtchn_upcall_mask,
		.kernel_gs = this_cpu() == kernel_cpu };
	f->ec = 0; /* iret's flags */
	switch (f->vector) {
	case VEC_SYSCALL:
		if (f->rax == UM_SC_EXIT)
			um_leave();
		f->rax = f->rdi + 1;
		f->ec = VGCF_in_syscall;
		break;
	case 0x80:
		f->rax = 0x80;
		f->cs |= 1ULL << 32; /* a saved mask above the selector, as in frames */
		break;
	case 13:
		f->rip += 2; /* int $0x81, out %al,$0x10 */
		break;
	case 14:
		f->rip = f->rip == (uint64_t)um_kpf_site + 10 ? (uint64_t)um_kpf_after :
							       (uint64_t)um_pf_after;
		break;
	}
}

/* A user table: the kernel's L4 plus slot 255 -> one page holding UM_MAGIC. */
static uint64_t *user_table(void)
{
	uint64_t *l4 = alloc_page(), *l3 = alloc_page(), *l2 = alloc_page(),
		 *l1 = alloc_page(), *data = alloc_page();

	memcpy(l4, mm_pt_root(), 4096);
	memset(l3, 0, 4096);
	memset(l2, 0, 4096);
	memset(l1, 0, 4096);
	data[0] = UM_MAGIC;
	l4[255] = virt_to_gpa(l3) | PTE_KIT;
	l3[0] = virt_to_gpa(l2) | PTE_KIT;
	l2[0] = virt_to_gpa(l1) | PTE_KIT;
	l1[0] = virt_to_gpa(data) | PTE_KIT;
	return l4;
}

static void set_up(void)
{
	static trap_info_t traps[] = {
		{ .vector = 13, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0 },
		{ .vector = 14, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0 },
		{ .vector = 0x80, .flags = 3, .cs = FLAT_KERNEL_CS, .address = 0 },
		{ .vector = 0x81, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0 },
		{ 0 },
	};
	struct callback_register cb = { .type = CALLBACKTYPE_syscall,
		.flags = CALLBACKF_mask_events, .address = (unsigned long)um_syscall_entry };
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };

	traps[0].address = (unsigned long)um_gp_entry;
	traps[1].address = (unsigned long)um_pf_entry;
	traps[2].address = (unsigned long)um_int80_entry;
	traps[3].address = (unsigned long)um_int80_entry;
	kernel_cpu = this_cpu();
	kstack_lo = (uint64_t)kstack;
	verdict_rc("set_trap_table", HYPERVISOR_set_trap_table(traps), 0);
	if (!start_info_has_word("bad=nocallback"))
		verdict_rc("CALLBACKOP_register(syscall, mask_events)",
			   HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
	verdict_rc("stack_switch", HYPERVISOR_stack_switch(FLAT_KERNEL_SS,
		   start_info_has_word("bad=kstack") ? 0x10 : (unsigned long)kstack + STACK_BYTES), 0);
	verdict_rc("set_segment_base(GS_USER)",
		   HYPERVISOR_set_segment_base(SEGBASE_GS_USER, (unsigned long)gs_block), 0);
	op.arg1.mfn = virt_to_pfn(user_table());
	if (!start_info_has_word("bad=nouser"))
		verdict_rc("MMUEXT_NEW_USER_BASEPTR",
			   HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	if (start_info_has_word("bad=selector"))
		um_user_cs = FLAT_RING3_CS32;
}

static const struct um_seen *find(uint64_t vector, unsigned int nth)
{
	for (unsigned int i = 0; i < nseen; i++)
		if (seen[i].vector == vector && nth-- == 0)
			return &seen[i];
	return NULL;
}

static int on_kstack(const struct um_seen *s)
{
	return s->frame >= kstack_lo && s->frame < kstack_lo + STACK_BYTES && s->kernel_gs;
}

static void check_user_side(void)
{
	verdict_check(um_user_gs_word == UM_GS_MAGIC, "user mode reads its own GS base's word", "");
	verdict_check(um_user_only_word == UM_MAGIC, "user mode runs on the user page table", "");
	verdict_check(((um_user_rflags >> 12) & 3) == 0 && (um_user_rflags & 0x200),
		      "user mode runs with IOPL 0 and IF", "");
	verdict_rc("syscall's result reaches user mode", (long)um_user_sc_ret, 42);
	verdict_rc("int $0x80's result reaches user mode", (long)um_user_int80_ret, 0x80);
}

static void check_entries(void)
{
	const struct um_seen *sc = find(VEC_SYSCALL, 0), *pf = find(14, 0),
			     *i80 = find(0x80, 0), *gp1 = find(13, 0), *gp2 = find(13, 1),
			     *exit = find(VEC_SYSCALL, 1);
	char d[128];

	verdict_check(sc && sc->rax == UM_SC_ECHO && sc->rdi == 41,
		      "syscall from user mode enters the syscall callback with rax, rdi", "");
	snprintf(d, sizeof(d), "cs %llx rip %llx rcx %llx", sc ? (unsigned long long)sc->cs : 0,
		 sc ? (unsigned long long)sc->rip : 0, sc ? (unsigned long long)sc->rcx : 0);
	verdict_check(sc && (sc->cs & 0xffff) == FLAT_USER_CS64 && sc->rip == (uint64_t)um_sc_after &&
			      sc->rcx == sc->rip && (sc->r11 & 0xcd5) == (sc->rflags & 0xcd5),
		      "its frame: user CS, rip = rcx = after the syscall, r11 = rflags", d);
	verdict_check(sc && sc->mask == 1 && ((sc->cs >> 32) & 0xff) == 0,
		      "CALLBACKF_mask_events masked upcalls (frame: was unmasked)", "");
	verdict_check(sc && on_kstack(sc) && sc->rsp == (uint64_t)ustack + STACK_BYTES,
		      "entered on the stack_switch stack with kernel GS; frame rsp is the user's", "");
	snprintf(d, sizeof(d), "cr2 %llx ec %llx", pf ? (unsigned long long)pf->cr2 : 0,
		 pf ? (unsigned long long)pf->ec : 0);
	verdict_check(pf && pf->cr2 == 0x10 && (pf->ec & 4) && pf->rip == (uint64_t)um_pf_site &&
			      (pf->cs & 3) == 3 && on_kstack(pf),
		      "#PF from user mode: cr2, user error code, user CS, kernel stack", d);
	verdict_check(i80 && i80->rip == (uint64_t)um_int80_after && (i80->cs & 3) == 3 &&
			      on_kstack(i80),
		      "int $0x80 (DPL 3) bounced past the int, from user mode", "");
	snprintf(d, sizeof(d), "ec %llx", gp1 ? (unsigned long long)gp1->ec : 0);
	/* Hardware names the vector as n * 8 + 2; QEMU's emulated CPU as n * 16 + 2. */
	verdict_check(gp1 && (gp1->ec == (0x81 << 3 | 2) || gp1->ec == (0x81 << 4 | 2)),
		      "int $0x81 (DPL 0) from user mode is a #GP naming it", d);
	snprintf(d, sizeof(d), "ec %llx", gp2 ? (unsigned long long)gp2->ec : 0);
	verdict_check(gp2 && gp2->ec == 0 && (gp2->cs & 3) == 3,
		      "port I/O from user mode is a #GP (no hypercalls from user mode)", d);
	verdict_check(exit != NULL, "the last syscall brought the kernel back", "");
}

int main(const start_info_t *si)
{
	const struct um_seen *kpf;

	(void)si;
	set_up();
	um_enter_user(um_user_code, ustack + STACK_BYTES);
	verdict_check(this_cpu() == kernel_cpu, "back in kernel mode with the kernel's GS base", "");
	check_user_side();
	check_entries();
	((void (*)(void))um_kpf_site)();
	kpf = find(14, 1);
	verdict_check(kpf && kpf->cr2 == UM_USER_VA && (kpf->cs & 0xffff) == (FLAT_KERNEL_CS & ~3),
		      "kernel mode: the user-only page faults, frame CS with RPL 0", "");
	return verdict_done("usermode");
}
