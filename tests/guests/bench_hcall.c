/*
 * bench_hcall: cost of a null hypercall (xen_version(XENVER_version), the
 * cheapest call with no side effects) and of a fixed 100M-iteration
 * integer loop (native-speed check), timed with rdtsc.  Prints
 * machine-readable "bench key=value" lines: *_cycles always, *_ns only
 * when shared_info publishes a TSC scale (else tsc_scale=unknown and the
 * host converts cycles).  The command line may set "n=<hypercalls>";
 * "syscall=1" also times the same call made by direct syscall, "trap=1"
 * an int3 bounced to a handler of its trap table that returns by iretq
 * (both VT-x/SVM only: on PVM either ends the domain).
 */
#include <ketch-guest/kit.h>
#include <xen/version.h>

/*
 * #BP handler: drop the rcx/r11 words of Xen's frame, set RPL 3 in its CS
 * (Xen clears it for kernel mode) and IF in its rflags (it carries
 * !upcall_mask; ring 3 keeps the real IF on), as Mini-OS does before its
 * own iretq, then iretq to the instruction after the int3.
 */
__asm__(".text\n"
	"bench_bp_entry:\n\t"
	"popq %rcx\n\t"
	"popq %r11\n\t"
	"orq $3, 8(%rsp)\n\t"
	"orq $0x200, 16(%rsp)\n\t"
	"iretq\n");
void bench_bp_entry(void);

#define DEFAULT_CALLS 10000UL
#define LOOP_ITERS 100000000UL

static uint64_t time_hypercalls(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		HYPERVISOR_xen_version(XENVER_version, NULL);
	return rdtsc() - t0;
}

static uint64_t time_syscall_hypercalls(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		HYPERVISOR_syscall6(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0, 0);
	return rdtsc() - t0;
}

static uint64_t time_traps(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		__asm__ volatile("int3" ::: "memory");
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
	if (start_info_arg_ul("syscall", 0)) {
		time_syscall_hypercalls(100);
		report("syscall_hypercall", time_syscall_hypercalls(n) / n);
	}
	if (start_info_arg_ul("trap", 0)) {
		trap_info_t table[] = {
			{ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS,
			  .address = (unsigned long)bench_bp_entry },
			{ 0 },
		};

		if (HYPERVISOR_set_trap_table(table) == 0) {
			time_traps(100);
			report("trap_bounce", time_traps(n) / n);
		} else {
			printk("bench trap_bounce=unsupported\n");
		}
	}
	printk("bench loop_iters=%lu\n", LOOP_ITERS);
	report("loop", loop);
	return 0;
}
