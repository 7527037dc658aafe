/*
 * pingpong: two domains bounce n notifications over one interdomain event
 * channel.  Command line:
 *   role=server peer=<client domid> [port=<p>] [n=N]
 *	port given: an unbound port of this domain already allocated for the
 *	client (by the toolstack); otherwise the server allocates one and
 *	prints "pingpong port=<p>".  Answers every ping with a pong.
 *   role=client peer=<server domid> port=<p> [n=N]
 *	binds to the server's port and sends ping i+1 only after pong i, so
 *	no two notifications can merge into one event.
 * Either side retries for a while if its peer or port is not there yet.
 * upcall=1 takes events by upcall while spinning instead of blocking.
 * Both print "pingpong sent=<n> received=<n>"; exit code 0 when both
 * counts are exactly n (default 10000).
 */
#include <ketch-guest/kit.h>

/* Attempts (a yield apart) to find a peer that is not there yet. */
#define RETRIES 100000

static evtchn_port_t port;
static volatile unsigned long sent, received;
static int server;

static void on_event(evtchn_port_t p, void *arg)
{
	(void)arg;
	received++;
	if (server && evtchn_send(p) == 0)
		sent++;
}

static int got_all(void *arg)
{
	return received >= *(unsigned long *)arg;
}

/* Wait until received reaches want (the harness bounds the time). */
static int wait_for(unsigned long want, int spin)
{
	if (!spin)
		return events_block_until(got_all, &want, 0);
	while (received < want)
		cpu_relax();
	return 0;
}

static int setup_server(domid_t peer)
{
	port = (evtchn_port_t)start_info_arg_ul("port", 0);
	if (port) {
		events_bind_port(port, 0, on_event, NULL);
		return 0;
	}
	unsigned int tries = 0;
	int rc;

	/* The peer may not exist yet (boot order): retry a while. */
	while ((rc = evtchn_alloc_unbound(peer, on_event, NULL, &port)) ==
		       -XEN_ESRCH &&
	       ++tries < RETRIES)
		sched_yield();
	if (rc == 0)
		printk("pingpong port=%u\n", port);
	return rc;
}

static int setup_client(domid_t peer)
{
	evtchn_port_t remote = (evtchn_port_t)start_info_arg_ul("port", 0);
	unsigned int tries = 0;
	int rc;

	/* Until the server has allocated the port: -ESRCH or -EINVAL. */
	while ((rc = evtchn_bind_interdomain(peer, remote, NULL, NULL, &port)) < 0 &&
	       (rc == -XEN_ESRCH || rc == -XEN_EINVAL) && ++tries < RETRIES)
		sched_yield();
	if (rc < 0)
		return rc;
	do_events(); /* drop the event Xen raises on a freshly bound port */
	events_bind_port(port, 0, on_event, NULL);
	return 0;
}

static int client_loop(unsigned long n, int spin)
{
	for (unsigned long i = 1; i <= n; i++) {
		int rc = evtchn_send(port);

		if (rc < 0)
			return rc;
		sent++;
		if ((rc = wait_for(i, spin)) < 0)
			return rc;
	}
	return 0;
}

int main(const start_info_t *si)
{
	domid_t peer = (domid_t)start_info_arg_ul("peer", DOMID_SELF);
	unsigned long n = start_info_arg_ul("n", 10000);
	int spin = start_info_arg_ul("upcall", 0) != 0;
	int rc;

	(void)si;
	server = start_info_has_word("role=server");
	if (!server && !start_info_has_word("role=client")) {
		printk("pingpong: role=server or role=client required\n");
		return 2;
	}
	rc = server ? setup_server(peer) : setup_client(peer);
	if (rc == 0 && spin && (rc = events_register_callback()) == 0)
		events_restore_upcalls(0);
	if (rc == 0)
		rc = server ? wait_for(n, spin) : client_loop(n, spin);
	events_mask_upcalls();
	if (rc < 0)
		printk("pingpong %s: error %d\n", server ? "server" : "client", rc);
	printk("pingpong sent=%lu received=%lu\n", sent, received);
	return sent == n && received == n ? 0 : 1;
}
