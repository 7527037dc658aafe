/*
 * balloon: the balloon driver against a target given on the command line
 * (target_mb=, default 64) until xenstore's memory/target can drive it.
 * Touches all free memory (so the host really holds it), prints
 * "balloon touched", holds hold_ms (default 2000) so the host can measure,
 * balloons down to the target ("balloon down current=N"), holds again,
 * grows back to the maximum, checks that growing past it fails cleanly and
 * that a frame given back returns zeroed.  Exit code = failures.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <ketch-guest/balloon.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include "verdict.h"

static void touch_free_memory(void)
{
	void *first = NULL, **link = &first;
	void *p;
	unsigned long n = 0;

	/* Chain every free frame through its first word, then free them all. */
	while ((p = alloc_page())) {
		memset(p, 0xa5, 4096);
		*link = p;
		link = (void **)p;
		n++;
	}
	*link = NULL;
	for (p = first; p;) {
		void *next = *(void **)p;

		free_page(p);
		p = next;
	}
	printk("balloon touched %lu free frames\n", n);
}

static long one_frame(unsigned int op, xen_pfn_t pfn)
{
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

	set_xen_guest_handle(r.extent_start, &pfn);
	return HYPERVISOR_memory_op(op, &r);
}

static void frame_returns_zeroed(void)
{
	uint8_t *p = alloc_page();
	int zero = 1;

	memset(p, 0xab, 4096);
	verdict_rc("give one frame back", one_frame(XENMEM_decrease_reservation, virt_to_pfn(p)), 1);
	verdict_rc("give it back twice: 0 done", one_frame(XENMEM_decrease_reservation, virt_to_pfn(p)), 0);
	verdict_rc("populate it again", one_frame(XENMEM_populate_physmap, virt_to_pfn(p)), 1);
	for (int i = 0; i < 4096; i++)
		zero &= p[i] == 0;
	verdict_check(zero, "a frame given back returns zeroed", "contents");
	free_page(p);
}

int main(const start_info_t *si)
{
	unsigned long target = start_info_arg_ul("target_mb", 64) << 8;
	uint64_t hold = start_info_arg_ul("hold_ms", 2000) * 1000000ULL;
	long max = balloon_maximum(), cur;

	(void)si;
	verdict_rc("maximum is the created size", max, (long)start_info->nr_pages);
	verdict_rc("current starts at the maximum", balloon_current(), max);
	frame_returns_zeroed();
	touch_free_memory();
	sleep_ns(hold);
	cur = balloon_set_target(target);
	verdict_rc("ballooned down to the target", cur, (long)target);
	verdict_rc("current reservation agrees", balloon_current(), (long)target);
	printk("balloon down current=%ld pages held=%lu\n", balloon_current(), balloon_pages_out());
	sleep_ns(hold);
	verdict_rc("grown back to the maximum", balloon_set_target((unsigned long)max), max);
	verdict_rc("nothing held", (long)balloon_pages_out(), 0);
	verdict_rc("growing past the maximum fails", balloon_set_target((unsigned long)max + 1024),
		   -XEN_ENOMEM);
	verdict_rc("populate past RAM: 0 done", one_frame(XENMEM_populate_physmap, (xen_pfn_t)max), 0);
	verdict_rc("still at the maximum", balloon_current(), max);
	touch_free_memory();
	printk("balloon up current=%ld\n", balloon_current());
	return verdict_done("balloon");
}
