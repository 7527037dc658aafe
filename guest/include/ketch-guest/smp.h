/*
 * Per-vCPU data and SMP bring-up.  Each vCPU's struct gk_cpu is reached
 * through its GS base (%gs:0 holds the struct's own address), set with
 * set_segment_base on vCPU 0 and through VCPUOP_initialise on the others.
 * Secondary vCPUs start in ring 3 on their own stack, at guest/upcall.S's
 * gk_smp_entry, with the boot vCPU's page tables.
 */
#ifndef KETCH_GUEST_SMP_H
#define KETCH_GUEST_SMP_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

/* The most vCPUs a Ketch domain has. */
#define GK_MAX_VCPUS 64

/* Stack of each secondary vCPU. */
#define GK_SMP_STACK_PAGES 16

struct gk_cpu {
	struct gk_cpu *self;	  /* %gs:0; must stay first */
	unsigned int id;	  /* vCPU number */
	struct vcpu_info *vi;	  /* this vCPU's vcpu_info */
	evtchn_port_t timer_port; /* VIRQ_TIMER port, 0 until bound */
	unsigned long upcalls;	  /* upcalls entered */
	unsigned long handled;	  /* handlers run */
	unsigned long timer_events; /* VIRQ_TIMER events seen by the kit */
	void (*fn)(void *);	  /* secondary: what to run */
	void *arg;
	void *stack;		  /* secondary: base of its stack */
	volatile int online;	  /* set by the vCPU itself once running */
};

/* This vCPU's data (valid from init_smp() on; a secondary from its start). */
static inline struct gk_cpu *this_cpu(void)
{
	struct gk_cpu *c;

	__asm__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* This vCPU's number. */
static inline unsigned int smp_processor_id(void)
{
	return this_cpu()->id;
}

/* Boot: set up vCPU 0's data and GS base.  Crashes if GS cannot be set. */
void init_smp(void);

/* The data of vCPU id (NULL if id >= GK_MAX_VCPUS). */
struct gk_cpu *smp_cpu(unsigned int id);

/*
 * Number of vCPUs the domain has, probed once with VCPUOP_is_up (Xen
 * answers -ENOENT past the last).
 */
unsigned int smp_nr_cpus(void);

/*
 * Bring up vCPU id (> 0): allocate its stack, give it a vcpu_info
 * (VCPUOP_register_vcpu_info for id >= 32), VCPUOP_initialise it to call
 * fn(arg) and VCPUOP_up it.  fn runs with upcalls masked; when it returns,
 * the vCPU marks itself offline and takes itself down.  Returns 0 or a
 * negative Xen errno.
 */
int smp_start_cpu(unsigned int id, void (*fn)(void *), void *arg);

/*
 * Wait (yielding) until the vCPUs in [1, n) report online, at most
 * timeout_ns of system time (0: forever).  0, or -XEN_ETIME.
 */
int smp_wait_online(unsigned int n, uint64_t timeout_ns);

#endif
