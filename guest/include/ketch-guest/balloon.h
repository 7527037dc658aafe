/*
 * Balloon driver: follows a target size by giving frames back to the
 * hypervisor (XENMEM_decrease_reservation) and taking them again
 * (XENMEM_populate_physmap).  Frames given back are held by the balloon,
 * so the frame allocator never hands them out.
 */
#ifndef KETCH_GUEST_BALLOON_H
#define KETCH_GUEST_BALLOON_H

/* Pages the domain holds now (XENMEM_current_reservation), or -errno. */
long balloon_current(void);
/* Its maximum (XENMEM_maximum_reservation), or -errno. */
long balloon_maximum(void);
/* Frames the balloon holds (given back). */
unsigned long balloon_pages_out(void);
/*
 * Move towards target pages in batches.  Returns the pages held
 * afterwards; -XEN_ENOMEM when the target could not be reached (no free
 * frames to give, or the hypervisor refused to populate: past the
 * domain's maximum), having moved as far as it could.
 */
long balloon_set_target(unsigned long target);

#endif
