/*
 * console_echo: reads its console ring's input side and writes each line
 * back as "console_echo <domid> echo: <line>"; the line "quit" powers it
 * off with code 0.  Prints "console_echo <domid> ready" first; gives up
 * after 60 s (code 1).  Needs "console=ring" (the console backend under
 * test is the one that fills in[]).
 */
#include <ketch-guest/kit.h>
#include <xen/io/console.h>

#define WAIT_NS (60ull * 1000000000ull)

static struct xencons_interface *ring;

static int input_pending(void *arg)
{
	(void)arg;
	return ring->in_cons != ring->in_prod;
}

/* Take what arrived into line[*n]; returns 1 when a whole line is there. */
static int take(char *line, unsigned int *n, unsigned int cap)
{
	XENCONS_RING_IDX cons = ring->in_cons, prod = ring->in_prod;

	rmb();
	if (prod - cons > sizeof(ring->in))
		return -1;
	while (cons != prod) {
		char c = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];

		if (c == '\n') {
			line[*n] = '\0';
			mb();
			ring->in_cons = cons;
			return 1;
		}
		if (*n < cap - 1)
			line[(*n)++] = c;
	}
	mb();
	ring->in_cons = cons;
	return 0;
}

int main(const start_info_t *si)
{
	int domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);
	uint64_t deadline = now_ns() + WAIT_NS;
	char line[128];
	unsigned int n = 0;
	int r;

	(void)si;
	if (!console_uses_ring()) {
		printk("console_echo %d: no console ring\n", domid);
		return 2;
	}
	ring = start_info_console_page();
	printk("console_echo %d ready\n", domid);
	while (events_block_until(input_pending, NULL, deadline) == 0) {
		while ((r = take(line, &n, sizeof(line))) == 1) {
			printk("console_echo %d echo: %s\n", domid, line);
			if (!strcmp(line, "quit"))
				return 0;
			n = 0;
		}
		if (r < 0)
			return 3;
	}
	printk("console_echo %d: no input in time\n", domid);
	return 1;
}
