/*
 * Multicalls: batch hypercalls into one exit (HYPERVISOR_multicall).  Each
 * entry's result lands in its own `result` field.
 */
#ifndef KETCH_GUEST_MULTICALL_H
#define KETCH_GUEST_MULTICALL_H

#include <xen/xen.h>

/* Fill entry e with hypercall op and up to six arguments (rest zero). */
void multicall_set(multicall_entry_t *e, unsigned long op, unsigned long a0,
		   unsigned long a1, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5);

/*
 * Run calls[0..n).  Returns the multicall's own result (0, or a negative
 * Xen errno when the batch itself was refused); when it ran, *first_error
 * (if non-NULL) gets the index of the first entry whose result is a
 * negative errno, or n if none.
 */
int multicall_run(multicall_entry_t *calls, unsigned int n,
		  unsigned int *first_error);

#endif
