/*
 * bench_hcall: cost of a null hypercall (xen_version(XENVER_version), the
 * cheapest call with no side effects) and of a fixed 100M-iteration
 * integer loop (native-speed check), timed with rdtsc.  Prints
 * machine-readable "bench key=value" lines: *_cycles always, *_ns only
 * when shared_info publishes a TSC scale (else tsc_scale=unknown and the
 * host converts cycles).  The command line may set "n=<hypercalls>".
 */
#include <ketch-guest/kit.h>
#include <xen/version.h>

#define DEFAULT_CALLS 10000UL
#define LOOP_ITERS 100000000UL

static uint64_t time_hypercalls(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		HYPERVISOR_xen_version(XENVER_version, NULL);
	return rdtsc() - t0;
}

static uint64_t time_loop(void)
{
	uint64_t x = 1, t0 = rdtsc();

	for (unsigned long i = 0; i < LOOP_ITERS; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x)); /* keep every iteration */
	}
	return rdtsc() - t0;
}

static void report(const char *what, uint64_t cycles)
{
	printk("bench %s_cycles=%llu\n", what, (unsigned long long)cycles);
	if (time_tsc_known())
		printk("bench %s_ns=%llu\n", what,
		       (unsigned long long)time_tsc_to_ns(cycles));
}

int main(const start_info_t *si)
{
	unsigned long n = start_info_arg_ul("n", DEFAULT_CALLS);
	uint64_t hc, loop;

	(void)si;
	if (n == 0)
		n = DEFAULT_CALLS;
	time_hypercalls(100); /* warm up */
	hc = time_hypercalls(n);
	loop = time_loop();
	printk("bench tsc_scale=%s\n", time_tsc_known() ? "known" : "unknown");
	printk("bench hypercall_n=%lu\n", n);
	report("hypercall", hc / n);
	printk("bench loop_iters=%lu\n", LOOP_ITERS);
	report("loop", loop);
	return 0;
}
