/*
 * Console output paths: the xencons_interface ring (once the console event
 * channel works) or HYPERVISOR_console_io(CONSOLEIO_write) otherwise.
 */
#include <ketch-guest/kit.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

static struct xencons_interface *ring; /* NULL: use console_io */
static evtchn_port_t ring_port;

static int notify(void)
{
	struct evtchn_send send = { .port = ring_port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

/* The backend's "space freed" notifications: the writer polls the ring. */
static void ring_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
}

void init_console(const start_info_t *si)
{
	ring_port = si->console.domU.evtchn;
	/*
	 * A send on a real port succeeds whether or not a backend reads the
	 * ring, so the ring is opt-in: "console=ring" on the command line.
	 * Port 0 is never a valid event channel in Xen: no ring console.
	 */
	if (!start_info_has_word("console=ring"))
		return;
	if (ring_port == 0 || si->console.domU.mfn == 0 ||
	    si->console.domU.mfn >= si->nr_pages)
		return;
	events_bind_port(ring_port, 0, ring_event, NULL);
	if (notify() == 0)
		ring = start_info_console_page();
}

int console_uses_ring(void)
{
	return ring != NULL;
}

static void io_write(const char *buf, size_t len)
{
	while (len > 0) {
		int chunk = len > 4096 ? 4096 : (int)len;
		int rc = HYPERVISOR_console_io(CONSOLEIO_write, chunk,
					       (char *)buf);
		if (rc < 0)
			return; /* nowhere left to report it */
		buf += chunk;
		len -= (size_t)chunk;
	}
}

/* Copy into the ring, waiting for the backend whenever it is full. */
static void ring_write(const char *buf, size_t len)
{
	XENCONS_RING_IDX prod = ring->out_prod;

	while (len > 0) {
		XENCONS_RING_IDX cons = ring->out_cons;
		rmb();
		if (prod - cons >= sizeof(ring->out)) {
			wmb();
			ring->out_prod = prod;
			notify();
			sched_yield();
			continue;
		}
		ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *buf++;
		prod++;
		len--;
	}
	wmb(); /* data before the index that publishes it */
	ring->out_prod = prod;
	notify();
}

void console_write(const char *buf, size_t len)
{
	if (ring)
		ring_write(buf, len);
	else
		io_write(buf, len);
}
