/*
 * Shared between the kit's event files: the port table and the atomic bit
 * operations on shared_info words (lock-prefixed: the hypervisor and other
 * vCPUs update the same words concurrently).
 */
#ifndef KETCH_GUEST_EVENTS_INTERNAL_H
#define KETCH_GUEST_EVENTS_INTERNAL_H

#include <ketch-guest/kit.h>

#define GK_WORD_BITS (sizeof(xen_ulong_t) * 8)

struct gk_port {
	evtchn_handler_t handler; /* NULL: drop events */
	void *arg;
	uint8_t vcpu;		  /* vCPU whose scan handles the port */
};

extern struct gk_port gk_ports[GK_NR_EVTCHNS];
extern shared_info_t *gk_shared;

static inline volatile xen_ulong_t *gk_word(unsigned int nr,
					    volatile xen_ulong_t *map)
{
	return map + nr / GK_WORD_BITS;
}

static inline void gk_sync_set_bit(unsigned int nr, volatile xen_ulong_t *map)
{
	__asm__ volatile("lock btsq %1, %0"
			 : "+m"(*gk_word(nr, map))
			 : "r"((xen_ulong_t)(nr % GK_WORD_BITS))
			 : "memory");
}

static inline void gk_sync_clear_bit(unsigned int nr, volatile xen_ulong_t *map)
{
	__asm__ volatile("lock btrq %1, %0"
			 : "+m"(*gk_word(nr, map))
			 : "r"((xen_ulong_t)(nr % GK_WORD_BITS))
			 : "memory");
}

/* Atomically clear bit nr; nonzero if it was set. */
static inline int gk_sync_test_and_clear_bit(unsigned int nr,
					     volatile xen_ulong_t *map)
{
	unsigned char old;

	__asm__ volatile("lock btrq %2, %0\n\tsetc %1"
			 : "+m"(*gk_word(nr, map)), "=qm"(old)
			 : "r"((xen_ulong_t)(nr % GK_WORD_BITS))
			 : "memory", "cc");
	return old;
}

static inline int gk_test_bit(unsigned int nr, volatile xen_ulong_t *map)
{
	return (int)((*gk_word(nr, map) >> (nr % GK_WORD_BITS)) & 1);
}

/* Atomic exchange (xchg with memory is always locked). */
static inline xen_ulong_t gk_xchg(volatile xen_ulong_t *p, xen_ulong_t v)
{
	__asm__ volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* The scan of this vCPU's pending events (events_dispatch.c). */
unsigned int gk_events_scan(struct gk_cpu *c);

#endif
