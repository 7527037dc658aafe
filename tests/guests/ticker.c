/*
 * ticker: a guest that stays alive for a while and keeps proving it.
 * Prints "ticker <domid> tick <i>" for i in 1..N (N from "ticks=N" on the
 * command line, default 20), spinning about spin=M million loop
 * iterations (default 10) between ticks, then "ticker <domid> done" and
 * powers off with code 0.  Used to show one domain keeps running while
 * others boot, crash or are destroyed beside it.  sleep=MS blocks that
 * many milliseconds after each tick instead (spin=0 drops the spinning):
 * a domain that lives through a whole test without holding a CPU.
 */
#include <ketch-guest/kit.h>

int main(const start_info_t *si)
{
	int domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	unsigned long ticks = start_info_arg_ul("ticks", 20);
	unsigned long spin = start_info_arg_ul("spin", 10) * 1000000UL;
	unsigned long sleep_ms = start_info_arg_ul("sleep", 0);

	(void)si;
	for (unsigned long i = 1; i <= ticks; i++) {
		for (volatile unsigned long j = 0; j < spin; j++)
			;
		printk("ticker %d tick %lu\n", domid, i);
		if (sleep_ms)
			sleep_ns(sleep_ms * NSEC_PER_MSEC);
	}
	printk("ticker %d done\n", domid);
	return 0;
}
