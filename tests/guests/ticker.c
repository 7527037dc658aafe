/*
 * ticker: a guest that stays alive for a while and keeps proving it.
 * Prints "ticker <domid> tick <i>" for i in 1..N (N from "ticks=N" on the
 * command line, default 20), spinning about spin=M million loop
 * iterations (default 10) between ticks, then "ticker <domid> done" and
 * powers off with code 0.  Used to show one domain keeps running while
 * others boot, crash or are destroyed beside it.
 */
#include <ketch-guest/kit.h>

static unsigned long arg(const char *cmdline, const char *key, unsigned long def)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			unsigned long v = 0;

			for (p += klen + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long)(*p - '0');
			return v;
		}
	}
	return def;
}

int main(const start_info_t *si)
{
	int domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	unsigned long ticks = arg(start_info_cmdline(), "ticks", 20);
	unsigned long spin = arg(start_info_cmdline(), "spin", 10) * 1000000UL;

	(void)si;
	for (unsigned long i = 1; i <= ticks; i++) {
		for (volatile unsigned long j = 0; j < spin; j++)
			;
		printk("ticker %d tick %lu\n", domid, i);
	}
	printk("ticker %d done\n", domid);
	return 0;
}
