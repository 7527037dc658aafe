/*
 * x86-64 helpers for guests: page constants, compiler/memory barriers for
 * shared rings, the time-stamp counter.
 */
#ifndef KETCH_GUEST_ARCH_H
#define KETCH_GUEST_ARCH_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE (1UL << LARGE_PAGE_SHIFT)

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* x86 is TSO: ordering between CPUs sharing a ring needs only the compiler. */
#define barrier() __asm__ volatile("" ::: "memory")
#define wmb() barrier()
#define rmb() barrier()
#define mb() __asm__ volatile("mfence" ::: "memory")

/* Read the time-stamp counter (not serialising). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Spin-loop hint. */
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif
