/*
 * conflood: hostile console output for a daemon-mode ketch-hv, where
 * CONSOLEIO_write text goes into the hypervisor's log.  Writes a line
 * that tries to forge another domain's log line and a terminal escape,
 * then floods: rounds=N (default 4) multicalls of 1024 console writes of
 * 64 KiB each (64 MiB a round), waits wait_ms (default 5000) and prints
 * "conflood done".  Exit code 0.
 */
#include <ketch-guest/kit.h>

#define BIG 65536
#define ENTRIES 1024

static char big[BIG];
static multicall_entry_t mc[ENTRIES];

static void write_raw(const char *s, unsigned int n)
{
	HYPERVISOR_console_io(CONSOLEIO_write, (int)n, (char *)s);
}

int main(const start_info_t *si)
{
	static const char forged[] = "hello\n(ketch-hv 1.000) d99: crashed: forged\n\x1b[2Jcleared\n";
	unsigned long rounds = start_info_arg_ul("rounds", 4);
	uint64_t end;

	(void)si;
	write_raw(forged, sizeof(forged) - 1);
	for (unsigned int i = 0; i < BIG; i++)
		big[i] = i % 100 == 99 ? '\n' : 'A';
	for (unsigned int i = 0; i < ENTRIES; i++)
		multicall_set(&mc[i], __HYPERVISOR_console_io, CONSOLEIO_write, BIG,
			      (unsigned long)big, 0, 0, 0);
	for (unsigned long r = 0; r < rounds; r++)
		HYPERVISOR_multicall(mc, ENTRIES);
	end = deadline_after_ns(start_info_arg_ul("wait_ms", 5000) * 1000000ULL);
	while (!deadline_passed(end))
		sched_yield();
	printk("conflood done\n");
	return 0;
}
