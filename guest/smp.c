/*
 * Per-vCPU data and bringing up secondary vCPUs with VCPUOP_initialise and
 * VCPUOP_up.  vCPUs below XEN_LEGACY_MAX_VCPUS use their vcpu_info in
 * shared_info; the others get one registered in a page of their own.
 */
#include <ketch-guest/kit.h>
#include <xen/vcpu.h>

#define RFLAGS_START 0x3202UL /* IOPL 3, IF, reserved bit 1 */

extern char gk_smp_entry[], gk_upcall_entry[], gk_failsafe_entry[]; /* upcall.S */
void gk_smp_start(struct gk_cpu *c);

static struct gk_cpu cpus[GK_MAX_VCPUS];
static unsigned int nr_cpus;

static void set_gs(struct gk_cpu *c)
{
	if (HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)c))
		crash("smp: cannot set the GS base");
}

void init_smp(void)
{
	struct gk_cpu *c = &cpus[0];

	c->self = c;
	c->id = 0;
	c->vi = &start_info_shared()->vcpu_info[0];
	c->online = 1;
	set_gs(c);
}

struct gk_cpu *smp_cpu(unsigned int id)
{
	return id < GK_MAX_VCPUS ? &cpus[id] : NULL;
}

unsigned int smp_nr_cpus(void)
{
	if (nr_cpus == 0) {
		unsigned int n = 1;

		while (n < GK_MAX_VCPUS &&
		       HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
			n++;
		nr_cpus = n;
	}
	return nr_cpus;
}

/* Give vCPU c its vcpu_info: in shared_info, or a registered page. */
static int setup_vcpu_info(struct gk_cpu *c)
{
	struct vcpu_register_vcpu_info r = { 0 };
	struct vcpu_info *vi;
	int rc;

	if (c->id < XEN_LEGACY_MAX_VCPUS) {
		c->vi = &start_info_shared()->vcpu_info[c->id];
		c->vi->evtchn_upcall_mask = 1;
		return 0;
	}
	vi = alloc_page();
	if (!vi)
		return -XEN_ENOMEM;
	memset(vi, 0, PAGE_SIZE);
	vi->evtchn_upcall_mask = 1;
	r.mfn = virt_to_pfn(vi);
	rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, c->id, &r);
	if (rc < 0) {
		free_page(vi);
		return rc;
	}
	c->vi = vi;
	return 0;
}

/* The register state a secondary starts with (Xen's x86-64 PV layout). */
static void fill_context(struct vcpu_guest_context *ctx, struct gk_cpu *c)
{
	unsigned long top = (unsigned long)c->stack + GK_SMP_STACK_PAGES * PAGE_SIZE;

	*(struct gk_cpu **)(top - 16) = c; /* popped by gk_smp_entry */
	ctx->flags = VGCF_in_kernel | VGCF_online;
	ctx->user_regs.rip = (unsigned long)gk_smp_entry;
	ctx->user_regs.rsp = top - 16;
	ctx->user_regs.rflags = RFLAGS_START;
	ctx->user_regs.cs = FLAT_KERNEL_CS;
	ctx->user_regs.ss = FLAT_KERNEL_SS;
	ctx->ctrlreg[3] = xen_pfn_to_cr3(virt_to_pfn(mm_pt_root()));
	ctx->gs_base_kernel = (unsigned long)c;
	if (events_callback_registered()) {
		ctx->event_callback_eip = (unsigned long)gk_upcall_entry;
		ctx->failsafe_callback_eip = (unsigned long)gk_failsafe_entry;
	}
}

int smp_start_cpu(unsigned int id, void (*fn)(void *), void *arg)
{
	struct gk_cpu *c = smp_cpu(id);
	struct vcpu_guest_context *ctx;
	int rc;

	if (!c || id == 0 || id >= smp_nr_cpus())
		return -XEN_EINVAL;
	if (!c->stack && !(c->stack = alloc_pages(GK_SMP_STACK_PAGES)))
		return -XEN_ENOMEM;
	c->self = c;
	c->id = id;
	c->fn = fn;
	c->arg = arg;
	c->online = 0;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -XEN_ENOMEM;
	fill_context(ctx, c);
	rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, ctx);
	free(ctx);
	/* vcpu_info moves only while the vCPU is down: after initialise. */
	if (rc == 0 && !c->vi)
		rc = setup_vcpu_info(c);
	if (rc == 0)
		rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
	return rc;
}

/* C entry of a secondary vCPU, on its own stack (gk_smp_entry). */
void gk_smp_start(struct gk_cpu *c)
{
	set_gs(c); /* in case gs_base_kernel was not applied */
	c->vi->evtchn_upcall_mask = 1;
	if (events_callback_registered() && events_register_callback() < 0)
		crash("smp: cannot register the event callback");
	__atomic_store_n(&c->online, 1, __ATOMIC_SEQ_CST);
	c->fn(c->arg);
	__atomic_store_n(&c->online, 0, __ATOMIC_SEQ_CST);
	for (;;)
		HYPERVISOR_vcpu_op(VCPUOP_down, c->id, NULL);
}

int smp_wait_online(unsigned int n, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? deadline_after_ns(timeout_ns) : 0;

	for (unsigned int id = 1; id < n && id < GK_MAX_VCPUS; id++) {
		while (!__atomic_load_n(&cpus[id].online, __ATOMIC_SEQ_CST)) {
			if (deadline && deadline_passed(deadline))
				return -XEN_ETIME;
			sched_yield();
		}
	}
	return 0;
}
