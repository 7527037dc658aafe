/*
 * ticker: a guest that stays alive for a while and keeps proving it.
 * Prints "ticker <domid> tick <i>" for i in 1..N (N from "ticks=N" on the
 * command line, default 20), spinning about spin=M million loop
 * iterations (default 10) between ticks, then "ticker <domid> done" and
 * powers off with code 0.  Used to show one domain keeps running while
 * others boot, crash or are destroyed beside it.  sleep=MS blocks that
 * many milliseconds after each tick instead (spin=0 drops the spinning):
 * a domain that lives through a whole test without holding a CPU.
 *
 * control=1 also honours control/shutdown between ticks (Xen's PV
 * protocol): "poweroff" ends it, "suspend" suspends it
 * (suspend_domain) and then it prints "ticker <domid> resumed" (in a new
 * domain, after a restore: the ticks go on from where they were) or
 * "ticker <domid> suspend cancelled" (a checkpoint: the same domain).
 * fill=MiB first writes that much of its free memory (a pattern, no page
 * left zero), so a save has that much to write (bench/64-save.sh); after
 * each resume it reads every filled page back and says "ticker <domid>
 * fill intact (<n> pages)" or where the pattern broke.  dirty=MiB/s
 * then rewrites filled pages at about that rate, a burst after each tick
 * (each page's word 0 counts its rewrites and the others change with
 * it): a guest that keeps dirtying memory through a live migration.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/suspend.h>
#include <ketch-guest/xenbus.h>
#include <xen/sched.h>

static int domid;
static uint64_t **filled; /* the pages fill() wrote, for check_fill() */
static unsigned long nr_filled, next_dirty;

static uint64_t pattern(unsigned long n, unsigned int i)
{
	return (n << 9 | i) * 0x9e3779b97f4a7c15ULL | 1;
}

/* Page n after its word 0's count of rewrites. */
static void write_page(unsigned long n, uint64_t gen)
{
	filled[n][0] = gen;
	for (unsigned int i = 1; i < 512; i++)
		filled[n][i] = pattern(n, i) ^ gen;
}

static void check_fill(void)
{
	for (unsigned long n = 0; n < nr_filled; n++)
		for (unsigned int i = 1; i < 512; i++)
			if (filled[n][i] != (pattern(n, i) ^ filled[n][0])) {
				printk("ticker %d fill broken: page %lu word %u\n", domid, n, i);
				return;
			}
	if (nr_filled)
		printk("ticker %d fill intact (%lu pages)\n", domid, nr_filled);
}

/* A control/shutdown request, if one came: 1 to stop ticking. */
static int control(void)
{
	struct xenbus_event *ev;
	char *v;
	int stop = 0, rc;

	if (!xenbus_event_pending("ctl") || xenbus_take_event("ctl", &ev))
		return 0;
	free(ev);
	if (!(v = shutdown_request_take()))
		return 0;
	if (!strcmp(v, "suspend")) {
		printk("ticker %d suspending\n", domid);
		rc = suspend_domain();
		domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
		if (rc == 0) {
			printk("ticker %d resumed\n", domid);
			check_fill();
		}
		else
			printk("ticker %d suspend %s (%d)\n", domid, rc == 1 ? "cancelled" : "failed",
			       rc);
	} else if (!strcmp(v, "poweroff")) {
		stop = 1;
	}
	free(v);
	return stop;
}

/* mib MiB of free frames written, each page a value of its own. */
static void fill(unsigned long mib)
{
	unsigned long n;

	filled = malloc(mib * 256 * sizeof(*filled)); /* NULL: nothing checked */
	for (n = 0; n < mib * 256; n++) {
		uint64_t *p = alloc_page();

		if (!p)
			break;
		for (unsigned int i = 1; i < 512; i++)
			p[i] = pattern(n, i);
		p[0] = 0;
		if (filled)
			filled[nr_filled++] = p;
	}
	printk("ticker %d filled %lu MiB\n", domid, n / 256);
}

/* pages of the filled ones rewritten, round robin. */
static void dirty(unsigned long pages)
{
	for (unsigned long k = 0; k < pages && nr_filled; k++) {
		unsigned long n = next_dirty++ % nr_filled;

		write_page(n, filled[n][0] + 1);
	}
}

int main(const start_info_t *si)
{
	unsigned long ticks = start_info_arg_ul("ticks", 20);
	unsigned long spin = start_info_arg_ul("spin", 10) * 1000000UL;
	unsigned long sleep_ms = start_info_arg_ul("sleep", 0);
	int ctl = start_info_arg_ul("control", 0) != 0;
	/* pages per tick for dirty=MiB/s, a tick being sleep=MS (or 1 s) */
	unsigned long dirty_pages = start_info_arg_ul("dirty", 0) * 256 *
				    (sleep_ms ? sleep_ms : 1000) / 1000;

	domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	if (ctl && (init_xenbus(si) || xenbus_watch("control/shutdown", "ctl"))) {
		printk("ticker %d: no xenstore\n", domid);
		return 2;
	}
	if (start_info_arg_ul("fill", 0))
		fill(start_info_arg_ul("fill", 0));
	for (unsigned long i = 1; i <= ticks; i++) {
		for (volatile unsigned long j = 0; j < spin; j++)
			;
		printk("ticker %d tick %lu\n", domid, i);
		dirty(dirty_pages);
		if (sleep_ms)
			sleep_ns(sleep_ms * NSEC_PER_MSEC);
		if (ctl && control())
			break;
	}
	printk("ticker %d done\n", domid);
	return 0;
}
