/*
 * balloon.c - the balloon driver.  Shrinking takes free frames from the
 * allocator, records them and hands them back in batches; growing
 * populates recorded frames again and frees them to the allocator.  The
 * record is one array of gpfns sized for all of RAM, allocated on first use.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <ketch-guest/balloon.h>

#define BATCH 512

static xen_pfn_t *held;   /* frames given back, a stack */
static unsigned long nr_held;

static long reservation_op(unsigned int op, xen_pfn_t *list, unsigned long n)
{
	struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0,
		.domid = DOMID_SELF };

	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(op, &r);
}

static long size_op(unsigned int op)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(op, &self);
}

long balloon_current(void)
{
	return size_op(XENMEM_current_reservation);
}

long balloon_maximum(void)
{
	return size_op(XENMEM_maximum_reservation);
}

unsigned long balloon_pages_out(void)
{
	return nr_held;
}

/* Give up to n frames back; returns how many went. */
static unsigned long shrink(unsigned long n)
{
	xen_pfn_t *batch = held + nr_held;
	unsigned long got = 0;
	long done;

	while (got < n) {
		void *p = alloc_page();

		if (!p)
			break;
		batch[got++] = virt_to_pfn(p);
	}
	done = got ? reservation_op(XENMEM_decrease_reservation, batch, got) : 0;
	if (done < 0)
		done = 0;
	for (unsigned long i = (unsigned long)done; i < got; i++)
		free_page(pfn_to_virt(batch[i]));
	nr_held += (unsigned long)done;
	return (unsigned long)done;
}

/* Take up to n held frames back; returns how many came. */
static unsigned long grow(unsigned long n)
{
	xen_pfn_t *batch;
	long done;

	if (n > nr_held)
		n = nr_held;
	batch = held + nr_held - n;
	done = n ? reservation_op(XENMEM_populate_physmap, batch, n) : 0;
	if (done <= 0)
		return 0;
	for (long i = 0; i < done; i++)
		free_page(pfn_to_virt(batch[i]));
	/* Frames not populated stay held: move them down over the done ones. */
	for (unsigned long i = (unsigned long)done; i < n; i++)
		batch[i - (unsigned long)done] = batch[i];
	nr_held -= (unsigned long)done;
	return (unsigned long)done;
}

long balloon_set_target(unsigned long target)
{
	long cur = balloon_current();

	if (cur < 0)
		return cur;
	if (!held && !(held = malloc(start_info->nr_pages * sizeof(*held))))
		return -XEN_ENOMEM;
	while ((unsigned long)cur > target) {
		unsigned long want = (unsigned long)cur - target, d;

		d = shrink(want < BATCH ? want : BATCH);
		if (d == 0)
			return -XEN_ENOMEM;
		cur -= (long)d;
	}
	while ((unsigned long)cur < target) {
		unsigned long want = target - (unsigned long)cur, d;

		d = grow(want < BATCH ? want : BATCH);
		if (d == 0)
			return -XEN_ENOMEM;
		cur += (long)d;
	}
	return cur;
}
