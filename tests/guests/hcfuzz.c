/*
 * hcfuzz: calls=N (default 100000) hypercalls with random numbers (0..127)
 * and random arguments from an xorshift generator seeded by seed=S: random
 * 64-bit values, small integers, special values, and pointers into a
 * scratch buffer refilled with random words before every call (so structs
 * the hypervisor reads are random too).  The hypervisor must answer every
 * one without harm; the guest prints a histogram of results and
 * "hcfuzz done calls=N".  Run it with one vCPU: VCPUOP_initialise + up of a
 * second vCPU with a random context would (legitimately) crash the domain.
 *
 * Excluded, because they would legitimately stop or crash this guest
 * rather than test the hypervisor (an excluded draw is drawn again):
 *  - iret (needs an iret frame, never returns);
 *  - set_callbacks, CALLBACKOP_register, XENNMI_register_callback: the next
 *    event or NMI would enter a random address;
 *  - sched_op / sched_op_compat block, poll (wait for events that never
 *    come), shutdown, remote_shutdown (ends us), watchdog (ends us later);
 *  - VCPUOP_initialise, VCPUOP_down and VCPUOP_register_vcpu_info on vCPU 0
 *    (would replace our context, stop us, or move vcpu_info onto our own
 *    frames);
 *  - update_va_mapping(_otherdomain) of an address inside our RAM mapping
 *    (would unmap or alias our own code and data), and set_debugreg with
 *    a value inside it (a breakpoint on our own memory);
 *  - memory_op decrease_reservation, populate_physmap, exchange,
 *    add_to_physmap(_batch), remove_from_physmap, acquire_resource (would
 *    replace or remove our own frames given small frame numbers);
 *  - grant_table_op transfer and copy (give away / overwrite our frames);
 *  - EVTCHNOP_init_control / expand_array (FIFO control block on our own
 *    frames), also inside event_channel_op_compat;
 *  - EVTCHNOP_send with an argument outside scratch: Ketch's hypercall page
 *    reads the port in guest mode (its doorbell fast path), so a wild
 *    pointer faults in the guest itself instead of returning -EFAULT;
 *  - PHYSDEVOP_set_iopl / set_iobitmap (could forbid the hypercall port),
 *    also inside physdev_op_compat;
 *  - mmuext_op commands other than flushes (NEW_BASEPTR, CLEAR_PAGE,
 *    COPY_PAGE... on our own frames), rewritten in the scratch ops.
 * Contained rather than excluded: counts of arrays read from or written to
 * the scratch buffer are kept small so results stay inside it; console
 * writes from scratch are pointed at an unmapped address (no junk output);
 * set_segment_base and fpu_taskswitch are undone after each call (the kit
 * reaches its per-vCPU data through GS and uses SSE); multicall lists get
 * entries drawn by the same rules, each with its own scratch slice.
 */
#include <ketch-guest/kit.h>
#include <xen/callback.h>
#include <xen/memory.h>
#include <xen/grant_table.h>
#include <xen/physdev.h>
#include <xen/nmi.h>
#include <xen/vcpu.h>

#define SLICE 2048	/* scratch per (nested) call: args point below +512 */
#define SLICES 8
#define MAX_NESTED (SLICES - 1)
#define SAFE_CMD 0xfff0u /* no hypercall's command */
#define UNMAPPED 0x10UL
/* memory_op: Xen keeps a continuation's start extent above the low 6 bits. */
#define MEMOP_CMD_BITS 0x3fUL

struct call {
	unsigned long op, a[6];
};

static uint64_t rng;
static uint64_t scratch[(SLICES * SLICE + 8192) / 8] __attribute__((aligned(4096)));
static multicall_entry_t mc[MAX_NESTED];
static unsigned long excluded;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static int in_scratch(unsigned long p)
{
	return p >= (unsigned long)scratch && p < (unsigned long)scratch + sizeof(scratch);
}

static int in_own_memory(unsigned long p)
{
	return p >= GK_VIRT_BASE && p - GK_VIRT_BASE < start_info->nr_pages * PAGE_SIZE;
}

static unsigned long gen_arg(unsigned int slice)
{
	static const unsigned long special[] = {
		0, ~0UL, DOMID_SELF, 0x8000000000000000UL, 0xfffffffffffff000UL,
		0x7fffffffUL, 0xffffffffUL, GK_VIRT_BASE - PAGE_SIZE,
	};

	switch (next() % 4) {
	case 0:
		return next();
	case 1:
		return next() % 64;
	case 2:
		return (unsigned long)scratch + slice * SLICE + (next() % 512 & ~7UL);
	default:
		return special[next() % ARRAY_SIZE(special)];
	}
}

/* Random words, half of them small: struct fields that mean something. */
static void fill_scratch(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(scratch); i++)
		scratch[i] = (next() & 1) ? next() : next() % 64;
}

static int one_of(unsigned int v, const unsigned int *set, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (v == set[i])
			return 1;
	return 0;
}

#define ONE_OF(v, ...)                                                       \
	one_of((unsigned int)(v), (const unsigned int[]){ __VA_ARGS__ },      \
	       sizeof((const unsigned int[]){ __VA_ARGS__ }) / sizeof(unsigned int))

/* A struct in scratch whose first word is a command: defuse bad ones. */
static void scrub_cmd(unsigned long p, unsigned int bad1, unsigned int bad2)
{
	if (in_scratch(p) && in_scratch(p + 4)) {
		uint32_t *cmd = (uint32_t *)p;

		if (*cmd == bad1 || *cmd == bad2)
			*cmd = SAFE_CMD;
	}
}

/* mmuext ops in scratch: only flushes and invalid commands survive. */
static void scrub_mmuext(struct call *c)
{
	struct mmuext_op *op = (struct mmuext_op *)c->a[0];

	if (!in_scratch(c->a[0]))
		return;
	c->a[1] %= 17;
	for (unsigned long i = 0; i < c->a[1]; i++)
		if (op[i].cmd < MMUEXT_TLB_FLUSH_LOCAL ||
		    (op[i].cmd > MMUEXT_INVLPG_ALL && op[i].cmd <= MMUEXT_UNMARK_SUPER))
			op[i].cmd = SAFE_CMD;
}

/* Rules on the hypercall number and its first arguments (see the top). */
static int excluded_call(const struct call *c)
{
	unsigned int cmd = (unsigned int)c->a[0];

	switch (c->op) {
	case __HYPERVISOR_iret:
	case __HYPERVISOR_set_callbacks:
		return 1;
	case __HYPERVISOR_callback_op:
		return cmd == CALLBACKOP_register;
	case __HYPERVISOR_nmi_op:
		return cmd == XENNMI_register_callback;
	case __HYPERVISOR_sched_op:
	case __HYPERVISOR_sched_op_compat:
		return ONE_OF(cmd, SCHEDOP_block, SCHEDOP_poll, SCHEDOP_shutdown,
			      SCHEDOP_remote_shutdown, SCHEDOP_watchdog);
	case __HYPERVISOR_vcpu_op:
		return (unsigned int)c->a[1] == 0 &&
		       ONE_OF(cmd, VCPUOP_initialise, VCPUOP_down,
			      VCPUOP_register_vcpu_info);
	case __HYPERVISOR_update_va_mapping:
	case __HYPERVISOR_update_va_mapping_otherdomain:
		return in_own_memory(c->a[0]);
	case __HYPERVISOR_set_debugreg:
		return in_own_memory(c->a[1]);
	case __HYPERVISOR_memory_op:
		return ONE_OF(c->a[0] & MEMOP_CMD_BITS, XENMEM_decrease_reservation,
			      XENMEM_populate_physmap, XENMEM_exchange,
			      XENMEM_add_to_physmap, XENMEM_add_to_physmap_batch,
			      XENMEM_remove_from_physmap, XENMEM_acquire_resource);
	case __HYPERVISOR_grant_table_op:
		return ONE_OF(cmd, GNTTABOP_transfer, GNTTABOP_copy);
	case __HYPERVISOR_event_channel_op:
		if (cmd == EVTCHNOP_send)
			return !in_scratch(c->a[1]);
		return ONE_OF(cmd, EVTCHNOP_init_control, EVTCHNOP_expand_array);
	case __HYPERVISOR_physdev_op:
		return ONE_OF(cmd, PHYSDEVOP_set_iopl, PHYSDEVOP_set_iobitmap);
	default:
		return 0;
	}
}

/* Keep what the call reads or writes through scratch pointers contained. */
static void contain(struct call *c)
{
	switch (c->op) {
	case __HYPERVISOR_mmuext_op:
		scrub_mmuext(c);
		break;
	case __HYPERVISOR_mmu_update:
		if (in_scratch(c->a[0]))
			c->a[1] %= 17;
		break;
	case __HYPERVISOR_grant_table_op:
		if (in_scratch(c->a[1]))
			c->a[2] %= 9;
		break;
	case __HYPERVISOR_console_io:
		if ((unsigned int)c->a[0] == CONSOLEIO_write && in_scratch(c->a[2]))
			c->a[2] = UNMAPPED;
		else if (in_scratch(c->a[2]))
			c->a[1] %= 1025;
		break;
	case __HYPERVISOR_event_channel_op_compat:
		scrub_cmd(c->a[0], EVTCHNOP_init_control, EVTCHNOP_expand_array);
		break;
	case __HYPERVISOR_physdev_op_compat:
		scrub_cmd(c->a[0], PHYSDEVOP_set_iopl, PHYSDEVOP_set_iobitmap);
		break;
	}
}

/* Draw a call whose pointers use scratch slice `slice`; never a multicall
 * when nested. */
static void draw(struct call *c, unsigned int slice, int nested)
{
	for (;;) {
		/* Half the draws among the numbers Xen assigns (0..55). */
		c->op = next() % ((next() & 1) ? 56 : GK_HYPERCALL_SLOTS);
		for (unsigned int i = 0; i < 6; i++)
			c->a[i] = gen_arg(slice);
		if (!(nested && c->op == __HYPERVISOR_multicall) && !excluded_call(c))
			break;
		excluded++;
	}
	contain(c);
}

/* A multicall pointing at scratch gets a real list drawn by the rules. */
static void build_multicall(struct call *c)
{
	unsigned int n;

	if (!in_scratch(c->a[0]))
		return;
	n = (unsigned int)(c->a[1] % (MAX_NESTED + 1));
	c->a[0] = (unsigned long)mc;
	c->a[1] = n;
	for (unsigned int i = 0; i < n; i++) {
		struct call e;

		draw(&e, i + 1, 1);
		multicall_set(&mc[i], e.op, e.a[0], e.a[1], e.a[2], e.a[3],
			      e.a[4], e.a[5]);
	}
}

/* Undo what the call may have changed under the kit's feet. */
static void undo(unsigned long op)
{
	if (op != __HYPERVISOR_set_segment_base && op != __HYPERVISOR_fpu_taskswitch &&
	    op != __HYPERVISOR_multicall)
		return;
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)smp_cpu(0));
	HYPERVISOR_fpu_taskswitch(0);
}

enum { R_ZERO, R_POSITIVE, R_ENOSYS, R_EFAULT, R_EINVAL, R_EPERM, R_OTHER, R_NR };

static unsigned int classify(long rc)
{
	if (rc == 0)
		return R_ZERO;
	if (rc > 0)
		return R_POSITIVE;
	if (rc == -XEN_ENOSYS)
		return R_ENOSYS;
	if (rc == -XEN_EFAULT)
		return R_EFAULT;
	if (rc == -XEN_EINVAL)
		return R_EINVAL;
	return rc == -XEN_EPERM ? R_EPERM : R_OTHER;
}

int main(const start_info_t *si)
{
	unsigned long calls = start_info_arg_ul("calls", 100000);
	unsigned long hist[R_NR] = { 0 };
	struct call c;

	(void)si;
	rng = start_info_arg_ul("seed", 1) * 0x9e3779b97f4a7c15ULL + 1;
	for (unsigned long i = 0; i < calls; i++) {
		fill_scratch();
		draw(&c, 0, 0);
		if (c.op == __HYPERVISOR_multicall)
			build_multicall(&c);
		hist[classify(HYPERVISOR_raw((unsigned int)c.op, c.a[0], c.a[1],
					     c.a[2], c.a[3], c.a[4]))]++;
		undo(c.op);
	}
	printk("hcfuzz results zero=%lu positive=%lu enosys=%lu efault=%lu "
	       "einval=%lu eperm=%lu other=%lu redrawn=%lu\n",
	       hist[R_ZERO], hist[R_POSITIVE], hist[R_ENOSYS], hist[R_EFAULT],
	       hist[R_EINVAL], hist[R_EPERM], hist[R_OTHER], excluded);
	printk("hcfuzz done calls=%lu\n", calls);
	return 0;
}
